//! Writes that must be whole or nothing (issue 15, hole 13), tested by making the database itself
//! refuse one of their inserts half-way, as a full disk or a constraint would: a trigger that
//! raises an error. No mocks: the real server, the real database, a real failure.

use crate::both;
use crate::governance::{ask, with_role};
use crate::support::TestApp;
use serde_json::json;

both!(
    sign_up_is_whole_or_nothing,
    a_held_post_comes_with_its_flag_or_not_at_all,
    learning_never_fails_a_committed_moderation_action,
    write_limits_fail_closed
);

fn is_postgres(t: &TestApp) -> bool {
    t.db_url.starts_with("postgres")
}

/// Makes every insert into `table` fail inside the database.
async fn break_inserts(t: &TestApp, table: &str) {
    let pool = t.db().await;
    if is_postgres(t) {
        sqlx::query(
            "CREATE OR REPLACE FUNCTION stoa_injected_failure() RETURNS trigger AS $$
             BEGIN RAISE EXCEPTION 'injected failure'; END $$ LANGUAGE plpgsql",
        )
        .execute(&pool)
        .await
        .unwrap();
        sqlx::query(&format!(
            "CREATE TRIGGER fail_{table} BEFORE INSERT ON {table}
             FOR EACH ROW EXECUTE FUNCTION stoa_injected_failure()"
        ))
        .execute(&pool)
        .await
        .unwrap();
    } else {
        sqlx::query(&format!(
            "CREATE TRIGGER fail_{table} BEFORE INSERT ON {table}
             BEGIN SELECT RAISE(ABORT, 'injected failure'); END"
        ))
        .execute(&pool)
        .await
        .unwrap();
    }
    pool.close().await;
}

/// Undoes [`break_inserts`].
async fn mend_inserts(t: &TestApp, table: &str) {
    let pool = t.db().await;
    let sql = if is_postgres(t) {
        format!("DROP TRIGGER fail_{table} ON {table}")
    } else {
        format!("DROP TRIGGER fail_{table}")
    };
    sqlx::query(&sql).execute(&pool).await.unwrap();
    pool.close().await;
}

fn signup_body(name: &str) -> serde_json::Value {
    json!({"username": name, "email": format!("{name}@example.com"), "password": "correct horse battery"})
}

/// The account and its first credential are written together: when the credential cannot be
/// stored, no account is left behind (a retry with the same name then succeeds).
async fn sign_up_is_whole_or_nothing(t: TestApp) {
    let users = t.count("users").await;
    break_inserts(&t, "api_tokens").await;
    let (s, v) = t
        .post_json("/api/v1/auth/signup", None, signup_body("dora"))
        .await;
    assert!(s >= 500, "the sign-up fails: {s} {v}");
    assert_eq!(
        t.count("users").await,
        users,
        "no account without its token"
    );
    mend_inserts(&t, "api_tokens").await;
    let (s, v) = t
        .post_json("/api/v1/auth/signup", None, signup_body("dora"))
        .await;
    assert_eq!(s, 201, "the same name is free: {v}");
    assert_eq!(t.count("users").await, users + 1);
}

/// A post the spam screen holds is written with its spam flag in one transaction.
async fn a_held_post_comes_with_its_flag_or_not_at_all(t: TestApp) {
    let (_, spammer) = t.signup("spammer").await;
    let body = json!({"title": "Great deals on chargers",
        "body": "Visit https://deals.example.com and https://cheap.example.net or https://more.example.org today!",
        "tags": ["chargers"]});
    let (posts, flags) = (t.count("posts").await, t.count("flags").await);
    break_inserts(&t, "flags").await;
    let (s, v) = t
        .post_json("/api/v1/questions", Some(&spammer), body.clone())
        .await;
    assert!(s >= 500, "the post fails: {s} {v}");
    assert_eq!(
        t.count("posts").await,
        posts,
        "no held post without its flag"
    );
    mend_inserts(&t, "flags").await;
    let (s, v) = t.post_json("/api/v1/questions", Some(&spammer), body).await;
    assert_eq!(s, 201, "{v}");
    assert_eq!(
        (t.count("posts").await, t.count("flags").await),
        (posts + 1, flags + 1)
    );
}

/// The classifier learns after a moderator's spam decision is committed; if learning fails,
/// the action still stands and answers as done (a retry would otherwise say 409).
async fn learning_never_fails_a_committed_moderation_action(t: TestApp) {
    let (_, mod_token) = with_role(&t, "mona", "moderator").await;
    let (_, ann) = t.signup("ann").await;
    let q = ask(&t, &ann, "Cheap watches, best prices, click now").await;
    break_inserts(&t, "spam_decisions").await;
    let (s, v) = t
        .post_json(
            "/api/v1/moderation/actions",
            Some(&mod_token),
            json!({"action": "delete", "target_type": "post", "target_id": q,
                   "category": "spam", "reason": "Advertising"}),
        )
        .await;
    assert_eq!(s, 201, "the action stands: {v}");
    assert_eq!(t.count("moderation_actions").await, 1);
    assert_eq!(
        t.count("spam_decisions").await,
        0,
        "the lesson was lost, only that"
    );
    let (s, _) = t.get_json(&format!("/api/v1/questions/{q}"), None).await;
    assert_eq!(s, 404, "the post is deleted");
    mend_inserts(&t, "spam_decisions").await;
}

/// Write limits that cannot be counted refuse the write rather than let it through unlimited.
/// On PostgreSQL the counters are rows shared by every process; on SQLite (one process) they
/// live in memory, so there is nothing in the database to fail.
async fn write_limits_fail_closed(t: TestApp) {
    let (_, ann) = t.signup("ann").await;
    let body = json!({"title": "Fridge light stays on with the door shut",
        "body": "The switch clicks but the light stays on.", "tags": ["fridge"]});
    if !is_postgres(&t) {
        let (s, v) = t.post_json("/api/v1/questions", Some(&ann), body).await;
        assert_eq!(s, 201, "{v}");
        return;
    }
    let posts = t.count("posts").await;
    break_inserts(&t, "rate_limits").await;
    let (s, v) = t
        .post_json("/api/v1/questions", Some(&ann), body.clone())
        .await;
    assert!(s >= 500, "refused while limits cannot be counted: {s} {v}");
    assert_eq!(t.count("posts").await, posts);
    mend_inserts(&t, "rate_limits").await;
    let (s, v) = t.post_json("/api/v1/questions", Some(&ann), body).await;
    assert_eq!(s, 201, "{v}");
}
