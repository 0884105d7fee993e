//! What a post is (question, answer, article) and where it stands (published, held, hidden):
//! closed sets, so a misspelt kind or status is a compile error, not a silent mismatch.

use std::fmt;
use std::str::FromStr;

use serde::Serialize;

/// A stored kind or status that is not one of the known names (a damaged row).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown post {what} {value:?}")]
pub struct UnknownName {
    /// "kind" or "status".
    pub what: &'static str,
    /// The name read.
    pub value: String,
}

macro_rules! named_enum {
    ($(#[$doc:meta])* $name:ident, $what:literal, { $($(#[$vdoc:meta])* $variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
        #[serde(rename_all = "lowercase")]
        pub enum $name {
            $($(#[$vdoc])* $variant),+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The name stored in the database and shown in the API.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text),+
                }
            }
        }

        impl FromStr for $name {
            type Err = UnknownName;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $($text => Ok($name::$variant),)+
                    _ => Err(UnknownName { what: $what, value: s.to_string() }),
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

named_enum!(
    /// What a post is.
    PostKind, "kind", {
        /// A question, the head of a thread.
        Question => "question",
        /// An answer to a question.
        Answer => "answer",
        /// A knowledge-base article.
        Article => "article",
    }
);

named_enum!(
    /// Where a post stands (deletion is separate: a deleted post keeps its status).
    PostStatus, "status", {
        /// Visible to everyone.
        Published => "published",
        /// Held by the spam screen until a moderator decides.
        Held => "held",
        /// Hidden by flags or a moderator.
        Hidden => "hidden",
    }
);

impl PostKind {
    /// Questions and articles head their own page and search document; answers live in one.
    pub fn heads_a_page(self) -> bool {
        matches!(self, PostKind::Question | PostKind::Article)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for k in PostKind::ALL {
            assert_eq!(k.as_str().parse::<PostKind>(), Ok(*k));
            assert_eq!(serde_json::to_value(k).unwrap(), k.as_str());
        }
        for s in PostStatus::ALL {
            assert_eq!(s.as_str().parse::<PostStatus>(), Ok(*s));
            assert_eq!(s.to_string(), s.as_str());
        }
        assert_eq!(
            "Question".parse::<PostKind>(),
            Err(UnknownName {
                what: "kind",
                value: "Question".into()
            })
        );
        assert!("deleted".parse::<PostStatus>().is_err());
    }
}
