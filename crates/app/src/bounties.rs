//! Bounties: offering reputation on a question, awarding it to an answer, and the job that
//! ends bounties whose week is over (half to the best answer posted during it).

use crate::{App, AppError, AuthUser};
use stoa_domain::bounty::{self, BountyError, Candidate};
use stoa_domain::policy::{decide, Action, Target};
use stoa_domain::post_kind::{PostKind, PostStatus};
use stoa_store::bounties::{BountyRow, OfferOutcome};

impl From<BountyError> for AppError {
    fn from(e: BountyError) -> Self {
        let message = e.to_string();
        match e {
            BountyError::Amount => AppError::Invalid {
                code: e.code(),
                field: Some("amount"),
                message,
            },
            BountyError::TooLarge { .. } => AppError::Invalid {
                code: e.code(),
                field: Some("amount"),
                message,
            },
            BountyError::AlreadyOpen | BountyError::NoneOpen => AppError::Conflict {
                code: e.code(),
                message,
            },
            BountyError::NotYours | BountyError::OwnAnswer => AppError::Refused {
                code: e.code(),
                message,
            },
            BountyError::NotAQuestion | BountyError::WrongAnswer => AppError::Invalid {
                code: e.code(),
                field: Some(if matches!(e, BountyError::WrongAnswer) {
                    "answer_id"
                } else {
                    "id"
                }),
                message,
            },
        }
    }
}

impl App {
    /// Every bounty of a question, the running one first.
    pub async fn bounties_of(&self, question_id: i64) -> Result<Vec<BountyRow>, AppError> {
        Ok(self.store().bounties_of(question_id).await?)
    }

    /// Offers `amount` of the member's reputation on a question for a week.
    #[tracing::instrument(skip_all, fields(user.id = user.id, question.id = question_id))]
    pub async fn offer_bounty(
        &self,
        user: &AuthUser,
        question_id: i64,
        amount: i64,
    ) -> Result<BountyRow, AppError> {
        let q = self.post(question_id).await?;
        if q.kind != PostKind::Question || q.closed_at.is_some() || q.locked_at.is_some() {
            return Err(BountyError::NotAQuestion.into());
        }
        decide(&user.actor(), Action::OfferBounty, Target::Site)?;
        // The reputation as stored now, not as the session loaded it.
        let reputation = self.user(user.id).await?.reputation;
        bounty::check_offer(amount, reputation)?;
        let now = stoa_store::now();
        match self
            .store()
            .offer_bounty(
                question_id,
                user.id,
                amount,
                now + bounty::DURATION_SECS,
                now,
            )
            .await?
        {
            OfferOutcome::Offered(_) => {}
            OfferOutcome::AlreadyOpen => return Err(BountyError::AlreadyOpen.into()),
            OfferOutcome::TooLarge(reputation) => {
                return Err(BountyError::TooLarge { reputation, amount }.into())
            }
        }
        self.store()
            .open_bounty(question_id)
            .await?
            .ok_or(AppError::NotFound("bounty"))
    }

    /// Awards the question's running bounty to one of its answers (only its offerer can).
    #[tracing::instrument(skip_all, fields(user.id = user.id, question.id = question_id))]
    pub async fn award_bounty(
        &self,
        user: &AuthUser,
        question_id: i64,
        answer_id: i64,
    ) -> Result<BountyRow, AppError> {
        user.may_write()?;
        self.post(question_id).await?;
        let open = self
            .store()
            .open_bounty(question_id)
            .await?
            .ok_or(BountyError::NoneOpen)?;
        let answer = match self.store().post(answer_id).await? {
            Some(a)
                if a.parent_id == Some(question_id)
                    && a.kind == PostKind::Answer
                    && a.deleted_at.is_none()
                    && a.status == PostStatus::Published =>
            {
                a
            }
            _ => return Err(BountyError::WrongAnswer.into()),
        };
        bounty::check_award(user.id, open.offered_by, answer.author_id)?;
        let closed = self
            .store()
            .close_bounty(
                &open,
                "awarded",
                Some((answer.id, answer.author_id)),
                open.amount,
                stoa_store::now(),
            )
            .await?;
        if !closed {
            return Err(BountyError::NoneOpen.into());
        }
        self.store()
            .bounties_of(question_id)
            .await?
            .into_iter()
            .find(|b| b.id == open.id)
            .ok_or(AppError::NotFound("bounty"))
    }

    /// Ends the bounties whose week is over: half to the best answer posted during each (score
    /// 2 or more, not the offerer's), or to nobody. Returns how many ended.
    pub async fn expire_bounties(&self) -> Result<usize, AppError> {
        let now = stoa_store::now();
        let mut ended = 0;
        loop {
            let due = self.store().due_bounties(now, 100).await?;
            if due.is_empty() {
                break;
            }
            for b in &due {
                let answers = self.store().answer_scores(b.question_id).await?;
                let candidates: Vec<Candidate> = answers
                    .iter()
                    .map(|a| Candidate {
                        answer_id: a.answer_id,
                        author_id: a.author_id,
                        score: a.score,
                        created_at: a.created_at,
                    })
                    .collect();
                let winner =
                    bounty::expiry_winner(&candidates, b.offered_by, b.started_at, b.ends_at);
                let closed = self
                    .store()
                    .close_bounty(
                        b,
                        "expired",
                        winner.map(|w| (w.answer_id, w.author_id)),
                        bounty::expiry_amount(b.amount),
                        now,
                    )
                    .await?;
                ended += usize::from(closed);
            }
            if due.len() < 100 {
                break;
            }
        }
        Ok(ended)
    }
}
