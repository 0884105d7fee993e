//! Follows, notification settings and in-app notifications, and the fan-out that turns one
//! event into a notification per person in one transaction with the job that caused it.

use crate::jobs::{complete_in, enqueue_in, NewJob};
use crate::lists::{placeholders, Page};
use crate::{Store, StoreError};
use sqlx::any::AnyRow;
use sqlx::{Any, Row, Transaction};

/// Something a person follows.
#[derive(Debug, Clone)]
pub struct FollowRow {
    /// Id.
    pub id: i64,
    /// `tag`, `question` or `user`.
    pub target_type: String,
    /// The tag name, or the question's or user's id.
    pub target: String,
    /// A readable name of the target (question title, username, tag).
    pub label: String,
    /// Since when.
    pub created_at: i64,
}

/// A stored notification.
#[derive(Debug, Clone)]
pub struct NotificationRow {
    /// Id.
    pub id: i64,
    /// Recipient.
    pub user_id: i64,
    /// Event kind.
    pub kind: String,
    /// Groups notifications about the same thing.
    pub group_key: String,
    /// What happened, one line.
    pub text: String,
    /// Where to look.
    pub url: String,
    /// The question it belongs to.
    pub thread_id: Option<i64>,
    /// Channel chosen when it was made.
    pub channel: String,
    /// When read.
    pub read_at: Option<i64>,
    /// When e-mailed.
    pub mailed_at: Option<i64>,
    /// When made.
    pub created_at: i64,
}

const NOTIFICATION_COLUMNS: &str =
    "id, user_id, kind, group_key, text, url, thread_id, channel, read_at, mailed_at, created_at";

pub(crate) fn notification_from_row(r: &AnyRow) -> Result<NotificationRow, sqlx::Error> {
    Ok(NotificationRow {
        id: r.try_get("id")?,
        user_id: r.try_get("user_id")?,
        kind: r.try_get("kind")?,
        group_key: r.try_get("group_key")?,
        text: r.try_get("text")?,
        url: r.try_get("url")?,
        thread_id: r.try_get("thread_id")?,
        channel: r.try_get("channel")?,
        read_at: r.try_get("read_at")?,
        mailed_at: r.try_get("mailed_at")?,
        created_at: r.try_get("created_at")?,
    })
}

/// Who receives one notification.
#[derive(Debug, Clone)]
pub enum Recipients {
    /// These people.
    Users(Vec<i64>),
    /// Everyone who follows this target (`tag`/`question`/`user`, name or id).
    Followers(&'static str, String),
}

/// One notification to fan out to its recipients.
#[derive(Debug, Clone)]
pub struct Fanout {
    /// Who.
    pub recipients: Recipients,
    /// Event kind.
    pub kind: &'static str,
    /// The channel of people who chose none for this kind.
    pub default_channel: &'static str,
    /// Once per person: a person already notified of this key gets nothing more.
    pub event_key: String,
    /// Grouping key.
    pub group_key: String,
    /// One line.
    pub text: String,
    /// Link.
    pub url: String,
    /// The question it belongs to.
    pub thread_id: Option<i64>,
    /// Who caused it (never notified of their own act).
    pub actor_id: Option<i64>,
}

/// One fan-out job's writes.
#[derive(Debug, Clone)]
pub struct FanoutJob<'a> {
    /// The worker's claim: job id, worker, try.
    pub claim: (i64, &'a str, i64),
    /// Notifications, most specific first.
    pub batches: Vec<Fanout>,
    /// `(user, question)`: the author follows the question.
    pub auto_follow: Option<(i64, i64)>,
    /// The event's webhook deliveries.
    pub deliveries: Vec<crate::webhooks::NewDelivery>,
}

/// The job that sends a notification by e-mail at once.
pub const MAIL_NOTIFICATION_JOB: &str = "mail.notification";

impl Store {
    /// Follows a target; the follow's id and whether it is new.
    pub async fn follow(
        &self,
        user_id: i64,
        target_type: &str,
        target: &str,
        now: i64,
    ) -> Result<(i64, bool), StoreError> {
        let mut tx = self.write_tx().await?;
        let inserted = follow_in(&mut tx, user_id, target_type, target, now).await?;
        let id: i64 = sqlx::query(
            "SELECT id FROM follows WHERE user_id = $1 AND target_type = $2 AND target = $3",
        )
        .bind(user_id)
        .bind(target_type)
        .bind(target)
        .fetch_one(&mut *tx)
        .await?
        .try_get(0)?;
        tx.commit().await?;
        Ok((id, inserted))
    }

    /// Stops a follow of `user_id`'s; false when there was none.
    pub async fn unfollow(&self, user_id: i64, follow_id: i64) -> Result<bool, StoreError> {
        let done = sqlx::query("DELETE FROM follows WHERE id = $1 AND user_id = $2")
            .bind(follow_id)
            .bind(user_id)
            .execute(self.writer())
            .await?;
        Ok(done.rows_affected() == 1)
    }

    /// The follow of one target, if any.
    pub async fn follow_of(
        &self,
        user_id: i64,
        target_type: &str,
        target: &str,
    ) -> Result<Option<i64>, StoreError> {
        let row = sqlx::query(
            "SELECT id FROM follows WHERE user_id = $1 AND target_type = $2 AND target = $3",
        )
        .bind(user_id)
        .bind(target_type)
        .bind(target)
        .fetch_optional(self.reader())
        .await?;
        Ok(row.map(|r| r.try_get(0)).transpose()?)
    }

    /// What a person follows, newest first, with readable labels.
    pub async fn follows_of(&self, user_id: i64) -> Result<Vec<FollowRow>, StoreError> {
        let rows = sqlx::query(
            "SELECT f.id, f.target_type, f.target,
                COALESCE(p.title, u.username, f.target) AS label, f.created_at
             FROM follows f
             LEFT JOIN posts p ON f.target_type = 'question' AND CAST(p.id AS TEXT) = f.target
             LEFT JOIN users u ON f.target_type = 'user' AND CAST(u.id AS TEXT) = f.target
             WHERE f.user_id = $1 ORDER BY f.id DESC LIMIT 1000",
        )
        .bind(user_id)
        .fetch_all(self.reader())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(FollowRow {
                    id: r.try_get("id")?,
                    target_type: r.try_get("target_type")?,
                    target: r.try_get("target")?,
                    label: r.try_get("label")?,
                    created_at: r.try_get("created_at")?,
                })
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(Into::into)
    }

    /// A person's chosen channels, by kind, and whether asking or answering follows.
    pub async fn notification_settings(
        &self,
        user_id: i64,
    ) -> Result<(Vec<(String, String)>, bool), StoreError> {
        let rows =
            sqlx::query("SELECT kind, channel FROM notification_settings WHERE user_id = $1")
                .bind(user_id)
                .fetch_all(self.reader())
                .await?;
        let channels = rows
            .iter()
            .map(|r| Ok((r.try_get("kind")?, r.try_get("channel")?)))
            .collect::<Result<Vec<_>, sqlx::Error>>()?;
        let auto: i64 = sqlx::query("SELECT auto_follow FROM users WHERE id = $1")
            .bind(user_id)
            .fetch_optional(self.reader())
            .await?
            .map(|r| r.try_get(0))
            .transpose()?
            .unwrap_or(1);
        Ok((channels, auto != 0))
    }

    /// Replaces a person's channels (all kinds given) and the auto-follow setting.
    pub async fn put_notification_settings(
        &self,
        user_id: i64,
        channels: &[(&str, &str)],
        auto_follow: bool,
    ) -> Result<(), StoreError> {
        let mut tx = self.write_tx().await?;
        for (kind, channel) in channels {
            set_channel_in(&mut tx, user_id, kind, channel).await?;
        }
        sqlx::query("UPDATE users SET auto_follow = $2 WHERE id = $1")
            .bind(user_id)
            .bind(i64::from(auto_follow))
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Sets one kind's channel (an unsubscribe link does this).
    pub async fn set_notification_channel(
        &self,
        user_id: i64,
        kind: &str,
        channel: &str,
    ) -> Result<(), StoreError> {
        let mut tx = self.write_tx().await?;
        set_channel_in(&mut tx, user_id, kind, channel).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Writes fan-out jobs in one transaction (on SQLite each transaction is a turn of the one
    /// writer, so a batch of jobs costs what one did). For each job: its completion, the author's
    /// follow of the question (when they chose to follow what they ask and answer), every
    /// notification in order (the most specific first, so that a person who is both the asker
    /// and a follower gets the asker's notification), and the e-mail jobs of those who chose
    /// "at once" and confirmed their address. A job whose claim was lost writes nothing; the
    /// ids of the jobs written are returned.
    pub async fn fan_out(&self, jobs: &[FanoutJob<'_>], now: i64) -> Result<Vec<i64>, StoreError> {
        let mut tx = self.write_tx().await?;
        let mut written = Vec::with_capacity(jobs.len());
        let mut mails = Vec::new();
        for j in jobs {
            if !complete_in(&mut tx, j.claim.0, j.claim.1, j.claim.2, now).await? {
                continue;
            }
            written.push(j.claim.0);
            crate::webhooks::insert_deliveries_in(&mut tx, &j.deliveries, now).await?;
            if let Some((user_id, question_id)) = j.auto_follow {
                follow_in(&mut tx, user_id, "question", &question_id.to_string(), now).await?;
            }
            for b in &j.batches {
                let ids = insert_notifications(&mut tx, b, now).await?;
                for id in confirmed_recipients(&mut tx, &ids).await? {
                    mails.push(
                        NewJob::now(
                            MAIL_NOTIFICATION_JOB,
                            format!("{{\"notification_id\":{id}}}"),
                            now,
                        )
                        .keyed(format!("mail:n:{id}")),
                    );
                }
            }
        }
        enqueue_in(&mut tx, &mails, now).await?;
        tx.commit().await?;
        Ok(written)
    }

    /// A page of a person's notifications, newest first, and their unread count.
    pub async fn notifications_page(
        &self,
        user_id: i64,
        unread_only: bool,
        limit: i64,
        offset: i64,
    ) -> Result<(Page<NotificationRow>, i64), StoreError> {
        let filter = if unread_only {
            "AND read_at IS NULL"
        } else {
            ""
        };
        let rows = sqlx::query(&format!(
            "SELECT {NOTIFICATION_COLUMNS} FROM notifications WHERE user_id = $1 {filter}
             ORDER BY id DESC LIMIT $2 OFFSET $3"
        ))
        .bind(user_id)
        .bind(limit)
        .bind(offset)
        .fetch_all(self.reader())
        .await?;
        let total: i64 = sqlx::query(&format!(
            "SELECT COUNT(*) FROM notifications WHERE user_id = $1 {filter}"
        ))
        .bind(user_id)
        .fetch_one(self.reader())
        .await?
        .try_get(0)?;
        let unread = self.unread_notifications(user_id).await?;
        Ok((
            Page {
                items: rows
                    .iter()
                    .map(notification_from_row)
                    .collect::<Result<_, _>>()?,
                total,
            },
            unread,
        ))
    }

    /// How many notifications a person has not read.
    pub async fn unread_notifications(&self, user_id: i64) -> Result<i64, StoreError> {
        Ok(
            sqlx::query(
                "SELECT COUNT(*) FROM notifications WHERE user_id = $1 AND read_at IS NULL",
            )
            .bind(user_id)
            .fetch_one(self.reader())
            .await?
            .try_get(0)?,
        )
    }

    /// Marks some (or, with `None`, all) of a person's notifications read; how many changed.
    pub async fn mark_notifications_read(
        &self,
        user_id: i64,
        ids: Option<&[i64]>,
        now: i64,
    ) -> Result<u64, StoreError> {
        let done =
            match ids {
                None => sqlx::query(
                    "UPDATE notifications SET read_at = $2 WHERE user_id = $1 AND read_at IS NULL",
                )
                .bind(user_id)
                .bind(now)
                .execute(self.writer())
                .await?,
                Some([]) => return Ok(0),
                Some(ids) => {
                    let sql = format!(
                        "UPDATE notifications SET read_at = $2
                     WHERE user_id = $1 AND read_at IS NULL AND id IN ({})",
                        placeholders(3, ids.len())
                    );
                    let mut q = sqlx::query(&sql).bind(user_id).bind(now);
                    for id in ids {
                        q = q.bind(id);
                    }
                    q.execute(self.writer()).await?
                }
            };
        Ok(done.rows_affected())
    }

    /// Ids of existing users by case-folded username (for @mentions).
    pub async fn users_by_username_keys(
        &self,
        keys: &[String],
    ) -> Result<Vec<(i64, String)>, StoreError> {
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT id, username FROM users WHERE deleted_at IS NULL AND username_key IN ({})",
            placeholders(1, keys.len())
        );
        let mut q = sqlx::query(&sql);
        for k in keys {
            q = q.bind(k);
        }
        let rows = q.fetch_all(self.reader()).await?;
        rows.iter()
            .map(|r| Ok((r.try_get("id")?, r.try_get("username")?)))
            .collect::<Result<_, sqlx::Error>>()
            .map_err(Into::into)
    }

    /// Usernames starting with `prefix` (case-folded), for completion in the editor.
    pub async fn usernames_starting(
        &self,
        prefix: &str,
        limit: i64,
    ) -> Result<Vec<String>, StoreError> {
        let rows = sqlx::query(
            "SELECT username FROM users
             WHERE username_key >= $1 AND username_key < $2 AND deleted_at IS NULL
             ORDER BY username_key LIMIT $3",
        )
        .bind(prefix)
        .bind(format!("{prefix}\u{10ffff}"))
        .bind(limit)
        .fetch_all(self.reader())
        .await?;
        crate::lists::first_column(&rows)
    }

    /// Earlier commenters on a post (for "a comment after yours").
    pub async fn commenters_on(&self, post_id: i64) -> Result<Vec<i64>, StoreError> {
        let rows = sqlx::query(
            "SELECT DISTINCT author_id FROM comments WHERE post_id = $1 AND deleted_at IS NULL",
        )
        .bind(post_id)
        .fetch_all(self.reader())
        .await?;
        crate::lists::first_column(&rows)
    }
}

/// Follows inside a transaction; true when new.
pub(crate) async fn follow_in(
    tx: &mut Transaction<'_, Any>,
    user_id: i64,
    target_type: &str,
    target: &str,
    now: i64,
) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "INSERT INTO follows (user_id, target_type, target, created_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (user_id, target_type, target) DO NOTHING",
    )
    .bind(user_id)
    .bind(target_type)
    .bind(target)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

async fn set_channel_in(
    tx: &mut Transaction<'_, Any>,
    user_id: i64,
    kind: &str,
    channel: &str,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO notification_settings (user_id, kind, channel) VALUES ($1, $2, $3)
         ON CONFLICT (user_id, kind) DO UPDATE SET channel = excluded.channel",
    )
    .bind(user_id)
    .bind(kind)
    .bind(channel)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Of notifications to e-mail, those whose recipient confirmed an address (the others would
/// only be skipped by the mail job, at the cost of a job).
async fn confirmed_recipients(
    tx: &mut Transaction<'_, Any>,
    ids: &[i64],
) -> Result<Vec<i64>, StoreError> {
    let mut out = Vec::new();
    for chunk in ids.chunks(1000) {
        let sql = format!(
            "SELECT n.id FROM notifications n JOIN users u ON u.id = n.user_id
             WHERE n.id IN ({}) AND u.email_confirmed_at IS NOT NULL",
            placeholders(1, chunk.len())
        );
        let mut q = sqlx::query(&sql);
        for id in chunk {
            q = q.bind(id);
        }
        for r in q.fetch_all(&mut **tx).await? {
            out.push(r.try_get(0)?);
        }
    }
    out.sort_unstable();
    Ok(out)
}

/// Inserts one notification per recipient whose channel for the kind is not `off`, skipping
/// people already notified of the event; the ids of the new ones to e-mail at once.
async fn insert_notifications(
    tx: &mut Transaction<'_, Any>,
    b: &Fanout,
    now: i64,
) -> Result<Vec<i64>, StoreError> {
    // $1..$9 are the notification's fields; the recipients' parameters follow. `r` is the
    // recipient (always a live account), `s` their setting for the kind.
    let settings = "LEFT JOIN notification_settings s ON s.user_id = r.id AND s.kind = $1";
    let from = match &b.recipients {
        Recipients::Users(ids) if ids.is_empty() => return Ok(Vec::new()),
        Recipients::Users(ids) => format!(
            "FROM users r {settings} WHERE r.id IN ({}) AND r.deleted_at IS NULL",
            placeholders(10, ids.len())
        ),
        Recipients::Followers(..) => format!(
            "FROM follows f JOIN users r ON r.id = f.user_id {settings}
             WHERE f.target_type = $10 AND f.target = $11 AND r.deleted_at IS NULL"
        ),
    };
    let sql = format!(
        "INSERT INTO notifications (user_id, kind, event_key, group_key, text, url, thread_id,
            actor_id, channel, created_at)
         SELECT r.id, $1, $2, $3, $4, $5, $6, $7, COALESCE(s.channel, $8), $9
         {from}
           AND r.id <> COALESCE($7, 0) AND COALESCE(s.channel, $8) <> 'off'
         ON CONFLICT (user_id, event_key) DO NOTHING
         RETURNING id, channel"
    );
    let mut q = sqlx::query(&sql)
        .bind(b.kind)
        .bind(&b.event_key)
        .bind(&b.group_key)
        .bind(&b.text)
        .bind(&b.url)
        .bind(b.thread_id)
        .bind(b.actor_id)
        .bind(b.default_channel)
        .bind(now);
    match &b.recipients {
        Recipients::Users(ids) => {
            for id in ids {
                q = q.bind(id);
            }
        }
        Recipients::Followers(t, target) => q = q.bind(*t).bind(target),
    }
    let rows = q.fetch_all(&mut **tx).await?;
    let mut mail = Vec::new();
    for r in &rows {
        let channel: String = r.try_get("channel")?;
        if channel == "email" {
            mail.push(r.try_get("id")?);
        }
    }
    Ok(mail)
}

impl Store {
    /// The people whose flags on a post were handled at `handled_at`, with the outcome.
    pub async fn flaggers_handled(
        &self,
        post_id: i64,
        handled_at: i64,
    ) -> Result<Vec<(i64, String)>, StoreError> {
        let rows = sqlx::query(
            "SELECT DISTINCT user_id, status FROM flags
             WHERE post_id = $1 AND handled_at = $2 AND user_id IS NOT NULL",
        )
        .bind(post_id)
        .bind(handled_at)
        .fetch_all(self.reader())
        .await?;
        rows.iter()
            .map(|r| Ok((r.try_get("user_id")?, r.try_get("status")?)))
            .collect::<Result<_, sqlx::Error>>()
            .map_err(Into::into)
    }
}

/// What a fan-out needs of a post, read lighter than a whole post (no rendered bodies).
#[derive(Debug, Clone)]
pub struct ThreadPost {
    /// Id.
    pub id: i64,
    /// Question or answer.
    pub kind: stoa_domain::post_kind::PostKind,
    /// Author.
    pub author_id: i64,
    /// Author's username.
    pub author_name: String,
    /// Markdown source (for @mentions).
    pub body_md: String,
    /// Title (questions).
    pub title: String,
    /// Tags, space-separated (questions).
    pub tags: String,
    /// Accepted answer (questions).
    pub accepted_answer_id: Option<i64>,
}

impl Store {
    /// A live, published post and its live, published question (itself for a question), in one
    /// read.
    pub async fn thread_post(
        &self,
        id: i64,
    ) -> Result<Option<(ThreadPost, ThreadPost)>, StoreError> {
        let row = sqlx::query(
            "SELECT p.id AS p_id, p.kind AS p_kind, p.author_id AS p_author_id,
                    pu.username AS p_author_name, p.body_md AS p_body_md, p.title AS p_title,
                    p.tags AS p_tags, p.accepted_answer_id AS p_accepted_answer_id,
                    q.id AS q_id, q.kind AS q_kind, q.author_id AS q_author_id,
                    qu.username AS q_author_name, q.body_md AS q_body_md, q.title AS q_title,
                    q.tags AS q_tags, q.accepted_answer_id AS q_accepted_answer_id
             FROM posts p
             JOIN users pu ON pu.id = p.author_id
             JOIN posts q ON q.id = COALESCE(p.parent_id, p.id)
             JOIN users qu ON qu.id = q.author_id
             WHERE p.id = $1 AND p.deleted_at IS NULL AND p.status = 'published'
               AND q.deleted_at IS NULL AND q.status = 'published' AND q.kind = 'question'",
        )
        .bind(id)
        .fetch_optional(self.reader())
        .await?;
        let Some(r) = row else {
            return Ok(None);
        };
        // The columns of one side, in `ThreadPost`'s field order.
        const P: [&str; 8] = [
            "p_id",
            "p_kind",
            "p_author_id",
            "p_author_name",
            "p_body_md",
            "p_title",
            "p_tags",
            "p_accepted_answer_id",
        ];
        const Q: [&str; 8] = [
            "q_id",
            "q_kind",
            "q_author_id",
            "q_author_name",
            "q_body_md",
            "q_title",
            "q_tags",
            "q_accepted_answer_id",
        ];
        let at = |c: &[&str; 8]| -> Result<ThreadPost, sqlx::Error> {
            Ok(ThreadPost {
                id: r.try_get(c[0])?,
                kind: crate::decode_name(&r, c[1])?,
                author_id: r.try_get(c[2])?,
                author_name: r.try_get(c[3])?,
                body_md: r.try_get(c[4])?,
                title: r.try_get(c[5])?,
                tags: r.try_get(c[6])?,
                accepted_answer_id: r.try_get(c[7])?,
            })
        };
        Ok(Some((at(&P)?, at(&Q)?)))
    }

    /// Whether asking or answering makes a person follow the question.
    pub async fn auto_follows(&self, user_id: i64) -> Result<bool, StoreError> {
        let v: Option<i64> = sqlx::query("SELECT auto_follow FROM users WHERE id = $1")
            .bind(user_id)
            .fetch_optional(self.reader())
            .await?
            .map(|r| r.try_get(0))
            .transpose()?;
        Ok(v.unwrap_or(1) != 0)
    }
}
