//! Reading SemEval task 3 XML: streaming, with file and line in every error.

use super::*;
use std::collections::HashMap;
use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;

use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;

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
                let user_id = self.attr(e, "RELQ_USERID")?.unwrap_or_default();
                self.related = Some(RelatedQuestion {
                    site_id: id.clone(),
                    id,
                    engine_rank,
                    relevance,
                    user_id,
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
                let label = |key: &str| -> Result<Option<CommentLabel>, SemevalError> {
                    match self.attr(e, key)?.filter(|v| !v.is_empty()) {
                        None => Ok(None),
                        Some(v) => CommentLabel::parse(&v).map(Some).ok_or_else(|| {
                            self.format_error(format!(
                                "{key} {v:?} is not Good, PotentiallyUseful or Bad"
                            ))
                        }),
                    }
                };
                self.comment = Some(Comment {
                    id: self.required(e, "RELC_ID")?,
                    text: String::new(),
                    user_id: self.attr(e, "RELC_USERID")?.unwrap_or_default(),
                    to_original: label("RELC_RELEVANCE2ORGQ")?,
                    to_related: label("RELC_RELEVANCE2RELQ")?,
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
