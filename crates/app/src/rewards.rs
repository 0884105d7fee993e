//! Fair value sharing: the published formula and its versions, reward periods with a money
//! pool, live standings (recomputed by the job queue), closing a period into an immutable
//! statement with a content hash, per-person statements, fairness figures, payouts as CSV and
//! each member's choices. The arithmetic is `stoa_domain::rewards`.

use crate::{App, AppError, AuthUser};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashSet};
use stoa_domain::policy::{decide, Action, Target};
use stoa_domain::rewards::{
    self, allocate, canonical, fairness, score, Allocation, Contribution, Fairness, Formula, Kind,
    RewardError, Scored,
};
use stoa_store::rewards::{AllocationRow, ContributionRow, FormulaRow, NewPeriod, PeriodRow};

impl From<RewardError> for AppError {
    fn from(e: RewardError) -> Self {
        AppError::Invalid {
            code: e.code(),
            field: Some(e.field()),
            message: e.to_string(),
        }
    }
}

/// A version of the formula, readable.
#[derive(Debug, Clone)]
pub struct FormulaVersion {
    /// Version number.
    pub version: i64,
    /// The formula.
    pub formula: Formula,
    /// What changed and why.
    pub note: String,
    /// When it was published.
    pub published_at: i64,
    /// Periods starting at or after this use it.
    pub effective_from: i64,
}

/// A period with its results so far (standings while open, the statement once closed).
#[derive(Debug, Clone)]
pub struct PeriodView {
    /// The period.
    pub period: PeriodRow,
    /// Its formula.
    pub formula: FormulaVersion,
    /// Each person's result, the largest first.
    pub allocations: Vec<AllocationRow>,
    /// How evenly it is divided.
    pub fairness: Fairness,
    /// For a closed period: whether recomputing from the stored contributions gives the
    /// stored hash.
    pub verified: Option<bool>,
}

/// One person's statement in a period.
#[derive(Debug, Clone)]
pub struct Statement {
    /// The period.
    pub period: PeriodRow,
    /// The person.
    pub user_id: i64,
    /// Their username.
    pub username: String,
    /// Every counted contribution with its points.
    pub contributions: Vec<ContributionRow>,
    /// Their points.
    pub points: i64,
    /// Their weight after the transform.
    pub weight: String,
    /// The sum of everyone's weights (paid people).
    pub total_weight: String,
    /// Their share of the pool (0 to 1).
    pub share: f64,
    /// Their amount.
    pub amount_minor: i64,
    /// Whether they declined payouts.
    pub declined: bool,
    /// The formula.
    pub formula: FormulaVersion,
}

/// What the formula page and API show.
#[derive(Debug, Clone)]
pub struct RewardsOverview {
    /// The formula in force for a period starting now.
    pub current: FormulaVersion,
    /// Every version, newest first (announced future ones included).
    pub formulas: Vec<FormulaVersion>,
    /// Every period, newest first.
    pub periods: Vec<PeriodRow>,
}

fn version(r: FormulaRow) -> Result<FormulaVersion, AppError> {
    let formula: Formula = serde_json::from_str(&r.spec).map_err(|e| {
        AppError::Internal(format!("formula {} is unreadable: {e}", r.version).into())
    })?;
    Ok(FormulaVersion {
        version: r.version,
        formula,
        note: r.note,
        published_at: r.published_at,
        effective_from: r.effective_from,
    })
}

fn to_domain(c: &ContributionRow) -> Option<Contribution> {
    Some(Contribution {
        user_id: c.user_id,
        kind: Kind::parse(&c.kind)?,
        post_id: c.post_id,
        at: c.at,
    })
}

impl App {
    /// Rewards are site administration: the policy's `ManageSettings`.
    fn require_admin(&self, user: &AuthUser) -> Result<(), AppError> {
        decide(&user.actor(), Action::ManageSettings, Target::Site)?;
        Ok(())
    }

    async fn formula_versions(&self) -> Result<Vec<FormulaVersion>, AppError> {
        self.store()
            .reward_formulas()
            .await?
            .into_iter()
            .map(version)
            .collect()
    }

    /// The version in force for a period starting at `at`.
    async fn formula_at(&self, at: i64) -> Result<FormulaVersion, AppError> {
        self.formula_versions()
            .await?
            .into_iter()
            .find(|f| f.effective_from <= at)
            .ok_or_else(|| AppError::Internal("no reward formula is in force".into()))
    }

    async fn formula_version(&self, v: i64) -> Result<FormulaVersion, AppError> {
        self.formula_versions()
            .await?
            .into_iter()
            .find(|f| f.version == v)
            .ok_or_else(|| AppError::Internal(format!("formula {v} is missing").into()))
    }

    /// The formula, its versions and the periods (public).
    pub async fn rewards_overview(&self) -> Result<RewardsOverview, AppError> {
        let formulas = self.formula_versions().await?;
        let now = stoa_store::now();
        let current = formulas
            .iter()
            .find(|f| f.effective_from <= now)
            .cloned()
            .ok_or_else(|| AppError::Internal("no reward formula is in force".into()))?;
        Ok(RewardsOverview {
            current,
            formulas,
            periods: self.store().reward_periods().await?,
        })
    }

    /// Publishes a new version of the formula (admins). It applies to periods starting at or
    /// after `effective_from`, which cannot be in the past nor before the last announced
    /// version: no change reaches a period already running.
    pub async fn publish_formula(
        &self,
        user: &AuthUser,
        formula: Formula,
        effective_from: i64,
        note: &str,
    ) -> Result<FormulaVersion, AppError> {
        self.require_admin(user)?;
        let formula = formula.validate()?;
        let now = stoa_store::now();
        let latest = self
            .formula_versions()
            .await?
            .first()
            .map_or(0, |f| f.effective_from);
        if effective_from < now || effective_from < latest {
            return Err(AppError::invalid(
                "retroactive_formula",
                "effective_from",
                "A new formula applies from now or later, and not before the last announced one.",
            ));
        }
        let note = note.trim();
        if note.is_empty() || note.chars().count() > 2_000 {
            return Err(AppError::invalid(
                "invalid_note",
                "note",
                "Say what changes and why, in 1 to 2,000 characters.",
            ));
        }
        let spec = serde_json::to_string(&formula).map_err(|e| AppError::Internal(Box::new(e)))?;
        let v = self
            .store()
            .insert_reward_formula(&spec, note, effective_from, user.id, now)
            .await?;
        tracing::info!(formula.version = v, "reward formula published");
        self.formula_version(v).await
    }

    /// Opens a period (admins): dates, a pool in minor units and a currency. Periods do not
    /// overlap.
    pub async fn open_reward_period(
        &self,
        user: &AuthUser,
        starts_at: i64,
        ends_at: i64,
        pool_minor: i64,
        currency: &str,
    ) -> Result<PeriodRow, AppError> {
        self.require_admin(user)?;
        let (starts_at, ends_at) = rewards::period(starts_at, ends_at)?;
        let pool_minor = rewards::pool(pool_minor)?;
        let currency = rewards::currency(currency)?;
        let formula = self.formula_at(starts_at).await?;
        let id = self
            .store()
            .insert_reward_period(&NewPeriod {
                starts_at,
                ends_at,
                pool_minor,
                currency,
                formula_version: formula.version,
                created_by: user.id,
                now: stoa_store::now(),
            })
            .await?
            .ok_or(AppError::Conflict {
                code: "overlapping_period",
                message: "Another period covers part of these dates.".into(),
            })?;
        tracing::info!(period.id = id, "reward period opened");
        self.compute_period(id, false).await?;
        self.reward_period_row(id).await
    }

    async fn reward_period_row(&self, id: i64) -> Result<PeriodRow, AppError> {
        self.store()
            .reward_period(id)
            .await?
            .ok_or(AppError::NotFound("reward period"))
    }

    /// Scores and shares what the site recorded in a period under its formula; stores it as
    /// the standings, or (`close`) as the immutable statement with its hash. False when the
    /// period was closed already.
    async fn compute_period(&self, id: i64, close: bool) -> Result<bool, AppError> {
        let p = self.reward_period_row(id).await?;
        let formula = self.formula_version(p.formula_version).await?;
        let f = &formula.formula;
        let excluded: HashSet<i64> = self
            .store()
            .reward_excluded(f.exclude_staff)
            .await?
            .into_iter()
            .collect();
        let declined: HashSet<i64> = self.store().reward_decliners().await?.into_iter().collect();
        let site = self
            .store()
            .site_contributions(p.starts_at, p.ends_at, None)
            .await?;
        let contributions: Vec<Contribution> = site
            .iter()
            .filter(|c| !excluded.contains(&c.user_id))
            .filter_map(to_domain)
            .collect();
        let scored = score(f, &contributions);
        let (allocations, all) = share(f, p.pool_minor, &scored, &declined);
        // Standings keep only the allocations (statements of an open period are computed per
        // person); the closed statement keeps every contribution, which its hash covers.
        let stored: Vec<ContributionRow> = if close {
            scored.iter().map(row_of).collect()
        } else {
            Vec::new()
        };
        let rows: Vec<(i64, i64, String, i64, bool)> = all
            .iter()
            .map(|a| {
                (
                    a.user_id,
                    a.points,
                    a.weight.to_string(),
                    a.amount_minor,
                    declined.contains(&a.user_id),
                )
            })
            .collect();
        let hash = close.then(|| {
            hex(&Sha256::digest(
                canonical(f, p.pool_minor, &p.currency, &scored, &allocations).as_bytes(),
            ))
        });
        Ok(self
            .store()
            .store_reward_result(id, &stored, &rows, hash.as_deref(), stoa_store::now())
            .await?)
    }

    /// Recomputes the standings of every open period (the job queue does this regularly, so
    /// the standings page reads stored rows).
    pub async fn refresh_reward_standings(&self) -> Result<usize, AppError> {
        let open = self.store().open_reward_periods().await?;
        for p in &open {
            self.compute_period(p.id, false).await?;
        }
        Ok(open.len())
    }

    /// Closes a period (admins) once it has ended: the statement is computed a last time,
    /// frozen and hashed. Closing twice is a conflict.
    pub async fn close_reward_period(
        &self,
        user: &AuthUser,
        id: i64,
    ) -> Result<PeriodView, AppError> {
        self.require_admin(user)?;
        let p = self.reward_period_row(id).await?;
        if p.status == "closed" {
            return Err(AppError::Conflict {
                code: "already_closed",
                message: "This period is closed already; its statement cannot change.".into(),
            });
        }
        if p.ends_at > stoa_store::now() {
            return Err(AppError::Conflict {
                code: "period_running",
                message: "This period has not ended yet.".into(),
            });
        }
        if !self.compute_period(id, true).await? {
            return Err(AppError::Conflict {
                code: "already_closed",
                message: "This period is closed already; its statement cannot change.".into(),
            });
        }
        tracing::info!(period.id = id, "reward period closed");
        self.reward_period_view(id, false).await
    }

    /// A period with its allocations and fairness figures (public); with `verify`, for a
    /// closed one, whether the stored statement still hashes to its hash when recomputed from
    /// its contributions (a read of every contribution, so only on request).
    pub async fn reward_period_view(&self, id: i64, verify: bool) -> Result<PeriodView, AppError> {
        let period = self.reward_period_row(id).await?;
        let formula = self.formula_version(period.formula_version).await?;
        let allocations = self.store().reward_allocations(id).await?;
        let domain: Vec<Allocation> = allocations
            .iter()
            .map(|a| Allocation {
                user_id: a.user_id,
                points: a.points,
                weight: a.weight.parse().unwrap_or(0),
                amount_minor: a.amount_minor,
            })
            .collect();
        let verified = match &period.statement_hash {
            Some(h) if verify => {
                let stored = self.store().reward_contributions(id, None).await?;
                let declined: HashSet<i64> = allocations
                    .iter()
                    .filter(|a| a.declined)
                    .map(|a| a.user_id)
                    .collect();
                let contributions: Vec<Contribution> =
                    stored.iter().filter_map(to_domain).collect();
                let scored = score(&formula.formula, &contributions);
                let (paid, _) = share(&formula.formula, period.pool_minor, &scored, &declined);
                let again = hex(&Sha256::digest(
                    canonical(
                        &formula.formula,
                        period.pool_minor,
                        &period.currency,
                        &scored,
                        &paid,
                    )
                    .as_bytes(),
                ));
                Some(&again == h)
            }
            _ => None,
        };
        Ok(PeriodView {
            fairness: fairness(&domain),
            period,
            formula,
            allocations,
            verified,
        })
    }

    /// A period as a viewer sees it: members who keep their rewards private appear without
    /// their name (to anyone but themselves and admins), so their amount stays in the figures
    /// but not on their name.
    pub async fn reward_period_for(
        &self,
        viewer: Option<&AuthUser>,
        id: i64,
        verify: bool,
    ) -> Result<PeriodView, AppError> {
        let mut v = self.reward_period_view(id, verify).await?;
        let admin = viewer.is_some_and(manages_rewards);
        for a in &mut v.allocations {
            if a.private && !admin && viewer.map(|u| u.id) != Some(a.user_id) {
                a.user_id = 0;
                a.username = "a member (private)".into();
            }
        }
        Ok(v)
    }

    /// One person's statement in a period (public, unless they hide their rewards; they and
    /// admins always see it).
    pub async fn reward_statement(
        &self,
        viewer: Option<&AuthUser>,
        id: i64,
        user_id: i64,
    ) -> Result<Statement, AppError> {
        let view = self.reward_period_view(id, false).await?;
        let (_, public) = self.store().reward_preferences(user_id).await?;
        let allowed = public || viewer.is_some_and(|v| v.id == user_id || manages_rewards(v));
        if !allowed {
            return Err(AppError::NotFound("statement"));
        }
        let person = self.user(user_id).await?;
        let contributions = if view.period.status == "closed" {
            self.store().reward_contributions(id, Some(user_id)).await?
        } else {
            self.live_contributions(&view.period, &view.formula.formula, user_id)
                .await?
        };
        let mine = view.allocations.iter().find(|a| a.user_id == user_id);
        let total_weight: u128 = view
            .allocations
            .iter()
            .filter(|a| !a.declined && a.amount_minor > 0)
            .map(|a| a.weight.parse::<u128>().unwrap_or(0))
            .sum();
        let amount = mine.map_or(0, |a| a.amount_minor);
        Ok(Statement {
            user_id,
            username: person.username,
            points: contributions.iter().map(|c| c.points).sum(),
            contributions,
            weight: mine.map_or_else(|| "0".into(), |a| a.weight.clone()),
            total_weight: total_weight.to_string(),
            share: amount as f64 / view.period.pool_minor as f64,
            amount_minor: amount,
            declined: mine.is_some_and(|a| a.declined),
            formula: view.formula,
            period: view.period,
        })
    }

    /// Payouts of a closed period as CSV (admins): one line per paid person.
    pub async fn reward_payouts_csv(&self, user: &AuthUser, id: i64) -> Result<String, AppError> {
        self.require_admin(user)?;
        let view = self.reward_period_view(id, false).await?;
        if view.period.status != "closed" {
            return Err(AppError::Conflict {
                code: "period_open",
                message: "Payouts are exported once the period is closed.".into(),
            });
        }
        let mut out = String::from("user_id,username,email,amount_minor,currency,period_id\n");
        for a in view
            .allocations
            .iter()
            .filter(|a| a.amount_minor > 0 && !a.declined)
        {
            let email = self
                .user(a.user_id)
                .await
                .ok()
                .and_then(|u| u.email)
                .unwrap_or_default();
            out.push_str(&format!(
                "{},{},{},{},{},{}\n",
                a.user_id,
                csv_field(&a.username),
                csv_field(&email),
                a.amount_minor,
                view.period.currency,
                id
            ));
        }
        Ok(out)
    }

    /// One person's contributions to an open period so far, scored.
    async fn live_contributions(
        &self,
        p: &PeriodRow,
        f: &Formula,
        user_id: i64,
    ) -> Result<Vec<ContributionRow>, AppError> {
        let excluded = self.store().reward_excluded(f.exclude_staff).await?;
        if excluded.contains(&user_id) {
            return Ok(Vec::new());
        }
        let site = self
            .store()
            .site_contributions(p.starts_at, p.ends_at, Some(user_id))
            .await?;
        let contributions: Vec<Contribution> = site.iter().filter_map(to_domain).collect();
        Ok(score(f, &contributions).iter().map(row_of).collect())
    }

    /// A member's choices: (decline payouts, show past rewards on the profile).
    pub async fn reward_preferences(&self, user: &AuthUser) -> Result<(bool, bool), AppError> {
        Ok(self.store().reward_preferences(user.id).await?)
    }

    /// Saves a member's choices; open periods follow at their next recomputation.
    pub async fn set_reward_preferences(
        &self,
        user: &AuthUser,
        decline: bool,
        public: bool,
    ) -> Result<(), AppError> {
        user.may_write()?;
        self.store()
            .set_reward_preferences(user.id, decline, public, stoa_store::now())
            .await?;
        Ok(())
    }
}

/// Shares the pool among people with points who did not decline: the paid allocations (for
/// the hash) and everyone's (decliners with their points and no money).
fn share(
    f: &Formula,
    pool_minor: i64,
    scored: &[Scored],
    declined: &HashSet<i64>,
) -> (Vec<Allocation>, Vec<Allocation>) {
    let totals = rewards::totals(scored);
    let paid_points: BTreeMap<i64, i64> = totals
        .iter()
        .filter(|(u, _)| !declined.contains(u))
        .map(|(u, p)| (*u, *p))
        .collect();
    let paid = allocate(f, pool_minor, &paid_points);
    let mut all = paid.clone();
    for (u, p) in totals.iter().filter(|(u, _)| declined.contains(u)) {
        all.push(Allocation {
            user_id: *u,
            points: *p,
            weight: rewards::weight(f.transform, *p),
            amount_minor: 0,
        });
    }
    (paid, all)
}

/// Whether a user administers rewards (sees private rows and statements, opens and closes
/// periods).
pub fn manages_rewards(u: &AuthUser) -> bool {
    decide(&u.actor(), Action::ManageSettings, Target::Site).is_ok()
}

fn row_of(s: &Scored) -> ContributionRow {
    ContributionRow {
        user_id: s.contribution.user_id,
        kind: s.contribution.kind.as_str().to_string(),
        post_id: s.contribution.post_id,
        at: s.contribution.at,
        points: s.points,
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A CSV field, quoted when it needs to be; a leading formula character is neutralised so a
/// spreadsheet does not run it.
fn csv_field(s: &str) -> String {
    let s = if s.starts_with(['=', '+', '-', '@']) {
        format!("'{s}")
    } else {
        s.to_string()
    };
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_fields_are_safe() {
        assert_eq!(csv_field("ann"), "ann");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("=SUM(A1)"), "'=SUM(A1)");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
    }
}
