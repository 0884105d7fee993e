//! Asking a question, and the Markdown preview that the ask, edit and answer forms share.

use super::view::question_url;
use super::{render, Layout};
use crate::auth::{MaybeUser, PageUser};
use crate::csrf::CsrfForm;
use crate::error::{PageError, Problem};
use crate::AppState;
use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;
use stoa_app::{AppError, QuestionInput};
use stoa_domain::post::TagSet;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/ask", get(new_question).post(create_question))
        .route("/preview", post(preview))
}

#[derive(Template)]
#[template(path = "ask.html")]
struct AskPage {
    l: Layout,
    title: String,
    body: String,
    tags: String,
    /// Rendered Markdown of `body`, when there is any.
    preview: String,
    error: Option<Problem>,
}

impl AskPage {
    fn is_field(&self, name: &str) -> bool {
        self.error.as_ref().and_then(|e| e.field) == Some(name)
    }
}

#[derive(Template)]
#[template(path = "_preview.html")]
struct PreviewFragment {
    html: String,
}

/// The ask form.
#[derive(Deserialize)]
struct AskForm {
    #[serde(default)]
    title: String,
    #[serde(default)]
    body: String,
    /// Space- or comma-separated.
    #[serde(default)]
    tags: String,
    /// Present when "Preview" was pressed (the preview without JavaScript).
    preview: Option<String>,
}

/// Only the Markdown of whichever form asks for a preview; its other fields are ignored.
#[derive(Deserialize)]
struct PreviewForm {
    #[serde(default)]
    body: String,
}

/// Errors that leave the form on screen with what was typed.
pub(crate) fn keeps_form(e: &AppError) -> bool {
    matches!(
        e,
        AppError::Invalid { .. } | AppError::RateLimited { .. } | AppError::Forbidden(_)
    )
}

async fn new_question(l: Layout, PageUser(_): PageUser) -> Response {
    let page = AskPage {
        l,
        title: String::new(),
        body: String::new(),
        tags: String::new(),
        preview: String::new(),
        error: None,
    };
    render(&page)
}

async fn create_question(
    State(state): State<AppState>,
    l: Layout,
    PageUser(user): PageUser,
    CsrfForm(form): CsrfForm<AskForm>,
) -> Result<Response, PageError> {
    let preview = state.app.preview(&form.body);
    let mut page = AskPage {
        l,
        title: form.title,
        body: form.body,
        tags: form.tags,
        preview,
        error: None,
    };
    if form.preview.is_some() {
        return Ok(render(&page));
    }
    let result = match TagSet::parse_text(&page.tags) {
        Ok(tags) => {
            let names = tags
                .names()
                .iter()
                .map(|t| t.as_str().to_string())
                .collect();
            let input = QuestionInput {
                title: page.title.clone(),
                body: page.body.clone(),
                tags: names,
            };
            state.app.ask_question(&user, input).await
        }
        Err(e) => Err(AppError::from(e)),
    };
    match result {
        Ok(q) => Ok(Redirect::to(&question_url(q.id, &q.title)).into_response()),
        Err(e) if keeps_form(&e) => {
            let p = Problem::from(e);
            let status = p.status;
            page.error = Some(p);
            Ok((status, render(&page)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

/// The live preview (htmx). Visitors who are not logged in cannot post, so they get no
/// rendering work done for them.
async fn preview(
    State(state): State<AppState>,
    MaybeUser(user): MaybeUser,
    CsrfForm(form): CsrfForm<PreviewForm>,
) -> Response {
    let html = if user.is_some() {
        state.app.preview(&form.body)
    } else {
        String::new()
    };
    render(&PreviewFragment { html })
}
