//! The knowledge base on both backends: categories, promoting answers to articles (permission,
//! attribution, search), articles lists, pages and edits, and "was this helpful?".

use crate::both;
use crate::support::{assert_error, client, csrf_of, TestApp};
use serde_json::{json, Value};

both!(
    categories_are_for_staff,
    promote_answer_to_article,
    helpful_feedback,
    anonymous_feedback_earns_nothing,
    kb_pages
);

async fn set_user(t: &TestApp, id: i64, column: &str, value: &str) {
    let pool = t.db().await;
    let sql = match column {
        "role" => "UPDATE users SET role = $2 WHERE id = $1",
        _ => "UPDATE users SET reputation = CAST($2 AS BIGINT) WHERE id = $1",
    };
    sqlx::query(sql)
        .bind(id)
        .bind(value)
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;
}

async fn staff(t: &TestApp, name: &str) -> String {
    let (id, token) = t.signup(name).await;
    set_user(t, id, "role", "agent").await;
    token
}

async fn category(t: &TestApp, token: &str, name: &str) -> Value {
    let (status, c) = t
        .post_json("/api/v1/categories", Some(token), json!({"name": name}))
        .await;
    assert_eq!(status, 201, "{c}");
    c
}

/// A question about backups by alice with an answer by bob: (question id, answer id).
async fn answered(t: &TestApp) -> (i64, i64, String, String) {
    let (_, alice) = t.signup("alice").await;
    let (_, bob) = t.signup("bob").await;
    let (status, q) = t
        .post_json(
            "/api/v1/questions",
            Some(&alice),
            json!({"title": "How do I back up a live SQLite database?", "body": "Copying the file gives corrupt backups.", "tags": ["sqlite", "backup"]}),
        )
        .await;
    assert_eq!(status, 201, "{q}");
    let (status, a) = t
        .post_json(
            &format!("/api/v1/questions/{}/answers", q["id"]),
            Some(&bob),
            json!({"body": "Use `VACUUM INTO 'backup.db'`: it writes a consistent snapshot while writers continue."}),
        )
        .await;
    assert_eq!(status, 201, "{a}");
    (
        q["id"].as_i64().unwrap(),
        a["id"].as_i64().unwrap(),
        alice,
        bob,
    )
}

async fn categories_are_for_staff(t: TestApp) {
    let (_, member) = t.signup("member").await;
    let agent = staff(&t, "agent_ann").await;
    let (status, body) = t
        .post_json(
            "/api/v1/categories",
            Some(&member),
            json!({"name": "Backups"}),
        )
        .await;
    assert_eq!(status, 403, "{body}");
    assert_error(&body, "forbidden");
    let (status, _) = t
        .post_json("/api/v1/categories", None, json!({"name": "Backups"}))
        .await;
    assert_eq!(status, 401);
    assert_eq!(t.count("categories").await, 0, "nothing created");

    let c = category(&t, &agent, "Backups & restores").await;
    assert_eq!(c["slug"], "backups-restores");
    assert_eq!(c["article_count"], 0);
    let (status, body) = t
        .post_json(
            "/api/v1/categories",
            Some(&agent),
            json!({"name": "Backups again", "slug": "backups-restores"}),
        )
        .await;
    assert_eq!(status, 409, "{body}");
    assert_error(&body, "category_exists");
    for (input, code) in [
        (json!({"name": "x"}), "invalid_category_name"),
        (
            json!({"name": "Fine", "slug": "Not A Slug"}),
            "invalid_category_slug",
        ),
        (
            json!({"name": "Fine", "description": "d".repeat(301)}),
            "invalid_category_description",
        ),
    ] {
        let (status, body) = t.post_json("/api/v1/categories", Some(&agent), input).await;
        assert_eq!(status, 422, "{body}");
        assert_error(&body, code);
    }
    let res = t
        .client
        .post(t.url("/api/v1/categories"))
        .bearer_auth(&agent)
        .body("{not json")
        .header("content-type", "application/json")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    assert_eq!(t.count("categories").await, 1, "refusals change nothing");
    let (status, list) = t.get_json("/api/v1/categories", None).await;
    assert_eq!(status, 200);
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    assert_eq!(list["items"][0]["name"], "Backups & restores");

    // Documented in the OpenAPI document.
    let (_, doc) = t.get_json("/api/v1/openapi.json", None).await;
    for path in [
        "/api/v1/categories",
        "/api/v1/articles",
        "/api/v1/articles/{id}",
        "/api/v1/articles/{id}/feedback",
        "/api/v1/posts/{id}/promote",
        "/api/v1/deflection/stats",
    ] {
        assert!(doc["paths"][path].is_object(), "{path} is documented");
    }
    assert!(doc["components"]["schemas"]["Article"].is_object());
}

async fn promote_answer_to_article(t: TestApp) {
    let (question, answer, alice, bob) = answered(&t).await;
    let agent = staff(&t, "agent_ann").await;
    category(&t, &agent, "Backups").await;
    let (carol_id, carol) = t.signup("carol").await;
    let promote = |token: String, id: i64, body: Value| {
        let t = &t;
        async move {
            t.post_json(&format!("/api/v1/posts/{id}/promote"), Some(&token), body)
                .await
        }
    };
    let posts_before = t.count("posts").await;

    // Members below trust level 3 may not promote; nothing is created.
    let (status, body) = promote(carol.clone(), answer, json!({"category": "backups"})).await;
    assert_eq!(status, 403, "{body}");
    assert_error(&body, "forbidden");
    let (status, _) = promote(alice.clone(), answer, json!({"category": "backups"})).await;
    assert_eq!(status, 403, "asking the question grants nothing");
    let (status, _) = t
        .post_json(
            &format!("/api/v1/posts/{answer}/promote"),
            None,
            json!({"category": "backups"}),
        )
        .await;
    assert_eq!(status, 401);
    assert_eq!(t.count("posts").await, posts_before);

    // A trusted member (reputation ≥ 1,000) may, with a valid category, and only answers.
    set_user(&t, carol_id, "reputation", "1000").await;
    let (status, body) = promote(carol.clone(), answer, json!({"category": "nope"})).await;
    assert_eq!(status, 422, "{body}");
    assert_error(&body, "unknown_category");
    let (status, body) = promote(carol.clone(), question, json!({"category": "backups"})).await;
    assert_eq!(status, 422, "{body}");
    assert_error(&body, "not_an_answer");
    let (status, body) = promote(
        carol.clone(),
        answer,
        json!({"category": "backups", "title": "!"}),
    )
    .await;
    assert_eq!(status, 422, "{body}");
    assert_error(&body, "invalid_title");
    let (status, body) = promote(carol.clone(), 999_999, json!({"category": "backups"})).await;
    assert_eq!(status, 404, "{body}");
    assert_eq!(t.count("posts").await, posts_before);

    let (status, article) = promote(
        carol.clone(),
        answer,
        json!({"category": "backups", "title": "Backing up a live SQLite database"}),
    )
    .await;
    assert_eq!(status, 201, "{article}");
    let id = article["id"].as_i64().unwrap();
    assert_eq!(
        article["author"]["username"], "bob",
        "the answer's author keeps the authorship"
    );
    assert_eq!(article["promoted_by"]["username"], "carol");
    assert_eq!(article["source_answer_id"], answer);
    assert_eq!(article["source_question_id"], question);
    assert_eq!(article["category"]["slug"], "backups");
    assert_eq!(article["tags"], json!(["sqlite", "backup"]));
    assert!(article["body"].as_str().unwrap().contains("VACUUM INTO"));
    assert_eq!(
        article["url"],
        format!("/kb/articles/{id}/backing-up-a-live-sqlite-database")
    );
    // Once only.
    let (status, body) = promote(agent.clone(), answer, json!({"category": "backups"})).await;
    assert_eq!(status, 409, "{body}");
    assert_error(&body, "already_promoted");

    // Findable at once, as an article, with `is:article`, and suggested to new askers.
    let (_, r) = t
        .get_json("/api/v1/search?q=vacuum%20is%3Aarticle", None)
        .await;
    assert_eq!(r["total"], 1, "{r}");
    assert_eq!(r["items"][0]["id"], id);
    assert_eq!(r["items"][0]["kind"], "article");
    assert_eq!(r["items"][0]["url"], article["url"]);
    let (_, r) = t
        .get_json("/api/v1/search?q=%5Bsqlite%5D%20is%3Aarticle", None)
        .await;
    assert_eq!(r["total"], 1, "a tag alone finds articles too: {r}");
    let (_, r) = t
        .get_json("/api/v1/search?q=vacuum%20is%3Aquestion", None)
        .await;
    assert_eq!(r["items"][0]["id"], question, "{r}");
    let (_, r) = t
        .get_json(
            "/api/v1/similar?title=Backup%20of%20a%20live%20sqlite%20database",
            None,
        )
        .await;
    let kinds: Vec<&str> = r["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["kind"].as_str().unwrap())
        .collect();
    assert!(kinds.contains(&"article"), "{r}");

    // Lists and categories count it.
    let (status, list) = t.get_json("/api/v1/articles", None).await;
    assert_eq!(status, 200);
    assert_eq!(list["total"], 1);
    assert_eq!(list["items"][0]["id"], id);
    assert_eq!(list["items"][0]["helpful"], json!({"yes": 0, "no": 0}));
    let (_, list) = t
        .get_json("/api/v1/articles?category=backups&per_page=5", None)
        .await;
    assert_eq!(list["total"], 1);
    let (status, body) = t.get_json("/api/v1/articles?category=missing", None).await;
    assert_eq!(status, 404, "{body}");
    let (status, _) = t.get_json("/api/v1/articles?per_page=0", None).await;
    assert_eq!(status, 422);
    let (_, cats) = t.get_json("/api/v1/categories", None).await;
    assert_eq!(cats["items"][0]["article_count"], 1);

    // Versioned like any post: the author edits it, the history grows, search follows.
    let res = t
        .client
        .patch(t.url(&format!("/api/v1/posts/{id}")))
        .bearer_auth(&bob)
        .json(&json!({"body": "Use `VACUUM INTO` or the online backup API.", "comment": "Mention the backup API"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let (_, revs) = t
        .get_json(&format!("/api/v1/posts/{id}/revisions"), None)
        .await;
    let revs = revs["items"].as_array().unwrap().clone();
    assert_eq!(revs.len(), 2);
    assert_eq!(revs[0]["author"]["username"], "bob");
    let (_, r) = t
        .get_json(
            "/api/v1/search?q=online%20backup%20api%20is%3Aarticle",
            None,
        )
        .await;
    assert_eq!(r["items"][0]["id"], id, "{r}");
    let (status, shown) = t.get_json(&format!("/api/v1/articles/{id}"), None).await;
    assert_eq!(status, 200);
    assert_eq!(shown["revision_count"], 2);
    let (status, _) = t
        .get_json(&format!("/api/v1/articles/{question}"), None)
        .await;
    assert_eq!(status, 404, "a question is not an article");

    // Staff may promote without reputation.
    let (_, dave) = t.signup("dave").await;
    let (_, other) = t
        .post_json(
            &format!("/api/v1/questions/{question}/answers"),
            Some(&dave),
            json!({"body": "Or stop the writers and copy the file with its WAL."}),
        )
        .await;
    let (status, body) = promote(
        agent.clone(),
        other["id"].as_i64().unwrap(),
        json!({"category": "backups"}),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(
        body["title"], "How do I back up a live SQLite database?",
        "the question's title by default"
    );
}

async fn helpful_feedback(t: TestApp) {
    let (question, answer, alice, bob) = answered(&t).await;
    let agent = staff(&t, "agent_ann").await;
    category(&t, &agent, "Backups").await;
    let (status, article) = t
        .post_json(
            &format!("/api/v1/posts/{answer}/promote"),
            Some(&agent),
            json!({"category": "backups"}),
        )
        .await;
    assert_eq!(status, 201, "{article}");
    let id = article["id"].as_i64().unwrap();
    let path = format!("/api/v1/articles/{id}/feedback");

    let (status, counts) = t
        .post_json(&path, Some(&alice), json!({"helpful": true}))
        .await;
    assert_eq!(status, 200, "{counts}");
    assert_eq!(counts, json!({"yes": 1, "no": 0}));
    // Answering again changes the answer rather than adding one.
    let (_, counts) = t
        .post_json(
            &path,
            Some(&alice),
            json!({"helpful": false, "comment": "Say which SQLite version is needed."}),
        )
        .await;
    assert_eq!(counts, json!({"yes": 0, "no": 1}));
    let (_, counts) = t
        .post_json(&path, Some(&bob), json!({"helpful": true}))
        .await;
    assert_eq!(counts, json!({"yes": 1, "no": 1}));
    assert_eq!(t.count("article_feedback").await, 2);

    // Bad input changes nothing.
    let (status, body) = t
        .post_json(
            &path,
            Some(&bob),
            json!({"helpful": false, "comment": "x".repeat(1001)}),
        )
        .await;
    assert_eq!(status, 422, "{body}");
    assert_error(&body, "invalid_comment");
    let (status, _) = t
        .post_json(&path, Some(&bob), json!({"comment": "no choice"}))
        .await;
    assert_eq!(status, 422);
    let (status, _) = t.post_json(&path, None, json!({"helpful": true})).await;
    assert_eq!(status, 401);
    let (status, body) = t
        .post_json(
            &format!("/api/v1/articles/{question}/feedback"),
            Some(&bob),
            json!({"helpful": true}),
        )
        .await;
    assert_eq!(status, 404, "{body}");
    let (_, shown) = t.get_json(&format!("/api/v1/articles/{id}"), None).await;
    assert_eq!(shown["helpful"], json!({"yes": 1, "no": 1}));

    // In the browser, visitors answer too (with the CSRF token); staff read the comments.
    let visitor = client();
    let url = article["url"].as_str().unwrap().to_string();
    let page = visitor
        .get(t.url(&url))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("Was this helpful?"));
    assert!(
        !page.contains("Say which SQLite version"),
        "comments are for staff"
    );
    let res = visitor
        .post(t.url(&format!("/kb/articles/{id}/feedback")))
        .form(&[("helpful", "yes")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403, "CSRF missing");
    let res = visitor
        .post(t.url(&format!("/kb/articles/{id}/feedback")))
        .form(&[
            ("csrf_token", csrf_of(&page).as_str()),
            ("helpful", "maybe"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    assert_eq!(t.count("article_feedback").await, 2);
    let res = visitor
        .post(t.url(&format!("/kb/articles/{id}/feedback")))
        .form(&[
            ("csrf_token", csrf_of(&page).as_str()),
            ("helpful", "yes"),
            ("comment", "<script>alert(1)</script> clear!"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(
        res.headers()["location"],
        format!("{url}#feedback").as_str()
    );
    let page = visitor
        .get(t.url(&url))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("you said this was helpful"),
        "the visitor sees their answer"
    );
    let (_, shown) = t.get_json(&format!("/api/v1/articles/{id}"), None).await;
    assert_eq!(shown["helpful"], json!({"yes": 2, "no": 1}));

    let staff_browser = client();
    let login = staff_browser
        .get(t.url("/login"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let res = staff_browser
        .post(t.url("/login"))
        .form(&[
            ("csrf_token", csrf_of(&login).as_str()),
            ("login", "agent_ann"),
            ("password", "correct horse battery"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let page = staff_browser
        .get(t.url(&url))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("Say which SQLite version is needed."));
    assert!(page.contains("2 found it helpful, 1 did not"));
    assert!(
        page.contains("alert(1)") && !page.contains("<script>alert"),
        "comments are escaped"
    );

    // A member counts once, whether answering through the API or the page.
    let (alice_browser, alice_csrf) = t.browser("alice").await;
    let res = alice_browser
        .post(t.url(&format!("/kb/articles/{id}/feedback")))
        .form(&[("csrf_token", alice_csrf.as_str()), ("helpful", "yes")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let (_, shown) = t.get_json(&format!("/api/v1/articles/{id}"), None).await;
    assert_eq!(
        shown["helpful"],
        json!({"yes": 3, "no": 0}),
        "alice changed her answer instead of adding one"
    );
    // Visitors without an account choose their own cookie, so they are limited per address:
    // fresh cookies cannot stuff the count.
    let before = t.count("article_feedback").await;
    let mut statuses = Vec::new();
    for _ in 0..12 {
        statuses.push(fresh_visitor_says(&t, &url, id, "no").await);
    }
    let accepted = statuses.iter().filter(|s| **s == 303).count() as i64;
    assert!(accepted < 12, "{statuses:?}");
    assert!(statuses.contains(&429), "{statuses:?}");
    assert_eq!(t.count("article_feedback").await, before + accepted);
}

async fn kb_pages(t: TestApp) {
    let (question, answer, _, _) = answered(&t).await;
    staff(&t, "agent_ann").await;
    t.signup("carol").await;

    // Staff add categories through the form on /kb (with CSRF); others do not see it.
    let browser = client();
    let login_as = |name: &'static str| {
        let browser = browser.clone();
        let t = &t;
        async move {
            // The ask page always has a form (log-in redirects someone already logged in).
            let page = browser
                .get(t.url("/ask"))
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap();
            let res = browser
                .post(t.url("/login"))
                .form(&[
                    ("csrf_token", csrf_of(&page).as_str()),
                    ("login", name),
                    ("password", "correct horse battery"),
                ])
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), 303);
        }
    };
    login_as("carol").await;
    let page = browser
        .get(t.url("/kb"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!page.contains("Add a category"));
    let q_url = format!("/questions/{question}");
    let res = browser.get(t.url(&q_url)).send().await.unwrap();
    let q_page = browser
        .get(t.url(res.headers()["location"].to_str().unwrap()))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        !q_page.contains("Promote to article"),
        "members below trust level 3 see no button"
    );
    let res = browser
        .get(t.url(&format!("/posts/{answer}/promote")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);

    login_as("agent_ann").await;
    let page = browser
        .get(t.url("/kb"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("Add a category"));
    let res = browser
        .post(t.url("/kb"))
        .form(&[("name", "Getting started")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403, "CSRF missing");
    let res = browser
        .post(t.url("/kb"))
        .form(&[("csrf_token", csrf_of(&page).as_str()), ("name", "G")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    assert_eq!(t.count("categories").await, 0);
    let res = browser
        .post(t.url("/kb"))
        .form(&[
            ("csrf_token", csrf_of(&page).as_str()),
            ("name", "Backups"),
            ("description", "Keeping data safe"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"], "/kb/backups");

    // Staff see "Promote to article" on answers and use the form.
    let q_page = browser
        .get(t.url(&format!(
            "/questions/{question}/how-do-i-back-up-a-live-sqlite-database"
        )))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(q_page.contains(&format!("/posts/{answer}/promote")));
    let form = browser
        .get(t.url(&format!("/posts/{answer}/promote")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(form.contains("Promote an answer to an article"));
    let res = browser
        .post(t.url(&format!("/posts/{answer}/promote")))
        .form(&[
            ("csrf_token", csrf_of(&form).as_str()),
            ("category", "backups"),
            ("title", "Back up SQLite while it runs"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let article_url = res.headers()["location"].to_str().unwrap().to_string();
    assert!(article_url.starts_with("/kb/articles/"), "{article_url}");
    let article = browser
        .get(t.url(&article_url))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(article.contains("Back up SQLite while it runs"));
    assert!(article.contains("Promoted from"), "attribution");
    assert!(
        article.contains(&format!("#answer-{answer}")),
        "links back to the answer"
    );
    assert!(article.contains(">bob</a>"), "the author is named");
    // Articles are suggested while asking, and their page asks whether they solved the problem.
    let ask = browser
        .get(t.url("/ask"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let fragment = browser
        .post(t.url("/ask/similar"))
        .header("HX-Request", "true")
        .form(&[
            ("csrf_token", csrf_of(&ask).as_str()),
            ("title", "Back up a running SQLite database"),
            ("body", ""),
        ])
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let marker = format!("{article_url}?deflection=");
    let start = fragment.find(&marker).expect("the article is suggested") + marker.len();
    let session = fragment[start..start + 32].to_string();
    let id: i64 = article_url.split('/').nth(3).unwrap().parse().unwrap();
    let page = browser
        .get(t.url(&format!("{article_url}?deflection={session}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("This solved my problem"));
    let res = browser
        .post(t.url(&format!("/deflection/{session}/solved")))
        .form(&[
            ("csrf_token", csrf_of(&ask).as_str()),
            ("post_id", id.to_string().as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(
        res.headers()["location"],
        format!("{article_url}?deflection={session}#deflection").as_str()
    );

    // The article id path without slug redirects to the canonical page; a question id does not.
    let res = browser
        .get(t.url(&format!("/kb/articles/{id}")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 301);
    let res = browser
        .get(t.url(&format!("/kb/articles/{question}")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
    let res = browser
        .get(t.url(&format!("/questions/{id}")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404, "articles live in the knowledge base");

    // Index and category pages list it; an unknown category is a 404.
    let index = browser
        .get(t.url("/kb"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(index.contains("Backups") && index.contains("1 article"));
    let cat = browser
        .get(t.url("/kb/backups"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(cat.contains("Back up SQLite while it runs"));
    assert!(cat.contains("Keeping data safe"));
    let res = browser
        .get(t.url("/kb/no-such-thing"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);

    // The search page links articles to the knowledge base.
    let results = browser
        .get(t.url("/search?q=sqlite%20is%3Aarticle"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(results.contains(&article_url), "{results}");
    assert!(results.contains("1 result"));

    // Its author edits it through the edit page.
    login_as("bob").await;
    let edit = browser
        .get(t.url(&format!("/posts/{id}/edit")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(edit.contains("Edit article"));
}

/// Anonymous "was this helpful?" answers are shown to readers but earn nothing: anyone can
/// answer again from a new browser. Rewards count signed-in members' answers, never the
/// author's own.
async fn anonymous_feedback_earns_nothing(t: TestApp) {
    let (_, answer, alice, bob) = answered(&t).await;
    let agent = staff(&t, "agent_ann").await;
    category(&t, &agent, "Backups").await;
    let (status, article) = t
        .post_json(
            &format!("/api/v1/posts/{answer}/promote"),
            Some(&agent),
            json!({"category": "backups"}),
        )
        .await;
    assert_eq!(status, 201, "{article}");
    let id = article["id"].as_i64().unwrap();
    let path = format!("/api/v1/articles/{id}/feedback");
    for member in [&alice, &bob] {
        let (status, v) = t
            .post_json(&path, Some(member), json!({"helpful": true}))
            .await;
        assert_eq!(status, 200, "{v}");
    }
    let url = article["url"].as_str().unwrap().to_string();
    for _ in 0..2 {
        assert_eq!(fresh_visitor_says(&t, &url, id, "yes").await, 303);
    }
    let (_, shown) = t.get_json(&format!("/api/v1/articles/{id}"), None).await;
    assert_eq!(
        shown["helpful"],
        json!({"yes": 4, "no": 0}),
        "readers see every answer"
    );

    let (_, admin) = crate::governance::with_role(&t, "root", "admin").await;
    let now = stoa_store::now();
    let (s, p) = t
        .post_json(
            "/api/v1/rewards/periods",
            Some(&admin),
            json!({"starts_at": stoa_domain::time::format_rfc3339(now - 3600),
                "ends_at": stoa_domain::time::format_rfc3339(now + 3600),
                "pool_minor": 10_000, "currency": "EUR"}),
        )
        .await;
    assert_eq!(s, 201, "{p}");
    let (_, me) = t.get_json("/api/v1/me", Some(&bob)).await;
    let (s, st) = t
        .get_json(
            &format!("/api/v1/rewards/periods/{}/users/{}", p["id"], me["id"]),
            None,
        )
        .await;
    assert_eq!(s, 200, "{st}");
    let helpful: Vec<&Value> = st["contributions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["kind"] == "article_helpful")
        .collect();
    assert_eq!(helpful.len(), 1, "only alice's answer counts: {st}");
}

/// A visitor without an account, in a fresh browser, reads the article at `url` and answers
/// "was this helpful?" with `helpful` (`yes`/`no`); the status of the answer.
async fn fresh_visitor_says(t: &TestApp, url: &str, id: i64, helpful: &str) -> u16 {
    let visitor = client();
    let page = visitor
        .get(t.url(url))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    visitor
        .post(t.url(&format!("/kb/articles/{id}/feedback")))
        .form(&[
            ("csrf_token", csrf_of(&page).as_str()),
            ("helpful", helpful),
        ])
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}
