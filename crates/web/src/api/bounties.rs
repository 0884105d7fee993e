//! Bounties: offering reputation on a question and awarding it to an answer.

use super::dto::UserRef;
use super::{parse_id, ApiJson};
use crate::auth::ApiUser;
use crate::error::{ApiError, ErrorBody};
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use stoa_app::BountyRow;
use stoa_domain::time::format_rfc3339;
use utoipa::ToSchema;

/// A bounty.
#[derive(Serialize, ToSchema)]
pub struct BountyJson {
    /// Id.
    pub id: i64,
    /// The question.
    pub question_id: i64,
    /// Who offered it.
    pub offered_by: UserRef,
    /// Reputation offered.
    pub amount: i64,
    /// Start (RFC 3339).
    pub started_at: String,
    /// End (RFC 3339): a week after the start.
    pub ends_at: String,
    /// `open`, `awarded` or `expired`.
    pub status: String,
    /// The answer that received it.
    pub awarded_answer_id: Option<i64>,
    /// Its author.
    pub awarded_to: Option<UserRef>,
    /// Reputation received (half the amount when it ended unawarded).
    pub awarded_amount: i64,
}

/// A bounty as JSON.
pub fn bounty_json(b: &BountyRow) -> BountyJson {
    BountyJson {
        id: b.id,
        question_id: b.question_id,
        offered_by: UserRef {
            id: b.offered_by,
            username: b.offered_by_name.clone(),
        },
        amount: b.amount,
        started_at: format_rfc3339(b.started_at),
        ends_at: format_rfc3339(b.ends_at),
        status: b.status.clone(),
        awarded_answer_id: b.awarded_answer_id,
        awarded_to: b.awarded_to.map(|id| UserRef {
            id,
            username: b.awarded_to_name.clone().unwrap_or_default(),
        }),
        awarded_amount: b.awarded_amount,
    }
}

/// An offer.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OfferBody {
    /// Reputation to offer, 50–500, at most one's own.
    pub amount: i64,
}

/// Offers a bounty on a question for seven days; the points leave the offerer's reputation at once.
#[utoipa::path(post, path = "/api/v1/questions/{id}/bounty", tag = "questions", request_body = OfferBody,
    params(("id" = i64, Path, description = "Question id")), security(("bearer" = [])),
    responses((status = 201, body = BountyJson), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody, description = "Not enough reputation for the privilege"),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody, description = "A bounty is running"),
        (status = 422, body = ErrorBody, description = "Amount outside 50–500 or above one's reputation")))]
pub async fn offer(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<OfferBody>,
) -> Result<(StatusCode, Json<BountyJson>), ApiError> {
    let id = parse_id(&id)?;
    let b = state.app.offer_bounty(&user, id, body.amount).await?;
    Ok((StatusCode::CREATED, Json(bounty_json(&b))))
}

/// An award.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AwardBody {
    /// The answer that receives the bounty.
    pub answer_id: i64,
}

/// Awards the question's running bounty to an answer (only the member who offered it).
#[utoipa::path(post, path = "/api/v1/questions/{id}/bounty/award", tag = "questions", request_body = AwardBody,
    params(("id" = i64, Path, description = "Question id")), security(("bearer" = [])),
    responses((status = 200, body = BountyJson), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody, description = "Not one's bounty, or one's own answer"),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody, description = "No running bounty"),
        (status = 422, body = ErrorBody, description = "Not an answer to this question")))]
pub async fn award(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<AwardBody>,
) -> Result<Json<BountyJson>, ApiError> {
    let id = parse_id(&id)?;
    let b = state.app.award_bounty(&user, id, body.answer_id).await?;
    Ok(Json(bounty_json(&b)))
}
