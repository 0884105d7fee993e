//! Final ranking: text relevance combined with what the community knows about a post.
//!
//! Every signal other than text multiplies the text score by a factor close to 1, so text
//! relevance always decides between a good match and a poor one, signals order posts that
//! match about equally well, and the result does not depend on the scale of BM25 scores
//! (which varies with query length).

use std::collections::HashMap;

use super::analyze::{analyze, tokenize};
use super::bm25::{Bm25, CorpusStats, DocTerms, Fields};
use super::query::{ParsedQuery, Phrase};

/// Boost per natural-log unit of positive score: 10 votes give about ×1.36, 100 about
/// ×1.69. Log-damped because the hundredth vote says far less than the first, and popular
/// old posts must not bury a precise match.
pub const VOTE_WEIGHT: f64 = 0.15;

/// Demotion per natural-log unit of negative score (as a divisor): −3 gives about ÷1.42.
/// Stronger than [`VOTE_WEIGHT`] because downvotes are rarer and usually mean "wrong".
pub const DOWNVOTE_WEIGHT: f64 = 0.3;

/// Boost for a question whose asker accepted an answer (×1.2): the searcher is likely to
/// find a confirmed solution, which is what deflection is about.
pub const ACCEPTED_BOOST: f64 = 0.2;

/// Boost for a knowledge-base article (×1.25): curated and kept up to date by staff or
/// trusted members, so it should win over a question that matches equally well.
pub const ARTICLE_BOOST: f64 = 0.25;

/// Boost for a question with answers, reached at [`ANSWERS_CAP`] answers (×1.15). An
/// unanswered question rarely helps the searcher, but the tenth answer adds little.
pub const ANSWERS_BOOST: f64 = 0.15;

/// Number of answers beyond which more answers add nothing.
pub const ANSWERS_CAP: i64 = 5;

/// Half-life of the freshness bonus, in days: two years, because help-center content ages
/// slowly (a five-year-old answer about a setting is often still right).
pub const FRESHNESS_HALF_LIFE_DAYS: f64 = 730.0;

/// The share of its score that even very old content keeps: freshness only breaks near
/// ties, it never hides an old exact answer.
pub const FRESHNESS_FLOOR: f64 = 0.8;

/// How much of the community signals "similar questions" uses (as an exponent on the
/// combined factor): a quarter, because there the user is describing their own problem
/// and the closest match matters more than the most popular one.
pub const SIMILARITY_SIGNAL_EXPONENT: f64 = 0.25;

/// Weight of a draft's title words relative to its body words when looking for similar
/// posts: a title states the problem, a body adds context and noise.
pub const DRAFT_TITLE_WEIGHT: f64 = 2.0;

/// Saturation of repeated words in a draft (BM25's k3): a word typed five times in a long
/// draft is important, but not five times as important as one typed once.
pub const DRAFT_TERM_SATURATION: f64 = 1.5;

/// Largest text score accepted; larger (or infinite) values are clamped so that scores stay
/// finite and ordered.
const MAX_TEXT: f64 = 1e12;

/// What the final ranking knows about one candidate post.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RankSignals {
    /// Text relevance, e.g. [`search_text`] or [`similarity_text`]; 0 or more.
    pub text: f64,
    /// Net votes (up minus down) on the question or article.
    pub score: i64,
    /// Whether the question has an accepted answer.
    pub has_accepted: bool,
    /// Whether the post is a knowledge-base article.
    pub is_article: bool,
    /// Days since the post was created or last substantially edited.
    pub age_days: f64,
    /// Number of answers to the question (ignored for articles).
    pub answer_count: i64,
}

/// The search results order: text relevance times the community signals (higher first).
///
/// Non-decreasing in `text` and in `score`; never negative, never NaN.
pub fn rank_score(s: &RankSignals) -> f64 {
    clamp_text(s.text) * signals_factor(s)
}

/// The "similar questions and articles" order: like [`rank_score`], but driven by text
/// relevance, with the community signals damped by [`SIMILARITY_SIGNAL_EXPONENT`].
pub fn similarity(s: &RankSignals) -> f64 {
    clamp_text(s.text) * signals_factor(s).powf(SIMILARITY_SIGNAL_EXPONENT)
}

fn clamp_text(text: f64) -> f64 {
    if text.is_nan() {
        0.0
    } else {
        text.clamp(0.0, MAX_TEXT)
    }
}

fn signals_factor(s: &RankSignals) -> f64 {
    votes_factor(s.score)
        * if s.has_accepted {
            1.0 + ACCEPTED_BOOST
        } else {
            1.0
        }
        * if s.is_article {
            1.0 + ARTICLE_BOOST
        } else {
            1.0
        }
        * answers_factor(s)
        * freshness_factor(s.age_days)
}

fn votes_factor(score: i64) -> f64 {
    let magnitude = (score.unsigned_abs() as f64).ln_1p();
    if score >= 0 {
        1.0 + VOTE_WEIGHT * magnitude
    } else {
        1.0 / (1.0 + DOWNVOTE_WEIGHT * magnitude)
    }
}

fn answers_factor(s: &RankSignals) -> f64 {
    // An article is itself the answer, so it gets the full answered boost.
    let n = if s.is_article {
        ANSWERS_CAP
    } else {
        s.answer_count.clamp(0, ANSWERS_CAP)
    };
    1.0 + ANSWERS_BOOST * (n as f64).ln_1p() / (ANSWERS_CAP as f64).ln_1p()
}

fn freshness_factor(age_days: f64) -> f64 {
    let age = if age_days.is_nan() {
        0.0
    } else {
        age_days.max(0.0)
    };
    FRESHNESS_FLOOR + (1.0 - FRESHNESS_FLOOR) * 0.5f64.powf(age / FRESHNESS_HALF_LIFE_DAYS)
}

/// Text relevance of a post to a search-box query: BM25F over every term of the query
/// (free words and words in phrases alike; exact phrase matching is a filter, see
/// [`contains_phrase`]).
pub fn search_text(
    q: &ParsedQuery,
    doc: &DocTerms,
    corpus: &CorpusStats,
    df: impl Fn(&str) -> u64,
) -> f64 {
    let query: Vec<(String, f64)> = q.all_terms().into_iter().map(|t| (t, 1.0)).collect();
    Bm25::STANDARD.score_doc(&query, doc, corpus, &Fields::WEIGHTS, df)
}

/// A draft question (title and body) turned into weighted terms for finding similar posts.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SimilarQuery {
    terms: Vec<(String, f64)>,
}

impl SimilarQuery {
    /// Analyses a draft: title words count [`DRAFT_TITLE_WEIGHT`] times a body word, and
    /// repeated words saturate with [`DRAFT_TERM_SATURATION`].
    pub fn new(title: &str, body: &str) -> Self {
        let mut raw: Vec<(String, f64)> = Vec::new();
        let mut position: HashMap<String, usize> = HashMap::new();
        let mut add = |term: String, w: f64| match position.get(&term) {
            Some(&i) => raw[i].1 += w,
            None => {
                position.insert(term.clone(), raw.len());
                raw.push((term, w));
            }
        };
        for t in analyze(title) {
            add(t, DRAFT_TITLE_WEIGHT);
        }
        for t in analyze(body) {
            add(t, 1.0);
        }
        let k3 = DRAFT_TERM_SATURATION;
        let terms = raw
            .into_iter()
            .map(|(t, q)| (t, (k3 + 1.0) * q / (k3 + q)))
            .collect();
        Self { terms }
    }

    /// The `n` heaviest terms only (ties keep their order): a long draft's telling words.
    pub fn top(&self, n: usize) -> SimilarQuery {
        let mut terms = self.terms.clone();
        terms.sort_by(|a, b| b.1.total_cmp(&a.1));
        terms.truncate(n);
        SimilarQuery { terms }
    }

    /// The weighted terms, in order of first appearance.
    pub fn terms(&self) -> &[(String, f64)] {
        &self.terms
    }

    /// Whether the draft has no searchable word yet.
    pub fn is_empty(&self) -> bool {
        self.terms.is_empty()
    }
}

/// Text relevance of a post to a draft, between 0 and 1: the BM25F score divided by the
/// score a post matching every draft word without limit would get, so that a caller can
/// apply one threshold to drafts of any length.
pub fn similarity_text(
    q: &SimilarQuery,
    doc: &DocTerms,
    corpus: &CorpusStats,
    df: impl Fn(&str) -> u64,
) -> f64 {
    let ceiling: f64 = q
        .terms
        .iter()
        .map(|(t, w)| w * Bm25::idf(corpus.doc_count, df(t)))
        .sum();
    if ceiling <= 0.0 {
        return 0.0;
    }
    let s = Bm25::STANDARD.score_doc(&q.terms, doc, corpus, &Fields::WEIGHTS, df);
    (s / ceiling).clamp(0.0, 1.0)
}

/// Whether `text` contains the phrase as consecutive words, ignoring case and punctuation
/// between words (so "wi-fi  password" matches the phrase "wi fi password").
pub fn contains_phrase(text: &str, phrase: &Phrase) -> bool {
    let want: Vec<String> = tokenize(&phrase.raw).into_iter().map(|t| t.lower).collect();
    if want.is_empty() {
        return true;
    }
    let have: Vec<String> = tokenize(text).into_iter().map(|t| t.lower).collect();
    have.windows(want.len()).any(|w| w == want.as_slice())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::search::bm25::Corpus;
    use crate::search::query::parse_query;

    fn base() -> RankSignals {
        RankSignals {
            text: 1.0,
            score: 0,
            has_accepted: false,
            is_article: false,
            age_days: 30.0,
            answer_count: 1,
        }
    }

    #[test]
    fn votes_are_log_damped_and_downvotes_demote() {
        let at = |score| rank_score(&RankSignals { score, ..base() });
        assert!(at(1) > at(0));
        assert!(at(0) > at(-1));
        assert!(at(10) - at(0) > at(100) - at(10), "diminishing returns");
        assert!(at(-5) > 0.0);
        assert!(at(i64::MIN) >= 0.0 && at(i64::MAX).is_finite());
    }

    #[test]
    fn text_dominates_signals() {
        let strong = RankSignals {
            text: 2.0,
            ..base()
        };
        let weak_popular = RankSignals {
            text: 1.0,
            score: 50,
            has_accepted: true,
            ..base()
        };
        assert!(rank_score(&strong) > rank_score(&weak_popular));
    }

    #[test]
    fn accepted_articles_and_fresh_posts_rank_higher() {
        let b = rank_score(&base());
        assert!(
            rank_score(&RankSignals {
                has_accepted: true,
                ..base()
            }) > b
        );
        assert!(
            rank_score(&RankSignals {
                is_article: true,
                answer_count: 0,
                ..base()
            }) > b
        );
        assert!(
            rank_score(&RankSignals {
                age_days: 3000.0,
                ..base()
            }) < b
        );
        let ancient = rank_score(&RankSignals {
            age_days: 1e9,
            ..base()
        });
        assert!(
            (ancient
                / rank_score(&RankSignals {
                    age_days: 0.0,
                    ..base()
                })
                - FRESHNESS_FLOOR)
                .abs()
                < 1e-9
        );
        assert!(
            rank_score(&RankSignals {
                answer_count: 0,
                ..base()
            }) < b
        );
    }

    #[test]
    fn similarity_leans_on_text() {
        let popular = RankSignals {
            score: 100,
            has_accepted: true,
            ..base()
        };
        let ratio_rank = rank_score(&popular) / rank_score(&base());
        let ratio_sim = similarity(&popular) / similarity(&base());
        assert!(ratio_sim > 1.0 && ratio_sim < ratio_rank);
    }

    #[test]
    fn bad_numbers_do_not_poison_the_order() {
        let nan = RankSignals {
            text: f64::NAN,
            age_days: f64::NAN,
            ..base()
        };
        assert_eq!(rank_score(&nan), 0.0);
        let inf = RankSignals {
            text: f64::INFINITY,
            ..base()
        };
        assert!(rank_score(&inf).is_finite());
        let neg = RankSignals {
            text: -3.0,
            age_days: -10.0,
            ..base()
        };
        assert_eq!(rank_score(&neg), 0.0);
    }

    #[test]
    fn similar_drafts_find_the_matching_question() {
        let docs = [
            DocTerms::from_text(
                "Best bank in Qatar?",
                "Which bank has the best service for expats?",
                "I use HSBC.",
            ),
            DocTerms::from_text(
                "Car rental",
                "Cheap monthly car rental in Doha?",
                "Try Oasis.",
            ),
            DocTerms::from_text("Visa renewal", "How long does renewal take?", "Two weeks."),
        ];
        let corpus = Corpus::new(&docs);
        let stats = corpus.stats();
        let q = SimilarQuery::new(
            "Which bank is best?",
            "Opening a savings account, any bank advice?",
        );
        let scores: Vec<f64> = docs
            .iter()
            .map(|d| similarity_text(&q, d, &stats, |t| corpus.df(t)))
            .collect();
        assert!(scores[0] > scores[1] && scores[0] > scores[2], "{scores:?}");
        assert!(scores.iter().all(|s| (0.0..=1.0).contains(s)));
        assert_eq!(
            similarity_text(&SimilarQuery::new("", "?"), &docs[0], &stats, |t| corpus
                .df(t)),
            0.0
        );
    }

    #[test]
    fn search_text_uses_phrase_words_and_phrases_match_across_punctuation() {
        let doc = DocTerms::from_text("Wi-Fi password", "Where is the wifi password?", "");
        let corpus = Corpus::new([&doc]);
        let q = parse_query(r#""wi fi password""#).unwrap();
        assert!(search_text(&q, &doc, &corpus.stats(), |t| corpus.df(t)) > 0.0);
        assert!(contains_phrase("My Wi-Fi  password!", &q.phrases[0]));
        assert!(!contains_phrase("password for wi fi", &q.phrases[0]));
    }
}
