//! Badges: a fixed catalogue of bronze, silver and gold rules over what people already do on
//! the site. A rule names a measure of a person and the least value that earns the badge; the
//! awarding job asks the store for everyone at or above it, so awarding is idempotent (a badge
//! is held once) and recomputable from the site alone.

use serde::Serialize;

/// A badge's rank.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Tier {
    /// Easy to earn: the first steps.
    Bronze,
    /// A sustained contribution.
    Silver,
    /// Rare.
    Gold,
}

impl Tier {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Tier::Bronze => "bronze",
            Tier::Silver => "silver",
            Tier::Gold => "gold",
        }
    }

    /// Parses a stored name.
    pub fn parse(raw: &str) -> Option<Tier> {
        [Tier::Bronze, Tier::Silver, Tier::Gold]
            .into_iter()
            .find(|t| t.as_str() == raw)
    }

    /// A Stack Exchange badge class (1 gold, 2 silver, 3 bronze).
    pub fn from_stack_exchange(class: i64) -> Option<Tier> {
        match class {
            1 => Some(Tier::Gold),
            2 => Some(Tier::Silver),
            3 => Some(Tier::Bronze),
            _ => None,
        }
    }

    /// A word for people.
    pub fn label(self) -> &'static str {
        match self {
            Tier::Bronze => "Bronze",
            Tier::Silver => "Silver",
            Tier::Gold => "Gold",
        }
    }
}

/// What a rule counts for a person.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Measure {
    /// Live answers posted.
    Answers,
    /// Live questions with a score of at least the given value.
    QuestionsScoring(i64),
    /// Live answers accepted by the asker (one's own question excluded).
    AcceptedAnswers,
    /// Live answers with a score of at least the given value.
    AnswersScoring(i64),
    /// Live articles with at least the given number of "helpful" votes.
    ArticlesHelpful(i64),
    /// Searches that ended "solved" on one's post (an accepted answer credits its author).
    PeopleHelped,
    /// Reviews done.
    Reviews,
    /// Flags a moderator upheld.
    FlagsUpheld,
    /// Suggested edits approved.
    EditsApproved,
    /// The longest run of consecutive days signed in.
    VisitStreak,
}

/// One badge of the catalogue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Badge {
    /// Stored key, stable forever.
    pub key: &'static str,
    /// Its name.
    pub name: &'static str,
    /// Its rank.
    pub tier: Tier,
    /// What it counts.
    pub measure: Measure,
    /// The least count that earns it.
    pub threshold: i64,
    /// How to earn it, for people.
    pub description: &'static str,
}

const fn badge(
    key: &'static str,
    name: &'static str,
    tier: Tier,
    measure: Measure,
    threshold: i64,
    description: &'static str,
) -> Badge {
    Badge {
        key,
        name,
        tier,
        measure,
        threshold,
        description,
    }
}

/// Every badge Stoa awards, in the order the catalogue page shows them.
pub const CATALOGUE: &[Badge] = &[
    badge(
        "helper",
        "Helper",
        Tier::Bronze,
        Measure::Answers,
        1,
        "Posted a first answer.",
    ),
    badge(
        "curious",
        "Curious",
        Tier::Bronze,
        Measure::QuestionsScoring(1),
        1,
        "Asked a question that received an up-vote.",
    ),
    badge(
        "solver",
        "Solver",
        Tier::Bronze,
        Measure::AcceptedAnswers,
        1,
        "Wrote an answer the asker accepted.",
    ),
    badge(
        "reliable",
        "Reliable",
        Tier::Silver,
        Measure::AcceptedAnswers,
        10,
        "Wrote 10 accepted answers.",
    ),
    badge(
        "authority",
        "Authority",
        Tier::Gold,
        Measure::AcceptedAnswers,
        50,
        "Wrote 50 accepted answers.",
    ),
    badge(
        "nice_answer",
        "Nice answer",
        Tier::Bronze,
        Measure::AnswersScoring(10),
        1,
        "Wrote an answer with a score of 10 or more.",
    ),
    badge(
        "good_answer",
        "Good answer",
        Tier::Silver,
        Measure::AnswersScoring(25),
        1,
        "Wrote an answer with a score of 25 or more.",
    ),
    badge(
        "great_answer",
        "Great answer",
        Tier::Gold,
        Measure::AnswersScoring(100),
        1,
        "Wrote an answer with a score of 100 or more.",
    ),
    badge(
        "useful_article",
        "Useful article",
        Tier::Bronze,
        Measure::ArticlesHelpful(5),
        1,
        "Wrote a knowledge-base article 5 readers found helpful.",
    ),
    badge(
        "valued_article",
        "Valued article",
        Tier::Silver,
        Measure::ArticlesHelpful(25),
        1,
        "Wrote a knowledge-base article 25 readers found helpful.",
    ),
    badge(
        "essential_article",
        "Essential article",
        Tier::Gold,
        Measure::ArticlesHelpful(100),
        1,
        "Wrote a knowledge-base article 100 readers found helpful.",
    ),
    badge(
        "first_rescue",
        "First rescue",
        Tier::Bronze,
        Measure::PeopleHelped,
        1,
        "Someone searched, found your post and needed nothing more.",
    ),
    badge(
        "lifeline",
        "Lifeline",
        Tier::Silver,
        Measure::PeopleHelped,
        25,
        "Helped 25 people who searched and found your posts.",
    ),
    badge(
        "guardian",
        "Guardian",
        Tier::Gold,
        Measure::PeopleHelped,
        250,
        "Helped 250 people who searched and found your posts.",
    ),
    badge(
        "reviewer",
        "Reviewer",
        Tier::Bronze,
        Measure::Reviews,
        10,
        "Did 10 reviews.",
    ),
    badge(
        "steward",
        "Steward",
        Tier::Silver,
        Measure::Reviews,
        250,
        "Did 250 reviews.",
    ),
    badge(
        "custodian",
        "Custodian",
        Tier::Gold,
        Measure::Reviews,
        1000,
        "Did 1,000 reviews.",
    ),
    badge(
        "citizen_patrol",
        "Citizen patrol",
        Tier::Bronze,
        Measure::FlagsUpheld,
        1,
        "Raised a flag a moderator upheld.",
    ),
    badge(
        "deputy",
        "Deputy",
        Tier::Silver,
        Measure::FlagsUpheld,
        80,
        "Raised 80 flags moderators upheld.",
    ),
    badge(
        "marshal",
        "Marshal",
        Tier::Gold,
        Measure::FlagsUpheld,
        500,
        "Raised 500 flags moderators upheld.",
    ),
    badge(
        "editor",
        "Editor",
        Tier::Bronze,
        Measure::EditsApproved,
        1,
        "Suggested an edit that was approved.",
    ),
    badge(
        "copy_editor",
        "Copy editor",
        Tier::Silver,
        Measure::EditsApproved,
        50,
        "Suggested 50 edits that were approved.",
    ),
    badge(
        "regular",
        "Regular",
        Tier::Bronze,
        Measure::VisitStreak,
        7,
        "Signed in on 7 days in a row.",
    ),
    badge(
        "enthusiast",
        "Enthusiast",
        Tier::Silver,
        Measure::VisitStreak,
        30,
        "Signed in on 30 days in a row.",
    ),
    badge(
        "fanatic",
        "Fanatic",
        Tier::Gold,
        Measure::VisitStreak,
        100,
        "Signed in on 100 days in a row.",
    ),
];

/// The catalogue's badge with this key.
pub fn find(key: &str) -> Option<&'static Badge> {
    CATALOGUE.iter().find(|b| b.key == key)
}

/// The key under which an imported Stack Exchange badge is stored: its name, prefixed so that
/// it never collides with the catalogue.
pub fn imported_key(name: &str) -> String {
    format!("se:{}", name.trim())
}

/// The name of an imported badge's key, if it is one.
pub fn imported_name(key: &str) -> Option<&str> {
    key.strip_prefix("se:")
}

/// The longest run of consecutive days in `days` (any order, duplicates allowed).
pub fn longest_streak(days: &[i64]) -> i64 {
    let mut sorted = days.to_vec();
    sorted.sort_unstable();
    sorted.dedup();
    let (mut best, mut run) = (0_i64, 0_i64);
    let mut prev: Option<i64> = None;
    for d in sorted {
        run = match prev {
            Some(p) if d == p + 1 => run + 1,
            _ => 1,
        };
        best = best.max(run);
        prev = Some(d);
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::HashSet;

    #[test]
    fn the_catalogue_is_consistent() {
        let keys: HashSet<_> = CATALOGUE.iter().map(|b| b.key).collect();
        assert_eq!(keys.len(), CATALOGUE.len(), "keys are unique");
        for b in CATALOGUE {
            assert!(b.threshold >= 1, "{}", b.key);
            assert!(imported_name(b.key).is_none(), "{}", b.key);
            assert!(b.description.ends_with('.'), "{}", b.key);
        }
        // Within one measure, a higher tier never asks for less.
        for a in CATALOGUE {
            for b in CATALOGUE {
                if a.measure == b.measure && a.tier < b.tier {
                    assert!(a.threshold < b.threshold, "{} {}", a.key, b.key);
                }
            }
        }
        assert_eq!(find("solver").map(|b| b.tier), Some(Tier::Bronze));
        assert!(find("se:Student").is_none());
    }

    #[test]
    fn stack_exchange_classes() {
        assert_eq!(Tier::from_stack_exchange(1), Some(Tier::Gold));
        assert_eq!(Tier::from_stack_exchange(3), Some(Tier::Bronze));
        assert_eq!(Tier::from_stack_exchange(4), None);
        assert_eq!(imported_key(" Student "), "se:Student");
        assert_eq!(imported_name("se:Student"), Some("Student"));
    }

    #[test]
    fn streaks() {
        assert_eq!(longest_streak(&[]), 0);
        assert_eq!(longest_streak(&[5]), 1);
        assert_eq!(longest_streak(&[1, 2, 3, 5, 6]), 3);
        assert_eq!(longest_streak(&[6, 5, 5, 1, 2]), 2);
    }

    proptest! {
        #[test]
        fn a_streak_is_order_free_and_bounded(mut days in proptest::collection::vec(0_i64..60, 0..40)) {
            let s = longest_streak(&days);
            let distinct: HashSet<_> = days.iter().copied().collect();
            prop_assert!(s <= distinct.len() as i64);
            prop_assert_eq!(s == 0, days.is_empty());
            days.reverse();
            prop_assert_eq!(longest_streak(&days), s);
        }
    }
}
