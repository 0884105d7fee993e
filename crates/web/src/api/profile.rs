//! `/me`: the account as its owner sees it, its profile, and the change of its e-mail address.

use super::ApiJson;
use crate::auth::ApiUser;
use crate::error::{ApiError, ErrorBody};
use crate::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use stoa_app::{AuthUser, ProfileInput};
use stoa_domain::time::format_rfc3339;
use utoipa::ToSchema;

/// The authenticated user.
#[derive(Serialize, ToSchema)]
pub struct Me {
    /// Id.
    pub id: i64,
    /// Username.
    pub username: String,
    /// A name shown instead of the username, if chosen.
    pub display_name: Option<String>,
    /// E-mail address.
    pub email: Option<String>,
    /// Whether the address is confirmed.
    pub email_confirmed: bool,
    /// An address waiting for its confirmation link to be followed.
    pub pending_email: Option<String>,
    /// "About me", Markdown.
    pub about: String,
    /// `gravatar` or `none`.
    pub avatar: String,
    /// The picture's URL, when `avatar` is `gravatar`.
    pub avatar_url: Option<String>,
    /// Role in force: `member`, `agent`, `moderator` or `admin`.
    pub role: String,
    /// Whether sign-in asks for a second factor.
    pub two_factor: bool,
    /// The site requires two-factor sign-in of this account's role and it is not on yet: until
    /// it is, the account acts as a member.
    pub two_factor_required: bool,
    /// Reputation points.
    pub reputation: i64,
    /// When the account was created (RFC 3339).
    pub created_at: String,
    /// The support plan in force: assigned, else the organization's, else the default.
    pub plan: Option<super::plans::PlanRef>,
    /// When the account's deletion takes effect, if it was asked for (RFC 3339).
    pub deletion_due_at: Option<String>,
}

async fn me_json(state: &AppState, u: AuthUser) -> Result<Me, ApiError> {
    let plan = state.app.plan_of(&u).await?.map(|p| super::plans::PlanRef {
        id: p.id,
        name: p.spec.name,
    });
    let profile = state.app.profile(&u).await?;
    let deletion_due_at = state.app.deletion_due(&u).await?.map(format_rfc3339);
    Ok(Me {
        deletion_due_at,
        plan,
        id: u.id,
        username: u.username,
        display_name: profile.row.display_name,
        email: u.email,
        email_confirmed: profile.row.email_confirmed,
        pending_email: profile.row.pending_email,
        about: profile.row.about_md,
        avatar: profile.row.avatar,
        avatar_url: profile.avatar_url,
        two_factor: u.two_factor_since.is_some(),
        two_factor_required: u.role != u.stored_role,
        role: u.role.as_str().to_string(),
        reputation: u.reputation,
        created_at: format_rfc3339(u.created_at),
    })
}

/// The user the token belongs to.
#[utoipa::path(get, path = "/api/v1/me", tag = "accounts", security(("bearer" = [])),
    responses((status = 200, body = Me), (status = 401, body = ErrorBody)))]
pub async fn me(State(state): State<AppState>, ApiUser(u): ApiUser) -> Result<Json<Me>, ApiError> {
    Ok(Json(me_json(&state, u).await?))
}

/// A profile change; absent fields stay as they are.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProfileBody {
    /// Up to 50 characters; an empty string clears it.
    pub display_name: Option<String>,
    /// "About me", Markdown, up to 3,000 characters.
    pub about: Option<String>,
    /// `gravatar` or `none`.
    pub avatar: Option<String>,
}

/// Changes the display name, "about me" or avatar. Needs the `write` scope.
#[utoipa::path(patch, path = "/api/v1/me", tag = "accounts", request_body = ProfileBody, security(("bearer" = [])),
    responses((status = 200, body = Me), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update(
    State(state): State<AppState>,
    ApiUser(u): ApiUser,
    ApiJson(b): ApiJson<ProfileBody>,
) -> Result<Json<Me>, ApiError> {
    state
        .app
        .update_profile(
            &u,
            ProfileInput {
                display_name: b.display_name,
                about: b.about,
                avatar: b.avatar,
            },
        )
        .await?;
    Ok(Json(me_json(&state, u).await?))
}

/// A new address.
#[derive(Deserialize, ToSchema)]
pub struct EmailBody {
    /// The address to move the account to.
    pub email: String,
}

/// A change of address waiting for its link.
#[derive(Serialize, ToSchema)]
pub struct PendingEmail {
    /// The address the link went to.
    pub pending_email: String,
    /// When the link stops working (RFC 3339).
    pub expires_at: String,
}

/// Moves the account to another address: a link goes to the new address and the change takes
/// effect when it is followed (`POST /api/v1/auth/confirm-email` with its token); the old
/// address is then told. Needs a log-in token.
#[utoipa::path(post, path = "/api/v1/me/email", tag = "accounts", request_body = EmailBody, security(("bearer" = [])),
    responses((status = 202, body = PendingEmail), (status = 403, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "Another account uses the address"),
        (status = 422, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn change_email(
    State(state): State<AppState>,
    ApiUser(u): ApiUser,
    ApiJson(b): ApiJson<EmailBody>,
) -> Result<(StatusCode, Json<PendingEmail>), ApiError> {
    let expires_at = state.app.request_email_change(&u, &b.email).await?;
    let pending = state.app.profile(&u).await?.row.pending_email;
    Ok((
        StatusCode::ACCEPTED,
        Json(PendingEmail {
            pending_email: pending.unwrap_or(b.email),
            expires_at: format_rfc3339(expires_at),
        }),
    ))
}

/// Drops a pending change of address.
#[utoipa::path(delete, path = "/api/v1/me/email", tag = "accounts", security(("bearer" = [])),
    responses((status = 204), (status = 404, body = ErrorBody)))]
pub async fn cancel_email(
    State(state): State<AppState>,
    ApiUser(u): ApiUser,
) -> Result<StatusCode, ApiError> {
    state.app.cancel_email_change(&u).await?;
    Ok(StatusCode::NO_CONTENT)
}
