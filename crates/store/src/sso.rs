//! Single sign-on's records: which provider subject is which account, and the state of
//! sign-ins under way (kept in the database so that any process may take the way back).

use crate::{Store, StoreError};
use sqlx::Row;

/// A sign-in under way, as kept between the start and the provider's redirect back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SsoLogin {
    /// The provider's name.
    pub provider: String,
    /// The PKCE code verifier.
    pub pkce_verifier: String,
    /// The nonce the ID token must carry.
    pub nonce: String,
    /// Where to go after signing in.
    pub next: String,
}

/// A new account made at a first sign-in.
#[derive(Debug, Clone)]
pub struct NewSsoUser<'a> {
    /// Display form of the username.
    pub username: &'a str,
    /// Its folded key.
    pub username_key: &'a str,
    /// The verified address.
    pub email: &'a str,
    /// Its folded key.
    pub email_key: &'a str,
    /// The provider's name.
    pub provider: &'a str,
    /// The provider's subject.
    pub subject: &'a str,
    /// Now.
    pub now: i64,
}

/// An account with the address a provider verified: whether linking to it is safe.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LinkCandidate {
    /// The account.
    pub user_id: i64,
    /// Whether its owner ever proved the address (else whoever made it may not own it).
    pub email_confirmed: bool,
    /// Whether it is an agent's, a moderator's or an admin's.
    pub staff: bool,
    /// Whether it signs in with a second factor.
    pub two_factor: bool,
}

impl Store {
    /// The live account with this address, with what decides whether a provider may link to it.
    pub async fn link_candidate(
        &self,
        email_key: &str,
    ) -> Result<Option<LinkCandidate>, StoreError> {
        let row = sqlx::query(
            "SELECT id,
                    CASE WHEN email_confirmed_at IS NULL THEN 0 ELSE 1 END AS email_confirmed,
                    CASE WHEN role = 'member' THEN 0 ELSE 1 END AS staff,
                    CASE WHEN two_factor_since IS NULL THEN 0 ELSE 1 END AS two_factor
             FROM users WHERE email_key = $1 AND deleted_at IS NULL",
        )
        .bind(email_key)
        .fetch_optional(self.writer())
        .await?;
        row.map(|r| {
            Ok(LinkCandidate {
                user_id: r.try_get("id")?,
                email_confirmed: r.try_get::<i64, _>("email_confirmed")? == 1,
                staff: r.try_get::<i64, _>("staff")? == 1,
                two_factor: r.try_get::<i64, _>("two_factor")? == 1,
            })
        })
        .transpose()
        .map_err(|e: sqlx::Error| e.into())
    }

    /// Keeps a sign-in's state until the provider sends the person back (and drops expired
    /// ones).
    pub async fn insert_sso_login(
        &self,
        state_hash: &str,
        login: &SsoLogin,
        now: i64,
        expires_at: i64,
    ) -> Result<(), StoreError> {
        let mut tx = self.write_tx().await?;
        sqlx::query("DELETE FROM sso_logins WHERE expires_at <= $1")
            .bind(now)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO sso_logins (state_hash, provider, pkce_verifier, nonce, next, expires_at)
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(state_hash)
        .bind(&login.provider)
        .bind(&login.pkce_verifier)
        .bind(&login.nonce)
        .bind(&login.next)
        .bind(expires_at)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Takes a sign-in's state, once: a second use of the same `state` finds nothing.
    pub async fn take_sso_login(
        &self,
        state_hash: &str,
        now: i64,
    ) -> Result<Option<SsoLogin>, StoreError> {
        let row = sqlx::query(
            "DELETE FROM sso_logins WHERE state_hash = $1 AND expires_at > $2
             RETURNING provider, pkce_verifier, nonce, next",
        )
        .bind(state_hash)
        .bind(now)
        .fetch_optional(self.writer())
        .await?;
        row.map(|r| {
            Ok(SsoLogin {
                provider: r.try_get("provider")?,
                pkce_verifier: r.try_get("pkce_verifier")?,
                nonce: r.try_get("nonce")?,
                next: r.try_get("next")?,
            })
        })
        .transpose()
        .map_err(|e: sqlx::Error| e.into())
    }

    /// The live account a provider's subject belongs to, noting the sign-in.
    pub async fn identity_user(
        &self,
        provider: &str,
        subject: &str,
        now: i64,
    ) -> Result<Option<i64>, StoreError> {
        let row = sqlx::query(
            "UPDATE user_identities SET last_login_at = $3
             WHERE provider = $1 AND subject = $2
               AND user_id IN (SELECT id FROM users WHERE deleted_at IS NULL)
             RETURNING user_id",
        )
        .bind(provider)
        .bind(subject)
        .bind(now)
        .fetch_optional(self.writer())
        .await?;
        Ok(row.map(|r| r.try_get(0)).transpose()?)
    }

    /// Links a provider's subject to an existing account (whose address the provider
    /// verified), confirming that address.
    pub async fn link_identity(
        &self,
        provider: &str,
        subject: &str,
        user_id: i64,
        email: &str,
        now: i64,
    ) -> Result<(), StoreError> {
        let mut tx = self.write_tx().await?;
        sqlx::query(
            "INSERT INTO user_identities (provider, subject, user_id, email, created_at, last_login_at)
             VALUES ($1, $2, $3, $4, $5, $5)",
        )
        .bind(provider)
        .bind(subject)
        .bind(user_id)
        .bind(email)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "UPDATE users SET email_confirmed_at = COALESCE(email_confirmed_at, $2) WHERE id = $1",
        )
        .bind(user_id)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Creates an account at a first sign-in: no password (the provider vouches), the address
    /// confirmed, the identity linked, in one transaction. A conflict names `username` or
    /// `email`.
    pub async fn insert_sso_user(&self, u: &NewSsoUser<'_>) -> Result<i64, StoreError> {
        let mut tx = self.write_tx().await?;
        let id: i64 = sqlx::query(
            "INSERT INTO users (username, username_key, email, email_key, role, created_at,
                 last_seen_at, email_confirmed_at)
             VALUES ($1, $2, $3, $4, 'member', $5, $5, $5) RETURNING id",
        )
        .bind(u.username)
        .bind(u.username_key)
        .bind(u.email)
        .bind(u.email_key)
        .bind(u.now)
        .fetch_one(&mut *tx)
        .await
        .map_err(|e| match StoreError::from(e) {
            StoreError::Conflict(c) if c.contains("email") => StoreError::Conflict("email".into()),
            StoreError::Conflict(c) if c.contains("username") => {
                StoreError::Conflict("username".into())
            }
            other => other,
        })?
        .try_get(0)?;
        sqlx::query("INSERT INTO user_visits (user_id, day) VALUES ($1, $2)")
            .bind(id)
            .bind(u.now.div_euclid(86_400))
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO user_identities (provider, subject, user_id, email, created_at, last_login_at)
             VALUES ($1, $2, $3, $4, $5, $5)",
        )
        .bind(u.provider)
        .bind(u.subject)
        .bind(id)
        .bind(u.email)
        .bind(u.now)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(id)
    }
}
