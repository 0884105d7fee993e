//! The assistant (issue 18): passages of the community's answers for a problem in words, with
//! their sources; nothing when nothing answers it; bad input refused.

use crate::both;
use crate::notifications::{answer, ask};
use crate::support::{assert_error, TestApp};
use serde_json::json;

both!(
    the_assistant_answers_from_the_community_or_says_it_does_not_know,
    the_assistant_refuses_bad_input,
    the_assistant_page_works_without_javascript,
    tags_are_suggested_from_the_sites_own_questions,
    drafts_are_coached_and_coached_questions_are_counted,
);

async fn the_assistant_answers_from_the_community_or_says_it_does_not_know(t: TestApp) {
    let (_, ann) = t.signup("ann").await;
    let (_, bob) = t.signup("bob").await;
    let (_, cat) = t.signup("cat").await;
    let q = ask(
        &t,
        &ann,
        "How do I reset the router admin password?",
        &["router"],
        "I changed the admin password of my router months ago and cannot remember it now.",
    )
    .await;
    let good = answer(
        &t,
        &bob,
        q,
        "Hold the reset button on the back of the router for 10 seconds; it restarts with the factory password printed on its label, then open http://192.168.1.1 to set a new one.",
    )
    .await;
    let thanks = answer(&t, &ann, q, "Thanks, that worked for me!").await;
    let (s, _) = t
        .post_json(
            &format!("/api/v1/questions/{q}/accept"),
            Some(&ann),
            json!({"answer_id": good}),
        )
        .await;
    assert_eq!(s, 200);
    let other = ask(
        &t,
        &cat,
        "Which printer ink cartridges last longest?",
        &["printer"],
        "I print a lot of photos and the colour cartridges run out every other week.",
    )
    .await;
    answer(
        &t,
        &bob,
        other,
        "Refillable ink tanks last far longer than cartridges for photo printing.",
    )
    .await;

    let (s, r) = t
        .post_json(
            "/api/v1/assistant",
            None,
            json!({"text": "I forgot the admin password of my router, how can I reset it?"}),
        )
        .await;
    assert_eq!(s, 200, "{r}");
    let items = r["items"].as_array().unwrap();
    assert!(!items.is_empty(), "{r}");
    assert_eq!(items[0]["post_id"].as_i64(), Some(good), "{r}");
    assert_eq!(r["answered"], true, "{r}");
    let url = items[0]["url"].as_str().unwrap();
    assert!(
        url.starts_with(&format!("/questions/{q}/")) && url.ends_with(&format!("#answer-{good}")),
        "{url}"
    );
    assert_eq!(
        items[0]["title"],
        "How do I reset the router admin password?"
    );
    assert!(
        items[0]["passage"]
            .as_str()
            .unwrap()
            .contains("reset button"),
        "{r}"
    );
    let score = items[0]["score"].as_f64().unwrap();
    assert!((0.0..=1.0).contains(&score));
    assert!(
        items.iter().all(|i| i["post_id"].as_i64() != Some(thanks))
            || items.len() > 1
                && items[0]["score"].as_f64() > items.last().unwrap()["score"].as_f64(),
        "the asker's thanks is not the answer: {r}"
    );
    assert!(r["escalate_url"]
        .as_str()
        .unwrap()
        .starts_with("/ask?title="));
    // Scores come best first.
    let scores: Vec<f64> = items.iter().map(|i| i["score"].as_f64().unwrap()).collect();
    assert!(scores.windows(2).all(|w| w[0] >= w[1]), "{scores:?}");

    // Nothing on the site answers this: it says so, and offers the way to a person.
    let (s, r) = t
        .post_json(
            "/api/v1/assistant",
            None,
            json!({"text": "lattice quantum chromodynamics gauge simulation"}),
        )
        .await;
    assert_eq!(s, 200);
    assert_eq!(
        (
            r["items"].as_array().unwrap().len(),
            r["answered"].as_bool()
        ),
        (0, Some(false)),
        "{r}"
    );
    assert!(r["escalate_url"].as_str().unwrap().contains("lattice"));

    // A read-only token may ask; a deleted answer is never offered.
    let (_, tok) = t
        .post_json(
            "/api/v1/me/tokens",
            Some(&cat),
            json!({"name": "r", "scopes": ["read"]}),
        )
        .await;
    let (s, _) = t
        .post_json(
            "/api/v1/assistant",
            tok["token"].as_str(),
            json!({"text": "router admin password reset"}),
        )
        .await;
    assert_eq!(s, 200);
    let (s, _) = t
        .send_json("DELETE", &format!("/api/v1/posts/{good}"), Some(&bob), None)
        .await;
    assert!(s == 200 || s == 204, "{s}");
    let (_, r) = t
        .post_json(
            "/api/v1/assistant",
            None,
            json!({"text": "I forgot the admin password of my router, how can I reset it?"}),
        )
        .await;
    assert!(
        r["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|i| i["post_id"].as_i64() != Some(good)),
        "{r}"
    );
}

async fn the_assistant_refuses_bad_input(t: TestApp) {
    for body in [
        json!({"text": ""}),
        json!({"text": " ?! "}),
        json!({"text": "x".repeat(5001)}),
    ] {
        let (s, e) = t.post_json("/api/v1/assistant", None, body).await;
        assert_eq!(s, 422, "{e}");
        assert_error(&e, "invalid_text");
    }
    let (s, _) = t
        .post_json(
            "/api/v1/assistant",
            None,
            json!({"text": "router", "colour": "red"}),
        )
        .await;
    assert_eq!(s, 422, "unknown fields are refused");
    let (s, _) = t
        .post_json("/api/v1/assistant", None, json!({"tags": ["a"]}))
        .await;
    assert_eq!(s, 422, "text is required");
}

async fn the_assistant_page_works_without_javascript(t: TestApp) {
    let (_, ann) = t.signup("ann").await;
    let (_, bob) = t.signup("bob").await;
    let q = ask(
        &t,
        &ann,
        "How do I pair the remote with the receiver?",
        &["remote"],
        "The manual says to hold a button but nothing blinks at all.",
    )
    .await;
    let a = answer(
        &t,
        &bob,
        q,
        "Take the batteries out for a minute, then hold OK and the red button together for 5 seconds until the light blinks twice.",
    )
    .await;
    let get = |path: String| {
        let c = t.client.clone();
        let url = t.url(&path);
        async move {
            let res = c.get(url).send().await.unwrap();
            (res.status().as_u16(), res.text().await.unwrap())
        }
    };
    let (s, html) =
        get("/assistant?text=my%20remote%20will%20not%20pair%20with%20the%20receiver".into()).await;
    assert_eq!(s, 200);
    assert!(html.contains("From the community"), "{html}");
    assert!(html.contains("red button together"), "the passage is shown");
    assert!(html.contains(&format!("#answer-{a}")), "with its source");
    // The link carries a self-service session: the page asks whether it solved the problem.
    let href = html
        .split("href=\"")
        .map(|h| h.split('"').next().unwrap_or(""))
        .find(|h| h.contains(&format!("#answer-{a}")))
        .unwrap()
        .replace("&amp;", "&");
    assert!(
        href.starts_with(&format!("/questions/{q}/")) && href.contains("?deflection="),
        "{href}"
    );
    let (s, page) = get(href.clone()).await;
    assert_eq!(s, 200, "{href}");
    assert!(page.contains("Did this solve your problem?"), "{page}");
    let (s, html) = get("/assistant?text=lattice%20quantum%20chromodynamics".into()).await;
    assert_eq!(s, 200);
    assert!(html.contains("We found no answer"), "{html}");
    assert!(html.contains("/ask?title=lattice"));
    let (s, html) = get("/assistant?text=%3F%3F".into()).await;
    assert_eq!(s, 200);
    assert!(
        html.contains("Describe the problem in a few words."),
        "{html}"
    );
    // The search page loads it (htmx) and links to it without JavaScript.
    let (_, html) = get("/search?q=remote%20pair".into()).await;
    assert!(
        html.contains("hx-get=\"/assistant?text=remote%20pair\""),
        "{html}"
    );
    assert!(html.contains("<noscript>"));
    // The fragment it loads leaves "contact support" to the search page, which already has it.
    let fragment = reqwest::Client::new()
        .get(t.url("/assistant?text=remote%20pair"))
        .header("HX-Request", "true")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(fragment.contains("From the community"), "{fragment}");
    assert!(!fragment.contains("contact support"), "{fragment}");
    assert!(!fragment.contains("<html"), "a fragment, not a page");
    // The ask page's suggestions carry the passages too.
    let (c, csrf) = t.browser("bob").await;
    let res = c
        .post(t.url("/ask/similar"))
        .header("HX-Request", "true")
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("title", "remote does not pair with receiver"),
            ("body", ""),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let fragment = res.text().await.unwrap();
    assert!(fragment.contains("From the community"), "{fragment}");
    assert!(
        fragment.contains("deflection="),
        "passages continue the session: {fragment}"
    );
}

async fn tags_are_suggested_from_the_sites_own_questions(t: TestApp) {
    let (_, ann) = t.signup("ann").await;
    let (_, bob) = t.signup("bob").await;
    let drafts = [
        (
            "Router drops the wifi every evening",
            &["router", "wifi"][..],
            "The wireless network disappears at night and the router lights blink.",
        ),
        (
            "Router admin page will not open",
            &["router"][..],
            "The admin page of the router times out in every browser.",
        ),
        (
            "Wifi is slow upstairs",
            &["wifi"][..],
            "The wireless signal is weak on the first floor.",
        ),
        (
            "Printer prints blank pages",
            &["printer", "ink"][..],
            "The printer feeds the paper but nothing is printed, although the ink is new.",
        ),
        (
            "Printer ink smears on photo paper",
            &["printer", "ink"][..],
            "Fresh prints smear when I touch them; the ink does not dry.",
        ),
        (
            "Printer is offline on the laptop",
            &["printer"][..],
            "The laptop shows the printer as offline although it is on.",
        ),
    ];
    for (i, (title, tags, body)) in drafts.iter().enumerate() {
        ask(&t, if i % 2 == 0 { &ann } else { &bob }, title, tags, body).await;
    }
    let suggest = |title: &str, body: &str| {
        let url = reqwest::Url::parse_with_params(
            "http://stoa/api/v1/tags/suggest",
            [("title", title), ("body", body)],
        )
        .unwrap();
        let path = format!("/api/v1/tags/suggest?{}", url.query().unwrap_or(""));
        let t = &t;
        async move { t.get_json(&path, None).await }
    };
    let (s, v) = suggest("The printer smears ink on every page", "").await;
    assert_eq!(s, 200, "{v}");
    let tags: Vec<&str> = v["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["tag"].as_str().unwrap())
        .collect();
    assert_eq!(&tags[..2], &["printer", "ink"], "{v}");
    assert_eq!(v["items"][0]["score"], 1.0);
    assert!(tags.len() <= 5);
    let (_, v) = suggest("My wireless router keeps dropping", "").await;
    assert_eq!(v["items"][0]["tag"], "router", "{v}");
    // Only tags the site has; nothing when the words are new to it.
    let (_, v) = suggest("Quantum flux capacitor", "zyxxy").await;
    assert_eq!(v["items"], json!([]), "{v}");

    // A question asked now teaches it at once (a tag nobody used before).
    ask(
        &t,
        &ann,
        "Scanner saves every page sideways",
        &["scanner"],
        "The scanner rotates each scanned page by ninety degrees.",
    )
    .await;
    let (_, v) = suggest("Scanner output is rotated", "").await;
    assert_eq!(v["items"][0]["tag"], "scanner", "{v}");

    // Bad drafts are refused with what to fix.
    let (s, e) = suggest("", " ").await;
    assert_eq!(s, 422, "{e}");
    assert_error(&e, "invalid_draft");
    let (s, e) = suggest(&"long ".repeat(100), "").await;
    assert_eq!(s, 422, "{e}");
    assert_error(&e, "invalid_draft");
    let (s, e) = t
        .get_json("/api/v1/tags/suggest?title=printer&title=ink", None)
        .await;
    assert_eq!(s, 422, "{e}");
    assert_error(&e, "invalid_query");

    // The ask page shows them under the tags field (htmx), leaving out chosen ones.
    let (c, csrf) = t.browser("bob").await;
    let res = c
        .post(t.url("/ask/tags"))
        .header("HX-Request", "true")
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("title", "printer ink smears"),
            ("body", ""),
            ("tags", "ink"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let fragment = res.text().await.unwrap();
    assert!(fragment.contains("data-add-tag=\"printer\""), "{fragment}");
    assert!(!fragment.contains("data-add-tag=\"ink\""), "{fragment}");
}

async fn drafts_are_coached_and_coached_questions_are_counted(t: TestApp) {
    let (_, ann) = t.signup("ann").await;
    let q = ask(
        &t,
        &ann,
        "How do I reset the router admin password?",
        &["router"],
        "I changed the admin password of my router months ago and cannot remember it now.",
    )
    .await;
    let (_, bob) = t.signup("bob").await;
    let good = crate::notifications::answer(
        &t,
        &bob,
        q,
        "Hold the reset button for ten seconds; the label has the factory password.",
    )
    .await;
    let (s, _) = t
        .post_json(
            &format!("/api/v1/questions/{q}/accept"),
            Some(&ann),
            json!({"answer_id": good}),
        )
        .await;
    assert_eq!(s, 200);

    let (c, csrf) = t.browser("bob").await;
    let coach = |title: &'static str, body: &'static str, shown: String| {
        let (c, csrf, t) = (&c, &csrf, &t);
        async move {
            let res = c
                .post(t.url("/ask/coach"))
                .header("HX-Request", "true")
                .form(&[
                    ("csrf_token", csrf.as_str()),
                    ("title", title),
                    ("body", body),
                    ("coached", shown.as_str()),
                ])
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), 200);
            res.text().await.unwrap()
        }
    };
    // A failure report without the error or the device: both are asked for, and the hidden
    // field remembers what was shown.
    let f = coach(
        "Printer fails",
        "It does not work since this morning.",
        String::new(),
    )
    .await;
    assert!(f.contains("Before you post"), "{f}");
    assert!(f.contains("exact error message"), "{f}");
    assert!(f.contains("version, device or model"), "{f}");
    assert!(
        f.contains("value=\"error_message version title_specific title_question\""),
        "{f}"
    );
    // A complete draft gets no hints, but what was shown stays remembered.
    let f = coach(
        "Why does the LaserJet M15w print blank pages?",
        "On Windows 11 it shows `Error 0x61011bed` after the update.",
        "version".into(),
    )
    .await;
    assert!(!f.contains("Before you post"), "{f}");
    assert!(f.contains("name=\"coached\" value=\"version\""), "{f}");
    // The same question as one with an accepted answer: read it first.
    let f = coach(
        "How can I reset my router admin password?",
        "",
        String::new(),
    )
    .await;
    assert!(f.contains(&format!("href=\"/questions/{q}\"")), "{f}");
    assert!(f.contains("which has an accepted answer"), "{f}");

    // The same through the API, for forms of one's own; bad input is refused.
    let (s, v) = t
        .post_json(
            "/api/v1/questions/coach",
            None,
            json!({"title": "Printer fails", "body": "It does not work."}),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["hints"][0]["code"], "error_message", "{v}");
    assert_eq!(v["duplicate"], serde_json::Value::Null);
    let (_, v) = t
        .post_json(
            "/api/v1/questions/coach",
            None,
            json!({"title": "How can I reset my router admin password?"}),
        )
        .await;
    assert_eq!(v["duplicate"]["id"], q, "{v}");
    let (s, e) = t
        .post_json(
            "/api/v1/questions/coach",
            None,
            json!({"title": "x".repeat(301)}),
        )
        .await;
    assert_eq!(s, 422, "{e}");
    assert_error(&e, "invalid_draft");
    let (s, _) = t
        .post_json("/api/v1/questions/coach", None, json!({"titel": "typo"}))
        .await;
    assert_eq!(s, 422);

    // Posting records what the draft was shown; the health page counts coached questions.
    let res = c
        .post(t.url("/ask"))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("title", "Why does my scanner stop halfway through a page?"),
            (
                "body",
                "The Canon LiDE 300 stops with `Error 5,156,52` on Windows 10.",
            ),
            ("tags", "scanner"),
            ("coached", "error_message version bogus"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let pool = t.db().await;
    let (shown, remaining): (String, String) = sqlx::query_as(
        "SELECT c.shown, c.remaining FROM question_coaching c JOIN posts p ON p.id = c.post_id
         WHERE p.title LIKE 'Why does my scanner%'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    pool.close().await;
    assert_eq!(
        (shown.as_str(), remaining.as_str()),
        ("error_message version", "")
    );
    let (s, h) = t.get_json("/api/v1/health", None).await;
    assert_eq!(s, 200, "{h}");
    assert!(h.to_string().contains("coached_answered_rate"), "{h}");
}
