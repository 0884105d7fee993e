//! `/settings/two-factor`: enrolling an authenticator app with a QR code drawn on the server,
//! recovery codes shown once, and turning two-factor sign-in off.

use super::{render, Layout};
use crate::auth::PageUser;
use crate::csrf::CsrfForm;
use crate::error::{PageError, Problem};
use crate::AppState;
use askama::Template;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;
use std::collections::HashMap;
use stoa_app::{AppError, AuthUser};
use stoa_domain::time::format_utc;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/settings/two-factor", get(page))
        .route("/settings/two-factor/begin", post(begin))
        .route("/settings/two-factor/confirm", post(confirm))
        .route("/settings/two-factor/recovery-codes", post(recovery_codes))
        .route("/settings/two-factor/disable", post(disable))
}

/// An enrolment waiting for its first code.
struct Pending {
    secret: String,
    /// The QR code of the `otpauth://` URI, as an SVG document.
    qr_svg: String,
}

#[derive(Template)]
#[template(path = "settings_two_factor.html")]
struct TwoFactorPage {
    l: Layout,
    enabled: bool,
    since: Option<String>,
    codes_left: i64,
    required: bool,
    pending: Option<Pending>,
    recovery_codes: Vec<String>,
    error: Option<Problem>,
    notice: Option<&'static str>,
}

/// The QR code of `text` as SVG; `None` when it does not fit a QR code.
fn qr_svg(text: &str) -> Option<String> {
    let code = qrcode::QrCode::new(text.as_bytes()).ok()?;
    Some(
        code.render::<qrcode::render::svg::Color<'_>>()
            .min_dimensions(200, 200)
            .quiet_zone(true)
            .build(),
    )
}

async fn show(
    state: &AppState,
    u: &AuthUser,
    l: Layout,
    recovery_codes: Vec<String>,
    error: Option<Problem>,
    notice: Option<&'static str>,
) -> Result<Response, PageError> {
    let s = state.app.two_factor_status(u).await?;
    let status = error.as_ref().map(|e| e.status);
    let page = TwoFactorPage {
        l,
        enabled: s.enabled,
        since: s.since.map(format_utc),
        codes_left: s.recovery_codes_left,
        required: s.required,
        pending: s.pending.map(|p| Pending {
            qr_svg: qr_svg(&p.otpauth_url).unwrap_or_default(),
            secret: p.secret,
        }),
        recovery_codes,
        error,
        notice,
    };
    let mut res = render(&page);
    if let Some(status) = status {
        *res.status_mut() = status;
    }
    Ok(res)
}

#[derive(Deserialize)]
struct Done {
    done: Option<String>,
}

async fn page(
    State(state): State<AppState>,
    PageUser(u): PageUser,
    l: Layout,
    Query(q): Query<Done>,
) -> Result<Response, PageError> {
    let notice = match q.done.as_deref() {
        Some("off") => Some("Two-factor sign-in is off. Your password alone signs you in now."),
        _ => None,
    };
    show(&state, &u, l, Vec::new(), None, notice).await
}

async fn begin(
    State(state): State<AppState>,
    PageUser(u): PageUser,
    l: Layout,
    CsrfForm(_): CsrfForm<serde::de::IgnoredAny>,
) -> Result<Response, PageError> {
    match state.app.begin_totp(&u).await {
        Ok(_) => Ok(Redirect::to("/settings/two-factor").into_response()),
        Err(e @ AppError::Conflict { .. }) => {
            show(&state, &u, l, Vec::new(), Some(e.into()), None).await
        }
        Err(e) => Err(e.into()),
    }
}

/// Problems the forms show on the page rather than as an error page.
fn shown(e: &AppError) -> bool {
    matches!(
        e,
        AppError::Invalid { .. }
            | AppError::SecondFactor { .. }
            | AppError::RateLimited { .. }
            | AppError::Refused { .. }
            | AppError::Conflict { .. }
    )
}

async fn confirm(
    State(state): State<AppState>,
    PageUser(u): PageUser,
    l: Layout,
    CsrfForm(form): CsrfForm<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let code = form.get("code").map(String::as_str).unwrap_or("");
    match state.app.confirm_totp(&u, code).await {
        // Shown once, on this response only: a reload does not show them again.
        Ok(codes) => {
            let notice =
                Some("Two-factor sign-in is on. Keep these recovery codes somewhere safe.");
            show(&state, &u, l, codes, None, notice).await
        }
        Err(e) if shown(&e) => show(&state, &u, l, Vec::new(), Some(e.into()), None).await,
        Err(e) => Err(e.into()),
    }
}

async fn recovery_codes(
    State(state): State<AppState>,
    PageUser(u): PageUser,
    l: Layout,
    CsrfForm(form): CsrfForm<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let password = form.get("password").map(String::as_str).unwrap_or("");
    match state.app.new_recovery_codes(&u, password).await {
        Ok(codes) => {
            let notice = Some("New recovery codes: the old ones no longer work.");
            show(&state, &u, l, codes, None, notice).await
        }
        Err(e) if shown(&e) => show(&state, &u, l, Vec::new(), Some(e.into()), None).await,
        Err(e) => Err(e.into()),
    }
}

async fn disable(
    State(state): State<AppState>,
    PageUser(u): PageUser,
    l: Layout,
    CsrfForm(form): CsrfForm<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let password = form.get("password").map(String::as_str).unwrap_or("");
    match state.app.disable_totp(&u, password).await {
        Ok(()) => Ok(Redirect::to("/settings/two-factor?done=off").into_response()),
        Err(e) if shown(&e) => show(&state, &u, l, Vec::new(), Some(e.into()), None).await,
        Err(e) => Err(e.into()),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn qr_codes_render_as_svg() {
        let svg =
            super::qr_svg("otpauth://totp/Stoa:ana?secret=ABC&issuer=Stoa").unwrap_or_default();
        assert!(svg.contains("<svg") && svg.contains("</svg>"));
    }
}
