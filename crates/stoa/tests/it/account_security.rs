//! Account self-service, second part (issue 14): the profile (display name, about, avatar),
//! and two-factor sign-in with TOTP, its codes computed by an independent implementation
//! (Python's `pyotp`, Debian's python3-pyotp) rather than by our own code; recovery codes;
//! replays, wrong codes and too many attempts refused; the site's requirement for staff.

use crate::both;
use crate::governance::with_role;
use crate::support::{assert_error, csrf_of, spawn, Kind, TestApp};
use serde_json::{json, Value};

both!(
    the_profile_is_edited_and_checked,
    totp_enrolment_and_sign_in_match_an_independent_implementation,
    wrong_reused_and_too_many_codes_are_refused,
    the_browser_log_in_asks_for_the_code,
    single_sign_on_refuses_what_it_cannot_trust,
);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_act_as_members_until_they_enrol_sqlite() {
    let t = spawn(Kind::Sqlite, |c| c.require_two_factor_for_staff = true)
        .await
        .expect("sqlite");
    staff_act_as_members_until_they_enrol(t).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_act_as_members_until_they_enrol_postgres() {
    if let Some(t) = spawn(Kind::Postgres, |c| c.require_two_factor_for_staff = true).await {
        staff_act_as_members_until_they_enrol(t).await;
    }
}

/// The TOTP code of `secret` at `offset` seconds from now, by pyotp.
fn pyotp_code(secret: &str, offset: i64) -> String {
    let script = format!(
        "import pyotp, time; print(pyotp.TOTP({secret:?}).at(int(time.time()) + ({offset})))"
    );
    let out = std::process::Command::new("/usr/bin/python3")
        .args(["-c", &script])
        .output()
        .expect("python3 with pyotp (Debian's python3-pyotp; scripts/setup-test-env installs it)");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

async fn login(t: &TestApp, name: &str, totp: Option<&str>) -> (u16, Value) {
    let mut body = json!({"login": name, "password": "correct horse battery"});
    if let Some(code) = totp {
        body["totp"] = json!(code);
    }
    t.post_json("/api/v1/auth/login", None, body).await
}

/// Enrols `token`'s account; the secret and the recovery codes.
async fn enrol(t: &TestApp, token: &str) -> (String, Vec<String>) {
    let (status, begun) = t.post_json("/api/v1/me/totp", Some(token), json!({})).await;
    assert_eq!(status, 201, "{begun}");
    let secret = begun["secret"].as_str().unwrap().to_string();
    let (status, done) = t
        .post_json(
            "/api/v1/me/totp/confirm",
            Some(token),
            json!({"code": pyotp_code(&secret, 0)}),
        )
        .await;
    assert_eq!(status, 200, "{done}");
    let codes = done["recovery_codes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap().to_string())
        .collect();
    (secret, codes)
}

async fn the_profile_is_edited_and_checked(t: TestApp) {
    let (_, ann) = t.signup("ann").await;
    let (status, me) = t.get_json("/api/v1/me", Some(&ann)).await;
    assert_eq!(status, 200);
    assert_eq!(me["display_name"], Value::Null);
    assert_eq!(
        (me["avatar"].as_str(), me["two_factor"].as_bool()),
        (Some("none"), Some(false))
    );

    let (status, me) = t
        .send_json(
            "PATCH",
            "/api/v1/me",
            Some(&ann),
            Some(json!({"display_name": "  Ann Example ", "about": "I fix **printers**.", "avatar": "gravatar"})),
        )
        .await;
    assert_eq!(status, 200, "{me}");
    assert_eq!(me["display_name"], "Ann Example");
    assert_eq!(me["about"], "I fix **printers**.");
    let url = me["avatar_url"].as_str().unwrap();
    assert!(url.starts_with("https://www.gravatar.com/avatar/"), "{url}");
    assert!(
        !url.contains("example.com"),
        "the address itself never leaves the server"
    );
    // The rendered "about" shows on the public profile page.
    let html = t
        .client
        .get(t.url(&format!("/users/{}", me["id"])))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("<strong>printers</strong>"), "about rendered");

    // Bad input changes nothing.
    for (body, code) in [
        (
            json!({"display_name": "x".repeat(51)}),
            "invalid_display_name",
        ),
        (
            json!({"display_name": "two\nlines"}),
            "invalid_display_name",
        ),
        (
            json!({"avatar": "https://evil.example/me.png"}),
            "invalid_avatar",
        ),
        (json!({"about": "y".repeat(3001)}), "invalid_about"),
    ] {
        let (status, err) = t
            .send_json("PATCH", "/api/v1/me", Some(&ann), Some(body))
            .await;
        assert_eq!(status, 422, "{err}");
        assert_error(&err, code);
    }
    let (status, _) = t
        .send_json(
            "PATCH",
            "/api/v1/me",
            Some(&ann),
            Some(json!({"nickname": "x"})),
        )
        .await;
    assert_eq!(status, 422, "unknown fields are refused");
    let (_, me) = t.get_json("/api/v1/me", Some(&ann)).await;
    assert_eq!(
        (me["display_name"].as_str(), me["avatar"].as_str()),
        (Some("Ann Example"), Some("gravatar"))
    );

    // A read-only token cannot edit; a write token can; an empty name clears it.
    let (_, read) = t
        .post_json(
            "/api/v1/me/tokens",
            Some(&ann),
            json!({"name": "r", "scopes": ["read"]}),
        )
        .await;
    let (status, err) = t
        .send_json(
            "PATCH",
            "/api/v1/me",
            read["token"].as_str(),
            Some(json!({"display_name": "Z"})),
        )
        .await;
    assert_eq!(status, 403);
    assert_error(&err, "insufficient_scope");
    let (_, write) = t
        .post_json(
            "/api/v1/me/tokens",
            Some(&ann),
            json!({"name": "w", "scopes": ["write"]}),
        )
        .await;
    let (status, me) = t
        .send_json(
            "PATCH",
            "/api/v1/me",
            write["token"].as_str(),
            Some(json!({"display_name": "", "avatar": "none"})),
        )
        .await;
    assert_eq!(status, 200, "{me}");
    assert_eq!(
        (me["display_name"].clone(), me["avatar_url"].clone()),
        (Value::Null, Value::Null)
    );
    // …but it cannot move the account to another address or touch two-factor sign-in.
    for path in ["/api/v1/me/email", "/api/v1/me/totp"] {
        let (status, err) = t
            .post_json(
                path,
                write["token"].as_str(),
                json!({"email": "z@example.com"}),
            )
            .await;
        assert_eq!(status, 403, "{path}: {err}");
        assert_error(&err, "insufficient_scope");
    }
}

async fn totp_enrolment_and_sign_in_match_an_independent_implementation(t: TestApp) {
    let (_, ann) = t.signup("ann").await;
    let (status, begun) = t.post_json("/api/v1/me/totp", Some(&ann), json!({})).await;
    assert_eq!(status, 201, "{begun}");
    let secret = begun["secret"].as_str().unwrap().to_string();
    assert_eq!(secret.len(), 32, "160-bit secret in Base32");
    let uri = begun["otpauth_url"].as_str().unwrap();
    assert!(uri.starts_with("otpauth://totp/") && uri.contains(&format!("secret={secret}")));
    // Not on until confirmed: the password alone still signs in.
    let (status, _) = login(&t, "ann", None).await;
    assert_eq!(
        status, 200,
        "an unconfirmed enrolment does not guard sign-in"
    );
    let (_, st) = t.get_json("/api/v1/me/totp", Some(&ann)).await;
    assert_eq!(
        (st["enabled"].as_bool(), st["pending"].as_bool()),
        (Some(false), Some(true))
    );

    let (status, err) = t
        .post_json(
            "/api/v1/me/totp/confirm",
            Some(&ann),
            json!({"code": "000000"}),
        )
        .await;
    assert_eq!(status, 401, "{err}");
    assert_error(&err, "invalid_totp");
    let now_code = pyotp_code(&secret, 0);
    let (status, done) = t
        .post_json(
            "/api/v1/me/totp/confirm",
            Some(&ann),
            json!({"code": now_code}),
        )
        .await;
    assert_eq!(status, 200, "{done}");
    let codes: Vec<String> = done["recovery_codes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap().to_string())
        .collect();
    assert_eq!(codes.len(), 10);
    let db = t.db().await;
    let stored: Vec<String> = sqlx::query_scalar("SELECT code_hash FROM recovery_codes")
        .fetch_all(&db)
        .await
        .unwrap();
    assert_eq!(stored.len(), 10);
    assert!(
        codes
            .iter()
            .all(|c| !stored.iter().any(|s| s.contains(c.as_str()))),
        "stored hashed"
    );
    let (status, _) = t.post_json("/api/v1/me/totp", Some(&ann), json!({})).await;
    assert_eq!(
        status, 409,
        "a second enrolment waits until the first is turned off"
    );

    // Sign-in now needs the code.
    let (status, err) = login(&t, "ann", None).await;
    assert_eq!(status, 401);
    assert_error(&err, "totp_required");
    // (Every try counts toward a limit of ten in five minutes: this test stays under it.)
    // The code used to confirm was spent; the next step's code (within the allowed skew) works.
    let (status, err) = login(&t, "ann", Some(&now_code)).await;
    assert_eq!(status, 401, "a code is accepted once: {err}");
    let next = pyotp_code(&secret, 30);
    let (status, body) = login(&t, "ann", Some(&next)).await;
    assert_eq!(status, 200, "{body}");
    let token = body["token"].as_str().unwrap().to_string();
    let (status, _) = login(&t, "ann", Some(&next)).await;
    assert_eq!(status, 401, "a replayed code fails");

    // A recovery code works once, whatever its case and hyphen.
    let rc = codes[3].to_uppercase().replace('-', " ");
    let (status, _) = login(&t, "ann", Some(&rc)).await;
    assert_eq!(status, 200);
    let (status, _) = login(&t, "ann", Some(&codes[3])).await;
    assert_eq!(status, 401, "a used recovery code fails");
    let (_, st) = t.get_json("/api/v1/me/totp", Some(&token)).await;
    assert_eq!(
        (st["enabled"].as_bool(), st["recovery_codes_left"].as_i64()),
        (Some(true), Some(9))
    );

    // New codes replace the old; turning off needs the password.
    let (status, err) = t
        .post_json(
            "/api/v1/me/totp/recovery-codes",
            Some(&token),
            json!({"password": "wrong password"}),
        )
        .await;
    assert_eq!(status, 422);
    assert_error(&err, "wrong_password");
    let (status, fresh) = t
        .post_json(
            "/api/v1/me/totp/recovery-codes",
            Some(&token),
            json!({"password": "correct horse battery"}),
        )
        .await;
    assert_eq!(status, 200, "{fresh}");
    let (status, _) = login(&t, "ann", Some(&codes[0])).await;
    assert_eq!(status, 401, "old recovery codes stop working");
    let (status, _) = t
        .post_json(
            "/api/v1/me/totp/disable",
            Some(&token),
            json!({"password": "nope nope"}),
        )
        .await;
    assert_eq!(status, 422);
    let (_, me) = t.get_json("/api/v1/me", Some(&token)).await;
    assert_eq!(me["two_factor"], true, "still on after a wrong password");
    let (status, _) = t
        .post_json(
            "/api/v1/me/totp/disable",
            Some(&token),
            json!({"password": "correct horse battery"}),
        )
        .await;
    assert_eq!(status, 204);
    let (status, _) = login(&t, "ann", None).await;
    assert_eq!(status, 200, "off again: the password alone signs in");
    assert_eq!(t.count("recovery_codes").await, 0);
}

async fn wrong_reused_and_too_many_codes_are_refused(t: TestApp) {
    let (_, bob) = t.signup("bob").await;
    let (secret, _) = enrol(&t, &bob).await;
    // Bad shapes are wrong codes, not errors of ours.
    for code in ["", "12", "abcdef", &"9".repeat(41)] {
        let (status, body) = login(&t, "bob", Some(code)).await;
        assert_eq!(status, 401, "{code:?}: {body}");
    }
    // A few wrong codes in five minutes, then even the right one waits. (The window is fixed;
    // should it roll over during the test, the count starts again: at most two windows' worth
    // of tries pass, hence the bound of twenty.)
    let mut wrong_before_limit = 0;
    let mut limited = false;
    for _ in 0..25 {
        let (status, body) = login(&t, "bob", Some("000000")).await;
        if status == 429 {
            limited = true;
            break;
        }
        assert_eq!(status, 401, "{body}");
        assert_error(&body, "invalid_totp");
        wrong_before_limit += 1;
    }
    assert!(
        limited && wrong_before_limit <= 20,
        "{wrong_before_limit} wrong codes"
    );
    let (status, body) = login(&t, "bob", Some(&pyotp_code(&secret, 30))).await;
    assert_eq!(status, 429, "{body}");
    // The wrong password is still refused as such, before any code is asked.
    let (status, body) = t
        .post_json(
            "/api/v1/auth/login",
            None,
            json!({"login": "bob", "password": "not his password"}),
        )
        .await;
    assert_eq!(status, 401);
    assert_error(&body, "unauthenticated");
}

async fn the_browser_log_in_asks_for_the_code(t: TestApp) {
    let (_, cat) = t.signup("cat").await;
    let (secret, recovery) = enrol(&t, &cat).await;
    let c = crate::support::client();
    let page = c
        .get(t.url("/login"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = csrf_of(&page);
    let res = c
        .post(t.url("/login"))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("login", "cat"),
            ("password", "correct horse battery"),
            ("next", "/settings"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200, "the code step, not a session yet");
    let step = res.text().await.unwrap();
    assert!(step.contains("Two-factor sign-in") && step.contains("name=\"ticket\""));
    let ticket = step
        .split("name=\"ticket\" value=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_string();
    let csrf = csrf_of(&step);
    // A forged ticket starts over.
    let last = if ticket.ends_with('0') { '1' } else { '0' };
    let forged = format!("{}{last}", &ticket[..ticket.len() - 1]);
    let res = c
        .post(t.url("/login/code"))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("ticket", forged.as_str()),
            ("code", &pyotp_code(&secret, 30)),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
    // A wrong code shows the step again.
    let res = c
        .post(t.url("/login/code"))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("ticket", ticket.as_str()),
            ("code", "000000"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
    assert!(res.text().await.unwrap().contains("not right"));
    let res = c
        .post(t.url("/login/code"))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("ticket", ticket.as_str()),
            ("code", &pyotp_code(&secret, 30)),
            ("next", "/settings"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"], "/settings");
    // The ticket is spent: replayed with a recovery code, it asks for the password again.
    let other = crate::support::client();
    let fresh = other
        .get(t.url("/login"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let res = other
        .post(t.url("/login/code"))
        .form(&[
            ("csrf_token", csrf_of(&fresh).as_str()),
            ("ticket", ticket.as_str()),
            ("code", recovery[0].as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
    let res = c.get(t.url("/settings/two-factor")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.text().await.unwrap().contains("is <strong>on</strong>"));
}

async fn staff_act_as_members_until_they_enrol(t: TestApp) {
    let (_, admin) = with_role(&t, "root", "admin").await;
    let (_, me) = t.get_json("/api/v1/me", Some(&admin)).await;
    assert_eq!(
        (me["role"].as_str(), me["two_factor_required"].as_bool()),
        (Some("member"), Some(true))
    );
    let (status, _) = t.get_json("/api/v1/admin/jobs", Some(&admin)).await;
    assert_eq!(status, 403, "no admin powers without the second factor");
    let (secret, _) = enrol(&t, &admin).await;
    let (_, me) = t.get_json("/api/v1/me", Some(&admin)).await;
    assert_eq!(
        (me["role"].as_str(), me["two_factor_required"].as_bool()),
        (Some("admin"), Some(false))
    );
    let (status, body) = t.get_json("/api/v1/admin/jobs", Some(&admin)).await;
    assert_eq!(status, 200, "{body}");
    let (status, err) = t
        .post_json(
            "/api/v1/me/totp/disable",
            Some(&admin),
            json!({"password": "correct horse battery"}),
        )
        .await;
    assert_eq!(status, 403);
    assert_error(&err, "two_factor_required");
    let (status, _) = login(&t, "root", Some(&pyotp_code(&secret, 30))).await;
    assert_eq!(status, 200);
    // Members are not asked.
    let (_, member) = t.signup("dan").await;
    let (_, me) = t.get_json("/api/v1/me", Some(&member)).await;
    assert_eq!(
        (me["role"].as_str(), me["two_factor_required"].as_bool()),
        (Some("member"), Some(false))
    );
}

/// The sign-in flow itself runs against a real provider in the browser test
/// (e2e/sso.test.mjs); here, what must be refused whatever the provider.
async fn single_sign_on_refuses_what_it_cannot_trust(t: TestApp) {
    let c = crate::support::client();
    // No provider of that name.
    let res = c
        .get(t.url("/auth/oidc/nowhere/start"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
    // A callback without a state it issued, or with a forged one, signs nobody in.
    for q in [
        "",
        "?code=abc",
        "?code=abc&state=forged",
        "?error=access_denied&error_description=User+said+no",
    ] {
        let res = c
            .get(t.url(&format!("/auth/oidc/corp/callback{q}")))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 403, "{q}");
        assert!(res
            .headers()
            .get("set-cookie")
            .is_none_or(|v| !v.to_str().unwrap().contains("stoa_session=stoa_s_")));
        let body = res.text().await.unwrap();
        assert!(
            body.contains("start again") || body.contains("did not sign you in"),
            "{q}: {body}"
        );
    }
    // The log-in page offers no provider when none is configured.
    let page = c
        .get(t.url("/login"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!page.contains("Sign in with"));
}
