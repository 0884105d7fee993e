//! The executor: [`App::moderate`] checks and parses a moderation request, and
//! [`App::perform`] carries out every governance action (by a moderator, the community's votes
//! or flags, or an appeal) in one transaction with its log entry, ledger entries and settled
//! flags or votes.

use crate::{App, AppError, AuthUser};
use stoa_domain::moderation::{Category, ModAction, ModerationRequest, TargetType};
use stoa_domain::policy::{decide, Action, Target};
use stoa_domain::post_kind::{PostKind, PostStatus};
use stoa_domain::reputation::Reason;
use stoa_store::moderation::{
    ActionRow, Decision, Effect, NewAction, PostState, SettleCloseVotes, SettleFlags, Write,
};
use stoa_store::reputation::{NewRepEvent, Reverse};

/// A moderation action request, unparsed (the API body).
#[derive(Debug, Clone, Default)]
pub struct ModerationInput {
    /// Action name.
    pub action: String,
    /// `post` or `user`.
    pub target_type: String,
    /// Post or user id.
    pub target_id: i64,
    /// Category name.
    pub category: String,
    /// Public reason.
    pub reason: String,
    /// Seen only by the affected person and moderators.
    pub private_detail: Option<String>,
    /// Suspension length.
    pub duration_hours: Option<i64>,
    /// Duplicate target of a closure.
    pub duplicate_of: Option<i64>,
}

/// One governance action to perform, already authorised and validated.
#[derive(Debug, Clone)]
pub(crate) struct Plan {
    pub(crate) action: ModAction,
    pub(crate) target_type: TargetType,
    pub(crate) target_id: i64,
    pub(crate) affected_user_id: Option<i64>,
    pub(crate) category: Category,
    pub(crate) reason: String,
    pub(crate) private_detail: String,
    pub(crate) duration_hours: Option<i64>,
    pub(crate) duplicate_of: Option<i64>,
    /// The entry this undoes; found automatically for undo actions when `None`.
    pub(crate) reverses_id: Option<i64>,
    /// Who acts; `None` for the community.
    pub(crate) actor_id: Option<i64>,
    /// An appeal settled by this action.
    pub(crate) appeal: Option<(i64, &'static str, String)>,
    /// A review recorded with this action (queue, item id, outcome, reason).
    pub(crate) review: Option<(&'static str, i64, &'static str, String)>,
}

impl Plan {
    /// A plan with the given essentials and nothing else.
    pub(crate) fn new(
        action: ModAction,
        target_type: TargetType,
        target_id: i64,
        category: Category,
        reason: String,
    ) -> Self {
        Plan {
            action,
            target_type,
            target_id,
            affected_user_id: None,
            category,
            reason,
            private_detail: String::new(),
            duration_hours: None,
            duplicate_of: None,
            reverses_id: None,
            actor_id: None,
            appeal: None,
            review: None,
        }
    }
}

impl App {
    /// Takes a moderation action (moderators; protecting also by members with the privilege).
    #[tracing::instrument(skip_all, fields(user.id = user.id, action = %input.action, target.id = input.target_id))]
    pub async fn moderate(
        &self,
        user: &AuthUser,
        input: ModerationInput,
    ) -> Result<ActionRow, AppError> {
        let req = ModerationRequest::parse(
            &input.action,
            &input.target_type,
            input.target_id,
            &input.category,
            &input.reason,
            input.private_detail.as_deref(),
            input.duration_hours,
            input.duplicate_of,
        )?;
        let actor = user.actor();
        let affected = match req.target_type {
            TargetType::Post => {
                let st = self
                    .store()
                    .post_state(req.target_id)
                    .await?
                    .ok_or(AppError::NotFound("post"))?;
                let target = Target::Post {
                    author_id: st.author_id,
                    locked: st.locked_at.is_some(),
                };
                match req.action {
                    ModAction::Protect | ModAction::Unprotect => {
                        decide(&actor, Action::Protect, target)?
                    }
                    _ => decide(&actor, Action::Moderate, target)?,
                }
                check_post_action(&st, req.action)?;
                if let Some(d) = req.duplicate_of {
                    self.duplicate_target(d, st.id).await?;
                }
                Some(st.author_id)
            }
            TargetType::User => {
                let u = self.user(req.target_id).await?;
                decide(
                    &actor,
                    Action::Moderate,
                    Target::User {
                        user_id: u.id,
                        role: u.role,
                    },
                )?;
                Some(u.id)
            }
        };
        let plan = Plan {
            affected_user_id: affected,
            private_detail: req.private_detail.clone(),
            duration_hours: req.duration_hours,
            duplicate_of: req.duplicate_of,
            actor_id: Some(user.id),
            ..Plan::new(
                req.action,
                req.target_type,
                req.target_id,
                req.category,
                req.reason.clone(),
            )
        };
        let id = self.perform(plan).await?;
        self.store()
            .moderation_action(id)
            .await?
            .ok_or(AppError::NotFound("moderation action"))
    }

    /// Performs a planned action in one transaction and returns its log entry's id.
    pub(crate) async fn perform(&self, plan: Plan) -> Result<i64, AppError> {
        let now = stoa_store::now();
        let gov = self.governance().await?;
        let post_id = (plan.target_type == TargetType::Post).then_some(plan.target_id);
        let reverses_id = match plan.reverses_id {
            Some(id) => Some(id),
            None if plan.action.is_undo() => {
                self.store()
                    .last_unreversed(
                        plan.action.opposite().as_str(),
                        plan.target_type.as_str(),
                        plan.target_id,
                    )
                    .await?
            }
            None => None,
        };
        let reversed = match reverses_id {
            Some(id) => self.store().moderation_action(id).await?,
            None => None,
        };
        let reversed_category = reversed
            .as_ref()
            .and_then(|r| Category::parse(&r.category).ok());
        let state = match post_id {
            Some(id) => self.store().post_state(id).await?,
            None => None,
        };
        let close_reason = plan.category.close_reason().map(|r| r.as_str());
        let effect = match (plan.action, post_id) {
            (ModAction::Delete, Some(id)) => Effect::Delete(id),
            (ModAction::Undelete, Some(id)) => Effect::Undelete(id),
            (ModAction::Lock, Some(id)) => Effect::Lock(id),
            (ModAction::Unlock, Some(id)) => Effect::Unlock(id),
            (ModAction::Close, Some(id)) => Effect::Close {
                post_id: id,
                reason: close_reason.unwrap_or("off_topic"),
                duplicate_of: plan.duplicate_of,
            },
            (ModAction::Reopen, Some(id)) => Effect::Reopen(id),
            (ModAction::Protect, Some(id)) => Effect::Protect(id),
            (ModAction::Unprotect, Some(id)) => Effect::Unprotect(id),
            (ModAction::Hide, Some(id)) => Effect::Status {
                post_id: id,
                status: PostStatus::Hidden,
            },
            (ModAction::Publish, Some(id)) => Effect::Status {
                post_id: id,
                status: PostStatus::Published,
            },
            (ModAction::Suspend, None) => Effect::Suspend {
                user_id: plan.target_id,
                until: now + plan.duration_hours.unwrap_or(24) * 3_600,
            },
            (ModAction::Unsuspend, None) => Effect::Unsuspend(plan.target_id),
            _ => {
                return Err(AppError::Internal(
                    "a moderation action does not fit its target".into(),
                ))
            }
        };
        let penalised = matches!(plan.category, Category::Spam | Category::Harassment);
        let mut ledger_add = Vec::new();
        let mut ledger_reverse = Vec::new();
        if let (ModAction::Delete, Some(id), Some(author), true) =
            (plan.action, post_id, plan.affected_user_id, penalised)
        {
            if gov.points.penalty != 0 && Some(author) != plan.actor_id {
                ledger_add.push(NewRepEvent {
                    user_id: author,
                    delta: gov.points.penalty,
                    reason: Reason::Penalty.as_str(),
                    post_id: Some(id),
                    actor_id: plan.actor_id,
                });
            }
        }
        if let (ModAction::Undelete, Some(id)) = (plan.action, post_id) {
            // Restoring a post restores its author's reputation: the penalty is reversed.
            ledger_reverse.push(Reverse::ByPost {
                post_id: id,
                reasons: vec![Reason::Penalty.as_str()],
            });
        }
        let flags = match (plan.action, post_id) {
            (ModAction::Delete, Some(id)) => Some(SettleFlags {
                post_id: id,
                status: "helpful",
                by: plan.actor_id,
            }),
            (ModAction::Publish, Some(id)) => Some(SettleFlags {
                post_id: id,
                status: "declined",
                by: plan.actor_id,
            }),
            _ => None,
        };
        let close_votes = match (plan.action, post_id) {
            (ModAction::Close, Some(id)) => Some(SettleCloseVotes {
                post_id: id,
                kind: "close",
                status: "applied",
            }),
            (ModAction::Reopen, Some(id)) => Some(SettleCloseVotes {
                post_id: id,
                kind: "reopen",
                status: "applied",
            }),
            _ => None,
        };
        let review = plan
            .review
            .as_ref()
            .and_then(|(queue, item_id, outcome, reason)| {
                post_id
                    .zip(plan.actor_id)
                    .map(|(p, by)| stoa_store::moderation::NewReview {
                        queue,
                        post_id: p,
                        item_id: *item_id,
                        reviewer_id: by,
                        outcome,
                        reason,
                    })
            });
        let appeal = match (&plan.appeal, plan.actor_id) {
            (Some((id, status, reason)), Some(by)) => Some(Decision {
                id: *id,
                status,
                by,
                reason,
            }),
            _ => None,
        };
        let write = Write {
            effect,
            log: Some(NewAction {
                action: plan.action.as_str(),
                actor_id: plan.actor_id,
                target_type: plan.target_type.as_str(),
                target_id: plan.target_id,
                affected_user_id: plan.affected_user_id,
                category: plan.category.as_str(),
                reason: &plan.reason,
                private_detail: &plan.private_detail,
                duration_hours: plan.duration_hours,
                reverses_id,
            }),
            ledger_reverse,
            ledger_add,
            flags,
            close_votes,
            review,
            appeal,
            ..Write::default()
        };
        let applied = self.store().apply(&write, now).await.map_err(|e| match e {
            stoa_store::StoreError::Conflict(c) if c == "reviews_once" => AppError::Conflict {
                code: "already_reviewed",
                message: "You have already reviewed this item.".into(),
            },
            other => other.into(),
        })?;
        let Some(action_id) = applied.action_id.filter(|_| applied.changed) else {
            return Err(AppError::Conflict {
                code: "no_change",
                message: format!(
                    "Nothing changed: the {} is already {}.",
                    plan.target_type.as_str(),
                    plan.action.past()
                ),
            });
        };
        tracing::info!(
            moderation.id = action_id,
            action = plan.action.as_str(),
            target.id = plan.target_id,
            "moderation action"
        );
        // Moderators' spam decisions teach the classifier; so does undoing one.
        if let (Some(st), Some(by)) = (&state, plan.actor_id) {
            let spam_now = plan.action == ModAction::Delete && plan.category == Category::Spam;
            let ham_now = (plan.action == ModAction::Undelete
                && reversed_category == Some(Category::Spam))
                || (plan.action == ModAction::Publish && st.status == PostStatus::Held);
            // The action is committed: a failure to learn must not turn it into an error (a
            // retry would then answer 409 for an action that happened). The classifier misses
            // one example; the log says so.
            if spam_now || ham_now {
                if let Err(e) = self
                    .learn(st.id, &st.title, &st.body_md, spam_now, by)
                    .await
                {
                    tracing::warn!(error = %e, post.id = st.id, "the spam classifier could not learn from a moderation action");
                }
            }
        }
        Ok(action_id)
    }

    /// Checks that `id` names a live, published question other than `of`, to close or flag as a duplicate of.
    pub(crate) async fn duplicate_target(&self, id: i64, of: i64) -> Result<(), AppError> {
        if id == of {
            return Err(AppError::invalid(
                "invalid_duplicate",
                "duplicate_of",
                "A question cannot duplicate itself.",
            ));
        }
        match self.store().post(id).await? {
            Some(p)
                if p.kind == PostKind::Question
                    && p.deleted_at.is_none()
                    && p.status == PostStatus::Published =>
            {
                Ok(())
            }
            _ => Err(AppError::invalid(
                "unknown_duplicate",
                "duplicate_of",
                format!("There is no question {id} to point to."),
            )),
        }
    }
}

/// Refuses actions that do not fit the post: closing an answer, acting on a deleted post.
fn check_post_action(st: &PostState, action: ModAction) -> Result<(), AppError> {
    let question_only = matches!(
        action,
        ModAction::Close | ModAction::Reopen | ModAction::Protect | ModAction::Unprotect
    );
    if question_only && st.kind != PostKind::Question {
        return Err(AppError::invalid(
            "not_a_question",
            "target_id",
            format!("Only questions can be {}.", action.past()),
        ));
    }
    if st.deleted_at.is_some() && action != ModAction::Undelete {
        return Err(AppError::invalid(
            "post_deleted",
            "target_id",
            "The post is deleted; undelete it first.",
        ));
    }
    Ok(())
}
