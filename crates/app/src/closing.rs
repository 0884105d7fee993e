//! Closing and reopening questions: by votes of trusted members, or at once by a moderator.
//! Either way the change is written to the public log, naming the voters.

use crate::moderation::Plan;
use crate::{App, AppError, AuthUser};
use stoa_domain::moderation::{close_outcome, CloseReason, CloseRequest, ModAction, TargetType};
use stoa_domain::policy::{decide, Action, Target};
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
            Some(st)
                if viewer.is_some_and(|v| v.role.is_moderator())
                    || (st.deleted_at.is_none()
                        && (st.status == "published"
                            || viewer.is_some_and(|v| v.id == st.author_id))) =>
            {
                Ok(st)
            }
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
        decide(
            &user.actor(),
            Action::VoteClose,
            Target::Post {
                author_id: q.author_id,
                locked: q.locked_at.is_some(),
            },
        )?;
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
        if user.role.is_moderator() {
            self.close_now(user, &st, req, &[]).await?;
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
                match self.close_now(user, &st, outcome, &votes).await {
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
        decide(
            &user.actor(),
            Action::VoteClose,
            Target::Post {
                author_id: q.author_id,
                locked: q.locked_at.is_some(),
            },
        )?;
        if st.closed_at.is_none() {
            return Err(AppError::Conflict {
                code: "not_closed",
                message: "This question is open.".into(),
            });
        }
        let needed = self.governance().await?.close_votes_needed;
        let votes = if user.role.is_moderator() {
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
        if user.role.is_moderator() || votes.len() as i64 >= needed {
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
                actor_id: user.role.is_moderator().then_some(user.id),
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

    /// Closes a question for `outcome`, logged as the moderator's action or the voters'.
    pub(crate) async fn close_now(
        &self,
        user: &AuthUser,
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
            actor_id: user.role.is_moderator().then_some(user.id),
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
        if q.kind != "question" {
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
