//! Holes found from outside (issue 15), each reproduced and closed: locks freeze a post (votes,
//! suggestions and their approval), everything under a deleted question is as gone as the
//! question, a suspension stops every write (approving suggestions on one's own posts, the
//! profile, follows, settings, KB feedback, webhooks, bounties), and a moderator never decides
//! about their own post. On both backends.

use crate::both;
use crate::governance::{answer, ask, vote, with_role};
use crate::support::{assert_error, TestApp};
use serde_json::{json, Value};

both!(
    locks_freeze_posts,
    deleted_questions_take_everything_with_them,
    suspended_members_cannot_approve,
    a_suspension_stops_every_write,
    moderators_do_not_judge_themselves,
    text_paths_and_metrics,
    bidi_controls_are_stripped_and_isolated,
    removal_takes_counts_and_reputation,
    edit_trading_is_capped,
    held_posts_stay_private,
    comments_are_screened,
    upvotes_earn_at_most_200_a_day,
    fresh_accounts_make_no_trusted_flaggers,
    one_persons_accounts_cannot_hide_a_post,
    flaggers_who_vote_for_each_other_count_once,
    a_suggestion_never_overwrites_a_concurrent_edit
);

async fn moderate(t: &TestApp, token: &str, body: Value) -> (u16, Value) {
    t.post_json("/api/v1/moderation/actions", Some(token), body)
        .await
}

async fn suggest(t: &TestApp, token: &str, post: i64, body: &str) -> (u16, Value) {
    t.post_json(
        &format!("/api/v1/posts/{post}/suggested-edits"),
        Some(token),
        json!({"body": body, "comment": "clearer"}),
    )
    .await
}

async fn locks_freeze_posts(t: TestApp) {
    let (_, mona) = with_role(&t, "mona", "moderator").await;
    let (_, ann) = t.signup("ann").await;
    let (_, bob) = t.signup("bob").await;
    let q = ask(&t, &ann, "Dishwasher leaves a white film on glasses").await;
    let (s, pending) = suggest(
        &t,
        &bob,
        q,
        "Every glass comes out with a white film; the rinse aid is full and the water is hard.",
    )
    .await;
    assert_eq!(s, 201, "{pending}");
    let (s, v) = moderate(
        &t,
        &mona,
        json!({"action": "lock", "target_type": "post", "target_id": q, "category": "other", "reason": "Edit war"}),
    )
    .await;
    assert_eq!(s, 201, "{v}");
    // Locking rejected the waiting suggestion, saying why.
    let (_, sug) = t
        .get_json(&format!("/api/v1/suggested-edits/{}", pending["id"]), None)
        .await;
    assert_eq!(sug["status"], "rejected", "{sug}");
    assert!(sug["review_reason"]
        .as_str()
        .unwrap_or_default()
        .contains("locked"));
    // Votes, suggestions and approvals are refused; the score stays.
    let (s, v) = vote(&t, &bob, q, 1).await;
    assert_eq!(s, 403, "{v}");
    let (s, _) = suggest(
        &t,
        &bob,
        q,
        "Another try at a clearer question body, please.",
    )
    .await;
    assert_eq!(s, 403);
    let (_, shown) = t.get_json(&format!("/api/v1/questions/{q}"), None).await;
    assert_eq!(shown["score"], 0);
    // Moderators still can.
    let (s, _) = vote(&t, &mona, q, 1).await;
    assert_eq!(s, 200);
}

async fn deleted_questions_take_everything_with_them(t: TestApp) {
    let (_, ann) = t.signup("ann").await;
    let (_, bob) = t.signup("bob").await;
    let (_, cat) = t.signup("cat").await;
    let q = ask(&t, &ann, "Phone will not pair with the car").await;
    let a = answer(
        &t,
        &bob,
        q,
        "Forget the car on the phone and pair it again from the car.",
    )
    .await;
    let (s, _) = t
        .send_json("DELETE", &format!("/api/v1/posts/{q}"), Some(&ann), None)
        .await;
    assert_eq!(s, 204);
    let votes_before = t.count("votes").await;
    let comments_before = t.count("comments").await;
    // The answer under it cannot be voted, commented, flagged, edited or suggested, and its
    // history is not served.
    assert_eq!(vote(&t, &cat, a, 1).await.0, 404);
    let (s, _) = t
        .post_json(
            &format!("/api/v1/posts/{a}/comments"),
            Some(&cat),
            json!({"body": "This worked for me too, thanks!"}),
        )
        .await;
    assert_eq!(s, 404);
    let (s, _) = t
        .post_json(
            &format!("/api/v1/posts/{a}/flags"),
            Some(&cat),
            json!({"reason": "rude"}),
        )
        .await;
    assert_eq!(s, 404);
    let (s, _) = t
        .send_json(
            "PATCH",
            &format!("/api/v1/posts/{a}"),
            Some(&bob),
            Some(json!({"body": "Forget the car on the phone, then pair again from the car's menu."})),
        )
        .await;
    assert_eq!(s, 404);
    let (s, _) = suggest(
        &t,
        &cat,
        a,
        "Forget the car on the phone, then pair it again.",
    )
    .await;
    assert_eq!(s, 404);
    let (s, _) = t
        .get_json(&format!("/api/v1/posts/{a}/revisions"), None)
        .await;
    assert_eq!(s, 404);
    assert_eq!(t.count("votes").await, votes_before);
    assert_eq!(t.count("comments").await, comments_before);
}

async fn suspended_members_cannot_approve(t: TestApp) {
    let (_, mona) = with_role(&t, "mona", "moderator").await;
    let (ann_id, ann) = t.signup("ann").await;
    let (_, bob) = t.signup("bob").await;
    let q = ask(&t, &ann, "Kettle switches off before boiling").await;
    let (s, sug) = suggest(
        &t,
        &bob,
        q,
        "The kettle switches itself off about a minute before the water boils; it is descaled.",
    )
    .await;
    assert_eq!(s, 201, "{sug}");
    let (s, v) = moderate(
        &t,
        &mona,
        json!({"action": "suspend", "target_type": "user", "target_id": ann_id, "category": "other",
               "reason": "Cooling off", "duration_hours": 24}),
    )
    .await;
    assert_eq!(s, 201, "{v}");
    let (s, v) = t
        .post_json(
            &format!("/api/v1/suggested-edits/{}/review", sug["id"]),
            Some(&ann),
            json!({"outcome": "approve"}),
        )
        .await;
    assert_eq!(s, 403, "{v}");
    let (_, still) = t
        .get_json(&format!("/api/v1/suggested-edits/{}", sug["id"]), None)
        .await;
    assert_eq!(still["status"], "pending");
}

/// What a suspended member's refused writes could have changed, read from the database.
async fn own_state(t: &TestApp, user: i64) -> Vec<String> {
    let pool = t.db().await;
    let mut out = Vec::new();
    for sql in [
        "SELECT COALESCE(display_name, '') || '|' || about_md || '|' || avatar FROM users WHERE id = $1",
        "SELECT CAST(COUNT(*) AS TEXT) FROM follows WHERE user_id = $1",
        "SELECT CAST(COUNT(*) AS TEXT) FROM notification_settings WHERE user_id = $1",
        "SELECT CAST(COUNT(*) AS TEXT) FROM article_feedback WHERE user_id = $1",
        "SELECT COALESCE(MAX(url || ' ' || events || ' ' || CAST(active AS TEXT)), '') || CAST(COUNT(*) AS TEXT) FROM webhooks WHERE owner_id = $1",
        "SELECT CAST(COUNT(*) AS TEXT) FROM reward_preferences WHERE user_id = $1",
        "SELECT COALESCE(MAX(status), '') FROM bounties WHERE offered_by = $1",
        "SELECT CAST(COUNT(*) AS TEXT) FROM posts WHERE author_id = $1",
    ] {
        let row: (String,) = sqlx::query_as(sql)
            .bind(user)
            .fetch_one(&pool)
            .await
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
        out.push(row.0);
    }
    pool.close().await;
    out
}

async fn a_suspension_stops_every_write(t: TestApp) {
    let (_, mona) = with_role(&t, "mona", "moderator").await;
    let (_, agent) = with_role(&t, "agnes", "agent").await;
    let (ann_id, ann) = t.signup("ann").await;
    let (bob_id, bob) = t.signup("bob").await;
    // Before the suspension: a question with a bounty and an answer, an article, a webhook, a
    // follow.
    let q = ask(&t, &ann, "Boiler pressure drops overnight").await;
    let a = answer(
        &t,
        &bob,
        q,
        "Check the expansion vessel's charge; it is likely flat.",
    )
    .await;
    let pool = t.db().await;
    sqlx::query("UPDATE users SET reputation = 120 WHERE id = $1")
        .bind(ann_id)
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;
    let (s, b) = t
        .post_json(
            &format!("/api/v1/questions/{q}/bounty"),
            Some(&ann),
            json!({"amount": 50}),
        )
        .await;
    assert_eq!(s, 201, "{b}");
    let (s, c) = t
        .post_json(
            "/api/v1/categories",
            Some(&agent),
            json!({"name": "Heating"}),
        )
        .await;
    assert_eq!(s, 201, "{c}");
    let other = ask(&t, &bob, "Radiator cold at the top").await;
    let fix = answer(
        &t,
        &bob,
        other,
        "Bleed the radiator with its key until water comes out.",
    )
    .await;
    let (s, article) = t
        .post_json(
            &format!("/api/v1/posts/{fix}/promote"),
            Some(&agent),
            json!({"category": "heating"}),
        )
        .await;
    assert_eq!(s, 201, "{article}");
    let (s, hook) = t
        .post_json(
            "/api/v1/webhooks",
            Some(&ann),
            json!({"url": "https://93.184.215.14/hook", "events": ["answer.created"]}),
        )
        .await;
    assert_eq!(s, 201, "{hook}");
    let (s, follow) = t
        .post_json(
            "/api/v1/follows",
            Some(&ann),
            json!({"target_type": "user", "target": bob_id}),
        )
        .await;
    assert_eq!(s, 201, "{follow}");

    let (s, v) = moderate(
        &t,
        &mona,
        json!({"action": "suspend", "target_type": "user", "target_id": ann_id, "category": "other",
               "reason": "Cooling off", "duration_hours": 24}),
    )
    .await;
    assert_eq!(s, 201, "{v}");
    // Background work of the writes above (auto-follows by the fan-out) lands first.
    t.settle().await;
    let before = own_state(&t, ann_id).await;
    let hook_id = &hook["id"];
    let refused: Vec<(&str, String, Value)> = vec![
        (
            "PATCH",
            "/api/v1/me".into(),
            json!({"display_name": "Ann", "about": "Visit [my shop](https://spam.example)", "avatar": "none"}),
        ),
        (
            "POST",
            "/api/v1/follows".into(),
            json!({"target_type": "question", "target": q}),
        ),
        (
            "PUT",
            "/api/v1/me/notification-settings".into(),
            json!({"channels": {"answer": "off"}, "auto_follow": false}),
        ),
        (
            "POST",
            format!("/api/v1/articles/{}/feedback", article["id"]),
            json!({"helpful": false, "comment": "bad"}),
        ),
        (
            "POST",
            "/api/v1/webhooks".into(),
            json!({"url": "https://93.184.215.14/other", "events": ["answer.created"]}),
        ),
        (
            "PATCH",
            format!("/api/v1/webhooks/{hook_id}"),
            json!({"url": "https://93.184.215.14/moved", "active": false}),
        ),
        (
            "PUT",
            "/api/v1/me/rewards".into(),
            json!({"decline": true, "public": false}),
        ),
        (
            "POST",
            format!("/api/v1/questions/{q}/bounty/award"),
            json!({"answer_id": a}),
        ),
        // Through `decide`, as before.
        (
            "POST",
            "/api/v1/questions".into(),
            json!({"title": "Is the boiler safe at 0.5 bar?", "body": "It keeps dropping."}),
        ),
    ];
    for (method, path, body) in refused {
        let (s, v) = t.send_json(method, &path, Some(&ann), Some(body)).await;
        assert_eq!(s, 403, "{method} {path}: {v}");
        assert_error(&v, "forbidden");
        assert!(
            v["error"]["message"]
                .as_str()
                .unwrap()
                .contains("suspended"),
            "{method} {path}: {v}"
        );
    }
    t.settle().await;
    assert_eq!(own_state(&t, ann_id).await, before, "nothing changed");

    // Reading, taking back, exporting and logging out stay open.
    let (s, _) = t.get_json("/api/v1/me", Some(&ann)).await;
    assert_eq!(s, 200);
    let (s, v) = t
        .send_json(
            "DELETE",
            &format!("/api/v1/follows/{}", follow["id"]),
            Some(&ann),
            None,
        )
        .await;
    assert!((200..300).contains(&s), "unfollow: {s} {v}");
    let (s, v) = t
        .post_json("/api/v1/me/export", Some(&ann), json!({}))
        .await;
    assert_eq!(s, 202, "{v}");
    let (s, v) = t
        .send_json(
            "DELETE",
            &format!("/api/v1/webhooks/{hook_id}"),
            Some(&ann),
            None,
        )
        .await;
    assert!((200..300).contains(&s), "delete webhook: {s} {v}");
}

async fn moderators_do_not_judge_themselves(t: TestApp) {
    let (_, mona) = with_role(&t, "mona", "moderator").await;
    let (_, max) = with_role(&t, "max", "moderator").await;
    let q = ask(&t, &mona, "Freezer frosts up every week").await;
    let body = json!({"action": "lock", "target_type": "post", "target_id": q, "category": "other", "reason": "Discussion is over"});
    let (s, v) = moderate(&t, &mona, body.clone()).await;
    assert_eq!(s, 403, "{v}");
    assert_eq!(t.count("moderation_actions").await, 0);
    let (s, v) = moderate(&t, &max, body).await;
    assert_eq!(s, 201, "another moderator may: {v}");
    // Mona appeals max's action on her post; she cannot decide it herself, another can.
    let (s, ap) = t
        .post_json(
            &format!("/api/v1/moderation/actions/{}/appeal", v["id"]),
            Some(&mona),
            json!({"text": "The discussion is over; please unlock."}),
        )
        .await;
    assert_eq!(s, 201, "{ap}");
    let decision = format!("/api/v1/moderation/appeals/{}/decision", ap["id"]);
    let (s, _) = t
        .post_json(
            &decision,
            Some(&mona),
            json!({"outcome": "reverse", "reason": "Fine by me"}),
        )
        .await;
    assert_eq!(s, 403);
    let (_, third) = with_role(&t, "mia", "moderator").await;
    let (s, v) = t
        .post_json(
            &decision,
            Some(&third),
            json!({"outcome": "reverse", "reason": "Agreed, unlocking"}),
        )
        .await;
    assert_eq!(s, 200, "{v}");

    // Her own flagged post: she may not uphold or dismiss the flags; another moderator does.
    let own = ask(&t, &mona, "Ice maker drips onto the floor").await;
    let (_, flagger) = t.signup("flo").await;
    let (s, v) = t
        .post_json(
            &format!("/api/v1/posts/{own}/flags"),
            Some(&flagger),
            json!({"reason": "other", "text": "This reads like an advertisement."}),
        )
        .await;
    assert_eq!(s, 201, "{v}");
    let review = format!("/api/v1/review/flagged/{own}");
    let reviews = t.count("reviews").await;
    let (s, v) = t
        .post_json(&review, Some(&mona), json!({"outcome": "dismiss"}))
        .await;
    assert_eq!(s, 403, "{v}");
    assert_eq!(t.count("reviews").await, reviews, "nothing recorded");
    let (s, v) = t
        .post_json(&review, Some(&max), json!({"outcome": "dismiss"}))
        .await;
    assert_eq!(s, 200, "{v}");

    // Her vote to close her own question counts like anyone's; it does not close it at once.
    let (s, v) = t
        .post_json(
            &format!("/api/v1/questions/{own}/close"),
            Some(&mona),
            json!({"reason": "off_topic"}),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["closed"], false, "{v}");
    assert_eq!(v["votes"], 1, "{v}");
    let (_, shown) = t.get_json(&format!("/api/v1/questions/{own}"), None).await;
    assert!(shown["closed_at"].is_null(), "{shown}");
    // Another moderator's vote closes it.
    let (s, v) = t
        .post_json(
            &format!("/api/v1/questions/{own}/close"),
            Some(&max),
            json!({"reason": "off_topic"}),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["closed"], true, "{v}");
}

/// Behind a trusted proxy (its address is the last `X-Forwarded-For` entry): a stranger's wrong
/// passwords lock out only the stranger; a guess spread over many addresses locks out the
/// account except for the owner's known addresses; spoofed leading entries do not escape the
/// sign-up limit; a form sent from another site is refused.
mod behind_a_proxy {
    use super::*;
    use crate::support::{csrf_of, spawn, Kind};
    use stoa::config::LimitConfig;

    async fn login(t: &TestApp, from: &str, password: &str) -> u16 {
        t.client
            .post(t.url("/api/v1/auth/login"))
            .header("x-forwarded-for", from)
            .json(&json!({"login": "owner", "password": password}))
            .send()
            .await
            .unwrap()
            .status()
            .as_u16()
    }

    async fn run(t: TestApp) {
        let home = "198.51.100.1";
        let res = t
            .client
            .post(t.url("/api/v1/auth/signup"))
            .header("x-forwarded-for", home)
            .json(&json!({"username": "owner", "email": "owner@example.com", "password": "correct horse battery"}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 201);
        // A stranger's two wrong guesses lock out the stranger, not the owner.
        let stranger = "203.0.113.66";
        assert_eq!(login(&t, stranger, "guess one").await, 401);
        assert_eq!(login(&t, stranger, "guess two").await, 401);
        assert_eq!(login(&t, stranger, "correct horse battery").await, 429);
        assert_eq!(login(&t, home, "correct horse battery").await, 200);
        // Guesses from many addresses (twenty failures in all, ten times the limit per address):
        // the account is closed to new addresses, not to the owner.
        for i in 0..18 {
            assert_eq!(
                login(&t, &format!("203.0.113.{}", 100 + i), "guess").await,
                401,
                "{i}"
            );
        }
        assert_eq!(
            login(&t, "203.0.113.200", "correct horse battery").await,
            429
        );
        assert_eq!(login(&t, home, "correct horse battery").await, 200);

        // Spoofed leading entries: the proxy's last entry counts, so the limit holds.
        let mut statuses = Vec::new();
        for i in 0..3 {
            let res = t
                .client
                .post(t.url("/api/v1/auth/signup"))
                .header("x-forwarded-for", format!("10.9.8.{i}, 192.0.2.50"))
                .json(&json!({"username": format!("spoof{i}"), "email": format!("spoof{i}@example.com"), "password": "correct horse battery"}))
                .send()
                .await
                .unwrap();
            statuses.push(res.status().as_u16());
        }
        assert_eq!(statuses, vec![201, 201, 429]);

        // A form posted from another site is refused, even with the right token.
        t.signup("writer").await;
        let (browser, csrf) = t.browser("writer").await;
        let before = t.count("posts").await;
        let res = browser
            .post(t.url("/ask"))
            .header("origin", "https://evil.example")
            .form(&[
                ("csrf_token", csrf.as_str()),
                ("title", "Cheap watches for sale today"),
                ("body", "Visit my shop for the best prices on watches."),
                ("tags", "help"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 403);
        assert_eq!(t.count("posts").await, before);
        let page = browser
            .get(t.url("/notifications"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert_eq!(csrf_of(&page), csrf, "the session's form token is stable");
    }

    fn tweak(c: &mut stoa::config::Config) {
        c.trust_proxy = true;
        c.rate_limits.login_failures_per_account = LimitConfig {
            max: 2,
            window_secs: 900,
        };
        c.rate_limits.signup_per_ip = LimitConfig {
            max: 2,
            window_secs: 3600,
        };
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        run(spawn(Kind::Sqlite, tweak).await.expect("sqlite")).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        if let Some(t) = spawn(Kind::Postgres, tweak).await {
            run(t).await;
        }
    }
}

/// Bidirectional controls never reach a title; a path that is not UTF-8 is an ordinary 404;
/// images never load over plain http; `/metrics` is not for whoever comes through the proxy.
/// Bidirectional controls leave names and ticket subjects as they leave titles, and pages
/// isolate the user-written text that remains.
async fn bidi_controls_are_stripped_and_isolated(t: TestApp) {
    let (admin_id, admin) = t.signup("root").await;
    t.make_admin(admin_id).await;
    let (ann_id, ann) = t.signup("ann").await;
    let (s, me) = t
        .send_json(
            "PATCH",
            "/api/v1/me",
            Some(&ann),
            Some(json!({"display_name": "Ann \u{202E}nimda\u{202C} Lee"})),
        )
        .await;
    assert_eq!(s, 200, "{me}");
    assert_eq!(me["display_name"], "Ann nimda Lee");
    let (s, e) = t
        .send_json(
            "PATCH",
            "/api/v1/me",
            Some(&ann),
            Some(json!({"display_name": "Ann\u{0007}"})),
        )
        .await;
    assert_eq!(s, 422, "other controls are still refused: {e}");

    let (_, plans) = t.get_json("/api/v1/plans", None).await;
    let standard = plans["items"][1]["id"].as_i64().unwrap();
    let (s, _) = t
        .send_json(
            "PUT",
            &format!("/api/v1/users/{ann_id}/plan"),
            Some(&admin),
            Some(json!({"plan_id": standard})),
        )
        .await;
    assert_eq!(s, 200);
    let (s, tk) = t
        .post_json(
            "/api/v1/tickets",
            Some(&ann),
            json!({"subject": "Refund for \u{2067}invoice\u{2069} \u{202E}fdp.exe", "body": "Charged twice."}),
        )
        .await;
    assert_eq!(s, 201, "{tk}");
    let (_, tk) = t
        .get_json(&format!("/api/v1/tickets/{}", tk["id"]), Some(&ann))
        .await;
    let subject = tk["subject"].as_str().or(tk["ticket"]["subject"].as_str());
    assert_eq!(subject, Some("Refund for invoice fdp.exe"), "{tk}");
    let (s, e) = t
        .post_json(
            "/api/v1/tickets",
            Some(&ann),
            json!({"subject": "\u{202E}", "body": "Nothing to say."}),
        )
        .await;
    assert_eq!(s, 422, "a subject of controls only is empty: {e}");

    // Whatever direction a title's own letters have, it is isolated from the page around it.
    let q = ask(
        &t,
        &ann,
        "\u{05E9}\u{05DC}\u{05D5}\u{05DD} printer queue is stuck",
    )
    .await;
    // (This client follows the redirect to the question's canonical address.)
    let page = reqwest::Client::new()
        .get(t.url(&format!("/questions/{q}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains(r#"<h1 id="question-title" dir="auto">"#),
        "the title element isolates its text: {page}"
    );
    assert!(page.contains(r#"dir="auto">ann</a>"#), "names too");
    let profile = reqwest::Client::new()
        .get(t.url(&format!("/users/{ann_id}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        profile.contains("<bdi>Ann nimda Lee</bdi>"),
        "the display name, stripped and isolated"
    );
    let list = t
        .client
        .get(t.url("/"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        list.contains("dir=\"auto\">\u{05E9}\u{05DC}\u{05D5}\u{05DD} printer queue is stuck</a>")
    );
}

async fn text_paths_and_metrics(t: TestApp) {
    let (_, ann) = t.signup("ann").await;
    let (s, q) = t
        .post_json(
            "/api/v1/questions",
            Some(&ann),
            json!({"title": "Invoice \u{202E}fdp.exe\u{202C} will not open",
                   "body": "The attachment ![scan](http://images.example.org/scan.png) opens as text.",
                   "tags": ["help"]}),
        )
        .await;
    assert_eq!(s, 201, "{q}");
    assert_eq!(q["title"], "Invoice fdp.exe will not open");
    assert!(q["body_html"]
        .as_str()
        .unwrap()
        .contains("src=\"https://images.example.org/scan.png\""));

    let res = t
        .client
        .get(t.url("/api/v1/questions/%FF"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
    let v: Value = res.json().await.unwrap();
    assert_eq!(v["error"]["code"], "not_found");
    let res = t.client.get(t.url("/tags/%C3")).send().await.unwrap();
    assert_eq!(res.status(), 404);
    assert!(res.text().await.unwrap().contains("Page not found"));

    let res = t
        .client
        .get(t.url("/metrics"))
        .header("x-forwarded-for", "203.0.113.9")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404, "through a proxy, /metrics is not public");
    let res = t.client.get(t.url("/metrics")).send().await.unwrap();
    assert_eq!(res.status(), 200, "on this machine it is");
}

/// With `metrics_token` set, `/metrics` asks for it.
mod metrics_token {
    use crate::support::{spawn, Kind};

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        let t = spawn(Kind::Sqlite, |c| {
            c.metrics_token = stoa::config::Secret("scrape-me-please".into())
        })
        .await
        .expect("sqlite");
        let res = t.client.get(t.url("/metrics")).send().await.unwrap();
        assert_eq!(res.status(), 404);
        let res = t
            .client
            .get(t.url("/metrics"))
            .bearer_auth("scrape-me-please")
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        assert!(res
            .text()
            .await
            .unwrap()
            .contains("stoa_db_pool_connections"));
    }
}

async fn tag_count(t: &TestApp, name: &str) -> i64 {
    let (_, tags) = t.get_json("/api/v1/tags", None).await;
    tags["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["name"] == name)
        .map_or(0, |x| x["question_count"].as_i64().unwrap())
}

async fn reputation_of(t: &TestApp, id: i64) -> (i64, Vec<String>) {
    let (_, u) = t.get_json(&format!("/api/v1/users/{id}"), None).await;
    let (_, l) = t
        .get_json(&format!("/api/v1/users/{id}/reputation"), None)
        .await;
    let reasons = l["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["reason"].as_str().unwrap().to_string())
        .collect();
    (u["reputation"].as_i64().unwrap(), reasons)
}

/// Hiding a question takes it out of its tags' counts (publishing puts it back); deleting a
/// post takes back what its votes earned, with entries that say why, and undeleting restores it.
async fn removal_takes_counts_and_reputation(t: TestApp) {
    let (_, mona) = with_role(&t, "mona", "moderator").await;
    let (_, ann) = t.signup("ann").await;
    let (bob_id, bob) = t.signup("bob").await;
    let (_, cat) = t.signup("cat").await;
    let q = ask(&t, &ann, "Smart plug loses its schedule").await;
    assert_eq!(tag_count(&t, "help").await, 1);
    let act = |action: &'static str, id: i64| {
        let t = &t;
        let mona = mona.clone();
        async move {
            let (s, v) = moderate(
                t,
                &mona,
                json!({"action": action, "target_type": "post", "target_id": id,
                       "category": "other", "reason": "Checking the counts"}),
            )
            .await;
            assert_eq!(s, 201, "{action}: {v}");
        }
    };
    // Three trusted members' flags hide it (trust also needs a two-day-old account).
    let mut flaggers = Vec::new();
    for name in ["xen", "yara", "zed"] {
        flaggers.push(t.signup(name).await);
    }
    t.age_accounts(30).await;
    let pool = t.db().await;
    for (id, token) in flaggers {
        sqlx::query("UPDATE users SET reputation = 50 WHERE id = $1")
            .bind(id)
            .execute(&pool)
            .await
            .unwrap();
        let (s, v) = t
            .post_json(
                &format!("/api/v1/posts/{q}/flags"),
                Some(&token),
                json!({"reason": "rude"}),
            )
            .await;
        assert_eq!(s, 201, "{v}");
    }
    pool.close().await;
    let (_, state) = t
        .get_json(&format!("/api/v1/posts/{q}/state"), Some(&mona))
        .await;
    assert_eq!(state["status"], "hidden", "{state}");
    assert_eq!(
        tag_count(&t, "help").await,
        0,
        "a hidden question is not counted"
    );
    act("publish", q).await;
    assert_eq!(tag_count(&t, "help").await, 1);

    let a = answer(
        &t,
        &bob,
        q,
        "Update the plug's firmware; schedules are kept after that.",
    )
    .await;
    assert_eq!(vote(&t, &ann, a, 1).await.0, 200);
    assert_eq!(vote(&t, &cat, a, 1).await.0, 200);
    let (before, _) = reputation_of(&t, bob_id).await;
    assert_eq!(before, 21);
    let (s, _) = t
        .send_json("DELETE", &format!("/api/v1/posts/{a}"), Some(&bob), None)
        .await;
    assert_eq!(s, 204);
    let (after, reasons) = reputation_of(&t, bob_id).await;
    assert_eq!(after, 1, "the votes' points left with the post");
    assert_eq!(reasons.iter().filter(|r| *r == "post_deleted").count(), 2);
    act("undelete", a).await;
    let (restored, _) = reputation_of(&t, bob_id).await;
    assert_eq!(restored, 21, "undeleting restores them");
    // Twice round gives the same.
    act("delete", a).await;
    assert_eq!(reputation_of(&t, bob_id).await.0, 1);
    act("undelete", a).await;
    assert_eq!(reputation_of(&t, bob_id).await.0, 21);
}

/// Two accounts trading suggested edits and approvals earn at most 20 points a day.
async fn edit_trading_is_capped(t: TestApp) {
    let (ann_id, ann) = t.signup("ann").await;
    let (bob_id, bob) = t.signup("bob").await;
    // Ann is no new member (whose posts are limited to ten in ten minutes).
    let pool = t.db().await;
    sqlx::query("UPDATE users SET reputation = 100 WHERE id = $1")
        .bind(ann_id)
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;
    for i in 0..12 {
        let q = ask(
            &t,
            &ann,
            &format!("Thermostat number {i} shows the wrong time"),
        )
        .await;
        let (s, sug) = suggest(
            &t,
            &bob,
            q,
            &format!(
                "Thermostat {i}: the clock runs ten minutes late every day, even after a reset."
            ),
        )
        .await;
        assert_eq!(s, 201, "{sug}");
        let (s, v) = t
            .post_json(
                &format!("/api/v1/suggested-edits/{}/review", sug["id"]),
                Some(&ann),
                json!({"outcome": "approve"}),
            )
            .await;
        assert_eq!(s, 200, "{v}");
    }
    let (rep, reasons) = reputation_of(&t, bob_id).await;
    assert_eq!(rep, 1 + 20, "twelve approvals, capped at 20 points a day");
    // The integrity scan shows the pair to moderators.
    let (_, mona) = with_role(&t, "mona", "moderator").await;
    let (s, r) = t
        .post_json("/api/v1/moderation/integrity-scan", Some(&mona), json!({}))
        .await;
    assert_eq!(s, 200, "{r}");
    assert_eq!(r["pairs_flagged"], 1, "{r}");
    let pool = t.db().await;
    let (text,): (String,) =
        sqlx::query_as("SELECT text FROM flags WHERE user_id IS NULL ORDER BY id DESC")
            .fetch_one(&pool)
            .await
            .unwrap();
    pool.close().await;
    assert!(
        text.contains("ann approved 12 of bob's suggested edits"),
        "{text}"
    );
    assert_eq!(
        reasons
            .iter()
            .filter(|r| *r == "suggested_edit_approved")
            .count(),
        10
    );
}

/// A held post is its author's and the moderators' business only; the moderation forms are
/// moderators' only.
async fn held_posts_stay_private(t: TestApp) {
    let (_, mona) = with_role(&t, "mona", "moderator").await;
    let (_, ann) = t.signup("ann").await;
    let (_, bob) = t.signup("bob").await;
    let (s, q) = t
        .post_json(
            "/api/v1/questions",
            Some(&ann),
            json!({"title": "Secret discount codes inside",
                   "body": "See https://a.example/1 and https://b.example/2 and https://c.example/3 now.",
                   "tags": ["help"]}),
        )
        .await;
    assert_eq!(s, 201, "{q}");
    let id = q["id"].as_i64().unwrap();
    let state = |token: Option<String>| {
        let t = &t;
        async move {
            t.get_json(&format!("/api/v1/posts/{id}/state"), token.as_deref())
                .await
        }
    };
    let (s, v) = state(Some(mona.clone())).await;
    assert_eq!((s, v["status"].as_str()), (200, Some("held")), "{v}");
    assert_eq!(state(Some(ann.clone())).await.0, 200, "its author sees it");
    assert_eq!(state(None).await.0, 404, "anonymous visitors learn nothing");
    assert_eq!(state(Some(bob.clone())).await.0, 404);

    let (browser, _) = t.browser("bob").await;
    let res = browser
        .get(t.url(&format!("/posts/{id}/moderate")))
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    let body = res.text().await.unwrap();
    assert!(status == 403 || status == 404, "{status}");
    assert!(!body.contains("Secret discount codes"), "no title leaks");
    let (mc, _) = t.browser("mona").await;
    let res = mc
        .get(t.url(&format!("/posts/{id}/moderate")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let res = browser
        .get(t.url("/users/1/moderate"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403, "the user form is for moderators");
}

/// Comments are screened like posts: a new member's comment with more links than a new
/// member's post may carry is refused with the reason, and nothing is written.
async fn comments_are_screened(t: TestApp) {
    let (_, ann) = t.signup("ann").await;
    let (_, bob) = t.signup("bob").await;
    let q = ask(&t, &ann, "Wi-Fi extender keeps dropping the connection").await;
    let before = t.count("comments").await;
    let (s, v) = t
        .post_json(
            &format!("/api/v1/posts/{q}/comments"),
            Some(&bob),
            json!({"body": "Cheap extenders: https://a.example/x https://b.example/y https://c.example/z"}),
        )
        .await;
    assert_eq!(s, 422, "{v}");
    assert_eq!(v["error"]["code"], "looks_like_spam", "{v}");
    assert_eq!(t.count("comments").await, before);
    let (s, v) = t
        .post_json(
            &format!("/api/v1/posts/{q}/comments"),
            Some(&bob),
            json!({"body": "Which model is it? The manual at https://example.org/manual helps."}),
        )
        .await;
    assert_eq!(s, 201, "an ordinary comment passes: {v}");
}

/// Up-votes earn at most 200 reputation a day (acceptances are not capped).
async fn upvotes_earn_at_most_200_a_day(t: TestApp) {
    let (ann_id, ann) = t.signup("ann").await;
    let q1 = ask(&t, &ann, "Laptop fan runs all the time").await;
    let q2 = ask(&t, &ann, "Laptop battery drains while asleep").await;
    for i in 0..11 {
        let (_, voter) = with_role(&t, &format!("voter{i}"), "member").await;
        assert_eq!(vote(&t, &voter, q1, 1).await.0, 200);
        assert_eq!(vote(&t, &voter, q2, 1).await.0, 200);
    }
    let (rep, _) = reputation_of(&t, ann_id).await;
    assert_eq!(rep, 1 + 200, "22 up-votes, capped at 200 points today");
    let (_, shown) = t.get_json(&format!("/api/v1/questions/{q2}"), None).await;
    assert_eq!(
        shown["score"], 11,
        "the votes themselves all count in the score"
    );
}

/// Two up-votes from fresh accounts make 21 reputation on a new site, past the trusted-flag
/// threshold; but trust also needs an account two days old, so fresh sock accounts cannot
/// hide posts.
async fn fresh_accounts_make_no_trusted_flaggers(t: TestApp) {
    let (_, ann) = t.signup("ann").await;
    let q = ask(&t, &ann, "Router admin page will not load").await;
    let mut socks: Vec<(i64, String, i64)> = Vec::new();
    for i in 0..3 {
        let (id, sock) = t.signup(&format!("sock{i}")).await;
        let own = ask(
            &t,
            &sock,
            &format!("Sock question number {i} about nothing"),
        )
        .await;
        socks.push((id, sock, own));
    }
    for (_, voter, _) in &socks {
        for (_, _, own) in &socks {
            let (s, _) = vote(&t, voter, *own, 1).await;
            assert!(s == 200 || s == 403, "{s}");
        }
    }
    for (id, sock, _) in &socks {
        let (_, u) = t.get_json(&format!("/api/v1/users/{id}"), None).await;
        assert_eq!(u["reputation"], 21, "two votes from the other socks: {u}");
        let (s, v) = t
            .post_json(
                &format!("/api/v1/posts/{q}/flags"),
                Some(sock),
                json!({"reason": "rude"}),
            )
            .await;
        assert_eq!(s, 201, "{v}");
    }
    let (_, state) = t.get_json(&format!("/api/v1/posts/{q}/state"), None).await;
    assert_eq!(
        state["status"], "published",
        "three fresh accounts hid nothing"
    );
}

/// Three trusted accounts made in one browser are one person: their flags do not hide a post.
async fn one_persons_accounts_cannot_hide_a_post(t: TestApp) {
    let (_, ann) = t.signup("ann").await;
    let q = ask(&t, &ann, "Doorbell camera shows a black picture").await;
    let shared = crate::support::client();
    for name in ["puppet1", "puppet2", "puppet3"] {
        crate::incentives::form_signup(&t, &shared, name).await;
        crate::incentives::log_out(&t, &shared).await;
    }
    t.age_accounts(30).await;
    let pool = t.db().await;
    sqlx::query("UPDATE users SET reputation = 50 WHERE username LIKE 'puppet%'")
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;
    for name in ["puppet1", "puppet2", "puppet3"] {
        let (s, v) = t
            .post_json(
                "/api/v1/auth/login",
                None,
                json!({"login": name, "password": "correct horse battery"}),
            )
            .await;
        assert_eq!(s, 200, "{v}");
        let token = v["token"].as_str().unwrap().to_string();
        let (s, v) = t
            .post_json(
                &format!("/api/v1/posts/{q}/flags"),
                Some(&token),
                json!({"reason": "rude"}),
            )
            .await;
        assert_eq!(s, 201, "{v}");
        assert_eq!(v["trusted"], true, "each is trusted on its own: {v}");
    }
    let (_, state) = t.get_json(&format!("/api/v1/posts/{q}/state"), None).await;
    assert_eq!(
        state["status"], "published",
        "one person, however many accounts"
    );
}

/// Two trusted members who up-voted each other's posts are one party: with a third flagger
/// their three flags do not hide a post; a fourth, unrelated flagger makes three parties.
async fn flaggers_who_vote_for_each_other_count_once(t: TestApp) {
    let (_, ann) = t.signup("ann").await;
    let q = ask(&t, &ann, "Thermostat loses its schedule after a power cut").await;
    let mut tokens = Vec::new();
    for name in ["ring1", "ring2", "third", "fourth"] {
        tokens.push(t.signup(name).await.1);
    }
    let q1 = ask(&t, &tokens[0], "Which batteries does the remote take?").await;
    let q2 = ask(&t, &tokens[1], "Can the display be dimmed at night?").await;
    for (voter, post) in [(&tokens[0], q2), (&tokens[1], q1)] {
        let (s, v) = t
            .post_json(
                &format!("/api/v1/posts/{post}/vote"),
                Some(voter),
                json!({"value": 1}),
            )
            .await;
        assert_eq!(s, 200, "{v}");
    }
    t.age_accounts(30).await;
    let pool = t.db().await;
    sqlx::query("UPDATE users SET reputation = 50 WHERE username <> 'ann'")
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;
    let flag = |token: String| {
        let t = &t;
        async move {
            let (s, v) = t
                .post_json(
                    &format!("/api/v1/posts/{q}/flags"),
                    Some(&token),
                    json!({"reason": "rude"}),
                )
                .await;
            assert_eq!(s, 201, "{v}");
            assert_eq!(v["trusted"], true, "{v}");
        }
    };
    for token in &tokens[..3] {
        flag(token.clone()).await;
    }
    let (_, state) = t.get_json(&format!("/api/v1/posts/{q}/state"), None).await;
    assert_eq!(state["status"], "published", "a voting ring is one party");
    flag(tokens[3].clone()).await;
    let (_, state) = t
        .get_json(&format!("/api/v1/posts/{q}/state"), Some(&ann))
        .await;
    assert_eq!(state["status"], "hidden", "three parties hide it: {state}");
}

/// An approval racing the author's own edit: whatever the order, an edit that was acknowledged
/// is never silently overwritten by the older suggestion (the base revision is checked in the
/// approval's transaction); the loser of the race gets 409 `post_changed`.
async fn a_suggestion_never_overwrites_a_concurrent_edit(t: TestApp) {
    let (_, root) = with_role(&t, "root", "admin").await;
    t.lift_write_limits(&root).await;
    let (_, ann) = t.signup("ann").await;
    let (_, sam) = t.signup("sam").await;
    let mut outcomes = std::collections::BTreeSet::new();
    for round in 0..8 {
        let q = ask(
            &t,
            &ann,
            &format!("Dishwasher stops mid-cycle, case {round}"),
        )
        .await;
        let (status, sug) =
            suggest(&t, &sam, q, "The suggested wording, with the model number.").await;
        assert_eq!(status, 201, "{sug}");
        let mine = format!("The author's own wording of round {round}, with the error code E24.");
        let post_path = format!("/api/v1/posts/{q}");
        let edit = t.send_json(
            "PATCH",
            &post_path,
            Some(&ann),
            Some(json!({"body": mine, "comment": "my own fix"})),
        );
        let review_path = format!("/api/v1/suggested-edits/{}/review", sug["id"]);
        let approve = t.post_json(&review_path, Some(&ann), json!({"outcome": "approve"}));
        let ((es, ev), (rs, rv)) = tokio::join!(edit, approve);
        assert_eq!(es, 200, "the author's edit: {ev}");
        assert!(rs == 200 || rs == 409, "approval: {rs} {rv}");
        if rs == 409 {
            assert_eq!(rv["error"]["code"], "post_changed", "{rv}");
        }
        outcomes.insert(rs);
        let (_, shown) = t.get_json(&format!("/api/v1/questions/{q}"), None).await;
        let body = shown["body"].as_str().unwrap_or_default();
        assert_eq!(
            body, mine,
            "the acknowledged edit stands (approval {rs}): {shown}"
        );
    }
    eprintln!("approval outcomes seen: {outcomes:?}");
}
