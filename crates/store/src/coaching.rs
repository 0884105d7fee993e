//! Question coaching's records: what the site's questions teach the hints, and which hints
//! each question was shown.

use crate::{Store, StoreError};
use sqlx::Row;

/// A question as the coaching evidence reads it.
#[derive(Debug, Clone)]
pub struct CoachingSample {
    /// Title.
    pub title: String,
    /// The body as written (Markdown, or an import's HTML: code and quotes still show).
    pub body_md: String,
    /// Whether it has an answer (not deleted).
    pub answered: bool,
}

impl Store {
    /// The newest `limit` published questions asked before `before` (old enough to have had
    /// their chance of an answer).
    pub async fn coaching_samples(
        &self,
        before: i64,
        limit: i64,
    ) -> Result<Vec<CoachingSample>, StoreError> {
        let rows = sqlx::query(
            "SELECT title, body_md, CASE WHEN answer_count > 0 THEN 1 ELSE 0 END AS answered FROM posts
             WHERE kind = 'question' AND deleted_at IS NULL AND status = 'published'
               AND created_at < $1
             ORDER BY id DESC LIMIT $2",
        )
        .bind(before)
        .bind(limit)
        .fetch_all(self.reader())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(CoachingSample {
                    title: r.try_get("title")?,
                    body_md: r.try_get("body_md")?,
                    answered: r.try_get::<i64, _>("answered")? == 1,
                })
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(Into::into)
    }

    /// Records the hints a question's draft was shown and those its posted text still
    /// warranted.
    pub async fn record_coaching(
        &self,
        post_id: i64,
        shown: &str,
        remaining: &str,
        now: i64,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO question_coaching (post_id, shown, remaining, created_at)
             VALUES ($1, $2, $3, $4)",
        )
        .bind(post_id)
        .bind(shown)
        .bind(remaining)
        .bind(now)
        .execute(self.writer())
        .await?;
        Ok(())
    }
}
