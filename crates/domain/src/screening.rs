//! Spam and abuse screening of a new post: new-member link limits, exact and near-duplicate
//! detection, and the learned classifier's verdict, combined into publish, hold or refuse.
//!
//! Holding is preferred to refusing: a held post waits for a moderator instead of silencing a
//! real customer, and the moderator's decision teaches the classifier.

use crate::governance::SpamRules;

/// What becomes of a new post.
#[derive(Debug, Clone, PartialEq)]
pub enum Screening {
    /// Publish it.
    Publish,
    /// Keep it out of sight until a moderator decides; each reason is shown to the moderator.
    Hold(Vec<String>),
    /// Refuse it: the author already posted exactly this.
    DuplicateOfOwn {
        /// The earlier post.
        post_id: i64,
    },
}

/// An earlier post to compare against.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Earlier {
    /// Its id.
    pub post_id: i64,
    /// Its author.
    pub author_id: i64,
    /// The question of an answer.
    pub parent_id: Option<i64>,
    /// The fingerprint of its title and plain text (shared: callers cache them).
    pub fingerprint: std::sync::Arc<Fingerprint>,
}

/// What screening knows about the new post and its author.
#[derive(Debug, Clone, PartialEq)]
pub struct Facts<'a> {
    /// Title (if any) and plain text of the body.
    pub text: &'a str,
    /// The sanitised HTML, for counting links.
    pub html: &'a str,
    /// The author.
    pub author_id: i64,
    /// The question, for an answer.
    pub parent_id: Option<i64>,
    /// The author's reputation.
    pub reputation: i64,
    /// Moderators and trusted members are screened with a lower bar: exact copies of others'
    /// long posts, near-duplicates of 95 % or more, only near-certain spam, and links past
    /// [`link_allowance`] (as for every member past the new stage) are held.
    pub trusted: bool,
    /// Posts with links the author published in the last hour.
    pub recent_link_posts: i64,
    /// The classifier's spam probability.
    pub spam_probability: f64,
    /// The probability from which the classifier says spam.
    pub spam_threshold: f64,
}

/// Links in sanitised HTML: every anchor counts, autolinked or written.
pub fn count_links(html: &str) -> i64 {
    let lower = html.to_ascii_lowercase();
    lower.matches("<a ").count() as i64
}

/// The similarity from which a trusted member's post counts as a near-duplicate.
pub const TRUSTED_NEAR_DUPLICATE_PERCENT: i64 = 95;
/// The classifier's certainty from which a trusted member's post is held.
pub const TRUSTED_SPAM_PROBABILITY: f64 = 0.99;

/// How many times a new member's allowance of links in one post everyone else has (10 by
/// default): a long answer may cite many sources, yet a post full of links is held even from a
/// trusted member, whose account may have been bought or taken over.
pub const EXPERIENCED_LINKS_FACTOR: i64 = 5;
/// How many times a new member's allowance of link posts an hour everyone else has (4 by
/// default): a burst of link posts is how a spam run looks, whoever's account it comes from.
pub const EXPERIENCED_LINK_POSTS_FACTOR: i64 = 2;

/// The links one post may carry and the link posts an hour may hold before the next is held:
/// `new_user_max_links` and `new_user_link_posts_per_hour` for a new member, and a multiple of
/// them (at least of 1) for everyone else, trusted members and moderators included.
pub fn link_allowance(rules: &SpamRules, trusted: bool, reputation: i64) -> (i64, i64) {
    if !trusted && reputation < rules.new_user_below {
        (rules.new_user_max_links, rules.new_user_link_posts_per_hour)
    } else {
        (
            rules.new_user_max_links.max(1) * EXPERIENCED_LINKS_FACTOR,
            rules.new_user_link_posts_per_hour.max(1) * EXPERIENCED_LINK_POSTS_FACTOR,
        )
    }
}

/// Whether screening reads the author's recent link posts: every post that carries links is
/// judged by them (with a higher allowance for members past the new stage), and counting them
/// reads the author's posts of the last hour.
pub fn needs_link_history(html: &str) -> bool {
    count_links(html) > 0
}

/// Text reduced for comparison: lower-case words of letters and digits, single-spaced.
pub fn normalize(text: &str) -> String {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect::<Vec<_>>()
        .join(" ")
}

/// Fewer words than this and similarity says little: "Thanks!" repeats innocently.
const MIN_WORDS_FOR_NEAR_DUPLICATE: usize = 8;
const SHINGLE: usize = 3;

/// What comparing two texts needs, computed once per text: its word count, a hash of its whole
/// normalised form (see [`normalize`]) and the sorted, distinct hashes of its word triples.
/// Hashing words instead of building sets of strings made screening a new post against 600
/// earlier ones about ten times cheaper (docs/adr-007-performance.md).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fingerprint {
    words: usize,
    whole: u64,
    shingles: Vec<u64>,
}

const HASH_SEED: u64 = 0xcbf2_9ce4_8422_2325;
const HASH_MUL: u64 = 0x0100_0000_01b3;
const MIX_MUL: u64 = 0x517c_c1b7_2722_0a95;

fn mix(acc: u64, h: u64) -> u64 {
    (acc.rotate_left(5) ^ h).wrapping_mul(MIX_MUL)
}

impl Fingerprint {
    /// Fingerprints a text (normalised on the way: lower-case words of letters and digits).
    pub fn of(text: &str) -> Self {
        let mut words: Vec<u64> = Vec::new();
        for w in text
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
        {
            let hash = |bytes: &mut dyn Iterator<Item = u8>| {
                bytes.fold(HASH_SEED, |h, b| (h ^ u64::from(b)).wrapping_mul(HASH_MUL))
            };
            // The same lower case as `normalize` (a word-final Σ becomes ς), without an
            // allocation for the common, ASCII word.
            words.push(if w.is_ascii() {
                hash(&mut w.bytes().map(|b| b.to_ascii_lowercase()))
            } else {
                hash(&mut w.to_lowercase().bytes())
            });
        }
        let whole = words.iter().fold(HASH_SEED, |acc, h| mix(acc, *h));
        let mut shingles: Vec<u64> = words
            .windows(SHINGLE)
            .map(|w| w.iter().fold(HASH_SEED, |acc, h| mix(acc, *h)))
            .collect();
        shingles.sort_unstable();
        shingles.dedup();
        Self {
            words: words.len(),
            whole,
            shingles,
        }
    }

    /// Whether the text has no word at all.
    pub fn is_empty(&self) -> bool {
        self.words == 0
    }

    /// Whether both texts normalise to the same words.
    pub fn same_text(&self, other: &Fingerprint) -> bool {
        self.words == other.words && self.whole == other.whole
    }

    /// Jaccard similarity of the word triples, in percent (0–100); 0 when either text is too
    /// short to judge.
    pub fn similarity_percent(&self, other: &Fingerprint) -> i64 {
        let long_enough =
            |f: &Fingerprint| f.shingles.len() + SHINGLE > MIN_WORDS_FOR_NEAR_DUPLICATE;
        if !long_enough(self) || !long_enough(other) {
            return 0;
        }
        let inter = self.common_shingles(other, 0).unwrap_or(0);
        percent(inter, self.shingles.len() + other.shingles.len())
    }

    /// The similarity in percent (as [`Fingerprint::similarity_percent`]) if it is at least
    /// `min`, else `None`. Stops as soon as `min` is out of reach: screening compares a new post
    /// with two hundred earlier ones, and almost all of them differ from the first few triples.
    pub fn similar_at_least(&self, other: &Fingerprint, min: i64) -> Option<i64> {
        let long_enough =
            |f: &Fingerprint| f.shingles.len() + SHINGLE > MIN_WORDS_FOR_NEAR_DUPLICATE;
        if !long_enough(self) || !long_enough(other) {
            return (min <= 0).then_some(0);
        }
        let total = self.shingles.len() + other.shingles.len();
        // s >= min  <=>  100·inter >= min·(total − inter)  <=>  inter·(100 + min) >= min·total.
        let needed = if min <= 0 {
            0
        } else {
            (min as usize * total).div_ceil(100 + min as usize)
        };
        let inter = self.common_shingles(other, needed)?;
        let s = percent(inter, total);
        (s >= min).then_some(s)
    }

    /// Triples both texts have, or `None` once fewer than `needed` remain possible.
    fn common_shingles(&self, other: &Fingerprint, needed: usize) -> Option<usize> {
        let (a, b) = (&self.shingles, &other.shingles);
        let (mut i, mut j, mut inter) = (0, 0, 0usize);
        while i < a.len() && j < b.len() {
            match a[i].cmp(&b[j]) {
                std::cmp::Ordering::Less => i += 1,
                std::cmp::Ordering::Greater => j += 1,
                std::cmp::Ordering::Equal => {
                    inter += 1;
                    i += 1;
                    j += 1;
                    continue;
                }
            }
            if inter + (a.len() - i).min(b.len() - j) < needed {
                return None;
            }
        }
        (inter >= needed).then_some(inter)
    }
}

/// Jaccard similarity in percent from the common triples and both texts' triple counts.
fn percent(inter: usize, total: usize) -> i64 {
    (inter * 100)
        .checked_div(total - inter)
        .map_or(0, |p| p as i64)
}

/// Jaccard similarity of the word triples of two texts, in percent (0–100); 0 when either is
/// too short to judge.
pub fn similarity_percent(a: &str, b: &str) -> i64 {
    Fingerprint::of(a).similarity_percent(&Fingerprint::of(b))
}

/// Screens a new post against the rules and earlier posts.
pub fn screen(rules: &SpamRules, facts: &Facts<'_>, earlier: &[Earlier]) -> Screening {
    screen_fingerprinted(rules, facts, &Fingerprint::of(facts.text), earlier)
}

/// [`screen`] with the new post's fingerprint (of `facts.text`) already made, for a caller
/// that keeps it.
pub fn screen_fingerprinted(
    rules: &SpamRules,
    facts: &Facts<'_>,
    mine: &Fingerprint,
    earlier: &[Earlier],
) -> Screening {
    let mut reasons = Vec::new();
    for e in earlier {
        let theirs = &e.fingerprint;
        if !mine.is_empty() && theirs.same_text(mine) {
            // Re-asking a question, or answering one twice, is refused; reusing a short answer
            // elsewhere is innocent, a long copy is how spam and plagiarism look.
            if e.author_id == facts.author_id && e.parent_id == facts.parent_id {
                return Screening::DuplicateOfOwn { post_id: e.post_id };
            }
            if mine.words >= MIN_WORDS_FOR_NEAR_DUPLICATE {
                reasons.push(format!("exact copy of post {}", e.post_id));
            }
        } else {
            let bar = if facts.trusted {
                rules
                    .near_duplicate_percent
                    .max(TRUSTED_NEAR_DUPLICATE_PERCENT)
            } else {
                rules.near_duplicate_percent
            };
            if let Some(s) = mine.similar_at_least(theirs, bar) {
                reasons.push(format!(
                    "near-duplicate ({s}% similar) of post {}",
                    e.post_id
                ));
            }
        }
    }
    let new = !facts.trusted && facts.reputation < rules.new_user_below;
    let who = if new { "a new member" } else { "a member" };
    let (max_links, per_hour) = link_allowance(rules, facts.trusted, facts.reputation);
    let links = count_links(facts.html);
    if links > max_links {
        reasons.push(format!(
            "{links} links from {who} (at most {max_links} allowed)"
        ));
    } else if links > 0 && facts.recent_link_posts >= per_hour {
        reasons.push(format!(
            "{who}'s link post number {} within an hour (at most {per_hour} allowed)",
            facts.recent_link_posts + 1,
        ));
    }
    let spam_bar = if facts.trusted {
        facts.spam_threshold.max(TRUSTED_SPAM_PROBABILITY)
    } else {
        facts.spam_threshold
    };
    if facts.spam_probability >= spam_bar {
        reasons.push(format!(
            "the spam filter is {:.0}% sure this is spam",
            facts.spam_probability * 100.0
        ));
    }
    if reasons.is_empty() {
        Screening::Publish
    } else {
        Screening::Hold(reasons)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn facts<'a>(text: &'a str, html: &'a str) -> Facts<'a> {
        Facts {
            text,
            html,
            author_id: 1,
            parent_id: None,
            reputation: 1,
            trusted: false,
            recent_link_posts: 0,
            spam_probability: 0.0,
            spam_threshold: 0.95,
        }
    }

    const LONG: &str =
        "How do I reset my password after changing the e-mail address on my account settings page";

    #[test]
    fn links_are_counted() {
        assert_eq!(
            count_links("<p><a href=\"x\">a</a> and <A HREF=\"y\">b</A></p>"),
            2
        );
        assert_eq!(count_links("<p>no links</p>"), 0);
    }

    #[test]
    fn link_history_is_read_only_for_a_link_post() {
        let link = "<p><a href=\"https://example.org\">x</a></p>";
        assert!(needs_link_history(link));
        assert!(!needs_link_history("<p>no links</p>"));
    }

    #[test]
    fn allowances_grow_past_the_new_stage() {
        let r = SpamRules::default();
        assert_eq!(link_allowance(&r, false, 1), (2, 2));
        assert_eq!(link_allowance(&r, false, r.new_user_below), (10, 4));
        assert_eq!(
            link_allowance(&r, true, 1),
            (10, 4),
            "trust counts, not reputation alone"
        );
        let strict = SpamRules {
            new_user_max_links: 0,
            new_user_link_posts_per_hour: 0,
            ..r
        };
        assert_eq!(link_allowance(&strict, false, 1), (0, 0));
        assert_eq!(
            link_allowance(&strict, true, 1),
            (EXPERIENCED_LINKS_FACTOR, EXPERIENCED_LINK_POSTS_FACTOR),
            "no links for new members never means none for anyone"
        );
    }

    #[test]
    fn trusted_members_links_are_screened_with_a_lower_bar() {
        let r = SpamRules::default();
        let links = |n: usize| -> String { (0..n).map(|i| format!("<a href={i}>x</a>")).collect() };
        let three = links(3);
        let trusted = Facts {
            trusted: true,
            reputation: 5_000,
            ..facts("docs", &three)
        };
        assert_eq!(
            screen(&r, &trusted, &[]),
            Screening::Publish,
            "what holds a new member's post passes a trusted member's"
        );
        let ten = links(10);
        assert_eq!(
            screen(
                &r,
                &Facts {
                    html: &ten,
                    ..trusted.clone()
                },
                &[]
            ),
            Screening::Publish
        );
        let eleven = links(11);
        match screen(
            &r,
            &Facts {
                html: &eleven,
                ..trusted.clone()
            },
            &[],
        ) {
            Screening::Hold(reasons) => {
                assert_eq!(reasons, ["11 links from a member (at most 10 allowed)"])
            }
            other => panic!("{other:?}"),
        }
        let one = links(1);
        let burst = Facts {
            html: &one,
            recent_link_posts: 4,
            ..trusted.clone()
        };
        assert!(
            matches!(screen(&r, &burst, &[]), Screening::Hold(_)),
            "the fifth link post within an hour is held"
        );
        let third = Facts {
            recent_link_posts: 2,
            ..burst.clone()
        };
        assert_eq!(screen(&r, &third, &[]), Screening::Publish);
        let no_link = Facts {
            html: "<p>x</p>",
            recent_link_posts: 50,
            ..trusted
        };
        assert_eq!(screen(&r, &no_link, &[]), Screening::Publish);
    }

    #[test]
    fn new_members_links_are_limited() {
        let r = SpamRules::default();
        let three = "<a href=1>x</a><a href=2>y</a><a href=3>z</a>";
        assert!(matches!(
            screen(&r, &facts("buy", three), &[]),
            Screening::Hold(_)
        ));
        assert_eq!(
            screen(&r, &facts("buy", "<a href=1>x</a>"), &[]),
            Screening::Publish
        );
        let burst = Facts {
            recent_link_posts: 2,
            ..facts("buy", "<a href=1>x</a>")
        };
        assert!(matches!(screen(&r, &burst, &[]), Screening::Hold(_)));
        let no_link = Facts {
            recent_link_posts: 9,
            ..facts("buy", "<p>x</p>")
        };
        assert_eq!(screen(&r, &no_link, &[]), Screening::Publish);
        let established = Facts {
            reputation: 10,
            ..facts("buy", three)
        };
        assert_eq!(screen(&r, &established, &[]), Screening::Publish);
    }

    #[test]
    fn duplicates() {
        let r = SpamRules::default();
        let own = Earlier {
            post_id: 5,
            author_id: 1,
            parent_id: None,
            fingerprint: std::sync::Arc::new(Fingerprint::of(&LONG.to_uppercase())),
        };
        assert_eq!(
            screen(&r, &facts(LONG, ""), std::slice::from_ref(&own)),
            Screening::DuplicateOfOwn { post_id: 5 }
        );
        let trusted = Facts {
            trusted: true,
            ..facts(LONG, "")
        };
        assert_eq!(
            screen(&r, &trusted, &[own]),
            Screening::DuplicateOfOwn { post_id: 5 },
            "even trusted members do not repeat themselves"
        );
        let other = Earlier {
            post_id: 6,
            author_id: 2,
            parent_id: None,
            fingerprint: std::sync::Arc::new(Fingerprint::of(LONG)),
        };
        assert!(matches!(
            screen(&r, &facts(LONG, ""), std::slice::from_ref(&other)),
            Screening::Hold(_)
        ));
        assert!(
            matches!(screen(&r, &trusted, &[other]), Screening::Hold(_)),
            "a trusted member's exact copy of someone else's long post is held too"
        );
        let near = Earlier {
            post_id: 7,
            author_id: 2,
            parent_id: None,
            fingerprint: std::sync::Arc::new(Fingerprint::of(&format!("{LONG} please"))),
        };
        assert!(matches!(
            screen(&r, &facts(LONG, ""), &[near]),
            Screening::Hold(_)
        ));
        let different = Earlier {
            post_id: 8,
            author_id: 2,
            parent_id: None,
            fingerprint: std::sync::Arc::new(Fingerprint::of(
                "Which grinder should I buy for pour-over coffee at home",
            )),
        };
        assert_eq!(
            screen(&r, &facts(LONG, ""), &[different]),
            Screening::Publish
        );
        let short = Earlier {
            post_id: 9,
            author_id: 2,
            parent_id: None,
            fingerprint: std::sync::Arc::new(Fingerprint::of("Thanks a lot")),
        };
        assert_eq!(
            screen(&r, &facts("thanks a lot!", ""), &[short]),
            Screening::Publish,
            "short copies are innocent"
        );
        let own_elsewhere = Earlier {
            post_id: 10,
            author_id: 1,
            parent_id: Some(3),
            fingerprint: std::sync::Arc::new(Fingerprint::of(LONG)),
        };
        let answer = Facts {
            parent_id: Some(4),
            ..facts(LONG, "")
        };
        assert!(
            matches!(
                screen(&r, &answer, std::slice::from_ref(&own_elsewhere)),
                Screening::Hold(_)
            ),
            "a long answer pasted into another question"
        );
        let again = Facts {
            parent_id: Some(3),
            ..facts(LONG, "")
        };
        assert_eq!(
            screen(&r, &again, &[own_elsewhere]),
            Screening::DuplicateOfOwn { post_id: 10 }
        );
    }

    #[test]
    fn similarity() {
        let a = normalize(LONG);
        assert_eq!(similarity_percent(&a, &a), 100);
        assert_eq!(
            similarity_percent("a b c", "a b c"),
            0,
            "too short to judge"
        );
        assert!(similarity_percent(&a, &normalize("Body of Question number 1 fn main")) < 20);
    }

    #[test]
    fn the_classifier_holds() {
        let r = SpamRules::default();
        let f = Facts {
            spam_probability: 0.99,
            reputation: 500,
            ..facts("x", "")
        };
        assert!(matches!(screen(&r, &f, &[]), Screening::Hold(_)));
        let fairly_sure = Facts {
            spam_probability: 0.97,
            ..f
        };
        assert!(matches!(screen(&r, &fairly_sure, &[]), Screening::Hold(_)));
        let trusted = Facts {
            trusted: true,
            ..fairly_sure
        };
        assert_eq!(
            screen(&r, &trusted, &[]),
            Screening::Publish,
            "a trusted member has a lower bar"
        );
        let certain = Facts {
            spam_probability: 0.995,
            ..trusted
        };
        assert!(matches!(screen(&r, &certain, &[]), Screening::Hold(_)));
    }

    proptest! {
        #[test]
        fn similarity_is_a_symmetric_percentage(a in "[a-e ]{0,80}", b in "[a-e ]{0,80}") {
            let (na, nb) = (normalize(&a), normalize(&b));
            let s = similarity_percent(&na, &nb);
            prop_assert!((0..=100).contains(&s));
            prop_assert_eq!(s, similarity_percent(&nb, &na));
        }

        #[test]
        fn fingerprints_agree_with_normalised_text(a in "[a-cA-CΣσς ,.]{0,40}", b in "[a-cA-CΣσς ,.]{0,40}") {
            let same = Fingerprint::of(&a).same_text(&Fingerprint::of(&b));
            prop_assert_eq!(same, normalize(&a) == normalize(&b));
        }

        #[test]
        fn similarity_matches_sets_of_word_triples(a in "[a-d ]{0,60}", b in "[a-d ]{0,60}") {
            use std::collections::HashSet;
            let triples = |t: &str| -> HashSet<Vec<String>> {
                let w: Vec<String> = normalize(t).split(' ').filter(|w| !w.is_empty()).map(str::to_string).collect();
                w.windows(3).map(<[String]>::to_vec).collect()
            };
            let (sa, sb) = (triples(&a), triples(&b));
            let want = if sa.len() + 2 < 8 || sb.len() + 2 < 8 {
                0
            } else {
                let inter = sa.intersection(&sb).count();
                (inter * 100 / (sa.len() + sb.len() - inter)) as i64
            };
            prop_assert_eq!(similarity_percent(&a, &b), want);
        }

        #[test]
        fn early_exit_agrees_with_the_full_comparison(
            a in "[a-c ]{0,80}", b in "[a-c ]{0,80}", min in -5i64..=105,
        ) {
            let (fa, fb) = (Fingerprint::of(&a), Fingerprint::of(&b));
            let s = fa.similarity_percent(&fb);
            prop_assert_eq!(fa.similar_at_least(&fb, min), (s >= min).then_some(s));
        }
    }
}
