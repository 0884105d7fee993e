//! `/me/totp`: enrolling an authenticator app, recovery codes, turning two-factor sign-in off.

use super::ApiJson;
use crate::auth::ApiUser;
use crate::error::{ApiError, ErrorBody};
use crate::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use stoa_domain::time::format_rfc3339;
use utoipa::ToSchema;

/// Where two-factor sign-in stands.
#[derive(Serialize, ToSchema)]
pub struct TotpStatus {
    /// Sign-in asks for a code.
    pub enabled: bool,
    /// Since when (RFC 3339).
    pub since: Option<String>,
    /// An enrolment waits for its first code.
    pub pending: bool,
    /// Unused recovery codes.
    pub recovery_codes_left: i64,
    /// The site requires it of this account's role.
    pub required: bool,
}

/// A started enrolment.
#[derive(Serialize, ToSchema)]
pub struct TotpBegin {
    /// The shared secret, Base32 (to type into the app by hand).
    pub secret: String,
    /// The `otpauth://totp/…` URI (what the QR code on the settings page carries).
    pub otpauth_url: String,
}

/// A code from the authenticator.
#[derive(Deserialize, ToSchema)]
pub struct CodeBody {
    /// Six digits.
    pub code: String,
}

/// The password, asked again.
#[derive(Deserialize, ToSchema)]
pub struct PasswordAgain {
    /// The current password.
    pub password: String,
}

/// Recovery codes, shown once.
#[derive(Serialize, ToSchema)]
pub struct RecoveryCodes {
    /// Each works once in place of a code, for when the authenticator is lost.
    pub recovery_codes: Vec<String>,
}

/// Two-factor sign-in's state. Needs a log-in token.
#[utoipa::path(get, path = "/api/v1/me/totp", tag = "accounts", security(("bearer" = [])),
    responses((status = 200, body = TotpStatus), (status = 403, body = ErrorBody)))]
pub async fn status(
    State(state): State<AppState>,
    ApiUser(u): ApiUser,
) -> Result<Json<TotpStatus>, ApiError> {
    let s = state.app.two_factor_status(&u).await?;
    Ok(Json(TotpStatus {
        enabled: s.enabled,
        since: s.since.map(format_rfc3339),
        pending: s.pending.is_some(),
        recovery_codes_left: s.recovery_codes_left,
        required: s.required,
    }))
}

/// Starts enrolling an authenticator app (RFC 6238 TOTP, SHA-1, 6 digits, 30 s): returns the
/// secret and the `otpauth://` URI. Sign-in asks for codes only once the enrolment is
/// confirmed.
#[utoipa::path(post, path = "/api/v1/me/totp", tag = "accounts", security(("bearer" = [])),
    responses((status = 201, body = TotpBegin), (status = 403, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "Two-factor sign-in is on already")))]
pub async fn begin(
    State(state): State<AppState>,
    ApiUser(u): ApiUser,
) -> Result<(StatusCode, Json<TotpBegin>), ApiError> {
    let e = state.app.begin_totp(&u).await?;
    Ok((
        StatusCode::CREATED,
        Json(TotpBegin {
            secret: e.secret,
            otpauth_url: e.otpauth_url,
        }),
    ))
}

/// Confirms the enrolment with a current code; returns ten recovery codes, shown this once.
#[utoipa::path(post, path = "/api/v1/me/totp/confirm", tag = "accounts", request_body = CodeBody, security(("bearer" = [])),
    responses((status = 200, body = RecoveryCodes),
        (status = 401, body = ErrorBody, description = "`invalid_totp`: wrong or used code"),
        (status = 403, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn confirm(
    State(state): State<AppState>,
    ApiUser(u): ApiUser,
    ApiJson(b): ApiJson<CodeBody>,
) -> Result<Json<RecoveryCodes>, ApiError> {
    let recovery_codes = state.app.confirm_totp(&u, &b.code).await?;
    Ok(Json(RecoveryCodes { recovery_codes }))
}

/// Replaces the recovery codes (the old ones stop working), after the password.
#[utoipa::path(post, path = "/api/v1/me/totp/recovery-codes", tag = "accounts", request_body = PasswordAgain, security(("bearer" = [])),
    responses((status = 200, body = RecoveryCodes), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn recovery_codes(
    State(state): State<AppState>,
    ApiUser(u): ApiUser,
    ApiJson(b): ApiJson<PasswordAgain>,
) -> Result<Json<RecoveryCodes>, ApiError> {
    let recovery_codes = state.app.new_recovery_codes(&u, &b.password).await?;
    Ok(Json(RecoveryCodes { recovery_codes }))
}

/// Turns two-factor sign-in off, after the password (refused when the site requires it of
/// the account's role).
#[utoipa::path(post, path = "/api/v1/me/totp/disable", tag = "accounts", request_body = PasswordAgain, security(("bearer" = [])),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn disable(
    State(state): State<AppState>,
    ApiUser(u): ApiUser,
    ApiJson(b): ApiJson<PasswordAgain>,
) -> Result<StatusCode, ApiError> {
    state.app.disable_totp(&u, &b.password).await?;
    Ok(StatusCode::NO_CONTENT)
}
