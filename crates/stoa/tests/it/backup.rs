//! `stoa backup` and `stoa restore` on both backends: a backup taken while the site runs,
//! later changes, then the backup restored brings the site back to that moment. Bad input
//! (an existing file, a file that is no backup, a backup of the other backend) is refused and
//! changes nothing.

use crate::both;
use crate::governance::ask;
use crate::support::TestApp;

both!(backup_and_restore_round_trip);

async fn titles(t: &TestApp) -> Vec<String> {
    let (s, v) = t.get_json("/api/v1/questions", None).await;
    assert_eq!(s, 200, "{v}");
    let mut out: Vec<String> = v["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| q["title"].as_str().unwrap().to_string())
        .collect();
    out.sort();
    out
}

async fn backup_and_restore_round_trip(mut t: TestApp) {
    let dir = tempfile::tempdir().unwrap();
    let (_, ann) = t.signup("ann").await;
    ask(&t, &ann, "Router keeps rebooting at night").await;
    let file = dir.path().join("site.backup");
    let said = stoa::backup::backup(&t.cfg, &file).await.expect("backup");
    assert!(said.starts_with("backed up to"), "{said}");

    // A backup never overwrites; a file that is no backup is refused.
    let err = stoa::backup::backup(&t.cfg, &file).await.unwrap_err();
    assert!(err.to_string().contains("exists already"), "{err}");
    let junk = dir.path().join("notes.txt");
    std::fs::write(&junk, "not a backup at all").unwrap();
    let err = stoa::backup::restore(&t.cfg, &junk).await.unwrap_err();
    assert!(err.to_string().contains("is not a Stoa backup"), "{err}");
    assert_eq!(titles(&t).await, vec!["Router keeps rebooting at night"]);

    // Later changes; then the backup is restored with the server stopped.
    ask(&t, &ann, "Printer shows a paper jam with no paper inside").await;
    assert_eq!(titles(&t).await.len(), 2);
    t.stop().await;
    let said = stoa::backup::restore(&t.cfg, &file).await.expect("restore");
    assert!(said.starts_with("restored"), "{said}");
    t.restart().await;
    assert_eq!(titles(&t).await, vec!["Router keeps rebooting at night"]);
    // The restored site works: accounts, search, writes.
    let (s, v) = t.get_json("/api/v1/search?q=router", None).await;
    assert_eq!(s, 200);
    assert_eq!(v["total"], 1, "{v}");
    ask(&t, &ann, "Scanner is not found on the network").await;
    assert_eq!(titles(&t).await.len(), 2);
}
