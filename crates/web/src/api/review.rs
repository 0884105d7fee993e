//! Review queues, suggested edits, rollbacks, and close and reopen votes.

use super::dto::{question_url, Post, UserRef};
use super::{parse_id, ApiJson, ApiQuery};
use crate::auth::ApiUser;
use crate::error::{ApiError, ErrorBody};
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use stoa_app::{CloseTally, EditInput, ReviewInput, SuggestedEditRow};
use stoa_domain::time::format_rfc3339;
use utoipa::ToSchema;

/// A queue and its waiting items.
#[derive(Serialize, ToSchema)]
pub struct QueueView {
    /// `first_posts`, `late_answers`, `flagged`, `suggested_edits` or `close_votes`.
    pub queue: String,
    /// Its name.
    pub title: String,
    /// Items waiting for the caller.
    pub count: i64,
}

/// The queues the caller may work.
#[derive(Serialize, ToSchema)]
pub struct QueueList {
    /// Queues, in a fixed order.
    pub queues: Vec<QueueView>,
}

/// The review queues the caller may work, with their counts.
#[utoipa::path(get, path = "/api/v1/review", tag = "review", security(("bearer" = [])),
    responses((status = 200, body = QueueList), (status = 401, body = ErrorBody)))]
pub async fn queues(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
) -> Result<Json<QueueList>, ApiError> {
    let qs = state.app.review_queues(&user).await?;
    Ok(Json(QueueList {
        queues: qs
            .into_iter()
            .map(|q| QueueView {
                queue: q.queue.as_str().into(),
                title: q.queue.title().into(),
                count: q.count,
            })
            .collect(),
    }))
}

/// A flag shown to reviewers.
#[derive(Serialize, ToSchema)]
pub struct ReviewFlag {
    /// Reason.
    pub reason: String,
    /// Explanation.
    pub text: String,
    /// Who flagged (`null`: an automatic check, the spam filter or the linked-accounts scan).
    pub flagger: Option<UserRef>,
    /// Duplicate target.
    pub duplicate_of: Option<i64>,
}

/// A close or reopen vote shown to reviewers.
#[derive(Serialize, ToSchema)]
pub struct ReviewVote {
    /// `close` or `reopen`.
    pub kind: String,
    /// Close reason.
    pub reason: Option<String>,
    /// Duplicate target.
    pub duplicate_of: Option<i64>,
    /// Voter.
    pub voter: UserRef,
}

/// A suggested edit.
#[derive(Serialize, ToSchema)]
pub struct SuggestedEditView {
    /// Id.
    pub id: i64,
    /// The post.
    pub post_id: i64,
    /// Who suggested it.
    pub author: UserRef,
    /// The revision it was made against.
    pub base_revision: i64,
    /// Proposed title (questions).
    pub title: String,
    /// Proposed Markdown.
    pub body: String,
    /// Proposed tags.
    pub tags: Vec<String>,
    /// Edit summary.
    pub comment: String,
    /// `pending`, `approved` or `rejected`.
    pub status: String,
    /// Who reviewed it.
    pub reviewer: Option<UserRef>,
    /// The reviewer's reason.
    pub review_reason: String,
    /// When suggested.
    pub created_at: String,
    /// When reviewed.
    pub reviewed_at: Option<String>,
}

fn edit_view(s: &SuggestedEditRow) -> SuggestedEditView {
    SuggestedEditView {
        id: s.id,
        post_id: s.post_id,
        author: UserRef {
            id: s.author_id,
            username: s.author_name.clone(),
        },
        base_revision: s.base_revision,
        title: s.title.clone(),
        body: s.body_md.clone(),
        tags: stoa_domain::post::TagSet::split_stored(&s.tags),
        comment: s.comment.clone(),
        status: s.status.clone(),
        reviewer: s
            .reviewer_id
            .zip(s.reviewer_name.clone())
            .map(|(id, username)| UserRef { id, username }),
        review_reason: s.review_reason.clone(),
        created_at: format_rfc3339(s.created_at),
        reviewed_at: s.reviewed_at.map(format_rfc3339),
    }
}

/// An item of a review queue.
#[derive(Serialize, ToSchema)]
pub struct ReviewItemView {
    /// The id to send the decision to: the post, or the suggested edit.
    pub id: i64,
    /// The post.
    pub post: Post,
    /// `published`, `held` or `hidden`.
    pub status: String,
    /// Its question's page.
    pub url: String,
    /// Pending flags (flagged posts).
    pub flags: Vec<ReviewFlag>,
    /// The suggested edit (suggested edits).
    pub suggested_edit: Option<SuggestedEditView>,
    /// Pending votes (close votes).
    pub votes: Vec<ReviewVote>,
}

/// A page of a queue.
#[derive(Serialize, ToSchema)]
pub struct ReviewPage {
    /// Oldest first.
    pub items: Vec<ReviewItemView>,
    /// Items waiting in all.
    pub total: i64,
}

/// Paging.
#[derive(Deserialize, utoipa::IntoParams)]
pub struct QueueParams {
    /// Page number, from 1.
    pub page: Option<i64>,
    /// Items per page, 1–100 (default 20).
    pub per_page: Option<i64>,
}

/// The items of one queue waiting for the caller.
#[utoipa::path(get, path = "/api/v1/review/{queue}", tag = "review", security(("bearer" = [])),
    params(("queue" = String, Path, description = "Queue name"), QueueParams),
    responses((status = 200, body = ReviewPage), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn queue(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(queue): Path<String>,
    ApiQuery(p): ApiQuery<QueueParams>,
) -> Result<Json<ReviewPage>, ApiError> {
    let page = state
        .app
        .review_queue(&user, &queue, p.page, p.per_page)
        .await?;
    let items = page
        .items
        .iter()
        .map(|i| ReviewItemView {
            id: i.id,
            post: Post::from(&i.post),
            status: i.state.status.to_string(),
            url: question_url(
                i.post.parent_id.unwrap_or(i.post.id),
                &i.state.question_title,
            ),
            flags: i
                .flags
                .iter()
                .map(|f| ReviewFlag {
                    reason: f.reason.clone(),
                    text: f.text.clone(),
                    flagger: f
                        .user_id
                        .zip(f.username.clone())
                        .map(|(id, username)| UserRef { id, username }),
                    duplicate_of: f.duplicate_of,
                })
                .collect(),
            suggested_edit: i.edit.as_ref().map(edit_view),
            votes: i
                .close_votes
                .iter()
                .map(|v| ReviewVote {
                    kind: v.kind.clone(),
                    reason: v.reason.clone(),
                    duplicate_of: v.duplicate_of,
                    voter: UserRef {
                        id: v.user_id,
                        username: v.username.clone(),
                    },
                })
                .collect(),
        })
        .collect();
    Ok(Json(ReviewPage {
        items,
        total: page.total,
    }))
}

/// A review decision.
#[derive(Deserialize, ToSchema)]
pub struct ReviewBody {
    /// first_posts, late_answers: `looks_ok` or `flag`; flagged: `dismiss` or `remove`;
    /// suggested_edits: `approve` or `reject`; close_votes: `close` or `leave_open`.
    pub outcome: String,
    /// Why (required to reject, remove or flag; at most 500 characters).
    pub reason: Option<String>,
    /// The flag to raise with `flag` (default `low_quality`).
    pub flag_reason: Option<String>,
    /// The close reason to vote with `close` (default: the leading one).
    pub close_reason: Option<String>,
    /// The duplicate target of a close vote.
    pub duplicate_of: Option<i64>,
}

/// What a review did.
#[derive(Serialize, ToSchema)]
pub struct ReviewDone {
    /// A sentence saying what happened.
    pub message: String,
}

fn review_input(b: ReviewBody) -> ReviewInput {
    ReviewInput {
        outcome: b.outcome,
        reason: b.reason,
        flag_reason: b.flag_reason,
        close_reason: b.close_reason,
        duplicate_of: b.duplicate_of,
    }
}

/// Records a review decision on a queue item and carries it out.
#[utoipa::path(post, path = "/api/v1/review/{queue}/{id}", tag = "review", request_body = ReviewBody, security(("bearer" = [])),
    params(("queue" = String, Path, description = "Queue name"), ("id" = i64, Path, description = "Post id, or suggested edit id")),
    responses((status = 200, body = ReviewDone), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn review(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path((queue, id)): Path<(String, String)>,
    ApiJson(b): ApiJson<ReviewBody>,
) -> Result<Json<ReviewDone>, ApiError> {
    let id = parse_id(&id)?;
    let message = state.app.review(&user, &queue, id, review_input(b)).await?;
    Ok(Json(ReviewDone { message }))
}

/// A suggested edit: absent fields keep their value.
#[derive(Deserialize, ToSchema)]
pub struct SuggestBody {
    /// New title (questions).
    pub title: Option<String>,
    /// New Markdown body.
    pub body: Option<String>,
    /// New tags (questions).
    pub tags: Option<Vec<String>>,
    /// Edit summary, up to 300 characters.
    pub comment: Option<String>,
}

/// Suggests an edit to someone else's post; a reviewer (or the author) approves or rejects it.
#[utoipa::path(post, path = "/api/v1/posts/{id}/suggested-edits", tag = "review", request_body = SuggestBody,
    params(("id" = i64, Path, description = "Post id")), security(("bearer" = [])),
    responses((status = 201, body = SuggestedEditView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "An edit is already pending"), (status = 422, body = ErrorBody)))]
pub async fn suggest(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<SuggestBody>,
) -> Result<(StatusCode, Json<SuggestedEditView>), ApiError> {
    let id = parse_id(&id)?;
    let s = state
        .app
        .suggest_edit(
            &user,
            id,
            EditInput {
                title: b.title,
                body: b.body,
                tags: b.tags,
                comment: b.comment,
            },
        )
        .await?;
    Ok((StatusCode::CREATED, Json(edit_view(&s))))
}

/// One suggested edit.
#[utoipa::path(get, path = "/api/v1/suggested-edits/{id}", tag = "review", params(("id" = i64, Path, description = "Suggested edit id")),
    responses((status = 200, body = SuggestedEditView), (status = 404, body = ErrorBody)))]
pub async fn show_suggestion(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<SuggestedEditView>, ApiError> {
    let id = parse_id(&id)?;
    let (s, _) = state.app.suggested_edit(id).await?;
    Ok(Json(edit_view(&s)))
}

/// The decision on a suggested edit.
#[derive(Deserialize, ToSchema)]
pub struct SuggestionDecision {
    /// `approve` or `reject`.
    pub outcome: String,
    /// Why (required to reject).
    pub reason: Option<String>,
}

/// Approves (the edit becomes a revision credited to its author) or rejects a suggested edit.
#[utoipa::path(post, path = "/api/v1/suggested-edits/{id}/review", tag = "review", request_body = SuggestionDecision,
    params(("id" = i64, Path, description = "Suggested edit id")), security(("bearer" = [])),
    responses((status = 200, body = SuggestedEditView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn review_suggestion(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<SuggestionDecision>,
) -> Result<Json<SuggestedEditView>, ApiError> {
    let id = parse_id(&id)?;
    let input = ReviewInput {
        outcome: b.outcome,
        reason: b.reason,
        ..ReviewInput::default()
    };
    state
        .app
        .review(&user, "suggested_edits", id, input)
        .await?;
    let (s, _) = state.app.suggested_edit(id).await?;
    Ok(Json(edit_view(&s)))
}

/// A rollback.
#[derive(Deserialize, ToSchema)]
pub struct RollbackBody {
    /// The revision to return to (1 = the original).
    pub revision: i64,
    /// Edit summary (default "Rolled back to revision N").
    pub comment: Option<String>,
}

/// Rolls a post back to an earlier revision, as a new revision.
#[utoipa::path(post, path = "/api/v1/posts/{id}/rollback", tag = "posts", request_body = RollbackBody,
    params(("id" = i64, Path, description = "Post id")), security(("bearer" = [])),
    responses((status = 200, body = Post), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn rollback(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<RollbackBody>,
) -> Result<Json<Post>, ApiError> {
    let id = parse_id(&id)?;
    let p = state
        .app
        .rollback(&user, id, b.revision, b.comment.as_deref())
        .await?;
    Ok(Json(Post::from(&p)))
}

/// A close vote.
#[derive(Deserialize, ToSchema)]
pub struct CloseBody {
    /// `off_topic`, `needs_details` or `duplicate`.
    pub reason: String,
    /// The question this one duplicates.
    pub duplicate_of: Option<i64>,
}

/// Where the votes stand.
#[derive(Serialize, ToSchema)]
pub struct TallyView {
    /// `close` or `reopen`.
    pub kind: String,
    /// Pending votes (0 once they took effect).
    pub votes: i64,
    /// Votes needed.
    pub needed: i64,
    /// Whether the question is closed now.
    pub closed: bool,
}

fn tally(t: CloseTally) -> TallyView {
    TallyView {
        kind: t.kind.into(),
        votes: t.votes,
        needed: t.needed,
        closed: t.closed,
    }
}

/// Votes to close a question (a moderator's vote closes it at once).
#[utoipa::path(post, path = "/api/v1/questions/{id}/close", tag = "questions", request_body = CloseBody,
    params(("id" = i64, Path, description = "Question id")), security(("bearer" = [])),
    responses((status = 200, body = TallyView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn close(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<CloseBody>,
) -> Result<Json<TallyView>, ApiError> {
    let id = parse_id(&id)?;
    Ok(Json(tally(
        state
            .app
            .vote_to_close(&user, id, &b.reason, b.duplicate_of)
            .await?,
    )))
}

/// Votes to reopen a closed question (a moderator's vote reopens it at once).
#[utoipa::path(post, path = "/api/v1/questions/{id}/reopen", tag = "questions",
    params(("id" = i64, Path, description = "Question id")), security(("bearer" = [])),
    responses((status = 200, body = TallyView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody)))]
pub async fn reopen(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
) -> Result<Json<TallyView>, ApiError> {
    let id = parse_id(&id)?;
    Ok(Json(tally(state.app.vote_to_reopen(&user, id).await?)))
}
