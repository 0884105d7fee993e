//! The facts the commons-health metrics are computed from, read over a range of time in one
//! pass per table, and the dated record of governance-settings changes.

use crate::{Store, StoreError};
use sqlx::Row;
use std::collections::HashSet;
use stoa_domain::health::{
    ActionFact, AppealFact, FlagFact, PostFact, QuestionFact, RewardFact, SessionFact,
};

/// A dated change of the rules.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleChange {
    /// When.
    pub at: i64,
    /// `governance` (the settings) or `reward_formula`.
    pub kind: &'static str,
    /// The formula's version, for `reward_formula`.
    pub version: Option<i64>,
    /// The formula's note (what changed and why).
    pub note: String,
}

impl Store {
    /// Questions and answers (not deleted) created in `[from, to)`; posts by an import's
    /// placeholder (an author the dump did not have) come with no author.
    pub async fn health_posts(&self, from: i64, to: i64) -> Result<Vec<PostFact>, StoreError> {
        let placeholders = self.placeholder_authors().await?;
        let rows = sqlx::query(
            "SELECT created_at, CASE WHEN kind = 'question' THEN 1 ELSE 0 END AS is_question, author_id
             FROM posts
             WHERE kind IN ('question', 'answer') AND deleted_at IS NULL
               AND created_at >= $1 AND created_at < $2
             ORDER BY created_at, kind, author_id",
        )
        .bind(from)
        .bind(to)
        .fetch_all(self.reader())
        .await?;
        rows.iter()
            .map(|r| {
                let author: i64 = r.try_get("author_id")?;
                Ok(PostFact {
                    at: r.try_get("created_at")?,
                    question: r.try_get::<i64, _>("is_question")? == 1,
                    author: (!placeholders.contains(&author)).then_some(author),
                })
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(Into::into)
    }

    /// Posts (questions and answers, not deleted) per registered author in `[from, to)`.
    pub async fn health_author_counts(
        &self,
        from: i64,
        to: i64,
    ) -> Result<Vec<(i64, u64)>, StoreError> {
        let placeholders = self.placeholder_authors().await?;
        let rows = sqlx::query(
            "SELECT author_id, COUNT(*) AS post_count FROM posts
             WHERE kind IN ('question', 'answer') AND deleted_at IS NULL
               AND created_at >= $1 AND created_at < $2
             GROUP BY author_id",
        )
        .bind(from)
        .bind(to)
        .fetch_all(self.reader())
        .await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in &rows {
            let author: i64 = r.try_get("author_id")?;
            if !placeholders.contains(&author) {
                out.push((author, r.try_get::<i64, _>("post_count")?.max(0) as u64));
            }
        }
        Ok(out)
    }

    /// The accounts that stand for authors an import did not have.
    async fn placeholder_authors(&self) -> Result<HashSet<i64>, StoreError> {
        sqlx::query("SELECT id FROM users WHERE source_id = -1")
            .fetch_all(self.reader())
            .await?
            .iter()
            .map(|r| r.try_get::<i64, _>(0).map_err(Into::into))
            .collect()
    }

    /// Questions (not deleted) asked in `[from, to)`, with their first answer not deleted
    /// (any date) and whether an accepted answer stands.
    pub async fn health_questions(
        &self,
        from: i64,
        to: i64,
    ) -> Result<Vec<QuestionFact>, StoreError> {
        let rows = sqlx::query(
            "SELECT q.created_at,
                    (SELECT MIN(a.created_at) FROM posts a
                     WHERE a.parent_id = q.id AND a.kind = 'answer' AND a.deleted_at IS NULL) AS first_answer_at,
                    CASE WHEN q.accepted_answer_id IS NOT NULL AND EXISTS (
                             SELECT 1 FROM posts x
                             WHERE x.parent_id = q.id AND x.id = q.accepted_answer_id
                               AND x.kind = 'answer' AND x.deleted_at IS NULL)
                         THEN 1 ELSE 0 END AS accepted,
                    CASE WHEN EXISTS (SELECT 1 FROM question_coaching c
                                      WHERE c.post_id = q.id AND c.shown <> '')
                         THEN 1 ELSE 0 END AS coached
             FROM posts q
             WHERE q.kind = 'question' AND q.deleted_at IS NULL
               AND q.created_at >= $1 AND q.created_at < $2",
        )
        .bind(from)
        .bind(to)
        .fetch_all(self.reader())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(QuestionFact {
                    at: r.try_get("created_at")?,
                    first_answer_at: r.try_get("first_answer_at")?,
                    accepted: r.try_get::<i64, _>("accepted")? == 1,
                    coached: r.try_get::<i64, _>("coached")? == 1,
                })
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(Into::into)
    }

    /// The first post ever (question or answer, not deleted) of some authors: one index seek
    /// each, in batches of a thousand.
    pub async fn health_first_posts(&self, authors: &[i64]) -> Result<Vec<(i64, i64)>, StoreError> {
        let mut out = Vec::with_capacity(authors.len());
        for chunk in authors.chunks(1_000) {
            // Ids are integers from the database, written into the statement as numbers.
            let list = chunk
                .iter()
                .map(|id| format!("({id})"))
                .collect::<Vec<_>>()
                .join(",");
            let rows = sqlx::query(&format!(
                "SELECT CAST(a.column1 AS BIGINT) AS author_id,
                        (SELECT MIN(p.created_at) FROM posts p
                         WHERE p.author_id = a.column1 AND p.kind IN ('question', 'answer')
                           AND p.deleted_at IS NULL) AS first_post_at
                 FROM (VALUES {list}) AS a"
            ))
            .fetch_all(self.reader())
            .await?;
            for r in &rows {
                if let Some(first) = r.try_get::<Option<i64>, _>("first_post_at")? {
                    out.push((r.try_get("author_id")?, first));
                }
            }
        }
        Ok(out)
    }

    /// Self-service sessions started in `[from, to)`.
    pub async fn health_sessions(
        &self,
        from: i64,
        to: i64,
    ) -> Result<Vec<SessionFact>, StoreError> {
        let rows = sqlx::query(
            "SELECT created_at, CASE WHEN outcome = 'solved' THEN 1 ELSE 0 END AS solved
             FROM deflection_sessions WHERE created_at >= $1 AND created_at < $2",
        )
        .bind(from)
        .bind(to)
        .fetch_all(self.reader())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(SessionFact {
                    at: r.try_get("created_at")?,
                    solved: r.try_get::<i64, _>("solved")? == 1,
                })
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(Into::into)
    }

    /// Moderation actions taken in `[from, to)` that are not themselves reversals.
    pub async fn health_actions(&self, from: i64, to: i64) -> Result<Vec<ActionFact>, StoreError> {
        let rows = sqlx::query(
            "SELECT created_at, category, CASE WHEN reversed_at IS NULL THEN 0 ELSE 1 END AS reversed,
                    CASE WHEN category = 'spam' AND action IN ('delete', 'hide')
                              AND target_type = 'post' AND reversed_at IS NULL
                         THEN target_id END AS spam_post
             FROM moderation_actions
             WHERE reverses_id IS NULL AND created_at >= $1 AND created_at < $2",
        )
        .bind(from)
        .bind(to)
        .fetch_all(self.reader())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(ActionFact {
                    at: r.try_get("created_at")?,
                    category: r.try_get("category")?,
                    reversed: r.try_get::<i64, _>("reversed")? == 1,
                    spam_post: r.try_get("spam_post")?,
                })
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(Into::into)
    }

    /// Appeals filed in `[from, to)`.
    pub async fn health_appeals(&self, from: i64, to: i64) -> Result<Vec<AppealFact>, StoreError> {
        let rows = sqlx::query(
            "SELECT created_at, CASE WHEN status = 'reversed' THEN 1 ELSE 0 END AS granted
             FROM appeals WHERE created_at >= $1 AND created_at < $2",
        )
        .bind(from)
        .bind(to)
        .fetch_all(self.reader())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(AppealFact {
                    at: r.try_get("created_at")?,
                    granted: r.try_get::<i64, _>("granted")? == 1,
                })
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(Into::into)
    }

    /// Flags raised in `[from, to)`.
    pub async fn health_flags(&self, from: i64, to: i64) -> Result<Vec<FlagFact>, StoreError> {
        let rows = sqlx::query(
            "SELECT created_at, handled_at FROM flags WHERE created_at >= $1 AND created_at < $2",
        )
        .bind(from)
        .bind(to)
        .fetch_all(self.reader())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(FlagFact {
                    at: r.try_get("created_at")?,
                    handled_at: r.try_get("handled_at")?,
                })
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(Into::into)
    }

    /// Results in closed reward periods whose last moment falls in `[from, to)`.
    pub async fn health_rewards(&self, from: i64, to: i64) -> Result<Vec<RewardFact>, StoreError> {
        // ends_at is exclusive: a period's last moment is ends_at - 1.
        let rows = sqlx::query(
            "SELECT p.ends_at - 1 AS last_moment, a.user_id, a.points, a.amount_minor
             FROM reward_allocations a JOIN reward_periods p ON p.id = a.period_id
             WHERE p.status = 'closed' AND p.ends_at > $1 AND p.ends_at <= $2",
        )
        .bind(from)
        .bind(to)
        .fetch_all(self.reader())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(RewardFact {
                    ends_at: r.try_get("last_moment")?,
                    user_id: r.try_get("user_id")?,
                    points: r.try_get("points")?,
                    amount_minor: r.try_get("amount_minor")?,
                })
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(Into::into)
    }

    /// Changes of the governance settings and published reward formulas in `[from, to)`,
    /// oldest first (the first formula, part of the installation, is not a change).
    pub async fn rule_changes(&self, from: i64, to: i64) -> Result<Vec<RuleChange>, StoreError> {
        let rows = sqlx::query(
            "SELECT changed_at, 0 AS version, '' AS note FROM governance_changes
             WHERE changed_at >= $1 AND changed_at < $2
             UNION ALL
             SELECT published_at AS changed_at, version, note FROM reward_formulas
             WHERE version > 1 AND published_at >= $1 AND published_at < $2
             ORDER BY 1",
        )
        .bind(from)
        .bind(to)
        .fetch_all(self.reader())
        .await?;
        rows.iter()
            .map(|r| {
                let version: i64 = r.try_get("version")?;
                Ok(RuleChange {
                    at: r.try_get("changed_at")?,
                    kind: if version == 0 {
                        "governance"
                    } else {
                        "reward_formula"
                    },
                    version: (version > 0).then_some(version),
                    note: r.try_get("note")?,
                })
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(Into::into)
    }

    /// Stores the governance settings and records the change, in one transaction.
    pub async fn put_governance_settings(
        &self,
        key: &str,
        json: &str,
        changed_by: i64,
        now: i64,
    ) -> Result<(), StoreError> {
        let mut tx = self.write_tx().await?;
        crate::governance::put_in(&mut tx, key, json, now).await?;
        sqlx::query(
            "INSERT INTO governance_changes (changed_at, changed_by, settings) VALUES ($1, $2, $3)",
        )
        .bind(now)
        .bind(changed_by)
        .bind(json)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }
}
