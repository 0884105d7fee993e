//! Knowledge-base rules: who may promote answers and manage categories, and the inputs of
//! categories and "was this helpful?" feedback, parsed once at the edge.
//!
//! [`decide_kb`] has the shape of [`crate::policy::decide`] (actor, action, target) and answers
//! with the same [`Denied`], so that it can be folded into the one policy function later.

use crate::policy::{Actor, Denied, TRUST_THRESHOLDS};

/// Reputation from which a member may promote answers to articles: trust level 3 ("regular").
pub const PROMOTE_REPUTATION: i64 = TRUST_THRESHOLDS[2];

/// What an actor wants to do to the knowledge base.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KbAction {
    /// Turn a community answer into a knowledge-base article.
    Promote,
    /// Create categories.
    ManageCategories,
    /// Read self-service statistics and the comments of article feedback.
    SeeSelfServiceStats,
}

/// What the action is applied to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KbTarget {
    /// The knowledge base as a whole.
    Site,
    /// An answer, with its state.
    Answer {
        /// Whether a moderator locked it.
        locked: bool,
    },
}

/// Decides whether `actor` may perform `action` on `target`.
///
/// Staff (agents, moderators, admins) curate the knowledge base as part of their job; members
/// earn the right to promote answers at trust level 3, because promotion puts the community's
/// name on a curated page. Categories and statistics stay with staff.
pub fn decide_kb(actor: &Actor, action: KbAction, target: KbTarget) -> Result<(), Denied> {
    if actor.suspended {
        return Err(Denied::Suspended);
    }
    let staff = actor.role.is_staff();
    match (action, target) {
        (KbAction::Promote, KbTarget::Answer { locked }) => {
            if locked && !actor.role.is_moderator() {
                Err(Denied::Locked)
            } else if staff || actor.reputation >= PROMOTE_REPUTATION {
                Ok(())
            } else {
                Err(Denied::Forbidden)
            }
        }
        (KbAction::ManageCategories | KbAction::SeeSelfServiceStats, KbTarget::Site) => {
            if staff {
                Ok(())
            } else {
                Err(Denied::Forbidden)
            }
        }
        _ => Err(Denied::Forbidden),
    }
}

/// Why a knowledge-base input was refused; the message is shown to the person.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KbError {
    /// The category name breaks a rule.
    #[error("{0}")]
    CategoryName(String),
    /// The category slug breaks a rule.
    #[error("{0}")]
    CategorySlug(String),
    /// The category description is too long.
    #[error("Category descriptions can have at most {max} characters.", max = CategoryDescription::MAX)]
    CategoryDescription,
    /// The feedback comment is too long.
    #[error("Feedback comments can have at most {max} characters.", max = FeedbackComment::MAX)]
    FeedbackComment,
}

impl KbError {
    /// The input field the error is about.
    pub fn field(&self) -> &'static str {
        match self {
            KbError::CategoryName(_) => "name",
            KbError::CategorySlug(_) => "slug",
            KbError::CategoryDescription => "description",
            KbError::FeedbackComment => "comment",
        }
    }

    /// A stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            KbError::CategoryName(_) => "invalid_category_name",
            KbError::CategorySlug(_) => "invalid_category_slug",
            KbError::CategoryDescription => "invalid_category_description",
            KbError::FeedbackComment => "invalid_comment",
        }
    }
}

/// A category's display name: 2 to 60 characters with at least one letter or digit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CategoryName(String);

impl CategoryName {
    /// Longest name.
    pub const MAX: usize = 60;

    /// Trims and collapses whitespace, then checks the length.
    pub fn parse(raw: &str) -> Result<Self, KbError> {
        let s = raw.split_whitespace().collect::<Vec<_>>().join(" ");
        let n = s.chars().count();
        if n < 2 || !s.chars().any(char::is_alphanumeric) {
            return Err(KbError::CategoryName(
                "Please give the category a name of at least 2 characters.".into(),
            ));
        }
        if n > Self::MAX {
            return Err(KbError::CategoryName(format!(
                "Category names can have at most {} characters.",
                Self::MAX
            )));
        }
        if s.chars().any(char::is_control) {
            return Err(KbError::CategoryName(
                "The name contains control characters.".into(),
            ));
        }
        Ok(CategoryName(s))
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The address of a category: `a-z`, `0-9` and single dashes, 2 to 60 characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CategorySlug(String);

impl CategorySlug {
    /// Longest slug.
    pub const MAX: usize = 60;

    /// Checks a slug typed by a person.
    pub fn parse(raw: &str) -> Result<Self, KbError> {
        let s = raw.trim();
        let ok_chars = s
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if s.len() < 2
            || s.len() > Self::MAX
            || !ok_chars
            || s.starts_with('-')
            || s.ends_with('-')
            || s.contains("--")
        {
            return Err(KbError::CategorySlug(format!(
                "A category address uses lower-case letters, digits and single dashes (2–{} characters), for example `billing-and-plans`.",
                Self::MAX
            )));
        }
        Ok(CategorySlug(s.to_string()))
    }

    /// A slug made from a name (`Billing & plans` → `billing-plans`).
    pub fn from_name(name: &CategoryName) -> Result<Self, KbError> {
        // `slug` falls back to a fixed word for names without ASCII letters; a category needs
        // an address of its own, so such names must be given one explicitly.
        if !name.as_str().chars().any(|c| c.is_ascii_alphanumeric()) {
            return Self::parse("");
        }
        let mut s = crate::post::slug(name.as_str());
        s.truncate(Self::MAX);
        Self::parse(s.trim_end_matches('-'))
    }

    /// The slug.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A category's optional description, up to [`CategoryDescription::MAX`] characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CategoryDescription(String);

impl CategoryDescription {
    /// Longest description.
    pub const MAX: usize = 300;

    /// Trims and checks the length.
    pub fn parse(raw: Option<&str>) -> Result<Self, KbError> {
        let s = raw.unwrap_or("").trim();
        if s.chars().count() > Self::MAX {
            return Err(KbError::CategoryDescription);
        }
        Ok(CategoryDescription(
            s.chars()
                .filter(|c| !c.is_control() || *c == '\n')
                .collect(),
        ))
    }

    /// The description.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The optional comment of "was this helpful?": plain text, shown escaped, to staff only.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedbackComment(String);

impl FeedbackComment {
    /// Longest comment.
    pub const MAX: usize = 1_000;

    /// Trims and checks the length; control characters other than newlines are dropped.
    pub fn parse(raw: Option<&str>) -> Result<Self, KbError> {
        let s = raw.unwrap_or("").trim();
        if s.chars().count() > Self::MAX {
            return Err(KbError::FeedbackComment);
        }
        Ok(FeedbackComment(
            s.chars()
                .filter(|c| !c.is_control() || *c == '\n')
                .collect(),
        ))
    }

    /// The comment (possibly empty).
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::account::Role;
    use crate::policy::Thresholds;

    fn actor(role: Role, reputation: i64) -> Actor {
        Actor {
            user_id: 1,
            role,
            reputation,
            suspended: false,
            thresholds: Thresholds::default(),
            account_days: 30,
        }
    }

    #[test]
    fn permission_table() {
        use KbAction::*;
        let open = KbTarget::Answer { locked: false };
        let locked = KbTarget::Answer { locked: true };
        let member = actor(Role::Member, PROMOTE_REPUTATION - 1);
        let trusted = actor(Role::Member, PROMOTE_REPUTATION);
        let agent = actor(Role::Agent, 1);
        let moderator = actor(Role::Moderator, 1);
        let admin = actor(Role::Admin, 1);
        let suspended = Actor {
            suspended: true,
            ..trusted
        };
        let cases: &[(&Actor, KbAction, KbTarget, Result<(), Denied>)] = &[
            (&member, Promote, open, Err(Denied::Forbidden)),
            (&trusted, Promote, open, Ok(())),
            (&agent, Promote, open, Ok(())),
            (&moderator, Promote, open, Ok(())),
            (&trusted, Promote, locked, Err(Denied::Locked)),
            (&agent, Promote, locked, Err(Denied::Locked)),
            (&moderator, Promote, locked, Ok(())),
            (&suspended, Promote, open, Err(Denied::Suspended)),
            (
                &trusted,
                ManageCategories,
                KbTarget::Site,
                Err(Denied::Forbidden),
            ),
            (&agent, ManageCategories, KbTarget::Site, Ok(())),
            (&admin, ManageCategories, KbTarget::Site, Ok(())),
            (
                &trusted,
                SeeSelfServiceStats,
                KbTarget::Site,
                Err(Denied::Forbidden),
            ),
            (&agent, SeeSelfServiceStats, KbTarget::Site, Ok(())),
            (&moderator, SeeSelfServiceStats, KbTarget::Site, Ok(())),
            (&agent, Promote, KbTarget::Site, Err(Denied::Forbidden)),
        ];
        for (a, action, target, expected) in cases {
            assert_eq!(
                &decide_kb(a, *action, *target),
                expected,
                "{a:?} {action:?} {target:?}"
            );
        }
    }

    #[test]
    fn promotion_needs_trust_level_three() {
        assert_eq!(crate::policy::trust_level(PROMOTE_REPUTATION), 3);
        assert_eq!(crate::policy::trust_level(PROMOTE_REPUTATION - 1), 2);
    }

    #[test]
    fn category_inputs() {
        assert_eq!(
            CategoryName::parse("  Billing   & plans ")
                .unwrap()
                .as_str(),
            "Billing & plans"
        );
        assert!(CategoryName::parse("x").is_err());
        assert!(CategoryName::parse("!!!").is_err());
        assert!(CategoryName::parse(&"a".repeat(61)).is_err());
        let name = CategoryName::parse("Billing & plans").unwrap();
        assert_eq!(
            CategorySlug::from_name(&name).unwrap().as_str(),
            "billing-plans"
        );
        for bad in ["", "a", "Bad", "a--b", "-ab", "ab-", "a b", "ä-b"] {
            assert!(CategorySlug::parse(bad).is_err(), "{bad:?}");
        }
        assert_eq!(
            CategorySlug::parse("getting-started").unwrap().as_str(),
            "getting-started"
        );
        assert!(CategorySlug::from_name(&CategoryName::parse("Ééé ñ").unwrap()).is_err());
        let long = CategoryName::parse(&"word ".repeat(12)).unwrap();
        assert!(CategorySlug::from_name(&long).unwrap().as_str().len() <= 60);
        assert!(CategoryDescription::parse(Some(&"d".repeat(301))).is_err());
        assert_eq!(CategoryDescription::parse(None).unwrap().as_str(), "");
    }

    #[test]
    fn feedback_comments() {
        assert_eq!(FeedbackComment::parse(None).unwrap().as_str(), "");
        assert_eq!(
            FeedbackComment::parse(Some("  a\u{7}b\nc "))
                .unwrap()
                .as_str(),
            "ab\nc"
        );
        assert_eq!(
            FeedbackComment::parse(Some(&"x".repeat(1_001))),
            Err(KbError::FeedbackComment)
        );
        assert_eq!(KbError::FeedbackComment.field(), "comment");
    }
}
