//! Reputation as a ledger: every change is an entry with a reason, reputation is the sum.
//!
//! Entries are never edited or deleted. Undoing one (a vote taken back, an acceptance moved, a
//! penalty reversed on appeal) appends a compensating entry with the opposite delta and marks the
//! original as reversed, so the ledger always adds up to the reputation shown.

use serde::{Deserialize, Serialize};

/// Reputation every account starts with; it is not an entry, so a new ledger is empty.
pub const BASE: i64 = 1;

/// Why reputation changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    /// Someone voted one's post up.
    UpvoteReceived,
    /// Someone voted one's post down.
    DownvoteReceived,
    /// One voted an answer down (a small cost that keeps downvotes considered).
    DownvoteCast,
    /// The asker accepted one's answer.
    AnswerAccepted,
    /// One accepted an answer to one's question.
    AcceptedAnAnswer,
    /// A reviewer approved one's suggested edit.
    SuggestedEditApproved,
    /// A bounty awarded to one's answer (by the offerer, or half of it when the bounty ended).
    Bounty,
    /// One offered a bounty on a question: the points leave one's ledger at once.
    BountyOffered,
    /// A moderator removed one's post as spam or abuse.
    Penalty,
    /// The compensating entry of an undone one: vote taken back, acceptance moved, penalty reversed.
    Reversal,
    /// The compensating entry of a vote found to be serial voting and removed.
    SerialVotingReversed,
    /// The compensating entry of a vote or acceptance on a post that was deleted (undeleting
    /// restores the votes' entries).
    PostDeleted,
}

impl Reason {
    /// The reasons tied to a vote, reversed together when the vote changes.
    pub const VOTE: [Reason; 3] = [
        Reason::UpvoteReceived,
        Reason::DownvoteReceived,
        Reason::DownvoteCast,
    ];
    /// The reasons tied to an acceptance.
    pub const ACCEPT: [Reason; 2] = [Reason::AnswerAccepted, Reason::AcceptedAnAnswer];

    /// Every reason.
    pub const ALL: [Reason; 12] = [
        Reason::UpvoteReceived,
        Reason::DownvoteReceived,
        Reason::DownvoteCast,
        Reason::AnswerAccepted,
        Reason::AcceptedAnAnswer,
        Reason::SuggestedEditApproved,
        Reason::Bounty,
        Reason::BountyOffered,
        Reason::Penalty,
        Reason::Reversal,
        Reason::SerialVotingReversed,
        Reason::PostDeleted,
    ];

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::UpvoteReceived => "upvote_received",
            Reason::DownvoteReceived => "downvote_received",
            Reason::DownvoteCast => "downvote_cast",
            Reason::AnswerAccepted => "answer_accepted",
            Reason::AcceptedAnAnswer => "accepted_an_answer",
            Reason::SuggestedEditApproved => "suggested_edit_approved",
            Reason::Bounty => "bounty",
            Reason::BountyOffered => "bounty_offered",
            Reason::Penalty => "penalty",
            Reason::Reversal => "reversal",
            Reason::SerialVotingReversed => "serial_voting_reversed",
            Reason::PostDeleted => "post_deleted",
        }
    }

    /// Parses a stored name.
    pub fn parse(raw: &str) -> Option<Reason> {
        Reason::ALL.iter().copied().find(|r| r.as_str() == raw)
    }

    /// A phrase for people.
    pub fn label(self) -> &'static str {
        match self {
            Reason::UpvoteReceived => "Upvote received",
            Reason::DownvoteReceived => "Downvote received",
            Reason::DownvoteCast => "Downvoted an answer",
            Reason::AnswerAccepted => "Answer accepted",
            Reason::AcceptedAnAnswer => "Accepted an answer",
            Reason::SuggestedEditApproved => "Suggested edit approved",
            Reason::Bounty => "Bounty received",
            Reason::BountyOffered => "Bounty offered",
            Reason::Penalty => "Post removed by a moderator",
            Reason::Reversal => "Reversal",
            Reason::SerialVotingReversed => "Serial voting reversed",
            Reason::PostDeleted => "Post deleted",
        }
    }
}

/// Points per event: site settings with Stack Exchange's values as defaults.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Points {
    /// Upvote on a question.
    pub question_upvote: i64,
    /// Upvote on an answer.
    pub answer_upvote: i64,
    /// Downvote received (negative).
    pub downvote_received: i64,
    /// Cost of downvoting an answer (negative).
    pub downvote_cast: i64,
    /// Answer accepted.
    pub answer_accepted: i64,
    /// Accepting an answer to one's own question.
    pub accepted_an_answer: i64,
    /// Suggested edit approved.
    pub suggested_edit_approved: i64,
    /// A post removed as spam or abuse (negative).
    pub penalty: i64,
}

impl Default for Points {
    fn default() -> Self {
        Points {
            question_upvote: 10,
            answer_upvote: 10,
            downvote_received: -2,
            downvote_cast: -1,
            answer_accepted: 15,
            accepted_an_answer: 2,
            suggested_edit_approved: 2,
            penalty: -100,
        }
    }
}

impl Points {
    /// Largest absolute value of one entry; keeps sums far from overflow.
    pub const MAX_ABS: i64 = 10_000;

    /// Checks signs and magnitudes so that a typo cannot make downvotes pay.
    pub fn validate(&self) -> Result<(), String> {
        let gains = [
            ("question_upvote", self.question_upvote),
            ("answer_upvote", self.answer_upvote),
            ("answer_accepted", self.answer_accepted),
            ("accepted_an_answer", self.accepted_an_answer),
            ("suggested_edit_approved", self.suggested_edit_approved),
        ];
        let losses = [
            ("downvote_received", self.downvote_received),
            ("downvote_cast", self.downvote_cast),
            ("penalty", self.penalty),
        ];
        for (name, v) in gains {
            if !(0..=Self::MAX_ABS).contains(&v) {
                return Err(format!(
                    "points.{name} must be between 0 and {}",
                    Self::MAX_ABS
                ));
            }
        }
        for (name, v) in losses {
            if !(-Self::MAX_ABS..=0).contains(&v) {
                return Err(format!(
                    "points.{name} must be between -{} and 0",
                    Self::MAX_ABS
                ));
            }
        }
        Ok(())
    }
}

/// A new ledger entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entry {
    /// Whose reputation changes.
    pub user_id: i64,
    /// By how much.
    pub delta: i64,
    /// Why.
    pub reason: Reason,
}

/// The entries a vote produces; none for taking a vote back (the old ones are reversed instead).
pub fn vote_entries(
    points: &Points,
    on_answer: bool,
    value: i64,
    author_id: i64,
    voter_id: i64,
) -> Vec<Entry> {
    let mut out = Vec::new();
    match value {
        1 => {
            let delta = if on_answer {
                points.answer_upvote
            } else {
                points.question_upvote
            };
            out.push(Entry {
                user_id: author_id,
                delta,
                reason: Reason::UpvoteReceived,
            });
        }
        -1 => {
            out.push(Entry {
                user_id: author_id,
                delta: points.downvote_received,
                reason: Reason::DownvoteReceived,
            });
            if on_answer {
                out.push(Entry {
                    user_id: voter_id,
                    delta: points.downvote_cast,
                    reason: Reason::DownvoteCast,
                });
            }
        }
        _ => {}
    }
    out.retain(|e| e.delta != 0);
    out
}

/// The entries an acceptance produces; accepting one's own answer earns nothing.
pub fn accept_entries(points: &Points, asker_id: i64, answer_author_id: i64) -> Vec<Entry> {
    if asker_id == answer_author_id {
        return Vec::new();
    }
    let mut out = vec![
        Entry {
            user_id: answer_author_id,
            delta: points.answer_accepted,
            reason: Reason::AnswerAccepted,
        },
        Entry {
            user_id: asker_id,
            delta: points.accepted_an_answer,
            reason: Reason::AcceptedAnAnswer,
        },
    ];
    out.retain(|e| e.delta != 0);
    out
}

/// Most reputation a person earns from up-votes in one UTC day (as on Stack Exchange;
/// accepted answers and bounties are not capped).
pub const VOTE_POINTS_PER_DAY: i64 = 200;

/// The points an up-vote earns, given what up-votes already earned the person today.
pub fn capped_vote_points(points: i64, today: i64) -> i64 {
    points.min(VOTE_POINTS_PER_DAY - today).max(0)
}

/// Most reputation a person earns from approved suggested edits in one UTC day.
pub const EDIT_POINTS_PER_DAY: i64 = 20;
/// Most reputation a person earns from approved suggested edits in all.
pub const EDIT_POINTS_TOTAL: i64 = 1_000;

/// The points an approved suggested edit earns, given what approved edits already earned the
/// person today and in all: capped, so that two accounts trading edits and approvals cannot
/// farm reputation.
pub fn capped_edit_points(points: i64, today: i64, total: i64) -> i64 {
    let room = (EDIT_POINTS_PER_DAY - today).min(EDIT_POINTS_TOTAL - total);
    points.min(room).max(0)
}

/// The compensating delta of an entry being undone.
pub fn reversal(delta: i64) -> i64 {
    delta.saturating_neg()
}

/// Reputation from a ledger: the base plus every delta (reversals included, as their own entries).
pub fn reputation(deltas: impl IntoIterator<Item = i64>) -> i64 {
    deltas.into_iter().fold(BASE, i64::saturating_add)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn votes() {
        let p = Points::default();
        assert_eq!(
            vote_entries(&p, true, 1, 2, 3),
            vec![Entry {
                user_id: 2,
                delta: 10,
                reason: Reason::UpvoteReceived
            }]
        );
        assert_eq!(
            vote_entries(&p, true, -1, 2, 3),
            vec![
                Entry {
                    user_id: 2,
                    delta: -2,
                    reason: Reason::DownvoteReceived
                },
                Entry {
                    user_id: 3,
                    delta: -1,
                    reason: Reason::DownvoteCast
                }
            ]
        );
        assert_eq!(
            vote_entries(&p, false, -1, 2, 3).len(),
            1,
            "downvoting a question is free"
        );
        assert!(vote_entries(&p, true, 0, 2, 3).is_empty());
        let free = Points {
            downvote_cast: 0,
            ..p
        };
        assert_eq!(
            vote_entries(&free, true, -1, 2, 3).len(),
            1,
            "zero-point entries are not written"
        );
    }

    #[test]
    fn vote_points_are_capped_per_day() {
        assert_eq!(capped_vote_points(10, 0), 10);
        assert_eq!(capped_vote_points(10, 195), 5);
        assert_eq!(capped_vote_points(10, 200), 0);
        assert_eq!(capped_vote_points(10, 250), 0);
    }

    #[test]
    fn edit_points_are_capped() {
        assert_eq!(capped_edit_points(2, 0, 0), 2);
        assert_eq!(capped_edit_points(2, 19, 100), 1);
        assert_eq!(capped_edit_points(2, 20, 100), 0);
        assert_eq!(capped_edit_points(2, 0, 999), 1);
        assert_eq!(capped_edit_points(2, 0, 1_000), 0);
        assert_eq!(capped_edit_points(0, 0, 0), 0);
    }

    #[test]
    fn acceptance() {
        let p = Points::default();
        let e = accept_entries(&p, 1, 2);
        assert_eq!(
            e.iter().map(|e| (e.user_id, e.delta)).collect::<Vec<_>>(),
            vec![(2, 15), (1, 2)]
        );
        assert!(accept_entries(&p, 1, 1).is_empty());
    }

    #[test]
    fn points_are_validated() {
        assert!(Points::default().validate().is_ok());
        assert!(Points {
            downvote_received: 5,
            ..Points::default()
        }
        .validate()
        .is_err());
        assert!(Points {
            answer_upvote: -5,
            ..Points::default()
        }
        .validate()
        .is_err());
        assert!(Points {
            penalty: -1_000_000,
            ..Points::default()
        }
        .validate()
        .is_err());
    }

    #[test]
    fn reasons_roundtrip() {
        for r in Reason::ALL {
            assert_eq!(Reason::parse(r.as_str()), Some(r));
        }
        assert_eq!(Reason::parse("nope"), None);
    }

    proptest! {
        /// Any history of vote changes, each reversing the previous entries, sums to the last vote's entries.
        #[test]
        fn vote_history_sums_to_the_last_vote(values in proptest::collection::vec(-1i64..=1, 1..20), on_answer in any::<bool>()) {
            let p = Points::default();
            let mut ledger: Vec<(i64, i64, bool)> = Vec::new(); // (user, delta, reversed)
            for v in &values {
                let live: Vec<usize> = (0..ledger.len()).filter(|i| !ledger[*i].2).collect();
                for i in live {
                    ledger[i].2 = true;
                    let (user, delta, _) = ledger[i];
                    ledger.push((user, reversal(delta), true));
                }
                for e in vote_entries(&p, on_answer, *v, 2, 3) {
                    ledger.push((e.user_id, e.delta, false));
                }
            }
            let last = *values.last().unwrap();
            for user in [2, 3] {
                let sum = reputation(ledger.iter().filter(|e| e.0 == user).map(|e| e.1));
                let expected = reputation(vote_entries(&p, on_answer, last, 2, 3).iter().filter(|e| e.user_id == user).map(|e| e.delta));
                prop_assert_eq!(sum, expected);
            }
        }

        #[test]
        fn reputation_never_overflows(deltas in proptest::collection::vec(any::<i64>(), 0..50)) {
            let _ = reputation(deltas.iter().copied());
            for d in deltas {
                prop_assert_eq!(reversal(reversal(d)).max(-i64::MAX), d.max(-i64::MAX));
            }
        }
    }
}
