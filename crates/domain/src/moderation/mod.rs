//! Governance inputs and rules: flags, close votes, review queues, moderation actions, appeals,
//! and the statistics of the public moderation log. Pure: parsing and arithmetic only.
//!
//! [`GovernanceError`] is shared by all; the rest lives in [`vocabulary`] (the closed sets of
//! names), [`requests`] (parsing what people type) and [`stats`] (the log's statistics).

mod requests;
mod stats;
mod vocabulary;

pub use requests::{
    close_outcome, is_late_answer, parse_appeal_text, parse_review_reason, should_hide,
    AppealOutcome, CloseRequest, FlagRequest, ModerationRequest, MAX_SUSPENSION_HOURS,
};
pub use stats::{log_stats, week_start, ActionFact, LogStats, WeekCount};
pub use vocabulary::{
    Category, CloseReason, FlagReason, ModAction, Queue, ReviewOutcome, TargetType,
};

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
