//! Votes and comments.

use crate::lists::placeholders;
use crate::reputation::{NewRepEvent, Reverse};
use crate::{Store, StoreError};
use sqlx::Row;

/// A stored comment with its author's name.
#[derive(Debug, Clone)]
pub struct CommentRow {
    /// Id.
    pub id: i64,
    /// The post commented on.
    pub post_id: i64,
    /// Author id.
    pub author_id: i64,
    /// Author name.
    pub author_name: String,
    /// Markdown-lite source.
    pub body_md: String,
    /// Sanitised inline HTML.
    pub body_html: String,
    /// Upvotes.
    pub score: i64,
    /// When.
    pub created_at: i64,
}

/// The reputation side of a vote: the entries of the new vote, and the reasons of the entries
/// an earlier vote by the same person on the same post produced.
#[derive(Debug, Clone, Default)]
pub struct VoteLedger {
    /// Entries for the new vote (none when the vote is taken back).
    pub add: Vec<NewRepEvent>,
    /// Reason names of vote entries.
    pub reasons: Vec<&'static str>,
}

impl Store {
    /// Records `value` (1, -1, or 0 to remove) as `user_id`'s vote on a post and returns the
    /// new score. The score moves by the difference, under a row lock, so concurrent votes
    /// never lose an update.
    ///
    /// When the vote changes, the ledger entries of the old vote are reversed and `ledger` (the
    /// entries of the new one) appended in the same transaction, so reputation follows votes exactly.
    pub async fn record_vote(
        &self,
        post_id: i64,
        user_id: i64,
        value: i64,
        now: i64,
        ledger: &VoteLedger,
    ) -> Result<i64, StoreError> {
        let mut tx = self.write_tx().await?;
        self.lock_post(&mut tx, post_id).await?;
        let old: i64 = sqlx::query("SELECT value FROM votes WHERE post_id = $1 AND user_id = $2")
            .bind(post_id)
            .bind(user_id)
            .fetch_optional(&mut *tx)
            .await?
            .map(|r| r.try_get(0))
            .transpose()?
            .unwrap_or(0);
        let delta = value - old;
        if delta != 0 {
            if value == 0 {
                sqlx::query("DELETE FROM votes WHERE post_id = $1 AND user_id = $2")
                    .bind(post_id)
                    .bind(user_id)
                    .execute(&mut *tx)
                    .await?;
            } else {
                sqlx::query(
                    "INSERT INTO votes (post_id, user_id, value, created_at) VALUES ($1, $2, $3, $4)
                     ON CONFLICT (post_id, user_id) DO UPDATE SET value = excluded.value, created_at = excluded.created_at",
                )
                .bind(post_id)
                .bind(user_id)
                .bind(value)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            }
            sqlx::query("UPDATE posts SET score = score + $2 WHERE id = $1")
                .bind(post_id)
                .bind(delta)
                .execute(&mut *tx)
                .await?;
            let old_entries = Reverse::ByActor {
                post_id,
                actor_id: user_id,
                reasons: ledger.reasons.clone(),
            };
            crate::reputation::reverse(&mut tx, &old_entries, now).await?;
            crate::reputation::append(&mut tx, &ledger.add, now).await?;
        }
        let score: i64 = sqlx::query("SELECT score FROM posts WHERE id = $1")
            .bind(post_id)
            .fetch_one(&mut *tx)
            .await?
            .try_get(0)?;
        tx.commit().await?;
        Ok(score)
    }

    /// The votes `user_id` cast on any of `post_ids`.
    pub async fn votes_of(
        &self,
        user_id: i64,
        post_ids: &[i64],
    ) -> Result<Vec<(i64, i64)>, StoreError> {
        if post_ids.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT post_id, value FROM votes WHERE user_id = $1 AND post_id IN ({})",
            placeholders(2, post_ids.len())
        );
        let mut q = sqlx::query(&sql).bind(user_id);
        for id in post_ids {
            q = q.bind(id);
        }
        let rows = q.fetch_all(self.reader()).await?;
        rows.iter()
            .map(|r| Ok((r.try_get("post_id")?, r.try_get("value")?)))
            .collect::<Result<_, sqlx::Error>>()
            .map_err(Into::into)
    }

    /// Adds a comment and bumps the post's counters (and its question's activity).
    pub async fn insert_comment(
        &self,
        post_id: i64,
        author_id: i64,
        body_md: &str,
        body_html: &str,
        now: i64,
    ) -> Result<i64, StoreError> {
        let mut tx = self.write_tx().await?;
        let id: i64 = sqlx::query(
            "INSERT INTO comments (post_id, author_id, body_md, body_html, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(post_id)
        .bind(author_id)
        .bind(body_md)
        .bind(body_html)
        .bind(now)
        .fetch_one(&mut *tx)
        .await?
        .try_get(0)?;
        sqlx::query("UPDATE posts SET comment_count = comment_count + 1 WHERE id = $1")
            .bind(post_id)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "UPDATE posts SET last_activity_at = $2
             WHERE id = (SELECT COALESCE(parent_id, id) FROM posts WHERE id = $1)",
        )
        .bind(post_id)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        if self.notifications_on() {
            let e = stoa_domain::notify::Event::CommentAdded { comment_id: id };
            crate::jobs::enqueue_in(&mut tx, &[crate::jobs::event_job(&e, now)], now).await?;
        }
        tx.commit().await?;
        Ok(id)
    }

    /// One comment.
    pub async fn comment(&self, id: i64) -> Result<Option<CommentRow>, StoreError> {
        let row = sqlx::query(
            "SELECT c.id, c.post_id, c.author_id, u.username AS author_name, c.body_md, c.body_html, c.score, c.created_at
             FROM comments c JOIN users u ON u.id = c.author_id WHERE c.id = $1 AND c.deleted_at IS NULL",
        )
        .bind(id)
        .fetch_optional(self.reader())
        .await?;
        Ok(row.as_ref().map(comment_from_row).transpose()?)
    }

    /// Live comments on any of `post_ids`, oldest first.
    pub async fn comments_on(&self, post_ids: &[i64]) -> Result<Vec<CommentRow>, StoreError> {
        if post_ids.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT c.id, c.post_id, c.author_id, u.username AS author_name, c.body_md, c.body_html, c.score, c.created_at
             FROM comments c JOIN users u ON u.id = c.author_id
             WHERE c.post_id IN ({}) AND c.deleted_at IS NULL ORDER BY c.created_at, c.id",
            placeholders(1, post_ids.len())
        );
        let mut q = sqlx::query(&sql);
        for id in post_ids {
            q = q.bind(id);
        }
        let rows = q.fetch_all(self.reader()).await?;
        Ok(rows
            .iter()
            .map(comment_from_row)
            .collect::<Result<_, _>>()?)
    }
}

fn comment_from_row(r: &sqlx::any::AnyRow) -> Result<CommentRow, sqlx::Error> {
    Ok(CommentRow {
        id: r.try_get("id")?,
        post_id: r.try_get("post_id")?,
        author_id: r.try_get("author_id")?,
        author_name: r.try_get("author_name")?,
        body_md: r.try_get("body_md")?,
        body_html: r.try_get("body_html")?,
        score: r.try_get("score")?,
        created_at: r.try_get("created_at")?,
    })
}
