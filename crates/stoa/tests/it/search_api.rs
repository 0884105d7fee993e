//! Search and similar questions through the API, on both backends.

use crate::both;
use crate::support::{assert_error, TestApp};
use serde_json::{json, Value};

both!(
    search_finds_new_edited_and_not_deleted,
    search_filters_and_phrases,
    search_odd_queries,
    similar_questions
);

async fn ask(t: &TestApp, token: &str, title: &str, body: &str, tags: &[&str]) -> i64 {
    let (status, q) = t
        .post_json(
            "/api/v1/questions",
            Some(token),
            json!({"title": title, "body": body, "tags": tags}),
        )
        .await;
    assert_eq!(status, 201, "{q}");
    q["id"].as_i64().unwrap()
}

fn ids(v: &Value) -> Vec<i64> {
    v["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_i64().unwrap())
        .collect()
}

async fn search(t: &TestApp, q: &str) -> Value {
    let res = t
        .client
        .get(t.url("/api/v1/search"))
        .query(&[("q", q)])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200, "search {q:?}");
    res.json().await.unwrap()
}

async fn search_finds_new_edited_and_not_deleted(t: TestApp) {
    let (_, alice) = t.signup("alice").await;
    let (_, bob) = t.signup("bob").await;
    let espresso = ask(
        &t,
        &alice,
        "Espresso tastes bitter",
        "My espresso shots are bitter and sour.",
        &["espresso"],
    )
    .await;
    let grinder = ask(
        &t,
        &alice,
        "Which grinder for pour-over?",
        "Looking for a burr grinder.",
        &["grinders"],
    )
    .await;
    let r = search(&t, "bitter espresso").await;
    assert_eq!(ids(&r)[0], espresso, "{r}");
    assert_eq!(r["total"], 1);
    let item = &r["items"][0];
    assert_eq!(item["kind"], "question");
    assert!(
        item["snippet"].as_str().unwrap().contains("<mark>"),
        "{item}"
    );
    assert!(item["score"].as_f64().unwrap() > 0.0);
    // Stemming: "grinding" finds "grinder"? No: different stems; but "grinders" finds "grinder".
    assert_eq!(ids(&search(&t, "grinders").await), vec![grinder]);
    // Answers make a question findable by their words.
    t.post_json(
        &format!("/api/v1/questions/{grinder}/answers"),
        Some(&bob),
        json!({"body": "Try a Comandante hand mill."}),
    )
    .await;
    assert_eq!(ids(&search(&t, "comandante").await), vec![grinder]);
    // A second answer adds its words without losing the first's (answers are appended).
    let (_, second) = t
        .post_json(
            &format!("/api/v1/questions/{grinder}/answers"),
            Some(&alice),
            json!({"body": "A Timemore works too."}),
        )
        .await;
    assert_eq!(ids(&search(&t, "timemore").await), vec![grinder]);
    assert_eq!(ids(&search(&t, "comandante").await), vec![grinder]);
    // Deleting an answer rebuilds the document without its words.
    let del = t
        .client
        .delete(t.url(&format!("/api/v1/posts/{}", second["id"])))
        .bearer_auth(&alice)
        .send()
        .await
        .unwrap();
    assert_eq!(del.status(), 204);
    assert_eq!(ids(&search(&t, "timemore").await), Vec::<i64>::new());
    assert_eq!(ids(&search(&t, "comandante").await), vec![grinder]);
    // Edited: findable by the new words, not the old ones.
    let res = t
        .client
        .patch(t.url(&format!("/api/v1/posts/{espresso}")))
        .bearer_auth(&alice)
        .json(&json!({"title": "Ristretto tastes bitter"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(ids(&search(&t, "ristretto").await), vec![espresso]);
    assert!(
        !ids(&search(&t, "espresso shots").await).is_empty(),
        "body words still match"
    );
    let del = t
        .client
        .delete(t.url(&format!("/api/v1/posts/{espresso}")))
        .bearer_auth(&alice)
        .send()
        .await
        .unwrap();
    assert_eq!(del.status(), 204);
    assert_eq!(ids(&search(&t, "ristretto").await), Vec::<i64>::new());
    assert_eq!(search(&t, "ristretto").await["total"], 0);
}

async fn search_filters_and_phrases(t: TestApp) {
    let (_, alice) = t.signup("alice").await;
    let (_, bob) = t.signup("bob").await;
    let a = ask(
        &t,
        &alice,
        "Milk steaming temperature",
        "How hot should steamed milk be for a latte?",
        &["milk", "latte"],
    )
    .await;
    let b = ask(
        &t,
        &alice,
        "Steaming oat milk",
        "Oat milk does not foam when steaming.",
        &["milk"],
    )
    .await;
    let c = ask(
        &t,
        &alice,
        "Latte art basics",
        "Pouring a heart with steamed milk.",
        &["latte"],
    )
    .await;
    let (_, ans) = t
        .post_json(
            &format!("/api/v1/questions/{b}/answers"),
            Some(&bob),
            json!({"body": "Use barista oat milk."}),
        )
        .await;
    t.post_json(
        &format!("/api/v1/questions/{b}/accept"),
        Some(&alice),
        json!({"answer_id": ans["id"]}),
    )
    .await;
    let mut all = ids(&search(&t, "milk").await);
    all.sort();
    assert_eq!(all, vec![a, b, c]);
    let mut latte = ids(&search(&t, "milk [latte]").await);
    latte.sort();
    assert_eq!(latte, vec![a, c]);
    let res = t
        .client
        .get(t.url("/api/v1/search"))
        .query(&[("q", "milk"), ("tag", "latte")])
        .send()
        .await
        .unwrap();
    let mut via_param = ids(&res.json().await.unwrap());
    via_param.sort();
    assert_eq!(via_param, vec![a, c]);
    assert_eq!(ids(&search(&t, "milk is:accepted").await), vec![b]);
    assert_eq!(ids(&search(&t, "\"steamed milk be\"").await), vec![a]);
    assert_eq!(
        ids(&search(&t, "\"milk steamed\"").await),
        Vec::<i64>::new(),
        "phrases are ordered"
    );
    assert_eq!(search(&t, "milk is:article").await["total"], 0);
    let tag_only = ids(&search(&t, "[latte]").await);
    assert_eq!(tag_only.len(), 2, "a tag alone lists its posts");
}

async fn search_odd_queries(t: TestApp) {
    let (_, alice) = t.signup("alice").await;
    ask(
        &t,
        &alice,
        "Why <b>bold</b> & \"quotes\"?",
        "Text with <script>alert(1)</script> and <b>bold</b> words.",
        &[],
    )
    .await;
    for q in [
        "",
        "   ",
        "!!! ??? ...",
        "\"",
        "[",
        "is:",
        "the and of",
        "\u{1F600}",
    ] {
        let r = search(&t, q).await;
        assert!(r["items"].is_array(), "{q:?} → {r}");
    }
    let r = search(&t, "bold").await;
    let snippet = r["items"][0]["snippet"].as_str().unwrap();
    assert!(
        !snippet.contains("<b>") && !snippet.contains("<script"),
        "snippets never inject HTML: {snippet}"
    );
    // Typo tolerance: a misspelt word that matches nothing is corrected to a close indexed one.
    ask(
        &t,
        &alice,
        "Descaling the espresso machine",
        "Use citric acid for descaling.",
        &[],
    )
    .await;
    let r = search(&t, "espreso").await;
    assert_eq!(r["total"], 1, "{r}");
    assert_eq!(r["corrected_query"], "espresso", "{r}");
    let r = search(&t, "bold").await;
    assert!(
        r.get("corrected_query").is_none(),
        "exact matches are never corrected: {r}"
    );
    let long = "word ".repeat(200);
    let res = t
        .client
        .get(t.url("/api/v1/search"))
        .query(&[("q", long.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    assert_error(&res.json().await.unwrap(), "query_too_long");
    let res = t
        .client
        .get(t.url("/api/v1/search"))
        .query(&[("q", "bold"), ("per_page", "500")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
}

async fn similar_questions(t: TestApp) {
    let (_, alice) = t.signup("alice").await;
    let wifi = ask(
        &t,
        &alice,
        "Printer not connecting to wifi",
        "My printer cannot join the wireless network after a router change.",
        &["printer"],
    )
    .await;
    ask(
        &t,
        &alice,
        "Refund for a late order",
        "My order arrived two weeks late; can I get a refund?",
        &["orders"],
    )
    .await;
    let res = t
        .client
        .get(t.url("/api/v1/similar"))
        .query(&[("q", "printer wifi connection problem")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let r: Value = res.json().await.unwrap();
    assert_eq!(ids(&r).first(), Some(&wifi), "{r}");
    assert_eq!(
        ids(&r).len(),
        1,
        "unrelated questions are not suggested: {r}"
    );
    let res = t
        .client
        .get(t.url("/api/v1/similar"))
        .query(&[
            ("title", "Printer offline"),
            (
                "body",
                "the wireless printer is offline since the new router",
            ),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(ids(&res.json().await.unwrap()).first(), Some(&wifi));
    let (status, r) = t.get_json("/api/v1/similar?q=", None).await;
    assert_eq!(status, 200);
    assert_eq!(r["items"], json!([]));
    let (status, r) = t.get_json("/api/v1/similar?q=printer&limit=0", None).await;
    assert_eq!(status, 422, "{r}");
}
