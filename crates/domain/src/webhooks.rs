//! Webhooks: the events a webhook can subscribe to, which URLs it may call (the SSRF guard's
//! address rules), its secret, the retry schedule of a delivery, and the signature header's
//! format. Pure rules; the signing, the sending and the storage live in `app`, `jobs`, `store`.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// An event a webhook can subscribe to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EventType {
    /// A question was published.
    QuestionCreated,
    /// An answer was published.
    AnswerCreated,
    /// An answer was accepted.
    AnswerAccepted,
    /// A question or answer was edited.
    PostEdited,
    /// A question or answer was deleted.
    PostDeleted,
    /// A post was flagged.
    FlagRaised,
    /// A moderator acted.
    ModerationAction,
    /// A support ticket was opened.
    TicketCreated,
    /// A support ticket got a public message or changed status, priority, assignee or tags.
    TicketUpdated,
}

impl EventType {
    /// Every event type, in documentation order.
    pub const ALL: [EventType; 9] = [
        EventType::QuestionCreated,
        EventType::AnswerCreated,
        EventType::AnswerAccepted,
        EventType::PostEdited,
        EventType::PostDeleted,
        EventType::FlagRaised,
        EventType::ModerationAction,
        EventType::TicketCreated,
        EventType::TicketUpdated,
    ];

    /// Its name, as in the `Stoa-Event` header and the payload's `event`.
    pub fn as_str(self) -> &'static str {
        match self {
            EventType::QuestionCreated => "question.created",
            EventType::AnswerCreated => "answer.created",
            EventType::AnswerAccepted => "answer.accepted",
            EventType::PostEdited => "post.edited",
            EventType::PostDeleted => "post.deleted",
            EventType::FlagRaised => "flag.raised",
            EventType::ModerationAction => "moderation.action",
            EventType::TicketCreated => "ticket.created",
            EventType::TicketUpdated => "ticket.updated",
        }
    }

    /// An event type by name.
    pub fn parse(raw: &str) -> Option<EventType> {
        EventType::ALL.into_iter().find(|e| e.as_str() == raw)
    }
}

/// Whom a webhook hears about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    /// Every event on the site (webhooks made by administrators with an admin credential).
    Site,
    /// Events whose subject is the owner's own post, flag, ticket or account.
    Own,
}

impl Audience {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Audience::Site => "site",
            Audience::Own => "own",
        }
    }

    /// Reads a stored name; anything unknown narrows to [`Audience::Own`].
    pub fn from_stored(raw: &str) -> Audience {
        if raw == "site" {
            Audience::Site
        } else {
            Audience::Own
        }
    }
}

/// Whether a webhook hears of an event: a site webhook (whose owner is still an administrator)
/// hears of everything; any other of events whose `subjects` (the people the event is about)
/// include its owner.
pub fn receives(audience: Audience, owner_is_admin: bool, owner_id: i64, subjects: &[i64]) -> bool {
    (audience == Audience::Site && owner_is_admin) || subjects.contains(&owner_id)
}

/// Why a webhook's settings are refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WebhookError {
    /// Not a URL at all.
    #[error("The URL could not be read: {0}.")]
    BadUrl(String),
    /// A scheme other than http or https.
    #[error("A webhook URL must start with https:// or http://.")]
    Scheme,
    /// A user name or password in the URL.
    #[error("A webhook URL may not carry a user name or password; use the secret to authenticate deliveries.")]
    Credentials,
    /// Longer than [`MAX_URL_LEN`].
    #[error("A webhook URL may be at most {MAX_URL_LEN} characters long.")]
    TooLong,
    /// The host is (or resolves to) an address the SSRF guard forbids.
    #[error("{0} is a loopback, private, link-local or otherwise internal address, which this site does not call (set webhooks_allow_private to allow it).")]
    PrivateAddress(String),
    /// The host name does not resolve (at registration), or did not at a delivery.
    #[error("The host {0} could not be resolved.")]
    Unresolvable(String),
    /// No events chosen.
    #[error("Choose at least one event.")]
    NoEvents,
    /// An unknown event name.
    #[error("{0:?} is not an event; events are question.created, answer.created, answer.accepted, post.edited, post.deleted, flag.raised, moderation.action, ticket.created and ticket.updated.")]
    UnknownEvent(String),
    /// A secret too short, too long or with characters outside printable ASCII.
    #[error("A secret must be {MIN_SECRET_LEN} to {MAX_SECRET_LEN} printable ASCII characters without spaces.")]
    Secret,
}

impl WebhookError {
    /// The machine-readable code of the API's error.
    pub fn code(&self) -> &'static str {
        match self {
            WebhookError::BadUrl(_)
            | WebhookError::Scheme
            | WebhookError::Credentials
            | WebhookError::TooLong
            | WebhookError::Unresolvable(_) => "invalid_webhook_url",
            WebhookError::PrivateAddress(_) => "webhook_url_forbidden",
            WebhookError::NoEvents | WebhookError::UnknownEvent(_) => "invalid_webhook_events",
            WebhookError::Secret => "invalid_webhook_secret",
        }
    }

    /// The input field concerned.
    pub fn field(&self) -> &'static str {
        match self {
            WebhookError::NoEvents | WebhookError::UnknownEvent(_) => "events",
            WebhookError::Secret => "secret",
            _ => "url",
        }
    }
}

/// Longest webhook URL.
pub const MAX_URL_LEN: usize = 2000;
/// Shortest secret a person may choose.
pub const MIN_SECRET_LEN: usize = 16;
/// Longest secret.
pub const MAX_SECRET_LEN: usize = 200;

/// Where a webhook's URL points, once read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// A literal address: the guard decides now.
    Ip(IpAddr),
    /// A name: the guard decides on what it resolves to, at registration and at each delivery.
    Name(String),
}

/// A webhook URL that is http(s), has a host and carries no credentials.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookUrl {
    /// The normalised URL (without a fragment).
    pub url: String,
    /// The host.
    pub target: Target,
    /// The port (the scheme's default when none is given).
    pub port: u16,
}

impl WebhookUrl {
    /// Reads a URL; a literal address the guard forbids is refused unless `allow_private`.
    pub fn parse(raw: &str, allow_private: bool) -> Result<WebhookUrl, WebhookError> {
        let raw = raw.trim();
        if raw.len() > MAX_URL_LEN {
            return Err(WebhookError::TooLong);
        }
        let mut u = url::Url::parse(raw).map_err(|e| WebhookError::BadUrl(e.to_string()))?;
        if !matches!(u.scheme(), "http" | "https") {
            return Err(WebhookError::Scheme);
        }
        if !u.username().is_empty() || u.password().is_some() {
            return Err(WebhookError::Credentials);
        }
        u.set_fragment(None);
        let target = match u.host() {
            Some(url::Host::Ipv4(ip)) => Target::Ip(IpAddr::V4(ip)),
            Some(url::Host::Ipv6(ip)) => Target::Ip(IpAddr::V6(ip)),
            Some(url::Host::Domain(d)) => Target::Name(d.to_string()),
            None => return Err(WebhookError::BadUrl("it has no host".into())),
        };
        let port = u
            .port_or_known_default()
            .ok_or_else(|| WebhookError::BadUrl("it has no port".into()))?;
        if let Target::Ip(ip) = &target {
            check_address(*ip, allow_private)?;
        }
        Ok(WebhookUrl {
            url: u.to_string(),
            target,
            port,
        })
    }

    /// The host as the resolver wants it (no brackets around IPv6 literals).
    pub fn host(&self) -> String {
        match &self.target {
            Target::Ip(ip) => ip.to_string(),
            Target::Name(n) => n.clone(),
        }
    }
}

/// Refuses an address the SSRF guard forbids, unless `allow_private`.
pub fn check_address(ip: IpAddr, allow_private: bool) -> Result<(), WebhookError> {
    if !allow_private && is_internal(ip) {
        return Err(WebhookError::PrivateAddress(ip.to_string()));
    }
    Ok(())
}

/// Whether an address is one a public webhook must not reach: loopback, private (RFC 1918),
/// shared (RFC 6598), link-local, unique-local, unspecified, broadcast, multicast, reserved,
/// or an IPv4 address wrapped in IPv6 (mapped, compatible, NAT64) that is any of these.
pub fn is_internal(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_internal_v4(v4),
        IpAddr::V6(v6) => is_internal_v6(v6),
    }
}

fn is_internal_v4(ip: Ipv4Addr) -> bool {
    let [a, b, _, _] = ip.octets();
    ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_unspecified()
        || ip.is_broadcast()
        || ip.is_multicast()
        || a == 0
        // Shared address space (carrier-grade NAT), 100.64.0.0/10.
        || (a == 100 && (64..128).contains(&b))
        // IETF protocol assignments, 192.0.0.0/24.
        || (a == 192 && b == 0 && ip.octets()[2] == 0)
        // Reserved for future use, 240.0.0.0/4.
        || a >= 240
}

fn is_internal_v6(ip: Ipv6Addr) -> bool {
    let seg = ip.segments();
    if let Some(v4) = ip.to_ipv4_mapped() {
        return is_internal_v4(v4);
    }
    // IPv4-compatible (::a.b.c.d, deprecated) and NAT64 (64:ff9b::/96) carry an IPv4 address.
    let embedded = Ipv4Addr::new(
        (seg[6] >> 8) as u8,
        seg[6] as u8,
        (seg[7] >> 8) as u8,
        seg[7] as u8,
    );
    if seg[..6] == [0, 0, 0, 0, 0, 0] && !ip.is_loopback() && !ip.is_unspecified() {
        return is_internal_v4(embedded);
    }
    if seg[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
        return is_internal_v4(embedded);
    }
    ip.is_loopback()
        || ip.is_unspecified()
        || ip.is_multicast()
        // Unique-local, fc00::/7.
        || (seg[0] & 0xfe00) == 0xfc00
        // Link-local, fe80::/10, and the old site-local, fec0::/10.
        || (seg[0] & 0xffc0) == 0xfe80
        || (seg[0] & 0xffc0) == 0xfec0
}

/// Reads the chosen events: at least one, each known; duplicates collapse, order is the
/// catalogue's.
pub fn parse_events<S: AsRef<str>>(names: &[S]) -> Result<Vec<EventType>, WebhookError> {
    let mut chosen = Vec::new();
    for n in names {
        let n = n.as_ref().trim();
        let e = EventType::parse(n).ok_or_else(|| WebhookError::UnknownEvent(n.to_string()))?;
        chosen.push(e);
    }
    if chosen.is_empty() {
        return Err(WebhookError::NoEvents);
    }
    Ok(EventType::ALL
        .into_iter()
        .filter(|e| chosen.contains(e))
        .collect())
}

/// Stored events: names separated by spaces.
pub fn events_to_stored(events: &[EventType]) -> String {
    events
        .iter()
        .map(|e| e.as_str())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Reads stored events; unknown names are skipped.
pub fn events_from_stored(raw: &str) -> Vec<EventType> {
    raw.split_whitespace()
        .filter_map(EventType::parse)
        .collect()
}

/// Checks a secret a person chose.
pub fn check_secret(secret: &str) -> Result<(), WebhookError> {
    let ok = (MIN_SECRET_LEN..=MAX_SECRET_LEN).contains(&secret.len())
        && secret.bytes().all(|b| b.is_ascii_graphic());
    if ok {
        Ok(())
    } else {
        Err(WebhookError::Secret)
    }
}

/// The waits between the tries of one delivery: 1 min, 5 min, 30 min, 2 h, 6 h, 15 h —
/// seven tries over about 24 hours.
pub const RETRY_DELAYS_SECS: [i64; 6] = [60, 300, 1800, 7200, 21_600, 54_000];

/// Tries of one automatic delivery.
pub const MAX_ATTEMPTS: i64 = RETRY_DELAYS_SECS.len() as i64 + 1;

/// Seconds to wait before the next try after try `attempt` (counting from 1) failed, or `None`
/// when that was the last.
pub fn retry_delay(attempt: i64) -> Option<i64> {
    let i = usize::try_from(attempt.checked_sub(1)?).ok()?;
    RETRY_DELAYS_SECS.get(i).copied()
}

/// Whether a webhook is disabled after a delivery failed its last try: only when nothing
/// reached the receiver since that delivery's first try (`started_at`), so that one payload a
/// receiver keeps refusing does not switch off a webhook that otherwise works.
pub fn should_disable(last_success_at: Option<i64>, started_at: i64) -> bool {
    last_success_at.is_none_or(|t| t < started_at)
}

/// What is signed: `"{timestamp}.{body}"`.
pub fn signed_content(timestamp: i64, body: &[u8]) -> Vec<u8> {
    let mut out = format!("{timestamp}.").into_bytes();
    out.extend_from_slice(body);
    out
}

/// The `Stoa-Signature` header: `t=UNIX_SECONDS,v1=HEX`.
pub fn signature_header(timestamp: i64, mac: &[u8]) -> String {
    let hex: String = mac.iter().map(|b| format!("{b:02x}")).collect();
    format!("t={timestamp},v1={hex}")
}

/// The longest excerpt of a receiver's answer kept in the delivery log.
pub const RESPONSE_EXCERPT_CHARS: usize = 500;

/// A receiver's answer cut to [`RESPONSE_EXCERPT_CHARS`] characters.
pub fn excerpt(body: &str) -> String {
    body.chars().take(RESPONSE_EXCERPT_CHARS).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_names_round_trip() {
        for e in EventType::ALL {
            assert_eq!(EventType::parse(e.as_str()), Some(e));
        }
        assert_eq!(
            parse_events(&["ticket.created", "question.created", "question.created"]),
            Ok(vec![EventType::QuestionCreated, EventType::TicketCreated])
        );
        assert_eq!(parse_events::<&str>(&[]), Err(WebhookError::NoEvents));
        assert_eq!(
            parse_events(&["question.deleted"]),
            Err(WebhookError::UnknownEvent("question.deleted".into()))
        );
        let all: Vec<_> = EventType::ALL.to_vec();
        assert_eq!(events_from_stored(&events_to_stored(&all)), all);
    }

    #[test]
    fn urls_must_be_http_without_credentials() {
        let ok = WebhookUrl::parse("https://hooks.example.com/stoa#x", false);
        assert_eq!(
            ok.map(|u| (u.url, u.port)),
            Ok(("https://hooks.example.com/stoa".to_string(), 443))
        );
        for (raw, want) in [
            ("ftp://example.com/", "invalid_webhook_url"),
            ("javascript:alert(1)", "invalid_webhook_url"),
            ("not a url", "invalid_webhook_url"),
            ("https://u:p@example.com/", "invalid_webhook_url"),
            ("http://127.0.0.1:9000/", "webhook_url_forbidden"),
            ("http://[::1]/", "webhook_url_forbidden"),
            ("http://10.1.2.3/", "webhook_url_forbidden"),
            (
                "http://169.254.169.254/latest/meta-data",
                "webhook_url_forbidden",
            ),
            ("http://[fd00::1]/", "webhook_url_forbidden"),
            ("http://[::ffff:192.168.0.1]/", "webhook_url_forbidden"),
            ("http://0x7f000001/", "webhook_url_forbidden"),
        ] {
            let got = WebhookUrl::parse(raw, false).map_err(|e| e.code());
            assert_eq!(got.err(), Some(want), "{raw}");
        }
        assert!(WebhookUrl::parse("http://127.0.0.1:9000/", true).is_ok());
        assert!(WebhookUrl::parse("http://8.8.8.8/", false).is_ok());
    }

    #[test]
    fn internal_addresses() {
        for ip in [
            "127.0.0.1",
            "10.0.0.1",
            "172.16.5.4",
            "192.168.1.1",
            "169.254.1.1",
            "100.64.0.1",
            "0.0.0.0",
            "255.255.255.255",
            "224.0.0.1",
            "::1",
            "::",
            "fc00::1",
            "fe80::1",
            "::ffff:127.0.0.1",
            "64:ff9b::a00:1",
        ] {
            let ip: IpAddr = ip.parse().unwrap();
            assert!(is_internal(ip), "{ip}");
        }
        for ip in ["8.8.8.8", "1.1.1.1", "2606:4700::1111", "64:ff9b::808:808"] {
            let ip: IpAddr = ip.parse().unwrap();
            assert!(!is_internal(ip), "{ip}");
        }
    }

    #[test]
    fn retries_last_about_a_day() {
        assert_eq!(retry_delay(1), Some(60));
        assert_eq!(retry_delay(2), Some(300));
        assert_eq!(retry_delay(6), Some(54_000));
        assert_eq!(retry_delay(MAX_ATTEMPTS), None);
        assert_eq!(retry_delay(0), None);
        let total: i64 = RETRY_DELAYS_SECS.iter().sum();
        assert!((20 * 3600..=24 * 3600).contains(&total), "{total}");
    }

    #[test]
    fn disabling_needs_a_day_without_success() {
        assert!(should_disable(None, 100));
        assert!(should_disable(Some(50), 100));
        assert!(!should_disable(Some(150), 100));
    }

    #[test]
    fn audiences() {
        assert!(receives(Audience::Site, true, 1, &[]));
        assert!(!receives(Audience::Site, false, 1, &[2]), "a demoted admin");
        assert!(receives(Audience::Own, false, 1, &[2, 1]));
        assert!(!receives(Audience::Own, true, 1, &[2]));
    }

    #[test]
    fn secrets_and_headers() {
        assert_eq!(check_secret("short"), Err(WebhookError::Secret));
        assert_eq!(
            check_secret("a secret with spaces!"),
            Err(WebhookError::Secret)
        );
        assert!(check_secret("0123456789abcdef").is_ok());
        assert_eq!(signed_content(12, b"{}"), b"12.{}".to_vec());
        assert_eq!(signature_header(12, &[0, 171, 255]), "t=12,v1=00abff");
        assert_eq!(excerpt(&"é".repeat(600)).chars().count(), 500);
    }
}
