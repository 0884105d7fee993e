//! BM25F text relevance over a post's title, body and answers.
//!
//! The database only proposes candidates; this scores them, so SQLite and PostgreSQL rank
//! identically. Fields are combined the BM25F way (Robertson, Zaragoza and Taylor, 2004):
//! each field's term frequency is length-normalised and weighted, the weighted frequencies
//! are summed, and only then saturated. Saturating per field and adding the scores would let
//! a word repeated across fields count several times over.

use std::collections::HashMap;

use super::analyze::analyze;

/// Weight of a term in a title: titles are written to say what a post is about, so a title
/// match is the strongest single sign that a post is the one sought.
pub const TITLE_WEIGHT: f64 = 2.5;

/// Weight of a term in the question or article body: the reference point.
pub const BODY_WEIGHT: f64 = 1.0;

/// Weight of a term in the answers: answers wander (thanks, side remarks, other questions),
/// so their words are only weak evidence about what the question asks, yet they hold the
/// vocabulary of the solution, which a searcher often types.
pub const ANSWERS_WEIGHT: f64 = 0.2;

/// Per-field values: one each for the title, the body and the answers of a post.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Fields<T> {
    /// The title (a question's title or an article's title).
    pub title: T,
    /// The body of the question or article.
    pub body: T,
    /// All answers (or, in the benchmark, comments) together.
    pub answers: T,
}

impl Fields<f64> {
    /// The default field weights: [`TITLE_WEIGHT`], [`BODY_WEIGHT`], [`ANSWERS_WEIGHT`].
    pub const WEIGHTS: Fields<f64> = Fields {
        title: TITLE_WEIGHT,
        body: BODY_WEIGHT,
        answers: ANSWERS_WEIGHT,
    };
}

/// BM25 parameters.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bm25 {
    /// Term-frequency saturation: how fast extra occurrences stop adding score.
    pub k1: f64,
    /// Length normalisation: 0 ignores length, 1 fully divides by relative length.
    pub b: f64,
}

impl Default for Bm25 {
    fn default() -> Self {
        Self::STANDARD
    }
}

/// What is known about one query term in one document.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TermStats {
    /// Occurrences of the term in each field of the document.
    pub tf: Fields<f64>,
    /// Number of documents in the collection containing the term (in any field).
    pub df: u64,
    /// How much the query cares about this term (1.0 for an ordinary search word).
    pub query_weight: f64,
}

/// Collection-wide statistics BM25 needs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CorpusStats {
    /// Number of documents in the collection.
    pub doc_count: u64,
    /// Mean length of each field over the collection, in terms.
    pub avg_len: Fields<f64>,
}

impl Bm25 {
    /// The textbook parameters (k1 = 1.2, b = 0.75), which hold up across collections.
    pub const STANDARD: Bm25 = Bm25 { k1: 1.2, b: 0.75 };

    /// Inverse document frequency, in the form that never goes negative (Lucene's), so a
    /// term found in most documents adds a little instead of subtracting.
    pub fn idf(doc_count: u64, df: u64) -> f64 {
        let n = doc_count as f64;
        let df = (df as f64).min(n);
        (1.0 + (n - df + 0.5) / (df + 0.5)).ln()
    }

    /// Scores a document given each query term's statistics, the document's field lengths,
    /// the collection's statistics and the field weights (see [`Fields::WEIGHTS`]).
    ///
    /// Always finite and non-negative.
    pub fn score(
        &self,
        terms: &[TermStats],
        doc_len: Fields<f64>,
        corpus: &CorpusStats,
        weights: &Fields<f64>,
    ) -> f64 {
        let norm = |len: f64, avg: f64| {
            if avg > 0.0 {
                1.0 - self.b + self.b * (len / avg)
            } else {
                1.0
            }
        };
        let n_title = norm(doc_len.title, corpus.avg_len.title);
        let n_body = norm(doc_len.body, corpus.avg_len.body);
        let n_answers = norm(doc_len.answers, corpus.avg_len.answers);
        let mut total = 0.0;
        for t in terms {
            let tf = weights.title * t.tf.title / n_title
                + weights.body * t.tf.body / n_body
                + weights.answers * t.tf.answers / n_answers;
            if tf > 0.0 {
                total += t.query_weight * Self::idf(corpus.doc_count, t.df) * tf / (self.k1 + tf);
            }
        }
        if total.is_finite() && total > 0.0 {
            total
        } else {
            0.0
        }
    }

    /// Scores an analysed document against weighted query terms, looking document
    /// frequencies up with `df`.
    pub fn score_doc(
        &self,
        query: &[(String, f64)],
        doc: &DocTerms,
        corpus: &CorpusStats,
        weights: &Fields<f64>,
        df: impl Fn(&str) -> u64,
    ) -> f64 {
        let stats: Vec<TermStats> = query
            .iter()
            .filter_map(|(term, w)| {
                let tf = doc.tf(term)?;
                Some(TermStats {
                    tf: Fields {
                        title: f64::from(tf.title),
                        body: f64::from(tf.body),
                        answers: f64::from(tf.answers),
                    },
                    df: df(term),
                    query_weight: *w,
                })
            })
            .collect();
        self.score(&stats, doc.len_f64(), corpus, weights)
    }
}

/// A document's terms counted per field: what ranking needs from a candidate post.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DocTerms {
    tf: HashMap<String, Fields<u32>>,
    len: Fields<u32>,
}

impl DocTerms {
    /// Analyses the three fields of a post (plain text, not HTML).
    pub fn from_text(title: &str, body: &str, answers: &str) -> Self {
        Self::from_terms(&analyze(title), &analyze(body), &analyze(answers))
    }

    /// Counts already-analysed terms.
    pub fn from_terms(title: &[String], body: &[String], answers: &[String]) -> Self {
        let mut tf: HashMap<String, Fields<u32>> = HashMap::new();
        for t in title {
            tf.entry(t.clone()).or_default().title += 1;
        }
        for t in body {
            tf.entry(t.clone()).or_default().body += 1;
        }
        for t in answers {
            tf.entry(t.clone()).or_default().answers += 1;
        }
        let count = |v: &[String]| u32::try_from(v.len()).unwrap_or(u32::MAX);
        Self {
            tf,
            len: Fields {
                title: count(title),
                body: count(body),
                answers: count(answers),
            },
        }
    }

    /// Counts, in space-separated analysed terms, only the occurrences of `query` terms (and
    /// every field's full length): what ranking needs, without building a map of every term
    /// of the document. `extra_title` (tags) counts with the title.
    pub fn for_query(
        title: &str,
        extra_title: &str,
        body: &str,
        answers: &str,
        query: &[&str],
    ) -> Self {
        let mut counts: Vec<Fields<u32>> = vec![Fields::default(); query.len()];
        // A long query (a draft) looks terms up by hash; a short one compares directly.
        let index: Option<HashMap<&str, usize>> =
            (query.len() > 8).then(|| query.iter().enumerate().map(|(i, q)| (*q, i)).collect());
        let position = |t: &str| match &index {
            Some(map) => map.get(t).copied(),
            None => query.iter().position(|q| *q == t),
        };
        let mut count = |text: &str, field: fn(&mut Fields<u32>) -> &mut u32| -> u32 {
            let mut n = 0u32;
            for t in text.split_ascii_whitespace() {
                n = n.saturating_add(1);
                if let Some(i) = position(t) {
                    *field(&mut counts[i]) += 1;
                }
            }
            n
        };
        let len = Fields {
            title: count(title, |f| &mut f.title) + count(extra_title, |f| &mut f.title),
            body: count(body, |f| &mut f.body),
            answers: count(answers, |f| &mut f.answers),
        };
        let tf = query
            .iter()
            .zip(counts)
            .filter(|(_, c)| c.title + c.body + c.answers > 0)
            .map(|(q, c)| ((*q).to_string(), c))
            .collect();
        Self { tf, len }
    }

    /// Occurrences of `term` in each field, or `None` when it occurs nowhere.
    pub fn tf(&self, term: &str) -> Option<Fields<u32>> {
        self.tf.get(term).copied()
    }

    /// Length of each field, in terms.
    pub fn len(&self) -> Fields<u32> {
        self.len
    }

    /// Whether the document has no terms at all.
    pub fn is_empty(&self) -> bool {
        self.tf.is_empty()
    }

    /// The distinct terms of the document (for building document frequencies), in no order.
    pub fn terms(&self) -> impl Iterator<Item = &str> {
        self.tf.keys().map(String::as_str)
    }

    fn len_f64(&self) -> Fields<f64> {
        Fields {
            title: f64::from(self.len.title),
            body: f64::from(self.len.body),
            answers: f64::from(self.len.answers),
        }
    }
}

/// Document frequencies and average field lengths over a set of documents held in memory
/// (the benchmark, tests, small sites); the database computes the same from its index.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Corpus {
    df: HashMap<String, u64>,
    docs: u64,
    total_len: Fields<f64>,
}

impl Corpus {
    /// Collects statistics from analysed documents.
    pub fn new<'a>(docs: impl IntoIterator<Item = &'a DocTerms>) -> Self {
        let mut c = Corpus::default();
        for d in docs {
            c.docs += 1;
            c.total_len.title += f64::from(d.len.title);
            c.total_len.body += f64::from(d.len.body);
            c.total_len.answers += f64::from(d.len.answers);
            for t in d.terms() {
                *c.df.entry(t.to_owned()).or_default() += 1;
            }
        }
        c
    }

    /// Number of documents containing `term`.
    pub fn df(&self, term: &str) -> u64 {
        self.df.get(term).copied().unwrap_or(0)
    }

    /// Document count and average field lengths.
    pub fn stats(&self) -> CorpusStats {
        let n = self.docs.max(1) as f64;
        CorpusStats {
            doc_count: self.docs,
            avg_len: Fields {
                title: self.total_len.title / n,
                body: self.total_len.body / n,
                answers: self.total_len.answers / n,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn corpus(n: u64) -> CorpusStats {
        CorpusStats {
            doc_count: n,
            avg_len: Fields {
                title: 5.0,
                body: 50.0,
                answers: 200.0,
            },
        }
    }

    #[test]
    fn single_field_matches_textbook_bm25() {
        // One body term, tf 2, in a document of average length: the normalisation is 1, so
        // the score is idf * tf / (k1 + tf).
        let t = TermStats {
            tf: Fields {
                title: 0.0,
                body: 2.0,
                answers: 0.0,
            },
            df: 10,
            query_weight: 1.0,
        };
        let len = Fields {
            title: 5.0,
            body: 50.0,
            answers: 200.0,
        };
        let got = Bm25::STANDARD.score(&[t], len, &corpus(1000), &Fields::WEIGHTS);
        let idf = (1.0f64 + (1000.0 - 10.0 + 0.5) / 10.5).ln();
        let want = idf * 2.0 / 3.2;
        assert!((got - want).abs() < 1e-12, "{got} vs {want}");
    }

    #[test]
    fn title_outweighs_body_outweighs_answers() {
        let len = Fields {
            title: 5.0,
            body: 50.0,
            answers: 200.0,
        };
        let score = |tf: Fields<f64>| {
            let t = TermStats {
                tf,
                df: 10,
                query_weight: 1.0,
            };
            Bm25::STANDARD.score(&[t], len, &corpus(1000), &Fields::WEIGHTS)
        };
        let one = |f: usize| Fields {
            title: f64::from(u8::from(f == 0)),
            body: f64::from(u8::from(f == 1)),
            answers: f64::from(u8::from(f == 2)),
        };
        assert!(score(one(0)) > score(one(1)));
        assert!(score(one(1)) > score(one(2)));
        assert!(score(one(2)) > 0.0);
    }

    #[test]
    fn idf_is_positive_and_falls_with_df() {
        assert!(Bm25::idf(100, 100) > 0.0);
        assert!(Bm25::idf(100, 1) > Bm25::idf(100, 50));
        assert!(Bm25::idf(0, 0).is_finite());
    }

    #[test]
    fn degenerate_inputs_score_zero_not_nan() {
        let t = TermStats {
            tf: Fields::default(),
            df: 0,
            query_weight: 1.0,
        };
        let zero = CorpusStats {
            doc_count: 0,
            avg_len: Fields::default(),
        };
        let s = Bm25::STANDARD.score(&[t], Fields::default(), &zero, &Fields::WEIGHTS);
        assert_eq!(s, 0.0);
    }

    #[test]
    fn counting_for_a_query_agrees_with_full_counting() {
        let split = |s: &str| s.split_whitespace().map(str::to_string).collect::<Vec<_>>();
        let (title, tags, body, answers) = ("car rental car", "travel", "cheap car hire", "car ok");
        let mut t = split(title);
        t.extend(split(tags));
        let full = DocTerms::from_terms(&t, &split(body), &split(answers));
        let q = DocTerms::for_query(title, tags, body, answers, &["car", "travel", "absent"]);
        assert_eq!(q.len(), full.len());
        for term in ["car", "travel", "absent"] {
            assert_eq!(q.tf(term), full.tf(term), "{term}");
        }
        assert_eq!(
            q.tf("cheap"),
            None,
            "terms outside the query are not counted"
        );
    }

    #[test]
    fn corpus_counts_documents_per_term() {
        let a = DocTerms::from_text("Car rental", "cheap car", "");
        let b = DocTerms::from_text("Visa", "renting a car", "ask");
        let c = Corpus::new([&a, &b]);
        assert_eq!(c.df("car"), 2);
        assert_eq!(c.df("rental"), 1);
        assert_eq!(c.df("rent"), 1);
        assert_eq!(c.stats().doc_count, 2);
        assert_eq!(a.tf("car").unwrap().title, 1);
        assert_eq!(a.tf("car").unwrap().body, 1);
        let q = vec![("car".to_string(), 1.0)];
        let s = Corpus::new([&a, &b]);
        let st = s.stats();
        let sa = Bm25::STANDARD.score_doc(&q, &a, &st, &Fields::WEIGHTS, |t| s.df(t));
        let sb = Bm25::STANDARD.score_doc(&q, &b, &st, &Fields::WEIGHTS, |t| s.df(t));
        assert!(sa > sb, "title match ranks first");
    }
}
