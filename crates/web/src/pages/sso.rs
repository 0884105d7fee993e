//! Single sign-on pages: `/auth/oidc/{name}/start` sends the person to their identity
//! provider; `/auth/oidc/{name}/callback` takes them back, checks who the provider says they
//! are, and signs them in.

use super::accounts::{device_of, logged_in};
use super::safe_next;
use crate::auth::{cookie, user_agent, ClientIp};
use crate::error::PageError;
use crate::AppState;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::Router;
use serde::Deserialize;
use stoa_app::{AppError, SsoClient, SsoIdentity, SsoLogin};
use stoa_sso::SsoError;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/auth/oidc/{name}/start", get(start))
        .route("/auth/oidc/{name}/callback", get(callback))
}

/// A provider on the log-in page.
pub struct ProviderLink {
    /// Its URL name.
    pub name: String,
    /// Its label.
    pub label: String,
}

/// The providers to offer on the log-in page.
pub fn provider_links(state: &AppState) -> Vec<ProviderLink> {
    state
        .sso
        .providers()
        .iter()
        .map(|p| ProviderLink {
            name: p.name.clone(),
            label: p.label.clone(),
        })
        .collect()
}

fn redirect_url(state: &AppState, name: &str) -> String {
    format!(
        "{}/auth/oidc/{name}/callback",
        state.app.settings().base_url.trim_end_matches('/')
    )
}

fn sso_error(e: SsoError) -> AppError {
    match e {
        SsoError::UnknownProvider => AppError::NotFound("sign-in provider"),
        other => {
            // The detail (addresses, token contents) is for the operator's log, not the page.
            tracing::warn!(error = %other, "single sign-on failed");
            AppError::Refused {
                code: "sso_failed",
                message: "Signing in through your identity provider did not work. Please try \
                          again, or sign in with your password."
                    .into(),
            }
        }
    }
}

#[derive(Deserialize)]
struct StartQuery {
    next: Option<String>,
}

/// Holds a sign-in's `state` in the browser that started it: a callback arriving in another
/// browser (someone else's code and state, slipped into a link) is refused, so nobody can be
/// signed in to an account that is not theirs.
const STATE_COOKIE: &str = "stoa_sso_state";

fn state_cookie(state: &AppState, value: &str, max_age: i64) -> Option<HeaderValue> {
    let secure = if state.web.secure_cookies {
        "; Secure"
    } else {
        ""
    };
    HeaderValue::from_str(&format!(
        "{STATE_COOKIE}={value}; Path=/auth/oidc; HttpOnly; SameSite=Lax; Max-Age={max_age}{secure}"
    ))
    .ok()
}

async fn start(
    State(state): State<AppState>,
    Path(name): Path<String>,
    ClientIp(ip): ClientIp,
    Query(q): Query<StartQuery>,
) -> Result<Response, PageError> {
    state.app.check_sso_start(&ip).await?;
    let started = state
        .sso
        .start(&name, &redirect_url(&state, &name))
        .await
        .map_err(sso_error)?;
    state
        .app
        .remember_sso_login(
            &started.state,
            SsoLogin {
                provider: name,
                pkce_verifier: started.pkce_verifier,
                nonce: started.nonce,
                next: safe_next(q.next.as_deref()),
            },
        )
        .await?;
    let mut res = Redirect::to(&started.url).into_response();
    if let Some(v) = state_cookie(&state, &started.state, 600) {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    Ok(res)
}

#[derive(Deserialize)]
struct CallbackQuery {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
    error_description: Option<String>,
}

async fn callback(
    State(state): State<AppState>,
    Path(name): Path<String>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    Query(q): Query<CallbackQuery>,
) -> Result<Response, PageError> {
    if let Some(error) = q.error {
        let why = q.error_description.unwrap_or(error);
        let why: String = why.chars().take(200).collect();
        return Err(AppError::Refused {
            code: "sso_refused",
            message: format!("Your identity provider did not sign you in: {why}"),
        }
        .into());
    }
    let given = q.state.as_deref().unwrap_or("");
    if given.is_empty() || cookie(&headers, STATE_COOKIE).as_deref() != Some(given) {
        return Err(AppError::Refused {
            code: "sso_expired",
            message: "This sign-in was not started in this browser, or took too long. Please \
                      start again from the log-in page."
                .into(),
        }
        .into());
    }
    let login = state.app.take_sso_login(given).await?;
    if login.provider != name {
        return Err(AppError::Refused {
            code: "sso_expired",
            message: "This sign-in belongs to another provider. Please start again.".into(),
        }
        .into());
    }
    let code = q.code.unwrap_or_default();
    let id = state
        .sso
        .finish(
            &name,
            &redirect_url(&state, &name),
            &code,
            &login.pkce_verifier,
            &login.nonce,
        )
        .await
        .map_err(sso_error)?;
    let device = device_of(&headers);
    let signed_in = state
        .app
        .sso_sign_in(
            SsoIdentity {
                provider: name,
                subject: id.subject,
                email: id.email,
                email_verified: id.email_verified,
                preferred_username: id.preferred_username,
                name: id.name,
            },
            &SsoClient {
                ip,
                user_agent: user_agent(&headers),
                device: Some(device.clone()),
            },
        )
        .await?;
    let mut res = logged_in(&state, &signed_in.secret, &login.next, &device);
    if let Some(v) = state_cookie(&state, "", 0) {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    Ok(res)
}
