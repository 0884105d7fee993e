//! Account self-service, first part (issue 14): personal access tokens with scopes (every API
//! route in the OpenAPI document checked against a read-only token), per-token rate limits,
//! sessions listed and ended, the password changed; every bad request refused with nothing
//! changed.

use crate::both;
use crate::governance::with_role;
use crate::support::{assert_error, spawn, Kind, TestApp};
use serde_json::{json, Value};
use stoa_domain::tokens::{needs, Needs, Scope};

both!(
    tokens_are_scoped_revocable_and_never_exceed_their_owner,
    bad_token_requests_change_nothing,
    every_route_honours_a_read_only_token,
    sessions_are_listed_and_ended,
    changing_the_password_ends_other_ways_in,
);

async fn token(t: &TestApp, login: &str, scopes: &[&str]) -> (i64, String) {
    let (status, body) = t
        .post_json(
            "/api/v1/me/tokens",
            Some(login),
            json!({"name": format!("{} token", scopes.join("+")), "scopes": scopes}),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    (
        body["id"].as_i64().unwrap(),
        body["token"].as_str().unwrap().to_string(),
    )
}

async fn ask(t: &TestApp, token: &str) -> (u16, Value) {
    t.post_json(
        "/api/v1/questions",
        Some(token),
        json!({"title": "How do I pair the remote with the receiver?", "body": "The manual says hold the button, but nothing blinks at all.", "tags": ["remote"]}),
    )
    .await
}

async fn tokens_are_scoped_revocable_and_never_exceed_their_owner(t: TestApp) {
    let (_, login) = t.signup("alice").await;
    let (read_id, read) = token(&t, &login, &["read"]).await;
    let (_, write) = token(&t, &login, &["read", "write"]).await;

    let (status, me) = t.get_json("/api/v1/me", Some(&read)).await;
    assert_eq!((status, me["username"].as_str()), (200, Some("alice")));
    let before = t.count("posts").await;
    let (status, body) = ask(&t, &read).await;
    assert_eq!(status, 403);
    assert_error(&body, "insufficient_scope");
    assert!(body["error"]["message"].as_str().unwrap().contains("write"));
    assert_eq!(t.count("posts").await, before, "nothing written");
    let (status, body) = ask(&t, &write).await;
    assert_eq!(status, 201, "{body}");

    // A personal token cannot manage credentials, not even with every scope.
    let (_, all) = token(
        &t,
        &login,
        &["read", "write", "moderate", "admin", "tickets"],
    )
    .await;
    for path in ["/api/v1/me/tokens", "/api/v1/me/sessions"] {
        let (status, body) = t.get_json(path, Some(&all)).await;
        assert_eq!(status, 403, "{path}");
        assert_error(&body, "insufficient_scope");
    }
    // Scopes never exceed the owner's rights: a member's admin token is still a member's.
    let (status, body) = t.get_json("/api/v1/admin/jobs", Some(&all)).await;
    assert_eq!(status, 403);
    assert_error(&body, "forbidden");

    // The list shows names, scopes and use, never secrets.
    let (status, list) = t.get_json("/api/v1/me/tokens", Some(&login)).await;
    assert_eq!(status, 200);
    let items = list["items"].as_array().unwrap();
    assert_eq!(items.len(), 3);
    assert!(!list.to_string().contains(&read), "no secret in the list");
    let read_item = items.iter().find(|i| i["id"] == read_id).unwrap();
    assert_eq!(read_item["scopes"], json!(["read"]));
    assert!(
        read_item["last_used_at"].is_string(),
        "use is noted: {read_item}"
    );
    let stored: String = sqlx::query_scalar("SELECT token_hash FROM api_tokens WHERE id = $1")
        .bind(read_id)
        .fetch_one(&t.db().await)
        .await
        .unwrap();
    assert_ne!(stored, read, "stored hashed");

    // Revoked: 401 at once; someone else cannot revoke it.
    let (_, bob) = t.signup("bob").await;
    let res = t
        .client
        .delete(t.url(&format!("/api/v1/me/tokens/{read_id}")))
        .bearer_auth(&bob)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
    let res = t
        .client
        .delete(t.url(&format!("/api/v1/me/tokens/{read_id}")))
        .bearer_auth(&login)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
    let (status, body) = t.get_json("/api/v1/me", Some(&read)).await;
    assert_eq!(status, 401);
    assert_error(&body, "invalid_token");

    // Expired: 401.
    let (status, body) = t
        .post_json(
            "/api/v1/me/tokens",
            Some(&login),
            json!({"name": "short-lived", "scopes": ["read"], "expires_at": "2099-01-01T00:00:00Z"}),
        )
        .await;
    assert_eq!(status, 422, "beyond a year: {body}");
    let soon = stoa_domain::time::format_rfc3339(now() + 3_600);
    let (status, body) = t
        .post_json(
            "/api/v1/me/tokens",
            Some(&login),
            json!({"name": "short-lived", "scopes": ["read"], "expires_at": soon}),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    let short = body["token"].as_str().unwrap().to_string();
    assert_eq!(t.get_json("/api/v1/me", Some(&short)).await.0, 200);
    sqlx::query("UPDATE api_tokens SET expires_at = $1 WHERE id = $2")
        .bind(now() - 1)
        .bind(body["id"].as_i64().unwrap())
        .execute(&t.db().await)
        .await
        .unwrap();
    assert_eq!(t.get_json("/api/v1/me", Some(&short)).await.0, 401);

    // A moderator's moderate-only token moderates but cannot write.
    let (_, moderator) = with_role(&t, "mod1", "moderator").await;
    let (_, modtok) = token(&t, &moderator, &["moderate"]).await;
    let (status, body) = t.get_json("/api/v1/review", Some(&modtok)).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(ask(&t, &modtok).await.0, 403);
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

async fn bad_token_requests_change_nothing(t: TestApp) {
    let (_, login) = t.signup("alice").await;
    let before = t.count("api_tokens").await;
    for (body, code) in [
        (json!({"name": "", "scopes": ["read"]}), "invalid_name"),
        (
            json!({"name": "x".repeat(101), "scopes": ["read"]}),
            "invalid_name",
        ),
        (json!({"name": "ok", "scopes": []}), "invalid_scopes"),
        (
            json!({"name": "ok", "scopes": ["read", "sudo"]}),
            "invalid_scopes",
        ),
        (
            json!({"name": "ok", "scopes": ["read"], "expires_at": "tomorrow"}),
            "invalid_expiry",
        ),
        (
            json!({"name": "ok", "scopes": ["read"], "expires_at": "2001-01-01T00:00:00Z"}),
            "invalid_expiry",
        ),
    ] {
        let (status, res) = t
            .post_json("/api/v1/me/tokens", Some(&login), body.clone())
            .await;
        assert_eq!(status, 422, "{body}: {res}");
        assert_error(&res, code);
    }
    let (status, _) = t
        .post_json("/api/v1/me/tokens", Some(&login), json!({"name": "ok"}))
        .await;
    assert_eq!(status, 422, "scopes missing");
    let (status, _) = t
        .post_json(
            "/api/v1/me/tokens",
            None,
            json!({"name": "ok", "scopes": ["read"]}),
        )
        .await;
    assert_eq!(status, 401);
    assert_eq!(t.count("api_tokens").await, before, "nothing stored");
    for id in ["999", "abc"] {
        let res = t
            .client
            .delete(t.url(&format!("/api/v1/me/tokens/{id}")))
            .bearer_auth(&login)
            .send()
            .await
            .unwrap();
        assert!(matches!(res.status().as_u16(), 404 | 422), "{id}");
    }
}

fn concrete(path: &str) -> String {
    path.split('/')
        .map(|seg| match seg {
            "{queue}" | "{key}" => "x".to_string(),
            s if s.starts_with('{') => "1".to_string(),
            s => s.to_string(),
        })
        .collect::<Vec<_>>()
        .join("/")
}

async fn every_route_honours_a_read_only_token(t: TestApp) {
    let (_, login) = t.signup("alice").await;
    let (_, read) = token(&t, &login, &["read"]).await;
    // The API has more write routes than one account may call in a minute: lift the write
    // limits so that every route answers for its scope, not for the limit.
    let (root_id, root) = t.signup("root").await;
    t.make_admin(root_id).await;
    t.lift_write_limits(&root).await;
    let doc: Value = t
        .client
        .get(t.url("/api/v1/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let mut checked = 0;
    for (path, ops) in doc["paths"].as_object().unwrap() {
        for method in ops.as_object().unwrap().keys() {
            let m = method.to_uppercase();
            let url = t.url(&concrete(path));
            let send = |token: Option<&str>| {
                let mut req = t
                    .client
                    .request(reqwest::Method::from_bytes(m.as_bytes()).unwrap(), &url);
                if m != "GET" {
                    req = req.json(&json!({}));
                }
                if let Some(tok) = token {
                    req = req.bearer_auth(tok);
                }
                req.send()
            };
            let anonymous = send(None).await.unwrap().status().as_u16();
            let res = send(Some(&read)).await.unwrap();
            let status = res.status().as_u16();
            let body: Value = res.json().await.unwrap_or(Value::Null);
            let refused = status == 403 && body["error"]["code"] == "insufficient_scope";
            let wanted = needs(&m, path);
            if anonymous == 401 {
                // The route needs a user: the table decides.
                assert_eq!(
                    refused,
                    wanted != Needs::Scope(Scope::Read),
                    "{m} {path}: {status} {body}"
                );
                checked += 1;
            } else if refused {
                assert_ne!(wanted, Needs::Scope(Scope::Read), "{m} {path}");
            }
        }
    }
    assert!(checked > 60, "only {checked} routes checked");
}

async fn sessions_are_listed_and_ended(t: TestApp) {
    let (_, login) = t.signup("alice").await;
    let (first, _) = t.browser("alice").await;
    let (second, csrf) = t.browser("alice").await;
    let (status, list) = t.get_json("/api/v1/me/sessions", Some(&login)).await;
    assert_eq!(status, 200);
    let items = list["items"].as_array().unwrap();
    assert_eq!(items.len(), 2, "{list}");
    assert!(items.iter().all(|s| s["id"].as_str().unwrap().len() == 16));
    assert!(
        items.iter().all(|s| s["current"] == false),
        "a bearer call has no browser session"
    );

    // The page marks this browser and ends another.
    let page = second
        .get(t.url("/settings/sessions"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("(this browser)"));
    assert_eq!(
        page.matches("/end\"").count(),
        1,
        "one other session to end"
    );
    let other = items
        .iter()
        .map(|s| s["id"].as_str().unwrap().to_string())
        .find(|id| page.contains(&format!("/settings/sessions/{id}/end")))
        .unwrap();
    let res = second
        .post(t.url(&format!("/settings/sessions/{other}/end")))
        .form(&[("csrf_token", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let res = first.get(t.url("/settings")).send().await.unwrap();
    assert_eq!(res.status(), 303, "the ended browser is logged out");
    assert!(res.headers()["location"]
        .to_str()
        .unwrap()
        .starts_with("/login"));

    // Bad ids: 404, nothing ended.
    for id in ["zzzzzzzzzzzzzzzz", "short", &other] {
        let res = t
            .client
            .delete(t.url(&format!("/api/v1/me/sessions/{id}")))
            .bearer_auth(&login)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 404, "{id}");
    }
    assert_eq!(t.count("sessions").await, 1);
    let res = second.get(t.url("/settings/tokens")).send().await.unwrap();
    assert_eq!(res.status(), 200);
}

async fn changing_the_password_ends_other_ways_in(t: TestApp) {
    let (_, login) = t.signup("alice").await;
    let (_, personal) = token(&t, &login, &["read"]).await;
    let (status, other) = t
        .post_json(
            "/api/v1/auth/login",
            None,
            json!({"login": "alice", "password": "correct horse battery"}),
        )
        .await;
    assert_eq!(status, 200, "{other}");
    let other = other["token"].as_str().unwrap().to_string();
    let (browser, _) = t.browser("alice").await;

    for (body, code) in [
        (
            json!({"current": "wrong password", "new": "a brand new secret"}),
            "wrong_password",
        ),
        (
            json!({"current": "correct horse battery", "new": "short"}),
            "invalid_password",
        ),
    ] {
        let (status, res) = t.post_json("/api/v1/me/password", Some(&login), body).await;
        assert_eq!(status, 422, "{res}");
        assert_error(&res, code);
    }
    assert_eq!(
        t.get_json("/api/v1/me", Some(&other)).await.0,
        200,
        "nothing changed yet"
    );
    let (status, _) = t
        .post_json(
            "/api/v1/me/password",
            Some(&personal),
            json!({"current": "correct horse battery", "new": "a brand new secret"}),
        )
        .await;
    assert_eq!(status, 403, "not with a personal token");

    let (status, res) = t
        .post_json(
            "/api/v1/me/password",
            Some(&login),
            json!({"current": "correct horse battery", "new": "a brand new secret"}),
        )
        .await;
    assert_eq!(status, 204, "{res}");
    assert_eq!(
        t.get_json("/api/v1/me", Some(&login)).await.0,
        200,
        "this token stays"
    );
    assert_eq!(
        t.get_json("/api/v1/me", Some(&personal)).await.0,
        200,
        "personal tokens stay"
    );
    assert_eq!(
        t.get_json("/api/v1/me", Some(&other)).await.0,
        401,
        "other log-ins end"
    );
    let res = browser.get(t.url("/settings")).send().await.unwrap();
    assert_eq!(res.status(), 303, "browsers are logged out");
    let old = t
        .post_json(
            "/api/v1/auth/login",
            None,
            json!({"login": "alice", "password": "correct horse battery"}),
        )
        .await;
    assert_eq!(old.0, 401);
    let new = t
        .post_json(
            "/api/v1/auth/login",
            None,
            json!({"login": "alice", "password": "a brand new secret"}),
        )
        .await;
    assert_eq!(new.0, 200);
}

mod per_token_limit {
    use super::*;

    async fn run(t: TestApp) {
        let (_, login) = t.signup("alice").await;
        let (_, read) = token(&t, &login, &["read"]).await;
        for _ in 0..5 {
            assert_eq!(t.get_json("/api/v1/me", Some(&read)).await.0, 200);
        }
        let res = t
            .client
            .get(t.url("/api/v1/me"))
            .bearer_auth(&read)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 429);
        let wait: i64 = res.headers()["retry-after"]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!((1..=60).contains(&wait), "{wait}");
        // The owner's log-in token has its own budget.
        assert_eq!(t.get_json("/api/v1/me", Some(&login)).await.0, 200);
    }

    fn tweak(cfg: &mut stoa::config::Config) {
        cfg.rate_limits.per_token = stoa::config::LimitConfig {
            max: 5,
            window_secs: 60,
        };
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        run(spawn(Kind::Sqlite, tweak).await.unwrap()).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        if let Some(t) = spawn(Kind::Postgres, tweak).await {
            run(t).await;
        }
    }
}
