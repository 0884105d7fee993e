//! Private tickets: a customer files one (as their plan allows), customer and agents write,
//! agents change status, priority and assignee; the SLA clocks come from the ticket's events.
//! A customer sees only their own tickets (another's is a 404: its existence is private);
//! agents and admins see all; moderators who are not agents see none.

use crate::{paging, App, AppError, AuthUser};
use stoa_domain::plans::CalendarSpec;
use stoa_domain::policy::{decide, Action, Target};
use stoa_domain::post::Body;
use stoa_domain::sla::{self, Clocks, Event, Status, Targets};
use stoa_domain::tickets::{self, TicketError, Writer};
use stoa_store::lists::Page;
use stoa_store::tickets::{NewTicket, TicketEventRow, TicketMessageRow, TicketRow};

impl From<TicketError> for AppError {
    fn from(e: TicketError) -> Self {
        if e == TicketError::Closed {
            return AppError::Conflict {
                code: e.code(),
                message: e.to_string(),
            };
        }
        if e == TicketError::CustomerChange {
            return AppError::Refused {
                code: e.code(),
                message: e.to_string(),
            };
        }
        AppError::Invalid {
            code: e.code(),
            field: Some(e.field()),
            message: e.to_string(),
        }
    }
}

/// What a new ticket says.
#[derive(Debug, Clone, Default)]
pub struct TicketInput {
    /// Subject.
    pub subject: String,
    /// Markdown body.
    pub body: String,
    /// `low`, `normal` (default), `high` or `urgent`.
    pub priority: Option<String>,
}

/// Changes to a ticket; absent fields stay.
#[derive(Debug, Clone, Default)]
pub struct TicketChange {
    /// New status.
    pub status: Option<String>,
    /// New priority.
    pub priority: Option<String>,
    /// New assignee (`Some(None)` unassigns).
    pub assignee_id: Option<Option<i64>>,
}

/// A ticket with what its viewer may see.
#[derive(Debug, Clone)]
pub struct TicketView {
    /// The ticket.
    pub ticket: TicketRow,
    /// Messages (internal notes for agents only).
    pub messages: Vec<TicketMessageRow>,
    /// Its history.
    pub events: Vec<TicketEventRow>,
    /// The SLA clocks now.
    pub sla: Clocks,
}

/// Whether a user works tickets (the permission policy's `WorkTickets`).
pub fn is_agent(u: &AuthUser) -> bool {
    decide(&u.actor(), Action::WorkTickets, Target::Site).is_ok()
}

fn target(t: &TicketRow) -> Target {
    Target::Ticket {
        requester_id: t.requester_id,
    }
}

fn sla_events(events: &[TicketEventRow]) -> Vec<Event> {
    events
        .iter()
        .filter_map(|e| match e.kind.as_str() {
            "created" => Some(Event::Created(e.created_at)),
            "agent_reply" => Some(Event::AgentReply(e.created_at)),
            "customer_reply" => Some(Event::CustomerReply(e.created_at)),
            "status" => Status::parse(&e.value).map(|s| Event::Status(e.created_at, s)),
            _ => None,
        })
        .collect()
}

impl App {
    /// The SLA clocks of a ticket from its events, under the plan it was filed under.
    async fn clocks(&self, t: &TicketRow, events: &[TicketEventRow]) -> Result<Clocks, AppError> {
        let Some(plan) = self.store().plan(t.plan_id).await? else {
            return Ok(Clocks::default());
        };
        let spec: CalendarSpec =
            serde_json::from_str(&plan.calendar).map_err(|e| AppError::Internal(Box::new(e)))?;
        let calendar = spec
            .calendar()
            .map_err(|e| AppError::Internal(Box::new(e)))?;
        let targets: std::collections::BTreeMap<String, stoa_domain::plans::TargetMinutes> =
            serde_json::from_str(&plan.targets).map_err(|e| AppError::Internal(Box::new(e)))?;
        let targets: Targets = targets
            .get(&t.priority)
            .map(|m| m.targets())
            .unwrap_or_default();
        Ok(sla::clocks(
            &sla_events(events),
            &targets,
            &calendar,
            stoa_store::now(),
        ))
    }

    /// Files a ticket. A plan without tickets is a 403 that points to the plans; a customer at
    /// their plan's limit of open tickets gets a 409.
    pub async fn open_ticket(
        &self,
        user: &AuthUser,
        input: TicketInput,
    ) -> Result<TicketView, AppError> {
        decide(&user.actor(), Action::OpenTicket, Target::Site)?;
        let subject = tickets::subject(&input.subject)?;
        let body = Body::parse(&input.body)?;
        let priority = tickets::priority(input.priority.as_deref().unwrap_or("normal"))?;
        let plan = self
            .plan_of(user)
            .await?
            .ok_or(AppError::NotFound("plan"))?;
        if !plan.spec.tickets_allowed {
            return Err(AppError::Refused {
                code: "plan_has_no_tickets",
                message: format!(
                    "Your plan ({}) does not include private tickets. Search and the community \
                     are open to you; see /plans for plans with support from our team.",
                    plan.spec.name
                ),
            });
        }
        if let Some(max) = plan.spec.max_open_tickets {
            if self.store().open_tickets_of(user.id).await? >= max {
                return Err(AppError::Conflict {
                    code: "too_many_open_tickets",
                    message: format!(
                        "You have {max} open tickets, the most your plan allows. Reply to one of \
                         them, or mark one solved, to open another."
                    ),
                });
            }
        }
        let html = stoa_markdown::render_post(body.as_str());
        let id = self
            .store()
            .insert_ticket(&NewTicket {
                requester_id: user.id,
                plan_id: plan.id,
                subject: &subject,
                priority,
                body_md: body.as_str(),
                body_html: &html,
                now: stoa_store::now(),
            })
            .await?;
        tracing::info!(ticket.id = id, user.id = user.id, "ticket opened");
        self.ticket(user, id).await
    }

    /// A ticket its viewer may see: the requester, or an agent. Anyone else gets a 404, not a
    /// 403, so that a ticket's existence stays private.
    async fn visible_ticket(&self, user: &AuthUser, id: i64) -> Result<TicketRow, AppError> {
        match self.store().ticket(id).await? {
            Some(t) if decide(&user.actor(), Action::ViewTicket, target(&t)).is_ok() => Ok(t),
            _ => Err(AppError::NotFound("ticket")),
        }
    }

    /// A ticket with its messages, history and clocks.
    pub async fn ticket(&self, user: &AuthUser, id: i64) -> Result<TicketView, AppError> {
        let ticket = self.visible_ticket(user, id).await?;
        let messages = self.store().ticket_messages(id, is_agent(user)).await?;
        let events = self.store().ticket_events(id).await?;
        let sla = self.clocks(&ticket, &events).await?;
        Ok(TicketView {
            ticket,
            messages,
            events,
            sla,
        })
    }

    /// Tickets: a customer's own, or for agents everyone's, most recently changed first.
    pub async fn tickets(
        &self,
        user: &AuthUser,
        status: Option<&str>,
        assignee_id: Option<i64>,
        page: Option<i64>,
        per_page: Option<i64>,
    ) -> Result<Page<TicketRow>, AppError> {
        let (limit, offset) = paging(page, per_page, 30)?;
        if let Some(s) = status {
            Status::parse(s).ok_or(TicketError::Status)?;
        }
        let requester = (!is_agent(user)).then_some(user.id);
        Ok(self
            .store()
            .tickets_page(requester, status, assignee_id, limit, offset)
            .await?)
    }

    /// Writes on a ticket: the customer replies; an agent replies or adds an internal note.
    pub async fn ticket_message(
        &self,
        user: &AuthUser,
        id: i64,
        body: &str,
        internal: bool,
    ) -> Result<i64, AppError> {
        let t = self.visible_ticket(user, id).await?;
        let agent = decide(&user.actor(), Action::WorkTickets, target(&t)).is_ok();
        let writer = match (agent, internal) {
            (true, true) => Writer::Note,
            (true, false) => Writer::Agent,
            (false, false) => Writer::Customer,
            (false, true) => {
                return Err(AppError::Refused {
                    code: "not_allowed",
                    message: "Only agents can add internal notes.".into(),
                })
            }
        };
        let body = Body::parse(body)?;
        let current = Status::parse(&t.status).ok_or(TicketError::Status)?;
        let next = tickets::status_after_message(current, writer)?;
        let kind = match writer {
            Writer::Note => "note",
            Writer::Agent => "agent_reply",
            Writer::Customer => "customer_reply",
        };
        let html = stoa_markdown::render_post(body.as_str());
        Ok(self
            .store()
            .add_ticket_message(
                id,
                user.id,
                body.as_str(),
                &html,
                kind,
                next.map(Status::as_str),
                stoa_store::now(),
            )
            .await?)
    }

    /// Changes a ticket: agents change status, priority and assignee; the customer may only
    /// mark it solved.
    pub async fn change_ticket(
        &self,
        user: &AuthUser,
        id: i64,
        change: TicketChange,
    ) -> Result<TicketView, AppError> {
        let t = self.visible_ticket(user, id).await?;
        let agent = decide(&user.actor(), Action::WorkTickets, target(&t)).is_ok();
        let mut changes: Vec<(&str, String)> = Vec::new();
        if let Some(s) = &change.status {
            let s = Status::parse(s).ok_or(TicketError::Status)?;
            if !agent
                && (s != Status::Solved
                    || decide(&user.actor(), Action::SolveTicket, target(&t)).is_err())
            {
                return Err(TicketError::CustomerChange.into());
            }
            if s.as_str() != t.status {
                changes.push(("status", s.as_str().to_string()));
            }
        }
        if let Some(p) = &change.priority {
            let p = tickets::priority(p)?;
            if !agent {
                return Err(TicketError::CustomerChange.into());
            }
            if p != t.priority {
                changes.push(("priority", p.to_string()));
            }
        }
        if let Some(a) = change.assignee_id {
            if !agent {
                return Err(TicketError::CustomerChange.into());
            }
            if let Some(aid) = a {
                let assignee = self.user(aid).await.map_err(|_| {
                    AppError::invalid("unknown_assignee", "assignee_id", "There is no such agent.")
                })?;
                if !is_agent(&assignee) {
                    return Err(AppError::invalid(
                        "unknown_assignee",
                        "assignee_id",
                        "Tickets are assigned to agents.",
                    ));
                }
            }
            if a != t.assignee_id {
                changes.push(("assignee", a.map(|v| v.to_string()).unwrap_or_default()));
            }
        }
        if !changes.is_empty() {
            self.store()
                .change_ticket(id, user.id, &changes, stoa_store::now())
                .await?;
        }
        self.ticket(user, id).await
    }

    /// Records SLA breaches and warnings as ticket events when they happen (the job queue runs
    /// this every minute): each breach or warning once, as `breach` / `sla_warning` with
    /// `target@due`. How many events were new.
    pub async fn check_slas(&self) -> Result<usize, AppError> {
        let mut added = 0;
        for id in self.store().running_tickets(10_000).await? {
            let Some(ticket) = self.store().ticket(id).await? else {
                continue;
            };
            let events = self.store().ticket_events(id).await?;
            let clocks = self.clocks(&ticket, &events).await?;
            let mut new: Vec<(&str, String)> = Vec::new();
            for b in &clocks.breaches {
                new.push(("breach", format!("{}@{}", b.target.as_str(), b.due)));
            }
            for w in &clocks.warnings {
                new.push(("sla_warning", format!("{}@{}", w.target.as_str(), w.due)));
            }
            added += self
                .store()
                .record_ticket_events_once(id, &new, stoa_store::now())
                .await?;
        }
        if added > 0 {
            tracing::info!(events = added, "SLA breaches and warnings recorded");
        }
        Ok(added)
    }
}
