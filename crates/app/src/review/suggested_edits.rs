//! The suggested-edits queue: suggesting an edit to someone else's post, and its review by a
//! reviewer or the post's author.

use crate::questions::prepare_edit;
use crate::{App, AppError, AuthUser, EditInput};
use stoa_domain::moderation::{Queue, ReviewOutcome};
use stoa_domain::policy::{decide, Action, Target};
use stoa_domain::post::TagSet;
use stoa_domain::post_kind::PostKind;
use stoa_domain::reputation::Reason;
use stoa_store::moderation::{Decision, NewReview, NewSuggestedEdit, SuggestedEditRow, Write};
use stoa_store::posts::{PostEdit, PostRow};
use stoa_store::reputation::NewRepEvent;

impl App {
    pub(super) async fn review_suggested_edit(
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
        let is_question = p.kind != PostKind::Answer;
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
}

/// A suggested edit as the policy sees it.
fn suggestion_target(s: &SuggestedEditRow, p: &PostRow) -> Target {
    Target::Suggestion {
        post_author_id: p.author_id,
        suggester_id: s.author_id,
        locked: p.locked_at.is_some(),
    }
}
