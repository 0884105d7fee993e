//! Personal access tokens: their scopes, and the scope each API route needs. A token never
//! exceeds its owner's rights (the policy still decides); its scopes only narrow them.

use std::fmt;

/// What a personal access token may be used for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Scope {
    /// Read what the owner can read.
    Read,
    /// Write as the owner: ask, answer, comment, vote, edit, flag, follow.
    Write,
    /// Moderate: flags, review queues, moderation actions and appeals.
    Moderate,
    /// Administer: settings, plans, rewards, jobs.
    Admin,
    /// Tickets: the support desk, as customer or agent.
    Tickets,
}

impl Scope {
    /// Every scope.
    pub const ALL: [Scope; 5] = [
        Scope::Read,
        Scope::Write,
        Scope::Moderate,
        Scope::Admin,
        Scope::Tickets,
    ];

    /// Its name.
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Read => "read",
            Scope::Write => "write",
            Scope::Moderate => "moderate",
            Scope::Admin => "admin",
            Scope::Tickets => "tickets",
        }
    }

    fn bit(self) -> u8 {
        1 << (self as u8)
    }

    /// A scope by name.
    pub fn parse(raw: &str) -> Option<Scope> {
        Scope::ALL.into_iter().find(|s| s.as_str() == raw)
    }
}

/// The stored scopes of a log-in or sign-up token: everything the owner may do.
pub const FULL: &str = "*";

/// A token's scopes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scopes {
    /// A log-in or sign-up token, or a browser session: the owner's whole account.
    Full,
    /// A personal access token with these scopes.
    Some(u8),
}

/// Why scopes are refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScopeError {
    /// No scope given.
    #[error("Choose at least one scope: read, write, moderate, admin or tickets.")]
    Empty,
    /// An unknown name.
    #[error("{0:?} is not a scope; scopes are read, write, moderate, admin and tickets.")]
    Unknown(String),
}

impl Scopes {
    /// Scopes chosen by a person (names; duplicates are fine).
    pub fn parse_list<'a>(names: impl IntoIterator<Item = &'a str>) -> Result<Scopes, ScopeError> {
        let mut bits = 0u8;
        for n in names {
            let n = n.trim();
            if n.is_empty() {
                continue;
            }
            bits |= Scope::parse(n)
                .ok_or_else(|| ScopeError::Unknown(n.to_string()))?
                .bit();
        }
        if bits == 0 {
            return Err(ScopeError::Empty);
        }
        Ok(Scopes::Some(bits))
    }

    /// Reads stored scopes (`*`, or names separated by spaces); unknown names grant nothing.
    pub fn from_stored(raw: &str) -> Scopes {
        if raw.trim() == FULL {
            return Scopes::Full;
        }
        Scopes::Some(
            raw.split_whitespace()
                .filter_map(Scope::parse)
                .fold(0, |b, s| b | s.bit()),
        )
    }

    /// Whether these scopes allow `s`.
    pub fn allows(self, s: Scope) -> bool {
        match self {
            Scopes::Full => true,
            Scopes::Some(bits) => bits & s.bit() != 0,
        }
    }

    /// The scopes by name, in catalogue order.
    pub fn names(self) -> Vec<&'static str> {
        Scope::ALL
            .into_iter()
            .filter(|s| self.allows(*s))
            .map(Scope::as_str)
            .collect()
    }
}

impl fmt::Display for Scopes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Scopes::Full => f.write_str(FULL),
            Scopes::Some(_) => f.write_str(&self.names().join(" ")),
        }
    }
}

/// What a route needs of a token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Needs {
    /// A scope.
    Scope(Scope),
    /// The whole account (a log-in token): managing tokens, sessions and the password.
    Account,
}

/// What an API route (method and path template under `/api/v1`, e.g. `/questions/{id}`)
/// needs of a personal access token.
pub fn needs(method: &str, route: &str) -> Needs {
    let route = route.strip_prefix("/api/v1").unwrap_or(route);
    let read = matches!(method, "GET" | "HEAD" | "OPTIONS");
    let under = |prefix: &str| route == prefix || route.starts_with(&format!("{prefix}/"));
    let account = [
        "/me/tokens",
        "/me/sessions",
        "/me/password",
        "/me/email",
        "/me/totp",
    ]
    .into_iter()
    .chain(["/me/export", "/me/exports", "/me/delete"])
    .any(under);
    if account {
        return Needs::Account;
    }
    // Asking the assistant or the coach writes nothing: a read, whatever the method.
    if route == "/assistant" || route == "/questions/coach" {
        return Needs::Scope(Scope::Read);
    }
    if under("/tickets") || under("/canned-replies") || under("/support") {
        return Needs::Scope(Scope::Tickets);
    }
    let admin = under("/admin")
        || (!read
            && (route == "/governance/settings"
                || route == "/plans"
                || route == "/organizations"
                || route == "/users/{id}/plan"
                || route == "/rewards/formulas"
                || under("/rewards/periods")))
        || route == "/rewards/periods/{id}/payouts.csv";
    if admin {
        return Needs::Scope(Scope::Admin);
    }
    let moderate = under("/review")
        || route == "/moderation/actions"
        || route == "/moderation/appeals"
        || route == "/moderation/appeals/{id}/decision"
        || route == "/moderation/integrity-scan"
        || route == "/suggested-edits/{id}/review"
        || route == "/posts/{id}/rollback"
        || route == "/posts/{id}/promote"
        || (!read && route == "/categories");
    if moderate {
        return Needs::Scope(Scope::Moderate);
    }
    Needs::Scope(if read { Scope::Read } else { Scope::Write })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_parse_store_and_allow() {
        assert_eq!(Scopes::parse_list([]), Err(ScopeError::Empty));
        assert_eq!(
            Scopes::parse_list(["read", "sudo"]),
            Err(ScopeError::Unknown("sudo".into()))
        );
        let s = Scopes::parse_list(["write", "read", "read"]).unwrap_or(Scopes::Some(0));
        assert_eq!(s.to_string(), "read write");
        assert_eq!(Scopes::from_stored(&s.to_string()), s);
        assert!(s.allows(Scope::Read) && !s.allows(Scope::Admin));
        assert_eq!(Scopes::from_stored("*"), Scopes::Full);
        assert!(Scopes::Full.allows(Scope::Admin));
        assert_eq!(Scopes::from_stored("read bogus"), Scopes::Some(1));
    }

    #[test]
    fn routes_need_what_they_do() {
        for (method, route, want) in [
            ("GET", "/api/v1/questions", Needs::Scope(Scope::Read)),
            ("PATCH", "/api/v1/me", Needs::Scope(Scope::Write)),
            ("POST", "/api/v1/me/email", Needs::Account),
            ("POST", "/api/v1/me/totp/confirm", Needs::Account),
            ("GET", "/api/v1/me/exports", Needs::Account),
            ("DELETE", "/api/v1/me/delete", Needs::Account),
            ("POST", "/api/v1/questions", Needs::Scope(Scope::Write)),
            (
                "POST",
                "/api/v1/posts/{id}/vote",
                Needs::Scope(Scope::Write),
            ),
            (
                "POST",
                "/api/v1/posts/{id}/flags",
                Needs::Scope(Scope::Write),
            ),
            (
                "POST",
                "/api/v1/moderation/actions/{id}/appeal",
                Needs::Scope(Scope::Write),
            ),
            ("GET", "/api/v1/moderation/log", Needs::Scope(Scope::Read)),
            (
                "POST",
                "/api/v1/moderation/actions",
                Needs::Scope(Scope::Moderate),
            ),
            (
                "GET",
                "/api/v1/review/{queue}",
                Needs::Scope(Scope::Moderate),
            ),
            (
                "POST",
                "/api/v1/suggested-edits/{id}/review",
                Needs::Scope(Scope::Moderate),
            ),
            (
                "PUT",
                "/api/v1/governance/settings",
                Needs::Scope(Scope::Admin),
            ),
            (
                "GET",
                "/api/v1/governance/settings",
                Needs::Scope(Scope::Read),
            ),
            ("GET", "/api/v1/admin/jobs", Needs::Scope(Scope::Admin)),
            (
                "POST",
                "/api/v1/rewards/periods/{id}/close",
                Needs::Scope(Scope::Admin),
            ),
            (
                "GET",
                "/api/v1/rewards/periods/{id}",
                Needs::Scope(Scope::Read),
            ),
            ("GET", "/api/v1/tickets", Needs::Scope(Scope::Tickets)),
            (
                "POST",
                "/api/v1/tickets/{id}/messages",
                Needs::Scope(Scope::Tickets),
            ),
            ("GET", "/api/v1/me/tokens", Needs::Account),
            ("DELETE", "/api/v1/me/sessions/{id}", Needs::Account),
            ("POST", "/api/v1/me/password", Needs::Account),
            ("GET", "/api/v1/me", Needs::Scope(Scope::Read)),
            // Webhooks: reading needs `read`, changing `write`; which events a webhook hears
            // of depends on whether the credential carries `admin` (docs/webhooks.md).
            ("GET", "/api/v1/webhooks", Needs::Scope(Scope::Read)),
            (
                "GET",
                "/api/v1/webhooks/{id}/deliveries",
                Needs::Scope(Scope::Read),
            ),
            ("POST", "/api/v1/webhooks", Needs::Scope(Scope::Write)),
            ("PATCH", "/api/v1/webhooks/{id}", Needs::Scope(Scope::Write)),
            (
                "DELETE",
                "/api/v1/webhooks/{id}",
                Needs::Scope(Scope::Write),
            ),
            (
                "POST",
                "/api/v1/webhooks/{id}/deliveries/{did}/redeliver",
                Needs::Scope(Scope::Write),
            ),
        ] {
            assert_eq!(needs(method, route), want, "{method} {route}");
        }
    }
}
