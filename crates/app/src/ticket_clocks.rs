//! The SLA clocks of tickets: computed from a ticket's events under the plan it was filed
//! under, stored per ticket (due time, breached, next check) after every change, and checked by
//! the job queue when a warning or breach begins, which also closes long-solved tickets.

use crate::{App, AppError};
use stoa_domain::plans::CalendarSpec;
use stoa_domain::sla::{self, Clocks, Event, Status, Targets};
use stoa_store::tickets::{TicketEventRow, TicketRow};

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
    pub(crate) async fn clocks(
        &self,
        t: &TicketRow,
        events: &[TicketEventRow],
    ) -> Result<Clocks, AppError> {
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

    /// Recomputes a ticket's clocks and stores the soonest due time, whether anything broke
    /// and when to look again.
    pub(crate) async fn refresh_clock(&self, id: i64) -> Result<Clocks, AppError> {
        let Some(t) = self.store().ticket(id).await? else {
            return Err(AppError::NotFound("ticket"));
        };
        let events = self.store().ticket_events(id).await?;
        let clocks = self.clocks(&t, &events).await?;
        let done = matches!(t.status.as_str(), "solved" | "closed");
        let breached = !clocks.breaches.is_empty() || events.iter().any(|e| e.kind == "breach");
        self.store()
            .set_ticket_clock(
                id,
                if done { None } else { clocks.soonest_due() },
                breached,
                if done { None } else { clocks.next_check },
            )
            .await?;
        Ok(clocks)
    }

    /// Records SLA breaches and warnings as ticket events when they happen (the job queue runs
    /// this every minute): each breach or warning once, as `breach` / `sla_warning` with
    /// `target@due`. Only tickets whose stored next check has come are looked at, so the
    /// minute's work follows what is due, not how many tickets are open. Also closes tickets
    /// solved longer ago than the configured days. How many events were new.
    pub async fn check_slas(&self) -> Result<usize, AppError> {
        let now = stoa_store::now();
        let mut added = 0;
        for id in self.store().tickets_to_check(now, 5_000).await? {
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
                .record_ticket_events_once(id, &new, now)
                .await?;
            self.refresh_clock(id).await?;
        }
        if added > 0 {
            tracing::info!(events = added, "SLA breaches and warnings recorded");
        }
        let cutoff = now - self.settings().auto_close_days * 86_400;
        let closed = self.store().close_solved_before(cutoff, now).await?;
        if !closed.is_empty() {
            tracing::info!(tickets = closed.len(), "solved tickets closed");
        }
        Ok(added)
    }
}
