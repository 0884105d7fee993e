//! Spam and abuse defence on both backends: new members' link bursts are held (trusted members'
//! too, past a higher allowance), duplicates are
//! refused or held, the classifier learns from moderators and holds what it recognises, writes
//! over the limits get 429 with `Retry-After`, and the sign-up honeypot refuses bots quietly.

use crate::both;
use crate::governance::{answer, ask, settings, state, vote, with_role};
use crate::support::{assert_error, csrf_of, TestApp};
use serde_json::{json, Value};

both!(
    link_burst_from_a_new_account_is_held,
    link_burst_from_a_trusted_member_is_held,
    duplicates_are_refused_or_held,
    the_classifier_learns_and_holds_spam,
    writes_over_the_limit_get_429,
    new_members_posting_speed_is_limited,
    honeypot_refuses_bots_quietly,
);

async fn post_question(t: &TestApp, token: &str, title: &str, body: &str) -> (u16, Value) {
    t.post_json(
        "/api/v1/questions",
        Some(token),
        json!({"title": title, "body": body, "tags": []}),
    )
    .await
}

async fn link_burst_from_a_new_account_is_held(t: TestApp) {
    let (_, honest) = t.signup("honest").await;
    let (_, spammer) = t.signup("spammer").await;
    let (linker_id, linker) = t.signup("linker").await;
    let (_, v1) = t.signup("voter1").await;
    let (_, moderator) = with_role(&t, "moderator", "moderator").await;
    let q = ask(&t, &honest, "Which cable fits the charger?").await;

    // Three links from a brand-new account: held, not published.
    let (status, held) = post_question(
        &t,
        &spammer,
        "Great deals on chargers",
        "Visit https://deals.example.com and https://cheap.example.net or https://more.example.org today!",
    )
    .await;
    assert_eq!(status, 201, "{held}");
    let held_id = held["id"].as_i64().unwrap();
    assert_eq!(state(&t, held_id, Some(&moderator)).await["status"], "held");
    let (status, _) = t
        .get_json(&format!("/api/v1/questions/{held_id}"), None)
        .await;
    assert_eq!(status, 404, "the public does not see held posts");
    let (status, _) = t
        .get_json(&format!("/api/v1/questions/{held_id}"), Some(&spammer))
        .await;
    assert_eq!(status, 200, "its author does");
    let (_, list) = t.get_json("/api/v1/questions", None).await;
    assert_eq!(list["total"], 1);

    // A burst of one-link answers: the first two pass, the rest wait for a moderator.
    let mut statuses = Vec::new();
    let mut burst = Vec::new();
    for i in 0..4 {
        let a = answer(
            &t,
            &linker,
            q,
            &format!("Try the one at https://shop{i}.example.com, model {i}."),
        )
        .await;
        burst.push(a);
        statuses.push(
            state(&t, a, Some(&moderator)).await["status"]
                .as_str()
                .unwrap()
                .to_string(),
        );
    }
    assert_eq!(statuses, ["published", "published", "held", "held"]);
    let (_, got) = t.get_json(&format!("/api/v1/questions/{q}"), None).await;
    assert_eq!(
        got["answer_count"], 2,
        "held answers are not counted: {got}"
    );

    // Moderators see why in the flagged queue, and their decisions teach the spam filter.
    let (_, queue) = t.get_json("/api/v1/review/flagged", Some(&moderator)).await;
    assert_eq!(queue["total"], 3, "{queue}");
    let first = &queue["items"][0];
    assert_eq!(first["id"], held_id);
    assert_eq!(first["status"], "held");
    let why = first["flags"][0]["text"].as_str().unwrap();
    assert!(
        why.starts_with("Held by the spam filter") && why.contains("3 links from a new member"),
        "{why}"
    );
    assert!(first["flags"][0]["flagger"].is_null());
    let (status, v) = t
        .post_json(
            &format!("/api/v1/review/flagged/{}", burst[2]),
            Some(&moderator),
            json!({"outcome": "dismiss"}),
        )
        .await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(
        state(&t, burst[2], Some(&moderator)).await["status"],
        "published"
    );
    let (status, v) = t
        .post_json(
            &format!("/api/v1/review/flagged/{held_id}"),
            Some(&moderator),
            json!({"outcome": "remove", "reason": "Link spam"}),
        )
        .await;
    assert_eq!(status, 200, "{v}");
    let (_, s) = t.get_json("/api/v1/governance/settings", None).await;
    assert_eq!(
        (
            s["spam_filter"]["spam_examples"].as_u64(),
            s["spam_filter"]["ham_examples"].as_u64()
        ),
        (Some(1), Some(1)),
        "{s}"
    );
    let (_, log) = t.get_json("/api/v1/moderation/log", None).await;
    assert_eq!(
        (
            log["items"][0]["action"].as_str(),
            log["items"][0]["category"].as_str()
        ),
        (Some("delete"), Some("spam"))
    );
    assert_eq!(log["items"][1]["action"], "publish");

    // An established member's links are not held (two hours after their burst: everyone's link
    // posts within an hour are limited, members past the new stage to four).
    vote(&t, &v1, burst[0], 1).await;
    let pool = t.db().await;
    sqlx::query("UPDATE posts SET created_at = created_at - 7200 WHERE author_id = $1")
        .bind(linker_id)
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;
    let (status, ok) = post_question(
        &t,
        &linker,
        "Comparison of three chargers",
        "See https://a.example.com, https://b.example.com and https://c.example.com for the specs.",
    )
    .await;
    assert_eq!(status, 201);
    assert_eq!(
        state(&t, ok["id"].as_i64().unwrap(), Some(&moderator)).await["status"],
        "published"
    );
}

/// A trusted member (a taken-over or bought account, say) is screened for links too, with a
/// higher allowance: what holds a new member's post passes, a burst past it is held.
async fn link_burst_from_a_trusted_member_is_held(t: TestApp) {
    let (_, honest) = t.signup("honest").await;
    let (expert_id, expert) = t.signup("expert").await;
    let (_, moderator) = with_role(&t, "moderator", "moderator").await;
    let pool = t.db().await;
    sqlx::query("UPDATE users SET reputation = 5000 WHERE id = $1")
        .bind(expert_id)
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;
    t.age_accounts(3).await;
    let (_, privileges) = t
        .get_json(&format!("/api/v1/users/{expert_id}/privileges"), None)
        .await;
    let q = ask(&t, &honest, "Which cable fits the charger?").await;

    // Three links in one post, which would hold a new member's: published.
    let (status, three) = post_question(
        &t,
        &expert,
        "Where are the charger specifications published?",
        "See https://docs.example.com, https://specs.example.net and https://faq.example.org.",
    )
    .await;
    assert_eq!(status, 201, "{three}");
    let three = three["id"].as_i64().unwrap();
    assert_eq!(
        state(&t, three, Some(&moderator)).await["status"],
        "published",
        "{privileges}"
    );
    // Eleven links in one post: held.
    let many: Vec<String> = (0..11)
        .map(|i| format!("https://store{i}.example.com"))
        .collect();
    let (status, full) = post_question(
        &t,
        &expert,
        "Cheap chargers in every store this week",
        &format!("Buy at {}.", many.join(" or ")),
    )
    .await;
    assert_eq!(status, 201, "{full}");
    let full = full["id"].as_i64().unwrap();
    assert_eq!(state(&t, full, Some(&moderator)).await["status"], "held");

    // A burst of one-link answers: the two link posts above count, so the next two pass (four
    // an hour) and the rest wait for a moderator.
    let mut statuses = Vec::new();
    for i in 0..4 {
        let a = answer(
            &t,
            &expert,
            q,
            &format!("Try the one at https://shop{i}.example.com, model {i}."),
        )
        .await;
        statuses.push(
            state(&t, a, Some(&moderator)).await["status"]
                .as_str()
                .unwrap()
                .to_string(),
        );
    }
    assert_eq!(statuses, ["published", "published", "held", "held"]);
    let (_, queue) = t.get_json("/api/v1/review/flagged", Some(&moderator)).await;
    assert_eq!(queue["total"], 3, "{queue}");
    let text = queue.to_string();
    assert!(
        text.contains("11 links from a member (at most 10 allowed)"),
        "{queue}"
    );
    assert!(
        text.contains("link post number 5 within an hour (at most 4 allowed)"),
        "{queue}"
    );
}
async fn duplicates_are_refused_or_held(t: TestApp) {
    // Held posts' state is for moderators (and their authors) only.
    let (_, moderator) = with_role(&t, "moderator", "moderator").await;
    let (_, alice) = t.signup("alice").await;
    let (_, bob) = t.signup("bob").await;
    let (_, carol) = t.signup("carol").await;
    let body = "My order arrived with a cracked screen and the box was crushed; how do I ask for a replacement?";
    let (status, q) = post_question(&t, &alice, "Damaged item on arrival", body).await;
    assert_eq!(status, 201);
    let q = q["id"].as_i64().unwrap();
    let (status, v) = post_question(&t, &alice, "Damaged item on arrival", body).await;
    assert_eq!(status, 409, "{v}");
    assert_error(&v, "duplicate_post");
    let text = "Contact support from the order page and attach a photo of the damage within 14 days of delivery.";
    answer(&t, &bob, q, text).await;
    let (status, v) = t
        .post_json(
            &format!("/api/v1/questions/{q}/answers"),
            Some(&bob),
            json!({"body": text}),
        )
        .await;
    assert_eq!(status, 409, "{v}");
    assert_eq!(t.count("posts").await, 2, "refusals change nothing");

    // Someone else's exact copy, or a near-copy, waits for a moderator.
    let (_, copy) = post_question(&t, &carol, "Damaged item on arrival", body).await;
    assert_eq!(
        state(&t, copy["id"].as_i64().unwrap(), Some(&moderator)).await["status"],
        "held"
    );
    let near = format!("{body} Thanks!");
    let (_, near) = post_question(&t, &bob, "Damaged item on arrival!", &near).await;
    assert_eq!(
        state(&t, near["id"].as_i64().unwrap(), Some(&moderator)).await["status"],
        "held"
    );
    // Short answers repeat innocently ("Thanks, that worked").
    let (_, other) = post_question(
        &t,
        &carol,
        "Where is the invoice?",
        "I cannot find the invoice for my last order anywhere.",
    )
    .await;
    let other = other["id"].as_i64().unwrap();
    let a1 = answer(&t, &alice, other, "Under Orders.").await;
    let a2 = answer(&t, &bob, other, "Under Orders.").await;
    assert_eq!(
        (
            state(&t, a1, Some(&moderator)).await["status"].clone(),
            state(&t, a2, Some(&moderator)).await["status"].clone()
        ),
        (json!("published"), json!("published"))
    );
}

async fn the_classifier_learns_and_holds_spam(t: TestApp) {
    let (_, honest) = t.signup("honest").await;
    let (_, spammer) = t.signup("spammer").await;
    let (_, flagger) = t.signup("flagger").await;
    let (_, poster) = t.signup("poster").await;
    let (_, voter) = t.signup("voter").await;
    let (_, moderator) = with_role(&t, "moderator", "moderator").await;
    let q = ask(&t, &honest, "How do I pair the headphones?").await;
    let spam = [
        "Buy cheap replica watches now, best discount prices on luxury watches, order today",
        "Cheap replica handbags and watches, huge discount, order now and save big",
        "Best discount on replica watches! Cheap luxury brands, order today, free shipping",
    ];
    let ham = [
        "Hold the power button for five seconds until the light blinks blue, then pair from your phone.",
        "Make sure the headphones are charged; pairing fails on a low battery.",
        "Forget the device in your phone's Bluetooth settings and pair again.",
    ];
    for text in spam {
        let a = answer(&t, &spammer, q, text).await;
        let (status, v) = t
            .post_json(
                "/api/v1/moderation/actions",
                Some(&moderator),
                json!({"action": "delete", "target_type": "post", "target_id": a, "category": "spam", "reason": "Advertising"}),
            )
            .await;
        assert_eq!(status, 201, "{v}");
    }
    for text in ham {
        let a = answer(&t, &honest, q, text).await;
        t.post_json(
            &format!("/api/v1/posts/{a}/flags"),
            Some(&flagger),
            json!({"reason": "spam"}),
        )
        .await;
        let (status, v) = t
            .post_json(
                &format!("/api/v1/review/flagged/{a}"),
                Some(&moderator),
                json!({"outcome": "dismiss"}),
            )
            .await;
        assert_eq!(status, 200, "{v}");
    }
    let (_, s) = t.get_json("/api/v1/governance/settings", None).await;
    assert_eq!(
        (
            s["spam_filter"]["spam_examples"].as_u64(),
            s["spam_filter"]["ham_examples"].as_u64()
        ),
        (Some(3), Some(3)),
        "{s}"
    );

    // A member past the new-member limits (11 reputation) but not trusted: the classifier decides.
    let mine = answer(&t, &poster, q, "Pairing worked for me after a reset.").await;
    vote(&t, &voter, mine, 1).await;
    let spammy = answer(
        &t,
        &poster,
        q,
        "Cheap replica watches at a discount, order today for luxury brands",
    )
    .await;
    assert_eq!(state(&t, spammy, Some(&moderator)).await["status"], "held");
    let (_, queue) = t.get_json("/api/v1/review/flagged", Some(&moderator)).await;
    let item = queue["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["id"] == spammy)
        .unwrap()
        .clone();
    assert!(
        item["flags"][0]["text"]
            .as_str()
            .unwrap()
            .contains("spam filter is"),
        "{item}"
    );
    let fine = answer(
        &t,
        &poster,
        q,
        "The blue light means it is ready to pair with your phone.",
    )
    .await;
    assert_eq!(
        state(&t, fine, Some(&moderator)).await["status"],
        "published"
    );
    // Every decision is learnt, a reversed one exactly replaced.
    t.post_json(
        &format!("/api/v1/review/flagged/{spammy}"),
        Some(&moderator),
        json!({"outcome": "dismiss"}),
    )
    .await;
    let (_, s) = t.get_json("/api/v1/governance/settings", None).await;
    assert_eq!(s["spam_filter"]["ham_examples"], 4);
}

async fn writes_over_the_limit_get_429(t: TestApp) {
    let (_, admin) = with_role(&t, "admin", "admin").await;
    let (_, alice) = t.signup("alice").await;
    let (_, bob) = t.signup("bob").await;
    settings(
        &t,
        &admin,
        json!({"limits": {"per_user": {"max": 3, "window_secs": 3600}}}),
    )
    .await;
    let q = ask(&t, &alice, "Rate limits on writes").await;
    let path = format!("/api/v1/posts/{q}/comments");
    for i in 0..2 {
        let (status, v) = t
            .post_json(
                &path,
                Some(&alice),
                json!({"body": format!("Comment number {i}")}),
            )
            .await;
        assert_eq!(status, 201, "{v}");
    }
    let res = t
        .client
        .post(t.url(&path))
        .bearer_auth(&alice)
        .json(&json!({"body": "One too many"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 429);
    let retry: i64 = res.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=3600).contains(&retry), "{retry}");
    let v: Value = res.json().await.unwrap();
    assert_error(&v, "rate_limited");
    assert_eq!(
        t.count("comments").await,
        2,
        "the refused write changed nothing"
    );
    // Reading is never limited, and another account from the same address still writes.
    assert_eq!(
        t.get_json(&format!("/api/v1/questions/{q}"), Some(&alice))
            .await
            .0,
        200
    );
    assert_eq!(vote(&t, &bob, q, 1).await.0, 200);

    // Per address: everything from this address together.
    settings(
        &t,
        &admin,
        json!({"limits": {"per_ip": {"max": 1, "window_secs": 600}}}),
    )
    .await;
    // Earlier writes may or may not share the new window, so the first may still pass.
    let first = t
        .client
        .post(t.url(&path))
        .bearer_auth(&bob)
        .json(&json!({"body": "From the same address"}))
        .send()
        .await
        .unwrap();
    assert!([201, 429].contains(&first.status().as_u16()));
    let res = t
        .client
        .post(t.url(&path))
        .bearer_auth(&bob)
        .json(&json!({"body": "Again from the same address"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 429);
    assert!(res.headers().contains_key("retry-after"));
    // Forms get an error page with the same status and header.
    let page = t
        .client
        .get(t.url("/login"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = csrf_of(&page);
    let res = t
        .client
        .post(t.url(&format!("/posts/{q}/comments")))
        .form(&[("csrf_token", csrf.as_str()), ("body", "hello")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 429);
    assert!(res.headers().contains_key("retry-after"));
    assert!(res.text().await.unwrap().contains("Too many attempts"));
}

async fn new_members_posting_speed_is_limited(t: TestApp) {
    let (_, admin) = with_role(&t, "admin", "admin").await;
    let (_, alice) = t.signup("alice").await;
    settings(
        &t,
        &admin,
        json!({"limits": {"new_user_posts": {"max": 2, "window_secs": 600}}}),
    )
    .await;
    ask(&t, &alice, "First question of the day").await;
    ask(&t, &alice, "Second question of the day").await;
    let res = t
        .client
        .post(t.url("/api/v1/questions"))
        .bearer_auth(&alice)
        .json(&json!({"title": "Third question of the day", "body": "Too fast"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 429);
    assert!(res.headers().contains_key("retry-after"));
    assert_eq!(t.count("posts").await, 2);
    // Moderators are not new members.
    let (_, m) = with_role(&t, "moderator", "moderator").await;
    for i in 0..3 {
        ask(&t, &m, &format!("Announcement number {i}")).await;
    }
}

async fn honeypot_refuses_bots_quietly(t: TestApp) {
    let page = t
        .client
        .get(t.url("/signup"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("name=\"website\""),
        "the form carries the honeypot"
    );
    assert!(page.contains("aria-hidden=\"true\""));
    let csrf = csrf_of(&page);
    let form = |website: &'static str, name: &'static str| {
        vec![
            ("csrf_token", csrf.clone()),
            ("username", name.to_string()),
            ("email", format!("{name}@example.com")),
            ("password", "correct horse battery".to_string()),
            ("website", website.to_string()),
        ]
    };
    let res = t
        .client
        .post(t.url("/signup"))
        .form(&form("https://spam.example.com", "botty"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303, "looks like success to the bot");
    assert_eq!(res.headers()["location"], "/");
    assert!(res
        .headers()
        .get_all("set-cookie")
        .iter()
        .all(|c| !c.to_str().unwrap().starts_with("stoa_session=")));
    assert_eq!(t.count("users").await, 0, "but no account was created");
    let res = t
        .client
        .post(t.url("/signup"))
        .form(&form("", "person"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(t.count("users").await, 1);
}
