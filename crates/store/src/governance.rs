//! Site settings (one JSON value per key) and the spam classifier's model and training record.

use crate::{Backend, Store, StoreError};
use sqlx::{Any, Row, Transaction};

/// A moderator's spam or not-spam decision, as trained into the model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpamDecisionRow {
    /// Id.
    pub id: i64,
    /// The post decided on.
    pub post_id: Option<i64>,
    /// The text the model learned from.
    pub text: String,
    /// The label.
    pub is_spam: bool,
}

/// A new decision to learn from.
#[derive(Debug, Clone)]
pub struct NewSpamDecision<'a> {
    /// The post decided on.
    pub post_id: Option<i64>,
    /// The text to learn from.
    pub text: &'a str,
    /// The label.
    pub is_spam: bool,
    /// The moderator.
    pub decided_by: Option<i64>,
}

/// The settings key of the spam model.
pub const SPAM_MODEL_KEY: &str = "spam_model";

impl Store {
    /// One setting's stored value.
    pub async fn setting(&self, key: &str) -> Result<Option<String>, StoreError> {
        let row = sqlx::query("SELECT value FROM settings WHERE key = $1")
            .bind(key)
            .fetch_optional(self.reader())
            .await?;
        Ok(row.map(|r| r.try_get(0)).transpose()?)
    }

    /// Stores one setting.
    pub async fn put_setting(&self, key: &str, value: &str, now: i64) -> Result<(), StoreError> {
        let mut tx = self.write_tx().await?;
        put_in(&mut tx, key, value, now).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Learns from a decision in one transaction: supersedes earlier live decisions on the same
    /// post, records this one, and rewrites the model with `update(stored model, superseded)`,
    /// which must untrain the superseded decisions and train the new one.
    pub async fn learn_spam<F>(
        &self,
        d: &NewSpamDecision<'_>,
        now: i64,
        update: F,
    ) -> Result<(), StoreError>
    where
        F: FnOnce(Option<String>, &[SpamDecisionRow]) -> Result<String, String>,
    {
        let mut tx = self.write_tx().await?;
        let model = lock_setting(&mut tx, self.backend(), SPAM_MODEL_KEY, now).await?;
        let superseded = match d.post_id {
            Some(post_id) => {
                let rows = sqlx::query(
                    "SELECT id, post_id, text, is_spam FROM spam_decisions WHERE post_id = $1 AND reversed_at IS NULL",
                )
                .bind(post_id)
                .fetch_all(&mut *tx)
                .await?;
                let rows = rows
                    .iter()
                    .map(|r| {
                        Ok(SpamDecisionRow {
                            id: r.try_get("id")?,
                            post_id: r.try_get("post_id")?,
                            text: r.try_get("text")?,
                            is_spam: r.try_get::<i64, _>("is_spam")? == 1,
                        })
                    })
                    .collect::<Result<Vec<_>, sqlx::Error>>()?;
                sqlx::query("UPDATE spam_decisions SET reversed_at = $2 WHERE post_id = $1 AND reversed_at IS NULL")
                    .bind(post_id)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
                rows
            }
            None => Vec::new(),
        };
        sqlx::query(
            "INSERT INTO spam_decisions (post_id, text, is_spam, decided_by, created_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(d.post_id)
        .bind(d.text)
        .bind(i64::from(d.is_spam))
        .bind(d.decided_by)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        let updated = update(model, &superseded).map_err(StoreError::Conflict)?;
        put_in(&mut tx, SPAM_MODEL_KEY, &updated, now).await?;
        tx.commit().await?;
        Ok(())
    }

    /// How many live spam and not-spam decisions the model learned from.
    pub async fn spam_decision_counts(&self) -> Result<(i64, i64), StoreError> {
        let row = sqlx::query(
            "SELECT COALESCE(SUM(CASE WHEN is_spam = 1 THEN 1 ELSE 0 END), 0) AS spam,
                    COALESCE(SUM(CASE WHEN is_spam = 0 THEN 1 ELSE 0 END), 0) AS not_spam
             FROM spam_decisions WHERE reversed_at IS NULL",
        )
        .fetch_one(self.reader())
        .await?;
        Ok((row.try_get("spam")?, row.try_get("not_spam")?))
    }
}

/// Upserts a setting inside a transaction.
pub(crate) async fn put_in(
    tx: &mut Transaction<'_, Any>,
    key: &str,
    value: &str,
    now: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO settings (key, value, updated_at) VALUES ($1, $2, $3)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
    )
    .bind(key)
    .bind(value)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Reads a setting for update: on PostgreSQL the row stays locked until the transaction ends, so
/// two processes learning at once take turns instead of losing one update. An empty value means
/// the setting was never written.
async fn lock_setting(
    tx: &mut Transaction<'_, Any>,
    backend: Backend,
    key: &str,
    now: i64,
) -> Result<Option<String>, StoreError> {
    // Make sure the row exists, so that there is something to lock.
    sqlx::query("INSERT INTO settings (key, value, updated_at) VALUES ($1, '', $2) ON CONFLICT (key) DO NOTHING")
        .bind(key)
        .bind(now)
        .execute(&mut **tx)
        .await?;
    let sql = match backend {
        Backend::Postgres => "SELECT value FROM settings WHERE key = $1 FOR UPDATE",
        Backend::Sqlite => "SELECT value FROM settings WHERE key = $1",
    };
    let value: String = sqlx::query(sql)
        .bind(key)
        .fetch_one(&mut **tx)
        .await?
        .try_get(0)?;
    Ok(Some(value).filter(|v| !v.is_empty()))
}
