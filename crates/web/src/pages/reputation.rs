//! A member's reputation ledger (every point with its reason) and the site's privileges.

use super::view::{parse_page, question_url, Pager, When};
use super::{parse_id, render, Layout};
use crate::error::PageError;
use crate::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use serde::Deserialize;
use stoa_domain::reputation::Reason;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/users/{id}/reputation", get(ledger))
        .route("/privileges", get(privileges))
}

/// One ledger entry, ready to print.
pub struct EntryView {
    pub delta: String,
    pub positive: bool,
    pub label: &'static str,
    pub title: Option<String>,
    pub href: Option<String>,
    pub when: When,
    pub reversed: bool,
}

/// A privilege row.
pub struct PrivilegeView {
    pub description: &'static str,
    pub needed: i64,
    pub held: bool,
}

#[derive(Template)]
#[template(path = "reputation.html")]
struct LedgerPage {
    l: Layout,
    user_id: i64,
    username: String,
    reputation: i64,
    entries: Vec<EntryView>,
    pager: Pager,
    privileges: Vec<PrivilegeView>,
}

#[derive(Deserialize)]
struct PageQuery {
    page: Option<String>,
}

async fn ledger(
    State(state): State<AppState>,
    l: Layout,
    Path(id): Path<String>,
    Query(q): Query<PageQuery>,
) -> Result<Response, PageError> {
    let id = parse_id(&id)?;
    let page = parse_page(q.page.as_deref());
    let ledger = state
        .app
        .reputation_ledger(id, Some(page), Some(50))
        .await?;
    let user = state.app.user(id).await?;
    let now = stoa_app::now();
    let entries = ledger
        .entries
        .items
        .iter()
        .map(|e| EntryView {
            delta: if e.delta > 0 {
                format!("+{}", e.delta)
            } else {
                e.delta.to_string()
            },
            positive: e.delta > 0,
            label: Reason::parse(&e.reason).map_or("Other", Reason::label),
            title: e.post_title.clone(),
            href: e
                .question_id
                .zip(e.post_title.as_ref())
                .map(|(q, t)| question_url(q, t)),
            when: When::at(e.created_at, now),
            reversed: e.reversed_at.is_some(),
        })
        .collect();
    let privileges = state
        .app
        .privileges_of(&user)
        .into_iter()
        .map(|p| PrivilegeView {
            description: p.privilege.describe(),
            needed: p.needed,
            held: p.held,
        })
        .collect();
    Ok(render(&LedgerPage {
        l,
        user_id: id,
        username: ledger.username,
        reputation: ledger.reputation,
        entries,
        pager: Pager::new(page, 50, ledger.entries.total, |n| {
            format!("/users/{id}/reputation?page={n}")
        }),
        privileges,
    }))
}

#[derive(Template)]
#[template(path = "privileges.html")]
struct PrivilegesPage {
    l: Layout,
    privileges: Vec<PrivilegeView>,
    reputation: Option<i64>,
}

async fn privileges(State(state): State<AppState>, l: Layout) -> Result<Response, PageError> {
    let privileges = state
        .app
        .privileges_for(l.user.as_ref())
        .await?
        .into_iter()
        .map(|p| PrivilegeView {
            description: p.privilege.describe(),
            needed: p.needed,
            held: p.held,
        })
        .collect();
    let reputation = l.user.as_ref().map(|u| u.reputation);
    Ok(render(&PrivilegesPage {
        l,
        privileges,
        reputation,
    }))
}
