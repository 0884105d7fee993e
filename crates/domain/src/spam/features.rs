//! What the spam model looks at: the words of a text, its links and the shape of spam.

use std::collections::BTreeSet;

/// Version of the extraction rules; stored with a model so that counts learned under other rules are refused, not misread.
pub const FEATURES_VERSION: u32 = 1;

// Longer "words" are pasted hashes or keyboard mashing; truncating keeps the
// vocabulary bounded without losing the signal that they exist.
const MAX_WORD_CHARS: usize = 40;
// A shared prefix makes "subscribe", "subscribers" and "subscribed" (or
// "channel" and "channels") one piece of evidence, which a spammer's
// misspellings and inflections would otherwise split.
const PREFIX_CHARS: usize = 5;
// Bounds the look-ahead for the end of an HTML tag or entity, so that text
// full of stray '<' or '&' stays linear to scan.
const MAX_TAG_BYTES: usize = 1024;
const MAX_ENTITY_BYTES: usize = 10;
// Below this many cased letters the share of capitals says nothing ("OK", "LOL").
const MIN_CASED_FOR_SHOUTING: usize = 8;
// Fewer digits are years, counts and prices; more look like a phone number.
const MIN_PHONE_DIGITS: usize = 8;

// Top-level domains that mark a bare "example.com" as a link even without a
// scheme; spammers drop "http://" to slip past link filters.
const BARE_LINK_TLDS: &[&str] = &[
    "com", "net", "org", "info", "biz", "io", "co", "me", "tv", "ly", "gl", "be", "us", "uk", "de",
    "ru", "br", "in", "xyz", "top", "online", "site", "shop", "club", "app", "link", "click",
];

/// The distinct features of `text`, each a short tagged string such as `w:free`, `host:bit.ly` or `cta:subscribe`.
pub fn features(text: &str) -> BTreeSet<String> {
    let plain = normalize(text);
    let mut out = BTreeSet::new();

    link_features(&plain, &mut out);

    let words = words(&plain);
    for word in &words {
        out.insert(format!("w:{word}"));
        if word.chars().count() > PREFIX_CHARS {
            let prefix: String = word.chars().take(PREFIX_CHARS).collect();
            out.insert(format!("p:{prefix}"));
        }
    }
    for pair in words.windows(2) {
        out.insert(format!("b:{} {}", pair[0], pair[1]));
    }

    out.insert(format!("len:{}", length_bucket(words.len())));
    if let Some(shouting) = shouting_bucket(&plain) {
        out.insert(format!("caps:{shouting}"));
    }
    if has_phone_number(&plain) {
        out.insert("contact:phone".to_owned());
    }
    if has_email(&plain) {
        out.insert("contact:email".to_owned());
    }
    for cta in calls_to_action(&words, &plain) {
        out.insert(format!("cta:{cta}"));
    }
    out
}

/// Plain text as a reader would see it: tags dropped (their link targets kept), entities decoded, invisible characters removed.
fn normalize(text: &str) -> String {
    let mut stripped = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('<') {
        stripped.push_str(&rest[..at]);
        let from_tag = &rest[at..];
        match tag_len(from_tag) {
            Some(len) => {
                // The target of a link is the most telling part of a spam
                // comment, and in HTML it hides inside the tag.
                if let Some(href) = attribute(&from_tag[..len], "href") {
                    stripped.push(' ');
                    stripped.push_str(href);
                }
                stripped.push(' ');
                rest = &from_tag[len..];
            }
            None => {
                stripped.push('<');
                rest = &from_tag[1..];
            }
        }
    }
    stripped.push_str(rest);

    // Zero-width characters inside a word are a classic way to dodge word
    // filters, so they are removed rather than turned into spaces.
    decode_entities(&stripped)
        .chars()
        .filter(|c| {
            !matches!(
                c,
                '\u{feff}' | '\u{200b}' | '\u{200c}' | '\u{200d}' | '\u{2060}' | '\u{00ad}'
            )
        })
        .collect()
}

/// Byte length of the tag that `s` starts with, if `s` starts with something tag-like ("<3" is not).
fn tag_len(s: &str) -> Option<usize> {
    let bytes = s.as_bytes();
    let second = *bytes.get(1)?;
    if !(second.is_ascii_alphabetic() || second == b'/' || second == b'!') {
        return None;
    }
    bytes
        .iter()
        .take(MAX_TAG_BYTES)
        .position(|&b| b == b'>')
        .map(|end| end + 1)
}

/// The value of attribute `name` inside one tag, quoted or not.
fn attribute<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
    let lower = tag.to_ascii_lowercase();
    let needle = format!("{name}=");
    let mut search_from = 0;
    let start = loop {
        let found = search_from + lower.get(search_from..)?.find(&needle)?;
        // "data-href=" must not count as "href=".
        let preceded_by_space = lower[..found].ends_with(|c: char| c.is_ascii_whitespace());
        if preceded_by_space {
            break found + needle.len();
        }
        search_from = found + needle.len();
    };
    let value = tag.get(start..)?;
    let (value, terminators): (&str, &[char]) = match value.chars().next() {
        Some(quote @ ('"' | '\'')) => (&value[1..], if quote == '"' { &['"'] } else { &['\''] }),
        _ => (value, &[' ', '\t', '\n', '\r', '>']),
    };
    let end = value.find(terminators).unwrap_or(value.len());
    Some(&value[..end])
}

fn decode_entities(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        let from_amp = &rest[at..];
        let decoded = from_amp
            .as_bytes()
            .iter()
            .take(MAX_ENTITY_BYTES)
            .position(|&b| b == b';')
            .and_then(|semi| entity(&from_amp[1..semi]).map(|c| (c, semi + 1)));
        match decoded {
            Some((c, len)) => {
                out.push(c);
                rest = &from_amp[len..];
            }
            None => {
                out.push('&');
                rest = &from_amp[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

fn entity(name: &str) -> Option<char> {
    match name {
        "amp" => Some('&'),
        "lt" => Some('<'),
        "gt" => Some('>'),
        "quot" => Some('"'),
        "apos" => Some('\''),
        "nbsp" => Some(' '),
        _ => {
            let number = name.strip_prefix('#')?;
            let code = match number.strip_prefix(['x', 'X']) {
                Some(hex) => u32::from_str_radix(hex, 16).ok()?,
                None => number.parse().ok()?,
            };
            char::from_u32(code)
        }
    }
}

/// Lower-cased runs of letters and digits, in order.
fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| {
            w.chars()
                .take(MAX_WORD_CHARS)
                .flat_map(char::to_lowercase)
                .collect()
        })
        .collect()
}

fn link_features(text: &str, out: &mut BTreeSet<String>) {
    let mut links = BTreeSet::new();
    for chunk in text.split_whitespace() {
        if let Some(host) = link_host(chunk) {
            // A link written twice (as an anchor's target and its text) is one link.
            links.insert(
                chunk
                    .trim_matches(|c: char| !c.is_alphanumeric())
                    .to_lowercase(),
            );
            let labels: Vec<&str> = host.split('.').collect();
            if labels.len() > 2 {
                // Spam rotates subdomains of the same site.
                let site = labels[labels.len() - 2..].join(".");
                out.insert(format!("site:{site}"));
            }
            out.insert(format!("host:{host}"));
        }
    }
    let count = match links.len() {
        0 => "0",
        1 => "1",
        _ => "2+",
    };
    out.insert(format!("links:{count}"));
}

/// The host a whitespace-free chunk links to, without "www." or "m.", if the chunk is a link.
fn link_host(chunk: &str) -> Option<String> {
    let lower = chunk.to_lowercase();
    let (after_scheme, bare) = match lower.find("://") {
        Some(at) if lower[..at].ends_with("http") || lower[..at].ends_with("https") => {
            (&lower[at + 3..], false)
        }
        _ => {
            let trimmed = lower.trim_start_matches(|c: char| !c.is_alphanumeric());
            (trimmed, !trimmed.starts_with("www."))
        }
    };
    let host_len = after_scheme
        .find(|c: char| !(c.is_alphanumeric() || c == '.' || c == '-'))
        .unwrap_or(after_scheme.len());
    let host = after_scheme[..host_len].trim_matches('.');
    if bare {
        // Without a scheme or "www.", only a bare host (optionally with a
        // path) counts, so "e.g." or "3.40" or "end.Next" are not links.
        let tail = &after_scheme[host_len..];
        let tail_ok =
            tail.is_empty() || tail.starts_with('/') || tail.chars().all(|c| !c.is_alphanumeric());
        let tld = host.rsplit('.').next().unwrap_or("");
        if !tail_ok || !host.contains('.') || !BARE_LINK_TLDS.contains(&tld) {
            return None;
        }
    }
    let host = host
        .strip_prefix("www.")
        .or_else(|| host.strip_prefix("m."))
        .unwrap_or(host);
    let valid = host.contains('.') && host.split('.').all(|label| !label.is_empty());
    valid.then(|| host.to_owned())
}

fn length_bucket(words: usize) -> &'static str {
    match words {
        0..=2 => "1-2",
        3..=5 => "3-5",
        6..=12 => "6-12",
        13..=30 => "13-30",
        _ => "31+",
    }
}

/// How much of the text is in capitals, when there are enough letters to tell.
fn shouting_bucket(text: &str) -> Option<&'static str> {
    let (mut upper, mut lower) = (0usize, 0usize);
    for c in text.chars() {
        if c.is_uppercase() {
            upper += 1;
        } else if c.is_lowercase() {
            lower += 1;
        }
    }
    let cased = upper + lower;
    if cased < MIN_CASED_FOR_SHOUTING {
        return None;
    }
    // Integer comparisons instead of a ratio keep the buckets exact.
    Some(if upper * 10 > cased * 6 {
        "high"
    } else if upper * 10 > cased * 3 {
        "mid"
    } else {
        "low"
    })
}

/// A run of at least eight digits joined only by the usual phone punctuation.
fn has_phone_number(text: &str) -> bool {
    let mut digits = 0;
    for c in text.chars() {
        if c.is_ascii_digit() {
            digits += 1;
            if digits >= MIN_PHONE_DIGITS {
                return true;
            }
        } else if !matches!(c, ' ' | '-' | '.' | '(' | ')' | '+') {
            digits = 0;
        }
    }
    false
}

fn has_email(text: &str) -> bool {
    text.split_whitespace().any(|chunk| {
        let chunk = chunk.trim_matches(|c: char| !c.is_alphanumeric());
        match chunk.split_once('@') {
            Some((local, domain)) => {
                !local.is_empty()
                    && domain.contains('.')
                    && !domain.starts_with('.')
                    && !domain.ends_with('.')
                    && !domain.contains('@')
            }
            None => false,
        }
    })
}

/// Names of the calls to action in the text: the words spam uses to send readers elsewhere or ask for something.
fn calls_to_action(words: &[String], text: &str) -> Vec<&'static str> {
    let mut found = Vec::new();
    let is =
        |i: usize, options: &[&str]| words.get(i).is_some_and(|w| options.contains(&w.as_str()));

    if words
        .iter()
        .any(|w| w.starts_with("subscri") || w.starts_with("suscri") || w == "sub" || w == "subs")
    {
        found.push("subscribe");
    }
    let check_out = (0..words.len()).any(|i| {
        is(i, &["check", "visit", "watch", "see"])
            && (i + 1..=i + 4).any(|j| is(j, &["my", "our", "out"]))
    });
    if check_out {
        found.push("check-out");
    }
    const THINGS: &[&str] = &[
        "channel",
        "video",
        "videos",
        "vid",
        "vids",
        "page",
        "site",
        "website",
        "music",
        "song",
        "songs",
        "blog",
        "account",
        "profile",
        "playlist",
        "app",
        "game",
        "book",
        "shop",
        "store",
        "instagram",
        "twitter",
        "facebook",
    ];
    let my_thing = (0..words.len()).any(|i| {
        is(i, &["my", "our"]) && (is(i + 1, THINGS) || (is(i + 1, &["new"]) && is(i + 2, THINGS)))
    });
    if my_thing {
        found.push("my-thing");
    }
    let follow = (0..words.len()).any(|i| {
        is(i, &["follow", "like", "share", "add"]) && is(i + 1, &["me", "us", "my", "this", "our"])
    });
    if follow {
        found.push("follow");
    }
    let money = text.contains('$')
        || words.iter().any(|w| {
            matches!(
                w.as_str(),
                "free" | "money" | "earn" | "win" | "giftcard" | "gift" | "cash"
            )
        });
    if money {
        found.push("money");
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn has(text: &str, feature: &str) -> bool {
        features(text).contains(feature)
    }

    #[test]
    fn html_is_stripped_and_entities_decoded() {
        let plain = normalize("I&#39;m <b>here</b>&lt;3<br />&amp; you\u{feff}");
        assert_eq!(plain, "I'm  here <3 & you");
        assert_eq!(normalize("a < b and <3"), "a < b and <3");
        assert_eq!(normalize("&bogus; &#xZZ; &"), "&bogus; &#xZZ; &");
    }

    #[test]
    fn anchor_targets_become_links() {
        let f = features(r#"<a href="https://www.Example.com/x?y=1">click</a>"#);
        assert!(f.contains("host:example.com"));
        assert!(f.contains("links:1"));
        assert!(!has(
            r#"<a data-href="https://evil.com">x</a>"#,
            "host:evil.com"
        ));
    }

    #[test]
    fn links_with_and_without_scheme() {
        assert!(has("see http://bit.ly/abc now", "host:bit.ly"));
        assert!(has(
            "YouTube:https://m.youtube.com/watch?v=1",
            "host:youtube.com"
        ));
        assert!(has("go to www.shop-now.biz today", "host:shop-now.biz"));
        assert!(has("visit murdev.com!", "host:murdev.com"));
        let sub = features("https://apps.facebook.com/poll");
        assert!(sub.contains("host:apps.facebook.com") && sub.contains("site:facebook.com"));
        assert!(has("e.g. it costs 3.40 end.Next", "links:0"));
        assert!(has("a.com b.org a.com", "links:2+"));
    }

    #[test]
    fn words_bigrams_and_prefixes() {
        let f = features("Please SUBSCRIBE to my Channel");
        for expected in [
            "w:subscribe",
            "b:my channel",
            "p:subsc",
            "p:chann",
            "len:3-5",
        ] {
            assert!(f.contains(expected), "{expected} missing from {f:?}");
        }
        assert!(!f.contains("p:my"), "short words have no prefix feature");
    }

    #[test]
    fn shouting_needs_enough_letters() {
        assert!(has("THIS IS ALL CAPS TEXT", "caps:high"));
        assert!(has("this is all lower text", "caps:low"));
        assert!(!features("OK LOL").iter().any(|f| f.starts_with("caps:")));
    }

    #[test]
    fn contacts() {
        assert!(has("call +1 (555) 123-4567 now", "contact:phone"));
        assert!(!has("2,127,322,484 views in 2014", "contact:phone"));
        assert!(has("mail me: bob@example.com.", "contact:email"));
        assert!(!has("@bob what do you mean", "contact:email"));
    }

    #[test]
    fn calls_to_action_are_found() {
        assert!(has("Subscribers please", "cta:subscribe"));
        assert!(has("check out this video on YouTube", "cta:check-out"));
        assert!(has("see my new channel", "cta:my-thing"));
        assert!(has("follow me on twitter", "cta:follow"));
        assert!(has("win $25 now", "cta:money"));
        assert!(!features("I like how the views grow")
            .iter()
            .any(|f| f.starts_with("cta:")));
    }

    #[test]
    fn pathological_input_is_handled() {
        let many_brackets = "<a".repeat(5_000);
        assert!(!features(&many_brackets).is_empty());
        let many_amps = "&#".repeat(5_000);
        assert!(!features(&many_amps).is_empty());
        assert!(features("").contains("len:1-2"));
    }
}
