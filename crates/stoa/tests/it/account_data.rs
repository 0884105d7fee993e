//! Account self-service, third part (issue 14): "Download my data" (an archive built by the
//! job queue, its contents checked file by file, announced by a notification, expiring), and
//! "Delete my account" (password, grace period, cancellation, then erasure: the profile gone,
//! posts under "deleted user N", votes still counted, sign-in impossible).

use crate::both;
use crate::notifications::{answer, ask};
use crate::support::{assert_error, TestApp};
use serde_json::{json, Value};
use std::io::Read;

both!(
    the_export_holds_everything_the_person_did_and_nothing_of_others,
    deletion_waits_can_be_cancelled_then_erases,
);

async fn exec(t: &TestApp, sql: &str, id: i64) {
    let pool = t.db().await;
    sqlx::query(sql).bind(id).execute(&pool).await.unwrap();
    pool.close().await;
}

async fn run_job(t: &TestApp, kind: &str) {
    let pool = t.db().await;
    sqlx::query(
        "INSERT INTO jobs (queue, kind, payload, run_at, created_at) VALUES ('default', $1, '{}', 0, 0)",
    )
    .bind(kind)
    .execute(&pool)
    .await
    .unwrap();
    pool.close().await;
    t.settle().await;
}

/// The files of a ZIP, by name.
fn unzip(bytes: &[u8]) -> Vec<(String, String)> {
    let mut z = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("a ZIP archive");
    (0..z.len())
        .map(|i| {
            let mut f = z.by_index(i).unwrap();
            let mut text = String::new();
            f.read_to_string(&mut text).unwrap();
            (f.name().to_string(), text)
        })
        .collect()
}

fn lines(files: &[(String, String)], name: &str) -> Vec<Value> {
    let text = &files
        .iter()
        .find(|(n, _)| n == name)
        .unwrap_or_else(|| panic!("{name} in the archive"))
        .1;
    text.lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

async fn the_export_holds_everything_the_person_did_and_nothing_of_others(t: TestApp) {
    let (ann_id, ann) = t.signup("ann").await;
    let (_, bob) = t.signup("bob").await;
    exec(
        &t,
        "UPDATE users SET reputation = 100 WHERE id = $1",
        ann_id,
    )
    .await;
    let q = ask(
        &t,
        &ann,
        "How do I reset the thermostat schedule?",
        &["thermostat"],
        "The schedule keeps the old times after I change them in the app.",
    )
    .await;
    let a = answer(
        &t,
        &bob,
        q,
        "Hold the mode button for five seconds, then sync the app again.",
    )
    .await;
    let (s, _) = t
        .post_json(
            &format!("/api/v1/posts/{a}/vote"),
            Some(&ann),
            json!({"value": 1}),
        )
        .await;
    assert_eq!(s, 200, "ann votes");
    let (s, _) = t
        .post_json(
            &format!("/api/v1/posts/{q}/vote"),
            Some(&bob),
            json!({"value": 1}),
        )
        .await;
    assert_eq!(s, 200, "bob votes her question up");
    let (s, c) = t
        .post_json(
            &format!("/api/v1/posts/{a}/comments"),
            Some(&ann),
            json!({"body": "That worked, thank you very much!"}),
        )
        .await;
    assert_eq!(s, 201, "{c}");

    // A personal token cannot take the data away.
    let (_, tok) = t
        .post_json(
            "/api/v1/me/tokens",
            Some(&ann),
            json!({"name": "all", "scopes": ["read", "write", "admin"]}),
        )
        .await;
    let (s, e) = t
        .post_json("/api/v1/me/export", tok["token"].as_str(), json!({}))
        .await;
    assert_eq!(s, 403);
    assert_error(&e, "insufficient_scope");

    let (s, ex) = t
        .post_json("/api/v1/me/export", Some(&ann), json!({}))
        .await;
    assert_eq!(s, 202, "{ex}");
    assert_eq!(ex["status"], "pending");
    let id = ex["id"].as_i64().unwrap();
    t.settle().await;
    let (s, list) = t.get_json("/api/v1/me/exports", Some(&ann)).await;
    assert_eq!(s, 200);
    let item = &list["items"][0];
    assert_eq!(
        (item["id"].as_i64(), item["status"].as_str()),
        (Some(id), Some("ready")),
        "{list}"
    );
    let url = item["download_url"].as_str().unwrap().to_string();
    // Announced by a notification that leads to the page.
    let (_, n) = t.get_json("/api/v1/notifications", Some(&ann)).await;
    assert!(n.to_string().contains("Your data is ready"), "{n}");

    let res = t
        .client
        .get(t.url(&url))
        .bearer_auth(&ann)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "application/zip");
    let bytes = res.bytes().await.unwrap();
    let files = unzip(&bytes);
    let names: Vec<&str> = files.iter().map(|(n, _)| n.as_str()).collect();
    for want in [
        "README.txt",
        "account.jsonl",
        "posts.jsonl",
        "revisions.jsonl",
        "comments.jsonl",
        "votes.jsonl",
        "reputation.jsonl",
        "tickets.jsonl",
        "notification_settings.jsonl",
    ] {
        assert!(names.contains(&want), "{want} in {names:?}");
    }
    let account = lines(&files, "account.jsonl");
    assert_eq!(
        (
            account.len(),
            account[0]["username"].as_str(),
            account[0]["email"].as_str()
        ),
        (1, Some("ann"), Some("ann@example.com"))
    );
    let posts = lines(&files, "posts.jsonl");
    assert_eq!(posts.len(), 1, "only her own post");
    assert_eq!(posts[0]["id"].as_i64(), Some(q));
    let revisions = lines(&files, "revisions.jsonl");
    assert!(revisions.iter().any(|r| r["body_md"]
        .as_str()
        .unwrap_or("")
        .contains("keeps the old times")));
    let votes = lines(&files, "votes.jsonl");
    assert_eq!((votes.len(), votes[0]["post_id"].as_i64()), (1, Some(a)));
    assert_eq!(lines(&files, "comments.jsonl").len(), 1);
    let reputation = lines(&files, "reputation.jsonl");
    assert!(
        reputation
            .iter()
            .any(|r| r["post_id"].as_i64() == Some(q) && r["delta"].as_i64() > Some(0)),
        "the upvote's reputation: {reputation:?}"
    );
    assert!(
        reputation.iter().all(|r| r.get("actor_id").is_none()),
        "who voted stays private: {reputation:?}"
    );
    let all: String = files.iter().map(|(_, t)| t.as_str()).collect();
    assert!(
        !all.contains("argon2") && !all.contains("password_hash"),
        "no password hash"
    );
    assert!(
        !all.contains("bob@example.com"),
        "nothing of others' private data"
    );

    // Only its owner downloads it; an expired archive is gone.
    let res = t
        .client
        .get(t.url(&url))
        .bearer_auth(&bob)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
    exec(
        &t,
        "UPDATE account_exports SET expires_at = 1 WHERE id = $1",
        id,
    )
    .await;
    let res = t
        .client
        .get(t.url(&url))
        .bearer_auth(&ann)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
    let (_, list) = t.get_json("/api/v1/me/exports", Some(&ann)).await;
    assert_eq!(list["items"][0]["status"], "expired");
    assert_eq!(list["items"][0]["download_url"], Value::Null);
    run_job(&t, "accounts.delete_due").await;
    let pool = t.db().await;
    let (kept,): (i64,) =
        sqlx::query_as("SELECT COUNT(*) FROM account_exports WHERE archive IS NOT NULL")
            .fetch_one(&pool)
            .await
            .unwrap();
    pool.close().await;
    assert_eq!(kept, 0, "expired archives are dropped");
}

async fn score(t: &TestApp, q: i64) -> i64 {
    let (_, q) = t.get_json(&format!("/api/v1/questions/{q}"), None).await;
    q["answers"][0]["score"].as_i64().unwrap()
}

async fn deletion_waits_can_be_cancelled_then_erases(t: TestApp) {
    let (ann_id, ann) = t.signup("ann").await;
    let (_, bob) = t.signup("bob").await;
    exec(
        &t,
        "UPDATE users SET reputation = 100 WHERE id = $1",
        ann_id,
    )
    .await;
    let answered = ask(
        &t,
        &ann,
        "Why does the printer skip every other line?",
        &["printer"],
        "Every second line of text is missing on every page I print.",
    )
    .await;
    let alone = ask(
        &t,
        &ann,
        "Can the scanner save straight to a USB stick?",
        &["scanner"],
        "I would rather not go through a computer every time.",
    )
    .await;
    let a = answer(
        &t,
        &bob,
        answered,
        "Clean the print head from the maintenance menu, twice.",
    )
    .await;
    let (s, _) = t
        .post_json(
            &format!("/api/v1/posts/{a}/vote"),
            Some(&ann),
            json!({"value": 1}),
        )
        .await;
    assert_eq!(s, 200);
    assert_eq!(score(&t, answered).await, 1);

    // Bad requests change nothing.
    let (s, e) = t
        .post_json(
            "/api/v1/me/delete",
            Some(&ann),
            json!({"password": "not my password"}),
        )
        .await;
    assert_eq!(s, 422);
    assert_error(&e, "wrong_password");
    let (_, tok) = t
        .post_json(
            "/api/v1/me/tokens",
            Some(&ann),
            json!({"name": "w", "scopes": ["write"]}),
        )
        .await;
    let (s, _) = t
        .post_json(
            "/api/v1/me/delete",
            tok["token"].as_str(),
            json!({"password": "correct horse battery"}),
        )
        .await;
    assert_eq!(s, 403);
    let (_, me) = t.get_json("/api/v1/me", Some(&ann)).await;
    assert_eq!(me["deletion_due_at"], Value::Null);
    let (s, _) = t
        .send_json("DELETE", "/api/v1/me/delete", Some(&ann), None)
        .await;
    assert_eq!(s, 404, "nothing to cancel");

    // Scheduled fourteen days ahead, then cancelled.
    let (s, d) = t
        .post_json(
            "/api/v1/me/delete",
            Some(&ann),
            json!({"password": "correct horse battery"}),
        )
        .await;
    assert_eq!(s, 202, "{d}");
    let due = stoa_domain::time::parse_instant(d["effective_at"].as_str().unwrap()).unwrap();
    let days = (due - stoa_app::now()) as f64 / 86_400.0;
    assert!((13.9..=14.0).contains(&days), "{days} days");
    let (s, e) = t
        .post_json(
            "/api/v1/me/delete",
            Some(&ann),
            json!({"password": "correct horse battery"}),
        )
        .await;
    assert_eq!(s, 409);
    assert_error(&e, "deletion_scheduled");
    let (_, me) = t.get_json("/api/v1/me", Some(&ann)).await;
    assert_eq!(me["deletion_due_at"], d["effective_at"]);
    let (s, _) = t
        .send_json("DELETE", "/api/v1/me/delete", Some(&ann), None)
        .await;
    assert_eq!(s, 204);
    run_job(&t, "accounts.delete_due").await;
    let (s, _) = t.get_json("/api/v1/me", Some(&ann)).await;
    assert_eq!(s, 200, "a cancelled deletion erases nothing");

    let (s, w) = t
        .post_json(
            "/api/v1/webhooks",
            Some(&ann),
            json!({"url": "https://93.184.215.14/hook", "events": ["answer.created"]}),
        )
        .await;
    assert_eq!(s, 201, "{w}");

    // Asked again, with the posts nobody else answered; then the day comes.
    let (s, _) = t
        .post_json(
            "/api/v1/me/delete",
            Some(&ann),
            json!({"password": "correct horse battery", "delete_posts": true}),
        )
        .await;
    assert_eq!(s, 202);
    // Not before the day.
    run_job(&t, "accounts.delete_due").await;
    let (s, _) = t.get_json("/api/v1/me", Some(&ann)).await;
    assert_eq!(s, 200);
    exec(
        &t,
        "UPDATE users SET deletion_due_at = 1 WHERE id = $1",
        ann_id,
    )
    .await;
    run_job(&t, "accounts.delete_due").await;

    let (s, _) = t.get_json("/api/v1/me", Some(&ann)).await;
    assert_eq!(s, 401, "her tokens are gone");
    let (s, _) = t
        .post_json(
            "/api/v1/auth/login",
            None,
            json!({"login": "ann", "password": "correct horse battery"}),
        )
        .await;
    assert_eq!(s, 401, "nobody signs in to an erased account");
    let (s, _) = t
        .post_json(
            "/api/v1/auth/login",
            None,
            json!({"login": "ann@example.com", "password": "correct horse battery"}),
        )
        .await;
    assert_eq!(s, 401);
    let res = t
        .client
        .get(t.url(&format!("/users/{ann_id}")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404, "the profile is gone");
    let (s, q) = t
        .get_json(&format!("/api/v1/questions/{answered}"), None)
        .await;
    assert_eq!(s, 200, "a question others answered stays");
    assert_eq!(
        q["author"]["username"],
        format!("deleted user {ann_id}"),
        "{q}"
    );
    // (This client follows the redirect to the question's canonical address.)
    let html = reqwest::Client::new()
        .get(t.url(&format!("/questions/{answered}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        html.contains(&format!("deleted user {ann_id}")),
        "the page names the anonymous author: {html}"
    );
    assert!(!html.contains(">ann<"));
    let (s, _) = t
        .get_json(&format!("/api/v1/questions/{alone}"), None)
        .await;
    assert_eq!(
        s, 404,
        "her unanswered question went with her, as she chose"
    );
    assert_eq!(score(&t, answered).await, 1, "her vote still counts");
    let pool = t.db().await;
    let (email, pw): (Option<String>, Option<String>) =
        sqlx::query_as("SELECT email, password_hash FROM users WHERE id = $1")
            .bind(ann_id)
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!((email, pw), (None, None));
    for table in [
        "sessions",
        "api_tokens",
        "notification_settings",
        "follows",
        "account_traits",
    ] {
        let (n,): (i64,) =
            sqlx::query_as(&format!("SELECT COUNT(*) FROM {table} WHERE user_id = $1"))
                .bind(ann_id)
                .fetch_one(&pool)
                .await
                .unwrap();
        assert_eq!(n, 0, "{table} erased");
    }
    let (hooks,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM webhooks WHERE owner_id = $1")
        .bind(ann_id)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(hooks, 0, "her webhooks stop with her account");
    pool.close().await;
    // The address is free for a new account.
    let (s, _) = t
        .post_json("/api/v1/auth/signup", None, json!({"username": "ann2", "email": "ann@example.com", "password": "correct horse battery"}))
        .await;
    assert_eq!(s, 201);
}
