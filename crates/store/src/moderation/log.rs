//! The public moderation log: writing entries, reading them for display and statistics, and the
//! names of the people they mention.

use super::rows;
use crate::lists::{placeholders, Page};
use crate::{Store, StoreError};
use sqlx::any::AnyRow;
use sqlx::{Any, Row, Transaction};

/// A moderation log entry to insert.
#[derive(Debug, Clone)]
pub struct NewAction<'a> {
    /// Action name.
    pub action: &'a str,
    /// Who; `None` for the community.
    pub actor_id: Option<i64>,
    /// `post` or `user`.
    pub target_type: &'a str,
    /// Post or user id.
    pub target_id: i64,
    /// The post's author or the user.
    pub affected_user_id: Option<i64>,
    /// Category name.
    pub category: &'a str,
    /// Public reason.
    pub reason: &'a str,
    /// Private detail.
    pub private_detail: &'a str,
    /// Suspension length.
    pub duration_hours: Option<i64>,
    /// The action this one undoes, marked reversed.
    pub reverses_id: Option<i64>,
}

/// A log entry with names for display.
#[derive(Debug, Clone)]
pub struct ActionRow {
    /// Id.
    pub id: i64,
    /// Action name.
    pub action: String,
    /// Who (`None`: the community).
    pub actor_id: Option<i64>,
    /// Their name.
    pub actor_name: Option<String>,
    /// `post` or `user`.
    pub target_type: String,
    /// Post or user id.
    pub target_id: i64,
    /// For a post: its question's id and title.
    pub question: Option<(i64, String)>,
    /// For a user: their name.
    pub target_username: Option<String>,
    /// The post's author or the user.
    pub affected_user_id: Option<i64>,
    /// Their name.
    pub affected_name: Option<String>,
    /// Category name.
    pub category: String,
    /// Public reason.
    pub reason: String,
    /// Private detail (callers decide who sees it).
    pub private_detail: String,
    /// Suspension length.
    pub duration_hours: Option<i64>,
    /// When.
    pub created_at: i64,
    /// The action it undoes.
    pub reverses_id: Option<i64>,
    /// When it was reversed.
    pub reversed_at: Option<i64>,
    /// The action that reversed it.
    pub reversed_by_id: Option<i64>,
    /// Its appeal's status, if appealed.
    pub appeal_status: Option<String>,
}

/// Which log entries to list.
#[derive(Debug, Clone, Default)]
pub struct LogFilter<'a> {
    /// One action name.
    pub action: Option<&'a str>,
    /// One actor; `Some(None)` for the community.
    pub actor_id: Option<Option<i64>>,
    /// Entries affecting one user.
    pub affected_user_id: Option<i64>,
    /// One category.
    pub category: Option<&'a str>,
}

/// One logged action for statistics.
#[derive(Debug, Clone)]
pub struct ActionFactRow {
    /// Action name.
    pub action: String,
    /// Who.
    pub actor_id: Option<i64>,
    /// When.
    pub created_at: i64,
    /// Reversed since.
    pub reversed: bool,
}

const ACTION_COLUMNS: &str = "m.id, m.action, m.actor_id, au.username AS actor_name, m.target_type, m.target_id, q.id AS question_id, \
    q.title AS question_title, tu.username AS target_username, \
    m.affected_user_id, fu.username AS affected_name, m.category, m.reason, m.private_detail, m.duration_hours, m.created_at, m.reverses_id, \
    m.reversed_at, m.reversed_by_id, ap.status AS appeal_status";
const ACTION_FROM: &str = "FROM moderation_actions m
    LEFT JOIN users au ON au.id = m.actor_id
    LEFT JOIN users fu ON fu.id = m.affected_user_id
    LEFT JOIN users tu ON m.target_type = 'user' AND tu.id = m.target_id
    LEFT JOIN posts tp ON m.target_type = 'post' AND tp.id = m.target_id
    LEFT JOIN posts q ON q.id = COALESCE(tp.parent_id, tp.id)
    LEFT JOIN appeals ap ON ap.action_id = m.id";

fn action_from_row(r: &AnyRow) -> Result<ActionRow, sqlx::Error> {
    let qid: Option<i64> = r.try_get("question_id")?;
    let qtitle: Option<String> = r.try_get("question_title")?;
    Ok(ActionRow {
        id: r.try_get("id")?,
        action: r.try_get("action")?,
        actor_id: r.try_get("actor_id")?,
        actor_name: r.try_get("actor_name")?,
        target_type: r.try_get("target_type")?,
        target_id: r.try_get("target_id")?,
        question: qid.zip(qtitle),
        target_username: r.try_get("target_username")?,
        affected_user_id: r.try_get("affected_user_id")?,
        affected_name: r.try_get("affected_name")?,
        category: r.try_get("category")?,
        reason: r.try_get("reason")?,
        private_detail: r.try_get("private_detail")?,
        duration_hours: r.try_get("duration_hours")?,
        created_at: r.try_get("created_at")?,
        reverses_id: r.try_get("reverses_id")?,
        reversed_at: r.try_get("reversed_at")?,
        reversed_by_id: r.try_get("reversed_by_id")?,
        appeal_status: r.try_get("appeal_status")?,
    })
}

impl Store {
    /// One log entry.
    pub async fn moderation_action(&self, id: i64) -> Result<Option<ActionRow>, StoreError> {
        let sql = format!("SELECT {ACTION_COLUMNS} {ACTION_FROM} WHERE m.id = $1");
        let row = sqlx::query(&sql)
            .bind(id)
            .fetch_optional(self.reader())
            .await?;
        Ok(row.as_ref().map(action_from_row).transpose()?)
    }

    /// A page of the log, newest first.
    pub async fn moderation_log(
        &self,
        f: &LogFilter<'_>,
        limit: i64,
        offset: i64,
    ) -> Result<Page<ActionRow>, StoreError> {
        let mut conds: Vec<String> = Vec::new();
        let mut texts: Vec<&str> = Vec::new();
        let mut ints: Vec<i64> = Vec::new();
        // Text binds come first, then integer binds, then paging: numbering follows that order.
        if let Some(a) = f.action {
            texts.push(a);
            conds.push(format!("m.action = ${}", texts.len()));
        }
        if let Some(c) = f.category {
            texts.push(c);
            conds.push(format!("m.category = ${}", texts.len()));
        }
        let mut n = texts.len();
        match f.actor_id {
            Some(Some(id)) => {
                ints.push(id);
                n += 1;
                conds.push(format!("m.actor_id = ${n}"));
            }
            Some(None) => conds.push("m.actor_id IS NULL".into()),
            None => {}
        }
        if let Some(u) = f.affected_user_id {
            ints.push(u);
            n += 1;
            conds.push(format!("m.affected_user_id = ${n}"));
        }
        let filter = if conds.is_empty() {
            "1 = 1".to_string()
        } else {
            conds.join(" AND ")
        };
        let sql = format!(
            "SELECT {ACTION_COLUMNS} {ACTION_FROM} WHERE {filter} ORDER BY m.created_at DESC, m.id DESC LIMIT ${} OFFSET ${}",
            n + 1,
            n + 2
        );
        let count_sql = format!("SELECT COUNT(*) FROM moderation_actions m WHERE {filter}");
        let mut q = sqlx::query(&sql);
        let mut c = sqlx::query(&count_sql);
        for t in &texts {
            q = q.bind(*t);
            c = c.bind(*t);
        }
        for i in &ints {
            q = q.bind(*i);
            c = c.bind(*i);
        }
        let items = rows(
            &q.bind(limit).bind(offset).fetch_all(self.reader()).await?,
            action_from_row,
        )?;
        let total: i64 = c.fetch_one(self.reader()).await?.try_get(0)?;
        Ok(Page { items, total })
    }

    /// The latest unreversed entry of `action` on a target: what an undo reverses.
    pub async fn last_unreversed(
        &self,
        action: &str,
        target_type: &str,
        target_id: i64,
    ) -> Result<Option<i64>, StoreError> {
        let row = sqlx::query(
            "SELECT id FROM moderation_actions WHERE action = $1 AND target_type = $2 AND target_id = $3 AND reversed_at IS NULL
             ORDER BY id DESC LIMIT 1",
        )
        .bind(action)
        .bind(target_type)
        .bind(target_id)
        .fetch_optional(self.reader())
        .await?;
        Ok(row.map(|r| r.try_get(0)).transpose()?)
    }

    /// Every log entry since `since`, for statistics.
    pub async fn action_facts(&self, since: i64) -> Result<Vec<ActionFactRow>, StoreError> {
        let rs = sqlx::query(
            "SELECT action, actor_id, created_at, CASE WHEN reversed_at IS NULL THEN 0 ELSE 1 END AS reversed
             FROM moderation_actions WHERE created_at >= $1 ORDER BY id",
        )
        .bind(since)
        .fetch_all(self.reader())
        .await?;
        rows(&rs, |r| {
            Ok(ActionFactRow {
                action: r.try_get("action")?,
                actor_id: r.try_get("actor_id")?,
                created_at: r.try_get("created_at")?,
                reversed: r.try_get::<i64, _>("reversed")? == 1,
            })
        })
    }

    /// Usernames by id.
    pub async fn usernames(&self, ids: &[i64]) -> Result<Vec<(i64, String)>, StoreError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT id, username FROM users WHERE id IN ({})",
            placeholders(1, ids.len())
        );
        let mut q = sqlx::query(&sql);
        for id in ids {
            q = q.bind(id);
        }
        let rs = q.fetch_all(self.reader()).await?;
        rows(&rs, |r| Ok((r.try_get("id")?, r.try_get("username")?)))
    }
}

/// Writes a log entry; an undo marks the entry it reverses.
pub(super) async fn insert_action(
    tx: &mut Transaction<'_, Any>,
    a: &NewAction<'_>,
    now: i64,
) -> Result<i64, StoreError> {
    let id: i64 = sqlx::query(
        "INSERT INTO moderation_actions (action, actor_id, target_type, target_id, affected_user_id, category, reason,
            private_detail, duration_hours, created_at, reverses_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
    )
    .bind(a.action)
    .bind(a.actor_id)
    .bind(a.target_type)
    .bind(a.target_id)
    .bind(a.affected_user_id)
    .bind(a.category)
    .bind(a.reason)
    .bind(a.private_detail)
    .bind(a.duration_hours)
    .bind(now)
    .bind(a.reverses_id)
    .fetch_one(&mut **tx)
    .await?
    .try_get(0)?;
    if let Some(r) = a.reverses_id {
        sqlx::query("UPDATE moderation_actions SET reversed_at = $2, reversed_by_id = $3 WHERE id = $1 AND reversed_at IS NULL")
            .bind(r)
            .bind(now)
            .bind(id)
            .execute(&mut **tx)
            .await?;
    }
    Ok(id)
}
