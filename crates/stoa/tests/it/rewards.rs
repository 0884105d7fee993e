//! Fair value sharing through the API and the pages: periods, live standings, closing into a
//! hashed statement, per-person statements, declining, payouts, formula versions, and bad
//! input that changes nothing.

use crate::both;
use crate::governance::{answer, ask, vote, with_role};
use crate::support::{assert_error, TestApp};
use serde_json::{json, Value};
use stoa_domain::time::format_rfc3339;

both!(
    rewards_from_contributions_to_payouts,
    formulas_are_versioned
);

fn amounts(v: &Value) -> Vec<(String, i64, i64, bool)> {
    v["allocations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["user"]["username"].as_str().unwrap().to_string(),
                a["points"].as_i64().unwrap(),
                a["amount_minor"].as_i64().unwrap(),
                a["declined"].as_bool().unwrap(),
            )
        })
        .collect()
}

async fn rewards_from_contributions_to_payouts(t: TestApp) {
    let (_, admin) = with_role(&t, "root", "admin").await;
    let (_, mona) = with_role(&t, "mona", "moderator").await;
    let (ann_id, ann) = t.signup("ann").await;
    let (_, bob) = t.signup("bob").await;
    let (cat_id, cat) = t.signup("cat").await;
    let now = stoa_app::now();

    // Contributions: ann's answer accepted and up-voted twice; cat's answer up-voted once;
    // the moderator's answer up-voted (staff are left out); a deleted answer never counts.
    let q1 = ask(&t, &bob, "Router keeps rebooting every night").await;
    let a1 = answer(
        &t,
        &ann,
        q1,
        "Turn off the scheduled firmware update in the admin page.",
    )
    .await;
    let (s, _) = t
        .post_json(
            &format!("/api/v1/questions/{q1}/accept"),
            Some(&bob),
            json!({"answer_id": a1}),
        )
        .await;
    assert_eq!(s, 200);
    for voter in [&bob, &cat] {
        let (s, v) = vote(&t, voter, a1, 1).await;
        assert_eq!(s, 200, "{v}");
    }
    let q2 = ask(&t, &bob, "Printer prints blank pages after refill").await;
    let a2 = answer(
        &t,
        &cat,
        q2,
        "Run the head cleaning twice; refilled cartridges dry out.",
    )
    .await;
    vote(&t, &bob, a2, 1).await;
    let m = answer(
        &t,
        &mona,
        q2,
        "Also check the cartridge seal tape is removed.",
    )
    .await;
    vote(&t, &bob, m, 1).await;
    let gone = answer(&t, &ann, q2, "Maybe the printer is broken; buy a new one.").await;
    vote(&t, &cat, gone, 1).await;
    let (s, _) = t
        .send_json("DELETE", &format!("/api/v1/posts/{gone}"), Some(&ann), None)
        .await;
    assert_eq!(s, 204);

    // Bad input changes nothing.
    let period = |starts: i64, ends: i64, pool: i64, currency: &str| json!({"starts_at": format_rfc3339(starts), "ends_at": format_rfc3339(ends), "pool_minor": pool, "currency": currency});
    for (body, status, code) in [
        (
            period(now - 3600, now + 3600, 0, "EUR"),
            422,
            "invalid_pool",
        ),
        (
            period(now - 3600, now + 3600, -5, "EUR"),
            422,
            "invalid_pool",
        ),
        (
            period(now - 3600, now + 3600, 100_000, "EURO"),
            422,
            "invalid_currency",
        ),
        (
            period(now + 3600, now - 3600, 100_000, "EUR"),
            422,
            "invalid_dates",
        ),
        (
            json!({"starts_at": "soon", "ends_at": "2030-01-01", "pool_minor": 1, "currency": "EUR"}),
            422,
            "invalid_date",
        ),
    ] {
        let (s, e) = t
            .post_json("/api/v1/rewards/periods", Some(&admin), body)
            .await;
        assert_eq!(s, status, "{e}");
        assert_error(&e, code);
    }
    for token in [&ann, &mona] {
        let (s, _) = t
            .post_json(
                "/api/v1/rewards/periods",
                Some(token),
                period(now - 3600, now + 3600, 1, "EUR"),
            )
            .await;
        assert_eq!(s, 403);
    }
    let (s, _) = t
        .post_json(
            "/api/v1/rewards/periods",
            None,
            period(now - 3600, now + 3600, 1, "EUR"),
        )
        .await;
    assert_eq!(s, 401);
    assert_eq!(t.count("reward_periods").await, 0);

    // A period of 100.00 EUR around now: live standings.
    let (s, p) = t
        .post_json(
            "/api/v1/rewards/periods",
            Some(&admin),
            period(now - 3600, now + 3600, 10_000, "eur"),
        )
        .await;
    assert_eq!(s, 201, "{p}");
    let id = p["id"].as_i64().unwrap();
    assert_eq!(p["currency"], "EUR");
    assert_eq!(p["status"], "open");
    let (s, e) = t
        .post_json(
            "/api/v1/rewards/periods",
            Some(&admin),
            period(now, now + 7200, 10_000, "EUR"),
        )
        .await;
    assert_eq!(s, 409, "{e}");
    assert_error(&e, "overlapping_period");
    let (_, v) = t
        .get_json(&format!("/api/v1/rewards/periods/{id}"), None)
        .await;
    // ann: accepted (15) + two up-votes (10 + 10) = 35; cat: one up-vote = 10.
    // Square roots: 5916 and 3162 (thousandths); the cap is 10 % of the pool = 1,000 cents,
    // and 10,000 is enough for both to reach it: each gets 1,000, and the other 8,000 are
    // shared 5916 : 3162: ann 1,000 + 5,213.48 = 6,213; cat 1,000 + 2,786.52 = 3,787.
    assert_eq!(
        amounts(&v),
        vec![
            ("ann".to_string(), 35, 6_213, false),
            ("cat".to_string(), 10, 3_787, false)
        ],
        "{v}"
    );
    assert_eq!(v["fairness"]["paid"], 2);
    // An open period's statement is computed for the person asking.
    let (s, st) = t
        .get_json(
            &format!("/api/v1/rewards/periods/{id}/users/{ann_id}"),
            None,
        )
        .await;
    assert_eq!(s, 200, "{st}");
    assert_eq!(st["points"], 35);
    assert_eq!(st["contributions"].as_array().unwrap().len(), 3);
    assert_eq!(st["amount_minor"], 6_213);
    assert!(v["verified"].is_null());
    let (s, e) = t
        .post_json(
            &format!("/api/v1/rewards/periods/{id}/close"),
            Some(&admin),
            json!({}),
        )
        .await;
    assert_eq!(s, 409, "{e}");
    assert_error(&e, "period_running");

    // cat declines and hides her rewards; the period ends and is closed.
    let (s, _) = t
        .send_json(
            "PUT",
            "/api/v1/me/rewards",
            Some(&cat),
            Some(json!({"decline": true, "public": false})),
        )
        .await;
    assert_eq!(s, 200);
    // The period ends now; everything above happened a minute before (within this second,
    // in fact, which an end of `now` would leave out).
    let pool = t.db().await;
    sqlx::query("UPDATE reputation_events SET created_at = created_at - 60")
        .execute(&pool)
        .await
        .unwrap();
    sqlx::query("UPDATE reward_periods SET ends_at = $2 WHERE id = $1")
        .bind(id)
        .bind(stoa_app::now())
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;
    let (s, _) = t
        .post_json(
            &format!("/api/v1/rewards/periods/{id}/close"),
            Some(&ann),
            json!({}),
        )
        .await;
    assert_eq!(s, 403);
    let (s, v) = t
        .post_json(
            &format!("/api/v1/rewards/periods/{id}/close"),
            Some(&admin),
            json!({}),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["status"], "closed");
    let (_, checked) = t
        .get_json(&format!("/api/v1/rewards/periods/{id}?verify=true"), None)
        .await;
    assert_eq!(checked["verified"], true, "{checked}");
    let hash = v["statement_hash"].as_str().unwrap().to_string();
    assert_eq!(hash.len(), 64);
    assert_eq!(
        amounts(&v),
        vec![
            ("ann".to_string(), 35, 10_000, false),
            ("cat".to_string(), 10, 0, true)
        ],
        "cat's share went back to the pool: {v}"
    );
    let (s, e) = t
        .post_json(
            &format!("/api/v1/rewards/periods/{id}/close"),
            Some(&admin),
            json!({}),
        )
        .await;
    assert_eq!(s, 409);
    assert_error(&e, "already_closed");
    // Later activity does not change a closed statement.
    vote(&t, &bob, a2, -1).await;
    let (_, again) = t
        .get_json(&format!("/api/v1/rewards/periods/{id}?verify=true"), None)
        .await;
    assert_eq!(again["statement_hash"], hash.as_str());
    assert_eq!(again["verified"], true);

    // cat keeps her rewards private: others see her row without her name.
    let (_, seen) = t
        .get_json(&format!("/api/v1/rewards/periods/{id}"), Some(&bob))
        .await;
    assert_eq!(seen["allocations"][1]["user"]["id"], 0, "{seen}");
    assert_eq!(seen["allocations"][1]["points"], 10);
    for token in [&cat, &admin] {
        let (_, seen) = t
            .get_json(&format!("/api/v1/rewards/periods/{id}"), Some(token))
            .await;
        assert_eq!(seen["allocations"][1]["user"]["id"], cat_id);
    }

    // Statements: every counted contribution; cat's only for her and admins.
    let (s, st) = t
        .get_json(
            &format!("/api/v1/rewards/periods/{id}/users/{ann_id}"),
            None,
        )
        .await;
    assert_eq!(s, 200, "{st}");
    let mut kinds: Vec<&str> = st["contributions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["kind"].as_str().unwrap())
        .collect();
    kinds.sort();
    assert_eq!(
        kinds,
        vec!["accepted_answer", "answer_upvote", "answer_upvote"]
    );
    assert_eq!(st["points"], 35);
    assert_eq!(st["amount_minor"], 10_000);
    assert_eq!(st["share"], 1.0);
    let cat_path = format!("/api/v1/rewards/periods/{id}/users/{cat_id}");
    let (s, _) = t.get_json(&cat_path, None).await;
    assert_eq!(s, 404);
    let (s, _) = t.get_json(&cat_path, Some(&bob)).await;
    assert_eq!(s, 404);
    let (s, st) = t.get_json(&cat_path, Some(&cat)).await;
    assert_eq!(s, 200);
    assert_eq!(st["declined"], true);
    let (s, _) = t.get_json(&cat_path, Some(&admin)).await;
    assert_eq!(s, 200);

    // Payouts for the payment provider: admins, closed periods.
    let res = t
        .client
        .get(t.url(&format!("/api/v1/rewards/periods/{id}/payouts.csv")))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/csv"));
    let csv = res.text().await.unwrap();
    assert_eq!(
        csv,
        format!("user_id,username,email,amount_minor,currency,period_id\n{ann_id},ann,ann@example.com,10000,EUR,{id}\n")
    );
    let (s, _) = t
        .get_json(
            &format!("/api/v1/rewards/periods/{id}/payouts.csv"),
            Some(&ann),
        )
        .await;
    assert_eq!(s, 403);

    // The pages.
    let anon = crate::support::client();
    let html = anon
        .get(t.url("/rewards"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("The formula (version 1") && html.contains("100.00 EUR"),
        "{html}"
    );
    let html = anon
        .get(t.url(&format!("/rewards/{id}?verify=1")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        html.contains(&hash) && html.contains("gives the same result"),
        "{html}"
    );
    let html = anon
        .get(t.url(&format!("/rewards/{id}/users/{ann_id}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("Accepted answer") && html.contains("100.00 EUR"),
        "{html}"
    );
    assert_eq!(
        anon.get(t.url("/rewards/how"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
}

async fn formulas_are_versioned(t: TestApp) {
    let (_, admin) = with_role(&t, "root", "admin").await;
    let (_, ann) = t.signup("ann").await;
    let (_, o) = t.get_json("/api/v1/rewards", None).await;
    assert_eq!(o["formula"]["version"], 1);
    let mut spec = o["formula"]["spec"].clone();
    spec["cap_percent"] = json!(25);
    let now = stoa_app::now();
    let body = |from: i64, note: &str, spec: &Value| json!({"spec": spec, "effective_from": format_rfc3339(from), "note": note});
    // Not retroactive, explained, valid, admins only.
    let (s, e) = t
        .post_json(
            "/api/v1/rewards/formulas",
            Some(&admin),
            body(now - 86_400, "Raise the cap", &spec),
        )
        .await;
    assert_eq!(s, 422, "{e}");
    assert_error(&e, "retroactive_formula");
    let (s, e) = t
        .post_json(
            "/api/v1/rewards/formulas",
            Some(&admin),
            body(now + 86_400, " ", &spec),
        )
        .await;
    assert_eq!(s, 422, "{e}");
    let mut bad = spec.clone();
    bad["cap_percent"] = json!(0);
    let (s, e) = t
        .post_json(
            "/api/v1/rewards/formulas",
            Some(&admin),
            body(now + 86_400, "Zero cap", &bad),
        )
        .await;
    assert_eq!(s, 422, "{e}");
    assert_error(&e, "invalid_cap");
    let (s, _) = t
        .post_json(
            "/api/v1/rewards/formulas",
            Some(&ann),
            body(now + 86_400, "Mine", &spec),
        )
        .await;
    assert_eq!(s, 403);
    let (s, f) = t
        .post_json(
            "/api/v1/rewards/formulas",
            Some(&admin),
            body(
                now + 7 * 86_400,
                "Raise the cap to 25 % so that small communities can pay their top helpers.",
                &spec,
            ),
        )
        .await;
    assert_eq!(s, 201, "{f}");
    assert_eq!(f["version"], 2);
    // Announced, not in force: periods starting before it keep version 1.
    let (_, o) = t.get_json("/api/v1/rewards", None).await;
    assert_eq!(o["formula"]["version"], 1);
    assert_eq!(o["formulas"].as_array().unwrap().len(), 2);
    let period = |starts: i64| json!({"starts_at": format_rfc3339(starts), "ends_at": format_rfc3339(starts + 86_400), "pool_minor": 5_000, "currency": "USD"});
    let (_, p) = t
        .post_json("/api/v1/rewards/periods", Some(&admin), period(now))
        .await;
    assert_eq!(p["formula_version"], 1, "{p}");
    let (_, p) = t
        .post_json(
            "/api/v1/rewards/periods",
            Some(&admin),
            period(now + 8 * 86_400),
        )
        .await;
    assert_eq!(p["formula_version"], 2, "{p}");
    let html = crate::support::client()
        .get(t.url("/rewards"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("(announced)") && html.contains("Raise the cap to 25 %"),
        "{html}"
    );
}
