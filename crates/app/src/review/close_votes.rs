//! The close-votes queue: a reviewer adds a close (or reopen) vote or leaves the question
//! open.

use super::ReviewInput;
use crate::{App, AppError, AuthUser};
use stoa_domain::moderation::{Queue, ReviewOutcome};
use stoa_domain::policy::{decide, Action, Target};
use stoa_store::moderation::{CloseVoteRow, SettleCloseVotes, Write};

impl App {
    pub(super) async fn review_close_votes(
        &self,
        user: &AuthUser,
        id: i64,
        outcome: ReviewOutcome,
        reason: String,
        input: &ReviewInput,
    ) -> Result<String, AppError> {
        decide(
            &user.actor(),
            Action::Review,
            Target::Queue(Queue::CloseVotes),
        )?;
        let st = self.post_state(Some(user), id).await?;
        let kind = if st.closed_at.is_some() {
            "reopen"
        } else {
            "close"
        };
        let votes: Vec<CloseVoteRow> = self
            .store()
            .pending_close_votes_on(&[id])
            .await?
            .into_iter()
            .filter(|v| v.kind == kind)
            .collect();
        let Some(first) = votes.first() else {
            return Err(AppError::invalid(
                "nothing_to_review",
                "id",
                "This question has no pending votes.",
            ));
        };
        let item_id = first.id;
        if outcome == ReviewOutcome::Close {
            let tally = if kind == "close" {
                let reason = input
                    .close_reason
                    .clone()
                    .or_else(|| first.reason.clone())
                    .unwrap_or_default();
                let dup = input.duplicate_of.or(first.duplicate_of);
                self.vote_to_close(user, id, &reason, dup).await?
            } else {
                self.vote_to_reopen(user, id).await?
            };
            // The vote is the review; recording it keeps the reviewer's history complete.
            match self
                .record_review(Queue::CloseVotes, id, item_id, user.id, outcome, &reason)
                .await
            {
                Ok(()) | Err(AppError::Conflict { .. }) => {}
                Err(e) => return Err(e),
            }
            return Ok(
                if tally.kind == "close" && tally.closed || tally.kind == "reopen" && !tally.closed
                {
                    format!(
                        "Your vote decided it: the question is {}.",
                        if tally.closed { "closed" } else { "reopened" }
                    )
                } else {
                    format!(
                        "Your vote was counted ({} of {}).",
                        tally.votes, tally.needed
                    )
                },
            );
        }
        self.record_review(Queue::CloseVotes, id, item_id, user.id, outcome, &reason)
            .await?;
        let needed = self.governance().await?.close_votes_needed;
        let leave_open = self
            .store()
            .review_count(Queue::CloseVotes.as_str(), id, item_id, outcome.as_str())
            .await?;
        if leave_open >= needed {
            let write = Write {
                close_votes: Some(SettleCloseVotes {
                    post_id: id,
                    kind,
                    status: "dismissed",
                }),
                ..Write::default()
            };
            self.apply_review(&write).await?;
            return Ok("Enough reviewers agreed: the pending votes were dismissed.".into());
        }
        Ok("Recorded: leave as it is.".into())
    }
}
