//! Fair value sharing: the formula and its versions, periods, statements, payouts and each
//! member's choices.

use super::dto::UserRef;
use super::{parse_id, ApiJson, ApiQuery};
use crate::auth::{ApiUser, MaybeApiUser};
use crate::error::{ApiError, ErrorBody};
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};
use stoa_app::{AppError, FormulaVersion, PeriodRow, PeriodView, Statement};
use stoa_domain::rewards::Formula;
use stoa_domain::time::{format_rfc3339, parse_instant};
use utoipa::{IntoParams, ToSchema};

/// A version of the formula.
#[derive(Serialize, ToSchema)]
pub struct FormulaJson {
    /// Version number.
    pub version: i64,
    /// When it was published (RFC 3339).
    pub published_at: String,
    /// Periods starting at or after this use it (RFC 3339).
    pub effective_from: String,
    /// What changed and why.
    pub note: String,
    /// Weights, diminishing returns, cap, minimum payout, transform, staff exclusion.
    #[schema(value_type = Object)]
    pub spec: Formula,
}

fn formula_json(f: FormulaVersion) -> FormulaJson {
    FormulaJson {
        version: f.version,
        published_at: format_rfc3339(f.published_at),
        effective_from: format_rfc3339(f.effective_from),
        note: f.note,
        spec: f.formula,
    }
}

/// A reward period.
#[derive(Serialize, ToSchema)]
pub struct PeriodJson {
    /// Id.
    pub id: i64,
    /// Start (RFC 3339, inclusive).
    pub starts_at: String,
    /// End (RFC 3339, exclusive).
    pub ends_at: String,
    /// `open` or `closed`.
    pub status: String,
    /// The pool in minor units (cents).
    pub pool_minor: i64,
    /// ISO 4217 code.
    pub currency: String,
    /// The formula version it uses.
    pub formula_version: i64,
    /// SHA-256 of the closed statement.
    pub statement_hash: Option<String>,
}

fn period_json(p: PeriodRow) -> PeriodJson {
    PeriodJson {
        id: p.id,
        starts_at: format_rfc3339(p.starts_at),
        ends_at: format_rfc3339(p.ends_at),
        status: p.status,
        pool_minor: p.pool_minor,
        currency: p.currency,
        formula_version: p.formula_version,
        statement_hash: p.statement_hash,
    }
}

/// The formula, its versions and the periods.
#[derive(Serialize, ToSchema)]
pub struct RewardsJson {
    /// In force for a period starting now.
    pub formula: FormulaJson,
    /// Every version, newest first (announced future ones included).
    pub formulas: Vec<FormulaJson>,
    /// Every period, newest first.
    pub periods: Vec<PeriodJson>,
}

/// The published formula, its history and the periods (public).
#[utoipa::path(get, path = "/api/v1/rewards", tag = "rewards", responses((status = 200, body = RewardsJson)))]
pub async fn overview(State(state): State<AppState>) -> Result<Json<RewardsJson>, ApiError> {
    let o = state.app.rewards_overview().await?;
    Ok(Json(RewardsJson {
        formula: formula_json(o.current),
        formulas: o.formulas.into_iter().map(formula_json).collect(),
        periods: o.periods.into_iter().map(period_json).collect(),
    }))
}

/// A new period.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewPeriodBody {
    /// Start: RFC 3339 or `YYYY-MM-DD`.
    pub starts_at: String,
    /// End (exclusive): RFC 3339 or `YYYY-MM-DD`.
    pub ends_at: String,
    /// The pool in minor units (cents), 1 or more.
    pub pool_minor: i64,
    /// ISO 4217 code.
    pub currency: String,
}

fn instant(raw: &str, field: &'static str) -> Result<i64, AppError> {
    parse_instant(raw).ok_or_else(|| {
        AppError::invalid(
            "invalid_date",
            field,
            "Dates are RFC 3339 (2026-12-01T00:00:00Z) or YYYY-MM-DD.",
        )
    })
}

/// Opens a period (admins). Overlapping periods are a 409.
#[utoipa::path(post, path = "/api/v1/rewards/periods", tag = "rewards", request_body = NewPeriodBody, security(("bearer" = [])),
    responses((status = 201, body = PeriodJson), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn open_period(
    State(state): State<AppState>,
    ApiUser(u): ApiUser,
    ApiJson(b): ApiJson<NewPeriodBody>,
) -> Result<(StatusCode, Json<PeriodJson>), ApiError> {
    let starts = instant(&b.starts_at, "starts_at")?;
    let ends = instant(&b.ends_at, "ends_at")?;
    let p = state
        .app
        .open_reward_period(&u, starts, ends, b.pool_minor, &b.currency)
        .await?;
    Ok((StatusCode::CREATED, Json(period_json(p))))
}

/// One person's result.
#[derive(Serialize, ToSchema)]
pub struct AllocationJson {
    /// Who (id 0 for members who keep their rewards private, to anyone but themselves and
    /// admins).
    pub user: UserRef,
    /// Points.
    pub points: i64,
    /// Amount in minor units.
    pub amount_minor: i64,
    /// They declined payouts (their share went back to the pool).
    pub declined: bool,
}

/// How evenly the period's value is divided (see docs/rewards.md).
#[derive(Serialize, ToSchema)]
pub struct FairnessJson {
    /// Gini coefficient of points (0 equal, 1 one person has all).
    pub gini_points: f64,
    /// Gini coefficient of amounts.
    pub gini_amounts: f64,
    /// Share of the pool paid to the top 1 %.
    pub top1_share: f64,
    /// Share paid to the top 10 %.
    pub top10_share: f64,
    /// Share paid to people between the median and the 99th percentile.
    pub middle_class_share: f64,
    /// People paid.
    pub paid: usize,
}

/// A period with its allocations.
#[derive(Serialize, ToSchema)]
pub struct PeriodDetailJson {
    /// The period.
    #[serde(flatten)]
    pub period: PeriodJson,
    /// Live standings while open, the frozen statement once closed; the largest first.
    pub allocations: Vec<AllocationJson>,
    /// Fairness figures.
    pub fairness: FairnessJson,
    /// With `?verify=true`, for a closed period: recomputing from the stored contributions
    /// gives the stored hash.
    pub verified: Option<bool>,
    /// The formula it uses.
    pub formula: FormulaJson,
}

fn detail(v: PeriodView) -> PeriodDetailJson {
    PeriodDetailJson {
        allocations: v
            .allocations
            .into_iter()
            .map(|a| AllocationJson {
                user: UserRef {
                    id: a.user_id,
                    username: a.username,
                },
                points: a.points,
                amount_minor: a.amount_minor,
                declined: a.declined,
            })
            .collect(),
        fairness: FairnessJson {
            gini_points: v.fairness.gini_points,
            gini_amounts: v.fairness.gini_amounts,
            top1_share: v.fairness.top1_share,
            top10_share: v.fairness.top10_share,
            middle_class_share: v.fairness.middle_class_share,
            paid: v.fairness.paid,
        },
        verified: v.verified,
        formula: formula_json(v.formula),
        period: period_json(v.period),
    }
}

/// Whether to verify a closed statement.
#[derive(Deserialize, IntoParams)]
pub struct VerifyParams {
    /// `true`: recompute the closed statement from its stored contributions and compare the
    /// hash (`verified`); a read of every contribution.
    pub verify: Option<bool>,
}

/// A period: its standings or statement, and its fairness figures (public).
#[utoipa::path(get, path = "/api/v1/rewards/periods/{id}", tag = "rewards",
    params(("id" = i64, Path, description = "Period id"), VerifyParams),
    responses((status = 200, body = PeriodDetailJson), (status = 404, body = ErrorBody)))]
pub async fn period(
    State(state): State<AppState>,
    MaybeApiUser(u): MaybeApiUser,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<VerifyParams>,
) -> Result<Json<PeriodDetailJson>, ApiError> {
    Ok(Json(detail(
        state
            .app
            .reward_period_for(u.as_ref(), parse_id(&id)?, q.verify.unwrap_or(false))
            .await?,
    )))
}

/// Closes a period that has ended (admins): the statement is frozen with its hash. Twice is
/// a 409.
#[utoipa::path(post, path = "/api/v1/rewards/periods/{id}/close", tag = "rewards", params(("id" = i64, Path, description = "Period id")),
    security(("bearer" = [])),
    responses((status = 200, body = PeriodDetailJson), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody)))]
pub async fn close_period(
    State(state): State<AppState>,
    ApiUser(u): ApiUser,
    Path(id): Path<String>,
) -> Result<Json<PeriodDetailJson>, ApiError> {
    Ok(Json(detail(
        state.app.close_reward_period(&u, parse_id(&id)?).await?,
    )))
}

/// A counted contribution.
#[derive(Serialize, ToSchema)]
pub struct ContributionJson {
    /// `accepted_answer`, `answer_upvote`, `article_helpful`, `person_helped`, `flag_upheld`,
    /// `review`, `edit_approved`.
    pub kind: String,
    /// The post concerned.
    pub post_id: Option<i64>,
    /// Its points.
    pub points: i64,
    /// When (RFC 3339).
    pub at: String,
}

/// A person's statement.
#[derive(Serialize, ToSchema)]
pub struct StatementJson {
    /// Who.
    pub user: UserRef,
    /// Every counted contribution.
    pub contributions: Vec<ContributionJson>,
    /// Total points.
    pub points: i64,
    /// Their weight after the transform (decimal).
    pub weight: String,
    /// Everyone's weights together (paid people).
    pub total_weight: String,
    /// Their share of the pool, 0 to 1.
    pub share: f64,
    /// Their amount in minor units.
    pub amount_minor: i64,
    /// They declined payouts.
    pub declined: bool,
    /// The period.
    pub period: PeriodJson,
}

fn statement_json(s: Statement) -> StatementJson {
    StatementJson {
        user: UserRef {
            id: s.user_id,
            username: s.username,
        },
        contributions: s
            .contributions
            .into_iter()
            .map(|c| ContributionJson {
                kind: c.kind,
                post_id: c.post_id,
                points: c.points,
                at: format_rfc3339(c.at),
            })
            .collect(),
        points: s.points,
        weight: s.weight,
        total_weight: s.total_weight,
        share: s.share,
        amount_minor: s.amount_minor,
        declined: s.declined,
        period: period_json(s.period),
    }
}

/// One person's statement: every counted contribution, points, share and amount (public
/// unless they hide their rewards).
#[utoipa::path(get, path = "/api/v1/rewards/periods/{id}/users/{uid}", tag = "rewards",
    params(("id" = i64, Path, description = "Period id"), ("uid" = i64, Path, description = "User id")),
    responses((status = 200, body = StatementJson), (status = 404, body = ErrorBody)))]
pub async fn statement(
    State(state): State<AppState>,
    MaybeApiUser(u): MaybeApiUser,
    Path((id, uid)): Path<(String, String)>,
) -> Result<Json<StatementJson>, ApiError> {
    let s = state
        .app
        .reward_statement(u.as_ref(), parse_id(&id)?, parse_id(&uid)?)
        .await?;
    Ok(Json(statement_json(s)))
}

/// Payouts of a closed period as CSV for the payment provider (admins).
#[utoipa::path(get, path = "/api/v1/rewards/periods/{id}/payouts.csv", tag = "rewards",
    params(("id" = i64, Path, description = "Period id")), security(("bearer" = [])),
    responses((status = 200, description = "text/csv: user_id,username,email,amount_minor,currency,period_id"),
        (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn payouts(
    State(state): State<AppState>,
    ApiUser(u): ApiUser,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id = parse_id(&id)?;
    let csv = state.app.reward_payouts_csv(&u, id).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"payouts-{id}.csv\""),
            ),
        ],
        csv,
    )
        .into_response())
}

/// A new formula version.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FormulaBody {
    /// The formula.
    #[schema(value_type = Object)]
    pub spec: Formula,
    /// From when (RFC 3339 or `YYYY-MM-DD`): now or later.
    pub effective_from: String,
    /// What changes and why.
    pub note: String,
}

/// Publishes a new formula version (admins); it applies to periods starting at or after its
/// date, never to one already running.
#[utoipa::path(post, path = "/api/v1/rewards/formulas", tag = "rewards", request_body = FormulaBody, security(("bearer" = [])),
    responses((status = 201, body = FormulaJson), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn publish_formula(
    State(state): State<AppState>,
    ApiUser(u): ApiUser,
    ApiJson(b): ApiJson<FormulaBody>,
) -> Result<(StatusCode, Json<FormulaJson>), ApiError> {
    let from = instant(&b.effective_from, "effective_from")?;
    let f = state.app.publish_formula(&u, b.spec, from, &b.note).await?;
    Ok((StatusCode::CREATED, Json(formula_json(f))))
}

/// A member's reward choices.
#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PreferencesJson {
    /// Decline payouts (the share goes back to the pool).
    pub decline: bool,
    /// Show past rewards on the profile and statements to everyone.
    pub public: bool,
}

/// Your reward choices.
#[utoipa::path(get, path = "/api/v1/me/rewards", tag = "rewards", security(("bearer" = [])),
    responses((status = 200, body = PreferencesJson), (status = 401, body = ErrorBody)))]
pub async fn preferences(
    State(state): State<AppState>,
    ApiUser(u): ApiUser,
) -> Result<Json<PreferencesJson>, ApiError> {
    let (decline, public) = state.app.reward_preferences(&u).await?;
    Ok(Json(PreferencesJson { decline, public }))
}

/// Sets your reward choices.
#[utoipa::path(put, path = "/api/v1/me/rewards", tag = "rewards", request_body = PreferencesJson, security(("bearer" = [])),
    responses((status = 200, body = PreferencesJson), (status = 401, body = ErrorBody)))]
pub async fn set_preferences(
    State(state): State<AppState>,
    ApiUser(u): ApiUser,
    ApiJson(b): ApiJson<PreferencesJson>,
) -> Result<Json<PreferencesJson>, ApiError> {
    state
        .app
        .set_reward_preferences(&u, b.decline, b.public)
        .await?;
    Ok(Json(b))
}
