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
use stoa_domain::calendar::WEEKDAYS;
use stoa_domain::plans::PRIORITIES;

pub fn router() -> Router<AppState> {
    Router::new().route("/plans", get(show))
}

struct Column {
    name: String,
    price: String,
    description: String,
    tickets: String,
    shared: &'static str,
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

/// Business time in words. Always hours, never days: a business day is as long as the plan's
/// hours make it, so "2 days" would mislead.
fn duration(minutes: Option<i64>) -> String {
    match minutes {
        None => "—".into(),
        Some(m) if m % 60 == 0 => {
            let h = m / 60;
            format!("{h} business hour{}", if h == 1 { "" } else { "s" })
        }
        Some(m) => format!("{m} business minutes"),
    }
}

/// Opening hours in words: consecutive days with the same hours read as one range
/// ("Mon–Fri 09:00–17:00 (UTC)").
fn hours(c: &stoa_domain::plans::CalendarSpec) -> String {
    let all_day = c.hours.len() == 7
        && c.hours
            .iter()
            .all(|h| h.start == "00:00" && h.end == "24:00");
    if all_day {
        return "Around the clock, every day".into();
    }
    let short = |d: &str| -> String {
        let mut s: String = d.trim().chars().take(3).collect();
        if let Some(f) = s.get_mut(0..1) {
            f.make_ascii_uppercase();
        }
        s
    };
    let day_index = |d: &str| {
        WEEKDAYS
            .iter()
            .position(|w| w.eq_ignore_ascii_case(d.trim()))
    };
    // Runs of (first day, last day, start, end).
    let mut runs: Vec<(String, String, Option<usize>, &str, &str)> = Vec::new();
    for h in &c.hours {
        let i = day_index(&h.day);
        if let Some(last) = runs.last_mut() {
            let next_day = matches!((last.2, i), (Some(a), Some(b)) if b == a + 1);
            if next_day && last.3 == h.start && last.4 == h.end {
                last.1 = short(&h.day);
                last.2 = i;
                continue;
            }
        }
        runs.push((short(&h.day), short(&h.day), i, &h.start, &h.end));
    }
    let parts: Vec<String> = runs
        .iter()
        .map(|(a, b, _, s, e)| {
            if a == b {
                format!("{a} {s}–{e}")
            } else {
                format!("{a}–{b} {s}–{e}")
            }
        })
        .collect();
    format!("{} ({})", parts.join(", "), c.zone)
}

async fn show(State(state): State<AppState>, l: Layout) -> Result<Response, PageError> {
    let plans = state.app.plans().await?;
    let mine = match &l.user {
        Some(u) => state.app.plan_of(u).await?.map(|p| p.id),
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
            let mut label = format!("{pr} priority: first reply / solved within");
            if let Some(f) = label.get_mut(0..1) {
                f.make_ascii_uppercase();
            }
            (label, cells)
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
            shared: match (p.spec.tickets_allowed, p.spec.organization_visible) {
                (false, _) => "–",
                (true, true) => "Yes: colleagues of your organization see and answer them",
                (true, false) => "No: only you and our agents",
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
