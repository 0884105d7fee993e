//! What the assistant reads: the live answers of candidate questions, with what ranks them.

use crate::lists::placeholders;
use crate::{Store, StoreError};
use sqlx::Row;
use std::collections::HashMap;

/// A live answer of a live question.
#[derive(Debug, Clone, PartialEq)]
pub struct AnswerRow {
    /// The answer.
    pub id: i64,
    /// Its question.
    pub question_id: i64,
    /// Its author.
    pub author_id: i64,
    /// Votes.
    pub score: i64,
    /// Accepted by the asker.
    pub accepted: bool,
    /// Written by the question's asker.
    pub by_asker: bool,
    /// When.
    pub created_at: i64,
    /// Rendered body.
    pub body_html: String,
}

impl Store {
    /// The live answers of live questions, in one query.
    pub async fn live_answers_of(
        &self,
        question_ids: &[i64],
    ) -> Result<Vec<AnswerRow>, StoreError> {
        if question_ids.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT a.id, a.parent_id, a.author_id, a.score, q.accepted_answer_id, q.author_id AS asker_id,
                    a.created_at, a.body_html
             FROM posts a JOIN posts q ON q.id = a.parent_id
             WHERE a.parent_id IN ({}) AND a.kind = 'answer'
               AND a.deleted_at IS NULL AND a.status = 'published'
               AND q.deleted_at IS NULL AND q.status = 'published'",
            placeholders(1, question_ids.len())
        );
        let mut q = sqlx::query(&sql);
        for id in question_ids {
            q = q.bind(id);
        }
        let rows = q.fetch_all(self.reader()).await?;
        rows.iter()
            .map(|r| {
                let id: i64 = r.try_get("id")?;
                let author_id: i64 = r.try_get("author_id")?;
                Ok(AnswerRow {
                    id,
                    question_id: r.try_get("parent_id")?,
                    author_id,
                    score: r.try_get("score")?,
                    accepted: r.try_get::<Option<i64>, _>("accepted_answer_id")? == Some(id),
                    by_asker: r.try_get::<i64, _>("asker_id")? == author_id,
                    created_at: r.try_get("created_at")?,
                    body_html: r.try_get("body_html")?,
                })
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(Into::into)
    }

    /// How many live answers each of these people wrote (their track record's size).
    pub async fn answer_counts(&self, author_ids: &[i64]) -> Result<HashMap<i64, i64>, StoreError> {
        if author_ids.is_empty() {
            return Ok(HashMap::new());
        }
        let sql = format!(
            "SELECT author_id, COUNT(*) AS answers FROM posts
             WHERE author_id IN ({}) AND kind = 'answer' AND deleted_at IS NULL
             GROUP BY author_id",
            placeholders(1, author_ids.len())
        );
        let mut q = sqlx::query(&sql);
        for id in author_ids {
            q = q.bind(id);
        }
        let rows = q.fetch_all(self.reader()).await?;
        rows.iter()
            .map(|r| Ok((r.try_get("author_id")?, r.try_get("answers")?)))
            .collect::<Result<_, sqlx::Error>>()
            .map_err(Into::into)
    }
}
