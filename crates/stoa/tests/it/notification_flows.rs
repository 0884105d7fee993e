//! Governance events that notify (suggested edits and their review, appeals), the job queue's
//! dead letters as admins see them, and the notification pages a person clicks through.

use crate::both;
use crate::notifications::{answer, ask, notifications};
use crate::support::{assert_error, csrf_of, TestApp};
use serde_json::{json, Value};

both!(
    suggestions_and_appeals_notify,
    dead_letters_are_listed_and_retried,
    notification_pages,
);

fn kinds(n: &Value) -> Vec<String> {
    let mut k: Vec<String> = n["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["kind"].as_str().unwrap().to_string())
        .collect();
    k.sort();
    k
}

async fn suggestions_and_appeals_notify(t: TestApp) {
    let (_, ann) = t.signup("ann").await;
    let (_, bob) = t.signup("bob").await;
    let (m1_id, m1) = t.signup("mod1").await;
    let (m2_id, m2) = t.signup("mod2").await;
    t.make_admin(m1_id).await;
    t.make_admin(m2_id).await;
    let q = ask(
        &t,
        &ann,
        "Hub app shows the wrong temperature unit",
        &["app"],
        "Everything is in Fahrenheit although my phone uses Celsius.",
    )
    .await;
    t.settle().await;
    let (s, sug) = t
        .post_json(
            &format!("/api/v1/posts/{q}/suggested-edits"),
            Some(&bob),
            json!({"title": "Hub app shows temperatures in the wrong unit", "comment": "clearer"}),
        )
        .await;
    assert_eq!(s, 201, "{sug}");
    assert_eq!(
        kinds(&notifications(&t, &ann).await),
        vec!["suggested_edit"]
    );
    let (s, v) = t
        .post_json(
            &format!("/api/v1/suggested-edits/{}/review", sug["id"]),
            Some(&m1),
            json!({"outcome": "approve"}),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    let bob_n = notifications(&t, &bob).await;
    assert_eq!(kinds(&bob_n), vec!["suggestion_reviewed"], "{bob_n}");
    assert!(bob_n["items"][0]["text"]
        .as_str()
        .unwrap()
        .contains("was approved"));

    // A moderation action, its appeal, and the decision: the author hears of both.
    let (s, act) = t
        .post_json(
            "/api/v1/moderation/actions",
            Some(&m1),
            json!({"action": "lock", "target_type": "post", "target_id": q, "category": "other",
                   "reason": "Not about the hub"}),
        )
        .await;
    assert_eq!(s, 201, "{act}");
    let action_id = act["id"].as_i64().unwrap();
    let (s, ap) = t
        .post_json(
            &format!("/api/v1/moderation/actions/{action_id}/appeal"),
            Some(&ann),
            json!({"text": "It is about the hub's own app, which the hub ships with."}),
        )
        .await;
    assert_eq!(s, 201, "{ap}");
    let (s, v) = t
        .post_json(
            &format!("/api/v1/moderation/appeals/{}/decision", ap["id"]),
            Some(&m2),
            json!({"outcome": "reverse", "reason": "The app is part of the product"}),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    let n = notifications(&t, &ann).await;
    let k = kinds(&n);
    assert!(k.contains(&"moderation".to_string()), "{n}");
    assert!(k.contains(&"appeal_decided".to_string()), "{n}");
    let decided = n["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["kind"] == "appeal_decided")
        .unwrap();
    let text = decided["text"].as_str().unwrap();
    assert!(
        text.contains("granted") && text.contains("The app is part of the product"),
        "{text}"
    );

    // A flag handled by a moderator tells the flagger how it went.
    let (carl_id, carl) = t.signup("carl").await;
    let pool = t.db().await;
    sqlx::query("UPDATE users SET reputation = 5000 WHERE id = $1")
        .bind(carl_id)
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;
    let a = answer(
        &t,
        &bob,
        q,
        "Change the unit under Settings, then Region, in the hub app itself.",
    )
    .await;
    let (s, v) = t
        .post_json(
            &format!("/api/v1/posts/{a}/flags"),
            Some(&carl),
            json!({"reason": "low_quality"}),
        )
        .await;
    assert_eq!(s, 201, "{v}");
    let (s, v) = t
        .post_json(
            &format!("/api/v1/review/flagged/{a}"),
            Some(&m1),
            json!({"outcome": "dismiss", "reason": "A fine answer"}),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    let n = notifications(&t, &carl).await;
    assert_eq!(kinds(&n), vec!["flag_handled"], "{n}");
    assert!(n["items"][0]["text"]
        .as_str()
        .unwrap()
        .contains("was declined"));
}

async fn dead_letters_are_listed_and_retried(t: TestApp) {
    let (admin_id, admin) = t.signup("root").await;
    t.make_admin(admin_id).await;
    let (_, member) = t.signup("mia").await;
    let pool = t.db().await;
    sqlx::query(
        "INSERT INTO jobs (queue, kind, payload, run_at, created_at) VALUES ('default', 'no.such.kind', '{}', 0, 0)",
    )
    .execute(&pool)
    .await
    .unwrap();
    pool.close().await;
    t.settle().await;
    let (s, v) = t.get_json("/api/v1/admin/jobs", Some(&admin)).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["dead"], 1, "{v}");
    let job = &v["items"][0];
    assert_eq!(job["kind"], "no.such.kind");
    assert_eq!(job["attempts"], 1, "unknown kinds die at once");
    assert!(job["last_error"].as_str().unwrap().contains("no handler"));
    let id = job["id"].as_i64().unwrap();

    let (s, _) = t.get_json("/api/v1/admin/jobs", Some(&member)).await;
    assert_eq!(s, 403);
    let (s, _) = t
        .post_json(
            &format!("/api/v1/admin/jobs/{id}/retry"),
            Some(&member),
            json!({}),
        )
        .await;
    assert_eq!(s, 403);
    let (s, _) = t
        .post_json(
            &format!("/api/v1/admin/jobs/{id}/retry"),
            Some(&admin),
            json!({}),
        )
        .await;
    assert_eq!(s, 202);
    // It runs again (and, having no handler, dies again after one more try).
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let (_, v) = t.get_json("/api/v1/admin/jobs", Some(&admin)).await;
        if v["dead"] == 1 && v["items"][0]["attempts"] == 1 && v["queued"] == 0 {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "{v}");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    // Only dead jobs can be retried.
    let (s, e) = t
        .post_json("/api/v1/admin/jobs/999999/retry", Some(&admin), json!({}))
        .await;
    assert_eq!(s, 404);
    assert_error(&e, "not_found");

    // The page lists it for admins only.
    login(&t, "root").await;
    let res = t.client.get(t.url("/admin/jobs")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let html = res.text().await.unwrap();
    assert!(html.contains("no.such.kind") && html.contains("Retry job"));
}

/// Logs the test client in through the form.
async fn login(t: &TestApp, username: &str) {
    let page = t
        .client
        .get(t.url("/login"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let res = t
        .client
        .post(t.url("/login"))
        .form(&[
            ("csrf_token", csrf_of(&page).as_str()),
            ("login", username),
            ("password", "correct horse battery"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303, "log in {username}");
}

async fn page(t: &TestApp, path: &str) -> String {
    let res = t.client.get(t.url(path)).send().await.unwrap();
    assert_eq!(res.status(), 200, "{path}");
    res.text().await.unwrap()
}

async fn notification_pages(t: TestApp) {
    let (_, ann) = t.signup("ann").await;
    let (_, bob) = t.signup("bob").await;
    let q = ask(
        &t,
        &ann,
        "Smart plug reports zero watts for the fridge",
        &["plugs"],
        "The fridge clearly runs, yet the plug shows zero all day.",
    )
    .await;
    for body in [
        "Fridges draw power in bursts; look at the daily energy, not the live watts.",
        "Some plugs need a minimum load of 2 W before they report anything at all.",
        "Calibrate the plug from its advanced settings after a firmware update.",
    ] {
        answer(&t, &bob, q, body).await;
    }
    t.settle().await;
    login(&t, "ann").await;

    // Three answers on one question: one line, "and 2 more like it"; the badge counts three.
    let html = page(&t, "/notifications").await;
    assert!(html.contains("bob answered your question"), "{html}");
    assert!(html.contains("and 2 more like it"), "{html}");
    let badge = page(&t, "/notifications/count").await;
    assert!(badge.contains("data-testid=\"unread-count\">3<"), "{badge}");
    let home = page(&t, "/").await;
    assert!(home.contains("data-testid=\"unread-count\">3<"));

    // Opening the group marks it read and goes to the answer.
    let (_, list) = t.get_json("/api/v1/notifications", Some(&ann)).await;
    let first = list["items"][0]["id"].as_i64().unwrap();
    let res = t
        .client
        .get(t.url(&format!("/notifications/{first}")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let to = res.headers()["location"].to_str().unwrap().to_string();
    assert!(to.starts_with(&format!("/questions/{q}/")), "{to}");
    assert_eq!(
        t.get_json("/api/v1/notifications", Some(&ann)).await.1["unread"],
        0
    );
    let badge = page(&t, "/notifications/count").await;
    assert!(!badge.contains("unread-count"), "{badge}");

    // Settings through the form: answers off, digest for comments, no auto-follow.
    let settings = page(&t, "/settings/notifications").await;
    assert!(settings.contains("A new answer to my question"));
    let res = t
        .client
        .post(t.url("/settings/notifications"))
        .form(&[
            ("csrf_token", csrf_of(&settings).as_str()),
            ("channel_answer", "off"),
            ("channel_comment", "weekly"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let (_, s) = t
        .get_json("/api/v1/me/notification-settings", Some(&ann))
        .await;
    assert_eq!(s["channels"]["answer"], "off");
    assert_eq!(s["channels"]["comment"], "weekly");
    assert_eq!(s["auto_follow"], false);
    // A bad channel in the form changes nothing and says why.
    let res = t
        .client
        .post(t.url("/settings/notifications"))
        .form(&[
            ("csrf_token", csrf_of(&settings).as_str()),
            ("channel_answer", "carrier-pigeon"),
            ("auto_follow", "1"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.text().await.unwrap().contains("is not a channel"));
    let (_, s) = t
        .get_json("/api/v1/me/notification-settings", Some(&ann))
        .await;
    assert_eq!(s["channels"]["answer"], "off");
    assert_eq!(s["auto_follow"], false);

    // The follow button on a tag page, and stopping from the settings page.
    let tag = page(&t, "/tags/plugs").await;
    assert!(
        tag.contains("data-testid=\"follow-button\">Follow<"),
        "{tag}"
    );
    let follow = |unfollow: bool| {
        let t = &t;
        let csrf = csrf_of(&tag);
        async move {
            let mut form = vec![
                ("csrf_token", csrf),
                ("target_type", "tag".to_string()),
                ("target", "plugs".to_string()),
                ("back", "/tags/plugs".to_string()),
            ];
            if unfollow {
                form.push(("unfollow", "1".to_string()));
            }
            t.client
                .post(t.url("/follow"))
                .form(&form)
                .send()
                .await
                .unwrap()
        }
    };
    let res = follow(false).await;
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"], "/tags/plugs");
    assert!(page(&t, "/tags/plugs")
        .await
        .contains("data-testid=\"follow-button\">Following<"));
    assert!(page(&t, "/settings/notifications")
        .await
        .contains("Stop following plugs"));
    assert_eq!(follow(true).await.status(), 303);
    assert!(page(&t, "/tags/plugs")
        .await
        .contains("data-testid=\"follow-button\">Follow<"));
    // Without the CSRF token nothing happens.
    let res = t
        .client
        .post(t.url("/follow"))
        .form(&[("target_type", "tag"), ("target", "plugs")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    let (_, follows) = t.get_json("/api/v1/me/follows", Some(&ann)).await;
    assert_eq!(
        follows["items"].as_array().unwrap().len(),
        1,
        "only her question"
    );
    let _ = bob;
}
