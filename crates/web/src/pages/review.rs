//! Review queues for trusted members and moderators: the list of queues, one queue with a
//! decision form per item, and the decisions.

use super::moderation::{form_error, optional_id};
use super::view::{parse_page, question_url, Pager, When};
use super::{render, Layout};
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
use stoa_app::{AuthUser, ReviewInput};
use stoa_domain::diff::{diff_words, Change};
use stoa_domain::moderation::{CloseReason, FlagReason, Queue, ReviewOutcome};
use stoa_domain::post_kind::PostKind;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/review", get(queues))
        .route("/review/{queue}", get(queue))
        .route("/review/{queue}/{id}", post(decide))
}

/// A queue in the list.
pub struct QueueLink {
    pub href: String,
    pub title: &'static str,
    pub count: i64,
}

#[derive(Template)]
#[template(path = "review.html")]
struct QueuesPage {
    l: Layout,
    queues: Vec<QueueLink>,
}

async fn queues(
    State(state): State<AppState>,
    l: Layout,
    PageUser(user): PageUser,
) -> Result<Response, PageError> {
    let qs = state.app.review_queues(&user).await?;
    let queues = qs
        .iter()
        .map(|q| QueueLink {
            href: format!("/review/{}", q.queue.as_str()),
            title: q.queue.title(),
            count: q.count,
        })
        .collect();
    Ok(render(&QueuesPage { l, queues }))
}

/// An outcome button.
pub struct OutcomeButton {
    pub value: &'static str,
    pub label: &'static str,
}

fn outcome_label(o: ReviewOutcome) -> &'static str {
    match o {
        ReviewOutcome::LooksOk => "Looks OK",
        ReviewOutcome::Flag => "Flag it",
        ReviewOutcome::Dismiss => "Dismiss the flags",
        ReviewOutcome::Remove => "Remove the post",
        ReviewOutcome::Approve => "Approve the edit",
        ReviewOutcome::Reject => "Reject the edit",
        ReviewOutcome::Close => "Vote the same way",
        ReviewOutcome::LeaveOpen => "Leave it as it is",
    }
}

/// What a reviewer sees of one item.
pub struct ItemView {
    pub id: i64,
    pub kind: String,
    pub title: String,
    pub href: String,
    pub author_id: i64,
    pub author_name: String,
    pub when: When,
    pub status: String,
    /// Sanitised on write.
    pub body_html: String,
    pub flags: Vec<(String, String, Option<String>)>,
    pub edit: Option<EditView>,
    pub votes: Vec<(String, String)>,
}

/// A suggested edit as a word diff.
pub struct EditView {
    pub id: i64,
    pub author_name: String,
    pub comment: String,
    pub title: Option<Vec<Change>>,
    pub body: Vec<Change>,
}

#[derive(Template)]
#[template(path = "review_queue.html")]
struct QueuePage {
    l: Layout,
    queue: &'static str,
    title: &'static str,
    items: Vec<ItemView>,
    outcomes: Vec<OutcomeButton>,
    needs_reason: bool,
    flag_reasons: Vec<(&'static str, &'static str)>,
    close_reasons: Vec<(&'static str, &'static str)>,
    pager: Pager,
    total: i64,
    done: Option<String>,
    error: Option<(i64, Problem)>,
}

#[derive(Deserialize)]
struct QueueQuery {
    page: Option<String>,
    done: Option<String>,
}

async fn queue(
    State(state): State<AppState>,
    l: Layout,
    PageUser(user): PageUser,
    Path(name): Path<String>,
    Query(q): Query<QueueQuery>,
) -> Result<Response, PageError> {
    // The message after a decision is chosen from a fixed set, never echoed from the URL.
    let done = q
        .done
        .as_deref()
        .and_then(|d| ReviewOutcome::parse(d).ok())
        .map(|o| match o {
            ReviewOutcome::LooksOk | ReviewOutcome::LeaveOpen => {
                "Thank you: your review was recorded.".to_string()
            }
            ReviewOutcome::Flag => "Flagged for the moderators.".to_string(),
            ReviewOutcome::Dismiss => "The flags were declined.".to_string(),
            ReviewOutcome::Remove => {
                "The post was removed; the action is in the moderation log.".to_string()
            }
            ReviewOutcome::Approve => {
                "The edit was applied and credited to its author.".to_string()
            }
            ReviewOutcome::Reject => "The edit was rejected.".to_string(),
            ReviewOutcome::Close => "Your vote was counted.".to_string(),
        });
    queue_page(
        &state,
        l,
        &user,
        &name,
        parse_page(q.page.as_deref()),
        done,
        None,
    )
    .await
}

async fn queue_page(
    state: &AppState,
    l: Layout,
    user: &AuthUser,
    name: &str,
    page: i64,
    done: Option<String>,
    error: Option<(i64, Problem)>,
) -> Result<Response, PageError> {
    let rows = state
        .app
        .review_queue(user, name, Some(page), Some(20))
        .await?;
    let queue = Queue::parse(name).map_err(|_| PageError(Problem::not_found()))?;
    let now = stoa_app::now();
    let items = rows
        .items
        .iter()
        .map(|i| ItemView {
            id: i.id,
            kind: i.post.kind.to_string(),
            title: i.state.question_title.clone(),
            href: {
                let url = question_url(
                    i.post.parent_id.unwrap_or(i.post.id),
                    &i.state.question_title,
                );
                if i.post.kind == PostKind::Answer {
                    format!("{url}#answer-{}", i.post.id)
                } else {
                    url
                }
            },
            author_id: i.post.author_id,
            author_name: i.post.author_name.clone(),
            when: When::at(i.post.created_at, now),
            status: i.state.status.to_string(),
            body_html: i.post.body_html.clone(),
            flags: i
                .flags
                .iter()
                .map(|f| {
                    let reason = FlagReason::parse(&f.reason)
                        .map_or("Other", FlagReason::label)
                        .to_string();
                    (reason, f.text.clone(), f.username.clone())
                })
                .collect(),
            edit: i.edit.as_ref().map(|e| EditView {
                id: e.id,
                author_name: e.author_name.clone(),
                comment: e.comment.clone(),
                title: (i.post.kind == PostKind::Question && e.title != i.post.title)
                    .then(|| diff_words(&i.post.title, &e.title)),
                body: diff_words(&i.post.body_md, &e.body_md),
            }),
            votes: i
                .close_votes
                .iter()
                .map(|v| {
                    let why = match v.reason.as_deref().and_then(|r| CloseReason::parse(r).ok()) {
                        Some(r) => match v.duplicate_of {
                            Some(d) => format!("{} of question {d}", r.label()),
                            None => r.label().to_string(),
                        },
                        None => "Reopen".to_string(),
                    };
                    (v.username.clone(), why)
                })
                .collect(),
        })
        .collect();
    let status = error
        .as_ref()
        .map_or(axum::http::StatusCode::OK, |(_, p)| p.status);
    let page_view = QueuePage {
        queue: queue.as_str(),
        title: queue.title(),
        items,
        outcomes: queue
            .outcomes()
            .iter()
            .map(|o| OutcomeButton {
                value: o.as_str(),
                label: outcome_label(*o),
            })
            .collect(),
        needs_reason: queue.outcomes().iter().any(|o| o.needs_reason()),
        flag_reasons: FlagReason::ALL
            .iter()
            .filter(|r| **r != FlagReason::Duplicate)
            .map(|r| (r.as_str(), r.label()))
            .collect(),
        close_reasons: CloseReason::ALL
            .iter()
            .map(|r| (r.as_str(), r.label()))
            .collect(),
        pager: Pager::new(page, 20, rows.total, |n| {
            format!("/review/{}?page={n}", queue.as_str())
        }),
        total: rows.total,
        done,
        error,
        l,
    };
    Ok((status, render(&page_view)).into_response())
}

#[derive(Deserialize)]
struct DecisionForm {
    #[serde(default)]
    outcome: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    flag_reason: String,
    #[serde(default)]
    close_reason: String,
    #[serde(default)]
    duplicate_of: String,
}

async fn decide(
    State(state): State<AppState>,
    l: Layout,
    PageUser(user): PageUser,
    Path((name, id)): Path<(String, String)>,
    CsrfForm(form): CsrfForm<DecisionForm>,
) -> Result<Response, PageError> {
    let id = super::parse_id(&id)?;
    let result = match optional_id(&form.duplicate_of, "duplicate_of") {
        Ok(duplicate_of) => {
            let input = ReviewInput {
                outcome: form.outcome.clone(),
                reason: Some(form.reason.clone()),
                flag_reason: Some(form.flag_reason.clone()).filter(|r| !r.is_empty()),
                close_reason: Some(form.close_reason.clone()).filter(|r| !r.is_empty()),
                duplicate_of,
            };
            state.app.review(&user, &name, id, input).await
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(_) => Ok(Redirect::to(&format!("/review/{name}?done={}", form.outcome)).into_response()),
        Err(e) => {
            let problem = form_error(e)?;
            queue_page(&state, l, &user, &name, 1, None, Some((id, problem))).await
        }
    }
}
