//! Flags, the flagged queue, moderation actions on the public log, appeals, suspensions and
//! closing, through the API on both backends.

use crate::both;
use crate::governance::{answer, ask, reputation, settings, state, vote, with_role};
use crate::support::{assert_error, TestApp};
use serde_json::{json, Value};

both!(
    three_trusted_flags_hide_a_post,
    moderator_action_is_logged_and_an_appeal_reverses_it,
    suspensions_and_upheld_appeals,
    closing_by_votes_and_by_moderators,
    first_posts_and_late_answers_queues,
);

fn flag_path(post: i64) -> String {
    format!("/api/v1/posts/{post}/flags")
}

/// Gives `user` 21 reputation: two upvotes on an answer of theirs.
async fn trusted(t: &TestApp, user: &str, question: i64, voters: &[&str]) -> i64 {
    let a = answer(
        t,
        user,
        question,
        &format!(
            "An answer worth two votes, by someone ({}).",
            &user[user.len() - 6..]
        ),
    )
    .await;
    for v in voters {
        assert_eq!(vote(t, v, a, 1).await.0, 200);
    }
    a
}

async fn three_trusted_flags_hide_a_post(t: TestApp) {
    let (_, asker) = t.signup("asker").await;
    let (spammer_id, spammer) = t.signup("spammer").await;
    let (_, v1) = t.signup("voter1").await;
    let (_, v2) = t.signup("voter2").await;
    let (_, f1) = t.signup("flagger1").await;
    let (_, f2) = t.signup("flagger2").await;
    let (_, f3) = t.signup("flagger3").await;
    let (_, newcomer) = t.signup("newcomer").await;
    let (_, moderator) = with_role(&t, "moderator", "moderator").await;
    t.age_accounts(30).await;
    let q = ask(&t, &asker, "Best way to export invoices").await;
    for f in [&f1, &f2, &f3] {
        trusted(&t, f, q, &[&v1, &v2]).await;
    }
    let bad = answer(
        &t,
        &spammer,
        q,
        "You are all idiots, this forum is garbage.",
    )
    .await;

    // Bad flags are refused and change nothing.
    let before = t.count("flags").await;
    for (token, post, body, want, code) in [
        (
            &f1,
            bad,
            json!({"reason": "other"}),
            422,
            "invalid_flag_text",
        ),
        (
            &f1,
            bad,
            json!({"reason": "other", "text": "short"}),
            422,
            "invalid_flag_text",
        ),
        (
            &f1,
            bad,
            json!({"reason": "spicy"}),
            422,
            "invalid_flag_reason",
        ),
        (
            &f1,
            bad,
            json!({"reason": "duplicate"}),
            422,
            "missing_duplicate",
        ),
        (
            &f1,
            bad,
            json!({"reason": "duplicate", "duplicate_of": q}),
            422,
            "invalid_duplicate",
        ),
        (
            &f1,
            q,
            json!({"reason": "duplicate", "duplicate_of": q}),
            422,
            "invalid_duplicate",
        ),
        (
            &f1,
            q,
            json!({"reason": "duplicate", "duplicate_of": 99999}),
            422,
            "unknown_duplicate",
        ),
        (
            &f1,
            bad,
            json!({"reason": "rude", "duplicate_of": q}),
            422,
            "invalid_duplicate",
        ),
        (&spammer, bad, json!({"reason": "spam"}), 403, "forbidden"),
        (&f1, 99999, json!({"reason": "spam"}), 404, "not_found"),
    ] {
        let (status, v) = t
            .post_json(&flag_path(post), Some(token), body.clone())
            .await;
        assert_eq!(status, want, "{body}: {v}");
        assert_error(&v, code);
    }
    let (status, _) = t
        .post_json(&flag_path(bad), None, json!({"reason": "rude"}))
        .await;
    assert_eq!(status, 401);
    assert_eq!(t.count("flags").await, before);

    // A newcomer's flag is recorded but does not count toward hiding.
    let (status, v) = t
        .post_json(&flag_path(bad), Some(&newcomer), json!({"reason": "rude"}))
        .await;
    assert_eq!(status, 201, "{v}");
    assert_eq!(
        (v["trusted"].as_bool(), v["post_hidden"].as_bool()),
        (Some(false), Some(false))
    );
    for (i, f) in [&f1, &f2].iter().enumerate() {
        let (status, v) = t
            .post_json(
                &flag_path(bad),
                Some(f),
                json!({"reason": "rude", "text": "insults everyone"}),
            )
            .await;
        assert_eq!(status, 201, "flag {i}: {v}");
        assert_eq!(
            (v["trusted"].as_bool(), v["post_hidden"].as_bool()),
            (Some(true), Some(false))
        );
    }
    let (status, v) = t
        .post_json(&flag_path(bad), Some(&f1), json!({"reason": "spam"}))
        .await;
    assert_eq!(status, 409, "one pending flag per person: {v}");
    assert_error(&v, "already_flagged");
    assert_eq!(state(&t, bad, None).await["status"], "published");
    let (_, got) = t.get_json(&format!("/api/v1/questions/{q}"), None).await;
    assert_eq!(got["answer_count"], 4);

    // The third trusted flag hides it pending review, and the public log says so.
    let (status, v) = t
        .post_json(&flag_path(bad), Some(&f3), json!({"reason": "rude"}))
        .await;
    assert_eq!(status, 201);
    assert_eq!(v["post_hidden"], true, "{v}");
    assert_eq!(
        state(&t, bad, Some(&moderator)).await["status"],
        "hidden",
        "a hidden post's state is for moderators"
    );
    let (s, _) = t
        .get_json(&format!("/api/v1/posts/{bad}/state"), None)
        .await;
    assert_eq!(s, 404, "anonymous visitors learn nothing of it");
    let (_, got) = t.get_json(&format!("/api/v1/questions/{q}"), None).await;
    assert_eq!(got["answer_count"], 3);
    assert!(
        got["answers"]
            .as_array()
            .unwrap()
            .iter()
            .all(|a| a["id"] != bad),
        "hidden answers are not shown"
    );
    let (_, log) = t.get_json("/api/v1/moderation/log", None).await;
    assert_eq!(log["total"], 1);
    let hide = &log["items"][0];
    assert_eq!(
        (
            hide["action"].as_str(),
            hide["category"].as_str(),
            hide["target_id"].as_i64()
        ),
        (Some("hide"), Some("harassment"), Some(bad))
    );
    assert!(hide["actor"].is_null(), "the community hid it: {hide}");
    assert_eq!(hide["affected_user"]["id"], spammer_id);

    // The moderators' flagged queue holds it; dismissing publishes it again and reverses the hide.
    let (status, queue) = t.get_json("/api/v1/review/flagged", Some(&moderator)).await;
    assert_eq!(status, 200, "{queue}");
    assert_eq!(queue["total"], 1);
    assert_eq!(queue["items"][0]["status"], "hidden");
    assert_eq!(queue["items"][0]["flags"].as_array().unwrap().len(), 4);
    let (status, _) = t.get_json("/api/v1/review/flagged", Some(&f1)).await;
    assert_eq!(status, 403, "flagged posts are for moderators");
    let (status, v) = t
        .post_json(
            &format!("/api/v1/review/flagged/{bad}"),
            Some(&moderator),
            json!({"outcome": "approve"}),
        )
        .await;
    assert_eq!(status, 422, "{v}");
    let (status, v) = t
        .post_json(
            &format!("/api/v1/review/flagged/{bad}"),
            Some(&moderator),
            json!({"outcome": "dismiss", "reason": "Harsh but not abusive"}),
        )
        .await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(state(&t, bad, None).await["status"], "published");
    let (_, log) = t.get_json("/api/v1/moderation/log", None).await;
    assert_eq!(log["items"][0]["action"], "publish");
    assert_eq!(log["items"][1]["reversed"], true, "{log}");
    let (_, queue) = t.get_json("/api/v1/review/flagged", Some(&moderator)).await;
    assert_eq!(queue["total"], 0);

    // Flagged again and removed this time: deleted, flags helpful, the author penalised.
    for f in [&f1, &f2] {
        t.post_json(&flag_path(bad), Some(f), json!({"reason": "rude"}))
            .await;
    }
    let (status, v) = t
        .post_json(
            &format!("/api/v1/review/flagged/{bad}"),
            Some(&moderator),
            json!({"outcome": "remove"}),
        )
        .await;
    assert_eq!(status, 422, "removing needs a reason: {v}");
    let (status, v) = t
        .post_json(
            &format!("/api/v1/review/flagged/{bad}"),
            Some(&moderator),
            json!({"outcome": "remove", "reason": "Insults members"}),
        )
        .await;
    assert_eq!(status, 200, "{v}");
    let (status, _) = t
        .get_json(&format!("/api/v1/posts/{bad}/state"), None)
        .await;
    assert_eq!(status, 404, "deleted");
    assert_eq!(state(&t, bad, Some(&moderator)).await["deleted"], true);
    assert_eq!(reputation(&t, spammer_id).await, -99);
}

async fn moderator_action_is_logged_and_an_appeal_reverses_it(t: TestApp) {
    let (alice_id, alice) = t.signup("alice").await;
    let (_, bob) = t.signup("bob").await;
    let (m1_id, m1) = with_role(&t, "mod1", "moderator").await;
    let (m2_id, m2) = with_role(&t, "mod2", "moderator").await;
    let q = ask(&t, &alice, "Where can I buy replacement parts?").await;
    let act = |token: String, body: Value| {
        let t = &t;
        async move {
            t.post_json("/api/v1/moderation/actions", Some(&token), body)
                .await
        }
    };

    // Bad requests change nothing.
    let base = json!({"action": "delete", "target_type": "post", "target_id": q, "category": "spam", "reason": "Advertising a shop"});
    let with = |patch: Value| {
        let mut b = base.clone();
        for (k, v) in patch.as_object().unwrap() {
            b[k] = v.clone();
        }
        b
    };
    for (token, body, want, code) in [
        (bob.clone(), base.clone(), 403, "forbidden"),
        (
            m1.clone(),
            with(json!({"action": "obliterate"})),
            422,
            "invalid_action",
        ),
        (
            m1.clone(),
            with(json!({"target_type": "user"})),
            422,
            "invalid_target_type",
        ),
        (
            m1.clone(),
            with(json!({"category": "ugly"})),
            422,
            "invalid_category",
        ),
        (
            m1.clone(),
            with(json!({"reason": "bad"})),
            422,
            "invalid_reason",
        ),
        (
            m1.clone(),
            with(json!({"duration_hours": 5})),
            422,
            "invalid_duration",
        ),
        (
            m1.clone(),
            with(json!({"target_id": 99999})),
            404,
            "not_found",
        ),
        (
            m1.clone(),
            with(json!({"action": "suspend", "target_type": "user", "target_id": alice_id})),
            422,
            "missing_duration",
        ),
        (
            m1.clone(),
            with(
                json!({"action": "suspend", "target_type": "user", "target_id": m2_id, "duration_hours": 2}),
            ),
            403,
            "forbidden",
        ),
        (
            m1.clone(),
            with(json!({"action": "undelete"})),
            409,
            "no_change",
        ),
        (
            m1.clone(),
            with(json!({"action": "close", "category": "duplicate"})),
            422,
            "missing_duplicate",
        ),
    ] {
        let (status, v) = act(token, body.clone()).await;
        assert_eq!(status, want, "{body}: {v}");
        assert_error(&v, code);
    }
    assert_eq!(t.count("moderation_actions").await, 0);

    // A deletion for spam, with a private detail for the author only.
    let (status, a) = act(
        m1.clone(),
        with(json!({"private_detail": "Links to a counterfeit shop"})),
    )
    .await;
    assert_eq!(status, 201, "{a}");
    let action_id = a["id"].as_i64().unwrap();
    assert_eq!(
        (a["actor"]["id"].as_i64(), a["affected_user"]["id"].as_i64()),
        (Some(m1_id), Some(alice_id))
    );
    let (status, _) = t.get_json(&format!("/api/v1/questions/{q}"), None).await;
    assert_eq!(status, 404);
    assert_eq!(
        reputation(&t, alice_id).await,
        -99,
        "a spam removal costs 100"
    );
    let (status, log) = t.get_json("/api/v1/moderation/log", None).await;
    assert_eq!(status, 200);
    let entry = &log["items"][0];
    assert_eq!(
        (
            entry["action"].as_str(),
            entry["category"].as_str(),
            entry["reason"].as_str()
        ),
        (Some("delete"), Some("spam"), Some("Advertising a shop"))
    );
    assert_eq!(entry["actor"]["username"], "mod1");
    assert!(
        entry.get("private_detail").is_none(),
        "the public never sees the private detail: {entry}"
    );
    assert_eq!(entry["reversed"], false);
    let (_, as_bob) = t.get_json("/api/v1/moderation/log", Some(&bob)).await;
    assert!(as_bob["items"][0].get("private_detail").is_none());
    let (_, as_alice) = t.get_json("/api/v1/moderation/log", Some(&alice)).await;
    assert_eq!(
        as_alice["items"][0]["private_detail"],
        "Links to a counterfeit shop"
    );
    let (_, as_m2) = t
        .get_json(
            &format!("/api/v1/moderation/actions/{action_id}"),
            Some(&m2),
        )
        .await;
    assert_eq!(
        as_m2["action"]["private_detail"],
        "Links to a counterfeit shop"
    );
    let (_, filtered) = t.get_json("/api/v1/moderation/log?action=lock", None).await;
    assert_eq!(filtered["total"], 0);
    let (status, v) = t.get_json("/api/v1/moderation/log?action=nuke", None).await;
    assert_eq!(status, 422, "{v}");

    // The affected person appeals once; another moderator decides.
    let appeal = format!("/api/v1/moderation/actions/{action_id}/appeal");
    let (status, v) = t
        .post_json(
            &appeal,
            Some(&bob),
            json!({"text": "This was not spam at all, really."}),
        )
        .await;
    assert_eq!(status, 403, "{v}");
    let (status, v) = t
        .post_json(&appeal, Some(&alice), json!({"text": "no"}))
        .await;
    assert_eq!(status, 422, "{v}");
    assert_error(&v, "invalid_appeal");
    let (_, detail) = t
        .get_json(
            &format!("/api/v1/moderation/actions/{action_id}"),
            Some(&alice),
        )
        .await;
    assert_eq!(detail["can_appeal"], true);
    let (status, ap) = t.post_json(&appeal, Some(&alice), json!({"text: ": 1, "text": "I asked where to buy parts; the link is the maker's own shop."})).await;
    assert_eq!(status, 201, "{ap}");
    let appeal_id = ap["id"].as_i64().unwrap();
    let (status, v) = t
        .post_json(
            &appeal,
            Some(&alice),
            json!({"text": "Appealing a second time, please."}),
        )
        .await;
    assert_eq!(status, 409, "{v}");
    assert_error(&v, "already_appealed");
    let (_, pending) = t.get_json("/api/v1/moderation/appeals", Some(&m2)).await;
    assert_eq!(pending["total"], 1);
    let (status, _) = t.get_json("/api/v1/moderation/appeals", Some(&bob)).await;
    assert_eq!(status, 403);
    let decision = format!("/api/v1/moderation/appeals/{appeal_id}/decision");
    let (status, v) = t
        .post_json(
            &decision,
            Some(&m1),
            json!({"outcome": "reverse", "reason": "I was wrong"}),
        )
        .await;
    assert_eq!(status, 403, "not by the moderator who acted: {v}");
    let (status, v) = t
        .post_json(
            &decision,
            Some(&m2),
            json!({"outcome": "maybe", "reason": "Unsure"}),
        )
        .await;
    assert_eq!(status, 422, "{v}");
    let (status, v) = t
        .post_json(
            &decision,
            Some(&m2),
            json!({"outcome": "reverse", "reason": "The maker's shop is fine"}),
        )
        .await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(
        (v["status"].as_str(), v["decided_by"]["id"].as_i64()),
        (Some("reversed"), Some(m2_id))
    );
    let (status, v) = t
        .post_json(
            &decision,
            Some(&m2),
            json!({"outcome": "uphold", "reason": "Changed my mind"}),
        )
        .await;
    assert_eq!(status, 409, "{v}");

    // The reversal is applied, logged and counted.
    let (status, _) = t.get_json(&format!("/api/v1/questions/{q}"), None).await;
    assert_eq!(status, 200, "undeleted");
    assert_eq!(reputation(&t, alice_id).await, 1, "the penalty is reversed");
    let (_, log) = t.get_json("/api/v1/moderation/log", None).await;
    assert_eq!(log["total"], 2);
    let (undo, original) = (&log["items"][0], &log["items"][1]);
    assert_eq!(
        (
            undo["action"].as_str(),
            undo["actor"]["id"].as_i64(),
            undo["reverses"].as_i64()
        ),
        (Some("undelete"), Some(m2_id), Some(action_id))
    );
    assert!(
        undo["reason"]
            .as_str()
            .unwrap()
            .starts_with("Appeal granted"),
        "{undo}"
    );
    assert_eq!(
        (
            original["reversed"].as_bool(),
            original["appeal_status"].as_str()
        ),
        (Some(true), Some("reversed"))
    );
    let (_, detail) = t
        .get_json(&format!("/api/v1/moderation/actions/{action_id}"), None)
        .await;
    assert_eq!(detail["appeal"]["status"], "reversed");
    assert_eq!(
        detail["appeal"]["text"], "",
        "the appeal's words are the appellant's: {detail}"
    );
    let (_, stats) = t.get_json("/api/v1/moderation/stats", None).await;
    assert_eq!(
        (
            stats["total"].as_i64(),
            stats["reversed"].as_i64(),
            stats["reversal_rate"].as_f64()
        ),
        (Some(1), Some(1), Some(1.0)),
        "{stats}"
    );
    assert_eq!(stats["by_moderator"][0]["moderator"]["username"], "mod1");
    assert_eq!(
        stats["by_action"][0],
        json!({"action": "delete", "count": 1})
    );
    assert_eq!(stats["weekly"].as_array().unwrap().len(), 12);
    assert_eq!(stats["weekly"][11]["reversed"], 1);
    // A reversed action cannot be appealed again, and an undo cannot be appealed at all.
    let undo_id = undo["id"].as_i64().unwrap();
    let (status, _) = t
        .post_json(
            &format!("/api/v1/moderation/actions/{undo_id}/appeal"),
            Some(&alice),
            json!({"text": "Appealing the undo itself."}),
        )
        .await;
    assert_eq!(status, 422);
    // Locking: logged, and a locked post takes no answers.
    let (status, _) = act(m1.clone(), json!({"action": "lock", "target_type": "post", "target_id": q, "category": "other", "reason": "Heated thread"})).await;
    assert_eq!(status, 201);
    let (status, v) = t
        .post_json(
            &format!("/api/v1/questions/{q}/answers"),
            Some(&bob),
            json!({"body": "Late reply"}),
        )
        .await;
    assert_eq!(status, 403, "{v}");
    let (status, _) = act(m1.clone(), json!({"action": "lock", "target_type": "post", "target_id": q, "category": "other", "reason": "Heated thread"})).await;
    assert_eq!(status, 409);
}

async fn suspensions_and_upheld_appeals(t: TestApp) {
    let (bob_id, bob) = t.signup("bob").await;
    let (_, m1) = with_role(&t, "mod1", "moderator").await;
    let (_, m2) = with_role(&t, "mod2", "moderator").await;
    let (_, admin) = with_role(&t, "admin", "admin").await;
    let (status, a) = t
        .post_json(
            "/api/v1/moderation/actions",
            Some(&m1),
            json!({"action": "suspend", "target_type": "user", "target_id": bob_id, "category": "harassment",
                   "reason": "Repeated insults", "private_detail": "Reported by three members", "duration_hours": 24}),
        )
        .await;
    assert_eq!(status, 201, "{a}");
    assert_eq!(a["duration_hours"], 24);
    let (status, v) = t
        .post_json(
            "/api/v1/questions",
            Some(&bob),
            json!({"title": "Can I still ask?", "body": "Testing"}),
        )
        .await;
    assert_eq!(status, 403, "{v}");
    assert!(v["error"]["message"]
        .as_str()
        .unwrap()
        .contains("suspended"));
    // A suspended person can still appeal.
    let (status, ap) = t
        .post_json(
            &format!("/api/v1/moderation/actions/{}/appeal", a["id"]),
            Some(&bob),
            json!({"text": "I apologise, it will not happen again."}),
        )
        .await;
    assert_eq!(status, 201, "{ap}");
    let (status, v) = t
        .post_json(
            &format!("/api/v1/moderation/appeals/{}/decision", ap["id"]),
            Some(&m2),
            json!({"outcome": "uphold", "reason": "The suspension is short"}),
        )
        .await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["status"], "upheld");
    let (_, log) = t.get_json("/api/v1/moderation/log", None).await;
    assert_eq!(
        (
            log["items"][0]["appeal_status"].as_str(),
            log["items"][0]["reversed"].as_bool()
        ),
        (Some("upheld"), Some(false))
    );
    let (status, _) = t
        .post_json(
            "/api/v1/questions",
            Some(&bob),
            json!({"title": "Can I still ask?", "body": "Testing"}),
        )
        .await;
    assert_eq!(status, 403, "still suspended");
    // Moderators cannot suspend each other; an admin can.
    let (m2_id, _) = (
        t.get_json("/api/v1/me", Some(&m2)).await.1["id"]
            .as_i64()
            .unwrap(),
        (),
    );
    let body = json!({"action": "suspend", "target_type": "user", "target_id": m2_id, "category": "other", "reason": "Testing powers", "duration_hours": 1});
    assert_eq!(
        t.post_json("/api/v1/moderation/actions", Some(&m1), body.clone())
            .await
            .0,
        403
    );
    assert_eq!(
        t.post_json("/api/v1/moderation/actions", Some(&admin), body)
            .await
            .0,
        201
    );
    // Ending the suspension early reverses it in the log.
    let (status, v) = t
        .post_json(
            "/api/v1/moderation/actions",
            Some(&m1),
            json!({"action": "unsuspend", "target_type": "user", "target_id": bob_id, "category": "other", "reason": "Apology accepted"}),
        )
        .await;
    assert_eq!(status, 201, "{v}");
    assert_eq!(v["reverses"], a["id"]);
    let (status, _) = t
        .post_json(
            "/api/v1/questions",
            Some(&bob),
            json!({"title": "Can I ask again?", "body": "Testing again"}),
        )
        .await;
    assert_eq!(status, 201);
}

async fn closing_by_votes_and_by_moderators(t: TestApp) {
    let (_, admin) = with_role(&t, "admin", "admin").await;
    let (_, m1) = with_role(&t, "mod1", "moderator").await;
    let (_, asker) = t.signup("asker").await;
    let mut voters = Vec::new();
    for i in 0..4 {
        voters.push(t.signup(&format!("voter{i}")).await.1);
    }
    t.age_accounts(30).await;
    let q = ask(&t, &asker, "What is the best pizza topping?").await;
    let original = ask(&t, &asker, "How do I change my e-mail address?").await;
    let close = format!("/api/v1/questions/{q}/close");
    // Closing needs 500 reputation on a new site.
    let (status, v) = t
        .post_json(&close, Some(&voters[0]), json!({"reason": "off_topic"}))
        .await;
    assert_eq!(status, 403, "{v}");
    settings(&t, &admin, json!({"thresholds": {"close_votes": 1}})).await;
    for (body, want, code) in [
        (json!({"reason": "boring"}), 422, "invalid_close_reason"),
        (json!({"reason": "duplicate"}), 422, "missing_duplicate"),
        (
            json!({"reason": "duplicate", "duplicate_of": q}),
            422,
            "invalid_duplicate",
        ),
        (
            json!({"reason": "off_topic", "duplicate_of": original}),
            422,
            "invalid_duplicate",
        ),
    ] {
        let (status, v) = t.post_json(&close, Some(&voters[0]), body.clone()).await;
        assert_eq!(status, want, "{body}: {v}");
        assert_error(&v, code);
    }
    assert_eq!(t.count("close_votes").await, 0);
    let (status, v) = t
        .post_json(&close, Some(&voters[0]), json!({"reason": "off_topic"}))
        .await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(
        v,
        json!({"kind": "close", "votes": 1, "needed": 3, "closed": false})
    );
    let (status, v) = t
        .post_json(&close, Some(&voters[0]), json!({"reason": "off_topic"}))
        .await;
    assert_eq!(status, 409, "{v}");
    // The close-votes queue shows it to others who may vote.
    let (_, queue) = t
        .get_json("/api/v1/review/close_votes", Some(&voters[3]))
        .await;
    assert_eq!(queue["total"], 1, "{queue}");
    assert_eq!(queue["items"][0]["votes"][0]["reason"], "off_topic");
    let (_, mine) = t
        .get_json("/api/v1/review/close_votes", Some(&voters[0]))
        .await;
    assert_eq!(mine["total"], 0, "not for those who voted");
    t.post_json(
        &close,
        Some(&voters[1]),
        json!({"reason": "duplicate", "duplicate_of": original}),
    )
    .await;
    let (status, v) = t
        .post_json(&close, Some(&voters[2]), json!({"reason": "off_topic"}))
        .await;
    assert_eq!(status, 200);
    assert_eq!(v["closed"], true, "{v}");
    let s = state(&t, q, None).await;
    assert_eq!(
        (s["closed"].as_bool(), s["close_reason"].as_str()),
        (Some(true), Some("off_topic"))
    );
    let (status, v) = t
        .post_json(
            &format!("/api/v1/questions/{q}/answers"),
            Some(&voters[3]),
            json!({"body": "Pineapple, obviously."}),
        )
        .await;
    assert_eq!(status, 403, "closed questions take no answers: {v}");
    let (_, log) = t.get_json("/api/v1/moderation/log", None).await;
    let entry = &log["items"][0];
    assert_eq!(
        (entry["action"].as_str(), entry["category"].as_str()),
        (Some("close"), Some("off_topic"))
    );
    assert!(entry["actor"].is_null());
    assert_eq!(
        entry["reason"],
        "Closed as off-topic by votes of voter0, voter1 and voter2."
    );

    // Reopened by three votes.
    let reopen = format!("/api/v1/questions/{q}/reopen");
    for (i, token) in voters.iter().take(3).enumerate() {
        let (status, v) = t.post_json(&reopen, Some(token), json!({})).await;
        assert_eq!(status, 200, "{v}");
        assert_eq!(v["closed"], i < 2);
    }
    assert_eq!(state(&t, q, None).await["closed"], false);
    let (status, _) = t.post_json(&reopen, Some(&voters[3]), json!({})).await;
    assert_eq!(status, 409, "not closed");

    // A moderator closes at once, as a duplicate that links to its target.
    let (status, v) = t
        .post_json(
            &close,
            Some(&m1),
            json!({"reason": "duplicate", "duplicate_of": original}),
        )
        .await;
    assert_eq!(status, 200, "{v}");
    let s = state(&t, q, None).await;
    assert_eq!(
        (s["close_reason"].as_str(), s["duplicate_of"].as_i64()),
        (Some("duplicate"), Some(original))
    );
    let (_, log) = t
        .get_json("/api/v1/moderation/log?action=close", None)
        .await;
    assert_eq!(log["total"], 2);
    assert_eq!(log["items"][0]["actor"]["username"], "mod1");
    let a = answer(
        &t,
        &voters[3],
        original,
        "Settings, then Account, then E-mail.",
    )
    .await;
    let (status, v) = t
        .post_json(
            &format!("/api/v1/questions/{a}/close"),
            Some(&m1),
            json!({"reason": "off_topic"}),
        )
        .await;
    assert_eq!(status, 422, "answers are not closed: {v}");

    // A protected question takes answers only from members with 10 reputation.
    let protect = |action: &str| json!({"action": action, "target_type": "post", "target_id": original, "category": "other", "reason": "Attracts spam answers"});
    let (status, v) = t
        .post_json(
            "/api/v1/moderation/actions",
            Some(&voters[0]),
            protect("protect"),
        )
        .await;
    assert_eq!(
        status, 403,
        "protecting needs 1750 reputation on a new site: {v}"
    );
    assert_eq!(
        t.post_json("/api/v1/moderation/actions", Some(&m1), protect("protect"))
            .await
            .0,
        201
    );
    assert_eq!(state(&t, original, None).await["protected"], true);
    let (status, v) = t
        .post_json(
            &format!("/api/v1/questions/{original}/answers"),
            Some(&voters[2]),
            json!({"body": "Through the settings page."}),
        )
        .await;
    assert_eq!(status, 403, "{v}");
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .contains("10 reputation"),
        "{v}"
    );
    assert_eq!(
        t.post_json(
            "/api/v1/moderation/actions",
            Some(&m1),
            protect("unprotect")
        )
        .await
        .0,
        201
    );
    let (status, _) = t
        .post_json(
            &format!("/api/v1/questions/{original}/answers"),
            Some(&voters[2]),
            json!({"body": "Through the settings page."}),
        )
        .await;
    assert_eq!(status, 201);
}

async fn first_posts_and_late_answers_queues(t: TestApp) {
    let (_, admin) = with_role(&t, "admin", "admin").await;
    let (_, reviewer) = with_role(&t, "reviewer", "moderator").await;
    let (_, alice) = t.signup("alice").await;
    let (_, bob) = t.signup("bob").await;
    let q = ask(&t, &alice, "First question by Alice").await;
    ask(&t, &alice, "Second question by Alice").await;
    let a = answer(&t, &bob, q, "Bob's first answer here.").await;
    let (_, queues) = t.get_json("/api/v1/review", Some(&reviewer)).await;
    let count = |name: &str| {
        queues["queues"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["queue"] == name)
            .unwrap()["count"]
            .clone()
    };
    assert_eq!(
        (count("first_posts"), count("late_answers")),
        (json!(2), json!(0)),
        "{queues}"
    );
    let (_, alice_queues) = t.get_json("/api/v1/review", Some(&alice)).await;
    assert_eq!(
        alice_queues["queues"],
        json!([]),
        "no queues below 100 reputation"
    );
    let (_, first) = t
        .get_json("/api/v1/review/first_posts", Some(&reviewer))
        .await;
    let ids: Vec<i64> = first["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, vec![q, a]);
    let path = format!("/api/v1/review/first_posts/{q}");
    let (status, v) = t
        .post_json(&path, Some(&reviewer), json!({"outcome": "dismiss"}))
        .await;
    assert_eq!(status, 422, "{v}");
    let (status, v) = t
        .post_json(&path, Some(&reviewer), json!({"outcome": "looks_ok"}))
        .await;
    assert_eq!(status, 200, "{v}");
    let (status, v) = t
        .post_json(&path, Some(&reviewer), json!({"outcome": "looks_ok"}))
        .await;
    assert_eq!(status, 409, "{v}");
    let (status, v) = t
        .post_json(
            &format!("/api/v1/review/first_posts/{a}"),
            Some(&reviewer),
            json!({"outcome": "flag", "flag_reason": "low_quality", "reason": "No detail"}),
        )
        .await;
    assert_eq!(status, 200, "{v}");
    let (_, flagged) = t.get_json("/api/v1/review/flagged", Some(&reviewer)).await;
    assert_eq!(
        flagged["items"][0]["id"], a,
        "the reviewer's flag reaches the moderators"
    );
    let (_, first) = t
        .get_json("/api/v1/review/first_posts", Some(&reviewer))
        .await;
    assert_eq!(first["total"], 0);
    let (status, _) = t.get_json("/api/v1/review/nonsense", Some(&reviewer)).await;
    assert_eq!(status, 404);
    // An answer posted long after its question is a late answer.
    settings(&t, &admin, json!({"late_answer_days": 30})).await;
    let pool = t.db().await;
    sqlx::query("UPDATE posts SET created_at = created_at - 40 * 86400 WHERE id = $1")
        .bind(q)
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;
    let late = answer(&t, &alice, q, "Answering my own old question later on.").await;
    let (_, queue) = t
        .get_json("/api/v1/review/late_answers", Some(&reviewer))
        .await;
    let ids: Vec<i64> = queue["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_i64().unwrap())
        .collect();
    assert_eq!(
        ids,
        vec![a, late],
        "both answers came 40 days after the question: {queue}"
    );
    let (status, _) = t
        .post_json(
            &format!("/api/v1/review/late_answers/{late}"),
            Some(&reviewer),
            json!({"outcome": "looks_ok"}),
        )
        .await;
    assert_eq!(status, 200);
    let (_, queue) = t
        .get_json("/api/v1/review/late_answers", Some(&reviewer))
        .await;
    assert_eq!(queue["total"], 1);
}
