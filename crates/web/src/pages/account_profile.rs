//! `/settings/profile`: display name, "about me", avatar, and the change of e-mail address
//! (the link goes to the new address; the old one stays until it is followed).

use super::{render, Layout};
use crate::auth::PageUser;
use crate::csrf::CsrfForm;
use crate::error::{PageError, Problem};
use crate::AppState;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;
use std::collections::HashMap;
use stoa_app::{AppError, AuthUser, ProfileInput};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/settings/profile", get(page).post(save))
        .route("/settings/email", post(change_email))
        .route("/settings/email/cancel", post(cancel_email))
}

#[derive(Template)]
#[template(path = "settings_profile.html")]
struct ProfilePage {
    l: Layout,
    display_name: String,
    about: String,
    gravatar: bool,
    avatar_url: Option<String>,
    email: String,
    email_confirmed: bool,
    pending_email: Option<String>,
    new_email: String,
    error: Option<Problem>,
    notice: Option<&'static str>,
}

impl ProfilePage {
    fn is_field(&self, name: &str) -> bool {
        self.error.as_ref().and_then(|e| e.field) == Some(name)
    }
}

#[derive(Deserialize)]
struct Notice {
    done: Option<String>,
}

fn notice_of(done: Option<&str>) -> Option<&'static str> {
    match done? {
        "profile" => Some("Your profile is saved."),
        "email" => Some(
            "We sent a link to the new address. Your account moves there when you follow it; \
             until then your current address stays in use.",
        ),
        "cancelled" => Some("The change of address is cancelled."),
        _ => None,
    }
}

async fn show(
    state: &AppState,
    u: &AuthUser,
    l: Layout,
    form: Option<&HashMap<String, String>>,
    error: Option<Problem>,
    notice: Option<&'static str>,
) -> Result<Response, PageError> {
    let p = state.app.profile(u).await?;
    let field = |k: &str| form.and_then(|f| f.get(k)).cloned();
    let status = error.as_ref().map_or(StatusCode::OK, |e| e.status);
    let page = ProfilePage {
        l,
        display_name: field("display_name")
            .unwrap_or_else(|| p.row.display_name.clone().unwrap_or_default()),
        about: field("about").unwrap_or_else(|| p.row.about_md.clone()),
        gravatar: match form {
            Some(f) => f.get("avatar").map(String::as_str) == Some("gravatar"),
            None => p.row.avatar == "gravatar",
        },
        avatar_url: p.avatar_url.clone(),
        email: u.email.clone().unwrap_or_default(),
        email_confirmed: p.row.email_confirmed,
        pending_email: p.row.pending_email.clone(),
        new_email: field("email").unwrap_or_default(),
        error,
        notice,
    };
    let mut res = render(&page);
    *res.status_mut() = status;
    Ok(res)
}

async fn page(
    State(state): State<AppState>,
    PageUser(u): PageUser,
    l: Layout,
    Query(q): Query<Notice>,
) -> Result<Response, PageError> {
    show(&state, &u, l, None, None, notice_of(q.done.as_deref())).await
}

async fn save(
    State(state): State<AppState>,
    PageUser(u): PageUser,
    l: Layout,
    CsrfForm(form): CsrfForm<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let input = ProfileInput {
        display_name: Some(form.get("display_name").cloned().unwrap_or_default()),
        about: Some(form.get("about").cloned().unwrap_or_default()),
        avatar: Some(
            if form.get("avatar").map(String::as_str) == Some("gravatar") {
                "gravatar"
            } else {
                "none"
            }
            .to_string(),
        ),
    };
    match state.app.update_profile(&u, input).await {
        Ok(_) => Ok(Redirect::to("/settings/profile?done=profile").into_response()),
        Err(e @ AppError::Invalid { .. }) => {
            show(&state, &u, l, Some(&form), Some(e.into()), None).await
        }
        Err(e) => Err(e.into()),
    }
}

async fn change_email(
    State(state): State<AppState>,
    PageUser(u): PageUser,
    l: Layout,
    CsrfForm(form): CsrfForm<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let email = form.get("email").map(String::as_str).unwrap_or("");
    match state.app.request_email_change(&u, email).await {
        Ok(_) => Ok(Redirect::to("/settings/profile?done=email").into_response()),
        Err(
            e @ (AppError::Invalid { .. }
            | AppError::Conflict { .. }
            | AppError::RateLimited { .. }),
        ) => show(&state, &u, l, Some(&form), Some(e.into()), None).await,
        Err(e) => Err(e.into()),
    }
}

async fn cancel_email(
    State(state): State<AppState>,
    PageUser(u): PageUser,
    CsrfForm(_): CsrfForm<serde::de::IgnoredAny>,
) -> Result<Response, PageError> {
    match state.app.cancel_email_change(&u).await {
        Ok(()) | Err(AppError::NotFound(_)) => {
            Ok(Redirect::to("/settings/profile?done=cancelled").into_response())
        }
        Err(e) => Err(e.into()),
    }
}
