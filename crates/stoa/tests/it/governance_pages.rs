//! The governance pages without JavaScript: plain forms with CSRF tokens, on both backends.

use crate::both;
use crate::governance::{answer, ask, state, with_role};
use crate::support::{client, csrf_of, TestApp};

both!(
    moderation_pages_work_without_javascript,
    member_forms_work_without_javascript
);

async fn page(t: &TestApp, c: &reqwest::Client, path: &str) -> (u16, String) {
    let res = c.get(t.url(path)).send().await.unwrap();
    (res.status().as_u16(), res.text().await.unwrap())
}

/// Posts a form with the client's CSRF token; returns the status, the Location and the body.
async fn submit(
    t: &TestApp,
    c: &reqwest::Client,
    path: &str,
    fields: &[(&str, &str)],
) -> (u16, String, String) {
    let (_, html) = page(t, c, "/privileges").await;
    let csrf = csrf_of(&html);
    let mut form: Vec<(&str, &str)> = vec![("csrf_token", csrf.as_str())];
    form.extend_from_slice(fields);
    let res = c.post(t.url(path)).form(&form).send().await.unwrap();
    let status = res.status().as_u16();
    let location = res
        .headers()
        .get("location")
        .map(|l| l.to_str().unwrap().to_string())
        .unwrap_or_default();
    (status, location, res.text().await.unwrap())
}

async fn moderation_pages_work_without_javascript(t: TestApp) {
    let (alice_id, alice) = t.signup("alice").await;
    with_role(&t, "mod1", "moderator").await;
    with_role(&t, "mod2", "moderator").await;
    let q = ask(&t, &alice, "Where do I find the warranty card?").await;
    let anon = client();
    let (status, html) = page(&t, &anon, "/moderation").await;
    assert_eq!(status, 200);
    assert!(
        html.contains("Moderation log") && html.contains("No moderation actions"),
        "{html}"
    );

    // A moderator acts through the form; a bad reason comes back in the form, changing nothing.
    let m1 = t.browser("mod1").await.0;
    let (status, html) = page(&t, &m1, &format!("/posts/{q}/moderate")).await;
    assert_eq!(status, 200);
    assert!(html.contains("name=\"action\"") && html.contains("Private detail"));
    let fields = |reason: &'static str| {
        vec![
            ("target_type", "post"),
            ("target_id", "1"),
            ("action", "lock"),
            ("category", "personal_data"),
            ("reason", reason),
            ("private_detail", "Your phone number was in the post"),
        ]
    };
    let (status, _, html) = submit(&t, &m1, "/moderation/actions", &fields("no")).await;
    assert_eq!(status, 422);
    assert!(
        html.contains("role=\"alert\"") && html.contains("aria-invalid=\"true\""),
        "{html}"
    );
    assert_eq!(t.count("moderation_actions").await, 0);
    let (status, location, _) = submit(
        &t,
        &m1,
        "/moderation/actions",
        &fields("Contains personal data"),
    )
    .await;
    assert_eq!(status, 303);
    assert!(location.starts_with("/moderation/actions/"), "{location}");
    assert_eq!(state(&t, q, None).await["locked"], true);
    // The public log shows it, without the private detail; the affected person sees the detail.
    let (_, html) = page(&t, &anon, "/moderation").await;
    assert!(
        html.contains("Contains personal data")
            && html.contains("locked")
            && html.contains("Personal data")
    );
    assert!(
        !html.contains("phone number"),
        "the public never sees private details"
    );
    let a = t.browser("alice").await.0;
    let (_, html) = page(&t, &a, &location).await;
    assert!(html.contains("Your phone number was in the post"), "{html}");
    assert!(
        html.contains("Why was this wrong?"),
        "the affected person can appeal"
    );
    let (status, _, _) = submit(
        &t,
        &a,
        &format!("{location}/appeal"),
        &[("text", "It was my own shop's number.")],
    )
    .await;
    assert_eq!(status, 303);
    let (_, html) = page(&t, &a, &location).await;
    assert!(html.contains("waiting for a moderator who did not take the action"));

    // The other moderator decides from the appeals queue.
    let m2 = t.browser("mod2").await.0;
    let (status, html) = page(&t, &m2, "/moderation/appeals").await;
    assert_eq!(status, 200);
    assert!(html.contains("It was my own shop&#39;s number."), "{html}");
    let (_, html) = page(&t, &m1, "/moderation/appeals").await;
    assert!(html.contains("You took this action"));
    let (status, location, _) = submit(
        &t,
        &m2,
        "/moderation/appeals/1/decision",
        &[
            ("outcome", "reverse"),
            ("reason", "Fine to share"),
            ("from", "queue"),
        ],
    )
    .await;
    assert_eq!(
        (status, location.as_str()),
        (303, "/moderation/appeals?decided=1")
    );
    assert_eq!(state(&t, q, None).await["locked"], false);
    let (_, html) = page(&t, &anon, "/moderation").await;
    assert!(
        html.contains("Reversed") && html.contains("unlocked"),
        "{html}"
    );
    assert!(html.contains("data-testid=\"stat-rate\">100%"), "{html}");

    // Suspension through the user form.
    let (status, html) = page(&t, &m1, &format!("/users/{alice_id}/moderate")).await;
    assert_eq!(status, 200);
    assert!(html.contains("Suspension length"));
    let (status, _, _) = submit(
        &t,
        &m1,
        "/moderation/actions",
        &[
            ("target_type", "user"),
            ("target_id", &alice_id.to_string()),
            ("action", "suspend"),
            ("category", "other"),
            ("reason", "Cooling off"),
            ("duration_hours", "abc"),
        ],
    )
    .await;
    assert_eq!(status, 422);
    // Members cannot reach the moderators' pages.
    let (status, _) = page(&t, &a, "/moderation/appeals").await;
    assert_eq!(status, 403);
    let (status, _, _) = submit(
        &t,
        &a,
        "/moderation/actions",
        &fields("Contains personal data"),
    )
    .await;
    assert_eq!(status, 403);
    // Forms without the right CSRF token change nothing.
    let res = m1
        .post(t.url("/moderation/actions"))
        .form(&[
            ("csrf_token", "0".repeat(64).as_str()),
            ("target_type", "post"),
            ("target_id", "1"),
            ("action", "lock"),
            ("category", "other"),
            ("reason", "No token here"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    assert_eq!(t.count("moderation_actions").await, 2);
}

async fn member_forms_work_without_javascript(t: TestApp) {
    let (_, alice) = t.signup("alice").await;
    let (bob_id, bob_token) = t.signup("bob").await;
    with_role(&t, "mod1", "moderator").await;
    let q = ask(&t, &alice, "How long does shipping take?").await;
    let a = answer(&t, &bob_token, q, "About a week to most countries.").await;
    let bob = t.browser("bob").await.0;

    // Flag form: errors in place, then a thank-you.
    let (status, html) = page(&t, &bob, &format!("/posts/{q}/flag")).await;
    assert_eq!(status, 200);
    assert!(html.contains("<legend>What is wrong with it?</legend>"));
    let (status, _, html) = submit(
        &t,
        &bob,
        &format!("/posts/{q}/flag"),
        &[("reason", "other"), ("text", "")],
    )
    .await;
    assert_eq!(status, 422);
    assert!(html.contains("role=\"alert\""));
    let (status, _, html) = submit(
        &t,
        &bob,
        &format!("/posts/{q}/flag"),
        &[("reason", "low_quality"), ("duplicate_of", "")],
    )
    .await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains("Thank you for flagging"));
    assert_eq!(t.count("flags").await, 1);

    // Suggested edit form, then the author approves it on its page.
    let (status, html) = page(&t, &bob, &format!("/posts/{q}/suggest-edit")).await;
    assert_eq!(status, 200);
    assert!(html.contains("Suggest an edit"));
    let (status, location, _) = submit(
        &t,
        &bob,
        &format!("/posts/{q}/suggest-edit"),
        &[
            ("title", "How long does shipping take abroad?"),
            ("body", "Ordering from Canada; how long does it take?"),
            ("tags", "help shipping"),
            ("comment", "more precise"),
        ],
    )
    .await;
    assert_eq!(status, 303);
    let (status, html) = page(&t, &client(), &location).await;
    assert_eq!(status, 200);
    assert!(
        html.contains("Waiting for review") && html.contains("<ins>"),
        "{html}"
    );
    let al = t.browser("alice").await.0;
    let (_, html) = page(&t, &al, &location).await;
    assert!(html.contains("value=\"approve\""), "the author may approve");
    let (status, _, _) = submit(
        &t,
        &al,
        &location,
        &[("outcome", "approve"), ("reason", "")],
    )
    .await;
    assert_eq!(status, 303);
    let (_, got) = t.get_json(&format!("/api/v1/questions/{q}"), None).await;
    assert_eq!(got["title"], "How long does shipping take abroad?");
    assert_eq!(got["last_editor"]["id"], bob_id);

    // Rollback page and form.
    let (status, html) = page(&t, &al, &format!("/posts/{q}/rollback/1")).await;
    assert_eq!(status, 200);
    assert!(html.contains("Roll back"));
    let (status, _, html) = submit(
        &t,
        &al,
        &format!("/posts/{q}/rollback/1"),
        &[("comment", "")],
    )
    .await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains("Rolled back"));
    let (status, _, _) = submit(&t, &bob, &format!("/posts/{q}/rollback/2"), &[]).await;
    assert_eq!(status, 403);

    // Close form: a moderator closes at once; the page then offers reopening.
    let m = t.browser("mod1").await.0;
    let (status, _, html) = submit(
        &t,
        &m,
        &format!("/questions/{q}/close"),
        &[("reason", "needs_details"), ("duplicate_of", "")],
    )
    .await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains("The question is closed"));
    let (_, html) = page(&t, &m, &format!("/questions/{q}/close")).await;
    assert!(html.contains("Vote to reopen"));
    let (status, _, html) = submit(&t, &bob, &format!("/questions/{q}/reopen"), &[]).await;
    assert_eq!(status, 403, "reopening needs reputation: {html}");

    // Review queue with a decision form per item.
    let (status, html) = page(&t, &m, "/review").await;
    assert_eq!(status, 200);
    assert!(html.contains("/review/first_posts") && html.contains("/review/flagged"));
    let (status, html) = page(&t, &m, "/review/first_posts").await;
    assert_eq!(status, 200);
    assert!(html.contains("data-testid=\"review-item\""));
    let (status, location, _) = submit(
        &t,
        &m,
        &format!("/review/first_posts/{a}"),
        &[("outcome", "looks_ok"), ("reason", "")],
    )
    .await;
    assert_eq!(
        (status, location.as_str()),
        (303, "/review/first_posts?done=looks_ok")
    );
    let (_, html) = page(&t, &m, &location).await;
    assert!(html.contains("your review was recorded"));
    let (status, _, html) = submit(
        &t,
        &m,
        &format!("/review/flagged/{q}"),
        &[("outcome", "remove"), ("reason", "")],
    )
    .await;
    assert_eq!(
        status, 422,
        "a removal needs a reason, shown next to the item"
    );
    assert!(html.contains(&format!("id=\"form-error-{q}\"")), "{html}");
    let (status, _) = page(&t, &bob, "/review/flagged").await;
    assert_eq!(status, 403);

    // Reputation ledger and privileges.
    let (status, html) = page(&t, &client(), &format!("/users/{bob_id}/reputation")).await;
    assert_eq!(status, 200);
    assert!(
        html.contains("Suggested edit approved") && html.contains("+2"),
        "{html}"
    );
    let (status, html) = page(&t, &bob, "/privileges").await;
    assert_eq!(status, 200);
    assert!(
        html.contains("vote down") && html.contains("You have 3 reputation"),
        "{html}"
    );
}
