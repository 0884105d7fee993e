//! E-mail end to end, to a real SMTP server (aiosmtpd): confirmation, notifications with
//! threading and one-click unsubscribe, digests, the daily cap, password reset, and delivery
//! across an SMTP outage.

use crate::notifications::{answer, ask};
use crate::support::{
    assert_error, body_text, free_port, header, link_with, spawn, Kind, SmtpSink, TestApp,
};
use serde_json::json;

macro_rules! with_smtp {
    ($($name:ident),* $(,)?) => {
        $(
            mod $name {
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    let sink = $crate::support::SmtpSink::start();
                    let url = sink.url();
                    let t = $crate::support::spawn($crate::support::Kind::Sqlite, |c| {
                        c.smtp.url = stoa::config::Secret(url);
                        c.smtp.daily_cap = 3;
                    }).await.expect("sqlite");
                    super::$name(t, sink).await;
                }
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    let sink = $crate::support::SmtpSink::start();
                    let url = sink.url();
                    if let Some(t) = $crate::support::spawn($crate::support::Kind::Postgres, |c| {
                        c.smtp.url = stoa::config::Secret(url);
                        c.smtp.daily_cap = 3;
                    }).await {
                        super::$name(t, sink).await;
                    }
                }
            }
        )*
    };
}

with_smtp!(
    confirmation_then_notification_mail,
    unsubscribe_links_work_and_forgeries_do_not,
    digests_gather_everything_since_the_last,
    the_daily_cap_holds,
    password_reset_by_mail,
    email_change_by_mail,
);

/// Signs up and confirms the address through the link in the confirmation mail.
async fn signup_confirmed(t: &TestApp, sink: &SmtpSink, name: &str) -> (i64, String) {
    let (id, token) = t.signup(name).await;
    let address = format!("{name}@example.com");
    t.settle().await;
    let mails = sink.messages_to(&address);
    assert_eq!(mails.len(), 1, "one confirmation mail for {name}");
    let link = link_with(&mails[0], "/confirm-email?token=").expect("confirmation link");
    let path = link.split_once("127.0.0.1").unwrap().1;
    let path = &path[path.find('/').unwrap()..];
    let res = t.client.get(t.url(path)).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 200, "confirm {name}");
    (id, token)
}

/// The signature with its last digit changed (to another digit, whatever it was).
fn altered(sig: &str) -> String {
    let last = if sig.ends_with('0') { '1' } else { '0' };
    format!("{}{last}", &sig[..sig.len() - 1])
}

fn path_of(url: &str) -> String {
    let rest = url.split_once("://").unwrap().1;
    rest[rest.find('/').unwrap()..].to_string()
}

async fn confirmation_then_notification_mail(t: TestApp, sink: SmtpSink) {
    let (_, ann) = signup_confirmed(&t, &sink, "ann").await;
    // A confirmation link works once.
    let first = sink.messages_to("ann@example.com").remove(0);
    let link = link_with(&first, "/confirm-email?token=").unwrap();
    let res = t.client.get(t.url(&path_of(&link))).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 400);

    // Bob never confirms: he gets nothing by mail, though his notifications are in the app.
    let (_, bob) = t.signup("bob").await;
    let q = ask(
        &t,
        &ann,
        "Hub loses Wi-Fi every night at two",
        &["wifi"],
        "Each night the hub drops off the network and only a restart brings it back.",
    )
    .await;
    let a = answer(
        &t,
        &bob,
        q,
        "Your router probably changes channel at night; pin it to channel 6.",
    )
    .await;
    t.settle().await;
    let to_ann = sink.messages_to("ann@example.com");
    assert_eq!(to_ann.len(), 2, "confirmation and one notification");
    let m = &to_ann[1];
    let subject = header(m, "Subject").unwrap();
    assert!(subject.contains("bob answered your question"), "{subject}");
    assert!(header(m, "To").unwrap().contains("ann@example.com"));
    let id = header(m, "Message-ID").unwrap();
    assert!(id.starts_with("<stoa.n") && id.ends_with('>'), "{id}");
    let thread = format!("<stoa.q{q}@127.0.0.1>");
    assert_eq!(header(m, "In-Reply-To").unwrap(), thread);
    assert_eq!(header(m, "References").unwrap(), thread);
    assert_eq!(
        header(m, "List-Unsubscribe-Post").unwrap(),
        "List-Unsubscribe=One-Click"
    );
    let unsub = header(m, "List-Unsubscribe").unwrap();
    assert!(
        unsub.starts_with("<http://") && unsub.contains("/unsubscribe/"),
        "{unsub}"
    );
    assert!(m.contains("multipart/alternative"));
    assert!(m.contains("text/plain") && m.contains("text/html"));
    let text = body_text(m);
    assert!(text.contains(&format!("#answer-{a}")), "{text}");
    // A second answer on the same question threads with the first.
    answer(
        &t,
        &bob,
        q,
        "Another idea: disable band steering so the hub stays on 2.4 GHz.",
    )
    .await;
    t.settle().await;
    let to_ann = sink.messages_to("ann@example.com");
    assert_eq!(to_ann.len(), 3);
    assert_eq!(header(&to_ann[2], "In-Reply-To").unwrap(), thread);
    assert_ne!(header(&to_ann[2], "Message-ID"), header(m, "Message-ID"));
    // Bob's only mail is his (unconfirmed) confirmation request.
    assert_eq!(sink.messages_to("bob@example.com").len(), 1);
}

async fn unsubscribe_links_work_and_forgeries_do_not(t: TestApp, sink: SmtpSink) {
    let (_, ann) = signup_confirmed(&t, &sink, "ann").await;
    let (_, bob) = t.signup("bob").await;
    let q = ask(
        &t,
        &ann,
        "Can I export the energy history as CSV?",
        &["energy"],
        "I want to compare the last winter with this one in a spreadsheet.",
    )
    .await;
    answer(
        &t,
        &bob,
        q,
        "Settings, then Data, then Export: it writes one row per hour.",
    )
    .await;
    t.settle().await;
    let mail = sink.messages_to("ann@example.com").pop().unwrap();
    let unsub = header(&mail, "List-Unsubscribe").unwrap();
    let url = unsub.trim_start_matches('<').trim_end_matches('>');
    let path = path_of(url);

    // Forged: another kind, another user, a changed signature. Each is refused, nothing changes.
    let parts: Vec<&str> = path.split('/').collect(); // ["", "unsubscribe", uid, kind, sig]
    let forged = [
        format!("/unsubscribe/{}/mention/{}", parts[2], parts[4]),
        format!(
            "/unsubscribe/{}/answer/{}",
            parts[2].parse::<i64>().unwrap() + 1,
            parts[4]
        ),
        format!("/unsubscribe/{}/answer/{}", parts[2], altered(parts[4])),
    ];
    for f in &forged {
        let res = t
            .client
            .post(t.url(f))
            .form(&[("List-Unsubscribe", "One-Click")])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status().as_u16(), 400, "{f}");
    }
    let (_, s) = t
        .get_json("/api/v1/me/notification-settings", Some(&ann))
        .await;
    assert_eq!(s["channels"]["answer"], "email");

    // The page behind the link asks before acting (link scanners only GET).
    let res = t.client.get(t.url(&path)).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 200);
    let (_, s) = t
        .get_json("/api/v1/me/notification-settings", Some(&ann))
        .await;
    assert_eq!(s["channels"]["answer"], "email");
    // The one-click POST, as a mail client sends it: no session, no CSRF token.
    let res = reqwest::Client::new()
        .post(url)
        .form(&[("List-Unsubscribe", "One-Click")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 200);
    let (_, s) = t
        .get_json("/api/v1/me/notification-settings", Some(&ann))
        .await;
    assert_eq!(s["channels"]["answer"], "in_app", "{s}");
    answer(
        &t,
        &bob,
        q,
        "You can also pull the same data from the local API with a script.",
    )
    .await;
    t.settle().await;
    assert_eq!(
        sink.messages_to("ann@example.com").len(),
        2,
        "no more answer mail"
    );
    let (_, n) = t.get_json("/api/v1/notifications", Some(&ann)).await;
    assert_eq!(n["total"], 2, "still notified in the app");
}

async fn digests_gather_everything_since_the_last(t: TestApp, sink: SmtpSink) {
    let (_, ann) = signup_confirmed(&t, &sink, "ann").await;
    let (admin_id, admin) = t.signup("root").await;
    t.make_admin(admin_id).await;
    let (_, bob) = t.signup("bob").await;
    let res = t
        .client
        .put(t.url("/api/v1/me/notification-settings"))
        .bearer_auth(&ann)
        .json(&json!({"channels": {"answer": "daily"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 200);
    let q = ask(
        &t,
        &ann,
        "Which hub firmware supports Matter?",
        &["matter"],
        "The box says Matter ready but I cannot find the option anywhere.",
    )
    .await;
    for body in [
        "Matter arrived with firmware 3.0; update from the maintenance page.",
        "After updating, Matter shows up under Integrations, not under Devices.",
    ] {
        answer(&t, &bob, q, body).await;
    }
    t.settle().await;
    assert_eq!(
        sink.messages_to("ann@example.com").len(),
        1,
        "nothing at once"
    );

    // Bad input: only daily or weekly; members may not.
    let (s, e) = t
        .post_json(
            "/api/v1/admin/digests",
            Some(&admin),
            json!({"channel": "hourly"}),
        )
        .await;
    assert_eq!(s, 422);
    assert_error(&e, "unknown_channel");
    let (s, _) = t
        .post_json(
            "/api/v1/admin/digests",
            Some(&bob),
            json!({"channel": "daily"}),
        )
        .await;
    assert_eq!(s, 403);

    let (s, _) = t
        .post_json(
            "/api/v1/admin/digests",
            Some(&admin),
            json!({"channel": "daily"}),
        )
        .await;
    assert_eq!(s, 202);
    t.settle().await;
    let to_ann = sink.messages_to("ann@example.com");
    assert_eq!(to_ann.len(), 2, "one digest");
    let d = &to_ann[1];
    assert!(header(d, "Subject")
        .unwrap()
        .contains("daily digest: 2 notifications"));
    let text = body_text(d);
    assert_eq!(
        text.matches("bob answered your question").count(),
        4,
        "both items, in both parts"
    );
    assert!(header(d, "List-Unsubscribe").unwrap().contains("/daily/"));

    // The next round has nothing new to send.
    let (s, _) = t
        .post_json(
            "/api/v1/admin/digests",
            Some(&admin),
            json!({"channel": "daily"}),
        )
        .await;
    assert_eq!(s, 202);
    t.settle().await;
    assert_eq!(sink.messages_to("ann@example.com").len(), 2);
}

async fn the_daily_cap_holds(t: TestApp, sink: SmtpSink) {
    // The cap is 3 in these tests; confirmation mail does not count.
    let (_, ann) = signup_confirmed(&t, &sink, "ann").await;
    let (_, bob) = t.signup("bob").await;
    let q = ask(
        &t,
        &ann,
        "Garage door sensor reports open when closed",
        &["garage"],
        "The magnet seems aligned but the app insists the door is open.",
    )
    .await;
    for body in [
        "Check the gap: more than 12 mm and the reed switch does not close.",
        "Metal doors weaken the magnet's field, use the spacer from the box.",
        "Swap the battery: at low voltage the sensor reports open by default.",
        "Recalibrate from the device page after you move the magnet.",
        "If nothing helps the reed switch may be broken; support replaces it.",
    ] {
        answer(&t, &bob, q, body).await;
        t.settle().await;
    }
    assert_eq!(sink.messages_to("ann@example.com").len(), 1 + 3);
    let (_, n) = t.get_json("/api/v1/notifications", Some(&ann)).await;
    assert_eq!(n["total"], 5, "all five in the app");
}

async fn password_reset_by_mail(t: TestApp, sink: SmtpSink) {
    let (_, _) = t.signup("ann").await;
    t.settle().await;
    let before = sink.messages().len();
    // Unknown address: the same answer, and no mail.
    for email in ["nobody@example.com", "not an address"] {
        let (s, body) = t
            .post_json(
                "/api/v1/auth/password-reset",
                None,
                json!({ "email": email }),
            )
            .await;
        assert_eq!(s, 202, "{body}");
    }
    t.settle().await;
    assert_eq!(sink.messages().len(), before);

    let (s, _) = t
        .post_json(
            "/api/v1/auth/password-reset",
            None,
            json!({"email": "ANN@example.com"}),
        )
        .await;
    assert_eq!(s, 202);
    t.settle().await;
    let mail = sink.messages_to("ann@example.com").pop().unwrap();
    assert!(header(&mail, "Subject")
        .unwrap()
        .contains("Reset your password"));
    assert!(header(&mail, "List-Unsubscribe").is_none());
    let link = link_with(&mail, "/reset-password?token=").expect("reset link");
    let token = link.split("token=").nth(1).unwrap().to_string();

    // Forged token, weak password: refused, nothing changes.
    let (s, e) = t
        .post_json(
            "/api/v1/auth/password-reset/confirm",
            None,
            json!({"token": "stoa_r_forged", "password": "another horse battery"}),
        )
        .await;
    assert_eq!(s, 400);
    assert_error(&e, "invalid_token");
    let (s, e) = t
        .post_json(
            "/api/v1/auth/password-reset/confirm",
            None,
            json!({"token": token, "password": "short"}),
        )
        .await;
    assert_eq!(s, 422);
    assert_error(&e, "invalid_password");
    // Expired (as if an hour had passed), the link is refused like a forged one.
    let set_expiry = |at: i64| {
        let t = &t;
        async move {
            let pool = t.db().await;
            sqlx::query(
                "UPDATE one_time_tokens SET expires_at = $1 WHERE purpose = 'password_reset'",
            )
            .bind(at)
            .execute(&pool)
            .await
            .unwrap();
            pool.close().await;
        }
    };
    set_expiry(1).await;
    let (s, e) = t
        .post_json(
            "/api/v1/auth/password-reset/confirm",
            None,
            json!({"token": token, "password": "another horse battery"}),
        )
        .await;
    assert_eq!(s, 400);
    assert_error(&e, "invalid_token");
    set_expiry(stoa_app::now() + 3600).await;

    let (s, _) = t
        .post_json(
            "/api/v1/auth/password-reset/confirm",
            None,
            json!({"token": token, "password": "another horse battery"}),
        )
        .await;
    assert_eq!(s, 200);
    // Used once: a second use fails.
    let (s, _) = t
        .post_json(
            "/api/v1/auth/password-reset/confirm",
            None,
            json!({"token": token, "password": "a third horse battery"}),
        )
        .await;
    assert_eq!(s, 400);
    let (s, _) = t
        .post_json(
            "/api/v1/auth/login",
            None,
            json!({"login": "ann", "password": "correct horse battery"}),
        )
        .await;
    assert_eq!(s, 401, "the old password no longer works");
    let (s, _) = t
        .post_json(
            "/api/v1/auth/login",
            None,
            json!({"login": "ann", "password": "another horse battery"}),
        )
        .await;
    assert_eq!(s, 200);
}

/// An SMTP outage leaves mail queued; once the server is back, each message arrives once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mail_waits_out_an_smtp_outage() {
    let port = free_port();
    let t = spawn(Kind::Sqlite, |c| {
        c.smtp.url = stoa::config::Secret(format!("smtp://127.0.0.1:{port}"));
    })
    .await
    .unwrap();
    let (ann_id, ann) = t.signup("ann").await;
    t.confirm(ann_id).await;
    let (_, bob) = t.signup("bob").await;
    let q = ask(
        &t,
        &ann,
        "Siren does not sound during the test alarm",
        &["siren"],
        "The app says the test ran but the siren stayed silent.",
    )
    .await;
    answer(
        &t,
        &bob,
        q,
        "The siren's volume can be set to zero in its own settings; raise it.",
    )
    .await;
    // Wait until a delivery has failed at least once.
    let pool = t.db().await;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let (n,): (i64,) = sqlx::query_as(
            "SELECT COUNT(*) FROM jobs WHERE kind = 'mail.notification' AND last_error IS NOT NULL",
        )
        .fetch_one(&pool)
        .await
        .unwrap();
        if n > 0 {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no failed delivery seen"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let sink = SmtpSink::start_on(port);
    // Bob's confirmation request waited too.
    sink.wait_for(2, 30).await;
    let mails = sink.messages_to("ann@example.com");
    assert_eq!(mails.len(), 1);
    assert!(header(&mails[0], "Subject")
        .unwrap()
        .contains("bob answered your question"));
    // Delivered once: the job is done and nothing more arrives.
    tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    assert_eq!(sink.messages_to("ann@example.com").len(), 1);
    let (n,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM jobs WHERE kind = 'mail.notification' AND done_at IS NOT NULL",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(n, 1);
    pool.close().await;
}

/// The last message to `address`, waiting a little for the sink to write it.
async fn mail_to(sink: &SmtpSink, address: &str) -> String {
    for _ in 0..100 {
        if let Some(m) = sink.messages_to(address).pop() {
            return m;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("no mail to {address}");
}

/// A change of address takes effect only through the link sent to the new address; the old
/// address is told; bad requests change nothing.
async fn email_change_by_mail(t: TestApp, sink: SmtpSink) {
    let (_, ann) = signup_confirmed(&t, &sink, "ann").await;
    let (_, _) = t.signup("bob").await;
    for (email, status, code) in [
        ("not an address", 422, "invalid_email"),
        ("ANN@example.com", 422, "same_email"),
        ("Bob@Example.com", 409, "email_taken"),
    ] {
        let (s, e) = t
            .post_json("/api/v1/me/email", Some(&ann), json!({ "email": email }))
            .await;
        assert_eq!(s, status, "{email}: {e}");
        assert_error(&e, code);
    }
    let (s, pending) = t
        .post_json(
            "/api/v1/me/email",
            Some(&ann),
            json!({"email": "ann.new@example.org"}),
        )
        .await;
    assert_eq!(s, 202, "{pending}");
    assert_eq!(pending["pending_email"], "ann.new@example.org");
    t.settle().await;
    let mail = mail_to(&sink, "ann.new@example.org").await;
    assert!(header(&mail, "Subject")
        .unwrap()
        .contains("Confirm your new e-mail address"));
    let link = link_with(&mail, "/confirm-email?token=").expect("link");
    // Until the link is followed, the old address stays in force.
    let (_, me) = t.get_json("/api/v1/me", Some(&ann)).await;
    assert_eq!(
        (me["email"].as_str(), me["pending_email"].as_str()),
        (Some("ann@example.com"), Some("ann.new@example.org"))
    );
    let (s, _) = t
        .post_json(
            "/api/v1/auth/login",
            None,
            json!({"login": "ann.new@example.org", "password": "correct horse battery"}),
        )
        .await;
    assert_eq!(s, 401, "the new address does not sign in yet");

    let res = t.client.get(t.url(&path_of(&link))).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 200);
    let (_, me) = t.get_json("/api/v1/me", Some(&ann)).await;
    assert_eq!(
        (
            me["email"].as_str(),
            me["pending_email"].as_str(),
            me["email_confirmed"].as_bool()
        ),
        (Some("ann.new@example.org"), None, Some(true))
    );
    let (s, _) = t
        .post_json(
            "/api/v1/auth/login",
            None,
            json!({"login": "ann.new@example.org", "password": "correct horse battery"}),
        )
        .await;
    assert_eq!(s, 200, "the new address signs in");
    t.settle().await;
    let notice = sink
        .messages_to("ann@example.com")
        .into_iter()
        .find(|m| header(m, "Subject").is_some_and(|s| s.contains("was changed")))
        .expect("the old address is told");
    assert!(body_text(&notice).contains("ann.new@example.org"));
    // The link works once.
    let token = link.split("token=").nth(1).unwrap().to_string();
    let (s, e) = t
        .post_json(
            "/api/v1/auth/confirm-email",
            None,
            json!({ "token": token }),
        )
        .await;
    assert_eq!(s, 400, "{e}");
    assert_error(&e, "invalid_token");
    // A change can be cancelled; then its link does nothing.
    let (s, _) = t
        .post_json(
            "/api/v1/me/email",
            Some(&ann),
            json!({"email": "ann.third@example.org"}),
        )
        .await;
    assert_eq!(s, 202);
    t.settle().await;
    let link = link_with(
        &mail_to(&sink, "ann.third@example.org").await,
        "/confirm-email?token=",
    )
    .unwrap();
    let (s, _) = t
        .send_json("DELETE", "/api/v1/me/email", Some(&ann), None)
        .await;
    assert_eq!(s, 204);
    let token = link.split("token=").nth(1).unwrap().to_string();
    let (s, _) = t
        .post_json(
            "/api/v1/auth/confirm-email",
            None,
            json!({ "token": token }),
        )
        .await;
    assert_eq!(s, 400);
    let (_, me) = t.get_json("/api/v1/me", Some(&ann)).await;
    assert_eq!(me["email"], "ann.new@example.org");
}
