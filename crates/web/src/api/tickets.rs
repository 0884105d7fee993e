//! Private tickets: filing one, the list, one ticket with its messages, history and SLA clocks,
//! writing on it, and changing it.

use super::dto::UserRef;
use super::{parse_id, ApiJson, ApiQuery, JsonOrEmpty};
use crate::auth::ApiUser;
use crate::error::{ApiError, ErrorBody};
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use stoa_app::{
    ConsentInput, ProposeInput, SupportReport, TicketChange, TicketInput, TicketQuery, TicketRow,
    TicketView, Visitor,
};
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
    /// The deflection session token of the search that led here (its trail is shown to
    /// agents, and it ends as "asked a person").
    pub deflection: Option<String>,
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

/// A proposal to publish a ticket as a public question, with personal data masked.
#[derive(Serialize, ToSchema)]
pub struct PublicationJson {
    /// `proposed`, `accepted` or `declined`.
    pub state: String,
    /// Title.
    pub title: String,
    /// The question (Markdown).
    pub body: String,
    /// The answer (Markdown), credited to `answerer_id`.
    pub answer: String,
    /// The agent credited with the answer.
    pub answerer_id: i64,
    /// The public question, once published.
    pub question_id: Option<i64>,
}

/// The public post that covers a ticket.
#[derive(Serialize, ToSchema)]
pub struct CoverageJson {
    /// The post.
    pub post_id: i64,
    /// `question` or `article`.
    pub kind: String,
    /// Title.
    pub title: String,
    /// `suggested`, `confirmed` or `rejected`.
    pub state: Option<String>,
    /// Match score, 0 to 1.
    pub score: Option<f64>,
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
    /// The soonest running due time (RFC 3339), null when nothing is due.
    pub due_at: Option<String>,
    /// Whether a promise was broken.
    pub breached: bool,
    /// The closed ticket this one follows up.
    pub follow_up_of: Option<i64>,
    /// Satisfaction: `good` or `bad`.
    pub rating: Option<String>,
    /// The public question published from it.
    pub published_question_id: Option<i64>,
    /// Tags (on one ticket, and in lists).
    pub tags: Vec<String>,
    /// The plan's name (on one ticket).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub plan_name: Option<String>,
    /// The public post covering it (on one ticket).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub covered_by: Option<CoverageJson>,
    /// The proposal to publish it (on one ticket).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub publication: Option<PublicationJson>,
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

fn summary(t: TicketRow, tags: Vec<String>) -> TicketJson {
    TicketJson {
        due_at: (t.due_at != stoa_app::NO_DUE).then(|| format_rfc3339(t.due_at)),
        breached: t.breached,
        follow_up_of: t.follow_up_of,
        rating: t.csat.clone(),
        published_question_id: t.published_question_id,
        tags,
        plan_name: None,
        covered_by: None,
        publication: None,
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
    let covered_by = v.covered.map(|(post_id, kind, title)| CoverageJson {
        post_id,
        kind,
        title,
        state: v.ticket.coverage_state.clone(),
        score: v.ticket.coverage_score.map(|s| s as f64 / 1000.0),
    });
    let publication = v.publication.map(|p| PublicationJson {
        state: p.state,
        title: p.title,
        body: p.question_md,
        answer: p.answer_md,
        answerer_id: p.answerer_id,
        question_id: p.question_id,
    });
    let mut t = summary(v.ticket, v.tags);
    t.plan_name = Some(v.plan_name);
    t.covered_by = covered_by;
    t.publication = publication;
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
            &Visitor::user(&u),
            TicketInput {
                subject: b.subject,
                body: b.body,
                priority: b.priority,
                deflection: b.deflection,
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
    /// An agent's id, `me`, or `none` (unassigned).
    pub assignee: Option<String>,
    /// `true`: only tickets that broke a promise; `false`: only those that did not.
    pub breached: Option<bool>,
    /// Only tickets filed under this plan.
    pub plan_id: Option<i64>,
    /// Only tickets with this tag.
    pub tag: Option<String>,
    /// `due`: the soonest due first, tickets still to work on unless a status is given (the
    /// agent inbox); `updated` (default): the most recently changed first.
    pub sort: Option<String>,
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
    /// All matching, counted up to 1,000.
    pub total: i64,
    /// Whether more than 1,000 match (then `total` is 1,000).
    pub total_capped: bool,
}

/// Tickets: your own, or everyone's for agents.
#[utoipa::path(get, path = "/api/v1/tickets", tag = "support", params(TicketParams), security(("bearer" = [])),
    responses((status = 200, body = TicketList), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    ApiUser(u): ApiUser,
    ApiQuery(p): ApiQuery<TicketParams>,
) -> Result<Json<TicketList>, ApiError> {
    let by_due = match p.sort.as_deref() {
        None | Some("updated") => false,
        Some("due") => true,
        Some(_) => {
            return Err(stoa_app::AppError::invalid(
                "invalid_sort",
                "sort",
                "sort is due or updated.",
            )
            .into())
        }
    };
    let q = TicketQuery {
        status: p.status,
        assignee: p.assignee,
        breached: p.breached,
        plan_id: p.plan_id,
        tag: p.tag,
        by_due,
        page: p.page,
        per_page: p.per_page,
    };
    let page = state.app.tickets(&u, &q).await?;
    let mut tags = state.app.tags_of_tickets(&page.items).await?;
    Ok(Json(TicketList {
        items: page
            .items
            .into_iter()
            .map(|t| {
                let tg = tags.remove(&t.id).unwrap_or_default();
                summary(t, tg)
            })
            .collect(),
        total: page.total,
        total_capped: page.total_capped,
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

/// The new message's id, and its ticket's.
#[derive(Serialize, ToSchema)]
pub struct Created {
    /// Id.
    pub id: i64,
    /// The ticket it is on: a reply to a closed ticket starts a follow-up ticket.
    pub ticket_id: i64,
}

/// Writes on a ticket: the customer or an agent replies; agents add internal notes. A
/// customer's reply to a closed ticket starts a follow-up ticket linked to it.
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
    let w = state
        .app
        .ticket_message(&u, parse_id(&id)?, &b.body, b.internal)
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(Created {
            id: w.message_id,
            ticket_id: w.ticket_id,
        }),
    ))
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
    /// New tags, replacing the old (agents).
    pub tags: Option<Vec<String>>,
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
                tags: b.tags,
            },
        )
        .await?;
    Ok(Json(full(v)))
}

/// A proposal to publish.
#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct PublishBody {
    /// The agent reply to publish as the answer (default: the last one).
    pub answer_message_id: Option<i64>,
}

/// Proposes to publish a solved ticket as a public question with its answer (agents). The
/// customer's name, e-mail addresses, phone numbers, order numbers and links with tokens are
/// masked; nothing is public until the customer consents.
#[utoipa::path(post, path = "/api/v1/tickets/{id}/publish", tag = "support", request_body = PublishBody,
    params(("id" = i64, Path, description = "Ticket id")), security(("bearer" = [])),
    responses((status = 200, body = TicketJson), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody)))]
pub async fn publish(
    State(state): State<AppState>,
    ApiUser(u): ApiUser,
    Path(id): Path<String>,
    JsonOrEmpty(b): JsonOrEmpty<PublishBody>,
) -> Result<Json<TicketJson>, ApiError> {
    let v = state
        .app
        .propose_publication(
            &u,
            parse_id(&id)?,
            ProposeInput {
                answer_message_id: b.answer_message_id,
            },
        )
        .await?;
    Ok(Json(full(v)))
}

/// The customer's decision on publishing.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConsentBody {
    /// Publish (`true`) or not.
    pub accept: bool,
    /// The title as it should appear (default: the proposed one).
    pub title: Option<String>,
    /// The question as it should appear (default: the proposed one).
    pub body: Option<String>,
}

/// The customer consents to publishing their ticket (with their edits) or declines. On
/// consent the question is public under their name, the agent's reply its accepted answer.
#[utoipa::path(post, path = "/api/v1/tickets/{id}/consent", tag = "support", request_body = ConsentBody,
    params(("id" = i64, Path, description = "Ticket id")), security(("bearer" = [])),
    responses((status = 200, body = TicketJson), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn consent(
    State(state): State<AppState>,
    ApiUser(u): ApiUser,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<ConsentBody>,
) -> Result<Json<TicketJson>, ApiError> {
    let v = state
        .app
        .consent_publication(
            &u,
            parse_id(&id)?,
            ConsentInput {
                accept: b.accept,
                title: b.title,
                body: b.body,
            },
        )
        .await?;
    Ok(Json(full(v)))
}

/// A satisfaction rating.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RatingBody {
    /// `good` or `bad`.
    pub rating: String,
    /// Up to 2,000 characters.
    #[serde(default)]
    pub comment: String,
}

/// The customer rates a solved ticket (409 `not_solved` before).
#[utoipa::path(post, path = "/api/v1/tickets/{id}/rating", tag = "support", request_body = RatingBody,
    params(("id" = i64, Path, description = "Ticket id")), security(("bearer" = [])),
    responses((status = 200, body = TicketJson), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn rating(
    State(state): State<AppState>,
    ApiUser(u): ApiUser,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<RatingBody>,
) -> Result<Json<TicketJson>, ApiError> {
    let v = state
        .app
        .rate_ticket(&u, parse_id(&id)?, &b.rating, &b.comment)
        .await?;
    Ok(Json(full(v)))
}

/// An agent's verdict on coverage.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CoverageBody {
    /// The covering post (default: the one recorded).
    pub post_id: Option<i64>,
    /// Confirm (`true`) or reject.
    pub confirm: bool,
}

/// Agents confirm or reject the public post recorded as covering a ticket, or name one.
#[utoipa::path(post, path = "/api/v1/tickets/{id}/coverage", tag = "support", request_body = CoverageBody,
    params(("id" = i64, Path, description = "Ticket id")), security(("bearer" = [])),
    responses((status = 200, body = TicketJson), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn coverage(
    State(state): State<AppState>,
    ApiUser(u): ApiUser,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<CoverageBody>,
) -> Result<Json<TicketJson>, ApiError> {
    let v = state
        .app
        .judge_coverage(&u, parse_id(&id)?, b.post_id, b.confirm)
        .await?;
    Ok(Json(full(v)))
}

/// A canned reply.
#[derive(Serialize, Deserialize, ToSchema)]
pub struct CannedJson {
    /// Id (ignored when creating).
    #[serde(default)]
    pub id: i64,
    /// 1–100 characters, unique.
    pub title: String,
    /// Markdown.
    pub body: String,
}

/// Canned replies (agents).
#[utoipa::path(get, path = "/api/v1/canned-replies", tag = "support", security(("bearer" = [])),
    responses((status = 200, body = Vec<CannedJson>), (status = 403, body = ErrorBody)))]
pub async fn canned_list(
    State(state): State<AppState>,
    ApiUser(u): ApiUser,
) -> Result<Json<Vec<CannedJson>>, ApiError> {
    Ok(Json(
        state
            .app
            .canned_replies(&u)
            .await?
            .into_iter()
            .map(|c| CannedJson {
                id: c.id,
                title: c.title,
                body: c.body_md,
            })
            .collect(),
    ))
}

/// Adds a canned reply (agents); 409 when the title is taken.
#[utoipa::path(post, path = "/api/v1/canned-replies", tag = "support", request_body = CannedJson, security(("bearer" = [])),
    responses((status = 201, body = CannedJson), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn canned_create(
    State(state): State<AppState>,
    ApiUser(u): ApiUser,
    ApiJson(b): ApiJson<CannedJson>,
) -> Result<(StatusCode, Json<CannedJson>), ApiError> {
    let c = state.app.add_canned_reply(&u, &b.title, &b.body).await?;
    Ok((
        StatusCode::CREATED,
        Json(CannedJson {
            id: c.id,
            title: c.title,
            body: c.body_md,
        }),
    ))
}

/// Deletes a canned reply (agents).
#[utoipa::path(delete, path = "/api/v1/canned-replies/{id}", tag = "support",
    params(("id" = i64, Path, description = "Canned reply id")), security(("bearer" = [])),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn canned_delete(
    State(state): State<AppState>,
    ApiUser(u): ApiUser,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    state.app.delete_canned_reply(&u, parse_id(&id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The report's range.
#[derive(Deserialize, IntoParams)]
pub struct ReportParams {
    /// First day, `YYYY-MM-DD` (default: eight weeks ago, a Monday).
    pub from: Option<String>,
    /// Last day, `YYYY-MM-DD`, inclusive (default: today).
    pub to: Option<String>,
}

/// Response times of one plan (seconds).
#[derive(Serialize, ToSchema)]
pub struct PlanTimesJson {
    /// Plan name.
    pub plan: String,
    /// Tickets filed.
    pub tickets: usize,
    /// Median seconds to the first reply.
    pub first_reply_median: Option<i64>,
    /// 90th percentile.
    pub first_reply_p90: Option<i64>,
    /// Median seconds to solved.
    pub resolution_median: Option<i64>,
    /// 90th percentile.
    pub resolution_p90: Option<i64>,
}

/// One week (or the whole period).
#[derive(Serialize, ToSchema)]
pub struct WeekJson {
    /// Monday of the week (`YYYY-MM-DD`), or the period's first day.
    pub week: String,
    /// Tickets filed.
    pub tickets: usize,
    /// Times by plan.
    pub plans: Vec<PlanTimesJson>,
    /// Share of tickets that broke no promise (0–1).
    pub sla_attainment: Option<f64>,
    /// Share of good ratings (0–1).
    pub csat: Option<f64>,
    /// Ratings given.
    pub ratings: usize,
    /// Share of tickets on topics public knowledge covers (0–1).
    pub covered_share: Option<f64>,
}

/// A post covering tickets.
#[derive(Serialize, ToSchema)]
pub struct CoveringJson {
    /// The post.
    pub post_id: i64,
    /// `question` or `article`.
    pub kind: String,
    /// Title.
    pub title: String,
    /// Tickets it covers.
    pub tickets: usize,
}

/// A content gap.
#[derive(Serialize, ToSchema)]
pub struct GapJson {
    /// The topic (a word).
    pub topic: String,
    /// Uncovered tickets on it.
    pub tickets: usize,
    /// Failed searches on it.
    pub searches: usize,
}

/// The support report.
#[derive(Serialize, ToSchema)]
pub struct ReportJson {
    /// First day.
    pub from: String,
    /// The moment after the last day.
    pub to: String,
    /// By week, oldest first.
    pub weeks: Vec<WeekJson>,
    /// The whole period.
    pub total: WeekJson,
    /// Posts covering the most tickets.
    pub top_covering: Vec<CoveringJson>,
    /// Topics with tickets and failed searches but no good match.
    pub gaps: Vec<GapJson>,
}

fn week_json(w: stoa_app::ReportWeek) -> WeekJson {
    WeekJson {
        week: stoa_domain::time::format_utc(w.week_start)
            .chars()
            .take(10)
            .collect(),
        tickets: w.tickets,
        plans: w
            .plans
            .into_iter()
            .map(|p| PlanTimesJson {
                plan: p.plan,
                tickets: p.tickets,
                first_reply_median: p.first_reply_median,
                first_reply_p90: p.first_reply_p90,
                resolution_median: p.resolution_median,
                resolution_p90: p.resolution_p90,
            })
            .collect(),
        sla_attainment: w.sla_attainment,
        csat: w.csat,
        ratings: w.ratings,
        covered_share: w.covered_share,
    }
}

/// The report as JSON.
pub fn report_json(r: SupportReport) -> ReportJson {
    ReportJson {
        from: format_rfc3339(r.from),
        to: format_rfc3339(r.to),
        weeks: r.weeks.into_iter().map(week_json).collect(),
        total: week_json(r.total),
        top_covering: r
            .top_covering
            .into_iter()
            .map(|c| CoveringJson {
                post_id: c.post_id,
                kind: c.kind,
                title: c.title,
                tickets: c.tickets,
            })
            .collect(),
        gaps: r
            .gaps
            .into_iter()
            .map(|g| GapJson {
                topic: g.topic,
                tickets: g.tickets,
                searches: g.searches,
            })
            .collect(),
    }
}

/// The support report by week: tickets, response times by plan (median, p90), SLA
/// attainment, satisfaction, the share covered by public knowledge, the posts covering most
/// tickets and the content gaps. Agents and admins.
#[utoipa::path(get, path = "/api/v1/support/report", tag = "support", params(ReportParams), security(("bearer" = [])),
    responses((status = 200, body = ReportJson), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn report(
    State(state): State<AppState>,
    ApiUser(u): ApiUser,
    ApiQuery(p): ApiQuery<ReportParams>,
) -> Result<Json<ReportJson>, ApiError> {
    let r = state
        .app
        .support_report(&u, p.from.as_deref(), p.to.as_deref())
        .await?;
    Ok(Json(report_json(r)))
}
