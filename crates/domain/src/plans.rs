//! Support plans: what a tier offers (private tickets or not, how many open at once) and its
//! response-time targets per priority, counted in business minutes of the plan's calendar.

use crate::calendar::{Calendar, CalendarError, WEEKDAYS};
use crate::sla::Targets;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Ticket priorities, lowest first.
pub const PRIORITIES: [&str; 4] = ["low", "normal", "high", "urgent"];

/// Targets of one priority, in business minutes; absent: no promise.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TargetMinutes {
    /// To the first reply.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_reply: Option<i64>,
    /// To each next reply.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_reply: Option<i64>,
    /// To resolution.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resolution: Option<i64>,
}

impl TargetMinutes {
    /// The same targets in seconds, for the SLA clocks.
    pub fn targets(&self) -> Targets {
        Targets {
            first_reply: self.first_reply.map(|m| m * 60),
            next_reply: self.next_reply.map(|m| m * 60),
            resolution: self.resolution.map(|m| m * 60),
        }
    }
}

/// Opening hours of one weekday.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Hours {
    /// `monday` … `sunday`.
    pub day: String,
    /// `HH:MM`.
    pub start: String,
    /// `HH:MM` (`24:00` for midnight at the end of the day).
    pub end: String,
}

/// A calendar as admins write it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CalendarSpec {
    /// IANA time zone, e.g. `Europe/Paris`.
    pub zone: String,
    /// Opening hours.
    pub hours: Vec<Hours>,
    /// Closed dates, `YYYY-MM-DD`.
    #[serde(default)]
    pub holidays: Vec<String>,
}

impl CalendarSpec {
    /// The calendar, checked.
    pub fn calendar(&self) -> Result<Calendar, CalendarError> {
        let mut ranges = Vec::with_capacity(self.hours.len());
        for h in &self.hours {
            let day = WEEKDAYS
                .iter()
                .position(|d| d.eq_ignore_ascii_case(h.day.trim()))
                .ok_or_else(|| CalendarError::BadTime(h.day.chars().take(20).collect()))?;
            ranges.push((day, h.start.as_str(), h.end.as_str()));
        }
        let holidays: Vec<&str> = self.holidays.iter().map(String::as_str).collect();
        Calendar::new(&self.zone, &ranges, &holidays)
    }
}

/// A plan as admins define it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlanSpec {
    /// Name, unique (case-insensitive).
    pub name: String,
    /// Public description.
    #[serde(default)]
    pub description: String,
    /// Price as text ("Free", "€20 a month").
    #[serde(default)]
    pub price: String,
    /// Whether its members can open private tickets.
    pub tickets_allowed: bool,
    /// Most tickets open at once; absent: no limit.
    #[serde(default)]
    pub max_open_tickets: Option<i64>,
    /// Targets by priority (`low`, `normal`, `high`, `urgent`).
    #[serde(default)]
    pub targets: BTreeMap<String, TargetMinutes>,
    /// The business hours the targets count in.
    pub calendar: CalendarSpec,
    /// Whether colleagues of one organization see (and answer) each other's tickets.
    #[serde(default)]
    pub organization_visible: bool,
}

/// Why a plan cannot be saved.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlanError {
    /// Name empty or too long.
    #[error("A plan needs a name of 1 to 60 characters.")]
    Name,
    /// Description or price too long.
    #[error("The description has at most 1,000 characters and the price at most 100.")]
    Text,
    /// Unknown priority.
    #[error("“{0}” is not a priority: use low, normal, high or urgent.")]
    Priority(String),
    /// A target out of range.
    #[error("Targets are whole minutes from 1 to 525,600 (a year).")]
    Target,
    /// A bad limit of open tickets.
    #[error("The limit of open tickets is a number from 0 to 10,000.")]
    Limit,
    /// A bad calendar.
    #[error(transparent)]
    Calendar(#[from] CalendarError),
}

impl PlanError {
    /// The field at fault.
    pub fn field(&self) -> &'static str {
        match self {
            PlanError::Name => "name",
            PlanError::Text => "description",
            PlanError::Priority(_) | PlanError::Target => "targets",
            PlanError::Limit => "max_open_tickets",
            PlanError::Calendar(_) => "calendar",
        }
    }

    /// A machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            PlanError::Calendar(_) => "invalid_calendar",
            PlanError::Priority(_) | PlanError::Target => "invalid_targets",
            _ => "invalid_plan",
        }
    }
}

impl PlanSpec {
    /// Checks every field; the spec with its name trimmed.
    pub fn validate(mut self) -> Result<PlanSpec, PlanError> {
        self.name = self.name.trim().to_string();
        if self.name.is_empty() || self.name.chars().count() > 60 {
            return Err(PlanError::Name);
        }
        if self.description.chars().count() > 1000 || self.price.chars().count() > 100 {
            return Err(PlanError::Text);
        }
        if self
            .max_open_tickets
            .is_some_and(|n| !(0..=10_000).contains(&n))
        {
            return Err(PlanError::Limit);
        }
        for (priority, t) in &self.targets {
            if !PRIORITIES.contains(&priority.as_str()) {
                return Err(PlanError::Priority(priority.chars().take(20).collect()));
            }
            for m in [t.first_reply, t.next_reply, t.resolution]
                .into_iter()
                .flatten()
            {
                if !(1..=525_600).contains(&m) {
                    return Err(PlanError::Target);
                }
            }
        }
        self.calendar.calendar()?;
        Ok(self)
    }

    /// The case-folded name that must be unique.
    pub fn name_key(&self) -> String {
        self.name.to_lowercase()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec() -> PlanSpec {
        serde_json::from_str(
            r#"{"name": " Gold ", "tickets_allowed": true, "max_open_tickets": 3,
                "targets": {"urgent": {"first_reply": 30, "resolution": 240}},
                "calendar": {"zone": "Europe/Paris", "hours": [{"day": "Monday", "start": "09:00", "end": "17:00"}],
                             "holidays": ["2026-12-25"]}}"#,
        )
        .unwrap_or_else(|_| PlanSpec {
            name: String::new(),
            description: String::new(),
            price: String::new(),
            tickets_allowed: false,
            max_open_tickets: None,
            targets: BTreeMap::new(),
            calendar: CalendarSpec {
                zone: String::new(),
                hours: Vec::new(),
                holidays: Vec::new(),
            },
            organization_visible: false,
        })
    }

    #[test]
    fn a_good_plan_validates() {
        let p = spec().validate();
        assert!(p.is_ok(), "{p:?}");
        let p = p.unwrap_or_else(|_| spec());
        assert_eq!(p.name, "Gold");
        assert_eq!(p.name_key(), "gold");
        assert_eq!(p.targets["urgent"].targets().first_reply, Some(1800));
    }

    #[test]
    fn bad_plans_say_what_is_wrong() {
        let mut p = spec();
        p.calendar.zone = "Nowhere/Land".into();
        assert_eq!(
            p.validate().err().map(|e| e.code()),
            Some("invalid_calendar")
        );
        let mut p = spec();
        p.calendar.hours.push(Hours {
            day: "monday".into(),
            start: "16:00".into(),
            end: "18:00".into(),
        });
        assert!(matches!(
            p.validate(),
            Err(PlanError::Calendar(CalendarError::Overlap("monday")))
        ));
        let mut p = spec();
        p.calendar.hours[0].day = "someday".into();
        assert!(p.validate().is_err());
        let mut p = spec();
        p.targets
            .insert("critical".into(), TargetMinutes::default());
        assert_eq!(p.validate().err().map(|e| e.field()), Some("targets"));
        let mut p = spec();
        p.targets.insert(
            "low".into(),
            TargetMinutes {
                first_reply: Some(0),
                ..Default::default()
            },
        );
        assert_eq!(p.validate().err(), Some(PlanError::Target));
        let mut p = spec();
        p.name = "  ".into();
        assert_eq!(p.validate().err(), Some(PlanError::Name));
        let mut p = spec();
        p.max_open_tickets = Some(-1);
        assert_eq!(p.validate().err(), Some(PlanError::Limit));
    }
}
