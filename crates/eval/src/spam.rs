//! `stoa eval spam`: train on labelled comments, report precision, recall, F1 and accuracy.
//!
//! The files are the YouTube Spam Collection's CSV format (`COMMENT_ID,
//! AUTHOR, DATE, CONTENT, CLASS`, CLASS 1 = spam); only `CONTENT` and `CLASS`
//! are read. Each training comment stands for one moderator decision.

use std::collections::BTreeSet;
use std::fs::File;
use std::io::BufReader;
use std::path::{Path, PathBuf};

use stoa_domain::spam::{features, Metrics, SpamModel, Verdict};

const CONTENT: &str = "CONTENT";
const CLASS: &str = "CLASS";

/// Why an evaluation could not run.
#[derive(Debug, thiserror::Error)]
pub enum SpamEvalError {
    /// A file could not be opened (missing, unreadable).
    #[error("{path}: cannot open: {source}", path = .path.display())]
    Open {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The header lacks a column the evaluation needs.
    #[error("{path}: line 1: missing column {column} in the header", path = .path.display())]
    MissingColumn {
        /// The file.
        path: PathBuf,
        /// `CONTENT` or `CLASS`.
        column: &'static str,
    },
    /// A record's CLASS is neither 0 nor 1.
    #[error("{path}: record {record} (line {line}): CLASS is {value:?}, expected 0 (ham) or 1 (spam)", path = .path.display())]
    BadClass {
        /// The file.
        path: PathBuf,
        /// Data record number, from 1, not counting the header.
        record: u64,
        /// Line where the record starts, from 1.
        line: u64,
        /// What the CLASS field held.
        value: String,
    },
    /// The file is not well-formed CSV (unbalanced quotes, a short row, invalid UTF-8…).
    #[error("{path}: {location}malformed CSV: {source}", path = .path.display())]
    Csv {
        /// The file.
        path: PathBuf,
        /// "record N (line M): ", when the reader knows it.
        location: String,
        /// The reader's error.
        source: csv::Error,
    },
    /// No labelled comments to train on.
    #[error("the training set is empty: no labelled comments in {files}")]
    EmptyTrain {
        /// The files given, or "(no files)".
        files: String,
    },
    /// No labelled comments to test on.
    #[error("the test set is empty: no labelled comments in {files}")]
    EmptyTest {
        /// The files given, or "(no files)".
        files: String,
    },
}

/// Trains a fresh [`SpamModel`] on the `train` files and scores its verdicts on the `test` files.
///
/// A comment posted many times over (a spam run) is trained once per label:
/// it is one piece of evidence, and a hundred copies of it would otherwise
/// drown every other example's words.
pub fn run(train: &[PathBuf], test: &[PathBuf]) -> Result<Metrics, SpamEvalError> {
    let train_set = read_all(train)?;
    if train_set.is_empty() {
        return Err(SpamEvalError::EmptyTrain { files: list(train) });
    }
    let test_set = read_all(test)?;
    if test_set.is_empty() {
        return Err(SpamEvalError::EmptyTest { files: list(test) });
    }

    let mut model = SpamModel::new();
    let mut seen = BTreeSet::new();
    for comment in &train_set {
        if seen.insert((features(&comment.content), comment.spam)) {
            model.train(&comment.content, comment.spam);
        }
    }

    let predictions: Vec<(bool, bool)> = test_set
        .iter()
        .map(|c| (model.classify(&c.content) == Verdict::Spam, c.spam))
        .collect();
    Ok(Metrics::from_predictions(&predictions))
}

/// The metrics as one JSON object `{"precision", "recall", "f1", "accuracy"}`, or as a small table.
pub fn format_report(m: &Metrics, json: bool) -> String {
    if json {
        serde_json::json!({
            "precision": m.precision,
            "recall": m.recall,
            "f1": m.f1,
            "accuracy": m.accuracy,
        })
        .to_string()
    } else {
        let rows = [
            ("precision", m.precision),
            ("recall", m.recall),
            ("F1", m.f1),
            ("accuracy", m.accuracy),
        ];
        let mut table = String::from("metric     value\n---------  ------\n");
        for (name, value) in rows {
            table.push_str(&format!("{name:<9}  {value:.4}\n"));
        }
        table
    }
}

/// One labelled comment.
struct Comment {
    content: String,
    spam: bool,
}

fn read_all(paths: &[PathBuf]) -> Result<Vec<Comment>, SpamEvalError> {
    let mut comments = Vec::new();
    for path in paths {
        comments.extend(read_file(path)?);
    }
    Ok(comments)
}

fn read_file(path: &Path) -> Result<Vec<Comment>, SpamEvalError> {
    let file = File::open(path).map_err(|source| SpamEvalError::Open {
        path: path.to_owned(),
        source,
    })?;
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(BufReader::new(file));
    let csv_error = |source: csv::Error| {
        let location = source
            .position()
            .map(|p| format!("record {} (line {}): ", p.record(), p.line()))
            .unwrap_or_default();
        SpamEvalError::Csv {
            path: path.to_owned(),
            location,
            source,
        }
    };

    let headers = reader.headers().map_err(csv_error)?.clone();
    let column = |name: &'static str| {
        headers
            .iter()
            .position(|h| {
                h.trim()
                    .trim_start_matches('\u{feff}')
                    .eq_ignore_ascii_case(name)
            })
            .ok_or_else(|| SpamEvalError::MissingColumn {
                path: path.to_owned(),
                column: name,
            })
    };
    let content_at = column(CONTENT)?;
    let class_at = column(CLASS)?;

    let mut comments = Vec::new();
    for record in reader.records() {
        let record = record.map_err(csv_error)?;
        // The header is record 0, so the position's record number is the
        // data record's number counted from 1.
        let (record_no, line) = record.position().map_or((0, 0), |p| (p.record(), p.line()));
        let class = record.get(class_at).unwrap_or("");
        let spam = match class.trim() {
            "0" => false,
            "1" => true,
            _ => {
                return Err(SpamEvalError::BadClass {
                    path: path.to_owned(),
                    record: record_no,
                    line,
                    value: class.to_owned(),
                })
            }
        };
        comments.push(Comment {
            content: record.get(content_at).unwrap_or("").to_owned(),
            spam,
        });
    }
    Ok(comments)
}

fn list(paths: &[PathBuf]) -> String {
    if paths.is_empty() {
        "(no files)".to_owned()
    } else {
        paths
            .iter()
            .map(|p| p.display().to_string())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_report_is_one_object_with_four_numbers() {
        let m = Metrics {
            precision: 0.5,
            recall: 1.0,
            f1: 2.0 / 3.0,
            accuracy: 0.75,
        };
        let value: serde_json::Value = serde_json::from_str(&format_report(&m, true)).unwrap();
        let object = value.as_object().unwrap();
        assert_eq!(object.len(), 4);
        assert_eq!(object["precision"], 0.5);
        assert_eq!(object["recall"], 1.0);
        assert_eq!(object["accuracy"], 0.75);
        assert!((object["f1"].as_f64().unwrap() - 2.0 / 3.0).abs() < 1e-12);
    }

    #[test]
    fn table_report_names_each_metric() {
        let m = Metrics::from_predictions(&[(true, true), (false, false)]);
        let table = format_report(&m, false);
        for name in ["precision", "recall", "F1", "accuracy"] {
            assert!(table.contains(name), "{table}");
        }
        assert!(table.contains("1.0000"));
    }
}
