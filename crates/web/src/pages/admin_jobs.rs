//! `/admin/jobs`: the job queue's counts and its dead letters, each retryable (admins).

use super::view::When;
use super::{render, Layout};
use crate::auth::PageUser;
use crate::csrf::CsrfForm;
use crate::error::PageError;
use crate::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/admin/jobs", get(show))
        .route("/admin/jobs/{id}/retry", post(retry))
}

struct DeadJob {
    id: i64,
    kind: String,
    payload: String,
    attempts: i64,
    error: String,
    when: When,
}

#[derive(Template)]
#[template(path = "admin_jobs.html")]
struct JobsPage {
    l: Layout,
    queued: i64,
    running: i64,
    dead: i64,
    done: i64,
    jobs: Vec<DeadJob>,
}

#[derive(Deserialize)]
struct PageQuery {
    page: Option<String>,
}

async fn show(
    State(state): State<AppState>,
    PageUser(u): PageUser,
    l: Layout,
    Query(q): Query<PageQuery>,
) -> Result<Response, PageError> {
    let page = super::view::parse_page(q.page.as_deref());
    let (c, dead) = state.app.dead_jobs(&u, Some(page), Some(50)).await?;
    let now = stoa_app::now();
    Ok(render(&JobsPage {
        l,
        queued: c.queued,
        running: c.running,
        dead: c.dead,
        done: c.done,
        jobs: dead
            .items
            .into_iter()
            .map(|j| DeadJob {
                id: j.id,
                kind: j.kind,
                payload: j.payload,
                attempts: j.attempts,
                error: j.last_error.unwrap_or_default(),
                when: When::at(j.dead_at.unwrap_or(j.created_at), now),
            })
            .collect(),
    }))
}

async fn retry(
    State(state): State<AppState>,
    PageUser(u): PageUser,
    Path(id): Path<String>,
    CsrfForm(_): CsrfForm<serde::de::IgnoredAny>,
) -> Result<Response, PageError> {
    let id = crate::api::parse_id(&id).map_err(|e| PageError(e.0))?;
    state.app.retry_job(&u, id).await?;
    Ok(Redirect::to("/admin/jobs").into_response())
}
