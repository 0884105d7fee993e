//! The account's own credentials: personal access tokens with scopes, sessions, the password.

use super::{parse_id, ApiJson};
use crate::auth::{cookie, ApiUser, SESSION_COOKIE};
use crate::error::{ApiError, ErrorBody};
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::Json;
use serde::{Deserialize, Serialize};
use stoa_app::{App, SessionRow, TokenInput, TokenRow};
use stoa_domain::time::format_rfc3339;
use stoa_domain::tokens::Scopes;
use utoipa::ToSchema;

/// A personal access token (never its secret, except once at creation).
#[derive(Serialize, ToSchema)]
pub struct TokenJson {
    /// Id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// Scopes: `read`, `write`, `moderate`, `admin`, `tickets`.
    pub scopes: Vec<String>,
    /// Created (RFC 3339).
    pub created_at: String,
    /// Last used, to the minute.
    pub last_used_at: Option<String>,
    /// Expiry, if any.
    pub expires_at: Option<String>,
}

fn token_json(t: &TokenRow) -> TokenJson {
    TokenJson {
        id: t.id,
        name: t.name.clone(),
        scopes: Scopes::from_stored(&t.scopes)
            .names()
            .into_iter()
            .map(String::from)
            .collect(),
        created_at: format_rfc3339(t.created_at),
        last_used_at: t.last_used_at.map(format_rfc3339),
        expires_at: t.expires_at.map(format_rfc3339),
    }
}

/// The tokens.
#[derive(Serialize, ToSchema)]
pub struct TokenList {
    /// Live tokens, newest first.
    pub items: Vec<TokenJson>,
}

/// Your personal access tokens. Needs a log-in token (not a personal one).
#[utoipa::path(get, path = "/api/v1/me/tokens", tag = "accounts", security(("bearer" = [])),
    responses((status = 200, body = TokenList), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn list_tokens(
    State(state): State<AppState>,
    ApiUser(u): ApiUser,
) -> Result<Json<TokenList>, ApiError> {
    let tokens = state.app.personal_tokens(&u).await?;
    Ok(Json(TokenList {
        items: tokens.iter().map(token_json).collect(),
    }))
}

/// A new token.
#[derive(Deserialize, ToSchema)]
pub struct TokenBody {
    /// A name to recognise it by (1–100 characters).
    pub name: String,
    /// At least one of `read`, `write`, `moderate`, `admin`, `tickets`.
    pub scopes: Vec<String>,
    /// Expiry (RFC 3339), within 366 days; none by default.
    pub expires_at: Option<String>,
}

/// A token just created.
#[derive(Serialize, ToSchema)]
pub struct CreatedToken {
    /// Id.
    pub id: i64,
    /// The secret: send it as `Authorization: Bearer <token>`. Shown once, stored hashed.
    pub token: String,
    /// The stored token.
    #[serde(flatten)]
    pub details: TokenJson,
}

/// Creates a personal access token with scopes; the secret is in the answer, once. A token
/// never exceeds its owner's rights.
#[utoipa::path(post, path = "/api/v1/me/tokens", tag = "accounts", request_body = TokenBody, security(("bearer" = [])),
    responses((status = 201, body = CreatedToken), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_token(
    State(state): State<AppState>,
    ApiUser(u): ApiUser,
    ApiJson(b): ApiJson<TokenBody>,
) -> Result<(StatusCode, Json<CreatedToken>), ApiError> {
    let t = state
        .app
        .create_personal_token(
            &u,
            TokenInput {
                name: b.name,
                scopes: b.scopes,
                expires_at: b.expires_at,
            },
        )
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(CreatedToken {
            id: t.token.id,
            token: t.secret,
            details: token_json(&t.token),
        }),
    ))
}

/// Revokes a token at once.
#[utoipa::path(delete, path = "/api/v1/me/tokens/{id}", tag = "accounts", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Token id")),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn revoke_token(
    State(state): State<AppState>,
    ApiUser(u): ApiUser,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    state.app.revoke_personal_token(&u, parse_id(&id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A browser session.
#[derive(Serialize, ToSchema)]
pub struct SessionJson {
    /// Id (not the cookie).
    pub id: String,
    /// Started (RFC 3339).
    pub created_at: String,
    /// Last used, to five minutes.
    pub last_used_at: String,
    /// Ends.
    pub expires_at: String,
    /// Address at log-in.
    pub ip: String,
    /// Browser at log-in.
    pub user_agent: String,
    /// The session of the browser making this request.
    pub current: bool,
}

pub(crate) fn session_json(s: &SessionRow, current: Option<&str>) -> SessionJson {
    SessionJson {
        id: s.id.clone(),
        created_at: format_rfc3339(s.created_at),
        last_used_at: format_rfc3339(s.last_seen_at),
        expires_at: format_rfc3339(s.expires_at),
        ip: s.ip.clone(),
        user_agent: s.user_agent.clone(),
        current: current == Some(s.id.as_str()),
    }
}

/// The sessions.
#[derive(Serialize, ToSchema)]
pub struct SessionList {
    /// Live sessions, most recently used first.
    pub items: Vec<SessionJson>,
}

/// Your browser sessions: where you are logged in.
#[utoipa::path(get, path = "/api/v1/me/sessions", tag = "accounts", security(("bearer" = [])),
    responses((status = 200, body = SessionList), (status = 403, body = ErrorBody)))]
pub async fn list_sessions(
    State(state): State<AppState>,
    ApiUser(u): ApiUser,
    headers: HeaderMap,
) -> Result<Json<SessionList>, ApiError> {
    let current = cookie(&headers, SESSION_COOKIE).map(|c| App::session_id_of(&c));
    let sessions = state.app.sessions(&u).await?;
    Ok(Json(SessionList {
        items: sessions
            .iter()
            .map(|s| session_json(s, current.as_deref()))
            .collect(),
    }))
}

/// Ends a session: that browser is logged out.
#[utoipa::path(delete, path = "/api/v1/me/sessions/{id}", tag = "accounts", security(("bearer" = [])),
    params(("id" = String, Path, description = "Session id")),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn end_session(
    State(state): State<AppState>,
    ApiUser(u): ApiUser,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    state.app.end_session(&u, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A password change.
#[derive(Deserialize, ToSchema)]
pub struct PasswordBody {
    /// The current password.
    pub current: String,
    /// The new one (at least 8 characters).
    pub new: String,
}

/// Changes the password; every other session and log-in token ends (the token of this
/// request stays; personal access tokens stay too).
#[utoipa::path(post, path = "/api/v1/me/password", tag = "accounts", request_body = PasswordBody, security(("bearer" = [])),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn change_password(
    State(state): State<AppState>,
    ApiUser(u): ApiUser,
    headers: HeaderMap,
    ApiJson(b): ApiJson<PasswordBody>,
) -> Result<StatusCode, ApiError> {
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.get(7..))
        .map(str::trim);
    state
        .app
        .change_password(&u, &b.current, &b.new, None, bearer)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
