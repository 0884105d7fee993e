//! Deflection in the browser: who the visitor is, the "This solved my problem" box on pages
//! opened from a suggestion, and the staff report of the self-service resolution rate.

use super::view::{post_url, When};
use super::{is_htmx, render, Layout};
use crate::auth::{ClientIp, MaybeUser, PageUser};
use crate::csrf::{CsrfForm, CsrfToken};
use crate::error::{PageError, Problem};
use crate::AppState;
use askama::Template;
use axum::extract::{FromRequestParts, Path, Query, State};
use axum::http::request::Parts;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;
use stoa_app::{AppError, Arrival, Visitor};
use stoa_domain::deflection::{DayStat, DAY_SECS};
use stoa_domain::post_kind::PostKind;
use stoa_domain::time::format_utc;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/deflection/{token}/solved", post(solved))
        .route("/staff/deflection", get(staff_report))
}

/// The visitor of this request: the logged-in user and the browser's CSRF cookie (its
/// address when it has none, e.g. the very first request).
pub struct VisitorOf(pub Visitor);

impl FromRequestParts<AppState> for VisitorOf {
    type Rejection = PageError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let MaybeUser(user) = MaybeUser::from_request_parts(parts, state).await?;
        let csrf = parts
            .extensions
            .get::<CsrfToken>()
            .map(|t| t.0.clone())
            .filter(|t| !t.is_empty());
        let key = match csrf {
            Some(t) => t,
            None => {
                let Ok(ClientIp(ip)) = ClientIp::from_request_parts(parts, state).await;
                format!("ip:{ip}")
            }
        };
        Ok(VisitorOf(Visitor::new(user.as_ref(), &key)))
    }
}

/// `?deflection=<token>` on a page opened from a suggestion.
#[derive(Deserialize, Default)]
pub struct ArrivalQuery {
    /// The session token.
    pub deflection: Option<String>,
}

/// The "Did this solve your problem?" box (`_deflection.html`).
pub struct DeflectionBox {
    /// Session token, for the form's address.
    pub token: String,
    /// The page's post.
    pub post_id: i64,
    /// Already marked as solved by this page.
    pub solved: bool,
    /// Why the last press did not count.
    pub error: Option<String>,
}

/// The box for `post_id` when the visitor came from one of their suggestions; `None` otherwise
/// (no token, someone else's, or a page that was not suggested).
pub async fn arrival_box(
    state: &AppState,
    visitor: &Visitor,
    token: Option<&str>,
    post_id: i64,
) -> Result<Option<DeflectionBox>, PageError> {
    let Some(token) = token.map(str::trim).filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    let arrival = state
        .app
        .deflection_arrival(visitor, token, post_id)
        .await?;
    Ok(arrival.map(|a| DeflectionBox {
        token: token.to_string(),
        post_id,
        solved: a == Arrival::Solved,
        error: None,
    }))
}

#[derive(Template)]
#[template(path = "_deflection.html")]
struct DeflectionFragment {
    l: Layout,
    deflection: Option<DeflectionBox>,
}

#[derive(Deserialize)]
struct SolvedForm {
    #[serde(default)]
    post_id: String,
}

/// "This solved my problem". With htmx the box is swapped in place; without, the page is
/// shown again (303) with its thanks.
async fn solved(
    State(state): State<AppState>,
    l: Layout,
    VisitorOf(visitor): VisitorOf,
    headers: HeaderMap,
    Path(token): Path<String>,
    CsrfForm(form): CsrfForm<SolvedForm>,
) -> Result<Response, PageError> {
    let post_id = form
        .post_id
        .trim()
        .parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
        .ok_or_else(|| {
            AppError::invalid("not_suggested", "post_id", "There is no such page to mark.")
        })?;
    let result = state.app.mark_solved(&visitor, &token, post_id).await;
    let htmx = is_htmx(&headers);
    match result {
        Ok(()) if htmx => Ok(render(&DeflectionFragment {
            l,
            deflection: Some(DeflectionBox {
                token,
                post_id,
                solved: true,
                error: None,
            }),
        })),
        Ok(()) => {
            let p = state.app.post(post_id).await?;
            let back = format!(
                "{}?deflection={}#deflection",
                post_url(p.kind.as_str(), p.id, &p.title),
                super::url_encode(&token)
            );
            Ok(Redirect::to(&back).into_response())
        }
        // 200 with the message in the box: htmx swaps only successful responses.
        Err(e @ AppError::Conflict { .. }) if htmx => Ok(render(&DeflectionFragment {
            l,
            deflection: Some(DeflectionBox {
                token,
                post_id,
                solved: false,
                error: Some(Problem::from(e).message),
            }),
        })),
        Err(e) => Err(e.into()),
    }
}

/// One day of the report, ready to print.
struct DayRow {
    date: String,
    sessions: i64,
    solved: i64,
    posted: i64,
    abandoned: i64,
    open: i64,
    /// "45%", or "—" without sessions.
    rate: String,
    /// Bar height class: `h0` … `h20`, in steps of 5%.
    bar: String,
}

impl DayRow {
    fn new(d: &DayStat) -> Self {
        let c = d.counts;
        DayRow {
            date: format_utc(c.day).chars().take(10).collect(),
            sessions: c.sessions,
            solved: c.solved,
            posted: c.posted,
            abandoned: c.abandoned,
            open: d.open,
            rate: percent(d.rate),
            bar: format!("h{}", d.rate.map_or(0, |r| (r * 20.0).round() as i64)),
        }
    }
}

fn percent(rate: Option<f64>) -> String {
    rate.map_or_else(
        || "—".into(),
        |r| format!("{}%", (r * 100.0).round() as i64),
    )
}

/// A suggestion that solved problems.
struct TopRow {
    href: String,
    title: String,
    is_article: bool,
    solved: i64,
    shown: i64,
    opened: i64,
}

#[derive(Template)]
#[template(path = "staff_deflection.html")]
struct StaffPage {
    l: Layout,
    days: Vec<DayRow>,
    total: DayRow,
    top: Vec<TopRow>,
    period: String,
    generated: When,
}

#[derive(Deserialize, Default)]
struct ReportQuery {
    days: Option<String>,
}

/// The staff report: resolution rate by day, as a table and a bar chart, and the suggestions
/// that solve most often.
async fn staff_report(
    State(state): State<AppState>,
    l: Layout,
    PageUser(user): PageUser,
    Query(q): Query<ReportQuery>,
) -> Result<Response, PageError> {
    let days = q.days.and_then(|d| d.trim().parse::<i64>().ok());
    let stats = state.app.self_service_stats(&user, days).await?;
    let now = stoa_app::now();
    let first = stats.days.first().map_or(now, |d| d.counts.day);
    let last = stats.days.last().map_or(now, |d| d.counts.day);
    let page = StaffPage {
        l,
        days: stats.days.iter().map(DayRow::new).collect(),
        total: DayRow::new(&stats.total),
        top: stats
            .top
            .iter()
            .map(|t| TopRow {
                href: post_url(t.kind.as_str(), t.post_id, &t.title),
                title: t.title.clone(),
                is_article: t.kind == PostKind::Article,
                solved: t.solved,
                shown: t.shown,
                opened: t.opened,
            })
            .collect(),
        period: format!(
            "{} to {} (UTC), {} days",
            format_utc(first).chars().take(10).collect::<String>(),
            format_utc(last).chars().take(10).collect::<String>(),
            (last - first) / DAY_SECS + 1
        ),
        generated: When::at(now, now),
    };
    Ok(render(&page))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentages() {
        assert_eq!(percent(None), "—");
        assert_eq!(percent(Some(0.456)), "46%");
        assert_eq!(percent(Some(1.0)), "100%");
    }
}
