//! Appeals: the affected person appeals an action once; another moderator upholds it or
//! reverses it, and the outcome shows in the log.

use super::executor::Plan;
use crate::{paging, App, AppError, AuthUser};
use stoa_domain::moderation::{parse_appeal_text, AppealOutcome, Category, ModAction, TargetType};
use stoa_domain::policy::{decide, Action, Target};
use stoa_store::lists::Page;
use stoa_store::moderation::{ActionRow, AppealRow, Decision, Write};

impl App {
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
