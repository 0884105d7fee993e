//! Governance inputs and rules: flags, close votes, review queues, moderation actions, appeals,
//! and the statistics of the public moderation log. Pure: parsing and arithmetic only.

use serde::{Deserialize, Serialize};

/// Why a governance input was refused; the message is shown to the person who typed it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct GovernanceError {
    /// Stable machine-readable code.
    pub code: &'static str,
    /// The input field concerned.
    pub field: &'static str,
    /// What to fix.
    pub message: String,
}

fn invalid(code: &'static str, field: &'static str, message: impl Into<String>) -> GovernanceError {
    GovernanceError {
        code,
        field,
        message: message.into(),
    }
}

/// Declares a closed set of snake_case names with parsing and listing.
macro_rules! names {
    ($(#[$meta:meta])* $name:ident, $code:literal, $field:literal { $($(#[$vmeta:meta])* $variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name {
            $($(#[$vmeta])* $variant),+
        }

        impl $name {
            /// Every value, in display order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The stored and JSON name.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text),+
                }
            }

            /// Parses the stored or typed name.
            pub fn parse(raw: &str) -> Result<Self, GovernanceError> {
                let s = raw.trim();
                $name::ALL.iter().copied().find(|v| v.as_str() == s).ok_or_else(|| {
                    let names: Vec<&str> = $name::ALL.iter().map(|v| v.as_str()).collect();
                    invalid($code, $field, format!("{s:?} is not one of: {}.", names.join(", ")))
                })
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

names!(
    /// A review queue.
    Queue, "invalid_queue", "queue" {
        /// The first posts of new members.
        FirstPosts = "first_posts",
        /// Answers to old questions, which are often spam or "me too".
        LateAnswers = "late_answers",
        /// Flagged, hidden and held posts (moderators).
        Flagged = "flagged",
        /// Edits proposed by members without the edit privilege.
        SuggestedEdits = "suggested_edits",
        /// Questions with pending close or reopen votes.
        CloseVotes = "close_votes",
    }
);

impl Queue {
    /// A heading for people.
    pub fn title(self) -> &'static str {
        match self {
            Queue::FirstPosts => "First posts",
            Queue::LateAnswers => "Late answers",
            Queue::Flagged => "Flagged posts",
            Queue::SuggestedEdits => "Suggested edits",
            Queue::CloseVotes => "Close votes",
        }
    }

    /// The decisions a reviewer can take in this queue.
    pub fn outcomes(self) -> &'static [ReviewOutcome] {
        match self {
            Queue::FirstPosts | Queue::LateAnswers => {
                &[ReviewOutcome::LooksOk, ReviewOutcome::Flag]
            }
            Queue::Flagged => &[ReviewOutcome::Dismiss, ReviewOutcome::Remove],
            Queue::SuggestedEdits => &[ReviewOutcome::Approve, ReviewOutcome::Reject],
            Queue::CloseVotes => &[ReviewOutcome::Close, ReviewOutcome::LeaveOpen],
        }
    }
}

names!(
    /// What a reviewer decided about a queue item.
    ReviewOutcome, "invalid_outcome", "outcome" {
        /// The post is fine (first posts, late answers).
        LooksOk = "looks_ok",
        /// The post needs attention: raise a flag (first posts, late answers).
        Flag = "flag",
        /// The flags were not helpful: publish the post again (flagged).
        Dismiss = "dismiss",
        /// The flags were right: delete the post (flagged).
        Remove = "remove",
        /// Apply the suggested edit, credited to its author.
        Approve = "approve",
        /// Refuse the suggested edit, with a reason.
        Reject = "reject",
        /// Add a close (or reopen) vote.
        Close = "close",
        /// Leave the question as it is.
        LeaveOpen = "leave_open",
    }
);

impl ReviewOutcome {
    /// Whether the outcome needs a written reason (refusals and removals must explain themselves).
    pub fn needs_reason(self) -> bool {
        matches!(
            self,
            ReviewOutcome::Reject | ReviewOutcome::Remove | ReviewOutcome::Flag
        )
    }
}

names!(
    /// Why a post is flagged.
    FlagReason, "invalid_flag_reason", "reason" {
        /// Advertising or other unsolicited promotion.
        Spam = "spam",
        /// Rude or abusive.
        Rude = "rude",
        /// Very low quality.
        LowQuality = "low_quality",
        /// A duplicate of another question.
        Duplicate = "duplicate",
        /// Anything else a moderator should look at; needs text.
        Other = "other",
    }
);

impl FlagReason {
    /// A label for people.
    pub fn label(self) -> &'static str {
        match self {
            FlagReason::Spam => "Spam",
            FlagReason::Rude => "Rude or abusive",
            FlagReason::LowQuality => "Very low quality",
            FlagReason::Duplicate => "Duplicate of another question",
            FlagReason::Other => "Needs a moderator (explain)",
        }
    }

    /// The public category a moderator's removal for this reason is logged under.
    pub fn category(self) -> Category {
        match self {
            FlagReason::Spam => Category::Spam,
            FlagReason::Rude => Category::Harassment,
            FlagReason::LowQuality => Category::LowQuality,
            FlagReason::Duplicate => Category::Duplicate,
            FlagReason::Other => Category::Other,
        }
    }
}

names!(
    /// Why a question is closed.
    CloseReason, "invalid_close_reason", "reason" {
        /// Not about what this community is for.
        OffTopic = "off_topic",
        /// Cannot be answered without more details.
        NeedsDetails = "needs_details",
        /// Already asked and answered elsewhere on the site.
        Duplicate = "duplicate",
    }
);

impl CloseReason {
    /// A label for people.
    pub fn label(self) -> &'static str {
        match self {
            CloseReason::OffTopic => "Off-topic",
            CloseReason::NeedsDetails => "Needs details or clarity",
            CloseReason::Duplicate => "Duplicate",
        }
    }

    /// The public category of a closure for this reason.
    pub fn category(self) -> Category {
        match self {
            CloseReason::OffTopic => Category::OffTopic,
            CloseReason::NeedsDetails => Category::NeedsDetails,
            CloseReason::Duplicate => Category::Duplicate,
        }
    }
}

names!(
    /// The public category of a moderation action's reason.
    Category, "invalid_category", "category" {
        /// Spam.
        Spam = "spam",
        /// Harassment, rudeness or abuse.
        Harassment = "harassment",
        /// Off-topic.
        OffTopic = "off_topic",
        /// Needs details or clarity.
        NeedsDetails = "needs_details",
        /// Duplicate.
        Duplicate = "duplicate",
        /// Low quality.
        LowQuality = "low_quality",
        /// Personal data that should not be public.
        PersonalData = "personal_data",
        /// Anything else.
        Other = "other",
    }
);

impl Category {
    /// A label for people.
    pub fn label(self) -> &'static str {
        match self {
            Category::Spam => "Spam",
            Category::Harassment => "Harassment",
            Category::OffTopic => "Off-topic",
            Category::NeedsDetails => "Needs details",
            Category::Duplicate => "Duplicate",
            Category::LowQuality => "Low quality",
            Category::PersonalData => "Personal data",
            Category::Other => "Other",
        }
    }

    /// The close reason a closure in this category stands for, if any.
    pub fn close_reason(self) -> Option<CloseReason> {
        match self {
            Category::OffTopic => Some(CloseReason::OffTopic),
            Category::NeedsDetails => Some(CloseReason::NeedsDetails),
            Category::Duplicate => Some(CloseReason::Duplicate),
            _ => None,
        }
    }
}

names!(
    /// A logged moderation action.
    ModAction, "invalid_action", "action" {
        /// Delete a post.
        Delete = "delete",
        /// Restore a deleted post.
        Undelete = "undelete",
        /// Lock a post against edits, votes, comments and answers.
        Lock = "lock",
        /// Unlock a post.
        Unlock = "unlock",
        /// Close a question.
        Close = "close",
        /// Reopen a question.
        Reopen = "reopen",
        /// Suspend a user for a period.
        Suspend = "suspend",
        /// End a suspension early.
        Unsuspend = "unsuspend",
        /// Protect a question against answers from new accounts.
        Protect = "protect",
        /// Remove protection.
        Unprotect = "unprotect",
        /// Hide a post pending review (by trusted members' flags).
        Hide = "hide",
        /// Publish a hidden or held post again.
        Publish = "publish",
    }
);

/// What a moderation action applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TargetType {
    /// A question or answer.
    Post,
    /// A user account.
    User,
}

impl TargetType {
    /// Parses `post` or `user`.
    pub fn parse(raw: &str) -> Result<Self, GovernanceError> {
        match raw.trim() {
            "post" => Ok(TargetType::Post),
            "user" => Ok(TargetType::User),
            other => Err(invalid(
                "invalid_target_type",
                "target_type",
                format!("{other:?} is not post or user."),
            )),
        }
    }

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            TargetType::Post => "post",
            TargetType::User => "user",
        }
    }
}

impl ModAction {
    /// What the action applies to.
    pub fn target_type(self) -> TargetType {
        match self {
            ModAction::Suspend | ModAction::Unsuspend => TargetType::User,
            _ => TargetType::Post,
        }
    }

    /// The action that undoes this one.
    pub fn opposite(self) -> ModAction {
        match self {
            ModAction::Delete => ModAction::Undelete,
            ModAction::Undelete => ModAction::Delete,
            ModAction::Lock => ModAction::Unlock,
            ModAction::Unlock => ModAction::Lock,
            ModAction::Close => ModAction::Reopen,
            ModAction::Reopen => ModAction::Close,
            ModAction::Suspend => ModAction::Unsuspend,
            ModAction::Unsuspend => ModAction::Suspend,
            ModAction::Protect => ModAction::Unprotect,
            ModAction::Unprotect => ModAction::Protect,
            ModAction::Hide => ModAction::Publish,
            ModAction::Publish => ModAction::Hide,
        }
    }

    /// Whether this action undoes a restrictive one (and so reverses it in the log).
    pub fn is_undo(self) -> bool {
        matches!(
            self,
            ModAction::Undelete
                | ModAction::Unlock
                | ModAction::Reopen
                | ModAction::Unsuspend
                | ModAction::Unprotect
                | ModAction::Publish
        )
    }

    /// Whether the affected person may appeal it: every restrictive action may be appealed.
    pub fn appealable(self) -> bool {
        !self.is_undo()
    }

    /// Whether moderators take it through `POST /moderation/actions` (hiding happens by flags).
    pub fn is_manual(self) -> bool {
        !matches!(self, ModAction::Hide)
    }

    /// A past-tense phrase for the log: "deleted", "suspended"…
    pub fn past(self) -> &'static str {
        match self {
            ModAction::Delete => "deleted",
            ModAction::Undelete => "undeleted",
            ModAction::Lock => "locked",
            ModAction::Unlock => "unlocked",
            ModAction::Close => "closed",
            ModAction::Reopen => "reopened",
            ModAction::Suspend => "suspended",
            ModAction::Unsuspend => "unsuspended",
            ModAction::Protect => "protected",
            ModAction::Unprotect => "unprotected",
            ModAction::Hide => "hid",
            ModAction::Publish => "published",
        }
    }
}

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

/// One logged action as the statistics see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActionFact {
    /// The action.
    pub action: ModAction,
    /// Who took it (`None`: the community or the spam filter).
    pub actor_id: Option<i64>,
    /// When.
    pub created_at: i64,
    /// Whether it was later reversed.
    pub reversed: bool,
}

/// Actions counted in one week.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WeekCount {
    /// Start of the week (Monday 00:00 UTC).
    pub week_start: i64,
    /// Actions taken that week.
    pub actions: i64,
    /// Of which later reversed.
    pub reversed: i64,
}

/// The numbers shown above the public moderation log.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LogStats {
    /// Restrictive actions counted (undo actions are not counted: they are reversals).
    pub total: i64,
    /// Of which reversed.
    pub reversed: i64,
    /// `reversed / total`, 0 when there is nothing.
    pub reversal_rate: f64,
    /// Counts by action, most frequent first.
    pub by_action: Vec<(ModAction, i64)>,
    /// Counts by actor (`None` = community), most active first.
    pub by_actor: Vec<(Option<i64>, i64)>,
    /// The last `weeks` weeks, oldest first, including empty ones.
    pub weekly: Vec<WeekCount>,
}

/// Monday 00:00 UTC of the week holding `ts` (1970-01-01 was a Thursday).
pub fn week_start(ts: i64) -> i64 {
    const WEEK: i64 = 7 * 86_400;
    const MONDAY_OFFSET: i64 = 3 * 86_400;
    (ts + MONDAY_OFFSET).div_euclid(WEEK) * WEEK - MONDAY_OFFSET
}

/// Statistics of the log over the facts given, with `weeks` weekly buckets ending at `now`.
pub fn log_stats(facts: &[ActionFact], now: i64, weeks: usize) -> LogStats {
    let counted: Vec<&ActionFact> = facts.iter().filter(|f| !f.action.is_undo()).collect();
    let total = counted.len() as i64;
    let reversed = counted.iter().filter(|f| f.reversed).count() as i64;
    let mut by_action: Vec<(ModAction, i64)> = Vec::new();
    let mut by_actor: Vec<(Option<i64>, i64)> = Vec::new();
    for f in &counted {
        bump(&mut by_action, f.action);
        bump(&mut by_actor, f.actor_id);
    }
    by_action.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.as_str().cmp(b.0.as_str())));
    by_actor.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let this_week = week_start(now);
    let weekly = (0..weeks as i64)
        .rev()
        .map(|i| {
            let start = this_week - i * 7 * 86_400;
            let in_week: Vec<&&ActionFact> = counted
                .iter()
                .filter(|f| week_start(f.created_at) == start)
                .collect();
            WeekCount {
                week_start: start,
                actions: in_week.len() as i64,
                reversed: in_week.iter().filter(|f| f.reversed).count() as i64,
            }
        })
        .collect();
    LogStats {
        total,
        reversed,
        reversal_rate: if total == 0 {
            0.0
        } else {
            reversed as f64 / total as f64
        },
        by_action,
        by_actor,
        weekly,
    }
}

fn bump<K: PartialEq>(counts: &mut Vec<(K, i64)>, key: K) {
    match counts.iter_mut().find(|(k, _)| *k == key) {
        Some((_, n)) => *n += 1,
        None => counts.push((key, 1)),
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

    #[test]
    fn actions_and_their_opposites() {
        for a in ModAction::ALL {
            assert_eq!(a.opposite().opposite(), *a);
            assert_ne!(a.is_undo(), a.opposite().is_undo(), "{a}");
            assert_eq!(a.opposite().target_type(), a.target_type());
            assert_eq!(ModAction::parse(a.as_str()).unwrap(), *a);
        }
        for q in Queue::ALL {
            assert_eq!(Queue::parse(q.as_str()).unwrap(), *q);
            assert_eq!(q.outcomes().len(), 2);
        }
    }

    #[test]
    fn weeks_start_on_monday() {
        // 2024-01-01 was a Monday.
        let monday = 1_704_067_200;
        assert_eq!(week_start(monday), monday);
        assert_eq!(week_start(monday + 6 * 86_400 + 86_399), monday);
        assert_eq!(week_start(monday - 1), monday - 7 * 86_400);
    }

    #[test]
    fn statistics() {
        let monday = 1_704_067_200;
        let f = |action, actor, days: i64, reversed| ActionFact {
            action,
            actor_id: actor,
            created_at: monday + days * 86_400,
            reversed,
        };
        let facts = [
            f(ModAction::Delete, Some(1), 0, true),
            f(ModAction::Delete, Some(1), 1, false),
            f(ModAction::Suspend, Some(2), 8, false),
            f(ModAction::Hide, None, 9, false),
            f(ModAction::Undelete, Some(2), 10, false),
        ];
        let s = log_stats(&facts, monday + 10 * 86_400, 3);
        assert_eq!((s.total, s.reversed), (4, 1));
        assert!((s.reversal_rate - 0.25).abs() < 1e-12);
        assert_eq!(s.by_action[0], (ModAction::Delete, 2));
        assert_eq!(s.by_actor[0], (Some(1), 2));
        assert_eq!(s.weekly.len(), 3);
        assert_eq!(s.weekly[0].actions, 0);
        assert_eq!((s.weekly[1].actions, s.weekly[1].reversed), (2, 1));
        assert_eq!(s.weekly[2].actions, 2);
        let empty = log_stats(&[], monday, 4);
        assert_eq!(
            (empty.total, empty.reversal_rate, empty.weekly.len()),
            (0, 0.0, 4)
        );
    }

    proptest! {
        #[test]
        fn reversal_rate_is_a_rate(flags in proptest::collection::vec((0usize..12, any::<bool>(), 0i64..100), 0..50)) {
            let facts: Vec<ActionFact> = flags
                .iter()
                .map(|(a, r, d)| ActionFact { action: ModAction::ALL[*a], actor_id: Some(1), created_at: d * 86_400, reversed: *r })
                .collect();
            let s = log_stats(&facts, 100 * 86_400, 20);
            prop_assert!((0.0..=1.0).contains(&s.reversal_rate));
            prop_assert!(s.reversed <= s.total);
            prop_assert_eq!(s.by_action.iter().map(|x| x.1).sum::<i64>(), s.total);
            prop_assert!(s.weekly.iter().map(|w| w.actions).sum::<i64>() <= s.total);
        }

        #[test]
        fn free_text_parsers_are_total(s in "\\PC{0,600}", n in any::<i64>()) {
            let _ = FlagRequest::parse(&s, Some(n), Some(&s));
            let _ = CloseRequest::parse(&s, Some(n));
            let _ = ModerationRequest::parse(&s, &s, n, &s, &s, Some(&s), Some(n), Some(n));
            let _ = parse_appeal_text(&s);
        }
    }
}
