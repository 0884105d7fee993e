//! Governance storage: flags, suggested edits, close votes, review queues, the public moderation
//! log and appeals. Use cases assemble a [`Write`] and [`Store::apply`] commits it in one
//! transaction, so that an action, its log entry, its ledger entries and the flags, votes, edits
//! or appeal it settles are never half-written.

mod appeals;
mod apply;
mod close_votes;
mod flags;
mod log;
mod post_state;
mod review_queues;
mod spam_signals;
mod suggested_edits;

pub use appeals::AppealRow;
pub use apply::{Applied, Decision, Effect, SettleCloseVotes, SettleFlags, Write};
pub use close_votes::{CloseVoteRow, NewCloseVote};
pub use flags::{FlagRow, NewFlag};
pub use log::{ActionFactRow, ActionRow, LogFilter, NewAction};
pub use post_state::PostState;
pub use review_queues::{NewReview, QueueItem};
pub use suggested_edits::{NewSuggestedEdit, SuggestedEditRow};

#[cfg(doc)]
use crate::Store;
use crate::StoreError;
use sqlx::any::AnyRow;

/// Decodes every row with `f`.
fn rows<T>(
    rows: &[AnyRow],
    f: fn(&AnyRow) -> Result<T, sqlx::Error>,
) -> Result<Vec<T>, StoreError> {
    Ok(rows
        .iter()
        .map(f)
        .collect::<Result<Vec<T>, sqlx::Error>>()?)
}
