//! `stoa serve --demo`: the bundled sample community, loaded through the use cases and read back
//! through the API on both backends, and the real binary started with the flag.

use crate::both;
use crate::support::TestApp;
use serde_json::Value;
use std::collections::HashSet;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};
use stoa_app::{App, Store, StoreOptions};

both!(
    demo_fills_an_empty_site_once,
    demo_beside_existing_accounts,
    demo_failure_is_reported
);

/// A second application on the test's database, as `stoa serve --demo` has one.
async fn open_app(t: &TestApp) -> App {
    let store = Store::open(&StoreOptions {
        url: t.db_url.clone(),
        max_connections: 2,
    })
    .await
    .unwrap();
    App::new(store, Default::default())
}

fn len(v: &Value) -> usize {
    v.as_array().map_or(0, Vec::len)
}

async fn demo_fills_an_empty_site_once(t: TestApp) {
    let summary = stoa::demo::summary().unwrap();
    let app = open_app(&t).await;
    let created = stoa::demo::load_if_empty(&app).await.unwrap();
    assert_eq!(created, summary.posts());

    let (status, list) = t.get_json("/api/v1/questions?per_page=100", None).await;
    assert_eq!(status, 200, "{list}");
    assert_eq!(list["total"], summary.questions as i64, "{list}");
    let items = list["items"].as_array().unwrap();
    assert_eq!(items.len(), summary.questions);

    // Every question page agrees with the file: answers, acceptances, comments and scores
    // (upvotes only, so the sum of scores is the number of votes).
    let (mut answers, mut accepted, mut comments, mut score) = (0, 0, 0, 0);
    let mut authors = HashSet::new();
    for item in items {
        let (status, q) = t
            .get_json(&format!("/api/v1/questions/{}", item["id"]), None)
            .await;
        assert_eq!(status, 200, "{q}");
        assert_eq!(q["revision_count"], 1, "asked once, never edited: {q}");
        authors.insert(q["author"]["username"].as_str().unwrap().to_string());
        answers += len(&q["answers"]);
        comments += len(&q["comments"]);
        score += q["score"].as_i64().unwrap();
        for a in q["answers"].as_array().unwrap() {
            comments += len(&a["comments"]);
            score += a["score"].as_i64().unwrap();
            assert_eq!(a["is_accepted"], q["accepted_answer_id"] == a["id"], "{a}");
        }
        if !q["accepted_answer_id"].is_null() {
            accepted += 1;
            assert_eq!(q["answers"][0]["is_accepted"], true, "accepted first: {q}");
        }
    }
    assert_eq!(answers, summary.answers);
    assert!(summary.accepted >= 1);
    assert_eq!(accepted, summary.accepted);
    assert_eq!(comments, summary.comments);
    assert_eq!(score, summary.upvotes as i64);
    assert!(authors.len() > 1, "{authors:?}");

    // Tags were created as by hand, with counts.
    let tagged = t.get_json("/api/v1/questions?tag=firmware", None).await.1;
    assert!(tagged["total"].as_i64().unwrap() >= 1, "{tagged}");

    // The search index has the demo: a word from one question finds it.
    let porch = items
        .iter()
        .find(|q| q["title"].as_str().unwrap().contains("porch light"))
        .expect("the demo has the porch light question")["id"]
        .clone();
    let (status, found) = t.get_json("/api/v1/search?q=porch", None).await;
    assert_eq!(status, 200, "{found}");
    assert!(
        found["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|i| i["id"] == porch),
        "{found}"
    );

    // A second load on a site with content does nothing at all.
    let tables = [
        "users",
        "posts",
        "post_revisions",
        "comments",
        "votes",
        "tags",
    ];
    let mut before = Vec::new();
    for table in tables {
        before.push(t.count(table).await);
    }
    assert_eq!(stoa::demo::load_if_empty(&app).await.unwrap(), 0);
    for (table, n) in tables.iter().zip(before) {
        assert_eq!(
            t.count(table).await,
            n,
            "{table} changed on the second load"
        );
    }
    app.store().close().await;
}

/// When a step fails, the loader stops with an error that says the demo is incomplete (here: every
/// name a demo member could take is already taken, so no post is written).
async fn demo_failure_is_reported(t: TestApp) {
    let app = open_app(&t).await;
    for n in 1..=20 {
        let username = if n == 1 {
            "pete_fixes".to_string()
        } else {
            format!("pete_fixes{n}")
        };
        app.create_user(
            stoa_app::SignupInput {
                email: format!("{username}@example.com"),
                username,
                password: "correct horse battery".into(),
                ip: String::new(),
                device: None,
            },
            stoa_domain::account::Role::Member,
        )
        .await
        .unwrap();
    }
    let err = stoa::demo::load_if_empty(&app).await.unwrap_err();
    assert!(
        matches!(err, stoa::demo::DemoError::Partial { posts: 0, .. }),
        "{err:?}"
    );
    let message = err.to_string();
    assert!(
        message.contains("creating member pete_fixes") && message.contains("part of the demo"),
        "{message}"
    );
    assert_eq!(t.count("posts").await, 0);
    app.store().close().await;
}

/// Kills the server when the test ends, even when it fails.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The address in a `listening on http://ADDR` log line (colours or fields may follow it).
fn listening_addr(line: &str) -> Option<String> {
    let marker = "listening on http://";
    let rest = &line[line.find(marker)? + marker.len()..];
    let addr: String = rest
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | ':' | '[' | ']'))
        .collect();
    (!addr.is_empty()).then_some(addr)
}

/// Waits for a stderr line satisfying `found`, keeping every line for the failure message.
fn wait_for_line<T>(
    lines: &mpsc::Receiver<String>,
    seen: &mut Vec<String>,
    deadline: Instant,
    found: impl Fn(&str) -> Option<T>,
) -> T {
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match lines.recv_timeout(left) {
            Ok(line) => {
                let hit = found(&line);
                seen.push(line);
                if let Some(v) = hit {
                    return v;
                }
            }
            Err(e) => panic!(
                "no expected log line ({e}); stderr so far:\n{}",
                seen.join("\n")
            ),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_demo_binary_starts_with_content() {
    let summary = stoa::demo::summary().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("demo.db").display());
    let mut child = Command::new(env!("CARGO_BIN_EXE_stoa"))
        .args([
            "serve",
            "--demo",
            "--addr",
            "127.0.0.1:0",
            "--database-url",
            &db,
        ])
        .env_remove("STOA_ADDR")
        .env_remove("STOA_DATABASE_URL")
        .env_remove("STOA_LOG_FORMAT")
        .env("STOA_LOG", "info")
        .env("NO_COLOR", "1")
        .current_dir(dir.path())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let _server = Server(child);
    let (tx, lines) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut seen = Vec::new();
    // Reading stderr blocks; block_in_place keeps the runtime's other worker free meanwhile.
    // The demo is loaded before the server listens, so the first visitor sees all of it.
    tokio::task::block_in_place(|| {
        wait_for_line(&lines, &mut seen, deadline, |l| {
            l.contains("demo content loaded").then_some(())
        })
    });
    let addr =
        tokio::task::block_in_place(|| wait_for_line(&lines, &mut seen, deadline, listening_addr));
    let url = format!("http://{addr}/api/v1/questions?per_page=100");
    let res = crate::support::client().get(&url).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    assert!(len(&body["items"]) > 0, "{body}");
    assert_eq!(body["total"].as_i64().unwrap(), summary.questions as i64);
}

/// An operator's account with a demo member's name does not stop the demo: the member takes
/// the next free variant.
async fn demo_beside_existing_accounts(t: TestApp) {
    let (mira, _) = t.signup("mira_okafor").await;
    let app = open_app(&t).await;
    let summary = stoa::demo::summary().unwrap();
    assert_eq!(
        stoa::demo::load_if_empty(&app).await.unwrap(),
        summary.posts()
    );
    assert_eq!(t.count("users").await, summary.users as i64 + 1);
    let list = t.get_json("/api/v1/questions?per_page=100", None).await.1;
    let names: HashSet<&str> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| q["author"]["username"].as_str().unwrap())
        .collect();
    assert!(names.contains("mira_okafor2"), "{names:?}");
    let (_, user) = t.get_json(&format!("/api/v1/users/{mira}"), None).await;
    assert_eq!(
        user["reputation"], 1,
        "the operator's account is untouched: {user}"
    );
    app.store().close().await;
}
