//! Rules of the support report: whether public knowledge already covers a ticket, which topics
//! have tickets and failed searches but nothing to read (what to write next), and the
//! percentiles of response times. Pure, so the thresholds are tested apart from the database.

use crate::search::{normalize_word, tokenize};
use std::collections::{BTreeMap, BTreeSet};

/// The share of a ticket subject's terms a post must address to count as covering it.
pub const COVERAGE_THRESHOLD: f64 = 0.6;

/// Distinct search terms of a text (stop words dropped, words stemmed).
fn terms(text: &str) -> BTreeSet<String> {
    tokenize(text)
        .iter()
        .filter_map(|t| normalize_word(&t.lower))
        .collect()
}

/// How much of a ticket's subject a post's title and tags address: the share of the subject's
/// terms found there, 0.0 to 1.0. A subject without terms is covered by nothing.
pub fn coverage_score(subject: &str, title: &str, tags: &[String]) -> f64 {
    let wanted = terms(subject);
    if wanted.is_empty() {
        return 0.0;
    }
    let mut offered = terms(title);
    for t in tags {
        offered.extend(terms(&t.replace('-', " ")));
    }
    let shared = wanted.intersection(&offered).count();
    // One shared word out of two is chance, not coverage.
    if shared < 2 && wanted.len() > 1 {
        return shared as f64 / (wanted.len() as f64 * 2.0);
    }
    shared as f64 / wanted.len() as f64
}

/// Whether a score counts as covered.
pub fn is_covered(score: f64) -> bool {
    score >= COVERAGE_THRESHOLD
}

/// A topic people ask support about and search for without finding an answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Gap {
    /// The word as people wrote it (its most frequent form).
    pub topic: String,
    /// Tickets not covered by public knowledge that mention it in their subject.
    pub tickets: usize,
    /// Searches that found nothing and mention it.
    pub searches: usize,
}

/// Topics shared by uncovered tickets and failed searches, most wanted first, at most `limit`.
pub fn content_gaps(
    uncovered_subjects: &[&str],
    failed_queries: &[&str],
    limit: usize,
) -> Vec<Gap> {
    // term -> (tickets, searches, surface form counts)
    let mut by_term: BTreeMap<String, (usize, usize, BTreeMap<String, usize>)> = BTreeMap::new();
    let mut count = |text: &str, ticket: bool| {
        let mut seen = BTreeSet::new();
        for t in tokenize(text) {
            let Some(term) = normalize_word(&t.lower) else {
                continue;
            };
            // Numbers and single letters are not topics.
            if t.lower.chars().count() < 3 || t.lower.chars().all(|c| c.is_ascii_digit()) {
                continue;
            }
            let e = by_term.entry(term.clone()).or_default();
            *e.2.entry(t.lower.clone()).or_default() += 1;
            if seen.insert(term) {
                if ticket {
                    e.0 += 1;
                } else {
                    e.1 += 1;
                }
            }
        }
    };
    for s in uncovered_subjects {
        count(s, true);
    }
    for q in failed_queries {
        count(q, false);
    }
    let mut gaps: Vec<Gap> = by_term
        .into_values()
        .filter(|(tickets, searches, _)| *tickets > 0 && *searches > 0)
        .map(|(tickets, searches, forms)| {
            let topic = forms
                .iter()
                .max_by(|a, b| a.1.cmp(b.1).then_with(|| b.0.cmp(a.0)))
                .map(|(f, _)| f.clone())
                .unwrap_or_default();
            Gap {
                topic,
                tickets,
                searches,
            }
        })
        .collect();
    gaps.sort_by(|a, b| {
        (b.tickets + b.searches)
            .cmp(&(a.tickets + a.searches))
            .then_with(|| a.topic.cmp(&b.topic))
    });
    gaps.truncate(limit);
    gaps
}

/// The `p`-th percentile (0 to 100) by the nearest-rank method; `None` for no values.
pub fn percentile(values: &[i64], p: u32) -> Option<i64> {
    if values.is_empty() {
        return None;
    }
    let mut v = values.to_vec();
    v.sort_unstable();
    let p = u64::from(p.min(100));
    let rank = (p * v.len() as u64).div_ceil(100).max(1) as usize;
    v.get(rank - 1).copied()
}

/// Seconds in a day.
const DAY: i64 = 86_400;

/// Midnight UTC of a `YYYY-MM-DD` day, or `None` when it is not one.
pub fn parse_day(raw: &str) -> Option<i64> {
    let date: jiff::civil::Date = raw.trim().parse().ok()?;
    let zoned = date.to_zoned_datetime(jiff::tz::TimeZone::UTC).ok()?;
    Some(zoned.timestamp().as_second())
}

/// The start (Monday 00:00 UTC) of the week holding `ts`.
pub fn week_start(ts: i64) -> i64 {
    let day = ts.div_euclid(DAY);
    // 1970-01-01 was a Thursday: three days after a Monday.
    (day - (day + 3).rem_euclid(7)) * DAY
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_matching_title_covers_a_subject() {
        let s = coverage_score(
            "How do I reset my password?",
            "Resetting a forgotten password",
            &[],
        );
        assert!(is_covered(s), "{s}");
        let s = coverage_score("Invoice shows the wrong VAT number", "Reset password", &[]);
        assert!(!is_covered(s), "{s}");
        // One common word out of several is not coverage.
        let s = coverage_score("Printer driver crashes on startup", "Printer colours", &[]);
        assert!(!is_covered(s), "{s}");
        // Tags count.
        let s = coverage_score(
            "vpn disconnects",
            "Connection drops every hour",
            &["vpn".into(), "disconnects".into()],
        );
        assert!(is_covered(s), "{s}");
        assert_eq!(coverage_score("the of and", "anything", &[]), 0.0);
    }

    #[test]
    fn gaps_need_tickets_and_failed_searches() {
        let gaps = content_gaps(
            &["Webhooks stop firing", "Webhook retries", "Billing address"],
            &["webhooks", "webhook signature", "dark mode"],
            10,
        );
        assert_eq!(gaps.len(), 1, "{gaps:?}");
        assert_eq!(gaps[0].tickets, 2);
        assert_eq!(gaps[0].searches, 2);
        assert!(gaps[0].topic.starts_with("webhook"));
        assert!(content_gaps(&[], &["x"], 10).is_empty());
    }

    #[test]
    fn percentiles_by_nearest_rank() {
        assert_eq!(percentile(&[], 50), None);
        assert_eq!(percentile(&[7], 90), Some(7));
        let v: Vec<i64> = (1..=10).collect();
        assert_eq!(percentile(&v, 50), Some(5));
        assert_eq!(percentile(&v, 90), Some(9));
        assert_eq!(percentile(&v, 100), Some(10));
    }

    #[test]
    fn days_and_weeks() {
        assert_eq!(parse_day("2026-12-07"), Some(1_796_601_600));
        assert_eq!(parse_day("2026-02-30"), None);
        assert_eq!(parse_day("yesterday"), None);
        // Monday 2026-12-07 00:00 UTC starts its own week and the six days after.
        assert_eq!(week_start(1_796_601_600), 1_796_601_600);
        assert_eq!(week_start(1_796_601_600 + 6 * DAY + 86_399), 1_796_601_600);
        assert_eq!(week_start(1_796_601_600 - 1), 1_796_601_600 - 7 * DAY);
    }

    proptest! {
        #[test]
        fn weeks_hold_their_moments(ts in -10_000_000_000_i64..10_000_000_000) {
            let w = week_start(ts);
            prop_assert!(w <= ts && ts < w + 7 * DAY);
            prop_assert_eq!(week_start(w), w);
        }

        #[test]
        fn scores_are_shares(subject in "\\PC{0,80}", title in "\\PC{0,80}") {
            let s = coverage_score(&subject, &title, &[]);
            prop_assert!((0.0..=1.0).contains(&s));
        }

        #[test]
        fn a_subject_covers_itself(words in proptest::collection::vec("[a-z]{4,9}", 1..6)) {
            let subject = words.join(" ");
            let s = coverage_score(&subject, &subject, &[]);
            // Unless every word is a stop word, a text covers itself fully.
            prop_assert!(s == 0.0 || s == 1.0);
        }

        #[test]
        fn percentiles_are_ordered(v in proptest::collection::vec(-1000_i64..1000, 1..50)) {
            let (Some(lo), Some(med), Some(p90), Some(hi)) =
                (percentile(&v, 0), percentile(&v, 50), percentile(&v, 90), percentile(&v, 100))
            else {
                return Err(TestCaseError::fail("empty"));
            };
            prop_assert!(lo <= med && med <= p90 && p90 <= hi);
            prop_assert_eq!(lo, *v.iter().min().unwrap_or(&0));
            prop_assert_eq!(hi, *v.iter().max().unwrap_or(&0));
            prop_assert!(v.contains(&med));
        }
    }
}
