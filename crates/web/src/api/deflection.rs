//! The self-service report: how often suggestions solve problems before a question is asked.

use super::dto::{article_url, question_url};
use super::ApiQuery;
use crate::auth::ApiUser;
use crate::error::{ApiError, ErrorBody};
use crate::AppState;
use axum::extract::State;
use axum::Json;
use serde::{Deserialize, Serialize};
use stoa_domain::deflection::DayStat;
use stoa_domain::post_kind::PostKind;
use stoa_domain::time::format_rfc3339;
use utoipa::{IntoParams, ToSchema};

/// Report parameters.
#[derive(Deserialize, IntoParams)]
pub struct StatsParams {
    /// Days covered, up to today (UTC): 1–366, default 30.
    pub days: Option<i64>,
}

/// Deflection sessions of one day (or of the whole period).
#[derive(Serialize, ToSchema)]
pub struct DayStats {
    /// The day, `YYYY-MM-DD` (UTC); for the totals, the first day.
    pub date: String,
    /// Ask flows that showed suggestions.
    pub sessions: i64,
    /// Ended with "This solved my problem".
    pub solved: i64,
    /// Ended with the question posted anyway.
    pub posted: i64,
    /// Ended with neither within 30 minutes.
    pub abandoned: i64,
    /// Still in progress.
    pub open: i64,
    /// Self-service resolution rate, solved ÷ sessions (0–1); `null` without sessions.
    pub rate: Option<f64>,
}

/// A suggestion that solved problems.
#[derive(Serialize, ToSchema)]
pub struct SolvingItem {
    /// Post id.
    pub id: i64,
    /// `question` or `article`.
    pub kind: String,
    /// Title.
    pub title: String,
    /// Its page.
    pub url: String,
    /// Sessions it solved.
    pub solved: i64,
    /// Sessions in which it was opened.
    pub opened: i64,
    /// Sessions that showed it.
    pub shown: i64,
}

/// The self-service report.
#[derive(Serialize, ToSchema)]
pub struct DeflectionStats {
    /// One entry per day, oldest first.
    pub days: Vec<DayStats>,
    /// The whole period.
    pub total: DayStats,
    /// The suggestions that solved most sessions, most first.
    pub top_solving: Vec<SolvingItem>,
}

fn day(d: &DayStat) -> DayStats {
    let c = d.counts;
    DayStats {
        date: format_rfc3339(c.day).chars().take(10).collect(),
        sessions: c.sessions,
        solved: c.solved,
        posted: c.posted,
        abandoned: c.abandoned,
        open: d.open,
        rate: d.rate.map(|r| (r * 10_000.0).round() / 10_000.0),
    }
}

/// The self-service resolution rate by day and the suggestions that solve most often (staff).
#[utoipa::path(get, path = "/api/v1/deflection/stats", tag = "search", params(StatsParams),
    security(("bearer" = [])),
    responses((status = 200, body = DeflectionStats), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody, description = "Not staff"), (status = 422, body = ErrorBody)))]
pub async fn stats(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiQuery(p): ApiQuery<StatsParams>,
) -> Result<Json<DeflectionStats>, ApiError> {
    let s = state.app.self_service_stats(&user, p.days).await?;
    Ok(Json(DeflectionStats {
        days: s.days.iter().map(day).collect(),
        total: day(&s.total),
        top_solving: s
            .top
            .into_iter()
            .map(|t| SolvingItem {
                url: if t.kind == PostKind::Article {
                    article_url(t.post_id, &t.title)
                } else {
                    question_url(t.post_id, &t.title)
                },
                id: t.post_id,
                kind: t.kind.to_string(),
                title: t.title,
                solved: t.solved,
                opened: t.opened,
                shown: t.shown,
            })
            .collect(),
    }))
}
