//! What a person says about themselves (display name, about, avatar) and changes of their
//! e-mail address, confirmed at the new address.

use crate::{Store, StoreError};
use sqlx::Row;

/// A profile change; `None` fields stay as they are.
#[derive(Debug, Clone, Default)]
pub struct ProfileChange<'a> {
    /// New display name; `Some(None)` clears it.
    pub display_name: Option<Option<&'a str>>,
    /// New "about me": Markdown source and its rendering.
    pub about: Option<(&'a str, &'a str)>,
    /// `gravatar` or `none`.
    pub avatar: Option<&'a str>,
}

/// A person's editable profile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProfileRow {
    /// Display name.
    pub display_name: Option<String>,
    /// "About me" source.
    pub about_md: String,
    /// `gravatar` or `none`.
    pub avatar: String,
    /// The address waiting for confirmation, if any.
    pub pending_email: Option<String>,
    /// Whether the current address is confirmed.
    pub email_confirmed: bool,
}

/// A pending change of address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmailChange {
    /// Who.
    pub user_id: i64,
    /// Their username.
    pub username: String,
    /// The address to confirm.
    pub new_email: String,
    /// The address it replaces.
    pub old_email: Option<String>,
}

impl Store {
    /// A person's editable profile.
    pub async fn profile(&self, user_id: i64) -> Result<Option<ProfileRow>, StoreError> {
        let row = sqlx::query(
            "SELECT u.display_name, u.about_md, u.avatar, c.new_email, u.email_confirmed_at
             FROM users u LEFT JOIN email_changes c ON c.user_id = u.id
             WHERE u.id = $1 AND u.deleted_at IS NULL",
        )
        .bind(user_id)
        .fetch_optional(self.reader())
        .await?;
        row.map(|r| {
            Ok(ProfileRow {
                display_name: r.try_get("display_name")?,
                about_md: r.try_get("about_md")?,
                avatar: r.try_get("avatar")?,
                pending_email: r.try_get("new_email")?,
                email_confirmed: r.try_get::<Option<i64>, _>("email_confirmed_at")?.is_some(),
            })
        })
        .transpose()
        .map_err(|e: sqlx::Error| e.into())
    }

    /// Applies a profile change in one statement.
    pub async fn update_profile(
        &self,
        user_id: i64,
        c: &ProfileChange<'_>,
    ) -> Result<(), StoreError> {
        // Each field keeps its value unless its flag says to replace it.
        sqlx::query(
            "UPDATE users SET
                display_name = CASE WHEN $2 = 1 THEN $3 ELSE display_name END,
                about_md = CASE WHEN $4 = 1 THEN $5 ELSE about_md END,
                about_html = CASE WHEN $4 = 1 THEN $6 ELSE about_html END,
                avatar = CASE WHEN $7 = 1 THEN $8 ELSE avatar END
             WHERE id = $1",
        )
        .bind(user_id)
        .bind(i64::from(c.display_name.is_some()))
        .bind(c.display_name.flatten())
        .bind(i64::from(c.about.is_some()))
        .bind(c.about.map_or("", |a| a.0))
        .bind(c.about.map_or("", |a| a.1))
        .bind(i64::from(c.avatar.is_some()))
        .bind(c.avatar.unwrap_or("none"))
        .execute(self.writer())
        .await?;
        Ok(())
    }

    /// Records a wanted change of address (replacing any earlier one) and enqueues its
    /// confirmation mail in the same transaction. A [`StoreError::Conflict`] naming
    /// `email_key` when another account has the address.
    pub async fn request_email_change(
        &self,
        user_id: i64,
        new_email: &str,
        new_email_key: &str,
        now: i64,
        expires_at: i64,
        job: &crate::jobs::NewJob,
    ) -> Result<(), StoreError> {
        let mut tx = self.write_tx().await?;
        let taken = sqlx::query("SELECT 1 FROM users WHERE email_key = $1 AND id <> $2")
            .bind(new_email_key)
            .bind(user_id)
            .fetch_optional(&mut *tx)
            .await?;
        if taken.is_some() {
            return Err(StoreError::Conflict("users_email_key".into()));
        }
        sqlx::query(
            "INSERT INTO email_changes (user_id, new_email, new_email_key, old_email, requested_at, expires_at)
             SELECT id, $2, $3, email, $4, $5 FROM users WHERE id = $1
             ON CONFLICT (user_id) DO UPDATE SET new_email = $2, new_email_key = $3,
                 requested_at = $4, expires_at = $5, token_hash = NULL",
        )
        .bind(user_id)
        .bind(new_email)
        .bind(new_email_key)
        .bind(now)
        .bind(expires_at)
        .execute(&mut *tx)
        .await?;
        crate::jobs::enqueue_in(&mut tx, std::slice::from_ref(job), now).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Gives the pending change its link token (a new mail makes the older link useless).
    pub async fn email_change_for_mail(
        &self,
        user_id: i64,
        token_hash: &str,
        now: i64,
    ) -> Result<Option<EmailChange>, StoreError> {
        let done = sqlx::query(
            "UPDATE email_changes SET token_hash = $2 WHERE user_id = $1 AND expires_at > $3",
        )
        .bind(user_id)
        .bind(token_hash)
        .bind(now)
        .execute(self.writer())
        .await?;
        if done.rows_affected() != 1 {
            return Ok(None);
        }
        let row = sqlx::query(
            "SELECT c.user_id, u.username, c.new_email, c.old_email
             FROM email_changes c JOIN users u ON u.id = c.user_id
             WHERE c.user_id = $1 AND u.deleted_at IS NULL",
        )
        .bind(user_id)
        .fetch_optional(self.writer())
        .await?;
        row.map(|r| {
            Ok(EmailChange {
                user_id: r.try_get("user_id")?,
                username: r.try_get("username")?,
                new_email: r.try_get("new_email")?,
                old_email: r.try_get("old_email")?,
            })
        })
        .transpose()
        .map_err(|e: sqlx::Error| e.into())
    }

    /// Completes a change of address with its link's token: the new address becomes the
    /// account's, confirmed; a notice to the old one is enqueued in the same transaction.
    /// `None` for an unknown, used or expired token; a conflict when another account took the
    /// address meanwhile.
    pub async fn confirm_email_change(
        &self,
        token_hash: &str,
        now: i64,
        notice: impl FnOnce(&EmailChange) -> Option<crate::jobs::NewJob>,
    ) -> Result<Option<EmailChange>, StoreError> {
        let mut tx = self.write_tx().await?;
        let row = sqlx::query(
            "SELECT c.user_id, u.username, c.new_email, c.old_email, c.new_email_key
             FROM email_changes c JOIN users u ON u.id = c.user_id
             WHERE c.token_hash = $1 AND c.expires_at > $2 AND u.deleted_at IS NULL",
        )
        .bind(token_hash)
        .bind(now)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(r) = row else {
            return Ok(None);
        };
        let change = EmailChange {
            user_id: r.try_get("user_id")?,
            username: r.try_get("username")?,
            new_email: r.try_get("new_email")?,
            old_email: r.try_get("old_email")?,
        };
        let key: String = r.try_get("new_email_key")?;
        sqlx::query(
            "UPDATE users SET email = $2, email_key = $3, email_confirmed_at = $4 WHERE id = $1",
        )
        .bind(change.user_id)
        .bind(&change.new_email)
        .bind(&key)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        sqlx::query("DELETE FROM email_changes WHERE user_id = $1")
            .bind(change.user_id)
            .execute(&mut *tx)
            .await?;
        if let Some(job) = notice(&change) {
            crate::jobs::enqueue_in(&mut tx, std::slice::from_ref(&job), now).await?;
        }
        tx.commit().await?;
        Ok(Some(change))
    }

    /// Drops a pending change of address.
    pub async fn cancel_email_change(&self, user_id: i64) -> Result<bool, StoreError> {
        let done = sqlx::query("DELETE FROM email_changes WHERE user_id = $1")
            .bind(user_id)
            .execute(self.writer())
            .await?;
        Ok(done.rows_affected() == 1)
    }
}
