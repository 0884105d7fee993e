//! Notifications, their settings, follows, password reset, address confirmation, and the job
//! queue's admin view.

use super::{parse_id, ApiJson, ApiQuery};
use crate::auth::{ApiUser, ClientIp};
use crate::error::{ApiError, ErrorBody, Problem};
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use stoa_app::{NotificationSettings, ReadWhich};
use stoa_domain::time::format_rfc3339;
use utoipa::{IntoParams, ToSchema};

/// Notification list filters.
#[derive(Deserialize, IntoParams)]
pub struct NotificationParams {
    /// Only unread ones.
    pub unread: Option<bool>,
    /// Page number, from 1.
    pub page: Option<i64>,
    /// Items per page, 1–100 (default 30).
    pub per_page: Option<i64>,
}

/// One notification.
#[derive(Serialize, ToSchema)]
pub struct Notification {
    /// Id.
    pub id: i64,
    /// What kind of event (`answer`, `comment`, `mention`, `accepted`, …).
    pub kind: String,
    /// What happened, one line.
    pub text: String,
    /// Where to look (a path on this site).
    pub url: String,
    /// Whether it was read.
    pub read: bool,
    /// When (RFC 3339).
    pub created_at: String,
}

/// A page of notifications.
#[derive(Serialize, ToSchema)]
pub struct NotificationList {
    /// This page, newest first.
    pub items: Vec<Notification>,
    /// All matching the filter.
    pub total: i64,
    /// Unread in all.
    pub unread: i64,
}

/// The current user's notifications, newest first.
#[utoipa::path(get, path = "/api/v1/notifications", tag = "notifications", params(NotificationParams),
    security(("bearer" = [])),
    responses((status = 200, body = NotificationList), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    ApiUser(u): ApiUser,
    ApiQuery(p): ApiQuery<NotificationParams>,
) -> Result<Json<NotificationList>, ApiError> {
    let list = state
        .app
        .notifications(&u, p.unread.unwrap_or(false), p.page, p.per_page)
        .await?;
    Ok(Json(NotificationList {
        items: list
            .items
            .into_iter()
            .map(|n| Notification {
                id: n.id,
                kind: n.kind,
                text: n.text,
                url: n.url,
                read: n.read_at.is_some(),
                created_at: format_rfc3339(n.created_at),
            })
            .collect(),
        total: list.total,
        unread: list.unread,
    }))
}

/// Which notifications to mark read: `{"ids": [...]}` or `{"all": true}`.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReadBody {
    /// These notifications (at most 1000).
    pub ids: Option<Vec<i64>>,
    /// Every notification.
    pub all: Option<bool>,
}

/// How many were marked, and how many remain unread.
#[derive(Serialize, ToSchema)]
pub struct ReadResult {
    /// Newly marked read.
    pub updated: u64,
    /// Still unread.
    pub unread: i64,
}

/// Marks notifications read.
#[utoipa::path(post, path = "/api/v1/notifications/read", tag = "notifications", request_body = ReadBody,
    security(("bearer" = [])),
    responses((status = 200, body = ReadResult), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn read(
    State(state): State<AppState>,
    ApiUser(u): ApiUser,
    ApiJson(body): ApiJson<ReadBody>,
) -> Result<Json<ReadResult>, ApiError> {
    let which = match (body.ids, body.all) {
        (Some(ids), None | Some(false)) => ReadWhich::Ids(ids),
        (None, Some(true)) => ReadWhich::All,
        _ => {
            return Err(ApiError(Problem::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_read",
                "Send either {\"ids\": [...]} or {\"all\": true}.",
            )))
        }
    };
    let updated = state.app.mark_read(&u, which).await?;
    let unread = state.app.unread_count(u.id).await?;
    Ok(Json(ReadResult { updated, unread }))
}

/// Notification settings: the channel of every kind (`off`, `in_app`, `email`, `daily`,
/// `weekly`) and whether asking or answering follows the question.
#[derive(Serialize, ToSchema)]
pub struct Settings {
    /// Channel by kind: `answer`, `comment`, `comment_reply`, `mention`, `accepted`, `edited`,
    /// `suggested_edit`, `suggestion_reviewed`, `flag_handled`, `moderation`,
    /// `appeal_decided`, `followed_tag`, `followed_question`, `followed_user`.
    pub channels: BTreeMap<String, String>,
    /// Asking or answering follows the question.
    pub auto_follow: bool,
}

/// A change of settings: kinds not named keep their channel.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SettingsBody {
    /// Channel by kind.
    #[serde(default)]
    pub channels: BTreeMap<String, String>,
    /// Asking or answering follows the question.
    pub auto_follow: Option<bool>,
}

fn settings_json(s: NotificationSettings) -> Settings {
    Settings {
        channels: s
            .channels
            .into_iter()
            .map(|(k, c, _)| (k.to_string(), c.as_str().to_string()))
            .collect(),
        auto_follow: s.auto_follow,
    }
}

/// The current user's notification settings.
#[utoipa::path(get, path = "/api/v1/me/notification-settings", tag = "notifications",
    security(("bearer" = [])),
    responses((status = 200, body = Settings), (status = 401, body = ErrorBody)))]
pub async fn get_settings(
    State(state): State<AppState>,
    ApiUser(u): ApiUser,
) -> Result<Json<Settings>, ApiError> {
    Ok(Json(settings_json(
        state.app.notification_settings(&u).await?,
    )))
}

/// Changes notification settings; an unknown kind or channel changes nothing (422).
#[utoipa::path(put, path = "/api/v1/me/notification-settings", tag = "notifications",
    request_body = SettingsBody, security(("bearer" = [])),
    responses((status = 200, body = Settings), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn put_settings(
    State(state): State<AppState>,
    ApiUser(u): ApiUser,
    ApiJson(body): ApiJson<SettingsBody>,
) -> Result<Json<Settings>, ApiError> {
    let changes: Vec<(String, String)> = body.channels.into_iter().collect();
    Ok(Json(settings_json(
        state
            .app
            .put_notification_settings(&u, &changes, body.auto_follow)
            .await?,
    )))
}

/// Something to follow.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FollowBody {
    /// `tag`, `question` or `user`.
    pub target_type: String,
    /// The tag's name, or the question's or user's id.
    #[schema(value_type = String)]
    pub target: serde_json::Value,
}

/// A follow.
#[derive(Serialize, ToSchema)]
pub struct Follow {
    /// Id (to stop following).
    pub id: i64,
    /// `tag`, `question` or `user`.
    pub target_type: String,
    /// The tag's name, or the question's or user's id.
    pub target: String,
    /// The tag, the question's title or the username.
    pub label: String,
    /// Since when (RFC 3339).
    pub created_at: String,
}

/// What the current user follows.
#[derive(Serialize, ToSchema)]
pub struct FollowList {
    /// Newest first.
    pub items: Vec<Follow>,
}

/// Follows a tag, a question or a user: 201 when new, 200 when already followed.
#[utoipa::path(post, path = "/api/v1/follows", tag = "notifications", request_body = FollowBody,
    security(("bearer" = [])),
    responses((status = 201, body = Follow), (status = 200, body = Follow), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn follow(
    State(state): State<AppState>,
    ApiUser(u): ApiUser,
    ApiJson(body): ApiJson<FollowBody>,
) -> Result<(StatusCode, Json<Follow>), ApiError> {
    let target = match &body.target {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Number(n) => n.to_string(),
        _ => {
            return Err(ApiError(Problem::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_target",
                "target is a tag name or an id.",
            )))
        }
    };
    let (id, created) = state.app.follow(&u, &body.target_type, &target).await?;
    let f = state
        .app
        .follows(&u)
        .await?
        .into_iter()
        .find(|f| f.id == id)
        .ok_or_else(|| {
            ApiError(Problem::new(
                StatusCode::NOT_FOUND,
                "not_found",
                "No such follow.",
            ))
        })?;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(follow_json(f))))
}

fn follow_json(f: stoa_app::FollowRow) -> Follow {
    Follow {
        id: f.id,
        target_type: f.target_type,
        target: f.target,
        label: f.label,
        created_at: format_rfc3339(f.created_at),
    }
}

/// Stops a follow.
#[utoipa::path(delete, path = "/api/v1/follows/{id}", tag = "notifications",
    params(("id" = i64, Path, description = "Follow id")), security(("bearer" = [])),
    responses((status = 204), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn unfollow(
    State(state): State<AppState>,
    ApiUser(u): ApiUser,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    state.app.unfollow(&u, parse_id(&id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// What the current user follows.
#[utoipa::path(get, path = "/api/v1/me/follows", tag = "notifications", security(("bearer" = [])),
    responses((status = 200, body = FollowList), (status = 401, body = ErrorBody)))]
pub async fn follows(
    State(state): State<AppState>,
    ApiUser(u): ApiUser,
) -> Result<Json<FollowList>, ApiError> {
    Ok(Json(FollowList {
        items: state
            .app
            .follows(&u)
            .await?
            .into_iter()
            .map(follow_json)
            .collect(),
    }))
}

/// Username completion filter.
#[derive(Deserialize, IntoParams)]
pub struct CompleteParams {
    /// The start of a username (an `@` is ignored).
    pub prefix: String,
}

/// Usernames for @mention completion.
#[derive(Serialize, ToSchema)]
pub struct Usernames {
    /// At most 8, alphabetical.
    pub items: Vec<String>,
}

/// Usernames starting with a prefix, for @mentions.
#[utoipa::path(get, path = "/api/v1/usernames", tag = "notifications", params(CompleteParams),
    responses((status = 200, body = Usernames)))]
pub async fn usernames(
    State(state): State<AppState>,
    ApiQuery(p): ApiQuery<CompleteParams>,
) -> Result<Json<Usernames>, ApiError> {
    Ok(Json(Usernames {
        items: state.app.complete_usernames(&p.prefix).await?,
    }))
}

/// A password reset request.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResetRequest {
    /// The account's e-mail address.
    pub email: String,
}

/// A new password with the token from the reset mail.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResetConfirm {
    /// The token from the link.
    pub token: String,
    /// The new password (at least 8 characters).
    pub password: String,
}

/// A token from a confirmation mail.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TokenBody {
    /// The token from the link.
    pub token: String,
}

/// What happened.
#[derive(Serialize, ToSchema)]
pub struct Done {
    /// A sentence for people.
    pub message: String,
}

/// Mails a password reset link if the address has an account; always 202, so that nobody
/// learns which addresses do.
#[utoipa::path(post, path = "/api/v1/auth/password-reset", tag = "accounts", request_body = ResetRequest,
    responses((status = 202, body = Done), (status = 429, body = ErrorBody)))]
pub async fn password_reset(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    ApiJson(body): ApiJson<ResetRequest>,
) -> Result<(StatusCode, Json<Done>), ApiError> {
    state.app.request_password_reset(&body.email, &ip).await?;
    Ok((
        StatusCode::ACCEPTED,
        Json(Done {
            message: "If an account uses this address, a reset link is on its way.".into(),
        }),
    ))
}

/// Sets a new password with a reset token (single use, valid one hour); every session and
/// access token of the account ends.
#[utoipa::path(post, path = "/api/v1/auth/password-reset/confirm", tag = "accounts", request_body = ResetConfirm,
    responses((status = 200, body = Done), (status = 400, body = ErrorBody, description = "Unknown, used or expired token"),
        (status = 422, body = ErrorBody)))]
pub async fn password_reset_confirm(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<ResetConfirm>,
) -> Result<Json<Done>, ApiError> {
    state
        .app
        .reset_password(&body.token, &body.password)
        .await?;
    Ok(Json(Done {
        message: "Your password was changed. Log in with the new one.".into(),
    }))
}

/// Confirms an e-mail address with the token from the confirmation mail.
#[utoipa::path(post, path = "/api/v1/auth/confirm-email", tag = "accounts", request_body = TokenBody,
    responses((status = 200, body = Done), (status = 400, body = ErrorBody)))]
pub async fn confirm_email(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<TokenBody>,
) -> Result<Json<Done>, ApiError> {
    state.app.confirm_email(&body.token).await?;
    Ok(Json(Done {
        message: "Your address is confirmed.".into(),
    }))
}

/// Dead-letter list filters.
#[derive(Deserialize, IntoParams)]
pub struct JobParams {
    /// Page number, from 1.
    pub page: Option<i64>,
    /// Items per page, 1–100 (default 50).
    pub per_page: Option<i64>,
}

/// A job that was given up.
#[derive(Serialize, ToSchema)]
pub struct DeadJob {
    /// Id.
    pub id: i64,
    /// What it does.
    pub kind: String,
    /// Its input (JSON text).
    pub payload: String,
    /// Tries made.
    pub attempts: i64,
    /// The last failure.
    pub last_error: Option<String>,
    /// When it was given up (RFC 3339).
    pub dead_at: Option<String>,
}

/// The queue's state and its dead letters.
#[derive(Serialize, ToSchema)]
pub struct JobsView {
    /// Waiting to run.
    pub queued: i64,
    /// Running now.
    pub running: i64,
    /// Given up.
    pub dead: i64,
    /// Done and kept for a week.
    pub done: i64,
    /// Dead letters, newest first.
    pub items: Vec<DeadJob>,
    /// All dead letters.
    pub total: i64,
}

/// The job queue: counts and dead letters (admins).
#[utoipa::path(get, path = "/api/v1/admin/jobs", tag = "notifications", params(JobParams), security(("bearer" = [])),
    responses((status = 200, body = JobsView), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn jobs(
    State(state): State<AppState>,
    ApiUser(u): ApiUser,
    ApiQuery(p): ApiQuery<JobParams>,
) -> Result<Json<JobsView>, ApiError> {
    let (c, page) = state.app.dead_jobs(&u, p.page, p.per_page).await?;
    Ok(Json(JobsView {
        queued: c.queued,
        running: c.running,
        dead: c.dead,
        done: c.done,
        items: page
            .items
            .into_iter()
            .map(|j| DeadJob {
                id: j.id,
                kind: j.kind,
                payload: j.payload,
                attempts: j.attempts,
                last_error: j.last_error,
                dead_at: j.dead_at.map(format_rfc3339),
            })
            .collect(),
        total: page.total,
    }))
}

/// Gives a dead job a fresh set of tries, now (admins).
#[utoipa::path(post, path = "/api/v1/admin/jobs/{id}/retry", tag = "notifications",
    params(("id" = i64, Path, description = "Job id")), security(("bearer" = [])),
    responses((status = 202, body = Done), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn retry_job(
    State(state): State<AppState>,
    ApiUser(u): ApiUser,
    Path(id): Path<String>,
) -> Result<(StatusCode, Json<Done>), ApiError> {
    state.app.retry_job(&u, parse_id(&id)?).await?;
    Ok((
        StatusCode::ACCEPTED,
        Json(Done {
            message: "The job will run again shortly.".into(),
        }),
    ))
}

/// A digest round to send now.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DigestBody {
    /// `daily` or `weekly`.
    pub channel: String,
}

/// Sends a digest round now instead of at the next period (admins).
#[utoipa::path(post, path = "/api/v1/admin/digests", tag = "notifications", request_body = DigestBody,
    security(("bearer" = [])),
    responses((status = 202, body = Done), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn send_digests(
    State(state): State<AppState>,
    ApiUser(u): ApiUser,
    ApiJson(body): ApiJson<DigestBody>,
) -> Result<(StatusCode, Json<Done>), ApiError> {
    state.app.send_digests_now(&u, &body.channel).await?;
    Ok((
        StatusCode::ACCEPTED,
        Json(Done {
            message: "The digests are on their way.".into(),
        }),
    ))
}
