//! Badges: awarding the catalogue's rules in one statement each (idempotent: a badge is held
//! once), imported Stack Exchange badges, and the catalogue, holder and profile reads.

use crate::lists::Page;
use crate::{Store, StoreError};
use sqlx::Row;
use stoa_domain::badges::Measure;

/// How many of a badge were given and to how many people.
#[derive(Debug, Clone)]
pub struct BadgeCount {
    /// Stored key.
    pub badge: String,
    /// Stored tier.
    pub tier: String,
    /// Imported from Stack Exchange.
    pub imported: bool,
    /// People holding it.
    pub holders: i64,
}

/// A person holding a badge.
#[derive(Debug, Clone)]
pub struct BadgeHolder {
    /// Who.
    pub user_id: i64,
    /// Their name.
    pub username: String,
    /// When they first earned it.
    pub awarded_at: i64,
    /// How many times (imported badges can repeat).
    pub times: i64,
}

/// A badge a person holds.
#[derive(Debug, Clone)]
pub struct HeldBadge {
    /// Stored key.
    pub badge: String,
    /// Stored tier.
    pub tier: String,
    /// Imported from Stack Exchange.
    pub imported: bool,
    /// When first earned.
    pub awarded_at: i64,
    /// How many times.
    pub times: i64,
}

/// An imported badge to store.
#[derive(Debug, Clone)]
pub struct ImportedBadge {
    /// Stoa's id of the holder.
    pub user_id: i64,
    /// Stored key (`se:` and the name).
    pub badge: String,
    /// Tier name.
    pub tier: &'static str,
    /// When it was awarded there.
    pub awarded_at: i64,
    /// The dump's id.
    pub source_id: i64,
}

/// The people whose measure reaches `$4` (and, for measures with a parameter, with `$5`); the
/// caller renumbers them to fit its query.
fn measure_sql(m: Measure) -> (&'static str, Option<i64>) {
    match m {
        Measure::Answers => (
            "SELECT author_id AS user_id FROM posts
             WHERE kind = 'answer' AND deleted_at IS NULL AND status = 'published'
             GROUP BY author_id HAVING COUNT(*) >= $4",
            None,
        ),
        Measure::QuestionsScoring(s) => (
            "SELECT author_id AS user_id FROM posts
             WHERE kind = 'question' AND deleted_at IS NULL AND status = 'published' AND score >= $5
             GROUP BY author_id HAVING COUNT(*) >= $4",
            Some(s),
        ),
        Measure::AcceptedAnswers => (
            "SELECT a.author_id AS user_id FROM posts q JOIN posts a ON a.id = q.accepted_answer_id
             WHERE q.kind = 'question' AND q.deleted_at IS NULL AND a.deleted_at IS NULL
               AND a.status = 'published' AND a.author_id <> q.author_id
             GROUP BY a.author_id HAVING COUNT(*) >= $4",
            None,
        ),
        Measure::AnswersScoring(s) => (
            "SELECT author_id AS user_id FROM posts
             WHERE kind = 'answer' AND deleted_at IS NULL AND status = 'published' AND score >= $5
             GROUP BY author_id HAVING COUNT(*) >= $4",
            Some(s),
        ),
        Measure::ArticlesHelpful(n) => (
            "SELECT p.author_id AS user_id FROM posts p
             WHERE p.kind = 'article' AND p.deleted_at IS NULL
               AND (SELECT COUNT(*) FROM article_feedback f WHERE f.post_id = p.id AND f.helpful = 1
                    AND f.user_id IS NOT NULL AND f.user_id <> p.author_id) >= $5
             GROUP BY p.author_id HAVING COUNT(*) >= $4",
            Some(n),
        ),
        // The same crediting as the reward pool's "people helped".
        Measure::PeopleHelped => (
            "SELECT COALESCE(a.author_id, p.author_id) AS user_id
             FROM deflection_sessions s JOIN posts p ON p.id = s.solved_post_id
             LEFT JOIN posts a ON a.id = p.accepted_answer_id AND p.kind = 'question'
                 AND a.deleted_at IS NULL AND a.status = 'published'
             WHERE s.outcome = 'solved' AND p.deleted_at IS NULL
             GROUP BY COALESCE(a.author_id, p.author_id) HAVING COUNT(*) >= $4",
            None,
        ),
        Measure::Reviews => (
            "SELECT reviewer_id AS user_id FROM reviews GROUP BY reviewer_id HAVING COUNT(*) >= $4",
            None,
        ),
        Measure::FlagsUpheld => (
            "SELECT user_id FROM flags WHERE status = 'helpful' AND user_id IS NOT NULL
             GROUP BY user_id HAVING COUNT(*) >= $4",
            None,
        ),
        Measure::EditsApproved => (
            "SELECT author_id AS user_id FROM suggested_edits WHERE status = 'approved'
             GROUP BY author_id HAVING COUNT(*) >= $4",
            None,
        ),
        // Gaps and islands: consecutive days share `day - row number`.
        Measure::VisitStreak => (
            "SELECT user_id FROM (
                 SELECT user_id, COUNT(*) AS len FROM (
                     SELECT user_id, day - ROW_NUMBER() OVER (PARTITION BY user_id ORDER BY day) AS grp
                     FROM user_visits) r
                 GROUP BY user_id, grp) s
             GROUP BY user_id HAVING MAX(len) >= $4",
            None,
        ),
    }
}

impl Store {
    /// Gives `badge` to everyone whose `measure` reaches `threshold` and who lacks it; returns
    /// who received it now. `event` (the notification of the run) is enqueued in the same
    /// transaction when anyone received it.
    ///
    /// The measure is read on a reader connection (it scans the site: seconds on a large one)
    /// and only the new awards are written, so the badge job never holds SQLite's one writer
    /// for long. A second run writes nothing.
    pub async fn award_badge(
        &self,
        badge: &str,
        tier: &str,
        measure: Measure,
        threshold: i64,
        now: i64,
        event: &stoa_domain::notify::Event,
    ) -> Result<Vec<i64>, StoreError> {
        let (inner, param) = measure_sql(measure);
        // The measure's own parameters are $4 and $5; here they follow the badge key.
        let inner = inner.replace("$4", "$2").replace("$5", "$3");
        let sql = format!(
            "SELECT m.user_id FROM ({inner}) m
             JOIN users u ON u.id = m.user_id AND u.deleted_at IS NULL
             WHERE NOT EXISTS (SELECT 1 FROM badge_awards b
                               WHERE b.user_id = m.user_id AND b.badge = $1 AND b.imported = 0)
             ORDER BY m.user_id"
        );
        let mut q = sqlx::query(&sql).bind(badge).bind(threshold);
        if let Some(p) = param {
            q = q.bind(p);
        }
        let candidates: Vec<i64> = q
            .fetch_all(self.reader())
            .await?
            .iter()
            .map(|r| r.try_get(0))
            .collect::<Result<_, _>>()?;
        if candidates.is_empty() {
            return Ok(Vec::new());
        }
        let mut tx = self.write_tx().await?;
        let mut who = Vec::with_capacity(candidates.len());
        for user_id in candidates {
            let inserted = sqlx::query(
                "INSERT INTO badge_awards (user_id, badge, tier, imported, awarded_at)
                 VALUES ($1, $2, $3, 0, $4) ON CONFLICT (user_id, badge) WHERE imported = 0 DO NOTHING",
            )
            .bind(user_id)
            .bind(badge)
            .bind(tier)
            .bind(now)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if inserted > 0 {
                who.push(user_id);
            }
        }
        if !who.is_empty() && self.notifications_on() {
            crate::jobs::enqueue_in(&mut tx, &[crate::jobs::event_job(event, now)], now).await?;
        }
        tx.commit().await?;
        Ok(who)
    }

    /// The people a run of the badge job gave `badge` to at `awarded_at` who can read
    /// notifications (claimed, live accounts: imported profiles have no one behind them yet).
    pub async fn badge_recipients(
        &self,
        badge: &str,
        awarded_at: i64,
    ) -> Result<Vec<i64>, StoreError> {
        let rows = sqlx::query(
            "SELECT b.user_id FROM badge_awards b JOIN users u ON u.id = b.user_id
             WHERE b.badge = $1 AND b.awarded_at = $2 AND b.imported = 0
               AND u.password_hash IS NOT NULL AND u.deleted_at IS NULL ORDER BY b.user_id",
        )
        .bind(badge)
        .bind(awarded_at)
        .fetch_all(self.reader())
        .await?;
        Ok(rows
            .iter()
            .map(|r| r.try_get(0))
            .collect::<Result<_, _>>()?)
    }

    /// Every badge given at least once, with its holders.
    pub async fn badge_counts(&self) -> Result<Vec<BadgeCount>, StoreError> {
        let rows = sqlx::query(
            "SELECT badge, MIN(tier) AS tier, imported, COUNT(DISTINCT user_id) AS holders FROM badge_awards
             GROUP BY badge, imported",
        )
        .fetch_all(self.reader())
        .await?;
        Ok(rows
            .iter()
            .map(|r| {
                Ok(BadgeCount {
                    badge: r.try_get("badge")?,
                    tier: r.try_get("tier")?,
                    imported: r.try_get::<i64, _>("imported")? == 1,
                    holders: r.try_get("holders")?,
                })
            })
            .collect::<Result<_, sqlx::Error>>()?)
    }

    /// A page of a badge's holders, most recent first.
    pub async fn badge_holders(
        &self,
        badge: &str,
        limit: i64,
        offset: i64,
    ) -> Result<Page<BadgeHolder>, StoreError> {
        let rows = sqlx::query(
            "SELECT b.user_id, u.username, MIN(b.awarded_at) AS first_awarded_at, COUNT(*) AS times FROM badge_awards b
             JOIN users u ON u.id = b.user_id
             WHERE b.badge = $1 AND u.deleted_at IS NULL
             GROUP BY b.user_id, u.username ORDER BY MIN(b.awarded_at) DESC, b.user_id
             LIMIT $2 OFFSET $3",
        )
        .bind(badge)
        .bind(limit)
        .bind(offset)
        .fetch_all(self.reader())
        .await?;
        let items = rows
            .iter()
            .map(|r| {
                Ok(BadgeHolder {
                    user_id: r.try_get("user_id")?,
                    username: r.try_get("username")?,
                    awarded_at: r.try_get("first_awarded_at")?,
                    times: r.try_get("times")?,
                })
            })
            .collect::<Result<_, sqlx::Error>>()?;
        let total: i64 = sqlx::query(
            "SELECT COUNT(DISTINCT b.user_id) FROM badge_awards b JOIN users u ON u.id = b.user_id
             WHERE b.badge = $1 AND u.deleted_at IS NULL",
        )
        .bind(badge)
        .fetch_one(self.reader())
        .await?
        .try_get(0)?;
        Ok(Page { items, total })
    }

    /// The badges a person holds, most recent first.
    pub async fn user_badges(&self, user_id: i64) -> Result<Vec<HeldBadge>, StoreError> {
        let rows = sqlx::query(
            "SELECT badge, MIN(tier) AS tier, imported, MIN(awarded_at) AS first_awarded_at, COUNT(*) AS times FROM badge_awards
             WHERE user_id = $1 GROUP BY badge, imported ORDER BY MIN(awarded_at) DESC, badge",
        )
        .bind(user_id)
        .fetch_all(self.reader())
        .await?;
        Ok(rows
            .iter()
            .map(|r| {
                Ok(HeldBadge {
                    badge: r.try_get("badge")?,
                    tier: r.try_get("tier")?,
                    imported: r.try_get::<i64, _>("imported")? == 1,
                    awarded_at: r.try_get("first_awarded_at")?,
                    times: r.try_get("times")?,
                })
            })
            .collect::<Result<_, sqlx::Error>>()?)
    }

    /// Records that a person was signed in on `day` (days since 1970-01-01 UTC).
    pub async fn record_visit(&self, user_id: i64, day: i64, now: i64) -> Result<(), StoreError> {
        let mut tx = self.write_tx().await?;
        sqlx::query("UPDATE users SET last_seen_at = $2 WHERE id = $1")
            .bind(user_id)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO user_visits (user_id, day) VALUES ($1, $2) ON CONFLICT (user_id, day) DO NOTHING",
        )
        .bind(user_id)
        .bind(day)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }
}
