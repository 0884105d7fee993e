//! Appeals against moderation actions: filing one and reading them.

use super::rows;
use crate::lists::Page;
use crate::{Store, StoreError};
use sqlx::any::AnyRow;
use sqlx::Row;

/// A stored appeal.
#[derive(Debug, Clone)]
pub struct AppealRow {
    /// Id.
    pub id: i64,
    /// The action appealed.
    pub action_id: i64,
    /// Who appealed.
    pub user_id: i64,
    /// Their name.
    pub username: String,
    /// Why.
    pub text: String,
    /// `pending`, `reversed` or `upheld`.
    pub status: String,
    /// The deciding moderator.
    pub decided_by: Option<i64>,
    /// Their name.
    pub decided_by_name: Option<String>,
    /// The decision's reason.
    pub decision_reason: String,
    /// When appealed.
    pub created_at: i64,
    /// When decided.
    pub decided_at: Option<i64>,
}

const APPEAL_COLUMNS: &str =
    "a.id, a.action_id, a.user_id, u.username, a.text, a.status, a.decided_by, d.username AS decided_by_name, \
    a.decision_reason, a.created_at, a.decided_at";
const APPEAL_FROM: &str =
    "FROM appeals a JOIN users u ON u.id = a.user_id LEFT JOIN users d ON d.id = a.decided_by";

fn appeal_from_row(r: &AnyRow) -> Result<AppealRow, sqlx::Error> {
    Ok(AppealRow {
        id: r.try_get("id")?,
        action_id: r.try_get("action_id")?,
        user_id: r.try_get("user_id")?,
        username: r.try_get("username")?,
        text: r.try_get("text")?,
        status: r.try_get("status")?,
        decided_by: r.try_get("decided_by")?,
        decided_by_name: r.try_get("decided_by_name")?,
        decision_reason: r.try_get("decision_reason")?,
        created_at: r.try_get("created_at")?,
        decided_at: r.try_get("decided_at")?,
    })
}

impl Store {
    /// Inserts an appeal; one per action ([`StoreError::Conflict`] on `appeals_action`).
    pub async fn insert_appeal(
        &self,
        action_id: i64,
        user_id: i64,
        text: &str,
        now: i64,
    ) -> Result<i64, StoreError> {
        let row = sqlx::query("INSERT INTO appeals (action_id, user_id, text, created_at) VALUES ($1, $2, $3, $4) RETURNING id")
            .bind(action_id)
            .bind(user_id)
            .bind(text)
            .bind(now)
            .fetch_one(self.writer())
            .await
            .map_err(|e| match StoreError::from(e) {
                StoreError::Conflict(_) => StoreError::Conflict("appeals_action".into()),
                other => other,
            })?;
        Ok(row.try_get(0)?)
    }

    /// One appeal.
    pub async fn appeal(&self, id: i64) -> Result<Option<AppealRow>, StoreError> {
        let sql = format!("SELECT {APPEAL_COLUMNS} {APPEAL_FROM} WHERE a.id = $1");
        let row = sqlx::query(&sql)
            .bind(id)
            .fetch_optional(self.reader())
            .await?;
        Ok(row.as_ref().map(appeal_from_row).transpose()?)
    }

    /// The appeal of an action, if any.
    pub async fn appeal_of(&self, action_id: i64) -> Result<Option<AppealRow>, StoreError> {
        let sql = format!("SELECT {APPEAL_COLUMNS} {APPEAL_FROM} WHERE a.action_id = $1");
        let row = sqlx::query(&sql)
            .bind(action_id)
            .fetch_optional(self.reader())
            .await?;
        Ok(row.as_ref().map(appeal_from_row).transpose()?)
    }

    /// Appeals with a status, oldest first.
    pub async fn appeals(
        &self,
        status: &str,
        limit: i64,
        offset: i64,
    ) -> Result<Page<AppealRow>, StoreError> {
        let sql = format!("SELECT {APPEAL_COLUMNS} {APPEAL_FROM} WHERE a.status = $1 ORDER BY a.created_at, a.id LIMIT $2 OFFSET $3");
        let items = rows(
            &sqlx::query(&sql)
                .bind(status)
                .bind(limit)
                .bind(offset)
                .fetch_all(self.reader())
                .await?,
            appeal_from_row,
        )?;
        let total: i64 = sqlx::query("SELECT COUNT(*) FROM appeals WHERE status = $1")
            .bind(status)
            .fetch_one(self.reader())
            .await?
            .try_get(0)?;
        Ok(Page { items, total })
    }
}
