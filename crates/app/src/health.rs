//! Commons health: the metrics of a window against the window before, their series, and the
//! details behind them (actions by category, first replies by plan, content gaps, rule
//! changes). Public: anyone may read them; nothing private is shown.

use crate::{App, AppError};
use std::collections::BTreeMap;
use stoa_domain::health::{
    self, compute, periods, Facts, Granularity, HealthError, MetricDef, Metrics, TicketFact,
    Window, DAY,
};
use stoa_domain::support::{content_gaps, Gap};
use stoa_store::health::RuleChange;
use stoa_store::support::ReportTicket;

/// First replies on tickets of one plan.
#[derive(Debug, Clone, PartialEq)]
pub struct PlanReply {
    /// Plan name.
    pub plan: String,
    /// Tickets filed in the window.
    pub tickets: usize,
    /// Median hours to the first agent reply.
    pub median_hours: Option<f64>,
}

/// What stands behind some metrics.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct HealthDetails {
    /// Moderation actions by public category, most first.
    pub moderation_by_category: Vec<(String, usize)>,
    /// First replies by plan.
    pub first_reply_by_plan: Vec<PlanReply>,
    /// Topics of uncovered tickets that also appear in failed searches.
    pub content_gaps: Vec<Gap>,
    /// Dated rule changes.
    pub rule_changes: Vec<RuleChange>,
}

/// The health of one window.
#[derive(Debug, Clone, PartialEq)]
pub struct HealthReport {
    /// The window.
    pub window: Window,
    /// Its metrics.
    pub metrics: Metrics,
    /// The same metrics for the window of the same length before.
    pub previous: Metrics,
    /// Details.
    pub details: HealthDetails,
}

/// One point of a series.
#[derive(Debug, Clone, PartialEq)]
pub struct SeriesPoint {
    /// The period (cut to the window).
    pub period: Window,
    /// The metric over it.
    pub value: Option<f64>,
}

/// What one request reads: the facts, and the rows the details need beyond them.
struct Read {
    facts: Facts,
    tickets: Vec<ReportTicket>,
    rule_changes: Vec<RuleChange>,
}

/// Each metric of `metrics`, period by period over `w`.
fn series(
    facts: &Facts,
    w: Window,
    metrics: &[&'static MetricDef],
    g: Granularity,
) -> Vec<Vec<SeriesPoint>> {
    if metrics.is_empty() {
        return Vec::new();
    }
    let per_period: Vec<(Window, Metrics)> = periods(w, g)
        .into_iter()
        .map(|p| (p, compute(facts, p)))
        .collect();
    metrics
        .iter()
        .map(|d| {
            per_period
                .iter()
                .map(|(p, m)| SeriesPoint {
                    period: *p,
                    value: m.get(d.name),
                })
                .collect()
        })
        .collect()
}

fn invalid(e: HealthError) -> AppError {
    AppError::invalid(e.code(), e.field(), e.to_string())
}

fn today() -> i64 {
    stoa_store::now().div_euclid(DAY)
}

/// The window asked for (default: the last 90 days).
pub fn health_window(from: Option<&str>, to: Option<&str>) -> Result<Window, AppError> {
    Window::parse(from, to, today()).map_err(invalid)
}

/// The metric of a name, or a clear error.
pub fn health_metric(name: &str) -> Result<&'static MetricDef, AppError> {
    health::find(name.trim()).ok_or_else(|| invalid(HealthError::UnknownMetric(name.to_string())))
}

/// The granularity asked for (default: week).
pub fn health_granularity(raw: Option<&str>) -> Result<Granularity, AppError> {
    Granularity::parse(raw).map_err(invalid)
}

impl App {
    /// Reads every fact the metrics of `w` and of the window before it need: the facts of
    /// both windows, and posts per person of the window before those (the previous window's
    /// churn looks one further back).
    async fn health_facts(&self, w: Window) -> Result<Read, AppError> {
        let s = self.store();
        let (since, to) = (w.previous().start(), w.end());
        let posts = s.health_posts(since, to).await?;
        let questions = s.health_questions(since, to).await?;
        let mut authors: Vec<i64> = posts.iter().filter_map(|p| p.author).collect();
        authors.sort_unstable();
        authors.dedup();
        let first_post = s.health_first_posts(&authors).await?.into_iter().collect();
        // The window before the previous one is only needed as counts per person (the
        // previous window's churn), so it is counted by the database.
        let earlier = w.previous().previous();
        let counts = s
            .health_author_counts(earlier.start(), earlier.end())
            .await?;
        let tickets = s.report_tickets(since, to).await?;
        let rule_changes = s.rule_changes(since, to).await?;
        let facts = Facts {
            posts,
            counted: vec![(earlier, counts.into_iter().collect())],
            questions,
            first_post,
            sessions: s.health_sessions(since, to).await?,
            tickets: tickets
                .iter()
                .map(|t| TicketFact {
                    at: t.created_at,
                    covered: t.covered_by.is_some(),
                    first_reply_at: t.first_reply_at,
                })
                .collect(),
            actions: s.health_actions(since, to).await?,
            appeals: s.health_appeals(since, to).await?,
            flags: s.health_flags(since, to).await?,
            rule_changes: rule_changes.iter().map(|c| c.at).collect(),
            rewards: s.health_rewards(since, to).await?,
        };
        Ok(Read {
            facts,
            tickets,
            rule_changes,
        })
    }

    /// The metrics of `w` against the window before it, with their details.
    pub async fn health(&self, w: Window) -> Result<HealthReport, AppError> {
        Ok(self.health_with_series(w, &[], Granularity::Week).await?.0)
    }

    /// The report of `w` and the series of some metrics over it, from one read of the facts.
    pub async fn health_with_series(
        &self,
        w: Window,
        metrics: &[&'static MetricDef],
        g: Granularity,
    ) -> Result<(HealthReport, Vec<Vec<SeriesPoint>>), AppError> {
        let read = self.health_facts(w).await?;
        let report = HealthReport {
            window: w,
            metrics: compute(&read.facts, w),
            previous: compute(&read.facts, w.previous()),
            details: self.health_details(w, &read).await?,
        };
        Ok((report, series(&read.facts, w, metrics, g)))
    }

    async fn health_details(&self, w: Window, read: &Read) -> Result<HealthDetails, AppError> {
        let (facts, tickets) = (&read.facts, &read.tickets);
        let mut by_category: BTreeMap<&str, usize> = BTreeMap::new();
        for a in facts.actions.iter().filter(|a| w.holds(a.at)) {
            *by_category.entry(a.category.as_str()).or_default() += 1;
        }
        let mut moderation_by_category: Vec<(String, usize)> = by_category
            .into_iter()
            .map(|(c, n)| (c.to_string(), n))
            .collect();
        moderation_by_category.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));

        let in_window: Vec<&ReportTicket> =
            tickets.iter().filter(|t| w.holds(t.created_at)).collect();
        let mut plans: BTreeMap<&str, (usize, Vec<f64>)> = BTreeMap::new();
        for t in &in_window {
            let e = plans.entry(t.plan.as_str()).or_default();
            e.0 += 1;
            if let Some(r) = t.first_reply_at {
                e.1.push((r - t.created_at) as f64 / 3_600.0);
            }
        }
        let first_reply_by_plan = plans
            .into_iter()
            .map(|(plan, (tickets, hours))| PlanReply {
                plan: plan.to_string(),
                tickets,
                median_hours: health::stats::median(&hours),
            })
            .collect();

        let uncovered: Vec<&str> = in_window
            .iter()
            .filter(|t| t.covered_by.is_none())
            .map(|t| t.subject.as_str())
            .collect();
        let misses = self.store().search_misses(w.start(), w.end()).await?;
        let misses: Vec<&str> = misses.iter().map(String::as_str).collect();
        Ok(HealthDetails {
            moderation_by_category,
            first_reply_by_plan,
            content_gaps: content_gaps(&uncovered, &misses, 10),
            rule_changes: read
                .rule_changes
                .iter()
                .filter(|c| w.holds(c.at))
                .cloned()
                .collect(),
        })
    }

    /// The series of one metric over `w`, period by period.
    pub async fn health_series(
        &self,
        metric: &'static MetricDef,
        w: Window,
        g: Granularity,
    ) -> Result<Vec<SeriesPoint>, AppError> {
        let read = self.health_facts(w).await?;
        Ok(series(&read.facts, w, &[metric], g)
            .pop()
            .unwrap_or_default())
    }
}
