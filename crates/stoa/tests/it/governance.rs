//! Governance through the API: the reputation ledger, privileges under both profiles, suggested
//! edits, rollbacks and settings. Helpers shared by the other `governance_*` modules live here.

use crate::both;
use crate::support::{assert_error, TestApp};
use serde_json::{json, Value};

both!(
    normal_profile_privileges_follow_reputation,
    new_site_profile_and_settings,
    suggested_edit_is_approved_and_credited,
    rollback_to_any_revision,
    acceptance_moves_reputation,
);

/// Creates `name` with a role the way `stoa admin create-user --role …` does, then logs in.
pub async fn with_role(t: &TestApp, name: &str, role: &str) -> (i64, String) {
    let email = format!("{name}@example.com");
    stoa::commands::create_user(&t.cfg, name, &email, role, "correct horse battery")
        .await
        .unwrap();
    let (status, body) = t
        .post_json(
            "/api/v1/auth/login",
            None,
            json!({"login": name, "password": "correct horse battery"}),
        )
        .await;
    assert_eq!(status, 200, "log-in of {name}: {body}");
    let (_, me) = t.get_json("/api/v1/me", body["token"].as_str()).await;
    (
        me["id"].as_i64().unwrap(),
        body["token"].as_str().unwrap().to_string(),
    )
}

/// Replaces the governance settings as an admin.
pub async fn settings(t: &TestApp, admin: &str, body: Value) -> Value {
    let res = t
        .client
        .put(t.url("/api/v1/governance/settings"))
        .bearer_auth(admin)
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    let v: Value = res.json().await.unwrap();
    assert_eq!(status, 200, "settings {body}: {v}");
    v
}

pub async fn ask(t: &TestApp, token: &str, title: &str) -> i64 {
    let body = format!("What I tried for “{title}” so far, in some detail, with the error I see.");
    let (status, q) = t
        .post_json(
            "/api/v1/questions",
            Some(token),
            json!({"title": title, "body": body, "tags": ["help"]}),
        )
        .await;
    assert_eq!(status, 201, "ask {title}: {q}");
    q["id"].as_i64().unwrap()
}

pub async fn answer(t: &TestApp, token: &str, question: i64, body: &str) -> i64 {
    let (status, a) = t
        .post_json(
            &format!("/api/v1/questions/{question}/answers"),
            Some(token),
            json!({"body": body}),
        )
        .await;
    assert_eq!(status, 201, "answer: {a}");
    a["id"].as_i64().unwrap()
}

pub async fn vote(t: &TestApp, token: &str, post: i64, value: i64) -> (u16, Value) {
    t.post_json(
        &format!("/api/v1/posts/{post}/vote"),
        Some(token),
        json!({"value": value}),
    )
    .await
}

pub async fn patch(t: &TestApp, token: &str, post: i64, body: Value) -> (u16, Value) {
    let res = t
        .client
        .patch(t.url(&format!("/api/v1/posts/{post}")))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

pub async fn reputation(t: &TestApp, user: i64) -> i64 {
    let (status, l) = t
        .get_json(
            &format!("/api/v1/users/{user}/reputation?per_page=100"),
            None,
        )
        .await;
    assert_eq!(status, 200, "{l}");
    // Reputation is the sum of the ledger, always.
    let sum: i64 = l["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["delta"].as_i64().unwrap())
        .sum();
    assert_eq!(
        l["reputation"].as_i64().unwrap(),
        1 + sum,
        "reputation is 1 + the ledger: {l}"
    );
    let (_, profile) = t.get_json(&format!("/api/v1/users/{user}"), None).await;
    assert_eq!(
        profile["reputation"], l["reputation"],
        "the profile agrees with the ledger"
    );
    l["reputation"].as_i64().unwrap()
}

pub async fn state(t: &TestApp, post: i64, token: Option<&str>) -> Value {
    let (status, s) = t
        .get_json(&format!("/api/v1/posts/{post}/state"), token)
        .await;
    assert_eq!(status, 200, "{s}");
    s
}

async fn normal_profile_privileges_follow_reputation(t: TestApp) {
    let (_, admin) = with_role(&t, "admin", "admin").await;
    let s = settings(&t, &admin, json!({"profile": "normal"})).await;
    assert_eq!(s["thresholds"]["vote_down"], 125);
    let (_, alice) = t.signup("alice").await;
    let (newbie_id, newbie) = t.signup("newbie").await;
    // Privileges of trust (editing others' posts) also need a two-day-old account.
    t.age_accounts(30).await;
    let q = ask(&t, &alice, "How do refunds work here?").await;
    let other = ask(&t, &alice, "Where is the invoice page?").await;
    let a = answer(&t, &newbie, q, "Open the order page and press Refund.").await;

    // A brand-new member can answer but not vote up, vote down or edit others' posts.
    let (status, body) = vote(&t, &newbie, q, 1).await;
    assert_eq!(status, 403, "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("15 reputation"),
        "{body}"
    );
    let (status, body) = vote(&t, &newbie, q, -1).await;
    assert_eq!(status, 403);
    assert_error(&body, "forbidden");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("125 reputation to vote down"),
        "{body}"
    );
    let (status, body) = patch(&t, &newbie, q, json!({"body": "Hijacked body text"})).await;
    assert_eq!(status, 403, "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("2000 reputation"),
        "{body}"
    );
    assert_eq!(t.count("votes").await, 0, "refusals change nothing");

    // Thirteen upvotes (+10 each) from moderators, who hold every privilege: 131 reputation.
    let mut mods = Vec::new();
    for i in 0..13 {
        mods.push(with_role(&t, &format!("mod{i}"), "moderator").await.1);
    }
    for m in &mods {
        let (status, body) = vote(&t, m, a, 1).await;
        assert_eq!(status, 200, "{body}");
    }
    assert_eq!(reputation(&t, newbie_id).await, 131);
    let (_, privs) = t
        .get_json(&format!("/api/v1/users/{newbie_id}/privileges"), None)
        .await;
    let held = |name: &str| {
        privs["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["privilege"] == name)
            .unwrap()["held"]
            .clone()
    };
    assert_eq!(
        (held("vote_down"), held("edit_others")),
        (json!(true), json!(false)),
        "{privs}"
    );
    let (status, body) = vote(&t, &newbie, q, -1).await;
    assert_eq!(status, 200, "the privilege is earned: {body}");

    // One upvote taken back reverses its ledger entry: 121, and the privilege is gone again.
    let (status, _) = vote(&t, &mods[0], a, 0).await;
    assert_eq!(status, 200);
    assert_eq!(reputation(&t, newbie_id).await, 121);
    let (status, body) = vote(&t, &newbie, other, -1).await;
    assert_eq!(status, 403, "lost after the reversal: {body}");
    let (_, ledger) = t
        .get_json(&format!("/api/v1/users/{newbie_id}/reputation"), None)
        .await;
    let first = &ledger["items"][0];
    assert_eq!(
        (first["reason"].as_str(), first["delta"].as_i64()),
        (Some("reversal"), Some(-10)),
        "{ledger}"
    );
    assert!(first["reverses_id"].as_i64().is_some());
    assert_eq!(
        ledger["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|i| i["reversed"] == true)
            .count(),
        1
    );
    assert_eq!(
        first["url"].as_str().unwrap(),
        format!("/questions/{q}/how-do-refunds-work-here")
    );
    // Taking back one's own vote is always allowed.
    let (status, _) = vote(&t, &newbie, q, 0).await;
    assert_eq!(status, 200);

    // Editing others' posts follows the threshold in force: lowered to 130 by the admin.
    settings(
        &t,
        &admin,
        json!({"profile": "normal", "thresholds": {"edit_others": 130}}),
    )
    .await;
    let (status, _) = patch(
        &t,
        &newbie,
        q,
        json!({"body": "A clearer body for this question."}),
    )
    .await;
    assert_eq!(status, 403, "121 < 130");
    vote(&t, &mods[0], a, 1).await;
    let (status, body) = patch(
        &t,
        &newbie,
        q,
        json!({"body": "A clearer body for this question."}),
    )
    .await;
    assert_eq!(status, 200, "131 ≥ 130: {body}");
    vote(&t, &mods[0], a, -1).await;
    assert_eq!(
        reputation(&t, newbie_id).await,
        119,
        "an upvote turned into a downvote: -10 then -2"
    );
    let (status, _) = patch(
        &t,
        &newbie,
        q,
        json!({"body": "Another body for this question."}),
    )
    .await;
    assert_eq!(status, 403, "lost again after the reversal");
    // A member's own posts stay editable whatever their reputation.
    let (status, _) = patch(
        &t,
        &newbie,
        a,
        json!({"body": "Open the order page, then press Refund."}),
    )
    .await;
    assert_eq!(status, 200);
}

async fn new_site_profile_and_settings(t: TestApp) {
    let (_, admin) = with_role(&t, "admin", "admin").await;
    let (uid, user) = t.signup("user").await;
    let (status, s) = t.get_json("/api/v1/governance/settings", None).await;
    assert_eq!(status, 200);
    assert_eq!(s["settings"]["profile"], "new_site", "{s}");
    assert_eq!(s["thresholds"]["vote_down"], 1);
    assert_eq!(s["settings"]["flags_to_hide"], 3);
    assert_eq!(s["spam_filter"]["spam_examples"], 0);
    let (_, privs) = t
        .get_json(&format!("/api/v1/users/{uid}/privileges"), None)
        .await;
    assert_eq!(privs["reputation"], 1);
    let held: Vec<&str> = privs["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["held"] == true)
        .map(|p| p["privilege"].as_str().unwrap())
        .collect();
    assert_eq!(
        held,
        vec!["vote_up", "flag", "comment_everywhere", "vote_down"],
        "{privs}"
    );

    // Only admins change settings; bad settings are refused with the setting named, and change nothing.
    let res = t
        .client
        .put(t.url("/api/v1/governance/settings"))
        .bearer_auth(&user)
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    for (body, needle) in [
        (json!({"profile": "strict"}), "unknown variant"),
        (json!({"flags_to_hide": -1}), "flags_to_hide"),
        (json!({"thresholds": {"vote_up": -5}}), "thresholds.vote_up"),
        (
            json!({"points": {"downvote_received": 3}}),
            "points.downvote_received",
        ),
        (
            json!({"limits": {"per_user": {"max": 0, "window_secs": 60}}}),
            "limits.per_user",
        ),
        (json!({"unknown": 1}), "unknown field"),
        (json!([1, 2]), "invalid"),
    ] {
        let res = t
            .client
            .put(t.url("/api/v1/governance/settings"))
            .bearer_auth(&admin)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 422, "{body}");
        let v: Value = res.json().await.unwrap();
        assert_error(&v, "invalid_settings");
        assert!(
            v["error"]["message"].as_str().unwrap().contains(needle),
            "{body}: {v}"
        );
    }
    let (_, again) = t.get_json("/api/v1/governance/settings", None).await;
    assert_eq!(again["settings"], s["settings"]);
    let (status, body) = t.get_json("/api/v1/users/99999/reputation", None).await;
    assert_eq!(status, 404, "{body}");
    let (status, body) = t
        .get_json(&format!("/api/v1/users/{uid}/reputation?per_page=0"), None)
        .await;
    assert_eq!(status, 422, "{body}");
}

async fn suggested_edit_is_approved_and_credited(t: TestApp) {
    let (alice_id, alice) = t.signup("alice").await;
    let (bob_id, bob) = t.signup("bob").await;
    let (_, carol) = t.signup("carol").await;
    let (_, moderator) = with_role(&t, "moderator", "moderator").await;
    let q = ask(&t, &alice, "Cannot log in after reset").await;
    // Bob has no edit privilege (500 on a new site): he suggests instead.
    let (status, _) = patch(
        &t,
        &bob,
        q,
        json!({"body": "Improved body of the question."}),
    )
    .await;
    assert_eq!(status, 403);
    let path = format!("/api/v1/posts/{q}/suggested-edits");
    let (status, s) = t
        .post_json(
            &path,
            Some(&bob),
            json!({"title": "Cannot log in after a password reset", "comment": "clearer title"}),
        )
        .await;
    assert_eq!(status, 201, "{s}");
    assert_eq!(
        (
            s["status"].as_str(),
            s["author"]["id"].as_i64(),
            s["base_revision"].as_i64()
        ),
        (Some("pending"), Some(bob_id), Some(1))
    );
    let sid = s["id"].as_i64().unwrap();

    // Bad suggestions change nothing.
    let before = t.count("suggested_edits").await;
    for (token, body, want, code) in [
        (
            &carol,
            json!({"body": "Another suggestion for the body."}),
            409,
            "edit_pending",
        ),
        (&alice, json!({"body": "My own post"}), 403, "forbidden"),
        (&carol, json!({"title": ""}), 422, "invalid_title"),
        (
            &carol,
            json!({"comment": "x".repeat(301), "body": "new"}),
            422,
            "invalid_comment",
        ),
    ] {
        let (status, v) = t.post_json(&path, Some(token), body.clone()).await;
        assert_eq!(status, want, "{body}: {v}");
        assert_error(&v, code);
    }
    let (status, _) = t
        .post_json(
            "/api/v1/posts/99999/suggested-edits",
            Some(&carol),
            json!({"body": "x"}),
        )
        .await;
    assert_eq!(status, 404);
    assert_eq!(t.count("suggested_edits").await, before);

    // It waits in the suggested-edits queue of reviewers.
    let (_, queue) = t
        .get_json("/api/v1/review/suggested_edits", Some(&moderator))
        .await;
    assert_eq!(queue["total"], 1, "{queue}");
    assert_eq!(queue["items"][0]["id"], sid);
    assert_eq!(
        queue["items"][0]["suggested_edit"]["title"],
        "Cannot log in after a password reset"
    );
    let (status, _) = t
        .get_json("/api/v1/review/suggested_edits", Some(&carol))
        .await;
    assert_eq!(status, 403, "reviewing needs reputation");

    // Neither its author nor a member without the review privilege may settle it.
    let review = format!("/api/v1/suggested-edits/{sid}/review");
    let (status, _) = t
        .post_json(&review, Some(&bob), json!({"outcome": "approve"}))
        .await;
    assert_eq!(status, 403);
    let (status, v) = t
        .post_json(&review, Some(&carol), json!({"outcome": "approve"}))
        .await;
    assert_eq!(status, 403, "{v}");
    let (status, v) = t
        .post_json(&review, Some(&alice), json!({"outcome": "merge"}))
        .await;
    assert_eq!(status, 422);
    assert_error(&v, "invalid_outcome");
    // The post's author approves: a revision credited to Bob, and +2 reputation for him.
    let (status, v) = t
        .post_json(&review, Some(&alice), json!({"outcome": "approve"}))
        .await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(
        (v["status"].as_str(), v["reviewer"]["id"].as_i64()),
        (Some("approved"), Some(alice_id))
    );
    let (_, revs) = t
        .get_json(&format!("/api/v1/posts/{q}/revisions"), None)
        .await;
    assert_eq!(revs["total"], 2);
    assert_eq!(
        revs["items"][1]["author"]["id"], bob_id,
        "the revision is credited to its author"
    );
    assert_eq!(revs["items"][1]["comment"], "clearer title");
    let (_, got) = t.get_json(&format!("/api/v1/questions/{q}"), None).await;
    assert_eq!(got["title"], "Cannot log in after a password reset");
    assert_eq!(reputation(&t, bob_id).await, 3);
    let (_, ledger) = t
        .get_json(&format!("/api/v1/users/{bob_id}/reputation"), None)
        .await;
    assert_eq!(ledger["items"][0]["reason"], "suggested_edit_approved");
    let (status, v) = t
        .post_json(
            &review,
            Some(&moderator),
            json!({"outcome": "reject", "reason": "late"}),
        )
        .await;
    assert_eq!(status, 409, "settled once: {v}");

    // A rejection needs a reason and leaves the post alone.
    let (status, s2) = t
        .post_json(
            &path,
            Some(&carol),
            json!({"body": "Spam spam spam, visit my site."}),
        )
        .await;
    assert_eq!(status, 201, "{s2}");
    let review2 = format!("/api/v1/suggested-edits/{}/review", s2["id"]);
    let (status, v) = t
        .post_json(&review2, Some(&moderator), json!({"outcome": "reject"}))
        .await;
    assert_eq!(status, 422, "{v}");
    let (status, v) = t
        .post_json(
            &review2,
            Some(&moderator),
            json!({"outcome": "reject", "reason": "Adds promotion"}),
        )
        .await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(
        (v["status"].as_str(), v["review_reason"].as_str()),
        (Some("rejected"), Some("Adds promotion"))
    );
    let (_, revs) = t
        .get_json(&format!("/api/v1/posts/{q}/revisions"), None)
        .await;
    assert_eq!(revs["total"], 2);
    // A suggestion made against an older revision cannot be approved over a newer one.
    let (_, s3) = t
        .post_json(
            &path,
            Some(&carol),
            json!({"body": "A careful improvement of the body."}),
        )
        .await;
    let (status, _) = patch(
        &t,
        &alice,
        q,
        json!({"body": "Alice changed it meanwhile."}),
    )
    .await;
    assert_eq!(status, 200);
    let (status, v) = t
        .post_json(
            &format!("/api/v1/suggested-edits/{}/review", s3["id"]),
            Some(&moderator),
            json!({"outcome": "approve"}),
        )
        .await;
    assert_eq!(status, 409, "{v}");
    assert_error(&v, "post_changed");
}

async fn rollback_to_any_revision(t: TestApp) {
    let (_, alice) = t.signup("alice").await;
    let (_, bob) = t.signup("bob").await;
    let q = ask(&t, &alice, "Export my data").await;
    let (_, original) = t.get_json(&format!("/api/v1/questions/{q}"), None).await;
    patch(
        &t,
        &alice,
        q,
        json!({"body": "Second version of the body."}),
    )
    .await;
    patch(
        &t,
        &alice,
        q,
        json!({"body": "Third version of the body.", "title": "Export all my data"}),
    )
    .await;
    let path = format!("/api/v1/posts/{q}/rollback");
    let (status, p) = t
        .post_json(&path, Some(&alice), json!({"revision": 1}))
        .await;
    assert_eq!(status, 200, "{p}");
    assert_eq!(
        (
            p["body"].clone(),
            p["title"].clone(),
            p["revision_count"].as_i64()
        ),
        (original["body"].clone(), original["title"].clone(), Some(4))
    );
    let (_, revs) = t
        .get_json(&format!("/api/v1/posts/{q}/revisions"), None)
        .await;
    assert_eq!(revs["items"][3]["comment"], "Rolled back to revision 1");
    for (token, body, want, code) in [
        (&alice, json!({"revision": 9}), 422, "unknown_revision"),
        (&alice, json!({"revision": 1}), 422, "no_change"),
        (&bob, json!({"revision": 2}), 403, "forbidden"),
        (&alice, json!({"revision": "two"}), 422, "invalid_request"),
    ] {
        let (status, v) = t.post_json(&path, Some(token), body.clone()).await;
        assert_eq!(status, want, "{body}: {v}");
        assert_error(&v, code);
    }
    let (status, p) = t
        .post_json(
            &path,
            Some(&alice),
            json!({"revision": 3, "comment": "back to the good one"}),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(p["title"], "Export all my data");
    assert_eq!(t.count("post_revisions").await, 5);
}

async fn acceptance_moves_reputation(t: TestApp) {
    let (alice_id, alice) = t.signup("alice").await;
    let (bob_id, bob) = t.signup("bob").await;
    let (carol_id, carol) = t.signup("carol").await;
    let q = ask(&t, &alice, "Which plan includes phone support?").await;
    let a1 = answer(&t, &bob, q, "The premium plan does.").await;
    let a2 = answer(&t, &carol, q, "Premium, and business too.").await;
    let own = answer(&t, &alice, q, "Found it myself: premium.").await;
    let accept = format!("/api/v1/questions/{q}/accept");
    t.post_json(&accept, Some(&alice), json!({"answer_id": a1}))
        .await;
    assert_eq!(
        (reputation(&t, bob_id).await, reputation(&t, alice_id).await),
        (16, 3)
    );
    t.post_json(&accept, Some(&alice), json!({"answer_id": a1}))
        .await;
    assert_eq!(
        reputation(&t, bob_id).await,
        16,
        "accepting again changes nothing"
    );
    t.post_json(&accept, Some(&alice), json!({"answer_id": a2}))
        .await;
    assert_eq!(
        (
            reputation(&t, bob_id).await,
            reputation(&t, carol_id).await,
            reputation(&t, alice_id).await
        ),
        (1, 16, 3)
    );
    t.post_json(&accept, Some(&alice), json!({"answer_id": own}))
        .await;
    assert_eq!(
        (
            reputation(&t, carol_id).await,
            reputation(&t, alice_id).await
        ),
        (1, 1),
        "accepting one's own answer earns nothing"
    );
    // Downvoting an answer costs the voter 1; downvoting a question is free.
    assert_eq!(vote(&t, &bob, q, -1).await.0, 200);
    assert_eq!(vote(&t, &bob, a2, -1).await.0, 200);
    // At reputation 0 even the new-site profile's lowest threshold (1) is out of reach.
    assert_eq!(vote(&t, &bob, own, -1).await.0, 403);
    assert_eq!(
        (
            reputation(&t, bob_id).await,
            reputation(&t, carol_id).await,
            reputation(&t, alice_id).await
        ),
        (0, -1, -1)
    );
}
