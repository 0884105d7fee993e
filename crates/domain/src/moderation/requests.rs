//! Parsing governance requests typed by people (flags, close votes, moderation actions,
//! review reasons, appeals) and the small rules that decide on them (closing, hiding, late
//! answers).

use super::vocabulary::{Category, CloseReason, FlagReason, ModAction, ReviewOutcome, TargetType};
use super::{invalid, GovernanceError};
use serde::{Deserialize, Serialize};

/// Checks free text: trimmed, control characters refused, between `min` and `max` characters.
fn text(
    raw: &str,
    min: usize,
    max: usize,
    code: &'static str,
    field: &'static str,
    what: &str,
) -> Result<String, GovernanceError> {
    let s = raw.trim();
    if s.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
        return Err(invalid(
            code,
            field,
            format!("The {what} contains control characters."),
        ));
    }
    let n = s.chars().count();
    if n < min {
        return Err(invalid(
            code,
            field,
            if n == 0 {
                format!("Please write the {what}.")
            } else {
                format!("The {what} needs at least {min} characters.")
            },
        ));
    }
    if n > max {
        return Err(invalid(
            code,
            field,
            format!("The {what} can have at most {max} characters (this one has {n})."),
        ));
    }
    Ok(s.to_string())
}

/// A validated flag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlagRequest {
    /// Why.
    pub reason: FlagReason,
    /// The question this one duplicates (reason `duplicate` only).
    pub duplicate_of: Option<i64>,
    /// Free text: required for `other`, optional otherwise.
    pub text: String,
}

impl FlagRequest {
    /// Longest flag text.
    pub const MAX_TEXT: usize = 500;

    /// Checks the combination: a duplicate names its target, "other" explains itself.
    pub fn parse(
        reason: &str,
        duplicate_of: Option<i64>,
        raw_text: Option<&str>,
    ) -> Result<Self, GovernanceError> {
        let reason = FlagReason::parse(reason)?;
        let min = if reason == FlagReason::Other { 10 } else { 0 };
        let text = text(
            raw_text.unwrap_or(""),
            min,
            Self::MAX_TEXT,
            "invalid_flag_text",
            "text",
            "explanation for the moderators",
        )?;
        let duplicate_of = match (reason, duplicate_of) {
            (FlagReason::Duplicate, Some(id)) if id > 0 => Some(id),
            (FlagReason::Duplicate, _) => {
                return Err(invalid(
                    "missing_duplicate",
                    "duplicate_of",
                    "Say which question this one duplicates.",
                ))
            }
            (_, Some(_)) => {
                return Err(invalid(
                    "invalid_duplicate",
                    "duplicate_of",
                    "Only a duplicate flag names another question.",
                ))
            }
            (_, None) => None,
        };
        Ok(FlagRequest {
            reason,
            duplicate_of,
            text,
        })
    }
}

/// A validated close vote (or a moderator's closure).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CloseRequest {
    /// Why.
    pub reason: CloseReason,
    /// The question this one duplicates.
    pub duplicate_of: Option<i64>,
}

impl CloseRequest {
    /// A duplicate names its target; other reasons do not.
    pub fn parse(reason: &str, duplicate_of: Option<i64>) -> Result<Self, GovernanceError> {
        let reason = CloseReason::parse(reason)?;
        match (reason, duplicate_of) {
            (CloseReason::Duplicate, Some(id)) if id > 0 => Ok(CloseRequest {
                reason,
                duplicate_of: Some(id),
            }),
            (CloseReason::Duplicate, _) => Err(invalid(
                "missing_duplicate",
                "duplicate_of",
                "Say which question this one duplicates.",
            )),
            (_, Some(_)) => Err(invalid(
                "invalid_duplicate",
                "duplicate_of",
                "Only a duplicate closure names another question.",
            )),
            (_, None) => Ok(CloseRequest {
                reason,
                duplicate_of: None,
            }),
        }
    }
}

/// The decision of a round of close votes: once `needed` votes are in, the most common reason
/// wins (ties go to the reason voted first), and a duplicate closure links to the most named target.
pub fn close_outcome(votes: &[CloseRequest], needed: usize) -> Option<CloseRequest> {
    if votes.is_empty() || votes.len() < needed.max(1) {
        return None;
    }
    let reason = most_common(votes.iter().map(|v| v.reason))?;
    let duplicate_of = if reason == CloseReason::Duplicate {
        most_common(votes.iter().filter_map(|v| v.duplicate_of))
    } else {
        None
    };
    Some(CloseRequest {
        reason,
        duplicate_of,
    })
}

/// The most frequent item; ties go to the one seen first.
fn most_common<T: PartialEq + Copy>(items: impl Iterator<Item = T>) -> Option<T> {
    let mut counts: Vec<(T, usize)> = Vec::new();
    for item in items {
        match counts.iter_mut().find(|(t, _)| *t == item) {
            Some((_, n)) => *n += 1,
            None => counts.push((item, 1)),
        }
    }
    let best = counts.iter().map(|(_, n)| *n).max()?;
    counts.into_iter().find(|(_, n)| *n == best).map(|(t, _)| t)
}

/// Whether enough trusted members flagged a post to hide it until a moderator reviews it.
pub fn should_hide(trusted_pending_flags: i64, flags_to_hide: i64) -> bool {
    flags_to_hide > 0 && trusted_pending_flags >= flags_to_hide
}

/// Whether an answer came so long after its question that it belongs in the late-answers queue.
pub fn is_late_answer(
    question_created_at: i64,
    answer_created_at: i64,
    late_after_days: i64,
) -> bool {
    late_after_days > 0 && answer_created_at - question_created_at >= late_after_days * 86_400
}

/// A validated moderation action request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModerationRequest {
    /// What.
    pub action: ModAction,
    /// On what.
    pub target_type: TargetType,
    /// The post or user id.
    pub target_id: i64,
    /// Public category of the reason.
    pub category: Category,
    /// Public reason.
    pub reason: String,
    /// Seen only by the affected person and moderators.
    pub private_detail: String,
    /// Suspension length.
    pub duration_hours: Option<i64>,
    /// Target of a duplicate closure.
    pub duplicate_of: Option<i64>,
}

/// Longest suspension: one year.
pub const MAX_SUSPENSION_HOURS: i64 = 24 * 366;

impl ModerationRequest {
    /// Shortest public reason.
    pub const MIN_REASON: usize = 5;
    /// Longest public reason.
    pub const MAX_REASON: usize = 500;
    /// Longest private detail.
    pub const MAX_DETAIL: usize = 2_000;

    /// Checks that the action fits its target, the reason is there and a suspension has a length.
    #[expect(
        clippy::too_many_arguments,
        reason = "mirrors the flat API body field by field"
    )]
    pub fn parse(
        action: &str,
        target_type: &str,
        target_id: i64,
        category: &str,
        reason: &str,
        private_detail: Option<&str>,
        duration_hours: Option<i64>,
        duplicate_of: Option<i64>,
    ) -> Result<Self, GovernanceError> {
        let action = ModAction::parse(action)?;
        if !action.is_manual() {
            return Err(invalid(
                "invalid_action",
                "action",
                "Hiding happens through flags; to remove a post, delete it.",
            ));
        }
        let target_type = TargetType::parse(target_type)?;
        if target_type != action.target_type() {
            return Err(invalid(
                "invalid_target_type",
                "target_type",
                format!(
                    "The action {action} applies to a {}, not a {}.",
                    action.target_type().as_str(),
                    target_type.as_str()
                ),
            ));
        }
        if target_id <= 0 {
            return Err(invalid(
                "invalid_target",
                "target_id",
                "target_id must be a positive id.",
            ));
        }
        let category = Category::parse(category)?;
        let reason = text(
            reason,
            Self::MIN_REASON,
            Self::MAX_REASON,
            "invalid_reason",
            "reason",
            "public reason",
        )?;
        let private_detail = text(
            private_detail.unwrap_or(""),
            0,
            Self::MAX_DETAIL,
            "invalid_private_detail",
            "private_detail",
            "private detail",
        )?;
        let duration_hours = match (action, duration_hours) {
            (ModAction::Suspend, Some(h)) if (1..=MAX_SUSPENSION_HOURS).contains(&h) => Some(h),
            (ModAction::Suspend, Some(_)) => {
                return Err(invalid(
                    "invalid_duration",
                    "duration_hours",
                    format!("A suspension lasts from 1 to {MAX_SUSPENSION_HOURS} hours."),
                ))
            }
            (ModAction::Suspend, None) => {
                return Err(invalid(
                    "missing_duration",
                    "duration_hours",
                    "Say how many hours the suspension lasts.",
                ))
            }
            (_, Some(_)) => {
                return Err(invalid(
                    "invalid_duration",
                    "duration_hours",
                    "Only a suspension has a duration.",
                ))
            }
            (_, None) => None,
        };
        let duplicate_of = match (action, category, duplicate_of) {
            (ModAction::Close, Category::Duplicate, Some(id)) if id > 0 => Some(id),
            (ModAction::Close, Category::Duplicate, _) => {
                return Err(invalid(
                    "missing_duplicate",
                    "duplicate_of",
                    "Say which question this one duplicates.",
                ))
            }
            (_, _, Some(_)) => {
                return Err(invalid(
                    "invalid_duplicate",
                    "duplicate_of",
                    "Only a duplicate closure names another question.",
                ))
            }
            (_, _, None) => None,
        };
        if action == ModAction::Close && category.close_reason().is_none() {
            return Err(invalid(
                "invalid_category",
                "category",
                "A question is closed as off_topic, needs_details or duplicate.",
            ));
        }
        Ok(ModerationRequest {
            action,
            target_type,
            target_id,
            category,
            reason,
            private_detail,
            duration_hours,
            duplicate_of,
        })
    }
}

/// A review's optional or required explanation.
pub fn parse_review_reason(
    outcome: ReviewOutcome,
    raw: Option<&str>,
) -> Result<String, GovernanceError> {
    let min = if outcome.needs_reason() { 3 } else { 0 };
    text(
        raw.unwrap_or(""),
        min,
        500,
        "invalid_reason",
        "reason",
        "reason",
    )
}

/// An appeal's text: why the action was wrong.
pub fn parse_appeal_text(raw: &str) -> Result<String, GovernanceError> {
    text(raw, 10, 2_000, "invalid_appeal", "text", "appeal")
}

/// The outcome of an appeal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AppealOutcome {
    /// The action was wrong: undo it.
    Reverse,
    /// The action stands.
    Uphold,
}

impl AppealOutcome {
    /// Parses `reverse` or `uphold`.
    pub fn parse(raw: &str) -> Result<Self, GovernanceError> {
        match raw.trim() {
            "reverse" => Ok(AppealOutcome::Reverse),
            "uphold" => Ok(AppealOutcome::Uphold),
            other => Err(invalid(
                "invalid_outcome",
                "outcome",
                format!("{other:?} is not reverse or uphold."),
            )),
        }
    }

    /// The stored status of an appeal with this outcome.
    pub fn status(self) -> &'static str {
        match self {
            AppealOutcome::Reverse => "reversed",
            AppealOutcome::Uphold => "upheld",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn flags() {
        assert_eq!(
            FlagRequest::parse("spam", None, None).unwrap().reason,
            FlagReason::Spam
        );
        let dup = FlagRequest::parse("duplicate", Some(7), Some("  same as 7 ")).unwrap();
        assert_eq!(
            (dup.duplicate_of, dup.text.as_str()),
            (Some(7), "same as 7")
        );
        let code = |r: Result<FlagRequest, GovernanceError>| r.unwrap_err().code;
        assert_eq!(
            code(FlagRequest::parse("duplicate", None, None)),
            "missing_duplicate"
        );
        assert_eq!(
            code(FlagRequest::parse("duplicate", Some(0), None)),
            "missing_duplicate"
        );
        assert_eq!(
            code(FlagRequest::parse("spam", Some(3), None)),
            "invalid_duplicate"
        );
        assert_eq!(
            code(FlagRequest::parse("other", None, None)),
            "invalid_flag_text"
        );
        assert_eq!(
            code(FlagRequest::parse("other", None, Some("short"))),
            "invalid_flag_text"
        );
        assert!(FlagRequest::parse(
            "other",
            None,
            Some("This contains personal data of a customer")
        )
        .is_ok());
        assert_eq!(
            code(FlagRequest::parse("rude", None, Some(&"x".repeat(501)))),
            "invalid_flag_text"
        );
        assert_eq!(
            code(FlagRequest::parse("bad", None, None)),
            "invalid_flag_reason"
        );
        assert_eq!(
            code(FlagRequest::parse("spam", None, Some("a\u{0}b"))),
            "invalid_flag_text"
        );
    }

    #[test]
    fn closing() {
        let v = |r: CloseReason, d: Option<i64>| CloseRequest {
            reason: r,
            duplicate_of: d,
        };
        assert_eq!(close_outcome(&[v(CloseReason::OffTopic, None)], 3), None);
        assert_eq!(close_outcome(&[], 0), None);
        let votes = [
            v(CloseReason::NeedsDetails, None),
            v(CloseReason::Duplicate, Some(4)),
            v(CloseReason::Duplicate, Some(5)),
            v(CloseReason::Duplicate, Some(5)),
        ];
        assert_eq!(
            close_outcome(&votes[..3], 3),
            Some(v(CloseReason::Duplicate, Some(4))),
            "ties go to the first named"
        );
        assert_eq!(
            close_outcome(&votes, 3),
            Some(v(CloseReason::Duplicate, Some(5)))
        );
        let split = [
            v(CloseReason::OffTopic, None),
            v(CloseReason::NeedsDetails, None),
            v(CloseReason::Duplicate, Some(2)),
        ];
        assert_eq!(
            close_outcome(&split, 3),
            Some(v(CloseReason::OffTopic, None))
        );
        assert!(CloseRequest::parse("duplicate", None).is_err());
        assert!(CloseRequest::parse("off_topic", Some(3)).is_err());
        assert!(CloseRequest::parse("nonsense", None).is_err());
        assert_eq!(
            CloseRequest::parse("needs_details", None).unwrap().reason,
            CloseReason::NeedsDetails
        );
    }

    #[test]
    fn hiding_and_late_answers() {
        assert!(!should_hide(2, 3));
        assert!(should_hide(3, 3));
        assert!(!should_hide(10, 0), "0 turns hiding by flags off");
        assert!(!is_late_answer(0, 29 * 86_400, 30));
        assert!(is_late_answer(0, 30 * 86_400, 30));
        assert!(!is_late_answer(0, 999 * 86_400, 0));
    }

    #[test]
    fn moderation_requests() {
        let ok = ModerationRequest::parse(
            "suspend",
            "user",
            3,
            "spam",
            "Posting ads",
            Some("ads for X"),
            Some(24),
            None,
        )
        .unwrap();
        assert_eq!(
            (ok.action, ok.duration_hours, ok.private_detail.as_str()),
            (ModAction::Suspend, Some(24), "ads for X")
        );
        let code = |r: Result<ModerationRequest, GovernanceError>| r.unwrap_err().code;
        assert_eq!(
            code(ModerationRequest::parse(
                "suspend",
                "user",
                3,
                "spam",
                "Posting ads",
                None,
                None,
                None
            )),
            "missing_duration"
        );
        assert_eq!(
            code(ModerationRequest::parse(
                "suspend",
                "user",
                3,
                "spam",
                "Posting ads",
                None,
                Some(0),
                None
            )),
            "invalid_duration"
        );
        assert_eq!(
            code(ModerationRequest::parse(
                "suspend",
                "user",
                3,
                "spam",
                "Posting ads",
                None,
                Some(99_999),
                None
            )),
            "invalid_duration"
        );
        assert_eq!(
            code(ModerationRequest::parse(
                "delete",
                "post",
                3,
                "spam",
                "Posting ads",
                None,
                Some(5),
                None
            )),
            "invalid_duration"
        );
        assert_eq!(
            code(ModerationRequest::parse(
                "delete",
                "user",
                3,
                "spam",
                "Posting ads",
                None,
                None,
                None
            )),
            "invalid_target_type"
        );
        assert_eq!(
            code(ModerationRequest::parse(
                "delete",
                "comment",
                3,
                "spam",
                "Posting ads",
                None,
                None,
                None
            )),
            "invalid_target_type"
        );
        assert_eq!(
            code(ModerationRequest::parse(
                "nuke",
                "post",
                3,
                "spam",
                "Posting ads",
                None,
                None,
                None
            )),
            "invalid_action"
        );
        assert_eq!(
            code(ModerationRequest::parse(
                "hide",
                "post",
                3,
                "spam",
                "Posting ads",
                None,
                None,
                None
            )),
            "invalid_action"
        );
        assert_eq!(
            code(ModerationRequest::parse(
                "delete",
                "post",
                0,
                "spam",
                "Posting ads",
                None,
                None,
                None
            )),
            "invalid_target"
        );
        assert_eq!(
            code(ModerationRequest::parse(
                "delete",
                "post",
                3,
                "gross",
                "Posting ads",
                None,
                None,
                None
            )),
            "invalid_category"
        );
        assert_eq!(
            code(ModerationRequest::parse(
                "delete", "post", 3, "spam", "ads", None, None, None
            )),
            "invalid_reason"
        );
        assert_eq!(
            code(ModerationRequest::parse(
                "delete",
                "post",
                3,
                "spam",
                &"x".repeat(501),
                None,
                None,
                None
            )),
            "invalid_reason"
        );
        assert_eq!(
            code(ModerationRequest::parse(
                "delete",
                "post",
                3,
                "spam",
                "Posting ads",
                Some(&"x".repeat(2001)),
                None,
                None
            )),
            "invalid_private_detail"
        );
        assert_eq!(
            code(ModerationRequest::parse(
                "close",
                "post",
                3,
                "spam",
                "Posting ads",
                None,
                None,
                None
            )),
            "invalid_category"
        );
        assert_eq!(
            code(ModerationRequest::parse(
                "close",
                "post",
                3,
                "duplicate",
                "Asked before",
                None,
                None,
                None
            )),
            "missing_duplicate"
        );
        assert_eq!(
            code(ModerationRequest::parse(
                "lock",
                "post",
                3,
                "other",
                "Heated thread",
                None,
                None,
                Some(2)
            )),
            "invalid_duplicate"
        );
        assert!(ModerationRequest::parse(
            "close",
            "post",
            3,
            "duplicate",
            "Asked before",
            None,
            None,
            Some(2)
        )
        .is_ok());
    }

    proptest! {
        #[test]
        fn free_text_parsers_are_total(s in "\\PC{0,600}", n in any::<i64>()) {
            let _ = FlagRequest::parse(&s, Some(n), Some(&s));
            let _ = CloseRequest::parse(&s, Some(n));
            let _ = ModerationRequest::parse(&s, &s, n, &s, &s, Some(&s), Some(n), Some(n));
            let _ = parse_appeal_text(&s);
        }
    }
}
