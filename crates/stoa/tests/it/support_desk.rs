//! The support desk around tickets: the agent inbox (due order, filters, tags), follow-ups,
//! auto-close, satisfaction, publishing with consent (masked, credited, never the ticket
//! itself), coverage and the support report, canned replies, the agent workspace pages, and
//! the way in from search and ask with the deflection session.

use crate::both;
use crate::support::{assert_error, TestApp};
use serde_json::{json, Value};

both!(
    inbox_orders_by_due_and_filters,
    follow_ups_auto_close_and_ratings,
    publishing_needs_consent,
    coverage_and_the_report,
    canned_replies_and_the_agent_workspace,
    the_way_in_carries_the_deflection_session,
    colleagues_see_shared_tickets,
    every_ticket_route_for_every_role
);

/// Everyone a support desk test needs: an admin, an agent, a moderator, two customers on
/// Standard (ann, bob) and one on the community plan (carl).
struct Cast {
    admin: String,
    agent_id: i64,
    agent: String,
    moder: String,
    ann_id: i64,
    ann: String,
    bob: String,
    carl: String,
    plans: Value,
}

async fn cast(t: &TestApp) -> Cast {
    let (admin_id, admin) = t.signup("root").await;
    t.make_admin(admin_id).await;
    let (agent_id, agent) = t.signup("agnes").await;
    t.set_role(agent_id, "agent").await;
    let (mod_id, moder) = t.signup("mona").await;
    t.set_role(mod_id, "moderator").await;
    let (ann_id, ann) = t.signup("ann").await;
    let (bob_id, bob) = t.signup("bob").await;
    let (_, carl) = t.signup("carl").await;
    let (_, plans) = t.get_json("/api/v1/plans", None).await;
    let standard = plans["items"][1]["id"].as_i64().unwrap();
    for who in [ann_id, bob_id] {
        let (s, _) = t
            .send_json(
                "PUT",
                &format!("/api/v1/users/{who}/plan"),
                Some(&admin),
                Some(json!({"plan_id": standard})),
            )
            .await;
        assert_eq!(s, 200);
    }
    Cast {
        admin,
        agent_id,
        agent,
        moder,
        ann_id,
        ann,
        bob,
        carl,
        plans,
    }
}

async fn file(t: &TestApp, token: &str, subject: &str, body: &str, priority: &str) -> i64 {
    let (s, v) = t
        .post_json(
            "/api/v1/tickets",
            Some(token),
            json!({"subject": subject, "body": body, "priority": priority}),
        )
        .await;
    assert_eq!(s, 201, "{v}");
    v["id"].as_i64().unwrap()
}

async fn patch(t: &TestApp, token: &str, id: i64, body: Value) -> (u16, Value) {
    t.send_json(
        "PATCH",
        &format!("/api/v1/tickets/{id}"),
        Some(token),
        Some(body),
    )
    .await
}

async fn write(t: &TestApp, token: &str, id: i64, body: &str) -> (u16, Value) {
    t.post_json(
        &format!("/api/v1/tickets/{id}/messages"),
        Some(token),
        json!({"body": body}),
    )
    .await
}

/// Runs the SLA check (and auto-close) now, as the queue does every minute.
async fn sla_check(t: &TestApp) {
    let pool = t.db().await;
    sqlx::query("INSERT INTO jobs (queue, kind, payload, run_at, created_at) VALUES ('default', 'sla.check', '{}', 0, 0)")
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;
    t.settle().await;
}

fn ids(list: &Value) -> Vec<i64> {
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_i64().unwrap())
        .collect()
}

async fn inbox_orders_by_due_and_filters(t: TestApp) {
    let c = cast(&t).await;
    let low = file(&t, &c.ann, "Dark mode colours", "Too dark.", "low").await;
    let urgent = file(&t, &c.bob, "Cannot log in at all", "Locked out.", "urgent").await;
    let normal = file(&t, &c.ann, "Export to CSV", "How?", "normal").await;

    // The inbox: soonest due first, each with its due time.
    let (s, inbox) = t.get_json("/api/v1/tickets?sort=due", Some(&c.agent)).await;
    assert_eq!(s, 200, "{inbox}");
    assert_eq!(inbox["total"], 3);
    assert_eq!(ids(&inbox), vec![urgent, normal, low], "{inbox}");
    let dues: Vec<&str> = inbox["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["due_at"].as_str().unwrap())
        .collect();
    assert!(dues.windows(2).all(|w| w[0] <= w[1]), "{dues:?}");
    // Customers see only their own, in any order asked.
    let (_, mine) = t.get_json("/api/v1/tickets?sort=due", Some(&c.ann)).await;
    assert_eq!(ids(&mine), vec![normal, low]);

    // Assignment and tags (normalised), each an event.
    let (s, v) = patch(
        &t,
        &c.agent,
        normal,
        json!({"assignee_id": c.agent_id, "tags": ["Billing", "export"]}),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["tags"], json!(["billing", "export"]));
    let (_, l) = t
        .get_json("/api/v1/tickets?assignee=me", Some(&c.agent))
        .await;
    assert_eq!(ids(&l), vec![normal]);
    let (_, l) = t
        .get_json("/api/v1/tickets?assignee=none&sort=due", Some(&c.agent))
        .await;
    assert_eq!(ids(&l), vec![urgent, low]);
    let (_, l) = t
        .get_json("/api/v1/tickets?tag=billing", Some(&c.agent))
        .await;
    assert_eq!(ids(&l), vec![normal]);
    assert_eq!(l["items"][0]["tags"], json!(["billing", "export"]));
    let standard = c.plans["items"][1]["id"].as_i64().unwrap();
    let premium = c.plans["items"][2]["id"].as_i64().unwrap();
    let (_, l) = t
        .get_json(
            &format!("/api/v1/tickets?plan_id={standard}"),
            Some(&c.agent),
        )
        .await;
    assert_eq!(l["total"], 3);
    let (_, l) = t
        .get_json(
            &format!("/api/v1/tickets?plan_id={premium}"),
            Some(&c.agent),
        )
        .await;
    assert_eq!(l["total"], 0);
    let (_, l) = t
        .get_json("/api/v1/tickets?status=new&sort=due", Some(&c.agent))
        .await;
    assert_eq!(l["total"], 3);

    // A breach recorded by the queue shows in the breached filter.
    let pool = t.db().await;
    sqlx::query("UPDATE ticket_events SET created_at = created_at - 1209600 WHERE ticket_id = $1")
        .bind(urgent)
        .execute(&pool)
        .await
        .unwrap();
    sqlx::query("UPDATE tickets SET check_at = 0 WHERE id = $1")
        .bind(urgent)
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;
    sla_check(&t).await;
    let (_, l) = t
        .get_json("/api/v1/tickets?breached=true", Some(&c.agent))
        .await;
    assert_eq!(ids(&l), vec![urgent], "{l}");
    assert_eq!(l["items"][0]["breached"], true);
    let (_, l) = t
        .get_json("/api/v1/tickets?breached=false", Some(&c.agent))
        .await;
    assert_eq!(l["total"], 2);

    // Solved tickets leave the inbox unless asked for.
    let (s, _) = patch(&t, &c.ann, low, json!({"status": "solved"})).await;
    assert_eq!(s, 200);
    let (_, l) = t.get_json("/api/v1/tickets?sort=due", Some(&c.agent)).await;
    assert_eq!(ids(&l), vec![urgent, normal]);
    let (_, l) = t
        .get_json("/api/v1/tickets?sort=due&status=solved", Some(&c.agent))
        .await;
    assert_eq!(ids(&l), vec![low]);
    assert!(l["items"][0]["due_at"].is_null());

    // Bad input: a clear error, nothing changes.
    for (q, code) in [
        ("assignee=someone", "invalid_assignee"),
        ("sort=random", "invalid_sort"),
        ("tag=%21%21", "invalid_tags"),
        ("status=lost", "invalid_status"),
    ] {
        let (s, e) = t
            .get_json(&format!("/api/v1/tickets?{q}"), Some(&c.agent))
            .await;
        assert_eq!(s, 422, "{q}: {e}");
        assert_error(&e, code);
    }
    let (s, e) = patch(
        &t,
        &c.agent,
        normal,
        json!({"tags": ["a1", "b2", "c3", "d4", "e5", "f6"]}),
    )
    .await;
    assert_eq!(s, 422, "{e}");
    let (s, e) = patch(&t, &c.ann, normal, json!({"tags": ["mine"]})).await;
    assert_eq!(s, 403, "{e}");
    let (_, v) = t
        .get_json(&format!("/api/v1/tickets/{normal}"), Some(&c.agent))
        .await;
    assert_eq!(v["tags"], json!(["billing", "export"]));

    // The inbox page: agents and admins; nobody else.
    let (agent, _) = t.browser("agnes").await;
    let html = text(&agent, t.url("/agent?breached=yes")).await;
    assert!(
        html.contains("Cannot log in at all") && html.contains("breached"),
        "{html}"
    );
    assert!(!html.contains("Export to CSV"));
    let html = text(&agent, t.url("/agent?tag=billing")).await;
    assert!(html.contains("Export to CSV") && !html.contains("Cannot log in at all"));
    for who in ["ann", "mona", "carl"] {
        let (b, _) = t.browser(who).await;
        let res = b.get(t.url("/agent")).send().await.unwrap();
        assert_eq!(res.status(), 403, "{who}");
    }
    let (root, _) = t.browser("root").await;
    let res = root.get(t.url("/agent")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let _ = (&c.admin, &c.moder, &c.carl);
}

async fn follow_ups_auto_close_and_ratings(t: TestApp) {
    let c = cast(&t).await;
    let id = file(&t, &c.ann, "Router reboots nightly", "At 3 am.", "normal").await;
    let path = format!("/api/v1/tickets/{id}");
    let rate = |token: String, body: Value| {
        let t = &t;
        async move {
            t.post_json(&format!("/api/v1/tickets/{id}/rating"), Some(&token), body)
                .await
        }
    };
    let (s, e) = rate(c.ann.clone(), json!({"rating": "good"})).await;
    assert_eq!(s, 409, "{e}");
    assert_error(&e, "not_solved");
    let (s, _) = write(&t, &c.agent, id, "A scheduled update; turned off.").await;
    assert_eq!(s, 201);
    let (s, _) = patch(&t, &c.agent, id, json!({"status": "solved"})).await;
    assert_eq!(s, 200);
    for (token, body, want, code) in [
        (
            c.ann.clone(),
            json!({"rating": "great"}),
            422,
            "invalid_rating",
        ),
        (
            c.ann.clone(),
            json!({"rating": "bad", "comment": "x".repeat(2001)}),
            422,
            "invalid_comment",
        ),
        (
            c.agent.clone(),
            json!({"rating": "good"}),
            403,
            "not_allowed",
        ),
        (c.bob.clone(), json!({"rating": "good"}), 404, "not_found"),
    ] {
        let (s, e) = rate(token, body).await;
        assert_eq!(s, want, "{e}");
        assert_error(&e, code);
    }
    let (s, v) = rate(
        c.ann.clone(),
        json!({"rating": "good", "comment": "Quick and kind."}),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["rating"], "good");

    // Solved long enough ago: the queue closes it, as the system.
    let pool = t.db().await;
    sqlx::query("UPDATE tickets SET solved_at = solved_at - 5 * 86400 WHERE id = $1")
        .bind(id)
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;
    sla_check(&t).await;
    let (_, v) = t.get_json(&path, Some(&c.ann)).await;
    assert_eq!(v["status"], "closed", "{v}");
    let last = v["events"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["kind"], "status");
    assert_eq!(last["value"], "closed");
    assert!(last["actor_id"].is_null());
    // A rating may still change after closing.
    let (s, v) = rate(c.ann.clone(), json!({"rating": "bad"})).await;
    assert_eq!(s, 200);
    assert_eq!(v["rating"], "bad");
    // A reply to the closed ticket starts a follow-up.
    let (s, w) = write(&t, &c.ann, id, "It is back.").await;
    assert_eq!(s, 201);
    let f = w["ticket_id"].as_i64().unwrap();
    assert_ne!(f, id);
    let (_, fv) = t
        .get_json(&format!("/api/v1/tickets/{f}"), Some(&c.agent))
        .await;
    assert_eq!(fv["follow_up_of"], id);
    // The agent is told when the customer writes on a ticket assigned to them.
    let (s, _) = patch(&t, &c.agent, f, json!({"assignee_id": c.agent_id})).await;
    assert_eq!(s, 200);
    let (s, _) = write(&t, &c.ann, f, "Still there this morning.").await;
    assert_eq!(s, 201);
    t.settle().await;
    let (_, n) = t.get_json("/api/v1/notifications", Some(&c.agent)).await;
    assert!(
        n["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|x| x["kind"] == "ticket_update"),
        "{n}"
    );
}

async fn publishing_needs_consent(t: TestApp) {
    let c = cast(&t).await;
    let id = file(
        &t,
        &c.ann,
        "Order #A-123456 never arrived",
        "Hi, this is ann. Mail me at ann@example.com or call +1 (555) 123-4567.",
        "normal",
    )
    .await;
    let publish = format!("/api/v1/tickets/{id}/publish");
    let consent = format!("/api/v1/tickets/{id}/consent");
    let (s, _) = write(
        &t,
        &c.agent,
        id,
        "Hello ann, the courier lost parcels that week: a new one is on its way. Track it at https://shop.example/track?token=a1b2c3d4e5f6.",
    )
    .await;
    assert_eq!(s, 201);
    t.settle().await;
    // The customer hears of the reply.
    let (_, n) = t.get_json("/api/v1/notifications", Some(&c.ann)).await;
    assert!(
        n["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|x| x["kind"] == "ticket_reply"),
        "{n}"
    );
    let (s, e) = t.post_json(&publish, Some(&c.agent), json!({})).await;
    assert_eq!(s, 409, "{e}");
    assert_error(&e, "not_solved");
    let (s, _) = patch(&t, &c.ann, id, json!({"status": "solved"})).await;
    assert_eq!(s, 200);
    // Only agents propose; a stranger does not even learn the ticket exists.
    for (token, want) in [(&c.ann, 403), (&c.bob, 404), (&c.moder, 404)] {
        let (s, e) = t.post_json(&publish, Some(token), json!({})).await;
        assert_eq!(s, want, "{e}");
    }
    let questions_before = t.count("posts").await;
    // No body at all is fine too.
    let res = crate::support::client()
        .post(t.url(&publish))
        .bearer_auth(&c.agent)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let v: Value = res.json().await.unwrap();
    let p = &v["publication"];
    assert_eq!(p["state"], "proposed");
    let all = format!("{} {} {}", p["title"], p["body"], p["answer"]);
    for private in [
        "ann@example.com",
        "555",
        "123-4567",
        "A-123456",
        "token=",
        "this is ann",
        "Hello ann",
    ] {
        assert!(!all.contains(private), "{private} leaked: {all}");
    }
    assert!(all.contains("[email]") && all.contains("[phone]"), "{all}");
    assert_eq!(p["answerer_id"], c.agent_id);
    assert_eq!(
        t.count("posts").await,
        questions_before,
        "nothing public yet"
    );

    // Consent: only the customer; bad edits change nothing.
    for (token, want) in [(&c.agent, 403), (&c.bob, 404), (&c.admin, 403)] {
        let (s, e) = t
            .post_json(&consent, Some(token), json!({"accept": true}))
            .await;
        assert_eq!(s, want, "{e}");
    }
    let (s, e) = t
        .post_json(
            &consent,
            Some(&c.ann),
            json!({"accept": true, "title": "  "}),
        )
        .await;
    assert_eq!(s, 422, "{e}");
    assert_eq!(t.count("posts").await, questions_before);
    let (s, v) = t
        .post_json(
            &consent,
            Some(&c.ann),
            json!({"accept": true, "title": "Parcel never arrived: what now?"}),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    let qid = v["published_question_id"].as_i64().unwrap();
    assert_eq!(v["publication"]["state"], "accepted");
    let (s, q) = t.get_json(&format!("/api/v1/questions/{qid}"), None).await;
    assert_eq!(s, 200, "{q}");
    assert_eq!(q["title"], "Parcel never arrived: what now?");
    assert_eq!(q["author"]["id"], c.ann_id);
    assert!(!q.to_string().contains("ann@example.com"));
    let answer = &q["answers"][0];
    assert_eq!(answer["author"]["id"], c.agent_id, "the agent is credited");
    assert_eq!(q["accepted_answer_id"], answer["id"]);
    t.settle().await;
    let (_, found) = t.get_json("/api/v1/search?q=courier+parcels", None).await;
    let hits: Vec<i64> = found["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["id"].as_i64().unwrap())
        .collect();
    assert_eq!(
        hits,
        vec![qid],
        "only the public question, never the ticket: {found}"
    );
    // Twice is a conflict, either way.
    let (s, e) = t.post_json(&publish, Some(&c.agent), json!({})).await;
    assert_eq!(s, 409);
    assert_error(&e, "already_published");
    let (s, e) = t
        .post_json(&consent, Some(&c.ann), json!({"accept": true}))
        .await;
    assert_eq!(s, 409);
    assert_error(&e, "no_proposal");

    // Declining publishes nothing.
    let other = file(&t, &c.bob, "Gift card balance", "Code GC-99887766.", "low").await;
    write(&t, &c.agent, other, "Balance restored.").await;
    patch(&t, &c.agent, other, json!({"status": "solved"})).await;
    let (s, _) = t
        .post_json(
            &format!("/api/v1/tickets/{other}/publish"),
            Some(&c.agent),
            json!({}),
        )
        .await;
    assert_eq!(s, 200);
    let before = t.count("posts").await;
    let (s, v) = t
        .post_json(
            &format!("/api/v1/tickets/{other}/consent"),
            Some(&c.bob),
            json!({"accept": false}),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["publication"]["state"], "declined");
    assert!(v["published_question_id"].is_null());
    assert_eq!(t.count("posts").await, before);
}

async fn coverage_and_the_report(t: TestApp) {
    let c = cast(&t).await;
    // Public knowledge: an answered question.
    let (s, q) = t
        .post_json(
            "/api/v1/questions",
            Some(&c.admin),
            json!({"title": "How do I reset the router password?", "body": "I forgot the admin password of my router.", "tags": ["router"]}),
        )
        .await;
    assert_eq!(s, 201, "{q}");
    let qid = q["id"].as_i64().unwrap();
    let (s, a) = t
        .post_json(
            &format!("/api/v1/questions/{qid}/answers"),
            Some(&c.agent),
            json!({"body": "Hold the reset button for ten seconds, then log in with the password on the label."}),
        )
        .await;
    assert_eq!(s, 201, "{a}");
    let (s, _) = t
        .post_json(
            &format!("/api/v1/questions/{qid}/accept"),
            Some(&c.admin),
            json!({"answer_id": a["id"]}),
        )
        .await;
    assert_eq!(s, 200);
    t.settle().await;

    let covered = file(
        &t,
        &c.ann,
        "Reset router password",
        "Locked out of the admin page. Thanks a lot for your help, it is urgent! Reach me at ann@example.com or +44 20 7946 0958.",
        "normal",
    )
    .await;
    let gap = file(
        &t,
        &c.bob,
        "Webhooks stop firing",
        "After the upgrade nothing arrives.",
        "high",
    )
    .await;
    // The queue matches new tickets against public knowledge.
    t.settle().await;
    let (_, v) = t
        .get_json(&format!("/api/v1/tickets/{covered}"), Some(&c.agent))
        .await;
    assert_eq!(v["covered_by"]["post_id"], qid, "{v}");
    assert_eq!(v["covered_by"]["state"], "suggested");
    assert!(v["covered_by"]["score"].as_f64().unwrap() >= 0.6);
    // Customers do not see an unconfirmed match.
    let (_, v) = t
        .get_json(&format!("/api/v1/tickets/{covered}"), Some(&c.ann))
        .await;
    assert!(
        v.get("covered_by").is_none() || v["covered_by"].is_null(),
        "{v}"
    );
    let (_, v) = t
        .get_json(&format!("/api/v1/tickets/{gap}"), Some(&c.agent))
        .await;
    assert!(v.get("covered_by").is_none(), "{v}");
    // Agents confirm; bad verdicts are refused.
    let cov = format!("/api/v1/tickets/{covered}/coverage");
    let (s, e) = t
        .post_json(&cov, Some(&c.ann), json!({"confirm": true}))
        .await;
    assert_eq!(s, 403, "{e}");
    let (s, e) = t
        .post_json(
            &format!("/api/v1/tickets/{gap}/coverage"),
            Some(&c.agent),
            json!({"confirm": true}),
        )
        .await;
    assert_eq!(s, 422, "{e}");
    assert_error(&e, "no_coverage");
    let (s, e) = t
        .post_json(
            &cov,
            Some(&c.agent),
            json!({"confirm": true, "post_id": 999999}),
        )
        .await;
    assert_eq!(s, 422, "{e}");
    let (s, v) = t
        .post_json(&cov, Some(&c.agent), json!({"confirm": true}))
        .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["covered_by"]["state"], "confirmed");

    // A failed search on the gap's topic.
    let (_, r) = t
        .get_json("/api/v1/search?q=webhooks+signature", None)
        .await;
    assert_eq!(r["total"], 0, "{r}");
    // First replies and a solve, for the times.
    write(&t, &c.agent, covered, "See the article.").await;
    patch(&t, &c.agent, covered, json!({"status": "solved"})).await;
    t.post_json(
        &format!("/api/v1/tickets/{covered}/rating"),
        Some(&c.ann),
        json!({"rating": "good"}),
    )
    .await;

    let (s, r) = t.get_json("/api/v1/support/report", Some(&c.agent)).await;
    assert_eq!(s, 200, "{r}");
    assert_eq!(r["total"]["tickets"], 2);
    assert_eq!(r["total"]["covered_share"], 0.5);
    assert_eq!(r["total"]["csat"], 1.0);
    assert_eq!(r["total"]["ratings"], 1);
    assert_eq!(r["total"]["sla_attainment"], 1.0);
    let standard = &r["total"]["plans"][0];
    assert_eq!(standard["plan"], "Standard");
    assert_eq!(standard["tickets"], 2);
    assert!(standard["first_reply_median"].as_i64().is_some(), "{r}");
    assert!(standard["resolution_p90"].as_i64().is_some());
    assert_eq!(r["top_covering"][0]["post_id"], qid);
    assert_eq!(r["top_covering"][0]["tickets"], 1);
    let gaps: Vec<&str> = r["gaps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["topic"].as_str().unwrap())
        .collect();
    assert!(gaps.contains(&"webhooks"), "{r}");
    assert!(!r["weeks"].as_array().unwrap().is_empty());

    // Who may see it, and bad ranges.
    let (s, _) = t.get_json("/api/v1/support/report", Some(&c.admin)).await;
    assert_eq!(s, 200);
    for token in [&c.ann, &c.moder, &c.carl] {
        let (s, _) = t.get_json("/api/v1/support/report", Some(token)).await;
        assert_eq!(s, 403);
    }
    let (s, _) = t.get_json("/api/v1/support/report", None).await;
    assert_eq!(s, 401);
    for (q, code) in [
        ("from=yesterday", "invalid_date"),
        ("from=2026-02-30", "invalid_date"),
        ("from=2026-12-01&to=2026-11-01", "invalid_range"),
        ("from=2020-01-01&to=2026-01-01", "invalid_range"),
    ] {
        let (s, e) = t
            .get_json(&format!("/api/v1/support/report?{q}"), Some(&c.agent))
            .await;
        assert_eq!(s, 422, "{q}: {e}");
        assert_error(&e, code);
    }
    let (agent, _) = t.browser("agnes").await;
    let html = text(&agent, t.url("/staff/support")).await;
    assert!(
        html.contains("What to write next") && html.contains("webhooks"),
        "{html}"
    );
}

async fn text(c: &reqwest::Client, url: String) -> String {
    c.get(url).send().await.unwrap().text().await.unwrap()
}

async fn canned_replies_and_the_agent_workspace(t: TestApp) {
    let c = cast(&t).await;
    let (s, r) = t
        .post_json(
            "/api/v1/canned-replies",
            Some(&c.agent),
            json!({"title": "Restart first", "body": "Please restart the hub and tell us if it helps."}),
        )
        .await;
    assert_eq!(s, 201, "{r}");
    let canned = r["id"].as_i64().unwrap();
    for (token, body, want) in [
        (
            &c.agent,
            json!({"title": "Restart first", "body": "again"}),
            409,
        ),
        (&c.agent, json!({"title": " ", "body": "text"}), 422),
        (&c.agent, json!({"title": "Empty", "body": " "}), 422),
        (&c.ann, json!({"title": "Mine", "body": "text"}), 403),
        (&c.moder, json!({"title": "Mine", "body": "text"}), 403),
    ] {
        let (s, e) = t
            .post_json("/api/v1/canned-replies", Some(token), body)
            .await;
        assert_eq!(s, want, "{e}");
    }
    let (s, l) = t.get_json("/api/v1/canned-replies", Some(&c.agent)).await;
    assert_eq!(s, 200);
    assert_eq!(l.as_array().unwrap().len(), 1);
    let (s, _) = t.get_json("/api/v1/canned-replies", Some(&c.ann)).await;
    assert_eq!(s, 403);

    let earlier = file(&t, &c.ann, "Hub firmware question", "Which version?", "low").await;
    let id = file(
        &t,
        &c.ann,
        "Hub offline since update",
        "The light blinks red.",
        "normal",
    )
    .await;
    let (agent, csrf) = t.browser("agnes").await;
    let page = format!("/support/tickets/{id}");
    let html = text(&agent, t.url(&page)).await;
    for want in [
        "Agent workspace",
        "Plan Standard",
        &format!("#{earlier} Hub firmware question"),
        "Restart first",
        "The ticket was filed without a search.",
    ] {
        assert!(html.contains(want), "{want} missing");
    }
    // Insert a canned reply into the draft (works without JavaScript).
    let res = agent
        .post(t.url(&format!("{page}/draft")))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("body", "Hello Ann,"),
            ("canned", &canned.to_string()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let html = res.text().await.unwrap();
    assert!(
        html.contains("Hello Ann,\n\nPlease restart the hub and tell us if it helps.</textarea>"),
        "{html}"
    );
    let res = agent
        .post(t.url(&format!("{page}/draft")))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("body", "x"),
            ("canned", "999999"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
    // Assign, tag and change through the form.
    let res = agent
        .post(t.url(&format!("{page}/change")))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("status", "pending"),
            ("priority", "high"),
            ("assignee", &c.agent_id.to_string()),
            ("tags", "hub firmware"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let (_, v) = t
        .get_json(&format!("/api/v1/tickets/{id}"), Some(&c.agent))
        .await;
    assert_eq!(v["status"], "pending");
    assert_eq!(v["assignee_id"], c.agent_id);
    assert_eq!(v["tags"], json!(["firmware", "hub"]));
    let html = text(&agent, t.url(&page)).await;
    assert!(html.contains("Assigned to agnes"), "{html}");
    // The customer sees neither the workspace nor the canned replies.
    let (ann, _) = t.browser("ann").await;
    let html = text(&ann, t.url(&page)).await;
    assert!(!html.contains("Agent workspace") && !html.contains("Restart first"));
    let res = ann
        .post(t.url(&format!("{page}/draft")))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("canned", &canned.to_string()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);

    // Manage canned replies on their page.
    let html = text(&agent, t.url("/agent/canned")).await;
    assert!(html.contains("Restart first"));
    let res = agent
        .post(t.url(&format!("/agent/canned/{canned}/delete")))
        .form(&[("csrf_token", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let (s, _) = t
        .send_json(
            "DELETE",
            &format!("/api/v1/canned-replies/{canned}"),
            Some(&c.agent),
            None,
        )
        .await;
    assert_eq!(s, 404);
    let (_, l) = t.get_json("/api/v1/canned-replies", Some(&c.agent)).await;
    assert!(l.as_array().unwrap().is_empty());
}

async fn the_way_in_carries_the_deflection_session(t: TestApp) {
    let c = cast(&t).await;
    let (s, _) = t
        .post_json(
            "/api/v1/questions",
            Some(&c.admin),
            json!({"title": "Thermostat shows the wrong temperature", "body": "It reads five degrees too high.", "tags": ["thermostat"]}),
        )
        .await;
    assert_eq!(s, 201);
    t.settle().await;

    // Search results always offer support, with the words already in the subject.
    let anon = crate::support::client();
    let html = text(&anon, t.url("/search?q=thermostat+temperature")).await;
    assert!(
        html.contains("href=\"/support/new?subject=thermostat%20temperature\""),
        "{html}"
    );
    // The ask page offers support after its suggestions.
    let html = text(&anon, t.url("/ask?title=thermostat+wrong+temperature")).await;
    assert!(html.contains("data-testid=\"contact-support\""), "{html}");

    // The support form suggests while typing (here: from the subject brought along) and the
    // ticket carries the session.
    let (ann, csrf) = t.browser("ann").await;
    let html = text(
        &ann,
        t.url("/support/new?subject=thermostat+wrong+temperature"),
    )
    .await;
    // (Suggested titles come with the matched words marked.)
    assert!(
        html.contains("data-testid=\"suggestions\"") && html.contains("shows the"),
        "{html}"
    );
    assert!(!html.contains("data-testid=\"contact-support\""));
    let token = html
        .split("name=\"deflection\" value=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .unwrap()
        .to_string();
    let res = ann
        .post(t.url("/support/new"))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("subject", "Thermostat wrong temperature"),
            ("body", "The suggested question did not help."),
            ("priority", "normal"),
            ("deflection", token.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let to = res.headers()["location"].to_str().unwrap().to_string();
    let pool = t.db().await;
    let (outcome, question): (Option<String>, Option<i64>) = sqlx::query_as(
        "SELECT outcome, question_id FROM deflection_sessions WHERE id = (SELECT deflection_session_id FROM tickets)",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    pool.close().await;
    assert_eq!(outcome.as_deref(), Some("posted"), "asked a person");
    assert_eq!(question, None);
    let (agent, _) = t.browser("agnes").await;
    let html = text(&agent, t.url(&to)).await;
    assert!(
        html.contains("“thermostat wrong temperature”")
            && !html
                .contains("Thermostat shows the wrong temperature</a> · <strong>opened</strong>")
            && html.contains("Thermostat shows the wrong temperature</a> · shown"),
        "{html}"
    );
    // Without JavaScript, "Show similar questions" re-renders the form instead of filing.
    let before = t.count("tickets").await;
    let res = ann
        .post(t.url("/support/new"))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("subject", "thermostat temperature"),
            ("body", ""),
            ("priority", "normal"),
            ("preview", "1"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert!(res
        .text()
        .await
        .unwrap()
        .contains("data-testid=\"suggestions\""));
    assert_eq!(t.count("tickets").await, before);
    let _ = (&c.bob, &c.carl, c.ann_id);
}

async fn colleagues_see_shared_tickets(t: TestApp) {
    let c = cast(&t).await;
    let premium = c.plans["items"][2]["id"].as_i64().unwrap();
    let standard = c.plans["items"][1]["id"].as_i64().unwrap();
    assert_eq!(c.plans["items"][2]["organization_visible"], true);
    assert_eq!(c.plans["items"][1]["organization_visible"], false);
    for (name, domain, plan) in [
        ("Acme", "acme.test", premium),
        ("Globex", "globex.test", standard),
    ] {
        let (s, e) = t
            .post_json(
                "/api/v1/organizations",
                Some(&c.admin),
                json!({"name": name, "domains": [domain], "plan_id": plan}),
            )
            .await;
        assert_eq!(s, 201, "{e}");
    }
    let signup = |name: &'static str, domain: &'static str| {
        let t = &t;
        async move {
            let (s, b) = t
                .post_json(
                    "/api/v1/auth/signup",
                    None,
                    json!({"username": name, "email": format!("{name}@{domain}"), "password": "correct horse battery"}),
                )
                .await;
            assert_eq!(s, 201, "{b}");
            b["token"].as_str().unwrap().to_string()
        }
    };
    let ada = signup("ada", "acme.test").await;
    let alan = signup("alan", "acme.test").await;
    let gus = signup("gus", "globex.test").await;
    let gia = signup("gia", "globex.test").await;

    // Premium (Acme) shares tickets within the organization: colleagues see and answer them,
    // only the requester marks them solved.
    let shared = file(&t, &ada, "Badge reader offline", "Front door.", "high").await;
    let path = format!("/api/v1/tickets/{shared}");
    let (s, v) = t.get_json(&path, Some(&alan)).await;
    assert_eq!(s, 200, "{v}");
    let (_, l) = t.get_json("/api/v1/tickets", Some(&alan)).await;
    assert_eq!(ids(&l), vec![shared]);
    let (s, _) = write(&t, &alan, shared, "Same at the back door.").await;
    assert_eq!(s, 201);
    let (s, _) = patch(&t, &alan, shared, json!({"status": "solved"})).await;
    assert_eq!(s, 403);
    for other in [&gus, &c.ann] {
        let (s, _) = t.get_json(&path, Some(other)).await;
        assert_eq!(s, 404);
    }
    // Standard (Globex) does not: a colleague's ticket stays private.
    let private = file(&t, &gus, "Invoice address", "Wrong street.", "low").await;
    let (s, _) = t
        .get_json(&format!("/api/v1/tickets/{private}"), Some(&gia))
        .await;
    assert_eq!(s, 404);
    let (_, l) = t.get_json("/api/v1/tickets", Some(&gia)).await;
    assert_eq!(l["total"], 0);
    let _ = (c.ann_id, &c.bob, standard);
}

/// Every ticket route for every role: what each may do, and that others learn nothing.
async fn every_ticket_route_for_every_role(t: TestApp) {
    let c = cast(&t).await;
    let (pia_id, pia) = t.signup("pia").await;
    let premium = c.plans["items"][2]["id"].as_i64().unwrap();
    let (s, _) = t
        .send_json(
            "PUT",
            &format!("/api/v1/users/{pia_id}/plan"),
            Some(&c.admin),
            Some(json!({"plan_id": premium})),
        )
        .await;
    assert_eq!(s, 200);
    let (s, q) = t
        .post_json(
            "/api/v1/questions",
            Some(&c.admin),
            json!({"title": "Where is the hub's reset button?", "body": "Looking for it.", "tags": ["hub"]}),
        )
        .await;
    assert_eq!(s, 201);
    let qid = q["id"].as_i64().unwrap();
    let open = file(&t, &c.ann, "Hub offline", "Blinks red.", "normal").await;
    let solved = file(&t, &c.ann, "Hub renamed itself", "Odd name.", "low").await;
    write(&t, &c.agent, solved, "Fixed in 4.3.").await;
    patch(&t, &c.agent, solved, json!({"status": "solved"})).await;

    // Roles in a fixed order; a row's successful writers come last so earlier ones see the
    // state before them.
    let roles: Vec<(&str, Option<&str>)> = vec![
        ("anonymous", None),
        ("community member", Some(&c.carl)),
        ("another customer", Some(&c.bob)),
        ("premium member", Some(&pia)),
        ("moderator", Some(&c.moder)),
        ("agent", Some(&c.agent)),
        ("admin", Some(&c.admin)),
        ("requester", Some(&c.ann)),
    ];
    let tk = |id: i64, rest: &str| format!("/api/v1/tickets/{id}{rest}");
    let rows: Vec<(&str, String, Value, [u16; 8])> = vec![
        (
            "GET",
            "/api/v1/tickets".into(),
            Value::Null,
            [401, 200, 200, 200, 200, 200, 200, 200],
        ),
        (
            "POST",
            "/api/v1/tickets".into(),
            json!({"subject": "S", "body": "B"}),
            [401, 403, 201, 201, 403, 403, 403, 201],
        ),
        (
            "GET",
            tk(open, ""),
            Value::Null,
            [401, 404, 404, 404, 404, 200, 200, 200],
        ),
        (
            "POST",
            tk(open, "/messages"),
            json!({"body": "Hello"}),
            [401, 404, 404, 404, 404, 201, 201, 201],
        ),
        (
            "PATCH",
            tk(open, ""),
            json!({"priority": "high"}),
            [401, 404, 404, 404, 404, 200, 200, 403],
        ),
        (
            "POST",
            tk(open, "/coverage"),
            json!({"confirm": false, "post_id": qid}),
            [401, 404, 404, 404, 404, 200, 200, 403],
        ),
        (
            "POST",
            tk(solved, "/rating"),
            json!({"rating": "good"}),
            [401, 404, 404, 404, 404, 403, 403, 200],
        ),
        (
            "POST",
            tk(solved, "/publish"),
            json!({}),
            [401, 404, 404, 404, 404, 200, 200, 403],
        ),
        (
            "POST",
            tk(solved, "/consent"),
            json!({"accept": false}),
            [401, 404, 404, 404, 404, 403, 403, 200],
        ),
        (
            "GET",
            "/api/v1/canned-replies".into(),
            Value::Null,
            [401, 403, 403, 403, 403, 200, 200, 403],
        ),
        (
            "GET",
            "/api/v1/support/report".into(),
            Value::Null,
            [401, 403, 403, 403, 403, 200, 200, 403],
        ),
    ];
    for (method, path, body, want) in &rows {
        for ((who, token), want) in roles.iter().zip(want) {
            let body = (!body.is_null()).then(|| body.clone());
            let (s, e) = t.send_json(method, path, *token, body).await;
            assert_eq!(s, *want, "{method} {path} as {who}: {e}");
        }
    }
    // Canned replies: created by agents and admins only.
    for ((who, token), want) in roles.iter().zip([401, 403, 403, 403, 403, 201, 201, 403]) {
        let (s, e) = t
            .send_json(
                "POST",
                "/api/v1/canned-replies",
                *token,
                Some(json!({"title": format!("From {who}"), "body": "Text"})),
            )
            .await;
        assert_eq!(s, want, "canned reply as {who}: {e}");
    }
    // The pages: anonymous visitors are sent to log in; the rest as the API.
    let mut browsers = Vec::new();
    for name in ["carl", "bob", "pia", "mona", "agnes", "root", "ann"] {
        browsers.push(Some(t.browser(name).await.0));
    }
    browsers.insert(0, None);
    for (path, want) in [
        (
            format!("/support/tickets/{open}"),
            [303, 404, 404, 404, 404, 200, 200, 200],
        ),
        (
            "/agent".to_string(),
            [303, 403, 403, 403, 403, 200, 200, 403],
        ),
        (
            "/agent/canned".to_string(),
            [303, 403, 403, 403, 403, 200, 200, 403],
        ),
        (
            "/staff/support".to_string(),
            [303, 403, 403, 403, 403, 200, 200, 403],
        ),
        (
            "/support".to_string(),
            [303, 200, 200, 200, 200, 200, 200, 200],
        ),
    ] {
        for (((who, _), b), want) in roles.iter().zip(&browsers).zip(want) {
            let client = b.clone().unwrap_or_else(crate::support::client);
            let res = client.get(t.url(&path)).send().await.unwrap();
            assert_eq!(res.status().as_u16(), want, "GET {path} as {who}");
        }
    }
    // Nothing of a ticket reaches public pages or search.
    let (_, r) = t.get_json("/api/v1/search?q=renamed", None).await;
    assert_eq!(r["total"], 0, "{r}");
}
