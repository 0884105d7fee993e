//! The customer's side of the support desk: `/support` (my tickets), `/support/new`, and a
//! ticket's page with its conversation, reply form and "mark solved". Agents see internal notes
//! there and can add them, and change status and priority.

use super::view::When;
use super::{parse_id, render, Layout};
use crate::auth::PageUser;
use crate::csrf::CsrfForm;
use crate::error::{PageError, Problem};
use crate::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;
use stoa_app::{is_agent, AppError, TicketChange, TicketInput};
use stoa_domain::plans::PRIORITIES;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/support", get(list))
        .route("/support/new", get(new_page).post(create))
        .route("/support/tickets/{id}", get(show))
        .route("/support/tickets/{id}/reply", post(reply))
        .route("/support/tickets/{id}/change", post(change))
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
    let page = state
        .app
        .tickets(&u, None, None, Some(1), Some(100))
        .await?;
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
}

async fn new_page(PageUser(_): PageUser, l: Layout) -> Response {
    render(&NewPage {
        l,
        subject: String::new(),
        body: String::new(),
        priority: "normal".into(),
        priorities: PRIORITIES.to_vec(),
        error: None,
    })
}

#[derive(Deserialize)]
struct NewForm {
    #[serde(default)]
    subject: String,
    #[serde(default)]
    body: String,
    #[serde(default)]
    priority: String,
}

async fn create(
    State(state): State<AppState>,
    PageUser(u): PageUser,
    l: Layout,
    CsrfForm(f): CsrfForm<NewForm>,
) -> Result<Response, PageError> {
    let input = TicketInput {
        subject: f.subject.clone(),
        body: f.body.clone(),
        priority: Some(f.priority.clone()).filter(|p| !p.is_empty()),
    };
    match state.app.open_ticket(&u, input).await {
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
                }),
            )
                .into_response())
        }
        Err(e) => Err(e.into()),
    }
}

struct Message {
    author: String,
    html: String,
    internal: bool,
    when: When,
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
    messages: Vec<Message>,
    history: Vec<(String, When)>,
    dues: Vec<(&'static str, String)>,
    breaches: Vec<String>,
    paused: bool,
    agent: bool,
    open: bool,
    solvable: bool,
    statuses: Vec<&'static str>,
    priorities: Vec<&'static str>,
    error: Option<Problem>,
}

async fn ticket_page(
    state: &AppState,
    u: &stoa_app::AuthUser,
    l: Layout,
    id: i64,
    error: Option<Problem>,
) -> Result<Response, PageError> {
    let v = state.app.ticket(u, id).await?;
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
    let status = v.ticket.status.clone();
    let status_code = error.as_ref().map(|e| e.status).unwrap_or(StatusCode::OK);
    let page = TicketPage {
        id,
        subject: v.ticket.subject,
        open: status != "closed",
        solvable: !matches!(status.as_str(), "solved" | "closed"),
        status: status.replace('_', " "),
        priority: v.ticket.priority,
        requester: v.ticket.requester_name,
        messages: v
            .messages
            .into_iter()
            .map(|m| Message {
                author: m.author_name,
                html: m.body_html,
                internal: m.internal,
                when: When::at(m.created_at, now),
            })
            .collect(),
        history: v
            .events
            .iter()
            .map(|e| {
                let what = match (e.kind.as_str(), e.value.as_str()) {
                    ("created", _) => "Ticket filed".to_string(),
                    ("agent_reply", _) => "An agent replied".to_string(),
                    ("customer_reply", _) => "The customer replied".to_string(),
                    ("note", _) => "Internal note".to_string(),
                    ("assignee", "") => "Unassigned".to_string(),
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
                    ("assignee", v) => format!("Assigned to agent #{v}"),
                    (k, v) => format!("{k}: {v}"),
                };
                (what, When::at(e.created_at, now))
            })
            .filter(|(w, _)| shown_to(w, is_agent(u)))
            .collect(),
        breaches: v
            .sla
            .breaches
            .iter()
            .map(|b| b.target.as_str().replace('_', " "))
            .collect(),
        paused: v.sla.paused,
        dues,
        agent: is_agent(u),
        statuses: vec!["new", "open", "pending", "on_hold", "solved", "closed"],
        priorities: PRIORITIES.to_vec(),
        error,
        l,
    };
    Ok((status_code, render(&page)).into_response())
}

/// Customers do not see that internal notes exist.
fn shown_to(what: &str, agent: bool) -> bool {
    agent || what != "Internal note"
}

async fn show(
    State(state): State<AppState>,
    PageUser(u): PageUser,
    l: Layout,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let id = parse_id(&id)?;
    ticket_page(&state, &u, l, id, None).await
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
        Ok(_) => Ok(Redirect::to(&format!("/support/tickets/{id}")).into_response()),
        Err(
            e @ (AppError::Invalid { .. } | AppError::Conflict { .. } | AppError::Refused { .. }),
        ) => ticket_page(&state, &u, l, id, Some(e.into())).await,
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
struct ChangeForm {
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    priority: Option<String>,
}

async fn change(
    State(state): State<AppState>,
    PageUser(u): PageUser,
    l: Layout,
    Path(id): Path<String>,
    CsrfForm(f): CsrfForm<ChangeForm>,
) -> Result<Response, PageError> {
    let id = parse_id(&id)?;
    let change = TicketChange {
        status: f.status.filter(|s| !s.is_empty()),
        priority: f.priority.filter(|s| !s.is_empty()),
        assignee_id: None,
    };
    match state.app.change_ticket(&u, id, change).await {
        Ok(_) => Ok(Redirect::to(&format!("/support/tickets/{id}")).into_response()),
        Err(e @ (AppError::Invalid { .. } | AppError::Refused { .. })) => {
            ticket_page(&state, &u, l, id, Some(e.into())).await
        }
        Err(e) => Err(e.into()),
    }
}
