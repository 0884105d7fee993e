//! Webhooks end to end: a real HTTP receiver on a free port checks each delivery's signature on
//! its own (and once with Python's hmac module, as docs/webhooks.md shows), fails on purpose to
//! exercise the retry schedule, and records what members and administrators hear of.

use crate::support::{assert_error, spawn, Kind, TestApp};
use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// One request the receiver got.
#[derive(Debug, Clone)]
struct Hit {
    path: String,
    headers: HashMap<String, String>,
    body: String,
    answered: u16,
}

/// An HTTP receiver on 127.0.0.1:0 that answers 500 to the first `fail` requests, then 200.
struct Receiver {
    base: String,
    hits: Arc<Mutex<Vec<Hit>>>,
    fail: Arc<AtomicUsize>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Receiver {
    async fn start(fail: usize) -> Receiver {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let hits: Arc<Mutex<Vec<Hit>>> = Arc::default();
        let fail = Arc::new(AtomicUsize::new(fail));
        let (h, f) = (hits.clone(), fail.clone());
        let task = tokio::spawn(async move {
            while let Ok((s, _)) = listener.accept().await {
                let (h, f) = (h.clone(), f.clone());
                tokio::spawn(async move { serve(s, h, f).await });
            }
        });
        Receiver {
            base,
            hits,
            fail,
            task,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    fn hits(&self) -> Vec<Hit> {
        self.hits.lock().unwrap().clone()
    }

    fn hits_on(&self, path: &str) -> Vec<Hit> {
        self.hits().into_iter().filter(|h| h.path == path).collect()
    }

    /// Waits (with a deadline) until `n` requests arrived.
    async fn wait(&self, n: usize) -> Vec<Hit> {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let hits = self.hits();
            if hits.len() >= n {
                return hits;
            }
            assert!(
                Instant::now() < deadline,
                "expected {n} deliveries, got {}: {hits:#?}",
                hits.len()
            );
            tokio::time::sleep(Duration::from_millis(30)).await;
        }
    }
}

async fn serve(mut s: TcpStream, hits: Arc<Mutex<Vec<Hit>>>, fail: Arc<AtomicUsize>) {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        let n = s.read(&mut chunk).await.unwrap_or(0);
        if n == 0 {
            return;
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).to_string();
    let mut lines = head.split("\r\n");
    let path = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .unwrap_or("")
        .to_string();
    let headers: HashMap<String, String> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let len: usize = headers
        .get("content-length")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    while buf.len() < head_end + len {
        let n = s.read(&mut chunk).await.unwrap_or(0);
        if n == 0 {
            break;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    let body = String::from_utf8_lossy(&buf[head_end..]).to_string();
    let failing = fail
        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
        .is_ok();
    let answered = if failing { 500 } else { 200 };
    hits.lock().unwrap().push(Hit {
        path,
        headers,
        body,
        answered,
    });
    let text = if failing { "receiver down" } else { "ok" };
    let reply = format!(
        "HTTP/1.1 {answered} X\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{text}",
        text.len()
    );
    let _ = s.write_all(reply.as_bytes()).await;
    let _ = s.shutdown().await;
}

/// Checks `Stoa-Signature: t=…,v1=…` against HMAC-SHA256(secret, t + "." + body).
fn verify(hit: &Hit, secret: &str) {
    let header = hit.headers.get("stoa-signature").expect("signed");
    let (t, v1) = header
        .split_once(',')
        .map(|(t, v)| (t.trim_start_matches("t="), v.trim_start_matches("v1=")))
        .unwrap();
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("{t}.{}", hit.body).as_bytes());
    let want: String = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(v1, want, "signature of {hit:?}");
    let age = stoa_app::now() - t.parse::<i64>().unwrap();
    assert!((0..300).contains(&age), "timestamp {t}");
}

/// The verification snippet of docs/webhooks.md, run by Python on one delivery.
fn verify_with_python(hit: &Hit, secret: &str) {
    let script = r#"
import hashlib, hmac, sys
def verify(secret, header, body, tolerance=300):
    import time
    parts = dict(p.split("=", 1) for p in header.split(","))
    t = parts["t"]
    expected = hmac.new(secret.encode(), t.encode() + b"." + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, parts["v1"]) and abs(time.time() - int(t)) <= tolerance
secret, header = sys.argv[1], sys.argv[2]
print("valid" if verify(secret, header, sys.stdin.buffer.read()) else "INVALID")
"#;
    let mut child = std::process::Command::new("python3")
        .arg("-c")
        .arg(script)
        .arg(secret)
        .arg(&hit.headers["stoa-signature"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("python3");
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(hit.body.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "valid");
}

/// Runs `test` on both backends with the SSRF guard off (the receiver is on loopback).
macro_rules! with_private {
    ($($name:ident),* $(,)?) => {
        $(
            mod $name {
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    let t = crate::support::spawn(crate::support::Kind::Sqlite, |c| c.webhooks_allow_private = true).await.expect("sqlite");
                    super::$name(t).await;
                }
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    if let Some(t) = crate::support::spawn(crate::support::Kind::Postgres, |c| c.webhooks_allow_private = true).await {
                        super::$name(t).await;
                    }
                }
            }
        )*
    };
}

crate::both!(registration_is_validated);
with_private!(
    deliveries_are_signed_retried_and_redelivered,
    a_webhook_failing_for_a_day_is_disabled_and_its_owner_told,
    members_hear_of_their_own_content_and_admins_of_everything,
    tokens_scope_webhooks,
    tickets_flags_and_moderation_reach_webhooks,
);

/// The delivery-time guard: a webhook registered while private addresses were allowed is not
/// called once they are not.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_guard_applies_at_delivery_time() {
    for kind in [Kind::Sqlite, Kind::Postgres] {
        let Some(mut t) = spawn(kind, |c| c.webhooks_allow_private = true).await else {
            continue;
        };
        let rx = Receiver::start(0).await;
        let (_, ann) = t.signup("ann").await;
        let (s, w) = t
            .post_json(
                "/api/v1/webhooks",
                Some(&ann),
                json!({"url": rx.url("/ann"), "events": ["question.created"]}),
            )
            .await;
        assert_eq!(s, 201, "{w}");
        t.cfg.webhooks_allow_private = false;
        t.restart().await;
        let id = ask(&t, &ann, "Pairing the remote fails every time").await;
        assert!(id > 0);
        t.settle().await;
        let log = deliveries(&t, &ann, w["id"].as_i64().unwrap()).await;
        let d = &log["items"][0];
        assert_eq!(d["status"], "retrying", "{log}");
        assert!(
            d["error"].as_str().unwrap().contains("127.0.0.1"),
            "the guard names the address: {d}"
        );
        assert!(rx.hits().is_empty(), "nothing reached the receiver");
    }
}

async fn ask(t: &TestApp, token: &str, title: &str) -> i64 {
    let (s, q) = t
        .post_json(
            "/api/v1/questions",
            Some(token),
            json!({"title": title, "body": format!("{title}: I tried holding the button, but nothing blinks at all."), "tags": ["remote"]}),
        )
        .await;
    assert_eq!(s, 201, "{q}");
    q["id"].as_i64().unwrap()
}

async fn deliveries(t: &TestApp, token: &str, webhook: i64) -> Value {
    let (s, v) = t
        .get_json(
            &format!("/api/v1/webhooks/{webhook}/deliveries"),
            Some(token),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    v
}

/// Makes the next scheduled try due now (the schedule itself is checked before).
async fn pull_retries_forward(t: &TestApp) {
    let pool = t.db().await;
    sqlx::query("UPDATE jobs SET run_at = 0 WHERE kind = 'webhook.deliver' AND done_at IS NULL")
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;
}

/// `(attempts, last_attempt_at, next_attempt_at)` of a delivery as stored.
async fn timing(t: &TestApp, delivery: i64) -> (i64, Option<i64>, Option<i64>) {
    let pool = t.db().await;
    let row: (i64, Option<i64>, Option<i64>) = sqlx::query_as(
        "SELECT attempts, last_attempt_at, next_attempt_at FROM webhook_deliveries WHERE id = $1",
    )
    .bind(delivery)
    .fetch_one(&pool)
    .await
    .unwrap();
    pool.close().await;
    row
}

async fn registration_is_validated(t: TestApp) {
    let (_, ann) = t.signup("ann").await;
    let post = |body: Value| t.post_json("/api/v1/webhooks", Some(&ann), body);
    let (s, _) = t
        .post_json(
            "/api/v1/webhooks",
            None,
            json!({"url": "https://93.184.215.14/hook", "events": ["question.created"]}),
        )
        .await;
    assert_eq!(s, 401);
    for (body, code) in [
        (
            json!({"url": "ftp://93.184.215.14/hook", "events": ["question.created"]}),
            "invalid_webhook_url",
        ),
        (
            json!({"url": "not a url", "events": ["question.created"]}),
            "invalid_webhook_url",
        ),
        (
            json!({"url": "http://user:pw@93.184.215.14/", "events": ["question.created"]}),
            "invalid_webhook_url",
        ),
        (
            json!({"url": "http://127.0.0.1:9/hook", "events": ["question.created"]}),
            "webhook_url_forbidden",
        ),
        (
            json!({"url": "http://localhost:9/hook", "events": ["question.created"]}),
            "webhook_url_forbidden",
        ),
        (
            json!({"url": "http://169.254.169.254/latest/meta-data", "events": ["question.created"]}),
            "webhook_url_forbidden",
        ),
        (
            json!({"url": "http://[fd12::1]/hook", "events": ["question.created"]}),
            "webhook_url_forbidden",
        ),
        (
            json!({"url": "https://93.184.215.14/hook", "events": ["question.exploded"]}),
            "invalid_webhook_events",
        ),
        (
            json!({"url": "https://93.184.215.14/hook", "events": []}),
            "invalid_webhook_events",
        ),
        (
            json!({"url": "https://93.184.215.14/hook", "events": ["question.created"], "secret": "short"}),
            "invalid_webhook_secret",
        ),
    ] {
        let (s, v) = post(body.clone()).await;
        assert_eq!(s, 422, "{body} → {v}");
        assert_error(&v, code);
    }
    assert_eq!(t.count("webhooks").await, 0, "bad input changes nothing");

    let (s, w) = post(json!({"url": "https://93.184.215.14/hook", "events": ["question.created", "answer.created"]})).await;
    assert_eq!(s, 201, "{w}");
    assert!(w["secret"].as_str().unwrap().starts_with("whsec_"), "{w}");
    assert_eq!(w["scope"], "own");
    assert_eq!(w["events"], json!(["question.created", "answer.created"]));
    let (s, w2) = post(json!({"url": "https://93.184.215.14/other", "events": ["post.edited"], "secret": "my-own-secret-0123456789"})).await;
    assert_eq!(s, 201, "{w2}");
    assert!(w2["secret"].is_null(), "a chosen secret is not echoed");
    let (s, list) = t.get_json("/api/v1/webhooks", Some(&ann)).await;
    assert_eq!(s, 200);
    assert_eq!(list["items"].as_array().unwrap().len(), 2);
    assert!(
        list["items"][0].get("secret").is_none(),
        "secrets are shown once"
    );
    let (s, v) = t
        .send_json(
            "PATCH",
            &format!("/api/v1/webhooks/{}", w["id"]),
            Some(&ann),
            Some(json!({"url": "http://10.0.0.8/x"})),
        )
        .await;
    assert_eq!(s, 422);
    assert_error(&v, "webhook_url_forbidden");
    let (s, _) = t
        .send_json(
            "DELETE",
            &format!("/api/v1/webhooks/{}", w["id"]),
            Some(&ann),
            None,
        )
        .await;
    assert_eq!(s, 204);
    let (s, _) = t
        .get_json(&format!("/api/v1/webhooks/{}", w["id"]), Some(&ann))
        .await;
    assert_eq!(s, 404);
}

async fn deliveries_are_signed_retried_and_redelivered(t: TestApp) {
    let rx = Receiver::start(2).await;
    let (admin_id, admin) = t.signup("root").await;
    t.make_admin(admin_id).await;
    let (_, ann) = t.signup("ann").await;
    let secret = "a-secret-of-our-own-1234";
    let (s, w) = t
        .post_json(
            "/api/v1/webhooks",
            Some(&admin),
            json!({"url": rx.url("/hook"), "events": ["question.created"], "secret": secret}),
        )
        .await;
    assert_eq!(s, 201, "{w}");
    assert_eq!(
        w["scope"], "site",
        "an administrator's webhook hears of everything"
    );
    let wid = w["id"].as_i64().unwrap();
    let q = ask(&t, &ann, "The receiver never pairs with the remote").await;

    // First try: 500, the next is scheduled a minute later.
    let hits = rx.wait(1).await;
    t.settle().await;
    let log = deliveries(&t, &admin, wid).await;
    assert_eq!(log["total"], 1, "{log}");
    let d = &log["items"][0];
    let did = d["id"].as_i64().unwrap();
    assert_eq!(
        (
            d["status"].as_str(),
            d["attempts"].as_i64(),
            d["response_code"].as_i64()
        ),
        (Some("retrying"), Some(1), Some(500)),
        "{d}"
    );
    assert_eq!(d["response_excerpt"], "receiver down");
    assert_eq!(d["error"], "HTTP 500");
    let (_, last, next) = timing(&t, did).await;
    assert_eq!(next.unwrap() - last.unwrap(), 60);

    // Second try: 500 again, five minutes later.
    pull_retries_forward(&t).await;
    rx.wait(2).await;
    t.settle().await;
    let (n, last, next) = timing(&t, did).await;
    assert_eq!((n, next.unwrap() - last.unwrap()), (2, 300));

    // Third try: accepted.
    pull_retries_forward(&t).await;
    let hits3 = rx.wait(3).await;
    t.settle().await;
    let log = deliveries(&t, &admin, wid).await;
    let d = &log["items"][0];
    assert_eq!(
        (
            d["status"].as_str(),
            d["attempts"].as_i64(),
            d["response_code"].as_i64()
        ),
        (Some("delivered"), Some(3), Some(200)),
        "{d}"
    );
    assert!(d["delivered_at"].is_string() && d["next_attempt_at"].is_null());

    // Every try: the same delivery, signed, with its event; the payload says what happened.
    for h in &hits3 {
        verify(h, secret);
        assert_eq!(h.path, "/hook");
        assert_eq!(h.headers["stoa-event"], "question.created");
        assert_eq!(h.headers["stoa-delivery"], did.to_string());
        assert_eq!(h.headers["content-type"], "application/json");
    }
    assert_eq!(
        hits3.iter().map(|h| h.answered).collect::<Vec<_>>(),
        vec![500, 500, 200]
    );
    verify_with_python(&hits[0], secret);
    let body: Value = serde_json::from_str(&hits3[2].body).unwrap();
    assert_eq!(body["event"], "question.created");
    assert!(body["id"].as_str().unwrap().starts_with("evt_"));
    assert!(body["created_at"].is_i64());
    assert_eq!(body["data"]["post"]["id"], q);
    assert_eq!(body["data"]["post"]["kind"], "question");
    assert_eq!(
        body["data"]["post"]["title"],
        "The receiver never pairs with the remote"
    );
    assert_eq!(body["data"]["post"]["author"]["username"], "ann");
    assert!(body["data"]["post"]["url"]
        .as_str()
        .unwrap()
        .ends_with(&format!(
            "/questions/{q}/the-receiver-never-pairs-with-the-remote"
        )));
    let (s, w) = t
        .get_json(&format!("/api/v1/webhooks/{wid}"), Some(&admin))
        .await;
    assert_eq!(s, 200);
    assert_eq!(
        (w["failure_streak"].as_i64(), w["active"].as_bool()),
        (Some(0), Some(true))
    );

    // Redelivery: a new delivery of the same event, signed anew.
    let (s, r) = t
        .post_json(
            &format!("/api/v1/webhooks/{wid}/deliveries/{did}/redeliver"),
            Some(&admin),
            json!({}),
        )
        .await;
    assert_eq!(s, 202, "{r}");
    assert_eq!(r["redelivery_of"], did);
    assert_eq!(r["status"], "pending");
    let hits = rx.wait(4).await;
    t.settle().await;
    let again = &hits[3];
    verify(again, secret);
    assert_eq!(again.headers["stoa-delivery"], r["id"].to_string());
    assert_eq!(again.body, hits3[2].body, "the same payload");
    let log = deliveries(&t, &admin, wid).await;
    assert_eq!(log["total"], 2);
    assert_eq!(log["items"][0]["status"], "delivered");
    assert_eq!(log["items"][0]["event_id"], log["items"][1]["event_id"]);
    let (s, v) = t
        .post_json(
            &format!("/api/v1/webhooks/{wid}/deliveries/999999/redeliver"),
            Some(&admin),
            json!({}),
        )
        .await;
    assert_eq!(s, 404, "{v}");
}

async fn a_webhook_failing_for_a_day_is_disabled_and_its_owner_told(t: TestApp) {
    let rx = Receiver::start(usize::MAX).await;
    let (_, ann) = t.signup("ann").await;
    let (s, w) = t
        .post_json(
            "/api/v1/webhooks",
            Some(&ann),
            json!({"url": rx.url("/down"), "events": ["question.created"]}),
        )
        .await;
    assert_eq!(s, 201, "{w}");
    let wid = w["id"].as_i64().unwrap();
    ask(&t, &ann, "My remote lost its pairing overnight").await;
    let mut waits = Vec::new();
    for n in 1..=7 {
        rx.wait(n).await;
        t.settle().await;
        let log = deliveries(&t, &ann, wid).await;
        let did = log["items"][0]["id"].as_i64().unwrap();
        let (attempts, last, next) = timing(&t, did).await;
        assert_eq!(attempts, n as i64);
        if let (Some(l), Some(x)) = (last, next) {
            waits.push(x - l);
        }
        pull_retries_forward(&t).await;
    }
    assert_eq!(waits, vec![60, 300, 1800, 7200, 21_600, 54_000]);
    t.settle().await;
    assert_eq!(rx.hits().len(), 7, "seven tries, then no more");

    let log = deliveries(&t, &ann, wid).await;
    let d = &log["items"][0];
    assert_eq!(
        (d["status"].as_str(), d["attempts"].as_i64()),
        (Some("failed"), Some(7)),
        "{d}"
    );
    assert!(d["next_attempt_at"].is_null());
    let (_, w) = t
        .get_json(&format!("/api/v1/webhooks/{wid}"), Some(&ann))
        .await;
    assert_eq!(w["active"], false, "{w}");
    assert!(w["disabled_at"].is_string());
    assert_eq!(w["failure_streak"], 7);
    assert!(w["disabled_reason"].as_str().unwrap().contains("HTTP 500"));

    // The owner hears of it through the notifications (in the app, and by e-mail if chosen).
    let (s, n) = t.get_json("/api/v1/notifications", Some(&ann)).await;
    assert_eq!(s, 200);
    let notice = n["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["kind"] == "webhook")
        .unwrap_or_else(|| panic!("no webhook notice: {n}"));
    assert!(
        notice["text"].as_str().unwrap().contains("was disabled"),
        "{notice}"
    );
    assert_eq!(
        notice["url"]
            .as_str()
            .map(|u| u.ends_with(&format!("/settings/webhooks#webhook-{wid}"))),
        Some(true),
        "{notice}"
    );

    // The settings page shows it off, with the reason; Bob does not see Ann's webhook.
    let (browser, csrf) = t.browser("ann").await;
    let page = browser
        .get(t.url("/settings/webhooks"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains(&rx.url("/down")) && page.contains("Turn back on"),
        "{page}"
    );
    assert!(page.contains("HTTP 500"));
    let (_, _bob) = t.signup("bob").await;
    let (bob_browser, _) = t.browser("bob").await;
    let other = bob_browser
        .get(t.url("/settings/webhooks"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!other.contains(&rx.url("/down")));

    // A disabled webhook receives nothing and cannot be redelivered to.
    ask(&t, &ann, "The remote blinks red three times").await;
    t.settle().await;
    assert_eq!(rx.hits().len(), 7);
    let did = d["id"].as_i64().unwrap();
    let (s, v) = t
        .post_json(
            &format!("/api/v1/webhooks/{wid}/deliveries/{did}/redeliver"),
            Some(&ann),
            json!({}),
        )
        .await;
    assert_eq!(s, 409);
    assert_error(&v, "webhook_disabled");

    // Turned back on (from the page), it works again from the next event.
    rx.fail.store(0, Ordering::SeqCst);
    let res = browser
        .post(t.url(&format!("/settings/webhooks/{wid}/enable")))
        .form(&[("csrf_token", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let (s, w) = t
        .get_json(&format!("/api/v1/webhooks/{wid}"), Some(&ann))
        .await;
    assert_eq!(s, 200, "{w}");
    assert_eq!(
        (w["active"].as_bool(), w["failure_streak"].as_i64()),
        (Some(true), Some(0))
    );
    assert!(w["disabled_at"].is_null());
    ask(&t, &ann, "Pairing works after a battery change").await;
    let hits = rx.wait(8).await;
    assert_eq!(hits[7].answered, 200);
}

async fn members_hear_of_their_own_content_and_admins_of_everything(t: TestApp) {
    let rx = Receiver::start(0).await;
    let (root_id, root) = t.signup("root").await;
    t.make_admin(root_id).await;
    let (_, ann) = t.signup("ann").await;
    let (_, bob) = t.signup("bob").await;
    let register = |token: String, path: &'static str, events: Value| {
        let t = &t;
        let url = rx.url(path);
        async move {
            let (s, w) = t
                .post_json(
                    "/api/v1/webhooks",
                    Some(&token),
                    json!({"url": url, "events": events}),
                )
                .await;
            assert_eq!(s, 201, "{w}");
            w["id"].as_i64().unwrap()
        }
    };
    let ann_hook = register(
        ann.clone(),
        "/ann",
        json!([
            "question.created",
            "answer.created",
            "answer.accepted",
            "post.edited",
            "post.deleted"
        ]),
    )
    .await;
    let bob_hook = register(bob.clone(), "/bob", json!(["question.created"])).await;
    let root_hook = register(
        root.clone(),
        "/root",
        json!([
            "question.created",
            "answer.created",
            "answer.accepted",
            "post.deleted",
            "moderation.action"
        ]),
    )
    .await;

    let q = ask(&t, &bob, "Which batteries does the remote take?").await;
    let (s, a) = t
        .post_json(
            &format!("/api/v1/questions/{q}/answers"),
            Some(&ann),
            json!({"body": "Two AAA cells; the compartment is under the sliding cover."}),
        )
        .await;
    assert_eq!(s, 201, "{a}");
    let aid = a["id"].as_i64().unwrap();
    t.settle().await;
    let (s, v) = t
        .post_json(
            &format!("/api/v1/questions/{q}/accept"),
            Some(&bob),
            json!({"answer_id": aid}),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    let own = ask(&t, &ann, "Can the remote learn other devices?").await;
    t.settle().await;
    let (s, v) = t
        .send_json("DELETE", &format!("/api/v1/posts/{own}"), Some(&ann), None)
        .await;
    assert!(s == 204 || s == 200, "{s} {v}");
    t.settle().await;

    let events = |path: &str| -> Vec<String> {
        rx.hits_on(path)
            .iter()
            .map(|h| h.headers["stoa-event"].clone())
            .collect()
    };
    // Ann: her answer, its acceptance, her own question and its deletion — not Bob's question.
    let mut ann_events = events("/ann");
    ann_events.sort();
    assert_eq!(
        ann_events,
        vec![
            "answer.accepted",
            "answer.created",
            "post.deleted",
            "question.created"
        ],
    );
    // Bob: only his own question (he chose no other event; Ann's question is not his).
    assert_eq!(events("/bob"), vec!["question.created"]);
    // The administrator's site webhook: everything it subscribed to.
    let mut root_events = events("/root");
    root_events.sort();
    assert_eq!(
        root_events,
        vec![
            "answer.accepted",
            "answer.created",
            "post.deleted",
            "question.created",
            "question.created"
        ],
    );
    let accepted: Value = serde_json::from_str(
        &rx.hits_on("/ann")
            .iter()
            .find(|h| h.headers["stoa-event"] == "answer.accepted")
            .unwrap()
            .body,
    )
    .unwrap();
    assert_eq!(accepted["data"]["question"]["id"], q);
    assert_eq!(accepted["data"]["answer"]["id"], aid);
    let deleted: Value = serde_json::from_str(
        &rx.hits_on("/root")
            .iter()
            .find(|h| h.headers["stoa-event"] == "post.deleted")
            .unwrap()
            .body,
    )
    .unwrap();
    assert_eq!(deleted["data"]["post"]["id"], own);
    assert!(
        deleted["data"]["post"].get("body").is_none(),
        "deleted text is not sent"
    );

    // Visibility: members see their own webhooks; administrators see all.
    let (_, list) = t.get_json("/api/v1/webhooks", Some(&ann)).await;
    let ids: Vec<i64> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, vec![ann_hook]);
    let (_, list) = t.get_json("/api/v1/webhooks", Some(&root)).await;
    assert_eq!(list["items"].as_array().unwrap().len(), 3);
    for path in [
        format!("/api/v1/webhooks/{bob_hook}"),
        format!("/api/v1/webhooks/{bob_hook}/deliveries"),
        format!("/api/v1/webhooks/{root_hook}"),
    ] {
        let (s, v) = t.get_json(&path, Some(&ann)).await;
        assert_eq!(s, 404, "{path}: {v}");
    }
    let (s, v) = t
        .send_json(
            "DELETE",
            &format!("/api/v1/webhooks/{bob_hook}"),
            Some(&ann),
            None,
        )
        .await;
    assert_eq!(s, 404, "{v}");
    let (s, log) = t
        .get_json(
            &format!("/api/v1/webhooks/{bob_hook}/deliveries"),
            Some(&root),
        )
        .await;
    assert_eq!((s, log["total"].as_i64()), (200, Some(1)), "{log}");

    // Paused through the API, a webhook hears nothing; its events can be changed.
    let (s, w) = t
        .send_json(
            "PATCH",
            &format!("/api/v1/webhooks/{bob_hook}"),
            Some(&bob),
            Some(json!({"active": false, "events": ["question.created", "ticket.updated"]})),
        )
        .await;
    assert_eq!(s, 200, "{w}");
    assert_eq!(w["active"], false);
    assert_eq!(w["events"], json!(["question.created", "ticket.updated"]));
    let before = rx.hits_on("/bob").len();
    ask(&t, &bob, "Does the remote work through glass doors?").await;
    t.settle().await;
    assert_eq!(rx.hits_on("/bob").len(), before);
}

async fn tokens_scope_webhooks(t: TestApp) {
    let (root_id, root) = t.signup("root").await;
    t.make_admin(root_id).await;
    let token = |login: String, scopes: Value| {
        let t = &t;
        async move {
            let (s, v) = t
                .post_json(
                    "/api/v1/me/tokens",
                    Some(&login),
                    json!({"name": "hooks", "scopes": scopes}),
                )
                .await;
            assert_eq!(s, 201, "{v}");
            v["token"].as_str().unwrap().to_string()
        }
    };
    let read = token(root.clone(), json!(["read"])).await;
    let write = token(root.clone(), json!(["read", "write"])).await;
    let admin = token(root.clone(), json!(["read", "write", "admin"])).await;
    let body = json!({"url": "https://93.184.215.14/hook", "events": ["question.created"]});

    let (s, v) = t
        .post_json("/api/v1/webhooks", Some(&read), body.clone())
        .await;
    assert_eq!(s, 403);
    assert_error(&v, "insufficient_scope");
    let (s, w) = t
        .post_json("/api/v1/webhooks", Some(&write), body.clone())
        .await;
    assert_eq!(s, 201, "{w}");
    assert_eq!(
        w["scope"], "own",
        "without the admin scope, an administrator's token registers a webhook for their own content"
    );
    let (s, w) = t
        .post_json("/api/v1/webhooks", Some(&admin), body.clone())
        .await;
    assert_eq!(s, 201, "{w}");
    assert_eq!(w["scope"], "site");
    let (s, list) = t.get_json("/api/v1/webhooks", Some(&admin)).await;
    assert_eq!(s, 200, "{list}");
    assert_eq!(list["items"].as_array().unwrap().len(), 2);
    // Without the admin scope the site-wide webhook is out of reach, even to its owner.
    let (s, list) = t.get_json("/api/v1/webhooks", Some(&read)).await;
    assert_eq!(s, 200, "{list}");
    assert_eq!(list["items"].as_array().unwrap().len(), 1, "{list}");
    assert_eq!(list["items"][0]["scope"], "own");
    let site = format!("/api/v1/webhooks/{}", w["id"]);
    let (s, v) = t
        .send_json(
            "PATCH",
            &site,
            Some(&write),
            Some(json!({"url": "https://93.184.215.15/elsewhere"})),
        )
        .await;
    assert_eq!(s, 404, "{v}");
    let (s, _) = t
        .get_json(&format!("{site}/deliveries"), Some(&write))
        .await;
    assert_eq!(s, 404);
    let (s, v) = t.get_json(&site, Some(&admin)).await;
    assert_eq!(v["url"], "https://93.184.215.14/hook", "unchanged: {v}");
    assert_eq!(s, 200);

    // Ticket events carry tickets' words: only a token with the tickets scope hears them.
    let tickets = json!({"url": "https://93.184.215.14/hook", "events": ["ticket.created"]});
    let (s, v) = t
        .post_json("/api/v1/webhooks", Some(&write), tickets.clone())
        .await;
    assert_eq!(s, 403, "{v}");
    assert_error(&v, "insufficient_scope");
    let (_, own) = t.get_json("/api/v1/webhooks", Some(&read)).await;
    let own_id = own["items"][0]["id"].as_i64().unwrap();
    let (s, v) = t
        .send_json(
            "PATCH",
            &format!("/api/v1/webhooks/{own_id}"),
            Some(&write),
            Some(json!({"events": ["question.created", "ticket.updated"]})),
        )
        .await;
    assert_eq!(s, 403, "{v}");
    assert_error(&v, "insufficient_scope");
    let desk = token(root.clone(), json!(["read", "write", "tickets"])).await;
    let (s, v) = t.post_json("/api/v1/webhooks", Some(&desk), tickets).await;
    assert_eq!(s, 201, "{v}");
    // Pointing it elsewhere, or turning it off and on, reaches tickets too.
    for change in [
        json!({"url": "https://93.184.215.15/elsewhere"}),
        json!({"active": true}),
    ] {
        let (s, e) = t
            .send_json(
                "PATCH",
                &format!("/api/v1/webhooks/{}", v["id"]),
                Some(&write),
                Some(change),
            )
            .await;
        assert_eq!(s, 403, "{e}");
        assert_error(&e, "insufficient_scope");
    }
    let (_, still) = t
        .get_json(&format!("/api/v1/webhooks/{}", v["id"]), Some(&desk))
        .await;
    assert_eq!(still["url"], "https://93.184.215.14/hook");
    let (s, v) = t
        .send_json(
            "DELETE",
            &format!("/api/v1/webhooks/{}", w["id"]),
            Some(&read),
            None,
        )
        .await;
    assert_eq!(s, 403, "{v}");
    assert_error(&v, "insufficient_scope");
}

async fn tickets_flags_and_moderation_reach_webhooks(t: TestApp) {
    let rx = Receiver::start(0).await;
    let (root_id, root) = t.signup("root").await;
    t.make_admin(root_id).await;
    let (ann_id, ann) = t.signup("ann").await;
    let (_, bob) = t.signup("bob").await;
    let all = json!([
        "flag.raised",
        "moderation.action",
        "ticket.created",
        "ticket.updated"
    ]);
    for (token, path) in [(&root, "/root"), (&ann, "/ann"), (&bob, "/bob")] {
        let (s, w) = t
            .post_json(
                "/api/v1/webhooks",
                Some(token),
                json!({"url": rx.url(path), "events": all}),
            )
            .await;
        assert_eq!(s, 201, "{w}");
    }
    let (_, plans) = t.get_json("/api/v1/plans", None).await;
    let premium = plans["items"][2]["id"].as_i64().unwrap();
    let (s, _) = t
        .send_json(
            "PUT",
            &format!("/api/v1/users/{ann_id}/plan"),
            Some(&root),
            Some(json!({"plan_id": premium})),
        )
        .await;
    assert_eq!(s, 200);
    let (s, tk) = t
        .post_json(
            "/api/v1/tickets",
            Some(&ann),
            json!({"subject": "Alarm siren stuck on", "body": "It will not stop.", "priority": "urgent"}),
        )
        .await;
    assert_eq!(s, 201, "{tk}");
    let ticket = tk["id"].as_i64().unwrap();
    let path = format!("/api/v1/tickets/{ticket}");
    let (s, v) = t
        .post_json(
            &format!("{path}/messages"),
            Some(&root),
            json!({"body": "Hold the reset button for ten seconds."}),
        )
        .await;
    assert_eq!(s, 201, "{v}");
    let (s, v) = t
        .send_json(
            "PATCH",
            &path,
            Some(&root),
            Some(json!({"status": "solved"})),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    let q = ask(&t, &bob, "Is the siren volume adjustable at all?").await;
    t.settle().await;
    let (s, v) = t
        .post_json(
            &format!("/api/v1/posts/{q}/flags"),
            Some(&root),
            json!({"reason": "other", "text": "Belongs in the siren FAQ"}),
        )
        .await;
    assert_eq!(s, 201, "{v}");
    let (s, v) = t
        .post_json(
            "/api/v1/moderation/actions",
            Some(&root),
            json!({"action": "lock", "target_type": "post", "target_id": q, "category": "other",
                   "reason": "Answered in the FAQ", "private_detail": "only for bob"}),
        )
        .await;
    assert_eq!(s, 201, "{v}");
    t.settle().await;

    let events = |path: &str| -> Vec<(String, Value)> {
        rx.hits_on(path)
            .into_iter()
            .map(|h| {
                (
                    h.headers["stoa-event"].clone(),
                    serde_json::from_str(&h.body).unwrap(),
                )
            })
            .collect()
    };
    let names = |e: &[(String, Value)]| -> Vec<String> {
        let mut n: Vec<String> = e.iter().map(|(n, _)| n.clone()).collect();
        n.sort();
        n
    };
    // Ann: her ticket's life; Bob: the action on his question (not the flag, which is
    // confidential); the administrator: everything.
    let ann_events = events("/ann");
    assert_eq!(
        names(&ann_events),
        vec!["ticket.created", "ticket.updated", "ticket.updated"]
    );
    let bob_events = events("/bob");
    assert_eq!(names(&bob_events), vec!["moderation.action"]);
    let root_events = events("/root");
    assert_eq!(
        names(&root_events),
        vec![
            "flag.raised",
            "moderation.action",
            "ticket.created",
            "ticket.updated",
            "ticket.updated"
        ]
    );
    let created = &ann_events
        .iter()
        .find(|(n, _)| n == "ticket.created")
        .unwrap()
        .1;
    assert_eq!(created["data"]["ticket"]["id"], ticket);
    assert_eq!(created["data"]["ticket"]["subject"], "Alarm siren stuck on");
    assert_eq!(created["data"]["message"]["body"], "It will not stop.");
    let updates: Vec<&Value> = ann_events
        .iter()
        .filter(|(n, _)| n == "ticket.updated")
        .map(|(_, v)| v)
        .collect();
    assert!(updates.iter().any(|u| u["data"]["change"] == "message"
        && u["data"]["message"]["body"] == "Hold the reset button for ten seconds."));
    assert!(
        updates.iter().any(|u| u["data"]["change"] == "fields"
            && u["data"]["fields"] == json!([{"field": "status", "value": "solved"}])),
        "{updates:#?}"
    );
    let action = &bob_events[0].1["data"]["action"];
    assert_eq!(action["action"], "lock");
    assert_eq!(action["reason"], "Answered in the FAQ");
    assert!(
        !bob_events[0].1.to_string().contains("only for bob"),
        "the private note is not sent"
    );
    let flag = &root_events
        .iter()
        .find(|(n, _)| n == "flag.raised")
        .unwrap()
        .1;
    assert_eq!(flag["data"]["flag"]["reason"], "other");
    assert_eq!(flag["data"]["post"]["id"], q);
}
