//! Notifications end to end: events fan out through the job queue into in-app notifications,
//! follows, settings, and their bad input.

use crate::both;
use crate::support::{assert_error, TestApp};
use serde_json::{json, Value};

both!(
    events_notify_the_people_concerned,
    follows_of_tags_questions_and_people,
    settings_choose_what_arrives,
    marking_read,
    moderation_and_edits_notify_the_author,
    bad_input_changes_nothing,
);

/// With notifications switched off (`jobs.notifications = false`), writes enqueue nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn switched_off_nothing_is_enqueued() {
    let t = crate::support::spawn(crate::support::Kind::Sqlite, |c| {
        c.jobs.notifications = false
    })
    .await
    .unwrap();
    let (_, ann) = t.signup("ann").await;
    let (_, bob) = t.signup("bob").await;
    let q = ask(
        &t,
        &ann,
        "Does the hub keep schedules during a power cut?",
        &["power"],
        "We had an outage and the morning schedule did not run afterwards.",
    )
    .await;
    answer(
        &t,
        &bob,
        q,
        "Schedules survive, but the clock resets until the hub reaches the internet.",
    )
    .await;
    t.settle().await;
    let pool = t.db().await;
    let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM jobs WHERE kind = 'notify'")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(n, 0);
    pool.close().await;
    assert_eq!(notifications(&t, &ann).await["total"], 0);
}

pub async fn ask(t: &TestApp, token: &str, title: &str, tags: &[&str], body: &str) -> i64 {
    let (status, q) = t
        .post_json(
            "/api/v1/questions",
            Some(token),
            json!({"title": title, "body": body, "tags": tags}),
        )
        .await;
    assert_eq!(status, 201, "ask {title}: {q}");
    q["id"].as_i64().unwrap()
}

pub async fn answer(t: &TestApp, token: &str, q: i64, body: &str) -> i64 {
    let (status, a) = t
        .post_json(
            &format!("/api/v1/questions/{q}/answers"),
            Some(token),
            json!({ "body": body }),
        )
        .await;
    assert_eq!(status, 201, "answer: {a}");
    a["id"].as_i64().unwrap()
}

pub async fn notifications(t: &TestApp, token: &str) -> Value {
    t.settle().await;
    let (status, n) = t.get_json("/api/v1/notifications", Some(token)).await;
    assert_eq!(status, 200, "{n}");
    n
}

fn kinds(n: &Value) -> Vec<String> {
    n["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["kind"].as_str().unwrap().to_string())
        .collect()
}

async fn events_notify_the_people_concerned(t: TestApp) {
    let (_, ann) = t.signup("ann").await;
    let (_, bob) = t.signup("bob").await;
    let (_, carl) = t.signup("carl").await;
    let q = ask(
        &t,
        &ann,
        "How do I pair the hub with a Zigbee bulb?",
        &["zigbee"],
        "The bulb blinks twice and then nothing happens in the app.",
    )
    .await;
    let a = answer(
        &t,
        &bob,
        q,
        "Reset the bulb by switching it on and off five times; @carl knows the details.",
    )
    .await;

    let n = notifications(&t, &ann).await;
    assert_eq!(kinds(&n), vec!["answer"], "{n}");
    assert_eq!(n["unread"], 1);
    let item = &n["items"][0];
    assert_eq!(item["read"], false);
    assert!(item["text"]
        .as_str()
        .unwrap()
        .contains("bob answered your question"));
    assert!(item["url"]
        .as_str()
        .unwrap()
        .ends_with(&format!("#answer-{a}")));
    assert!(item["created_at"].as_str().unwrap().ends_with('Z'));
    // The mention reached carl; bob hears nothing of his own answer.
    assert_eq!(kinds(&notifications(&t, &carl).await), vec!["mention"]);
    assert_eq!(notifications(&t, &bob).await["total"], 0);

    // A comment on bob's answer tells bob; ann, who follows her question, hears of it too.
    let (s, c) = t
        .post_json(
            &format!("/api/v1/posts/{a}/comments"),
            Some(&carl),
            json!({"body": "Five times worked for me as well, thanks bob."}),
        )
        .await;
    assert_eq!(s, 201, "{c}");
    assert_eq!(kinds(&notifications(&t, &bob).await), vec!["comment"]);
    let ann_kinds = kinds(&notifications(&t, &ann).await);
    assert_eq!(
        ann_kinds,
        vec!["followed_question", "answer"],
        "{ann_kinds:?}"
    );

    // Acceptance tells the answerer.
    let (s, _) = t
        .post_json(
            &format!("/api/v1/questions/{q}/accept"),
            Some(&ann),
            json!({ "answer_id": a }),
        )
        .await;
    assert_eq!(s, 200);
    let bob_n = notifications(&t, &bob).await;
    // Bob follows the question he answered, but hears of each event once, by its most
    // specific kind.
    assert_eq!(kinds(&bob_n), vec!["accepted", "comment"], "{bob_n}");
}

async fn follows_of_tags_questions_and_people(t: TestApp) {
    let (_, ann) = t.signup("ann").await;
    let (bob_id, bob) = t.signup("bob").await;
    let (_, carl) = t.signup("carl").await;
    // A tag exists once a question uses it.
    ask(
        &t,
        &ann,
        "Which batteries last longest in the door sensor?",
        &["sensors"],
        "Mine drain within a month and I wonder whether lithium cells help.",
    )
    .await;
    t.settle().await;

    let (s, f) = t
        .post_json(
            "/api/v1/follows",
            Some(&carl),
            json!({"target_type": "tag", "target": "sensors"}),
        )
        .await;
    assert_eq!(s, 201, "{f}");
    let tag_follow = f["id"].as_i64().unwrap();
    assert_eq!(f["target"], "sensors");
    // Following again is not an error and makes no second follow.
    let (s, again) = t
        .post_json(
            "/api/v1/follows",
            Some(&carl),
            json!({"target_type": "tag", "target": "Sensors"}),
        )
        .await;
    assert_eq!(s, 200, "{again}");
    assert_eq!(again["id"].as_i64(), Some(tag_follow));
    let (s, uf) = t
        .post_json(
            "/api/v1/follows",
            Some(&carl),
            json!({"target_type": "user", "target": bob_id}),
        )
        .await;
    assert_eq!(s, 201, "{uf}");
    assert_eq!(uf["label"], "bob");

    let q = ask(
        &t,
        &bob,
        "Motion sensor reports motion in an empty room",
        &["sensors"],
        "It triggers every night at three, although nobody is there.",
    )
    .await;
    let n = notifications(&t, &carl).await;
    // One notification for one question, though carl follows both the tag and its author.
    assert_eq!(kinds(&n), vec!["followed_tag"], "{n}");
    assert!(n["items"][0]["text"]
        .as_str()
        .unwrap()
        .contains("New question in [sensors]"));

    let (s, qf) = t
        .post_json(
            "/api/v1/follows",
            Some(&carl),
            json!({"target_type": "question", "target": q.to_string()}),
        )
        .await;
    assert_eq!(s, 201, "{qf}");
    answer(
        &t,
        &ann,
        q,
        "Curtains moving in the draft from the heater fool the sensor at night.",
    )
    .await;
    assert_eq!(
        kinds(&notifications(&t, &carl).await),
        vec!["followed_question", "followed_tag"]
    );

    let (s, list) = t.get_json("/api/v1/me/follows", Some(&carl)).await;
    assert_eq!(s, 200);
    assert_eq!(list["items"].as_array().unwrap().len(), 3, "{list}");

    // Unfollowing the tag: the next question in it reaches carl no more.
    let res = t
        .client
        .delete(t.url(&format!("/api/v1/follows/{tag_follow}")))
        .bearer_auth(&carl)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 204);
    ask(
        &t,
        &ann,
        "Door sensor battery shows 0 percent after a firmware update",
        &["sensors"],
        "The reading dropped to zero right after updating, the sensor still works.",
    )
    .await;
    assert_eq!(notifications(&t, &carl).await["total"], 2);
}

async fn settings_choose_what_arrives(t: TestApp) {
    let (_, ann) = t.signup("ann").await;
    let (_, bob) = t.signup("bob").await;
    let (s, d) = t
        .get_json("/api/v1/me/notification-settings", Some(&ann))
        .await;
    assert_eq!(s, 200);
    assert_eq!(d["channels"]["answer"], "email");
    assert_eq!(d["channels"]["followed_tag"], "in_app");
    assert_eq!(d["auto_follow"], true);

    let res = t
        .client
        .put(t.url("/api/v1/me/notification-settings"))
        .bearer_auth(&ann)
        .json(&json!({"channels": {"answer": "off", "comment": "daily"}, "auto_follow": false}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 200);
    let d: Value = res.json().await.unwrap();
    assert_eq!(d["channels"]["answer"], "off");
    assert_eq!(d["channels"]["comment"], "daily");
    assert_eq!(d["channels"]["mention"], "email");
    assert_eq!(d["auto_follow"], false);

    let q = ask(
        &t,
        &ann,
        "Can the hub run scenes without the cloud?",
        &["scenes"],
        "Our internet drops often and the evening scene then fails to start.",
    )
    .await;
    answer(
        &t,
        &bob,
        q,
        "Yes: scenes stored on the hub run locally once you enable offline mode.",
    )
    .await;
    // Answers are off and ann did not follow her own question.
    assert_eq!(notifications(&t, &ann).await["total"], 0);
    let (_, follows) = t.get_json("/api/v1/me/follows", Some(&ann)).await;
    assert_eq!(follows["items"].as_array().unwrap().len(), 0);
    // Bob still follows what he answers.
    let (_, follows) = t.get_json("/api/v1/me/follows", Some(&bob)).await;
    assert_eq!(follows["items"][0]["target"], q.to_string());
}

async fn marking_read(t: TestApp) {
    let (_, ann) = t.signup("ann").await;
    let (_, bob) = t.signup("bob").await;
    let q = ask(
        &t,
        &ann,
        "Why does the thermostat overshoot by two degrees?",
        &["heating"],
        "It heats to 23 when I set 21 and the room gets stuffy.",
    )
    .await;
    for body in [
        "The hysteresis setting defaults to two degrees; lower it in the advanced menu.",
        "Also check that the thermostat is not mounted above a radiator or in the sun.",
        "Firmware 2.4 fixed an overshoot bug for floor heating, update if you can.",
    ] {
        answer(&t, &bob, q, body).await;
    }
    let n = notifications(&t, &ann).await;
    assert_eq!(n["unread"], 3);
    let first = n["items"][0]["id"].as_i64().unwrap();
    let (s, r) = t
        .post_json(
            "/api/v1/notifications/read",
            Some(&ann),
            json!({"ids": [first]}),
        )
        .await;
    assert_eq!(s, 200, "{r}");
    assert_eq!(r["updated"], 1);
    assert_eq!(r["unread"], 2);
    let (_, unread) = t
        .get_json("/api/v1/notifications?unread=true", Some(&ann))
        .await;
    assert_eq!(unread["total"], 2);
    // Someone else's notifications cannot be marked.
    let (s, r) = t
        .post_json(
            "/api/v1/notifications/read",
            Some(&bob),
            json!({"all": true}),
        )
        .await;
    assert_eq!(s, 200);
    assert_eq!(r["updated"], 0);
    let (s, r) = t
        .post_json(
            "/api/v1/notifications/read",
            Some(&ann),
            json!({"all": true}),
        )
        .await;
    assert_eq!(s, 200);
    assert_eq!(r["updated"], 2);
    assert_eq!(r["unread"], 0);
}

async fn moderation_and_edits_notify_the_author(t: TestApp) {
    let (_, ann) = t.signup("ann").await;
    let (mod_id, moder) = t.signup("mona").await;
    t.make_admin(mod_id).await;
    let q = ask(
        &t,
        &ann,
        "Where is the reset button on the gen 2 hub?",
        &["hub"],
        "I looked on the back and the bottom but found only the power socket.",
    )
    .await;
    t.settle().await;
    let res = t
        .client
        .patch(t.url(&format!("/api/v1/posts/{q}")))
        .bearer_auth(&moder)
        .json(&json!({"body": "I looked on the back and the bottom of the gen 2 hub, but found only the power socket.", "comment": "clarify"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 200);
    let (s, act) = t
        .post_json(
            "/api/v1/moderation/actions",
            Some(&moder),
            json!({"action": "lock", "target_type": "post", "target_id": q, "category": "other",
                   "reason": "Heated discussion", "private_detail": "Please keep it friendly."}),
        )
        .await;
    assert_eq!(s, 201, "{act}");
    let n = notifications(&t, &ann).await;
    // The two events ran in one batch of the worker: their order is not fixed.
    let mut k = kinds(&n);
    k.sort();
    assert_eq!(k, vec!["edited", "moderation"], "{n}");
    let by_kind = |kind: &str| {
        n["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["kind"] == kind)
            .unwrap()["text"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let text = by_kind("moderation");
    assert!(text.contains("Heated discussion"), "{text}");
    assert!(text.contains("Please keep it friendly"), "{text}");
    assert!(by_kind("edited").contains("mona edited your question"));
}

async fn bad_input_changes_nothing(t: TestApp) {
    let (_, ann) = t.signup("ann").await;
    let (bob_id, bob) = t.signup("bob").await;
    let put = |body: Value| {
        let t = &t;
        let ann = ann.clone();
        async move {
            let res = t
                .client
                .put(t.url("/api/v1/me/notification-settings"))
                .bearer_auth(&ann)
                .json(&body)
                .send()
                .await
                .unwrap();
            (res.status().as_u16(), res.json::<Value>().await.unwrap())
        }
    };
    let (s, e) = put(json!({"channels": {"answer": "off", "nonsense": "email"}})).await;
    assert_eq!(s, 422);
    assert_error(&e, "unknown_kind");
    let (s, e) = put(json!({"channels": {"answer": "pigeon"}})).await;
    assert_eq!(s, 422);
    assert_error(&e, "unknown_channel");
    let (s, _) = put(json!({"channel": {"answer": "off"}})).await;
    assert_eq!(s, 422);
    let (_, d) = t
        .get_json("/api/v1/me/notification-settings", Some(&ann))
        .await;
    assert_eq!(d["channels"]["answer"], "email", "nothing changed: {d}");

    let follow = |body: Value, token: Option<String>| {
        let t = &t;
        async move { t.post_json("/api/v1/follows", token.as_deref(), body).await }
    };
    let (s, e) = follow(
        json!({"target_type": "planet", "target": "mars"}),
        Some(ann.clone()),
    )
    .await;
    assert_eq!(s, 422);
    assert_error(&e, "invalid_target_type");
    let (s, _) = follow(
        json!({"target_type": "tag", "target": "no-such-tag"}),
        Some(ann.clone()),
    )
    .await;
    assert_eq!(s, 404);
    let (s, _) = follow(
        json!({"target_type": "question", "target": 999999}),
        Some(ann.clone()),
    )
    .await;
    assert_eq!(s, 404);
    let (s, e) = follow(
        json!({"target_type": "question", "target": "abc"}),
        Some(ann.clone()),
    )
    .await;
    assert_eq!(s, 422);
    assert_error(&e, "invalid_target");
    let (s, _) = follow(json!({"target_type": "user", "target": bob_id}), None).await;
    assert_eq!(s, 401);
    let (s, f) = follow(
        json!({"target_type": "user", "target": bob_id}),
        Some(ann.clone()),
    )
    .await;
    assert_eq!(s, 201);
    // Bob cannot remove ann's follow.
    let res = t
        .client
        .delete(t.url(&format!("/api/v1/follows/{}", f["id"])))
        .bearer_auth(&bob)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 404);
    let (s, e) = t
        .post_json("/api/v1/notifications/read", Some(&ann), json!({}))
        .await;
    assert_eq!(s, 422);
    assert_error(&e, "invalid_read");
    let (s, _) = t.get_json("/api/v1/notifications", None).await;
    assert_eq!(s, 401);
    assert_eq!(t.count("follows").await, 1);
}
