//! `stoa eval search`: the SemEval-2016 Task 3 (subtask B) rerank and retrieve protocols.
//!
//! The data set (Nakov et al., SemEval 2016; Qatar Living forum, English) pairs each
//! *original* question with the 10 *related* questions a search engine returned for it, each
//! labelled `PerfectMatch`, `Relevant` or `Irrelevant`; the first two count as relevant.
//!
//! - **rerank**: order each original's related questions with Stoa's similar-question
//!   ranking ([`stoa_domain::search`]), against the engine's own order and a random order.
//! - **retrieve**: search a site holding every related question once for each original
//!   question; related questions not labelled for that original count as not relevant.
//!
//! Metrics follow the official SemEval scorer (`ev.py`, default options): average precision
//! is the mean of the precisions at the ranks of the relevant items, and a query with no
//! relevant item scores 0 (it is not skipped). So the best MAP reachable on a file is the
//! share of its queries that have a relevant item (61 of 67 on train-part2).

use std::collections::{HashMap, HashSet};
use std::fmt;

use serde::Serialize;
use serde_json::json;
use stoa_domain::search::{
    self, similarity, similarity_text, Corpus, DocTerms, RankSignals, SimilarQuery,
};

mod metrics;
mod parsing;
mod passages;
mod protocols;

pub use metrics::*;
pub use parsing::{load, parse};
pub use passages::{answer_passages, fit, PassageReport};
pub use protocols::*;

/// Cut-off for every ranked list: the task ranks 10 related questions per original.
pub const CUTOFF: usize = 10;

/// Number of random orders averaged for the random baseline, so that it is an estimate of
/// the expected score rather than one lucky or unlucky draw.
pub const RANDOM_SHUFFLES: usize = 100;

/// Why a SemEval file could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum SemevalError {
    /// The file could not be opened or read.
    #[error("cannot read {file}: {source}")]
    Io {
        /// The file, as given.
        file: String,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },
    /// The file is not well-formed XML.
    #[error("{file}:{line}: malformed XML: {reason}")]
    Xml {
        /// The file, as given.
        file: String,
        /// Line where the parser stopped (1-based).
        line: u64,
        /// What the XML parser found wrong.
        reason: String,
    },
    /// The file is XML but not in the SemEval task 3 format.
    #[error("{file}:{line}: {reason}")]
    Format {
        /// The file, as given.
        file: String,
        /// Line of the offending element (1-based).
        line: u64,
        /// What is missing or invalid.
        reason: String,
    },
}

/// How a related question was judged against its original question.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Relevance {
    /// Asks the same thing.
    PerfectMatch,
    /// Close enough that its answers help.
    Relevant,
    /// Not helpful for the original question.
    Irrelevant,
}

impl Relevance {
    /// Whether the label counts as relevant (`PerfectMatch` or `Relevant`).
    pub fn is_relevant(self) -> bool {
        !matches!(self, Relevance::Irrelevant)
    }

    fn parse(s: &str) -> Option<Self> {
        match s {
            "PerfectMatch" => Some(Relevance::PerfectMatch),
            "Relevant" => Some(Relevance::Relevant),
            "Irrelevant" => Some(Relevance::Irrelevant),
            _ => None,
        }
    }
}

/// A comment (answer) on a related question.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Comment {
    /// `RELC_ID`.
    pub id: String,
    /// The comment text.
    pub text: String,
    /// `RELC_USERID` (empty when absent).
    pub user_id: String,
    /// `RELC_RELEVANCE2ORGQ`: how well it answers the original question (subtask C).
    pub to_original: Option<CommentLabel>,
    /// `RELC_RELEVANCE2RELQ`: how well it answers its own thread's question (subtask A).
    pub to_related: Option<CommentLabel>,
}

/// A comment's label in subtasks A and C.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CommentLabel {
    /// Answers the question.
    Good,
    /// Might help.
    PotentiallyUseful,
    /// Does not answer it.
    Bad,
}

impl CommentLabel {
    /// Parses the file's label; `None` for anything else.
    pub fn parse(raw: &str) -> Option<CommentLabel> {
        match raw {
            "Good" => Some(CommentLabel::Good),
            "PotentiallyUseful" => Some(CommentLabel::PotentiallyUseful),
            "Bad" => Some(CommentLabel::Bad),
            _ => None,
        }
    }
}

/// A related question returned by the engine for one original question.
#[derive(Debug, Clone, PartialEq)]
pub struct RelatedQuestion {
    /// `RELQ_ID`, unique in the file.
    pub id: String,
    /// The id under which this question exists on the retrieve site: the same forum question
    /// returned for several originals (marked `SubtaskA_Skip_Because_Same_As_RelQuestion_ID`)
    /// is stored once, under the id of its first appearance in the file.
    pub site_id: String,
    /// `RELQ_RANKING_ORDER`: the engine's rank, 1 first.
    pub engine_rank: u32,
    /// `RELQ_RELEVANCE2ORGQ`.
    pub relevance: Relevance,
    /// `RELQ_USERID`, the asker (empty when absent).
    pub user_id: String,
    /// `RelQSubject`.
    pub subject: String,
    /// `RelQBody`.
    pub body: String,
    /// The thread's comments, in file order.
    pub comments: Vec<Comment>,
}

impl RelatedQuestion {
    /// All comments joined, one per line: the "answers" field of the post.
    pub fn answers_text(&self) -> String {
        let parts: Vec<&str> = self.comments.iter().map(|c| c.text.as_str()).collect();
        parts.join("\n")
    }
}

/// An original question with the related questions the engine returned for it.
#[derive(Debug, Clone, PartialEq)]
pub struct OriginalQuestion {
    /// `ORGQ_ID`.
    pub id: String,
    /// `OrgQSubject`.
    pub subject: String,
    /// `OrgQBody`.
    pub body: String,
    /// Related questions in file order (not necessarily engine order).
    pub related: Vec<RelatedQuestion>,
}

/// A whole SemEval task 3 file.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Dataset {
    /// Original questions in order of first appearance.
    pub originals: Vec<OriginalQuestion>,
}

impl Dataset {
    /// Number of related questions over all originals (duplicates counted each time).
    pub fn related_count(&self) -> usize {
        self.originals.iter().map(|o| o.related.len()).sum()
    }

    /// Number of comments over all related questions.
    pub fn comment_count(&self) -> usize {
        self.related_iter().map(|r| r.comments.len()).sum()
    }

    /// The retrieve site: every distinct related question once, in file order.
    pub fn site(&self) -> Vec<&RelatedQuestion> {
        let mut seen = HashSet::new();
        self.related_iter()
            .filter(|r| seen.insert(r.site_id.as_str()))
            .collect()
    }

    /// Site ids of the questions judged relevant to `original`.
    pub fn relevant_site_ids<'a>(&self, original: &'a OriginalQuestion) -> HashSet<&'a str> {
        original
            .related
            .iter()
            .filter(|r| r.relevance.is_relevant())
            .map(|r| r.site_id.as_str())
            .collect()
    }

    fn related_iter(&self) -> impl Iterator<Item = &RelatedQuestion> {
        self.originals.iter().flat_map(|o| o.related.iter())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T: bool = true;
    const F: bool = false;

    #[test]
    fn average_precision_by_hand() {
        // Relevant at ranks 1, 3 and 6: (1/1 + 2/3 + 3/6) / 3.
        let l = [T, F, T, F, F, T, F, F, F, F];
        assert!((average_precision(&l, 10) - (1.0 + 2.0 / 3.0 + 0.5) / 3.0).abs() < 1e-12);
        assert_eq!(average_precision(&[F; 10], 10), 0.0);
        assert_eq!(average_precision(&[], 10), 0.0);
        // The cut-off ignores what comes later.
        assert_eq!(average_precision(&[F, T, T], 1), 0.0);
    }

    #[test]
    fn reciprocal_rank_and_p1_by_hand() {
        assert_eq!(reciprocal_rank(&[F, F, T, T], 10), 1.0 / 3.0);
        assert_eq!(reciprocal_rank(&[F, F], 10), 0.0);
        assert_eq!(reciprocal_rank(&[F, T], 1), 0.0);
        assert_eq!(precision_at_1(&[T, F]), 1.0);
        assert_eq!(precision_at_1(&[F, T]), 0.0);
        assert_eq!(precision_at_1(&[]), 0.0);
    }

    #[test]
    fn ndcg_by_hand() {
        // Relevant at ranks 2 and 3 of 2 relevant in all: (1/log2 3 + 1/log2 4) / (1 + 1/log2 3).
        let got = ndcg_at(&[F, T, T], 2, 10);
        let want = (1.0 / 3f64.log2() + 0.5) / (1.0 + 1.0 / 3f64.log2());
        assert!((got - want).abs() < 1e-12);
        assert_eq!(ndcg_at(&[T, T], 2, 10), 1.0);
        assert_eq!(ndcg_at(&[F, F], 0, 10), 0.0);
        // An unretrieved relevant item lowers the score.
        assert!(ndcg_at(&[T], 3, 10) < 1.0);
    }

    #[test]
    fn metrics_average_over_queries_and_count_empty_queries_as_zero() {
        let m = rerank_metrics(&[vec![T, F], vec![F, T], vec![F, F]]);
        assert!((m.map - (1.0 + 0.5 + 0.0) / 3.0).abs() < 1e-12);
        assert!((m.mrr - (1.0 + 0.5 + 0.0) / 3.0).abs() < 1e-12);
        assert!((m.p1 - 1.0 / 3.0).abs() < 1e-12);
        assert_eq!(rerank_metrics(&[]), Metrics::default());
    }

    #[test]
    fn shuffle_is_deterministic_and_a_permutation() {
        let mut a: Vec<u32> = (0..10).collect();
        let mut b = a.clone();
        SplitMix64(7).shuffle(&mut a);
        SplitMix64(7).shuffle(&mut b);
        assert_eq!(a, b);
        let mut sorted = a.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, (0..10).collect::<Vec<_>>());
        assert_ne!(a, (0..10).collect::<Vec<_>>());
    }

    const SMALL: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE xml [
<!ELEMENT xml (OrgQuestion*)>
]>
<xml version="1.0">
<OrgQuestion ORGQ_ID="Q1">
  <OrgQSubject>Best bank in Qatar?</OrgQSubject>
  <OrgQBody>Which bank is good for a savings account &amp; loans?</OrgQBody>
  <Thread THREAD_SEQUENCE="Q1_R1">
    <RelQuestion RELQ_ID="Q1_R1" RELQ_RANKING_ORDER="2" RELQ_RELEVANCE2ORGQ="PerfectMatch">
      <RelQSubject>Which bank?</RelQSubject>
      <RelQBody>Looking for the best bank for savings</RelQBody>
    </RelQuestion>
    <RelComment RELC_ID="Q1_R1_C1"><RelCText>HSBC &#x2764;</RelCText></RelComment>
  </Thread>
</OrgQuestion>
<OrgQuestion ORGQ_ID="Q1">
  <OrgQSubject>Best bank in Qatar?</OrgQSubject>
  <OrgQBody>Which bank is good for a savings account &amp; loans?</OrgQBody>
  <Thread THREAD_SEQUENCE="Q1_R2">
    <RelQuestion RELQ_ID="Q1_R2" RELQ_RANKING_ORDER="1" RELQ_RELEVANCE2ORGQ="Irrelevant">
      <RelQSubject>Car rental</RelQSubject>
      <RelQBody/>
    </RelQuestion>
  </Thread>
</OrgQuestion>
<OrgQuestion ORGQ_ID="Q2">
  <OrgQSubject>Cheap cars</OrgQSubject>
  <OrgQBody>Where to rent a car?</OrgQBody>
  <Thread THREAD_SEQUENCE="Q2_R5" SubtaskA_Skip_Because_Same_As_RelQuestion_ID="Q1_R2">
    <RelQuestion RELQ_ID="Q2_R5" RELQ_RANKING_ORDER="1" RELQ_RELEVANCE2ORGQ="Relevant">
      <RelQSubject>Car rental</RelQSubject>
      <RelQBody></RelQBody>
    </RelQuestion>
  </Thread>
</OrgQuestion>
</xml>
"#;

    fn small() -> Dataset {
        parse(SMALL.as_bytes(), "small.xml").unwrap()
    }

    #[test]
    fn parses_and_merges_originals() {
        let ds = small();
        assert_eq!(ds.originals.len(), 2);
        assert_eq!(ds.related_count(), 3);
        let q1 = &ds.originals[0];
        assert_eq!(q1.body, "Which bank is good for a savings account & loans?");
        assert_eq!(q1.related[0].comments[0].text, "HSBC \u{2764}");
        assert_eq!(q1.related[0].engine_rank, 2);
        assert_eq!(q1.related[1].body, "");
        assert_eq!(ds.originals[1].related[0].relevance, Relevance::Relevant);
    }

    #[test]
    fn duplicates_share_one_site_question() {
        let ds = small();
        assert_eq!(ds.originals[1].related[0].site_id, "Q1_R2");
        assert_eq!(ds.site().len(), 2);
        assert!(ds.relevant_site_ids(&ds.originals[1]).contains("Q1_R2"));
        assert!(!ds.relevant_site_ids(&ds.originals[0]).contains("Q1_R2"));
    }

    #[test]
    fn protocols_run_on_a_small_file() {
        let ds = small();
        let r = rerank(&ds, 1);
        assert_eq!(
            r.engine.p1, 0.5,
            "engine puts the irrelevant car rental first for Q1"
        );
        assert_eq!(r.stoa.p1, 1.0);
        let ret = retrieve_in_memory(&ds);
        assert_eq!(ret.stoa.p1, 1.0);
        let v = report_json(&r, &ret);
        assert!(v["rerank"]["random"]["map"].as_f64().is_some());
        assert!(v["retrieve"]["bm25"]["ndcg10"].as_f64().is_some());
        assert!(format_report(&r, &ret).contains("engine"));
    }

    #[test]
    fn malformed_input_is_a_typed_error() {
        let cut = &SMALL[..SMALL.find("<RelQBody/>").unwrap()];
        let err = parse(cut.as_bytes(), "cut.xml").unwrap_err();
        assert!(
            matches!(err, SemevalError::Format { ref reason, .. } if reason.contains("truncated")),
            "{err}"
        );

        let bad_label = SMALL.replace("\"Relevant\"", "\"Maybe\"");
        let err = parse(bad_label.as_bytes(), "x.xml").unwrap_err();
        assert!(
            matches!(err, SemevalError::Format { line: 31, .. }),
            "{err}"
        );

        let no_id = SMALL.replace("RELQ_ID=\"Q1_R1\" ", "");
        assert!(matches!(
            parse(no_id.as_bytes(), "x.xml"),
            Err(SemevalError::Format { .. })
        ));

        let mismatched = SMALL.replace("</RelQSubject>", "</RelQBody>");
        assert!(matches!(
            parse(mismatched.as_bytes(), "x.xml"),
            Err(SemevalError::Xml { .. })
        ));

        let half_tag = &SMALL[..SMALL.find("RELQ_RANKING_ORDER=\"2\"").unwrap()];
        assert!(parse(half_tag.as_bytes(), "x.xml").is_err());

        assert!(matches!(
            parse("<xml></xml>".as_bytes(), "x.xml"),
            Err(SemevalError::Format { .. })
        ));
        assert!(matches!(
            load("/nonexistent/semeval.xml"),
            Err(SemevalError::Io { .. })
        ));
    }
}
