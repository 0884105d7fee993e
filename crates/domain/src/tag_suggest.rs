//! Tag suggestions: which of the site's tags a question being written is likely to carry,
//! learned from the site's own tagged questions.
//!
//! A multi-label model of word–tag association: for every word, how many questions with it
//! carry each tag. A draft's tags are scored by summing, over its distinct words, the share of
//! that word's questions that carry the tag, weighted by the word's rarity (IDF) and by where
//! it appears (title words count double), plus a bonus when the tag's own name is written in
//! the draft. Training is one pass over the questions and adding a question later is the same
//! step, so the model follows the site as questions arrive. `stoa eval tags` measures it on
//! Stack Exchange dumps (docs/assistant.md).

use crate::search::{analyze, tokenize};
use std::collections::{HashMap, HashSet};

/// Most suggestions returned.
pub const MAX_SUGGESTIONS: usize = 5;
/// How much a word of the title counts against a word of the body.
const TITLE_WEIGHT: f64 = 2.0;
/// Added to a word's question count when estimating its tag shares: a word seen in one
/// question says little.
const SMOOTHING: f64 = 2.0;
/// Added (before normalising) when the tag's name is written in the draft.
const NAME_BONUS: f64 = 1.5;
/// How much a tag's share of all questions counts (some tags, like a meta site's
/// `discussion`, go on most questions whatever their words).
const PRIOR_WEIGHT: f64 = 1.0;
/// Distinct body words read per question (long pasted logs add nothing but cost).
const MAX_BODY_TERMS: usize = 200;
/// Suggestions scoring below this share of the best one are noise.
const RELATIVE_FLOOR: f64 = 0.15;

/// One suggested tag.
#[derive(Debug, Clone, PartialEq)]
pub struct TagScore {
    /// The tag's name.
    pub tag: String,
    /// How strongly the draft points to it, in (0, 1]; the best suggestion has 1.
    pub score: f64,
}

/// The learned association of words and tags.
#[derive(Debug, Default, Clone)]
pub struct TagModel {
    /// Tag names by id.
    tags: Vec<String>,
    /// Tag id by name.
    tag_ids: HashMap<String, u32>,
    /// Questions carrying each tag.
    tag_questions: Vec<u32>,
    /// For each word: the questions with it, and per tag how many of them carry it.
    words: HashMap<String, WordStats>,
    /// Questions learned from.
    questions: u32,
}

#[derive(Debug, Default, Clone)]
struct WordStats {
    questions: u32,
    tags: Vec<(u32, u32)>,
}

/// The distinct words of a draft with their weights (title words count double).
fn weighted_terms(title: &str, body: &str) -> HashMap<String, f64> {
    let mut out: HashMap<String, f64> = HashMap::new();
    for t in analyze(title) {
        out.insert(t, TITLE_WEIGHT);
    }
    let mut body_terms = 0;
    for t in analyze(body) {
        if body_terms >= MAX_BODY_TERMS {
            break;
        }
        if let std::collections::hash_map::Entry::Vacant(e) = out.entry(t) {
            body_terms += 1;
            e.insert(1.0);
        }
    }
    out
}

/// The lower-cased words as written (tag names are matched against these, unstemmed), with
/// each adjacent pair joined by '-' so that "home assistant" finds `home-assistant`.
fn surface_words(title: &str, body: &str) -> HashSet<String> {
    let mut out = HashSet::new();
    for text in [title, body] {
        let words: Vec<String> = tokenize(text).into_iter().map(|t| t.lower).collect();
        for pair in words.windows(2) {
            out.insert(format!("{}-{}", pair[0], pair[1]));
        }
        out.extend(words);
    }
    out
}

impl TagModel {
    /// An empty model.
    pub fn new() -> Self {
        Self::default()
    }

    /// Learns from one tagged question (untagged ones teach nothing and are skipped).
    pub fn learn(&mut self, title: &str, body: &str, tags: &[String]) {
        let mut ids: Vec<u32> = Vec::with_capacity(tags.len());
        for tag in tags {
            let tag = tag.trim().to_lowercase();
            if tag.is_empty() {
                continue;
            }
            let id = match self.tag_ids.get(&tag) {
                Some(id) => *id,
                None => {
                    let id = self.tags.len() as u32;
                    self.tags.push(tag.clone());
                    self.tag_questions.push(0);
                    self.tag_ids.insert(tag, id);
                    id
                }
            };
            if !ids.contains(&id) {
                ids.push(id);
            }
        }
        if ids.is_empty() {
            return;
        }
        self.questions += 1;
        for id in &ids {
            self.tag_questions[*id as usize] += 1;
        }
        for (term, _) in weighted_terms(title, body) {
            let stats = self.words.entry(term).or_default();
            stats.questions += 1;
            for id in &ids {
                match stats.tags.iter_mut().find(|(t, _)| t == id) {
                    Some((_, n)) => *n += 1,
                    None => stats.tags.push((*id, 1)),
                }
            }
        }
    }

    /// Questions learned from.
    pub fn questions(&self) -> u32 {
        self.questions
    }

    /// The tags most often used, most used first (the baseline a model must beat).
    pub fn most_frequent(&self, n: usize) -> Vec<String> {
        let mut ids: Vec<usize> = (0..self.tags.len()).collect();
        ids.sort_by(|a, b| {
            self.tag_questions[*b]
                .cmp(&self.tag_questions[*a])
                .then_with(|| self.tags[*a].cmp(&self.tags[*b]))
        });
        ids.into_iter()
            .take(n)
            .map(|i| self.tags[i].clone())
            .collect()
    }

    /// Up to `n` tags for a draft, best first; only tags the model learned, so never one the
    /// site does not have. Empty when the draft says nothing the model knows.
    pub fn suggest(&self, title: &str, body: &str, n: usize) -> Vec<TagScore> {
        if self.questions == 0 || n == 0 {
            return Vec::new();
        }
        let total = f64::from(self.questions);
        let mut scores: HashMap<u32, f64> = HashMap::new();
        for (term, weight) in weighted_terms(title, body) {
            let Some(stats) = self.words.get(&term) else {
                continue;
            };
            let df = f64::from(stats.questions);
            let idf = (1.0 + total / df).ln();
            for (tag, count) in &stats.tags {
                *scores.entry(*tag).or_insert(0.0) +=
                    weight * idf * f64::from(*count) / (df + SMOOTHING);
            }
        }
        // Normalise by the draft's total evidence so the name bonus means the same for a
        // short draft and a long one.
        let evidence: f64 = scores.values().copied().fold(0.0, f64::max);
        let scale = if evidence > 0.0 { evidence } else { 1.0 };
        for v in scores.values_mut() {
            *v /= scale;
        }
        if !scores.is_empty() {
            for (id, n) in self.tag_questions.iter().enumerate() {
                let share = f64::from(*n) / total;
                if share >= 0.05 {
                    *scores.entry(id as u32).or_insert(0.0) += PRIOR_WEIGHT * share;
                }
            }
        }
        for word in surface_words(title, body) {
            if let Some(id) = self.tag_ids.get(&word) {
                *scores.entry(*id).or_insert(0.0) += NAME_BONUS;
            }
        }
        let mut ranked: Vec<(u32, f64)> = scores.into_iter().filter(|(_, s)| *s > 0.0).collect();
        ranked.sort_by(|a, b| {
            b.1.total_cmp(&a.1)
                .then_with(|| {
                    self.tag_questions[b.0 as usize].cmp(&self.tag_questions[a.0 as usize])
                })
                .then_with(|| self.tags[a.0 as usize].cmp(&self.tags[b.0 as usize]))
        });
        let best = ranked.first().map_or(0.0, |r| r.1);
        ranked
            .into_iter()
            .take_while(|(_, s)| *s >= best * RELATIVE_FLOOR)
            .take(n)
            .map(|(id, s)| TagScore {
                tag: self.tags[id as usize].clone(),
                score: (s / best * 1000.0).round() / 1000.0,
            })
            .collect()
    }
}

/// Precision, recall and F1 of suggested tags against the real ones, summed over questions
/// (micro-averaged: every suggestion and every real tag counts once).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct TagMetrics {
    /// Suggestions that were real tags.
    pub hits: u64,
    /// Suggestions made.
    pub suggested: u64,
    /// Real tags.
    pub real: u64,
}

impl TagMetrics {
    /// Counts one question.
    pub fn add(&mut self, suggested: &[String], real: &[String]) {
        self.suggested += suggested.len() as u64;
        self.real += real.len() as u64;
        self.hits += suggested.iter().filter(|s| real.contains(s)).count() as u64;
    }

    /// Hits per suggestion.
    pub fn precision(&self) -> f64 {
        ratio(self.hits, self.suggested)
    }

    /// Hits per real tag.
    pub fn recall(&self) -> f64 {
        ratio(self.hits, self.real)
    }

    /// The harmonic mean of precision and recall.
    pub fn f1(&self) -> f64 {
        let (p, r) = (self.precision(), self.recall());
        if p + r == 0.0 {
            0.0
        } else {
            2.0 * p * r / (p + r)
        }
    }
}

fn ratio(a: u64, b: u64) -> f64 {
    if b == 0 {
        0.0
    } else {
        a as f64 / b as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tags(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    fn model() -> TagModel {
        let mut m = TagModel::new();
        for _ in 0..3 {
            m.learn(
                "How long should I age a stout?",
                "Imperial stout in the bottle",
                &tags(&["stout", "aging"]),
            );
            m.learn(
                "Best glass for an IPA",
                "Hops aroma and the shape of the glass",
                &tags(&["ipa", "glassware"]),
            );
            m.learn(
                "Cellar temperature for wine",
                "My cellar runs warm in summer",
                &tags(&["wine", "storage"]),
            );
        }
        m.learn("Untagged question", "nothing", &[]);
        m
    }

    #[test]
    fn words_point_to_their_tags() {
        let s = model().suggest("What glass brings out the aroma of hops?", "", 5);
        let names: Vec<&str> = s.iter().map(|t| t.tag.as_str()).collect();
        assert_eq!(&names[..2], &["glassware", "ipa"], "{s:?}");
        assert_eq!(s[0].score, 1.0);
        assert!(s.iter().all(|t| t.score > 0.0 && t.score <= 1.0));
    }

    #[test]
    fn a_tag_written_in_the_draft_counts() {
        let s = model().suggest("Does wine keep in a warm room?", "", 5);
        assert_eq!(s[0].tag, "wine", "{s:?}");
    }

    #[test]
    fn unknown_words_suggest_nothing_and_never_an_unknown_tag() {
        let m = model();
        assert!(m.suggest("zzz qqq", "xyzzy", 5).is_empty());
        assert!(TagModel::new().suggest("stout", "", 5).is_empty());
        let known: HashSet<&str> = ["stout", "aging", "ipa", "glassware", "wine", "storage"].into();
        for t in m.suggest("stout glass cellar wine hops", "aging storage", 5) {
            assert!(known.contains(t.tag.as_str()));
        }
        assert!(m.suggest("stout glass cellar wine hops", "", 2).len() <= 2);
    }

    #[test]
    fn untagged_questions_teach_nothing() {
        assert_eq!(model().questions(), 9);
        assert_eq!(model().most_frequent(1).len(), 1);
    }

    #[test]
    fn metrics_are_micro_averaged() {
        let mut m = TagMetrics::default();
        m.add(&tags(&["a", "b", "c"]), &tags(&["a", "d"]));
        m.add(&tags(&["x"]), &tags(&["x"]));
        assert_eq!((m.hits, m.suggested, m.real), (2, 4, 3));
        assert!((m.precision() - 0.5).abs() < 1e-12);
        assert!((m.recall() - 2.0 / 3.0).abs() < 1e-12);
        assert!((m.f1() - 4.0 / 7.0).abs() < 1e-12);
        assert_eq!(TagMetrics::default().f1(), 0.0);
    }
}
