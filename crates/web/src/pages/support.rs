//! The customer's side of the support desk: `/support` (my tickets), `/support/new` with
//! similar questions and articles while typing, and a ticket's page with its conversation,
//! reply form, "mark solved", the satisfaction rating and the consent to publishing. Agents
//! see the workspace there: internal notes, status, priority, assignee and tags, the
//! customer's plan and earlier tickets, their deflection trail, matching articles and answers
//! (with coverage verdicts and knowledge-base links to insert), canned replies, and the
//! proposal to publish.

use super::ask::{suggestions, SimilarFragment};
use super::deflection::VisitorOf;
use super::view::When;
use super::view::{post_url, question_url};
use super::{is_htmx, url_encode};
use super::{parse_id, render, Layout};
use crate::auth::PageUser;
use crate::csrf::CsrfForm;
use crate::error::{PageError, Problem};
use crate::AppState;
use askama::Template;
use axum::extract::Query;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;
use stoa_app::{
    is_agent, AppError, ConsentInput, ProposeInput, TicketChange, TicketInput, TicketQuery,
};
use stoa_domain::plans::PRIORITIES;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/support", get(list))
        .route("/support/new", get(new_page).post(create))
        .route("/support/tickets/{id}", get(show))
        .route("/support/tickets/{id}/reply", post(reply))
        .route("/support/tickets/{id}/change", post(change))
        .route("/support/tickets/{id}/draft", post(draft))
        .route("/support/tickets/{id}/rate", post(rate))
        .route("/support/tickets/{id}/publish", post(publish))
        .route("/support/tickets/{id}/consent", post(consent))
        .route("/support/tickets/{id}/coverage", post(coverage))
        .route("/support/similar", post(similar))
}

struct Row {
    id: i64,
    subject: String,
    status: String,
    requester: String,
    updated: When,
}

#[derive(Template)]
#[template(path = "support.html")]
struct ListPage {
    l: Layout,
    tickets: Vec<Row>,
    total: i64,
    agent: bool,
    plan: String,
    can_file: bool,
}

async fn list(
    State(state): State<AppState>,
    PageUser(u): PageUser,
    l: Layout,
) -> Result<Response, PageError> {
    let q = TicketQuery {
        page: Some(1),
        per_page: Some(100),
        ..Default::default()
    };
    let page = state.app.tickets(&u, &q).await?;
    let plan = state.app.plan_of(&u).await?;
    let now = stoa_app::now();
    Ok(render(&ListPage {
        tickets: page
            .items
            .into_iter()
            .map(|t| Row {
                id: t.id,
                subject: t.subject,
                status: t.status.replace('_', " "),
                requester: t.requester_name,
                updated: When::at(t.updated_at, now),
            })
            .collect(),
        total: page.total,
        agent: is_agent(&u),
        can_file: plan.as_ref().is_some_and(|p| p.spec.tickets_allowed),
        plan: plan.map(|p| p.spec.name).unwrap_or_default(),
        l,
    }))
}

#[derive(Template)]
#[template(path = "support_new.html")]
struct NewPage {
    l: Layout,
    subject: String,
    body: String,
    priority: String,
    priorities: Vec<&'static str>,
    error: Option<Problem>,
    s: super::ask::Suggestions,
}

/// `/support/new?subject=&deflection=`: started from the search or ask page.
#[derive(Deserialize, Default)]
struct NewQuery {
    subject: Option<String>,
    deflection: Option<String>,
}

async fn new_page(
    State(state): State<AppState>,
    PageUser(_): PageUser,
    l: Layout,
    VisitorOf(visitor): VisitorOf,
    Query(q): Query<NewQuery>,
) -> Result<Response, PageError> {
    let subject: String = q.subject.unwrap_or_default().chars().take(200).collect();
    // A subject brought from a search deserves suggestions at once, also without JavaScript.
    let s = if subject.trim().is_empty() {
        super::ask::Suggestions {
            token: q.deflection.filter(|t| !t.trim().is_empty()),
            ..Default::default()
        }
    } else {
        let mut s = suggestions(&state, &visitor, q.deflection.as_deref(), &subject, "").await?;
        s.offer_support = false;
        s
    };
    Ok(render(&NewPage {
        l,
        subject,
        body: String::new(),
        priority: "normal".into(),
        priorities: PRIORITIES.to_vec(),
        error: None,
        s,
    }))
}

#[derive(Deserialize)]
struct NewForm {
    #[serde(default)]
    subject: String,
    #[serde(default)]
    body: String,
    #[serde(default)]
    priority: String,
    #[serde(default)]
    deflection: Option<String>,
    /// "Show suggestions" without JavaScript: re-render with them instead of filing.
    #[serde(default)]
    preview: Option<String>,
}

#[derive(Deserialize)]
struct SimilarForm {
    #[serde(default)]
    subject: String,
    #[serde(default)]
    body: String,
    #[serde(default)]
    deflection: Option<String>,
}

/// Suggestions while a ticket is typed (htmx, debounced): the same deflection session as the
/// ask page, so a suggestion that solves the problem ends it as solved and nothing is filed.
async fn similar(
    State(state): State<AppState>,
    VisitorOf(visitor): VisitorOf,
    headers: HeaderMap,
    CsrfForm(form): CsrfForm<SimilarForm>,
) -> Result<Response, PageError> {
    if !is_htmx(&headers) {
        let to = format!(
            "/support/new?subject={}",
            url_encode(&form.subject.chars().take(150).collect::<String>())
        );
        return Ok(Redirect::to(&to).into_response());
    }
    let mut s = suggestions(
        &state,
        &visitor,
        form.deflection.as_deref(),
        &form.subject,
        &form.body,
    )
    .await?;
    s.offer_support = false;
    Ok(render(&SimilarFragment { s }))
}

async fn create(
    State(state): State<AppState>,
    PageUser(u): PageUser,
    l: Layout,
    VisitorOf(visitor): VisitorOf,
    CsrfForm(f): CsrfForm<NewForm>,
) -> Result<Response, PageError> {
    let token = f.deflection.clone().filter(|t| !t.trim().is_empty());
    if f.preview.is_some() {
        let mut s = suggestions(&state, &visitor, token.as_deref(), &f.subject, &f.body).await?;
        s.offer_support = false;
        return Ok(render(&NewPage {
            l,
            subject: f.subject,
            body: f.body,
            priority: f.priority,
            priorities: PRIORITIES.to_vec(),
            error: None,
            s,
        }));
    }
    let input = TicketInput {
        subject: f.subject.clone(),
        body: f.body.clone(),
        priority: Some(f.priority.clone()).filter(|p| !p.is_empty()),
        deflection: token.clone(),
    };
    match state.app.open_ticket(&u, &visitor, input).await {
        Ok(v) => Ok(Redirect::to(&format!("/support/tickets/{}", v.ticket.id)).into_response()),
        Err(
            e @ (AppError::Invalid { .. } | AppError::Refused { .. } | AppError::Conflict { .. }),
        ) => {
            let p: Problem = e.into();
            let status = p.status;
            Ok((
                status,
                render(&NewPage {
                    l,
                    subject: f.subject,
                    body: f.body,
                    priority: f.priority,
                    priorities: PRIORITIES.to_vec(),
                    error: Some(p),
                    s: super::ask::Suggestions {
                        token,
                        ..Default::default()
                    },
                }),
            )
                .into_response())
        }
        Err(e) => Err(e.into()),
    }
}

struct Message {
    id: i64,
    author: String,
    html: String,
    internal: bool,
    staff: bool,
    when: When,
}

/// A linked post: its address and title.
struct Linked {
    id: i64,
    href: String,
    title: String,
    kind: String,
}

struct Earlier {
    id: i64,
    subject: String,
    status: String,
    when: When,
}

struct TrailRow {
    href: String,
    title: String,
    opened: bool,
}

struct Canned {
    id: i64,
    title: String,
}

struct Proposal {
    state: String,
    title: String,
    body: String,
    answer_html: String,
}

#[derive(Template)]
#[template(path = "support_ticket.html")]
struct TicketPage {
    l: Layout,
    id: i64,
    subject: String,
    status: String,
    priority: String,
    requester: String,
    plan: String,
    tags: String,
    assignee: Option<i64>,
    agents: Vec<(i64, String)>,
    messages: Vec<Message>,
    history: Vec<(String, When)>,
    dues: Vec<(&'static str, String)>,
    breaches: Vec<String>,
    paused: bool,
    agent: bool,
    closed: bool,
    solvable: bool,
    done: bool,
    is_requester: bool,
    rating: Option<String>,
    rating_comment: String,
    follow_up_of: Option<i64>,
    follow_ups: Vec<i64>,
    published: Option<String>,
    proposal: Option<Proposal>,
    can_propose: bool,
    covered: Option<Linked>,
    coverage_state: String,
    coverage_score: String,
    earlier: Vec<Earlier>,
    trail_query: String,
    trail: Vec<TrailRow>,
    matching: Vec<Linked>,
    canned: Vec<Canned>,
    draft: String,
    statuses: Vec<&'static str>,
    priorities: Vec<&'static str>,
    error: Option<Problem>,
}

fn history_line(kind: &str, value: &str, agents: &[(i64, String)]) -> String {
    match (kind, value) {
        ("created", _) => "Ticket filed".to_string(),
        ("agent_reply", _) => "An agent replied".to_string(),
        ("customer_reply", _) => "The customer replied".to_string(),
        ("note", _) => "Internal note".to_string(),
        ("assignee", "") => "Unassigned".to_string(),
        ("assignee", v) => {
            let name = v
                .parse::<i64>()
                .ok()
                .and_then(|id| agents.iter().find(|(a, _)| *a == id))
                .map_or_else(|| format!("agent #{v}"), |(_, n)| n.clone());
            format!("Assigned to {name}")
        }
        ("breach", v) => format!(
            "Target missed: {}",
            v.split('@').next().unwrap_or(v).replace('_', " ")
        ),
        ("sla_warning", v) => format!(
            "Target at 75 %: {}",
            v.split('@').next().unwrap_or(v).replace('_', " ")
        ),
        ("status", v) => format!("Status set to {}", v.replace('_', " ")),
        ("priority", v) => format!("Priority set to {v}"),
        ("tags", "") => "Tags removed".to_string(),
        ("tags", v) => format!("Tags set to {v}"),
        ("follow_up", v) => format!("Follow-up ticket #{v} filed"),
        ("rating", v) => format!("Rated {v}"),
        ("coverage_suggested", v) => format!("Matched to public post #{v}"),
        ("coverage_confirmed", v) => format!("Covered by public post #{v} (confirmed)"),
        ("coverage_rejected", v) => format!("Public post #{v} does not cover it"),
        ("publish_proposed", _) => "Proposed for publishing".to_string(),
        ("publish_accepted", v) => format!("Published with consent as question #{v}"),
        ("publish_declined", _) => "Publishing declined".to_string(),
        (k, v) => format!("{k}: {v}"),
    }
}

async fn ticket_page(
    state: &AppState,
    u: &stoa_app::AuthUser,
    l: Layout,
    id: i64,
    error: Option<Problem>,
    draft: String,
) -> Result<Response, PageError> {
    let v = state.app.ticket(u, id).await?;
    let agent = is_agent(u);
    let agents = if agent {
        state.app.agents(u).await?
    } else {
        Vec::new()
    };
    let now = stoa_app::now();
    let at = |t: i64| stoa_domain::time::format_utc(t);
    let mut dues = Vec::new();
    for (label, due) in [
        ("First reply due", v.sla.first_reply_due),
        ("Next reply due", v.sla.next_reply_due),
        ("Solution due", v.sla.resolution_due),
    ] {
        if let Some(d) = due {
            dues.push((label, format!("{} UTC", at(d))));
        }
    }
    let t = &v.ticket;
    let status = t.status.clone();
    let done = matches!(status.as_str(), "solved" | "closed");
    let status_code = error.as_ref().map(|e| e.status).unwrap_or(StatusCode::OK);
    let requester_id = t.requester_id;
    let proposal = v.publication.as_ref().map(|p| Proposal {
        state: p.state.clone(),
        title: p.title.clone(),
        body: p.question_md.clone(),
        answer_html: state.app.preview(&p.answer_md),
    });
    let desk = v.desk.unwrap_or_default();
    let linked = |id: i64, kind: &str, title: &str| Linked {
        id,
        href: post_url(kind, id, title),
        title: title.to_string(),
        kind: kind.to_string(),
    };
    let page = TicketPage {
        id,
        subject: t.subject.clone(),
        closed: status == "closed",
        solvable: !done,
        done,
        status: status.replace('_', " "),
        priority: t.priority.clone(),
        requester: t.requester_name.clone(),
        plan: v.plan_name.clone(),
        tags: v.tags.join(" "),
        assignee: t.assignee_id,
        is_requester: requester_id == u.id,
        rating: t.csat.clone(),
        rating_comment: t.csat_comment.clone(),
        follow_up_of: t.follow_up_of,
        follow_ups: v
            .events
            .iter()
            .filter(|e| e.kind == "follow_up")
            .filter_map(|e| e.value.parse().ok())
            .collect(),
        published: t
            .published_question_id
            .map(|q| question_url(q, proposal.as_ref().map_or("", |p| p.title.as_str()))),
        can_propose: agent
            && done
            && t.published_question_id.is_none()
            && proposal.as_ref().is_none_or(|p| p.state != "proposed"),
        proposal,
        covered: v
            .covered
            .as_ref()
            .map(|(id, kind, title)| linked(*id, kind, title)),
        coverage_state: t.coverage_state.clone().unwrap_or_default(),
        coverage_score: t
            .coverage_score
            .map(|s| format!("{} %", s / 10))
            .unwrap_or_default(),
        messages: v
            .messages
            .into_iter()
            .map(|m| Message {
                id: m.id,
                staff: m.author_id != requester_id,
                author: m.author_name,
                html: m.body_html,
                internal: m.internal,
                when: When::at(m.created_at, now),
            })
            .collect(),
        history: v
            .events
            .iter()
            .filter(|e| {
                agent
                    || !matches!(
                        e.kind.as_str(),
                        "note" | "coverage_suggested" | "coverage_confirmed" | "coverage_rejected"
                    )
            })
            .map(|e| {
                (
                    history_line(&e.kind, &e.value, &agents),
                    When::at(e.created_at, now),
                )
            })
            .collect(),
        breaches: v
            .sla
            .breaches
            .iter()
            .map(|b| b.target.as_str().replace('_', " "))
            .collect(),
        paused: v.sla.paused,
        dues,
        earlier: desk
            .earlier
            .iter()
            .map(|e| Earlier {
                id: e.id,
                subject: e.subject.clone(),
                status: e.status.replace('_', " "),
                when: When::at(e.created_at, now),
            })
            .collect(),
        trail_query: desk
            .trail
            .as_ref()
            .map(|tr| tr.query.clone())
            .unwrap_or_default(),
        trail: desk
            .trail
            .iter()
            .flat_map(|tr| tr.items.iter())
            .map(|i| TrailRow {
                href: post_url(&i.kind, i.post_id, &i.title),
                title: i.title.clone(),
                opened: i.opened,
            })
            .collect(),
        matching: desk
            .matching
            .iter()
            .map(|h| linked(h.post_id, h.kind.as_str(), &h.title))
            .collect(),
        canned: desk
            .canned
            .iter()
            .map(|c| Canned {
                id: c.id,
                title: c.title.clone(),
            })
            .collect(),
        agents,
        agent,
        draft,
        statuses: vec!["new", "open", "pending", "on_hold", "solved", "closed"],
        priorities: PRIORITIES.to_vec(),
        error,
        l,
    };
    Ok((status_code, render(&page)).into_response())
}

async fn show(
    State(state): State<AppState>,
    PageUser(u): PageUser,
    l: Layout,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let id = parse_id(&id)?;
    ticket_page(&state, &u, l, id, None, String::new()).await
}

#[derive(Deserialize)]
struct ReplyForm {
    #[serde(default)]
    body: String,
    #[serde(default)]
    internal: Option<String>,
}

async fn reply(
    State(state): State<AppState>,
    PageUser(u): PageUser,
    l: Layout,
    Path(id): Path<String>,
    CsrfForm(f): CsrfForm<ReplyForm>,
) -> Result<Response, PageError> {
    let id = parse_id(&id)?;
    match state
        .app
        .ticket_message(&u, id, &f.body, f.internal.is_some())
        .await
    {
        Ok(w) => Ok(Redirect::to(&format!("/support/tickets/{}", w.ticket_id)).into_response()),
        Err(
            e @ (AppError::Invalid { .. } | AppError::Conflict { .. } | AppError::Refused { .. }),
        ) => ticket_page(&state, &u, l, id, Some(e.into()), f.body).await,
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
struct ChangeForm {
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    priority: Option<String>,
    /// An agent's id, or `none` to unassign; absent: unchanged.
    #[serde(default)]
    assignee: Option<String>,
    /// Space-separated; absent: unchanged.
    #[serde(default)]
    tags: Option<String>,
}

async fn change(
    State(state): State<AppState>,
    PageUser(u): PageUser,
    l: Layout,
    Path(id): Path<String>,
    CsrfForm(f): CsrfForm<ChangeForm>,
) -> Result<Response, PageError> {
    let id = parse_id(&id)?;
    let assignee_id = match f.assignee.as_deref().map(str::trim) {
        None | Some("") => None,
        Some("none") => Some(None),
        Some(v) => Some(Some(parse_id(v)?)),
    };
    let change = TicketChange {
        status: f.status.filter(|s| !s.is_empty()),
        priority: f.priority.filter(|s| !s.is_empty()),
        assignee_id,
        tags: f.tags.map(|t| vec![t]),
    };
    let result = state.app.change_ticket(&u, id, change).await.map(|_| ());
    after(&state, &u, l, id, result).await
}

/// Back to the ticket after an action, or the ticket with the action's error.
async fn after(
    state: &AppState,
    u: &stoa_app::AuthUser,
    l: Layout,
    id: i64,
    result: Result<(), AppError>,
) -> Result<Response, PageError> {
    match result {
        Ok(()) => Ok(Redirect::to(&format!("/support/tickets/{id}")).into_response()),
        Err(
            e @ (AppError::Invalid { .. }
            | AppError::Refused { .. }
            | AppError::Conflict { .. }
            | AppError::Forbidden(_)),
        ) => ticket_page(state, u, l, id, Some(e.into()), String::new()).await,
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
struct DraftForm {
    #[serde(default)]
    body: String,
    /// A canned reply to add to the draft.
    #[serde(default)]
    canned: Option<i64>,
    /// A post to link in the draft.
    #[serde(default)]
    link: Option<i64>,
}

/// Adds a canned reply or a knowledge-base link to the reply being written, without
/// JavaScript: the page comes back with the composed draft in the reply box.
async fn draft(
    State(state): State<AppState>,
    PageUser(u): PageUser,
    l: Layout,
    Path(id): Path<String>,
    CsrfForm(f): CsrfForm<DraftForm>,
) -> Result<Response, PageError> {
    let id = parse_id(&id)?;
    let mut draft = f.body.trim_end().to_string();
    let mut add = |text: &str| {
        if !draft.is_empty() {
            draft.push_str("\n\n");
        }
        draft.push_str(text);
    };
    if let Some(c) = f.canned {
        let canned = state.app.canned_replies(&u).await?;
        match canned.iter().find(|r| r.id == c) {
            Some(r) => add(&r.body_md),
            None => return Err(AppError::NotFound("canned reply").into()),
        }
    }
    if let Some(p) = f.link {
        let v = state.app.ticket(&u, id).await?;
        let desk = v.desk.ok_or(AppError::NotFound("post"))?;
        match desk.matching.iter().find(|h| h.post_id == p) {
            Some(h) => add(&format!(
                "[{}]({}{})",
                h.title.replace(['[', ']'], ""),
                state.app.settings().base_url,
                post_url(h.kind.as_str(), h.post_id, &h.title)
            )),
            None => return Err(AppError::NotFound("post").into()),
        }
    }
    ticket_page(&state, &u, l, id, None, draft).await
}

#[derive(Deserialize)]
struct RateForm {
    #[serde(default)]
    rating: String,
    #[serde(default)]
    comment: String,
}

async fn rate(
    State(state): State<AppState>,
    PageUser(u): PageUser,
    l: Layout,
    Path(id): Path<String>,
    CsrfForm(f): CsrfForm<RateForm>,
) -> Result<Response, PageError> {
    let id = parse_id(&id)?;
    let result = state
        .app
        .rate_ticket(&u, id, &f.rating, &f.comment)
        .await
        .map(|_| ());
    after(&state, &u, l, id, result).await
}

#[derive(Deserialize)]
struct PublishForm {
    #[serde(default)]
    answer_message_id: Option<i64>,
}

async fn publish(
    State(state): State<AppState>,
    PageUser(u): PageUser,
    l: Layout,
    Path(id): Path<String>,
    CsrfForm(f): CsrfForm<PublishForm>,
) -> Result<Response, PageError> {
    let id = parse_id(&id)?;
    let input = ProposeInput {
        answer_message_id: f.answer_message_id,
    };
    let result = state
        .app
        .propose_publication(&u, id, input)
        .await
        .map(|_| ());
    after(&state, &u, l, id, result).await
}

#[derive(Deserialize)]
struct ConsentForm {
    #[serde(default)]
    decision: String,
    #[serde(default)]
    title: Option<String>,
    #[serde(default)]
    body: Option<String>,
}

async fn consent(
    State(state): State<AppState>,
    PageUser(u): PageUser,
    l: Layout,
    Path(id): Path<String>,
    CsrfForm(f): CsrfForm<ConsentForm>,
) -> Result<Response, PageError> {
    let id = parse_id(&id)?;
    let input = ConsentInput {
        accept: f.decision == "accept",
        title: f.title,
        body: f.body,
    };
    let result = state
        .app
        .consent_publication(&u, id, input)
        .await
        .map(|_| ());
    after(&state, &u, l, id, result).await
}

#[derive(Deserialize)]
struct CoverageForm {
    #[serde(default)]
    post_id: Option<i64>,
    #[serde(default)]
    verdict: String,
}

async fn coverage(
    State(state): State<AppState>,
    PageUser(u): PageUser,
    l: Layout,
    Path(id): Path<String>,
    CsrfForm(f): CsrfForm<CoverageForm>,
) -> Result<Response, PageError> {
    let id = parse_id(&id)?;
    let result = state
        .app
        .judge_coverage(&u, id, f.post_id, f.verdict == "confirm")
        .await
        .map(|_| ());
    after(&state, &u, l, id, result).await
}
