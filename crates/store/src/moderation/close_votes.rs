//! Close and reopen votes on questions.

use super::rows;
use crate::lists::placeholders;
use crate::{Store, StoreError};
use sqlx::any::AnyRow;
use sqlx::Row;

/// A close or reopen vote to insert.
#[derive(Debug, Clone)]
pub struct NewCloseVote<'a> {
    /// The question.
    pub post_id: i64,
    /// The voter.
    pub user_id: i64,
    /// `close` or `reopen`.
    pub kind: &'a str,
    /// Close reason name (close votes).
    pub reason: Option<&'a str>,
    /// Duplicate target.
    pub duplicate_of: Option<i64>,
}

/// A stored close or reopen vote.
#[derive(Debug, Clone)]
pub struct CloseVoteRow {
    /// Id.
    pub id: i64,
    /// The question.
    pub post_id: i64,
    /// The voter.
    pub user_id: i64,
    /// Their name.
    pub username: String,
    /// `close` or `reopen`.
    pub kind: String,
    /// Close reason name.
    pub reason: Option<String>,
    /// Duplicate target.
    pub duplicate_of: Option<i64>,
    /// When.
    pub created_at: i64,
}

const VOTE_COLUMNS: &str =
    "v.id, v.post_id, v.user_id, u.username, v.kind, v.reason, v.duplicate_of, v.created_at";

fn vote_from_row(r: &AnyRow) -> Result<CloseVoteRow, sqlx::Error> {
    Ok(CloseVoteRow {
        id: r.try_get("id")?,
        post_id: r.try_get("post_id")?,
        user_id: r.try_get("user_id")?,
        username: r.try_get("username")?,
        kind: r.try_get("kind")?,
        reason: r.try_get("reason")?,
        duplicate_of: r.try_get("duplicate_of")?,
        created_at: r.try_get("created_at")?,
    })
}

impl Store {
    /// Inserts a close or reopen vote and returns the pending votes of that kind on the question,
    /// oldest first. A second pending vote by the same person is a conflict on `close_votes_one_pending`.
    pub async fn insert_close_vote(
        &self,
        v: &NewCloseVote<'_>,
        now: i64,
    ) -> Result<Vec<CloseVoteRow>, StoreError> {
        let mut tx = self.write_tx().await?;
        self.lock_post(&mut tx, v.post_id).await?;
        sqlx::query(
            "INSERT INTO close_votes (post_id, user_id, kind, reason, duplicate_of, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(v.post_id)
        .bind(v.user_id)
        .bind(v.kind)
        .bind(v.reason)
        .bind(v.duplicate_of)
        .bind(now)
        .execute(&mut *tx)
        .await
        .map_err(|e| match StoreError::from(e) {
            StoreError::Conflict(_) => StoreError::Conflict("close_votes_one_pending".into()),
            other => other,
        })?;
        let sql = format!(
            "SELECT {VOTE_COLUMNS} FROM close_votes v JOIN users u ON u.id = v.user_id
             WHERE v.post_id = $1 AND v.kind = $2 AND v.status = 'pending' ORDER BY v.id"
        );
        let votes = rows(
            &sqlx::query(&sql)
                .bind(v.post_id)
                .bind(v.kind)
                .fetch_all(&mut *tx)
                .await?,
            vote_from_row,
        )?;
        tx.commit().await?;
        Ok(votes)
    }

    /// Pending close and reopen votes on any of `post_ids`, oldest first.
    pub async fn pending_close_votes_on(
        &self,
        post_ids: &[i64],
    ) -> Result<Vec<CloseVoteRow>, StoreError> {
        if post_ids.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT {VOTE_COLUMNS} FROM close_votes v JOIN users u ON u.id = v.user_id
             WHERE v.status = 'pending' AND v.post_id IN ({}) ORDER BY v.id",
            placeholders(1, post_ids.len())
        );
        let mut q = sqlx::query(&sql);
        for id in post_ids {
            q = q.bind(id);
        }
        rows(&q.fetch_all(self.reader()).await?, vote_from_row)
    }
}
