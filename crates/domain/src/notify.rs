//! Notifications: the events that cause them, the kinds a person can tune, the channels, their
//! defaults, and @mentions. Pure rules; the fan-out itself lives in `app`.

use serde::{Deserialize, Serialize};

/// Something that happened and may notify people; stored as a job's payload in the
/// transaction of the write that caused it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Event {
    /// A question or answer was published.
    PostCreated {
        /// The post.
        post_id: i64,
    },
    /// A comment was added.
    CommentAdded {
        /// The comment.
        comment_id: i64,
    },
    /// An answer was accepted.
    AnswerAccepted {
        /// The question.
        question_id: i64,
        /// The answer.
        answer_id: i64,
    },
    /// Someone edited a post.
    PostEdited {
        /// The post.
        post_id: i64,
        /// Who edited.
        editor_id: i64,
        /// The new revision's number.
        revision: i64,
    },
    /// An edit was suggested.
    EditSuggested {
        /// The suggestion.
        suggestion_id: i64,
    },
    /// A suggested edit was reviewed.
    SuggestionReviewed {
        /// The suggestion.
        suggestion_id: i64,
    },
    /// A moderator acted (on a post, a comment or an account).
    ModerationAction {
        /// The action.
        action_id: i64,
    },
    /// The pending flags on a post were handled.
    FlagsHandled {
        /// The post.
        post_id: i64,
        /// When (the flags' `handled_at`).
        handled_at: i64,
    },
    /// An appeal was decided.
    AppealDecided {
        /// The appeal.
        appeal_id: i64,
    },
    /// A public message on a support ticket (an agent's reply, or the customer's).
    TicketMessage {
        /// The ticket.
        ticket_id: i64,
        /// The message.
        message_id: i64,
    },
    /// A run of the badge job gave a badge to people.
    BadgeAwarded {
        /// The badge's place in the catalogue (`stoa_domain::badges::CATALOGUE`).
        badge: i64,
        /// The run's moment, shared by every award it made.
        awarded_at: i64,
    },
    /// A bounty was awarded or ran out.
    BountyEnded {
        /// The bounty.
        bounty_id: i64,
    },
    /// A question or answer was deleted (for webhooks; nobody is notified in the app).
    PostDeleted {
        /// The post.
        post_id: i64,
    },
    /// A post was flagged (for webhooks; moderators see flags in their queues).
    FlagRaised {
        /// The flag.
        flag_id: i64,
    },
    /// A support ticket was opened (for webhooks; agents see it in the inbox).
    TicketCreated {
        /// The ticket.
        ticket_id: i64,
    },
    /// A ticket's status, priority, assignee or tags changed (for webhooks).
    TicketChanged {
        /// The ticket.
        ticket_id: i64,
        /// The first and last of the ticket events that record the change.
        events: (i64, i64),
    },
    /// A webhook was disabled after failing for a day; its owner hears of it.
    WebhookDisabled {
        /// The webhook.
        webhook_id: i64,
    },
}

/// The kinds of notification a person can tune, with their default channel and a label.
pub const KINDS: &[(&str, Channel, &str)] = &[
    ("answer", Channel::Email, "A new answer to my question"),
    ("comment", Channel::InApp, "A comment on my post"),
    ("comment_reply", Channel::InApp, "A comment after mine"),
    ("mention", Channel::Email, "Someone mentions me"),
    ("accepted", Channel::Email, "My answer is accepted"),
    ("edited", Channel::InApp, "Someone edits my post"),
    (
        "suggested_edit",
        Channel::InApp,
        "An edit is suggested to my post",
    ),
    (
        "suggestion_reviewed",
        Channel::InApp,
        "An edit I suggested is reviewed",
    ),
    ("flag_handled", Channel::InApp, "A flag I raised is handled"),
    (
        "moderation",
        Channel::Email,
        "A moderator acts on my content or account",
    ),
    ("appeal_decided", Channel::Email, "My appeal is decided"),
    (
        "followed_tag",
        Channel::InApp,
        "A new question in a tag I follow",
    ),
    (
        "followed_question",
        Channel::InApp,
        "Activity on a question I follow",
    ),
    ("followed_user", Channel::InApp, "A person I follow posts"),
    (
        "ticket_reply",
        Channel::Email,
        "Support replies to my ticket",
    ),
    (
        "ticket_update",
        Channel::Email,
        "A customer writes on a ticket assigned to me",
    ),
    ("badge", Channel::InApp, "I earn a badge"),
    (
        "bounty",
        Channel::Email,
        "My answer receives a bounty, or my bounty ends",
    ),
    (
        "webhook",
        Channel::Email,
        "A webhook of mine is disabled after failing",
    ),
];

/// Whether `kind` is one of [`KINDS`].
pub fn is_kind(kind: &str) -> bool {
    KINDS.iter().any(|(k, _, _)| *k == kind)
}

/// The channel a person gets for `kind` when they chose none.
pub fn default_channel(kind: &str) -> Channel {
    KINDS
        .iter()
        .find(|(k, _, _)| *k == kind)
        .map_or(Channel::InApp, |(_, c, _)| *c)
}

/// How a person hears of one kind of notification.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    /// Not at all.
    Off,
    /// In the app only.
    InApp,
    /// In the app and by e-mail at once.
    Email,
    /// In the app and in a daily digest.
    Daily,
    /// In the app and in a weekly digest.
    Weekly,
}

impl Channel {
    /// Every channel.
    pub const ALL: [Channel; 5] = [
        Channel::Off,
        Channel::InApp,
        Channel::Email,
        Channel::Daily,
        Channel::Weekly,
    ];

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Off => "off",
            Channel::InApp => "in_app",
            Channel::Email => "email",
            Channel::Daily => "daily",
            Channel::Weekly => "weekly",
        }
    }

    /// Parses a stored or submitted name.
    pub fn parse(s: &str) -> Option<Channel> {
        Channel::ALL.into_iter().find(|c| c.as_str() == s)
    }

    /// A label for settings pages.
    pub fn label(self) -> &'static str {
        match self {
            Channel::Off => "Off",
            Channel::InApp => "On the site only",
            Channel::Email => "E-mail at once",
            Channel::Daily => "Daily digest",
            Channel::Weekly => "Weekly digest",
        }
    }
}

/// Most people one post can notify by mentioning them.
pub const MAX_MENTIONS: usize = 10;

/// The case-folded usernames `@mentioned` in Markdown source, in order of first mention, at
/// most [`MAX_MENTIONS`]. Mentions inside code (backticks or indented/fenced blocks) and in
/// e-mail addresses do not count.
pub fn mentions(markdown: &str) -> Vec<String> {
    let mut found: Vec<String> = Vec::new();
    let mut fenced = false;
    for line in markdown.lines() {
        let trimmed = line.trim_start();
        if trimmed.starts_with("```") || trimmed.starts_with("~~~") {
            fenced = !fenced;
            continue;
        }
        if fenced || line.starts_with("    ") || line.starts_with('\t') {
            continue;
        }
        let mut in_code = false;
        let chars: Vec<char> = line.chars().collect();
        let mut i = 0;
        while i < chars.len() {
            let c = chars[i];
            if c == '`' {
                in_code = !in_code;
            } else if c == '@' && !in_code && (i == 0 || !is_name_char(chars[i - 1])) {
                let name: String = chars[i + 1..]
                    .iter()
                    .take_while(|c| is_name_char(**c))
                    .collect();
                // A trailing '.' or '-' ends a sentence rather than the name.
                let name = name.trim_end_matches(['.', '-']).to_ascii_lowercase();
                i += name.len();
                let valid = name
                    .chars()
                    .next()
                    .is_some_and(|c| c.is_ascii_alphanumeric())
                    && !name.chars().all(|c| c.is_ascii_digit())
                    && name.len() <= 30;
                if valid && !found.contains(&name) {
                    found.push(name);
                    if found.len() == MAX_MENTIONS {
                        return found;
                    }
                }
            }
            i += 1;
        }
    }
    found
}

fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-')
}

/// Shortens a title for one-line notification texts.
pub fn short_title(title: &str) -> String {
    const MAX: usize = 80;
    if title.chars().count() <= MAX {
        title.to_string()
    } else {
        let cut: String = title.chars().take(MAX - 1).collect();
        format!("{}…", cut.trim_end())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mentions_are_found_once_in_order_and_case_folded() {
        assert_eq!(
            mentions("Thanks @Alice and @bob_2, and @alice again."),
            vec!["alice", "bob_2"]
        );
    }

    #[test]
    fn mentions_end_at_sentence_punctuation() {
        assert_eq!(mentions("ask @carol."), vec!["carol"]);
        assert_eq!(mentions("(@dave) @erin-"), vec!["dave", "erin"]);
    }

    #[test]
    fn code_and_addresses_are_not_mentions() {
        let md = "mail me at me@example.org\n`@inline`\n```\n@fenced\n```\n    @indented\n@real";
        assert_eq!(mentions(md), vec!["real"]);
    }

    #[test]
    fn all_digit_names_and_bare_at_signs_are_not_mentions() {
        assert!(mentions("@123 @ @. @-x").is_empty());
    }

    #[test]
    fn mentions_are_capped() {
        let md: String = (0..30).map(|i| format!("@user{i} ")).collect();
        assert_eq!(mentions(&md).len(), MAX_MENTIONS);
    }

    #[test]
    fn events_round_trip_as_tagged_json() {
        let e = Event::AnswerAccepted {
            question_id: 1,
            answer_id: 2,
        };
        let s = serde_json::to_string(&e).unwrap_or_default();
        assert_eq!(
            s,
            r#"{"type":"answer_accepted","question_id":1,"answer_id":2}"#
        );
        assert_eq!(serde_json::from_str::<Event>(&s).ok(), Some(e));
    }

    #[test]
    fn every_kind_has_a_default_and_channels_parse() {
        for (k, c, _) in KINDS {
            assert!(is_kind(k));
            assert_eq!(default_channel(k), *c);
        }
        assert!(!is_kind("nonsense"));
        for c in Channel::ALL {
            assert_eq!(Channel::parse(c.as_str()), Some(c));
        }
        assert_eq!(Channel::parse("sms"), None);
    }
}
