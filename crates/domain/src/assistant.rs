//! The assistant's passage ranking: which answers (or comments) written for *other* questions
//! answer a *new* one. Each candidate passage is described by a few signals, standardised and
//! combined linearly with learned weights (a logistic model; the learning itself lives in the
//! evaluation crate, `stoa eval assistant`).

use std::collections::HashMap;

/// What is known about one candidate passage.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Passage {
    /// How similar the passage's own question is to the new one (Stoa's similar-question
    /// score), divided by the best candidate question's, so 1 for the best thread.
    pub question_similarity: f64,
    /// The thread's rank among the candidate threads by that similarity (1 first).
    pub question_rank: usize,
    /// The passage's place in its thread (1 first).
    pub position: usize,
    /// Cosine similarity of the passage's words to the new question's (idf weighted).
    pub overlap_new: f64,
    /// Cosine similarity of the passage's words to its own question's.
    pub overlap_own: f64,
    /// Words in the passage.
    pub words: usize,
    /// Written by the person who asked its thread's question (usually thanks or follow-up).
    pub by_asker: bool,
    /// The passage asks something itself.
    pub asks: bool,
    /// Thanks someone ("thanks", "thank you", "thx").
    pub thanks: bool,
    /// Carries a link, an address or a number (concrete answers often do).
    pub concrete: bool,
    /// How many passages its author wrote on the site (their track record's size).
    pub author_passages: usize,
    /// Accepted as the answer to its own question.
    pub accepted: bool,
    /// Its votes.
    pub votes: i64,
}

/// Names of [`features`], in order (for reports and docs).
pub const FEATURE_NAMES: [&str; FEATURES] = [
    "question_similarity",
    "question_rank",
    "position",
    "overlap_new",
    "overlap_own",
    "length",
    "by_asker",
    "asks",
    "thanks",
    "concrete",
    "author_activity",
    "accepted",
    "votes",
];

/// Number of features.
pub const FEATURES: usize = 13;

/// The model's inputs for a passage.
pub fn features(p: &Passage) -> [f64; FEATURES] {
    let flag = |b: bool| if b { 1.0 } else { 0.0 };
    [
        p.question_similarity,
        1.0 / p.question_rank.max(1) as f64,
        1.0 / p.position.max(1) as f64,
        p.overlap_new,
        p.overlap_own,
        (1.0 + p.words as f64).ln(),
        flag(p.by_asker),
        flag(p.asks),
        flag(p.thanks),
        flag(p.concrete),
        (1.0 + p.author_passages as f64).ln(),
        flag(p.accepted),
        (p.votes.clamp(-5, 50) as f64 + 6.0).ln(),
    ]
}

/// A linear model over standardised features.
#[derive(Debug, Clone, PartialEq)]
pub struct Model {
    /// Mean of each feature in the training data.
    pub mean: [f64; FEATURES],
    /// Standard deviation of each feature (1 where it was constant).
    pub scale: [f64; FEATURES],
    /// Weight of each standardised feature.
    pub weights: [f64; FEATURES],
    /// Intercept.
    pub bias: f64,
}

impl Model {
    /// The passage's score: higher answers better. (The log-odds of "answers the question".)
    pub fn score(&self, x: &[f64; FEATURES]) -> f64 {
        self.bias
            + x.iter()
                .zip(&self.mean)
                .zip(&self.scale)
                .zip(&self.weights)
                .map(|(((x, m), s), w)| w * (x - m) / s)
                .sum::<f64>()
    }

    /// The probability that the passage answers the question.
    pub fn probability(&self, x: &[f64; FEATURES]) -> f64 {
        1.0 / (1.0 + (-self.score(x)).exp())
    }
}

/// The model Stoa ships: learned on the whole SemEval-2016 file (`print_default_model` in
/// `crates/eval/tests/semeval.rs` prints it), except the weights of acceptance and votes, which
/// that forum data cannot teach (it has neither) and are set by hand: an accepted answer counts
/// about as much as coming from the most similar thread, and votes count on a log scale.
pub const DEFAULT_MODEL: Model = Model {
    mean: [
        0.5173, 0.2929, 0.2929, 0.05135, 0.1264, 3.1637, 0.1448, 0.2118, 0.06507, 0.3009, 2.5338,
        0.0, 1.7918,
    ],
    scale: [
        0.3045, 0.2630, 0.2630, 0.08568, 0.1355, 0.9746, 0.3519, 0.4086, 0.2467, 0.4586, 1.9737,
        1.0, 1.0,
    ],
    weights: [
        0.3563, 0.0835, 0.1573, 0.2771, 0.1090, 0.1184, -0.5761, -0.5207, -0.2949, 0.1866, -0.1228,
        1.0, 0.5,
    ],
    bias: -2.3620,
};

/// Whether the text asks a question, thanks someone, or gives something concrete.
pub fn text_traits(text: &str) -> (bool, bool, bool) {
    let lower = text.to_lowercase();
    let asks = text.contains('?');
    let thanks = ["thanks", "thank you", "thank u", "thx", "thanx", "tnx"]
        .iter()
        .any(|w| lower.contains(w));
    let concrete = lower.contains("http")
        || lower.contains("www.")
        || lower.contains('@')
        || text.chars().any(|c| c.is_ascii_digit());
    (asks, thanks, concrete)
}

/// A bag of analysed terms with idf weights, for cosine similarity.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TermVector {
    weights: HashMap<String, f64>,
    norm: f64,
}

impl TermVector {
    /// The text's terms (see [`crate::search::analyze`]), each weighted by its count times
    /// `idf(term)`.
    pub fn new(text: &str, idf: impl Fn(&str) -> f64) -> TermVector {
        let mut counts: HashMap<String, f64> = HashMap::new();
        for t in crate::search::analyze(text) {
            *counts.entry(t).or_default() += 1.0;
        }
        let weights: HashMap<String, f64> = counts
            .into_iter()
            .map(|(t, c)| {
                let w = c * idf(&t);
                (t, w)
            })
            .collect();
        let norm = weights.values().map(|w| w * w).sum::<f64>().sqrt();
        TermVector { weights, norm }
    }

    /// Cosine similarity, 0 when either is empty.
    pub fn cosine(&self, other: &TermVector) -> f64 {
        if self.norm == 0.0 || other.norm == 0.0 {
            return 0.0;
        }
        let (small, large) = if self.weights.len() <= other.weights.len() {
            (self, other)
        } else {
            (other, self)
        };
        let dot: f64 = small
            .weights
            .iter()
            .filter_map(|(t, w)| large.weights.get(t).map(|v| w * v))
            .sum();
        dot / (self.norm * other.norm)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cosine_is_one_for_the_same_text_and_zero_for_disjoint() {
        let a = TermVector::new("renew the residence permit at immigration", |_| 1.0);
        let b = TermVector::new("renew the residence permit at immigration", |_| 1.0);
        let c = TermVector::new("best beaches near the city", |_| 1.0);
        assert!((a.cosine(&b) - 1.0).abs() < 1e-9);
        assert_eq!(a.cosine(&c), 0.0);
        assert_eq!(a.cosine(&TermVector::default()), 0.0);
    }

    #[test]
    fn traits_read_the_text() {
        assert_eq!(text_traits("Thanks a lot!"), (false, true, false));
        assert_eq!(
            text_traits("Did you try www.example.org?"),
            (true, false, true)
        );
    }

    #[test]
    fn a_model_prefers_what_its_weights_favour() {
        let m = Model {
            mean: [0.0; FEATURES],
            scale: [1.0; FEATURES],
            weights: {
                let mut w = [0.0; FEATURES];
                w[0] = 2.0;
                w[6] = -1.0;
                w
            },
            bias: 0.0,
        };
        let good = features(&Passage {
            question_similarity: 1.0,
            ..Passage::default()
        });
        let asker = features(&Passage {
            question_similarity: 1.0,
            by_asker: true,
            ..Passage::default()
        });
        assert!(m.score(&good) > m.score(&asker));
        assert!((m.probability(&[0.0; FEATURES]) - 0.5).abs() < 1e-12);
    }
}
