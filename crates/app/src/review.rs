//! Review queues (first posts, late answers, flagged posts, suggested edits, close votes),
//! suggested edits and rollbacks. Each review is recorded with its outcome and reason.

use crate::moderation::Plan;
use crate::questions::prepare_edit;
use crate::{paging, App, AppError, AuthUser, EditInput};
use stoa_domain::moderation::{
    parse_review_reason, Category, FlagReason, ModAction, Queue, ReviewOutcome, TargetType,
};
use stoa_domain::policy::{decide, Action, Denied, Target};
use stoa_domain::post::{parse_edit_comment, TagSet};
use stoa_domain::reputation::Reason;
use stoa_store::lists::Page;
use stoa_store::moderation::{
    CloseVoteRow, Decision, FlagRow, NewReview, NewSuggestedEdit, PostState, SettleCloseVotes,
    SettleFlags, SuggestedEditRow, Write,
};
use stoa_store::posts::{PostEdit, PostRow};
use stoa_store::reputation::NewRepEvent;

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

    async fn review_post(
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

    async fn review_flagged(
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
        let flags = self.store().pending_flags_on(&[id]).await?;
        if st.status == "published" && flags.is_empty() {
            return Err(AppError::invalid(
                "nothing_to_review",
                "id",
                "This post has no pending flags.",
            ));
        }
        let category = if st.status == "held" {
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
            ReviewOutcome::Dismiss if st.status != "published" => {
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

    async fn review_suggested_edit(
        &self,
        user: &AuthUser,
        id: i64,
        outcome: ReviewOutcome,
        reason: String,
    ) -> Result<String, AppError> {
        let s = self
            .store()
            .suggested_edit(id)
            .await?
            .ok_or(AppError::NotFound("suggested edit"))?;
        let p = self.post(s.post_id).await?;
        // The post's author may settle suggestions on their own post, like a reviewer, as far
        // as they may edit it (not while suspended, not once it is locked).
        decide(
            &user.actor(),
            Action::ReviewSuggestion,
            suggestion_target(&s, &p),
        )?;
        if s.status != "pending" {
            return Err(AppError::Conflict {
                code: "already_reviewed",
                message: "This suggested edit has already been reviewed.".into(),
            });
        }
        let review = NewReview {
            queue: Queue::SuggestedEdits.as_str(),
            post_id: p.id,
            item_id: s.id,
            reviewer_id: user.id,
            outcome: outcome.as_str(),
            reason: &reason,
        };
        if outcome == ReviewOutcome::Reject {
            let write = Write {
                suggested_edit: Some(Decision {
                    id: s.id,
                    status: "rejected",
                    by: user.id,
                    reason: &reason,
                }),
                review: Some(review),
                ..Write::default()
            };
            self.apply_review(&write).await?;
            return Ok("The suggested edit was rejected.".into());
        }
        if p.revision_count != s.base_revision {
            return Err(AppError::Conflict {
                code: "post_changed",
                message: "The post was edited after this suggestion was made; reject it so that its author can suggest again.".into(),
            });
        }
        let is_question = p.kind != "answer";
        let input = EditInput {
            title: is_question.then(|| s.title.clone()),
            body: Some(s.body_md.clone()),
            tags: is_question.then(|| TagSet::split_stored(&s.tags)),
            comment: Some(s.comment.clone()),
        };
        let e = prepare_edit(&p, &input)?;
        let points = self.governance().await?.points;
        let now = stoa_store::now();
        let edit_reason = Reason::SuggestedEditApproved.as_str();
        let today = self
            .store()
            .points_since(s.author_id, edit_reason, now - now.rem_euclid(86_400))
            .await?;
        let total = self
            .store()
            .points_since(s.author_id, edit_reason, 0)
            .await?;
        let earned = stoa_domain::reputation::capped_edit_points(
            points.suggested_edit_approved,
            today,
            total,
        );
        let mut ledger_add = Vec::new();
        if earned != 0 {
            ledger_add.push(NewRepEvent {
                user_id: s.author_id,
                delta: earned,
                reason: Reason::SuggestedEditApproved.as_str(),
                post_id: Some(p.id),
                actor_id: Some(user.id),
            });
        }
        let write = Write {
            // The revision is credited to the person who wrote the suggestion.
            edit_base: Some(s.base_revision),
            edit: Some(PostEdit {
                post_id: p.id,
                editor_id: s.author_id,
                title: &e.title,
                body_md: &e.body,
                body_html: &e.html,
                body_text: &e.text,
                tags: &e.tags,
                comment: &e.comment,
                now,
            }),
            suggested_edit: Some(Decision {
                id: s.id,
                status: "approved",
                by: user.id,
                reason: &reason,
            }),
            review: Some(review),
            ledger_add,
            ..Write::default()
        };
        self.apply_review(&write).await?;
        tracing::info!(
            suggested_edit.id = s.id,
            post.id = p.id,
            "suggested edit approved"
        );
        Ok(format!(
            "The edit was applied and credited to {}.",
            s.author_name
        ))
    }

    async fn review_close_votes(
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

    /// Suggests an edit to someone else's post (members without the edit privilege).
    #[tracing::instrument(skip_all, fields(user.id = user.id, post.id = post_id))]
    pub async fn suggest_edit(
        &self,
        user: &AuthUser,
        post_id: i64,
        input: EditInput,
    ) -> Result<SuggestedEditRow, AppError> {
        let p = self.post(post_id).await?;
        decide(
            &user.actor(),
            Action::SuggestEdit,
            Target::Post {
                author_id: p.author_id,
                locked: p.locked_at.is_some(),
            },
        )?;
        let e = prepare_edit(&p, &input)?;
        let tags = e.tags.join(" ");
        let id = self
            .store()
            .insert_suggested_edit(
                &NewSuggestedEdit {
                    post_id,
                    author_id: user.id,
                    base_revision: p.revision_count,
                    title: &e.title,
                    body_md: &e.body,
                    tags: &tags,
                    comment: &e.comment,
                },
                stoa_store::now(),
            )
            .await
            .map_err(|err| match err {
                stoa_store::StoreError::Conflict(_) => AppError::Conflict {
                    code: "edit_pending",
                    message: "This post already has a suggested edit waiting for review.".into(),
                },
                other => other.into(),
            })?;
        tracing::info!(suggested_edit.id = id, "edit suggested");
        self.store()
            .suggested_edit(id)
            .await?
            .ok_or(AppError::NotFound("suggested edit"))
    }

    /// One suggested edit (public, like the revisions it may become).
    pub async fn suggested_edit(&self, id: i64) -> Result<(SuggestedEditRow, PostRow), AppError> {
        let s = self
            .store()
            .suggested_edit(id)
            .await?
            .ok_or(AppError::NotFound("suggested edit"))?;
        let p = self.post(s.post_id).await?;
        Ok((s, p))
    }

    /// Whether `user` may accept or reject the pending suggested edit `s` on `p` now.
    pub fn may_review_suggestion(
        &self,
        user: &AuthUser,
        s: &SuggestedEditRow,
        p: &PostRow,
    ) -> bool {
        s.status == "pending"
            && decide(
                &user.actor(),
                Action::ReviewSuggestion,
                suggestion_target(s, p),
            )
            .is_ok()
    }

    /// Rolls a post back to an earlier revision's content, as a new revision.
    #[tracing::instrument(skip_all, fields(user.id = user.id, post.id = post_id, revision = revision))]
    pub async fn rollback(
        &self,
        user: &AuthUser,
        post_id: i64,
        revision: i64,
        comment: Option<&str>,
    ) -> Result<PostRow, AppError> {
        let p = self.post(post_id).await?;
        decide(
            &user.actor(),
            Action::Edit,
            Target::Post {
                author_id: p.author_id,
                locked: p.locked_at.is_some(),
            },
        )?;
        let revs = self.store().revisions(post_id).await?;
        let Some(r) = revs.iter().find(|r| r.number == revision) else {
            return Err(AppError::invalid(
                "unknown_revision",
                "revision",
                format!("This post has no revision {revision}."),
            ));
        };
        let typed = parse_edit_comment(comment)?;
        let comment = if typed.is_empty() {
            format!("Rolled back to revision {revision}")
        } else {
            typed
        };
        let is_question = p.kind != "answer";
        let input = EditInput {
            title: is_question.then(|| r.title.clone()),
            body: Some(r.body_md.clone()),
            tags: is_question.then(|| TagSet::split_stored(&r.tags)),
            comment: Some(comment),
        };
        let e = prepare_edit(&p, &input).map_err(|err| match err {
            AppError::Invalid {
                code: "no_change", ..
            } => AppError::invalid(
                "no_change",
                "revision",
                "The post already reads like that revision.",
            ),
            other => other,
        })?;
        self.store()
            .edit_post(&PostEdit {
                post_id,
                editor_id: user.id,
                title: &e.title,
                body_md: &e.body,
                body_html: &e.html,
                body_text: &e.text,
                tags: &e.tags,
                comment: &e.comment,
                now: stoa_store::now(),
            })
            .await?;
        self.post(post_id).await
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

/// A suggested edit as the policy sees it.
fn suggestion_target(s: &SuggestedEditRow, p: &PostRow) -> Target {
    Target::Suggestion {
        post_author_id: p.author_id,
        suggester_id: s.author_id,
        locked: p.locked_at.is_some(),
    }
}
