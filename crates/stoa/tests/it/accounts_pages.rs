//! Accounts through the HTML forms: sessions, cookies and CSRF.

use crate::both;
use crate::support::{csrf_of, TestApp};

both!(
    signup_form_logs_in,
    forms_need_csrf,
    login_form_and_logout,
    signup_form_shows_errors
);

async fn get_html(t: &TestApp, path: &str) -> (u16, String) {
    let res = t.client.get(t.url(path)).send().await.unwrap();
    (res.status().as_u16(), res.text().await.unwrap())
}

async fn signup_form_logs_in(t: TestApp) {
    let (status, page) = get_html(&t, "/signup").await;
    assert_eq!(status, 200);
    let csrf = csrf_of(&page);
    let res = t
        .client
        .post(t.url("/signup"))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("username", "hana"),
            ("email", "hana@example.com"),
            ("password", "long enough pw"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let cookie = res
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .collect::<Vec<_>>();
    let session = cookie
        .iter()
        .find(|c| c.starts_with("stoa_session="))
        .expect("session cookie");
    assert!(
        session.contains("HttpOnly") && session.contains("SameSite=Lax"),
        "{session}"
    );
    let (_, home) = get_html(&t, "/").await;
    assert!(
        home.contains("data-testid=\"current-user\">hana<"),
        "home shows the user"
    );
    assert_eq!(t.count("sessions").await, 1);
    let pool = t.db().await;
    let (hash,): (String,) = sqlx::query_as("SELECT token_hash FROM sessions")
        .fetch_one(&pool)
        .await
        .unwrap();
    let value = session
        .trim_start_matches("stoa_session=")
        .split(';')
        .next()
        .unwrap();
    assert_ne!(hash, value, "session tokens are stored hashed");
    pool.close().await;
}

async fn forms_need_csrf(t: TestApp) {
    let (_, page) = get_html(&t, "/signup").await;
    let csrf = csrf_of(&page);
    // No token, then a forged one: both refused, nothing created.
    for token in [
        "",
        "0000000000000000000000000000000000000000000000000000000000000000",
    ] {
        let res = t
            .client
            .post(t.url("/signup"))
            .form(&[
                ("csrf_token", token),
                ("username", "ivan"),
                ("email", "ivan@example.com"),
                ("password", "long enough pw"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 403);
        assert!(res.text().await.unwrap().contains("expired"));
    }
    // A client without the cookie (another site's form) is refused even with a token.
    let stranger = crate::support::client();
    let res = stranger
        .post(t.url("/signup"))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("username", "ivan"),
            ("email", "ivan@example.com"),
            ("password", "long enough pw"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    assert_eq!(t.count("users").await, 0);
}

async fn login_form_and_logout(t: TestApp) {
    t.signup("judy").await;
    let (_, page) = get_html(&t, "/login?next=/api/v1/openapi.json").await;
    let csrf = csrf_of(&page);
    let res = t
        .client
        .post(t.url("/login"))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("login", "judy"),
            ("password", "wrong password"),
            ("next", "/"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
    assert!(res
        .text()
        .await
        .unwrap()
        .contains("Wrong username or password"));
    let res = t
        .client
        .post(t.url("/login"))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("login", "judy"),
            ("password", "correct horse battery"),
            ("next", "https://evil.example/"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(
        res.headers()["location"],
        "/",
        "foreign redirects are dropped"
    );
    let (_, home) = get_html(&t, "/").await;
    assert!(home.contains(">judy<"));
    // The log-in form's token belonged to the anonymous visit: it is refused now.
    let res = t
        .client
        .post(t.url("/logout"))
        .form(&[("csrf_token", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403, "form tokens are bound to the session");
    let csrf = csrf_of(&home);
    let res = t
        .client
        .post(t.url("/logout"))
        .form(&[("csrf_token", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let (_, home) = get_html(&t, "/").await;
    assert!(!home.contains(">judy<"));
    assert!(home.contains("href=\"/login\""));
    assert_eq!(t.count("sessions").await, 0);
}

async fn signup_form_shows_errors(t: TestApp) {
    let (_, page) = get_html(&t, "/signup").await;
    let csrf = csrf_of(&page);
    let res = t
        .client
        .post(t.url("/signup"))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("username", "kim"),
            ("email", "kim-at-example"),
            ("password", "long enough pw"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    assert!(html.contains("does not look like an e-mail address"));
    assert!(
        html.contains("value=\"kim\""),
        "the form keeps what was typed"
    );
    assert!(html.contains("aria-invalid=\"true\""));
    assert!(
        !html.contains("long enough pw"),
        "passwords are never echoed"
    );
    assert_eq!(t.count("users").await, 0);
}
