//! The reputation ledger: append-only entries, compensating entries for reversals, and the
//! running total on `users.reputation` kept in the same transaction as every entry.

use crate::lists::{placeholders, Page};
use crate::{Store, StoreError};
use sqlx::{Any, Row, Transaction};

/// A ledger entry to append.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewRepEvent {
    /// Whose reputation changes.
    pub user_id: i64,
    /// By how much.
    pub delta: i64,
    /// Why (a `stoa_domain::reputation::Reason` name).
    pub reason: &'static str,
    /// The post it is about.
    pub post_id: Option<i64>,
    /// Who caused it (the voter, the asker, the reviewer, the moderator).
    pub actor_id: Option<i64>,
}

/// Which live entries to reverse.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reverse {
    /// Entries about `post_id` caused by `actor_id` with one of `reasons` (a vote).
    ByActor {
        /// The post.
        post_id: i64,
        /// The voter.
        actor_id: i64,
        /// Reason names.
        reasons: Vec<&'static str>,
    },
    /// Entries about any answer of `question_id` with one of `reasons` (an acceptance).
    ByQuestion {
        /// The question.
        question_id: i64,
        /// Reason names.
        reasons: Vec<&'static str>,
    },
    /// Entries about `post_id` with one of `reasons` (a penalty).
    ByPost {
        /// The post.
        post_id: i64,
        /// Reason names.
        reasons: Vec<&'static str>,
    },
}

/// A stored ledger entry.
#[derive(Debug, Clone)]
pub struct RepEventRow {
    /// Id.
    pub id: i64,
    /// Whose.
    pub user_id: i64,
    /// Change.
    pub delta: i64,
    /// Reason name.
    pub reason: String,
    /// Post concerned.
    pub post_id: Option<i64>,
    /// Title of the post's question, for display.
    pub post_title: Option<String>,
    /// The question of the post (itself for a question), for links.
    pub question_id: Option<i64>,
    /// Who caused it.
    pub actor_id: Option<i64>,
    /// When.
    pub created_at: i64,
    /// When a later entry undid it.
    pub reversed_at: Option<i64>,
    /// The entry this one undoes.
    pub reverses_id: Option<i64>,
}

/// Appends entries and moves each user's total by the same amount.
pub(crate) async fn append(
    tx: &mut Transaction<'_, Any>,
    events: &[NewRepEvent],
    now: i64,
) -> Result<(), StoreError> {
    for e in events {
        sqlx::query(
            "INSERT INTO reputation_events (user_id, delta, reason, post_id, actor_id, created_at)
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(e.user_id)
        .bind(e.delta)
        .bind(e.reason)
        .bind(e.post_id)
        .bind(e.actor_id)
        .bind(now)
        .execute(&mut **tx)
        .await?;
        sqlx::query("UPDATE users SET reputation = reputation + $2 WHERE id = $1")
            .bind(e.user_id)
            .bind(e.delta)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

/// Reverses every live entry the filter matches: marks it reversed and appends its compensating
/// entry (reason `reversal`). Returns how many were reversed.
pub(crate) async fn reverse(
    tx: &mut Transaction<'_, Any>,
    filter: &Reverse,
    now: i64,
) -> Result<u64, StoreError> {
    reverse_as(tx, filter, now, "reversal").await
}

/// [`reverse`], with compensating entries of reason `as_reason` (which says why).
pub(crate) async fn reverse_as(
    tx: &mut Transaction<'_, Any>,
    filter: &Reverse,
    now: i64,
    as_reason: &str,
) -> Result<u64, StoreError> {
    let live = "reversed_at IS NULL AND reverses_id IS NULL";
    let (sql, binds, reasons): (String, Vec<i64>, &Vec<&'static str>) = match filter {
        Reverse::ByActor { post_id, actor_id, reasons } => (
            format!(
                "SELECT id, user_id, delta, post_id, actor_id FROM reputation_events
                 WHERE post_id = $1 AND actor_id = $2 AND {live} AND reason IN ({})",
                placeholders(3, reasons.len())
            ),
            vec![*post_id, *actor_id],
            reasons,
        ),
        Reverse::ByQuestion { question_id, reasons } => (
            format!(
                "SELECT id, user_id, delta, post_id, actor_id FROM reputation_events
                 WHERE post_id IN (SELECT id FROM posts WHERE parent_id = $1) AND {live} AND reason IN ({})",
                placeholders(2, reasons.len())
            ),
            vec![*question_id],
            reasons,
        ),
        Reverse::ByPost { post_id, reasons } => (
            format!(
                "SELECT id, user_id, delta, post_id, actor_id FROM reputation_events
                 WHERE post_id = $1 AND {live} AND reason IN ({})",
                placeholders(2, reasons.len())
            ),
            vec![*post_id],
            reasons,
        ),
    };
    if reasons.is_empty() {
        return Ok(0);
    }
    let mut q = sqlx::query(&sql);
    for b in &binds {
        q = q.bind(*b);
    }
    for r in reasons {
        q = q.bind(*r);
    }
    let rows = q.fetch_all(&mut **tx).await?;
    let mut n = 0;
    for r in rows {
        let id: i64 = r.try_get("id")?;
        let user_id: i64 = r.try_get("user_id")?;
        let delta: i64 = r.try_get("delta")?;
        let post_id: Option<i64> = r.try_get("post_id")?;
        let actor_id: Option<i64> = r.try_get("actor_id")?;
        let back = stoa_domain::reputation::reversal(delta);
        sqlx::query(
            "INSERT INTO reputation_events (user_id, delta, reason, post_id, actor_id, created_at, reverses_id)
             VALUES ($1, $2, $7, $3, $4, $5, $6)",
        )
        .bind(user_id)
        .bind(back)
        .bind(post_id)
        .bind(actor_id)
        .bind(now)
        .bind(id)
        .bind(as_reason)
        .execute(&mut **tx)
        .await?;
        sqlx::query("UPDATE reputation_events SET reversed_at = $2 WHERE id = $1")
            .bind(id)
            .bind(now)
            .execute(&mut **tx)
            .await?;
        sqlx::query("UPDATE users SET reputation = reputation + $2 WHERE id = $1")
            .bind(user_id)
            .bind(back)
            .execute(&mut **tx)
            .await?;
        n += 1;
    }
    Ok(n)
}

/// Undeleting a post: its votes (still cast) earn again. The vote entries its deletion
/// reversed are appended anew, and those deletion entries marked reversed, so a second
/// deletion and restoration count once. An acceptance is not restored: deleting cleared it.
pub(crate) async fn restore_votes(
    tx: &mut Transaction<'_, Any>,
    post_id: i64,
    now: i64,
) -> Result<(), StoreError> {
    let rows = sqlx::query(
        "SELECT c.id, o.user_id, o.delta, o.reason, o.actor_id FROM reputation_events c
         JOIN reputation_events o ON o.id = c.reverses_id
         WHERE c.post_id = $1 AND c.reason = 'post_deleted' AND c.reversed_at IS NULL
           AND o.reason IN ('upvote_received', 'downvote_received')",
    )
    .bind(post_id)
    .fetch_all(&mut **tx)
    .await?;
    for r in rows {
        let reason: String = r.try_get("reason")?;
        let entry = NewRepEvent {
            user_id: r.try_get("user_id")?,
            delta: r.try_get("delta")?,
            reason: if reason == "upvote_received" {
                "upvote_received"
            } else {
                "downvote_received"
            },
            post_id: Some(post_id),
            actor_id: r.try_get("actor_id")?,
        };
        append(tx, &[entry], now).await?;
        sqlx::query("UPDATE reputation_events SET reversed_at = $2 WHERE id = $1")
            .bind(r.try_get::<i64, _>("id")?)
            .bind(now)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

impl Store {
    /// A user's ledger, newest first.
    pub async fn reputation_ledger(
        &self,
        user_id: i64,
        limit: i64,
        offset: i64,
    ) -> Result<Page<RepEventRow>, StoreError> {
        let rows = sqlx::query(
            "SELECT e.id, e.user_id, e.delta, e.reason, e.post_id, q.title AS post_title,
                    q.id AS question_id, e.actor_id, e.created_at, e.reversed_at, e.reverses_id
             FROM reputation_events e
             LEFT JOIN posts p ON p.id = e.post_id
             LEFT JOIN posts q ON q.id = COALESCE(p.parent_id, p.id)
             WHERE e.user_id = $1 ORDER BY e.created_at DESC, e.id DESC LIMIT $2 OFFSET $3",
        )
        .bind(user_id)
        .bind(limit)
        .bind(offset)
        .fetch_all(self.reader())
        .await?;
        let items = rows
            .iter()
            .map(|r| {
                Ok(RepEventRow {
                    id: r.try_get("id")?,
                    user_id: r.try_get("user_id")?,
                    delta: r.try_get("delta")?,
                    reason: r.try_get("reason")?,
                    post_id: r.try_get("post_id")?,
                    post_title: r.try_get("post_title")?,
                    question_id: r.try_get("question_id")?,
                    actor_id: r.try_get("actor_id")?,
                    created_at: r.try_get("created_at")?,
                    reversed_at: r.try_get("reversed_at")?,
                    reverses_id: r.try_get("reverses_id")?,
                })
            })
            .collect::<Result<Vec<_>, sqlx::Error>>()?;
        let total: i64 = sqlx::query("SELECT COUNT(*) FROM reputation_events WHERE user_id = $1")
            .bind(user_id)
            .fetch_one(self.reader())
            .await?
            .try_get(0)?;
        Ok(Page { items, total })
    }

    /// What live entries of `reason` gave a user since `since`.
    pub async fn points_since(
        &self,
        user_id: i64,
        reason: &str,
        since: i64,
    ) -> Result<i64, StoreError> {
        let row = sqlx::query(
            "SELECT CAST(COALESCE(SUM(delta), 0) AS BIGINT) FROM reputation_events
             WHERE user_id = $1 AND reason = $2 AND created_at >= $3 AND reversed_at IS NULL",
        )
        .bind(user_id)
        .bind(reason)
        .bind(since)
        .fetch_one(self.reader())
        .await?;
        Ok(row.try_get(0)?)
    }

    /// The sum of a user's ledger deltas, to check against the stored total.
    pub async fn ledger_sum(&self, user_id: i64) -> Result<i64, StoreError> {
        // PostgreSQL sums BIGINT into NUMERIC, which the Any driver cannot read: cast back.
        let row = sqlx::query("SELECT CAST(COALESCE(SUM(delta), 0) AS BIGINT) FROM reputation_events WHERE user_id = $1")
            .bind(user_id)
            .fetch_one(self.reader())
            .await?;
        Ok(row.try_get(0)?)
    }

    /// Sets or clears the accepted answer and moves its ledger entries, in one transaction.
    pub async fn accept_with_ledger(
        &self,
        question_id: i64,
        answer_id: Option<i64>,
        add: &[NewRepEvent],
        reasons: &[&'static str],
        now: i64,
    ) -> Result<(), StoreError> {
        let mut tx = self.write_tx().await?;
        self.lock_post(&mut tx, question_id).await?;
        let old: Option<i64> = sqlx::query("SELECT accepted_answer_id FROM posts WHERE id = $1")
            .bind(question_id)
            .fetch_one(&mut *tx)
            .await?
            .try_get(0)?;
        sqlx::query(
            "UPDATE posts SET accepted_answer_id = $2, last_activity_at = $3 WHERE id = $1",
        )
        .bind(question_id)
        .bind(answer_id)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        // Accepting the same answer again changes nothing in the ledger.
        if old != answer_id {
            reverse(
                &mut tx,
                &Reverse::ByQuestion {
                    question_id,
                    reasons: reasons.to_vec(),
                },
                now,
            )
            .await?;
            append(&mut tx, add, now).await?;
            if let (Some(answer_id), true) = (answer_id, self.notifications_on()) {
                let e = stoa_domain::notify::Event::AnswerAccepted {
                    question_id,
                    answer_id,
                };
                crate::jobs::enqueue_in(&mut tx, &[crate::jobs::event_job(&e, now)], now).await?;
            }
        }
        tx.commit().await?;
        Ok(())
    }
}
