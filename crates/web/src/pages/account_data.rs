//! `/settings/data`: "Download my data" (archives built in the background, kept seven days)
//! and "Delete my account" (after the password and fourteen days' grace, cancellable).

use super::{render, Layout};
use crate::api::account_data::{export_status, zip_response};
use crate::auth::PageUser;
use crate::csrf::CsrfForm;
use crate::error::{PageError, Problem};
use crate::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;
use std::collections::HashMap;
use stoa_app::{AppError, AuthUser};
use stoa_domain::time::format_utc;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/settings/data", get(page))
        .route("/settings/data/export", post(export))
        .route("/settings/data/exports/{file}", get(download))
        .route("/settings/data/delete", post(delete))
        .route("/settings/data/delete/cancel", post(cancel))
        .route("/account-deletion", get(what_deletion_keeps))
}

struct ExportLine {
    id: i64,
    requested: String,
    status: &'static str,
    expires: Option<String>,
    size_kb: i64,
}

#[derive(Template)]
#[template(path = "settings_data.html")]
struct DataPage {
    l: Layout,
    exports: Vec<ExportLine>,
    deletion_due: Option<String>,
    grace_days: i64,
    keep_days: i64,
    error: Option<Problem>,
    notice: Option<&'static str>,
}

/// docs/account-deletion.md, rendered once: what erasure keeps and why, as the operator's
/// documentation says it.
static DELETION_DOC: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    stoa_markdown::render_post(include_str!("../../../../docs/account-deletion.md"))
});

#[derive(Template)]
#[template(path = "doc_page.html")]
struct DocPage {
    l: Layout,
    title: &'static str,
    html: &'static str,
}

async fn what_deletion_keeps(l: Layout) -> Response {
    render(&DocPage {
        l,
        title: "What deleting an account keeps",
        html: DELETION_DOC.as_str(),
    })
}

#[derive(Deserialize)]
struct Done {
    done: Option<String>,
}

async fn show(
    state: &AppState,
    u: &AuthUser,
    l: Layout,
    error: Option<Problem>,
    notice: Option<&'static str>,
) -> Result<Response, PageError> {
    let now = stoa_app::now();
    let exports = state
        .app
        .exports(u)
        .await?
        .iter()
        .map(|e| ExportLine {
            id: e.id,
            requested: format_utc(e.requested_at),
            status: export_status(e, now),
            expires: e.expires_at.map(format_utc),
            size_kb: (e.size_bytes.unwrap_or(0) + 1023) / 1024,
        })
        .collect();
    let status = error.as_ref().map(|e| e.status);
    let mut res = render(&DataPage {
        l,
        exports,
        deletion_due: state.app.deletion_due(u).await?.map(format_utc),
        grace_days: stoa_app::DELETION_GRACE_DAYS,
        keep_days: stoa_app::EXPORT_DAYS,
        error,
        notice,
    });
    if let Some(s) = status {
        *res.status_mut() = s;
    }
    Ok(res)
}

async fn page(
    State(state): State<AppState>,
    PageUser(u): PageUser,
    l: Layout,
    Query(q): Query<Done>,
) -> Result<Response, PageError> {
    let notice = match q.done.as_deref() {
        Some("export") => Some(
            "We are preparing your data. A notification tells you when it is ready; reload this \
             page to see it.",
        ),
        Some("delete") => {
            Some("Your account is set to be deleted. Until then you can change your mind below.")
        }
        Some("kept") => Some("Your account stays: the deletion is cancelled."),
        _ => None,
    };
    show(&state, &u, l, None, notice).await
}

async fn export(
    State(state): State<AppState>,
    PageUser(u): PageUser,
    l: Layout,
    CsrfForm(_): CsrfForm<serde::de::IgnoredAny>,
) -> Result<Response, PageError> {
    match state.app.request_export(&u).await {
        Ok(_) => Ok(Redirect::to("/settings/data?done=export").into_response()),
        Err(e @ (AppError::Conflict { .. } | AppError::RateLimited { .. })) => {
            show(&state, &u, l, Some(e.into()), None).await
        }
        Err(e) => Err(e.into()),
    }
}

async fn download(
    State(state): State<AppState>,
    PageUser(u): PageUser,
    Path(file): Path<String>,
) -> Result<Response, PageError> {
    let id = file
        .strip_prefix("my-data-")
        .and_then(|f| f.strip_suffix(".zip"))
        .and_then(|n| n.parse::<i64>().ok())
        .ok_or(AppError::NotFound("export"))?;
    let bytes = state.app.export_archive(&u, id).await?;
    Ok(zip_response(id, bytes))
}

async fn delete(
    State(state): State<AppState>,
    PageUser(u): PageUser,
    l: Layout,
    CsrfForm(form): CsrfForm<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let password = form.get("password").map(String::as_str).unwrap_or("");
    let erase_posts = form.contains_key("delete_posts");
    match state.app.request_deletion(&u, password, erase_posts).await {
        Ok(_) => Ok(Redirect::to("/settings/data?done=delete").into_response()),
        Err(
            e @ (AppError::Invalid { .. }
            | AppError::Conflict { .. }
            | AppError::RateLimited { .. }
            | AppError::Refused { .. }),
        ) => show(&state, &u, l, Some(e.into()), None).await,
        Err(e) => Err(e.into()),
    }
}

async fn cancel(
    State(state): State<AppState>,
    PageUser(u): PageUser,
    CsrfForm(_): CsrfForm<serde::de::IgnoredAny>,
) -> Result<Response, PageError> {
    match state.app.cancel_deletion(&u).await {
        Ok(()) | Err(AppError::NotFound(_)) => {
            Ok(Redirect::to("/settings/data?done=kept").into_response())
        }
        Err(e) => Err(e.into()),
    }
}
