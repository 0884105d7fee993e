//! Questions, answers, comments, votes, acceptance, edits and deletion.

use super::dto::{Comment, Post, Question, QuestionList, QuestionSummary};
use super::{parse_id, ApiJson, ApiQuery};
use crate::auth::{ApiUser, MaybeApiUser};
use crate::error::{ApiError, ErrorBody, Problem};
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};
use stoa_app::{EditInput, QuestionInput, QuestionSort};
use utoipa::{IntoParams, ToSchema};

/// List filters.
#[derive(Deserialize, IntoParams)]
pub struct ListParams {
    /// `newest` (default), `active`, `votes`, `unanswered` or `bounty` (running bounties, largest first).
    pub sort: Option<String>,
    /// Only questions with this tag.
    pub tag: Option<String>,
    /// Page number, from 1.
    pub page: Option<i64>,
    /// Items per page, 1–100 (default 30).
    pub per_page: Option<i64>,
}

/// A new question.
#[derive(Deserialize, ToSchema)]
pub struct NewQuestion {
    /// 3–150 characters.
    pub title: String,
    /// Markdown, up to 30,000 characters.
    pub body: String,
    /// Up to 5 tags: lower-case letters, digits, `+ # . -`.
    #[serde(default)]
    pub tags: Vec<String>,
}

/// A new answer or comment.
#[derive(Deserialize, ToSchema)]
pub struct NewText {
    /// Markdown (comments: 2–600 characters of Markdown-lite).
    pub body: String,
}

/// A vote.
#[derive(Deserialize, ToSchema)]
pub struct VoteBody {
    /// 1 (up), -1 (down) or 0 (take the vote back).
    pub value: i64,
}

/// The score after a vote.
#[derive(Serialize, ToSchema)]
pub struct VoteResult {
    /// New score of the post.
    pub score: i64,
    /// The voter's vote now.
    pub value: i64,
}

/// Acceptance.
#[derive(Deserialize, ToSchema)]
pub struct AcceptBody {
    /// The answer to accept; `null` withdraws the acceptance.
    pub answer_id: Option<i64>,
}

/// The accepted answer after the change.
#[derive(Serialize, ToSchema)]
pub struct AcceptResult {
    /// The question.
    pub question_id: i64,
    /// The accepted answer, if any.
    pub accepted_answer_id: Option<i64>,
}

/// An edit: absent fields keep their value.
#[derive(Deserialize, ToSchema)]
pub struct EditBody {
    /// New title (questions).
    pub title: Option<String>,
    /// New Markdown body.
    pub body: Option<String>,
    /// New tags (questions).
    pub tags: Option<Vec<String>>,
    /// Edit summary, up to 300 characters.
    pub comment: Option<String>,
}

fn parse_sort(s: Option<&str>) -> Result<QuestionSort, ApiError> {
    match s.unwrap_or("newest") {
        "newest" => Ok(QuestionSort::Newest),
        "active" => Ok(QuestionSort::Active),
        "votes" => Ok(QuestionSort::Votes),
        "unanswered" => Ok(QuestionSort::Unanswered),
        "bounty" => Ok(QuestionSort::Bounty),
        other => Err(ApiError(Problem {
            field: Some("sort"),
            ..Problem::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_sort",
                format!("Unknown sort {other:?}: use newest, active, votes, unanswered or bounty."),
            )
        })),
    }
}

/// Lists questions.
#[utoipa::path(get, path = "/api/v1/questions", tag = "questions", params(ListParams),
    responses((status = 200, body = QuestionList), (status = 404, body = ErrorBody, description = "Unknown tag"),
        (status = 422, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    ApiQuery(p): ApiQuery<ListParams>,
) -> Result<Json<QuestionList>, ApiError> {
    let sort = parse_sort(p.sort.as_deref())?;
    let tag = p.tag.as_deref().map(str::trim).filter(|t| !t.is_empty());
    let page = state
        .app
        .list_questions(sort, tag, p.page, p.per_page)
        .await?;
    Ok(Json(QuestionList {
        items: page.items.iter().map(QuestionSummary::from).collect(),
        total: page.total,
    }))
}

/// Asks a question.
#[utoipa::path(post, path = "/api/v1/questions", tag = "questions", request_body = NewQuestion, security(("bearer" = [])),
    responses((status = 201, body = Question), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiJson(body): ApiJson<NewQuestion>,
) -> Result<(StatusCode, Json<Question>), ApiError> {
    let q = state
        .app
        .ask_question(
            &user,
            QuestionInput {
                title: body.title,
                body: body.body,
                tags: body.tags,
                coached: Vec::new(),
            },
        )
        .await?;
    let view = state.app.question_view(Some(&user), q.id).await?;
    Ok((StatusCode::CREATED, Json(Question::build(&view, true))))
}

/// A question with its answers and comments.
#[utoipa::path(get, path = "/api/v1/questions/{id}", tag = "questions", params(("id" = i64, Path, description = "Question id")),
    responses((status = 200, body = Question), (status = 404, body = ErrorBody)))]
pub async fn show(
    State(state): State<AppState>,
    MaybeApiUser(user): MaybeApiUser,
    Path(id): Path<String>,
) -> Result<Json<Question>, ApiError> {
    let id = parse_id(&id)?;
    let view = state.app.question_view(user.as_ref(), id).await?;
    Ok(Json(Question::build(&view, user.is_some())))
}

/// Answers a question.
#[utoipa::path(post, path = "/api/v1/questions/{id}/answers", tag = "questions", request_body = NewText,
    params(("id" = i64, Path, description = "Question id")), security(("bearer" = [])),
    responses((status = 201, body = Post), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn answer(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<NewText>,
) -> Result<(StatusCode, Json<Post>), ApiError> {
    let id = parse_id(&id)?;
    let a = state.app.post_answer(&user, id, &body.body).await?;
    Ok((StatusCode::CREATED, Json(Post::from(&a))))
}

/// Comments on a question or answer.
#[utoipa::path(post, path = "/api/v1/posts/{id}/comments", tag = "posts", request_body = NewText,
    params(("id" = i64, Path, description = "Post id")), security(("bearer" = [])),
    responses((status = 201, body = Comment), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn comment(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<NewText>,
) -> Result<(StatusCode, Json<Comment>), ApiError> {
    let id = parse_id(&id)?;
    let c = state.app.add_comment(&user, id, &body.body).await?;
    Ok((StatusCode::CREATED, Json(Comment::from(&c))))
}

/// Votes on a post.
#[utoipa::path(post, path = "/api/v1/posts/{id}/vote", tag = "posts", request_body = VoteBody,
    params(("id" = i64, Path, description = "Post id")), security(("bearer" = [])),
    responses((status = 200, body = VoteResult), (status = 403, body = ErrorBody, description = "Own post"),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn vote(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<VoteBody>,
) -> Result<Json<VoteResult>, ApiError> {
    let id = parse_id(&id)?;
    let score = state.app.vote(&user, id, body.value).await?;
    Ok(Json(VoteResult {
        score,
        value: body.value,
    }))
}

/// Accepts an answer (only the asker).
#[utoipa::path(post, path = "/api/v1/questions/{id}/accept", tag = "questions", request_body = AcceptBody,
    params(("id" = i64, Path, description = "Question id")), security(("bearer" = [])),
    responses((status = 200, body = AcceptResult), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn accept(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<AcceptBody>,
) -> Result<Json<AcceptResult>, ApiError> {
    let id = parse_id(&id)?;
    let accepted = state.app.accept_answer(&user, id, body.answer_id).await?;
    Ok(Json(AcceptResult {
        question_id: id,
        accepted_answer_id: accepted,
    }))
}

/// Edits a post; every edit becomes a revision.
#[utoipa::path(patch, path = "/api/v1/posts/{id}", tag = "posts", request_body = EditBody,
    params(("id" = i64, Path, description = "Post id")), security(("bearer" = [])),
    responses((status = 200, body = Post), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn edit(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<EditBody>,
) -> Result<Json<Post>, ApiError> {
    let id = parse_id(&id)?;
    let p = state
        .app
        .edit_post(
            &user,
            id,
            EditInput {
                title: body.title,
                body: body.body,
                tags: body.tags,
                comment: body.comment,
            },
        )
        .await?;
    Ok(Json(Post::from(&p)))
}

/// Deletes a post (its author or a moderator).
#[utoipa::path(delete, path = "/api/v1/posts/{id}", tag = "posts", params(("id" = i64, Path, description = "Post id")),
    security(("bearer" = [])),
    responses((status = 204, description = "Deleted"), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn delete(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id = parse_id(&id)?;
    state.app.delete_post(&user, id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// A revision in a post's history.
#[derive(Serialize, ToSchema)]
pub struct Revision {
    /// 1 for the original.
    pub number: i64,
    /// Who wrote this revision.
    pub author: super::dto::UserRef,
    /// Edit summary.
    pub comment: String,
    /// Title at this revision.
    pub title: String,
    /// Markdown at this revision.
    pub body: String,
    /// Tags at this revision.
    pub tags: Vec<String>,
    /// When.
    pub created_at: String,
}

/// The history of a post.
#[derive(Serialize, ToSchema)]
pub struct RevisionList {
    /// Oldest first.
    pub items: Vec<Revision>,
    /// How many.
    pub total: i64,
}

/// Every revision of a post.
#[utoipa::path(get, path = "/api/v1/posts/{id}/revisions", tag = "posts", params(("id" = i64, Path, description = "Post id")),
    responses((status = 200, body = RevisionList), (status = 404, body = ErrorBody)))]
pub async fn revisions(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<RevisionList>, ApiError> {
    let id = parse_id(&id)?;
    let (_, revs) = state.app.revisions(id).await?;
    let items: Vec<Revision> = revs
        .iter()
        .map(|r| Revision {
            number: r.number,
            author: super::dto::UserRef {
                id: r.author_id,
                username: r.author_name.clone(),
            },
            comment: r.comment.clone(),
            title: r.title.clone(),
            body: r.body_md.clone(),
            tags: stoa_domain::post::TagSet::split_stored(&r.tags),
            created_at: stoa_domain::time::format_rfc3339(r.created_at),
        })
        .collect();
    let total = items.len() as i64;
    Ok(Json(RevisionList { items, total }))
}
