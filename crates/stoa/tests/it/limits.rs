//! Request limits: a body over the limit is a 413 in the API's error shape (or a page), never
//! a 400, and changes nothing; every 429 says when to come back.

use crate::support::TestApp;
use serde_json::json;

crate::both!(oversized_bodies_are_413, every_429_has_retry_after);

async fn oversized_bodies_are_413(t: TestApp) {
    let (_, ann) = t.signup("ann").await;
    let huge = "x".repeat(600 * 1024);
    let res = t
        .client
        .post(t.url("/api/v1/questions"))
        .bearer_auth(&ann)
        .json(&json!({"title": "A question far too long to send", "body": huge, "tags": ["help"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 413);
    let v: serde_json::Value = res.json().await.unwrap();
    assert_eq!(v["error"]["code"], "body_too_large", "{v}");
    let (browser, csrf) = t.browser("ann").await;
    let res = browser
        .post(t.url("/ask"))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("title", "A question far too long to send"),
            ("body", huge.as_str()),
            ("tags", "help"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 413);
    assert!(res
        .text()
        .await
        .unwrap()
        .contains("larger than this site accepts"));
    assert_eq!(t.count("posts").await, 0, "nothing was written");
    // A body just under the limit is read (and judged on its content).
    let long = "y".repeat(40_000);
    let (s, v) = t
        .post_json(
            "/api/v1/questions",
            Some(&ann),
            json!({"title": "A question that is merely long", "body": long, "tags": ["help"]}),
        )
        .await;
    assert_eq!(s, 422, "{v}");
}

async fn every_429_has_retry_after(t: TestApp) {
    t.signup("ann").await;
    let mut limited = 0;
    for _ in 0..12 {
        let res = t
            .client
            .post(t.url("/api/v1/auth/login"))
            .json(&json!({"login": "ann", "password": "not it"}))
            .send()
            .await
            .unwrap();
        if res.status() == 429 {
            limited += 1;
            let after: i64 = res.headers()["retry-after"]
                .to_str()
                .unwrap()
                .parse()
                .unwrap();
            assert!(after > 0);
        }
    }
    assert!(limited > 0, "ten failures lock the account for a while");
}
