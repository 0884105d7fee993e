//! Bounties: reputation a member offers on a question for a week, taken from their ledger at
//! once; they award it to an answer, or when the week ends half goes to the best answer posted
//! during the bounty (score 2 or more), as on Stack Exchange.

/// Least reputation offered.
pub const MIN_AMOUNT: i64 = 50;
/// Most reputation offered.
pub const MAX_AMOUNT: i64 = 500;
/// How long a bounty runs, in seconds.
pub const DURATION_SECS: i64 = 7 * 86_400;
/// Least score of an answer that receives half an expired bounty.
pub const MIN_EXPIRY_SCORE: i64 = 2;

/// Why a bounty cannot be offered or awarded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BountyError {
    /// Outside 50–500.
    #[error("A bounty is between {MIN_AMOUNT} and {MAX_AMOUNT} reputation points.")]
    Amount,
    /// More than the member has.
    #[error(
        "You have {reputation} reputation points; a bounty of {amount} would take more than that."
    )]
    TooLarge {
        /// What they have.
        reputation: i64,
        /// What they offered.
        amount: i64,
    },
    /// The question has a running bounty.
    #[error("This question already has a bounty running; wait until it is awarded or ends.")]
    AlreadyOpen,
    /// Only questions take bounties, and only open ones.
    #[error("Bounties can only be offered on open questions.")]
    NotAQuestion,
    /// No running bounty to award.
    #[error("This question has no running bounty.")]
    NoneOpen,
    /// Only the member who offered it awards it.
    #[error("Only the member who offered the bounty can award it.")]
    NotYours,
    /// The answer is the offerer's own.
    #[error("You cannot award your own bounty to your own answer.")]
    OwnAnswer,
    /// The answer is not a live answer to this question.
    #[error("That answer does not belong to this question.")]
    WrongAnswer,
}

impl BountyError {
    /// A stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            BountyError::Amount => "invalid_amount",
            BountyError::TooLarge { .. } => "insufficient_reputation",
            BountyError::AlreadyOpen => "bounty_open",
            BountyError::NotAQuestion => "not_a_question",
            BountyError::NoneOpen => "no_bounty",
            BountyError::NotYours => "not_your_bounty",
            BountyError::OwnAnswer => "own_answer",
            BountyError::WrongAnswer => "wrong_answer",
        }
    }
}

/// Checks an offer of `amount` by a member with `reputation`.
pub fn check_offer(amount: i64, reputation: i64) -> Result<(), BountyError> {
    if !(MIN_AMOUNT..=MAX_AMOUNT).contains(&amount) {
        return Err(BountyError::Amount);
    }
    if amount > reputation {
        return Err(BountyError::TooLarge { reputation, amount });
    }
    Ok(())
}

/// Checks an award by `awarder` of the bounty offered by `offered_by` to an answer by
/// `answer_author`.
pub fn check_award(awarder: i64, offered_by: i64, answer_author: i64) -> Result<(), BountyError> {
    if awarder != offered_by {
        return Err(BountyError::NotYours);
    }
    if answer_author == offered_by {
        return Err(BountyError::OwnAnswer);
    }
    Ok(())
}

/// An answer considered when a bounty ends unawarded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Candidate {
    /// The answer.
    pub answer_id: i64,
    /// Its author.
    pub author_id: i64,
    /// Its score.
    pub score: i64,
    /// When it was posted.
    pub created_at: i64,
}

/// The answer that receives half an expired bounty: the highest score of at least
/// [`MIN_EXPIRY_SCORE`] among answers posted while it ran and not by the offerer; on a tie the
/// earlier answer. None: the points are gone, as the offerer knew when offering.
pub fn expiry_winner(
    candidates: &[Candidate],
    offered_by: i64,
    started_at: i64,
    ends_at: i64,
) -> Option<Candidate> {
    candidates
        .iter()
        .filter(|c| {
            c.author_id != offered_by
                && c.score >= MIN_EXPIRY_SCORE
                && c.created_at >= started_at
                && c.created_at < ends_at
        })
        .min_by_key(|c| (-c.score, c.created_at, c.answer_id))
        .copied()
}

/// What the best answer receives when a bounty of `amount` ends unawarded.
pub fn expiry_amount(amount: i64) -> i64 {
    amount / 2
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn offers() {
        assert_eq!(check_offer(49, 1000), Err(BountyError::Amount));
        assert_eq!(check_offer(501, 1000), Err(BountyError::Amount));
        assert_eq!(
            check_offer(100, 99),
            Err(BountyError::TooLarge {
                reputation: 99,
                amount: 100
            })
        );
        assert_eq!(check_offer(100, 100), Ok(()));
        assert_eq!(check_offer(50, 51), Ok(()));
    }

    #[test]
    fn awards() {
        assert_eq!(check_award(2, 1, 3), Err(BountyError::NotYours));
        assert_eq!(check_award(1, 1, 1), Err(BountyError::OwnAnswer));
        assert_eq!(check_award(1, 1, 3), Ok(()));
    }

    fn c(answer_id: i64, author_id: i64, score: i64, created_at: i64) -> Candidate {
        Candidate {
            answer_id,
            author_id,
            score,
            created_at,
        }
    }

    #[test]
    fn expiry() {
        let (start, end) = (100, 200);
        let answers = [
            c(1, 5, 9, 50),  // before the bounty
            c(2, 9, 7, 150), // the offerer's own
            c(3, 6, 1, 120), // score too low
            c(4, 7, 3, 160),
            c(5, 8, 3, 130), // same score, earlier: wins
            c(6, 4, 8, 200), // after the end
        ];
        assert_eq!(
            expiry_winner(&answers, 9, start, end).map(|c| c.answer_id),
            Some(5)
        );
        assert_eq!(expiry_winner(&answers[..3], 9, start, end), None);
        assert_eq!(expiry_amount(75), 37);
        assert_eq!(expiry_amount(500), 250);
    }

    proptest! {
        #[test]
        fn the_winner_is_eligible_and_best(
            raw in proptest::collection::vec((0_i64..5, -3_i64..10, 0_i64..300), 0..12)
        ) {
            let answers: Vec<Candidate> = raw.iter().enumerate()
                .map(|(i, (a, s, t))| c(i as i64 + 1, *a, *s, *t)).collect();
            let w = expiry_winner(&answers, 0, 100, 200);
            let eligible: Vec<&Candidate> = answers.iter()
                .filter(|c| c.author_id != 0 && c.score >= 2 && (100..200).contains(&c.created_at))
                .collect();
            prop_assert_eq!(w.is_some(), !eligible.is_empty());
            if let Some(w) = w {
                prop_assert!(eligible.iter().all(|c| c.score <= w.score));
                let mut rev = answers.clone();
                rev.reverse();
                prop_assert_eq!(expiry_winner(&rev, 0, 100, 200), Some(w));
            }
        }
    }
}
