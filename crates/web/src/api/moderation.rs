//! Flags, moderation actions, the public moderation log with its statistics, appeals, and the
//! governance state of a post.

use super::dto::{question_url, UserRef};
use super::{parse_id, ApiJson, ApiQuery};
use crate::auth::{ApiUser, MaybeApiUser};
use crate::error::{ApiError, ErrorBody};
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use stoa_app::{ActionRow, AppealRow, FlagInput, LogEntry, LogQuery, ModerationInput};
use stoa_domain::time::format_rfc3339;
use utoipa::{IntoParams, ToSchema};

/// A flag.
#[derive(Deserialize, ToSchema)]
pub struct FlagBody {
    /// `spam`, `rude`, `low_quality`, `duplicate` or `other`.
    pub reason: String,
    /// The question this one duplicates (reason `duplicate`).
    pub duplicate_of: Option<i64>,
    /// Explanation for the moderators (required for `other`, at most 500 characters).
    pub text: Option<String>,
}

/// A flag as stored.
#[derive(Serialize, ToSchema)]
pub struct FlagView {
    /// Id.
    pub id: i64,
    /// The post.
    pub post_id: i64,
    /// Reason.
    pub reason: String,
    /// Duplicate target.
    pub duplicate_of: Option<i64>,
    /// Explanation.
    pub text: String,
    /// `pending`, `helpful` or `declined`.
    pub status: String,
    /// Whether it counts toward hiding the post (the flagger holds the trusted-flag privilege).
    pub trusted: bool,
    /// Whether this flag hid the post pending review.
    pub post_hidden: bool,
    /// When.
    pub created_at: String,
}

/// Flags a post for review.
#[utoipa::path(post, path = "/api/v1/posts/{id}/flags", tag = "moderation", request_body = FlagBody,
    params(("id" = i64, Path, description = "Post id")), security(("bearer" = [])),
    responses((status = 201, body = FlagView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "Already flagged"), (status = 422, body = ErrorBody)))]
pub async fn flag(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<FlagBody>,
) -> Result<(StatusCode, Json<FlagView>), ApiError> {
    let id = parse_id(&id)?;
    let f = state
        .app
        .flag_post(
            &user,
            id,
            FlagInput {
                reason: body.reason,
                duplicate_of: body.duplicate_of,
                text: body.text,
            },
        )
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(FlagView {
            id: f.flag.id,
            post_id: f.flag.post_id,
            reason: f.flag.reason,
            duplicate_of: f.flag.duplicate_of,
            text: f.flag.text,
            status: f.flag.status,
            trusted: f.flag.trusted,
            post_hidden: f.hid_post,
            created_at: format_rfc3339(f.flag.created_at),
        }),
    ))
}

/// A moderation action.
#[derive(Deserialize, ToSchema)]
pub struct ActionBody {
    /// `delete`, `undelete`, `lock`, `unlock`, `close`, `reopen`, `protect`, `unprotect`, `publish`,
    /// `suspend` or `unsuspend`.
    pub action: String,
    /// `post` or `user`.
    pub target_type: String,
    /// The post or user.
    pub target_id: i64,
    /// Public category: `spam`, `harassment`, `off_topic`, `needs_details`, `duplicate`, `low_quality`,
    /// `personal_data` or `other`.
    pub category: String,
    /// Public reason, 5–500 characters.
    pub reason: String,
    /// Seen only by the affected person and moderators (at most 2,000 characters).
    pub private_detail: Option<String>,
    /// Suspension length in hours (suspend only).
    pub duration_hours: Option<i64>,
    /// The question a duplicate closure points to.
    pub duplicate_of: Option<i64>,
}

/// The question a logged post belongs to.
#[derive(Serialize, ToSchema)]
pub struct QuestionLink {
    /// Id.
    pub id: i64,
    /// Title.
    pub title: String,
    /// Page.
    pub url: String,
}

/// An entry of the public moderation log.
#[derive(Serialize, ToSchema)]
pub struct ActionView {
    /// Id.
    pub id: i64,
    /// What was done.
    pub action: String,
    /// Who did it; `null` for the community (flags, close votes).
    pub actor: Option<UserRef>,
    /// `post` or `user`.
    pub target_type: String,
    /// The post or user.
    pub target_id: i64,
    /// For a post, its question.
    pub question: Option<QuestionLink>,
    /// The person affected (the post's author, or the user).
    pub affected_user: Option<UserRef>,
    /// Public category.
    pub category: String,
    /// Public reason.
    pub reason: String,
    /// Present only for the affected person and moderators.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub private_detail: Option<String>,
    /// Suspension length.
    pub duration_hours: Option<i64>,
    /// When (RFC 3339).
    pub created_at: String,
    /// Whether it was reversed.
    pub reversed: bool,
    /// When it was reversed.
    pub reversed_at: Option<String>,
    /// The entry that reversed it.
    pub reversed_by: Option<i64>,
    /// The entry this one undoes.
    pub reverses: Option<i64>,
    /// `pending`, `reversed` or `upheld` when appealed.
    pub appeal_status: Option<String>,
}

fn user_ref(id: Option<i64>, name: &Option<String>) -> Option<UserRef> {
    id.zip(name.clone())
        .map(|(id, username)| UserRef { id, username })
}

/// The log entry of a row, with the private detail when the viewer may read it.
pub fn action_view(row: &ActionRow, private_visible: bool) -> ActionView {
    ActionView {
        id: row.id,
        action: row.action.clone(),
        actor: user_ref(row.actor_id, &row.actor_name),
        target_type: row.target_type.clone(),
        target_id: row.target_id,
        question: row.question.as_ref().map(|(id, title)| QuestionLink {
            id: *id,
            title: title.clone(),
            url: question_url(*id, title),
        }),
        affected_user: user_ref(row.affected_user_id, &row.affected_name),
        category: row.category.clone(),
        reason: row.reason.clone(),
        private_detail: private_visible.then(|| row.private_detail.clone()),
        duration_hours: row.duration_hours,
        created_at: format_rfc3339(row.created_at),
        reversed: row.reversed_at.is_some(),
        reversed_at: row.reversed_at.map(format_rfc3339),
        reversed_by: row.reversed_by_id,
        reverses: row.reverses_id,
        appeal_status: row.appeal_status.clone(),
    }
}

fn entry_view(e: &LogEntry) -> ActionView {
    action_view(&e.row, e.private_visible)
}

/// Takes a moderation action (moderators; protecting also by members with the privilege). The
/// action is written to the public log.
#[utoipa::path(post, path = "/api/v1/moderation/actions", tag = "moderation", request_body = ActionBody, security(("bearer" = [])),
    responses((status = 201, body = ActionView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "Nothing to change"), (status = 422, body = ErrorBody)))]
pub async fn act(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiJson(b): ApiJson<ActionBody>,
) -> Result<(StatusCode, Json<ActionView>), ApiError> {
    let row = state
        .app
        .moderate(
            &user,
            ModerationInput {
                action: b.action,
                target_type: b.target_type,
                target_id: b.target_id,
                category: b.category,
                reason: b.reason,
                private_detail: b.private_detail,
                duration_hours: b.duration_hours,
                duplicate_of: b.duplicate_of,
            },
        )
        .await?;
    Ok((StatusCode::CREATED, Json(action_view(&row, true))))
}

/// Log filters.
#[derive(Deserialize, IntoParams)]
pub struct LogParams {
    /// Only this action.
    pub action: Option<String>,
    /// Only this category.
    pub category: Option<String>,
    /// Only this moderator's actions.
    pub moderator: Option<i64>,
    /// Page number, from 1.
    pub page: Option<i64>,
    /// Items per page, 1–100 (default 50).
    pub per_page: Option<i64>,
}

/// A page of the log.
#[derive(Serialize, ToSchema)]
pub struct LogPage {
    /// Newest first.
    pub items: Vec<ActionView>,
    /// Entries matching.
    pub total: i64,
}

/// The public moderation log: who did what, when, why, and whether it was reversed.
#[utoipa::path(get, path = "/api/v1/moderation/log", tag = "moderation", params(LogParams),
    responses((status = 200, body = LogPage), (status = 422, body = ErrorBody)))]
pub async fn log(
    State(state): State<AppState>,
    MaybeApiUser(viewer): MaybeApiUser,
    ApiQuery(p): ApiQuery<LogParams>,
) -> Result<Json<LogPage>, ApiError> {
    let q = LogQuery {
        action: p.action,
        category: p.category,
        actor_id: p.moderator,
        page: p.page,
        per_page: p.per_page,
    };
    let page = state.app.moderation_log(viewer.as_ref(), &q).await?;
    Ok(Json(LogPage {
        items: page.items.iter().map(entry_view).collect(),
        total: page.total,
    }))
}

/// An appeal.
#[derive(Serialize, ToSchema)]
pub struct AppealView {
    /// Id.
    pub id: i64,
    /// The action appealed.
    pub action_id: i64,
    /// Who appealed.
    pub user: UserRef,
    /// Why (visible to the appellant and moderators).
    pub text: String,
    /// `pending`, `reversed` or `upheld`.
    pub status: String,
    /// The moderator who decided.
    pub decided_by: Option<UserRef>,
    /// Their reason.
    pub decision_reason: String,
    /// When appealed.
    pub created_at: String,
    /// When decided.
    pub decided_at: Option<String>,
}

fn appeal_view(a: &AppealRow) -> AppealView {
    AppealView {
        id: a.id,
        action_id: a.action_id,
        user: UserRef {
            id: a.user_id,
            username: a.username.clone(),
        },
        text: a.text.clone(),
        status: a.status.clone(),
        decided_by: user_ref(a.decided_by, &a.decided_by_name),
        decision_reason: a.decision_reason.clone(),
        created_at: format_rfc3339(a.created_at),
        decided_at: a.decided_at.map(format_rfc3339),
    }
}

/// A log entry with its appeal.
#[derive(Serialize, ToSchema)]
pub struct ActionDetail {
    /// The entry.
    pub action: ActionView,
    /// Its appeal, if any.
    pub appeal: Option<AppealView>,
    /// Whether the caller may appeal it now.
    pub can_appeal: bool,
}

/// One entry of the moderation log, with its appeal.
#[utoipa::path(get, path = "/api/v1/moderation/actions/{id}", tag = "moderation", params(("id" = i64, Path, description = "Action id")),
    responses((status = 200, body = ActionDetail), (status = 404, body = ErrorBody)))]
pub async fn show_action(
    State(state): State<AppState>,
    MaybeApiUser(viewer): MaybeApiUser,
    Path(id): Path<String>,
) -> Result<Json<ActionDetail>, ApiError> {
    let id = parse_id(&id)?;
    let e = state.app.moderation_entry(viewer.as_ref(), id).await?;
    Ok(Json(ActionDetail {
        action: entry_view(&e),
        appeal: e.appeal.as_ref().map(appeal_view),
        can_appeal: e.can_appeal,
    }))
}

/// An appeal's text.
#[derive(Deserialize, ToSchema)]
pub struct AppealBody {
    /// Why the action was wrong, 10–2,000 characters.
    pub text: String,
}

/// Appeals a moderation action: once, by the person it affected. A different moderator decides.
#[utoipa::path(post, path = "/api/v1/moderation/actions/{id}/appeal", tag = "moderation", request_body = AppealBody,
    params(("id" = i64, Path, description = "Action id")), security(("bearer" = [])),
    responses((status = 201, body = AppealView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "Already appealed"), (status = 422, body = ErrorBody)))]
pub async fn appeal(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<AppealBody>,
) -> Result<(StatusCode, Json<AppealView>), ApiError> {
    let id = parse_id(&id)?;
    let a = state.app.appeal(&user, id, &b.text).await?;
    Ok((StatusCode::CREATED, Json(appeal_view(&a))))
}

/// A pending appeal with the action it is about.
#[derive(Serialize, ToSchema)]
pub struct AppealItem {
    /// The appeal.
    pub appeal: AppealView,
    /// The action.
    pub action: ActionView,
}

/// Pending appeals.
#[derive(Serialize, ToSchema)]
pub struct AppealList {
    /// Oldest first.
    pub items: Vec<AppealItem>,
    /// Pending in all.
    pub total: i64,
}

/// Pending appeals, oldest first (moderators).
#[utoipa::path(get, path = "/api/v1/moderation/appeals", tag = "moderation", params(super::governance::PageParams), security(("bearer" = [])),
    responses((status = 200, body = AppealList), (status = 403, body = ErrorBody)))]
pub async fn appeals(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiQuery(p): ApiQuery<super::governance::PageParams>,
) -> Result<Json<AppealList>, ApiError> {
    let page = state.app.pending_appeals(&user, p.page, p.per_page).await?;
    Ok(Json(AppealList {
        items: page
            .items
            .iter()
            .map(|(a, r)| AppealItem {
                appeal: appeal_view(a),
                action: action_view(r, true),
            })
            .collect(),
        total: page.total,
    }))
}

/// The decision on an appeal.
#[derive(Deserialize, ToSchema)]
pub struct DecisionBody {
    /// `reverse` (undo the action) or `uphold`.
    pub outcome: String,
    /// Why, 3–500 characters.
    pub reason: String,
}

/// Decides an appeal (a moderator other than the one who acted). Reversing undoes the action and logs it.
#[utoipa::path(post, path = "/api/v1/moderation/appeals/{id}/decision", tag = "moderation", request_body = DecisionBody,
    params(("id" = i64, Path, description = "Appeal id")), security(("bearer" = [])),
    responses((status = 200, body = AppealView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn decide(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<DecisionBody>,
) -> Result<Json<AppealView>, ApiError> {
    let id = parse_id(&id)?;
    let a = state
        .app
        .decide_appeal(&user, id, &b.outcome, &b.reason)
        .await?;
    Ok(Json(appeal_view(&a)))
}

/// Statistics range.
#[derive(Deserialize, IntoParams)]
pub struct StatsParams {
    /// Weeks to cover, 1–104 (default 12).
    pub weeks: Option<usize>,
}

/// Actions of one kind.
#[derive(Serialize, ToSchema)]
pub struct KindCount {
    /// Action.
    pub action: String,
    /// How many.
    pub count: i64,
}

/// Actions by one moderator (or the community).
#[derive(Serialize, ToSchema)]
pub struct ActorCount {
    /// The moderator; `null` for the community.
    pub moderator: Option<UserRef>,
    /// How many.
    pub count: i64,
}

/// Actions in one week.
#[derive(Serialize, ToSchema)]
pub struct WeekView {
    /// Monday 00:00 UTC (RFC 3339).
    pub week_start: String,
    /// Actions.
    pub actions: i64,
    /// Of which reversed.
    pub reversed: i64,
}

/// Statistics of the moderation log.
#[derive(Serialize, ToSchema)]
pub struct StatsView {
    /// Weeks covered.
    pub weeks: usize,
    /// Actions counted (undo actions are counted as reversals, not as actions).
    pub total: i64,
    /// Of which reversed.
    pub reversed: i64,
    /// reversed / total.
    pub reversal_rate: f64,
    /// By action, most frequent first.
    pub by_action: Vec<KindCount>,
    /// By moderator, most active first.
    pub by_moderator: Vec<ActorCount>,
    /// Week by week, oldest first.
    pub weekly: Vec<WeekView>,
}

/// Statistics of the moderation log: actions by kind and by moderator over time, and the reversal rate.
#[utoipa::path(get, path = "/api/v1/moderation/stats", tag = "moderation", params(StatsParams),
    responses((status = 200, body = StatsView)))]
pub async fn stats(
    State(state): State<AppState>,
    ApiQuery(p): ApiQuery<StatsParams>,
) -> Result<Json<StatsView>, ApiError> {
    let s = state.app.moderation_stats(p.weeks.unwrap_or(12)).await?;
    Ok(Json(StatsView {
        weeks: s.weeks,
        total: s.stats.total,
        reversed: s.stats.reversed,
        reversal_rate: s.stats.reversal_rate,
        by_action: s
            .stats
            .by_action
            .iter()
            .map(|(a, n)| KindCount {
                action: a.as_str().into(),
                count: *n,
            })
            .collect(),
        by_moderator: s
            .stats
            .by_actor
            .iter()
            .map(|(id, n)| ActorCount {
                moderator: id.and_then(|id| {
                    s.names.get(&id).map(|name| UserRef {
                        id,
                        username: name.clone(),
                    })
                }),
                count: *n,
            })
            .collect(),
        weekly: s
            .stats
            .weekly
            .iter()
            .map(|w| WeekView {
                week_start: format_rfc3339(w.week_start),
                actions: w.actions,
                reversed: w.reversed,
            })
            .collect(),
    }))
}

/// The governance state of a post.
#[derive(Serialize, ToSchema)]
pub struct PostStateView {
    /// Id.
    pub id: i64,
    /// `question` or `answer`.
    pub kind: String,
    /// `published`, `held` (waiting for a moderator) or `hidden` (by flags, pending review).
    pub status: String,
    /// Whether closed.
    pub closed: bool,
    /// `off_topic`, `needs_details` or `duplicate`.
    pub close_reason: Option<String>,
    /// The question this one duplicates.
    pub duplicate_of: Option<i64>,
    /// Whether locked.
    pub locked: bool,
    /// Whether protected.
    pub protected: bool,
    /// Whether deleted (moderators only see deleted posts).
    pub deleted: bool,
}

/// Whether a post is published, held or hidden, closed, locked or protected.
#[utoipa::path(get, path = "/api/v1/posts/{id}/state", tag = "posts", params(("id" = i64, Path, description = "Post id")),
    responses((status = 200, body = PostStateView), (status = 404, body = ErrorBody)))]
pub async fn post_state(
    State(state): State<AppState>,
    MaybeApiUser(viewer): MaybeApiUser,
    Path(id): Path<String>,
) -> Result<Json<PostStateView>, ApiError> {
    let id = parse_id(&id)?;
    let s = state.app.post_state(viewer.as_ref(), id).await?;
    Ok(Json(PostStateView {
        id: s.id,
        kind: s.kind.to_string(),
        status: s.status.to_string(),
        closed: s.closed_at.is_some(),
        close_reason: s.close_reason,
        duplicate_of: s.duplicate_of,
        locked: s.locked_at.is_some(),
        protected: s.protected_at.is_some(),
        deleted: s.deleted_at.is_some(),
    }))
}

/// What an integrity scan did.
#[derive(Serialize, ToSchema)]
pub struct ScanJson {
    /// Votes removed as serial voting (their reputation reversed with reason `serial_voting_reversed`).
    pub votes_reversed: u64,
    /// Voter and author pairs whose votes were serial.
    pub serial_pairs: u64,
    /// Pairs of linked accounts (sharing a sign-up trait) newly flagged to moderators.
    pub pairs_flagged: u64,
}

/// Runs the daily integrity scan now over the last days (moderators): reverses serial voting and
/// flags votes and rewards between linked accounts.
#[utoipa::path(post, path = "/api/v1/moderation/integrity-scan", tag = "moderation", security(("bearer" = [])),
    responses((status = 200, body = ScanJson), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn integrity_scan(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
) -> Result<Json<ScanJson>, ApiError> {
    let r = state.app.integrity_scan_now(&user).await?;
    Ok(Json(ScanJson {
        votes_reversed: r.votes_reversed,
        serial_pairs: r.serial_pairs,
        pairs_flagged: r.pairs_flagged,
    }))
}
