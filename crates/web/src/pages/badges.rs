//! Badges for people: `/badges` (the catalogue by tier with how to earn each and how many hold
//! it, then badges imported from Stack Exchange) and `/badges/{key}` (who holds one).

use super::view::{parse_page, Pager, When};
use super::{render, Layout};
use crate::error::PageError;
use crate::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use serde::Deserialize;
use stoa_app::BadgeInfo;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/badges", get(catalogue))
        .route("/badges/{key}", get(holders))
}

/// A badge's link on pages (imported keys hold a colon and spaces).
pub fn badge_href(key: &str) -> String {
    format!("/badges/{}", super::url_encode(key))
}

/// One badge's line.
pub struct BadgeLine {
    pub href: String,
    pub name: String,
    pub tier: &'static str,
    pub tier_label: &'static str,
    pub description: String,
    pub holders: i64,
}

fn line(b: &BadgeInfo) -> BadgeLine {
    BadgeLine {
        href: badge_href(&b.key),
        name: b.name.clone(),
        tier: b.tier.as_str(),
        tier_label: b.tier.label(),
        description: b.description.clone(),
        holders: b.holders,
    }
}

#[derive(Template)]
#[template(path = "badges.html")]
struct CataloguePage {
    l: Layout,
    own: Vec<BadgeLine>,
    imported: Vec<BadgeLine>,
}

async fn catalogue(State(state): State<AppState>, l: Layout) -> Result<Response, PageError> {
    let all = state.app.badge_catalogue().await?;
    let (imported, own): (Vec<_>, Vec<_>) = all.iter().partition(|b| b.imported);
    Ok(render(&CataloguePage {
        l,
        own: own.into_iter().map(line).collect(),
        imported: imported.into_iter().map(line).collect(),
    }))
}

struct HolderLine {
    user_id: i64,
    username: String,
    when: When,
    times: i64,
}

#[derive(Template)]
#[template(path = "badge.html")]
struct HoldersPage {
    l: Layout,
    badge: BadgeLine,
    imported: bool,
    holders: Vec<HolderLine>,
    pager: Pager,
}

#[derive(Deserialize)]
struct PageQuery {
    page: Option<String>,
}

async fn holders(
    State(state): State<AppState>,
    l: Layout,
    Path(key): Path<String>,
    Query(q): Query<PageQuery>,
) -> Result<Response, PageError> {
    let page = parse_page(q.page.as_deref());
    let per_page = 50;
    let (badge, rows) = state
        .app
        .badge_holders(&key, Some(page), Some(per_page))
        .await?;
    let now = stoa_app::now();
    let href = badge_href(&badge.key);
    Ok(render(&HoldersPage {
        l,
        imported: badge.imported,
        holders: rows
            .items
            .into_iter()
            .map(|h| HolderLine {
                user_id: h.user_id,
                username: h.username,
                when: When::at(h.awarded_at, now),
                times: h.times,
            })
            .collect(),
        pager: Pager::new(page, per_page, rows.total, |n| format!("{href}?page={n}")),
        badge: line(&badge),
    }))
}
