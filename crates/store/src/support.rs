//! The support desk around tickets: the inbox with its filters, tags, the SLA bookkeeping the
//! job queue keeps, auto-close, satisfaction, coverage by public knowledge, publishing with
//! consent, canned replies, and the figures of the support report.

use crate::tickets::{ticket_from_row, TicketRow, COLUMNS, FROM, NO_DUE};
use crate::{Store, StoreError};
use sqlx::any::AnyRow;
use sqlx::Row;
use std::collections::HashMap;

/// Which tickets a list shows; absent fields do not filter.
#[derive(Debug, Clone, Default)]
pub struct TicketFilter {
    /// Only this requester's (customers see their own).
    pub requester_id: Option<i64>,
    /// With `requester_id`: also the tickets of this organization on plans that share them.
    pub organization_id: Option<i64>,
    /// One status; without it, the agent inbox shows the tickets still to work on.
    pub status: Option<String>,
    /// `Some(Some(id))`: assigned to id; `Some(None)`: unassigned.
    pub assignee: Option<Option<i64>>,
    /// Only breached (`true`) or never breached (`false`) tickets.
    pub breached: Option<bool>,
    /// Filed under this plan.
    pub plan_id: Option<i64>,
    /// With this tag.
    pub tag: Option<String>,
}

/// Ticket lists count matches up to this many: an exact count of 100,000 open tickets costs
/// tens of milliseconds on every inbox page, and nobody pages past a thousand.
pub const TICKET_COUNT_CAP: i64 = 1_000;

/// A page of tickets and how many match.
#[derive(Debug, Clone)]
pub struct TicketPage {
    /// This page.
    pub items: Vec<TicketRow>,
    /// Matches, counted up to [`TICKET_COUNT_CAP`].
    pub total: i64,
    /// Whether more than [`TICKET_COUNT_CAP`] match.
    pub total_capped: bool,
}

/// How a ticket list is ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TicketSort {
    /// The soonest due first (the agent inbox); only tickets still to work on unless a status
    /// is asked for.
    Due,
    /// The most recently changed first.
    Recent,
}

enum Bind {
    I(i64),
    S(String),
}

/// Conditions joined by AND, with their numbered placeholders.
#[derive(Default)]
struct Where {
    cond: Vec<String>,
    binds: Vec<Bind>,
}

impl Where {
    /// Adds a condition whose `?` is the next placeholder.
    fn add(&mut self, sql: &str, b: Bind) {
        self.binds.push(b);
        self.cond
            .push(sql.replace('?', &format!("${}", self.binds.len())));
    }
}

/// A ticket's deflection session as agents see it: what was searched, what was shown and
/// which suggestions were opened.
#[derive(Debug, Clone)]
pub struct DeflectionTrail {
    /// The last search typed.
    pub query: String,
    /// Suggestions shown, best rank first.
    pub items: Vec<TrailItem>,
}

/// One suggestion of a deflection session.
#[derive(Debug, Clone)]
pub struct TrailItem {
    /// The post.
    pub post_id: i64,
    /// `question` or `article`.
    pub kind: String,
    /// Its title.
    pub title: String,
    /// Its best rank, from 1.
    pub rank: i64,
    /// Whether the visitor opened it.
    pub opened: bool,
}

/// A proposal to publish a ticket.
#[derive(Debug, Clone)]
pub struct PublicationRow {
    /// The ticket.
    pub ticket_id: i64,
    /// The agent who proposed it.
    pub proposed_by: i64,
    /// The agent credited with the answer.
    pub answerer_id: i64,
    /// Proposed (masked) title.
    pub title: String,
    /// Proposed (masked) question.
    pub question_md: String,
    /// Proposed (masked) answer.
    pub answer_md: String,
    /// Space-separated tags.
    pub tags: String,
    /// `proposed`, `accepted` or `declined`.
    pub state: String,
    /// When proposed.
    pub proposed_at: i64,
    /// When decided.
    pub decided_at: Option<i64>,
    /// The public question, once published.
    pub question_id: Option<i64>,
}

/// A canned reply.
#[derive(Debug, Clone)]
pub struct CannedReplyRow {
    /// Id.
    pub id: i64,
    /// Short title agents pick it by.
    pub title: String,
    /// Markdown.
    pub body_md: String,
}

/// What the support report needs of one ticket.
#[derive(Debug, Clone)]
pub struct ReportTicket {
    /// Plan name.
    pub plan: String,
    /// Subject.
    pub subject: String,
    /// Filed.
    pub created_at: i64,
    /// First agent reply.
    pub first_reply_at: Option<i64>,
    /// Last solved.
    pub solved_at: Option<i64>,
    /// Any promise broken.
    pub breached: bool,
    /// Status now.
    pub status: String,
    /// `good` / `bad`.
    pub csat: Option<String>,
    /// Covering post, unless agents rejected it.
    pub covered_by: Option<i64>,
}

/// A new proposal.
#[derive(Debug, Clone)]
pub struct NewPublication<'a> {
    /// The ticket.
    pub ticket_id: i64,
    /// The agent proposing.
    pub proposed_by: i64,
    /// The agent credited with the answer.
    pub answerer_id: i64,
    /// Masked title.
    pub title: &'a str,
    /// Masked question.
    pub question_md: &'a str,
    /// Masked answer.
    pub answer_md: &'a str,
    /// Space-separated tags.
    pub tags: &'a str,
    /// When.
    pub now: i64,
}

fn publication_from_row(r: &AnyRow) -> Result<PublicationRow, sqlx::Error> {
    Ok(PublicationRow {
        ticket_id: r.try_get("ticket_id")?,
        proposed_by: r.try_get("proposed_by")?,
        answerer_id: r.try_get("answerer_id")?,
        title: r.try_get("title")?,
        question_md: r.try_get("question_md")?,
        answer_md: r.try_get("answer_md")?,
        tags: r.try_get("tags")?,
        state: r.try_get("state")?,
        proposed_at: r.try_get("proposed_at")?,
        decided_at: r.try_get("decided_at")?,
        question_id: r.try_get("question_id")?,
    })
}

impl Store {
    /// A page of tickets matching `f`, in `sort` order, with the total.
    pub async fn ticket_list(
        &self,
        f: &TicketFilter,
        sort: TicketSort,
        limit: i64,
        offset: i64,
    ) -> Result<TicketPage, StoreError> {
        let mut w = Where::default();
        match (f.requester_id, f.organization_id) {
            (Some(r), Some(o)) => {
                w.binds.push(Bind::I(r));
                w.binds.push(Bind::I(o));
                let (a, b) = (w.binds.len() - 1, w.binds.len());
                w.cond.push(format!(
                    "(t.requester_id = ${a} OR (t.organization_id = ${b} AND t.plan_id IN
                        (SELECT id FROM plans WHERE organization_visible = 1)))"
                ));
            }
            (Some(r), None) => w.add("t.requester_id = ?", Bind::I(r)),
            _ => {}
        }
        match &f.status {
            Some(s) => w.add("t.status = ?", Bind::S(s.clone())),
            None if sort == TicketSort::Due => {
                w.cond.push("t.status NOT IN ('solved', 'closed')".into())
            }
            None => {}
        }
        match f.assignee {
            Some(Some(a)) => w.add("t.assignee_id = ?", Bind::I(a)),
            Some(None) => w.cond.push("t.assignee_id IS NULL".into()),
            None => {}
        }
        // A literal, not a parameter: a partial index only serves a query whose terms it can
        // see.
        match f.breached {
            Some(true) => w.cond.push("t.breached = 1".into()),
            Some(false) => w.cond.push("t.breached = 0".into()),
            None => {}
        }
        if let Some(p) = f.plan_id {
            w.add("t.plan_id = ?", Bind::I(p));
        }
        // A tag is checked per ticket while walking the list in order (a page needs a few
        // hundred), but counted from the tag's side (a count walks them all).
        let tag_at = f.tag.as_ref().map(|tag| {
            w.binds.push(Bind::S(tag.clone()));
            w.binds.len()
        });
        let (cond, binds) = (w.cond, w.binds);
        let n = binds.len();
        let with = |tag_sql: Option<String>| {
            let mut all = cond.clone();
            all.extend(tag_sql);
            if all.is_empty() {
                "1 = 1".to_string()
            } else {
                all.join(" AND ")
            }
        };
        let filter = with(tag_at.map(|i| {
            format!(
                "EXISTS (SELECT 1 FROM ticket_tags g WHERE g.ticket_id = t.id AND g.tag = ${i})"
            )
        }));
        let count_filter = with(
            tag_at.map(|i| format!("t.id IN (SELECT ticket_id FROM ticket_tags WHERE tag = ${i})")),
        );
        let order = match sort {
            TicketSort::Due => "t.due_at, t.id",
            TicketSort::Recent => "t.updated_at DESC, t.id DESC",
        };
        let sql = format!(
            "SELECT {COLUMNS} {FROM} WHERE {filter} ORDER BY {order} LIMIT ${} OFFSET ${}",
            n + 1,
            n + 2
        );
        let mut q = sqlx::query(&sql);
        for b in &binds {
            q = match b {
                Bind::I(v) => q.bind(*v),
                Bind::S(v) => q.bind(v.as_str()),
            };
        }
        let rows = q.bind(limit).bind(offset).fetch_all(self.reader()).await?;
        let count_sql = format!(
            "SELECT COUNT(*) FROM (SELECT 1 FROM tickets t WHERE {count_filter} LIMIT {}) c",
            TICKET_COUNT_CAP + 1
        );
        let mut q = sqlx::query(&count_sql);
        for b in &binds {
            q = match b {
                Bind::I(v) => q.bind(*v),
                Bind::S(v) => q.bind(v.as_str()),
            };
        }
        let total: i64 = q.fetch_one(self.reader()).await?.try_get(0)?;
        Ok(TicketPage {
            items: rows.iter().map(ticket_from_row).collect::<Result<_, _>>()?,
            total: total.min(TICKET_COUNT_CAP),
            total_capped: total > TICKET_COUNT_CAP,
        })
    }

    /// The tags of some tickets, by ticket id (one query for a whole list).
    pub async fn tags_of_tickets(
        &self,
        ids: &[i64],
    ) -> Result<HashMap<i64, Vec<String>>, StoreError> {
        let mut out: HashMap<i64, Vec<String>> = HashMap::new();
        if ids.is_empty() {
            return Ok(out);
        }
        let list = ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
        let rows = sqlx::query(&format!(
            "SELECT ticket_id, tag FROM ticket_tags WHERE ticket_id IN ({list}) ORDER BY tag"
        ))
        .fetch_all(self.reader())
        .await?;
        for r in rows {
            out.entry(r.try_get("ticket_id")?)
                .or_default()
                .push(r.try_get("tag")?);
        }
        Ok(out)
    }

    /// Stores what the SLA clocks say: the soonest due time, whether anything breached, and
    /// when the job queue must look again (`None`: only after the next change).
    pub async fn set_ticket_clock(
        &self,
        id: i64,
        due_at: Option<i64>,
        breached: bool,
        check_at: Option<i64>,
    ) -> Result<(), StoreError> {
        sqlx::query("UPDATE tickets SET due_at = $2, breached = $3, check_at = $4 WHERE id = $1")
            .bind(id)
            .bind(due_at.unwrap_or(NO_DUE))
            .bind(i64::from(breached))
            .bind(check_at)
            .execute(self.writer())
            .await?;
        Ok(())
    }

    /// Tickets whose clocks must be looked at by `now`, the most overdue check first.
    pub async fn tickets_to_check(&self, now: i64, limit: i64) -> Result<Vec<i64>, StoreError> {
        let rows = sqlx::query(
            "SELECT id FROM tickets WHERE check_at IS NOT NULL AND check_at <= $1
             ORDER BY check_at, id LIMIT $2",
        )
        .bind(now)
        .bind(limit)
        .fetch_all(self.reader())
        .await?;
        crate::lists::first_column(&rows)
    }

    /// Closes tickets solved before `cutoff`, each with a `status` event by the system; the
    /// ids closed.
    pub async fn close_solved_before(&self, cutoff: i64, now: i64) -> Result<Vec<i64>, StoreError> {
        let mut tx = self.write_tx().await?;
        let rows = sqlx::query(
            "SELECT id FROM tickets WHERE status = 'solved' AND solved_at < $1 ORDER BY id LIMIT 1000",
        )
        .bind(cutoff)
        .fetch_all(&mut *tx)
        .await?;
        let ids = crate::lists::first_column(&rows)?;
        for id in &ids {
            sqlx::query(
                "UPDATE tickets SET status = 'closed', updated_at = $2, check_at = NULL WHERE id = $1",
            )
            .bind(id)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            sqlx::query(
                "INSERT INTO ticket_events (ticket_id, actor_id, kind, value, created_at)
                 VALUES ($1, NULL, 'status', 'closed', $2)",
            )
            .bind(id)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(ids)
    }

    /// A requester's other tickets, newest first.
    pub async fn earlier_tickets(
        &self,
        requester_id: i64,
        except: i64,
        limit: i64,
    ) -> Result<Vec<TicketRow>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} {FROM} WHERE t.requester_id = $1 AND t.id <> $2
             ORDER BY t.id DESC LIMIT $3"
        ))
        .bind(requester_id)
        .bind(except)
        .bind(limit)
        .fetch_all(self.reader())
        .await?;
        Ok(rows.iter().map(ticket_from_row).collect::<Result<_, _>>()?)
    }

    /// What a deflection session searched and showed.
    pub async fn deflection_trail(
        &self,
        session_id: i64,
    ) -> Result<Option<DeflectionTrail>, StoreError> {
        let Some(row) = sqlx::query("SELECT last_query FROM deflection_sessions WHERE id = $1")
            .bind(session_id)
            .fetch_optional(self.reader())
            .await?
        else {
            return Ok(None);
        };
        let rows = sqlx::query(
            "SELECT s.post_id, p.kind, p.title, s.rank, s.clicked_at FROM deflection_suggestions s
             JOIN posts p ON p.id = s.post_id
             WHERE s.session_id = $1 AND p.deleted_at IS NULL ORDER BY s.rank, s.post_id LIMIT 20",
        )
        .bind(session_id)
        .fetch_all(self.reader())
        .await?;
        let items = rows
            .iter()
            .map(|r| {
                Ok(TrailItem {
                    post_id: r.try_get("post_id")?,
                    kind: r.try_get("kind")?,
                    title: r.try_get("title")?,
                    rank: r.try_get("rank")?,
                    opened: r.try_get::<Option<i64>, _>("clicked_at")?.is_some(),
                })
            })
            .collect::<Result<_, sqlx::Error>>()?;
        Ok(Some(DeflectionTrail {
            query: row.try_get(0)?,
            items,
        }))
    }

    /// Records the public post that covers a ticket (state `suggested`), or an agent's
    /// verdict on it (`confirmed` / `rejected`), with an event.
    pub async fn set_coverage(
        &self,
        id: i64,
        post_id: i64,
        score: Option<i64>,
        state: &str,
        actor_id: Option<i64>,
        now: i64,
    ) -> Result<(), StoreError> {
        let mut tx = self.write_tx().await?;
        // A suggestion never overwrites an agent's verdict given meanwhile.
        let done = sqlx::query(
            "UPDATE tickets SET covered_by = $2, coverage_score = COALESCE($3, coverage_score),
                 coverage_state = $4 WHERE id = $1 AND ($4 <> 'suggested' OR coverage_state IS NULL)",
        )
        .bind(id)
        .bind(post_id)
        .bind(score)
        .bind(state)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            return Ok(());
        }
        sqlx::query(
            "INSERT INTO ticket_events (ticket_id, actor_id, kind, value, created_at)
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(id)
        .bind(actor_id)
        .bind(format!("coverage_{state}"))
        .bind(post_id.to_string())
        .bind(now)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The customer's satisfaction rating, with an event (a new rating replaces the old).
    pub async fn rate_ticket(
        &self,
        id: i64,
        actor_id: i64,
        rating: &str,
        comment: &str,
        now: i64,
    ) -> Result<(), StoreError> {
        let mut tx = self.write_tx().await?;
        sqlx::query("UPDATE tickets SET csat = $2, csat_comment = $3 WHERE id = $1")
            .bind(id)
            .bind(rating)
            .bind(comment)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO ticket_events (ticket_id, actor_id, kind, value, created_at)
             VALUES ($1, $2, 'rating', $3, $4)",
        )
        .bind(id)
        .bind(actor_id)
        .bind(rating)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// A ticket's publication proposal.
    pub async fn publication(&self, ticket_id: i64) -> Result<Option<PublicationRow>, StoreError> {
        let row = sqlx::query(
            "SELECT ticket_id, proposed_by, answerer_id, title, question_md, answer_md, tags, state,
                    proposed_at, decided_at, question_id
             FROM ticket_publications WHERE ticket_id = $1",
        )
        .bind(ticket_id)
        .fetch_optional(self.reader())
        .await?;
        Ok(row.as_ref().map(publication_from_row).transpose()?)
    }

    /// Proposes (or proposes again, after a decline) to publish a ticket, with an event.
    pub async fn propose_publication(&self, p: &NewPublication<'_>) -> Result<(), StoreError> {
        let mut tx = self.write_tx().await?;
        sqlx::query(
            "INSERT INTO ticket_publications
                 (ticket_id, proposed_by, answerer_id, title, question_md, answer_md, tags, state, proposed_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, 'proposed', $8)
             ON CONFLICT (ticket_id) DO UPDATE SET proposed_by = excluded.proposed_by,
                 answerer_id = excluded.answerer_id, title = excluded.title,
                 question_md = excluded.question_md, answer_md = excluded.answer_md,
                 tags = excluded.tags, state = 'proposed', proposed_at = excluded.proposed_at,
                 decided_at = NULL",
        )
        .bind(p.ticket_id)
        .bind(p.proposed_by)
        .bind(p.answerer_id)
        .bind(p.title)
        .bind(p.question_md)
        .bind(p.answer_md)
        .bind(p.tags)
        .bind(p.now)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO ticket_events (ticket_id, actor_id, kind, value, created_at)
             VALUES ($1, $2, 'publish_proposed', '', $3)",
        )
        .bind(p.ticket_id)
        .bind(p.proposed_by)
        .bind(p.now)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The customer's decision: declined, or accepted with the text as finally published and
    /// the public question's id. Only a `proposed` publication changes; whether it did.
    #[allow(clippy::too_many_arguments)]
    pub async fn decide_publication(
        &self,
        ticket_id: i64,
        actor_id: i64,
        accepted: bool,
        title: &str,
        question_md: &str,
        question_id: Option<i64>,
        now: i64,
    ) -> Result<bool, StoreError> {
        let mut tx = self.write_tx().await?;
        let state = if accepted { "accepted" } else { "declined" };
        let done = sqlx::query(
            "UPDATE ticket_publications SET state = $2, title = $3, question_md = $4,
                 question_id = $5, decided_at = $6
             WHERE ticket_id = $1 AND state = 'proposed'",
        )
        .bind(ticket_id)
        .bind(state)
        .bind(title)
        .bind(question_md)
        .bind(question_id)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            return Ok(false);
        }
        if let Some(q) = question_id {
            sqlx::query("UPDATE tickets SET published_question_id = $2 WHERE id = $1")
                .bind(ticket_id)
                .bind(q)
                .execute(&mut *tx)
                .await?;
        }
        sqlx::query(
            "INSERT INTO ticket_events (ticket_id, actor_id, kind, value, created_at)
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(ticket_id)
        .bind(actor_id)
        .bind(format!("publish_{state}"))
        .bind(question_id.map(|q| q.to_string()).unwrap_or_default())
        .bind(now)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Canned replies by title.
    pub async fn canned_replies(&self) -> Result<Vec<CannedReplyRow>, StoreError> {
        let rows = sqlx::query("SELECT id, title, body_md FROM canned_replies ORDER BY title, id")
            .fetch_all(self.reader())
            .await?;
        rows.iter()
            .map(|r| {
                Ok(CannedReplyRow {
                    id: r.try_get("id")?,
                    title: r.try_get("title")?,
                    body_md: r.try_get("body_md")?,
                })
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(Into::into)
    }

    /// Adds a canned reply; a title in use is a conflict.
    pub async fn insert_canned_reply(
        &self,
        title: &str,
        body_md: &str,
        by: i64,
        now: i64,
    ) -> Result<i64, StoreError> {
        let row = sqlx::query(
            "INSERT INTO canned_replies (title, body_md, created_by, created_at)
             VALUES ($1, $2, $3, $4) ON CONFLICT (title) DO NOTHING RETURNING id",
        )
        .bind(title)
        .bind(body_md)
        .bind(by)
        .bind(now)
        .fetch_optional(self.writer())
        .await?;
        match row {
            Some(r) => Ok(r.try_get(0)?),
            None => Err(StoreError::Conflict(
                "A canned reply with this title exists.".into(),
            )),
        }
    }

    /// Deletes a canned reply; whether there was one.
    pub async fn delete_canned_reply(&self, id: i64) -> Result<bool, StoreError> {
        Ok(sqlx::query("DELETE FROM canned_replies WHERE id = $1")
            .bind(id)
            .execute(self.writer())
            .await?
            .rows_affected()
            > 0)
    }

    /// Notes a search that found nothing.
    pub async fn record_search_miss(&self, query: &str, now: i64) -> Result<(), StoreError> {
        sqlx::query("INSERT INTO search_misses (query, created_at) VALUES ($1, $2)")
            .bind(query)
            .bind(now)
            .execute(self.writer())
            .await?;
        Ok(())
    }

    /// Searches that found nothing in `[from, to)`, at most 5,000.
    pub async fn search_misses(&self, from: i64, to: i64) -> Result<Vec<String>, StoreError> {
        let rows = sqlx::query(
            "SELECT query FROM search_misses WHERE created_at >= $1 AND created_at < $2
             ORDER BY id DESC LIMIT 5000",
        )
        .bind(from)
        .bind(to)
        .fetch_all(self.reader())
        .await?;
        rows.iter()
            .map(|r| r.try_get(0))
            .collect::<Result<_, sqlx::Error>>()
            .map_err(Into::into)
    }

    /// Tickets filed in `[from, to)` with what the report needs, at most 100,000.
    pub async fn report_tickets(
        &self,
        from: i64,
        to: i64,
    ) -> Result<Vec<ReportTicket>, StoreError> {
        let rows = sqlx::query(
            "SELECT p.name AS plan_name, t.subject, t.created_at, t.first_reply_at, t.solved_at, t.breached,
                    t.status, t.csat,
                    CASE WHEN t.coverage_state = 'rejected' THEN NULL ELSE t.covered_by END AS covered_by
             FROM tickets t JOIN plans p ON p.id = t.plan_id
             WHERE t.created_at >= $1 AND t.created_at < $2 ORDER BY t.created_at LIMIT 100000",
        )
        .bind(from)
        .bind(to)
        .fetch_all(self.reader())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(ReportTicket {
                    plan: r.try_get("plan_name")?,
                    subject: r.try_get("subject")?,
                    created_at: r.try_get("created_at")?,
                    first_reply_at: r.try_get("first_reply_at")?,
                    solved_at: r.try_get("solved_at")?,
                    breached: r.try_get::<i64, _>("breached")? != 0,
                    status: r.try_get("status")?,
                    csat: r.try_get("csat")?,
                    covered_by: r.try_get("covered_by")?,
                })
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(Into::into)
    }

    /// Titles and kinds of some posts, by id.
    pub async fn post_titles(
        &self,
        ids: &[i64],
    ) -> Result<HashMap<i64, (String, String)>, StoreError> {
        let mut out = HashMap::new();
        if ids.is_empty() {
            return Ok(out);
        }
        let list = ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
        let rows = sqlx::query(&format!(
            "SELECT id, kind, title FROM posts WHERE id IN ({list})"
        ))
        .fetch_all(self.reader())
        .await?;
        for r in rows {
            out.insert(r.try_get("id")?, (r.try_get("kind")?, r.try_get("title")?));
        }
        Ok(out)
    }

    /// Agents and admins (who work tickets), by name.
    pub async fn agents(&self) -> Result<Vec<(i64, String)>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, username FROM users WHERE role IN ('agent', 'admin') ORDER BY username LIMIT 500",
        )
        .fetch_all(self.reader())
        .await?;
        rows.iter()
            .map(|r| Ok((r.try_get("id")?, r.try_get("username")?)))
            .collect::<Result<_, sqlx::Error>>()
            .map_err(Into::into)
    }
}
