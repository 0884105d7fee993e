//! Deflection sessions and the suggestions they showed, and the counts the self-service
//! report is made of. The rules (which outcome wins, when silence is abandonment) live in
//! `stoa_domain::deflection`; this module only stores and counts.

use crate::{Store, StoreError};
use sqlx::Row;
use stoa_domain::deflection::DayCounts;

/// A stored deflection session.
#[derive(Debug, Clone)]
pub struct DeflectionSession {
    /// Id.
    pub id: i64,
    /// The logged-in user, if any.
    pub user_id: Option<i64>,
    /// Hash identifying the browser (or address) that began it.
    pub visitor_key: String,
    /// When it began.
    pub created_at: i64,
    /// Last suggestion shown or opened.
    pub last_seen_at: i64,
    /// `solved`, `posted`, `abandoned`, or none yet.
    pub outcome: Option<String>,
    /// The suggestion that solved it.
    pub solved_post_id: Option<i64>,
}

/// A suggestion that solved problems, for the report.
#[derive(Debug, Clone)]
pub struct SolvingPost {
    /// The question or article.
    pub post_id: i64,
    /// Question or article.
    pub kind: stoa_domain::post_kind::PostKind,
    /// Title.
    pub title: String,
    /// Sessions it solved.
    pub solved: i64,
    /// Sessions that showed it.
    pub shown: i64,
    /// Sessions in which it was opened.
    pub opened: i64,
}

impl Store {
    /// Begins a session and returns its id.
    pub async fn insert_deflection_session(
        &self,
        token_hash: &str,
        user_id: Option<i64>,
        visitor_key: &str,
        now: i64,
    ) -> Result<i64, StoreError> {
        Ok(sqlx::query(
            "INSERT INTO deflection_sessions (token_hash, user_id, visitor_key, created_at, last_seen_at)
             VALUES ($1, $2, $3, $4, $4) RETURNING id",
        )
        .bind(token_hash)
        .bind(user_id)
        .bind(visitor_key)
        .bind(now)
        .fetch_one(self.writer())
        .await?
        .try_get(0)?)
    }

    /// The session with this token hash.
    pub async fn deflection_session(
        &self,
        token_hash: &str,
    ) -> Result<Option<DeflectionSession>, StoreError> {
        // The writer: a session is read right after the same flow wrote it, which stays
        // correct once anonymous reads go to replicas.
        let row = sqlx::query(
            "SELECT id, user_id, visitor_key, created_at, last_seen_at, outcome, solved_post_id
             FROM deflection_sessions WHERE token_hash = $1",
        )
        .bind(token_hash)
        .fetch_optional(self.writer())
        .await?;
        row.map(|r| {
            Ok(DeflectionSession {
                id: r.try_get("id")?,
                user_id: r.try_get("user_id")?,
                visitor_key: r.try_get("visitor_key")?,
                created_at: r.try_get("created_at")?,
                last_seen_at: r.try_get("last_seen_at")?,
                outcome: r.try_get("outcome")?,
                solved_post_id: r.try_get("solved_post_id")?,
            })
        })
        .transpose()
        .map_err(|e: sqlx::Error| e.into())
    }

    /// Records suggestions shown (post id, rank from 1) for `query`, keeping each post's best
    /// rank, and notes the activity and the query on the session; one transaction.
    pub async fn record_suggestions(
        &self,
        session_id: i64,
        shown: &[(i64, i64)],
        query: &str,
        user_id: Option<i64>,
        now: i64,
    ) -> Result<(), StoreError> {
        let mut tx = self.write_tx().await?;
        for (post_id, rank) in shown {
            sqlx::query(
                "INSERT INTO deflection_suggestions (session_id, post_id, rank, shown_at) VALUES ($1, $2, $3, $4)
                 ON CONFLICT (session_id, post_id) DO UPDATE SET rank = CASE
                     WHEN excluded.rank < deflection_suggestions.rank THEN excluded.rank
                     ELSE deflection_suggestions.rank END",
            )
            .bind(session_id)
            .bind(post_id)
            .bind(rank)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        }
        // A visitor who logs in during the flow keeps the session; it now knows who they are.
        sqlx::query(
            "UPDATE deflection_sessions SET last_seen_at = $2, user_id = COALESCE(user_id, $3),
             last_query = $4 WHERE id = $1",
        )
        .bind(session_id)
        .bind(now)
        .bind(user_id)
        .bind(query)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Whether the session suggested the post.
    pub async fn was_suggested(&self, session_id: i64, post_id: i64) -> Result<bool, StoreError> {
        Ok(sqlx::query(
            "SELECT 1 FROM deflection_suggestions WHERE session_id = $1 AND post_id = $2",
        )
        .bind(session_id)
        .bind(post_id)
        .fetch_optional(self.writer())
        .await?
        .is_some())
    }

    /// Notes that a suggestion was opened (the first time counts) and that the session is alive.
    pub async fn mark_suggestion_opened(
        &self,
        session_id: i64,
        post_id: i64,
        now: i64,
    ) -> Result<(), StoreError> {
        let mut tx = self.write_tx().await?;
        sqlx::query(
            "UPDATE deflection_suggestions SET clicked_at = $3
             WHERE session_id = $1 AND post_id = $2 AND clicked_at IS NULL",
        )
        .bind(session_id)
        .bind(post_id)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        sqlx::query("UPDATE deflection_sessions SET last_seen_at = $2 WHERE id = $1")
            .bind(session_id)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Sets the outcome unless a final one (`solved`, `posted`) was set meanwhile; returns
    /// whether it was set. The condition in the statement makes concurrent outcomes safe.
    pub async fn set_deflection_outcome(
        &self,
        session_id: i64,
        outcome: &str,
        solved_post_id: Option<i64>,
        question_id: Option<i64>,
        now: i64,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE deflection_sessions SET outcome = $2, outcome_at = $5, solved_post_id = $3, question_id = $4,
                 last_seen_at = $5
             WHERE id = $1 AND (outcome IS NULL OR outcome = 'abandoned')",
        )
        .bind(session_id)
        .bind(outcome)
        .bind(solved_post_id)
        .bind(question_id)
        .bind(now)
        .execute(self.writer())
        .await?;
        Ok(done.rows_affected() > 0)
    }

    /// Stamps `abandoned` on sessions without an outcome whose last activity is before
    /// `before`; returns how many.
    pub async fn close_stale_deflections(&self, before: i64, now: i64) -> Result<u64, StoreError> {
        let done = sqlx::query(
            "UPDATE deflection_sessions SET outcome = 'abandoned', outcome_at = $2
             WHERE outcome IS NULL AND last_seen_at < $1",
        )
        .bind(before)
        .bind(now)
        .execute(self.writer())
        .await?;
        Ok(done.rows_affected())
    }

    /// Sessions begun since `since`, by UTC day and outcome. Sessions without an outcome that
    /// were silent since before `stale_before` count as abandoned, so the report does not
    /// depend on when housekeeping last ran.
    pub async fn deflection_days(
        &self,
        since: i64,
        stale_before: i64,
    ) -> Result<Vec<DayCounts>, StoreError> {
        let rows = sqlx::query(
            "SELECT created_at - (created_at % 86400) AS day, COUNT(*) AS sessions,
                    SUM(CASE WHEN outcome = 'solved' THEN 1 ELSE 0 END) AS solved,
                    SUM(CASE WHEN outcome = 'posted' THEN 1 ELSE 0 END) AS posted,
                    SUM(CASE WHEN outcome = 'abandoned' OR (outcome IS NULL AND last_seen_at < $2) THEN 1 ELSE 0 END) AS abandoned
             FROM deflection_sessions WHERE created_at >= $1
             GROUP BY created_at - (created_at % 86400) ORDER BY 1",
        )
        .bind(since)
        .bind(stale_before)
        .fetch_all(self.reader())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(DayCounts {
                    day: r.try_get("day")?,
                    sessions: r.try_get("sessions")?,
                    solved: r.try_get("solved")?,
                    posted: r.try_get("posted")?,
                    abandoned: r.try_get("abandoned")?,
                })
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(Into::into)
    }

    /// The posts that solved most sessions begun since `since`, with how often they were shown
    /// and opened in that period.
    pub async fn top_solving(
        &self,
        since: i64,
        limit: i64,
    ) -> Result<Vec<SolvingPost>, StoreError> {
        let rows = sqlx::query(
            "SELECT p.id, p.kind, p.title, COUNT(*) AS solved,
                    (SELECT COUNT(*) FROM deflection_suggestions g JOIN deflection_sessions gs ON gs.id = g.session_id
                     WHERE g.post_id = p.id AND gs.created_at >= $1) AS shown,
                    (SELECT COUNT(*) FROM deflection_suggestions g JOIN deflection_sessions gs ON gs.id = g.session_id
                     WHERE g.post_id = p.id AND gs.created_at >= $1 AND g.clicked_at IS NOT NULL) AS opened
             FROM deflection_sessions s JOIN posts p ON p.id = s.solved_post_id
             WHERE s.outcome = 'solved' AND s.created_at >= $1
             GROUP BY p.id, p.kind, p.title
             ORDER BY COUNT(*) DESC, p.id
             LIMIT $2",
        )
        .bind(since)
        .bind(limit)
        .fetch_all(self.reader())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(SolvingPost {
                    post_id: r.try_get("id")?,
                    kind: crate::decode_name(r, "kind")?,
                    title: r.try_get("title")?,
                    solved: r.try_get("solved")?,
                    shown: r.try_get("shown")?,
                    opened: r.try_get("opened")?,
                })
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(Into::into)
    }
}
