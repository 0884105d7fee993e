//! Several servers on one PostgreSQL database, as several processes behind a proxy would run:
//! a write through one is visible through the others at once (pages, lists, settings), and
//! sessions, CSRF and rate limits hold whichever server answers. Precise invalidation: what
//! writes nothing (a preview, a refused request) leaves the page cache warm.

use crate::governance::{ask, with_role};
use crate::support::{client, csrf_of, spawn, Kind, TestApp};
use serde_json::json;
use std::time::{Duration, Instant};

/// GETs `url` anonymously until its body contains `needle`; how long that took.
async fn until_shows(url: &str, needle: &str) -> Duration {
    let c = client();
    let start = Instant::now();
    loop {
        let body = c.get(url).send().await.unwrap().text().await.unwrap();
        if body.contains(needle) {
            return start.elapsed();
        }
        assert!(
            start.elapsed() < Duration::from_secs(3),
            "{url} still does not show {needle:?}"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// Whether an anonymous GET of `url` was served from the page cache.
async fn cached(url: &str) -> bool {
    let res = client().get(url).send().await.unwrap();
    assert_eq!(res.status(), 200, "{url}");
    res.headers().get("x-stoa-cache").is_some()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_processes_share_one_site() {
    let Some(a) = spawn(Kind::Postgres, |_| {}).await else {
        return;
    };
    let b = a.peer().await;
    let c = a.peer().await;
    let (_, ann) = a.signup("ann").await;
    let q = ask(&a, &ann, "Wi-Fi drops when the microwave runs").await;
    let page = |base: &str| format!("{base}/questions/{q}");
    let url_b = until_redirect(&page(&b.base)).await;
    let url_c = until_redirect(&page(&c.base)).await;
    // Warm both caches.
    for u in [&url_b, &url_c] {
        until_shows(u, "Wi-Fi drops when the microwave runs").await;
        assert!(cached(u).await, "{u} is cached");
    }
    let home_c = c.url("/");
    until_shows(&home_c, "Wi-Fi drops when the microwave runs").await;

    // An edit through A shows through B and C (page and list) without waiting for any TTL.
    let (s, v) = a
        .send_json(
            "PATCH",
            &format!("/api/v1/posts/{q}"),
            Some(&ann),
            Some(json!({"body": "Every time the microwave runs, the 2.4 GHz Wi-Fi drops for a minute."})),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    for u in [&url_b, &url_c] {
        let took = until_shows(u, "the 2.4 GHz Wi-Fi drops for a minute").await;
        eprintln!("an edit through A showed through {u} after {took:?}");
        assert!(took < Duration::from_secs(1), "{u}: {took:?}");
    }
    let (s, _) = a
        .post_json(
            &format!("/api/v1/questions/{q}/answers"),
            Some(&ann),
            json!({"body": "Move the router away from the kitchen, or use 5 GHz."}),
        )
        .await;
    assert_eq!(s, 201);
    until_shows(&home_c, ">1 answer<").await;

    // A session from A works on B; a form token from A is accepted by C.
    let (browser, _) = a.browser("ann").await;
    let res = browser.get(b.url("/notifications")).send().await.unwrap();
    assert_eq!(res.status(), 200, "the session is known to B");
    let html = browser
        .get(a.url(&format!("/questions/{q}")))
        .send()
        .await
        .unwrap();
    let html = browser
        .get(a.url(html.headers()["location"].to_str().unwrap()))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let res = browser
        .post(c.url(&format!("/questions/{q}/answers")))
        .form(&[
            ("csrf_token", csrf_of(&html).as_str()),
            ("body", "A mesh node in the living room fixed it for me."),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303, "C accepts A's form token");

    // Rate limits hold across servers: ten wrong passwords for one account, spread over three.
    let bases = [a.base.clone(), b.base.clone(), c.base.clone()];
    for i in 0..10 {
        let res = client()
            .post(format!("{}/api/v1/auth/login", bases[i % 3]))
            .json(&json!({"login": "ann", "password": "not the password"}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 401, "attempt {i}");
    }
    for base in &bases {
        let res = client()
            .post(format!("{base}/api/v1/auth/login"))
            .json(&json!({"login": "ann", "password": "not the password"}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 429, "{base}");
        assert!(res.headers().contains_key("retry-after"));
    }

    // Settings changed through A apply on B at once.
    let (_, admin) = with_role(&a, "root", "admin").await;
    let (s, v) = a
        .send_json(
            "PUT",
            "/api/v1/governance/settings",
            Some(&admin),
            Some(json!({"close_votes_needed": 7})),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    let start = Instant::now();
    loop {
        let v: serde_json::Value = client()
            .get(b.url("/api/v1/governance/settings"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        if v["settings"]["close_votes_needed"] == 7 {
            break;
        }
        assert!(start.elapsed() < Duration::from_secs(1), "{v}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// The canonical page URL a question id redirects to.
async fn until_redirect(url: &str) -> String {
    let res = client().get(url).send().await.unwrap();
    assert_eq!(res.status(), 301, "{url}");
    let base = url.split("/questions/").next().unwrap();
    format!("{base}{}", res.headers()["location"].to_str().unwrap())
}

crate::both!(what_writes_nothing_keeps_the_cache_warm);

async fn what_writes_nothing_keeps_the_cache_warm(t: TestApp) {
    let (_, ann) = t.signup("ann").await;
    let (browser, csrf) = t.browser("ann").await;
    let q = ask(&t, &ann, "Printer prints blank pages").await;
    let page = until_redirect(&t.url(&format!("/questions/{q}"))).await;
    cached(&page).await;
    assert!(
        cached(&page).await,
        "the second visit is served from the cache"
    );

    // A preview, a refused vote and a failed log-in write nothing the page shows.
    let res = browser
        .post(t.url("/preview"))
        .form(&[("csrf_token", csrf.as_str()), ("body", "**bold**")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let (s, _) = t
        .post_json(
            &format!("/api/v1/posts/{q}/vote"),
            None,
            json!({"value": 1}),
        )
        .await;
    assert_eq!(s, 401);
    let (s, _) = t
        .post_json(
            &format!("/api/v1/posts/{q}/vote"),
            Some(&ann),
            json!({"value": 1}),
        )
        .await;
    assert_eq!(s, 403, "no voting on one's own post");
    let (s, _) = t
        .post_json(
            "/api/v1/auth/login",
            None,
            json!({"login": "ann", "password": "wrong"}),
        )
        .await;
    assert_eq!(s, 401);
    assert!(cached(&page).await, "still warm");

    // A real write makes it stale, and the next visit sees it.
    let (_, bob) = t.signup("bob").await;
    let (s, _) = t
        .post_json(
            &format!("/api/v1/posts/{q}/vote"),
            Some(&bob),
            json!({"value": 1}),
        )
        .await;
    assert_eq!(s, 200);
    assert!(!cached(&page).await, "a vote invalidates");
}

/// nginx (Debian's `nginx-light`) balancing round robin over three servers on one PostgreSQL,
/// as the README's deployment says: whichever server answers, pages are fresh after a write,
/// sessions and form tokens hold.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_behind_nginx() {
    if std::process::Command::new("nginx")
        .arg("-v")
        .output()
        .is_err()
    {
        assert!(
            std::env::var("CI").is_err(),
            "CI must install nginx (scripts/setup-test-env)"
        );
        eprintln!("nginx is not installed; skipping");
        return;
    }
    let Some(a) = spawn(Kind::Postgres, |c| c.trust_proxy = true).await else {
        return;
    };
    let b = a.peer().await;
    let c = a.peer().await;
    let dir = tempfile::tempdir().unwrap();
    let port = crate::support::free_port();
    let upstreams: String = [&a.base, &b.base, &c.base]
        .iter()
        .map(|base| format!("server {};", base.trim_start_matches("http://")))
        .collect::<Vec<_>>()
        .join(" ");
    let d = dir.path().display();
    let conf = format!(
        "daemon off; worker_processes 1; pid {d}/nginx.pid; error_log {d}/error.log;
         events {{ worker_connections 256; }}
         http {{
           access_log off;
           client_body_temp_path {d}/body; proxy_temp_path {d}/proxy; fastcgi_temp_path {d}/fcgi;
           uwsgi_temp_path {d}/uwsgi; scgi_temp_path {d}/scgi;
           upstream stoa {{ {upstreams} }}
           server {{
             listen 127.0.0.1:{port};
             location / {{
               proxy_pass http://stoa;
               proxy_set_header Host $host:$server_port;
               proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
             }}
           }}
         }}"
    );
    let conf_path = dir.path().join("nginx.conf");
    std::fs::write(&conf_path, conf).unwrap();
    let mut nginx = std::process::Command::new("nginx")
        .arg("-c")
        .arg(&conf_path)
        .arg("-p")
        .arg(dir.path())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("start nginx");
    let front = format!("http://127.0.0.1:{port}");
    let start = Instant::now();
    while client()
        .get(format!("{front}/healthz"))
        .send()
        .await
        .is_err()
    {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "nginx never answered"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    let (_, ann) = a.signup("ann").await;
    let q = ask(&a, &ann, "Garage door opener ignores the remote").await;
    let page = until_redirect(&format!("{front}/questions/{q}")).await;
    // Six visits go round all three servers (and fill their caches).
    for _ in 0..6 {
        until_shows(&page, "Garage door opener ignores the remote").await;
    }
    let res = client()
        .patch(format!("{front}/api/v1/posts/{q}"))
        .bearer_auth(&ann)
        .json(&json!({"body": "The remote works at the door but not from the driveway; new battery."}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    for _ in 0..6 {
        let took = until_shows(&page, "not from the driveway").await;
        assert!(took < Duration::from_secs(1), "{took:?}");
    }

    // A browser logs in through nginx and keeps its session and form tokens on every server.
    let browser = client();
    let html = browser
        .get(format!("{front}/login"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let res = browser
        .post(format!("{front}/login"))
        .form(&[
            ("csrf_token", csrf_of(&html).as_str()),
            ("login", "ann"),
            ("password", "correct horse battery"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let mut token = String::new();
    for _ in 0..3 {
        let res = browser
            .get(format!("{front}/notifications"))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        token = csrf_of(&res.text().await.unwrap());
    }
    for i in 0..3 {
        let res = browser
            .post(format!("{front}/posts/{q}/comments"))
            .form(&[
                ("csrf_token", token.as_str()),
                (
                    "body",
                    &format!("Tried again from the driveway, attempt {i}."),
                ),
            ])
            .send()
            .await
            .unwrap();
        assert!(
            res.status().is_redirection() || res.status().is_success(),
            "{}",
            res.status()
        );
    }
    let (_, shown) = a.get_json(&format!("/api/v1/questions/{q}"), None).await;
    assert_eq!(shown["comments"].as_array().unwrap().len(), 3);
    // A graceful stop takes the worker processes down with the master.
    let _ = std::process::Command::new("nginx")
        .arg("-c")
        .arg(&conf_path)
        .arg("-p")
        .arg(dir.path())
        .args(["-s", "stop"])
        .output();
    let _ = nginx.wait();
}
