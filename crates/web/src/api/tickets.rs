//! Private tickets: filing one, the list, one ticket with its messages, history and SLA clocks,
//! writing on it, and changing it.

use super::dto::UserRef;
use super::{parse_id, ApiJson, ApiQuery};
use crate::auth::ApiUser;
use crate::error::{ApiError, ErrorBody};
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use stoa_app::{TicketChange, TicketInput, TicketRow, TicketView};
use stoa_domain::time::format_rfc3339;
use utoipa::{IntoParams, ToSchema};

/// A new ticket.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewTicketBody {
    /// 1–200 characters.
    pub subject: String,
    /// Markdown.
    pub body: String,
    /// `low`, `normal` (default), `high` or `urgent`.
    pub priority: Option<String>,
}

/// A promise broken.
#[derive(Serialize, ToSchema)]
pub struct BreachJson {
    /// `first_reply`, `next_reply` or `resolution`.
    pub target: String,
    /// When it was due (RFC 3339).
    pub due: String,
}

/// The SLA clocks (RFC 3339 times; null when the clock does not run).
#[derive(Serialize, ToSchema)]
pub struct SlaJson {
    /// First reply due.
    pub first_reply_due: Option<String>,
    /// Next reply due.
    pub next_reply_due: Option<String>,
    /// Resolution due.
    pub resolution_due: Option<String>,
    /// Whether the clocks are stopped (pending).
    pub paused: bool,
    /// Promises broken.
    pub breaches: Vec<BreachJson>,
}

/// A message on a ticket.
#[derive(Serialize, ToSchema)]
pub struct MessageJson {
    /// Id.
    pub id: i64,
    /// Author.
    pub author: UserRef,
    /// Markdown source.
    pub body: String,
    /// Sanitised HTML.
    pub body_html: String,
    /// An internal note (agents only see these).
    pub internal: bool,
    /// When (RFC 3339).
    pub created_at: String,
}

/// An event in a ticket's history.
#[derive(Serialize, ToSchema)]
pub struct EventJson {
    /// Who.
    pub actor_id: Option<i64>,
    /// `created`, `agent_reply`, `customer_reply`, `note`, `status`, `priority`, `assignee`.
    pub kind: String,
    /// The new value, for changes.
    pub value: String,
    /// When (RFC 3339).
    pub created_at: String,
}

/// A ticket.
#[derive(Serialize, ToSchema)]
pub struct TicketJson {
    /// Id.
    pub id: i64,
    /// Subject.
    pub subject: String,
    /// `new`, `open`, `pending`, `on_hold`, `solved` or `closed`.
    pub status: String,
    /// `low`, `normal`, `high` or `urgent`.
    pub priority: String,
    /// The customer.
    pub requester: UserRef,
    /// The agent in charge.
    pub assignee_id: Option<i64>,
    /// The plan it was filed under.
    pub plan_id: i64,
    /// Filed (RFC 3339).
    pub created_at: String,
    /// Last change (RFC 3339).
    pub updated_at: String,
    /// SLA clocks (on one ticket, not in lists).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sla: Option<SlaJson>,
    /// Messages (on one ticket).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub messages: Option<Vec<MessageJson>>,
    /// History (on one ticket).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub events: Option<Vec<EventJson>>,
}

fn summary(t: TicketRow) -> TicketJson {
    TicketJson {
        id: t.id,
        subject: t.subject,
        status: t.status,
        priority: t.priority,
        requester: UserRef {
            id: t.requester_id,
            username: t.requester_name,
        },
        assignee_id: t.assignee_id,
        plan_id: t.plan_id,
        created_at: format_rfc3339(t.created_at),
        updated_at: format_rfc3339(t.updated_at),
        sla: None,
        messages: None,
        events: None,
    }
}

fn full(v: TicketView) -> TicketJson {
    let sla = SlaJson {
        first_reply_due: v.sla.first_reply_due.map(format_rfc3339),
        next_reply_due: v.sla.next_reply_due.map(format_rfc3339),
        resolution_due: v.sla.resolution_due.map(format_rfc3339),
        paused: v.sla.paused,
        breaches: v
            .sla
            .breaches
            .iter()
            .map(|b| BreachJson {
                target: b.target.as_str().to_string(),
                due: format_rfc3339(b.due),
            })
            .collect(),
    };
    let messages = v
        .messages
        .into_iter()
        .map(|m| MessageJson {
            id: m.id,
            author: UserRef {
                id: m.author_id,
                username: m.author_name,
            },
            body: m.body_md,
            body_html: m.body_html,
            internal: m.internal,
            created_at: format_rfc3339(m.created_at),
        })
        .collect();
    let events = v
        .events
        .into_iter()
        .map(|e| EventJson {
            actor_id: e.actor_id,
            kind: e.kind,
            value: e.value,
            created_at: format_rfc3339(e.created_at),
        })
        .collect();
    let mut t = summary(v.ticket);
    t.sla = Some(sla);
    t.messages = Some(messages);
    t.events = Some(events);
    t
}

/// Files a ticket. 403 `plan_has_no_tickets` when the plan has none (see `/plans`); 409
/// `too_many_open_tickets` at the plan's limit.
#[utoipa::path(post, path = "/api/v1/tickets", tag = "support", request_body = NewTicketBody, security(("bearer" = [])),
    responses((status = 201, body = TicketJson), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    ApiUser(u): ApiUser,
    ApiJson(b): ApiJson<NewTicketBody>,
) -> Result<(StatusCode, Json<TicketJson>), ApiError> {
    let v = state
        .app
        .open_ticket(
            &u,
            TicketInput {
                subject: b.subject,
                body: b.body,
                priority: b.priority,
            },
        )
        .await?;
    Ok((StatusCode::CREATED, Json(full(v))))
}

/// Ticket list filters.
#[derive(Deserialize, IntoParams)]
pub struct TicketParams {
    /// Only this status.
    pub status: Option<String>,
    /// Only tickets assigned to this agent.
    pub assignee: Option<i64>,
    /// Page number, from 1.
    pub page: Option<i64>,
    /// Items per page, 1–100 (default 30).
    pub per_page: Option<i64>,
}

/// A page of tickets.
#[derive(Serialize, ToSchema)]
pub struct TicketList {
    /// Most recently changed first.
    pub items: Vec<TicketJson>,
    /// All matching.
    pub total: i64,
}

/// Tickets: your own, or everyone's for agents.
#[utoipa::path(get, path = "/api/v1/tickets", tag = "support", params(TicketParams), security(("bearer" = [])),
    responses((status = 200, body = TicketList), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    ApiUser(u): ApiUser,
    ApiQuery(p): ApiQuery<TicketParams>,
) -> Result<Json<TicketList>, ApiError> {
    let page = state
        .app
        .tickets(&u, p.status.as_deref(), p.assignee, p.page, p.per_page)
        .await?;
    Ok(Json(TicketList {
        items: page.items.into_iter().map(summary).collect(),
        total: page.total,
    }))
}

/// One ticket with its messages (internal notes for agents only), history and SLA clocks.
/// Another customer's ticket is a 404.
#[utoipa::path(get, path = "/api/v1/tickets/{id}", tag = "support", params(("id" = i64, Path, description = "Ticket id")),
    security(("bearer" = [])),
    responses((status = 200, body = TicketJson), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn show(
    State(state): State<AppState>,
    ApiUser(u): ApiUser,
    Path(id): Path<String>,
) -> Result<Json<TicketJson>, ApiError> {
    Ok(Json(full(state.app.ticket(&u, parse_id(&id)?).await?)))
}

/// A message.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MessageBody {
    /// Markdown.
    pub body: String,
    /// An internal note (agents only).
    #[serde(default)]
    pub internal: bool,
}

/// The new message's id.
#[derive(Serialize, ToSchema)]
pub struct Created {
    /// Id.
    pub id: i64,
}

/// Writes on a ticket: the customer or an agent replies; agents add internal notes.
#[utoipa::path(post, path = "/api/v1/tickets/{id}/messages", tag = "support", request_body = MessageBody,
    params(("id" = i64, Path, description = "Ticket id")), security(("bearer" = [])),
    responses((status = 201, body = Created), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn message(
    State(state): State<AppState>,
    ApiUser(u): ApiUser,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<MessageBody>,
) -> Result<(StatusCode, Json<Created>), ApiError> {
    let id = state
        .app
        .ticket_message(&u, parse_id(&id)?, &b.body, b.internal)
        .await?;
    Ok((StatusCode::CREATED, Json(Created { id })))
}

/// Changes to a ticket.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangeBody {
    /// New status (customers: only `solved`).
    pub status: Option<String>,
    /// New priority (agents).
    pub priority: Option<String>,
    /// New assignee, an agent's id; null unassigns (agents).
    #[serde(default, deserialize_with = "some_or_null")]
    #[schema(value_type = Option<i64>)]
    pub assignee_id: Option<Option<i64>>,
}

/// Tells a present `null` from an absent field.
fn some_or_null<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Option<i64>>, D::Error> {
    Ok(Some(Option::<i64>::deserialize(d)?))
}

/// Changes a ticket's status, priority or assignee; each change is an event.
#[utoipa::path(patch, path = "/api/v1/tickets/{id}", tag = "support", request_body = ChangeBody,
    params(("id" = i64, Path, description = "Ticket id")), security(("bearer" = [])),
    responses((status = 200, body = TicketJson), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn change(
    State(state): State<AppState>,
    ApiUser(u): ApiUser,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<ChangeBody>,
) -> Result<Json<TicketJson>, ApiError> {
    let v = state
        .app
        .change_ticket(
            &u,
            parse_id(&id)?,
            TicketChange {
                status: b.status,
                priority: b.priority,
                assignee_id: b.assignee_id,
            },
        )
        .await?;
    Ok(Json(full(v)))
}
