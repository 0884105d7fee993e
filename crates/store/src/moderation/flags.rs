//! Flags: raising one (and hiding the post when enough trusted people agree) and reading them.

use super::log::{insert_action, NewAction};
use super::rows;
use crate::lists::placeholders;
use crate::{Store, StoreError};
use sqlx::any::AnyRow;
use sqlx::Row;
use stoa_domain::notify::Event;
use stoa_domain::post_kind::PostStatus;

/// A flag to insert.
#[derive(Debug, Clone)]
pub struct NewFlag<'a> {
    /// The post.
    pub post_id: i64,
    /// The flagger; `None` for the spam filter.
    pub user_id: Option<i64>,
    /// Reason name.
    pub reason: &'a str,
    /// Duplicate target.
    pub duplicate_of: Option<i64>,
    /// Explanation.
    pub text: &'a str,
    /// Whether the flagger's flags count toward hiding.
    pub trusted: bool,
}

/// A stored flag with the flagger's name.
#[derive(Debug, Clone)]
pub struct FlagRow {
    /// Id.
    pub id: i64,
    /// The post.
    pub post_id: i64,
    /// The flagger (`None`: the spam filter).
    pub user_id: Option<i64>,
    /// The flagger's name.
    pub username: Option<String>,
    /// Reason name.
    pub reason: String,
    /// Duplicate target.
    pub duplicate_of: Option<i64>,
    /// Explanation.
    pub text: String,
    /// Counted toward hiding.
    pub trusted: bool,
    /// `pending`, `helpful` or `declined`.
    pub status: String,
    /// When.
    pub created_at: i64,
}

const FLAG_COLUMNS: &str = "f.id, f.post_id, f.user_id, u.username, f.reason, f.duplicate_of, f.text, f.trusted, f.status, f.created_at";

fn flag_from_row(r: &AnyRow) -> Result<FlagRow, sqlx::Error> {
    Ok(FlagRow {
        id: r.try_get("id")?,
        post_id: r.try_get("post_id")?,
        user_id: r.try_get("user_id")?,
        username: r.try_get("username")?,
        reason: r.try_get("reason")?,
        duplicate_of: r.try_get("duplicate_of")?,
        text: r.try_get("text")?,
        trusted: r.try_get::<i64, _>("trusted")? == 1,
        status: r.try_get("status")?,
        created_at: r.try_get("created_at")?,
    })
}

impl Store {
    /// Inserts a flag. When `hide` is given, it counts the post's pending trusted flags afterwards
    /// and, if `hide(count)` says so and the post is published, hides it and logs `log` — all in
    /// one transaction. Returns the flag id and the hide action's id. A second pending flag by the
    /// same person is a [`StoreError::Conflict`] on `flags_one_pending`.
    pub async fn insert_flag(
        &self,
        f: &NewFlag<'_>,
        hide: Option<(&(dyn Fn(i64) -> bool + Sync), &NewAction<'_>)>,
        now: i64,
    ) -> Result<(i64, Option<i64>), StoreError> {
        let mut tx = self.write_tx().await?;
        self.lock_post(&mut tx, f.post_id).await?;
        let id: i64 = sqlx::query(
            "INSERT INTO flags (post_id, user_id, reason, duplicate_of, text, trusted, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        )
        .bind(f.post_id)
        .bind(f.user_id)
        .bind(f.reason)
        .bind(f.duplicate_of)
        .bind(f.text)
        .bind(i64::from(f.trusted))
        .bind(now)
        .fetch_one(&mut *tx)
        .await
        .map_err(|e| match StoreError::from(e) {
            StoreError::Conflict(_) => StoreError::Conflict("flags_one_pending".into()),
            other => other,
        })?
        .try_get(0)?;
        if self.notifications_on() {
            let e = Event::FlagRaised { flag_id: id };
            crate::jobs::enqueue_in(&mut tx, &[crate::jobs::event_job(&e, now)], now).await?;
        }
        let mut hidden = None;
        if let Some((should_hide, log)) = hide {
            // Trusted flaggers count as independent people: accounts sharing a sign-up or
            // log-in trait (one browser, one address) count once, so one person's accounts
            // cannot hide a post.
            let rows = sqlx::query(
                "SELECT f.user_id, t.kind, t.value_hash FROM flags f
                 LEFT JOIN account_traits t ON t.user_id = f.user_id
                 WHERE f.post_id = $1 AND f.status = 'pending' AND f.trusted = 1 AND f.user_id IS NOT NULL",
            )
            .bind(f.post_id)
            .fetch_all(&mut *tx)
            .await?;
            let mut traits = Vec::with_capacity(rows.len());
            for r in &rows {
                let kind: Option<String> = r.try_get("kind")?;
                let hash: Option<String> = r.try_get("value_hash")?;
                traits.push((r.try_get::<i64, _>("user_id")?, kind.zip(hash)));
            }
            // Flaggers who up-voted each other's posts are one party too (a voting ring).
            let upvotes = sqlx::query(
                "SELECT DISTINCT v.user_id AS voter, p.author_id AS author
                 FROM votes v JOIN posts p ON p.id = v.post_id
                 WHERE v.value = 1
                   AND v.user_id IN (SELECT user_id FROM flags WHERE post_id = $1 AND status = 'pending' AND trusted = 1)
                   AND p.author_id IN (SELECT user_id FROM flags WHERE post_id = $1 AND status = 'pending' AND trusted = 1)",
            )
            .bind(f.post_id)
            .fetch_all(&mut *tx)
            .await?
            .iter()
            .map(|r| Ok((r.try_get("voter")?, r.try_get("author")?)))
            .collect::<Result<Vec<(i64, i64)>, sqlx::Error>>()?;
            traits.extend(stoa_domain::integrity::mutual_vote_traits(&upvotes));
            let trusted = stoa_domain::integrity::independent_people(&traits) as i64;
            if should_hide(trusted) {
                let row = sqlx::query("SELECT status FROM posts WHERE id = $1")
                    .bind(f.post_id)
                    .fetch_one(&mut *tx)
                    .await?;
                if crate::decode_name::<PostStatus>(&row, "status")? == PostStatus::Published {
                    crate::posts::set_status_in(
                        &mut tx,
                        self.backend(),
                        f.post_id,
                        PostStatus::Hidden,
                    )
                    .await?;
                    hidden = Some(insert_action(&mut tx, log, now).await?);
                }
            }
        }
        tx.commit().await?;
        Ok((id, hidden))
    }

    /// One flag.
    pub async fn flag(&self, id: i64) -> Result<Option<FlagRow>, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {FLAG_COLUMNS} FROM flags f LEFT JOIN users u ON u.id = f.user_id WHERE f.id = $1"
        ))
        .bind(id)
        .fetch_optional(self.reader())
        .await?;
        Ok(row.as_ref().map(flag_from_row).transpose()?)
    }

    /// Pending flags on any of `post_ids`, oldest first.
    pub async fn pending_flags_on(&self, post_ids: &[i64]) -> Result<Vec<FlagRow>, StoreError> {
        if post_ids.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT {FLAG_COLUMNS} FROM flags f LEFT JOIN users u ON u.id = f.user_id
             WHERE f.status = 'pending' AND f.post_id IN ({}) ORDER BY f.created_at, f.id",
            placeholders(1, post_ids.len())
        );
        let mut q = sqlx::query(&sql);
        for id in post_ids {
            q = q.bind(id);
        }
        rows(&q.fetch_all(self.reader()).await?, flag_from_row)
    }

    /// Flags a user raised, newest first (their own flag history).
    pub async fn flags_by(&self, user_id: i64, limit: i64) -> Result<Vec<FlagRow>, StoreError> {
        let sql = format!(
            "SELECT {FLAG_COLUMNS} FROM flags f LEFT JOIN users u ON u.id = f.user_id
             WHERE f.user_id = $1 ORDER BY f.created_at DESC, f.id DESC LIMIT $2"
        );
        rows(
            &sqlx::query(&sql)
                .bind(user_id)
                .bind(limit)
                .fetch_all(self.reader())
                .await?,
            flag_from_row,
        )
    }
}
