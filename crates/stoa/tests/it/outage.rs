//! A database outage, made by cutting a TCP proxy between Stoa and PostgreSQL (the shared test
//! server keeps running for the other tests): `/healthz` answers 503 within a second, requests
//! answer 503 at once with `Retry-After` (JSON for the API, a page for browsers), nothing hangs
//! or crashes, and when the database returns the service recovers by itself.

use crate::support::{client, postgres_url, spawn, Kind};
use serde_json::json;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::copy_bidirectional;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::broadcast;

/// A TCP proxy that can be cut (every tunnel dropped, new ones refused) and restored.
struct Proxy {
    port: u16,
    up: Arc<AtomicBool>,
    kill: broadcast::Sender<()>,
}

impl Proxy {
    async fn start(target: String) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let up = Arc::new(AtomicBool::new(true));
        let (kill, _) = broadcast::channel(4);
        let (flag, killer) = (up.clone(), kill.clone());
        tokio::spawn(async move {
            loop {
                let Ok((mut inbound, _)) = listener.accept().await else {
                    return;
                };
                if !flag.load(Ordering::SeqCst) {
                    drop(inbound);
                    continue;
                }
                let mut dead = killer.subscribe();
                let target = target.clone();
                tokio::spawn(async move {
                    let Ok(mut outbound) = TcpStream::connect(&target).await else {
                        return;
                    };
                    tokio::select! {
                        _ = copy_bidirectional(&mut inbound, &mut outbound) => {}
                        _ = dead.recv() => {}
                    }
                });
            }
        });
        Proxy { port, up, kill }
    }

    fn cut(&self) {
        self.up.store(false, Ordering::SeqCst);
        let _ = self.kill.send(());
    }

    fn restore(&self) {
        self.up.store(true, Ordering::SeqCst);
    }
}

/// `user:pw@host:port` of a PostgreSQL URL.
fn host_port(url: &str) -> (usize, usize) {
    let at = url.find('@').unwrap() + 1;
    let end = at + url[at..].find('/').unwrap();
    (at, end)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_outage_is_a_brief_503() {
    let Some(pg) = postgres_url() else { return };
    let (at, end) = host_port(&pg);
    let proxy = Proxy::start(pg[at..end].to_string()).await;
    let port = proxy.port;
    let Some(t) = spawn(Kind::Postgres, |cfg| {
        let url = cfg.database_url.expose().to_string();
        let (at, end) = host_port(&url);
        cfg.database_url =
            stoa::config::Secret(format!("{}127.0.0.1:{port}{}", &url[..at], &url[end..]));
    })
    .await
    else {
        return;
    };
    let (_, ann) = t.signup("ann").await;
    let ask = |title: &'static str| {
        let t = &t;
        let ann = ann.clone();
        async move {
            let started = Instant::now();
            let (s, v) = t
                .post_json(
                    "/api/v1/questions",
                    Some(&ann),
                    json!({"title": title, "body": "The details of what happens, and what I tried.", "tags": ["help"]}),
                )
                .await;
            (s, v, started.elapsed())
        }
    };
    let (s, _, _) = ask("Laptop battery drains overnight").await;
    assert_eq!(s, 201);

    proxy.cut();
    let started = Instant::now();
    let res = client().get(t.url("/healthz")).send().await.unwrap();
    assert_eq!(res.status(), 503);
    assert!(
        started.elapsed() < Duration::from_millis(1500),
        "/healthz took {:?}",
        started.elapsed()
    );
    // Within a moment every request is answered 503 at once.
    let deadline = Instant::now() + Duration::from_secs(8);
    loop {
        let started = Instant::now();
        let res = client()
            .get(t.url("/api/v1/questions"))
            .send()
            .await
            .unwrap();
        let took = started.elapsed();
        assert_eq!(res.status(), 503, "an outage is a 503");
        assert!(took < Duration::from_secs(4), "no request hangs: {took:?}");
        if took < Duration::from_millis(300) {
            assert!(res.headers().contains_key("retry-after"));
            let v: serde_json::Value = res.json().await.unwrap();
            assert_eq!(v["error"]["code"], "unavailable", "{v}");
            break;
        }
        assert!(
            Instant::now() < deadline,
            "requests never became quick 503s"
        );
    }
    let (s, v, took) = ask("Screen flickers on battery").await;
    assert_eq!(s, 503, "{v}");
    assert!(took < Duration::from_millis(300), "{took:?}");
    let res = client().get(t.url("/")).send().await.unwrap();
    assert_eq!(res.status(), 503);
    assert!(res.text().await.unwrap().contains("Back in a moment"));
    // Static assets are still served.
    let css = crate::support::client()
        .get(t.url("/static/htmx.min.js"))
        .send()
        .await
        .unwrap();
    assert_ne!(css.status(), 503);

    // The database returns: the service recovers by itself.
    proxy.restore();
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let res = client().get(t.url("/healthz")).send().await.unwrap();
        if res.status() == 200 {
            break;
        }
        assert!(Instant::now() < deadline, "never recovered");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let (s, v, _) = ask("Keyboard backlight stays off").await;
        if s == 201 {
            break;
        }
        assert_eq!(s, 503, "{v}");
        assert!(Instant::now() < deadline, "writes never recovered: {v}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let (s, list) = t.get_json("/api/v1/questions", None).await;
    assert_eq!(s, 200);
    assert_eq!(
        list["total"], 2,
        "the refused write left nothing behind: {list}"
    );
}
