//! Closing and reopening questions: by votes of trusted members, or at once by a moderator.
//! Either way the change is written to the public log, naming the voters.

use crate::moderation::Plan;
use crate::{App, AppError, AuthUser};
use stoa_domain::moderation::{close_outcome, CloseReason, CloseRequest, ModAction, TargetType};
use stoa_domain::policy::{decide, Action, Target};
use stoa_domain::post_kind::{PostKind, PostStatus};
use stoa_store::moderation::{CloseVoteRow, NewCloseVote, PostState};

/// Where a question stands after a close or reopen vote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CloseTally {
    /// `close` or `reopen`.
    pub kind: &'static str,
    /// Pending votes of that kind (0 once they took effect).
    pub votes: i64,
    /// Votes needed.
    pub needed: i64,
    /// Whether the question is closed now.
    pub closed: bool,
}

impl App {
    /// The governance state of a post (closed, locked, protected, held…). Deleted posts are
    /// visible only to moderators.
    pub async fn post_state(
        &self,
        viewer: Option<&AuthUser>,
        id: i64,
    ) -> Result<PostState, AppError> {
        // A deleted, held or hidden post is nobody's business but its author's (held and
        // hidden only) and the moderators': to anyone else it does not exist.
        match self.store().post_state(id).await? {
            Some(st) if st.deleted_at.is_none() && st.status == PostStatus::Published => Ok(st),
            Some(st) if may_see_withdrawn(viewer, st.author_id, st.deleted_at.is_some()) => Ok(st),
            _ => Err(AppError::NotFound("post")),
        }
    }

    /// A post's state for the moderation form: only for those who may take moderation
    /// actions on it.
    pub async fn post_for_moderation(
        &self,
        user: &AuthUser,
        id: i64,
    ) -> Result<PostState, AppError> {
        let st = self.post_state(Some(user), id).await?;
        decide(
            &user.actor(),
            Action::Moderate,
            Target::Post {
                author_id: st.author_id,
                locked: st.locked_at.is_some(),
            },
        )?;
        Ok(st)
    }

    /// A user for the moderation form: only for those who may take moderation actions on them.
    pub async fn user_for_moderation(
        &self,
        user: &AuthUser,
        id: i64,
    ) -> Result<AuthUser, AppError> {
        let u = self.user(id).await?;
        decide(
            &user.actor(),
            Action::Moderate,
            Target::User {
                user_id: u.id,
                role: u.role,
            },
        )?;
        Ok(u)
    }

    /// Votes to close a question; a moderator's vote closes it at once.
    #[tracing::instrument(skip_all, fields(user.id = user.id, question.id = question_id))]
    pub async fn vote_to_close(
        &self,
        user: &AuthUser,
        question_id: i64,
        reason: &str,
        duplicate_of: Option<i64>,
    ) -> Result<CloseTally, AppError> {
        let (q, st) = self.open_question(question_id).await?;
        let at_once = close_vote_allowed(user, &q)?;
        let req = CloseRequest::parse(reason, duplicate_of)?;
        if let Some(d) = req.duplicate_of {
            self.duplicate_target(d, question_id).await?;
        }
        if st.closed_at.is_some() {
            return Err(AppError::Conflict {
                code: "already_closed",
                message: "This question is already closed.".into(),
            });
        }
        let needed = self.governance().await?.close_votes_needed;
        if let Some(moderator) = at_once {
            self.close_now(Some(moderator), &st, req, &[]).await?;
            return Ok(CloseTally {
                kind: "close",
                votes: 0,
                needed,
                closed: true,
            });
        }
        let votes = self
            .store()
            .insert_close_vote(
                &NewCloseVote {
                    post_id: question_id,
                    user_id: user.id,
                    kind: "close",
                    reason: Some(req.reason.as_str()),
                    duplicate_of: req.duplicate_of,
                },
                stoa_store::now(),
            )
            .await
            .map_err(already_voted)?;
        let requests: Vec<CloseRequest> = votes
            .iter()
            .filter_map(|v| {
                let reason = CloseReason::parse(v.reason.as_deref().unwrap_or("")).ok()?;
                Some(CloseRequest {
                    reason,
                    duplicate_of: v.duplicate_of,
                })
            })
            .collect();
        match close_outcome(&requests, needed.max(1) as usize) {
            Some(outcome) => {
                match self.close_now(None, &st, outcome, &votes).await {
                    // Another vote closed it a moment ago: this vote still counted toward that.
                    Ok(_)
                    | Err(AppError::Conflict {
                        code: "no_change", ..
                    }) => {}
                    Err(e) => return Err(e),
                }
                Ok(CloseTally {
                    kind: "close",
                    votes: 0,
                    needed,
                    closed: true,
                })
            }
            None => Ok(CloseTally {
                kind: "close",
                votes: votes.len() as i64,
                needed,
                closed: false,
            }),
        }
    }

    /// Votes to reopen a closed question; a moderator's vote reopens it at once.
    #[tracing::instrument(skip_all, fields(user.id = user.id, question.id = question_id))]
    pub async fn vote_to_reopen(
        &self,
        user: &AuthUser,
        question_id: i64,
    ) -> Result<CloseTally, AppError> {
        let (q, st) = self.open_question(question_id).await?;
        let at_once = close_vote_allowed(user, &q)?;
        if st.closed_at.is_none() {
            return Err(AppError::Conflict {
                code: "not_closed",
                message: "This question is open.".into(),
            });
        }
        let needed = self.governance().await?.close_votes_needed;
        let votes = if at_once.is_some() {
            Vec::new()
        } else {
            self.store()
                .insert_close_vote(
                    &NewCloseVote {
                        post_id: question_id,
                        user_id: user.id,
                        kind: "reopen",
                        reason: None,
                        duplicate_of: None,
                    },
                    stoa_store::now(),
                )
                .await
                .map_err(already_voted)?
        };
        if at_once.is_some() || votes.len() as i64 >= needed {
            let names = voters(&votes);
            let reason = if names.is_empty() {
                "Reopened by a moderator.".to_string()
            } else {
                format!("Reopened by votes of {names}.")
            };
            let category = st
                .close_reason
                .as_deref()
                .and_then(|r| CloseReason::parse(r).ok())
                .map_or(
                    stoa_domain::moderation::Category::Other,
                    CloseReason::category,
                );
            let plan = Plan {
                affected_user_id: Some(st.author_id),
                actor_id: at_once,
                ..Plan::new(
                    ModAction::Reopen,
                    TargetType::Post,
                    question_id,
                    category,
                    reason,
                )
            };
            self.perform(plan).await?;
            return Ok(CloseTally {
                kind: "reopen",
                votes: 0,
                needed,
                closed: false,
            });
        }
        Ok(CloseTally {
            kind: "reopen",
            votes: votes.len() as i64,
            needed,
            closed: true,
        })
    }

    /// Closes a question for `outcome`, logged as the action of `moderator` (who closed it at
    /// once) or, when `None`, of the voters.
    pub(crate) async fn close_now(
        &self,
        moderator: Option<i64>,
        st: &PostState,
        outcome: CloseRequest,
        votes: &[CloseVoteRow],
    ) -> Result<i64, AppError> {
        let dup = outcome
            .duplicate_of
            .map(|d| format!(" of question {d}"))
            .unwrap_or_default();
        let reason = if votes.is_empty() {
            format!(
                "Closed as {}{dup} by a moderator.",
                outcome.reason.label().to_lowercase()
            )
        } else {
            format!(
                "Closed as {}{dup} by votes of {}.",
                outcome.reason.label().to_lowercase(),
                voters(votes)
            )
        };
        let plan = Plan {
            affected_user_id: Some(st.author_id),
            duplicate_of: outcome.duplicate_of,
            actor_id: moderator,
            ..Plan::new(
                ModAction::Close,
                TargetType::Post,
                st.id,
                outcome.reason.category(),
                reason,
            )
        };
        self.perform(plan).await
    }

    async fn open_question(
        &self,
        id: i64,
    ) -> Result<(stoa_store::posts::PostRow, PostState), AppError> {
        let q = self.post(id).await?;
        if q.kind != PostKind::Question {
            return Err(AppError::invalid(
                "not_a_question",
                "id",
                "Only questions can be closed or reopened.",
            ));
        }
        let st = self
            .store()
            .post_state(id)
            .await?
            .ok_or(AppError::NotFound("question"))?;
        Ok((q, st))
    }
}

/// Whether `viewer` may see a post the public cannot (deleted, held or hidden).
pub(crate) fn may_see_withdrawn(viewer: Option<&AuthUser>, author_id: i64, deleted: bool) -> bool {
    viewer.is_some_and(|v| {
        decide(
            &v.actor(),
            Action::SeeWithdrawn,
            Target::Withdrawn { author_id, deleted },
        )
        .is_ok()
    })
}

/// Checks that `user` may vote to close or reopen `q`; `Some(user.id)` when their vote alone
/// decides (a moderator's), `None` when it is one vote among those needed.
fn close_vote_allowed(
    user: &AuthUser,
    q: &stoa_store::posts::PostRow,
) -> Result<Option<i64>, AppError> {
    let actor = user.actor();
    let target = Target::Post {
        author_id: q.author_id,
        locked: q.locked_at.is_some(),
    };
    decide(&actor, Action::VoteClose, target)?;
    Ok(decide(&actor, Action::CloseAtOnce, target)
        .is_ok()
        .then_some(user.id))
}

/// "alice, bob and carol".
fn voters(votes: &[CloseVoteRow]) -> String {
    let names: Vec<&str> = votes.iter().map(|v| v.username.as_str()).collect();
    match names.as_slice() {
        [] => String::new(),
        [one] => (*one).to_string(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

fn already_voted(e: stoa_store::StoreError) -> AppError {
    match e {
        stoa_store::StoreError::Conflict(_) => AppError::Conflict {
            code: "already_voted",
            message: "You have already voted on this question.".into(),
        },
        other => other.into(),
    }
}
