//! Moderation actions, the public moderation log and its statistics, and appeals.
//!
//! Every action by anyone with power goes through [`App::perform`], which writes the change,
//! its log entry, its ledger entries and the flags or votes it settles in one transaction, then
//! teaches the spam filter when the decision was about spam.

use crate::{paging, App, AppError, AuthUser};
use std::collections::HashMap;
use stoa_domain::moderation::{
    log_stats, parse_appeal_text, week_start, ActionFact, AppealOutcome, Category, GovernanceError,
    LogStats, ModAction, ModerationRequest, TargetType,
};
use stoa_domain::policy::{decide, Action, Target};
use stoa_domain::reputation::Reason;
use stoa_store::lists::Page;
use stoa_store::moderation::{
    ActionRow, AppealRow, Decision, Effect, LogFilter, NewAction, PostState, SettleCloseVotes,
    SettleFlags, Write,
};
use stoa_store::reputation::{NewRepEvent, Reverse};

impl From<GovernanceError> for AppError {
    fn from(e: GovernanceError) -> Self {
        AppError::Invalid {
            code: e.code,
            field: Some(e.field),
            message: e.message,
        }
    }
}

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

/// Filters of the public log.
#[derive(Debug, Clone, Default)]
pub struct LogQuery {
    /// One action name.
    pub action: Option<String>,
    /// One category name.
    pub category: Option<String>,
    /// One moderator's id.
    pub actor_id: Option<i64>,
    /// Page from 1.
    pub page: Option<i64>,
    /// Items per page.
    pub per_page: Option<i64>,
}

/// A log entry as a viewer may see it.
#[derive(Debug, Clone)]
pub struct LogEntry {
    /// The entry; `private_detail` is empty unless the viewer may read it.
    pub row: ActionRow,
    /// Whether the viewer may read the private detail.
    pub private_visible: bool,
    /// Its appeal; the text is empty unless the viewer may read it.
    pub appeal: Option<AppealRow>,
    /// The viewer may appeal it now.
    pub can_appeal: bool,
    /// The viewer may decide its pending appeal.
    pub can_decide: bool,
}

/// The statistics shown above the log, with moderators' names.
#[derive(Debug, Clone)]
pub struct ModerationStats {
    /// The numbers.
    pub stats: LogStats,
    /// Weeks covered.
    pub weeks: usize,
    /// Names of the actors counted.
    pub names: HashMap<i64, String>,
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
                status: "hidden",
            },
            (ModAction::Publish, Some(id)) => Effect::Status {
                post_id: id,
                status: "published",
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
                || (plan.action == ModAction::Publish && st.status == "held");
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
                if p.kind == "question" && p.deleted_at.is_none() && p.status == "published" =>
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

    /// A page of the public moderation log, newest first.
    pub async fn moderation_log(
        &self,
        viewer: Option<&AuthUser>,
        q: &LogQuery,
    ) -> Result<Page<LogEntry>, AppError> {
        let (limit, offset) = paging(q.page, q.per_page, 50)?;
        let action = match q.action.as_deref().map(str::trim).filter(|a| !a.is_empty()) {
            Some(a) => Some(ModAction::parse(a)?.as_str()),
            None => None,
        };
        let category = match q
            .category
            .as_deref()
            .map(str::trim)
            .filter(|c| !c.is_empty())
        {
            Some(c) => Some(Category::parse(c)?.as_str()),
            None => None,
        };
        let filter = LogFilter {
            action,
            category,
            actor_id: q.actor_id.map(Some),
            affected_user_id: None,
        };
        let page = self.store().moderation_log(&filter, limit, offset).await?;
        Ok(Page {
            items: page.items.into_iter().map(|r| visible(viewer, r)).collect(),
            total: page.total,
        })
    }

    /// One log entry with its appeal, as `viewer` may see it.
    pub async fn moderation_entry(
        &self,
        viewer: Option<&AuthUser>,
        id: i64,
    ) -> Result<LogEntry, AppError> {
        let row = self
            .store()
            .moderation_action(id)
            .await?
            .ok_or(AppError::NotFound("moderation action"))?;
        let mut entry = visible(viewer, row);
        let mut appeal = self.store().appeal_of(id).await?;
        if let Some(a) = appeal.as_mut() {
            if !entry.private_visible {
                // The appeal's text is the affected person's own words about their case.
                a.text.clear();
            }
        }
        let target = Target::Logged {
            actor_id: entry.row.actor_id,
            affected_user_id: entry.row.affected_user_id,
        };
        let appealable = ModAction::parse(&entry.row.action).is_ok_and(ModAction::appealable);
        entry.can_appeal = appeal.is_none()
            && appealable
            && entry.row.reversed_at.is_none()
            && viewer.is_some_and(|v| decide(&v.actor(), Action::Appeal, target).is_ok());
        entry.can_decide = appeal.as_ref().is_some_and(|a| a.status == "pending")
            && viewer.is_some_and(|v| decide(&v.actor(), Action::DecideAppeal, target).is_ok());
        entry.appeal = appeal;
        Ok(entry)
    }

    /// Statistics of the last `weeks` weeks of the log.
    pub async fn moderation_stats(&self, weeks: usize) -> Result<ModerationStats, AppError> {
        let weeks = weeks.clamp(1, 104);
        let now = stoa_store::now();
        let since = week_start(now) - (weeks as i64 - 1) * 7 * 86_400;
        let facts: Vec<ActionFact> = self
            .store()
            .action_facts(since)
            .await?
            .into_iter()
            .filter_map(|f| {
                Some(ActionFact {
                    action: ModAction::parse(&f.action).ok()?,
                    actor_id: f.actor_id,
                    created_at: f.created_at,
                    reversed: f.reversed,
                })
            })
            .collect();
        let stats = log_stats(&facts, now, weeks);
        let ids: Vec<i64> = stats.by_actor.iter().filter_map(|(id, _)| *id).collect();
        let names = self.store().usernames(&ids).await?.into_iter().collect();
        Ok(ModerationStats {
            stats,
            weeks,
            names,
        })
    }

    /// Appeals a moderation action: once, by the person it affected.
    #[tracing::instrument(skip_all, fields(user.id = user.id, moderation.id = action_id))]
    pub async fn appeal(
        &self,
        user: &AuthUser,
        action_id: i64,
        text: &str,
    ) -> Result<AppealRow, AppError> {
        let row = self
            .store()
            .moderation_action(action_id)
            .await?
            .ok_or(AppError::NotFound("moderation action"))?;
        decide(
            &user.actor(),
            Action::Appeal,
            Target::Logged {
                actor_id: row.actor_id,
                affected_user_id: row.affected_user_id,
            },
        )?;
        let action = ModAction::parse(&row.action)?;
        if !action.appealable() {
            return Err(AppError::invalid(
                "not_appealable",
                "action_id",
                "This action undid an earlier one; it cannot be appealed.",
            ));
        }
        if row.reversed_at.is_some() {
            return Err(AppError::invalid(
                "already_reversed",
                "action_id",
                "This action has already been reversed.",
            ));
        }
        let text = parse_appeal_text(text)?;
        let id = self
            .store()
            .insert_appeal(action_id, user.id, &text, stoa_store::now())
            .await
            .map_err(|e| match e {
                stoa_store::StoreError::Conflict(_) => AppError::Conflict {
                    code: "already_appealed",
                    message:
                        "This action has already been appealed; each action can be appealed once."
                            .into(),
                },
                other => other.into(),
            })?;
        tracing::info!(appeal.id = id, "appeal filed");
        self.store()
            .appeal(id)
            .await?
            .ok_or(AppError::NotFound("appeal"))
    }

    /// One appeal.
    pub async fn appeal_by_id(&self, id: i64) -> Result<AppealRow, AppError> {
        self.store()
            .appeal(id)
            .await?
            .ok_or(AppError::NotFound("appeal"))
    }

    /// Whether `user` may see the queue of pending appeals (and so the links to it).
    pub fn may_see_appeals(&self, user: &AuthUser) -> bool {
        decide(&user.actor(), Action::SeeAppeals, Target::Site).is_ok()
    }

    /// Pending appeals, oldest first (moderators).
    pub async fn pending_appeals(
        &self,
        user: &AuthUser,
        page: Option<i64>,
        per_page: Option<i64>,
    ) -> Result<Page<(AppealRow, ActionRow)>, AppError> {
        decide(&user.actor(), Action::SeeAppeals, Target::Site)?;
        let (limit, offset) = paging(page, per_page, 30)?;
        let appeals = self.store().appeals("pending", limit, offset).await?;
        let mut items = Vec::with_capacity(appeals.items.len());
        for a in appeals.items {
            let action = self
                .store()
                .moderation_action(a.action_id)
                .await?
                .ok_or(AppError::NotFound("moderation action"))?;
            items.push((a, action));
        }
        Ok(Page {
            items,
            total: appeals.total,
        })
    }

    /// Decides an appeal (a moderator other than the one who acted): reversing undoes the action
    /// and logs the undo; upholding records the decision. Either way the outcome shows in the log.
    #[tracing::instrument(skip_all, fields(user.id = user.id, appeal.id = appeal_id))]
    pub async fn decide_appeal(
        &self,
        user: &AuthUser,
        appeal_id: i64,
        outcome: &str,
        reason: &str,
    ) -> Result<AppealRow, AppError> {
        let appeal = self
            .store()
            .appeal(appeal_id)
            .await?
            .ok_or(AppError::NotFound("appeal"))?;
        let row = self
            .store()
            .moderation_action(appeal.action_id)
            .await?
            .ok_or(AppError::NotFound("moderation action"))?;
        decide(
            &user.actor(),
            Action::DecideAppeal,
            Target::Logged {
                actor_id: row.actor_id,
                affected_user_id: row.affected_user_id,
            },
        )?;
        let outcome = AppealOutcome::parse(outcome)?;
        let reason = stoa_domain::moderation::parse_review_reason(
            stoa_domain::moderation::ReviewOutcome::Reject,
            Some(reason),
        )?;
        if appeal.status != "pending" {
            return Err(AppError::Conflict {
                code: "already_decided",
                message: "This appeal has already been decided.".into(),
            });
        }
        match outcome {
            AppealOutcome::Reverse => {
                let action = ModAction::parse(&row.action)?;
                let target_type = TargetType::parse(&row.target_type)?;
                let category = Category::parse(&row.category)?;
                let plan = Plan {
                    affected_user_id: row.affected_user_id,
                    reverses_id: Some(row.id),
                    actor_id: Some(user.id),
                    appeal: Some((appeal_id, outcome.status(), reason.clone())),
                    ..Plan::new(
                        action.opposite(),
                        target_type,
                        row.target_id,
                        category,
                        format!("Appeal granted: {reason}"),
                    )
                };
                self.perform(plan).await?;
            }
            AppealOutcome::Uphold => {
                let write = Write {
                    appeal: Some(Decision {
                        id: appeal_id,
                        status: outcome.status(),
                        by: user.id,
                        reason: &reason,
                    }),
                    ..Write::default()
                };
                let applied = self.store().apply(&write, stoa_store::now()).await?;
                if !applied.changed {
                    return Err(AppError::Conflict {
                        code: "already_decided",
                        message: "This appeal has already been decided.".into(),
                    });
                }
            }
        }
        tracing::info!(outcome = outcome.status(), "appeal decided");
        self.store()
            .appeal(appeal_id)
            .await?
            .ok_or(AppError::NotFound("appeal"))
    }
}

/// Blanks what `viewer` may not read.
fn visible(viewer: Option<&AuthUser>, mut row: ActionRow) -> LogEntry {
    let target = Target::Logged {
        actor_id: row.actor_id,
        affected_user_id: row.affected_user_id,
    };
    let private_visible =
        viewer.is_some_and(|v| decide(&v.actor(), Action::SeePrivateDetail, target).is_ok());
    if !private_visible {
        row.private_detail.clear();
    }
    LogEntry {
        row,
        private_visible,
        appeal: None,
        can_appeal: false,
        can_decide: false,
    }
}

/// Refuses actions that do not fit the post: closing an answer, acting on a deleted post.
fn check_post_action(st: &PostState, action: ModAction) -> Result<(), AppError> {
    let question_only = matches!(
        action,
        ModAction::Close | ModAction::Reopen | ModAction::Protect | ModAction::Unprotect
    );
    if question_only && st.kind != "question" {
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
