//! Fair value sharing: the published formula that turns contributions into points, points
//! into a share of a money pool, and the fairness figures of the result. Pure and exact: money
//! is integer minor units, shares are exact fractions rounded by largest remainder, so that a
//! statement recomputed from its stored contributions gives the same amounts to the cent.

use serde::{Deserialize, Serialize};
use std::cmp::Ordering;
use std::collections::BTreeMap;

/// What someone did that the formula counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// Their answer was accepted.
    AcceptedAnswer,
    /// Someone up-voted their answer (one per distinct voter and answer).
    AnswerUpvote,
    /// Someone found their knowledge-base article helpful.
    ArticleHelpful,
    /// Their post solved a visitor's problem in a deflection session.
    PersonHelped,
    /// A flag they raised was upheld by a moderator.
    FlagUpheld,
    /// They completed a review.
    Review,
    /// An edit they suggested was approved.
    EditApproved,
}

impl Kind {
    /// Every kind, in display order.
    pub const ALL: [Kind; 7] = [
        Kind::AcceptedAnswer,
        Kind::AnswerUpvote,
        Kind::ArticleHelpful,
        Kind::PersonHelped,
        Kind::FlagUpheld,
        Kind::Review,
        Kind::EditApproved,
    ];

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::AcceptedAnswer => "accepted_answer",
            Kind::AnswerUpvote => "answer_upvote",
            Kind::ArticleHelpful => "article_helpful",
            Kind::PersonHelped => "person_helped",
            Kind::FlagUpheld => "flag_upheld",
            Kind::Review => "review",
            Kind::EditApproved => "edit_approved",
        }
    }

    /// Parses a stored name.
    pub fn parse(raw: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.as_str() == raw)
    }

    /// A phrase for people.
    pub fn label(self) -> &'static str {
        match self {
            Kind::AcceptedAnswer => "Accepted answer",
            Kind::AnswerUpvote => "Up-vote on an answer",
            Kind::ArticleHelpful => "Article found helpful",
            Kind::PersonHelped => "Person helped by self-service",
            Kind::FlagUpheld => "Flag upheld",
            Kind::Review => "Review completed",
            Kind::EditApproved => "Suggested edit approved",
        }
    }
}

/// Points per contribution of each kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Weights {
    /// An accepted answer.
    pub accepted_answer: i64,
    /// An up-vote on an answer (before diminishing returns).
    pub answer_upvote: i64,
    /// A "helpful" on an article.
    pub article_helpful: i64,
    /// A person helped by self-service.
    pub person_helped: i64,
    /// An upheld flag.
    pub flag_upheld: i64,
    /// A completed review.
    pub review: i64,
    /// An approved suggested edit.
    pub edit_approved: i64,
}

impl Weights {
    /// The weight of one kind.
    pub fn of(&self, k: Kind) -> i64 {
        match k {
            Kind::AcceptedAnswer => self.accepted_answer,
            Kind::AnswerUpvote => self.answer_upvote,
            Kind::ArticleHelpful => self.article_helpful,
            Kind::PersonHelped => self.person_helped,
            Kind::FlagUpheld => self.flag_upheld,
            Kind::Review => self.review,
            Kind::EditApproved => self.edit_approved,
        }
    }
}

/// How points become weights before sharing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Transform {
    /// Shares proportional to points.
    Linear,
    /// Shares proportional to the square root of points: favours the middle over the top.
    Sqrt,
}

/// The formula: data, versioned and published; a change applies to later periods only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Formula {
    /// Points per contribution.
    pub weights: Weights,
    /// Up-votes on one post that count fully.
    pub full_votes_per_post: i64,
    /// What each later up-vote on the same post counts, in percent of the weight.
    pub later_vote_percent: i64,
    /// Most points one post earns from up-votes.
    pub max_points_per_post: i64,
    /// Most of the pool one person receives, in percent (unless everyone reaches it).
    pub cap_percent: i64,
    /// The smallest payout; smaller shares go back to the others.
    pub min_payout_minor: i64,
    /// Points to weights.
    pub transform: Transform,
    /// Whether staff (moderators, agents, admins) are left out.
    pub exclude_staff: bool,
}

impl Default for Formula {
    fn default() -> Self {
        Formula {
            weights: Weights {
                accepted_answer: 15,
                answer_upvote: 10,
                article_helpful: 5,
                person_helped: 20,
                flag_upheld: 2,
                review: 1,
                edit_approved: 2,
            },
            full_votes_per_post: 10,
            later_vote_percent: 50,
            max_points_per_post: 200,
            cap_percent: 10,
            min_payout_minor: 100,
            transform: Transform::Sqrt,
            exclude_staff: true,
        }
    }
}

/// Why a formula, period or pool is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RewardError {
    /// A weight out of range.
    #[error("Weights are whole points from 0 to 1,000.")]
    Weight,
    /// A bad diminishing-returns setting.
    #[error("Votes per post that count fully: 1 to 1,000; later votes: 0 to 100 %; points per post: 1 to 100,000.")]
    Diminishing,
    /// A bad cap.
    #[error("The cap per person is 1 to 100 % of the pool.")]
    Cap,
    /// A bad minimum payout.
    #[error("The minimum payout is 0 or more, in minor units (cents).")]
    MinPayout,
    /// A pool of zero or less, or too large.
    #[error("The pool is a whole number of minor units (cents), from 1 to 10^15.")]
    Pool,
    /// Not an ISO 4217 currency code.
    #[error("“{0}” is not a currency code; use ISO 4217, e.g. EUR, USD, GBP.")]
    Currency(String),
    /// Ends before it starts, or too long.
    #[error("A period ends after it starts and lasts at most a year.")]
    Dates,
}

impl RewardError {
    /// The field at fault.
    pub fn field(&self) -> &'static str {
        match self {
            RewardError::Weight => "weights",
            RewardError::Diminishing => "full_votes_per_post",
            RewardError::Cap => "cap_percent",
            RewardError::MinPayout => "min_payout_minor",
            RewardError::Pool => "pool_minor",
            RewardError::Currency(_) => "currency",
            RewardError::Dates => "ends_at",
        }
    }

    /// A machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            RewardError::Weight | RewardError::Diminishing => "invalid_formula",
            RewardError::Cap => "invalid_cap",
            RewardError::MinPayout => "invalid_min_payout",
            RewardError::Pool => "invalid_pool",
            RewardError::Currency(_) => "invalid_currency",
            RewardError::Dates => "invalid_dates",
        }
    }
}

impl Formula {
    /// The formula if every setting is in range.
    pub fn validate(self) -> Result<Formula, RewardError> {
        if Kind::ALL
            .iter()
            .any(|k| !(0..=1_000).contains(&self.weights.of(*k)))
        {
            return Err(RewardError::Weight);
        }
        if !(1..=1_000).contains(&self.full_votes_per_post)
            || !(0..=100).contains(&self.later_vote_percent)
            || !(1..=100_000).contains(&self.max_points_per_post)
        {
            return Err(RewardError::Diminishing);
        }
        if !(1..=100).contains(&self.cap_percent) {
            return Err(RewardError::Cap);
        }
        if !(0..=MAX_POOL).contains(&self.min_payout_minor) {
            return Err(RewardError::MinPayout);
        }
        Ok(self)
    }
}

/// The largest pool, in minor units.
pub const MAX_POOL: i64 = 1_000_000_000_000_000;

/// ISO 4217 codes accepted for pools: the active currencies.
const CURRENCIES: &[&str] = &[
    "AED", "AFN", "ALL", "AMD", "ANG", "AOA", "ARS", "AUD", "AWG", "AZN", "BAM", "BBD", "BDT",
    "BGN", "BHD", "BIF", "BMD", "BND", "BOB", "BRL", "BSD", "BTN", "BWP", "BYN", "BZD", "CAD",
    "CDF", "CHF", "CLP", "CNY", "COP", "CRC", "CUP", "CVE", "CZK", "DJF", "DKK", "DOP", "DZD",
    "EGP", "ERN", "ETB", "EUR", "FJD", "FKP", "GBP", "GEL", "GHS", "GIP", "GMD", "GNF", "GTQ",
    "GYD", "HKD", "HNL", "HTG", "HUF", "IDR", "ILS", "INR", "IQD", "IRR", "ISK", "JMD", "JOD",
    "JPY", "KES", "KGS", "KHR", "KMF", "KPW", "KRW", "KWD", "KYD", "KZT", "LAK", "LBP", "LKR",
    "LRD", "LSL", "LYD", "MAD", "MDL", "MGA", "MKD", "MMK", "MNT", "MOP", "MRU", "MUR", "MVR",
    "MWK", "MXN", "MYR", "MZN", "NAD", "NGN", "NIO", "NOK", "NPR", "NZD", "OMR", "PAB", "PEN",
    "PGK", "PHP", "PKR", "PLN", "PYG", "QAR", "RON", "RSD", "RUB", "RWF", "SAR", "SBD", "SCR",
    "SDG", "SEK", "SGD", "SHP", "SLE", "SOS", "SRD", "SSP", "STN", "SYP", "SZL", "THB", "TJS",
    "TMT", "TND", "TOP", "TRY", "TTD", "TWD", "TZS", "UAH", "UGX", "USD", "UYU", "UZS", "VES",
    "VND", "VUV", "WST", "XAF", "XCD", "XOF", "XPF", "YER", "ZAR", "ZMW", "ZWG",
];

/// A known currency code (upper case).
pub fn currency(raw: &str) -> Result<&'static str, RewardError> {
    let up = raw.trim().to_ascii_uppercase();
    CURRENCIES
        .iter()
        .copied()
        .find(|c| *c == up)
        .ok_or_else(|| RewardError::Currency(raw.trim().chars().take(10).collect()))
}

/// A pool in range.
pub fn pool(minor: i64) -> Result<i64, RewardError> {
    if (1..=MAX_POOL).contains(&minor) {
        Ok(minor)
    } else {
        Err(RewardError::Pool)
    }
}

/// A period's dates in range: ends after it starts, at most 366 days.
pub fn period(starts_at: i64, ends_at: i64) -> Result<(i64, i64), RewardError> {
    if ends_at <= starts_at || ends_at - starts_at > 366 * 86_400 {
        return Err(RewardError::Dates);
    }
    Ok((starts_at, ends_at))
}

/// One counted contribution.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Contribution {
    /// Who gets the credit.
    pub user_id: i64,
    /// What.
    pub kind: Kind,
    /// The post concerned (the answer, article, flagged or edited post).
    pub post_id: Option<i64>,
    /// When.
    pub at: i64,
}

/// A contribution with its points under a formula.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Scored {
    /// The contribution.
    pub contribution: Contribution,
    /// Its points.
    pub points: i64,
}

/// Points of every contribution: the kind's weight, with diminishing returns for up-votes on
/// one post (the first ones count fully, later ones a percentage, up to a maximum per post).
/// The result does not depend on the input order: contributions are sorted first.
pub fn score(f: &Formula, contributions: &[Contribution]) -> Vec<Scored> {
    let mut sorted = contributions.to_vec();
    sorted.sort();
    let mut per_post: BTreeMap<(i64, Option<i64>), (i64, i64)> = BTreeMap::new();
    sorted
        .into_iter()
        .map(|c| {
            let w = f.weights.of(c.kind);
            let points = if c.kind == Kind::AnswerUpvote {
                let (votes, earned) = per_post.entry((c.user_id, c.post_id)).or_insert((0, 0));
                *votes += 1;
                let full = if *votes <= f.full_votes_per_post {
                    w
                } else {
                    w * f.later_vote_percent / 100
                };
                let p = full.min(f.max_points_per_post - *earned).max(0);
                *earned += p;
                p
            } else {
                w
            };
            Scored {
                contribution: c,
                points,
            }
        })
        .collect()
}

/// Points per person, by user id.
pub fn totals(scored: &[Scored]) -> BTreeMap<i64, i64> {
    let mut out = BTreeMap::new();
    for s in scored {
        *out.entry(s.contribution.user_id).or_insert(0) += s.points;
    }
    out
}

/// One person's result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Allocation {
    /// Who.
    pub user_id: i64,
    /// Their points.
    pub points: i64,
    /// Their weight after the transform.
    pub weight: u128,
    /// Their amount, in minor units.
    pub amount_minor: i64,
}

/// The weight of a number of points.
pub fn weight(t: Transform, points: i64) -> u128 {
    let p = points.max(0) as u128;
    match t {
        Transform::Linear => p,
        // The square root in thousandths: precise enough that rounding decides nothing.
        Transform::Sqrt => isqrt(p * 1_000_000),
    }
}

fn isqrt(n: u128) -> u128 {
    if n < 2 {
        return n;
    }
    let mut x = (n as f64).sqrt() as u128;
    while x * x > n {
        x -= 1;
    }
    while (x + 1) * (x + 1) <= n {
        x += 1;
    }
    x
}

/// An exact amount: `whole + num / den`.
#[derive(Debug, Clone, Copy)]
struct Exact {
    whole: u128,
    num: u128,
    den: u128,
}

impl Exact {
    fn frac_cmp(&self, other: &Exact) -> Ordering {
        (self.num * other.den).cmp(&(other.num * self.den))
    }

    fn at_least(&self, minor: u128) -> bool {
        self.whole >= minor
    }
}

/// Shares `pool` among `eligible` (id, points, weight) by weight, exactly. When the pool is
/// enough for everyone to reach `cap`, everyone gets the cap and the rest is shared by weight
/// (so everyone exceeds it); otherwise nobody exceeds it: whoever a proportional share would
/// push over gets the cap, and the others share what is left, again and again.
fn share_exact(pool: u128, cap: u128, eligible: &[(i64, i64, u128)]) -> Vec<Exact> {
    let zero = Exact {
        whole: 0,
        num: 0,
        den: 1,
    };
    let mut out: Vec<Exact> = vec![zero; eligible.len()];
    let mut open: Vec<usize> = (0..eligible.len()).filter(|i| eligible[*i].2 > 0).collect();
    if open.is_empty() {
        return out;
    }
    let (mut rest, base) = if pool >= cap * open.len() as u128 {
        (pool - cap * open.len() as u128, cap)
    } else {
        (pool, 0)
    };
    loop {
        let total: u128 = open.iter().map(|i| eligible[*i].2).sum();
        let over: Vec<usize> = if base > 0 {
            Vec::new()
        } else {
            open.iter()
                .copied()
                .filter(|i| rest * eligible[*i].2 > cap * total)
                .collect()
        };
        if over.is_empty() {
            for i in &open {
                let n = rest * eligible[*i].2;
                out[*i] = Exact {
                    whole: base + n / total,
                    num: n % total,
                    den: total,
                };
            }
            return out;
        }
        for i in &over {
            out[*i].whole = cap;
            rest -= cap;
        }
        open.retain(|i| !over.contains(i));
    }
}

/// Shares the pool: weights from points by the transform; nobody above the cap unless everyone
/// reaches it; shares below the minimum payout go back to the others (the smallest first);
/// largest-remainder rounding so the amounts add up to the pool exactly. People with no
/// points get nothing. Ties are broken by remainder, weight, points, then user id, so the
/// result does not depend on the input order, and more points never mean less money.
pub fn allocate(f: &Formula, pool_minor: i64, points: &BTreeMap<i64, i64>) -> Vec<Allocation> {
    let pool = pool_minor.max(0) as u128;
    let cap = pool * f.cap_percent.clamp(1, 100) as u128 / 100;
    let min = f.min_payout_minor.max(0) as u128;
    let mut people: Vec<(i64, i64, u128)> = points
        .iter()
        .filter(|(_, p)| **p > 0)
        .map(|(u, p)| (*u, *p, weight(f.transform, *p)))
        .filter(|(_, _, w)| *w > 0)
        .collect();
    // Smallest weight first, so the minimum payout drops the smallest shares first.
    people.sort_by(|a, b| a.2.cmp(&b.2).then(a.1.cmp(&b.1)).then(b.0.cmp(&a.0)));
    // The smallest shares under the minimum payout go back to the others, one weight at a
    // time, unless nobody would reach it.
    let mut dropped = 0;
    let exact = loop {
        let paid = &people[dropped..];
        let exact = share_exact(pool, cap.max(1), paid);
        let below = exact.iter().take_while(|e| !e.at_least(min)).count();
        let w = paid.first().map_or(0, |p| p.2);
        let group = paid.iter().take_while(|p| p.2 == w).count();
        if below == 0 || dropped + group >= people.len() {
            break exact;
        }
        dropped += group;
    };
    let paid = &people[dropped..];
    let mut amounts: Vec<u128> = exact.iter().map(|e| e.whole).collect();
    let handed: u128 = amounts.iter().sum();
    let mut leftover = pool.saturating_sub(handed);
    let mut order: Vec<usize> = (0..paid.len()).collect();
    order.sort_by(|a, b| {
        exact[*b]
            .frac_cmp(&exact[*a])
            .then(paid[*b].2.cmp(&paid[*a].2))
            .then(paid[*b].1.cmp(&paid[*a].1))
            .then(paid[*a].0.cmp(&paid[*b].0))
    });
    for i in order {
        if leftover == 0 {
            break;
        }
        if exact[i].num > 0 {
            amounts[i] += 1;
            leftover -= 1;
        }
    }
    let mut out: Vec<Allocation> = people[..dropped]
        .iter()
        .map(|(u, p, w)| Allocation {
            user_id: *u,
            points: *p,
            weight: *w,
            amount_minor: 0,
        })
        .chain(paid.iter().zip(amounts).map(|((u, p, w), a)| Allocation {
            user_id: *u,
            points: *p,
            weight: *w,
            amount_minor: a as i64,
        }))
        .collect();
    out.sort_by(|a, b| {
        b.amount_minor
            .cmp(&a.amount_minor)
            .then(b.points.cmp(&a.points))
            .then(a.user_id.cmp(&b.user_id))
    });
    out
}

/// How evenly a period's value is divided.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct Fairness {
    /// Gini coefficient of points among people with points (0 = equal, 1 = one has all).
    pub gini_points: f64,
    /// Gini coefficient of amounts among the same people.
    pub gini_amounts: f64,
    /// The share of the pool paid to the top 1 % (at least one person).
    pub top1_share: f64,
    /// The share paid to the top 10 %.
    pub top10_share: f64,
    /// The share paid to people between the median and the 99th percentile.
    pub middle_class_share: f64,
    /// How many people were paid.
    pub paid: usize,
}

/// The Gini coefficient of non-negative values (0 for none, or all zero).
pub fn gini(values: &[i64]) -> f64 {
    let mut v: Vec<f64> = values.iter().map(|x| (*x).max(0) as f64).collect();
    let n = v.len() as f64;
    let sum: f64 = v.iter().sum();
    if v.is_empty() || sum == 0.0 {
        return 0.0;
    }
    v.sort_by(|a, b| a.total_cmp(b));
    let ranked: f64 = v
        .iter()
        .enumerate()
        .map(|(i, x)| (i as f64 + 1.0) * x)
        .sum();
    ((2.0 * ranked) / (n * sum) - (n + 1.0) / n).clamp(0.0, 1.0)
}

fn share_of(sorted_desc: &[i64], from: usize, to: usize) -> f64 {
    let total: i64 = sorted_desc.iter().sum();
    if total == 0 || from >= to {
        return 0.0;
    }
    sorted_desc[from..to.min(sorted_desc.len())]
        .iter()
        .sum::<i64>() as f64
        / total as f64
}

/// The fairness figures of allocations (people with points).
pub fn fairness(allocations: &[Allocation]) -> Fairness {
    let points: Vec<i64> = allocations.iter().map(|a| a.points).collect();
    let mut amounts: Vec<i64> = allocations.iter().map(|a| a.amount_minor).collect();
    amounts.sort_by(|a, b| b.cmp(a));
    let n = amounts.len();
    let top = |pct: usize| (n * pct).div_ceil(100).max(1);
    // Descending order: the median is at n/2, the 99th percentile at the top 1 %.
    let middle = share_of(&amounts, top(1), n - n / 2);
    Fairness {
        gini_points: gini(&points),
        gini_amounts: gini(&amounts),
        top1_share: if n == 0 {
            0.0
        } else {
            share_of(&amounts, 0, top(1))
        },
        top10_share: if n == 0 {
            0.0
        } else {
            share_of(&amounts, 0, top(10))
        },
        middle_class_share: if n == 0 { 0.0 } else { middle },
        paid: amounts.iter().filter(|a| **a > 0).count(),
    }
}

/// The canonical text of a statement, which its content hash is taken over: the formula, the
/// pool, every scored contribution and every allocation, in a fixed order.
pub fn canonical(
    f: &Formula,
    pool_minor: i64,
    currency: &str,
    scored: &[Scored],
    allocations: &[Allocation],
) -> String {
    let mut out = String::new();
    let w = &f.weights;
    out.push_str(&format!(
        "formula {} {} {} {} {} {} {} | {} {} {} | {} {} {:?} {}\n",
        w.accepted_answer,
        w.answer_upvote,
        w.article_helpful,
        w.person_helped,
        w.flag_upheld,
        w.review,
        w.edit_approved,
        f.full_votes_per_post,
        f.later_vote_percent,
        f.max_points_per_post,
        f.cap_percent,
        f.min_payout_minor,
        f.transform,
        f.exclude_staff
    ));
    out.push_str(&format!("pool {pool_minor} {currency}\n"));
    let mut s: Vec<&Scored> = scored.iter().collect();
    s.sort_by_key(|x| x.contribution);
    for x in s {
        let c = x.contribution;
        out.push_str(&format!(
            "c {} {} {} {} {}\n",
            c.user_id,
            c.kind.as_str(),
            c.post_id.map_or("-".to_string(), |p| p.to_string()),
            c.at,
            x.points
        ));
    }
    let mut a: Vec<&Allocation> = allocations.iter().collect();
    a.sort_by_key(|x| x.user_id);
    for x in a {
        out.push_str(&format!(
            "a {} {} {}\n",
            x.user_id, x.points, x.amount_minor
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn c(user_id: i64, kind: Kind, post_id: i64, at: i64) -> Contribution {
        Contribution {
            user_id,
            kind,
            post_id: Some(post_id),
            at,
        }
    }

    #[test]
    fn diminishing_returns_per_post() {
        let f = Formula::default();
        // 30 up-votes on one answer: 10 × 10 + 20 × 5 = 200, the per-post maximum.
        let votes: Vec<Contribution> = (0..30).map(|i| c(1, Kind::AnswerUpvote, 7, i)).collect();
        let t = totals(&score(&f, &votes));
        assert_eq!(t[&1], 200);
        // 40 would still be 200; the same votes spread over two answers earn more.
        let votes: Vec<Contribution> = (0..40).map(|i| c(1, Kind::AnswerUpvote, 7, i)).collect();
        assert_eq!(totals(&score(&f, &votes))[&1], 200);
        let spread: Vec<Contribution> = (0..30)
            .map(|i| c(1, Kind::AnswerUpvote, 7 + i % 2, i))
            .collect();
        assert_eq!(totals(&score(&f, &spread))[&1], 250);
    }

    /// A golden statement, checked by hand:
    /// - ann: 2 accepted answers (2 × 15) + 3 up-votes (3 × 10) + 1 person helped (20) = 80
    /// - bob: 1 accepted answer (15) + 1 up-vote (10) = 25
    /// - cat: 1 review (1)
    ///
    /// Square roots (× 1,000): ann √80 = 8.944…→ 8944, bob √25 → 5000, cat √1 → 1000;
    /// total 14,944. Pool 10,000 cents, cap 50 % = 5,000, minimum payout 100:
    /// ann 10,000 × 8944 / 14944 = 5,985.0… > 5,000: capped at 5,000. The rest, 5,000, by
    /// 5000 : 1000: bob 4,166.67, cat 833.33. Largest remainder: bob's .67 gets the last cent:
    /// ann 5,000, bob 4,167, cat 833 = 10,000.
    #[test]
    fn golden_statement() {
        let f = Formula {
            cap_percent: 50,
            ..Formula::default()
        };
        let mut cs = vec![
            c(1, Kind::AcceptedAnswer, 10, 1),
            c(1, Kind::AcceptedAnswer, 11, 2),
            c(1, Kind::PersonHelped, 10, 3),
            c(2, Kind::AcceptedAnswer, 20, 4),
            c(2, Kind::AnswerUpvote, 20, 5),
            c(3, Kind::Review, 30, 6),
        ];
        for at in 0..3 {
            cs.push(c(1, Kind::AnswerUpvote, 10, 10 + at));
        }
        let t = totals(&score(&f, &cs));
        assert_eq!(t, BTreeMap::from([(1, 80), (2, 25), (3, 1)]));
        let a = allocate(&f, 10_000, &t);
        let by: BTreeMap<i64, i64> = a.iter().map(|x| (x.user_id, x.amount_minor)).collect();
        assert_eq!(by, BTreeMap::from([(1, 5_000), (2, 4_167), (3, 833)]));
    }

    #[test]
    fn small_shares_go_back_to_the_others() {
        let f = Formula {
            min_payout_minor: 500,
            transform: Transform::Linear,
            cap_percent: 100,
            ..Formula::default()
        };
        let t = BTreeMap::from([(1, 100), (2, 100), (3, 1)]);
        let a = allocate(&f, 1_000, &t);
        let by: BTreeMap<i64, i64> = a.iter().map(|x| (x.user_id, x.amount_minor)).collect();
        assert_eq!(by, BTreeMap::from([(1, 500), (2, 500), (3, 0)]));
    }

    #[test]
    fn everyone_capped_shares_the_rest() {
        let f = Formula {
            cap_percent: 10,
            transform: Transform::Linear,
            min_payout_minor: 0,
            ..Formula::default()
        };
        // 1,000 is enough for both to reach the cap of 100: each gets 100, and the other 800
        // are shared 3 : 1.
        let t = BTreeMap::from([(1, 3), (2, 1)]);
        let a = allocate(&f, 1_000, &t);
        assert_eq!(a.iter().map(|x| x.amount_minor).sum::<i64>(), 1_000);
        assert_eq!((a[0].amount_minor, a[1].amount_minor), (700, 300));
    }

    #[test]
    fn fairness_figures() {
        assert_eq!(gini(&[]), 0.0);
        assert_eq!(gini(&[5, 5, 5]), 0.0);
        let g = gini(&[0, 0, 0, 10]);
        assert!((g - 0.75).abs() < 1e-9, "{g}");
        let a: Vec<Allocation> = (1..=100)
            .map(|i| Allocation {
                user_id: i,
                points: i,
                weight: i as u128,
                amount_minor: i,
            })
            .collect();
        let f = fairness(&a);
        assert_eq!(f.paid, 100);
        assert!((f.top1_share - 100.0 / 5050.0).abs() < 1e-9);
        assert!((f.top10_share - (91..=100).sum::<i64>() as f64 / 5050.0).abs() < 1e-9);
        // Ranks 2–50 from the top: amounts 51..=99.
        assert!((f.middle_class_share - (51..=99).sum::<i64>() as f64 / 5050.0).abs() < 1e-9);
    }

    #[test]
    fn bad_settings_are_refused() {
        assert_eq!(pool(0), Err(RewardError::Pool));
        assert_eq!(pool(-5), Err(RewardError::Pool));
        assert_eq!(currency("eur"), Ok("EUR"));
        assert!(currency("EURO").is_err());
        assert!(currency("XXX").is_err());
        assert_eq!(period(10, 10), Err(RewardError::Dates));
        let f = Formula {
            cap_percent: 0,
            ..Formula::default()
        };
        assert_eq!(f.validate(), Err(RewardError::Cap));
        assert!(Formula::default().validate().is_ok());
    }

    fn points_map() -> impl Strategy<Value = BTreeMap<i64, i64>> {
        proptest::collection::btree_map(1_i64..500, 0_i64..5_000, 0..40)
    }

    fn formula() -> impl Strategy<Value = Formula> {
        (
            1_i64..=100,
            0_i64..2_000,
            prop_oneof![Just(Transform::Linear), Just(Transform::Sqrt)],
        )
            .prop_map(|(cap_percent, min_payout_minor, transform)| Formula {
                cap_percent,
                min_payout_minor,
                transform,
                ..Formula::default()
            })
    }

    proptest! {
        #[test]
        fn the_pool_is_shared_to_the_cent(f in formula(), pool in 1_i64..10_000_000, t in points_map()) {
            let a = allocate(&f, pool, &t);
            let sum: i64 = a.iter().map(|x| x.amount_minor).sum();
            if t.values().any(|p| *p > 0) {
                prop_assert_eq!(sum, pool);
            } else {
                prop_assert_eq!(sum, 0);
            }
            prop_assert!(a.iter().all(|x| x.amount_minor >= 0));
        }

        #[test]
        fn nobody_exceeds_the_cap_unless_everyone_does(f in formula(), pool in 1_i64..10_000_000, t in points_map()) {
            let a = allocate(&f, pool, &t);
            let cap = pool as i128 * f.cap_percent as i128 / 100;
            let paid: Vec<&Allocation> = a.iter().filter(|x| x.amount_minor > 0).collect();
            let over = paid.iter().filter(|x| x.amount_minor as i128 > cap.max(1)).count();
            prop_assert!(over == 0 || paid.iter().all(|x| x.amount_minor as i128 >= cap), "{a:?}");
        }

        #[test]
        fn more_points_never_mean_less_money(f in formula(), pool in 1_i64..10_000_000, t in points_map()) {
            let a = allocate(&f, pool, &t);
            for x in &a {
                for y in &a {
                    if x.points > y.points {
                        prop_assert!(x.amount_minor >= y.amount_minor, "{x:?} {y:?}");
                    }
                }
            }
        }

        #[test]
        fn the_order_of_contributions_does_not_matter(
            cs in proptest::collection::vec((1_i64..20, 0_usize..7, 1_i64..30, 0_i64..1000), 0..200),
            seed in any::<u64>(),
        ) {
            let f = Formula::default();
            let list: Vec<Contribution> = cs
                .iter()
                .map(|(u, k, p, at)| c(*u, Kind::ALL[*k], *p, *at))
                .collect();
            let mut shuffled = list.clone();
            // A deterministic shuffle from the seed.
            let mut s = seed | 1;
            for i in (1..shuffled.len()).rev() {
                s ^= s << 13;
                s ^= s >> 7;
                s ^= s << 17;
                shuffled.swap(i, (s % (i as u64 + 1)) as usize);
            }
            let a = allocate(&f, 100_000, &totals(&score(&f, &list)));
            let b = allocate(&f, 100_000, &totals(&score(&f, &shuffled)));
            prop_assert_eq!(a, b);
        }

        #[test]
        fn fairness_is_in_range(t in points_map(), pool in 1_i64..1_000_000) {
            let fr = fairness(&allocate(&Formula::default(), pool, &t));
            for v in [fr.gini_points, fr.gini_amounts, fr.top1_share, fr.top10_share, fr.middle_class_share] {
                prop_assert!((0.0..=1.0).contains(&v), "{fr:?}");
            }
            prop_assert!(fr.top1_share <= fr.top10_share + 1e-12);
        }
    }
}
