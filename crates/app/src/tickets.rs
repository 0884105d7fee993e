//! Private tickets: a customer files one (as their plan allows), customer and agents write,
//! agents change status, priority and assignee; the SLA clocks come from the ticket's events.
//! A customer sees only their own tickets (another's is a 404: its existence is private);
//! agents and admins see all; moderators who are not agents see none.

use crate::{paging, App, AppError, AuthUser, SearchHit, Visitor};
use stoa_domain::policy::{decide, Action, Target};
use stoa_domain::post::Body;
use stoa_domain::post_kind::PostKind;
use stoa_domain::sla::{self, Clocks, Event, Status};
use stoa_domain::tickets::{self, TicketError, Writer};
use stoa_store::support::{
    CannedReplyRow, DeflectionTrail, PublicationRow, TicketFilter, TicketPage, TicketSort,
};
use stoa_store::tickets::{NewTicket, TicketEventRow, TicketMessageRow, TicketRow};

/// Earlier tickets of the same customer shown to agents.
const EARLIER_TICKETS: i64 = 10;
/// Articles and answers matching a ticket, shown to agents.
const MATCHING_POSTS: usize = 5;

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
    /// The deflection session token of the search that led here, if any.
    pub deflection: Option<String>,
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
    /// New tags (replacing the old ones).
    pub tags: Option<Vec<String>>,
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
    /// Its tags.
    pub tags: Vec<String>,
    /// The name of the plan it was filed under.
    pub plan_name: String,
    /// The proposal to publish it, if any (the requester consents to it).
    pub publication: Option<PublicationRow>,
    /// The public post that covers it: id, kind and title.
    pub covered: Option<(i64, String, String)>,
    /// What only agents see.
    pub desk: Option<AgentDesk>,
}

/// What agents see beside a ticket.
#[derive(Debug, Clone, Default)]
pub struct AgentDesk {
    /// The customer's other tickets, newest first.
    pub earlier: Vec<TicketRow>,
    /// What the customer searched and opened before filing.
    pub trail: Option<DeflectionTrail>,
    /// Articles and questions matching the ticket.
    pub matching: Vec<SearchHit>,
    /// Canned replies to insert.
    pub canned: Vec<CannedReplyRow>,
}

/// Where a message went: a reply to a closed ticket starts a follow-up ticket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Written {
    /// The message.
    pub message_id: i64,
    /// The ticket it is on (a new follow-up ticket when the original was closed).
    pub ticket_id: i64,
}

/// Which tickets to list.
#[derive(Debug, Clone, Default)]
pub struct TicketQuery {
    /// One status.
    pub status: Option<String>,
    /// An agent's id, `me`, or `none` for unassigned.
    pub assignee: Option<String>,
    /// Only breached (`true`) or unbreached (`false`).
    pub breached: Option<bool>,
    /// A plan id.
    pub plan_id: Option<i64>,
    /// A tag.
    pub tag: Option<String>,
    /// Soonest due first (the inbox) instead of the most recently changed.
    pub by_due: bool,
    /// Page, from 1.
    pub page: Option<i64>,
    /// Per page.
    pub per_page: Option<i64>,
}

/// Whether a user works tickets (the permission policy's `WorkTickets`).
pub fn is_agent(u: &AuthUser) -> bool {
    decide(&u.actor(), Action::WorkTickets, Target::Site).is_ok()
}

/// A ticket as the policy sees it; `colleague`: the viewer shares it through their organization.
fn target(t: &TicketRow, colleague: bool) -> Target {
    Target::Ticket {
        requester_id: t.requester_id,
        colleague,
    }
}

impl App {
    /// Files a ticket. A plan without tickets is a 403 that points to the plans; a customer at
    /// their plan's limit of open tickets gets a 409.
    pub async fn open_ticket(
        &self,
        user: &AuthUser,
        visitor: &Visitor,
        input: TicketInput,
    ) -> Result<TicketView, AppError> {
        let id = self.file_ticket(user, visitor, input, None).await?;
        self.ticket(user, id).await
    }

    /// Files a ticket (a follow-up of `follow_up_of` when given), ends its deflection session
    /// as "asked a person", starts its clocks and looks for public knowledge covering it.
    async fn file_ticket(
        &self,
        user: &AuthUser,
        visitor: &Visitor,
        input: TicketInput,
        follow_up_of: Option<i64>,
    ) -> Result<i64, AppError> {
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
        let session = match input.deflection.as_deref().map(str::trim) {
            Some(t) if !t.is_empty() => self.owned_session(visitor, t).await?,
            _ => None,
        };
        // The clocks start with the ticket, in the same transaction: the inbox sorts by them.
        let now = stoa_store::now();
        let calendar = plan
            .spec
            .calendar
            .calendar()
            .map_err(|e| AppError::Internal(Box::new(e)))?;
        let targets = plan
            .spec
            .targets
            .get(priority)
            .map(|m| m.targets())
            .unwrap_or_default();
        let start = sla::clocks(&[Event::Created(now)], &targets, &calendar, now);
        let id = self
            .store()
            .insert_ticket(&NewTicket {
                requester_id: user.id,
                plan_id: plan.id,
                subject: &subject,
                priority,
                body_md: body.as_str(),
                body_html: &html,
                deflection_session_id: session.as_ref().map(|s| s.id),
                follow_up_of,
                organization_id: self.organization_of(user).await?,
                due_at: start.soonest_due(),
                check_at: start.next_check,
                now,
            })
            .await?;
        tracing::info!(ticket.id = id, user.id = user.id, "ticket opened");
        // The ticket is what matters: a failure to end the session is logged.
        if let Some(s) = session {
            if let Err(e) = self.record_ticket_filed(&s).await {
                tracing::warn!(error = %e, ticket.id = id, "could not end the deflection session");
            }
        }
        Ok(id)
    }

    /// Public posts matching a ticket: those like its subject first (a chatty body, with
    /// greetings and contact details, dilutes a subject that matches well on its own), then
    /// those like subject and body together.
    async fn matching_posts(&self, subject: &str, body: &str) -> Result<Vec<SearchHit>, AppError> {
        let mut hits = self.similar(subject, "", MATCHING_POSTS).await?;
        if hits.len() < MATCHING_POSTS && !body.trim().is_empty() {
            for h in self.similar(subject, body, MATCHING_POSTS).await? {
                if hits.len() < MATCHING_POSTS && !hits.iter().any(|x| x.post_id == h.post_id) {
                    hits.push(h);
                }
            }
        }
        Ok(hits)
    }

    /// Looks for an article or answered question covering a new ticket (the job queue runs
    /// this after filing); above the threshold it is recorded as `suggested` for agents to
    /// confirm or reject. An agent's verdict is never overwritten.
    pub async fn match_coverage(&self, id: i64) -> Result<(), AppError> {
        let Some(t) = self.store().ticket(id).await? else {
            return Ok(());
        };
        if t.coverage_state.is_some() {
            return Ok(());
        }
        let messages = self.store().ticket_messages(id, false).await?;
        let body = messages.first().map(|m| m.body_md.as_str()).unwrap_or("");
        let subject = t.subject.as_str();
        let hits = self.matching_posts(subject, body).await?;
        let best = hits
            .iter()
            .filter(|h| h.kind == PostKind::Article || h.has_accepted)
            .map(|h| {
                let score = stoa_domain::support::coverage_score(subject, &h.title, &h.tags);
                (h, score)
            })
            .max_by(|a, b| a.1.total_cmp(&b.1));
        if let Some((hit, score)) = best {
            if stoa_domain::support::is_covered(score) {
                self.store()
                    .set_coverage(
                        id,
                        hit.post_id,
                        Some((score * 1000.0).round() as i64),
                        "suggested",
                        None,
                        stoa_store::now(),
                    )
                    .await?;
            }
        }
        Ok(())
    }

    /// The organization a user belongs to, by the domain of their e-mail address.
    async fn organization_of(&self, user: &AuthUser) -> Result<Option<i64>, AppError> {
        let Some(domain) = user
            .email
            .as_deref()
            .and_then(|e| e.rsplit_once('@'))
            .map(|(_, d)| d.to_ascii_lowercase())
        else {
            return Ok(None);
        };
        Ok(self.store().organization_of_domain(&domain).await?)
    }

    /// Whether the viewer sees another's ticket as a colleague: same organization, on a plan
    /// that shares tickets within it.
    async fn is_colleague(&self, user: &AuthUser, t: &TicketRow) -> Result<bool, AppError> {
        let Some(org) = t.organization_id else {
            return Ok(false);
        };
        if t.requester_id == user.id || self.organization_of(user).await? != Some(org) {
            return Ok(false);
        }
        Ok(self
            .store()
            .plan(t.plan_id)
            .await?
            .is_some_and(|p| p.organization_visible))
    }

    /// A ticket its viewer may see: the requester, a colleague where the plan shares tickets,
    /// or an agent. Anyone else gets a 404, not a 403, so that a ticket's existence stays
    /// private.
    async fn visible_ticket(&self, user: &AuthUser, id: i64) -> Result<TicketRow, AppError> {
        match self.store().ticket(id).await? {
            Some(t) => {
                let colleague = self.is_colleague(user, &t).await?;
                match decide(&user.actor(), Action::ViewTicket, target(&t, colleague)) {
                    Ok(()) => Ok(t),
                    Err(_) => Err(AppError::NotFound("ticket")),
                }
            }
            None => Err(AppError::NotFound("ticket")),
        }
    }

    /// A ticket with its messages, history and clocks.
    pub async fn ticket(&self, user: &AuthUser, id: i64) -> Result<TicketView, AppError> {
        let ticket = self.visible_ticket(user, id).await?;
        let agent = is_agent(user);
        let messages = self.store().ticket_messages(id, agent).await?;
        let events = self.store().ticket_events(id).await?;
        let sla = self.clocks(&ticket, &events).await?;
        let tags = self
            .store()
            .tags_of_tickets(&[id])
            .await?
            .remove(&id)
            .unwrap_or_default();
        let plan_name = self
            .store()
            .plan(ticket.plan_id)
            .await?
            .map(|p| p.name)
            .unwrap_or_default();
        let publication = self.store().publication(id).await?;
        let covered = match ticket.covered_by {
            Some(p) if agent || ticket.coverage_state.as_deref() == Some("confirmed") => self
                .store()
                .post_titles(&[p])
                .await?
                .remove(&p)
                .map(|(kind, title)| (p, kind, title)),
            _ => None,
        };
        let desk = if agent {
            let trail = match ticket.deflection_session_id {
                Some(s) => self.store().deflection_trail(s).await?,
                None => None,
            };
            let first = messages.first().map(|m| m.body_md.as_str()).unwrap_or("");
            Some(AgentDesk {
                earlier: self
                    .store()
                    .earlier_tickets(ticket.requester_id, id, EARLIER_TICKETS)
                    .await?,
                trail,
                matching: self.matching_posts(&ticket.subject, first).await?,
                canned: self.store().canned_replies().await?,
            })
        } else {
            None
        };
        Ok(TicketView {
            ticket,
            messages,
            events,
            sla,
            tags,
            plan_name,
            publication,
            covered,
            desk,
        })
    }

    /// Tickets: a customer's own, or for agents everyone's, with filters; the most recently
    /// changed first, or (the agent inbox) the soonest due first.
    pub async fn tickets(&self, user: &AuthUser, q: &TicketQuery) -> Result<TicketPage, AppError> {
        let (limit, offset) = paging(q.page, q.per_page, 30)?;
        if let Some(s) = &q.status {
            Status::parse(s).ok_or(TicketError::Status)?;
        }
        let agent = is_agent(user);
        let assignee = match q.assignee.as_deref().map(str::trim) {
            None | Some("") | Some("any") => None,
            Some("none") => Some(None),
            Some("me") => Some(Some(user.id)),
            Some(v) => Some(Some(v.parse::<i64>().map_err(|_| {
                AppError::invalid(
                    "invalid_assignee",
                    "assignee",
                    "The assignee is an agent's id, me, or none.",
                )
            })?)),
        };
        let tag = match q.tag.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(t) => Some(stoa_domain::post::TagName::parse(t)?.as_str().to_string()),
        };
        let filter = TicketFilter {
            requester_id: (!agent).then_some(user.id),
            organization_id: if agent {
                None
            } else {
                self.organization_of(user).await?
            },
            status: q.status.clone(),
            assignee,
            breached: q.breached,
            plan_id: q.plan_id,
            tag,
        };
        let sort = if q.by_due {
            TicketSort::Due
        } else {
            TicketSort::Recent
        };
        Ok(self
            .store()
            .ticket_list(&filter, sort, limit, offset)
            .await?)
    }

    /// The tags of listed tickets, by id (one query).
    pub async fn tags_of_tickets(
        &self,
        tickets: &[TicketRow],
    ) -> Result<std::collections::HashMap<i64, Vec<String>>, AppError> {
        let ids: Vec<i64> = tickets.iter().map(|t| t.id).collect();
        Ok(self.store().tags_of_tickets(&ids).await?)
    }

    /// Writes on a ticket: the customer replies; an agent replies or adds an internal note.
    pub async fn ticket_message(
        &self,
        user: &AuthUser,
        id: i64,
        body: &str,
        internal: bool,
    ) -> Result<Written, AppError> {
        let t = self.visible_ticket(user, id).await?;
        let agent = decide(&user.actor(), Action::WorkTickets, target(&t, false)).is_ok();
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
        if current == Status::Closed && writer == Writer::Customer {
            // A closed ticket stays closed: the customer's reply starts a follow-up.
            let subject: String = format!("Follow-up: {}", t.subject)
                .chars()
                .take(200)
                .collect();
            let input = TicketInput {
                subject,
                body: body.as_str().to_string(),
                priority: Some(t.priority.clone()),
                deflection: None,
            };
            let new_id = self
                .file_ticket(user, &Visitor::user(user), input, Some(id))
                .await?;
            let first = self.store().ticket_messages(new_id, false).await?;
            return Ok(Written {
                message_id: first.first().map(|m| m.id).unwrap_or_default(),
                ticket_id: new_id,
            });
        }
        let next = tickets::status_after_message(current, writer)?;
        let kind = match writer {
            Writer::Note => "note",
            Writer::Agent => "agent_reply",
            Writer::Customer => "customer_reply",
        };
        let html = stoa_markdown::render_post(body.as_str());
        let message_id = self
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
            .await?;
        if writer != Writer::Note {
            self.refresh_clock(id).await?;
        }
        Ok(Written {
            message_id,
            ticket_id: id,
        })
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
        let agent = decide(&user.actor(), Action::WorkTickets, target(&t, false)).is_ok();
        let mut changes: Vec<(&str, String)> = Vec::new();
        if let Some(s) = &change.status {
            let s = Status::parse(s).ok_or(TicketError::Status)?;
            if !agent
                && (s != Status::Solved
                    || decide(&user.actor(), Action::SolveTicket, target(&t, false)).is_err())
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
        if let Some(tags) = &change.tags {
            if !agent {
                return Err(TicketError::CustomerChange.into());
            }
            let names: Vec<&str> = tags.iter().flat_map(|t| t.split_whitespace()).collect();
            let value = if names.is_empty() {
                String::new()
            } else {
                stoa_domain::post::TagSet::parse(&names)?
                    .names()
                    .iter()
                    .map(|t| t.as_str())
                    .collect::<Vec<_>>()
                    .join(" ")
            };
            changes.push(("tags", value));
        }
        if !changes.is_empty() {
            self.store()
                .change_ticket(id, user.id, &changes, stoa_store::now())
                .await?;
            self.refresh_clock(id).await?;
        }
        self.ticket(user, id).await
    }
}
