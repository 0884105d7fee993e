//! Editing and deleting questions and answers. Each edit becomes a revision (see `revisions`).

use super::ask::keeps_form;
use super::questions::post_location;
use super::{parse_id, render, Layout};
use crate::auth::PageUser;
use crate::csrf::CsrfForm;
use crate::error::{PageError, Problem};
use crate::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::Router;
use serde::Deserialize;
use stoa_app::{AppError, AuthUser, EditInput, PostRow};
use stoa_domain::policy::{decide, Action, Target};
use stoa_domain::post::TagSet;
use stoa_domain::post_kind::PostKind;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/posts/{id}/edit", get(edit).post(update))
        .route("/posts/{id}/delete", get(confirm_delete).post(delete))
}

#[derive(Template)]
#[template(path = "edit.html")]
struct EditPage {
    l: Layout,
    post_id: i64,
    /// Has a title and tags: a question or an article.
    is_question: bool,
    is_article: bool,
    /// The question (for an answer: the question it answers), for the heading.
    question_title: String,
    back: String,
    title: String,
    tags: String,
    body: String,
    comment: String,
    preview: String,
    error: Option<Problem>,
}

impl EditPage {
    fn is_field(&self, name: &str) -> bool {
        self.error.as_ref().and_then(|e| e.field) == Some(name)
    }
}

#[derive(Template)]
#[template(path = "delete.html")]
struct DeletePage {
    l: Layout,
    post_id: i64,
    is_question: bool,
    is_article: bool,
    question_title: String,
    back: String,
}

#[derive(Deserialize)]
struct EditForm {
    #[serde(default)]
    title: String,
    #[serde(default)]
    tags: String,
    #[serde(default)]
    body: String,
    /// Edit summary.
    #[serde(default)]
    comment: String,
    preview: Option<String>,
}

/// A live question or answer that `user` may `action`, with where it is shown and the title
/// of its question. Refusing here, before the form, spares typing an edit that cannot be saved.
async fn load(
    state: &AppState,
    user: &AuthUser,
    raw_id: &str,
    action: Action,
) -> Result<(PostRow, String, String), PageError> {
    let p = state.app.post(parse_id(raw_id)?).await?;
    decide(
        &user.actor(),
        action,
        Target::Post {
            author_id: p.author_id,
            locked: p.locked_at.is_some(),
        },
    )
    .map_err(AppError::from)?;
    let back = post_location(&state.app, &p).await?;
    let question_title = match p.parent_id {
        Some(q) => state.app.post(q).await?.title,
        None => p.title.clone(),
    };
    Ok((p, back, question_title))
}

async fn edit(
    State(state): State<AppState>,
    l: Layout,
    PageUser(user): PageUser,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    // Someone who may not edit directly but may suggest an edit is taken to that form instead.
    if let Ok(post) = state.app.post(parse_id(&id)?).await {
        let target = stoa_domain::policy::Target::Post {
            author_id: post.author_id,
            locked: post.locked_at.is_some(),
        };
        let actor = user.actor();
        if stoa_domain::policy::decide(&actor, Action::Edit, target).is_err()
            && stoa_domain::policy::decide(&actor, Action::SuggestEdit, target).is_ok()
        {
            return Ok(
                axum::response::Redirect::to(&format!("/posts/{}/suggest-edit", post.id))
                    .into_response(),
            );
        }
    }
    let (p, back, question_title) = load(&state, &user, &id, Action::Edit).await?;
    Ok(render(&EditPage {
        l,
        post_id: p.id,
        is_question: p.kind != PostKind::Answer,
        is_article: p.kind == PostKind::Article,
        question_title,
        back,
        preview: p.body_html,
        title: p.title,
        tags: p.tags,
        body: p.body_md,
        comment: String::new(),
        error: None,
    }))
}

async fn update(
    State(state): State<AppState>,
    l: Layout,
    PageUser(user): PageUser,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<EditForm>,
) -> Result<Response, PageError> {
    let (p, back, question_title) = load(&state, &user, &id, Action::Edit).await?;
    let is_question = p.kind != PostKind::Answer;
    let mut page = EditPage {
        l,
        post_id: p.id,
        is_question,
        is_article: p.kind == PostKind::Article,
        question_title,
        back,
        preview: state.app.preview(&form.body),
        title: form.title,
        tags: form.tags,
        body: form.body,
        comment: form.comment,
        error: None,
    };
    if form.preview.is_some() {
        return Ok(render(&page));
    }
    let result = match (is_question, TagSet::parse_text(&page.tags)) {
        (true, Err(e)) => Err(AppError::from(e)),
        (true, Ok(tags)) => {
            let input = EditInput {
                title: Some(page.title.clone()),
                body: Some(page.body.clone()),
                tags: Some(
                    tags.names()
                        .iter()
                        .map(|t| t.as_str().to_string())
                        .collect(),
                ),
                comment: Some(page.comment.clone()),
            };
            state.app.edit_post(&user, p.id, input).await
        }
        (false, _) => {
            let input = EditInput {
                body: Some(page.body.clone()),
                comment: Some(page.comment.clone()),
                ..EditInput::default()
            };
            state.app.edit_post(&user, p.id, input).await
        }
    };
    match result {
        Ok(saved) => Ok(Redirect::to(&post_location(&state.app, &saved).await?).into_response()),
        Err(e) if keeps_form(&e) => {
            let problem = Problem::from(e);
            let status = problem.status;
            page.error = Some(problem);
            Ok((status, render(&page)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

async fn confirm_delete(
    State(state): State<AppState>,
    l: Layout,
    PageUser(user): PageUser,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let (p, back, question_title) = load(&state, &user, &id, Action::Delete).await?;
    Ok(render(&DeletePage {
        l,
        post_id: p.id,
        is_question: p.kind != PostKind::Answer,
        is_article: p.kind == PostKind::Article,
        question_title,
        back,
    }))
}

async fn delete(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path(id): Path<String>,
    CsrfForm(_): CsrfForm<serde::de::IgnoredAny>,
) -> Result<Response, PageError> {
    let (p, back, _) = load(&state, &user, &id, Action::Delete).await?;
    state.app.delete_post(&user, p.id).await?;
    // A deleted question has no page left; a deleted answer leaves its question.
    let to = match p.kind {
        PostKind::Question => "/".to_string(),
        PostKind::Article => "/kb".to_string(),
        PostKind::Answer => back.split('#').next().unwrap_or("/").to_string(),
    };
    Ok(Redirect::to(&to).into_response())
}
