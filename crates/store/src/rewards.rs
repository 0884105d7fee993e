//! Fair value sharing: formula versions, periods, the contributions the site already records
//! (read per period), and the stored standings and statements.

use crate::{Store, StoreError};
use sqlx::any::AnyRow;
use sqlx::Row;

/// A version of the formula.
#[derive(Debug, Clone)]
pub struct FormulaRow {
    /// Version number, from 1.
    pub version: i64,
    /// JSON of the formula.
    pub spec: String,
    /// What changed and why.
    pub note: String,
    /// When it was published.
    pub published_at: i64,
    /// Periods starting at or after this use it.
    pub effective_from: i64,
}

/// A reward period.
#[derive(Debug, Clone)]
pub struct PeriodRow {
    /// Id.
    pub id: i64,
    /// Start (inclusive).
    pub starts_at: i64,
    /// End (exclusive).
    pub ends_at: i64,
    /// The pool, in minor units.
    pub pool_minor: i64,
    /// ISO 4217 code.
    pub currency: String,
    /// `open` or `closed`.
    pub status: String,
    /// The formula version it uses.
    pub formula_version: i64,
    /// When its standings or statement were computed.
    pub computed_at: Option<i64>,
    /// When it was closed.
    pub closed_at: Option<i64>,
    /// SHA-256 of the statement.
    pub statement_hash: Option<String>,
}

/// A contribution as read from the site or stored with a period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContributionRow {
    /// Who is credited.
    pub user_id: i64,
    /// Kind's stored name.
    pub kind: String,
    /// The post concerned.
    pub post_id: Option<i64>,
    /// When.
    pub at: i64,
    /// Points (stored ones only; 0 when read from the site).
    pub points: i64,
}

/// A person's result in a period.
#[derive(Debug, Clone)]
pub struct AllocationRow {
    /// Who.
    pub user_id: i64,
    /// Their username.
    pub username: String,
    /// Points.
    pub points: i64,
    /// Weight after the transform (decimal text).
    pub weight: String,
    /// Amount in minor units.
    pub amount_minor: i64,
    /// Whether they declined payouts.
    pub declined: bool,
    /// Whether they keep their rewards private.
    pub private: bool,
}

/// A new period.
#[derive(Debug, Clone)]
pub struct NewPeriod<'a> {
    /// Start.
    pub starts_at: i64,
    /// End.
    pub ends_at: i64,
    /// Pool.
    pub pool_minor: i64,
    /// Currency.
    pub currency: &'a str,
    /// Formula version.
    pub formula_version: i64,
    /// The admin.
    pub created_by: i64,
    /// When.
    pub now: i64,
}

const PERIOD_COLUMNS: &str =
    "id, starts_at, ends_at, pool_minor, currency, status, formula_version, \
    computed_at, closed_at, statement_hash";

fn period_from_row(r: &AnyRow) -> Result<PeriodRow, sqlx::Error> {
    Ok(PeriodRow {
        id: r.try_get("id")?,
        starts_at: r.try_get("starts_at")?,
        ends_at: r.try_get("ends_at")?,
        pool_minor: r.try_get("pool_minor")?,
        currency: r.try_get("currency")?,
        status: r.try_get("status")?,
        formula_version: r.try_get("formula_version")?,
        computed_at: r.try_get("computed_at")?,
        closed_at: r.try_get("closed_at")?,
        statement_hash: r.try_get("statement_hash")?,
    })
}

fn formula_from_row(r: &AnyRow) -> Result<FormulaRow, sqlx::Error> {
    Ok(FormulaRow {
        version: r.try_get("version")?,
        spec: r.try_get("spec")?,
        note: r.try_get("note")?,
        published_at: r.try_get("published_at")?,
        effective_from: r.try_get("effective_from")?,
    })
}

/// Where each kind of contribution comes from, credited to whom (the expression after the
/// SQL), for `[$1, $2)`, optionally for one person (`{who}` becomes `AND <credited> = $3`).
/// Deleted or unpublished posts and reversed votes never count.
const SOURCES: &[(&str, &str, &str)] = &[
    (
        "accepted_answer",
        "SELECT e.user_id, e.post_id, e.created_at AS at, 0 AS voter
         FROM reputation_events e
         JOIN posts p ON p.id = e.post_id
         WHERE e.reason = 'answer_accepted' AND e.reversed_at IS NULL
           AND e.created_at >= $1 AND e.created_at < $2
           AND p.deleted_at IS NULL AND p.status = 'published' {who}",
        "e.user_id",
    ),
    (
        // One per distinct voter and answer: a vote taken back is marked reversed, so the
        // live events are distinct already; the voter comes along to make sure.
        "answer_upvote",
        "SELECT e.user_id, e.post_id, e.created_at AS at, COALESCE(e.actor_id, 0) AS voter
         FROM reputation_events e
         JOIN posts p ON p.id = e.post_id
         WHERE e.reason = 'upvote_received' AND e.reversed_at IS NULL
           AND e.created_at >= $1 AND e.created_at < $2
           AND p.kind = 'answer' AND p.deleted_at IS NULL AND p.status = 'published' {who}",
        "e.user_id",
    ),
    (
        "article_helpful",
        "SELECT p.author_id AS user_id, f.post_id, f.created_at AS at, 0 AS voter
         FROM article_feedback f
         JOIN posts p ON p.id = f.post_id
         WHERE f.helpful = 1 AND f.created_at >= $1 AND f.created_at < $2
           AND f.user_id IS NOT NULL AND f.user_id <> p.author_id
           AND p.kind = 'article' AND p.deleted_at IS NULL {who}",
        "p.author_id",
    ),
    (
        // An article credits its author; a question, the author of its accepted answer (the
        // answer solved it), else the asker.
        "person_helped",
        "SELECT COALESCE(a.author_id, p.author_id) AS user_id, COALESCE(a.id, p.id) AS post_id,
                s.outcome_at AS at, 0 AS voter
         FROM deflection_sessions s JOIN posts p ON p.id = s.solved_post_id
         LEFT JOIN posts a ON a.id = p.accepted_answer_id AND p.kind = 'question'
             AND a.deleted_at IS NULL AND a.status = 'published'
         WHERE s.outcome = 'solved' AND s.outcome_at >= $1 AND s.outcome_at < $2
           AND p.deleted_at IS NULL {who}",
        "COALESCE(a.author_id, p.author_id)",
    ),
    (
        "flag_upheld",
        "SELECT f.user_id, f.post_id, f.handled_at AS at, 0 AS voter FROM flags f
         WHERE f.status = 'helpful' AND f.user_id IS NOT NULL
           AND f.handled_at >= $1 AND f.handled_at < $2 {who}",
        "f.user_id",
    ),
    (
        "review",
        "SELECT r.reviewer_id AS user_id, r.post_id, r.created_at AS at, 0 AS voter FROM reviews r
         WHERE r.created_at >= $1 AND r.created_at < $2 {who}",
        "r.reviewer_id",
    ),
    (
        "edit_approved",
        "SELECT s.author_id AS user_id, s.post_id, s.reviewed_at AS at, 0 AS voter
         FROM suggested_edits s
         JOIN posts p ON p.id = s.post_id
         WHERE s.status = 'approved' AND s.reviewed_at >= $1 AND s.reviewed_at < $2
           AND p.deleted_at IS NULL {who}",
        "s.author_id",
    ),
];

/// `($1, $2, …, $6), ($1, $7, …)`: `rows` rows of the period id (`$1`) and five values each.
fn period_rows(rows: usize) -> String {
    (0..rows)
        .map(|i| {
            let b = i * 5;
            format!(
                "($1, ${}, ${}, ${}, ${}, ${})",
                b + 2,
                b + 3,
                b + 4,
                b + 5,
                b + 6
            )
        })
        .collect::<Vec<_>>()
        .join(",")
}

impl Store {
    /// Every formula version, newest first.
    pub async fn reward_formulas(&self) -> Result<Vec<FormulaRow>, StoreError> {
        let rows = sqlx::query(
            "SELECT version, spec, note, published_at, effective_from FROM reward_formulas
             ORDER BY version DESC",
        )
        .fetch_all(self.reader())
        .await?;
        Ok(rows
            .iter()
            .map(formula_from_row)
            .collect::<Result<_, _>>()?)
    }

    /// Publishes a new version (the next number).
    pub async fn insert_reward_formula(
        &self,
        spec: &str,
        note: &str,
        effective_from: i64,
        by: i64,
        now: i64,
    ) -> Result<i64, StoreError> {
        let mut tx = self.write_tx().await?;
        let version: i64 = sqlx::query("SELECT COALESCE(MAX(version), 0) + 1 FROM reward_formulas")
            .fetch_one(&mut *tx)
            .await?
            .try_get(0)?;
        sqlx::query(
            "INSERT INTO reward_formulas (version, spec, note, published_at, effective_from, published_by)
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(version)
        .bind(spec)
        .bind(note)
        .bind(now)
        .bind(effective_from)
        .bind(by)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(version)
    }

    /// Every period, newest first.
    pub async fn reward_periods(&self) -> Result<Vec<PeriodRow>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {PERIOD_COLUMNS} FROM reward_periods ORDER BY starts_at DESC, id DESC"
        ))
        .fetch_all(self.reader())
        .await?;
        Ok(rows.iter().map(period_from_row).collect::<Result<_, _>>()?)
    }

    /// One period.
    pub async fn reward_period(&self, id: i64) -> Result<Option<PeriodRow>, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {PERIOD_COLUMNS} FROM reward_periods WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(self.reader())
        .await?;
        Ok(row.as_ref().map(period_from_row).transpose()?)
    }

    /// Opens a period unless it overlaps another: `None` when it does.
    pub async fn insert_reward_period(&self, p: &NewPeriod<'_>) -> Result<Option<i64>, StoreError> {
        let mut tx = self.write_tx().await?;
        let overlapping: i64 = sqlx::query(
            "SELECT COUNT(*) FROM reward_periods WHERE starts_at < $2 AND ends_at > $1",
        )
        .bind(p.starts_at)
        .bind(p.ends_at)
        .fetch_one(&mut *tx)
        .await?
        .try_get(0)?;
        if overlapping > 0 {
            return Ok(None);
        }
        let id: i64 = sqlx::query(
            "INSERT INTO reward_periods (starts_at, ends_at, pool_minor, currency, formula_version,
                 created_by, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        )
        .bind(p.starts_at)
        .bind(p.ends_at)
        .bind(p.pool_minor)
        .bind(p.currency)
        .bind(p.formula_version)
        .bind(p.created_by)
        .bind(p.now)
        .fetch_one(&mut *tx)
        .await?
        .try_get(0)?;
        tx.commit().await?;
        Ok(Some(id))
    }

    /// Open periods.
    pub async fn open_reward_periods(&self) -> Result<Vec<PeriodRow>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {PERIOD_COLUMNS} FROM reward_periods WHERE status = 'open' ORDER BY id"
        ))
        .fetch_all(self.reader())
        .await?;
        Ok(rows.iter().map(period_from_row).collect::<Result<_, _>>()?)
    }

    /// What the site recorded in `[from, to)` that the formula counts, every kind; everyone's
    /// or one person's.
    pub async fn site_contributions(
        &self,
        from: i64,
        to: i64,
        user_id: Option<i64>,
    ) -> Result<Vec<ContributionRow>, StoreError> {
        let mut out = Vec::new();
        let mut seen_votes = std::collections::HashSet::new();
        for (kind, sql, credited) in SOURCES {
            let who = match user_id {
                Some(_) => format!("AND {credited} = $3"),
                None => String::new(),
            };
            let sql = sql.replace("{who}", &who);
            let mut q = sqlx::query(&sql).bind(from).bind(to);
            if let Some(u) = user_id {
                q = q.bind(u);
            }
            for r in q.fetch_all(self.reader()).await? {
                let row = ContributionRow {
                    user_id: r.try_get("user_id")?,
                    kind: (*kind).to_string(),
                    post_id: r.try_get("post_id")?,
                    at: r.try_get("at")?,
                    points: 0,
                };
                if *kind == "answer_upvote" {
                    let voter: i64 = r.try_get("voter")?;
                    if !seen_votes.insert((row.user_id, row.post_id, voter)) {
                        continue;
                    }
                }
                out.push(row);
            }
        }
        Ok(out)
    }

    /// People whose contributions do not count: deleted accounts, and staff when asked.
    pub async fn reward_excluded(&self, staff: bool) -> Result<Vec<i64>, StoreError> {
        let rows = sqlx::query(
            "SELECT id FROM users WHERE deleted_at IS NOT NULL OR ($1 = 1 AND role <> 'member')",
        )
        .bind(i64::from(staff))
        .fetch_all(self.reader())
        .await?;
        crate::lists::first_column(&rows)
    }

    /// People who declined payouts.
    pub async fn reward_decliners(&self) -> Result<Vec<i64>, StoreError> {
        let rows = sqlx::query("SELECT user_id FROM reward_preferences WHERE decline = 1")
            .fetch_all(self.reader())
            .await?;
        crate::lists::first_column(&rows)
    }

    /// Replaces a period's contributions and allocations (its standings, or at `close` its
    /// statement with its hash), in one transaction. Closing a closed period changes nothing:
    /// false.
    #[allow(clippy::too_many_arguments)]
    pub async fn store_reward_result(
        &self,
        period_id: i64,
        contributions: &[ContributionRow],
        allocations: &[(i64, i64, String, i64, bool)],
        close: Option<&str>,
        now: i64,
    ) -> Result<bool, StoreError> {
        let mut tx = self.write_tx().await?;
        let updated = sqlx::query(
            "UPDATE reward_periods SET computed_at = $2,
                 status = CASE WHEN $3 = '' THEN status ELSE 'closed' END,
                 closed_at = CASE WHEN $3 = '' THEN closed_at ELSE $2 END,
                 statement_hash = CASE WHEN $3 = '' THEN statement_hash ELSE $3 END
             WHERE id = $1 AND status = 'open'",
        )
        .bind(period_id)
        .bind(now)
        .bind(close.unwrap_or(""))
        .execute(&mut *tx)
        .await?;
        if updated.rows_affected() == 0 {
            return Ok(false);
        }
        sqlx::query("DELETE FROM reward_contributions WHERE period_id = $1")
            .bind(period_id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM reward_allocations WHERE period_id = $1")
            .bind(period_id)
            .execute(&mut *tx)
            .await?;
        for chunk in contributions.chunks(500) {
            let mut sql = String::from(
                "INSERT INTO reward_contributions (period_id, user_id, kind, post_id, at, points) VALUES ",
            );
            sql.push_str(&period_rows(chunk.len()));
            let mut q = sqlx::query(&sql).bind(period_id);
            for c in chunk {
                q = q
                    .bind(c.user_id)
                    .bind(c.kind.as_str())
                    .bind(c.post_id)
                    .bind(c.at)
                    .bind(c.points);
            }
            q.execute(&mut *tx).await?;
        }
        for chunk in allocations.chunks(500) {
            let mut sql = String::from(
                "INSERT INTO reward_allocations (period_id, user_id, points, weight, amount_minor, declined) VALUES ",
            );
            sql.push_str(&period_rows(chunk.len()));
            let mut q = sqlx::query(&sql).bind(period_id);
            for (user, points, weight, amount, declined) in chunk {
                q = q
                    .bind(*user)
                    .bind(*points)
                    .bind(weight.as_str())
                    .bind(*amount)
                    .bind(i64::from(*declined));
            }
            q.execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(true)
    }

    /// A period's allocations, the largest first.
    pub async fn reward_allocations(
        &self,
        period_id: i64,
    ) -> Result<Vec<AllocationRow>, StoreError> {
        let rows = sqlx::query(
            "SELECT a.user_id, u.username, a.points, a.weight, a.amount_minor, a.declined,
                    COALESCE(rp.public, 1) AS public
             FROM reward_allocations a JOIN users u ON u.id = a.user_id
             LEFT JOIN reward_preferences rp ON rp.user_id = a.user_id
             WHERE a.period_id = $1 ORDER BY a.amount_minor DESC, a.points DESC, a.user_id",
        )
        .bind(period_id)
        .fetch_all(self.reader())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(AllocationRow {
                    user_id: r.try_get("user_id")?,
                    username: r.try_get("username")?,
                    points: r.try_get("points")?,
                    weight: r.try_get("weight")?,
                    amount_minor: r.try_get("amount_minor")?,
                    declined: r.try_get::<i64, _>("declined")? != 0,
                    private: r.try_get::<i64, _>("public")? == 0,
                })
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(Into::into)
    }

    /// A period's stored contributions: one person's, or everyone's.
    pub async fn reward_contributions(
        &self,
        period_id: i64,
        user_id: Option<i64>,
    ) -> Result<Vec<ContributionRow>, StoreError> {
        let rows = sqlx::query(
            "SELECT user_id, kind, post_id, at, points FROM reward_contributions
             WHERE period_id = $1 AND ($2 IS NULL OR user_id = $2) ORDER BY user_id, at, kind, post_id",
        )
        .bind(period_id)
        .bind(user_id)
        .fetch_all(self.reader())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(ContributionRow {
                    user_id: r.try_get("user_id")?,
                    kind: r.try_get("kind")?,
                    post_id: r.try_get("post_id")?,
                    at: r.try_get("at")?,
                    points: r.try_get("points")?,
                })
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(Into::into)
    }

    /// A member's choices: (decline payouts, show rewards on the profile).
    pub async fn reward_preferences(&self, user_id: i64) -> Result<(bool, bool), StoreError> {
        let row = sqlx::query("SELECT decline, public FROM reward_preferences WHERE user_id = $1")
            .bind(user_id)
            .fetch_optional(self.reader())
            .await?;
        Ok(match row {
            Some(r) => (
                r.try_get::<i64, _>("decline")? != 0,
                r.try_get::<i64, _>("public")? != 0,
            ),
            None => (false, true),
        })
    }

    /// Saves a member's choices.
    pub async fn set_reward_preferences(
        &self,
        user_id: i64,
        decline: bool,
        public: bool,
        now: i64,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO reward_preferences (user_id, decline, public, updated_at) VALUES ($1, $2, $3, $4)
             ON CONFLICT (user_id) DO UPDATE SET decline = excluded.decline, public = excluded.public,
                 updated_at = excluded.updated_at",
        )
        .bind(user_id)
        .bind(i64::from(decline))
        .bind(i64::from(public))
        .bind(now)
        .execute(self.writer())
        .await?;
        Ok(())
    }
}
