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
use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;

use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;
use serde::Serialize;
use serde_json::json;
use stoa_domain::search::{
    self, similarity, similarity_text, Corpus, DocTerms, RankSignals, SimilarQuery,
};

mod metrics;
mod protocols;

pub use metrics::*;
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

/// Loads a SemEval-2016/2017 task 3 English file (`OrgQuestion` / `Thread` / `RelQuestion` /
/// `RelComment`), streaming.
///
/// Each `OrgQuestion` element may carry one thread; elements with the same `ORGQ_ID` are
/// merged. A `RELQ_ID` repeated under the same original is kept once.
pub fn load(path: impl AsRef<Path>) -> Result<Dataset, SemevalError> {
    let path = path.as_ref();
    let name = path.display().to_string();
    let file = File::open(path).map_err(|source| SemevalError::Io {
        file: name.clone(),
        source,
    })?;
    parse(BufReader::new(file), &name)
}

/// Parses SemEval task 3 XML from any reader; `name` labels errors.
pub fn parse(reader: impl BufRead, name: &str) -> Result<Dataset, SemevalError> {
    Parser::new(reader, name).run()
}

/// Counts the lines the XML reader has consumed, so errors can say where they are.
struct LineCounter<R> {
    inner: R,
    newlines: u64,
}

impl<R: Read> Read for LineCounter<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.newlines += count_newlines(&buf[..n]);
        Ok(n)
    }
}

impl<R: BufRead> BufRead for LineCounter<R> {
    fn fill_buf(&mut self) -> std::io::Result<&[u8]> {
        self.inner.fill_buf()
    }

    fn consume(&mut self, amt: usize) {
        if amt > 0 {
            // The buffer is non-empty when something is consumed, so this does no I/O.
            if let Ok(buf) = self.inner.fill_buf() {
                let n = amt.min(buf.len());
                self.newlines += count_newlines(&buf[..n]);
            }
        }
        self.inner.consume(amt);
    }
}

fn count_newlines(b: &[u8]) -> u64 {
    b.iter().filter(|&&c| c == b'\n').count() as u64
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Field {
    OrgSubject,
    OrgBody,
    RelSubject,
    RelBody,
    CommentText,
}

struct OrgPart {
    id: String,
    subject: String,
    body: String,
    related: Vec<RelatedQuestion>,
}

struct ThreadPart {
    duplicate_of: Option<String>,
    related: Option<RelatedQuestion>,
    comments: Vec<Comment>,
}

struct Parser<R: BufRead> {
    xml: Reader<LineCounter<R>>,
    name: String,
    open: Vec<(String, u64)>,
    org: Option<OrgPart>,
    thread: Option<ThreadPart>,
    related: Option<RelatedQuestion>,
    comment: Option<Comment>,
    field: Option<Field>,
    text: String,
    originals: Vec<OriginalQuestion>,
    index: HashMap<String, usize>,
    /// `(RELQ_ID, the id it duplicates)` from the threads' skip attribute.
    duplicates: Vec<(String, String)>,
}

impl<R: BufRead> Parser<R> {
    fn new(reader: R, name: &str) -> Self {
        let mut xml = Reader::from_reader(LineCounter {
            inner: reader,
            newlines: 0,
        });
        xml.config_mut().trim_text(false);
        Self {
            xml,
            name: name.to_owned(),
            open: Vec::new(),
            org: None,
            thread: None,
            related: None,
            comment: None,
            field: None,
            text: String::new(),
            originals: Vec::new(),
            index: HashMap::new(),
            duplicates: Vec::new(),
        }
    }

    fn line(&self) -> u64 {
        self.xml.get_ref().newlines + 1
    }

    fn format_error(&self, reason: impl Into<String>) -> SemevalError {
        SemevalError::Format {
            file: self.name.clone(),
            line: self.line(),
            reason: reason.into(),
        }
    }

    fn xml_error(&self, reason: impl fmt::Display) -> SemevalError {
        SemevalError::Xml {
            file: self.name.clone(),
            line: self.line(),
            reason: reason.to_string(),
        }
    }

    fn run(mut self) -> Result<Dataset, SemevalError> {
        let mut buf = Vec::new();
        loop {
            buf.clear();
            let event = match self.xml.read_event_into(&mut buf) {
                Ok(e) => e.into_owned(),
                Err(quick_xml::Error::Io(e)) => {
                    return Err(SemevalError::Io {
                        file: self.name.clone(),
                        source: std::io::Error::new(e.kind(), e.to_string()),
                    })
                }
                Err(e) => return Err(self.xml_error(e)),
            };
            match event {
                Event::Start(e) => self.start(&e)?,
                Event::Empty(e) => {
                    self.start(&e)?;
                    let name = self.element_name(&e)?;
                    self.end(&name)?;
                }
                Event::End(e) => {
                    let name = String::from_utf8_lossy(e.name().as_ref()).into_owned();
                    self.end(&name)?;
                }
                Event::Text(t) => {
                    if self.field.is_some() {
                        let s = t.xml10_content().map_err(|e| self.xml_error(e))?;
                        self.text.push_str(&s);
                    }
                }
                Event::CData(t) => {
                    if self.field.is_some() {
                        let s = t.xml10_content().map_err(|e| self.xml_error(e))?;
                        self.text.push_str(&s);
                    }
                }
                Event::GeneralRef(r) => {
                    if self.field.is_some() {
                        let resolved = if r.is_char_ref() {
                            r.resolve_char_ref()
                                .map_err(|e| self.xml_error(e))?
                                .map(String::from)
                        } else {
                            let name = r.decode().map_err(|e| self.xml_error(e))?;
                            quick_xml::escape::resolve_xml_entity(&name).map(str::to_owned)
                        };
                        let Some(s) = resolved else {
                            let raw = String::from_utf8_lossy(&r);
                            return Err(self.xml_error(format!("unknown entity &{raw};")));
                        };
                        self.text.push_str(&s);
                    }
                }
                Event::Eof => break,
                Event::Decl(_) | Event::PI(_) | Event::DocType(_) | Event::Comment(_) => {}
            }
        }
        if let Some((name, line)) = self.open.last() {
            return Err(self.format_error(format!(
                "file ends inside <{name}> opened at line {line} (truncated?)"
            )));
        }
        if self.originals.is_empty() {
            return Err(self.format_error("no <OrgQuestion> element"));
        }
        let mut ds = Dataset {
            originals: self.originals,
        };
        assign_site_ids(&mut ds, &self.duplicates);
        Ok(ds)
    }

    fn element_name(&self, e: &BytesStart) -> Result<String, SemevalError> {
        std::str::from_utf8(e.name().as_ref())
            .map(str::to_owned)
            .map_err(|err| self.xml_error(err))
    }

    fn attr(&self, e: &BytesStart, key: &str) -> Result<Option<String>, SemevalError> {
        let element = String::from_utf8_lossy(e.name().as_ref()).into_owned();
        match e.try_get_attribute(key) {
            Ok(Some(a)) => a
                .decode_and_unescape_value(self.xml.decoder())
                .map(|v| Some(v.trim().to_owned()))
                .map_err(|err| self.xml_error(format!("<{element}> attribute {key}: {err}"))),
            Ok(None) => Ok(None),
            Err(err) => Err(self.xml_error(format!("<{element}> attributes: {err}"))),
        }
    }

    fn required(&self, e: &BytesStart, key: &str) -> Result<String, SemevalError> {
        match self.attr(e, key)? {
            Some(v) if !v.is_empty() => Ok(v),
            _ => {
                let element = String::from_utf8_lossy(e.name().as_ref()).into_owned();
                Err(self.format_error(format!("<{element}> lacks the {key} attribute")))
            }
        }
    }

    fn inside(&self, element: &str, parent_open: bool, parent: &str) -> Result<(), SemevalError> {
        if parent_open {
            Ok(())
        } else {
            Err(self.format_error(format!("<{element}> outside <{parent}>")))
        }
    }

    fn capture(&mut self, field: Field) {
        self.field = Some(field);
        self.text.clear();
    }

    fn start(&mut self, e: &BytesStart) -> Result<(), SemevalError> {
        let name = self.element_name(e)?;
        match name.as_str() {
            "OrgQuestion" => {
                if self.org.is_some() {
                    return Err(self.format_error("<OrgQuestion> inside <OrgQuestion>"));
                }
                self.org = Some(OrgPart {
                    id: self.required(e, "ORGQ_ID")?,
                    subject: String::new(),
                    body: String::new(),
                    related: Vec::new(),
                });
            }
            "OrgQSubject" | "OrgQBody" => {
                self.inside(&name, self.org.is_some(), "OrgQuestion")?;
                self.capture(if name == "OrgQSubject" {
                    Field::OrgSubject
                } else {
                    Field::OrgBody
                });
            }
            "Thread" => {
                self.inside(&name, self.org.is_some(), "OrgQuestion")?;
                self.thread = Some(ThreadPart {
                    duplicate_of: self
                        .attr(e, "SubtaskA_Skip_Because_Same_As_RelQuestion_ID")?
                        .filter(|v| !v.is_empty()),
                    related: None,
                    comments: Vec::new(),
                });
            }
            "RelQuestion" => {
                self.inside(&name, self.thread.is_some(), "Thread")?;
                let id = self.required(e, "RELQ_ID")?;
                let rank = self.required(e, "RELQ_RANKING_ORDER")?;
                let engine_rank = rank.parse::<u32>().map_err(|_| {
                    self.format_error(format!("RELQ_RANKING_ORDER {rank:?} is not a rank"))
                })?;
                let label = self.required(e, "RELQ_RELEVANCE2ORGQ")?;
                let relevance = Relevance::parse(&label).ok_or_else(|| {
                    self.format_error(format!(
                        "RELQ_RELEVANCE2ORGQ {label:?} is not PerfectMatch, Relevant or Irrelevant"
                    ))
                })?;
                self.related = Some(RelatedQuestion {
                    site_id: id.clone(),
                    id,
                    engine_rank,
                    relevance,
                    subject: String::new(),
                    body: String::new(),
                    comments: Vec::new(),
                });
            }
            "RelQSubject" | "RelQBody" => {
                self.inside(&name, self.related.is_some(), "RelQuestion")?;
                self.capture(if name == "RelQSubject" {
                    Field::RelSubject
                } else {
                    Field::RelBody
                });
            }
            "RelComment" => {
                self.inside(&name, self.thread.is_some(), "Thread")?;
                self.comment = Some(Comment {
                    id: self.required(e, "RELC_ID")?,
                    text: String::new(),
                });
            }
            "RelCText" => {
                self.inside(&name, self.comment.is_some(), "RelComment")?;
                self.capture(Field::CommentText);
            }
            _ => {}
        }
        let line = self.line();
        self.open.push((name, line));
        Ok(())
    }

    fn end(&mut self, name: &str) -> Result<(), SemevalError> {
        match self.open.pop() {
            Some((open, _)) if open == name => {}
            Some((open, line)) => {
                return Err(
                    self.xml_error(format!("</{name}> closes <{open}> opened at line {line}"))
                )
            }
            None => return Err(self.xml_error(format!("</{name}> without an opening tag"))),
        }
        match name {
            "OrgQSubject" | "OrgQBody" | "RelQSubject" | "RelQBody" | "RelCText" => {
                let value = self.text.trim().to_owned();
                self.text.clear();
                match self.field.take() {
                    Some(Field::OrgSubject) => self.with_org(|o| o.subject = value),
                    Some(Field::OrgBody) => self.with_org(|o| o.body = value),
                    Some(Field::RelSubject) => {
                        if let Some(r) = self.related.as_mut() {
                            r.subject = value;
                        }
                    }
                    Some(Field::RelBody) => {
                        if let Some(r) = self.related.as_mut() {
                            r.body = value;
                        }
                    }
                    Some(Field::CommentText) => {
                        if let Some(c) = self.comment.as_mut() {
                            c.text = value;
                        }
                    }
                    None => {}
                }
            }
            "RelQuestion" => {
                if let (Some(t), Some(r)) = (self.thread.as_mut(), self.related.take()) {
                    t.related = Some(r);
                }
            }
            "RelComment" => {
                if let (Some(t), Some(c)) = (self.thread.as_mut(), self.comment.take()) {
                    t.comments.push(c);
                }
            }
            "Thread" => {
                let Some(thread) = self.thread.take() else {
                    return Ok(());
                };
                let Some(mut related) = thread.related else {
                    return Err(self.format_error("<Thread> without <RelQuestion>"));
                };
                related.comments = thread.comments;
                if let Some(other) = thread.duplicate_of {
                    self.duplicates.push((related.id.clone(), other));
                }
                self.with_org(|o| o.related.push(related));
            }
            "OrgQuestion" => {
                if let Some(org) = self.org.take() {
                    self.merge(org);
                }
            }
            _ => {}
        }
        Ok(())
    }

    fn with_org(&mut self, f: impl FnOnce(&mut OrgPart)) {
        if let Some(o) = self.org.as_mut() {
            f(o);
        }
    }

    fn merge(&mut self, org: OrgPart) {
        match self.index.get(&org.id) {
            Some(&i) => {
                let existing = &mut self.originals[i];
                for r in org.related {
                    if !existing.related.iter().any(|e| e.id == r.id) {
                        existing.related.push(r);
                    }
                }
            }
            None => {
                self.index.insert(org.id.clone(), self.originals.len());
                let mut related: Vec<RelatedQuestion> = Vec::new();
                for r in org.related {
                    if !related.iter().any(|e| e.id == r.id) {
                        related.push(r);
                    }
                }
                self.originals.push(OriginalQuestion {
                    id: org.id,
                    subject: org.subject,
                    body: org.body,
                    related,
                });
            }
        }
    }
}

/// Groups related questions that are the same forum question (directly or through a chain
/// of skip attributes, possibly via ids outside the file) and names each group after its
/// first member in file order.
fn assign_site_ids(ds: &mut Dataset, duplicates: &[(String, String)]) {
    let mut parent: HashMap<String, String> = HashMap::new();
    fn find(parent: &mut HashMap<String, String>, id: &str) -> String {
        let mut cur = id.to_owned();
        let mut path = Vec::new();
        while let Some(p) = parent.get(&cur) {
            if *p == cur {
                break;
            }
            path.push(cur.clone());
            cur = p.clone();
        }
        for node in path {
            parent.insert(node, cur.clone());
        }
        cur
    }
    for (a, b) in duplicates {
        let ra = find(&mut parent, a);
        let rb = find(&mut parent, b);
        if ra != rb {
            parent.insert(ra, rb);
        }
    }
    let mut first_of_group: HashMap<String, String> = HashMap::new();
    for o in &mut ds.originals {
        for r in &mut o.related {
            let root = find(&mut parent, &r.id);
            r.site_id = first_of_group
                .entry(root)
                .or_insert_with(|| r.id.clone())
                .clone();
        }
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
