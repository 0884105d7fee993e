//! Two-factor sign-in: a person's TOTP secret and their single-use recovery codes.

use crate::{Store, StoreError};
use sqlx::Row;

/// A person's TOTP credential.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TotpRow {
    /// The shared secret, Base32.
    pub secret: String,
    /// When the first right code confirmed it; unconfirmed secrets do not guard sign-in.
    pub confirmed_at: Option<i64>,
    /// The last time step accepted.
    pub last_step: i64,
}

impl Store {
    /// Starts (or restarts) an enrolment with a new secret; false when a confirmed one exists
    /// (turn it off first).
    pub async fn begin_totp(
        &self,
        user_id: i64,
        secret: &str,
        now: i64,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "INSERT INTO totp_credentials (user_id, secret, created_at) VALUES ($1, $2, $3)
             ON CONFLICT (user_id) DO UPDATE SET secret = $2, created_at = $3, last_step = 0
             WHERE totp_credentials.confirmed_at IS NULL",
        )
        .bind(user_id)
        .bind(secret)
        .bind(now)
        .execute(self.writer())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// A person's TOTP credential, confirmed or not.
    pub async fn totp_of(&self, user_id: i64) -> Result<Option<TotpRow>, StoreError> {
        let row = sqlx::query(
            "SELECT secret, confirmed_at, last_step FROM totp_credentials WHERE user_id = $1",
        )
        .bind(user_id)
        .fetch_optional(self.writer())
        .await?;
        row.map(|r| {
            Ok(TotpRow {
                secret: r.try_get("secret")?,
                confirmed_at: r.try_get("confirmed_at")?,
                last_step: r.try_get("last_step")?,
            })
        })
        .transpose()
        .map_err(|e: sqlx::Error| e.into())
    }

    /// Confirms an enrolment at the step of its first right code, stores the recovery codes
    /// (hashed) and marks the account as needing the second factor, in one transaction. False
    /// when there was no unconfirmed enrolment or the step was used.
    pub async fn confirm_totp(
        &self,
        user_id: i64,
        secret: &str,
        step: i64,
        code_hashes: &[String],
        now: i64,
    ) -> Result<bool, StoreError> {
        let mut tx = self.write_tx().await?;
        // The secret the code was checked against: a new enrolment begun meanwhile (another
        // tab) must not be confirmed by a code of the old one.
        let done = sqlx::query(
            "UPDATE totp_credentials SET confirmed_at = $2, last_step = $3
             WHERE user_id = $1 AND confirmed_at IS NULL AND last_step < $3 AND secret = $4",
        )
        .bind(user_id)
        .bind(now)
        .bind(step)
        .bind(secret)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() != 1 {
            return Ok(false);
        }
        replace_codes(&mut tx, user_id, code_hashes).await?;
        sqlx::query("UPDATE users SET two_factor_since = $2 WHERE id = $1")
            .bind(user_id)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Accepts a time step for a confirmed credential once: false when this step, or a later
    /// one, was used already (a code replayed, even through another process).
    pub async fn use_totp_step(&self, user_id: i64, step: i64) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE totp_credentials SET last_step = $2
             WHERE user_id = $1 AND confirmed_at IS NOT NULL AND last_step < $2",
        )
        .bind(user_id)
        .bind(step)
        .execute(self.writer())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Uses a recovery code (by hash); false when it is not one of the person's unused codes.
    pub async fn use_recovery_code(
        &self,
        user_id: i64,
        code_hash: &str,
        now: i64,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE recovery_codes SET used_at = $3
             WHERE user_id = $1 AND code_hash = $2 AND used_at IS NULL",
        )
        .bind(user_id)
        .bind(code_hash)
        .bind(now)
        .execute(self.writer())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// What a half-finished log-in's ticket is bound to: the password hash, the last TOTP
    /// step used and the recovery codes left. Any of them changes when the password changes
    /// or a second factor is accepted, which spends every ticket issued before.
    pub async fn second_factor_state(&self, user_id: i64) -> Result<Option<String>, StoreError> {
        let row = sqlx::query(
            "SELECT COALESCE(u.password_hash, '') AS password_hash,
                    COALESCE(t.last_step, 0) AS last_step,
                    (SELECT COUNT(*) FROM recovery_codes r
                     WHERE r.user_id = u.id AND r.used_at IS NULL) AS codes_left
             FROM users u LEFT JOIN totp_credentials t ON t.user_id = u.id
             WHERE u.id = $1 AND u.deleted_at IS NULL",
        )
        .bind(user_id)
        .fetch_optional(self.writer())
        .await?;
        row.map(|r| {
            Ok(format!(
                "{}|{}|{}",
                r.try_get::<String, _>("password_hash")?,
                r.try_get::<i64, _>("last_step")?,
                r.try_get::<i64, _>("codes_left")?
            ))
        })
        .transpose()
        .map_err(|e: sqlx::Error| e.into())
    }

    /// How many unused recovery codes a person has left.
    pub async fn recovery_codes_left(&self, user_id: i64) -> Result<i64, StoreError> {
        Ok(sqlx::query(
            "SELECT COUNT(*) FROM recovery_codes WHERE user_id = $1 AND used_at IS NULL",
        )
        .bind(user_id)
        .fetch_one(self.reader())
        .await?
        .try_get(0)?)
    }

    /// Replaces every recovery code of a person with new ones (hashed).
    pub async fn replace_recovery_codes(
        &self,
        user_id: i64,
        code_hashes: &[String],
    ) -> Result<(), StoreError> {
        let mut tx = self.write_tx().await?;
        replace_codes(&mut tx, user_id, code_hashes).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Turns two-factor sign-in off: the secret and the codes go.
    pub async fn disable_totp(&self, user_id: i64) -> Result<(), StoreError> {
        let mut tx = self.write_tx().await?;
        for sql in [
            "DELETE FROM totp_credentials WHERE user_id = $1",
            "DELETE FROM recovery_codes WHERE user_id = $1",
            "UPDATE users SET two_factor_since = NULL WHERE id = $1",
        ] {
            sqlx::query(sql).bind(user_id).execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(())
    }
}

async fn replace_codes(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    user_id: i64,
    code_hashes: &[String],
) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM recovery_codes WHERE user_id = $1")
        .bind(user_id)
        .execute(&mut **tx)
        .await?;
    for hash in code_hashes {
        sqlx::query("INSERT INTO recovery_codes (user_id, code_hash) VALUES ($1, $2)")
            .bind(user_id)
            .bind(hash)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}
