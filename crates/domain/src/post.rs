//! Post inputs parsed once at the edge: titles, bodies, comments, tags, votes; plus slugs.

use crate::text::strip_bidi_controls;
use serde::Serialize;

/// Why a post field was refused; the message is shown to the author.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PostError {
    /// The title breaks a rule.
    #[error("{0}")]
    Title(String),
    /// The body breaks a rule.
    #[error("{0}")]
    Body(String),
    /// A tag breaks a rule.
    #[error("{0}")]
    Tags(String),
    /// A vote value other than -1, 0 or 1.
    #[error("A vote is 1 (up), -1 (down) or 0 (take back your vote).")]
    Vote,
    /// The comment breaks a rule.
    #[error("{0}")]
    Comment(String),
    /// An edit comment is too long.
    #[error("Edit summaries can have at most 300 characters.")]
    EditComment,
}

impl PostError {
    /// The input field the error is about.
    pub fn field(&self) -> &'static str {
        match self {
            PostError::Title(_) => "title",
            PostError::Body(_) => "body",
            PostError::Tags(_) => "tags",
            PostError::Vote => "value",
            PostError::Comment(_) => "body",
            PostError::EditComment => "comment",
        }
    }

    /// A stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            PostError::Title(_) => "invalid_title",
            PostError::Body(_) => "invalid_body",
            PostError::Tags(_) => "invalid_tags",
            PostError::Vote => "invalid_vote",
            PostError::Comment(_) => "invalid_comment",
            PostError::EditComment => "invalid_comment",
        }
    }
}

/// A question or article title: 3 to 150 characters that are not all punctuation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Title(String);

impl Title {
    /// Shortest title.
    pub const MIN: usize = 3;
    /// Longest title (Stack Exchange's limit, long enough for any real question).
    pub const MAX: usize = 150;

    /// Trims, collapses inner whitespace, drops bidirectional embedding, override and isolate
    /// controls (which could make a title read differently from what it says, or spill into
    /// the page around it) and checks the length.
    pub fn parse(raw: &str) -> Result<Self, PostError> {
        let cleaned = strip_bidi_controls(raw);
        let s = cleaned.split_whitespace().collect::<Vec<_>>().join(" ");
        let n = s.chars().count();
        if n == 0 {
            return Err(PostError::Title(
                "Please give your question a title.".into(),
            ));
        }
        if n < Self::MIN || !s.chars().any(char::is_alphanumeric) {
            return Err(PostError::Title(
                "The title is too short: say in a few words what you need.".into(),
            ));
        }
        if n > Self::MAX {
            return Err(PostError::Title(format!(
                "Titles can have at most {} characters (this one has {n}).",
                Self::MAX
            )));
        }
        if s.chars().any(|c| c.is_control()) {
            return Err(PostError::Title(
                "The title contains control characters.".into(),
            ));
        }
        Ok(Title(s))
    }

    /// The title.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

pub use crate::text::is_bidi_control;

/// A Markdown body of a question, answer or article.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Body(String);

impl Body {
    /// Longest body in characters.
    pub const MAX: usize = 30_000;

    /// Checks that there is something to read and that it is not too long.
    pub fn parse(raw: &str) -> Result<Self, PostError> {
        let trimmed = raw.trim_end();
        if trimmed.trim().is_empty() {
            return Err(PostError::Body(
                "The body is empty: please write your text.".into(),
            ));
        }
        let n = trimmed.chars().count();
        if n > Self::MAX {
            return Err(PostError::Body(format!(
                "Posts can have at most {} characters (this one has {n}).",
                Self::MAX
            )));
        }
        if trimmed.contains('\0') {
            return Err(PostError::Body("The body contains a NUL character.".into()));
        }
        Ok(Body(trimmed.replace("\r\n", "\n")))
    }

    /// The Markdown source.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A comment: short Markdown-lite text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CommentText(String);

impl CommentText {
    /// Shortest comment.
    pub const MIN: usize = 2;
    /// Longest comment.
    pub const MAX: usize = 600;

    /// Checks the length.
    pub fn parse(raw: &str) -> Result<Self, PostError> {
        let s = raw.trim();
        let n = s.chars().count();
        if n == 0 {
            return Err(PostError::Comment("The comment is empty.".into()));
        }
        if n < Self::MIN {
            return Err(PostError::Comment("The comment is too short.".into()));
        }
        if n > Self::MAX {
            return Err(PostError::Comment(format!(
                "Comments can have at most {} characters (this one has {n}).",
                Self::MAX
            )));
        }
        if s.contains('\0') {
            return Err(PostError::Comment(
                "The comment contains a NUL character.".into(),
            ));
        }
        Ok(CommentText(s.to_string()))
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A tag name: lower-case letters, digits and `+ # . -`, 1 to 35 characters, starting with a
/// letter or digit.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct TagName(String);

impl TagName {
    /// Longest tag name.
    pub const MAX: usize = 35;

    /// Lower-cases and checks one tag.
    pub fn parse(raw: &str) -> Result<Self, PostError> {
        let s = raw.trim().to_lowercase();
        if s.is_empty() {
            return Err(PostError::Tags("Tags cannot be empty.".into()));
        }
        if s.chars().count() > Self::MAX {
            return Err(PostError::Tags(format!(
                "The tag {s:?} is too long: at most {} characters.",
                Self::MAX
            )));
        }
        if !s.chars().all(|c| {
            c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '+' | '#' | '.' | '-')
        }) {
            return Err(PostError::Tags(format!(
                "The tag {s:?} has characters tags cannot use: only letters, digits, '+', '#', '.' and '-'."
            )));
        }
        if !s.starts_with(|c: char| c.is_ascii_alphanumeric()) {
            return Err(PostError::Tags(format!(
                "The tag {s:?} must start with a letter or digit."
            )));
        }
        Ok(TagName(s))
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The tags of a question: at most five, distinct, in the order given.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct TagSet(Vec<TagName>);

impl TagSet {
    /// Most tags on one question.
    pub const MAX: usize = 5;

    /// Parses each tag, drops repeats, and refuses more than five.
    pub fn parse<S: AsRef<str>>(raw: &[S]) -> Result<Self, PostError> {
        let mut tags: Vec<TagName> = Vec::new();
        for r in raw {
            let t = TagName::parse(r.as_ref())?;
            if !tags.contains(&t) {
                tags.push(t);
            }
        }
        if tags.len() > Self::MAX {
            return Err(PostError::Tags(format!(
                "A question can have at most {} tags.",
                Self::MAX
            )));
        }
        Ok(TagSet(tags))
    }

    /// Parses space- or comma-separated tags, as typed in a form.
    pub fn parse_text(raw: &str) -> Result<Self, PostError> {
        let parts: Vec<&str> = raw
            .split(|c: char| c.is_whitespace() || c == ',')
            .filter(|s| !s.is_empty())
            .collect();
        if parts.len() > 50 {
            return Err(PostError::Tags(format!(
                "A question can have at most {} tags.",
                Self::MAX
            )));
        }
        Self::parse(&parts)
    }

    /// The tags.
    pub fn names(&self) -> &[TagName] {
        &self.0
    }

    /// Space-separated, as stored on the post for listing without a join.
    pub fn joined(&self) -> String {
        self.0
            .iter()
            .map(TagName::as_str)
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// Splits a stored space-separated list.
    pub fn split_stored(stored: &str) -> Vec<String> {
        stored.split_whitespace().map(str::to_string).collect()
    }
}

/// A vote: up, down, or taking one's vote back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VoteValue {
    /// +1.
    Up,
    /// -1.
    Down,
    /// Remove the vote.
    Clear,
}

impl VoteValue {
    /// Accepts exactly -1, 0 and 1.
    pub fn parse(v: i64) -> Result<Self, PostError> {
        match v {
            1 => Ok(VoteValue::Up),
            -1 => Ok(VoteValue::Down),
            0 => Ok(VoteValue::Clear),
            _ => Err(PostError::Vote),
        }
    }

    /// The stored value (0 means no row).
    pub fn as_i64(self) -> i64 {
        match self {
            VoteValue::Up => 1,
            VoteValue::Down => -1,
            VoteValue::Clear => 0,
        }
    }
}

/// An optional edit summary, at most 300 characters.
pub fn parse_edit_comment(raw: Option<&str>) -> Result<String, PostError> {
    let s = raw.unwrap_or("").trim();
    if s.chars().count() > 300 {
        return Err(PostError::EditComment);
    }
    Ok(s.chars().filter(|c| !c.is_control()).collect())
}

/// A URL slug of a title: lower-case ASCII words joined by `-`, at most 80 characters.
pub fn slug(title: &str) -> String {
    let mut out = String::new();
    let mut dash = false;
    for c in title.chars() {
        if c.is_ascii_alphanumeric() {
            if dash && !out.is_empty() {
                out.push('-');
            }
            dash = false;
            out.push(c.to_ascii_lowercase());
        } else {
            dash = true;
        }
        if out.len() >= 80 {
            break;
        }
    }
    if out.is_empty() {
        "question".into()
    } else {
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn titles() {
        assert_eq!(
            Title::parse("  How   do I\tfoo? ").unwrap().as_str(),
            "How do I foo?"
        );
        assert!(Title::parse("").is_err());
        assert!(Title::parse("   ").is_err());
        assert!(Title::parse("?!?!").is_err());
        assert!(Title::parse(&"x".repeat(151)).is_err());
        assert!(Title::parse(&"x".repeat(150)).is_ok());
        assert_eq!(
            Title::parse("Invoice \u{202E}fdp.exe\u{202C} attached")
                .unwrap()
                .as_str(),
            "Invoice fdp.exe attached"
        );
        assert_eq!(
            Title::parse("\u{2067}שלום\u{2069} world").unwrap().as_str(),
            "שלום world"
        );
        assert!(Title::parse("\u{202E}\u{202E}").is_err());
    }

    #[test]
    fn bodies() {
        assert!(Body::parse("").is_err());
        assert!(Body::parse(" \n ").is_err());
        assert!(Body::parse(&"a".repeat(30_001)).is_err());
        assert_eq!(Body::parse("a\r\nb\n\n").unwrap().as_str(), "a\nb");
    }

    #[test]
    fn tags() {
        let t = TagSet::parse(&["Rust", "rust", "c++", "c#", "node.js"]).unwrap();
        assert_eq!(t.joined(), "rust c++ c# node.js");
        assert!(TagSet::parse(&["a", "b", "c", "d", "e", "f"]).is_err());
        for bad in [
            "",
            "has space",
            "-lead",
            "ünï",
            "a/b",
            &"x".repeat(36),
            "<script>",
        ] {
            assert!(TagName::parse(bad).is_err(), "{bad:?}");
        }
        assert_eq!(
            TagSet::parse_text("rust, sqlite  web")
                .unwrap()
                .names()
                .len(),
            3
        );
        assert!(TagSet::parse::<&str>(&[]).unwrap().names().is_empty());
    }

    #[test]
    fn votes() {
        assert_eq!(VoteValue::parse(1).unwrap(), VoteValue::Up);
        assert_eq!(VoteValue::parse(-1).unwrap(), VoteValue::Down);
        assert_eq!(VoteValue::parse(0).unwrap(), VoteValue::Clear);
        assert!(VoteValue::parse(2).is_err());
        assert!(VoteValue::parse(-5).is_err());
    }

    #[test]
    fn slugs() {
        assert_eq!(
            slug("How do I use SQLite's FTS5?"),
            "how-do-i-use-sqlite-s-fts5"
        );
        assert_eq!(slug("¿¿??"), "question");
        assert!(slug(&"word ".repeat(40)).len() <= 84);
    }

    proptest! {
        #[test]
        fn parsers_are_total(s in "\\PC{0,200}") {
            let _ = Title::parse(&s);
            let _ = Body::parse(&s);
            let _ = CommentText::parse(&s);
            let _ = TagSet::parse_text(&s);
            let sl = slug(&s);
            prop_assert!(sl.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'));
            prop_assert!(!sl.starts_with('-') && !sl.ends_with('-'));
        }

        #[test]
        fn valid_tags_roundtrip(s in "[a-z0-9][a-z0-9+#.-]{0,34}") {
            let t = TagName::parse(&s).unwrap();
            prop_assert_eq!(t.as_str(), s.as_str());
        }
    }
}
