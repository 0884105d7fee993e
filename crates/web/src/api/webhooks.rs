//! Webhooks: register a URL for events, list and change them, read the delivery log and
//! redeliver. What is sent and how it is signed: docs/webhooks.md.

use super::{parse_id, ApiJson, ApiQuery};
use crate::auth::ApiUser;
use crate::error::{ApiError, ErrorBody};
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use stoa_app::{DeliveryRow, WebhookInput, WebhookPatch, WebhookRow};
use stoa_domain::time::format_rfc3339;
use stoa_domain::webhooks::events_from_stored;
use utoipa::{IntoParams, ToSchema};

/// A webhook (never its secret, except once when Stoa generates it).
#[derive(Serialize, ToSchema)]
pub struct WebhookJson {
    /// Id.
    pub id: i64,
    /// Where deliveries go.
    pub url: String,
    /// Event names.
    pub events: Vec<String>,
    /// `site` (every event: an administrator's webhook) or `own` (events about the owner).
    pub scope: String,
    /// Whether deliveries are made.
    pub active: bool,
    /// When it was switched off after failing for a day (RFC 3339).
    pub disabled_at: Option<String>,
    /// Why.
    pub disabled_reason: String,
    /// Failed tries since the last success.
    pub failure_streak: i64,
    /// Last successful delivery (RFC 3339).
    pub last_success_at: Option<String>,
    /// Last failed try (RFC 3339).
    pub last_failure_at: Option<String>,
    /// Owner.
    pub owner: WebhookOwner,
    /// Created (RFC 3339).
    pub created_at: String,
}

/// A webhook's owner.
#[derive(Serialize, ToSchema)]
pub struct WebhookOwner {
    /// Id.
    pub id: i64,
    /// Username.
    pub username: String,
}

fn webhook_json(w: &WebhookRow) -> WebhookJson {
    WebhookJson {
        id: w.id,
        url: w.url.clone(),
        events: events_from_stored(&w.events)
            .into_iter()
            .map(|e| e.as_str().to_string())
            .collect(),
        scope: w.audience.clone(),
        active: w.active,
        disabled_at: w.disabled_at.map(format_rfc3339),
        disabled_reason: w.disabled_reason.clone(),
        failure_streak: w.failure_streak,
        last_success_at: w.last_success_at.map(format_rfc3339),
        last_failure_at: w.last_failure_at.map(format_rfc3339),
        owner: WebhookOwner {
            id: w.owner_id,
            username: w.owner_name.clone(),
        },
        created_at: format_rfc3339(w.created_at),
    }
}

/// Webhooks.
#[derive(Serialize, ToSchema)]
pub struct WebhookList {
    /// The caller's webhooks (every one for administrators), oldest first.
    pub items: Vec<WebhookJson>,
}

/// Your webhooks; administrators see everyone's.
#[utoipa::path(get, path = "/api/v1/webhooks", tag = "webhooks", security(("bearer" = [])),
    responses((status = 200, body = WebhookList), (status = 401, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    ApiUser(u): ApiUser,
) -> Result<Json<WebhookList>, ApiError> {
    let items = state.app.webhooks(&u).await?;
    Ok(Json(WebhookList {
        items: items.iter().map(webhook_json).collect(),
    }))
}

/// A new webhook.
#[derive(Deserialize, ToSchema)]
pub struct WebhookBody {
    /// An `https://` or `http://` URL; loopback, private and link-local addresses are refused
    /// unless the site allows them.
    pub url: String,
    /// Event names: `question.created`, `answer.created`, `answer.accepted`, `post.edited`,
    /// `post.deleted`, `flag.raised`, `moderation.action`, `ticket.created`, `ticket.updated`.
    pub events: Vec<String>,
    /// A signing secret of your own (16–200 printable ASCII characters); generated if absent.
    pub secret: Option<String>,
}

/// A webhook just registered.
#[derive(Serialize, ToSchema)]
pub struct CreatedWebhookJson {
    /// The signing secret, when Stoa generated it: shown this once.
    pub secret: Option<String>,
    /// The webhook.
    #[serde(flatten)]
    pub webhook: WebhookJson,
}

/// Registers a webhook. An administrator's hears of every event; anyone else's of events
/// about their own posts, flags, tickets and account (docs/webhooks.md).
#[utoipa::path(post, path = "/api/v1/webhooks", tag = "webhooks", request_body = WebhookBody, security(("bearer" = [])),
    responses((status = 201, body = CreatedWebhookJson), (status = 401, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    ApiUser(u): ApiUser,
    ApiJson(b): ApiJson<WebhookBody>,
) -> Result<(StatusCode, Json<CreatedWebhookJson>), ApiError> {
    let c = state
        .app
        .create_webhook(
            &u,
            WebhookInput {
                url: b.url,
                events: b.events,
                secret: b.secret,
            },
        )
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(CreatedWebhookJson {
            secret: c.generated_secret,
            webhook: webhook_json(&c.webhook),
        }),
    ))
}

/// One webhook.
#[utoipa::path(get, path = "/api/v1/webhooks/{id}", tag = "webhooks", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Webhook id")),
    responses((status = 200, body = WebhookJson), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn show(
    State(state): State<AppState>,
    ApiUser(u): ApiUser,
    Path(id): Path<String>,
) -> Result<Json<WebhookJson>, ApiError> {
    let w = state.app.webhook(&u, parse_id(&id)?).await?;
    Ok(Json(webhook_json(&w)))
}

/// Changes to a webhook.
#[derive(Deserialize, ToSchema, Default)]
pub struct WebhookPatchBody {
    /// A new URL.
    pub url: Option<String>,
    /// New events.
    pub events: Option<Vec<String>>,
    /// `true` turns a disabled webhook back on (and clears its failures); `false` pauses it.
    pub active: Option<bool>,
}

/// Changes a webhook's URL or events, or turns it on or off.
#[utoipa::path(patch, path = "/api/v1/webhooks/{id}", tag = "webhooks", request_body = WebhookPatchBody, security(("bearer" = [])),
    params(("id" = i64, Path, description = "Webhook id")),
    responses((status = 200, body = WebhookJson), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update(
    State(state): State<AppState>,
    ApiUser(u): ApiUser,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<WebhookPatchBody>,
) -> Result<Json<WebhookJson>, ApiError> {
    let w = state
        .app
        .update_webhook(
            &u,
            parse_id(&id)?,
            WebhookPatch {
                url: b.url,
                events: b.events,
                active: b.active,
            },
        )
        .await?;
    Ok(Json(webhook_json(&w)))
}

/// Deletes a webhook and its delivery log; deliveries waiting are dropped.
#[utoipa::path(delete, path = "/api/v1/webhooks/{id}", tag = "webhooks", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Webhook id")),
    responses((status = 204), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn delete(
    State(state): State<AppState>,
    ApiUser(u): ApiUser,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    state.app.delete_webhook(&u, parse_id(&id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Delivery log paging.
#[derive(Deserialize, IntoParams)]
pub struct DeliveryParams {
    /// Page number, from 1.
    pub page: Option<i64>,
    /// Items per page, 1–100 (default 30).
    pub per_page: Option<i64>,
}

/// One delivery of one event.
#[derive(Serialize, ToSchema)]
pub struct DeliveryJson {
    /// Id (the `Stoa-Delivery` header).
    pub id: i64,
    /// Event name (the `Stoa-Event` header).
    pub event: String,
    /// The event's id (the payload's `id`), shared by its redeliveries.
    pub event_id: String,
    /// `pending`, `retrying`, `delivered`, `failed` or `cancelled`.
    pub status: String,
    /// Tries made.
    pub attempts: i64,
    /// Tries allowed (7 over about a day; 1 for a redelivery).
    pub max_attempts: i64,
    /// The receiver's HTTP status on the last try.
    pub response_code: Option<i64>,
    /// The first 500 characters of its answer.
    pub response_excerpt: String,
    /// Why the last try failed.
    pub error: String,
    /// How long the last try took, in milliseconds.
    pub duration_ms: Option<i64>,
    /// The delivery this one repeats (a redelivery).
    pub redelivery_of: Option<i64>,
    /// Created (RFC 3339).
    pub created_at: String,
    /// Last try (RFC 3339).
    pub last_attempt_at: Option<String>,
    /// Next try, when one is scheduled (RFC 3339).
    pub next_attempt_at: Option<String>,
    /// Accepted by the receiver (RFC 3339).
    pub delivered_at: Option<String>,
    /// The JSON body sent.
    pub payload: String,
}

fn delivery_json(d: DeliveryRow) -> DeliveryJson {
    DeliveryJson {
        id: d.id,
        event: d.event,
        event_id: d.event_id,
        status: d.status,
        attempts: d.attempts,
        max_attempts: d.max_attempts,
        response_code: d.response_code,
        response_excerpt: d.response_excerpt,
        error: d.error,
        duration_ms: d.duration_ms,
        redelivery_of: d.redelivery_of,
        created_at: format_rfc3339(d.created_at),
        last_attempt_at: d.last_attempt_at.map(format_rfc3339),
        next_attempt_at: d.next_attempt_at.map(format_rfc3339),
        delivered_at: d.delivered_at.map(format_rfc3339),
        payload: d.payload,
    }
}

/// A page of deliveries.
#[derive(Serialize, ToSchema)]
pub struct DeliveryList {
    /// Newest first.
    pub items: Vec<DeliveryJson>,
    /// All of this webhook's deliveries.
    pub total: i64,
}

/// A webhook's delivery log, newest first.
#[utoipa::path(get, path = "/api/v1/webhooks/{id}/deliveries", tag = "webhooks", params(("id" = i64, Path, description = "Webhook id"), DeliveryParams),
    security(("bearer" = [])),
    responses((status = 200, body = DeliveryList), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn deliveries(
    State(state): State<AppState>,
    ApiUser(u): ApiUser,
    Path(id): Path<String>,
    ApiQuery(p): ApiQuery<DeliveryParams>,
) -> Result<Json<DeliveryList>, ApiError> {
    let page = state
        .app
        .webhook_deliveries(&u, parse_id(&id)?, p.page, p.per_page)
        .await?;
    Ok(Json(DeliveryList {
        items: page.items.into_iter().map(delivery_json).collect(),
        total: page.total,
    }))
}

/// Sends a delivery's payload again, once, as a new delivery signed anew (202: queued).
#[utoipa::path(post, path = "/api/v1/webhooks/{id}/deliveries/{did}/redeliver", tag = "webhooks",
    params(("id" = i64, Path, description = "Webhook id"), ("did" = i64, Path, description = "Delivery id")),
    security(("bearer" = [])),
    responses((status = 202, body = DeliveryJson), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody)))]
pub async fn redeliver(
    State(state): State<AppState>,
    ApiUser(u): ApiUser,
    Path((id, did)): Path<(String, String)>,
) -> Result<(StatusCode, Json<DeliveryJson>), ApiError> {
    let d = state
        .app
        .redeliver_webhook(&u, parse_id(&id)?, parse_id(&did)?)
        .await?;
    Ok((StatusCode::ACCEPTED, Json(delivery_json(d))))
}
