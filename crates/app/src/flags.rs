//! Flags: members point moderators at spam, abuse, low quality, duplicates or anything else.
//! Enough pending flags from trusted members hide the post until a moderator reviews it.

use crate::{App, AppError, AuthUser};
use stoa_domain::moderation::{should_hide, FlagReason, FlagRequest};
use stoa_domain::policy::{decide, Action, Privilege, Target};
use stoa_domain::post_kind::PostKind;
use stoa_store::moderation::{FlagRow, NewAction, NewFlag};

/// A flag, unparsed (the API body or form).
#[derive(Debug, Clone, Default)]
pub struct FlagInput {
    /// Reason name.
    pub reason: String,
    /// The question this one duplicates.
    pub duplicate_of: Option<i64>,
    /// Explanation (required for `other`).
    pub text: Option<String>,
}

/// What became of a flag.
#[derive(Debug, Clone)]
pub struct Flagged {
    /// The flag.
    pub flag: FlagRow,
    /// Whether this flag hid the post pending review.
    pub hid_post: bool,
}

impl App {
    /// Flags a published post.
    #[tracing::instrument(skip_all, fields(user.id = user.id, post.id = post_id))]
    pub async fn flag_post(
        &self,
        user: &AuthUser,
        post_id: i64,
        input: FlagInput,
    ) -> Result<Flagged, AppError> {
        let p = self.post(post_id).await?;
        let actor = user.actor();
        decide(
            &actor,
            Action::Flag,
            Target::Post {
                author_id: p.author_id,
                locked: p.locked_at.is_some(),
            },
        )?;
        let req = FlagRequest::parse(&input.reason, input.duplicate_of, input.text.as_deref())?;
        if let Some(d) = req.duplicate_of {
            if p.kind != PostKind::Question {
                return Err(AppError::invalid(
                    "invalid_duplicate",
                    "reason",
                    "Only a question can be a duplicate.",
                ));
            }
            self.duplicate_target(d, p.id).await?;
        }
        let gov = self.governance().await?;
        let trusted = actor.has(Privilege::TrustedFlag);
        let hide_after = gov.flags_to_hide;
        let should = move |n: i64| should_hide(n, hide_after);
        let reason = format!(
            "Hidden pending review: {hide_after} trusted members flagged it (latest: {}).",
            req.reason.label().to_lowercase()
        );
        let log = NewAction {
            action: "hide",
            actor_id: None,
            target_type: "post",
            target_id: post_id,
            affected_user_id: Some(p.author_id),
            category: req.reason.category().as_str(),
            reason: &reason,
            private_detail: "",
            duration_hours: None,
            reverses_id: None,
        };
        let flag = NewFlag {
            post_id,
            user_id: Some(user.id),
            reason: req.reason.as_str(),
            duplicate_of: req.duplicate_of,
            text: &req.text,
            trusted,
        };
        let hide = trusted.then_some((&should as &(dyn Fn(i64) -> bool + Sync), &log));
        let (id, hidden) = self
            .store()
            .insert_flag(&flag, hide, stoa_store::now())
            .await
            .map_err(|e| match e {
                stoa_store::StoreError::Conflict(_) => AppError::Conflict {
                    code: "already_flagged",
                    message: "You have already flagged this post; a moderator will look at it."
                        .into(),
                },
                other => other.into(),
            })?;
        if hidden.is_some() {
            tracing::info!(post.id = post_id, "post hidden by trusted flags");
        }
        let flag = self
            .store()
            .pending_flags_on(&[post_id])
            .await?
            .into_iter()
            .find(|f| f.id == id)
            .ok_or(AppError::NotFound("flag"))?;
        Ok(Flagged {
            flag,
            hid_post: hidden.is_some(),
        })
    }

    /// The flags a person raised, newest first.
    pub async fn my_flags(&self, user: &AuthUser) -> Result<Vec<FlagRow>, AppError> {
        Ok(self.store().flags_by(user.id, 100).await?)
    }
}

/// The reasons a person can pick, with labels, for forms.
pub fn flag_reasons() -> Vec<(&'static str, &'static str)> {
    FlagReason::ALL
        .iter()
        .map(|r| (r.as_str(), r.label()))
        .collect()
}
