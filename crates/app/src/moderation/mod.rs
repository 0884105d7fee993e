//! Moderation actions, the public moderation log and its statistics, and appeals.
//!
//! Every action by anyone with power goes through [`App::perform`], which writes the change,
//! its log entry, its ledger entries and the flags or votes it settles in one transaction, then
//! teaches the spam filter when the decision was about spam.
//!
//! [`executor`] carries out actions, [`log`] shows them, [`appeals`] contests them.

mod appeals;
mod executor;
mod log;

pub use executor::ModerationInput;
pub(crate) use executor::Plan;
pub use log::{LogEntry, LogQuery, ModerationStats};

use crate::AppError;
use stoa_domain::moderation::GovernanceError;

impl From<GovernanceError> for AppError {
    fn from(e: GovernanceError) -> Self {
        AppError::Invalid {
            code: e.code,
            field: Some(e.field),
            message: e.message,
        }
    }
}
