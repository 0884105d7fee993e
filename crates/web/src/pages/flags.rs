//! The flag form of a post, and the close and reopen forms of a question.

use super::moderation::{form_error, optional_id};
use super::view::question_url;
use super::{parse_id, render, Layout};
use crate::auth::PageUser;
use crate::csrf::CsrfForm;
use crate::error::{PageError, Problem};
use crate::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use serde::Deserialize;
use stoa_app::{AuthUser, FlagInput, PostState};
use stoa_domain::moderation::{CloseReason, FlagReason};
use stoa_domain::post_kind::{PostKind, PostStatus};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/posts/{id}/flag", get(new_flag).post(create_flag))
        .route("/questions/{id}/close", get(new_close).post(create_close))
        .route("/questions/{id}/reopen", get(new_close).post(create_reopen))
}

/// A confirmation after a form, with the way back.
#[derive(Template)]
#[template(path = "done.html")]
pub(crate) struct DonePage {
    pub(crate) l: Layout,
    pub(crate) heading: String,
    pub(crate) message: String,
    pub(crate) back: String,
    pub(crate) back_label: String,
}

/// The post's page and a short name for it.
pub(crate) fn describe(st: &PostState) -> (String, String) {
    let url = question_url(st.parent_id.unwrap_or(st.id), &st.question_title);
    if st.kind == PostKind::Question {
        (format!("the question “{}”", st.question_title), url)
    } else {
        (
            format!("an answer to “{}”", st.question_title),
            format!("{url}#answer-{}", st.id),
        )
    }
}

/// A radio choice.
pub struct Radio {
    pub value: &'static str,
    pub label: &'static str,
    pub checked: bool,
}

#[derive(Template)]
#[template(path = "flag.html")]
struct FlagPage {
    l: Layout,
    post_id: i64,
    target: String,
    back: String,
    is_question: bool,
    reasons: Vec<Radio>,
    duplicate_of: String,
    text: String,
    error: Option<Problem>,
}

impl FlagPage {
    fn is_field(&self, name: &str) -> bool {
        self.error.as_ref().and_then(|e| e.field) == Some(name)
    }
}

#[derive(Deserialize, Default)]
struct FlagForm {
    #[serde(default)]
    reason: String,
    #[serde(default)]
    duplicate_of: String,
    #[serde(default)]
    text: String,
}

async fn visible_post(state: &AppState, user: &AuthUser, id: i64) -> Result<PostState, PageError> {
    let st = state.app.post_state(Some(user), id).await?;
    if st.deleted_at.is_some() || st.status != PostStatus::Published {
        return Err(PageError(Problem::not_found()));
    }
    Ok(st)
}

fn flag_page(l: Layout, st: &PostState, form: &FlagForm, error: Option<Problem>) -> FlagPage {
    let (target, back) = describe(st);
    let is_question = st.kind == PostKind::Question;
    FlagPage {
        l,
        post_id: st.id,
        target,
        back,
        is_question,
        reasons: FlagReason::ALL
            .iter()
            .filter(|r| is_question || **r != FlagReason::Duplicate)
            .map(|r| Radio {
                value: r.as_str(),
                label: r.label(),
                checked: r.as_str() == form.reason,
            })
            .collect(),
        duplicate_of: form.duplicate_of.clone(),
        text: form.text.clone(),
        error,
    }
}

async fn new_flag(
    State(state): State<AppState>,
    l: Layout,
    PageUser(user): PageUser,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let st = visible_post(&state, &user, parse_id(&id)?).await?;
    Ok(render(&flag_page(l, &st, &FlagForm::default(), None)))
}

async fn create_flag(
    State(state): State<AppState>,
    l: Layout,
    PageUser(user): PageUser,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<FlagForm>,
) -> Result<Response, PageError> {
    let st = visible_post(&state, &user, parse_id(&id)?).await?;
    let result = match optional_id(&form.duplicate_of, "duplicate_of") {
        Ok(duplicate_of) => {
            let input = FlagInput {
                reason: form.reason.clone(),
                // The field stays in the form when another reason is picked; only duplicates use it.
                duplicate_of: duplicate_of
                    .filter(|_| form.reason == FlagReason::Duplicate.as_str()),
                text: Some(form.text.clone()),
            };
            state.app.flag_post(&user, st.id, input).await
        }
        Err(e) => Err(e),
    };
    let (target, back) = describe(&st);
    match result {
        Ok(f) => Ok(render(&DonePage {
            l,
            heading: "Thank you for flagging".into(),
            message: if f.hid_post {
                format!("Your flag hid {target} until a moderator reviews it.")
            } else {
                format!("Your flag on {target} is waiting for a moderator.")
            },
            back,
            back_label: "Back to the post".into(),
        })),
        Err(e) => {
            let problem = form_error(e)?;
            let status = problem.status;
            Ok((status, render(&flag_page(l, &st, &form, Some(problem)))).into_response())
        }
    }
}

#[derive(Template)]
#[template(path = "close.html")]
struct ClosePage {
    l: Layout,
    post_id: i64,
    title: String,
    back: String,
    closed: bool,
    close_reason: String,
    reasons: Vec<Radio>,
    duplicate_of: String,
    error: Option<Problem>,
}

impl ClosePage {
    fn is_field(&self, name: &str) -> bool {
        self.error.as_ref().and_then(|e| e.field) == Some(name)
    }
}

#[derive(Deserialize, Default)]
struct CloseForm {
    #[serde(default)]
    reason: String,
    #[serde(default)]
    duplicate_of: String,
}

fn close_page(l: Layout, st: &PostState, form: &CloseForm, error: Option<Problem>) -> ClosePage {
    let (_, back) = describe(st);
    ClosePage {
        l,
        post_id: st.id,
        title: st.question_title.clone(),
        back,
        closed: st.closed_at.is_some(),
        close_reason: st
            .close_reason
            .as_deref()
            .and_then(|r| CloseReason::parse(r).ok())
            .map_or("", CloseReason::label)
            .into(),
        reasons: CloseReason::ALL
            .iter()
            .map(|r| Radio {
                value: r.as_str(),
                label: r.label(),
                checked: r.as_str() == form.reason,
            })
            .collect(),
        duplicate_of: form.duplicate_of.clone(),
        error,
    }
}

async fn new_close(
    State(state): State<AppState>,
    l: Layout,
    PageUser(user): PageUser,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let st = visible_post(&state, &user, parse_id(&id)?).await?;
    if st.kind != PostKind::Question {
        return Err(PageError(Problem::not_found()));
    }
    Ok(render(&close_page(l, &st, &CloseForm::default(), None)))
}

async fn create_close(
    State(state): State<AppState>,
    l: Layout,
    PageUser(user): PageUser,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<CloseForm>,
) -> Result<Response, PageError> {
    let st = visible_post(&state, &user, parse_id(&id)?).await?;
    let result = match optional_id(&form.duplicate_of, "duplicate_of") {
        Ok(d) => {
            let d = d.filter(|_| form.reason == CloseReason::Duplicate.as_str());
            state.app.vote_to_close(&user, st.id, &form.reason, d).await
        }
        Err(e) => Err(e),
    };
    tally_page(&state, l, &st, &form, result).await
}

async fn create_reopen(
    State(state): State<AppState>,
    l: Layout,
    PageUser(user): PageUser,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<CloseForm>,
) -> Result<Response, PageError> {
    let st = visible_post(&state, &user, parse_id(&id)?).await?;
    let result = state.app.vote_to_reopen(&user, st.id).await;
    tally_page(&state, l, &st, &form, result).await
}

async fn tally_page(
    state: &AppState,
    l: Layout,
    st: &PostState,
    form: &CloseForm,
    result: Result<stoa_app::CloseTally, stoa_app::AppError>,
) -> Result<Response, PageError> {
    let (_, back) = describe(st);
    match result {
        Ok(t) => {
            let message = match (t.kind, t.closed, t.votes) {
                ("close", true, _) => {
                    "The question is closed. The closure is in the public moderation log."
                        .to_string()
                }
                ("reopen", false, _) => {
                    "The question is open again. The reopening is in the public moderation log."
                        .to_string()
                }
                (_, _, n) => format!("Your vote was counted: {n} of {} needed.", t.needed),
            };
            Ok(render(&DonePage {
                l,
                heading: "Vote recorded".into(),
                message,
                back,
                back_label: "Back to the question".into(),
            }))
        }
        Err(e) => {
            let problem = form_error(e)?;
            let status = problem.status;
            // Show the question as it is now: a concurrent vote may have closed it.
            let fresh = state.app.post_state(l.user.as_ref(), st.id).await?;
            Ok((status, render(&close_page(l, &fresh, form, Some(problem)))).into_response())
        }
    }
}
