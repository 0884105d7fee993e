//! A person's own data: the rows "Download my data" exports, the archives it builds, and
//! the erasure of an account whose deletion fell due.

use crate::{Store, StoreError};
use serde_json::{Map, Value};
use sqlx::any::AnyRow;
use sqlx::{Column, Row};

/// Every file of the export and the query that fills it (`$1`: the person). Each names what
/// the person wrote or did; nothing of other people's private data (internal ticket notes,
/// who voted on their posts, which moderator handled their flags or appeals) is included, so
/// columns are listed, never `*`, where a row names someone else.
pub const EXPORT_FILES: &[(&str, &str)] = &[
    (
        "account",
        "SELECT id, username, display_name, email, role, reputation, about_md, avatar,
                created_at, last_seen_at, suspended_until, two_factor_since, deletion_due_at
         FROM users WHERE id = $1",
    ),
    (
        "posts",
        "SELECT id, kind, parent_id, title, tags, status, score, answer_count, comment_count,
                view_count, accepted_answer_id, created_at, last_edited_at, deleted_at,
                closed_at, locked_at, license
         FROM posts WHERE author_id = $1 ORDER BY id",
    ),
    (
        "revisions",
        "SELECT post_id, number, author_id, title, tags, body_md, comment, created_at
         FROM post_revisions
         WHERE author_id = $1 OR post_id IN (SELECT id FROM posts WHERE author_id = $1)
         ORDER BY post_id, number",
    ),
    (
        "comments",
        "SELECT * FROM comments WHERE author_id = $1 ORDER BY id",
    ),
    (
        "votes",
        "SELECT * FROM votes WHERE user_id = $1 ORDER BY post_id",
    ),
    (
        "flags",
        "SELECT id, post_id, reason, duplicate_of, text, status, created_at, handled_at
         FROM flags WHERE user_id = $1 ORDER BY id",
    ),
    (
        "suggested_edits",
        "SELECT id, post_id, base_revision, title, body_md, tags, comment, status, review_reason,
                created_at, reviewed_at
         FROM suggested_edits WHERE author_id = $1 ORDER BY id",
    ),
    (
        "appeals",
        "SELECT id, action_id, text, status, decision_reason, created_at, decided_at
         FROM appeals WHERE user_id = $1 ORDER BY id",
    ),
    (
        "reputation",
        "SELECT id, delta, reason, post_id, created_at, reversed_at, reverses_id
         FROM reputation_events WHERE user_id = $1 ORDER BY id",
    ),
    ("badges", "SELECT * FROM badge_awards WHERE user_id = $1"),
    ("bounties", "SELECT * FROM bounties WHERE offered_by = $1"),
    (
        "rewards",
        "SELECT * FROM reward_allocations WHERE user_id = $1 ORDER BY period_id",
    ),
    (
        "reward_preferences",
        "SELECT * FROM reward_preferences WHERE user_id = $1",
    ),
    (
        "tickets",
        "SELECT id, subject, status, priority, plan_id, organization_id, follow_up_of,
                created_at, updated_at, first_reply_at, solved_at, csat, csat_comment,
                published_question_id
         FROM tickets WHERE requester_id = $1 ORDER BY id",
    ),
    (
        "ticket_messages",
        "SELECT m.id, m.ticket_id, m.author_id, m.body_md, m.created_at
         FROM ticket_messages m JOIN tickets t ON t.id = m.ticket_id
         WHERE t.requester_id = $1 AND m.internal = 0 ORDER BY m.id",
    ),
    (
        "notification_settings",
        "SELECT * FROM notification_settings WHERE user_id = $1",
    ),
    ("follows", "SELECT * FROM follows WHERE user_id = $1"),
    ("drafts", "SELECT * FROM drafts WHERE user_id = $1"),
    (
        "sessions",
        "SELECT created_at, last_seen_at, expires_at, ip, user_agent FROM sessions
         WHERE user_id = $1",
    ),
    (
        "tokens",
        "SELECT id, name, scopes, created_at, last_used_at, expires_at, revoked_at
         FROM api_tokens WHERE user_id = $1 AND scopes <> '*'",
    ),
];

/// A notification addressed to one person about their own account (not an event others see).
#[derive(Debug, Clone)]
pub struct DirectNotification<'a> {
    /// To whom.
    pub user_id: i64,
    /// Its kind.
    pub kind: &'a str,
    /// Once per person and key.
    pub event_key: &'a str,
    /// What it says.
    pub text: &'a str,
    /// Where it leads.
    pub url: &'a str,
}

async fn insert_direct(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    n: &DirectNotification<'_>,
    now: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO notifications (user_id, kind, event_key, group_key, text, url, channel, created_at)
         VALUES ($1, $2, $3, $3, $4, $5, 'in_app', $6)
         ON CONFLICT (user_id, event_key) DO NOTHING",
    )
    .bind(n.user_id)
    .bind(n.kind)
    .bind(n.event_key)
    .bind(n.text)
    .bind(n.url)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// An export as its owner sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportRow {
    /// Id.
    pub id: i64,
    /// Asked for.
    pub requested_at: i64,
    /// Built (`None`: still waiting).
    pub ready_at: Option<i64>,
    /// The archive is dropped then.
    pub expires_at: Option<i64>,
    /// Archive size.
    pub size_bytes: Option<i64>,
}

/// A column's value as JSON, whatever its type on either backend.
fn value_of(row: &AnyRow, name: &str) -> Value {
    if let Ok(v) = row.try_get::<Option<i64>, _>(name) {
        return v.map_or(Value::Null, Value::from);
    }
    if let Ok(v) = row.try_get::<Option<String>, _>(name) {
        return v.map_or(Value::Null, Value::from);
    }
    if let Ok(v) = row.try_get::<Option<f64>, _>(name) {
        return v.map_or(Value::Null, Value::from);
    }
    if let Ok(v) = row.try_get::<Option<bool>, _>(name) {
        return v.map_or(Value::Null, Value::from);
    }
    Value::Null
}

fn row_json(row: &AnyRow) -> Value {
    let mut m = Map::new();
    for c in row.columns() {
        m.insert(c.name().to_string(), value_of(row, c.name()));
    }
    Value::Object(m)
}

fn export_row(r: &AnyRow) -> Result<ExportRow, sqlx::Error> {
    Ok(ExportRow {
        id: r.try_get("id")?,
        requested_at: r.try_get("requested_at")?,
        ready_at: r.try_get("ready_at")?,
        expires_at: r.try_get("expires_at")?,
        size_bytes: r.try_get("size_bytes")?,
    })
}

impl Store {
    /// The rows of one export file (see [`EXPORT_FILES`]) as JSON objects.
    pub async fn export_rows(&self, user_id: i64, sql: &str) -> Result<Vec<Value>, StoreError> {
        let rows = sqlx::query(sql)
            .bind(user_id)
            .fetch_all(self.reader())
            .await?;
        Ok(rows.iter().map(row_json).collect())
    }

    /// Records a request for an export and enqueues its job in one transaction; `None` when
    /// one is already waiting.
    pub async fn request_export(
        &self,
        user_id: i64,
        now: i64,
        job: impl FnOnce(i64) -> crate::jobs::NewJob,
    ) -> Result<Option<i64>, StoreError> {
        let mut tx = self.write_tx().await?;
        let waiting =
            sqlx::query("SELECT 1 FROM account_exports WHERE user_id = $1 AND ready_at IS NULL")
                .bind(user_id)
                .fetch_optional(&mut *tx)
                .await?;
        if waiting.is_some() {
            return Ok(None);
        }
        let id: i64 = sqlx::query(
            "INSERT INTO account_exports (user_id, requested_at) VALUES ($1, $2) RETURNING id",
        )
        .bind(user_id)
        .bind(now)
        .fetch_one(&mut *tx)
        .await?
        .try_get(0)?;
        crate::jobs::enqueue_in(&mut tx, &[job(id)], now).await?;
        tx.commit().await?;
        Ok(Some(id))
    }

    /// The owner of an export still to build.
    pub async fn pending_export(&self, id: i64) -> Result<Option<i64>, StoreError> {
        let row = sqlx::query(
            "SELECT e.user_id FROM account_exports e JOIN users u ON u.id = e.user_id
             WHERE e.id = $1 AND e.ready_at IS NULL AND u.deleted_at IS NULL",
        )
        .bind(id)
        .fetch_optional(self.writer())
        .await?;
        Ok(row.map(|r| r.try_get(0)).transpose()?)
    }

    /// Stores a built archive with the person's notification about it, completing the job,
    /// in one transaction.
    pub async fn finish_export(
        &self,
        id: i64,
        archive: &[u8],
        now: i64,
        expires_at: i64,
        notification: &DirectNotification<'_>,
        job: (i64, &str, i64),
    ) -> Result<(), StoreError> {
        let mut tx = self.write_tx().await?;
        sqlx::query(
            "UPDATE account_exports SET ready_at = $2, expires_at = $3, size_bytes = $4,
                 archive = $5
             WHERE id = $1 AND ready_at IS NULL",
        )
        .bind(id)
        .bind(now)
        .bind(expires_at)
        .bind(archive.len() as i64)
        .bind(archive)
        .execute(&mut *tx)
        .await?;
        insert_direct(&mut tx, notification, now).await?;
        crate::jobs::complete_in(&mut tx, job.0, job.1, job.2, now).await?;
        tx.commit().await?;
        Ok(())
    }

    /// A person's exports, newest first.
    pub async fn exports_of(&self, user_id: i64) -> Result<Vec<ExportRow>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, requested_at, ready_at, expires_at, size_bytes FROM account_exports
             WHERE user_id = $1 ORDER BY id DESC",
        )
        .bind(user_id)
        .fetch_all(self.reader())
        .await?;
        Ok(rows.iter().map(export_row).collect::<Result<_, _>>()?)
    }

    /// The archive of one of a person's exports, while it has not expired.
    pub async fn export_archive(
        &self,
        user_id: i64,
        id: i64,
        now: i64,
    ) -> Result<Option<Vec<u8>>, StoreError> {
        let row = sqlx::query(
            "SELECT archive FROM account_exports
             WHERE id = $1 AND user_id = $2 AND ready_at IS NOT NULL AND expires_at > $3",
        )
        .bind(id)
        .bind(user_id)
        .bind(now)
        .fetch_optional(self.reader())
        .await?;
        Ok(row.map(|r| r.try_get(0)).transpose()?)
    }

    /// Drops archives past their expiry (the rows stay, as a record of the request).
    pub async fn purge_expired_exports(&self, now: i64) -> Result<u64, StoreError> {
        let done = sqlx::query(
            "UPDATE account_exports SET archive = NULL WHERE expires_at <= $1 AND archive IS NOT NULL",
        )
        .bind(now)
        .execute(self.writer())
        .await?;
        Ok(done.rows_affected())
    }

    /// Schedules (or, with `None`, cancels) the deletion of an account; whether anything
    /// changed. `erase_posts`: delete their posts that have no answers by others.
    pub async fn schedule_deletion(
        &self,
        user_id: i64,
        due_at: Option<i64>,
        erase_posts: bool,
    ) -> Result<bool, StoreError> {
        let done = match due_at {
            Some(at) => {
                sqlx::query(
                    "UPDATE users SET deletion_due_at = $2, deletion_erases_posts = $3
                 WHERE id = $1 AND deleted_at IS NULL AND deletion_due_at IS NULL",
                )
                .bind(user_id)
                .bind(at)
                .bind(i64::from(erase_posts))
                .execute(self.writer())
                .await?
            }
            None => {
                sqlx::query(
                    "UPDATE users SET deletion_due_at = NULL, deletion_erases_posts = 0
                 WHERE id = $1 AND deleted_at IS NULL AND deletion_due_at IS NOT NULL",
                )
                .bind(user_id)
                .execute(self.writer())
                .await?
            }
        };
        Ok(done.rows_affected() == 1)
    }

    /// When a person's deletion takes effect, if one is scheduled.
    pub async fn deletion_due(&self, user_id: i64) -> Result<Option<i64>, StoreError> {
        let row = sqlx::query("SELECT deletion_due_at FROM users WHERE id = $1")
            .bind(user_id)
            .fetch_optional(self.reader())
            .await?;
        Ok(row.map(|r| r.try_get(0)).transpose()?.flatten())
    }

    /// Accounts whose deletion fell due, with whether their posts go too.
    pub async fn deletions_due(&self, now: i64) -> Result<Vec<(i64, bool)>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, deletion_erases_posts FROM users
             WHERE deletion_due_at IS NOT NULL AND deletion_due_at <= $1 AND deleted_at IS NULL
             ORDER BY id LIMIT 100",
        )
        .bind(now)
        .fetch_all(self.writer())
        .await?;
        rows.iter()
            .map(|r| {
                Ok((
                    r.try_get("id")?,
                    r.try_get::<i64, _>("deletion_erases_posts")? != 0,
                ))
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(Into::into)
    }

    /// The posts an erasure deletes when the person chose so: their answers, and their
    /// questions that no one else answered; live ones only.
    /// Nothing once the deletion was cancelled (checked here, just before they go).
    pub async fn erasable_posts(&self, user_id: i64, now: i64) -> Result<Vec<i64>, StoreError> {
        let rows = sqlx::query(
            "SELECT p.id FROM posts p JOIN users u ON u.id = p.author_id
             WHERE p.author_id = $1 AND p.deleted_at IS NULL AND p.kind IN ('question', 'answer')
               AND u.deleted_at IS NULL AND u.deletion_due_at IS NOT NULL
               AND u.deletion_due_at <= $2
               AND NOT EXISTS (
                   SELECT 1 FROM posts a
                   WHERE a.parent_id = p.id AND a.author_id <> $1 AND a.deleted_at IS NULL)
             ORDER BY p.kind DESC, p.id",
        )
        .bind(user_id)
        .bind(now)
        .fetch_all(self.writer())
        .await?;
        rows.iter()
            .map(|r| r.try_get(0))
            .collect::<Result<_, sqlx::Error>>()
            .map_err(Into::into)
    }

    /// Erases an account whose deletion fell due (and was not cancelled meanwhile: false
    /// then) in one transaction: the role becomes member, the name becomes
    /// `deleted user N`, and the address, password, profile, sessions, tokens, second factor,
    /// notifications, follows, drafts, traits, payout preferences, exports and webhooks go. What the
    /// community relies on stays (posts under their licence, votes, the moderation log, the
    /// reputation ledger), attributed to the anonymous name. See docs/account-deletion.md.
    pub async fn erase_account(&self, user_id: i64, now: i64) -> Result<bool, StoreError> {
        let mut tx = self.write_tx().await?;
        let name = format!("deleted user {user_id}");
        let done = sqlx::query(
            "UPDATE users SET username = $2, username_key = $2, email = NULL, email_key = NULL,
                 password_hash = NULL, about_md = '', about_html = '', display_name = NULL,
                 avatar = 'none', two_factor_since = NULL, email_confirmed_at = NULL,
                 deletion_due_at = NULL, deleted_at = $3, role = 'member'
             WHERE id = $1 AND deleted_at IS NULL
               AND deletion_due_at IS NOT NULL AND deletion_due_at <= $3",
        )
        .bind(user_id)
        .bind(&name)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() != 1 {
            return Ok(false);
        }
        for table in [
            "sessions",
            "api_tokens",
            "totp_credentials",
            "recovery_codes",
            "email_changes",
            "account_exports",
            "notifications",
            "notification_settings",
            "follows",
            "drafts",
            "one_time_tokens",
            "account_traits",
            "reward_preferences",
            "user_visits",
            "user_identities",
        ] {
            sqlx::query(&format!("DELETE FROM {table} WHERE user_id = $1"))
                .bind(user_id)
                .execute(&mut *tx)
                .await?;
        }
        // Webhooks would go on sending to an address the person no longer answers for.
        sqlx::query(
            "DELETE FROM webhook_deliveries
             WHERE webhook_id IN (SELECT id FROM webhooks WHERE owner_id = $1)",
        )
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
        sqlx::query("DELETE FROM webhooks WHERE owner_id = $1")
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        // Others who followed the person stop following a name that no longer exists.
        sqlx::query("DELETE FROM follows WHERE target_type = 'user' AND target = $1")
            .bind(user_id.to_string())
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "UPDATE mail_log SET user_id = NULL, recipient = '', subject = '' WHERE user_id = $1",
        )
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(true)
    }
}
