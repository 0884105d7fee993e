//! Commons health for everyone: `/health` (every metric with its trend and a sparkline, and
//! the details behind them) and `/health/{metric}` (the chart, the table, the CSV and the
//! definition from `docs/health-metrics.md`).

use super::chart::{line_chart, sparkline};
use super::{render, url_encode, Layout};
use crate::error::PageError;
use crate::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use serde::Deserialize;
use stoa_app::{health_granularity, health_metric, health_window, HealthReport};
use stoa_domain::health::{format_day, Granularity, Group, MetricDef, Unit, Window, CATALOGUE};
use stoa_domain::time::format_utc;

/// The definitions, shown on each metric's page: one `## \`name\`` section per metric.
const DEFINITIONS: &str = include_str!("../../../../docs/health-metrics.md");

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/health", get(overview))
        .route("/health/{metric}", get(metric_page))
}

#[derive(Deserialize)]
struct Params {
    from: Option<String>,
    to: Option<String>,
    granularity: Option<String>,
}

/// A value as people read it.
pub fn show(unit: Unit, v: Option<f64>) -> String {
    let Some(v) = v else {
        return "no data".into();
    };
    match unit {
        Unit::Count => format!("{}", v.round() as i64),
        Unit::Share => format!("{:.1} %", v * 100.0),
        Unit::Hours => format!("{v:.1} h"),
        Unit::Coefficient => format!("{v:.3}"),
        Unit::Difference => format!("{v:+.3}"),
        Unit::PerThousand => format!("{v:.1}"),
    }
}

/// The change against the previous window.
struct Trend {
    text: String,
    class: &'static str,
}

fn trend(d: &MetricDef, cur: Option<f64>, prev: Option<f64>) -> Trend {
    let (Some(c), Some(p)) = (cur, prev) else {
        return Trend {
            text: "no earlier data to compare".into(),
            class: "flat",
        };
    };
    let delta = c - p;
    if delta.abs() < 1e-9 {
        return Trend {
            text: "unchanged from the previous window".into(),
            class: "flat",
        };
    }
    let word = if delta > 0.0 { "up" } else { "down" };
    let amount = match d.unit {
        Unit::Count if p > 0.0 => format!(
            "{} ({:+.0} %)",
            (delta.round() as i64).abs(),
            delta / p * 100.0
        ),
        Unit::Count => format!("{}", (delta.round() as i64).abs()),
        Unit::Share => format!("{:.1} points", delta.abs() * 100.0),
        Unit::Hours => format!("{:.1} h", delta.abs()),
        Unit::Coefficient | Unit::Difference => format!("{:.3}", delta.abs()),
        Unit::PerThousand => format!("{:.1}", delta.abs()),
    };
    let class = match d.higher_is_better {
        Some(true) if delta > 0.0 => "good",
        Some(false) if delta < 0.0 => "good",
        Some(_) => "bad",
        None => "flat",
    };
    Trend {
        text: format!("{word} {amount} from the previous window"),
        class,
    }
}

fn query_string(w: Window, g: Granularity) -> String {
    format!(
        "from={}&to={}&granularity={}",
        w.from_text(),
        w.to_text(),
        g.as_str()
    )
}

struct Card {
    label: &'static str,
    summary: &'static str,
    href: String,
    value: String,
    trend: Trend,
    spark: String,
}

struct Section {
    label: &'static str,
    cards: Vec<Card>,
}

struct Count {
    name: String,
    n: usize,
}

struct PlanLine {
    plan: String,
    tickets: usize,
    median: String,
}

struct GapLine {
    topic: String,
    tickets: usize,
    searches: usize,
}

struct ChangeLine {
    when: String,
    what: String,
}

#[derive(Template)]
#[template(path = "health.html")]
struct OverviewPage {
    l: Layout,
    from: String,
    to: String,
    days: i64,
    week: bool,
    sections: Vec<Section>,
    categories: Vec<Count>,
    plans: Vec<PlanLine>,
    gaps: Vec<GapLine>,
    changes: Vec<ChangeLine>,
}

fn details(r: &HealthReport) -> (Vec<Count>, Vec<PlanLine>, Vec<GapLine>, Vec<ChangeLine>) {
    let d = &r.details;
    let categories = d
        .moderation_by_category
        .iter()
        .map(|(c, n)| Count {
            name: stoa_domain::moderation::Category::parse(c)
                .map_or_else(|_| c.clone(), |c| c.label().to_string()),
            n: *n,
        })
        .collect();
    let plans = d
        .first_reply_by_plan
        .iter()
        .map(|p| PlanLine {
            plan: p.plan.clone(),
            tickets: p.tickets,
            median: show(Unit::Hours, p.median_hours),
        })
        .collect();
    let gaps = d
        .content_gaps
        .iter()
        .map(|g| GapLine {
            topic: g.topic.clone(),
            tickets: g.tickets,
            searches: g.searches,
        })
        .collect();
    let changes = d
        .rule_changes
        .iter()
        .map(|c| ChangeLine {
            when: format_utc(c.at),
            what: match c.version {
                Some(v) if c.note.is_empty() => format!("Reward formula version {v} published"),
                Some(v) => format!("Reward formula version {v} published: {}", c.note),
                None => "Governance settings changed".into(),
            },
        })
        .collect();
    (categories, plans, gaps, changes)
}

async fn overview(
    State(state): State<AppState>,
    l: Layout,
    Query(p): Query<Params>,
) -> Result<Response, PageError> {
    let w = health_window(p.from.as_deref(), p.to.as_deref())?;
    let g = health_granularity(p.granularity.as_deref())?;
    let all: Vec<&'static MetricDef> = CATALOGUE.iter().collect();
    let (report, series) = state.app.health_with_series(w, &all, g).await?;
    let qs = query_string(w, g);
    let sections = Group::ALL
        .iter()
        .map(|group| Section {
            label: group.label(),
            cards: CATALOGUE
                .iter()
                .zip(series.iter())
                .filter(|(d, _)| d.group == *group)
                .map(|(d, points)| {
                    let cur = report.metrics.get(d.name);
                    let values: Vec<Option<f64>> = points.iter().map(|p| p.value).collect();
                    Card {
                        label: d.label,
                        summary: d.summary,
                        href: format!("/health/{}?{qs}", d.name),
                        value: show(d.unit, cur),
                        trend: trend(d, cur, report.previous.get(d.name)),
                        spark: sparkline(&format!("{} by {}", d.label, g.as_str()), &values),
                    }
                })
                .collect(),
        })
        .collect();
    let (categories, plans, gaps, changes) = details(&report);
    Ok(render(&OverviewPage {
        l,
        from: w.from_text(),
        to: w.to_text(),
        days: w.days(),
        week: g == Granularity::Week,
        sections,
        categories,
        plans,
        gaps,
        changes,
    }))
}

/// The Markdown of a metric's section in the definitions.
pub fn definition(name: &str) -> Option<&'static str> {
    let heading = format!("## `{name}`");
    let start = DEFINITIONS.find(&heading)? + heading.len();
    let rest = &DEFINITIONS[start..];
    let end = rest.find("\n## ").unwrap_or(rest.len());
    Some(rest[..end].trim())
}

struct Row {
    start: String,
    end: String,
    value: String,
}

#[derive(Template)]
#[template(path = "health_metric.html")]
struct MetricPage {
    l: Layout,
    label: &'static str,
    summary: &'static str,
    name: &'static str,
    chaoss: Option<&'static str>,
    from: String,
    to: String,
    week: bool,
    value: String,
    trend: Trend,
    chart: String,
    rows: Vec<Row>,
    csv_href: String,
    json_href: String,
    definition_html: String,
}

async fn metric_page(
    State(state): State<AppState>,
    l: Layout,
    Path(name): Path<String>,
    Query(p): Query<Params>,
) -> Result<Response, PageError> {
    let def = health_metric(&name).map_err(|_| stoa_app::AppError::NotFound("metric"))?;
    let w = health_window(p.from.as_deref(), p.to.as_deref())?;
    let g = health_granularity(p.granularity.as_deref())?;
    let (report, mut series) = state.app.health_with_series(w, &[def], g).await?;
    let points = series.pop().unwrap_or_default();
    let labels: Vec<String> = points
        .iter()
        .map(|p| format_day(p.period.from_day))
        .collect();
    let values: Vec<Option<f64>> = points.iter().map(|p| p.value).collect();
    let unit = def.unit;
    let chart = line_chart(
        &format!(
            "{} by {}, {} to {}",
            def.label,
            g.as_str(),
            w.from_text(),
            w.to_text()
        ),
        def.label,
        &labels,
        &values,
        &|v| axis_tick(unit, v),
    );
    let cur = report.metrics.get(def.name);
    let series_q = format!(
        "metric={}&from={}&to={}&granularity={}",
        url_encode(def.name),
        w.from_text(),
        w.to_text(),
        g.as_str()
    );
    Ok(render(&MetricPage {
        l,
        label: def.label,
        summary: def.summary,
        name: def.name,
        chaoss: def.chaoss,
        from: w.from_text(),
        to: w.to_text(),
        week: g == Granularity::Week,
        value: show(unit, cur),
        trend: trend(def, cur, report.previous.get(def.name)),
        chart,
        rows: points
            .iter()
            .map(|p| Row {
                start: format_day(p.period.from_day),
                end: format_day(p.period.to_day),
                value: show(unit, p.value),
            })
            .collect(),
        csv_href: format!("/api/v1/health/series?{series_q}&format=csv"),
        json_href: format!("/api/v1/health/series?{series_q}"),
        definition_html: definition(def.name)
            .map(stoa_markdown::render_post)
            .unwrap_or_default(),
    }))
}

/// A value on the chart's axis.
fn axis_tick(unit: Unit, v: f64) -> String {
    match unit {
        Unit::Share => format!("{:.0} %", v * 100.0),
        Unit::Count => format!("{v:.0}"),
        Unit::Coefficient | Unit::Difference => format!("{v:.2}"),
        Unit::Hours => format!("{v:.0} h"),
        Unit::PerThousand => format!("{v:.0}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_metric_has_a_definition() {
        for d in CATALOGUE {
            let text = definition(d.name).unwrap_or("");
            assert!(
                text.len() > 40,
                "docs/health-metrics.md lacks a section for {}",
                d.name
            );
        }
    }

    #[test]
    fn values_read_well() {
        assert_eq!(show(Unit::Share, Some(0.4567)), "45.7 %");
        assert_eq!(show(Unit::Count, Some(12.0)), "12");
        assert_eq!(show(Unit::Hours, None), "no data");
        assert_eq!(show(Unit::Difference, Some(-0.05)), "-0.050");
    }
}
