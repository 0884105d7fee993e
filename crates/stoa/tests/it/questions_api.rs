//! The Q&A core through the JSON API: questions, answers, comments, votes, acceptance, edits,
//! revisions, deletion and lists, with every kind of bad input.

use crate::both;
use crate::support::{assert_error, TestApp};
use serde_json::{json, Value};

both!(
    ask_and_read,
    bad_questions_change_nothing,
    answers_and_comments,
    votes,
    concurrent_votes_are_all_counted,
    concurrent_answers_are_all_kept,
    acceptance,
    edits_make_revisions,
    deletion,
    lists_sort_filter_and_page,
    profiles_and_tags,
    anonymous_pages_follow_writes,
);

async fn ask(t: &TestApp, token: &str, title: &str, tags: &[&str]) -> Value {
    let (status, q) = t
        .post_json(
            "/api/v1/questions",
            Some(token),
            json!({"title": title, "body": format!("Body of {title}\n\n```rust\nfn main() {{}}\n```"), "tags": tags}),
        )
        .await;
    assert_eq!(status, 201, "ask {title}: {q}");
    q
}

async fn patch(t: &TestApp, path: &str, token: &str, body: Value) -> (u16, Value) {
    let res = t
        .client
        .patch(t.url(path))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

async fn ask_and_read(t: TestApp) {
    let (uid, token) = t.signup("asker").await;
    let body = "How do I join?\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n```sql\nSELECT 1;\n```\n\n<script>alert(1)</script>";
    let (status, q) = t
        .post_json(
            "/api/v1/questions",
            Some(&token),
            json!({"title": "Joining two tables", "body": body, "tags": ["SQL", "sqlite"]}),
        )
        .await;
    assert_eq!(status, 201, "{q}");
    let id = q["id"].as_i64().unwrap();
    assert_eq!(q["title"], "Joining two tables");
    assert_eq!(q["tags"], json!(["sql", "sqlite"]));
    assert_eq!(q["author"]["id"], uid);
    assert_eq!(q["score"], 0);
    assert!(q["accepted_answer_id"].is_null());
    let html = q["body_html"].as_str().unwrap();
    assert!(html.contains("<table>"), "{html}");
    assert!(html.contains("class=\"language-sql\""), "{html}");
    assert!(!html.contains("<script"), "{html}");
    let (status, got) = t.get_json(&format!("/api/v1/questions/{id}"), None).await;
    assert_eq!(status, 200);
    assert_eq!(got["body"], body);
    assert_eq!(got["answers"], json!([]));
    assert!(
        got.get("my_vote").is_none(),
        "anonymous readers have no vote field"
    );
    assert!(got["url"]
        .as_str()
        .unwrap()
        .starts_with(&format!("/questions/{id}/joining-two-tables")));
    for missing in [
        "/api/v1/questions/999999",
        "/api/v1/questions/abc",
        "/api/v1/questions/-1",
    ] {
        let (status, body) = t.get_json(missing, None).await;
        assert_eq!(status, 404, "{missing}");
        assert_error(&body, "not_found");
    }
}

async fn bad_questions_change_nothing(t: TestApp) {
    let (_, token) = t.signup("asker").await;
    let long_body = "x".repeat(30_001);
    let cases = [
        (
            json!({"title": "", "body": "text", "tags": []}),
            "invalid_title",
        ),
        (
            json!({"title": "   ", "body": "text", "tags": []}),
            "invalid_title",
        ),
        (
            json!({"title": "x".repeat(151), "body": "text", "tags": []}),
            "invalid_title",
        ),
        (
            json!({"title": "A good title", "body": "", "tags": []}),
            "invalid_body",
        ),
        (
            json!({"title": "A good title", "body": long_body, "tags": []}),
            "invalid_body",
        ),
        (
            json!({"title": "A good title", "body": "text", "tags": ["a", "b", "c", "d", "e", "f"]}),
            "invalid_tags",
        ),
        (
            json!({"title": "A good title", "body": "text", "tags": ["no spaces allowed"]}),
            "invalid_tags",
        ),
        (
            json!({"title": "A good title", "body": "text", "tags": ["<b>"]}),
            "invalid_tags",
        ),
        (
            json!({"title": "A good title", "body": "text", "tags": ["x".repeat(36)]}),
            "invalid_tags",
        ),
        (json!({"title": "A good title"}), "invalid_request"),
        (json!({"title": 5, "body": "text"}), "invalid_request"),
    ];
    for (body, code) in cases {
        let (status, answer) = t
            .post_json("/api/v1/questions", Some(&token), body.clone())
            .await;
        assert_eq!(status, 422, "{body} → {answer}");
        assert_error(&answer, code);
    }
    let (status, answer) = t
        .post_json(
            "/api/v1/questions",
            None,
            json!({"title": "A good title", "body": "text"}),
        )
        .await;
    assert_eq!(status, 401);
    assert_error(&answer, "unauthenticated");
    assert_eq!(t.count("posts").await, 0);
    assert_eq!(t.count("tags").await, 0);
    assert_eq!(t.count("post_revisions").await, 0);
}

async fn answers_and_comments(t: TestApp) {
    let (_, alice) = t.signup("alice").await;
    let (bob_id, bob) = t.signup("bob").await;
    let q = ask(&t, &alice, "Why is the sky blue?", &["physics"]).await;
    let qid = q["id"].as_i64().unwrap();
    let (status, a) = t
        .post_json(
            &format!("/api/v1/questions/{qid}/answers"),
            Some(&bob),
            json!({"body": "Rayleigh **scattering**."}),
        )
        .await;
    assert_eq!(status, 201, "{a}");
    let aid = a["id"].as_i64().unwrap();
    assert_eq!(a["question_id"], qid);
    assert!(a["body_html"]
        .as_str()
        .unwrap()
        .contains("<strong>scattering</strong>"));
    let (status, c) = t
        .post_json(
            &format!("/api/v1/posts/{aid}/comments"),
            Some(&alice),
            json!({"body": "Thanks, see [wiki](https://example.org)"}),
        )
        .await;
    assert_eq!(status, 201, "{c}");
    assert!(
        c["body_html"]
            .as_str()
            .unwrap()
            .contains("rel=\"nofollow ugc noopener\""),
        "{c}"
    );
    let (status, _) = t
        .post_json(
            &format!("/api/v1/posts/{qid}/comments"),
            Some(&bob),
            json!({"body": "Good question"}),
        )
        .await;
    assert_eq!(status, 201);
    let (_, got) = t
        .get_json(&format!("/api/v1/questions/{qid}"), Some(&alice))
        .await;
    assert_eq!(got["answer_count"], 1);
    assert_eq!(got["answers"][0]["author"]["id"], bob_id);
    assert_eq!(
        got["answers"][0]["comments"][0]["body"],
        "Thanks, see [wiki](https://example.org)"
    );
    assert_eq!(got["comments"][0]["body"], "Good question");
    assert_eq!(got["my_vote"], 0);
    // Bad input changes nothing.
    let before = (t.count("posts").await, t.count("comments").await);
    let cases = [
        (
            format!("/api/v1/questions/{qid}/answers"),
            json!({"body": "  "}),
            422,
            "invalid_body",
        ),
        (
            "/api/v1/questions/424242/answers".to_string(),
            json!({"body": "An answer"}),
            404,
            "not_found",
        ),
        (
            format!("/api/v1/questions/{aid}/answers"),
            json!({"body": "Answering an answer"}),
            404,
            "not_found",
        ),
        (
            format!("/api/v1/posts/{qid}/comments"),
            json!({"body": "x".repeat(601)}),
            422,
            "invalid_comment",
        ),
        (
            format!("/api/v1/posts/{qid}/comments"),
            json!({"body": ""}),
            422,
            "invalid_comment",
        ),
        (
            "/api/v1/posts/424242/comments".to_string(),
            json!({"body": "hello there"}),
            404,
            "not_found",
        ),
    ];
    for (path, body, want, code) in cases {
        let (status, answer) = t.post_json(&path, Some(&bob), body).await;
        assert_eq!(status, want, "{path}: {answer}");
        assert_error(&answer, code);
    }
    assert_eq!((t.count("posts").await, t.count("comments").await), before);
}

async fn votes(t: TestApp) {
    let (_, alice) = t.signup("alice").await;
    let (_, bob) = t.signup("bob").await;
    let q = ask(&t, &alice, "Voting works?", &[]).await;
    let path = format!("/api/v1/posts/{}/vote", q["id"]);
    for (value, score) in [(1, 1), (1, 1), (-1, -1), (0, 0), (0, 0), (1, 1)] {
        let (status, body) = t
            .post_json(&path, Some(&bob), json!({"value": value}))
            .await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["score"], score, "after voting {value}");
    }
    let (_, got) = t
        .get_json(&format!("/api/v1/questions/{}", q["id"]), Some(&bob))
        .await;
    assert_eq!(got["my_vote"], 1);
    assert_eq!(t.count("votes").await, 1);
    let (status, body) = t.post_json(&path, Some(&alice), json!({"value": 1})).await;
    assert_eq!(status, 403, "self-vote: {body}");
    assert_error(&body, "forbidden");
    for bad in [
        json!({"value": 2}),
        json!({"value": -2}),
        json!({"value": 100}),
    ] {
        let (status, body) = t.post_json(&path, Some(&bob), bad).await;
        assert_eq!(status, 422);
        assert_error(&body, "invalid_vote");
    }
    let (status, body) = t.post_json(&path, Some(&bob), json!({"value": "up"})).await;
    assert_eq!(status, 422);
    assert_error(&body, "invalid_request");
    let (status, _) = t
        .post_json("/api/v1/posts/999999/vote", Some(&bob), json!({"value": 1}))
        .await;
    assert_eq!(status, 404);
    let (status, _) = t.post_json(&path, None, json!({"value": 1})).await;
    assert_eq!(status, 401);
    let (_, got) = t
        .get_json(&format!("/api/v1/questions/{}", q["id"]), None)
        .await;
    assert_eq!(got["score"], 1);
}

async fn concurrent_votes_are_all_counted(t: TestApp) {
    let (_, alice) = t.signup("alice").await;
    let q = ask(&t, &alice, "Popular question", &[]).await;
    let mut voters = Vec::new();
    for i in 0..8 {
        voters.push(t.signup(&format!("voter{i}")).await.1);
    }
    let path = format!("/api/v1/posts/{}/vote", q["id"]);
    let mut tasks = Vec::new();
    for token in &voters {
        let req = t
            .client
            .post(t.url(&path))
            .bearer_auth(token)
            .json(&json!({"value": 1}));
        tasks.push(tokio::spawn(async move {
            req.send().await.unwrap().status().as_u16()
        }));
    }
    for task in tasks {
        assert_eq!(task.await.unwrap(), 200);
    }
    let (_, got) = t
        .get_json(&format!("/api/v1/questions/{}", q["id"]), None)
        .await;
    assert_eq!(got["score"], 8);
}

/// New posts arriving together are committed together (group commit on SQLite): every one
/// must be kept, counted, indexed and given its own id.
async fn concurrent_answers_are_all_kept(t: TestApp) {
    let (_, alice) = t.signup("alice").await;
    let q = ask(&t, &alice, "Question answered by many at once", &[]).await;
    let path = format!("/api/v1/questions/{}/answers", q["id"]);
    let mut tasks = Vec::new();
    for i in 0..6 {
        let (_, token) = t.signup(&format!("answerer{i}")).await;
        let req = t.client.post(t.url(&path)).bearer_auth(token).json(
            &json!({"body": format!("Answer number {i}: use the zebrawood{i} method and check the result.")}),
        );
        tasks.push(tokio::spawn(async move {
            let res = req.send().await.unwrap();
            let status = res.status().as_u16();
            (status, res.json::<Value>().await.unwrap())
        }));
    }
    let mut ids = Vec::new();
    for task in tasks {
        let (status, a) = task.await.unwrap();
        assert_eq!(status, 201, "{a}");
        ids.push(a["id"].as_i64().unwrap());
    }
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 6, "each answer has its own id");
    let (_, got) = t
        .get_json(&format!("/api/v1/questions/{}", q["id"]), None)
        .await;
    assert_eq!(got["answer_count"], 6, "{got}");
    for i in 0..6 {
        let (_, found) = t
            .get_json(&format!("/api/v1/search?q=zebrawood{i}"), None)
            .await;
        assert_eq!(found["total"], 1, "answer {i} is findable: {found}");
    }
}

async fn acceptance(t: TestApp) {
    let (_, alice) = t.signup("alice").await;
    let (_, bob) = t.signup("bob").await;
    let (_, carol) = t.signup("carol").await;
    let q = ask(&t, &alice, "Which answer is best?", &[]).await;
    let qid = q["id"].as_i64().unwrap();
    let other = ask(&t, &alice, "Another question", &[]).await;
    let mut answers = Vec::new();
    for (token, text) in [(&bob, "First answer"), (&carol, "Second answer")] {
        let (_, a) = t
            .post_json(
                &format!("/api/v1/questions/{qid}/answers"),
                Some(token),
                json!({"body": text}),
            )
            .await;
        answers.push(a["id"].as_i64().unwrap());
    }
    let (_, foreign) = t
        .post_json(
            &format!("/api/v1/questions/{}/answers", other["id"]),
            Some(&bob),
            json!({"body": "Elsewhere"}),
        )
        .await;
    let accept = format!("/api/v1/questions/{qid}/accept");
    let (status, body) = t
        .post_json(&accept, Some(&bob), json!({"answer_id": answers[1]}))
        .await;
    assert_eq!(status, 403, "non-asker: {body}");
    let (status, body) = t
        .post_json(&accept, Some(&alice), json!({"answer_id": foreign["id"]}))
        .await;
    assert_eq!(status, 422);
    assert_error(&body, "answer_of_other_question");
    let (status, body) = t
        .post_json(&accept, Some(&alice), json!({"answer_id": 987654}))
        .await;
    assert_eq!(status, 422);
    assert_error(&body, "unknown_answer");
    let (status, _) = t
        .post_json(
            &format!("/api/v1/questions/{}/accept", answers[0]),
            Some(&alice),
            json!({"answer_id": answers[0]}),
        )
        .await;
    assert_eq!(status, 404, "accepting on an answer id");
    let (_, got) = t.get_json(&format!("/api/v1/questions/{qid}"), None).await;
    assert!(
        got["accepted_answer_id"].is_null(),
        "refusals changed nothing"
    );
    let (status, body) = t
        .post_json(&accept, Some(&alice), json!({"answer_id": answers[1]}))
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["accepted_answer_id"], answers[1]);
    let (_, got) = t.get_json(&format!("/api/v1/questions/{qid}"), None).await;
    assert_eq!(got["accepted_answer_id"], answers[1]);
    assert_eq!(got["answers"][0]["id"], answers[1], "accepted answer first");
    assert_eq!(got["answers"][0]["is_accepted"], true);
    assert_eq!(got["answers"][1]["is_accepted"], false);
    let (status, _) = t
        .post_json(&accept, Some(&alice), json!({"answer_id": answers[0]}))
        .await;
    assert_eq!(status, 200, "change of mind");
    let (status, body) = t
        .post_json(&accept, Some(&alice), json!({"answer_id": null}))
        .await;
    assert_eq!(status, 200);
    assert!(body["accepted_answer_id"].is_null());
    let (_, got) = t.get_json(&format!("/api/v1/questions/{qid}"), None).await;
    assert!(got["accepted_answer_id"].is_null());
}

async fn edits_make_revisions(t: TestApp) {
    let (alice_id, alice) = t.signup("alice").await;
    let (_, bob) = t.signup("bob").await;
    let q = ask(&t, &alice, "Original title here", &["one"]).await;
    let qid = q["id"].as_i64().unwrap();
    let path = format!("/api/v1/posts/{qid}");
    let (status, p) = patch(
        &t,
        &path,
        &alice,
        json!({"title": "Better title here", "tags": ["two", "three"], "comment": "clarified"}),
    )
    .await;
    assert_eq!(status, 200, "{p}");
    assert_eq!(p["title"], "Better title here");
    assert_eq!(p["tags"], json!(["two", "three"]));
    assert_eq!(p["revision_count"], 2);
    assert_eq!(p["last_editor"]["id"], alice_id);
    let (_, a) = t
        .post_json(
            &format!("/api/v1/questions/{qid}/answers"),
            Some(&bob),
            json!({"body": "Old answer"}),
        )
        .await;
    let apath = format!("/api/v1/posts/{}", a["id"]);
    let (status, p) = patch(&t, &apath, &bob, json!({"body": "New answer"})).await;
    assert_eq!(status, 200);
    assert_eq!(p["body"], "New answer");
    let (status, revs) = t
        .get_json(&format!("/api/v1/posts/{qid}/revisions"), None)
        .await;
    assert_eq!(status, 200);
    assert_eq!(revs["total"], 2);
    assert_eq!(revs["items"][0]["number"], 1);
    assert_eq!(revs["items"][0]["title"], "Original title here");
    assert_eq!(revs["items"][1]["comment"], "clarified");
    assert_eq!(revs["items"][1]["author"]["username"], "alice");
    // Refusals change nothing.
    let cases = [
        (
            &path,
            &bob,
            json!({"title": "Hijacked title"}),
            403,
            "forbidden",
        ),
        (&path, &alice, json!({"title": ""}), 422, "invalid_title"),
        (
            &path,
            &alice,
            json!({"tags": ["a", "b", "c", "d", "e", "f"]}),
            422,
            "invalid_tags",
        ),
        (
            &path,
            &alice,
            json!({"title": "Better title here"}),
            422,
            "no_change",
        ),
        (
            &path,
            &alice,
            json!({"body": "new", "comment": "x".repeat(301)}),
            422,
            "invalid_comment",
        ),
        (
            &apath,
            &bob,
            json!({"title": "Answers have none"}),
            422,
            "invalid_edit",
        ),
    ];
    for (p, token, body, want, code) in cases {
        let (status, answer) = patch(&t, p, token, body.clone()).await;
        assert_eq!(status, want, "{body}: {answer}");
        assert_error(&answer, code);
    }
    assert_eq!(t.count("post_revisions").await, 4);
    let (_, tags) = t.get_json("/api/v1/tags", None).await;
    let names: Vec<&str> = tags["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert!(
        names.contains(&"two") && names.contains(&"three") && !names.contains(&"one"),
        "{tags}"
    );
}

async fn deletion(t: TestApp) {
    let (_, alice) = t.signup("alice").await;
    let (_, bob) = t.signup("bob").await;
    let q = ask(&t, &alice, "To be deleted", &["temp"]).await;
    let qid = q["id"].as_i64().unwrap();
    let (_, a) = t
        .post_json(
            &format!("/api/v1/questions/{qid}/answers"),
            Some(&bob),
            json!({"body": "An answer"}),
        )
        .await;
    let del = |path: String, token: String| {
        let req = t.client.delete(t.url(&path)).bearer_auth(token);
        async move { req.send().await.unwrap().status().as_u16() }
    };
    assert_eq!(del(format!("/api/v1/posts/{qid}"), bob.clone()).await, 403);
    assert_eq!(
        del(format!("/api/v1/posts/{}", a["id"]), bob.clone()).await,
        204
    );
    let (_, got) = t.get_json(&format!("/api/v1/questions/{qid}"), None).await;
    assert_eq!(got["answer_count"], 0);
    assert_eq!(
        del(format!("/api/v1/posts/{qid}"), alice.clone()).await,
        204
    );
    let (status, _) = t.get_json(&format!("/api/v1/questions/{qid}"), None).await;
    assert_eq!(status, 404);
    assert_eq!(
        del(format!("/api/v1/posts/{qid}"), alice.clone()).await,
        404
    );
    let (_, list) = t.get_json("/api/v1/questions", None).await;
    assert_eq!(list["total"], 0);
    let (_, tags) = t.get_json("/api/v1/tags", None).await;
    assert_eq!(
        tags["total"], 0,
        "a tag with no live question is not listed"
    );
}

async fn lists_sort_filter_and_page(t: TestApp) {
    let (_, alice) = t.signup("alice").await;
    let (_, bob) = t.signup("bob").await;
    let mut ids = Vec::new();
    for i in 0..5 {
        let tags: &[&str] = if i % 2 == 0 { &["even"] } else { &["odd"] };
        ids.push(
            ask(&t, &alice, &format!("Question number {i}"), tags).await["id"]
                .as_i64()
                .unwrap(),
        );
    }
    // Spread the questions over time, as if asked minutes apart (timestamps have 1 s resolution).
    let pool = t.db().await;
    sqlx::query("UPDATE posts SET created_at = created_at - 1000 + id * 10, last_activity_at = last_activity_at - 1000 + id * 10")
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;
    t.post_json(
        &format!("/api/v1/posts/{}/vote", ids[1]),
        Some(&bob),
        json!({"value": 1}),
    )
    .await;
    t.post_json(
        &format!("/api/v1/questions/{}/answers", ids[0]),
        Some(&bob),
        json!({"body": "answer"}),
    )
    .await;
    let get_ids = |v: &Value| {
        v["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["id"].as_i64().unwrap())
            .collect::<Vec<_>>()
    };
    let (_, newest) = t.get_json("/api/v1/questions?sort=newest", None).await;
    assert_eq!(newest["total"], 5);
    assert_eq!(
        get_ids(&newest),
        vec![ids[4], ids[3], ids[2], ids[1], ids[0]]
    );
    let (_, votes) = t.get_json("/api/v1/questions?sort=votes", None).await;
    assert_eq!(get_ids(&votes)[0], ids[1]);
    let (_, active) = t.get_json("/api/v1/questions?sort=active", None).await;
    assert_eq!(
        get_ids(&active)[0],
        ids[0],
        "the answered question is the most active"
    );
    let (_, unanswered) = t.get_json("/api/v1/questions?sort=unanswered", None).await;
    assert_eq!(unanswered["total"], 4);
    assert!(!get_ids(&unanswered).contains(&ids[0]));
    let (_, even) = t.get_json("/api/v1/questions?tag=even", None).await;
    assert_eq!(even["total"], 3);
    assert_eq!(get_ids(&even), vec![ids[4], ids[2], ids[0]]);
    let (_, page2) = t
        .get_json("/api/v1/questions?per_page=2&page=2", None)
        .await;
    assert_eq!(get_ids(&page2), vec![ids[2], ids[1]]);
    assert_eq!(page2["total"], 5);
    let (_, page9) = t
        .get_json("/api/v1/questions?per_page=2&page=9", None)
        .await;
    assert_eq!(get_ids(&page9), Vec::<i64>::new());
    let item = &newest["items"][0];
    for key in [
        "title",
        "tags",
        "score",
        "answer_count",
        "view_count",
        "author",
        "created_at",
        "url",
    ] {
        assert!(!item[key].is_null(), "list items have {key}");
    }
    for (query, status, code) in [
        ("sort=loudest", 422, "invalid_sort"),
        ("per_page=0", 422, "invalid_per_page"),
        ("per_page=101", 422, "invalid_per_page"),
        ("page=0", 422, "invalid_page"),
        ("page=abc", 422, "invalid_query"),
        ("tag=nosuchtag", 404, "not_found"),
        ("tag=bad%20tag", 422, "invalid_tags"),
    ] {
        let (s, body) = t
            .get_json(&format!("/api/v1/questions?{query}"), None)
            .await;
        assert_eq!(s, status, "{query}: {body}");
        assert_error(&body, code);
    }
}

async fn profiles_and_tags(t: TestApp) {
    let (alice_id, alice) = t.signup("alice").await;
    ask(&t, &alice, "Tagged question one", &["rust", "web"]).await;
    ask(&t, &alice, "Tagged question two", &["rust"]).await;
    let (status, u) = t.get_json(&format!("/api/v1/users/{alice_id}"), None).await;
    assert_eq!(status, 200);
    assert_eq!(u["username"], "alice");
    assert_eq!(u["post_count"], 2);
    assert_eq!(u["trust_level"], 0);
    assert!(
        u.get("email").is_none(),
        "profiles do not reveal e-mail addresses"
    );
    let (status, _) = t.get_json("/api/v1/users/99999", None).await;
    assert_eq!(status, 404);
    let (_, tags) = t.get_json("/api/v1/tags", None).await;
    assert_eq!(
        tags["items"][0],
        json!({"name": "rust", "question_count": 2})
    );
    assert_eq!(
        tags["items"][1],
        json!({"name": "web", "question_count": 1})
    );
    let (_, filtered) = t.get_json("/api/v1/tags?q=we", None).await;
    assert_eq!(filtered["total"], 1);
}

/// Anonymous question pages are served from memory; every write must show at once.
async fn anonymous_pages_follow_writes(t: TestApp) {
    let (_, token) = t.signup("cacheasker").await;
    let q = ask(&t, &token, "Cached pages stay fresh", &["cache"]).await;
    let id = q["id"].as_i64().unwrap();
    let url = t.url(&format!("/questions/{id}/cached-pages-stay-fresh"));
    let anonymous = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let get = |extra: Option<String>| {
        let mut r = anonymous.get(&url);
        if let Some(tag) = extra {
            r = r.header("If-None-Match", tag);
        }
        r.send()
    };
    let page = |path: &'static str| {
        let anonymous = anonymous.clone();
        let url = t.url(path);
        async move {
            anonymous
                .get(url)
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap()
        }
    };
    assert!(page("/").await.contains("Cached pages stay fresh"));
    assert!(page("/tags/cache")
        .await
        .contains("Cached pages stay fresh"));
    let first = get(None).await.unwrap();
    assert_eq!(first.status(), 200);
    let tag = first.headers()["etag"].to_str().unwrap().to_string();
    let first = first.text().await.unwrap();
    let second = get(None).await.unwrap();
    assert_eq!(second.headers()["etag"].to_str().unwrap(), tag);
    assert_eq!(
        second.text().await.unwrap(),
        first,
        "the same page for every anonymous reader"
    );
    assert_eq!(get(Some(tag.clone())).await.unwrap().status(), 304);

    let (status, a) = t
        .post_json(
            &format!("/api/v1/questions/{id}/answers"),
            Some(&token),
            json!({"body": "A freshly written answer about cache invalidation"}),
        )
        .await;
    assert_eq!(status, 201, "{a}");
    let after = get(Some(tag.clone())).await.unwrap();
    assert_eq!(after.status(), 200, "a write makes the cached page stale");
    assert!(after
        .text()
        .await
        .unwrap()
        .contains("A freshly written answer about cache invalidation"));

    let (status, _) = patch(
        &t,
        &format!("/api/v1/posts/{id}"),
        &token,
        json!({"title": "Cached pages follow renames"}),
    )
    .await;
    assert_eq!(status, 200);
    let moved = get(None).await.unwrap();
    assert_eq!(moved.status(), 301);
    assert_eq!(
        moved.headers()["location"],
        format!("/questions/{id}/cached-pages-follow-renames").as_str()
    );
    // The lists cached above follow the rename too.
    assert!(page("/").await.contains("Cached pages follow renames"));
    assert!(page("/tags/cache")
        .await
        .contains("Cached pages follow renames"));
}
