//! Business-hours calendars for response-time targets: a time zone, opening hours per weekday
//! and holidays. "Four business hours after Friday 16:00" is Monday 12:00 in a 9–17 week; the
//! arithmetic walks local days in the calendar's zone, so DST changes move the wall clock, not
//! the hours counted. Times are Unix seconds.

use jiff::civil::{Date, Time};
use jiff::tz::TimeZone;
use jiff::Timestamp;
use std::collections::BTreeSet;

/// Why a calendar cannot be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CalendarError {
    /// The time zone is not in the time-zone database.
    #[error("“{0}” is not a known time zone (use a name like Europe/Paris or America/New_York).")]
    UnknownZone(String),
    /// A time is not `HH:MM`.
    #[error("“{0}” is not a time of day: use HH:MM, from 00:00 to 24:00.")]
    BadTime(String),
    /// A day's hours end before they start.
    #[error("Hours must end after they start ({0}).")]
    Empty(String),
    /// Two ranges of one weekday overlap.
    #[error("Opening hours overlap on {0}.")]
    Overlap(&'static str),
    /// No opening hours at all: nothing could ever be due.
    #[error("A calendar needs opening hours on at least one day.")]
    NeverOpen,
    /// A holiday is not `YYYY-MM-DD`.
    #[error("“{0}” is not a date: use YYYY-MM-DD.")]
    BadDate(String),
}

/// Weekday names, Monday first, as the calendar's input and errors use them.
pub const WEEKDAYS: [&str; 7] = [
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
];

/// A validated business-hours calendar.
#[derive(Debug, Clone)]
pub struct Calendar {
    tz: TimeZone,
    zone: String,
    /// Per weekday (Monday first): sorted, disjoint `[start, end)` minutes of the day.
    hours: [Vec<(u32, u32)>; 7],
    holidays: BTreeSet<Date>,
}

/// Most days the arithmetic walks before giving up (a calendar open one hour a year still
/// answers; only a calendar whose every open day is a holiday runs out).
const MAX_DAYS: i64 = 366 * 5;

fn minutes(s: &str) -> Result<u32, CalendarError> {
    let bad = || CalendarError::BadTime(s.chars().take(20).collect());
    let (h, m) = s.split_once(':').ok_or_else(bad)?;
    if h.len() != 2 || m.len() != 2 {
        return Err(bad());
    }
    let h: u32 = h.parse().map_err(|_| bad())?;
    let m: u32 = m.parse().map_err(|_| bad())?;
    if m >= 60 || h > 24 || (h == 24 && m != 0) {
        return Err(bad());
    }
    Ok(h * 60 + m)
}

impl Calendar {
    /// Builds a calendar from a zone name, `(weekday, "HH:MM", "HH:MM")` ranges and holidays
    /// (`YYYY-MM-DD`, local dates on which nothing is open).
    pub fn new(
        zone: &str,
        ranges: &[(usize, &str, &str)],
        holidays: &[&str],
    ) -> Result<Calendar, CalendarError> {
        let tz = TimeZone::get(zone)
            .map_err(|_| CalendarError::UnknownZone(zone.chars().take(60).collect()))?;
        let mut hours: [Vec<(u32, u32)>; 7] = Default::default();
        for &(day, start, end) in ranges {
            let (s, e) = (minutes(start)?, minutes(end)?);
            if e <= s {
                return Err(CalendarError::Empty(format!("{start}–{end}")));
            }
            let Some(slot) = hours.get_mut(day) else {
                return Err(CalendarError::BadTime(format!("weekday {day}")));
            };
            slot.push((s, e));
        }
        for (day, slot) in hours.iter_mut().enumerate() {
            slot.sort_unstable();
            if slot.windows(2).any(|w| w[1].0 < w[0].1) {
                return Err(CalendarError::Overlap(WEEKDAYS[day]));
            }
        }
        if hours.iter().all(Vec::is_empty) {
            return Err(CalendarError::NeverOpen);
        }
        let holidays = holidays
            .iter()
            .map(|d| {
                d.parse::<Date>()
                    .map_err(|_| CalendarError::BadDate(d.chars().take(20).collect()))
            })
            .collect::<Result<_, _>>()?;
        Ok(Calendar {
            tz,
            zone: zone.to_string(),
            hours,
            holidays,
        })
    }

    /// Open around the clock, every day, in UTC (targets in plain hours).
    pub fn always() -> Calendar {
        Calendar {
            tz: TimeZone::UTC,
            zone: "UTC".into(),
            hours: std::array::from_fn(|_| vec![(0, 24 * 60)]),
            holidays: BTreeSet::new(),
        }
    }

    /// The zone's name.
    pub fn zone(&self) -> &str {
        &self.zone
    }

    /// The open intervals of one local date, as `[start, end)` Unix seconds; a local time that
    /// a DST change skips maps forward, a repeated one to its first occurrence.
    fn intervals_on(&self, date: Date) -> Vec<(i64, i64)> {
        if self.holidays.contains(&date) {
            return Vec::new();
        }
        let day = date.weekday().to_monday_zero_offset() as usize;
        let at = |mins: u32| -> Option<i64> {
            let dt = if mins >= 24 * 60 {
                date.tomorrow().ok()?.to_datetime(Time::midnight())
            } else {
                let t = Time::new((mins / 60) as i8, (mins % 60) as i8, 0, 0).ok()?;
                date.to_datetime(t)
            };
            Some(
                dt.to_zoned_datetime(self.tz.clone())
                    .ok()?
                    .timestamp()
                    .as_second(),
            )
        };
        self.hours[day]
            .iter()
            .filter_map(|&(s, e)| Some((at(s)?, at(e)?)))
            .filter(|(s, e)| e > s)
            .collect()
    }

    fn local_date(&self, t: i64) -> Option<Date> {
        Some(
            Timestamp::from_second(t)
                .ok()?
                .to_zoned_datetime(self.tz.clone())
                .date(),
        )
    }

    /// Whether the calendar is open at `t` (an interval's end counts as open: a deadline at
    /// 17:00 is within 9–17).
    pub fn is_open(&self, t: i64) -> bool {
        let Some(date) = self.local_date(t) else {
            return false;
        };
        // A DST change can push the end of yesterday's late hours past midnight.
        let yesterday = date.yesterday().ok();
        [yesterday, Some(date)]
            .into_iter()
            .flatten()
            .flat_map(|d| self.intervals_on(d))
            .any(|(s, e)| s <= t && t <= e)
    }

    /// The moment `secs` business seconds after `start`. With `secs = 0` it is `start` itself
    /// if open, else the next opening. `None` only if the calendar never opens again within
    /// five years.
    pub fn add(&self, start: i64, secs: i64) -> Option<i64> {
        let mut left = secs.max(0);
        let mut date = self.local_date(start)?.yesterday().ok()?;
        for _ in 0..MAX_DAYS {
            for (s, e) in self.intervals_on(date) {
                let from = s.max(start);
                if from > e || (from == e && left > 0) {
                    continue;
                }
                if from + left <= e {
                    return Some(from + left);
                }
                left -= e - from;
            }
            date = date.tomorrow().ok()?;
        }
        None
    }

    /// Business seconds between `a` and `b` (0 when `b <= a`).
    pub fn between(&self, a: i64, b: i64) -> i64 {
        if b <= a {
            return 0;
        }
        let (Some(first), Some(last)) = (self.local_date(a), self.local_date(b)) else {
            return 0;
        };
        let Ok(mut date) = first.yesterday() else {
            return 0;
        };
        let mut total = 0;
        while date <= last {
            for (s, e) in self.intervals_on(date) {
                let (s, e) = (s.max(a), e.min(b));
                if e > s {
                    total += e - s;
                }
            }
            match date.tomorrow() {
                Ok(d) => date = d,
                Err(_) => break,
            }
        }
        total
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn ts(s: &str, zone: &str) -> i64 {
        let dt: jiff::civil::DateTime = s.parse().unwrap_or_default();
        dt.to_zoned_datetime(TimeZone::get(zone).unwrap_or(TimeZone::UTC))
            .map(|z| z.timestamp().as_second())
            .unwrap_or_default()
    }

    fn office(zone: &str) -> Calendar {
        let week: Vec<(usize, &str, &str)> = (0..5).map(|d| (d, "09:00", "17:00")).collect();
        Calendar::new(zone, &week, &["2026-12-25"]).unwrap_or_else(|_| Calendar::always())
    }

    #[test]
    fn friday_afternoon_plus_four_hours_is_monday_noon() {
        let c = office("Europe/Paris");
        // 2026-12-04 is a Friday.
        let start = ts("2026-12-04T16:00", "Europe/Paris");
        assert_eq!(
            c.add(start, 4 * 3600),
            Some(ts("2026-12-07T12:00", "Europe/Paris"))
        );
        assert_eq!(
            c.between(start, ts("2026-12-07T12:00", "Europe/Paris")),
            4 * 3600
        );
    }

    #[test]
    fn holidays_are_skipped() {
        let c = office("Europe/Paris");
        let start = ts("2026-12-24T16:00", "Europe/Paris");
        // Thursday 16–17, Christmas closed, then Monday the 28th from 9.
        assert_eq!(
            c.add(start, 2 * 3600),
            Some(ts("2026-12-28T10:00", "Europe/Paris"))
        );
    }

    #[test]
    fn a_dst_change_keeps_wall_clock_hours() {
        let c = office("Europe/Paris");
        // Clocks go forward on Sunday 2026-03-29; Friday 16:00 + 2 h is Monday 10:00 local.
        let start = ts("2026-03-27T16:00", "Europe/Paris");
        assert_eq!(
            c.add(start, 2 * 3600),
            Some(ts("2026-03-30T10:00", "Europe/Paris"))
        );
    }

    #[test]
    fn zero_waits_for_the_next_opening() {
        let c = office("UTC");
        let sat = ts("2026-12-05T10:00", "UTC");
        assert_eq!(c.add(sat, 0), Some(ts("2026-12-07T09:00", "UTC")));
        let open = ts("2026-12-07T10:00", "UTC");
        assert_eq!(c.add(open, 0), Some(open));
    }

    #[test]
    fn bad_calendars_are_refused() {
        assert!(matches!(
            Calendar::new("Mars/Olympus", &[(0, "09:00", "17:00")], &[]),
            Err(CalendarError::UnknownZone(_))
        ));
        assert_eq!(
            Calendar::new("UTC", &[(0, "09:00", "13:00"), (0, "12:00", "17:00")], &[]).err(),
            Some(CalendarError::Overlap("monday"))
        );
        assert!(Calendar::new("UTC", &[(0, "17:00", "09:00")], &[]).is_err());
        assert!(Calendar::new("UTC", &[(0, "9:00", "17:00")], &[]).is_err());
        assert!(Calendar::new("UTC", &[(0, "09:00", "24:30")], &[]).is_err());
        assert_eq!(
            Calendar::new("UTC", &[], &[]).err(),
            Some(CalendarError::NeverOpen)
        );
        assert!(Calendar::new("UTC", &[(0, "09:00", "17:00")], &["2026-13-01"]).is_err());
        // Touching ranges are fine.
        assert!(Calendar::new("UTC", &[(0, "09:00", "12:00"), (0, "12:00", "17:00")], &[]).is_ok());
    }

    fn zones() -> impl Strategy<Value = &'static str> {
        prop::sample::select(vec![
            "UTC",
            "Europe/Paris",
            "America/New_York",
            "Australia/Sydney",
            "Asia/Kolkata",
        ])
    }

    proptest! {
        // 2026-2027, which holds DST changes in both hemispheres.
        #[test]
        fn due_times_fall_within_business_hours(
            zone in zones(), start in 1_767_225_600_i64..1_830_297_600, secs in 1_i64..200 * 3600
        ) {
            let c = office(zone);
            let due = c.add(start, secs);
            prop_assert!(due.is_some());
            let due = due.unwrap_or_default();
            prop_assert!(c.is_open(due), "{due} is outside business hours in {zone}");
            prop_assert!(due > start);
            prop_assert_eq!(c.between(start, due), secs);
        }

        #[test]
        fn adding_time_is_monotonic(
            zone in zones(), start in 1_767_225_600_i64..1_830_297_600,
            a in 0_i64..100 * 3600, b in 0_i64..100 * 3600, later in 0_i64..7 * 86_400
        ) {
            let c = office(zone);
            let (lo, hi) = (a.min(b), a.max(b));
            prop_assert!(c.add(start, lo) <= c.add(start, hi));
            prop_assert!(c.add(start, lo) <= c.add(start + later, lo));
        }
    }
}
