//! `/auth/signup`, `/auth/login` and `/me`.

use super::dto::UserRef;
use super::ApiJson;
use crate::auth::{user_agent, ClientIp};
use crate::error::{ApiError, ErrorBody};
use crate::AppState;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::Json;
use serde::{Deserialize, Serialize};
use stoa_app::{AuthUser, Credentials, SignupInput};
use utoipa::ToSchema;

/// A new account.
#[derive(Deserialize, ToSchema)]
pub struct SignupBody {
    /// 3–30 letters, digits, `_`, `.` or `-`.
    pub username: String,
    /// A valid e-mail address.
    pub email: String,
    /// At least 8 characters.
    pub password: String,
}

/// Credentials.
#[derive(Deserialize, ToSchema)]
pub struct LoginBody {
    /// Username or e-mail address.
    pub login: String,
    /// Password.
    pub password: String,
    /// The six-digit code from the authenticator app, or a recovery code, when the account
    /// has two-factor sign-in (else `401 totp_required`).
    #[serde(default)]
    pub totp: Option<String>,
}

/// The answer to a sign-up.
#[derive(Serialize, ToSchema)]
pub struct SignupResponse {
    /// The new user.
    pub user: UserRef,
    /// A personal access token; shown once.
    pub token: String,
}

/// The answer to a log-in.
#[derive(Serialize, ToSchema)]
pub struct LoginResponse {
    /// A new personal access token; shown once.
    pub token: String,
    /// The user.
    pub user: UserRef,
}

impl From<&AuthUser> for UserRef {
    fn from(u: &AuthUser) -> Self {
        UserRef {
            id: u.id,
            username: u.username.clone(),
        }
    }
}

/// Creates an account and returns a token for it.
#[utoipa::path(post, path = "/api/v1/auth/signup", tag = "accounts", request_body = SignupBody,
    responses(
        (status = 201, body = SignupResponse, description = "Account created"),
        (status = 409, body = ErrorBody, description = "Username or e-mail taken"),
        (status = 422, body = ErrorBody, description = "A field breaks a rule"),
        (status = 429, body = ErrorBody, description = "Too many sign-ups from this address"),
    ))]
pub async fn signup(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    ApiJson(body): ApiJson<SignupBody>,
) -> Result<(StatusCode, Json<SignupResponse>), ApiError> {
    let s = state
        .app
        .sign_up_with_token(SignupInput {
            username: body.username,
            email: body.email,
            password: body.password,
            ip,
            device: None,
        })
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(SignupResponse {
            user: UserRef::from(&s.user),
            token: s.secret,
        }),
    ))
}

/// Exchanges a username or e-mail and password for a new token.
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "accounts", request_body = LoginBody,
    responses(
        (status = 200, body = LoginResponse, description = "Logged in"),
        (status = 401, body = ErrorBody, description = "Wrong username or password; `totp_required` or `invalid_totp` for the second factor"),
        (status = 429, body = ErrorBody, description = "Too many attempts; see Retry-After"),
    ))]
pub async fn login(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    ApiJson(body): ApiJson<LoginBody>,
) -> Result<Json<LoginResponse>, ApiError> {
    let s = state
        .app
        .log_in_with_token(Credentials {
            login: body.login,
            password: body.password,
            ip,
            user_agent: user_agent(&headers),
            device: None,
            totp: body.totp,
        })
        .await?;
    Ok(Json(LoginResponse {
        token: s.secret,
        user: UserRef::from(&s.user),
    }))
}
