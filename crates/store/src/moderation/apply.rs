//! Applying moderation actions: a [`Write`] assembled by a use case, committed in one transaction.

use super::log::{insert_action, NewAction};
use super::review_queues::NewReview;
use crate::posts::PostEdit;
use crate::reputation::{NewRepEvent, Reverse};
use crate::{Store, StoreError};
use sqlx::{Any, Row, Transaction};
use stoa_domain::notify::Event;
use stoa_domain::post_kind::PostStatus;

/// The state change of a [`Write`]; each applies only if it changes something.
#[derive(Debug, Clone, Default)]
pub enum Effect<'a> {
    /// Nothing but the other parts of the write.
    #[default]
    None,
    /// Soft-delete a post.
    Delete(i64),
    /// Restore a post.
    Undelete(i64),
    /// Lock a post.
    Lock(i64),
    /// Unlock a post.
    Unlock(i64),
    /// Close a question.
    Close {
        /// The question.
        post_id: i64,
        /// Close reason name.
        reason: &'a str,
        /// Duplicate target.
        duplicate_of: Option<i64>,
    },
    /// Reopen a question.
    Reopen(i64),
    /// Protect a question.
    Protect(i64),
    /// Unprotect a question.
    Unprotect(i64),
    /// Change a post's status (hide, hold, publish).
    Status {
        /// The post.
        post_id: i64,
        /// New status.
        status: stoa_domain::post_kind::PostStatus,
    },
    /// Suspend a user until a time.
    Suspend {
        /// The user.
        user_id: i64,
        /// End of the suspension.
        until: i64,
    },
    /// End a suspension.
    Unsuspend(i64),
}

/// Settles pending flags on a post.
#[derive(Debug, Clone)]
pub struct SettleFlags<'a> {
    /// The post.
    pub post_id: i64,
    /// `helpful` or `declined`.
    pub status: &'a str,
    /// The moderator.
    pub by: Option<i64>,
}

/// Settles pending close or reopen votes on a question.
#[derive(Debug, Clone)]
pub struct SettleCloseVotes<'a> {
    /// The question.
    pub post_id: i64,
    /// `close` or `reopen`.
    pub kind: &'a str,
    /// `applied` or `dismissed`.
    pub status: &'a str,
}

/// Records the decision on a suggested edit or an appeal.
#[derive(Debug, Clone)]
pub struct Decision<'a> {
    /// The suggested edit or appeal.
    pub id: i64,
    /// New status.
    pub status: &'a str,
    /// Who decided.
    pub by: i64,
    /// Why.
    pub reason: &'a str,
}

/// Everything one governance use case writes, committed together.
#[derive(Debug, Clone, Default)]
pub struct Write<'a> {
    /// The state change.
    pub effect: Effect<'a>,
    /// A post edit (approved suggestion, rollback).
    pub edit: Option<PostEdit<'a>>,
    /// The revision the edit was made against: checked in the same transaction, so an edit
    /// that lands meanwhile is never silently overwritten ([`StoreError::Conflict`]
    /// `post_changed`).
    pub edit_base: Option<i64>,
    /// The log entry, written only if the effect changed something.
    pub log: Option<NewAction<'a>>,
    /// Ledger entries to reverse.
    pub ledger_reverse: Vec<Reverse>,
    /// Ledger entries to append.
    pub ledger_add: Vec<NewRepEvent>,
    /// Flags to settle.
    pub flags: Option<SettleFlags<'a>>,
    /// Close votes to settle.
    pub close_votes: Option<SettleCloseVotes<'a>>,
    /// A review to record.
    pub review: Option<NewReview<'a>>,
    /// A suggested edit to settle.
    pub suggested_edit: Option<Decision<'a>>,
    /// An appeal to settle.
    pub appeal: Option<Decision<'a>>,
}

/// What [`Store::apply`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Applied {
    /// False when the effect was already in place (someone else got there first): nothing was written.
    pub changed: bool,
    /// The log entry written.
    pub action_id: Option<i64>,
}

impl Store {
    /// Commits a governance write in one transaction (see [`Write`]).
    pub async fn apply(&self, w: &Write<'_>, now: i64) -> Result<Applied, StoreError> {
        let mut tx = self.write_tx().await?;
        let changed = apply_effect(&mut tx, self, &w.effect, now).await?;
        if !changed {
            // Someone else already did it: write nothing, so the log never says it twice.
            tx.rollback().await?;
            return Ok(Applied {
                changed: false,
                action_id: None,
            });
        }
        if let Some(e) = &w.edit {
            if let Some(base) = w.edit_base {
                self.lock_post(&mut tx, e.post_id).await?;
                let current: i64 = sqlx::query("SELECT revision_count FROM posts WHERE id = $1")
                    .bind(e.post_id)
                    .fetch_one(&mut *tx)
                    .await?
                    .try_get(0)?;
                if current != base {
                    tx.rollback().await?;
                    return Err(StoreError::Conflict("post_changed".into()));
                }
            }
            crate::posts::edit_in(&mut tx, self.backend(), e, self.notifications_on()).await?;
        }
        let action_id = match &w.log {
            Some(a) => Some(insert_action(&mut tx, a, now).await?),
            None => None,
        };
        let mut events = Vec::new();
        if let Some(action_id) = action_id {
            events.push(Event::ModerationAction { action_id });
        }
        if let Effect::Status {
            post_id,
            status: PostStatus::Published,
        } = w.effect
        {
            // A post released from the hold notifies as if it had just been posted.
            events.push(Event::PostCreated { post_id });
        }
        if let Some(f) = &w.flags {
            events.push(Event::FlagsHandled {
                post_id: f.post_id,
                handled_at: now,
            });
        }
        if let Some(d) = &w.suggested_edit {
            events.push(Event::SuggestionReviewed {
                suggestion_id: d.id,
            });
        }
        if let Some(d) = &w.appeal {
            events.push(Event::AppealDecided { appeal_id: d.id });
        }
        if !self.notifications_on() {
            events.clear();
        }
        let jobs: Vec<_> = events
            .iter()
            .map(|e| crate::jobs::event_job(e, now))
            .collect();
        crate::jobs::enqueue_in(&mut tx, &jobs, now).await?;
        for r in &w.ledger_reverse {
            crate::reputation::reverse(&mut tx, r, now).await?;
        }
        crate::reputation::append(&mut tx, &w.ledger_add, now).await?;
        if let Some(f) = &w.flags {
            sqlx::query(
                "UPDATE flags SET status = $2, handled_by = $3, handled_at = $4 WHERE post_id = $1 AND status = 'pending'",
            )
            .bind(f.post_id)
            .bind(f.status)
            .bind(f.by)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        }
        if let Some(v) = &w.close_votes {
            sqlx::query("UPDATE close_votes SET status = $3 WHERE post_id = $1 AND kind = $2 AND status = 'pending'")
                .bind(v.post_id)
                .bind(v.kind)
                .bind(v.status)
                .execute(&mut *tx)
                .await?;
        }
        if let Some(r) = &w.review {
            sqlx::query(
                "INSERT INTO reviews (queue, post_id, item_id, reviewer_id, outcome, reason, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(r.queue)
            .bind(r.post_id)
            .bind(r.item_id)
            .bind(r.reviewer_id)
            .bind(r.outcome)
            .bind(r.reason)
            .bind(now)
            .execute(&mut *tx)
            .await
            .map_err(|e| match StoreError::from(e) {
                StoreError::Conflict(_) => StoreError::Conflict("reviews_once".into()),
                other => other,
            })?;
        }
        if let Some(d) = &w.suggested_edit {
            let done = sqlx::query(
                "UPDATE suggested_edits SET status = $2, reviewer_id = $3, review_reason = $4, reviewed_at = $5
                 WHERE id = $1 AND status = 'pending'",
            )
            .bind(d.id)
            .bind(d.status)
            .bind(d.by)
            .bind(d.reason)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            if done.rows_affected() == 0 {
                tx.rollback().await?;
                return Ok(Applied {
                    changed: false,
                    action_id: None,
                });
            }
        }
        if let Some(d) = &w.appeal {
            let done = sqlx::query(
                "UPDATE appeals SET status = $2, decided_by = $3, decision_reason = $4, decided_at = $5
                 WHERE id = $1 AND status = 'pending'",
            )
            .bind(d.id)
            .bind(d.status)
            .bind(d.by)
            .bind(d.reason)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            if done.rows_affected() == 0 {
                tx.rollback().await?;
                return Ok(Applied {
                    changed: false,
                    action_id: None,
                });
            }
        }
        tx.commit().await?;
        Ok(Applied {
            changed: true,
            action_id,
        })
    }
}

/// Applies an effect; false when it was already in place.
async fn apply_effect(
    tx: &mut Transaction<'_, Any>,
    store: &Store,
    effect: &Effect<'_>,
    now: i64,
) -> Result<bool, StoreError> {
    let backend = store.backend();
    let post_update = |sql: &'static str, id: i64| (sql, id);
    let (sql, id) = match *effect {
        Effect::None => return Ok(true),
        Effect::Delete(id) => {
            store.lock_post(tx, id).await?;
            let deleted: Option<i64> =
                sqlx::query("SELECT deleted_at FROM posts WHERE id = $1").bind(id).fetch_one(&mut **tx).await?.try_get(0)?;
            if deleted.is_some() {
                return Ok(false);
            }
            crate::posts::delete_in(tx, backend, id, now, store.notifications_on()).await?;
            return Ok(true);
        }
        Effect::Undelete(id) => {
            store.lock_post(tx, id).await?;
            let deleted: Option<i64> =
                sqlx::query("SELECT deleted_at FROM posts WHERE id = $1").bind(id).fetch_one(&mut **tx).await?.try_get(0)?;
            if deleted.is_none() {
                return Ok(false);
            }
            crate::posts::undelete_in(tx, backend, id, now).await?;
            return Ok(true);
        }
        Effect::Status { post_id, status } => {
            store.lock_post(tx, post_id).await?;
            return crate::posts::set_status_in(tx, backend, post_id, status).await;
        }
        Effect::Close { post_id, reason, duplicate_of } => {
            let done = sqlx::query(
                "UPDATE posts SET closed_at = $2, close_reason = $3, duplicate_of = $4 WHERE id = $1 AND closed_at IS NULL",
            )
            .bind(post_id)
            .bind(now)
            .bind(reason)
            .bind(duplicate_of)
            .execute(&mut **tx)
            .await?;
            return Ok(done.rows_affected() > 0);
        }
        Effect::Suspend { user_id, until } => {
            let done = sqlx::query("UPDATE users SET suspended_until = $2 WHERE id = $1")
                .bind(user_id)
                .bind(until)
                .execute(&mut **tx)
                .await?;
            return Ok(done.rows_affected() > 0);
        }
        Effect::Unsuspend(user_id) => {
            let done = sqlx::query("UPDATE users SET suspended_until = NULL WHERE id = $1 AND suspended_until IS NOT NULL")
                .bind(user_id)
                .execute(&mut **tx)
                .await?;
            return Ok(done.rows_affected() > 0);
        }
        Effect::Lock(id) => {
            let done = sqlx::query("UPDATE posts SET locked_at = $2 WHERE id = $1 AND locked_at IS NULL")
                .bind(id)
                .bind(now)
                .execute(&mut **tx)
                .await?;
            // A locked post takes no edits: waiting suggestions are rejected, saying why.
            sqlx::query(
                "UPDATE suggested_edits SET status = 'rejected', reviewed_at = $2,
                     review_reason = 'The post was locked by a moderator.'
                 WHERE post_id = $1 AND status = 'pending'",
            )
            .bind(id)
            .bind(now)
            .execute(&mut **tx)
            .await?;
            return Ok(done.rows_affected() > 0);
        }
        Effect::Unlock(id) => post_update("UPDATE posts SET locked_at = NULL WHERE id = $1 AND locked_at IS NOT NULL AND $2 = $2", id),
        Effect::Reopen(id) => post_update(
            "UPDATE posts SET closed_at = NULL, close_reason = NULL, duplicate_of = NULL
             WHERE id = $1 AND closed_at IS NOT NULL AND $2 = $2",
            id,
        ),
        Effect::Protect(id) => post_update("UPDATE posts SET protected_at = $2 WHERE id = $1 AND protected_at IS NULL", id),
        Effect::Unprotect(id) => {
            post_update("UPDATE posts SET protected_at = NULL WHERE id = $1 AND protected_at IS NOT NULL AND $2 = $2", id)
        }
    };
    let done = sqlx::query(sql)
        .bind(id)
        .bind(now)
        .execute(&mut **tx)
        .await?;
    Ok(done.rows_affected() > 0)
}
