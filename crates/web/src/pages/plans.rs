//! `/plans`: the support plans side by side, the transparent choice between self-service and
//! full service.

use super::{render, Layout};
use crate::error::PageError;
use crate::AppState;
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use stoa_domain::plans::PRIORITIES;

pub fn router() -> Router<AppState> {
    Router::new().route("/plans", get(show))
}

struct Column {
    name: String,
    price: String,
    description: String,
    tickets: String,
    hours: String,
    yours: bool,
}

#[derive(Template)]
#[template(path = "plans.html")]
struct PlansPage {
    l: Layout,
    plans: Vec<Column>,
    /// Per priority: its label and, per plan, "first reply / solved" in words.
    targets: Vec<(String, Vec<String>)>,
}

fn duration(minutes: Option<i64>) -> String {
    match minutes {
        None => "—".into(),
        Some(m) if m % (60 * 24) == 0 && m >= 60 * 24 => {
            let d = m / (60 * 24);
            format!("{d} business day{}", if d == 1 { "" } else { "s" })
        }
        Some(m) if m % 60 == 0 => {
            let h = m / 60;
            format!("{h} business hour{}", if h == 1 { "" } else { "s" })
        }
        Some(m) => format!("{m} business minutes"),
    }
}

fn hours(c: &stoa_domain::plans::CalendarSpec) -> String {
    let all_day = c.hours.len() == 7
        && c.hours
            .iter()
            .all(|h| h.start == "00:00" && h.end == "24:00");
    if all_day {
        return "Around the clock, every day".into();
    }
    let days: Vec<String> = c
        .hours
        .iter()
        .map(|h| {
            let d: String = h.day.chars().take(3).collect();
            let mut d = d;
            if let Some(f) = d.get_mut(0..1) {
                f.make_ascii_uppercase();
            }
            format!("{d} {}–{}", h.start, h.end)
        })
        .collect();
    format!("{} ({})", days.join(", "), c.zone)
}

async fn show(State(state): State<AppState>, l: Layout) -> Result<Response, PageError> {
    let plans = state.app.plans().await?;
    let mine = match &l.user {
        Some(u) => state.app.plan_of(u.id).await?.map(|p| p.id),
        None => None,
    };
    let targets = PRIORITIES
        .iter()
        .map(|pr| {
            let cells = plans
                .iter()
                .map(|p| {
                    let t = stoa_app::targets_for(p, pr);
                    if p.spec.tickets_allowed {
                        format!("{} / {}", duration(t.first_reply), duration(t.resolution))
                    } else {
                        "—".to_string()
                    }
                })
                .collect();
            (format!("{pr} priority: first reply / solved within"), cells)
        })
        .collect();
    let columns = plans
        .into_iter()
        .map(|p| Column {
            yours: mine == Some(p.id),
            tickets: match (p.spec.tickets_allowed, p.spec.max_open_tickets) {
                (false, _) => "No: search, the knowledge base and the community".into(),
                (true, None) => "Yes, as many as you need".into(),
                (true, Some(n)) => format!("Yes, up to {n} open at once"),
            },
            hours: hours(&p.spec.calendar),
            name: p.spec.name,
            price: p.spec.price,
            description: p.spec.description,
        })
        .collect();
    Ok(render(&PlansPage {
        l,
        plans: columns,
        targets,
    }))
}
