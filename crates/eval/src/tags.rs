//! `stoa eval tags DIR...`: the tag suggester on Stack Exchange dumps. For each site (each
//! folder's `Posts.xml`), questions are ordered by creation date; the model learns the earlier
//! 80 % and suggests tags for the rest, scored by precision, recall and F1 of its top three
//! against the real tags, next to always suggesting the three most used tags of the training
//! part. Sites are learned separately (a site's tags mean nothing on another) and their counts
//! summed.

use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;
use serde_json::{json, Value};
use std::io::BufRead;
use std::path::{Path, PathBuf};
use stoa_domain::tag_suggest::{TagMetrics, TagModel};

/// Suggestions scored per question.
const TOP: usize = 3;
/// The share of each site's questions (the earliest) learned from.
const TRAIN_SHARE: f64 = 0.8;

/// Why an evaluation could not run.
#[derive(Debug, thiserror::Error)]
pub enum TagEvalError {
    /// The folder has no readable `Posts.xml`.
    #[error("{path}: cannot open: {source}", path = .path.display())]
    Open {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The file is not the dump's XML.
    #[error("{path}: byte {position}: {reason}", path = .path.display())]
    Xml {
        /// The file.
        path: PathBuf,
        /// Where.
        position: u64,
        /// What.
        reason: String,
    },
    /// Too few tagged questions to split.
    #[error("{path}: {found} tagged questions; at least 10 are needed to learn from some and test on the rest", path = .path.display())]
    TooFew {
        /// The file.
        path: PathBuf,
        /// How many.
        found: usize,
    },
}

/// A tagged question of a dump.
#[derive(Debug, Clone, PartialEq)]
pub struct DumpQuestion {
    /// `CreationDate` as written (ISO 8601 sorts as text).
    pub created: String,
    /// Title.
    pub title: String,
    /// Body, as text (HTML tags removed).
    pub body: String,
    /// Tags, lower-cased.
    pub tags: Vec<String>,
    /// The body as posted (HTML: code and quotes still show).
    pub body_html: String,
    /// Whether it has an answer (`AnswerCount` above 0).
    pub answered: bool,
}

/// One site's result.
#[derive(Debug, Clone)]
pub struct SiteReport {
    /// The folder.
    pub dir: PathBuf,
    /// Questions learned from.
    pub trained: usize,
    /// Questions tested.
    pub tested: usize,
    /// The model's counts.
    pub stoa: TagMetrics,
    /// The most-used-tags baseline's counts.
    pub baseline: TagMetrics,
}

/// Every site's result.
#[derive(Debug, Clone)]
pub struct TagReport {
    /// Per site.
    pub sites: Vec<SiteReport>,
}

fn metrics_json(m: &TagMetrics) -> Value {
    json!({
        "precision": round(m.precision()),
        "recall": round(m.recall()),
        "f1": round(m.f1()),
    })
}

fn round(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}

impl TagReport {
    /// Counts summed over the sites.
    fn totals(&self) -> (TagMetrics, TagMetrics, usize) {
        let mut stoa = TagMetrics::default();
        let mut base = TagMetrics::default();
        let mut n = 0;
        for s in &self.sites {
            for (sum, m) in [(&mut stoa, &s.stoa), (&mut base, &s.baseline)] {
                sum.hits += m.hits;
                sum.suggested += m.suggested;
                sum.real += m.real;
            }
            n += s.tested;
        }
        (stoa, base, n)
    }

    /// The contract's JSON: `{stoa, baseline, questions}` (tested questions), plus per site.
    pub fn json(&self) -> Value {
        let (stoa, base, n) = self.totals();
        json!({
            "stoa": metrics_json(&stoa),
            "baseline": metrics_json(&base),
            "questions": n,
            "sites": self.sites.iter().map(|s| json!({
                "dir": s.dir.display().to_string(),
                "trained": s.trained,
                "questions": s.tested,
                "stoa": metrics_json(&s.stoa),
                "baseline": metrics_json(&s.baseline),
            })).collect::<Vec<_>>(),
        })
    }

    /// A table for people.
    pub fn text(&self) -> String {
        let mut out = String::from(
            "Tag suggestions: top 3 against the real tags (learn the earlier 80 % by date, test the rest)\n",
        );
        let line = |name: &str, m: &TagMetrics| {
            format!(
                "  {name:<22} precision {:.3}  recall {:.3}  F1 {:.3}\n",
                m.precision(),
                m.recall(),
                m.f1()
            )
        };
        for s in &self.sites {
            out.push_str(&format!(
                "{}: learned {} questions, tested {}\n",
                s.dir.display(),
                s.trained,
                s.tested
            ));
            out.push_str(&line("stoa", &s.stoa));
            out.push_str(&line("most frequent tags", &s.baseline));
        }
        let (stoa, base, n) = self.totals();
        out.push_str(&format!("all sites: {n} questions tested\n"));
        out.push_str(&line("stoa", &stoa));
        out.push_str(&line("most frequent tags", &base));
        out
    }
}

/// Runs the evaluation on each folder's `Posts.xml`.
pub fn evaluate(dirs: &[PathBuf]) -> Result<TagReport, TagEvalError> {
    let mut sites = Vec::new();
    for dir in dirs {
        let path = dir.join("Posts.xml");
        let questions = read_questions(&path)?;
        sites.push(evaluate_site(dir, &path, questions)?);
    }
    Ok(TagReport { sites })
}

fn evaluate_site(
    dir: &Path,
    path: &Path,
    mut questions: Vec<DumpQuestion>,
) -> Result<SiteReport, TagEvalError> {
    if questions.len() < 10 {
        return Err(TagEvalError::TooFew {
            path: path.to_path_buf(),
            found: questions.len(),
        });
    }
    questions.sort_by(|a, b| a.created.cmp(&b.created));
    let cut = ((questions.len() as f64) * TRAIN_SHARE).round() as usize;
    let (train, test) = questions.split_at(cut);
    let mut model = TagModel::new();
    for q in train {
        model.learn(&q.title, &q.body, &q.tags);
    }
    let frequent = model.most_frequent(TOP);
    let mut stoa = TagMetrics::default();
    let mut baseline = TagMetrics::default();
    for q in test {
        let suggested: Vec<String> = model
            .suggest(&q.title, &q.body, TOP)
            .into_iter()
            .map(|s| s.tag)
            .collect();
        stoa.add(&suggested, &q.tags);
        baseline.add(&frequent, &q.tags);
    }
    Ok(SiteReport {
        dir: dir.to_path_buf(),
        trained: train.len(),
        tested: test.len(),
        stoa,
        baseline,
    })
}

/// The tagged questions of a dump's `Posts.xml`.
pub fn read_questions(path: &Path) -> Result<Vec<DumpQuestion>, TagEvalError> {
    let file = std::fs::File::open(path).map_err(|source| TagEvalError::Open {
        path: path.to_path_buf(),
        source,
    })?;
    parse_questions(std::io::BufReader::new(file), path)
}

fn parse_questions<R: BufRead>(input: R, path: &Path) -> Result<Vec<DumpQuestion>, TagEvalError> {
    let mut xml = Reader::from_reader(input);
    let mut buf = Vec::new();
    let mut out = Vec::new();
    let error = |xml: &Reader<R>, reason: String| TagEvalError::Xml {
        path: path.to_path_buf(),
        position: xml.buffer_position(),
        reason,
    };
    loop {
        buf.clear();
        match xml.read_event_into(&mut buf) {
            Ok(Event::Empty(e)) | Ok(Event::Start(e)) if e.name().as_ref() == b"row" => {
                let attr = |key: &str| -> Result<String, String> { attribute(&xml, &e, key) };
                let kind = attr("PostTypeId").map_err(|r| error(&xml, r))?;
                if kind != "1" {
                    continue;
                }
                let tags = parse_tags(&attr("Tags").map_err(|r| error(&xml, r))?);
                if tags.is_empty() {
                    continue;
                }
                let body_html = attr("Body").map_err(|r| error(&xml, r))?;
                let answers = attr("AnswerCount").map_err(|r| error(&xml, r))?;
                out.push(DumpQuestion {
                    created: attr("CreationDate").map_err(|r| error(&xml, r))?,
                    title: attr("Title").map_err(|r| error(&xml, r))?,
                    body: strip_html(&body_html),
                    tags,
                    answered: answers.trim().parse::<u32>().unwrap_or(0) > 0,
                    body_html,
                });
            }
            Ok(Event::Eof) => break,
            Ok(_) => {}
            Err(e) => return Err(error(&xml, e.to_string())),
        }
    }
    Ok(out)
}

fn attribute<R>(xml: &Reader<R>, e: &BytesStart, key: &str) -> Result<String, String> {
    match e.try_get_attribute(key) {
        Ok(Some(a)) => a
            .decode_and_unescape_value(xml.decoder())
            .map(|v| v.into_owned())
            .map_err(|err| format!("<row> attribute {key}: {err}")),
        Ok(None) => Ok(String::new()),
        Err(err) => Err(format!("<row> attributes: {err}")),
    }
}

/// Tags in either dump format: `<a><b>` (before 2024) or `|a|b|`.
pub fn parse_tags(raw: &str) -> Vec<String> {
    raw.split(['<', '>', '|'])
        .map(|t| t.trim().to_lowercase())
        .filter(|t| !t.is_empty())
        .collect()
}

/// The text of an HTML body: tags become spaces (entities were decoded by the XML reader;
/// the few HTML ones left do not matter to word statistics).
fn strip_html(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => {
                in_tag = false;
                out.push(' ');
            }
            _ if !in_tag => out.push(c),
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_tag_formats() {
        assert_eq!(parse_tags("<beer><ipa>"), vec!["beer", "ipa"]);
        assert_eq!(parse_tags("|beer|IPA|"), vec!["beer", "ipa"]);
        assert!(parse_tags("").is_empty());
    }

    #[test]
    fn questions_of_a_dump() {
        let xml = r#"<?xml version="1.0" encoding="utf-8"?>
<posts>
  <row Id="1" PostTypeId="1" CreationDate="2015-01-02T00:00:00.000" Title="Stout &amp; age" Body="&lt;p&gt;How long?&lt;/p&gt;" Tags="&lt;stout&gt;&lt;aging&gt;" />
  <row Id="2" PostTypeId="2" ParentId="1" CreationDate="2015-01-03T00:00:00.000" Body="&lt;p&gt;A year.&lt;/p&gt;" />
  <row Id="3" PostTypeId="1" CreationDate="2015-01-01T00:00:00.000" Title="Untagged" Body="x" Tags="" />
</posts>"#;
        let qs = parse_questions(xml.as_bytes(), Path::new("Posts.xml")).unwrap();
        assert_eq!(qs.len(), 1);
        assert_eq!(qs[0].title, "Stout & age");
        assert_eq!(qs[0].body.trim(), "How long?");
        assert_eq!(qs[0].tags, vec!["stout", "aging"]);
    }

    #[test]
    fn a_broken_file_says_where() {
        let xml = "<posts><row PostTypeId=\"1\" Title=\"x </posts>";
        let e = parse_questions(xml.as_bytes(), Path::new("Posts.xml")).unwrap_err();
        assert!(e.to_string().starts_with("Posts.xml: byte"), "{e}");
    }

    #[test]
    fn too_few_questions_is_an_error() {
        let e = evaluate_site(Path::new("d"), Path::new("d/Posts.xml"), Vec::new()).unwrap_err();
        assert!(e.to_string().contains("at least 10"), "{e}");
    }
}
