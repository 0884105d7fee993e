//! The job queue across processes: `stoa worker` processes share one database, never run a job
//! twice, and a worker killed with SIGKILL in the middle of a batch leaves no message sent twice.

use crate::notifications::ask;
use crate::support::{header, postgres_url, spawn, Kind, SmtpSink, TestApp};
use std::collections::HashSet;
use std::process::{Child, Command};
use std::time::{Duration, Instant};

/// Followers of tag `bulk` who want e-mail at once for new questions in it, inserted directly
/// (sign-ups hash passwords, which would make the set-up the slowest part of the test).
async fn followers(t: &TestApp, n: usize) {
    let pool = t.db().await;
    for chunk in (0..n).collect::<Vec<_>>().chunks(100) {
        let rows: Vec<String> = chunk
            .iter()
            .map(|i| format!("('f{i}', 'f{i}', 'f{i}@example.com', 'f{i}@example.com', 1, 1, 1)"))
            .collect();
        sqlx::query(&format!(
            "INSERT INTO users (username, username_key, email, email_key, created_at, last_seen_at, email_confirmed_at)
             VALUES {}",
            rows.join(", ")
        ))
        .execute(&pool)
        .await
        .unwrap();
    }
    sqlx::query(
        "INSERT INTO follows (user_id, target_type, target, created_at)
         SELECT id, 'tag', 'bulk', 1 FROM users WHERE username LIKE 'f%'",
    )
    .execute(&pool)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO notification_settings (user_id, kind, channel)
         SELECT id, 'followed_tag', 'email' FROM users WHERE username LIKE 'f%'",
    )
    .execute(&pool)
    .await
    .unwrap();
    pool.close().await;
}

/// Starts `stoa worker` processes on the test's database, sending to `sink`.
fn workers(t: &TestApp, sink: &SmtpSink, n: usize, dir: &std::path::Path) -> Vec<Child> {
    let config = dir.join("worker.toml");
    std::fs::write(
        &config,
        format!(
            "[smtp]\nurl = \"{}\"\ndaily_cap = 1000\n[jobs]\npoll_ms = 20\nbatch = 8\nlease_secs = 3\nretry_base_secs = 1\n",
            sink.url()
        ),
    )
    .unwrap();
    (0..n)
        .map(|_| {
            Command::new(env!("CARGO_BIN_EXE_stoa"))
                .arg("worker")
                .arg("--database-url")
                .arg(&t.db_url)
                .arg("--config")
                .arg(&config)
                .env("STOA_LOG", "warn")
                .spawn()
                .expect("start stoa worker")
        })
        .collect()
}

fn message_ids(sink: &SmtpSink) -> Vec<String> {
    sink.messages()
        .iter()
        .filter_map(|m| header(m, "Message-ID"))
        .collect()
}

async fn wait_until(secs: u64, what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(secs);
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn queue_idle(t: &TestApp) -> bool {
    let pool = t.db().await;
    let (n,): (i64,) =
        sqlx::query_as("SELECT COUNT(*) FROM jobs WHERE done_at IS NULL AND dead_at IS NULL")
            .fetch_one(&pool)
            .await
            .unwrap();
    pool.close().await;
    n == 0
}

/// Four worker processes on one PostgreSQL: every message goes out exactly once and no job is
/// ever claimed twice.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn four_workers_share_the_queue_without_running_a_job_twice() {
    let Some(t) = spawn(Kind::Postgres, |c| c.jobs.worker_in_serve = false).await else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let sink = SmtpSink::start();
    const N: usize = 240;
    followers(&t, N).await;
    let (_, asker) = t.signup("asker").await;
    ask(
        &t,
        &asker,
        "Bulk question that many people follow",
        &["bulk"],
        "Everyone who follows the bulk tag should hear of this exactly once.",
    )
    .await;
    let mut procs = workers(&t, &sink, 4, dir.path());
    // N notifications, and the asker's confirmation request.
    let total = N + 1;
    wait_until(120, "every message", || sink.messages().len() >= total).await;
    let deadline = Instant::now() + Duration::from_secs(30);
    while !queue_idle(&t).await {
        assert!(Instant::now() < deadline, "queue never drained");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    for p in &mut procs {
        let _ = p.kill();
        let _ = p.wait();
    }
    let ids = message_ids(&sink);
    assert_eq!(ids.len(), total, "each message once");
    assert_eq!(
        ids.iter().collect::<HashSet<_>>().len(),
        total,
        "no Message-ID twice"
    );
    let pool = t.db().await;
    let (max_attempts, claimers): (i64, i64) =
        sqlx::query_as("SELECT MAX(attempts), COUNT(DISTINCT locked_by) FROM jobs")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(max_attempts, 1, "no job was claimed twice");
    assert!(
        claimers >= 2,
        "the work was shared ({claimers} workers claimed jobs)"
    );
    pool.close().await;
}

/// A worker killed with SIGKILL mid-batch: its claims expire, another worker finishes the
/// queue, and no message arrives twice (a message it was handing over at that moment may be
/// missing, and is logged as such: ADR 008).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_worker_never_causes_a_second_copy() {
    for kind in [Kind::Sqlite, Kind::Postgres] {
        if kind == Kind::Postgres && postgres_url().is_none() {
            continue;
        }
        let t = spawn(kind, |c| c.jobs.worker_in_serve = false)
            .await
            .unwrap();
        let dir = tempfile::tempdir().unwrap();
        let sink = SmtpSink::start();
        const N: usize = 200;
        followers(&t, N).await;
        let (_, asker) = t.signup("asker").await;
        ask(
            &t,
            &asker,
            "Another question that many people follow",
            &["bulk"],
            "Whatever happens to the worker, nobody should get this twice.",
        )
        .await;
        let mut first = workers(&t, &sink, 1, dir.path());
        wait_until(60, "the first messages", || sink.messages().len() >= 40).await;
        first[0].kill().unwrap(); // SIGKILL
        first[0].wait().unwrap();
        let at_kill = sink.messages().len();
        assert!(at_kill < N + 1, "the worker was killed mid-way ({at_kill})");
        let mut second = workers(&t, &sink, 1, dir.path());
        let deadline = Instant::now() + Duration::from_secs(90);
        while !queue_idle(&t).await {
            assert!(Instant::now() < deadline, "queue never drained");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
        second[0].kill().unwrap();
        second[0].wait().unwrap();
        let ids = message_ids(&sink);
        let unique: HashSet<_> = ids.iter().collect();
        assert_eq!(unique.len(), ids.len(), "a message arrived twice");
        let pool = t.db().await;
        let (unknown,): (i64,) =
            sqlx::query_as("SELECT COUNT(*) FROM mail_log WHERE status = 'unknown'")
                .fetch_one(&pool)
                .await
                .unwrap();
        pool.close().await;
        // Only messages in the killed worker's hands (one batch) can be in doubt (each of them
        // arrived or not, never twice); every other one arrived.
        assert!(unknown <= 8, "{unknown} messages in doubt");
        assert!(ids.len() <= N + 1, "{kind:?}");
        assert!(
            ids.len() as i64 + unknown >= (N + 1) as i64,
            "{kind:?}: {} arrived, {unknown} in doubt",
            ids.len()
        );
    }
}
