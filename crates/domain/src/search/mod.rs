//! Search: text analysis, query parsing and the final ranking, identical on every backend.
//!
//! The database's full-text index (SQLite FTS5, PostgreSQL `tsvector`) only proposes
//! candidates; everything that decides the order lives here, so both backends rank the same
//! way and the benchmark (`stoa eval search`) measures the code that users get.
//!
//! How the pieces fit:
//!
//! - [`parse_query`] turns the search box into terms, phrases and filters;
//!   [`SimilarQuery::new`] turns a draft (title and body) into weighted terms.
//! - Each candidate post becomes [`DocTerms`] (title, body, answers through [`analyze`]);
//!   document frequencies and average lengths come from the index or from [`Corpus`].
//! - [`search_text`] or [`similarity_text`] give the text relevance (BM25F, [`Bm25`]), which
//!   goes into [`RankSignals`] with votes, acceptance, kind and age; [`rank_score`] orders
//!   search results and [`similarity`] orders "similar questions".
//! - [`snippet`] shows each result's best passage with the matched words marked.

mod analyze;
mod bm25;
mod query;
mod rank;
mod snippet;
mod stem;
mod typo;

/// The version of what [`analyze`] writes into the index. Bump it whenever the analysis
/// (tokens, stop words, the stemmer) changes: a site whose stored version differs rebuilds
/// its search documents at the next start, so stored and query terms always agree.
pub const ANALYZER_VERSION: &str = "2";

pub use analyze::{analyze, is_stop_word, normalize_word, tokenize, Token, MAX_TOKEN_CHARS};
pub use bm25::{
    Bm25, Corpus, CorpusStats, DocTerms, Fields, TermStats, ANSWERS_WEIGHT, BODY_WEIGHT,
    TITLE_WEIGHT,
};
pub use query::{
    is_tag_name, parse_query, KindFilter, ParsedQuery, Phrase, QueryError, MAX_QUERY_CHARS,
    MAX_TAG_CHARS,
};
pub use rank::{
    contains_phrase, rank_score, search_text, similarity, similarity_text, RankSignals,
    SimilarQuery, ACCEPTED_BOOST, ANSWERS_BOOST, ANSWERS_CAP, ARTICLE_BOOST, DOWNVOTE_WEIGHT,
    DRAFT_TERM_SATURATION, DRAFT_TITLE_WEIGHT, FRESHNESS_FLOOR, FRESHNESS_HALF_LIFE_DAYS,
    SIMILARITY_SIGNAL_EXPONENT, VOTE_WEIGHT,
};
pub use snippet::snippet;
pub use stem::stem;
pub use typo::{best_correction, correction_prefix, edit_distance, max_edits};

#[cfg(test)]
mod proptests {
    use super::*;
    use proptest::prelude::*;

    fn signals() -> impl Strategy<Value = RankSignals> {
        (
            0.0f64..1e6,
            any::<i64>(),
            any::<bool>(),
            any::<bool>(),
            -10.0f64..1e5,
            -5i64..1000,
        )
            .prop_map(
                |(text, score, has_accepted, is_article, age_days, answer_count)| RankSignals {
                    text,
                    score,
                    has_accepted,
                    is_article,
                    age_days,
                    answer_count,
                },
            )
    }

    proptest! {
        #[test]
        fn analyze_never_panics_and_yields_clean_terms(s in any::<String>()) {
            for t in analyze(&s) {
                prop_assert!(!t.is_empty());
                prop_assert!(t.chars().count() <= MAX_TOKEN_CHARS + 2);
                prop_assert!(!t.chars().any(char::is_whitespace));
            }
        }

        #[test]
        fn analyze_is_deterministic(s in "\\PC{0,200}") {
            prop_assert_eq!(analyze(&s), analyze(&s));
        }

        #[test]
        fn stem_never_panics_or_grows_much(s in "[a-z']{0,30}") {
            let st = stem(&s);
            prop_assert!(st.len() <= s.len() + 1);
        }

        #[test]
        fn parse_query_never_panics(s in any::<String>()) {
            match parse_query(&s) {
                Ok(q) => {
                    prop_assert!(q.tags.iter().all(|t| is_tag_name(t)));
                    prop_assert!(s.trim().chars().count() <= MAX_QUERY_CHARS);
                }
                Err(QueryError::TooLong { chars, max }) => prop_assert!(chars > max),
            }
        }

        #[test]
        fn parse_query_never_panics_on_query_like_input(s in "[a-z \\[\\]\":#+.-]{0,120}") {
            let _ = parse_query(&s);
        }

        #[test]
        fn snippet_has_no_tags_but_marks(
            text in any::<String>(),
            words in proptest::collection::vec("[a-z<>&\"']{1,6}", 0..4),
            max in 0usize..200,
        ) {
            let out = snippet(&text, &words, max);
            let bare = out.replace("<mark>", "").replace("</mark>", "");
            prop_assert!(!bare.contains('<'), "{}", out);
            prop_assert!(!bare.contains('>'), "{}", out);
            prop_assert!(!bare.contains('"') && !bare.contains('\''), "{}", out);
            prop_assert_eq!(out.matches("<mark>").count(), out.matches("</mark>").count());
            let shown = bare.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"")
                .replace("&#39;", "'").replace("&amp;", "&");
            prop_assert!(shown.trim_matches('…').chars().count() <= max, "{}", out);
        }

        #[test]
        fn snippet_marks_what_was_asked(prefix in "[a-z ]{0,80}", suffix in "[a-z ]{0,80}") {
            let text = format!("{prefix} zebra {suffix}");
            let out = snippet(&text, &analyze("zebra"), 40);
            prop_assert!(out.contains("<mark>zebra</mark>"), "{}", out);
        }

        #[test]
        fn rank_score_is_monotonic_in_votes(s in signals(), a in any::<i64>(), b in any::<i64>()) {
            let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
            let r_lo = rank_score(&RankSignals { score: lo, ..s });
            let r_hi = rank_score(&RankSignals { score: hi, ..s });
            prop_assert!(r_lo <= r_hi, "{} > {}", r_lo, r_hi);
            let s_lo = similarity(&RankSignals { score: lo, ..s });
            let s_hi = similarity(&RankSignals { score: hi, ..s });
            prop_assert!(s_lo <= s_hi);
        }

        #[test]
        fn rank_score_is_monotonic_in_text(s in signals(), a in 0.0f64..1e6, b in 0.0f64..1e6) {
            let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
            let r_lo = rank_score(&RankSignals { text: lo, ..s });
            let r_hi = rank_score(&RankSignals { text: hi, ..s });
            prop_assert!(r_lo <= r_hi);
            prop_assert!(r_lo.is_finite() && r_lo >= 0.0);
            let s_lo = similarity(&RankSignals { text: lo, ..s });
            let s_hi = similarity(&RankSignals { text: hi, ..s });
            prop_assert!(s_lo <= s_hi);
        }

        #[test]
        fn strictly_better_text_wins_when_signals_are_equal(s in signals(), a in 0.001f64..1e6) {
            let more = rank_score(&RankSignals { text: a * 2.0, ..s });
            let less = rank_score(&RankSignals { text: a, ..s });
            prop_assert!(more > less);
        }
    }
}

#[cfg(test)]
mod snowball_reference {
    /// Compares [`super::stem`] with a word list stemmed by the reference Snowball
    /// implementation (`word<TAB>stem` lines) named by `STOA_SNOWBALL_CHECK`, which
    /// `scripts/test` writes from every word of the shared dumps. Without it the check has
    /// nothing to compare: it fails on CI and passes elsewhere (the unit tests cover known
    /// stems).
    #[test]
    fn agrees_with_reference_list() {
        let Ok(path) = std::env::var("STOA_SNOWBALL_CHECK") else {
            assert!(
                std::env::var("CI").is_err(),
                "CI runs the stemmer's reference check: set STOA_SNOWBALL_CHECK (scripts/test does)"
            );
            return;
        };
        let list = std::fs::read_to_string(path).unwrap();
        let mut wrong = Vec::new();
        let mut total = 0;
        for line in list.lines() {
            let Some((word, want)) = line.split_once('\t') else {
                continue;
            };
            total += 1;
            let got = super::stem(word);
            if got != want {
                wrong.push(format!("{word}: got {got}, want {want}"));
            }
        }
        assert!(
            wrong.is_empty(),
            "{} of {total} differ:\n{}",
            wrong.len(),
            wrong[..wrong.len().min(50)].join("\n")
        );
    }
}
