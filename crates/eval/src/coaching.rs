//! `stoa eval coaching DIR...`: what each Stack Exchange dump says about the coaching hints —
//! for each hint, how often the site's questions that had what it asks for got an answer,
//! against those that lacked it, and so whether Stoa would show the hint there
//! (`stoa_domain::coaching`). Questions only; `AnswerCount` says whether one was answered.

use crate::tags::{read_questions, TagEvalError};
use serde_json::{json, Value};
use std::path::PathBuf;
use stoa_domain::coaching::{Evidence, Hint, Rates};

/// One site's figures.
#[derive(Debug, Clone)]
pub struct SiteEvidence {
    /// The folder.
    pub dir: PathBuf,
    /// Questions read.
    pub questions: usize,
    /// Per hint, in [`Hint::ALL`] order.
    pub rates: Vec<(Hint, Rates)>,
}

/// Whether Stoa shows a hint on a site with these rates (as `coach` decides).
fn shown(r: &Rates) -> &'static str {
    if !r.enough() {
        "shown (too few questions to tell)"
    } else if r.with() > r.without() {
        "shown, with the figures"
    } else {
        "not shown: no better answered here"
    }
}

/// Reads each folder's `Posts.xml` and learns the evidence.
pub fn evaluate(dirs: &[PathBuf]) -> Result<Vec<SiteEvidence>, TagEvalError> {
    let mut out = Vec::new();
    for dir in dirs {
        let qs = read_questions(&dir.join("Posts.xml"))?;
        let e = Evidence::learn(
            qs.iter()
                .map(|q| (q.title.as_str(), q.body_html.as_str(), q.answered)),
        );
        out.push(SiteEvidence {
            dir: dir.clone(),
            questions: qs.len(),
            rates: Hint::ALL.into_iter().map(|h| (h, e.rates(h))).collect(),
        });
    }
    Ok(out)
}

/// `[{dir, questions, hints: {code: {with, with_answered, without, without_answered, shown}}}]`.
pub fn json(sites: &[SiteEvidence]) -> Value {
    Value::Array(
        sites
            .iter()
            .map(|s| {
                let hints: serde_json::Map<String, Value> = s
                    .rates
                    .iter()
                    .map(|(h, r)| {
                        (
                            h.code().to_string(),
                            json!({
                                "with": r.with_total,
                                "with_answered": r.with_answered,
                                "without": r.without_total,
                                "without_answered": r.without_answered,
                                "shown": r.enough().then(|| r.with() > r.without()),
                            }),
                        )
                    })
                    .collect();
                json!({"dir": s.dir.display().to_string(), "questions": s.questions, "hints": hints})
            })
            .collect(),
    )
}

/// A table for people.
pub fn text(sites: &[SiteEvidence]) -> String {
    let mut out =
        String::from("Coaching hints: answered share with / without what each asks for\n");
    for s in sites {
        out.push_str(&format!("{}: {} questions\n", s.dir.display(), s.questions));
        for (h, r) in &s.rates {
            out.push_str(&format!(
                "  {:<15} with {:>4} ({:>5.1} % answered)  without {:>4} ({:>5.1} %)  {}\n",
                h.code(),
                r.with_total,
                r.with() * 100.0,
                r.without_total,
                r.without() * 100.0,
                shown(r)
            ));
        }
    }
    out
}
