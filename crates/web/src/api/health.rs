//! Commons health: the metrics of a window (with the window before, for trends) and the series
//! of one metric, as JSON or CSV. Public, like the page.

use super::ApiQuery;
use crate::error::{ApiError, ErrorBody};
use crate::AppState;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use stoa_app::{health_granularity, health_metric, health_window, HealthReport, SeriesPoint};
use stoa_domain::health::{format_day, Metrics, Unit, CATALOGUE};
use stoa_domain::time::format_rfc3339;
use utoipa::{IntoParams, ToSchema};

/// The window.
#[derive(Deserialize, IntoParams)]
pub struct WindowParams {
    /// First day, `YYYY-MM-DD` (default: 89 days before `to`).
    pub from: Option<String>,
    /// Last day, included, `YYYY-MM-DD` (default: today, UTC).
    pub to: Option<String>,
}

/// A metric's value as JSON: counts as integers, `null` where there is no data.
pub(crate) fn value_json(unit: Unit, v: Option<f64>) -> Value {
    match v {
        None => Value::Null,
        Some(x) if unit == Unit::Count => Value::from(x.round() as i64),
        Some(x) => serde_json::Number::from_f64(x).map_or(Value::Null, Value::Number),
    }
}

fn metrics_json(m: &Metrics) -> Map<String, Value> {
    CATALOGUE
        .iter()
        .map(|d| (d.name.to_string(), value_json(d.unit, m.get(d.name))))
        .collect()
}

/// The health of a window.
#[derive(Serialize, ToSchema)]
pub struct HealthJson {
    /// First day.
    pub from: String,
    /// Last day (included).
    pub to: String,
    /// Days in the window.
    pub days: i64,
    /// Every metric by name (`null` where there is no data); definitions in
    /// `docs/health-metrics.md` and at `/health/{metric}`.
    #[schema(value_type = Object)]
    pub metrics: Map<String, Value>,
    /// The same metrics over the window of the same length just before.
    #[schema(value_type = Object)]
    pub previous: Map<String, Value>,
    /// What stands behind some metrics.
    #[schema(value_type = Object)]
    pub details: Value,
}

/// The report as the API and `stoa health --json` print it.
pub fn health_json(r: &HealthReport) -> HealthJson {
    let d = &r.details;
    let details = serde_json::json!({
        "moderation_by_category": d.moderation_by_category.iter()
            .map(|(c, n)| serde_json::json!({"category": c, "actions": n})).collect::<Vec<_>>(),
        "ticket_first_reply_by_plan": d.first_reply_by_plan.iter()
            .map(|p| serde_json::json!({"plan": p.plan, "tickets": p.tickets, "median_hours": p.median_hours}))
            .collect::<Vec<_>>(),
        "content_gaps": d.content_gaps.iter()
            .map(|g| serde_json::json!({"topic": g.topic, "tickets": g.tickets, "searches": g.searches}))
            .collect::<Vec<_>>(),
        "rule_changes": d.rule_changes.iter()
            .map(|c| serde_json::json!({"at": format_rfc3339(c.at), "kind": c.kind, "version": c.version, "note": c.note}))
            .collect::<Vec<_>>(),
    });
    HealthJson {
        from: r.window.from_text(),
        to: r.window.to_text(),
        days: r.window.days(),
        metrics: metrics_json(&r.metrics),
        previous: metrics_json(&r.previous),
        details,
    }
}

/// Every health metric over a window (default the last 90 days), with the window before for
/// trends, and details: moderation actions by category, first replies by plan, content gaps
/// and dated rule changes.
#[utoipa::path(get, path = "/api/v1/health", tag = "health", params(WindowParams),
    responses((status = 200, body = HealthJson), (status = 422, body = ErrorBody)))]
pub async fn report(
    State(state): State<AppState>,
    ApiQuery(p): ApiQuery<WindowParams>,
) -> Result<Json<HealthJson>, ApiError> {
    let w = health_window(p.from.as_deref(), p.to.as_deref())?;
    let r = state.app.health(w).await?;
    Ok(Json(health_json(&r)))
}

/// A series request.
#[derive(Deserialize, IntoParams)]
pub struct SeriesParams {
    /// The metric's name.
    pub metric: String,
    /// First day, `YYYY-MM-DD`.
    pub from: Option<String>,
    /// Last day, included.
    pub to: Option<String>,
    /// `week` (default, Monday to Sunday) or `month`; the first and last periods are cut to
    /// the window.
    pub granularity: Option<String>,
    /// `csv` for CSV instead of JSON.
    pub format: Option<String>,
}

/// One point.
#[derive(Serialize, ToSchema)]
pub struct PointJson {
    /// First day of the period.
    pub period_start: String,
    /// Last day of the period (included).
    pub period_end: String,
    /// The metric over the period (`null`: no data).
    #[schema(value_type = Option<f64>)]
    pub value: Value,
}

/// A series.
#[derive(Serialize, ToSchema)]
pub struct SeriesJson {
    /// The metric.
    pub metric: String,
    /// `week` or `month`.
    pub granularity: String,
    /// First day.
    pub from: String,
    /// Last day.
    pub to: String,
    /// Period by period, oldest first.
    pub items: Vec<PointJson>,
}

/// CSV of a series: `period_start,period_end,value` (empty value: no data).
pub(crate) fn series_csv(unit: Unit, points: &[SeriesPoint]) -> String {
    let mut out = String::from("period_start,period_end,value\n");
    for p in points {
        let v = match value_json(unit, p.value) {
            Value::Null => String::new(),
            v => v.to_string(),
        };
        out.push_str(&format!(
            "{},{},{}\n",
            format_day(p.period.from_day),
            format_day(p.period.to_day),
            v
        ));
    }
    out
}

/// One metric period by period (`format=csv` for CSV).
#[utoipa::path(get, path = "/api/v1/health/series", tag = "health", params(SeriesParams),
    responses((status = 200, body = SeriesJson), (status = 422, body = ErrorBody)))]
pub async fn series(
    State(state): State<AppState>,
    ApiQuery(p): ApiQuery<SeriesParams>,
) -> Result<Response, ApiError> {
    let def = health_metric(&p.metric)?;
    let w = health_window(p.from.as_deref(), p.to.as_deref())?;
    let g = health_granularity(p.granularity.as_deref())?;
    let csv = match p.format.as_deref().map(str::trim) {
        None | Some("") | Some("json") => false,
        Some("csv") => true,
        Some(_) => {
            return Err(stoa_app::AppError::invalid(
                "invalid_format",
                "format",
                "format is json or csv.",
            )
            .into())
        }
    };
    let points = state.app.health_series(def, w, g).await?;
    if csv {
        let name = format!(
            "attachment; filename=\"stoa-{}-{}-{}.csv\"",
            def.name,
            w.from_text(),
            w.to_text()
        );
        return Ok((
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
                (header::CONTENT_DISPOSITION, name),
            ],
            series_csv(def.unit, &points),
        )
            .into_response());
    }
    Ok(Json(SeriesJson {
        metric: def.name.to_string(),
        granularity: g.as_str().to_string(),
        from: w.from_text(),
        to: w.to_text(),
        items: points
            .iter()
            .map(|p| PointJson {
                period_start: format_day(p.period.from_day),
                period_end: format_day(p.period.to_day),
                value: value_json(def.unit, p.value),
            })
            .collect(),
    })
    .into_response())
}
