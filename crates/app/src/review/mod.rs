//! Review queues (first posts, late answers, flagged posts, suggested edits, close votes),
//! suggested edits and rollbacks. Each review is recorded with its outcome and reason.
//!
//! This module lists the queues and dispatches a review to the module of its queue:
//! [`posts`] (first posts and late answers), [`flagged`], [`suggested_edits`] and
//! [`close_votes`]; [`rollback`] restores earlier revisions.

mod close_votes;
mod flagged;
mod posts;
mod rollback;
mod suggested_edits;

use crate::{paging, App, AppError, AuthUser};
use stoa_domain::moderation::{parse_review_reason, Queue, ReviewOutcome};
use stoa_domain::policy::{decide, Action, Target};
use stoa_store::lists::Page;
use stoa_store::moderation::{
    CloseVoteRow, FlagRow, NewReview, PostState, SuggestedEditRow, Write,
};
use stoa_store::posts::PostRow;

/// A review decision, unparsed (the API body or form).
#[derive(Debug, Clone, Default)]
pub struct ReviewInput {
    /// Outcome name (see `ReviewOutcome`).
    pub outcome: String,
    /// Why; required to reject, remove or flag.
    pub reason: Option<String>,
    /// The flag to raise with outcome `flag` (default `low_quality`).
    pub flag_reason: Option<String>,
    /// The close reason to vote with outcome `close` (default: the leading one).
    pub close_reason: Option<String>,
    /// The duplicate target of a close vote.
    pub duplicate_of: Option<i64>,
}

/// A queue the viewer may work, with the number of items waiting for them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QueueSummary {
    /// The queue.
    pub queue: Queue,
    /// Items waiting.
    pub count: i64,
}

/// An item of a review queue with what a reviewer needs to decide.
#[derive(Debug, Clone)]
pub struct ReviewItem {
    /// The queue item id to review (a post, or a suggested edit).
    pub id: i64,
    /// The post.
    pub post: PostRow,
    /// Its governance state.
    pub state: PostState,
    /// Pending flags (flagged queue).
    pub flags: Vec<FlagRow>,
    /// The pending suggested edit (suggested-edits queue).
    pub edit: Option<SuggestedEditRow>,
    /// Pending close or reopen votes (close-votes queue).
    pub close_votes: Vec<CloseVoteRow>,
}

impl App {
    /// The queues `user` may work, with their counts.
    pub async fn review_queues(&self, user: &AuthUser) -> Result<Vec<QueueSummary>, AppError> {
        let late = self.late_after_secs().await?;
        let mut out = Vec::new();
        for q in Queue::ALL {
            if decide(&user.actor(), Action::Review, Target::Queue(*q)).is_ok() {
                let page = self
                    .store()
                    .review_queue(q.as_str(), user.id, late, 1, 0)
                    .await?;
                out.push(QueueSummary {
                    queue: *q,
                    count: page.total,
                });
            }
        }
        Ok(out)
    }

    /// A page of one queue.
    pub async fn review_queue(
        &self,
        user: &AuthUser,
        queue: &str,
        page: Option<i64>,
        per_page: Option<i64>,
    ) -> Result<Page<ReviewItem>, AppError> {
        let queue = Queue::parse(queue).map_err(|_| AppError::NotFound("review queue"))?;
        decide(&user.actor(), Action::Review, Target::Queue(queue))?;
        let (limit, offset) = paging(page, per_page, 20)?;
        let late = self.late_after_secs().await?;
        let rows = self
            .store()
            .review_queue(queue.as_str(), user.id, late, limit, offset)
            .await?;
        let ids: Vec<i64> = rows.items.iter().map(|i| i.post.id).collect();
        let flags = if queue == Queue::Flagged {
            self.store().pending_flags_on(&ids).await?
        } else {
            Vec::new()
        };
        let edits = if queue == Queue::SuggestedEdits {
            self.store().pending_edits_on(&ids).await?
        } else {
            Vec::new()
        };
        let votes = if queue == Queue::CloseVotes {
            self.store().pending_close_votes_on(&ids).await?
        } else {
            Vec::new()
        };
        let mut items = Vec::with_capacity(rows.items.len());
        for i in rows.items {
            let state = self
                .store()
                .post_state(i.post.id)
                .await?
                .ok_or(AppError::NotFound("post"))?;
            let edit = edits.iter().find(|e| e.post_id == i.post.id).cloned();
            items.push(ReviewItem {
                id: match &edit {
                    Some(e) => e.id,
                    None => i.post.id,
                },
                flags: flags
                    .iter()
                    .filter(|f| f.post_id == i.post.id)
                    .cloned()
                    .collect(),
                close_votes: votes
                    .iter()
                    .filter(|v| v.post_id == i.post.id)
                    .cloned()
                    .collect(),
                edit,
                state,
                post: i.post,
            });
        }
        Ok(Page {
            items,
            total: rows.total,
        })
    }

    /// Records a review decision on a queue item (`id` is the post, or the suggested edit) and
    /// carries it out; returns a sentence saying what happened.
    #[tracing::instrument(skip_all, fields(user.id = user.id, queue = %queue, item.id = id))]
    pub async fn review(
        &self,
        user: &AuthUser,
        queue: &str,
        id: i64,
        input: ReviewInput,
    ) -> Result<String, AppError> {
        let queue = Queue::parse(queue).map_err(|_| AppError::NotFound("review queue"))?;
        let outcome = ReviewOutcome::parse(&input.outcome)?;
        if !queue.outcomes().contains(&outcome) {
            let names: Vec<&str> = queue.outcomes().iter().map(|o| o.as_str()).collect();
            return Err(AppError::invalid(
                "invalid_outcome",
                "outcome",
                format!(
                    "In {}, the outcome is one of: {}.",
                    queue.title().to_lowercase(),
                    names.join(", ")
                ),
            ));
        }
        let reason = parse_review_reason(outcome, input.reason.as_deref())?;
        match queue {
            Queue::FirstPosts | Queue::LateAnswers => {
                self.review_post(user, queue, id, outcome, reason, &input)
                    .await
            }
            Queue::Flagged => self.review_flagged(user, id, outcome, reason).await,
            Queue::SuggestedEdits => self.review_suggested_edit(user, id, outcome, reason).await,
            Queue::CloseVotes => {
                self.review_close_votes(user, id, outcome, reason, &input)
                    .await
            }
        }
    }

    async fn record_review(
        &self,
        queue: Queue,
        post_id: i64,
        item_id: i64,
        reviewer_id: i64,
        outcome: ReviewOutcome,
        reason: &str,
    ) -> Result<(), AppError> {
        let write = Write {
            review: Some(NewReview {
                queue: queue.as_str(),
                post_id,
                item_id,
                reviewer_id,
                outcome: outcome.as_str(),
                reason,
            }),
            ..Write::default()
        };
        self.apply_review(&write).await
    }

    async fn apply_review(&self, write: &Write<'_>) -> Result<(), AppError> {
        let applied = self
            .store()
            .apply(write, stoa_store::now())
            .await
            .map_err(|e| match e {
                stoa_store::StoreError::Conflict(c) if c == "post_changed" => AppError::Conflict {
                    code: "post_changed",
                    message: "The post was edited after this suggestion was made; reject it so that its author can suggest again.".into(),
                },
                stoa_store::StoreError::Conflict(_) => AppError::Conflict {
                    code: "already_reviewed",
                    message: "You have already reviewed this item.".into(),
                },
                other => other.into(),
            })?;
        if applied.changed {
            Ok(())
        } else {
            Err(AppError::Conflict {
                code: "already_reviewed",
                message: "Someone reviewed this item a moment ago.".into(),
            })
        }
    }

    async fn late_after_secs(&self) -> Result<i64, AppError> {
        Ok(self.governance().await?.late_answer_days * 86_400)
    }
}
