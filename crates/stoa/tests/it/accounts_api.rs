//! Accounts through the JSON API.

use crate::both;
use crate::support::{assert_error, Kind, TestApp};
use serde_json::json;

both!(
    signup_login_me,
    bad_signups_change_nothing,
    duplicates_conflict,
    tokens_are_checked,
    secrets_are_not_stored_in_clear,
    account_survives_restart,
    malformed_bodies,
);

async fn signup_login_me(t: TestApp) {
    let (id, token) = t.signup("Alice").await;
    assert!(token.starts_with("stoa_pat_"));
    let (status, me) = t.get_json("/api/v1/me", Some(&token)).await;
    assert_eq!(status, 200);
    assert_eq!(me["id"], id);
    assert_eq!(me["username"], "Alice");
    assert_eq!(me["role"], "member");
    assert_eq!(me["email"], "Alice@example.com");
    for login in ["Alice", "alice", "alice@EXAMPLE.com"] {
        let (status, body) = t
            .post_json(
                "/api/v1/auth/login",
                None,
                json!({"login": login, "password": "correct horse battery"}),
            )
            .await;
        assert_eq!(status, 200, "login as {login}: {body}");
        let token2 = body["token"].as_str().unwrap();
        assert_ne!(token2, token);
        let (status, me2) = t.get_json("/api/v1/me", Some(token2)).await;
        assert_eq!(status, 200);
        assert_eq!(me2["id"], id);
    }
    let (status, body) = t
        .post_json(
            "/api/v1/auth/login",
            None,
            json!({"login": "alice", "password": "wrong horse battery"}),
        )
        .await;
    assert_eq!(status, 401);
    assert_error(&body, "unauthenticated");
    let (status, body) = t
        .post_json(
            "/api/v1/auth/login",
            None,
            json!({"login": "nobody", "password": "whatever1"}),
        )
        .await;
    assert_eq!(status, 401);
    assert_error(&body, "unauthenticated");
}

async fn bad_signups_change_nothing(t: TestApp) {
    let cases = [
        (
            json!({"username": "bob", "email": "not-an-email", "password": "long enough"}),
            "invalid_email",
        ),
        (
            json!({"username": "bob", "email": "bob@example.com", "password": "short"}),
            "invalid_password",
        ),
        (
            json!({"username": "", "email": "bob@example.com", "password": "long enough"}),
            "invalid_username",
        ),
        (
            json!({"username": "b", "email": "bob@example.com", "password": "long enough"}),
            "invalid_username",
        ),
        (
            json!({"username": "bob smith", "email": "bob@example.com", "password": "long enough"}),
            "invalid_username",
        ),
        (
            json!({"username": "x".repeat(31), "email": "bob@example.com", "password": "long enough"}),
            "invalid_username",
        ),
        (
            json!({"username": "bob", "email": "", "password": "long enough"}),
            "invalid_email",
        ),
        (
            json!({"username": "bob", "email": "bob@example.com", "password": ""}),
            "invalid_password",
        ),
        (
            json!({"username": "bob", "email": "bob@example.com"}),
            "invalid_request",
        ),
        (
            json!({"email": "bob@example.com", "password": "long enough"}),
            "invalid_request",
        ),
        (
            json!({"username": 5, "email": "bob@example.com", "password": "long enough"}),
            "invalid_request",
        ),
    ];
    for (body, code) in cases {
        let (status, answer) = t.post_json("/api/v1/auth/signup", None, body.clone()).await;
        assert_eq!(status, 422, "{body} → {answer}");
        assert_error(&answer, code);
    }
    assert_eq!(t.count("users").await, 0);
    assert_eq!(t.count("api_tokens").await, 0);
}

async fn duplicates_conflict(t: TestApp) {
    t.signup("carol").await;
    let (status, body) = t
        .post_json(
            "/api/v1/auth/signup",
            None,
            json!({"username": "CAROL", "email": "other@example.com", "password": "long enough"}),
        )
        .await;
    assert_eq!(status, 409);
    assert_error(&body, "username_taken");
    let (status, body) = t
        .post_json(
            "/api/v1/auth/signup",
            None,
            json!({"username": "carol2", "email": "Carol@Example.com", "password": "long enough"}),
        )
        .await;
    assert_eq!(status, 409);
    assert_error(&body, "email_taken");
    assert_eq!(t.count("users").await, 1);
}

async fn tokens_are_checked(t: TestApp) {
    let (_, token) = t.signup("dave").await;
    let (status, body) = t.get_json("/api/v1/me", None).await;
    assert_eq!(status, 401);
    assert_error(&body, "unauthenticated");
    for forged in [
        "stoa_pat_0000",
        "nonsense",
        &format!("{}x", &token[..token.len() - 1]),
        "",
    ] {
        let (status, body) = t.get_json("/api/v1/me", Some(forged)).await;
        assert_eq!(status, 401, "token {forged:?}");
        assert_error(&body, "invalid_token");
    }
    let res = t
        .client
        .get(t.url("/api/v1/me"))
        .header("Authorization", format!("Basic {token}"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
}

async fn secrets_are_not_stored_in_clear(t: TestApp) {
    let (_, token) = t.signup("erin").await;
    let pool = t.db().await;
    let (hash,): (String,) = sqlx::query_as("SELECT password_hash FROM users")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert!(hash.starts_with("$argon2id$"), "{hash}");
    assert!(!hash.contains("correct horse"));
    let tokens: Vec<(String,)> = sqlx::query_as("SELECT token_hash FROM api_tokens")
        .fetch_all(&pool)
        .await
        .unwrap();
    assert_eq!(tokens.len(), 1);
    assert_ne!(tokens[0].0, token);
    assert!(!tokens[0].0.contains(&token[9..]));
    pool.close().await;
}

async fn account_survives_restart(mut t: TestApp) {
    let (id, token) = t.signup("frank").await;
    t.restart().await;
    let (status, me) = t.get_json("/api/v1/me", Some(&token)).await;
    assert_eq!(status, 200);
    assert_eq!(me["id"], id);
    let (status, _) = t
        .post_json(
            "/api/v1/auth/login",
            None,
            json!({"login": "frank", "password": "correct horse battery"}),
        )
        .await;
    assert_eq!(status, 200);
}

async fn malformed_bodies(t: TestApp) {
    let res = t
        .client
        .post(t.url("/api/v1/auth/signup"))
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    assert_error(&res.json().await.unwrap(), "invalid_json");
    let res = t
        .client
        .post(t.url("/api/v1/auth/signup"))
        .body("username=x")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 415);
    assert_error(&res.json().await.unwrap(), "unsupported_media_type");
    let res = t
        .client
        .post(t.url("/api/v1/auth/signup"))
        .header("content-type", "application/json")
        .body(vec![b'{', b'"', 0xff, 0xfe, b'"', b':', b'1', b'}'])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400, "invalid UTF-8 is refused");
    assert_eq!(t.count("users").await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_is_rate_limited_per_account_and_ip() {
    for kind in [Kind::Sqlite, Kind::Postgres] {
        let Some(t) = crate::support::spawn(kind, |cfg| {
            cfg.rate_limits.login_failures_per_account.max = 3;
            cfg.rate_limits.login_per_ip.max = 8;
        })
        .await
        else {
            continue;
        };
        t.signup("grace").await;
        let wrong = json!({"login": "grace", "password": "wrong password"});
        for _ in 0..3 {
            let (status, _) = t.post_json("/api/v1/auth/login", None, wrong.clone()).await;
            assert_eq!(status, 401);
        }
        let res = t
            .client
            .post(t.url("/api/v1/auth/login"))
            .json(&wrong)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 429, "{kind:?}");
        let retry: i64 = res.headers()["retry-after"]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!(retry > 0);
        assert_error(&res.json().await.unwrap(), "rate_limited");
        // Even the right password is refused while the account is locked out.
        let right = json!({"login": "grace", "password": "correct horse battery"});
        let (status, _) = t.post_json("/api/v1/auth/login", None, right).await;
        assert_eq!(status, 429);
        // The per-IP limit catches attempts spread over many accounts.
        let mut last = 0;
        for i in 0..6 {
            let (status, _) = t
                .post_json(
                    "/api/v1/auth/login",
                    None,
                    json!({"login": format!("user{i}"), "password": "whatever1"}),
                )
                .await;
            last = status;
        }
        assert_eq!(last, 429, "{kind:?}");
    }
}
