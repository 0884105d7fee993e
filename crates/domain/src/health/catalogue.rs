//! Every health metric: its name in the API, a label, what it measures, the group it is shown
//! in, how its numbers read, and the CHAOSS metric it corresponds to.

/// The sections of the health page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Group {
    /// Questions and answers.
    Activity,
    /// Who contributes, and how concentrated it is.
    Contributors,
    /// Search, deflection and tickets.
    SelfService,
    /// Spam, moderation, appeals and rule changes.
    Governance,
    /// The reward pool.
    Rewards,
}

impl Group {
    /// A heading.
    pub fn label(self) -> &'static str {
        match self {
            Group::Activity => "Questions and answers",
            Group::Contributors => "Contributors",
            Group::SelfService => "Self-service",
            Group::Governance => "Governance",
            Group::Rewards => "Rewards",
        }
    }

    /// Every group in page order.
    pub const ALL: [Group; 5] = [
        Group::Activity,
        Group::Contributors,
        Group::SelfService,
        Group::Governance,
        Group::Rewards,
    ];
}

/// How a metric's value reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    /// A number of things.
    Count,
    /// A share between 0 and 1, shown as a percentage.
    Share,
    /// Hours.
    Hours,
    /// A coefficient between 0 and 1 (Gini).
    Coefficient,
    /// A difference of two coefficients.
    Difference,
    /// Per 1,000.
    PerThousand,
}

/// One metric.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MetricDef {
    /// Its name in the API and URLs.
    pub name: &'static str,
    /// A label for people.
    pub label: &'static str,
    /// One sentence: what it measures.
    pub summary: &'static str,
    /// Where it is shown.
    pub group: Group,
    /// How it reads.
    pub unit: Unit,
    /// Whether a rise is good news (`None`: neither).
    pub higher_is_better: Option<bool>,
    /// The CHAOSS metric it corresponds to, where there is one.
    pub chaoss: Option<&'static str>,
}

const fn m(
    name: &'static str,
    label: &'static str,
    summary: &'static str,
    group: Group,
    unit: Unit,
    higher_is_better: Option<bool>,
    chaoss: Option<&'static str>,
) -> MetricDef {
    MetricDef {
        name,
        label,
        summary,
        group,
        unit,
        higher_is_better,
        chaoss,
    }
}

use Group::*;
use Unit::*;

/// Every metric, in page order.
pub const CATALOGUE: &[MetricDef] = &[
    m(
        "questions",
        "Questions",
        "Questions asked in the window.",
        Activity,
        Count,
        Some(true),
        Some("Issues New"),
    ),
    m(
        "answers",
        "Answers",
        "Answers written in the window.",
        Activity,
        Count,
        Some(true),
        None,
    ),
    m(
        "answered_rate",
        "Answered",
        "Share of the window's questions with at least one answer.",
        Activity,
        Share,
        Some(true),
        Some("Issue Response Time (answered share)"),
    ),
    m(
        "accepted_rate",
        "Accepted",
        "Share of the window's questions with an accepted answer.",
        Activity,
        Share,
        Some(true),
        Some("Issue Resolution Duration (resolved share)"),
    ),
    m(
        "coached_answered_rate",
        "Answered after coaching",
        "Share of the window's questions whose drafts were coached (shown what answerers would need) with at least one answer; compare with Answered.",
        Activity,
        Share,
        Some(true),
        None,
    ),
    m(
        "first_answer_hours_median",
        "First answer, median",
        "Median hours from a question to its first answer.",
        Activity,
        Hours,
        Some(false),
        Some("Time to First Response"),
    ),
    m(
        "first_answer_hours_p90",
        "First answer, 90th percentile",
        "Hours within which 90 % of answered questions got their first answer.",
        Activity,
        Hours,
        Some(false),
        Some("Time to First Response"),
    ),
    m(
        "active_contributors",
        "Active contributors",
        "Registered people with at least one post in the window.",
        Contributors,
        Count,
        Some(true),
        Some("Contributors"),
    ),
    m(
        "new_contributors",
        "New contributors",
        "Contributors whose first post ever is in the window.",
        Contributors,
        Count,
        Some(true),
        Some("New Contributors"),
    ),
    m(
        "absence_factor",
        "Absence factor",
        "The fewest contributors who together wrote half of the posts.",
        Contributors,
        Count,
        Some(true),
        Some("Contributor Absence Factor"),
    ),
    m(
        "gini_contributions",
        "Concentration (Gini)",
        "Gini coefficient of posts per contributor: 0 equal, 1 one person writes everything.",
        Contributors,
        Coefficient,
        Some(false),
        None,
    ),
    m(
        "top1_share",
        "Top 1 % share",
        "Share of posts written by the top 1 % of contributors.",
        Contributors,
        Share,
        Some(false),
        None,
    ),
    m(
        "middle_class_share",
        "Middle share",
        "Share of posts written by contributors between the median and the top 1 %.",
        Contributors,
        Share,
        Some(true),
        None,
    ),
    m(
        "established_churn",
        "Established contributors lost",
        "Of the previous window's top 10 % contributors, the share with no post in this window.",
        Contributors,
        Share,
        Some(false),
        Some("Inactive Contributors"),
    ),
    m(
        "deflection_sessions",
        "Self-service sessions",
        "Ask flows that showed suggestions.",
        SelfService,
        Count,
        None,
        None,
    ),
    m(
        "deflection_resolution_rate",
        "Solved by self-service",
        "Share of self-service sessions that ended solved.",
        SelfService,
        Share,
        Some(true),
        None,
    ),
    m(
        "tickets_per_1000_sessions",
        "Tickets per 1,000 sessions",
        "Tickets filed per 1,000 self-service sessions.",
        SelfService,
        PerThousand,
        Some(false),
        None,
    ),
    m(
        "tickets_covered_share",
        "Tickets already covered",
        "Share of tickets on topics an existing article or answer covers.",
        SelfService,
        Share,
        Some(false),
        None,
    ),
    m(
        "ticket_first_reply_hours_median",
        "First reply on tickets, median",
        "Median hours to the first agent reply, all plans.",
        SelfService,
        Hours,
        Some(false),
        Some("Time to First Response"),
    ),
    m(
        "spam_share",
        "Spam",
        "Posts removed as spam, per post written.",
        Governance,
        Share,
        Some(false),
        None,
    ),
    m(
        "moderation_actions",
        "Moderation actions",
        "Actions in the public moderation log.",
        Governance,
        Count,
        None,
        None,
    ),
    m(
        "moderation_reversed_share",
        "Actions reversed",
        "Share of the window's moderation actions reversed since.",
        Governance,
        Share,
        Some(false),
        None,
    ),
    m(
        "appeals_filed",
        "Appeals filed",
        "Appeals against moderation actions.",
        Governance,
        Count,
        None,
        None,
    ),
    m(
        "appeals_granted",
        "Appeals granted",
        "Appeals filed in the window that reversed the action.",
        Governance,
        Count,
        None,
        None,
    ),
    m(
        "flag_handling_hours_median",
        "Flag handling, median",
        "Median hours from a flag to its handling.",
        Governance,
        Hours,
        Some(false),
        None,
    ),
    m(
        "governance_changes",
        "Rule changes",
        "Changes of the governance settings and of the reward formula.",
        Governance,
        Count,
        None,
        None,
    ),
    m(
        "reward_gini_payouts",
        "Payout concentration (Gini)",
        "Gini coefficient of payouts in reward periods that ended in the window.",
        Rewards,
        Coefficient,
        Some(false),
        None,
    ),
    m(
        "reward_gini_contributions",
        "Contribution concentration (Gini)",
        "Gini coefficient of points in the same periods.",
        Rewards,
        Coefficient,
        Some(false),
        None,
    ),
    m(
        "reward_gini_gap",
        "Payouts minus contributions",
        "Payout Gini minus contribution Gini: below 0, payouts are more even than contributions.",
        Rewards,
        Difference,
        Some(false),
        None,
    ),
];

/// The metric of a name.
pub fn find(name: &str) -> Option<&'static MetricDef> {
    CATALOGUE.iter().find(|d| d.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_lower_snake_case() {
        let mut names: Vec<&str> = CATALOGUE.iter().map(|d| d.name).collect();
        assert!(names.iter().all(|n| n
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')));
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), CATALOGUE.len());
        assert!(find("absence_factor").is_some());
        assert!(find("nope").is_none());
    }
}
