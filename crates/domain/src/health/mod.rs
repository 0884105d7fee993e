//! Commons health (issue 17): windows of whole UTC days, periods for the series, the catalogue
//! of metrics with their definitions, and the computation from facts any export holds.

mod catalogue;
mod compute;
pub mod stats;

pub use catalogue::{find, Group, MetricDef, Unit, CATALOGUE};
pub use compute::{
    compute, ActionFact, AppealFact, Facts, FlagFact, Metrics, PostFact, QuestionFact, RewardFact,
    SessionFact, TicketFact,
};

use jiff::civil::Date;
use jiff::ToSpan;

/// Seconds in a day.
pub const DAY: i64 = 86_400;
/// The default window, in days.
pub const DEFAULT_DAYS: i64 = 90;
/// The longest window, in days (ten years and a leap day or three).
pub const MAX_DAYS: i64 = 3_660;

/// Why a window or series request is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HealthError {
    /// A date that is not `YYYY-MM-DD`.
    #[error("{field} must be a date written YYYY-MM-DD, like 2026-01-31.")]
    InvalidDate {
        /// `from` or `to`.
        field: &'static str,
    },
    /// `from` after `to`, or a window too long.
    #[error("The window runs from `from` to `to` (both included), at most {MAX_DAYS} days: from must not come after to.")]
    InvalidRange,
    /// Not `week` or `month`.
    #[error("granularity is week or month.")]
    InvalidGranularity,
    /// A metric not in the catalogue.
    #[error("There is no metric {0:?}; the list is at /api/v1/health.")]
    UnknownMetric(String),
}

impl HealthError {
    /// A stable code for the API.
    pub fn code(&self) -> &'static str {
        match self {
            HealthError::InvalidDate { .. } => "invalid_date",
            HealthError::InvalidRange => "invalid_range",
            HealthError::InvalidGranularity => "invalid_granularity",
            HealthError::UnknownMetric(_) => "unknown_metric",
        }
    }

    /// The field at fault.
    pub fn field(&self) -> &'static str {
        match self {
            HealthError::InvalidDate { field } => field,
            HealthError::InvalidRange => "from",
            HealthError::InvalidGranularity => "granularity",
            HealthError::UnknownMetric(_) => "metric",
        }
    }
}

/// Whole UTC days from `from` to `to`, both included, as day numbers since 1970-01-01.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    /// The first day.
    pub from_day: i64,
    /// The last day (included).
    pub to_day: i64,
}

fn parse_date(raw: &str, field: &'static str) -> Result<i64, HealthError> {
    let date: Date = raw
        .trim()
        .parse()
        .map_err(|_| HealthError::InvalidDate { field })?;
    Ok(day_number(date))
}

fn day_number(date: Date) -> i64 {
    let epoch = Date::constant(1970, 1, 1);
    i64::from(epoch.until(date).map_or(0, |s| s.get_days()))
}

fn date_of(day: i64) -> Date {
    let epoch = Date::constant(1970, 1, 1);
    epoch
        .checked_add(day.days())
        .unwrap_or(Date::constant(1970, 1, 1))
}

fn given(raw: Option<&str>) -> Option<&str> {
    raw.map(str::trim).filter(|s| !s.is_empty())
}

/// `YYYY-MM-DD` of a day number.
pub fn format_day(day: i64) -> String {
    date_of(day).to_string()
}

impl Window {
    /// The window `from`..=`to` (`YYYY-MM-DD`); by default the last 90 days up to `today`.
    pub fn parse(from: Option<&str>, to: Option<&str>, today: i64) -> Result<Window, HealthError> {
        let to_day = match given(to) {
            Some(raw) => parse_date(raw, "to")?,
            None => today,
        };
        let from_day = match given(from) {
            Some(raw) => parse_date(raw, "from")?,
            None => to_day - (DEFAULT_DAYS - 1),
        };
        Window::new(from_day, to_day)
    }

    /// A window of whole days, refused when empty or longer than [`MAX_DAYS`].
    pub fn new(from_day: i64, to_day: i64) -> Result<Window, HealthError> {
        if from_day > to_day || to_day - from_day + 1 > MAX_DAYS {
            return Err(HealthError::InvalidRange);
        }
        Ok(Window { from_day, to_day })
    }

    /// Its length in days.
    pub fn days(&self) -> i64 {
        self.to_day - self.from_day + 1
    }

    /// 00:00 UTC of the first day, in Unix seconds.
    pub fn start(&self) -> i64 {
        self.from_day * DAY
    }

    /// The end of the last day (exclusive), in Unix seconds.
    pub fn end(&self) -> i64 {
        (self.to_day + 1) * DAY
    }

    /// Whether a moment falls in the window.
    pub fn holds(&self, at: i64) -> bool {
        at >= self.start() && at < self.end()
    }

    /// The window of the same length just before this one.
    pub fn previous(&self) -> Window {
        Window {
            from_day: self.from_day - self.days(),
            to_day: self.from_day - 1,
        }
    }

    /// `YYYY-MM-DD` of the first day.
    pub fn from_text(&self) -> String {
        format_day(self.from_day)
    }

    /// `YYYY-MM-DD` of the last day.
    pub fn to_text(&self) -> String {
        format_day(self.to_day)
    }
}

/// The step of a series.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Granularity {
    /// Weeks starting on Monday.
    Week,
    /// Calendar months.
    Month,
}

impl Granularity {
    /// `week` or `month` (default `week`).
    pub fn parse(raw: Option<&str>) -> Result<Granularity, HealthError> {
        match raw.map(str::trim).filter(|s| !s.is_empty()) {
            None | Some("week") => Ok(Granularity::Week),
            Some("month") => Ok(Granularity::Month),
            Some(_) => Err(HealthError::InvalidGranularity),
        }
    }

    /// Its name.
    pub fn as_str(self) -> &'static str {
        match self {
            Granularity::Week => "week",
            Granularity::Month => "month",
        }
    }
}

/// The periods of a series over a window: each week (Monday to Sunday) or calendar month
/// touching it, cut to the window, so that the first and last may be shorter.
pub fn periods(w: Window, g: Granularity) -> Vec<Window> {
    let mut out = Vec::new();
    let mut start = w.from_day;
    while start <= w.to_day {
        let natural_end = match g {
            // 1970-01-01 was a Thursday: day + 3 counts from a Monday.
            Granularity::Week => start - (start + 3).rem_euclid(7) + 6,
            Granularity::Month => {
                let d = date_of(start);
                day_number(d.last_of_month())
            }
        };
        let end = natural_end.min(w.to_day);
        out.push(Window {
            from_day: start,
            to_day: end,
        });
        start = end + 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_window_is_the_last_ninety_days() {
        let today = parse_date("2026-12-05", "to").unwrap_or(0);
        let w = Window::parse(None, None, today).unwrap_or(Window {
            from_day: 0,
            to_day: 0,
        });
        assert_eq!(w.days(), 90);
        assert_eq!(w.to_text(), "2026-12-05");
        assert_eq!(w.from_text(), "2026-09-07");
        assert_eq!(w.previous().to_text(), "2026-09-06");
        assert_eq!(w.previous().days(), 90);
        assert_eq!(w.end() - w.start(), 90 * DAY);
    }

    #[test]
    fn bad_windows_are_refused() {
        assert_eq!(
            Window::parse(Some("2026-13-01"), None, 0),
            Err(HealthError::InvalidDate { field: "from" })
        );
        assert_eq!(
            Window::parse(None, Some("yesterday"), 0),
            Err(HealthError::InvalidDate { field: "to" })
        );
        assert_eq!(
            Window::parse(Some("2026-02-02"), Some("2026-02-01"), 0),
            Err(HealthError::InvalidRange)
        );
        assert_eq!(
            Window::parse(Some("2000-01-01"), Some("2026-01-01"), 0),
            Err(HealthError::InvalidRange)
        );
        assert!(Window::parse(Some("2026-02-01"), Some("2026-02-01"), 0).is_ok());
        assert_eq!(
            Granularity::parse(Some("day")),
            Err(HealthError::InvalidGranularity)
        );
    }

    #[test]
    fn weeks_and_months_are_cut_to_the_window() {
        let w = Window::parse(Some("2026-01-28"), Some("2026-03-03"), 0).unwrap_or(Window {
            from_day: 0,
            to_day: 0,
        });
        let weeks = periods(w, Granularity::Week);
        // 2026-01-28 is a Wednesday; its week ends Sunday 2026-02-01.
        assert_eq!(weeks[0].from_text(), "2026-01-28");
        assert_eq!(weeks[0].to_text(), "2026-02-01");
        assert_eq!(weeks[1].from_text(), "2026-02-02");
        assert_eq!(
            weeks.last().map(Window::to_text).as_deref(),
            Some("2026-03-03")
        );
        assert_eq!(weeks.iter().map(Window::days).sum::<i64>(), w.days());
        let months = periods(w, Granularity::Month);
        let names: Vec<(String, String)> = months
            .iter()
            .map(|m| (m.from_text(), m.to_text()))
            .collect();
        assert_eq!(
            names,
            vec![
                ("2026-01-28".into(), "2026-01-31".into()),
                ("2026-02-01".into(), "2026-02-28".into()),
                ("2026-03-01".into(), "2026-03-03".into()),
            ]
        );
    }
}
