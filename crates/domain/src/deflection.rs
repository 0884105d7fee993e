//! Deflection sessions: an ask flow that showed similar questions or articles, and how it
//! ended. Pure rules: which outcome wins, when silence means "abandoned", and the daily
//! self-service resolution rate.

/// At most this many suggestions are shown while a question is typed: enough to find the
/// answer, few enough to read before giving up on them.
pub const MAX_SUGGESTIONS: usize = 5;

/// A session with no outcome and no activity for this long was abandoned: the person neither
/// found an answer among the suggestions nor asked.
pub const ABANDON_AFTER_SECS: i64 = 30 * 60;

/// Days the statistics cover by default.
pub const STATS_DAYS: i64 = 30;

/// Longest period the statistics may cover, so one request cannot scan years of sessions.
pub const MAX_STATS_DAYS: i64 = 366;

/// Seconds in a day; days are UTC.
pub const DAY_SECS: i64 = 86_400;

/// How a deflection session ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// A suggestion solved the problem ("This solved my problem" on the suggested page).
    Solved,
    /// The person asked the question anyway.
    Posted,
    /// Neither, within [`ABANDON_AFTER_SECS`] of the last activity.
    Abandoned,
}

impl Outcome {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Solved => "solved",
            Outcome::Posted => "posted",
            Outcome::Abandoned => "abandoned",
        }
    }

    /// Reads a stored name; anything else is no outcome yet.
    pub fn parse(raw: Option<&str>) -> Option<Outcome> {
        match raw? {
            "solved" => Some(Outcome::Solved),
            "posted" => Some(Outcome::Posted),
            "abandoned" => Some(Outcome::Abandoned),
            _ => None,
        }
    }

    /// Whether nothing can change this outcome any more.
    pub fn is_final(self) -> bool {
        !matches!(self, Outcome::Abandoned)
    }
}

/// What the person did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    /// Pressed "This solved my problem".
    Solved,
    /// Posted the question.
    Posted,
}

/// The outcome after `event`, or `None` when the session keeps its outcome.
///
/// The first definite outcome wins: a person who was helped and later asks something in the
/// same flow was still helped, and a question that was asked stays asked. "Abandoned" is only
/// a conclusion drawn from silence, so a late solve or post replaces it.
pub fn transition(current: Option<Outcome>, event: Event) -> Option<Outcome> {
    match current {
        Some(o) if o.is_final() => None,
        _ => Some(match event {
            Event::Solved => Outcome::Solved,
            Event::Posted => Outcome::Posted,
        }),
    }
}

/// The outcome as of `now`: a session without one becomes abandoned after
/// [`ABANDON_AFTER_SECS`] of silence, whether or not housekeeping has stamped it yet.
pub fn effective_outcome(stored: Option<Outcome>, last_activity: i64, now: i64) -> Option<Outcome> {
    match stored {
        None if now - last_activity >= ABANDON_AFTER_SECS => Some(Outcome::Abandoned),
        other => other,
    }
}

/// The start (00:00 UTC) of the day of `ts`.
pub fn day_start(ts: i64) -> i64 {
    ts.div_euclid(DAY_SECS) * DAY_SECS
}

/// Sessions of one day by outcome, as counted by the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DayCounts {
    /// Start of the day (00:00 UTC).
    pub day: i64,
    /// Sessions begun that day.
    pub sessions: i64,
    /// Of which solved by a suggestion.
    pub solved: i64,
    /// Of which the question was posted.
    pub posted: i64,
    /// Of which abandoned (stamped, or silent for [`ABANDON_AFTER_SECS`]).
    pub abandoned: i64,
}

/// One day of the self-service report.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DayStat {
    /// The day's counts.
    pub counts: DayCounts,
    /// Sessions still in progress.
    pub open: i64,
    /// Solved ÷ sessions, between 0 and 1; `None` on a day without sessions.
    pub rate: Option<f64>,
}

/// The self-service resolution rate: sessions solved by a suggestion over all sessions.
pub fn resolution_rate(solved: i64, sessions: i64) -> Option<f64> {
    (sessions > 0).then(|| (solved.clamp(0, sessions) as f64) / sessions as f64)
}

/// The report of the `days` days up to and including the day of `now`, oldest first, with a
/// row for every day (days without sessions too, so a chart has no gaps), and the totals.
pub fn daily_report(counts: &[DayCounts], now: i64, days: i64) -> (Vec<DayStat>, DayStat) {
    let days = days.clamp(1, MAX_STATS_DAYS);
    let last = day_start(now);
    let first = last - (days - 1) * DAY_SECS;
    let mut total = DayCounts::default();
    let rows = (0..days)
        .map(|i| {
            let day = first + i * DAY_SECS;
            let mut c = counts.iter().filter(|c| day_start(c.day) == day).fold(
                DayCounts {
                    day,
                    ..DayCounts::default()
                },
                |mut acc, c| {
                    acc.sessions += c.sessions;
                    acc.solved += c.solved;
                    acc.posted += c.posted;
                    acc.abandoned += c.abandoned;
                    acc
                },
            );
            c.day = day;
            total.sessions += c.sessions;
            total.solved += c.solved;
            total.posted += c.posted;
            total.abandoned += c.abandoned;
            stat(c)
        })
        .collect();
    total.day = first;
    (rows, stat(total))
}

fn stat(c: DayCounts) -> DayStat {
    DayStat {
        open: (c.sessions - c.solved - c.posted - c.abandoned).max(0),
        rate: resolution_rate(c.solved, c.sessions),
        counts: c,
    }
}

/// Whether `raw` has the shape of a session token: 32 lower-case hex digits. Anything else
/// is not looked up at all.
pub fn is_session_token(raw: &str) -> bool {
    raw.len() == 32
        && raw
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn first_definite_outcome_wins() {
        use Outcome::*;
        assert_eq!(transition(None, Event::Solved), Some(Solved));
        assert_eq!(transition(None, Event::Posted), Some(Posted));
        assert_eq!(transition(Some(Abandoned), Event::Solved), Some(Solved));
        assert_eq!(transition(Some(Abandoned), Event::Posted), Some(Posted));
        assert_eq!(transition(Some(Solved), Event::Posted), None);
        assert_eq!(transition(Some(Solved), Event::Solved), None);
        assert_eq!(transition(Some(Posted), Event::Solved), None);
    }

    #[test]
    fn silence_means_abandoned() {
        let t = 1_000_000;
        assert_eq!(effective_outcome(None, t, t + ABANDON_AFTER_SECS - 1), None);
        assert_eq!(
            effective_outcome(None, t, t + ABANDON_AFTER_SECS),
            Some(Outcome::Abandoned)
        );
        assert_eq!(
            effective_outcome(Some(Outcome::Solved), t, t + 10 * ABANDON_AFTER_SECS),
            Some(Outcome::Solved)
        );
    }

    #[test]
    fn stored_names_round_trip() {
        for o in [Outcome::Solved, Outcome::Posted, Outcome::Abandoned] {
            assert_eq!(Outcome::parse(Some(o.as_str())), Some(o));
        }
        assert_eq!(Outcome::parse(Some("other")), None);
        assert_eq!(Outcome::parse(None), None);
    }

    #[test]
    fn report_fills_every_day() {
        let now = 20 * DAY_SECS + 3_600;
        let counts = [
            DayCounts {
                day: 20 * DAY_SECS,
                sessions: 4,
                solved: 1,
                posted: 2,
                abandoned: 0,
            },
            DayCounts {
                day: 18 * DAY_SECS,
                sessions: 2,
                solved: 2,
                posted: 0,
                abandoned: 0,
            },
            // Outside the window: ignored.
            DayCounts {
                day: 2 * DAY_SECS,
                sessions: 9,
                solved: 9,
                posted: 0,
                abandoned: 0,
            },
        ];
        let (rows, total) = daily_report(&counts, now, 3);
        assert_eq!(rows.len(), 3);
        assert_eq!(rows[0].counts.day, 18 * DAY_SECS);
        assert_eq!(rows[0].rate, Some(1.0));
        assert_eq!(rows[1].counts.sessions, 0);
        assert_eq!(rows[1].rate, None);
        assert_eq!(rows[2].rate, Some(0.25));
        assert_eq!(rows[2].open, 1);
        assert_eq!(total.counts.sessions, 6);
        assert_eq!(total.counts.solved, 3);
        assert_eq!(total.rate, Some(0.5));
    }

    #[test]
    fn tokens() {
        assert!(is_session_token("0123456789abcdef0123456789abcdef"));
        assert!(!is_session_token("0123456789ABCDEF0123456789abcdef"));
        assert!(!is_session_token("short"));
        assert!(!is_session_token("0123456789abcdef0123456789abcdeg"));
    }

    proptest! {
        #[test]
        fn rates_are_fractions(solved in -5i64..1_000, sessions in -5i64..1_000) {
            match resolution_rate(solved, sessions) {
                Some(r) => prop_assert!((0.0..=1.0).contains(&r) && sessions > 0),
                None => prop_assert!(sessions <= 0),
            }
        }

        #[test]
        fn days_start_at_midnight(ts in -10_000_000i64..10_000_000_000) {
            let d = day_start(ts);
            prop_assert!(d <= ts && ts - d < DAY_SECS && d % DAY_SECS == 0);
        }
    }
}
