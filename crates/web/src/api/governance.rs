//! Governance settings, reputation ledgers and privileges.

use super::dto::UserRef;
use super::{parse_id, ApiJson, ApiQuery};
use crate::auth::ApiUser;
use crate::error::{ApiError, ErrorBody};
use crate::AppState;
use axum::extract::{Path, State};
use axum::Json;
use serde::{Deserialize, Serialize};
use stoa_domain::time::format_rfc3339;
use utoipa::{IntoParams, ToSchema};

/// The governance settings in force.
#[derive(Serialize, ToSchema)]
pub struct SettingsView {
    /// Every setting (profile, threshold overrides, points, flags_to_hide, close_votes_needed,
    /// late_answer_days, spam, limits); send it back changed to `PUT`.
    #[schema(value_type = Object)]
    pub settings: serde_json::Value,
    /// The privilege thresholds that result from the profile and its overrides.
    #[schema(value_type = Object)]
    pub thresholds: serde_json::Value,
    /// What the spam classifier has learned from moderators' decisions.
    pub spam_filter: SpamFilterView,
}

/// The spam classifier's training so far.
#[derive(Serialize, ToSchema)]
pub struct SpamFilterView {
    /// Spam decisions learned.
    pub spam_examples: u64,
    /// Not-spam decisions learned.
    pub ham_examples: u64,
    /// Probability from which a post is held for review.
    pub threshold: f64,
}

fn settings_view(
    s: &stoa_domain::governance::GovernanceSettings,
    f: stoa_app::SpamFilterStatus,
) -> Result<SettingsView, ApiError> {
    let internal = |e: serde_json::Error| ApiError::from(stoa_app::AppError::Internal(Box::new(e)));
    Ok(SettingsView {
        settings: serde_json::to_value(s).map_err(internal)?,
        thresholds: serde_json::to_value(s.thresholds()).map_err(internal)?,
        spam_filter: SpamFilterView {
            spam_examples: f.spam_examples,
            ham_examples: f.ham_examples,
            threshold: f.threshold,
        },
    })
}

/// The governance settings: privilege thresholds, reputation points, spam rules, write limits. Public.
#[utoipa::path(get, path = "/api/v1/governance/settings", tag = "governance",
    responses((status = 200, body = SettingsView)))]
pub async fn settings(State(state): State<AppState>) -> Result<Json<SettingsView>, ApiError> {
    let s = state.app.governance().await?;
    Ok(Json(settings_view(
        &s,
        state.app.spam_filter_status().await?,
    )?))
}

/// Replaces the governance settings (admins). Missing fields take their defaults.
#[utoipa::path(put, path = "/api/v1/governance/settings", tag = "governance", security(("bearer" = [])),
    request_body(content = Object, description = "The settings, e.g. `{\"profile\": \"normal\", \"thresholds\": {\"vote_down\": 50}}`"),
    responses((status = 200, body = SettingsView), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn put_settings(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiJson(body): ApiJson<serde_json::Value>,
) -> Result<Json<SettingsView>, ApiError> {
    let s = state.app.set_governance(&user, &body.to_string()).await?;
    Ok(Json(settings_view(
        &s,
        state.app.spam_filter_status().await?,
    )?))
}

/// Paging.
#[derive(Deserialize, IntoParams)]
pub struct PageParams {
    /// Page number, from 1.
    pub page: Option<i64>,
    /// Items per page, 1–100 (default 50).
    pub per_page: Option<i64>,
}

/// One entry of a reputation ledger.
#[derive(Serialize, ToSchema)]
pub struct LedgerItem {
    /// Id.
    pub id: i64,
    /// Change.
    pub delta: i64,
    /// `upvote_received`, `downvote_received`, `downvote_cast`, `answer_accepted`, `accepted_an_answer`,
    /// `suggested_edit_approved`, `bounty`, `penalty` or `reversal`.
    pub reason: String,
    /// The reason in words.
    pub label: String,
    /// The post concerned.
    pub post_id: Option<i64>,
    /// Its question's page.
    pub url: Option<String>,
    /// Its question's title.
    pub title: Option<String>,
    /// When (RFC 3339).
    pub created_at: String,
    /// Whether a later entry undid this one.
    pub reversed: bool,
    /// The entry this one undoes.
    pub reverses_id: Option<i64>,
}

/// A user's reputation ledger.
#[derive(Serialize, ToSchema)]
pub struct LedgerView {
    /// The user.
    pub user: UserRef,
    /// Their reputation: 1 plus the sum of every entry.
    pub reputation: i64,
    /// Entries, newest first.
    pub items: Vec<LedgerItem>,
    /// Entries in all.
    pub total: i64,
}

/// A user's reputation ledger: every change with its reason. Public.
#[utoipa::path(get, path = "/api/v1/users/{id}/reputation", tag = "users", params(("id" = i64, Path, description = "User id"), PageParams),
    responses((status = 200, body = LedgerView), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn reputation(
    State(state): State<AppState>,
    Path(id): Path<String>,
    ApiQuery(p): ApiQuery<PageParams>,
) -> Result<Json<LedgerView>, ApiError> {
    let id = parse_id(&id)?;
    let l = state.app.reputation_ledger(id, p.page, p.per_page).await?;
    let items = l
        .entries
        .items
        .iter()
        .map(|e| LedgerItem {
            id: e.id,
            delta: e.delta,
            label: stoa_domain::reputation::Reason::parse(&e.reason)
                .map_or_else(|| e.reason.clone(), |r| r.label().into()),
            reason: e.reason.clone(),
            post_id: e.post_id,
            url: e
                .question_id
                .zip(e.post_title.as_ref())
                .map(|(q, t)| super::dto::question_url(q, t)),
            title: e.post_title.clone(),
            created_at: format_rfc3339(e.created_at),
            reversed: e.reversed_at.is_some(),
            reverses_id: e.reverses_id,
        })
        .collect();
    Ok(Json(LedgerView {
        user: UserRef {
            id: l.user_id,
            username: l.username,
        },
        reputation: l.reputation,
        items,
        total: l.entries.total,
    }))
}

/// A privilege and whether the user holds it.
#[derive(Serialize, ToSchema)]
pub struct PrivilegeItem {
    /// `vote_up`, `flag`, `comment_everywhere`, `vote_down`, `trusted_flag`, `review`, `edit_others`,
    /// `close_votes`, `protect` or `answer_protected`.
    pub privilege: String,
    /// What it allows.
    pub description: String,
    /// Reputation needed.
    pub needed: i64,
    /// Whether the user holds it.
    pub held: bool,
}

/// A user's privileges.
#[derive(Serialize, ToSchema)]
pub struct PrivilegeList {
    /// Their reputation.
    pub reputation: i64,
    /// Every privilege of the site.
    pub items: Vec<PrivilegeItem>,
}

/// The privileges a user holds, with the site's thresholds. Public.
#[utoipa::path(get, path = "/api/v1/users/{id}/privileges", tag = "users", params(("id" = i64, Path, description = "User id")),
    responses((status = 200, body = PrivilegeList), (status = 404, body = ErrorBody)))]
pub async fn privileges(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<PrivilegeList>, ApiError> {
    let id = parse_id(&id)?;
    let u = state.app.user(id).await?;
    let items = state
        .app
        .privileges_of(&u)
        .into_iter()
        .map(|p| PrivilegeItem {
            privilege: p.privilege.as_str().into(),
            description: p.privilege.describe().into(),
            needed: p.needed,
            held: p.held,
        })
        .collect();
    Ok(Json(PrivilegeList {
        reputation: u.reputation,
        items,
    }))
}
