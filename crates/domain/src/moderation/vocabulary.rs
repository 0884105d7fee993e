//! The vocabulary of governance: review queues and their outcomes, flag and close reasons,
//! categories of the moderation log, and the moderation actions with their opposites.

use super::{invalid, GovernanceError};
use serde::{Deserialize, Serialize};

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

#[cfg(test)]
mod tests {
    use super::*;

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
}
