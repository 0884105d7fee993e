//! The flagged queue (moderators): flagged, hidden and held posts, whose flags a reviewer
//! upholds (removing the post) or dismisses.

use crate::moderation::Plan;
use crate::{App, AppError, AuthUser};
use stoa_domain::moderation::{Category, FlagReason, ModAction, Queue, ReviewOutcome, TargetType};
use stoa_domain::policy::{decide, Action, Target};
use stoa_domain::post_kind::PostStatus;
use stoa_store::moderation::{FlagRow, NewReview, SettleFlags, Write};

impl App {
    pub(super) async fn review_flagged(
        &self,
        user: &AuthUser,
        id: i64,
        outcome: ReviewOutcome,
        reason: String,
    ) -> Result<String, AppError> {
        decide(&user.actor(), Action::Review, Target::Queue(Queue::Flagged))?;
        let st = self.post_state(Some(user), id).await?;
        if st.deleted_at.is_some() {
            return Err(AppError::NotFound("post"));
        }
        // Upholding or dismissing flags on one's own post is judging one's own case.
        decide(
            &user.actor(),
            Action::Moderate,
            Target::Post {
                author_id: st.author_id,
                locked: st.locked_at.is_some(),
            },
        )?;
        let flags = self.store().pending_flags_on(&[id]).await?;
        if st.status == PostStatus::Published && flags.is_empty() {
            return Err(AppError::invalid(
                "nothing_to_review",
                "id",
                "This post has no pending flags.",
            ));
        }
        let category = if st.status == PostStatus::Held {
            Category::Spam
        } else {
            leading_category(&flags)
        };
        // Each round of flags is its own review item, so a post flagged again can be reviewed again.
        let item_id = flags.first().map_or(0, |f| f.id);
        let review = Some((
            Queue::Flagged.as_str(),
            item_id,
            outcome.as_str(),
            reason.clone(),
        ));
        match outcome {
            ReviewOutcome::Dismiss if st.status != PostStatus::Published => {
                let text = if reason.is_empty() {
                    "Reviewed: no problem found.".to_string()
                } else {
                    format!("Reviewed: {reason}")
                };
                let plan = Plan {
                    affected_user_id: Some(st.author_id),
                    actor_id: Some(user.id),
                    review,
                    ..Plan::new(ModAction::Publish, TargetType::Post, id, category, text)
                };
                self.perform(plan).await?;
                Ok("The post is published again and its flags declined.".into())
            }
            ReviewOutcome::Dismiss => {
                let write = Write {
                    flags: Some(SettleFlags {
                        post_id: id,
                        status: "declined",
                        by: Some(user.id),
                    }),
                    review: Some(NewReview {
                        queue: Queue::Flagged.as_str(),
                        post_id: id,
                        item_id,
                        reviewer_id: user.id,
                        outcome: outcome.as_str(),
                        reason: &reason,
                    }),
                    ..Write::default()
                };
                self.apply_review(&write).await?;
                if flags.iter().any(|f| f.reason == FlagReason::Spam.as_str()) {
                    // A moderator saying "not spam" is a lesson for the classifier too.
                    self.learn(id, &st.title, &st.body_md, false, user.id)
                        .await?;
                }
                Ok("The flags were declined; the post stays.".into())
            }
            _ => {
                let plan = Plan {
                    affected_user_id: Some(st.author_id),
                    actor_id: Some(user.id),
                    review,
                    ..Plan::new(ModAction::Delete, TargetType::Post, id, category, reason)
                };
                self.perform(plan).await?;
                Ok("The post was removed and its flags marked helpful.".into())
            }
        }
    }
}

/// The category of the most common pending flag reason (spam filter flags count as spam).
fn leading_category(flags: &[FlagRow]) -> Category {
    let mut counts: Vec<(Category, usize)> = Vec::new();
    for f in flags {
        let c = FlagReason::parse(&f.reason).map_or(Category::Other, FlagReason::category);
        match counts.iter_mut().find(|(k, _)| *k == c) {
            Some((_, n)) => *n += 1,
            None => counts.push((c, 1)),
        }
    }
    let best = counts.iter().map(|(_, n)| *n).max().unwrap_or(0);
    counts
        .into_iter()
        .find(|(_, n)| *n == best)
        .map_or(Category::Other, |(c, _)| c)
}
