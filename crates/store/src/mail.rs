//! What e-mail delivery needs from the database: recipients, the mail log that makes a send
//! idempotent and caps a day's mail, digests, and one-time tokens (confirmation, reset).

use crate::jobs::complete_in;
use crate::notify::{notification_from_row, NotificationRow};
use crate::{Store, StoreError};
use sqlx::Row;

/// Where a person's mail goes.
#[derive(Debug, Clone)]
pub struct MailRecipient {
    /// User id.
    pub user_id: i64,
    /// Display username.
    pub username: String,
    /// Address, if any.
    pub email: Option<String>,
    /// Whether the address was confirmed.
    pub confirmed: bool,
}

/// A message handed to the SMTP server, to log.
#[derive(Debug, Clone)]
pub struct SentMail<'a> {
    /// Idempotency key of the send.
    pub mail_key: &'a str,
    /// Recipient's account.
    pub user_id: Option<i64>,
    /// `notification`, `digest`, `confirm_email`, `password_reset`.
    pub kind: &'a str,
    /// Address.
    pub recipient: &'a str,
    /// Subject.
    pub subject: &'a str,
    /// The `Message-ID` header.
    pub message_id: &'a str,
    /// Notifications the message carried (marked mailed).
    pub notification_ids: &'a [i64],
}

/// What the mail log knows of a message before it is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MailState {
    /// Nothing: send it.
    New,
    /// It was sent.
    Sent,
    /// An attempt began and its worker died before learning the outcome.
    Interrupted,
}

/// The worker's claim on the job that sent the mail.
pub type Claim<'a> = (i64, &'a str, i64);

impl Store {
    /// Where a user's mail goes; `None` for a deleted account.
    pub async fn mail_recipient(&self, user_id: i64) -> Result<Option<MailRecipient>, StoreError> {
        let row = sqlx::query(
            "SELECT id, username, email, email_confirmed_at FROM users
             WHERE id = $1 AND deleted_at IS NULL",
        )
        .bind(user_id)
        .fetch_optional(self.reader())
        .await?;
        row.map(|r| {
            Ok(MailRecipient {
                user_id: r.try_get("id")?,
                username: r.try_get("username")?,
                email: r.try_get("email")?,
                confirmed: r.try_get::<Option<i64>, _>("email_confirmed_at")?.is_some(),
            })
        })
        .transpose()
        .map_err(|e: sqlx::Error| e.into())
    }

    /// Records that a message is about to be handed to the SMTP server, before the
    /// conversation starts; what an earlier attempt with the same key left, if anything.
    pub async fn begin_mail(&self, m: &SentMail<'_>, now: i64) -> Result<MailState, StoreError> {
        let done = sqlx::query(
            "INSERT INTO mail_log (mail_key, user_id, kind, recipient, subject, message_id, status, sent_at)
             VALUES ($1, $2, $3, $4, $5, $6, 'sending', $7) ON CONFLICT (mail_key) DO NOTHING",
        )
        .bind(m.mail_key)
        .bind(m.user_id)
        .bind(m.kind)
        .bind(m.recipient)
        .bind(m.subject)
        .bind(m.message_id)
        .bind(now)
        .execute(self.writer())
        .await?;
        if done.rows_affected() == 1 {
            return Ok(MailState::New);
        }
        let status: String = sqlx::query("SELECT status FROM mail_log WHERE mail_key = $1")
            .bind(m.mail_key)
            .fetch_one(self.writer())
            .await?
            .try_get(0)?;
        Ok(if status == "sent" {
            MailState::Sent
        } else {
            MailState::Interrupted
        })
    }

    /// Forgets a send the SMTP server refused (or could not take), so that a retry sends it.
    pub async fn abort_mail(&self, mail_key: &str) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM mail_log WHERE mail_key = $1 AND status = 'sending'")
            .bind(mail_key)
            .execute(self.writer())
            .await?;
        Ok(())
    }

    /// Gives up on a send whose worker died during the SMTP conversation: it may or may not
    /// have arrived, and sending it again could make it arrive twice.
    pub async fn mail_interrupted(
        &self,
        claim: Claim<'_>,
        mail_key: &str,
        notification_ids: &[i64],
        now: i64,
    ) -> Result<(), StoreError> {
        let mut tx = self.write_tx().await?;
        sqlx::query("UPDATE mail_log SET status = 'unknown' WHERE mail_key = $1")
            .bind(mail_key)
            .execute(&mut *tx)
            .await?;
        mark_mailed(&mut tx, notification_ids, now).await?;
        complete_in(&mut tx, claim.0, claim.1, claim.2, now).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Messages sent to a person since `since` (the daily cap counts notifications and digests).
    pub async fn mails_since(&self, user_id: i64, since: i64) -> Result<i64, StoreError> {
        Ok(sqlx::query(
            "SELECT COUNT(*) FROM mail_log WHERE user_id = $1 AND sent_at >= $2
               AND kind IN ('notification', 'digest')",
        )
        .bind(user_id)
        .bind(since)
        .fetch_one(self.reader())
        .await?
        .try_get(0)?)
    }

    /// Marks a message the SMTP server accepted as sent, its notifications mailed, and completes
    /// its job, at once.
    pub async fn record_mail(
        &self,
        claim: Claim<'_>,
        m: &SentMail<'_>,
        now: i64,
    ) -> Result<(), StoreError> {
        let mut tx = self.write_tx().await?;
        sqlx::query("UPDATE mail_log SET status = 'sent', sent_at = $2 WHERE mail_key = $1")
            .bind(m.mail_key)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        mark_mailed(&mut tx, m.notification_ids, now).await?;
        complete_in(&mut tx, claim.0, claim.1, claim.2, now).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Completes a mail job that sends nothing (capped, unconfirmed, unsubscribed), marking its
    /// notifications as handled so that no digest repeats them.
    pub async fn skip_mail(
        &self,
        claim: Claim<'_>,
        notification_ids: &[i64],
        now: i64,
    ) -> Result<(), StoreError> {
        let mut tx = self.write_tx().await?;
        mark_mailed(&mut tx, notification_ids, now).await?;
        complete_in(&mut tx, claim.0, claim.1, claim.2, now).await?;
        tx.commit().await?;
        Ok(())
    }

    /// One notification.
    pub async fn notification(&self, id: i64) -> Result<Option<NotificationRow>, StoreError> {
        let row = sqlx::query(
            "SELECT id, user_id, kind, group_key, text, url, thread_id, channel, read_at,
                mailed_at, created_at FROM notifications WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(self.reader())
        .await?;
        Ok(row.as_ref().map(notification_from_row).transpose()?)
    }

    /// People with notifications waiting for a digest on `channel` (`daily` or `weekly`).
    pub async fn digest_recipients(&self, channel: &str) -> Result<Vec<i64>, StoreError> {
        let rows = sqlx::query(
            "SELECT DISTINCT user_id FROM notifications
             WHERE channel = $1 AND mailed_at IS NULL AND channel IN ('daily', 'weekly')",
        )
        .bind(channel)
        .fetch_all(self.reader())
        .await?;
        crate::lists::first_column(&rows)
    }

    /// A person's notifications waiting for a digest on `channel`, oldest first.
    pub async fn digest_items(
        &self,
        user_id: i64,
        channel: &str,
    ) -> Result<Vec<NotificationRow>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, user_id, kind, group_key, text, url, thread_id, channel, read_at,
                mailed_at, created_at FROM notifications
             WHERE user_id = $1 AND channel = $2 AND mailed_at IS NULL
               AND channel IN ('daily', 'weekly')
             ORDER BY id LIMIT 500",
        )
        .bind(user_id)
        .bind(channel)
        .fetch_all(self.reader())
        .await?;
        Ok(rows
            .iter()
            .map(notification_from_row)
            .collect::<Result<_, _>>()?)
    }

    /// Stores a one-time token (by hash) for `purpose`, valid until `expires_at`.
    pub async fn insert_one_time_token(
        &self,
        token_hash: &str,
        user_id: i64,
        purpose: &str,
        now: i64,
        expires_at: i64,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO one_time_tokens (token_hash, user_id, purpose, created_at, expires_at)
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(token_hash)
        .bind(user_id)
        .bind(purpose)
        .bind(now)
        .bind(expires_at)
        .execute(self.writer())
        .await?;
        Ok(())
    }

    /// Confirms an address with a token: the user, or `None` for an unknown, used or expired one.
    pub async fn confirm_email(
        &self,
        token_hash: &str,
        now: i64,
    ) -> Result<Option<i64>, StoreError> {
        let mut tx = self.write_tx().await?;
        let Some(user_id) = use_token(&mut tx, token_hash, "confirm_email", now).await? else {
            return Ok(None);
        };
        sqlx::query(
            "UPDATE users SET email_confirmed_at = COALESCE(email_confirmed_at, $2) WHERE id = $1",
        )
        .bind(user_id)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(Some(user_id))
    }

    /// Resets a password with a token: sets the new hash, ends every session and API token, and
    /// confirms the address (the mail reached its owner). The user, or `None` for a bad token.
    pub async fn reset_password(
        &self,
        token_hash: &str,
        password_hash: &str,
        now: i64,
    ) -> Result<Option<i64>, StoreError> {
        let mut tx = self.write_tx().await?;
        let Some(user_id) = use_token(&mut tx, token_hash, "password_reset", now).await? else {
            return Ok(None);
        };
        sqlx::query(
            "UPDATE users SET password_hash = $2,
                email_confirmed_at = COALESCE(email_confirmed_at, $3) WHERE id = $1",
        )
        .bind(user_id)
        .bind(password_hash)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        sqlx::query("DELETE FROM sessions WHERE user_id = $1")
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "UPDATE api_tokens SET revoked_at = $2 WHERE user_id = $1 AND revoked_at IS NULL",
        )
        .bind(user_id)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        // Every other reset link of this account dies with this one.
        sqlx::query(
            "UPDATE one_time_tokens SET used_at = $2
             WHERE user_id = $1 AND purpose = 'password_reset' AND used_at IS NULL",
        )
        .bind(user_id)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(Some(user_id))
    }

    /// The live account with this case-folded e-mail, if any.
    pub async fn user_id_by_email_key(&self, email_key: &str) -> Result<Option<i64>, StoreError> {
        let row = sqlx::query("SELECT id FROM users WHERE email_key = $1 AND deleted_at IS NULL")
            .bind(email_key)
            .fetch_optional(self.reader())
            .await?;
        Ok(row.map(|r| r.try_get(0)).transpose()?)
    }
}

async fn use_token(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    token_hash: &str,
    purpose: &str,
    now: i64,
) -> Result<Option<i64>, StoreError> {
    let row = sqlx::query(
        "UPDATE one_time_tokens SET used_at = $3
         WHERE token_hash = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > $3
         RETURNING user_id",
    )
    .bind(token_hash)
    .bind(purpose)
    .bind(now)
    .fetch_optional(&mut **tx)
    .await?;
    Ok(row.map(|r| r.try_get(0)).transpose()?)
}

async fn mark_mailed(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    ids: &[i64],
    now: i64,
) -> Result<(), StoreError> {
    if ids.is_empty() {
        return Ok(());
    }
    let sql = format!(
        "UPDATE notifications SET mailed_at = $1 WHERE id IN ({})",
        crate::lists::placeholders(2, ids.len())
    );
    let mut q = sqlx::query(&sql).bind(now);
    for id in ids {
        q = q.bind(id);
    }
    q.execute(&mut **tx).await?;
    Ok(())
}

impl Store {
    /// A setting's value, storing `initial` first if it has none (the first process to ask
    /// decides it for every process).
    pub async fn setting_or_init(
        &self,
        key: &str,
        initial: &str,
        now: i64,
    ) -> Result<String, StoreError> {
        sqlx::query(
            "INSERT INTO settings (key, value, updated_at) VALUES ($1, $2, $3)
             ON CONFLICT (key) DO NOTHING",
        )
        .bind(key)
        .bind(initial)
        .bind(now)
        .execute(self.writer())
        .await?;
        Ok(sqlx::query("SELECT value FROM settings WHERE key = $1")
            .bind(key)
            .fetch_one(self.writer())
            .await?
            .try_get(0)?)
    }
}
