//! Private tickets: the ticket, its messages (public replies and internal notes) and its events.

use crate::lists::Page;
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
}

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

const COLUMNS: &str =
    "t.id, t.requester_id, u.username, t.plan_id, t.subject, t.status, t.priority, \
    t.assignee_id, t.created_at, t.updated_at";
const FROM: &str = "FROM tickets t JOIN users u ON u.id = t.requester_id";

fn ticket_from_row(r: &AnyRow) -> Result<TicketRow, sqlx::Error> {
    Ok(TicketRow {
        id: r.try_get(0)?,
        requester_id: r.try_get(1)?,
        requester_name: r.try_get(2)?,
        plan_id: r.try_get(3)?,
        subject: r.try_get(4)?,
        status: r.try_get(5)?,
        priority: r.try_get(6)?,
        assignee_id: r.try_get(7)?,
        created_at: r.try_get(8)?,
        updated_at: r.try_get(9)?,
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
            "INSERT INTO tickets (requester_id, plan_id, subject, priority, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $5) RETURNING id",
        )
        .bind(t.requester_id)
        .bind(t.plan_id)
        .bind(t.subject)
        .bind(t.priority)
        .bind(t.now)
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

    /// A page of tickets, most recently changed first: one requester's (or everyone's), with
    /// optional status and assignee filters.
    pub async fn tickets_page(
        &self,
        requester_id: Option<i64>,
        status: Option<&str>,
        assignee_id: Option<i64>,
        limit: i64,
        offset: i64,
    ) -> Result<Page<TicketRow>, StoreError> {
        let filter = "($1 IS NULL OR t.requester_id = $1) AND ($2 IS NULL OR t.status = $2)
             AND ($3 IS NULL OR t.assignee_id = $3)";
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} {FROM} WHERE {filter} ORDER BY t.updated_at DESC, t.id DESC LIMIT $4 OFFSET $5"
        ))
        .bind(requester_id)
        .bind(status)
        .bind(assignee_id)
        .bind(limit)
        .bind(offset)
        .fetch_all(self.reader())
        .await?;
        let total: i64 = sqlx::query(&format!("SELECT COUNT(*) {FROM} WHERE {filter}"))
            .bind(requester_id)
            .bind(status)
            .bind(assignee_id)
            .fetch_one(self.reader())
            .await?
            .try_get(0)?;
        Ok(Page {
            items: rows.iter().map(ticket_from_row).collect::<Result<_, _>>()?,
            total,
        })
    }

    /// A ticket's messages, oldest first; internal notes only when asked for.
    pub async fn ticket_messages(
        &self,
        ticket_id: i64,
        with_internal: bool,
    ) -> Result<Vec<TicketMessageRow>, StoreError> {
        let rows = sqlx::query(
            "SELECT m.id, m.author_id, u.username, m.body_html, m.body_md, m.internal, m.created_at
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
                    id: r.try_get(0)?,
                    author_id: r.try_get(1)?,
                    author_name: r.try_get(2)?,
                    body_html: r.try_get(3)?,
                    body_md: r.try_get(4)?,
                    internal: r.try_get::<i64, _>(5)? != 0,
                    created_at: r.try_get(6)?,
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
                    actor_id: r.try_get(0)?,
                    kind: r.try_get(1)?,
                    value: r.try_get(2)?,
                    created_at: r.try_get(3)?,
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
        if let Some(s) = new_status {
            set_in(&mut tx, ticket_id, "status", s).await?;
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
        for (field, value) in changes {
            set_in(&mut tx, ticket_id, field, value).await?;
            event_in(&mut tx, ticket_id, Some(actor_id), field, value, now).await?;
        }
        touch_in(&mut tx, ticket_id, now).await?;
        tx.commit().await?;
        Ok(())
    }
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
) -> Result<(), StoreError> {
    let sql = match field {
        "status" => "UPDATE tickets SET status = $2 WHERE id = $1",
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
    sqlx::query(sql)
        .bind(ticket_id)
        .bind(value)
        .execute(&mut **tx)
        .await?;
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
    /// Ids of tickets whose clocks may run (not solved or closed), oldest change first.
    pub async fn running_tickets(&self, limit: i64) -> Result<Vec<i64>, StoreError> {
        let rows = sqlx::query(
            "SELECT id FROM tickets WHERE status NOT IN ('solved', 'closed')
             ORDER BY updated_at, id LIMIT $1",
        )
        .bind(limit)
        .fetch_all(self.reader())
        .await?;
        crate::lists::first_column(&rows)
    }

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
