//! The account's settings pages: `/settings` (an overview), `/settings/tokens` (personal access
//! tokens with scopes, the secret shown once), `/settings/sessions` (where you are logged in,
//! ending one or all others) and `/settings/password`.

use super::view::When;
use super::{render, Layout};
use crate::auth::{cookie, PageUser, SESSION_COOKIE};
use crate::csrf::CsrfForm;
use crate::error::{PageError, Problem};
use crate::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;
use std::collections::HashMap;
use stoa_app::{App, AppError, AuthUser, TokenInput};
use stoa_domain::time::format_utc;
use stoa_domain::tokens::{Scope, Scopes};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/settings", get(overview))
        .route("/settings/tokens", get(tokens).post(create_token))
        .route("/settings/tokens/{id}/revoke", post(revoke_token))
        .route("/settings/sessions", get(sessions))
        .route("/settings/sessions/{id}/end", post(end_session))
        .route("/settings/sessions/end-others", post(end_others))
        .route(
            "/settings/password",
            get(password_page).post(change_password),
        )
}

#[derive(Template)]
#[template(path = "settings.html")]
struct OverviewPage {
    l: Layout,
}

async fn overview(PageUser(_): PageUser, l: Layout) -> Response {
    render(&OverviewPage { l })
}

struct TokenLine {
    id: i64,
    name: String,
    scopes: String,
    created: When,
    last_used: Option<When>,
    expires: Option<String>,
}

struct ScopeChoice {
    name: &'static str,
    label: &'static str,
    checked: bool,
}

fn scope_label(s: Scope) -> &'static str {
    match s {
        Scope::Read => "read: everything you can read",
        Scope::Write => "write: ask, answer, comment, vote, edit, flag, follow",
        Scope::Moderate => "moderate: flags, review queues, moderation actions and appeals",
        Scope::Admin => "admin: settings, plans, rewards and jobs",
        Scope::Tickets => "tickets: the support desk",
    }
}

#[derive(Template)]
#[template(path = "settings_tokens.html")]
struct TokensPage {
    l: Layout,
    tokens: Vec<TokenLine>,
    choices: Vec<ScopeChoice>,
    name: String,
    expires: String,
    created_secret: Option<String>,
    error: Option<Problem>,
    notice: Option<&'static str>,
}

async fn tokens_page(
    state: &AppState,
    u: &AuthUser,
    l: Layout,
    form: Option<&HashMap<String, String>>,
    created_secret: Option<String>,
    error: Option<Problem>,
    notice: Option<&'static str>,
) -> Result<Response, PageError> {
    let now = stoa_app::now();
    let rows = state.app.personal_tokens(u).await?;
    let field = |k: &str| form.and_then(|f| f.get(k)).cloned().unwrap_or_default();
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let page = TokensPage {
        l,
        tokens: rows
            .iter()
            .map(|t| TokenLine {
                id: t.id,
                name: t.name.clone(),
                scopes: Scopes::from_stored(&t.scopes).names().join(", "),
                created: When::at(t.created_at, now),
                last_used: t.last_used_at.map(|at| When::at(at, now)),
                expires: t.expires_at.map(format_utc),
            })
            .collect(),
        choices: Scope::ALL
            .iter()
            .map(|s| ScopeChoice {
                name: s.as_str(),
                label: scope_label(*s),
                checked: form.is_some_and(|f| f.contains_key(&format!("scope_{}", s.as_str()))),
            })
            .collect(),
        name: field("name"),
        expires: field("expires"),
        created_secret,
        error,
        notice,
    };
    let mut res = render(&page);
    *res.status_mut() = status;
    Ok(res)
}

#[derive(Deserialize)]
struct Notice {
    revoked: Option<String>,
}

async fn tokens(
    State(state): State<AppState>,
    PageUser(u): PageUser,
    l: Layout,
    Query(q): Query<Notice>,
) -> Result<Response, PageError> {
    let notice = q
        .revoked
        .map(|_| "The token was revoked: it no longer works.");
    tokens_page(&state, &u, l, None, None, None, notice).await
}

async fn create_token(
    State(state): State<AppState>,
    PageUser(u): PageUser,
    l: Layout,
    CsrfForm(form): CsrfForm<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let scopes: Vec<String> = Scope::ALL
        .iter()
        .filter(|s| form.contains_key(&format!("scope_{}", s.as_str())))
        .map(|s| s.as_str().to_string())
        .collect();
    // A date from the form's date picker means the end of that day, UTC.
    let expires_at = form
        .get("expires")
        .map(|d| d.trim())
        .filter(|d| !d.is_empty())
        .map(|d| format!("{d}T23:59:59Z"));
    let input = TokenInput {
        name: form.get("name").cloned().unwrap_or_default(),
        scopes,
        expires_at,
    };
    match state.app.create_personal_token(&u, input).await {
        Ok(t) => tokens_page(&state, &u, l, None, Some(t.secret), None, None).await,
        Err(e @ (AppError::Invalid { .. } | AppError::Conflict { .. })) => {
            tokens_page(&state, &u, l, Some(&form), None, Some(e.into()), None).await
        }
        Err(e) => Err(e.into()),
    }
}

async fn revoke_token(
    State(state): State<AppState>,
    PageUser(u): PageUser,
    Path(id): Path<String>,
    CsrfForm(_): CsrfForm<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let id: i64 = id.parse().map_err(|_| AppError::NotFound("token"))?;
    state.app.revoke_personal_token(&u, id).await?;
    Ok(Redirect::to("/settings/tokens?revoked=1").into_response())
}

struct SessionLine {
    id: String,
    device: String,
    ip: String,
    started: When,
    last_used: When,
    current: bool,
}

#[derive(Template)]
#[template(path = "settings_sessions.html")]
struct SessionsPage {
    l: Layout,
    sessions: Vec<SessionLine>,
    ended: Option<u64>,
}

#[derive(Deserialize)]
struct Ended {
    ended: Option<u64>,
}

/// A short description of a browser from its user agent.
fn device(ua: &str) -> String {
    let browser = ["Firefox", "Edg", "Chrome", "Safari"]
        .into_iter()
        .find(|b| ua.contains(b))
        .map(|b| if b == "Edg" { "Edge" } else { b });
    let system = ["Windows", "Android", "iPhone", "iPad", "Mac OS", "Linux"]
        .into_iter()
        .find(|s| ua.contains(s))
        .map(|s| if s == "Mac OS" { "macOS" } else { s });
    match (browser, system) {
        (Some(b), Some(s)) => format!("{b} on {s}"),
        (Some(b), None) => b.to_string(),
        (None, Some(s)) => s.to_string(),
        (None, None) if ua.is_empty() => "Unknown browser".into(),
        (None, None) => ua.chars().take(60).collect(),
    }
}

async fn sessions(
    State(state): State<AppState>,
    PageUser(u): PageUser,
    l: Layout,
    headers: HeaderMap,
    Query(q): Query<Ended>,
) -> Result<Response, PageError> {
    let now = stoa_app::now();
    let current = cookie(&headers, SESSION_COOKIE).map(|c| App::session_id_of(&c));
    let rows = state.app.sessions(&u).await?;
    Ok(render(&SessionsPage {
        l,
        sessions: rows
            .iter()
            .map(|s| SessionLine {
                id: s.id.clone(),
                device: device(&s.user_agent),
                ip: s.ip.clone(),
                started: When::at(s.created_at, now),
                last_used: When::at(s.last_seen_at, now),
                current: current.as_deref() == Some(s.id.as_str()),
            })
            .collect(),
        ended: q.ended,
    }))
}

async fn end_session(
    State(state): State<AppState>,
    PageUser(u): PageUser,
    Path(id): Path<String>,
    CsrfForm(_): CsrfForm<HashMap<String, String>>,
) -> Result<Response, PageError> {
    state.app.end_session(&u, &id).await?;
    Ok(Redirect::to("/settings/sessions?ended=1").into_response())
}

async fn end_others(
    State(state): State<AppState>,
    PageUser(u): PageUser,
    headers: HeaderMap,
    CsrfForm(_): CsrfForm<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let current = cookie(&headers, SESSION_COOKIE);
    let n = state.app.end_other_sessions(&u, current.as_deref()).await?;
    Ok(Redirect::to(&format!("/settings/sessions?ended={n}")).into_response())
}

#[derive(Template)]
#[template(path = "settings_password.html")]
struct PasswordPage {
    l: Layout,
    error: Option<Problem>,
    done: bool,
}

#[derive(Deserialize)]
struct Done {
    done: Option<String>,
}

async fn password_page(PageUser(_): PageUser, l: Layout, Query(q): Query<Done>) -> Response {
    render(&PasswordPage {
        l,
        error: None,
        done: q.done.is_some(),
    })
}

async fn change_password(
    State(state): State<AppState>,
    PageUser(u): PageUser,
    l: Layout,
    headers: HeaderMap,
    CsrfForm(form): CsrfForm<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let get = |k: &str| form.get(k).map(String::as_str).unwrap_or("");
    if get("new") != get("confirm") {
        let mut res = render(&PasswordPage {
            l,
            error: Some(Problem::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "passwords_differ",
                "The new password and its confirmation differ: type the same password twice.",
            )),
            done: false,
        });
        *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
        return Ok(res);
    }
    let current = cookie(&headers, SESSION_COOKIE);
    match state
        .app
        .change_password(&u, get("current"), get("new"), current.as_deref(), None)
        .await
    {
        Ok(()) => Ok(Redirect::to("/settings/password?done=1").into_response()),
        Err(e @ AppError::Invalid { .. }) => {
            let mut res = render(&PasswordPage {
                l,
                error: Some(e.into()),
                done: false,
            });
            *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            Ok(res)
        }
        Err(e) => Err(e.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::device;

    #[test]
    fn devices_read_well() {
        assert_eq!(
            device("Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0"),
            "Firefox on Linux"
        );
        assert_eq!(device(""), "Unknown browser");
        assert_eq!(device("curl/8.0"), "curl/8.0");
    }
}
