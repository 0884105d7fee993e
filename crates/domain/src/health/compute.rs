//! From facts (rows any export holds) to the metrics of one window.

use super::catalogue::CATALOGUE;
use super::stats::{
    absence_factor, established_churn, gini, median, middle_class_share, p90, share, top1_share,
};
use super::Window;
use std::collections::{HashMap, HashSet};

/// A question or answer, not deleted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PostFact {
    /// Created (Unix seconds).
    pub at: i64,
    /// A question (else an answer).
    pub question: bool,
    /// The registered author; `None` when the author is not known (an import's placeholder).
    pub author: Option<i64>,
}

/// A question, not deleted, with its answers' outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QuestionFact {
    /// Asked.
    pub at: i64,
    /// Its first answer not deleted, any date.
    pub first_answer_at: Option<i64>,
    /// It has an accepted answer.
    pub accepted: bool,
    /// Its draft was shown coaching hints before it was posted.
    pub coached: bool,
}

/// A self-service session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionFact {
    /// Started.
    pub at: i64,
    /// Ended solved.
    pub solved: bool,
}

/// A ticket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TicketFact {
    /// Filed.
    pub at: i64,
    /// Covered by an existing article or answer (not rejected by agents).
    pub covered: bool,
    /// The first agent reply.
    pub first_reply_at: Option<i64>,
}

/// An entry of the public moderation log that is not itself a reversal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActionFact {
    /// Taken.
    pub at: i64,
    /// Its public category.
    pub category: String,
    /// Reversed since.
    pub reversed: bool,
    /// The post it removed as spam (a deletion or hiding in category spam, not reversed).
    pub spam_post: Option<i64>,
}

/// An appeal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AppealFact {
    /// Filed.
    pub at: i64,
    /// It reversed the action.
    pub granted: bool,
}

/// A flag raised by a person.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FlagFact {
    /// Raised.
    pub at: i64,
    /// Handled.
    pub handled_at: Option<i64>,
}

/// One person's result in a closed reward period.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RewardFact {
    /// When the period ended.
    pub ends_at: i64,
    /// The person.
    pub user_id: i64,
    /// Points.
    pub points: i64,
    /// Amount (minor units).
    pub amount_minor: i64,
}

/// Everything the metrics are computed from, over a range of time that covers the windows
/// asked about and the ones before them.
#[derive(Debug, Clone, Default)]
pub struct Facts {
    /// Posts.
    pub posts: Vec<PostFact>,
    /// Posts per registered author in windows that `posts` does not cover (counted by the
    /// database where only the counts are needed).
    pub counted: Vec<(Window, HashMap<i64, u64>)>,
    /// Questions.
    pub questions: Vec<QuestionFact>,
    /// Each author's first post ever.
    pub first_post: HashMap<i64, i64>,
    /// Self-service sessions.
    pub sessions: Vec<SessionFact>,
    /// Tickets.
    pub tickets: Vec<TicketFact>,
    /// Moderation actions.
    pub actions: Vec<ActionFact>,
    /// Appeals.
    pub appeals: Vec<AppealFact>,
    /// Flags.
    pub flags: Vec<FlagFact>,
    /// When the governance settings or the reward formula changed.
    pub rule_changes: Vec<i64>,
    /// Reward results.
    pub rewards: Vec<RewardFact>,
}

/// The metrics of one window, in catalogue order; `None` where there is no data.
#[derive(Debug, Clone, PartialEq)]
pub struct Metrics(pub Vec<(&'static str, Option<f64>)>);

impl Metrics {
    /// The value of a metric.
    pub fn get(&self, name: &str) -> Option<f64> {
        self.0
            .iter()
            .find(|(n, _)| *n == name)
            .and_then(|(_, v)| *v)
    }
}

fn count(n: usize) -> Option<f64> {
    Some(n as f64)
}

fn hours(seconds: i64) -> f64 {
    seconds as f64 / 3_600.0
}

fn posts_per_author(facts: &Facts, w: Window) -> HashMap<i64, u64> {
    if let Some((_, counts)) = facts.counted.iter().find(|(c, _)| *c == w) {
        return counts.clone();
    }
    let mut per: HashMap<i64, u64> = HashMap::new();
    for p in facts.posts.iter().filter(|p| w.holds(p.at)) {
        if let Some(a) = p.author {
            *per.entry(a).or_default() += 1;
        }
    }
    per
}

/// The metrics of window `w`; `facts` must cover `w` and the window of the same length
/// before it.
pub fn compute(facts: &Facts, w: Window) -> Metrics {
    let mut v: HashMap<&'static str, Option<f64>> = HashMap::new();

    let questions = facts
        .posts
        .iter()
        .filter(|p| w.holds(p.at) && p.question)
        .count();
    let answers = facts
        .posts
        .iter()
        .filter(|p| w.holds(p.at) && !p.question)
        .count();
    v.insert("questions", count(questions));
    v.insert("answers", count(answers));

    let asked: Vec<&QuestionFact> = facts.questions.iter().filter(|q| w.holds(q.at)).collect();
    let answered: Vec<f64> = asked
        .iter()
        .filter_map(|q| q.first_answer_at.map(|a| hours(a - q.at)))
        .collect();
    v.insert("answered_rate", share(answered.len(), asked.len()));
    v.insert(
        "accepted_rate",
        share(asked.iter().filter(|q| q.accepted).count(), asked.len()),
    );
    let coached: Vec<&&QuestionFact> = asked.iter().filter(|q| q.coached).collect();
    v.insert(
        "coached_answered_rate",
        share(
            coached
                .iter()
                .filter(|q| q.first_answer_at.is_some())
                .count(),
            coached.len(),
        ),
    );
    v.insert("first_answer_hours_median", median(&answered));
    v.insert("first_answer_hours_p90", p90(&answered));

    let per = posts_per_author(facts, w);
    let counts: Vec<u64> = per.values().copied().collect();
    v.insert("active_contributors", count(per.len()));
    let new = per
        .keys()
        .filter(|a| facts.first_post.get(a).is_none_or(|first| w.holds(*first)))
        .count();
    v.insert("new_contributors", count(new));
    v.insert("absence_factor", absence_factor(&counts).map(|n| n as f64));
    v.insert("gini_contributions", gini(&counts));
    v.insert("top1_share", top1_share(&counts));
    v.insert("middle_class_share", middle_class_share(&counts));
    let current: HashSet<i64> = per.keys().copied().collect();
    v.insert(
        "established_churn",
        established_churn(&posts_per_author(facts, w.previous()), &current),
    );

    let sessions: Vec<&SessionFact> = facts.sessions.iter().filter(|s| w.holds(s.at)).collect();
    let tickets: Vec<&TicketFact> = facts.tickets.iter().filter(|t| w.holds(t.at)).collect();
    v.insert("deflection_sessions", count(sessions.len()));
    v.insert(
        "deflection_resolution_rate",
        share(sessions.iter().filter(|s| s.solved).count(), sessions.len()),
    );
    v.insert(
        "tickets_per_1000_sessions",
        share(tickets.len(), sessions.len()).map(|r| r * 1_000.0),
    );
    v.insert(
        "tickets_covered_share",
        share(tickets.iter().filter(|t| t.covered).count(), tickets.len()),
    );
    let replies: Vec<f64> = tickets
        .iter()
        .filter_map(|t| t.first_reply_at.map(|r| hours(r - t.at)))
        .collect();
    v.insert("ticket_first_reply_hours_median", median(&replies));

    let actions: Vec<&ActionFact> = facts.actions.iter().filter(|a| w.holds(a.at)).collect();
    let spam: HashSet<i64> = actions.iter().filter_map(|a| a.spam_post).collect();
    v.insert("spam_share", share(spam.len(), questions + answers));
    v.insert("moderation_actions", count(actions.len()));
    v.insert(
        "moderation_reversed_share",
        share(actions.iter().filter(|a| a.reversed).count(), actions.len()),
    );
    let appeals: Vec<&AppealFact> = facts.appeals.iter().filter(|a| w.holds(a.at)).collect();
    v.insert("appeals_filed", count(appeals.len()));
    v.insert(
        "appeals_granted",
        count(appeals.iter().filter(|a| a.granted).count()),
    );
    let handling: Vec<f64> = facts
        .flags
        .iter()
        .filter(|f| w.holds(f.at))
        .filter_map(|f| f.handled_at.map(|h| hours(h - f.at)))
        .collect();
    v.insert("flag_handling_hours_median", median(&handling));
    v.insert(
        "governance_changes",
        count(facts.rule_changes.iter().filter(|at| w.holds(**at)).count()),
    );

    let mut points: HashMap<i64, (u64, u64)> = HashMap::new();
    for r in facts.rewards.iter().filter(|r| w.holds(r.ends_at)) {
        let e = points.entry(r.user_id).or_default();
        e.0 += r.points.max(0) as u64;
        e.1 += r.amount_minor.max(0) as u64;
    }
    let pts: Vec<u64> = points.values().map(|p| p.0).collect();
    let paid: Vec<u64> = points.values().map(|p| p.1).collect();
    let (gp, gc) = (gini(&paid), gini(&pts));
    v.insert("reward_gini_payouts", gp);
    v.insert("reward_gini_contributions", gc);
    v.insert("reward_gini_gap", gp.zip(gc).map(|(p, c)| p - c));

    Metrics(
        CATALOGUE
            .iter()
            .map(|d| (d.name, v.get(d.name).copied().flatten()))
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::health::DAY;

    fn window(from_day: i64, to_day: i64) -> Window {
        Window { from_day, to_day }
    }

    fn post(day: i64, question: bool, author: Option<i64>) -> PostFact {
        PostFact {
            at: day * DAY + 60,
            question,
            author,
        }
    }

    #[test]
    fn an_empty_window_has_counts_of_zero_and_no_rates() {
        let m = compute(&Facts::default(), window(10, 19));
        assert_eq!(m.get("questions"), Some(0.0));
        assert_eq!(m.get("active_contributors"), Some(0.0));
        assert_eq!(m.get("answered_rate"), None);
        assert_eq!(m.get("absence_factor"), None);
        assert_eq!(m.get("gini_contributions"), None);
        assert_eq!(m.get("established_churn"), None);
        assert_eq!(m.get("reward_gini_gap"), None);
        assert_eq!(m.0.len(), CATALOGUE.len());
    }

    #[test]
    fn contributor_metrics_by_hand() {
        // Window: days 10..=19; previous: days 0..=9.
        let facts = Facts {
            posts: vec![
                // Previous window: 1 wrote 3, 2 wrote 1.
                post(1, true, Some(1)),
                post(2, false, Some(1)),
                post(3, false, Some(1)),
                post(4, true, Some(2)),
                // This window: 2 wrote 2, 3 wrote 1, an unknown author 1.
                post(10, true, Some(2)),
                post(11, false, Some(2)),
                post(12, false, Some(3)),
                post(13, true, None),
                // After the window.
                post(20, true, Some(1)),
            ],
            questions: vec![
                QuestionFact {
                    at: 10 * DAY,
                    first_answer_at: Some(10 * DAY + 3_600),
                    accepted: true,
                    coached: true,
                },
                QuestionFact {
                    at: 13 * DAY,
                    first_answer_at: None,
                    accepted: false,
                    coached: false,
                },
            ],
            first_post: [(1, DAY), (2, 4 * DAY), (3, 12 * DAY)]
                .into_iter()
                .collect(),
            ..Facts::default()
        };
        let m = compute(&facts, window(10, 19));
        assert_eq!(m.get("questions"), Some(2.0));
        assert_eq!(m.get("answers"), Some(2.0));
        assert_eq!(m.get("answered_rate"), Some(0.5));
        assert_eq!(m.get("coached_answered_rate"), Some(1.0));
        assert_eq!(m.get("accepted_rate"), Some(0.5));
        assert_eq!(m.get("first_answer_hours_median"), Some(1.0));
        assert_eq!(m.get("active_contributors"), Some(2.0));
        assert_eq!(m.get("new_contributors"), Some(1.0));
        // 2 wrote 2 of the contributors' 3 posts.
        assert_eq!(m.get("absence_factor"), Some(1.0));
        // [1, 2]: Σ|xi−xj| = 2; 2·4·1.5 = 12.
        assert!((m.get("gini_contributions").unwrap_or(0.0) - 2.0 / 12.0).abs() < 1e-12);
        assert!((m.get("top1_share").unwrap_or(0.0) - 2.0 / 3.0).abs() < 1e-12);
        // Established before: 1 (3 posts); 1 wrote nothing now.
        assert_eq!(m.get("established_churn"), Some(1.0));
    }

    #[test]
    fn counted_windows_stand_in_for_posts() {
        // Nothing raw before day 10; the database counted days 0..=9: 1 wrote 4, 2 wrote 1.
        let facts = Facts {
            posts: vec![post(12, true, Some(2))],
            counted: vec![(window(0, 9), [(1, 4), (2, 1)].into_iter().collect())],
            ..Facts::default()
        };
        let m = compute(&facts, window(10, 19));
        // n = 2: k = 1, threshold 4: person 1 is established and did not post.
        assert_eq!(m.get("established_churn"), Some(1.0));
    }

    #[test]
    fn self_service_governance_and_rewards_by_hand() {
        let at = 10 * DAY;
        let facts = Facts {
            posts: vec![post(10, true, Some(1)), post(10, false, Some(2))],
            sessions: vec![
                SessionFact { at, solved: true },
                SessionFact { at, solved: false },
                SessionFact { at, solved: false },
                SessionFact { at, solved: true },
            ],
            tickets: vec![TicketFact {
                at,
                covered: true,
                first_reply_at: Some(at + 7_200),
            }],
            actions: vec![
                ActionFact {
                    at,
                    category: "spam".into(),
                    reversed: false,
                    spam_post: Some(9),
                },
                ActionFact {
                    at,
                    category: "spam".into(),
                    reversed: false,
                    spam_post: Some(9),
                },
                ActionFact {
                    at,
                    category: "other".into(),
                    reversed: true,
                    spam_post: None,
                },
                ActionFact {
                    at,
                    category: "other".into(),
                    reversed: false,
                    spam_post: None,
                },
            ],
            appeals: vec![
                AppealFact { at, granted: true },
                AppealFact { at, granted: false },
            ],
            flags: vec![
                FlagFact {
                    at,
                    handled_at: Some(at + 3_600),
                },
                FlagFact {
                    at,
                    handled_at: Some(at + 3 * 3_600),
                },
                FlagFact {
                    at,
                    handled_at: None,
                },
            ],
            rule_changes: vec![at, 30 * DAY],
            rewards: vec![
                RewardFact {
                    ends_at: at,
                    user_id: 1,
                    points: 30,
                    amount_minor: 600,
                },
                RewardFact {
                    ends_at: at,
                    user_id: 2,
                    points: 10,
                    amount_minor: 400,
                },
            ],
            ..Facts::default()
        };
        let m = compute(&facts, window(10, 19));
        assert_eq!(m.get("deflection_sessions"), Some(4.0));
        assert_eq!(m.get("deflection_resolution_rate"), Some(0.5));
        assert_eq!(m.get("tickets_per_1000_sessions"), Some(250.0));
        assert_eq!(m.get("tickets_covered_share"), Some(1.0));
        assert_eq!(m.get("ticket_first_reply_hours_median"), Some(2.0));
        // One post removed as spam (twice) of two posts.
        assert_eq!(m.get("spam_share"), Some(0.5));
        assert_eq!(m.get("moderation_actions"), Some(4.0));
        assert_eq!(m.get("moderation_reversed_share"), Some(0.25));
        assert_eq!(m.get("appeals_filed"), Some(2.0));
        assert_eq!(m.get("appeals_granted"), Some(1.0));
        assert_eq!(m.get("flag_handling_hours_median"), Some(2.0));
        assert_eq!(m.get("governance_changes"), Some(1.0));
        // Points [10, 30]: 2·20 / (2·4·20) = 0.25; amounts [400, 600]: 2·200 / (2·4·500) = 0.1.
        assert!((m.get("reward_gini_contributions").unwrap_or(0.0) - 0.25).abs() < 1e-12);
        assert!((m.get("reward_gini_payouts").unwrap_or(0.0) - 0.1).abs() < 1e-12);
        assert!((m.get("reward_gini_gap").unwrap_or(0.0) + 0.15).abs() < 1e-12);
    }
}
