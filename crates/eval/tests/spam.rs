//! `stoa eval spam` on the real YouTube Spam Collection, and its errors on broken files.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use stoa_domain::spam::{SpamError, SpamModel, Verdict};
use stoa_eval::spam::{format_report, run, SpamEvalError};

const VIDEOS: [&str; 3] = [
    "Youtube01-Psy.csv",
    "Youtube02-KatyPerry.csv",
    "Youtube03-LMFAO.csv",
];

fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/spam-youtube/")
}

#[test]
fn leave_one_video_out() {
    let dir = data_dir();
    if !dir.is_dir() {
        // On CI the data is always beside the repository: missing is a failure there.
        assert!(
            std::env::var("CI").is_err(),
            "spam data not found at {}",
            dir.display()
        );
        eprintln!(
            "\n!!!!!!!!\n!!! SKIPPED: spam data not found at {}; the spam classifier was NOT evaluated\n!!!!!!!!\n",
            dir.display()
        );
        return;
    }
    for (held_out, video) in VIDEOS.iter().enumerate() {
        let train: Vec<PathBuf> = VIDEOS
            .iter()
            .enumerate()
            .filter(|&(i, _)| i != held_out)
            .map(|(_, other)| dir.join(other))
            .collect();
        let test = vec![dir.join(video)];
        let m = run(&train, &test).unwrap();
        eprintln!(
            "test on {}: precision {:.3} recall {:.3} F1 {:.3} accuracy {:.3}",
            video, m.precision, m.recall, m.f1, m.accuracy
        );
        for value in [m.precision, m.recall, m.f1, m.accuracy] {
            assert!(value.is_finite() && (0.0..=1.0).contains(&value), "{m:?}");
        }
        // A regression floor, not the target (precision and F1 of 0.9).
        assert!(m.f1 >= 0.85, "F1 fell to {} on {}", m.f1, video);

        let json: serde_json::Value = serde_json::from_str(&format_report(&m, true)).unwrap();
        assert_eq!(json.as_object().map(|o| o.len()), Some(4));
    }
}

/// A file in a fresh temporary directory, removed when dropped.
struct TempCsv {
    dir: PathBuf,
    path: PathBuf,
}

impl TempCsv {
    fn new(contents: &str) -> std::io::Result<Self> {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "stoa-eval-spam-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&dir)?;
        let path = dir.join("comments.csv");
        std::fs::write(&path, contents)?;
        Ok(Self { dir, path })
    }

    fn paths(&self) -> Vec<PathBuf> {
        vec![self.path.clone()]
    }
}

impl Drop for TempCsv {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

const GOOD: &str = "COMMENT_ID,AUTHOR,DATE,CONTENT,CLASS\n\
a,x,2014,\"Check out my channel, please subscribe!\",1\n\
b,y,2014,\"I love this song, \"\"so\"\" catchy\nsecond line<br />\",0\n\
c,z,2014,Subscribe to my channel &amp; win free money\u{feff},1\n\
d,w,2014,best video ever,0\n";

#[test]
fn a_tiny_well_formed_set_runs() {
    let file = TempCsv::new(GOOD).unwrap();
    let m = run(&file.paths(), &file.paths()).unwrap();
    assert_eq!(m.accuracy, 1.0, "{m:?}");
}

#[test]
fn a_missing_file_is_named() {
    let file = TempCsv::new(GOOD).unwrap();
    let missing = file.dir.join("nope.csv");
    let err = run(&file.paths(), std::slice::from_ref(&missing)).unwrap_err();
    assert!(
        matches!(err, SpamEvalError::Open { ref path, .. } if path == &missing),
        "{err:?}"
    );
    let message = err.to_string();
    assert!(message.contains("nope.csv"), "{message}");
}

#[test]
fn a_missing_column_is_named() {
    let file = TempCsv::new("COMMENT_ID,AUTHOR,DATE,CONTENT\na,x,2014,hello\n").unwrap();
    let err = run(&file.paths(), &file.paths()).unwrap_err();
    assert!(
        matches!(
            err,
            SpamEvalError::MissingColumn {
                column: "CLASS",
                ..
            }
        ),
        "{err:?}"
    );
    let message = err.to_string();
    assert!(
        message.contains("comments.csv") && message.contains("CLASS"),
        "{message}"
    );

    let file = TempCsv::new("COMMENT_ID,CLASS\na,1\n").unwrap();
    let err = run(&file.paths(), &file.paths()).unwrap_err();
    assert!(
        matches!(
            err,
            SpamEvalError::MissingColumn {
                column: "CONTENT",
                ..
            }
        ),
        "{err:?}"
    );
}

#[test]
fn a_bad_class_names_the_record_and_line() {
    // The first record spans two lines, so the bad one starts on line 4.
    let file = TempCsv::new(
        "COMMENT_ID,AUTHOR,DATE,CONTENT,CLASS\n\
         a,x,2014,\"two\nlines\",0\n\
         b,y,2014,spam?,2\n",
    )
    .unwrap();
    let err = run(&file.paths(), &file.paths()).unwrap_err();
    match &err {
        SpamEvalError::BadClass {
            record,
            line,
            value,
            ..
        } => {
            assert_eq!((*record, *line, value.as_str()), (2, 4, "2"), "{err}");
        }
        other => panic!("expected BadClass, got {other:?}"),
    }
    let message = err.to_string();
    assert!(
        message.contains("comments.csv")
            && message.contains("record 2")
            && message.contains("line 4"),
        "{message}"
    );

    let file = TempCsv::new("CONTENT,CLASS\nhello,\n").unwrap();
    assert!(matches!(
        run(&file.paths(), &file.paths()),
        Err(SpamEvalError::BadClass {
            record: 1,
            line: 2,
            ..
        })
    ));
}

#[test]
fn malformed_csv_is_reported_with_its_place() {
    let file = TempCsv::new("CONTENT,CLASS\nhello,0\nshort row\n").unwrap();
    let err = run(&file.paths(), &file.paths()).unwrap_err();
    assert!(matches!(err, SpamEvalError::Csv { .. }), "{err:?}");
    let message = err.to_string();
    assert!(
        message.contains("comments.csv") && message.contains("line 3"),
        "{message}"
    );
}

#[test]
fn empty_sets_are_errors() {
    let header_only = TempCsv::new("COMMENT_ID,AUTHOR,DATE,CONTENT,CLASS\n").unwrap();
    let good = TempCsv::new(GOOD).unwrap();

    let err = run(&header_only.paths(), &good.paths()).unwrap_err();
    assert!(matches!(err, SpamEvalError::EmptyTrain { .. }), "{err:?}");
    assert!(err.to_string().contains("comments.csv"));

    let err = run(&good.paths(), &header_only.paths()).unwrap_err();
    assert!(matches!(err, SpamEvalError::EmptyTest { .. }), "{err:?}");

    assert!(matches!(
        run(&[], &good.paths()),
        Err(SpamEvalError::EmptyTrain { .. })
    ));
    assert!(matches!(
        run(&good.paths(), &[]),
        Err(SpamEvalError::EmptyTest { .. })
    ));
}

// The domain crate has no JSON library, so the stored form is checked here.
#[test]
fn a_stored_model_round_trips_and_bad_ones_are_refused() {
    let mut model = SpamModel::new();
    model.train("check out my channel http://bit.ly/x", true);
    model.train("great answer, thanks", false);
    let json = serde_json::to_string(&model).unwrap();
    let back: SpamModel = serde_json::from_str(&json).unwrap();
    assert_eq!(back, model);
    assert_eq!(
        back.classify("check out my channel"),
        model.classify("check out my channel")
    );
    assert_eq!(
        back.spam_probability("check out my channel").to_bits(),
        model.spam_probability("check out my channel").to_bits()
    );
    assert_eq!(back.classify("great answer"), Verdict::Ham);

    let mut value: serde_json::Value = serde_json::from_str(&json).unwrap();
    value["threshold"] = serde_json::json!(1.5);
    let err = serde_json::from_value::<SpamModel>(value).unwrap_err();
    assert!(
        err.to_string()
            .contains(&SpamError::InvalidThreshold(1.5).to_string()),
        "{err}"
    );
}
