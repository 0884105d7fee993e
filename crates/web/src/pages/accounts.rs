//! Sign-up, log-in and log-out forms.

use super::{render, safe_next, Layout};
use crate::auth::{user_agent, ClientIp, SESSION_COOKIE};
use crate::csrf::CsrfForm;
use crate::error::{PageError, Problem};
use crate::AppState;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;
use stoa_app::{AppError, Credentials, SessionLogin, SignupInput};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/signup", get(new_signup).post(create_signup))
        .route("/login", get(new_login).post(create_login))
        .route("/login/code", post(login_code))
        .route("/logout", post(logout))
}

#[derive(Template)]
#[template(path = "signup.html")]
struct SignupPage {
    l: Layout,
    username: String,
    email: String,
    error: Option<Problem>,
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    l: Layout,
    login: String,
    next: String,
    error: Option<Problem>,
    /// Single sign-on providers.
    providers: Vec<super::sso::ProviderLink>,
}

/// The second step of a log-in: the code from the authenticator app.
#[derive(Template)]
#[template(path = "login_code.html")]
struct LoginCodePage {
    l: Layout,
    ticket: String,
    next: String,
    error: Option<Problem>,
}

/// The second step's form.
#[derive(Deserialize)]
struct LoginCodeForm {
    #[serde(default)]
    ticket: String,
    #[serde(default)]
    code: String,
    next: Option<String>,
}

impl SignupPage {
    fn is_field(&self, name: &str) -> bool {
        self.error.as_ref().and_then(|e| e.field) == Some(name)
    }
}

#[derive(Deserialize)]
struct NextQuery {
    next: Option<String>,
}

/// The sign-up form.
#[derive(Deserialize)]
struct SignupForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    /// The honeypot: people never see it, so anything in it was typed by a bot.
    #[serde(default)]
    website: String,
}

/// The log-in form.
#[derive(Deserialize)]
struct LoginForm {
    #[serde(default)]
    login: String,
    #[serde(default)]
    password: String,
    next: Option<String>,
}

async fn new_signup(l: Layout) -> Response {
    if l.user.is_some() {
        return Redirect::to("/").into_response();
    }
    render(&SignupPage {
        l,
        username: String::new(),
        email: String::new(),
        error: None,
    })
}

async fn create_signup(
    State(state): State<AppState>,
    l: Layout,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    CsrfForm(form): CsrfForm<SignupForm>,
) -> Result<Response, PageError> {
    if !form.website.trim().is_empty() {
        // Refuse quietly: a bot that learns it was caught only tries harder.
        tracing::info!(ip = %ip, "sign-up honeypot filled; no account created");
        return Ok((StatusCode::SEE_OTHER, [(header::LOCATION, "/")]).into_response());
    }
    let device = device_of(&headers);
    let input = SignupInput {
        username: form.username.clone(),
        email: form.email.clone(),
        password: form.password,
        ip,
        device: Some(device.clone()),
    };
    match state
        .app
        .sign_up_with_session(input, &user_agent(&headers))
        .await
    {
        Ok(s) => Ok(logged_in(&state, &s.secret, "/", &device)),
        Err(e @ (AppError::Invalid { .. } | AppError::Conflict { .. })) => {
            let p = Problem::from(e);
            let status = p.status;
            let page = SignupPage {
                l,
                username: form.username,
                email: form.email,
                error: Some(p),
            };
            Ok((status, render(&page)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

async fn new_login(
    State(state): State<AppState>,
    l: Layout,
    Query(q): Query<NextQuery>,
) -> Response {
    let next = safe_next(q.next.as_deref());
    if l.user.is_some() {
        return Redirect::to(&next).into_response();
    }
    render(&LoginPage {
        l,
        login: String::new(),
        next,
        error: None,
        providers: super::sso::provider_links(&state),
    })
}

async fn create_login(
    State(state): State<AppState>,
    l: Layout,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    CsrfForm(form): CsrfForm<LoginForm>,
) -> Result<Response, PageError> {
    let next = safe_next(form.next.as_deref());
    let device = device_of(&headers);
    let creds = Credentials {
        login: form.login.clone(),
        password: form.password,
        ip,
        user_agent: user_agent(&headers),
        device: Some(device.clone()),
        totp: None,
    };
    match state.app.log_in_with_session(creds).await {
        Ok(SessionLogin::Done(s)) => Ok(logged_in(&state, &s.secret, &next, &device)),
        Ok(SessionLogin::NeedsCode { ticket }) => Ok(render(&LoginCodePage {
            l,
            ticket,
            next,
            error: None,
        })),
        Err(
            e @ (AppError::Invalid { .. }
            | AppError::Unauthenticated(_)
            | AppError::RateLimited { .. }),
        ) => {
            let page = LoginPage {
                l,
                login: form.login,
                next,
                error: None,
                providers: super::sso::provider_links(&state),
            };
            Ok(with_error(page, e, |p, e| p.error = Some(e), render))
        }
        Err(e) => Err(e.into()),
    }
}

/// Renders a form page again with the problem shown, its status, and `Retry-After` when the
/// problem is a rate limit.
fn with_error<P>(
    mut page: P,
    e: AppError,
    set: impl FnOnce(&mut P, Problem),
    show: impl FnOnce(&P) -> Response,
) -> Response {
    let p = Problem::from(e);
    let (status, retry) = (p.status, p.retry_after);
    set(&mut page, p);
    let mut res = (status, show(&page)).into_response();
    if let Some(r) = retry.and_then(|r| HeaderValue::from_str(&r.to_string()).ok()) {
        res.headers_mut().insert(header::RETRY_AFTER, r);
    }
    res
}

async fn login_code(
    State(state): State<AppState>,
    l: Layout,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    CsrfForm(form): CsrfForm<LoginCodeForm>,
) -> Result<Response, PageError> {
    let next = safe_next(form.next.as_deref());
    let device = device_of(&headers);
    let c = Credentials {
        ip,
        user_agent: user_agent(&headers),
        device: Some(device.clone()),
        ..Credentials::default()
    };
    match state
        .app
        .finish_session_login(&form.ticket, &form.code, &c)
        .await
    {
        Ok(s) => Ok(logged_in(&state, &s.secret, &next, &device)),
        // The ticket ran out (or was forged): start again from the password.
        Err(e @ AppError::Unauthenticated(_)) => {
            let page = LoginPage {
                l,
                login: String::new(),
                next,
                error: None,
                providers: super::sso::provider_links(&state),
            };
            Ok(with_error(page, e, |p, e| p.error = Some(e), render))
        }
        Err(e @ (AppError::SecondFactor { .. } | AppError::RateLimited { .. })) => {
            let page = LoginCodePage {
                l,
                ticket: form.ticket,
                next,
                error: None,
            };
            Ok(with_error(page, e, |p, e| p.error = Some(e), render))
        }
        Err(e) => Err(e.into()),
    }
}

async fn logout(
    State(state): State<AppState>,
    headers: HeaderMap,
    CsrfForm(_): CsrfForm<serde::de::IgnoredAny>,
) -> Result<Response, PageError> {
    if let Some(c) = crate::auth::cookie(&headers, SESSION_COOKIE) {
        state.app.log_out(&c).await?;
    }
    let mut res = Redirect::to("/").into_response();
    let secure = if state.web.secure_cookies {
        "; Secure"
    } else {
        ""
    };
    let cookie = format!("{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0{secure}");
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    Ok(res)
}

/// A redirect that sets the session cookie.
/// Name of the long-lived cookie that tells accounts made in one browser apart from others
/// (linked-account checks); it holds a random value and nothing else.
const DEVICE_COOKIE: &str = "stoa_device";

/// The browser's device cookie, or a fresh value to set.
pub(super) fn device_of(headers: &HeaderMap) -> String {
    crate::auth::cookie(headers, DEVICE_COOKIE)
        .filter(|v| v.len() <= 80 && v.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'))
        .unwrap_or_else(|| stoa_app::new_token("d_"))
}

pub(super) fn logged_in(state: &AppState, secret: &str, to: &str, device: &str) -> Response {
    let mut res = (StatusCode::SEE_OTHER, [(header::LOCATION, to.to_string())]).into_response();
    let secure = if state.web.secure_cookies {
        "; Secure"
    } else {
        ""
    };
    let max_age = state.app.settings().session_ttl_secs;
    let cookie = format!(
        "{SESSION_COOKIE}={secret}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}{secure}"
    );
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    let two_years = 2 * 365 * 86_400;
    let device = format!(
        "{DEVICE_COOKIE}={device}; Path=/; HttpOnly; SameSite=Lax; Max-Age={two_years}{secure}"
    );
    if let Ok(v) = HeaderValue::from_str(&device) {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    res
}
