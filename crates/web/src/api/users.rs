//! Public user profiles and tags.

use super::{parse_id, ApiQuery};
use crate::error::{ApiError, ErrorBody};
use crate::AppState;
use axum::extract::{Path, State};
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// A public profile.
#[derive(Serialize, ToSchema)]
pub struct UserProfile {
    /// Id.
    pub id: i64,
    /// Username.
    pub username: String,
    /// `member`, `agent`, `moderator` or `admin`.
    pub role: String,
    /// Reputation points.
    pub reputation: i64,
    /// Trust level derived from reputation (0–4).
    pub trust_level: i64,
    /// When they joined.
    pub created_at: String,
    /// Live questions and answers.
    pub post_count: i64,
    /// What their contributions did.
    pub impact: ImpactJson,
}

/// A person's impact.
#[derive(Serialize, ToSchema)]
pub struct ImpactJson {
    /// Searches that ended "solved" on their answer or article.
    pub people_helped: i64,
    /// Their answers accepted by the asker.
    pub accepted_answers: i64,
    /// Their knowledge-base articles.
    pub articles: i64,
    /// Badges held, by tier.
    pub badges: TierCounts,
    /// Closed reward periods (absent when the person keeps them private).
    pub rewards: Option<Vec<PastRewardJson>>,
}

/// Badges by tier.
#[derive(Serialize, ToSchema, Default)]
pub struct TierCounts {
    /// Gold badges.
    pub gold: i64,
    /// Silver badges.
    pub silver: i64,
    /// Bronze badges.
    pub bronze: i64,
}

/// A closed reward period's result.
#[derive(Serialize, ToSchema)]
pub struct PastRewardJson {
    /// The period.
    pub period_id: i64,
    /// Points counted.
    pub points: i64,
    /// Amount in minor units.
    pub amount_minor: i64,
    /// ISO 4217 code.
    pub currency: String,
    /// Whether they declined the payout.
    pub declined: bool,
}

/// A user's public profile.
#[utoipa::path(get, path = "/api/v1/users/{id}", tag = "users", params(("id" = i64, Path, description = "User id")),
    responses((status = 200, body = UserProfile), (status = 404, body = ErrorBody)))]
pub async fn show(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<UserProfile>, ApiError> {
    let id = parse_id(&id)?;
    let u = state.app.user(id).await?;
    let (posts, _) = state.app.user_posts(id, Some(1), Some(1)).await?;
    let im = state.app.profile_impact(id, None).await?;
    let mut badges = TierCounts::default();
    for h in &im.badges {
        match h.badge.tier {
            stoa_domain::badges::Tier::Gold => badges.gold += 1,
            stoa_domain::badges::Tier::Silver => badges.silver += 1,
            stoa_domain::badges::Tier::Bronze => badges.bronze += 1,
        }
    }
    let impact = ImpactJson {
        people_helped: im.impact.people_helped,
        accepted_answers: im.impact.accepted_answers,
        articles: im.impact.articles,
        badges,
        rewards: im.rewards.map(|rs| {
            rs.into_iter()
                .map(|r| PastRewardJson {
                    period_id: r.period_id,
                    points: r.points,
                    amount_minor: r.amount_minor,
                    currency: r.currency,
                    declined: r.declined,
                })
                .collect()
        }),
    };
    Ok(Json(UserProfile {
        impact,
        id: u.id,
        username: u.username,
        role: u.role.as_str().to_string(),
        reputation: u.reputation,
        trust_level: stoa_domain::policy::trust_level(u.reputation),
        created_at: stoa_domain::time::format_rfc3339(u.created_at),
        post_count: posts.total,
    }))
}

/// Tag list filters.
#[derive(Deserialize, IntoParams)]
pub struct TagParams {
    /// Only tags starting with this.
    pub q: Option<String>,
    /// Page number, from 1.
    pub page: Option<i64>,
    /// Items per page, 1–100 (default 60).
    pub per_page: Option<i64>,
}

/// A tag.
#[derive(Serialize, ToSchema)]
pub struct Tag {
    /// Name.
    pub name: String,
    /// Live questions with it.
    pub question_count: i64,
}

/// A page of tags.
#[derive(Serialize, ToSchema)]
pub struct TagList {
    /// This page.
    pub items: Vec<Tag>,
    /// All matching.
    pub total: i64,
}

/// Tags in use, most popular first.
#[utoipa::path(get, path = "/api/v1/tags", tag = "questions", params(TagParams),
    responses((status = 200, body = TagList), (status = 422, body = ErrorBody)))]
pub async fn tags(
    State(state): State<AppState>,
    ApiQuery(p): ApiQuery<TagParams>,
) -> Result<Json<TagList>, ApiError> {
    let page = state
        .app
        .list_tags(p.q.as_deref(), p.page, p.per_page)
        .await?;
    Ok(Json(TagList {
        items: page
            .items
            .into_iter()
            .map(|t| Tag {
                name: t.name,
                question_count: t.question_count,
            })
            .collect(),
        total: page.total,
    }))
}
