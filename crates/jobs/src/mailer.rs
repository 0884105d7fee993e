//! E-mail over SMTP: a [`MailMessage`] becomes a multipart (plain text + HTML) message with
//! threading and one-click unsubscribe headers, handed to the configured server.

use lettre::message::header::{Header, HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use std::time::Duration;
use stoa_app::MailMessage;

/// Why a message could not be sent.
#[derive(Debug, thiserror::Error)]
pub enum MailError {
    /// The SMTP settings cannot be used.
    #[error("invalid SMTP settings: {0}")]
    Config(String),
    /// The message could not be built (an address is invalid).
    #[error("cannot build the message: {0}")]
    Build(String),
    /// The server refused or could not be reached; worth retrying.
    #[error("SMTP delivery failed: {0}")]
    Smtp(#[from] lettre::transport::smtp::Error),
}

/// An SMTP client and the sender's address.
#[derive(Clone)]
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mailer").field("from", &self.from).finish()
    }
}

impl Mailer {
    /// A mailer for `url`: `smtp://host:port` (plain; add `?tls=required` for STARTTLS) or
    /// `smtps://host:port` (TLS from the start), with `user:password@` for authentication.
    pub fn new(url: &str, from: &str) -> Result<Mailer, MailError> {
        let from: Mailbox = from
            .parse()
            .map_err(|e| MailError::Config(format!("sender address {from:?}: {e}")))?;
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|e| MailError::Config(e.to_string()))?
            .timeout(Some(Duration::from_secs(15)))
            .build();
        Ok(Mailer { transport, from })
    }

    /// Sends one message; returns once the server accepted it.
    pub async fn send(&self, m: &MailMessage) -> Result<(), MailError> {
        let message = build(&self.from, m)?;
        self.transport.send(message).await?;
        Ok(())
    }
}

/// Builds the message: both parts, `Message-ID`, threading, and RFC 8058 unsubscribe.
pub fn build(from: &Mailbox, m: &MailMessage) -> Result<Message, MailError> {
    let to = Mailbox::new(
        Some(m.to_name.clone()),
        m.to.parse().map_err(|e| MailError::Build(format!("{e}")))?,
    );
    let mut b = Message::builder()
        .from(from.clone())
        .to(to)
        .subject(m.subject.clone())
        .message_id(Some(format!("<{}>", m.message_id)));
    if let Some(t) = &m.thread {
        b = b.in_reply_to(format!("<{t}>")).references(format!("<{t}>"));
    }
    if let Some(u) = &m.unsubscribe {
        b = b
            .header(ListUnsubscribe(format!("<{u}>")))
            .header(ListUnsubscribePost);
    }
    b.multipart(MultiPart::alternative_plain_html(
        text_part(m),
        html_part(m),
    ))
    .map_err(|e| MailError::Build(e.to_string()))
}

/// The plain-text part.
pub fn text_part(m: &MailMessage) -> String {
    let mut s = format!("{}\n\n", m.intro);
    for (text, url) in &m.items {
        s.push_str(&format!("- {text}\n  {url}\n"));
    }
    if let Some((label, url)) = &m.action {
        s.push_str(&format!("\n{label}: {url}\n"));
    }
    s.push_str(&format!("\n-- \n{}\n", m.outro));
    if let Some(u) = &m.unsubscribe {
        s.push_str(&format!("Unsubscribe: {u}\n"));
    }
    s.push_str(&format!("Notification settings: {}\n", m.settings_url));
    s
}

/// The HTML part.
pub fn html_part(m: &MailMessage) -> String {
    let mut s = String::from(
        "<!doctype html><html><body style=\"font-family: sans-serif; line-height: 1.5; color: #1a1a1a\">",
    );
    s.push_str(&format!("<p>{}</p><ul>", escape(&m.intro)));
    for (text, url) in &m.items {
        s.push_str(&format!(
            "<li><a href=\"{}\">{}</a></li>",
            escape(url),
            escape(text)
        ));
    }
    s.push_str("</ul>");
    if let Some((label, url)) = &m.action {
        s.push_str(&format!(
            "<p><a href=\"{}\" style=\"display: inline-block; padding: 8px 14px; background: #0b57d0; color: #fff; text-decoration: none; border-radius: 4px\">{}</a></p>",
            escape(url),
            escape(label)
        ));
    }
    s.push_str(&format!(
        "<hr><p style=\"font-size: 13px; color: #555\">{} — {}",
        escape(&m.site_name),
        escape(&m.outro)
    ));
    if let Some(u) = &m.unsubscribe {
        s.push_str(&format!(" <a href=\"{}\">Unsubscribe</a>.", escape(u)));
    }
    s.push_str(&format!(
        " <a href=\"{}\">Notification settings</a>.</p></body></html>",
        escape(&m.settings_url)
    ));
    s
}

fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[derive(Clone)]
struct ListUnsubscribe(String);

impl Header for ListUnsubscribe {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("List-Unsubscribe")
    }

    fn parse(s: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(ListUnsubscribe(s.to_string()))
    }

    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), self.0.clone())
    }
}

/// RFC 8058: the unsubscribe URL takes a POST and needs nothing else.
#[derive(Clone)]
struct ListUnsubscribePost;

impl Header for ListUnsubscribePost {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("List-Unsubscribe-Post")
    }

    fn parse(_: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(ListUnsubscribePost)
    }

    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), "List-Unsubscribe=One-Click".to_string())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn sample() -> MailMessage {
        MailMessage {
            mail_key: "job:1".into(),
            kind: "notification",
            user_id: 7,
            to: "ann@example.com".into(),
            to_name: "ann".into(),
            subject: "[Stoa] bob answered your question “<Hubs>”".into(),
            intro: "Hello ann,".into(),
            items: vec![(
                "bob answered <b>".into(),
                "http://x/questions/1/a?b=1&c=2".into(),
            )],
            action: Some(("View it".into(), "http://x/questions/1/a".into())),
            outro: "Because of your settings.".into(),
            message_id: "stoa.n5@x".into(),
            thread: Some("stoa.q1@x".into()),
            unsubscribe: Some("http://x/unsubscribe/7/answer/abc".into()),
            settings_url: "http://x/settings/notifications".into(),
            notification_ids: vec![5],
            site_name: "Stoa".into(),
        }
    }

    #[test]
    fn messages_carry_threading_and_one_click_unsubscribe() {
        let from: Mailbox = "Stoa <noreply@x.org>".parse().unwrap();
        let raw = String::from_utf8(build(&from, &sample()).unwrap().formatted()).unwrap();
        assert!(raw.contains("Message-ID: <stoa.n5@x>"), "{raw}");
        assert!(raw.contains("In-Reply-To: <stoa.q1@x>"), "{raw}");
        assert!(raw.contains("References: <stoa.q1@x>"), "{raw}");
        assert!(raw.contains("List-Unsubscribe: <http://x/unsubscribe/7/answer/abc>"));
        assert!(raw.contains("List-Unsubscribe-Post: List-Unsubscribe=One-Click"));
        assert!(raw.contains("multipart/alternative"));
        assert!(raw.contains("text/plain") && raw.contains("text/html"));
    }

    #[test]
    fn html_part_escapes_user_text() {
        let html = html_part(&sample());
        assert!(html.contains("bob answered &lt;b&gt;"));
        assert!(html.contains("?b=1&amp;c=2"));
        assert!(!html.contains("<b>"));
    }
}
