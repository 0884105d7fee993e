//! The first-posts and late-answers queues: a reviewer looks at a post and lets it be,
//! edits it, or flags it.

use super::ReviewInput;
use crate::{App, AppError, AuthUser};
use stoa_domain::moderation::{FlagReason, Queue, ReviewOutcome};
use stoa_domain::policy::{decide, Action, Denied, Target};

impl App {
    pub(super) async fn review_post(
        &self,
        user: &AuthUser,
        queue: Queue,
        id: i64,
        outcome: ReviewOutcome,
        reason: String,
        input: &ReviewInput,
    ) -> Result<String, AppError> {
        decide(&user.actor(), Action::Review, Target::Queue(queue))?;
        let p = self.post(id).await?;
        if p.author_id == user.id {
            return Err(AppError::Forbidden(Denied::Forbidden));
        }
        if outcome == ReviewOutcome::Flag {
            let flag = crate::FlagInput {
                reason: input
                    .flag_reason
                    .clone()
                    .unwrap_or_else(|| FlagReason::LowQuality.as_str().into()),
                duplicate_of: input.duplicate_of,
                text: Some(reason.clone()),
            };
            match self.flag_post(user, id, flag).await {
                Ok(_)
                | Err(AppError::Conflict {
                    code: "already_flagged",
                    ..
                }) => {}
                Err(e) => return Err(e),
            }
        }
        self.record_review(queue, id, 0, user.id, outcome, &reason)
            .await?;
        Ok(match outcome {
            ReviewOutcome::Flag => "Flagged for the moderators. Thank you for reviewing.".into(),
            _ => "Marked as fine. Thank you for reviewing.".into(),
        })
    }
}
