//! Private tickets through the API, for every role: a plan without tickets, the open-ticket
//! limit, privacy (another customer's ticket is a 404), internal notes, status rules and the
//! SLA clocks.

use crate::both;
use crate::support::{assert_error, TestApp};
use serde_json::json;

both!(
    tickets_for_every_role,
    breaches_are_recorded_by_the_queue,
    support_pages
);

/// Posts a form with a browser client.
async fn form(
    t: &TestApp,
    c: &reqwest::Client,
    path: &str,
    fields: &[(&str, &str)],
) -> reqwest::Response {
    c.post(t.url(path)).form(fields).send().await.unwrap()
}

async fn support_pages(t: TestApp) {
    let (admin_id, admin) = t.signup("root").await;
    t.make_admin(admin_id).await;
    let (ann_id, _) = t.signup("ann").await;
    t.signup("bob").await;
    t.signup("carl").await;
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

    // Carl's plan has no tickets: the form explains and points to the plans.
    let (carl, csrf) = t.browser("carl").await;
    let html = carl
        .get(t.url("/support"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("does not include private tickets"));
    let res = form(
        &t,
        &carl,
        "/support/new",
        &[
            ("csrf_token", csrf.as_str()),
            ("subject", "Help"),
            ("body", "Please"),
            ("priority", "normal"),
        ],
    )
    .await;
    assert_eq!(res.status(), 403);
    assert!(res.text().await.unwrap().contains("href=\"/plans\""));

    // Ann files one through the form, replies, and marks it solved.
    let (ann, csrf) = t.browser("ann").await;
    let res = form(
        &t,
        &ann,
        "/support/new",
        &[
            ("csrf_token", csrf.as_str()),
            ("subject", " "),
            ("body", "x"),
            ("priority", "normal"),
        ],
    )
    .await;
    assert_eq!(res.status(), 422);
    assert!(res
        .text()
        .await
        .unwrap()
        .contains("The subject needs 1 to 200 characters."));
    let res = form(
        &t,
        &ann,
        "/support/new",
        &[
            ("csrf_token", csrf.as_str()),
            ("subject", "Invoice shows the wrong plan"),
            ("body", "It says Premium."),
            ("priority", "low"),
        ],
    )
    .await;
    assert_eq!(res.status(), 303);
    let to = res.headers()["location"].to_str().unwrap().to_string();
    assert!(to.starts_with("/support/tickets/"), "{to}");
    let html = ann
        .get(t.url(&to))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("Invoice shows the wrong plan") && html.contains("First reply due"),
        "{html}"
    );
    assert!(!html.contains("Internal note (agents only)"));
    let res = form(
        &t,
        &ann,
        &format!("{to}/reply"),
        &[("csrf_token", csrf.as_str()), ("body", "Attached the PDF.")],
    )
    .await;
    assert_eq!(res.status(), 303);
    let res = form(
        &t,
        &ann,
        &format!("{to}/change"),
        &[("csrf_token", csrf.as_str()), ("status", "solved")],
    )
    .await;
    assert_eq!(res.status(), 303);
    let html = ann
        .get(t.url(&to))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("data-testid=\"ticket-status\">solved<"),
        "{html}"
    );
    assert!(html.contains("Attached the PDF."));
    // Without the form token nothing happens.
    let res = form(&t, &ann, &format!("{to}/reply"), &[("body", "sneaky")]).await;
    assert_eq!(res.status(), 403);

    // Bob cannot see it; his list is empty.
    let (bob, _) = t.browser("bob").await;
    assert_eq!(bob.get(t.url(&to)).send().await.unwrap().status(), 404);
    let html = bob
        .get(t.url("/support"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!html.contains("Invoice shows the wrong plan"));
    // An agent sees it in the list and may add internal notes.
    let (root, _) = t.browser("root").await;
    let html = root
        .get(t.url("/support"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("Invoice shows the wrong plan") && html.contains("All tickets"));
    let html = root
        .get(t.url(&to))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("Internal note (agents only)"));
}

async fn breaches_are_recorded_by_the_queue(t: TestApp) {
    let (admin_id, admin) = t.signup("root").await;
    t.make_admin(admin_id).await;
    let (ann_id, ann) = t.signup("ann").await;
    let (_, plans) = t.get_json("/api/v1/plans", None).await;
    let premium = plans["items"][2]["id"].as_i64().unwrap();
    let (s, _) = t
        .send_json(
            "PUT",
            &format!("/api/v1/users/{ann_id}/plan"),
            Some(&admin),
            Some(json!({"plan_id": premium})),
        )
        .await;
    assert_eq!(s, 200);
    let (s, tk) = t
        .post_json("/api/v1/tickets", Some(&ann), json!({"subject": "Alarm siren stuck on", "body": "It will not stop.", "priority": "urgent"}))
        .await;
    assert_eq!(s, 201);
    let id = tk["id"].as_i64().unwrap();
    // As if it had been filed two days ago and nobody answered.
    let pool = t.db().await;
    sqlx::query("UPDATE ticket_events SET created_at = created_at - 172800 WHERE ticket_id = $1")
        .bind(id)
        .execute(&pool)
        .await
        .unwrap();
    // Its next check came long ago, too.
    sqlx::query("UPDATE tickets SET check_at = 0 WHERE id = $1")
        .bind(id)
        .execute(&pool)
        .await
        .unwrap();
    for _ in 0..2 {
        sqlx::query("INSERT INTO jobs (queue, kind, payload, run_at, created_at) VALUES ('default', 'sla.check', '{}', 0, 0)")
            .execute(&pool)
            .await
            .unwrap();
        t.settle().await;
    }
    pool.close().await;
    let (_, v) = t
        .get_json(&format!("/api/v1/tickets/{id}"), Some(&ann))
        .await;
    let breaches: Vec<&str> = v["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "breach")
        .map(|e| e["value"].as_str().unwrap())
        .collect();
    assert_eq!(
        breaches.len(),
        2,
        "first reply and resolution, each once: {v}"
    );
    assert!(breaches.iter().any(|b| b.starts_with("first_reply@")));
    assert!(breaches.iter().any(|b| b.starts_with("resolution@")));
    let targets: Vec<&str> = v["sla"]["breaches"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["target"].as_str().unwrap())
        .collect();
    assert_eq!(targets, vec!["first_reply", "resolution"]);
}

async fn tickets_for_every_role(t: TestApp) {
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
    let ticket = |subject: &str| json!({"subject": subject, "body": "The hub's light blinks red and the app says offline."});

    // The community plan has no tickets: a 403 that points to the plans.
    let (s, e) = t
        .post_json("/api/v1/tickets", Some(&carl), ticket("Hub offline"))
        .await;
    assert_eq!(s, 403, "{e}");
    assert_error(&e, "plan_has_no_tickets");
    assert!(e["error"]["message"].as_str().unwrap().contains("/plans"));
    let (s, _) = t
        .post_json("/api/v1/tickets", None, ticket("Hub offline"))
        .await;
    assert_eq!(s, 401);

    // Bad input changes nothing.
    for (body, code) in [
        (json!({"subject": " ", "body": "text"}), "invalid_subject"),
        (json!({"subject": "Hub", "body": " "}), "invalid_body"),
        (
            json!({"subject": "Hub", "body": "text", "priority": "asap"}),
            "invalid_priority",
        ),
    ] {
        let (s, e) = t.post_json("/api/v1/tickets", Some(&ann), body).await;
        assert_eq!(s, 422, "{e}");
        assert_error(&e, code);
    }
    assert_eq!(t.count("tickets").await, 0);

    let (s, tk) = t
        .post_json("/api/v1/tickets", Some(&ann), json!({"subject": "Hub offline since the update", "body": "It blinks red.", "priority": "high"}))
        .await;
    assert_eq!(s, 201, "{tk}");
    let id = tk["id"].as_i64().unwrap();
    assert_eq!(tk["status"], "new");
    assert_eq!(tk["priority"], "high");
    assert!(tk["sla"]["first_reply_due"].as_str().is_some(), "{tk}");
    assert!(tk["sla"]["resolution_due"].as_str().is_some());
    assert_eq!(tk["sla"]["paused"], false);
    assert_eq!(tk["messages"].as_array().unwrap().len(), 1);
    assert_eq!(tk["events"][0]["kind"], "created");
    let path = format!("/api/v1/tickets/{id}");

    // Who sees it: the requester and agents; not another customer, nor a moderator.
    for (token, want) in [
        (&ann, 200),
        (&agent, 200),
        (&admin, 200),
        (&bob, 404),
        (&moder, 404),
        (&carl, 404),
    ] {
        let (s, _) = t.get_json(&path, Some(token)).await;
        assert_eq!(s, want, "GET by {token}");
    }
    let (s, _) = t.get_json(&path, None).await;
    assert_eq!(s, 401);
    for (token, want) in [(&ann, 1), (&bob, 0), (&moder, 0), (&agent, 1), (&admin, 1)] {
        let (s, l) = t.get_json("/api/v1/tickets", Some(token)).await;
        assert_eq!(s, 200);
        assert_eq!(l["total"], want, "list by {token}: {l}");
    }
    let (s, e) = t
        .get_json("/api/v1/tickets?status=lost", Some(&agent))
        .await;
    assert_eq!(s, 422);
    assert_error(&e, "invalid_status");
    // Another customer can neither write on it nor change it.
    let (s, _) = t
        .send_json(
            "POST",
            &format!("{path}/messages"),
            Some(&bob),
            Some(json!({"body": "me too"})),
        )
        .await;
    assert_eq!(s, 404);
    let (s, _) = t
        .send_json(
            "PATCH",
            &path,
            Some(&bob),
            Some(json!({"status": "solved"})),
        )
        .await;
    assert_eq!(s, 404);

    // Internal notes: agents only, and only agents see them.
    let (s, e) = t
        .send_json(
            "POST",
            &format!("{path}/messages"),
            Some(&ann),
            Some(json!({"body": "secret", "internal": true})),
        )
        .await;
    assert_eq!(s, 403);
    assert_error(&e, "not_allowed");
    let (s, _) = t
        .send_json(
            "POST",
            &format!("{path}/messages"),
            Some(&agent),
            Some(json!({"body": "Firmware 4.2 bug, see KB.", "internal": true})),
        )
        .await;
    assert_eq!(s, 201);
    let (_, v) = t.get_json(&path, Some(&ann)).await;
    assert_eq!(
        v["messages"].as_array().unwrap().len(),
        1,
        "no internal note for the customer"
    );
    let (_, v) = t.get_json(&path, Some(&agent)).await;
    assert_eq!(v["messages"].as_array().unwrap().len(), 2);
    assert_eq!(v["status"], "new", "a note changes nothing");

    // The agent's reply opens it and stops the first-reply clock.
    let (s, _) = t
        .send_json(
            "POST",
            &format!("{path}/messages"),
            Some(&agent),
            Some(json!({"body": "Please hold the reset button for ten seconds."})),
        )
        .await;
    assert_eq!(s, 201);
    let (_, v) = t.get_json(&path, Some(&ann)).await;
    assert_eq!(v["status"], "open");
    assert!(v["sla"]["first_reply_due"].is_null(), "{v}");

    // The customer may only mark it solved; a reply reopens it.
    let (s, e) = t
        .send_json(
            "PATCH",
            &path,
            Some(&ann),
            Some(json!({"priority": "urgent"})),
        )
        .await;
    assert_eq!(s, 403, "{e}");
    let (s, e) = t
        .send_json("PATCH", &path, Some(&ann), Some(json!({"status": "open"})))
        .await;
    assert_eq!(s, 403, "{e}");
    let (s, v) = t
        .send_json(
            "PATCH",
            &path,
            Some(&ann),
            Some(json!({"status": "solved"})),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["status"], "solved");
    assert!(v["sla"]["resolution_due"].is_null());
    let (s, _) = t
        .send_json(
            "POST",
            &format!("{path}/messages"),
            Some(&ann),
            Some(json!({"body": "It came back after a day."})),
        )
        .await;
    assert_eq!(s, 201);
    let (_, v) = t.get_json(&path, Some(&ann)).await;
    assert_eq!(v["status"], "open");
    assert!(
        v["sla"]["next_reply_due"].as_str().is_some(),
        "the customer waits for a reply: {v}"
    );

    // Agents assign (to agents only), change priority, and pending pauses the clocks.
    let (s, e) = t
        .send_json(
            "PATCH",
            &path,
            Some(&agent),
            Some(json!({"assignee_id": ann_id})),
        )
        .await;
    assert_eq!(s, 422);
    assert_error(&e, "unknown_assignee");
    let (s, v) = t
        .send_json(
            "PATCH",
            &path,
            Some(&agent),
            Some(json!({"assignee_id": agent_id, "priority": "urgent", "status": "pending"})),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["assignee_id"], agent_id);
    assert_eq!(v["priority"], "urgent");
    assert_eq!(v["sla"]["paused"], true);
    let (_, mine) = t
        .get_json(
            &format!("/api/v1/tickets?assignee={agent_id}"),
            Some(&agent),
        )
        .await;
    assert_eq!(mine["total"], 1);
    let kinds: Vec<&str> = v["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    for k in [
        "created",
        "note",
        "agent_reply",
        "status",
        "customer_reply",
        "assignee",
        "priority",
    ] {
        assert!(kinds.contains(&k), "{k} in {kinds:?}");
    }
    let (s, v) = t
        .send_json(
            "PATCH",
            &path,
            Some(&agent),
            Some(json!({"assignee_id": null})),
        )
        .await;
    assert_eq!(s, 200);
    assert!(v["assignee_id"].is_null());

    // A closed ticket takes no more messages: the customer's reply starts a follow-up ticket
    // linked to it; agents start a new conversation themselves.
    let (s, _) = t
        .send_json(
            "PATCH",
            &path,
            Some(&agent),
            Some(json!({"status": "closed"})),
        )
        .await;
    assert_eq!(s, 200);
    let (s, e) = t
        .send_json(
            "POST",
            &format!("{path}/messages"),
            Some(&agent),
            Some(json!({"body": "One more thing"})),
        )
        .await;
    assert_eq!(s, 409);
    assert_error(&e, "ticket_closed");
    let (s, w) = t
        .send_json(
            "POST",
            &format!("{path}/messages"),
            Some(&ann),
            Some(json!({"body": "Again!"})),
        )
        .await;
    assert_eq!(s, 201, "{w}");
    let follow_up = w["ticket_id"].as_i64().unwrap();
    assert_ne!(follow_up, id);
    let (_, f) = t
        .get_json(&format!("/api/v1/tickets/{follow_up}"), Some(&ann))
        .await;
    assert_eq!(f["follow_up_of"], id);
    assert_eq!(f["status"], "new");
    assert!(f["subject"].as_str().unwrap().starts_with("Follow-up: "));
    assert_eq!(f["messages"][0]["body"], "Again!");
    let (_, v) = t.get_json(&path, Some(&ann)).await;
    assert_eq!(v["status"], "closed", "the original stays closed");
    assert!(v["events"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["kind"] == "follow_up"
            && e["value"].as_str() == Some(follow_up.to_string().as_str())));
    let (s, _) = t
        .send_json(
            "PATCH",
            &format!("/api/v1/tickets/{follow_up}"),
            Some(&agent),
            Some(json!({"status": "closed"})),
        )
        .await;
    assert_eq!(s, 200);

    // The plan's limit of open tickets (Standard: 5).
    for n in 0..5 {
        let (s, v) = t
            .post_json(
                "/api/v1/tickets",
                Some(&bob),
                ticket(&format!("Question {n}")),
            )
            .await;
        assert_eq!(s, 201, "{v}");
    }
    let (s, e) = t
        .post_json("/api/v1/tickets", Some(&bob), ticket("One too many"))
        .await;
    assert_eq!(s, 409);
    assert_error(&e, "too_many_open_tickets");
    assert_eq!(t.count("tickets").await, 7);
}
