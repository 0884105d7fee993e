//! Knowledge-base inputs: categories and "was this helpful?" feedback, parsed once at the edge.
//! Who may promote answers, manage categories and read statistics is the policy's business
//! ([`crate::policy::decide`] with [`crate::policy::Action::PromoteAnswer`] and its neighbours).

pub use crate::policy::PROMOTE_REPUTATION;

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
