//! `/search` and `/similar`.

use super::dto::{article_url, question_url};
use super::ApiQuery;
use crate::error::{ApiError, ErrorBody};
use crate::AppState;
use axum::extract::State;
use axum::Json;
use serde::{Deserialize, Serialize};
use stoa_app::SearchHit;
use stoa_domain::post_kind::PostKind;
use utoipa::{IntoParams, ToSchema};

/// Search parameters.
#[derive(Deserialize, IntoParams)]
pub struct SearchParams {
    /// Query: words, "exact phrases", `[tag]`, `is:question`, `is:article`, `is:accepted`.
    pub q: Option<String>,
    /// Only results with this tag.
    pub tag: Option<String>,
    /// Page number, from 1.
    pub page: Option<i64>,
    /// Items per page, 1–100 (default 20).
    pub per_page: Option<i64>,
}

/// One result.
#[derive(Serialize, ToSchema)]
pub struct SearchItem {
    /// Post id.
    pub id: i64,
    /// `question` or `article`.
    pub kind: String,
    /// Title.
    pub title: String,
    /// A passage of the post, HTML-escaped, with matched words in `<mark>`.
    pub snippet: String,
    /// Relevance used for ordering (higher is better).
    pub score: f64,
    /// Votes on the post.
    pub votes: i64,
    /// Live answers.
    pub answer_count: i64,
    /// Whether an answer is accepted.
    pub has_accepted_answer: bool,
    /// Tags.
    pub tags: Vec<String>,
    /// The post's page.
    pub url: String,
}

/// Search results.
#[derive(Serialize, ToSchema)]
pub struct SearchList {
    /// This page, best first.
    pub items: Vec<SearchItem>,
    /// All matches.
    pub total: i64,
    /// When nothing matched as typed and misspelt words were corrected: the search terms used.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub corrected_query: Option<String>,
}

/// Similar-post parameters: `q` is a draft (title and body together), or give `title` and `body`.
#[derive(Deserialize, IntoParams)]
pub struct SimilarParams {
    /// Draft text.
    pub q: Option<String>,
    /// Draft title (weighted above the body).
    pub title: Option<String>,
    /// Draft body.
    pub body: Option<String>,
    /// At most this many (1–20, default 8).
    pub limit: Option<i64>,
}

/// Suggestions.
#[derive(Serialize, ToSchema)]
pub struct SimilarList {
    /// Best first.
    pub items: Vec<SearchItem>,
}

fn item(h: SearchHit) -> SearchItem {
    SearchItem {
        url: if h.kind == PostKind::Article {
            article_url(h.post_id, &h.title)
        } else {
            question_url(h.post_id, &h.title)
        },
        id: h.post_id,
        kind: h.kind.to_string(),
        title: h.title,
        snippet: h.snippet_html,
        score: (h.relevance * 10_000.0).round() / 10_000.0,
        votes: h.votes,
        answer_count: h.answer_count,
        has_accepted_answer: h.has_accepted,
        tags: h.tags,
    }
}

/// Full-text search over questions and articles.
#[utoipa::path(get, path = "/api/v1/search", tag = "search", params(SearchParams),
    responses((status = 200, body = SearchList), (status = 422, body = ErrorBody)))]
pub async fn search(
    State(state): State<AppState>,
    ApiQuery(p): ApiQuery<SearchParams>,
) -> Result<Json<SearchList>, ApiError> {
    let r = state
        .app
        .search(
            p.q.as_deref().unwrap_or(""),
            p.tag.as_deref(),
            p.page,
            p.per_page,
        )
        .await?;
    Ok(Json(SearchList {
        corrected_query: r.corrected.map(|t| t.join(" ")),
        items: r.hits.into_iter().map(item).collect(),
        total: r.total,
    }))
}

/// Questions and articles close to a draft, for suggestions while typing.
#[utoipa::path(get, path = "/api/v1/similar", tag = "search", params(SimilarParams),
    responses((status = 200, body = SimilarList), (status = 422, body = ErrorBody)))]
pub async fn similar(
    State(state): State<AppState>,
    ApiQuery(p): ApiQuery<SimilarParams>,
) -> Result<Json<SimilarList>, ApiError> {
    let limit = p.limit.unwrap_or(8);
    if !(1..=20).contains(&limit) {
        return Err(stoa_app::AppError::invalid(
            "invalid_limit",
            "limit",
            "limit must be between 1 and 20.",
        )
        .into());
    }
    let (title, body) = match (p.title, p.body, p.q) {
        (Some(t), b, _) => (t, b.unwrap_or_default()),
        (None, Some(b), q) => (q.unwrap_or_default(), b),
        (None, None, q) => (q.unwrap_or_default(), String::new()),
    };
    let hits = state.app.similar(&title, &body, limit as usize).await?;
    Ok(Json(SimilarList {
        items: hits.into_iter().map(item).collect(),
    }))
}
