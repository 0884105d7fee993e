//! Deflection sessions on both backends: suggestions while asking (htmx and the no-JavaScript
//! preview), "This solved my problem", posted and abandoned outcomes, and the staff report.

use crate::both;
use crate::support::{assert_error, client, csrf_of, TestApp};
use serde_json::{json, Value};

both!(
    suggestions_then_solved,
    posted_abandoned_and_conflicts,
    preview_and_anonymous_posting,
    report_is_for_staff
);

async fn ask(t: &TestApp, token: &str, title: &str, body: &str) -> (i64, String) {
    let (status, q) = t
        .post_json(
            "/api/v1/questions",
            Some(token),
            json!({"title": title, "body": body, "tags": ["printers"]}),
        )
        .await;
    assert_eq!(status, 201, "{q}");
    (
        q["id"].as_i64().unwrap(),
        q["url"].as_str().unwrap().to_string(),
    )
}

/// Two questions: one about printers (the suggestion), one unrelated.
async fn seed(t: &TestApp) -> (i64, String, i64, String) {
    let (_, alice) = t.signup("alice").await;
    let (wifi, wifi_url) = ask(
        t,
        &alice,
        "Printer not connecting to wifi",
        "My printer cannot join the wireless network after a router change.",
    )
    .await;
    let (refund, refund_url) = ask(
        t,
        &alice,
        "Refund for a late order",
        "My order arrived two weeks late; can I get a refund?",
    )
    .await;
    (wifi, wifi_url, refund, refund_url)
}

async fn get_html(c: &reqwest::Client, url: String) -> (u16, String) {
    let res = c.get(url).send().await.unwrap();
    (res.status().as_u16(), res.text().await.unwrap())
}

/// Opens the ask page in `c` and returns its CSRF token.
async fn ask_page_csrf(t: &TestApp, c: &reqwest::Client) -> String {
    let (status, page) = get_html(c, t.url("/ask")).await;
    assert_eq!(status, 200, "anyone may open the ask page");
    csrf_of(&page)
}

/// The htmx request made while typing; returns the fragment.
async fn similar(
    t: &TestApp,
    c: &reqwest::Client,
    csrf: &str,
    title: &str,
    body: &str,
    session: Option<&str>,
) -> String {
    let mut form = vec![("csrf_token", csrf), ("title", title), ("body", body)];
    if let Some(s) = session {
        form.push(("deflection", s));
    }
    let res = c
        .post(t.url("/ask/similar"))
        .header("HX-Request", "true")
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    res.text().await.unwrap()
}

fn token_in(html: &str) -> Option<String> {
    let marker = "name=\"deflection\" value=\"";
    let start = html.find(marker)? + marker.len();
    Some(html[start..start + 32].to_string())
}

async fn outcome(t: &TestApp) -> Vec<(Option<String>, Option<i64>, Option<i64>)> {
    let pool = t.db().await;
    let rows: Vec<(Option<String>, Option<i64>, Option<i64>)> = sqlx::query_as(
        "SELECT outcome, solved_post_id, question_id FROM deflection_sessions ORDER BY id",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    pool.close().await;
    rows
}

async fn solve(
    t: &TestApp,
    c: &reqwest::Client,
    session: &str,
    csrf: &str,
    post_id: i64,
) -> reqwest::Response {
    c.post(t.url(&format!("/deflection/{session}/solved")))
        .form(&[("csrf_token", csrf), ("post_id", &post_id.to_string())])
        .send()
        .await
        .unwrap()
}

async fn staff_token(t: &TestApp, name: &str) -> String {
    let (id, token) = t.signup(name).await;
    let pool = t.db().await;
    sqlx::query("UPDATE users SET role = 'agent' WHERE id = $1")
        .bind(id)
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;
    token
}

async fn suggestions_then_solved(t: TestApp) {
    let (wifi, wifi_url, refund, refund_url) = seed(&t).await;
    // An anonymous visitor types a question.
    let visitor = client();
    let csrf = ask_page_csrf(&t, &visitor).await;
    let nothing = similar(&t, &visitor, &csrf, "Hi", "", None).await;
    assert!(token_in(&nothing).is_none(), "no suggestion, no session");
    assert_eq!(t.count("deflection_sessions").await, 0);
    let frag = similar(&t, &visitor, &csrf, "Printer offline", "wifi printer", None).await;
    let session = token_in(&frag).expect("a session once suggestions are shown");
    assert!(
        frag.contains(&format!("{wifi_url}?deflection={session}")),
        "{frag}"
    );
    assert!(
        !frag.contains(&refund_url),
        "unrelated questions are not suggested"
    );
    assert!(frag.contains("<mark>"), "matched words are highlighted");
    // Typing on continues the same session.
    let again = similar(
        &t,
        &visitor,
        &csrf,
        "Printer offline after router change",
        "wifi",
        Some(&session),
    )
    .await;
    assert_eq!(token_in(&again).as_deref(), Some(session.as_str()));
    assert_eq!(t.count("deflection_sessions").await, 1);
    assert_eq!(t.count("deflection_suggestions").await, 1);

    // The suggested page asks "did this solve your problem?", only when reached from it.
    let (_, plain) = get_html(&visitor, t.url(&wifi_url)).await;
    assert!(!plain.contains("This solved my problem"));
    let from_suggestion = t.url(&format!("{wifi_url}?deflection={session}"));
    let (status, page) = get_html(&visitor, from_suggestion.clone()).await;
    assert_eq!(status, 200);
    assert!(page.contains("This solved my problem"), "{page}");
    // Someone else with the link (another browser) is not asked.
    let other = client();
    let (_, theirs) = get_html(&other, from_suggestion.clone()).await;
    assert!(!theirs.contains("This solved my problem"));
    // A page that was not suggested is not asked either.
    let (_, unrelated) = get_html(
        &visitor,
        t.url(&format!("{refund_url}?deflection={session}")),
    )
    .await;
    assert!(!unrelated.contains("This solved my problem"));

    // Bad attempts change nothing: no CSRF, an unsuggested page, an unknown or foreign session.
    let res = visitor
        .post(t.url(&format!("/deflection/{session}/solved")))
        .form(&[("post_id", wifi.to_string())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403, "CSRF missing");
    assert_eq!(
        solve(&t, &visitor, &session, &csrf, refund).await.status(),
        422
    );
    let unknown = "0123456789abcdef0123456789abcdef";
    assert_eq!(
        solve(&t, &visitor, unknown, &csrf, wifi).await.status(),
        404
    );
    assert_eq!(
        solve(&t, &visitor, "not-a-token", &csrf, wifi)
            .await
            .status(),
        404
    );
    let other_csrf = csrf_of(&get_html(&other, t.url("/ask")).await.1);
    assert_eq!(
        solve(&t, &other, &session, &other_csrf, wifi)
            .await
            .status(),
        404
    );
    assert_eq!(outcome(&t).await, vec![(None, None, None)]);

    // "This solved my problem" ends the session; the page now says thanks.
    let res = solve(&t, &visitor, &session, &csrf, wifi).await;
    assert_eq!(res.status(), 303);
    let to = res.headers()["location"].to_str().unwrap().to_string();
    assert_eq!(to, format!("{wifi_url}?deflection={session}#deflection"));
    assert_eq!(
        outcome(&t).await,
        vec![(Some("solved".into()), Some(wifi), None)]
    );
    let (_, thanks) = get_html(&visitor, from_suggestion).await;
    assert!(thanks.contains("Glad this helped"));
    assert!(!thanks.contains("This solved my problem"));
    // Pressing again (htmx) changes nothing and answers with the thanks fragment.
    let res = visitor
        .post(t.url(&format!("/deflection/{session}/solved")))
        .header("HX-Request", "true")
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("post_id", &wifi.to_string()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.text().await.unwrap().contains("Glad this helped"));
    assert_eq!(t.count("deflection_sessions").await, 1);

    // The staff report counts it.
    let staff = staff_token(&t, "agent_ann").await;
    let (status, stats) = t.get_json("/api/v1/deflection/stats", Some(&staff)).await;
    assert_eq!(status, 200, "{stats}");
    assert_eq!(stats["total"]["sessions"], 1);
    assert_eq!(stats["total"]["solved"], 1);
    assert_eq!(stats["total"]["rate"], 1.0);
    assert_eq!(stats["days"].as_array().unwrap().len(), 30);
    let today = stats["days"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(today["solved"], 1, "{today}");
    assert_eq!(stats["top_solving"][0]["id"], wifi);
    assert_eq!(stats["top_solving"][0]["solved"], 1);
    assert_eq!(stats["top_solving"][0]["opened"], 1);
    assert_eq!(stats["top_solving"][0]["url"], wifi_url.as_str());
}

async fn posted_abandoned_and_conflicts(t: TestApp) {
    let (wifi, wifi_url, _, _) = seed(&t).await;
    // A logged-in person (browser session) sees suggestions and posts anyway.
    let bob = client();
    let page = get_html(&bob, t.url("/signup")).await.1;
    let res = bob
        .post(t.url("/signup"))
        .form(&[
            ("csrf_token", csrf_of(&page).as_str()),
            ("username", "bob"),
            ("email", "bob@example.com"),
            ("password", "long enough pw"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let csrf = ask_page_csrf(&t, &bob).await;
    let frag = similar(&t, &bob, &csrf, "Printer wifi trouble", "", None).await;
    let posted_session = token_in(&frag).unwrap();
    let res = bob
        .post(t.url("/ask"))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("title", "Printer wifi trouble on a mesh network"),
            ("body", "Nothing in the suggestions covers mesh routers."),
            ("tags", "printers"),
            ("deflection", posted_session.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let question: i64 = res.headers()["location"]
        .to_str()
        .unwrap()
        .split('/')
        .nth(2)
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(
        outcome(&t).await,
        vec![(Some("posted".into()), None, Some(question))]
    );
    // Marking a posted session as solved afterwards is refused and changes nothing.
    let res = solve(&t, &bob, &posted_session, &csrf, wifi).await;
    assert_eq!(res.status(), 409);
    assert_eq!(
        outcome(&t).await,
        vec![(Some("posted".into()), None, Some(question))]
    );

    // A second flow goes quiet: after 30 minutes it counts as abandoned, even before
    // housekeeping stamps it.
    let csrf = ask_page_csrf(&t, &bob).await;
    let frag = similar(&t, &bob, &csrf, "wifi printer", "", None).await;
    let quiet_session = token_in(&frag).unwrap();
    let pool = t.db().await;
    sqlx::query(
        "UPDATE deflection_sessions SET last_seen_at = last_seen_at - 3600 WHERE outcome IS NULL",
    )
    .execute(&pool)
    .await
    .unwrap();
    pool.close().await;
    let staff = staff_token(&t, "agent_ann").await;
    let (_, stats) = t
        .get_json("/api/v1/deflection/stats?days=1", Some(&staff))
        .await;
    assert_eq!(stats["days"].as_array().unwrap().len(), 1);
    assert_eq!(stats["total"]["sessions"], 2, "{stats}");
    assert_eq!(stats["total"]["posted"], 1);
    assert_eq!(stats["total"]["abandoned"], 1);
    assert_eq!(stats["total"]["open"], 0);
    assert_eq!(stats["total"]["rate"], 0.0);
    // Housekeeping stamps it; coming back later and finding the answer still counts, because
    // "abandoned" was only a conclusion drawn from silence.
    let pool = t.db().await;
    sqlx::query("UPDATE deflection_sessions SET outcome = 'abandoned' WHERE outcome IS NULL")
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;
    let (_, page) = get_html(
        &bob,
        t.url(&format!("{wifi_url}?deflection={quiet_session}")),
    )
    .await;
    assert!(page.contains("This solved my problem"));
    assert_eq!(
        solve(&t, &bob, &quiet_session, &csrf, wifi).await.status(),
        303
    );
    let (_, stats) = t.get_json("/api/v1/deflection/stats", Some(&staff)).await;
    assert_eq!(stats["total"]["solved"], 1);
    assert_eq!(stats["total"]["abandoned"], 0);
    assert_eq!(stats["total"]["rate"], 0.5);
}

async fn preview_and_anonymous_posting(t: TestApp) {
    let (_, wifi_url, _, _) = seed(&t).await;
    // Without JavaScript, Preview shows the suggestions and carries the session.
    let visitor = client();
    let csrf = ask_page_csrf(&t, &visitor).await;
    let res = visitor
        .post(t.url("/ask"))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("title", "My printer lost its wifi"),
            (
                "body",
                "Since the new router the wireless printer is offline.",
            ),
            ("tags", ""),
            ("preview", "1"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let page = res.text().await.unwrap();
    let session = token_in(&page).expect("the preview carries the session");
    assert!(page.contains(&format!("{wifi_url}?deflection={session}")));
    // Posting while logged out leads to log-in and back, with the title and the session.
    let res = visitor
        .post(t.url("/ask"))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("title", "My printer lost its wifi"),
            (
                "body",
                "Since the new router the wireless printer is offline.",
            ),
            ("deflection", session.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let to = res.headers()["location"].to_str().unwrap().to_string();
    assert!(to.starts_with("/login?next=/ask"), "{to}");
    assert!(to.contains(&session), "{to}");
    // The ask page prefilled from a search shows suggestions at once, without JavaScript.
    let (status, page) = get_html(&visitor, t.url("/ask?title=printer%20wifi&tags=printers")).await;
    assert_eq!(status, 200);
    assert!(page.contains("value=\"printer wifi\""));
    assert!(page.contains("value=\"printers\""));
    assert!(page.contains(&wifi_url), "{page}");
    // The htmx endpoint is not a page: a plain request is sent to the ask form.
    let res = visitor
        .post(t.url("/ask/similar"))
        .form(&[("csrf_token", csrf.as_str()), ("title", "printer")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    // And it needs the CSRF token like any form.
    let res = visitor
        .post(t.url("/ask/similar"))
        .header("HX-Request", "true")
        .form(&[("title", "printer")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
}

async fn report_is_for_staff(t: TestApp) {
    let (_, member) = t.signup("member").await;
    let (status, body) = t.get_json("/api/v1/deflection/stats", Some(&member)).await;
    assert_eq!(status, 403, "{body}");
    assert_error(&body, "forbidden");
    let (status, body) = t.get_json("/api/v1/deflection/stats", None).await;
    assert_eq!(status, 401);
    assert_error(&body, "unauthenticated");
    let staff = staff_token(&t, "agent_ann").await;
    let (status, body) = t
        .get_json("/api/v1/deflection/stats?days=0", Some(&staff))
        .await;
    assert_eq!(status, 422);
    assert_error(&body, "invalid_days");
    let (status, body) = t.get_json("/api/v1/deflection/stats", Some(&staff)).await;
    assert_eq!(status, 200);
    assert_eq!(body["total"]["sessions"], 0);
    assert_eq!(body["total"]["rate"], Value::Null);

    // The page: log-in for visitors, 403 for members, the report for staff.
    let visitor = client();
    let res = visitor
        .get(t.url("/staff/deflection"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let browser = client();
    let login = |name: &'static str| {
        let browser = browser.clone();
        let url = t.url("/login");
        let home = t.url("/");
        async move {
            // Form tokens are bound to the session: take one from the current session's page
            // (the log-in form for a visitor, the log-out form for a member).
            let mut page = get_html(&browser, url.clone()).await.1;
            if !page.contains("csrf_token") {
                page = get_html(&browser, home).await.1;
            }
            browser
                .post(url)
                .form(&[
                    ("csrf_token", csrf_of(&page).as_str()),
                    ("login", name),
                    ("password", "correct horse battery"),
                ])
                .send()
                .await
                .unwrap()
        }
    };
    assert_eq!(login("member").await.status(), 303);
    let (status, _) = get_html(&browser, t.url("/staff/deflection")).await;
    assert_eq!(status, 403);
    assert_eq!(login("agent_ann").await.status(), 303);
    let (status, report) = get_html(&browser, t.url("/staff/deflection")).await;
    assert_eq!(status, 200);
    assert!(report.contains("Self-service resolution"));
    assert!(report.contains("class=\"bars\""));
    assert!(!report.contains("style="), "no inline styles (CSP)");
}
