//! What a person's contributions did, for their profile: people helped, accepted answers,
//! articles, and their share of closed reward periods.

use crate::{Store, StoreError};
use sqlx::Row;

/// A person's impact in numbers.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Impact {
    /// Searches that ended "solved" on their posts (an accepted answer credits its author).
    pub people_helped: i64,
    /// Their live answers the asker accepted (their own questions excluded).
    pub accepted_answers: i64,
    /// Their live knowledge-base articles.
    pub articles: i64,
}

/// A person's result in a closed reward period.
#[derive(Debug, Clone)]
pub struct PastReward {
    /// The period.
    pub period_id: i64,
    /// Its start.
    pub starts_at: i64,
    /// Its end.
    pub ends_at: i64,
    /// Points counted.
    pub points: i64,
    /// Amount in minor units.
    pub amount_minor: i64,
    /// Currency.
    pub currency: String,
    /// Whether they declined the payout.
    pub declined: bool,
}

impl Store {
    /// A person's impact.
    pub async fn user_impact(&self, user_id: i64) -> Result<Impact, StoreError> {
        let row = sqlx::query(
            "SELECT
               (SELECT COUNT(*) FROM deflection_sessions s JOIN posts p ON p.id = s.solved_post_id
                  LEFT JOIN posts a ON a.id = p.accepted_answer_id AND p.kind = 'question'
                      AND a.deleted_at IS NULL AND a.status = 'published'
                WHERE s.outcome = 'solved' AND p.deleted_at IS NULL
                  AND COALESCE(a.author_id, p.author_id) = $1) AS people_helped,
               (SELECT COUNT(*) FROM posts a JOIN posts q ON q.accepted_answer_id = a.id
                WHERE a.author_id = $1 AND a.kind = 'answer' AND a.deleted_at IS NULL
                  AND a.status = 'published' AND q.deleted_at IS NULL AND q.author_id <> $1) AS accepted_answers,
               (SELECT COUNT(*) FROM posts WHERE author_id = $1 AND kind = 'article' AND deleted_at IS NULL) AS articles",
        )
        .bind(user_id)
        .fetch_one(self.reader())
        .await?;
        Ok(Impact {
            people_helped: row.try_get("people_helped")?,
            accepted_answers: row.try_get("accepted_answers")?,
            articles: row.try_get("articles")?,
        })
    }

    /// A person's results in closed reward periods, newest first.
    pub async fn past_rewards(&self, user_id: i64) -> Result<Vec<PastReward>, StoreError> {
        let rows = sqlx::query(
            "SELECT p.id AS period_id, p.starts_at, p.ends_at, a.points, a.amount_minor, p.currency, a.declined
             FROM reward_allocations a JOIN reward_periods p ON p.id = a.period_id
             WHERE a.user_id = $1 AND p.status = 'closed' ORDER BY p.starts_at DESC, p.id DESC",
        )
        .bind(user_id)
        .fetch_all(self.reader())
        .await?;
        Ok(rows
            .iter()
            .map(|r| {
                Ok(PastReward {
                    period_id: r.try_get("period_id")?,
                    starts_at: r.try_get("starts_at")?,
                    ends_at: r.try_get("ends_at")?,
                    points: r.try_get("points")?,
                    amount_minor: r.try_get("amount_minor")?,
                    currency: r.try_get("currency")?,
                    declined: r.try_get::<i64, _>("declined")? == 1,
                })
            })
            .collect::<Result<_, sqlx::Error>>()?)
    }
}
