//! Account inputs parsed once at the edge: usernames, e-mail addresses, passwords, roles.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Why an account field was refused; the message is shown to the person who typed it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AccountError {
    /// The username breaks a naming rule.
    #[error("{0}")]
    Username(&'static str),
    /// The e-mail address does not have the shape of one.
    #[error("{0}")]
    Email(&'static str),
    /// The password is too short or too long.
    #[error("{0}")]
    Password(&'static str),
    /// The role is not one Stoa knows.
    #[error("role must be one of member, agent, moderator, admin")]
    Role,
}

impl AccountError {
    /// The input field the error is about.
    pub fn field(&self) -> &'static str {
        match self {
            AccountError::Username(_) => "username",
            AccountError::Email(_) => "email",
            AccountError::Password(_) => "password",
            AccountError::Role => "role",
        }
    }
}

/// A username: 3 to 30 characters of letters, digits, `_`, `.` or `-`, starting with a letter or digit.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Username(String);

impl Username {
    /// Shortest allowed username.
    pub const MIN_LEN: usize = 3;
    /// Longest allowed username.
    pub const MAX_LEN: usize = 30;

    /// Checks the naming rules; surrounding whitespace is ignored.
    pub fn parse(raw: &str) -> Result<Self, AccountError> {
        let s = raw.trim();
        if s.is_empty() {
            return Err(AccountError::Username("Please choose a username."));
        }
        let len = s.chars().count();
        if len < Self::MIN_LEN {
            return Err(AccountError::Username(
                "Usernames need at least 3 characters.",
            ));
        }
        if len > Self::MAX_LEN {
            return Err(AccountError::Username(
                "Usernames can have at most 30 characters.",
            ));
        }
        if !s
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
        {
            return Err(AccountError::Username(
                "Usernames may only use letters, digits, '_', '.' and '-'.",
            ));
        }
        if !s.chars().next().is_some_and(|c| c.is_ascii_alphanumeric()) {
            return Err(AccountError::Username(
                "Usernames must start with a letter or a digit.",
            ));
        }
        if s.chars().all(|c| c.is_ascii_digit()) {
            // All-digit names would be confused with user ids in URLs and mentions.
            return Err(AccountError::Username(
                "Usernames need at least one letter.",
            ));
        }
        Ok(Username(s.to_string()))
    }

    /// A valid username made from what an identity provider offers (a preferred username, a
    /// name, an address's local part): disallowed characters dropped, at most 26 characters
    /// (room for a number to make it unique), never all digits or too short.
    pub fn suggest(raw: &str) -> Username {
        let kept: String = raw
            .chars()
            .map(|c| if c == ' ' { '_' } else { c })
            .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
            .skip_while(|c| !c.is_ascii_alphanumeric())
            .take(26)
            .collect();
        let kept = kept.trim_end_matches(['_', '.', '-']).to_string();
        match Username::parse(&kept) {
            Ok(u) => u,
            Err(_) if !kept.is_empty() => Username(format!("member-{kept}")),
            Err(_) => Username("member".into()),
        }
    }

    /// The same name with a number appended (`ann` → `ann2`), to make it unique.
    pub fn numbered(&self, n: u32) -> Username {
        Username(format!("{}{n}", self.0))
    }

    /// The name as the person typed it.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The case-folded form that must be unique, so `Alice` and `alice` cannot both exist.
    pub fn key(&self) -> String {
        self.0.to_ascii_lowercase()
    }
}

impl fmt::Display for Username {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An e-mail address of plausible shape, stored with its domain lower-cased.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Email(String);

impl Email {
    /// Longest address SMTP allows.
    pub const MAX_LEN: usize = 254;

    /// Checks the shape `local@domain.tld`; delivery is what really proves an address.
    pub fn parse(raw: &str) -> Result<Self, AccountError> {
        let s = raw.trim();
        if s.is_empty() {
            return Err(AccountError::Email("Please enter your e-mail address."));
        }
        if s.len() > Self::MAX_LEN {
            return Err(AccountError::Email("That e-mail address is too long."));
        }
        let bad = || AccountError::Email("That does not look like an e-mail address.");
        let (local, domain) = s.rsplit_once('@').ok_or_else(bad)?;
        if local.is_empty()
            || local.len() > 64
            || local.contains('@')
            || s.chars().any(|c| c.is_whitespace() || c.is_control())
        {
            return Err(bad());
        }
        let labels: Vec<&str> = domain.split('.').collect();
        if labels.len() < 2
            || labels.iter().any(|l| {
                l.is_empty()
                    || l.starts_with('-')
                    || l.ends_with('-')
                    || !l.chars().all(|c| c.is_alphanumeric() || c == '-')
            })
        {
            return Err(bad());
        }
        Ok(Email(format!("{local}@{}", domain.to_lowercase())))
    }

    /// The normalised address.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The case-folded form that must be unique.
    pub fn key(&self) -> String {
        self.0.to_lowercase()
    }
}

/// A password that meets the length rules; never printed.
#[derive(Clone)]
pub struct Password(String);

impl Password {
    /// Shortest allowed password (NIST SP 800-63B's minimum for user-chosen secrets).
    pub const MIN_LEN: usize = 8;
    /// Longest allowed password, so hashing cannot be used to exhaust the server.
    pub const MAX_LEN: usize = 1024;

    /// Checks the length rules. Whitespace is kept: it is part of the secret.
    pub fn parse(raw: &str) -> Result<Self, AccountError> {
        let len = raw.chars().count();
        if len == 0 {
            return Err(AccountError::Password("Please choose a password."));
        }
        if len < Self::MIN_LEN {
            return Err(AccountError::Password(
                "Passwords need at least 8 characters.",
            ));
        }
        if raw.len() > Self::MAX_LEN {
            return Err(AccountError::Password(
                "Passwords can have at most 1024 bytes.",
            ));
        }
        Ok(Password(raw.to_string()))
    }

    /// The secret, for hashing only.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(***)")
    }
}

/// What a person may do by office, before reputation is considered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// A community member.
    Member,
    /// Support staff who work private tickets.
    Agent,
    /// A moderator: moderation actions, always logged publicly.
    Moderator,
    /// An administrator: everything, including site settings.
    Admin,
}

impl Role {
    /// Parses the stored or typed name of a role.
    pub fn parse(raw: &str) -> Result<Self, AccountError> {
        match raw.trim().to_ascii_lowercase().as_str() {
            "member" => Ok(Role::Member),
            "agent" => Ok(Role::Agent),
            "moderator" => Ok(Role::Moderator),
            "admin" => Ok(Role::Admin),
            _ => Err(AccountError::Role),
        }
    }

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Member => "member",
            Role::Agent => "agent",
            Role::Moderator => "moderator",
            Role::Admin => "admin",
        }
    }

    /// Moderators and admins hold moderation powers.
    pub fn is_moderator(self) -> bool {
        matches!(self, Role::Moderator | Role::Admin)
    }

    /// Agents, moderators and admins are staff.
    pub fn is_staff(self) -> bool {
        !matches!(self, Role::Member)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn usernames() {
        assert!(Username::parse("alice").is_ok());
        assert_eq!(Username::parse("  Bob_1 ").unwrap().as_str(), "Bob_1");
        assert_eq!(Username::parse("Bob").unwrap().key(), "bob");
        for bad in [
            "",
            "ab",
            "a b",
            "_alice",
            "12345",
            "ünïcode",
            &"x".repeat(31),
            "a<b",
        ] {
            assert!(Username::parse(bad).is_err(), "{bad:?} should be refused");
        }
    }

    #[test]
    fn emails() {
        assert_eq!(
            Email::parse("Ann@Example.COM").unwrap().as_str(),
            "Ann@example.com"
        );
        for bad in [
            "",
            "ann",
            "ann@",
            "@x.org",
            "ann@x",
            "a b@x.org",
            "ann@x..org",
            "ann@-x.org",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad:?} should be refused");
        }
    }

    #[test]
    fn passwords() {
        assert!(Password::parse("short").is_err());
        assert!(Password::parse("").is_err());
        assert!(Password::parse("long enough").is_ok());
        assert!(Password::parse(&"x".repeat(2000)).is_err());
        assert_eq!(
            format!("{:?}", Password::parse("secret-secret").unwrap()),
            "Password(***)"
        );
    }

    #[test]
    fn roles() {
        assert_eq!(Role::parse("Admin").unwrap(), Role::Admin);
        assert!(Role::parse("root").is_err());
        for r in [Role::Member, Role::Agent, Role::Moderator, Role::Admin] {
            assert_eq!(Role::parse(r.as_str()).unwrap(), r);
        }
    }

    proptest! {
        #[test]
        fn username_parse_is_total_and_valid(s in ".{0,40}") {
            if let Ok(u) = Username::parse(&s) {
                let n = u.as_str().chars().count();
                prop_assert!((3..=30).contains(&n));
                prop_assert!(u.as_str().is_ascii());
            }
        }

        #[test]
        fn email_parse_is_total(s in ".{0,300}") {
            if let Ok(e) = Email::parse(&s) {
                prop_assert!(e.as_str().contains('@'));
                prop_assert!(e.as_str().len() <= Email::MAX_LEN);
            }
        }
    }
}

#[cfg(test)]
mod suggest_tests {
    use super::Username;

    #[test]
    fn suggestions_are_always_valid_usernames() {
        for (raw, want) in [
            ("ann", "ann"),
            ("Ann Corp", "Ann_Corp"),
            ("  _x", "member-x"),
            ("12345", "member-12345"),
            ("", "member"),
            ("Zoë Ångström", "Zo_ngstrm"),
            (
                "a-very-long-name-that-goes-on-and-on",
                "a-very-long-name-that-goes",
            ),
        ] {
            let u = Username::suggest(raw);
            assert_eq!(u.as_str(), want, "{raw:?}");
            assert!(Username::parse(u.as_str()).is_ok(), "{raw:?}");
            assert!(Username::parse(u.numbered(99).as_str()).is_ok());
        }
    }
}
