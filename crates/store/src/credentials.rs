//! A person's credentials as they manage them: personal access tokens and browser sessions.

use crate::{Store, StoreError};
use sqlx::Row;

/// A personal access token (never its secret).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenRow {
    /// Id.
    pub id: i64,
    /// The name its owner gave it.
    pub name: String,
    /// Stored scopes (names separated by spaces).
    pub scopes: String,
    /// Created.
    pub created_at: i64,
    /// Last used (to the minute).
    pub last_used_at: Option<i64>,
    /// Expiry.
    pub expires_at: Option<i64>,
}

/// A browser session (never its cookie).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRow {
    /// The first 16 hex digits of the cookie's hash: names the session without revealing it.
    pub id: String,
    /// Started.
    pub created_at: i64,
    /// Last used (to five minutes).
    pub last_seen_at: i64,
    /// Ends.
    pub expires_at: i64,
    /// Client address at log-in.
    pub ip: String,
    /// Client software at log-in.
    pub user_agent: String,
}

/// A new personal access token.
#[derive(Debug, Clone)]
pub struct NewToken<'a> {
    /// Owner.
    pub user_id: i64,
    /// Name.
    pub name: &'a str,
    /// SHA-256 of the secret.
    pub token_hash: &'a str,
    /// Scopes, as stored.
    pub scopes: &'a str,
    /// Expiry.
    pub expires_at: Option<i64>,
    /// Now.
    pub now: i64,
}

/// The id a session is listed under: the first 16 hex digits of its cookie's hash, as the
/// queries below compute it with `substr(token_hash, 1, 16)`.
pub fn session_id(token_hash: &str) -> String {
    token_hash.chars().take(16).collect()
}

/// The most live personal tokens one person may hold.
pub const MAX_TOKENS: i64 = 50;

impl Store {
    /// Stores a personal access token, unless the owner already holds [`MAX_TOKENS`] live ones
    /// (`None`).
    pub async fn insert_personal_token(&self, t: &NewToken<'_>) -> Result<Option<i64>, StoreError> {
        let mut tx = self.write_tx().await?;
        let live: i64 = sqlx::query(
            "SELECT COUNT(*) FROM api_tokens
             WHERE user_id = $1 AND scopes <> '*' AND revoked_at IS NULL
               AND (expires_at IS NULL OR expires_at > $2)",
        )
        .bind(t.user_id)
        .bind(t.now)
        .fetch_one(&mut *tx)
        .await?
        .try_get(0)?;
        if live >= MAX_TOKENS {
            return Ok(None);
        }
        let id: i64 = sqlx::query(
            "INSERT INTO api_tokens (user_id, name, token_hash, scopes, created_at, expires_at)
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(t.user_id)
        .bind(t.name)
        .bind(t.token_hash)
        .bind(t.scopes)
        .bind(t.now)
        .bind(t.expires_at)
        .fetch_one(&mut *tx)
        .await?
        .try_get(0)?;
        tx.commit().await?;
        Ok(Some(id))
    }

    /// A person's live personal access tokens, newest first.
    pub async fn personal_tokens(
        &self,
        user_id: i64,
        now: i64,
    ) -> Result<Vec<TokenRow>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, name, scopes, created_at, last_used_at, expires_at FROM api_tokens
             WHERE user_id = $1 AND scopes <> '*' AND revoked_at IS NULL
               AND (expires_at IS NULL OR expires_at > $2)
             ORDER BY id DESC",
        )
        .bind(user_id)
        .bind(now)
        .fetch_all(self.reader())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(TokenRow {
                    id: r.try_get("id")?,
                    name: r.try_get("name")?,
                    scopes: r.try_get("scopes")?,
                    created_at: r.try_get("created_at")?,
                    last_used_at: r.try_get("last_used_at")?,
                    expires_at: r.try_get("expires_at")?,
                })
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(Into::into)
    }

    /// Revokes one of a person's personal tokens; false when they hold no such live token.
    pub async fn revoke_personal_token(
        &self,
        user_id: i64,
        id: i64,
        now: i64,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE api_tokens SET revoked_at = $3
             WHERE id = $1 AND user_id = $2 AND scopes <> '*' AND revoked_at IS NULL",
        )
        .bind(id)
        .bind(user_id)
        .bind(now)
        .execute(self.writer())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Notes a token's use, at most once a minute (a write per request would cost too much).
    pub async fn touch_token(&self, id: i64, now: i64) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE api_tokens SET last_used_at = $2
             WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < $2 - 60)",
        )
        .bind(id)
        .bind(now)
        .execute(self.writer())
        .await?;
        Ok(())
    }

    /// Notes a session's use, at most once every five minutes.
    pub async fn touch_session(&self, token_hash: &str, now: i64) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE sessions SET last_seen_at = $2 WHERE token_hash = $1 AND last_seen_at < $2 - 300",
        )
        .bind(token_hash)
        .bind(now)
        .execute(self.writer())
        .await?;
        Ok(())
    }

    /// A person's live browser sessions, most recently used first.
    pub async fn sessions_of(&self, user_id: i64, now: i64) -> Result<Vec<SessionRow>, StoreError> {
        let rows = sqlx::query(
            "SELECT substr(token_hash, 1, 16) AS id, created_at, last_seen_at, expires_at, ip,
                    user_agent
             FROM sessions WHERE user_id = $1 AND expires_at > $2
             ORDER BY last_seen_at DESC, created_at DESC",
        )
        .bind(user_id)
        .bind(now)
        .fetch_all(self.reader())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(SessionRow {
                    id: r.try_get("id")?,
                    created_at: r.try_get("created_at")?,
                    last_seen_at: r.try_get("last_seen_at")?,
                    expires_at: r.try_get("expires_at")?,
                    ip: r.try_get("ip")?,
                    user_agent: r.try_get("user_agent")?,
                })
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(Into::into)
    }

    /// Ends one of a person's sessions by its id; false when there is none.
    pub async fn end_session(&self, user_id: i64, id: &str) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "DELETE FROM sessions WHERE user_id = $1 AND substr(token_hash, 1, 16) = $2",
        )
        .bind(user_id)
        .bind(id)
        .execute(self.writer())
        .await?;
        Ok(done.rows_affected() > 0)
    }

    /// Ends every session of a person but one (by its cookie's hash, if any); returns how many.
    pub async fn end_other_sessions(
        &self,
        user_id: i64,
        keep_hash: Option<&str>,
    ) -> Result<u64, StoreError> {
        let done = sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND token_hash <> $2")
            .bind(user_id)
            .bind(keep_hash.unwrap_or(""))
            .execute(self.writer())
            .await?;
        Ok(done.rows_affected())
    }

    /// Changes a password and, in the same transaction, ends every other way in: sessions but
    /// the one kept, and log-in tokens but the one kept. Personal access tokens stay: their
    /// owner manages them.
    pub async fn change_password(
        &self,
        user_id: i64,
        password_hash: &str,
        keep_session_hash: Option<&str>,
        keep_token_hash: Option<&str>,
        now: i64,
    ) -> Result<(), StoreError> {
        let mut tx = self.write_tx().await?;
        sqlx::query("UPDATE users SET password_hash = $2 WHERE id = $1")
            .bind(user_id)
            .bind(password_hash)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND token_hash <> $2")
            .bind(user_id)
            .bind(keep_session_hash.unwrap_or(""))
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "UPDATE api_tokens SET revoked_at = $3
             WHERE user_id = $1 AND scopes = '*' AND revoked_at IS NULL AND token_hash <> $2",
        )
        .bind(user_id)
        .bind(keep_token_hash.unwrap_or(""))
        .bind(now)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }
}
