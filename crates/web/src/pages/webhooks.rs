//! `/settings/webhooks`: one's webhooks (every one for administrators) with their state and
//! latest deliveries, and "turn back on" for a webhook disabled after failing. Registering
//! and changing webhooks is done through the API (docs/webhooks.md).

use super::view::When;
use super::{render, Layout};
use crate::auth::PageUser;
use crate::csrf::CsrfForm;
use crate::error::PageError;
use crate::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use std::collections::HashMap;
use stoa_app::{AppError, WebhookPatch};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/settings/webhooks", get(list))
        .route("/settings/webhooks/{id}/enable", post(enable))
}

struct DeliveryLine {
    id: i64,
    event: String,
    status: String,
    attempts: i64,
    code: String,
    at: When,
}

struct WebhookLine {
    id: i64,
    url: String,
    events: String,
    scope: String,
    owner: String,
    active: bool,
    disabled_reason: String,
    deliveries: Vec<DeliveryLine>,
}

#[derive(Template)]
#[template(path = "webhooks.html")]
struct WebhooksPage {
    l: Layout,
    webhooks: Vec<WebhookLine>,
}

async fn list(
    State(state): State<AppState>,
    PageUser(u): PageUser,
    l: Layout,
) -> Result<Response, PageError> {
    let now = stoa_app::now();
    let mut webhooks = Vec::new();
    for w in state.app.webhooks(&u).await? {
        let log = state
            .app
            .webhook_deliveries(&u, w.id, Some(1), Some(10))
            .await?;
        webhooks.push(WebhookLine {
            id: w.id,
            url: w.url,
            events: w.events.replace(' ', ", "),
            scope: w.audience,
            owner: w.owner_name,
            active: w.active,
            disabled_reason: w.disabled_reason,
            deliveries: log
                .items
                .into_iter()
                .map(|d| DeliveryLine {
                    id: d.id,
                    event: d.event,
                    status: d.status,
                    attempts: d.attempts,
                    code: d
                        .response_code
                        .map_or_else(|| d.error.clone(), |c| c.to_string()),
                    at: When::at(d.last_attempt_at.unwrap_or(d.created_at), now),
                })
                .collect(),
        });
    }
    Ok(render(&WebhooksPage { l, webhooks }))
}

async fn enable(
    State(state): State<AppState>,
    PageUser(u): PageUser,
    Path(id): Path<String>,
    CsrfForm(_): CsrfForm<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let id: i64 = id.parse().map_err(|_| AppError::NotFound("webhook"))?;
    let patch = WebhookPatch {
        active: Some(true),
        ..WebhookPatch::default()
    };
    state.app.update_webhook(&u, id, patch).await?;
    Ok(Redirect::to(&format!("/settings/webhooks#webhook-{id}")).into_response())
}
