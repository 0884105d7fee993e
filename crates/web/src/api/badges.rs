//! Badges: the catalogue with its holders, one badge's holders, a person's badges, and
//! awarding now.

use super::dto::UserRef;
use super::{parse_id, ApiQuery};
use crate::auth::ApiUser;
use crate::error::{ApiError, ErrorBody};
use crate::AppState;
use axum::extract::{Path, State};
use axum::Json;
use serde::{Deserialize, Serialize};
use stoa_app::{BadgeInfo, Held};
use stoa_domain::time::format_rfc3339;
use utoipa::{IntoParams, ToSchema};

/// A badge.
#[derive(Serialize, ToSchema)]
pub struct BadgeJson {
    /// Stable key (`se:Name` for badges imported from Stack Exchange).
    pub key: String,
    /// Name.
    pub name: String,
    /// `bronze`, `silver` or `gold`.
    pub tier: String,
    /// How it is earned.
    pub description: String,
    /// Imported from Stack Exchange.
    pub imported: bool,
    /// People holding it.
    pub holders: i64,
}

fn badge_json(b: &BadgeInfo) -> BadgeJson {
    BadgeJson {
        key: b.key.clone(),
        name: b.name.clone(),
        tier: b.tier.as_str().to_string(),
        description: b.description.clone(),
        imported: b.imported,
        holders: b.holders,
    }
}

/// The catalogue.
#[derive(Serialize, ToSchema)]
pub struct BadgeList {
    /// Stoa's badges in catalogue order, then imported ones (gold first).
    pub badges: Vec<BadgeJson>,
}

/// Every badge with its number of holders.
#[utoipa::path(get, path = "/api/v1/badges", tag = "badges", responses((status = 200, body = BadgeList)))]
pub async fn list(State(state): State<AppState>) -> Result<Json<BadgeList>, ApiError> {
    let all = state.app.badge_catalogue().await?;
    Ok(Json(BadgeList {
        badges: all.iter().map(badge_json).collect(),
    }))
}

/// Paging.
#[derive(Deserialize, IntoParams)]
pub struct HolderParams {
    /// Page number, from 1.
    pub page: Option<i64>,
    /// Items per page, 1–100 (default 50).
    pub per_page: Option<i64>,
}

/// A holder of a badge.
#[derive(Serialize, ToSchema)]
pub struct HolderJson {
    /// Who.
    pub user: UserRef,
    /// When first earned (RFC 3339).
    pub awarded_at: String,
    /// How many times (imported badges can repeat).
    pub times: i64,
}

/// A badge and a page of its holders.
#[derive(Serialize, ToSchema)]
pub struct BadgeHolders {
    /// The badge.
    pub badge: BadgeJson,
    /// Most recent first.
    pub items: Vec<HolderJson>,
    /// Holders in all.
    pub total: i64,
}

/// One badge and who holds it.
#[utoipa::path(get, path = "/api/v1/badges/{key}", tag = "badges",
    params(("key" = String, Path, description = "Badge key"), HolderParams),
    responses((status = 200, body = BadgeHolders), (status = 404, body = ErrorBody)))]
pub async fn show(
    State(state): State<AppState>,
    Path(key): Path<String>,
    ApiQuery(p): ApiQuery<HolderParams>,
) -> Result<Json<BadgeHolders>, ApiError> {
    let (badge, page) = state.app.badge_holders(&key, p.page, p.per_page).await?;
    Ok(Json(BadgeHolders {
        badge: badge_json(&badge),
        items: page
            .items
            .into_iter()
            .map(|h| HolderJson {
                user: UserRef {
                    id: h.user_id,
                    username: h.username,
                },
                awarded_at: format_rfc3339(h.awarded_at),
                times: h.times,
            })
            .collect(),
        total: page.total,
    }))
}

/// A badge someone holds.
#[derive(Serialize, ToSchema)]
pub struct HeldJson {
    /// Key.
    pub key: String,
    /// Name.
    pub name: String,
    /// `bronze`, `silver` or `gold`.
    pub tier: String,
    /// Imported from Stack Exchange.
    pub imported: bool,
    /// When first earned (RFC 3339).
    pub awarded_at: String,
    /// How many times.
    pub times: i64,
}

pub(crate) fn held_json(h: &Held) -> HeldJson {
    HeldJson {
        key: h.badge.key.clone(),
        name: h.badge.name.clone(),
        tier: h.badge.tier.as_str().to_string(),
        imported: h.badge.imported,
        awarded_at: format_rfc3339(h.awarded_at),
        times: h.times,
    }
}

/// A person's badges.
#[derive(Serialize, ToSchema)]
pub struct UserBadges {
    /// Most recent first.
    pub badges: Vec<HeldJson>,
}

/// The badges a person holds.
#[utoipa::path(get, path = "/api/v1/users/{id}/badges", tag = "badges",
    params(("id" = i64, Path, description = "User id")),
    responses((status = 200, body = UserBadges), (status = 404, body = ErrorBody)))]
pub async fn of_user(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<UserBadges>, ApiError> {
    let id = parse_id(&id)?;
    let held = state.app.user_badges(id).await?;
    Ok(Json(UserBadges {
        badges: held.iter().map(held_json).collect(),
    }))
}

/// What an awarding run gave.
#[derive(Serialize, ToSchema)]
pub struct Awarded {
    /// Badges given now.
    pub awarded: usize,
}

/// Awards every earned badge now instead of at the next hourly run (admins).
#[utoipa::path(post, path = "/api/v1/admin/badges/award", tag = "badges", security(("bearer" = [])),
    responses((status = 200, body = Awarded), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn award(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
) -> Result<Json<Awarded>, ApiError> {
    Ok(Json(Awarded {
        awarded: state.app.award_badges_now(&user).await?,
    }))
}
