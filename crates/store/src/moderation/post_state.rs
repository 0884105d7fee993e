//! The governance state of a post: what moderation reads before it acts on one.

use crate::{Store, StoreError};
use sqlx::Row;

/// The governance state of a post, beyond what [`PostRow`](crate::posts::PostRow) carries.
#[derive(Debug, Clone)]
pub struct PostState {
    /// Id.
    pub id: i64,
    /// Question, answer or article.
    pub kind: stoa_domain::post_kind::PostKind,
    /// The question of an answer.
    pub parent_id: Option<i64>,
    /// Author.
    pub author_id: i64,
    /// The title of the post's question.
    pub question_title: String,
    /// Published, held or hidden.
    pub status: stoa_domain::post_kind::PostStatus,
    /// When closed.
    pub closed_at: Option<i64>,
    /// Why closed.
    pub close_reason: Option<String>,
    /// The question this one duplicates.
    pub duplicate_of: Option<i64>,
    /// When locked.
    pub locked_at: Option<i64>,
    /// When protected.
    pub protected_at: Option<i64>,
    /// When deleted.
    pub deleted_at: Option<i64>,
    /// Revisions so far.
    pub revision_count: i64,
    /// When posted.
    pub created_at: i64,
    /// When its question was posted.
    pub question_created_at: i64,
    /// The asker of its question.
    pub question_author_id: i64,
    /// Title and Markdown, for the spam classifier.
    pub title: String,
    /// Markdown.
    pub body_md: String,
}

impl Store {
    /// The governance state of a post, deleted or not.
    pub async fn post_state(&self, id: i64) -> Result<Option<PostState>, StoreError> {
        let row = sqlx::query(
            "SELECT p.id, p.kind, p.parent_id, p.author_id, q.title AS question_title, p.status, p.closed_at, p.close_reason, p.duplicate_of,
                    p.locked_at, p.protected_at, p.deleted_at, p.revision_count, p.created_at, q.created_at AS question_created_at, q.author_id AS question_author_id,
                    p.title, p.body_md
             FROM posts p JOIN posts q ON q.id = COALESCE(p.parent_id, p.id) WHERE p.id = $1",
        )
        .bind(id)
        .fetch_optional(self.reader())
        .await?;
        let Some(r) = row else { return Ok(None) };
        Ok(Some(PostState {
            id: r.try_get("id")?,
            kind: crate::decode_name(&r, "kind")?,
            parent_id: r.try_get("parent_id")?,
            author_id: r.try_get("author_id")?,
            question_title: r.try_get("question_title")?,
            status: crate::decode_name(&r, "status")?,
            closed_at: r.try_get("closed_at")?,
            close_reason: r.try_get("close_reason")?,
            duplicate_of: r.try_get("duplicate_of")?,
            locked_at: r.try_get("locked_at")?,
            protected_at: r.try_get("protected_at")?,
            deleted_at: r.try_get("deleted_at")?,
            revision_count: r.try_get("revision_count")?,
            created_at: r.try_get("created_at")?,
            question_created_at: r.try_get("question_created_at")?,
            question_author_id: r.try_get("question_author_id")?,
            title: r.try_get("title")?,
            body_md: r.try_get("body_md")?,
        }))
    }
}
