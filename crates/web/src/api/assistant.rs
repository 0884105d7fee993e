//! `POST /api/v1/assistant`: passages of the community's answers for a problem in words.

use super::ApiJson;
use crate::auth::ClientIp;
use crate::error::{ApiError, ErrorBody};
use crate::AppState;
use axum::extract::State;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A problem, in the asker's words.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssistantBody {
    /// What is wrong or wanted (3 to 5,000 characters).
    pub text: String,
    /// Tags to narrow the candidate questions to, when some share them.
    #[serde(default)]
    pub tags: Vec<String>,
}

/// A passage that may answer the problem.
#[derive(Serialize, ToSchema)]
pub struct AssistantItemJson {
    /// The answer or article.
    pub post_id: i64,
    /// Where to read it whole.
    pub url: String,
    /// The question it answers, or the article's title.
    pub title: String,
    /// The part of it that matches the problem best (plain text).
    pub passage: String,
    /// The model's probability that it answers the problem (0 to 1).
    pub score: f64,
}

/// One answer written from the passages by the site's language model, when it has one.
#[derive(Serialize, ToSchema)]
pub struct WrittenJson {
    /// The answer; `[n]` cites the n-th item.
    pub text: String,
    /// The posts it cites, in order of citation.
    pub cites: Vec<i64>,
}

/// What the community's answers offer.
#[derive(Serialize, ToSchema)]
pub struct AssistantJson {
    /// Written from `items` by the site's language model (only when one is configured and its
    /// answer cites nothing but `items`); `null` otherwise.
    pub answer: Option<WrittenJson>,
    /// Best first, at most three; empty when nothing scores high enough.
    pub items: Vec<AssistantItemJson>,
    /// Whether the best passage is likely to answer the problem.
    pub answered: bool,
    /// Where to go when it does not: asking the community, or support.
    pub escalate_url: String,
}

/// Passages of accepted and good answers and of articles that answer a problem, with their
/// sources; grounded only in what the community wrote (docs/assistant.md).
#[utoipa::path(post, path = "/api/v1/assistant", tag = "search", request_body = AssistantBody,
    responses((status = 200, body = AssistantJson), (status = 422, body = ErrorBody),
        (status = 429, body = ErrorBody)))]
pub async fn ask(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    ApiJson(b): ApiJson<AssistantBody>,
) -> Result<Json<AssistantJson>, ApiError> {
    let (found, written) = state
        .app
        .assistant_with_answer(&b.text, &b.tags, &ip)
        .await?;
    let answer = written.map(|w| WrittenJson {
        cites: w
            .cites
            .iter()
            .filter_map(|i| found.items.get(*i).map(|it| it.post_id))
            .collect(),
        text: w.text,
    });
    Ok(Json(AssistantJson {
        answer,
        answered: found.answered,
        escalate_url: escalate_url(&b.text),
        items: found
            .items
            .into_iter()
            .map(|i| AssistantItemJson {
                post_id: i.post_id,
                url: i.url,
                title: i.title,
                passage: i.passage,
                score: i.score,
            })
            .collect(),
    }))
}

/// The ask page with the problem as the title's start, for when no passage answers it.
pub fn escalate_url(text: &str) -> String {
    let title: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let title: String = title.chars().take(120).collect();
    format!(
        "/ask?title={}",
        serde_urlencoded::to_string([("", title.as_str())])
            .unwrap_or_default()
            .trim_start_matches('=')
    )
}

/// A draft to suggest tags for.
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SuggestParams {
    /// The question's title so far (at most 300 characters).
    pub title: Option<String>,
    /// Its body so far (at most 50,000 characters).
    pub body: Option<String>,
}

/// A suggested tag.
#[derive(Serialize, ToSchema)]
pub struct TagSuggestionJson {
    /// One of the site's tags.
    pub tag: String,
    /// How strongly the draft points to it, in (0, 1]; the best has 1.
    pub score: f64,
}

/// Suggested tags, best first.
#[derive(Serialize, ToSchema)]
pub struct TagSuggestionsJson {
    /// At most five; empty when the draft says nothing the site's questions taught.
    pub items: Vec<TagSuggestionJson>,
}

/// Up to five of the site's tags for a question being written, learned from the site's own
/// tagged questions (docs/assistant.md).
#[utoipa::path(get, path = "/api/v1/tags/suggest", tag = "questions", params(SuggestParams),
    responses((status = 200, body = TagSuggestionsJson), (status = 422, body = ErrorBody)))]
pub async fn suggest_tags(
    State(state): State<AppState>,
    super::query::ApiQuery(q): super::query::ApiQuery<SuggestParams>,
) -> Result<Json<TagSuggestionsJson>, ApiError> {
    let found = state
        .app
        .suggest_tags(
            q.title.as_deref().unwrap_or(""),
            q.body.as_deref().unwrap_or(""),
        )
        .await?;
    Ok(Json(TagSuggestionsJson {
        items: found
            .into_iter()
            .map(|s| TagSuggestionJson {
                tag: s.tag,
                score: s.score,
            })
            .collect(),
    }))
}

/// A draft to coach.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CoachBody {
    /// The title so far (at most 300 characters).
    #[serde(default)]
    pub title: String,
    /// The body so far, Markdown (at most 50,000 characters).
    #[serde(default)]
    pub body: String,
}

/// A coaching hint.
#[derive(Serialize, ToSchema)]
pub struct HintJson {
    /// `error_message`, `version`, `title_specific` or `title_question`.
    pub code: String,
    /// What to do, in words.
    pub advice: String,
    /// The site's own evidence for it, when it has enough questions to tell.
    pub evidence: Option<String>,
}

/// A question with an accepted answer that asks the same.
#[derive(Serialize, ToSchema)]
pub struct DuplicateJson {
    /// The question.
    pub id: i64,
    /// Its title.
    pub title: String,
    /// Its page.
    pub url: String,
}

/// What the draft lacks.
#[derive(Serialize, ToSchema)]
pub struct CoachingJson {
    /// In the order to fix them; empty for a complete draft or one too short to judge.
    pub hints: Vec<HintJson>,
    /// A question with an accepted answer asking the same, if there is one.
    pub duplicate: Option<DuplicateJson>,
}

/// Question coaching: what answerers will need that a draft lacks, weighed by the site's own
/// answered and unanswered questions (docs/assistant.md).
#[utoipa::path(post, path = "/api/v1/questions/coach", tag = "questions", request_body = CoachBody,
    responses((status = 200, body = CoachingJson), (status = 422, body = ErrorBody),
        (status = 429, body = ErrorBody)))]
pub async fn coach(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    ApiJson(b): ApiJson<CoachBody>,
) -> Result<Json<CoachingJson>, ApiError> {
    let found = state.app.coach_draft(&b.title, &b.body, &ip).await?;
    Ok(Json(CoachingJson {
        hints: found
            .hints
            .into_iter()
            .map(|c| HintJson {
                code: c.hint.code().to_string(),
                advice: c.hint.advice().to_string(),
                evidence: c.evidence,
            })
            .collect(),
        duplicate: found.duplicate.map(|d| DuplicateJson {
            url: format!("/questions/{}", d.post_id),
            id: d.post_id,
            title: d.title,
        }),
    }))
}
