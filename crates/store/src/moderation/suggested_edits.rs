//! Suggested edits: proposing one and reading those awaiting review.

use super::rows;
use crate::lists::placeholders;
use crate::{Store, StoreError};
use sqlx::any::AnyRow;
use sqlx::Row;
use stoa_domain::notify::Event;

/// A suggested edit to insert.
#[derive(Debug, Clone)]
pub struct NewSuggestedEdit<'a> {
    /// The post.
    pub post_id: i64,
    /// Who suggests it.
    pub author_id: i64,
    /// The revision it was made against.
    pub base_revision: i64,
    /// Proposed title.
    pub title: &'a str,
    /// Proposed Markdown.
    pub body_md: &'a str,
    /// Proposed tags, space-separated.
    pub tags: &'a str,
    /// Edit summary.
    pub comment: &'a str,
}

/// A stored suggested edit.
#[derive(Debug, Clone)]
pub struct SuggestedEditRow {
    /// Id.
    pub id: i64,
    /// The post.
    pub post_id: i64,
    /// Who suggested it.
    pub author_id: i64,
    /// Their name.
    pub author_name: String,
    /// The revision it was made against.
    pub base_revision: i64,
    /// Proposed title.
    pub title: String,
    /// Proposed Markdown.
    pub body_md: String,
    /// Proposed tags.
    pub tags: String,
    /// Edit summary.
    pub comment: String,
    /// `pending`, `approved` or `rejected`.
    pub status: String,
    /// Who reviewed it.
    pub reviewer_id: Option<i64>,
    /// Their name.
    pub reviewer_name: Option<String>,
    /// Why (rejections).
    pub review_reason: String,
    /// When suggested.
    pub created_at: i64,
    /// When reviewed.
    pub reviewed_at: Option<i64>,
}

const EDIT_COLUMNS: &str = "s.id, s.post_id, s.author_id, a.username AS author_name, s.base_revision, s.title, s.body_md, s.tags, s.comment, \
    s.status, s.reviewer_id, r.username AS reviewer_name, s.review_reason, s.created_at, s.reviewed_at";
const EDIT_FROM: &str =
    "FROM suggested_edits s JOIN users a ON a.id = s.author_id LEFT JOIN users r ON r.id = s.reviewer_id";

fn edit_from_row(r: &AnyRow) -> Result<SuggestedEditRow, sqlx::Error> {
    Ok(SuggestedEditRow {
        id: r.try_get("id")?,
        post_id: r.try_get("post_id")?,
        author_id: r.try_get("author_id")?,
        author_name: r.try_get("author_name")?,
        base_revision: r.try_get("base_revision")?,
        title: r.try_get("title")?,
        body_md: r.try_get("body_md")?,
        tags: r.try_get("tags")?,
        comment: r.try_get("comment")?,
        status: r.try_get("status")?,
        reviewer_id: r.try_get("reviewer_id")?,
        reviewer_name: r.try_get("reviewer_name")?,
        review_reason: r.try_get("review_reason")?,
        created_at: r.try_get("created_at")?,
        reviewed_at: r.try_get("reviewed_at")?,
    })
}

impl Store {
    /// Inserts a suggested edit; one pending per post ([`StoreError::Conflict`] on `suggested_edits_one_pending`).
    pub async fn insert_suggested_edit(
        &self,
        s: &NewSuggestedEdit<'_>,
        now: i64,
    ) -> Result<i64, StoreError> {
        let mut tx = self.write_tx().await?;
        let row = sqlx::query(
            "INSERT INTO suggested_edits (post_id, author_id, base_revision, title, body_md, tags, comment, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
        )
        .bind(s.post_id)
        .bind(s.author_id)
        .bind(s.base_revision)
        .bind(s.title)
        .bind(s.body_md)
        .bind(s.tags)
        .bind(s.comment)
        .bind(now)
        .fetch_one(&mut *tx)
        .await
        .map_err(|e| match StoreError::from(e) {
            StoreError::Conflict(_) => StoreError::Conflict("suggested_edits_one_pending".into()),
            other => other,
        })?;
        let id: i64 = row.try_get(0)?;
        if self.notifications_on() {
            let e = Event::EditSuggested { suggestion_id: id };
            crate::jobs::enqueue_in(&mut tx, &[crate::jobs::event_job(&e, now)], now).await?;
        }
        tx.commit().await?;
        Ok(id)
    }

    /// One suggested edit.
    pub async fn suggested_edit(&self, id: i64) -> Result<Option<SuggestedEditRow>, StoreError> {
        let sql = format!("SELECT {EDIT_COLUMNS} {EDIT_FROM} WHERE s.id = $1");
        let row = sqlx::query(&sql)
            .bind(id)
            .fetch_optional(self.reader())
            .await?;
        Ok(row.as_ref().map(edit_from_row).transpose()?)
    }

    /// Suggested edits on any of `post_ids`, pending only.
    pub async fn pending_edits_on(
        &self,
        post_ids: &[i64],
    ) -> Result<Vec<SuggestedEditRow>, StoreError> {
        if post_ids.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT {EDIT_COLUMNS} {EDIT_FROM} WHERE s.status = 'pending' AND s.post_id IN ({}) ORDER BY s.id",
            placeholders(1, post_ids.len())
        );
        let mut q = sqlx::query(&sql);
        for id in post_ids {
            q = q.bind(id);
        }
        rows(&q.fetch_all(self.reader()).await?, edit_from_row)
    }
}
