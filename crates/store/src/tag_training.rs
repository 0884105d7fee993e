//! What the tag suggester learns from: the site's published, tagged questions.

use crate::{Store, StoreError};
use sqlx::Row;

/// A tagged question, as the suggester reads it.
#[derive(Debug, Clone)]
pub struct TaggedQuestion {
    /// Title.
    pub title: String,
    /// The body as plain text.
    pub body_text: String,
    /// Tags, space-separated.
    pub tags: String,
}

impl Store {
    /// The newest `limit` published, tagged questions (newest first: a big site's recent
    /// questions say most about the tags in use now).
    pub async fn tagged_questions(&self, limit: i64) -> Result<Vec<TaggedQuestion>, StoreError> {
        let rows = sqlx::query(
            "SELECT title, body_text, tags FROM posts
             WHERE kind = 'question' AND deleted_at IS NULL AND status = 'published' AND tags <> ''
             ORDER BY id DESC LIMIT $1",
        )
        .bind(limit)
        .fetch_all(self.reader())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(TaggedQuestion {
                    title: r.try_get("title")?,
                    body_text: r.try_get("body_text")?,
                    tags: r.try_get("tags")?,
                })
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(Into::into)
    }
}
