//! The agents' side of the support desk: `/agent`, the inbox sorted by what is due soonest with
//! its filters; `/agent/canned`, the canned replies; and `/staff/support`, the weekly support
//! report. Agents and admins only; everyone else gets the policy's refusal.

use super::view::post_url;
use super::{render, url_encode, Layout};
use crate::auth::PageUser;
use crate::csrf::CsrfForm;
use crate::error::{PageError, Problem};
use crate::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;
use stoa_app::{AppError, AuthUser, TicketQuery, NO_DUE};
use stoa_domain::time::format_utc;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/agent", get(inbox))
        .route("/agent/canned", get(canned).post(add_canned))
        .route("/agent/canned/{id}/delete", post(delete_canned))
        .route("/staff/support", get(report))
}

/// The inbox's filters, as links and a form keep them.
#[derive(Deserialize, Default)]
struct InboxQuery {
    /// `mine`, `unassigned` or empty.
    #[serde(default)]
    who: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    breached: String,
    #[serde(default)]
    plan: String,
    #[serde(default)]
    tag: String,
    page: Option<i64>,
}

struct Row {
    id: i64,
    subject: String,
    status: String,
    priority: String,
    requester: String,
    due: String,
    overdue: bool,
    breached: bool,
    tags: String,
    assignee: String,
}

#[derive(Template)]
#[template(path = "agent.html")]
struct InboxPage {
    l: Layout,
    rows: Vec<Row>,
    total: i64,
    capped: bool,
    who: String,
    status: String,
    breached: String,
    plan: String,
    tag: String,
    plans: Vec<(i64, String)>,
    statuses: Vec<&'static str>,
    page: i64,
    next: Option<String>,
    prev: Option<String>,
    error: Option<Problem>,
}

const PER_PAGE: i64 = 50;

fn href(q: &InboxQuery, page: i64) -> String {
    format!(
        "/agent?who={}&status={}&breached={}&plan={}&tag={}&page={page}",
        url_encode(&q.who),
        url_encode(&q.status),
        url_encode(&q.breached),
        url_encode(&q.plan),
        url_encode(&q.tag)
    )
}

async fn inbox(
    State(state): State<AppState>,
    PageUser(u): PageUser,
    l: Layout,
    Query(q): Query<InboxQuery>,
) -> Result<Response, PageError> {
    let agents = state.app.agents(&u).await?;
    let plans: Vec<(i64, String)> = state
        .app
        .plans()
        .await?
        .into_iter()
        .map(|p| (p.id, p.spec.name))
        .collect();
    let page = q.page.unwrap_or(1).max(1);
    let query = TicketQuery {
        status: Some(q.status.clone()).filter(|s| !s.is_empty()),
        assignee: match q.who.as_str() {
            "mine" => Some("me".into()),
            "unassigned" => Some("none".into()),
            _ => None,
        },
        breached: match q.breached.as_str() {
            "yes" => Some(true),
            "no" => Some(false),
            _ => None,
        },
        plan_id: q.plan.parse().ok(),
        tag: Some(q.tag.clone()).filter(|t| !t.trim().is_empty()),
        by_due: true,
        page: Some(page),
        per_page: Some(PER_PAGE),
    };
    let (result, error) = match state.app.tickets(&u, &query).await {
        Ok(p) => (p, None),
        Err(e @ AppError::Invalid { .. }) => (
            stoa_app::TicketPage {
                items: Vec::new(),
                total: 0,
                total_capped: false,
            },
            Some(Problem::from(e)),
        ),
        Err(e) => return Err(e.into()),
    };
    let full = result.items.len() as i64 == PER_PAGE;
    let mut tags = state.app.tags_of_tickets(&result.items).await?;
    let now = stoa_app::now();
    let rows = result
        .items
        .into_iter()
        .map(|t| Row {
            due: if t.due_at == NO_DUE {
                String::new()
            } else {
                format!("{} UTC", format_utc(t.due_at))
            },
            overdue: t.due_at != NO_DUE && t.due_at < now,
            breached: t.breached,
            tags: tags.remove(&t.id).unwrap_or_default().join(" "),
            assignee: t
                .assignee_id
                .and_then(|a| agents.iter().find(|(id, _)| *id == a))
                .map(|(_, n)| n.clone())
                .unwrap_or_default(),
            id: t.id,
            subject: t.subject,
            status: t.status.replace('_', " "),
            priority: t.priority,
            requester: t.requester_name,
        })
        .collect();
    let pages = (result.total + PER_PAGE - 1) / PER_PAGE;
    Ok(render(&InboxPage {
        l,
        rows,
        total: result.total,
        capped: result.total_capped,
        // Past the counted thousand, a full page means there may be more.
        next: (page < pages || (result.total_capped && full)).then(|| href(&q, page + 1)),
        prev: (page > 1).then(|| href(&q, page - 1)),
        page,
        who: q.who,
        status: q.status,
        breached: q.breached,
        plan: q.plan,
        tag: q.tag,
        plans,
        statuses: vec!["new", "open", "pending", "on_hold", "solved", "closed"],
        error,
    })
    .into_response())
}

struct CannedRow {
    id: i64,
    title: String,
    html: String,
}

#[derive(Template)]
#[template(path = "agent_canned.html")]
struct CannedPage {
    l: Layout,
    replies: Vec<CannedRow>,
    title: String,
    body: String,
    error: Option<Problem>,
}

async fn canned_page(
    state: &AppState,
    u: &AuthUser,
    l: Layout,
    title: String,
    body: String,
    error: Option<Problem>,
) -> Result<Response, PageError> {
    let replies = state
        .app
        .canned_replies(u)
        .await?
        .into_iter()
        .map(|c| CannedRow {
            id: c.id,
            title: c.title,
            html: state.app.preview(&c.body_md),
        })
        .collect();
    let status = error
        .as_ref()
        .map_or(axum::http::StatusCode::OK, |e| e.status);
    Ok((
        status,
        render(&CannedPage {
            l,
            replies,
            title,
            body,
            error,
        }),
    )
        .into_response())
}

async fn canned(
    State(state): State<AppState>,
    PageUser(u): PageUser,
    l: Layout,
) -> Result<Response, PageError> {
    canned_page(&state, &u, l, String::new(), String::new(), None).await
}

#[derive(Deserialize)]
struct CannedForm {
    #[serde(default)]
    title: String,
    #[serde(default)]
    body: String,
}

async fn add_canned(
    State(state): State<AppState>,
    PageUser(u): PageUser,
    l: Layout,
    CsrfForm(f): CsrfForm<CannedForm>,
) -> Result<Response, PageError> {
    match state.app.add_canned_reply(&u, &f.title, &f.body).await {
        Ok(_) => Ok(Redirect::to("/agent/canned").into_response()),
        Err(e @ (AppError::Invalid { .. } | AppError::Conflict { .. })) => {
            canned_page(&state, &u, l, f.title, f.body, Some(e.into())).await
        }
        Err(e) => Err(e.into()),
    }
}

async fn delete_canned(
    State(state): State<AppState>,
    PageUser(u): PageUser,
    Path(id): Path<String>,
    CsrfForm(_): CsrfForm<std::collections::HashMap<String, String>>,
) -> Result<Response, PageError> {
    let id = super::parse_id(&id)?;
    state.app.delete_canned_reply(&u, id).await?;
    Ok(Redirect::to("/agent/canned").into_response())
}

/// Seconds as "3 h 20 min" (or "2 d 4 h").
fn duration(secs: Option<i64>) -> String {
    let Some(s) = secs else {
        return "–".into();
    };
    let (d, h, m) = (s / 86_400, (s % 86_400) / 3600, (s % 3600) / 60);
    match (d, h) {
        (0, 0) => format!("{m} min"),
        (0, _) => format!("{h} h {m} min"),
        _ => format!("{d} d {h} h"),
    }
}

fn percent(share: Option<f64>) -> String {
    share.map_or_else(|| "–".into(), |s| format!("{:.0} %", s * 100.0))
}

struct PlanLine {
    plan: String,
    tickets: usize,
    first_median: String,
    first_p90: String,
    resolution_median: String,
    resolution_p90: String,
}

struct WeekLine {
    week: String,
    tickets: usize,
    sla: String,
    csat: String,
    ratings: usize,
    covered: String,
    plans: Vec<PlanLine>,
}

fn week_line(w: &stoa_app::ReportWeek) -> WeekLine {
    WeekLine {
        week: format_utc(w.week_start).chars().take(10).collect(),
        tickets: w.tickets,
        sla: percent(w.sla_attainment),
        csat: percent(w.csat),
        ratings: w.ratings,
        covered: percent(w.covered_share),
        plans: w
            .plans
            .iter()
            .map(|p| PlanLine {
                plan: p.plan.clone(),
                tickets: p.tickets,
                first_median: duration(p.first_reply_median),
                first_p90: duration(p.first_reply_p90),
                resolution_median: duration(p.resolution_median),
                resolution_p90: duration(p.resolution_p90),
            })
            .collect(),
    }
}

#[derive(Template)]
#[template(path = "staff_support.html")]
struct ReportPage {
    l: Layout,
    from: String,
    to: String,
    weeks: Vec<WeekLine>,
    total: WeekLine,
    covering: Vec<(String, String, usize)>,
    gaps: Vec<stoa_app::Gap>,
    error: Option<Problem>,
}

#[derive(Deserialize, Default)]
struct ReportQuery {
    from: Option<String>,
    to: Option<String>,
}

async fn report(
    State(state): State<AppState>,
    PageUser(u): PageUser,
    l: Layout,
    Query(q): Query<ReportQuery>,
) -> Result<Response, PageError> {
    let (r, error) = match state
        .app
        .support_report(&u, q.from.as_deref(), q.to.as_deref())
        .await
    {
        Ok(r) => (r, None),
        Err(e @ AppError::Invalid { .. }) => {
            let r = state.app.support_report(&u, None, None).await?;
            (r, Some(Problem::from(e)))
        }
        Err(e) => return Err(e.into()),
    };
    let status = error
        .as_ref()
        .map_or(axum::http::StatusCode::OK, |e| e.status);
    let day = |t: i64| format_utc(t).chars().take(10).collect::<String>();
    Ok((
        status,
        render(&ReportPage {
            from: day(r.from),
            to: day(r.to - 1),
            weeks: r.weeks.iter().map(week_line).collect(),
            total: week_line(&r.total),
            covering: r
                .top_covering
                .iter()
                .map(|c| {
                    (
                        post_url(&c.kind, c.post_id, &c.title),
                        c.title.clone(),
                        c.tickets,
                    )
                })
                .collect(),
            gaps: r.gaps,
            error,
            l,
        }),
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_well() {
        assert_eq!(duration(None), "–");
        assert_eq!(duration(Some(59)), "0 min");
        assert_eq!(duration(Some(3 * 3600 + 20 * 60)), "3 h 20 min");
        assert_eq!(duration(Some(2 * 86_400 + 4 * 3600)), "2 d 4 h");
        assert_eq!(percent(Some(0.956)), "96 %");
    }

    #[test]
    fn inbox_links_keep_filters() {
        let q = InboxQuery {
            who: "mine".into(),
            tag: "billing".into(),
            ..Default::default()
        };
        assert_eq!(
            href(&q, 2),
            "/agent?who=mine&status=&breached=&plan=&tag=billing&page=2"
        );
    }
}
