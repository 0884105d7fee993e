//! Incentives and their integrity through the API and the pages: bounties (offer, award, the
//! week running out), badges (awarded by the job, idempotent, listed with their holders),
//! serial voting reversed with ledger entries that say why, linked accounts flagged to
//! moderators, and the impact a profile shows. Bad input always changes nothing.

use crate::both;
use crate::governance::{answer, ask, vote, with_role};
use crate::support::{assert_error, client, csrf_of, spawn, Kind, TestApp};
use serde_json::{json, Value};

both!(
    removed_posts_leave_the_standings,
    bounties_offer_award_and_expire,
    badges_are_awarded_once_and_listed,
    serial_voting_is_reversed,
    linked_devices_are_flagged,
    profiles_show_impact
);

/// The texts of a person's notifications, once background work settled.
async fn notes(t: &TestApp, token: &str) -> Vec<String> {
    t.settle().await;
    let (s, n) = t.get_json("/api/v1/notifications", Some(token)).await;
    assert_eq!(s, 200, "{n}");
    n["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["text"].as_str().unwrap_or_default().to_string())
        .collect()
}

/// Runs a periodic job now, through the queue, as the scheduler would.
async fn run_job(t: &TestApp, kind: &str) {
    let pool = t.db().await;
    sqlx::query("INSERT INTO jobs (queue, kind, payload, run_at, created_at) VALUES ('default', $1, '{}', 0, 0)")
        .bind(kind)
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;
    t.settle().await;
}

async fn exec(t: &TestApp, sql: &str, id: i64) {
    let pool = t.db().await;
    sqlx::query(sql).bind(id).execute(&pool).await.unwrap();
    pool.close().await;
}

async fn reputation(t: &TestApp, id: i64) -> i64 {
    let (s, u) = t.get_json(&format!("/api/v1/users/{id}"), None).await;
    assert_eq!(s, 200, "{u}");
    u["reputation"].as_i64().unwrap()
}

/// The reasons of a user's ledger, newest first.
async fn ledger(t: &TestApp, id: i64) -> Vec<(String, i64)> {
    let (s, l) = t
        .get_json(&format!("/api/v1/users/{id}/reputation"), None)
        .await;
    assert_eq!(s, 200, "{l}");
    l["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["reason"].as_str().unwrap().to_string(),
                e["delta"].as_i64().unwrap(),
            )
        })
        .collect()
}

fn list_ids(v: &Value) -> Vec<(i64, i64)> {
    v["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| (q["id"].as_i64().unwrap(), q["bounty"].as_i64().unwrap()))
        .collect()
}

async fn bounties_offer_award_and_expire(t: TestApp) {
    let (ann_id, ann) = t.signup("ann").await;
    let (bob_id, bob) = t.signup("bob").await;
    let (cat_id, cat) = t.signup("cat").await;
    let (_, dan) = t.signup("dan").await;
    let q = ask(&t, &ann, "Printer drops off the network after sleep").await;
    let own = answer(
        &t,
        &ann,
        q,
        "Reserving an address on the router did not help here.",
    )
    .await;
    let good = answer(
        &t,
        &bob,
        q,
        "Turn off the printer's deep sleep in its web settings.",
    )
    .await;
    let other_q = ask(&t, &cat, "Scanner shows a blank page").await;
    let elsewhere = answer(
        &t,
        &dan,
        other_q,
        "Clean the glass and recalibrate the scanner.",
    )
    .await;
    let offer = |token: &str, q: i64, amount: Value| {
        let token = token.to_string();
        let t = &t;
        async move {
            t.post_json(
                &format!("/api/v1/questions/{q}/bounty"),
                Some(&token),
                json!({ "amount": amount }),
            )
            .await
        }
    };

    // Bad offers change nothing: a new member lacks the reputation for the privilege, amounts
    // outside 50–500 or above one's reputation are refused, answers take no bounty.
    let (s, e) = offer(&ann, q, json!(50)).await;
    assert_eq!(s, 403, "{e}");
    exec(
        &t,
        "UPDATE users SET reputation = 120 WHERE id = $1",
        ann_id,
    )
    .await;
    for (amount, code) in [
        (49, "invalid_amount"),
        (501, "invalid_amount"),
        (150, "insufficient_reputation"),
    ] {
        let (s, e) = offer(&ann, q, json!(amount)).await;
        assert_eq!(s, 422, "{amount}: {e}");
        assert_error(&e, code);
    }
    let (s, e) = offer(&ann, q, json!("lots")).await;
    assert_eq!(s, 422, "{e}");
    let (s, e) = offer(&ann, good, json!(100)).await;
    assert_eq!(s, 422, "{e}");
    assert_error(&e, "not_a_question");
    let (s, _) = offer(&ann, 999_999, json!(100)).await;
    assert_eq!(s, 404);
    assert_eq!(t.count("bounties").await, 0);
    assert_eq!(reputation(&t, ann_id).await, 120);

    // A good offer: the points leave at once, with a ledger entry, and the question is featured.
    let (s, b) = offer(&ann, q, json!(100)).await;
    assert_eq!(s, 201, "{b}");
    assert_eq!(b["status"], "open");
    assert_eq!(b["amount"], 100);
    assert_eq!(reputation(&t, ann_id).await, 20);
    assert_eq!(ledger(&t, ann_id).await[0], ("bounty_offered".into(), -100));
    let (_, shown) = t.get_json(&format!("/api/v1/questions/{q}"), None).await;
    assert_eq!(shown["bounty"]["amount"], 100, "{shown}");
    assert_eq!(shown["bounty"]["offered_by"]["id"], ann_id);
    let (_, featured) = t.get_json("/api/v1/questions?sort=bounty", None).await;
    assert_eq!(list_ids(&featured), vec![(q, 100)]);
    let page = t
        .client
        .get(t.url("/?sort=bounty"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("data-testid=\"bounty-amount\">+100"),
        "{page}"
    );
    let (s, e) = offer(&cat, q, json!(50)).await;
    assert_eq!(s, 403, "a new member lacks the privilege: {e}");
    exec(
        &t,
        "UPDATE users SET reputation = 500 WHERE id = $1",
        cat_id,
    )
    .await;
    let (s, e) = offer(&cat, q, json!(50)).await;
    assert_eq!(s, 409, "{e}");
    assert_error(&e, "bounty_open");

    // Bad awards change nothing: someone else's bounty, one's own answer, another question's answer.
    let award = |token: &str, answer: i64| {
        let token = token.to_string();
        let t = &t;
        async move {
            t.post_json(
                &format!("/api/v1/questions/{q}/bounty/award"),
                Some(&token),
                json!({ "answer_id": answer }),
            )
            .await
        }
    };
    let (s, e) = award(&bob, good).await;
    assert_eq!(s, 403, "{e}");
    assert_error(&e, "not_your_bounty");
    let (s, e) = award(&ann, own).await;
    assert_eq!(s, 403, "{e}");
    assert_error(&e, "own_answer");
    let (s, e) = award(&ann, elsewhere).await;
    assert_eq!(s, 422, "{e}");
    assert_error(&e, "wrong_answer");
    assert_eq!(reputation(&t, bob_id).await, 1);

    // The award: the answer's author receives the points; the bounty ends.
    let (s, b) = award(&ann, good).await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["status"], "awarded");
    assert_eq!(b["awarded_to"]["id"], bob_id);
    assert_eq!(b["awarded_amount"], 100);
    assert_eq!(reputation(&t, bob_id).await, 101);
    assert_eq!(ledger(&t, bob_id).await[0], ("bounty".into(), 100));
    let (s, e) = award(&ann, good).await;
    assert_eq!(s, 409, "{e}");
    assert_error(&e, "no_bounty");
    let bobs = notes(&t, &bob).await;
    assert!(
        bobs.iter().any(|n| n.contains("received a bounty of +100")),
        "{bobs:?}"
    );
    let (_, featured) = t.get_json("/api/v1/questions?sort=bounty", None).await;
    assert!(list_ids(&featured).is_empty());
    let (_, shown) = t.get_json(&format!("/api/v1/questions/{q}"), None).await;
    assert!(shown["bounty"].is_null());

    // A bounty that runs out: half goes to the best answer posted during it with a score of 2.
    let q2 = ask(&t, &cat, "Laptop fan is loud when idle").await;
    let (s, _) = offer(&cat, q2, json!(75)).await;
    assert_eq!(s, 201);
    let weak = answer(
        &t,
        &bob,
        q2,
        "Check the power plan is set to balanced, not performance.",
    )
    .await;
    let strong = answer(
        &t,
        &dan,
        q2,
        "A background indexer was busy: pause indexing and the fan calms.",
    )
    .await;
    let (_, voter1) = t.signup("eve").await;
    let (_, voter2) = t.signup("fay").await;
    for v in [&voter1, &voter2] {
        assert_eq!(vote(&t, v, strong, 1).await.0, 200);
    }
    assert_eq!(vote(&t, &voter1, weak, 1).await.0, 200);
    // Not yet due: nothing happens.
    run_job(&t, "bounties.expire").await;
    let (_, shown) = t.get_json(&format!("/api/v1/questions/{q2}"), None).await;
    assert_eq!(shown["bounty"]["amount"], 75);
    exec(
        &t,
        "UPDATE bounties SET started_at = started_at - 604800, ends_at = started_at - 1 WHERE question_id = $1",
        q2,
    )
    .await;
    exec(&t, "UPDATE posts SET created_at = (SELECT started_at + 10 FROM bounties WHERE question_id = $1) WHERE parent_id = $1", q2).await;
    let dan_id = shown["answers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["id"] == strong)
        .unwrap()["author"]["id"]
        .as_i64()
        .unwrap();
    let before = reputation(&t, dan_id).await;
    run_job(&t, "bounties.expire").await;
    assert_eq!(reputation(&t, dan_id).await, before + 37);
    let pool = t.db().await;
    let (status, to, amount): (String, Option<i64>, i64) = sqlx::query_as(
        "SELECT status, awarded_answer_id, awarded_amount FROM bounties WHERE question_id = $1",
    )
    .bind(q2)
    .fetch_one(&pool)
    .await
    .unwrap();
    pool.close().await;
    assert_eq!((status.as_str(), to, amount), ("expired", Some(strong), 37));
    let cats = notes(&t, &cat).await;
    assert!(
        cats.iter()
            .any(|n| n.contains("ended: half of it, +37, went to dan's answer")),
        "{cats:?}"
    );
    assert!(notes(&t, &dan).await.iter().any(|n| n.contains("+37")));
    // Running the job again gives nothing twice.
    run_job(&t, "bounties.expire").await;
    assert_eq!(reputation(&t, dan_id).await, before + 37);
}

async fn badges_are_awarded_once_and_listed(t: TestApp) {
    let (_, admin) = with_role(&t, "root", "admin").await;
    let (ann_id, ann) = t.signup("ann").await;
    let (bob_id, bob) = t.signup("bob").await;
    let q = ask(&t, &bob, "Mail app will not sync the sent folder").await;
    let a = answer(
        &t,
        &ann,
        q,
        "Map the Sent folder in the account's advanced settings.",
    )
    .await;
    let (s, _) = t
        .post_json(
            &format!("/api/v1/questions/{q}/accept"),
            Some(&bob),
            json!({"answer_id": a}),
        )
        .await;
    assert_eq!(s, 200);
    // Seven days in a row signed in earn "Regular".
    let pool = t.db().await;
    for day in 20_000..20_007 {
        sqlx::query("INSERT INTO user_visits (user_id, day) VALUES ($1, $2)")
            .bind(bob_id)
            .bind(day)
            .execute(&pool)
            .await
            .unwrap();
    }
    pool.close().await;

    // Only admins award on demand; the hourly job does the same.
    let (s, _) = t
        .post_json("/api/v1/admin/badges/award", Some(&ann), json!({}))
        .await;
    assert_eq!(s, 403);
    let (s, r) = t
        .post_json("/api/v1/admin/badges/award", Some(&admin), json!({}))
        .await;
    assert_eq!(s, 200, "{r}");
    assert!(r["awarded"].as_i64().unwrap() >= 3, "{r}");
    let (s, r) = t
        .post_json("/api/v1/admin/badges/award", Some(&admin), json!({}))
        .await;
    assert_eq!(
        (s, r["awarded"].as_i64()),
        (200, Some(0)),
        "idempotent: {r}"
    );
    run_job(&t, "badges.award").await;

    let keys = |v: &Value| -> Vec<String> {
        v["badges"]
            .as_array()
            .unwrap()
            .iter()
            .map(|b| b["key"].as_str().unwrap().to_string())
            .collect()
    };
    let anns = notes(&t, &ann).await;
    assert!(
        anns.iter()
            .any(|n| n.starts_with("You earned the Solver badge (bronze)")),
        "{anns:?}"
    );
    let (_, mine) = t
        .get_json(&format!("/api/v1/users/{ann_id}/badges"), None)
        .await;
    let mut got = keys(&mine);
    got.sort();
    assert_eq!(got, vec!["helper", "solver"], "{mine}");
    assert_eq!(mine["badges"][0]["tier"], "bronze");
    let (_, bobs) = t
        .get_json(&format!("/api/v1/users/{bob_id}/badges"), None)
        .await;
    assert!(keys(&bobs).contains(&"regular".to_string()), "{bobs}");
    assert_eq!(
        t.count("badge_awards").await,
        3 + keys(&bobs).len() as i64 - 1
    );

    let (_, all) = t.get_json("/api/v1/badges", None).await;
    let solver = all["badges"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["key"] == "solver")
        .unwrap();
    assert_eq!(solver["holders"], 1);
    assert_eq!(solver["tier"], "bronze");
    let (s, holders) = t.get_json("/api/v1/badges/solver", None).await;
    assert_eq!(s, 200);
    assert_eq!(holders["items"][0]["user"]["username"], "ann");
    let (s, _) = t.get_json("/api/v1/badges/no_such_badge", None).await;
    assert_eq!(s, 404);
    let (s, _) = t.get_json("/api/v1/users/999999/badges", None).await;
    assert_eq!(s, 404);

    let page = t
        .client
        .get(t.url("/badges"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("Solver") && page.contains("Wrote an answer the asker accepted."));
    let page = t
        .client
        .get(t.url("/badges/solver"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("1 person holds it") && page.contains(">ann</a>"),
        "{page}"
    );
    let profile = t
        .client
        .get(t.url(&format!("/users/{ann_id}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(profile.contains("data-testid=\"user-badges\"") && profile.contains(">Solver</a>"));
}

async fn serial_voting_is_reversed(t: TestApp) {
    let (_, mona) = with_role(&t, "mona", "moderator").await;
    let (ann_id, ann) = t.signup("ann").await;
    let (_, bob) = t.signup("bob").await;
    let (_, cat) = t.signup("cat").await;
    // Bob up-votes six of ann's posts within minutes; cat up-votes two (not serial).
    let mut posts = Vec::new();
    for i in 0..6 {
        posts.push(
            ask(
                &t,
                &ann,
                &format!("Question number {i} about my home network"),
            )
            .await,
        );
    }
    for p in &posts {
        assert_eq!(vote(&t, &bob, *p, 1).await.0, 200);
    }
    for p in &posts[..2] {
        assert_eq!(vote(&t, &cat, *p, 1).await.0, 200);
    }
    assert_eq!(reputation(&t, ann_id).await, 1 + 8 * 10);

    // Members cannot run the scan; moderators can (the daily job judges whole past days).
    let (s, _) = t
        .post_json("/api/v1/moderation/integrity-scan", Some(&ann), json!({}))
        .await;
    assert_eq!(s, 403);
    let (s, r) = t
        .post_json("/api/v1/moderation/integrity-scan", Some(&mona), json!({}))
        .await;
    assert_eq!(s, 200, "{r}");
    assert_eq!(
        (r["votes_reversed"].as_i64(), r["serial_pairs"].as_i64()),
        (Some(6), Some(1)),
        "{r}"
    );
    // Bob's votes are gone, with ledger entries that say why; cat's stay.
    assert_eq!(reputation(&t, ann_id).await, 1 + 2 * 10);
    let entries = ledger(&t, ann_id).await;
    assert_eq!(
        entries
            .iter()
            .filter(|e| e.0 == "serial_voting_reversed")
            .count(),
        6
    );
    assert!(entries
        .iter()
        .filter(|e| e.0 == "serial_voting_reversed")
        .all(|e| e.1 == -10));
    let (_, q0) = t
        .get_json(&format!("/api/v1/questions/{}", posts[0]), None)
        .await;
    assert_eq!(q0["score"], 1);
    let (_, q5) = t
        .get_json(&format!("/api/v1/questions/{}", posts[5]), None)
        .await;
    assert_eq!(q5["score"], 0);
    let (s, r) = t
        .post_json("/api/v1/moderation/integrity-scan", Some(&mona), json!({}))
        .await;
    assert_eq!(
        (s, r["votes_reversed"].as_i64()),
        (200, Some(0)),
        "a second scan finds nothing: {r}"
    );
    let page = t
        .client
        .get(t.url(&format!("/users/{ann_id}/reputation")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("Serial voting reversed"), "{page}");

    // The daily job judges only whole past days: today's votes wait.
    for p in &posts {
        assert_eq!(vote(&t, &bob, *p, 1).await.0, 200);
    }
    run_job(&t, "integrity.scan").await;
    assert_eq!(reputation(&t, ann_id).await, 1 + 8 * 10);
}

/// Signs up through the form in `c` (which keeps its cookies, the device cookie among them).
pub(crate) async fn form_signup(t: &TestApp, c: &reqwest::Client, name: &str) {
    let html = c
        .get(t.url("/signup"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let res = c
        .post(t.url("/signup"))
        .form(&[
            ("csrf_token", csrf_of(&html).as_str()),
            ("username", name),
            ("email", &format!("{name}@example.com")),
            ("password", "correct horse battery"),
            ("website", ""),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303, "{name}");
}

pub(crate) async fn log_out(t: &TestApp, c: &reqwest::Client) {
    let html = c
        .get(t.url("/"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let res = c
        .post(t.url("/logout"))
        .form(&[("csrf_token", csrf_of(&html).as_str())])
        .send()
        .await
        .unwrap();
    assert!(res.status().is_redirection());
}

async fn flags_text(t: &TestApp) -> Vec<(i64, String)> {
    let pool = t.db().await;
    let rows: Vec<(i64, String)> =
        sqlx::query_as("SELECT post_id, text FROM flags WHERE user_id IS NULL ORDER BY id")
            .fetch_all(&pool)
            .await
            .unwrap();
    pool.close().await;
    rows
}

async fn linked_devices_are_flagged(t: TestApp) {
    let (_, mona) = with_role(&t, "mona", "moderator").await;
    // One browser makes two accounts; another person uses another browser.
    let shared = client();
    form_signup(&t, &shared, "sock_one").await;
    log_out(&t, &shared).await;
    form_signup(&t, &shared, "sock_two").await;
    let (_, stranger) = t.signup("stranger").await;
    let login = |name: &'static str| {
        let t = &t;
        async move {
            let (s, v) = t
                .post_json(
                    "/api/v1/auth/login",
                    None,
                    json!({"login": name, "password": "correct horse battery"}),
                )
                .await;
            assert_eq!(s, 200, "{v}");
            v["token"].as_str().unwrap().to_string()
        }
    };
    let one = login("sock_one").await;
    let two = login("sock_two").await;
    let q = ask(&t, &one, "Which cable for a 4K monitor at 120 Hz").await;
    let a = answer(
        &t,
        &two,
        q,
        "HDMI 2.1 or DisplayPort 1.4 both carry 4K at 120 Hz.",
    )
    .await;
    assert_eq!(vote(&t, &one, a, 1).await.0, 200);
    let (s, _) = t
        .post_json(
            &format!("/api/v1/questions/{q}/accept"),
            Some(&one),
            json!({"answer_id": a}),
        )
        .await;
    assert_eq!(s, 200);
    let q2 = ask(&t, &stranger, "Monitor flickers at night").await;
    assert_eq!(vote(&t, &one, q2, 1).await.0, 200);

    let (s, r) = t
        .post_json("/api/v1/moderation/integrity-scan", Some(&mona), json!({}))
        .await;
    assert_eq!(s, 200, "{r}");
    assert_eq!(r["pairs_flagged"], 1, "{r}");
    let flags = flags_text(&t).await;
    assert_eq!(flags.len(), 1, "{flags:?}");
    assert_eq!(flags[0].0, a);
    assert!(
        flags[0]
            .1
            .contains("sock_one gave sock_two 1 up-vote, 1 accepted answer"),
        "{}",
        flags[0].1
    );
    assert!(flags[0].1.contains("the same browser"), "{}", flags[0].1);
    // Flagged once, however often the scan runs.
    let (_, r) = t
        .post_json("/api/v1/moderation/integrity-scan", Some(&mona), json!({}))
        .await;
    assert_eq!(r["pairs_flagged"], 0);
    assert_eq!(flags_text(&t).await.len(), 1);
    // Moderators see it in the flag queue.
    let (mc, _) = t.browser("mona").await;
    let queue = mc
        .get(t.url("/review/flagged"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(queue.contains("Linked accounts"), "{queue}");
}

/// Accounts signing up from one network address (behind a trusted proxy) are linked too;
/// loopback addresses (the proxy itself) never are.
mod linked_addresses {
    use super::*;

    async fn run(t: TestApp) {
        let (_, mona) = with_role(&t, "mona", "moderator").await;
        let signup = |name: &'static str, ip: &'static str| {
            let t = &t;
            async move {
                let res = t
                    .client
                    .post(t.url("/api/v1/auth/signup"))
                    .header("x-forwarded-for", ip)
                    .json(&json!({"username": name, "email": format!("{name}@example.com"), "password": "correct horse battery"}))
                    .send()
                    .await
                    .unwrap();
                assert_eq!(res.status(), 201);
                let v: Value = res.json().await.unwrap();
                v["token"].as_str().unwrap().to_string()
            }
        };
        let a = signup("same_a", "203.0.113.9").await;
        let b = signup("same_b", "203.0.113.9").await;
        let c = signup("local_c", "127.0.0.1").await;
        let d = signup("local_d", "127.0.0.1").await;
        let qa = ask(&t, &b, "Tablet will not charge past 80 percent").await;
        assert_eq!(vote(&t, &a, qa, 1).await.0, 200);
        let qc = ask(&t, &d, "Keyboard repeats letters").await;
        assert_eq!(vote(&t, &c, qc, 1).await.0, 200);
        let (_, r) = t
            .post_json("/api/v1/moderation/integrity-scan", Some(&mona), json!({}))
            .await;
        assert_eq!(r["pairs_flagged"], 1, "{r}");
        let flags = flags_text(&t).await;
        assert_eq!(flags.len(), 1);
        assert_eq!(flags[0].0, qa);
        assert!(
            flags[0].1.contains("the same network address"),
            "{}",
            flags[0].1
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        let t = spawn(Kind::Sqlite, |c| c.trust_proxy = true)
            .await
            .expect("sqlite");
        run(t).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        if let Some(t) = spawn(Kind::Postgres, |c| c.trust_proxy = true).await {
            run(t).await;
        }
    }
}

async fn profiles_show_impact(t: TestApp) {
    let (_, admin) = with_role(&t, "root", "admin").await;
    let (ann_id, ann) = t.signup("ann").await;
    let (_, bob) = t.signup("bob").await;
    let q = ask(&t, &bob, "Bluetooth headphones cut out").await;
    let a = answer(
        &t,
        &ann,
        q,
        "Move the phone away from the Wi-Fi router; 2.4 GHz interferes.",
    )
    .await;
    let (s, _) = t
        .post_json(
            &format!("/api/v1/questions/{q}/accept"),
            Some(&bob),
            json!({"answer_id": a}),
        )
        .await;
    assert_eq!(s, 200);
    // Someone searched, opened the question and said it solved their problem.
    let pool = t.db().await;
    sqlx::query(
        "INSERT INTO deflection_sessions (token_hash, visitor_key, created_at, last_seen_at, outcome, outcome_at, solved_post_id)
         VALUES ('x', 'v', 1, 1, 'solved', 1, $1)",
    )
    .bind(q)
    .execute(&pool)
    .await
    .unwrap();
    pool.close().await;
    let (_, r) = t
        .post_json("/api/v1/admin/badges/award", Some(&admin), json!({}))
        .await;
    assert!(r["awarded"].as_i64().unwrap() > 0);

    let (s, u) = t.get_json(&format!("/api/v1/users/{ann_id}"), None).await;
    assert_eq!(s, 200);
    let im = &u["impact"];
    assert_eq!(
        (
            im["people_helped"].as_i64(),
            im["accepted_answers"].as_i64(),
            im["articles"].as_i64()
        ),
        (Some(1), Some(1), Some(0)),
        "{u}"
    );
    assert_eq!(
        im["badges"]["bronze"], 3,
        "helper, solver, first rescue: {u}"
    );
    assert_eq!(im["rewards"], json!([]), "rewards are public by default");

    let page = t
        .client
        .get(t.url(&format!("/users/{ann_id}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("data-testid=\"people-helped\">1<"), "{page}");
    assert!(page.contains("data-testid=\"accepted-answers\">1<"));
    assert!(page.contains(">First rescue</a>"));

    // Keeping rewards private hides them from others, not from oneself.
    let (s, _) = t
        .send_json(
            "PUT",
            "/api/v1/me/rewards",
            Some(&ann),
            Some(json!({"decline": false, "public": false})),
        )
        .await;
    assert_eq!(s, 200);
    let (_, u) = t.get_json(&format!("/api/v1/users/{ann_id}"), None).await;
    assert!(u["impact"]["rewards"].is_null(), "{u}");
}

/// Rewards never count what a moderator removed later: the running period's standings drop it
/// at their next computation.
async fn removed_posts_leave_the_standings(t: TestApp) {
    let (_, admin) = with_role(&t, "root", "admin").await;
    let (_, mona) = with_role(&t, "mona", "moderator").await;
    let (_, ann) = t.signup("ann").await;
    let (_, bob) = t.signup("bob").await;
    let (_, cat) = t.signup("cat").await;
    let q = ask(&t, &bob, "Car key fob stopped working").await;
    let good = answer(&t, &ann, q, "Replace the CR2032 cell inside the fob.").await;
    let spam = answer(&t, &cat, q, "Buy new keys at my shop, cheapest in town.").await;
    for v in [&bob, &ann] {
        assert_eq!(vote(&t, v, spam, 1).await.0, 200);
    }
    assert_eq!(vote(&t, &bob, good, 1).await.0, 200);
    let now = stoa_app::now();
    let (s, p) = t
        .post_json(
            "/api/v1/rewards/periods",
            Some(&admin),
            json!({"starts_at": stoa_domain::time::format_rfc3339(now - 3600),
                   "ends_at": stoa_domain::time::format_rfc3339(now + 3600),
                   "pool_minor": 10_000, "currency": "EUR"}),
        )
        .await;
    assert_eq!(s, 201, "{p}");
    let id = p["id"].as_i64().unwrap();
    let people = |v: &Value| -> Vec<String> {
        v["allocations"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["user"]["username"].as_str().unwrap().to_string())
            .collect()
    };
    let (_, v) = t
        .get_json(&format!("/api/v1/rewards/periods/{id}"), None)
        .await;
    let mut before = people(&v);
    before.sort();
    assert_eq!(before, vec!["ann", "cat"], "{v}");

    let (s, a) = t
        .post_json(
            "/api/v1/moderation/actions",
            Some(&mona),
            json!({"action": "delete", "target_type": "post", "target_id": spam,
                   "category": "spam", "reason": "Advertising a shop"}),
        )
        .await;
    assert_eq!(s, 201, "{a}");
    run_job(&t, "rewards.refresh").await;
    let (_, v) = t
        .get_json(&format!("/api/v1/rewards/periods/{id}"), None)
        .await;
    assert_eq!(people(&v), vec!["ann"], "{v}");
    assert_eq!(v["allocations"][0]["amount_minor"], 10_000);
}
