//! The SemEval benchmark on the real data file from `../shared/data`.

use std::path::PathBuf;

use stoa_eval::semeval::{self, SemevalError};

fn data_file() -> Option<PathBuf> {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let path = manifest
        .join("../../../shared/data/semeval2016-cqa/SemEval2016-Task3-CQA-QL-train-part2.xml");
    if path.exists() {
        Some(path)
    } else {
        eprintln!(
            "SKIPPED: SemEval data file not found at {} (it lives in ../shared/data beside the repository)",
            path.display()
        );
        None
    }
}

#[test]
fn report_on_real_file() {
    let Some(path) = data_file() else { return };
    let ds = semeval::load(&path).unwrap();
    let r = semeval::rerank(&ds, 42);
    let ret = semeval::retrieve_in_memory(&ds);
    println!("{}", semeval::format_report(&r, &ret));
    println!("{}", semeval::report_json(&r, &ret));
}
