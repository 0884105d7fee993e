//! Suggested edits (the form, the suggestion with its diff and the decision) and rollbacks to an
//! earlier revision.

use super::flags::{describe, DonePage};
use super::moderation::form_error;
use super::view::When;
use super::{parse_id, render, Layout};
use crate::auth::PageUser;
use crate::csrf::CsrfForm;
use crate::error::{PageError, Problem};
use crate::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::Router;
use serde::Deserialize;
use stoa_app::{AuthUser, EditInput, ReviewInput};
use stoa_domain::diff::{diff_words, Change};
use stoa_domain::moderation::Queue;
use stoa_domain::policy::{decide, Action, Target};
use stoa_domain::post::TagSet;
use stoa_domain::post_kind::PostKind;

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/posts/{id}/suggest-edit",
            get(new_suggestion).post(create_suggestion),
        )
        .route(
            "/suggested-edits/{id}",
            get(show_suggestion).post(review_suggestion),
        )
        .route(
            "/posts/{id}/rollback/{revision}",
            get(confirm_rollback).post(rollback),
        )
}

#[derive(Template)]
#[template(path = "suggest_edit.html")]
struct SuggestPage {
    l: Layout,
    post_id: i64,
    is_question: bool,
    target: String,
    back: String,
    title: String,
    tags: String,
    body: String,
    comment: String,
    preview: String,
    error: Option<Problem>,
}

impl SuggestPage {
    fn is_field(&self, name: &str) -> bool {
        self.error.as_ref().and_then(|e| e.field) == Some(name)
    }
}

#[derive(Deserialize)]
struct SuggestForm {
    #[serde(default)]
    title: String,
    #[serde(default)]
    tags: String,
    #[serde(default)]
    body: String,
    #[serde(default)]
    comment: String,
}

async fn new_suggestion(
    State(state): State<AppState>,
    l: Layout,
    PageUser(user): PageUser,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let p = state.app.post(parse_id(&id)?).await?;
    let st = state.app.post_state(Some(&user), p.id).await?;
    // Someone who may edit directly is sent to the editor instead.
    if decide(
        &user.actor(),
        Action::SuggestEdit,
        Target::Post {
            author_id: p.author_id,
            locked: p.locked_at.is_some(),
        },
    )
    .is_err()
        && decide(
            &user.actor(),
            Action::Edit,
            Target::Post {
                author_id: p.author_id,
                locked: p.locked_at.is_some(),
            },
        )
        .is_ok()
    {
        return Ok(Redirect::to(&format!("/posts/{}/edit", p.id)).into_response());
    }
    let (target, back) = describe(&st);
    Ok(render(&SuggestPage {
        l,
        post_id: p.id,
        is_question: p.kind == PostKind::Question,
        target,
        back,
        title: p.title.clone(),
        tags: p.tags.clone(),
        preview: p.body_html.clone(),
        body: p.body_md,
        comment: String::new(),
        error: None,
    }))
}

async fn create_suggestion(
    State(state): State<AppState>,
    l: Layout,
    PageUser(user): PageUser,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<SuggestForm>,
) -> Result<Response, PageError> {
    let p = state.app.post(parse_id(&id)?).await?;
    let is_question = p.kind == PostKind::Question;
    let tags = match TagSet::parse_text(&form.tags) {
        Ok(t) => Some(t.names().iter().map(|t| t.as_str().to_string()).collect()),
        // Let the use case report the bad tag with its message.
        Err(_) => Some(vec![form.tags.clone()]),
    };
    let input = EditInput {
        title: is_question.then(|| form.title.clone()),
        body: Some(form.body.clone()),
        tags: if is_question { tags } else { None },
        comment: Some(form.comment.clone()),
    };
    match state.app.suggest_edit(&user, p.id, input).await {
        Ok(s) => Ok(Redirect::to(&format!("/suggested-edits/{}", s.id)).into_response()),
        Err(e) => {
            let problem = form_error(e)?;
            let st = state.app.post_state(Some(&user), p.id).await?;
            let (target, back) = describe(&st);
            let status = problem.status;
            let page = SuggestPage {
                l,
                post_id: p.id,
                is_question,
                target,
                back,
                title: form.title,
                tags: form.tags,
                preview: state.app.preview(&form.body),
                body: form.body,
                comment: form.comment,
                error: Some(problem),
            };
            Ok((status, render(&page)).into_response())
        }
    }
}

#[derive(Template)]
#[template(path = "suggested_edit.html")]
struct SuggestionPage {
    l: Layout,
    id: i64,
    target: String,
    back: String,
    author_id: i64,
    author_name: String,
    when: When,
    comment: String,
    status: String,
    reviewer: Option<String>,
    review_reason: String,
    title: Option<Vec<Change>>,
    tags: Option<Vec<Change>>,
    body: Vec<Change>,
    can_review: bool,
    reason: String,
    error: Option<Problem>,
}

async fn suggestion_page(
    state: &AppState,
    l: Layout,
    id: i64,
    reason: String,
    error: Option<Problem>,
) -> Result<Response, PageError> {
    let (s, p) = state.app.suggested_edit(id).await?;
    let st = state.app.post_state(l.user.as_ref(), p.id).await?;
    let (target, back) = describe(&st);
    let is_question = p.kind == PostKind::Question;
    let can_review = l
        .user
        .as_ref()
        .is_some_and(|u: &AuthUser| state.app.may_review_suggestion(u, &s, &p));
    let status = error.as_ref().map_or(StatusCode::OK, |e| e.status);
    // Pending suggestions show against the post as it is now; settled ones as they were proposed.
    let page = SuggestionPage {
        id,
        target,
        back,
        author_id: s.author_id,
        author_name: s.author_name.clone(),
        when: When::at(s.created_at, stoa_app::now()),
        comment: s.comment.clone(),
        status: s.status.clone(),
        reviewer: s.reviewer_name.clone(),
        review_reason: s.review_reason.clone(),
        title: (is_question && s.title != p.title).then(|| diff_words(&p.title, &s.title)),
        tags: (is_question && s.tags != p.tags).then(|| diff_words(&p.tags, &s.tags)),
        body: diff_words(&p.body_md, &s.body_md),
        can_review,
        reason,
        error,
        l,
    };
    Ok((status, render(&page)).into_response())
}

async fn show_suggestion(
    State(state): State<AppState>,
    l: Layout,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    suggestion_page(&state, l, parse_id(&id)?, String::new(), None).await
}

#[derive(Deserialize)]
struct DecisionForm {
    #[serde(default)]
    outcome: String,
    #[serde(default)]
    reason: String,
}

async fn review_suggestion(
    State(state): State<AppState>,
    l: Layout,
    PageUser(user): PageUser,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<DecisionForm>,
) -> Result<Response, PageError> {
    let id = parse_id(&id)?;
    let input = ReviewInput {
        outcome: form.outcome.clone(),
        reason: Some(form.reason.clone()),
        ..ReviewInput::default()
    };
    match state
        .app
        .review(&user, Queue::SuggestedEdits.as_str(), id, input)
        .await
    {
        Ok(_) => Ok(Redirect::to(&format!("/suggested-edits/{id}")).into_response()),
        Err(e) => suggestion_page(&state, l, id, form.reason, Some(form_error(e)?)).await,
    }
}

#[derive(Template)]
#[template(path = "rollback.html")]
struct RollbackPage {
    l: Layout,
    post_id: i64,
    revision: i64,
    target: String,
    back: String,
    body: Vec<Change>,
    error: Option<Problem>,
}

async fn rollback_page(
    state: &AppState,
    l: Layout,
    user: &AuthUser,
    id: i64,
    revision: i64,
    error: Option<Problem>,
) -> Result<Response, PageError> {
    let (p, revs) = state.app.revisions(id).await?;
    let r = revs
        .iter()
        .find(|r| r.number == revision)
        .ok_or(PageError(Problem::not_found()))?;
    let st = state.app.post_state(Some(user), p.id).await?;
    let (target, back) = describe(&st);
    let status = error.as_ref().map_or(StatusCode::OK, |e| e.status);
    let page = RollbackPage {
        l,
        post_id: p.id,
        revision,
        target,
        back,
        body: diff_words(&p.body_md, &r.body_md),
        error,
    };
    Ok((status, render(&page)).into_response())
}

async fn confirm_rollback(
    State(state): State<AppState>,
    l: Layout,
    PageUser(user): PageUser,
    Path((id, revision)): Path<(String, String)>,
) -> Result<Response, PageError> {
    rollback_page(&state, l, &user, parse_id(&id)?, parse_id(&revision)?, None).await
}

#[derive(Deserialize)]
struct RollbackForm {
    #[serde(default)]
    comment: String,
}

async fn rollback(
    State(state): State<AppState>,
    l: Layout,
    PageUser(user): PageUser,
    Path((id, revision)): Path<(String, String)>,
    CsrfForm(form): CsrfForm<RollbackForm>,
) -> Result<Response, PageError> {
    let (id, revision) = (parse_id(&id)?, parse_id(&revision)?);
    let comment = Some(form.comment.as_str()).filter(|c| !c.trim().is_empty());
    match state.app.rollback(&user, id, revision, comment).await {
        Ok(p) => {
            let st = state.app.post_state(Some(&user), p.id).await?;
            let (_, back) = describe(&st);
            Ok(render(&DonePage {
                l,
                heading: "Rolled back".into(),
                message: format!(
                    "The post now reads as revision {revision} did; the rollback is revision {}.",
                    p.revision_count
                ),
                back,
                back_label: "Back to the post".into(),
            }))
        }
        Err(e) => rollback_page(&state, l, &user, id, revision, Some(form_error(e)?)).await,
    }
}
