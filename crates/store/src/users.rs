//! Users, their sessions and their API tokens. Secrets arrive here already hashed.

use crate::{Store, StoreError};
use sqlx::any::AnyRow;
use sqlx::Row;

/// A stored user.
#[derive(Debug, Clone)]
pub struct UserRow {
    /// Id.
    pub id: i64,
    /// Display form of the username.
    pub username: String,
    /// E-mail, absent for imported profiles.
    pub email: Option<String>,
    /// Argon2id PHC string, absent for imported profiles.
    pub password_hash: Option<String>,
    /// Stored role name.
    pub role: String,
    /// Reputation points.
    pub reputation: i64,
    /// Rendered "about me".
    pub about_html: String,
    /// When they joined.
    pub created_at: i64,
    /// Last request seen.
    pub last_seen_at: i64,
    /// End of a suspension, if any.
    pub suspended_until: Option<i64>,
    /// Site an imported profile came from.
    pub source_site: Option<String>,
    /// A name shown instead of the username, if chosen.
    pub display_name: Option<String>,
    /// `gravatar` or `none`.
    pub avatar: String,
    /// Since when sign-in needs a second factor (TOTP), if it does.
    pub two_factor_since: Option<i64>,
}

const USER_COLUMNS: &str = "id, username, email, password_hash, role, reputation, about_html, \
     created_at, last_seen_at, suspended_until, source_site, display_name, avatar, two_factor_since";

fn user_from_row(r: &AnyRow) -> Result<UserRow, sqlx::Error> {
    Ok(UserRow {
        id: r.try_get("id")?,
        username: r.try_get("username")?,
        email: r.try_get("email")?,
        password_hash: r.try_get("password_hash")?,
        role: r.try_get("role")?,
        reputation: r.try_get("reputation")?,
        about_html: r.try_get("about_html")?,
        created_at: r.try_get("created_at")?,
        last_seen_at: r.try_get("last_seen_at")?,
        suspended_until: r.try_get("suspended_until")?,
        source_site: r.try_get("source_site")?,
        display_name: r.try_get("display_name")?,
        avatar: r.try_get("avatar")?,
        two_factor_since: r.try_get("two_factor_since")?,
    })
}

/// A user to insert.
#[derive(Debug, Clone)]
pub struct NewUser<'a> {
    /// Display form.
    pub username: &'a str,
    /// Case-folded unique form.
    pub username_key: &'a str,
    /// Normalised e-mail.
    pub email: &'a str,
    /// Case-folded unique e-mail.
    pub email_key: &'a str,
    /// Argon2id PHC string.
    pub password_hash: &'a str,
    /// Role name.
    pub role: &'a str,
    /// Creation time.
    pub now: i64,
    /// The credential the sign-up hands out, stored in the same transaction as the account
    /// (so a failure never leaves an account its creator cannot use).
    pub credential: Option<FirstCredential<'a>>,
}

/// The first session or API token of a new account, by hash.
#[derive(Debug, Clone)]
pub enum FirstCredential<'a> {
    /// A browser session.
    Session {
        /// SHA-256 of the cookie value.
        token_hash: &'a str,
        /// Expiry.
        expires_at: i64,
        /// Client address.
        ip: &'a str,
        /// Client software.
        user_agent: &'a str,
    },
    /// An API token.
    Token {
        /// SHA-256 of the token.
        token_hash: &'a str,
        /// Its name.
        name: &'a str,
        /// Space-separated scopes.
        scopes: &'a str,
    },
}

/// The owner of an API token, with what the token may do.
#[derive(Debug, Clone)]
pub struct TokenUser {
    /// The owner.
    pub user: UserRow,
    /// The token's stored scopes.
    pub scopes: String,
    /// The token's id.
    pub token_id: i64,
    /// When it was last used (to the minute).
    pub last_used_at: Option<i64>,
}

/// A new session or API token to store, by hash.
#[derive(Debug, Clone)]
pub struct NewSession<'a> {
    /// SHA-256 of the cookie value.
    pub token_hash: &'a str,
    /// Owner.
    pub user_id: i64,
    /// Creation time.
    pub now: i64,
    /// Expiry.
    pub expires_at: i64,
    /// Client address, for the user's session list.
    pub ip: &'a str,
    /// Client software, for the user's session list.
    pub user_agent: &'a str,
}

impl Store {
    /// Inserts a user; a taken username or e-mail is a [`StoreError::Conflict`] naming the column.
    /// The address confirmation mail is enqueued with the account.
    pub async fn insert_user(&self, u: &NewUser<'_>) -> Result<i64, StoreError> {
        let mut tx = self.write_tx().await?;
        let row = sqlx::query(
            "INSERT INTO users (username, username_key, email, email_key, password_hash, role, created_at, last_seen_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING id",
        )
        .bind(u.username)
        .bind(u.username_key)
        .bind(u.email)
        .bind(u.email_key)
        .bind(u.password_hash)
        .bind(u.role)
        .bind(u.now)
        .fetch_one(&mut *tx)
        .await
        .map_err(|e| match StoreError::from(e) {
            // SQLite names the column, PostgreSQL the constraint; both contain the column name.
            StoreError::Conflict(c) if c.contains("email") => StoreError::Conflict("email".into()),
            StoreError::Conflict(c) if c.contains("username") => {
                StoreError::Conflict("username".into())
            }
            other => other,
        })?;
        let id: i64 = row.try_get(0)?;
        let confirm = crate::jobs::NewJob::now(
            crate::jobs::CONFIRM_EMAIL_JOB,
            format!("{{\"user_id\":{id}}}"),
            u.now,
        )
        .keyed(format!("mail:confirm:{id}"));
        crate::jobs::enqueue_in(&mut tx, &[confirm], u.now).await?;
        // The day of sign-up is the first visit (the visiting badges count from it).
        sqlx::query("INSERT INTO user_visits (user_id, day) VALUES ($1, $2)")
            .bind(id)
            .bind(u.now.div_euclid(86_400))
            .execute(&mut *tx)
            .await?;
        match &u.credential {
            Some(FirstCredential::Session {
                token_hash,
                expires_at,
                ip,
                user_agent,
            }) => {
                sqlx::query(
                    "INSERT INTO sessions (token_hash, user_id, created_at, expires_at, last_seen_at, ip, user_agent)
                     VALUES ($1, $2, $3, $4, $3, $5, $6)",
                )
                .bind(token_hash)
                .bind(id)
                .bind(u.now)
                .bind(expires_at)
                .bind(ip)
                .bind(user_agent)
                .execute(&mut *tx)
                .await?;
            }
            Some(FirstCredential::Token {
                token_hash,
                name,
                scopes,
            }) => {
                sqlx::query(
                    "INSERT INTO api_tokens (user_id, name, token_hash, scopes, created_at)
                     VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(id)
                .bind(name)
                .bind(token_hash)
                .bind(scopes)
                .bind(u.now)
                .execute(&mut *tx)
                .await?;
            }
            None => {}
        }
        tx.commit().await?;
        Ok(id)
    }

    /// Finds a user by id.
    pub async fn user_by_id(&self, id: i64) -> Result<Option<UserRow>, StoreError> {
        let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1 AND deleted_at IS NULL");
        let row = sqlx::query(&sql)
            .bind(id)
            .fetch_optional(self.reader())
            .await?;
        Ok(row.as_ref().map(user_from_row).transpose()?)
    }

    /// Finds a user by case-folded username or e-mail.
    pub async fn user_by_login(&self, key: &str) -> Result<Option<UserRow>, StoreError> {
        let sql = format!(
            "SELECT {USER_COLUMNS} FROM users
             WHERE (username_key = $1 OR email_key = $1) AND deleted_at IS NULL"
        );
        let row = sqlx::query(&sql)
            .bind(key)
            .fetch_optional(self.reader())
            .await?;
        Ok(row.as_ref().map(user_from_row).transpose()?)
    }

    /// Stores a new browser session.
    pub async fn insert_session(&self, s: &NewSession<'_>) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO sessions (token_hash, user_id, created_at, expires_at, last_seen_at, ip, user_agent)
             VALUES ($1, $2, $3, $4, $3, $5, $6)",
        )
        .bind(s.token_hash)
        .bind(s.user_id)
        .bind(s.now)
        .bind(s.expires_at)
        .bind(s.ip)
        .bind(s.user_agent)
        .execute(self.writer())
        .await?;
        Ok(())
    }

    /// The user owning an unexpired session, and when the session was last used.
    pub async fn user_by_session(
        &self,
        token_hash: &str,
        now: i64,
    ) -> Result<Option<(UserRow, i64)>, StoreError> {
        let sql = format!(
            "SELECT {}, s.last_seen_at AS session_seen_at FROM sessions s JOIN users u ON u.id = s.user_id
             WHERE s.token_hash = $1 AND s.expires_at > $2 AND u.deleted_at IS NULL",
            prefixed("u", USER_COLUMNS)
        );
        let row = sqlx::query(&sql)
            .bind(token_hash)
            .bind(now)
            .fetch_optional(self.reader())
            .await?;
        match row {
            Some(r) => Ok(Some((user_from_row(&r)?, r.try_get("session_seen_at")?))),
            None => Ok(None),
        }
    }

    /// Ends a session.
    pub async fn delete_session(&self, token_hash: &str) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
            .bind(token_hash)
            .execute(self.writer())
            .await?;
        Ok(())
    }

    /// Stores a new API token.
    pub async fn insert_api_token(
        &self,
        user_id: i64,
        name: &str,
        token_hash: &str,
        scopes: &str,
        now: i64,
    ) -> Result<i64, StoreError> {
        let row = sqlx::query(
            "INSERT INTO api_tokens (user_id, name, token_hash, scopes, created_at)
             VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(user_id)
        .bind(name)
        .bind(token_hash)
        .bind(scopes)
        .bind(now)
        .fetch_one(self.writer())
        .await?;
        Ok(row.try_get(0)?)
    }

    /// The user owning a live API token, with the token's scopes and id.
    pub async fn user_by_api_token(
        &self,
        token_hash: &str,
        now: i64,
    ) -> Result<Option<TokenUser>, StoreError> {
        let sql = format!(
            "SELECT {}, t.scopes, t.id AS token_id, t.last_used_at AS token_used_at
             FROM api_tokens t JOIN users u ON u.id = t.user_id
             WHERE t.token_hash = $1 AND t.revoked_at IS NULL
               AND (t.expires_at IS NULL OR t.expires_at > $2) AND u.deleted_at IS NULL",
            prefixed("u", USER_COLUMNS)
        );
        let row = sqlx::query(&sql)
            .bind(token_hash)
            .bind(now)
            .fetch_optional(self.reader())
            .await?;
        match row {
            Some(r) => Ok(Some(TokenUser {
                user: user_from_row(&r)?,
                scopes: r.try_get("scopes")?,
                token_id: r.try_get("token_id")?,
                last_used_at: r.try_get("token_used_at")?,
            })),
            None => Ok(None),
        }
    }

    /// Deletes sessions that have expired; returns how many.
    pub async fn purge_expired_sessions(&self, now: i64) -> Result<u64, StoreError> {
        let done = sqlx::query("DELETE FROM sessions WHERE expires_at <= $1")
            .bind(now)
            .execute(self.writer())
            .await?;
        Ok(done.rows_affected())
    }

    /// Sets a user's role (for `stoa admin`).
    pub async fn set_user_role(&self, user_id: i64, role: &str) -> Result<(), StoreError> {
        sqlx::query("UPDATE users SET role = $1 WHERE id = $2")
            .bind(role)
            .bind(user_id)
            .execute(self.writer())
            .await?;
        Ok(())
    }
}

/// `a, b` → `u.a, u.b`.
fn prefixed(alias: &str, columns: &str) -> String {
    columns
        .split(',')
        .map(|c| format!("{alias}.{}", c.trim()))
        .collect::<Vec<_>>()
        .join(", ")
}
