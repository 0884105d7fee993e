//! Private tickets: the ticket, its messages (public replies and internal notes) and its events.

use crate::{Store, StoreError};
use sqlx::any::AnyRow;
use sqlx::{Any, Row, Transaction};

/// A stored ticket.
#[derive(Debug, Clone)]
pub struct TicketRow {
    /// Id.
    pub id: i64,
    /// The customer.
    pub requester_id: i64,
    /// The customer's username.
    pub requester_name: String,
    /// The plan it was filed under.
    pub plan_id: i64,
    /// Subject.
    pub subject: String,
    /// Status.
    pub status: String,
    /// Priority.
    pub priority: String,
    /// Agent in charge.
    pub assignee_id: Option<i64>,
    /// Filed.
    pub created_at: i64,
    /// Last change.
    pub updated_at: i64,
    /// The soonest running SLA due time ([`NO_DUE`] when none).
    pub due_at: i64,
    /// Whether any promise was broken.
    pub breached: bool,
    /// The first agent reply.
    pub first_reply_at: Option<i64>,
    /// The last time it was solved.
    pub solved_at: Option<i64>,
    /// The deflection session it was filed from.
    pub deflection_session_id: Option<i64>,
    /// The closed ticket this one follows up.
    pub follow_up_of: Option<i64>,
    /// Satisfaction: `good` or `bad`.
    pub csat: Option<String>,
    /// The customer's comment on their rating.
    pub csat_comment: String,
    /// The public post that covers it.
    pub covered_by: Option<i64>,
    /// Its match score in thousandths.
    pub coverage_score: Option<i64>,
    /// `suggested`, `confirmed` or `rejected`.
    pub coverage_state: Option<String>,
    /// The public question published from it.
    pub published_question_id: Option<i64>,
    /// The requester's organization when it was filed.
    pub organization_id: Option<i64>,
}

/// The due time of a ticket with no running promise (9999-12-31): sorts last in the inbox.
pub const NO_DUE: i64 = 253_402_300_799;

/// A message on a ticket.
#[derive(Debug, Clone)]
pub struct TicketMessageRow {
    /// Id.
    pub id: i64,
    /// Author.
    pub author_id: i64,
    /// Author's username.
    pub author_name: String,
    /// Rendered, sanitised HTML.
    pub body_html: String,
    /// Markdown source.
    pub body_md: String,
    /// An internal note (agents only).
    pub internal: bool,
    /// When.
    pub created_at: i64,
}

/// An event in a ticket's history.
#[derive(Debug, Clone)]
pub struct TicketEventRow {
    /// Who (none for the system).
    pub actor_id: Option<i64>,
    /// `created`, `agent_reply`, `customer_reply`, `note`, `status`, `priority`, `assignee`.
    pub kind: String,
    /// The new value, for changes.
    pub value: String,
    /// When.
    pub created_at: i64,
}

/// A change to record: `(kind, value)`.
pub type Change<'a> = (&'a str, String);

pub(crate) const COLUMNS: &str =
    "t.id, t.requester_id, u.username AS requester_name, t.plan_id, t.subject, t.status, t.priority, \
    t.assignee_id, t.created_at, t.updated_at, t.due_at, t.breached, t.first_reply_at, \
    t.solved_at, t.deflection_session_id, t.follow_up_of, t.csat, t.csat_comment, \
    t.covered_by, t.coverage_score, t.coverage_state, t.published_question_id, t.organization_id";
pub(crate) const FROM: &str = "FROM tickets t JOIN users u ON u.id = t.requester_id";

pub(crate) fn ticket_from_row(r: &AnyRow) -> Result<TicketRow, sqlx::Error> {
    Ok(TicketRow {
        id: r.try_get("id")?,
        requester_id: r.try_get("requester_id")?,
        requester_name: r.try_get("requester_name")?,
        plan_id: r.try_get("plan_id")?,
        subject: r.try_get("subject")?,
        status: r.try_get("status")?,
        priority: r.try_get("priority")?,
        assignee_id: r.try_get("assignee_id")?,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
        due_at: r.try_get("due_at")?,
        breached: r.try_get::<i64, _>("breached")? != 0,
        first_reply_at: r.try_get("first_reply_at")?,
        solved_at: r.try_get("solved_at")?,
        deflection_session_id: r.try_get("deflection_session_id")?,
        follow_up_of: r.try_get("follow_up_of")?,
        csat: r.try_get("csat")?,
        csat_comment: r.try_get("csat_comment")?,
        covered_by: r.try_get("covered_by")?,
        coverage_score: r.try_get("coverage_score")?,
        coverage_state: r.try_get("coverage_state")?,
        published_question_id: r.try_get("published_question_id")?,
        organization_id: r.try_get("organization_id")?,
    })
}

async fn event_in(
    tx: &mut Transaction<'_, Any>,
    ticket_id: i64,
    actor_id: Option<i64>,
    kind: &str,
    value: &str,
    now: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO ticket_events (ticket_id, actor_id, kind, value, created_at)
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(ticket_id)
    .bind(actor_id)
    .bind(kind)
    .bind(value)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// A new ticket with its first message.
#[derive(Debug, Clone)]
pub struct NewTicket<'a> {
    /// The customer.
    pub requester_id: i64,
    /// Their plan.
    pub plan_id: i64,
    /// Subject.
    pub subject: &'a str,
    /// Priority.
    pub priority: &'a str,
    /// Markdown of the first message.
    pub body_md: &'a str,
    /// Its HTML.
    pub body_html: &'a str,
    /// The deflection session it was filed from.
    pub deflection_session_id: Option<i64>,
    /// The closed ticket it follows up.
    pub follow_up_of: Option<i64>,
    /// The requester's organization.
    pub organization_id: Option<i64>,
    /// The soonest due time of its clocks, if any.
    pub due_at: Option<i64>,
    /// When a warning or breach first begins.
    pub check_at: Option<i64>,
    /// When.
    pub now: i64,
}

impl Store {
    /// Tickets of one requester that are not solved or closed.
    pub async fn open_tickets_of(&self, requester_id: i64) -> Result<i64, StoreError> {
        Ok(sqlx::query(
            "SELECT COUNT(*) FROM tickets WHERE requester_id = $1 AND status NOT IN ('solved', 'closed')",
        )
        .bind(requester_id)
        .fetch_one(self.reader())
        .await?
        .try_get(0)?)
    }

    /// Files a ticket with its first message and its `created` event, in one transaction.
    pub async fn insert_ticket(&self, t: &NewTicket<'_>) -> Result<i64, StoreError> {
        let mut tx = self.write_tx().await?;
        let id: i64 = sqlx::query(
            "INSERT INTO tickets (requester_id, plan_id, subject, priority, created_at, updated_at,
                 deflection_session_id, follow_up_of, organization_id, due_at, check_at)
             VALUES ($1, $2, $3, $4, $5, $5, $6, $7, $8, $9, $10) RETURNING id",
        )
        .bind(t.requester_id)
        .bind(t.plan_id)
        .bind(t.subject)
        .bind(t.priority)
        .bind(t.now)
        .bind(t.deflection_session_id)
        .bind(t.follow_up_of)
        .bind(t.organization_id)
        .bind(t.due_at.unwrap_or(NO_DUE))
        .bind(t.check_at)
        .fetch_one(&mut *tx)
        .await?
        .try_get(0)?;
        insert_message_in(
            &mut tx,
            id,
            t.requester_id,
            t.body_md,
            t.body_html,
            false,
            t.now,
        )
        .await?;
        event_in(&mut tx, id, Some(t.requester_id), "created", "", t.now).await?;
        if self.notifications_on() {
            let e = stoa_domain::notify::Event::TicketCreated { ticket_id: id };
            crate::jobs::enqueue_in(&mut tx, &[crate::jobs::event_job(&e, t.now)], t.now).await?;
        }
        // Matching the ticket against articles and answers is a search: the queue does it, so
        // filing stays a few inserts.
        let coverage = crate::jobs::NewJob::now(
            crate::jobs::TICKET_COVERAGE_JOB,
            format!("{{\"ticket_id\":{id}}}"),
            t.now,
        )
        .keyed(format!("ticket.coverage:{id}"));
        crate::jobs::enqueue_in(&mut tx, &[coverage], t.now).await?;
        if let Some(prev) = t.follow_up_of {
            event_in(
                &mut tx,
                prev,
                Some(t.requester_id),
                "follow_up",
                &id.to_string(),
                t.now,
            )
            .await?;
        }
        tx.commit().await?;
        Ok(id)
    }

    /// One ticket.
    pub async fn ticket(&self, id: i64) -> Result<Option<TicketRow>, StoreError> {
        let row = sqlx::query(&format!("SELECT {COLUMNS} {FROM} WHERE t.id = $1"))
            .bind(id)
            .fetch_optional(self.reader())
            .await?;
        Ok(row.as_ref().map(ticket_from_row).transpose()?)
    }

    /// A ticket's messages, oldest first; internal notes only when asked for.
    pub async fn ticket_messages(
        &self,
        ticket_id: i64,
        with_internal: bool,
    ) -> Result<Vec<TicketMessageRow>, StoreError> {
        let rows = sqlx::query(
            "SELECT m.id, m.author_id, u.username AS author_name, m.body_html, m.body_md, m.internal, m.created_at
             FROM ticket_messages m JOIN users u ON u.id = m.author_id
             WHERE m.ticket_id = $1 AND (m.internal = 0 OR $2 = 1) ORDER BY m.id",
        )
        .bind(ticket_id)
        .bind(i64::from(with_internal))
        .fetch_all(self.reader())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(TicketMessageRow {
                    id: r.try_get("id")?,
                    author_id: r.try_get("author_id")?,
                    author_name: r.try_get("author_name")?,
                    body_html: r.try_get("body_html")?,
                    body_md: r.try_get("body_md")?,
                    internal: r.try_get::<i64, _>("internal")? != 0,
                    created_at: r.try_get("created_at")?,
                })
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(Into::into)
    }

    /// A ticket's history, oldest first.
    pub async fn ticket_events(&self, ticket_id: i64) -> Result<Vec<TicketEventRow>, StoreError> {
        let rows = sqlx::query(
            "SELECT actor_id, kind, value, created_at FROM ticket_events
             WHERE ticket_id = $1 ORDER BY id",
        )
        .bind(ticket_id)
        .fetch_all(self.reader())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(TicketEventRow {
                    actor_id: r.try_get("actor_id")?,
                    kind: r.try_get("kind")?,
                    value: r.try_get("value")?,
                    created_at: r.try_get("created_at")?,
                })
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(Into::into)
    }

    /// Adds a message, its event (`agent_reply`, `customer_reply` or `note`) and the status
    /// change it causes, if any, in one transaction.
    #[allow(clippy::too_many_arguments)]
    pub async fn add_ticket_message(
        &self,
        ticket_id: i64,
        author_id: i64,
        body_md: &str,
        body_html: &str,
        kind: &str,
        new_status: Option<&str>,
        now: i64,
    ) -> Result<i64, StoreError> {
        let mut tx = self.write_tx().await?;
        let id = insert_message_in(
            &mut tx,
            ticket_id,
            author_id,
            body_md,
            body_html,
            kind == "note",
            now,
        )
        .await?;
        event_in(&mut tx, ticket_id, Some(author_id), kind, "", now).await?;
        if kind != "note" && self.notifications_on() {
            let event = stoa_domain::notify::Event::TicketMessage {
                ticket_id,
                message_id: id,
            };
            crate::jobs::enqueue_in(&mut tx, &[crate::jobs::event_job(&event, now)], now).await?;
        }
        if kind == "agent_reply" {
            sqlx::query(
                "UPDATE tickets SET first_reply_at = COALESCE(first_reply_at, $2) WHERE id = $1",
            )
            .bind(ticket_id)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        }
        if let Some(s) = new_status {
            set_in(&mut tx, ticket_id, "status", s, now).await?;
            event_in(&mut tx, ticket_id, Some(author_id), "status", s, now).await?;
        }
        touch_in(&mut tx, ticket_id, now).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Applies field changes (`status`, `priority`, `assignee`), each recorded as an event.
    pub async fn change_ticket(
        &self,
        ticket_id: i64,
        actor_id: i64,
        changes: &[Change<'_>],
        now: i64,
    ) -> Result<(), StoreError> {
        let mut tx = self.write_tx().await?;
        if self.backend() == crate::Backend::Postgres {
            // Changes of one ticket take turns, so that the event rows of this one are a
            // contiguous range the webhook event can name.
            sqlx::query("SELECT id FROM tickets WHERE id = $1 FOR UPDATE")
                .bind(ticket_id)
                .execute(&mut *tx)
                .await?;
        }
        let before = last_event_in(&mut tx, ticket_id).await?;
        for (field, value) in changes {
            set_in(&mut tx, ticket_id, field, value, now).await?;
            event_in(&mut tx, ticket_id, Some(actor_id), field, value, now).await?;
        }
        touch_in(&mut tx, ticket_id, now).await?;
        if !changes.is_empty() && self.notifications_on() {
            // The event names the rows that record this change.
            let last = last_event_in(&mut tx, ticket_id).await?;
            let e = stoa_domain::notify::Event::TicketChanged {
                ticket_id,
                events: (before + 1, last),
            };
            crate::jobs::enqueue_in(&mut tx, &[crate::jobs::event_job(&e, now)], now).await?;
        }
        tx.commit().await?;
        Ok(())
    }
}

/// The id of a ticket's latest event (0 without one).
async fn last_event_in(tx: &mut Transaction<'_, Any>, ticket_id: i64) -> Result<i64, StoreError> {
    Ok(
        sqlx::query("SELECT COALESCE(MAX(id), 0) FROM ticket_events WHERE ticket_id = $1")
            .bind(ticket_id)
            .fetch_one(&mut **tx)
            .await?
            .try_get(0)?,
    )
}

async fn insert_message_in(
    tx: &mut Transaction<'_, Any>,
    ticket_id: i64,
    author_id: i64,
    body_md: &str,
    body_html: &str,
    internal: bool,
    now: i64,
) -> Result<i64, StoreError> {
    Ok(sqlx::query(
        "INSERT INTO ticket_messages (ticket_id, author_id, body_md, body_html, internal, created_at)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(ticket_id)
    .bind(author_id)
    .bind(body_md)
    .bind(body_html)
    .bind(i64::from(internal))
    .bind(now)
    .fetch_one(&mut **tx)
    .await?
    .try_get(0)?)
}

async fn set_in(
    tx: &mut Transaction<'_, Any>,
    ticket_id: i64,
    field: &str,
    value: &str,
    now: i64,
) -> Result<(), StoreError> {
    if field == "tags" {
        return set_tags_in(tx, ticket_id, value).await;
    }
    let sql = match field {
        // The solve time feeds the report and the auto-close; done tickets leave the SLA check.
        "status" => {
            "UPDATE tickets SET status = $2,
                 solved_at = CASE WHEN $2 = 'solved' THEN $3 ELSE solved_at END,
                 check_at = CASE WHEN $2 IN ('solved', 'closed') THEN NULL ELSE $3 END,
                 due_at = CASE WHEN $2 IN ('solved', 'closed') THEN 253402300799 ELSE due_at END
             WHERE id = $1"
        }
        "priority" => "UPDATE tickets SET priority = $2 WHERE id = $1",
        // An empty value unassigns.
        "assignee" => {
            "UPDATE tickets SET assignee_id = CAST(NULLIF($2, '') AS BIGINT) WHERE id = $1"
        }
        _ => {
            return Err(StoreError::Conflict(format!(
                "unknown ticket field {field}"
            )))
        }
    };
    let mut q = sqlx::query(sql).bind(ticket_id).bind(value);
    if field == "status" {
        q = q.bind(now);
    }
    q.execute(&mut **tx).await?;
    Ok(())
}

/// Replaces a ticket's tags with the space-separated `value`.
async fn set_tags_in(
    tx: &mut Transaction<'_, Any>,
    ticket_id: i64,
    value: &str,
) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM ticket_tags WHERE ticket_id = $1")
        .bind(ticket_id)
        .execute(&mut **tx)
        .await?;
    for tag in value.split_whitespace() {
        sqlx::query(
            "INSERT INTO ticket_tags (ticket_id, tag) VALUES ($1, $2) ON CONFLICT DO NOTHING",
        )
        .bind(ticket_id)
        .bind(tag)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

async fn touch_in(
    tx: &mut Transaction<'_, Any>,
    ticket_id: i64,
    now: i64,
) -> Result<(), StoreError> {
    sqlx::query("UPDATE tickets SET updated_at = $2 WHERE id = $1")
        .bind(ticket_id)
        .bind(now)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

impl Store {
    /// Records system events (`kind`, `value`) on a ticket unless the same one is there
    /// already; how many were new. Breaches and warnings are recorded once each.
    pub async fn record_ticket_events_once(
        &self,
        ticket_id: i64,
        events: &[(&str, String)],
        now: i64,
    ) -> Result<usize, StoreError> {
        if events.is_empty() {
            return Ok(0);
        }
        let mut tx = self.write_tx().await?;
        let mut added = 0;
        for (kind, value) in events {
            let done = sqlx::query(
                "INSERT INTO ticket_events (ticket_id, actor_id, kind, value, created_at)
                 SELECT $1, NULL, $2, $3, $4
                 WHERE NOT EXISTS (SELECT 1 FROM ticket_events WHERE ticket_id = $1 AND kind = $2 AND value = $3)",
            )
            .bind(ticket_id)
            .bind(*kind)
            .bind(value)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            added += done.rows_affected() as usize;
        }
        tx.commit().await?;
        Ok(added)
    }
}
