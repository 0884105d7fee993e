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
    Ok(Json(UserProfile {
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
