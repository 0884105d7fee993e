//! Support plans: the installed tiers, admins adding one (bad calendars refused), giving a plan
//! to a person, and the public comparison page.

use crate::both;
use crate::support::{assert_error, TestApp};
use serde_json::{json, Value};

both!(
    plans_are_listed_created_and_given,
    organizations_give_their_plan
);

async fn organizations_give_their_plan(t: TestApp) {
    let (admin_id, admin) = t.signup("root").await;
    t.make_admin(admin_id).await;
    let (ann_id, ann) = t.signup("ann").await;
    let (_, me) = t.get_json("/api/v1/me", Some(&ann)).await;
    assert_eq!(me["plan"]["name"], "Community", "the default: {me}");
    let (_, plans) = t.get_json("/api/v1/plans", None).await;
    let standard = plans["items"][1]["id"].as_i64().unwrap();
    let premium = plans["items"][2]["id"].as_i64().unwrap();

    // Bad input changes nothing.
    for (body, status, code) in [
        (
            json!({"name": "Acme", "domains": ["not a domain"], "plan_id": standard}),
            422,
            "invalid_domain",
        ),
        (
            json!({"name": "Acme", "domains": [], "plan_id": standard}),
            422,
            "invalid_domain",
        ),
        (
            json!({"name": " ", "domains": ["example.com"], "plan_id": standard}),
            422,
            "invalid_name",
        ),
        (
            json!({"name": "Acme", "domains": ["example.com"], "plan_id": 999999}),
            422,
            "unknown_plan",
        ),
    ] {
        let (s, e) = t
            .post_json("/api/v1/organizations", Some(&admin), body)
            .await;
        assert_eq!(s, status, "{e}");
        assert_error(&e, code);
    }
    let (s, _) = t
        .post_json(
            "/api/v1/organizations",
            Some(&ann),
            json!({"name": "Acme", "domains": ["example.com"], "plan_id": standard}),
        )
        .await;
    assert_eq!(s, 403);
    assert_eq!(t.count("organizations").await, 0);

    let (s, o) = t
        .post_json(
            "/api/v1/organizations",
            Some(&admin),
            json!({"name": "Acme", "domains": ["@Example.com", "acme.test"], "plan_id": standard}),
        )
        .await;
    assert_eq!(s, 201, "{o}");
    assert_eq!(o["domains"], json!(["acme.test", "example.com"]));
    let (s, e) = t
        .post_json(
            "/api/v1/organizations",
            Some(&admin),
            json!({"name": "Other", "domains": ["example.com"], "plan_id": premium}),
        )
        .await;
    assert_eq!(s, 409, "a domain belongs to one organization: {e}");
    let (_, list) = t.get_json("/api/v1/organizations", Some(&admin)).await;
    assert_eq!(list["items"].as_array().unwrap().len(), 1);

    // Ann's address is at example.com: the organization's plan, until she gets her own.
    let (_, me) = t.get_json("/api/v1/me", Some(&ann)).await;
    assert_eq!(me["plan"]["name"], "Standard", "{me}");
    let res = t
        .client
        .put(t.url(&format!("/api/v1/users/{ann_id}/plan")))
        .bearer_auth(&admin)
        .json(&json!({"plan_id": premium}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let (_, me) = t.get_json("/api/v1/me", Some(&ann)).await;
    assert_eq!(me["plan"]["name"], "Premium");
}

fn gold() -> Value {
    json!({
        "name": "Gold",
        "description": "Phone and tickets in Paris office hours.",
        "price": "€40 a month",
        "tickets_allowed": true,
        "max_open_tickets": 10,
        "targets": {"urgent": {"first_reply": 30, "next_reply": 60, "resolution": 240},
                    "normal": {"first_reply": 240}},
        "calendar": {"zone": "Europe/Paris",
                     "hours": [{"day": "monday", "start": "09:00", "end": "12:00"},
                               {"day": "monday", "start": "13:00", "end": "18:00"},
                               {"day": "friday", "start": "09:00", "end": "17:00"}],
                     "holidays": ["2026-12-25"]}
    })
}

async fn plans_are_listed_created_and_given(t: TestApp) {
    let (s, v) = t.get_json("/api/v1/plans", None).await;
    assert_eq!(s, 200);
    let names: Vec<&str> = v["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, vec!["Community", "Standard", "Premium"]);
    assert_eq!(v["items"][0]["tickets_allowed"], false);
    assert_eq!(v["items"][0]["default"], true);
    assert_eq!(v["items"][2]["max_open_tickets"], Value::Null);
    assert_eq!(v["items"][1]["targets"]["urgent"]["first_reply"], 120);

    let (admin_id, admin) = t.signup("root").await;
    t.make_admin(admin_id).await;
    let (ann_id, ann) = t.signup("ann").await;

    // Members may not define plans; bad plans change nothing.
    let (s, _) = t.post_json("/api/v1/plans", Some(&ann), gold()).await;
    assert_eq!(s, 403);
    let mut overlap = gold();
    overlap["calendar"]["hours"][1]["start"] = json!("11:00");
    let mut zone = gold();
    zone["calendar"]["zone"] = json!("Atlantis/Capital");
    let mut priority = gold();
    priority["targets"]["critical"] = json!({"first_reply": 5});
    let mut unknown = gold();
    unknown["colour"] = json!("gold");
    for (body, code) in [
        (overlap, "invalid_calendar"),
        (zone, "invalid_calendar"),
        (priority, "invalid_targets"),
    ] {
        let (s, e) = t.post_json("/api/v1/plans", Some(&admin), body).await;
        assert_eq!(s, 422, "{e}");
        assert_error(&e, code);
    }
    let (s, _) = t.post_json("/api/v1/plans", Some(&admin), unknown).await;
    assert_eq!(s, 422);
    assert_eq!(t.count("plans").await, 3);

    let (s, p) = t.post_json("/api/v1/plans", Some(&admin), gold()).await;
    assert_eq!(s, 201, "{p}");
    let gold_id = p["id"].as_i64().unwrap();
    assert_eq!(p["calendar"]["zone"], "Europe/Paris");
    let (s, e) = t.post_json("/api/v1/plans", Some(&admin), gold()).await;
    assert_eq!(s, 409);
    assert_error(&e, "plan_exists");

    // Giving ann the plan.
    let path = format!("/api/v1/users/{ann_id}/plan");
    let (s, _) = t
        .send_json("PUT", &path, Some(&ann), Some(json!({"plan_id": gold_id})))
        .await;
    assert_eq!(s, 403);
    let (s, _) = t
        .send_json("PUT", &path, Some(&admin), Some(json!({"plan_id": 999999})))
        .await;
    assert_eq!(s, 404);
    let (s, _) = t
        .send_json(
            "PUT",
            "/api/v1/users/999999/plan",
            Some(&admin),
            Some(json!({"plan_id": gold_id})),
        )
        .await;
    assert_eq!(s, 404);
    let (s, v) = t
        .send_json(
            "PUT",
            &path,
            Some(&admin),
            Some(json!({"plan_id": gold_id})),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["plan"]["name"], "Gold");

    // The comparison page shows every plan, and marks hers once she logs in.
    let html = t
        .client
        .get(t.url("/plans"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for needle in [
        "Community",
        "Premium",
        "Gold",
        "Around the clock, every day",
        "Mon 09:00–12:00, Mon 13:00–18:00, Fri 09:00–17:00 (Europe/Paris)",
        "30 business minutes / 4 business hours",
        "Mon–Fri 09:00–17:00 (UTC)",
        "2 business hours / 8 business hours",
        "Yes, up to 10 open at once",
    ] {
        assert!(html.contains(needle), "{needle} missing");
    }
    assert!(!html.contains("Your plan"));
    let _ = ann;
}
