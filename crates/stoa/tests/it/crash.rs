//! No lost writes: the real `stoa serve` binary takes questions, answers and votes from four
//! writers, is killed with SIGKILL in the middle, and restarted on the same database. Every
//! write it acknowledged is there, and nothing is half-written: reputation equals its ledger,
//! scores and answer counts equal their rows, and the search index holds exactly the live
//! questions. A short run (about two seconds of load) on both backends.

use crate::support::{client, free_port, fresh_database, Kind};
use serde_json::{json, Value};
use sqlx::Row;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const WORDS: &[&str] = &[
    "router", "printer", "battery", "screen", "update", "driver", "cable", "network", "password",
    "account", "backup", "sync", "folder", "camera", "speaker", "keyboard", "mouse", "monitor",
    "firmware", "reset", "signal", "channel", "laptop", "phone", "tablet", "charger", "adapter",
    "settings", "profile", "install", "restart", "error", "warning", "slow", "noisy", "blank",
];

/// A sentence no other call makes, so the spam rules see no duplicates.
fn text(seed: u64, words: usize) -> String {
    let mut x = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    (0..words)
        .map(|_| {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            WORDS[(x >> 33) as usize % WORDS.len()]
        })
        .collect::<Vec<_>>()
        .join(" ")
}

struct Server {
    child: Child,
    base: String,
}

async fn start(url: &str) -> Server {
    let port = free_port();
    let child = Command::new(env!("CARGO_BIN_EXE_stoa"))
        .args([
            "serve",
            "--addr",
            &format!("127.0.0.1:{port}"),
            "--database-url",
            url,
        ])
        .env("STOA_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start stoa serve");
    let base = format!("http://127.0.0.1:{port}");
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Ok(r) = client().get(format!("{base}/healthz")).send().await {
            if r.status() == 200 {
                break;
            }
        }
        assert!(Instant::now() < deadline, "stoa serve never answered");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Server { child, base }
}

async fn call(
    base: &str,
    method: reqwest::Method,
    path: &str,
    token: Option<&str>,
    body: Value,
) -> Option<(u16, Value)> {
    let mut req = client()
        .request(method, format!("{base}/api/v1{path}"))
        .timeout(Duration::from_secs(5))
        .json(&body);
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let res = req.send().await.ok()?;
    let status = res.status().as_u16();
    let v = res.json().await.ok()?;
    Some((status, v))
}

#[derive(Default)]
struct Acked {
    questions: Vec<i64>,
    answers: Vec<i64>,
    votes: Vec<(i64, i64)>,
}

async fn crash_and_recover(kind: Kind) {
    let dir = tempfile::tempdir().unwrap();
    let Some(url) = fresh_database(kind, dir.path()).await else {
        return;
    };
    let server = start(&url).await;
    let base = server.base.clone();
    let cfg = stoa::config::Config {
        database_url: stoa::config::Secret(url.clone()),
        ..stoa::config::Config::default()
    };
    stoa::commands::create_user(
        &cfg,
        "root",
        "root@example.org",
        "admin",
        "correct horse battery",
    )
    .await
    .unwrap();
    let (_, v) = call(
        &base,
        reqwest::Method::POST,
        "/auth/login",
        None,
        json!({"login": "root", "password": "correct horse battery"}),
    )
    .await
    .unwrap();
    let admin = v["token"].as_str().unwrap().to_string();
    let (_, mut settings) = call(
        &base,
        reqwest::Method::GET,
        "/governance/settings",
        None,
        json!(null),
    )
    .await
    .unwrap();
    let mut s = settings["settings"].take();
    for key in ["per_user", "per_ip", "new_user_posts"] {
        s["limits"][key] = json!({"max": 1_000_000, "window_secs": 60});
    }
    let (status, v) = call(
        &base,
        reqwest::Method::PUT,
        "/governance/settings",
        Some(&admin),
        s,
    )
    .await
    .unwrap();
    assert_eq!(status, 200, "{v}");
    let mut writers = Vec::new();
    for i in 0..4 {
        let name = format!("writer{i}");
        let (status, v) = call(&base, reqwest::Method::POST, "/auth/signup", None, json!({"username": name, "email": format!("{name}@example.com"), "password": "correct horse battery"})).await.unwrap();
        assert_eq!(status, 201, "{v}");
        writers.push((
            v["user"]["id"].as_i64().unwrap(),
            v["token"].as_str().unwrap().to_string(),
        ));
    }

    // Four writers: each asks, answers the others' questions and up-votes the others' answers.
    let acked = Arc::new(Mutex::new(Acked::default()));
    let stop = Arc::new(AtomicBool::new(false));
    let open_questions: Arc<Mutex<Vec<(i64, i64)>>> = Arc::default();
    let open_answers: Arc<Mutex<Vec<(i64, i64)>>> = Arc::default();
    let mut tasks = Vec::new();
    for (w, (me, token)) in writers.into_iter().enumerate() {
        let (acked, stop, qs, ans, base) = (
            acked.clone(),
            stop.clone(),
            open_questions.clone(),
            open_answers.clone(),
            base.clone(),
        );
        tasks.push(tokio::spawn(async move {
            let mut n = 0_u64;
            while !stop.load(Ordering::SeqCst) {
                n += 1;
                let seed = (w as u64) << 32 | n;
                let title = format!("How do I fix the {} {}", text(seed, 3), n);
                if let Some((201, v)) = call(
                    &base,
                    reqwest::Method::POST,
                    "/questions",
                    Some(&token),
                    json!({"title": title, "body": text(seed + 7, 24), "tags": ["help"]}),
                )
                .await
                {
                    let id = v["id"].as_i64().unwrap();
                    acked.lock().unwrap().questions.push(id);
                    qs.lock().unwrap().push((id, me));
                }
                let target = qs
                    .lock()
                    .unwrap()
                    .iter()
                    .rev()
                    .find(|(_, a)| *a != me)
                    .copied();
                if let Some((q, _)) = target {
                    if let Some((201, v)) = call(
                        &base,
                        reqwest::Method::POST,
                        &format!("/questions/{q}/answers"),
                        Some(&token),
                        json!({"body": text(seed + 13, 20)}),
                    )
                    .await
                    {
                        let id = v["id"].as_i64().unwrap();
                        acked.lock().unwrap().answers.push(id);
                        ans.lock().unwrap().push((id, me));
                    }
                }
                let target = ans
                    .lock()
                    .unwrap()
                    .iter()
                    .rev()
                    .find(|(_, a)| *a != me)
                    .copied();
                if let Some((a, _)) = target {
                    if let Some((200, _)) = call(
                        &base,
                        reqwest::Method::POST,
                        &format!("/posts/{a}/vote"),
                        Some(&token),
                        json!({"value": 1}),
                    )
                    .await
                    {
                        acked.lock().unwrap().votes.push((a, me));
                    }
                }
            }
        }));
    }
    tokio::time::sleep(Duration::from_millis(2000)).await;
    let mut server = server;
    server.child.kill().expect("SIGKILL");
    let _ = server.child.wait();
    stop.store(true, Ordering::SeqCst);
    for t in tasks {
        let _ = t.await;
    }
    let acked = std::mem::take(&mut *acked.lock().unwrap());
    eprintln!(
        "{kind:?}: killed after {} questions, {} answers and {} votes were acknowledged",
        acked.questions.len(),
        acked.answers.len(),
        acked.votes.len()
    );
    assert!(
        acked.questions.len() > 5,
        "the load ran: {} questions",
        acked.questions.len()
    );

    // Restarted on the same database: everything acknowledged is there, nothing half-written.
    let mut again = start(&url).await;
    sqlx::any::install_default_drivers();
    let db = sqlx::AnyPool::connect(&url).await.unwrap();
    let ids = |sql: &'static str| {
        let db = db.clone();
        async move {
            sqlx::query(sql)
                .fetch_all(&db)
                .await
                .unwrap()
                .iter()
                .map(|r| r.try_get::<i64, _>(0).unwrap())
                .collect::<std::collections::HashSet<i64>>()
        }
    };
    let questions = ids("SELECT id FROM posts WHERE kind = 'question'").await;
    let answers = ids("SELECT id FROM posts WHERE kind = 'answer'").await;
    for q in &acked.questions {
        assert!(questions.contains(q), "acknowledged question {q} is lost");
    }
    for a in &acked.answers {
        assert!(answers.contains(a), "acknowledged answer {a} is lost");
    }
    for (post, voter) in &acked.votes {
        let n: i64 = sqlx::query("SELECT COUNT(*) FROM votes WHERE post_id = $1 AND user_id = $2")
            .bind(post)
            .bind(voter)
            .fetch_one(&db)
            .await
            .unwrap()
            .try_get(0)
            .unwrap();
        assert_eq!(n, 1, "acknowledged vote on {post} by {voter} is lost");
    }
    let bad = |sql: &'static str| {
        let db = db.clone();
        async move {
            let n: i64 = sqlx::query(sql)
                .fetch_one(&db)
                .await
                .unwrap()
                .try_get(0)
                .unwrap();
            assert_eq!(n, 0, "{sql}");
        }
    };
    bad("SELECT COUNT(*) FROM users u WHERE u.reputation <> 1 + COALESCE((SELECT CAST(SUM(e.delta) AS BIGINT) FROM reputation_events e WHERE e.user_id = u.id), 0)").await;
    bad("SELECT COUNT(*) FROM posts p WHERE p.score <> COALESCE((SELECT CAST(SUM(v.value) AS BIGINT) FROM votes v WHERE v.post_id = p.id), 0)").await;
    bad("SELECT COUNT(*) FROM posts q WHERE q.kind = 'question' AND q.answer_count <> (SELECT COUNT(*) FROM posts a WHERE a.parent_id = q.id AND a.kind = 'answer' AND a.deleted_at IS NULL AND a.status = 'published')").await;
    let live = ids("SELECT id FROM posts WHERE kind = 'question' AND deleted_at IS NULL AND status = 'published'").await;
    let indexed = ids("SELECT post_id FROM search_docs").await;
    assert_eq!(live, indexed, "the search documents are the live questions");
    let fts = match kind {
        Kind::Sqlite => ids("SELECT rowid FROM search_fts").await,
        Kind::Postgres => ids("SELECT post_id FROM search_fts").await,
    };
    assert_eq!(fts, indexed, "the search index matches its documents");
    db.close().await;
    let _ = again.child.kill();
    let _ = again.child.wait();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_survives_sigkill() {
    crash_and_recover(Kind::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_survives_sigkill() {
    crash_and_recover(Kind::Postgres).await;
}
