//! SLA timers of a support ticket, computed from its history and a business-hours calendar:
//! first reply due, next reply due (after the customer writes again), resolution due. The
//! clocks stop while the ticket is `pending` (waiting on the customer), so a pause never makes
//! a deadline earlier. Pure: the job queue records breaches when they happen, pages show these.

use crate::calendar::Calendar;

/// A ticket's status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Not yet looked at.
    New,
    /// Being worked on.
    Open,
    /// Waiting on the customer: the clocks stop.
    Pending,
    /// Waiting on a third party; the clocks run.
    OnHold,
    /// Answered; closes by itself later.
    Solved,
    /// Closed for good.
    Closed,
}

impl Status {
    /// Parses the stored name.
    pub fn parse(s: &str) -> Option<Status> {
        Some(match s {
            "new" => Status::New,
            "open" => Status::Open,
            "pending" => Status::Pending,
            "on_hold" => Status::OnHold,
            "solved" => Status::Solved,
            "closed" => Status::Closed,
            _ => return None,
        })
    }

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::New => "new",
            Status::Open => "open",
            Status::Pending => "pending",
            Status::OnHold => "on_hold",
            Status::Solved => "solved",
            Status::Closed => "closed",
        }
    }

    fn done(self) -> bool {
        matches!(self, Status::Solved | Status::Closed)
    }
}

/// Response-time targets, in business seconds; `None`: no promise.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Targets {
    /// From the ticket's creation to the first public reply of an agent.
    pub first_reply: Option<i64>,
    /// From a customer's message (after an agent replied) to the agent's next reply.
    pub next_reply: Option<i64>,
    /// From creation to solved.
    pub resolution: Option<i64>,
}

/// What happened to a ticket, in time order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    /// Filed.
    Created(i64),
    /// An agent's public reply (internal notes do not count).
    AgentReply(i64),
    /// The customer wrote.
    CustomerReply(i64),
    /// The status changed.
    Status(i64, Status),
}

impl Event {
    fn at(&self) -> i64 {
        match *self {
            Event::Created(t) | Event::AgentReply(t) | Event::CustomerReply(t) => t,
            Event::Status(t, _) => t,
        }
    }
}

/// Which promise.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// First reply.
    FirstReply,
    /// Next reply.
    NextReply,
    /// Resolution.
    Resolution,
}

impl Target {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Target::FirstReply => "first_reply",
            Target::NextReply => "next_reply",
            Target::Resolution => "resolution",
        }
    }
}

/// A promise broken: which, and when it fell due.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Breach {
    /// Which promise.
    pub target: Target,
    /// When it was due.
    pub due: i64,
}

/// The clocks of a ticket at a moment.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Clocks {
    /// When the first reply is due, while none was given.
    pub first_reply_due: Option<i64>,
    /// When the next reply is due, while the customer waits for one.
    pub next_reply_due: Option<i64>,
    /// When the ticket should be solved, while it is not.
    pub resolution_due: Option<i64>,
    /// Whether the clocks are stopped (the ticket is pending).
    pub paused: bool,
    /// Promises broken so far (met late, or still unmet past their due time).
    pub breaches: Vec<Breach>,
    /// Running promises past the warning point (75 % of their time), with that point.
    pub warnings: Vec<Breach>,
    /// The next moment a warning or breach begins if nothing happens (none while paused, since
    /// the pause's end is itself an event): when the job queue needs to look again.
    pub next_check: Option<i64>,
}

impl Clocks {
    /// The soonest running due time, by which the agent inbox is sorted.
    pub fn soonest_due(&self) -> Option<i64> {
        [
            self.first_reply_due,
            self.next_reply_due,
            self.resolution_due,
        ]
        .into_iter()
        .flatten()
        .min()
    }
}

/// A running promise: counted from `start`, with `target` business seconds, of which `paused`
/// were spent pending.
#[derive(Debug, Clone, Copy)]
struct Timer {
    start: i64,
    target: i64,
    paused: i64,
}

impl Timer {
    fn due(&self, cal: &Calendar) -> Option<i64> {
        cal.add(self.start, self.target + self.paused)
    }

    fn warn_at(&self, cal: &Calendar) -> Option<i64> {
        cal.add(self.start, self.target * 3 / 4 + self.paused)
    }
}

/// The ticket's clocks at `now` from its events (any order; sorted here).
pub fn clocks(events: &[Event], targets: &Targets, cal: &Calendar, now: i64) -> Clocks {
    let mut events: Vec<Event> = events.iter().copied().filter(|e| e.at() <= now).collect();
    events.sort_by_key(Event::at);
    let mut out = Clocks::default();
    let mut status = Status::New;
    let mut pause_from: Option<i64> = None;
    let mut first: Option<Timer> = None;
    let mut next: Option<Timer> = None;
    let mut resolution: Option<Timer> = None;
    let mut replied = false;
    let breached = |out: &mut Clocks, t: Target, timer: &Timer, met_at: i64| {
        if let Some(due) = timer.due(cal) {
            if met_at > due {
                out.breaches.push(Breach { target: t, due });
            }
        }
    };
    for e in &events {
        // Time spent pending counts for every running timer.
        if let Some(p) = pause_from {
            if !matches!(e, Event::Status(_, Status::Pending)) {
                let spent = cal.between(p, e.at());
                for timer in [&mut first, &mut next, &mut resolution]
                    .into_iter()
                    .flatten()
                {
                    timer.paused += spent;
                }
                pause_from = None;
            }
        }
        match *e {
            Event::Created(t) => {
                first = targets.first_reply.map(|target| Timer {
                    start: t,
                    target,
                    paused: 0,
                });
                resolution = targets.resolution.map(|target| Timer {
                    start: t,
                    target,
                    paused: 0,
                });
            }
            Event::AgentReply(t) => {
                if let Some(f) = first.take() {
                    breached(&mut out, Target::FirstReply, &f, t);
                }
                if let Some(n) = next.take() {
                    breached(&mut out, Target::NextReply, &n, t);
                }
                replied = true;
            }
            Event::CustomerReply(t) => {
                // A reply to a solved ticket reopens it (its status event follows at once).
                if replied && next.is_none() {
                    next = targets.next_reply.map(|target| Timer {
                        start: t,
                        target,
                        paused: 0,
                    });
                }
            }
            Event::Status(t, s) => {
                if s.done() && !status.done() {
                    if let Some(r) = resolution.take() {
                        breached(&mut out, Target::Resolution, &r, t);
                    }
                    next = None;
                    first = None;
                } else if status.done() && !s.done() {
                    // Reopened: the resolution clock starts again from the reopening.
                    resolution = targets.resolution.map(|target| Timer {
                        start: t,
                        target,
                        paused: 0,
                    });
                }
                if s == Status::Pending {
                    pause_from = pause_from.or(Some(t));
                }
                status = s;
            }
        }
    }
    out.paused = pause_from.is_some();
    if let Some(p) = pause_from {
        let spent = cal.between(p, now);
        for timer in [&mut first, &mut next, &mut resolution]
            .into_iter()
            .flatten()
        {
            timer.paused += spent;
        }
    }
    for (slot, timer, target) in [
        (&mut out.first_reply_due, first, Target::FirstReply),
        (&mut out.next_reply_due, next, Target::NextReply),
        (&mut out.resolution_due, resolution, Target::Resolution),
    ] {
        let Some(timer) = timer else { continue };
        *slot = timer.due(cal);
        // While paused nothing breaches: the time since the pause began is not counted.
        match timer.due(cal) {
            Some(due) if now > due && pause_from.is_none() => {
                out.breaches.push(Breach { target, due })
            }
            _ => {
                if let Some(w) = timer.warn_at(cal).filter(|w| now >= *w) {
                    if pause_from.is_none() {
                        out.warnings.push(Breach { target, due: w });
                    }
                }
            }
        }
        if pause_from.is_none() {
            let next = match (timer.warn_at(cal), timer.due(cal)) {
                (Some(w), _) if w > now => Some(w),
                // A breach begins the second after the due time.
                (_, Some(d)) if d >= now => Some(d + 1),
                _ => None,
            };
            out.next_check = match (out.next_check, next) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const H: i64 = 3600;
    // Monday 2026-12-07 00:00 UTC.
    const MONDAY: i64 = 1_796_601_600;

    fn office() -> Calendar {
        let week: Vec<(usize, &str, &str)> = (0..5).map(|d| (d, "09:00", "17:00")).collect();
        Calendar::new("UTC", &week, &[]).unwrap_or_else(|_| Calendar::always())
    }

    fn targets() -> Targets {
        Targets {
            first_reply: Some(4 * H),
            next_reply: Some(8 * H),
            resolution: Some(24 * H),
        }
    }

    #[test]
    fn first_reply_is_due_in_business_hours() {
        let c = office();
        let created = MONDAY + 15 * H; // Monday 15:00
        let k = clocks(&[Event::Created(created)], &targets(), &c, created + 60);
        assert_eq!(k.first_reply_due, Some(MONDAY + 24 * H + 11 * H)); // Tuesday 11:00
        assert!(k.breaches.is_empty());
        // Late: breached once the due time passed, met or not.
        let late = MONDAY + 24 * H + 12 * H;
        let k = clocks(&[Event::Created(created)], &targets(), &c, late);
        assert_eq!(
            k.breaches,
            vec![Breach {
                target: Target::FirstReply,
                due: MONDAY + 35 * H
            }]
        );
        let k = clocks(
            &[Event::Created(created), Event::AgentReply(late)],
            &targets(),
            &c,
            late + H,
        );
        assert_eq!(k.first_reply_due, None);
        assert_eq!(k.breaches.len(), 1);
    }

    #[test]
    fn the_next_reply_clock_runs_when_the_customer_waits() {
        let c = office();
        let t0 = MONDAY + 9 * H;
        let ev = [
            Event::Created(t0),
            Event::AgentReply(t0 + H),
            Event::CustomerReply(t0 + 2 * H),
        ];
        let k = clocks(&ev, &targets(), &c, t0 + 3 * H);
        assert_eq!(k.next_reply_due, Some(t0 + 24 * H + 2 * H)); // Tuesday 11:00
        assert_eq!(k.first_reply_due, None);
    }

    #[test]
    fn pending_stops_the_clocks() {
        let c = office();
        let t0 = MONDAY + 9 * H;
        let ev = [
            Event::Created(t0),
            Event::AgentReply(t0 + H),
            Event::Status(t0 + H, Status::Pending),
        ];
        let k = clocks(&ev, &targets(), &c, t0 + 5 * 24 * H);
        assert!(k.paused);
        assert!(k.breaches.is_empty(), "{k:?}");
        let before = clocks(&ev[..2], &targets(), &c, t0 + H).resolution_due;
        assert!(k.resolution_due > before);
    }

    #[test]
    fn solving_in_time_breaches_nothing() {
        let c = office();
        let t0 = MONDAY + 9 * H;
        let ev = [
            Event::Created(t0),
            Event::AgentReply(t0 + H),
            Event::Status(t0 + 2 * H, Status::Solved),
        ];
        let k = clocks(&ev, &targets(), &c, t0 + 30 * 24 * H);
        assert_eq!(k, Clocks::default());
        assert_eq!(k.soonest_due(), None);
    }

    #[test]
    fn a_warning_comes_at_three_quarters() {
        let c = office();
        let t0 = MONDAY + 9 * H;
        let k = clocks(&[Event::Created(t0)], &targets(), &c, t0 + 3 * H);
        assert_eq!(
            k.warnings,
            vec![Breach {
                target: Target::FirstReply,
                due: t0 + 3 * H
            }]
        );
    }

    proptest! {
        #[test]
        fn a_pause_never_makes_a_deadline_earlier(
            created in MONDAY..MONDAY + 14 * 24 * H,
            pause_at in 0_i64..5 * 24 * H,
            pause_len in 0_i64..5 * 24 * H,
            look in 0_i64..20 * 24 * H,
        ) {
            let c = office();
            let now = created + look;
            let plain = [Event::Created(created)];
            let paused = [
                Event::Created(created),
                Event::Status(created + pause_at, Status::Pending),
                Event::Status(created + pause_at + pause_len, Status::Open),
            ];
            let a = clocks(&plain, &targets(), &c, now);
            let b = clocks(&paused, &targets(), &c, now);
            for (x, y) in [(a.first_reply_due, b.first_reply_due), (a.resolution_due, b.resolution_due)] {
                if let (Some(x), Some(y)) = (x, y) {
                    prop_assert!(y >= x, "pause made {y} earlier than {x}");
                }
            }
            prop_assert!(b.breaches.len() <= a.breaches.len());
        }

        #[test]
        fn nothing_changes_before_the_next_check(
            created in MONDAY..MONDAY + 14 * 24 * H,
            look in 0_i64..10 * 24 * H,
            before in 1_i64..4 * H,
        ) {
            let c = office();
            let ev = [Event::Created(created)];
            let now = created + look;
            let k = clocks(&ev, &targets(), &c, now);
            if let Some(next) = k.next_check {
                prop_assert!(next > now);
                let earlier = clocks(&ev, &targets(), &c, (next - before).max(now));
                prop_assert_eq!(earlier.breaches.len(), k.breaches.len());
                prop_assert_eq!(earlier.warnings.len(), k.warnings.len());
                let at = clocks(&ev, &targets(), &c, next);
                prop_assert_ne!(
                    (at.breaches.len(), at.warnings.len()),
                    (k.breaches.len(), k.warnings.len())
                );
            } else {
                let later = clocks(&ev, &targets(), &c, now + 365 * 24 * H);
                prop_assert_eq!(later.breaches.len(), k.breaches.len());
            }
        }

        #[test]
        fn due_times_are_business_hours(created in MONDAY..MONDAY + 60 * 24 * H) {
            let c = office();
            let k = clocks(&[Event::Created(created)], &targets(), &c, created);
            for due in [k.first_reply_due, k.resolution_due].into_iter().flatten() {
                prop_assert!(c.is_open(due));
                prop_assert!(due > created);
            }
        }
    }
}
