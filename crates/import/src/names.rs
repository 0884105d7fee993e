//! Usernames for imported profiles: derived from the display name, valid by Stoa's rules
//! (`stoa_domain::account::Username`), and unique (a numeric suffix when taken).

use stoa_domain::account::Username;
use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;

/// The username a display name becomes before uniqueness is checked. Spaces are dropped, as
/// Stack Exchange's own @-mentions do ("Geoff Dalgas" is `@GeoffDalgas`), so that mentions in
/// imported comments name the imported profiles; accents are folded; anything else that
/// usernames cannot hold is dropped. Names that end up unusable become `user<id>`, the name
/// Stack Exchange shows for accounts it no longer has.
pub(crate) fn base_username(display: &str, source_id: i64) -> String {
    let mut out = String::new();
    for c in display.nfkd() {
        if is_combining_mark(c) {
            continue;
        }
        match c {
            'a'..='z' | 'A'..='Z' | '0'..='9' | '_' | '.' | '-' => out.push(c),
            _ => out.push_str(fold(c)),
        }
    }
    let trimmed = out.trim_start_matches(|c: char| !c.is_ascii_alphanumeric());
    let name: String = trimmed.chars().take(Username::MAX_LEN).collect();
    let fallback = format!("user{}", source_id.unsigned_abs());
    if name.is_empty() {
        return fallback;
    }
    if name.chars().all(|c| c.is_ascii_digit()) {
        return format!("user{name}")
            .chars()
            .take(Username::MAX_LEN)
            .collect();
    }
    if name.chars().count() < Username::MIN_LEN {
        return format!("{name}-{}", source_id.unsigned_abs());
    }
    name
}

/// Latin letters that do not decompose into a base letter and marks.
fn fold(c: char) -> &'static str {
    match c {
        'ø' => "o",
        'Ø' => "O",
        'æ' => "ae",
        'Æ' => "AE",
        'œ' => "oe",
        'Œ' => "OE",
        'ß' => "ss",
        'đ' | 'ð' => "d",
        'Đ' | 'Ð' => "D",
        'ł' => "l",
        'Ł' => "L",
        'þ' => "th",
        'Þ' => "Th",
        'ı' => "i",
        _ => "",
    }
}

/// The `attempt`-th candidate for `base`: 1 is `base` itself, 2 adds the original id
/// (`john-1234`, unique within a site, so one collision costs one more try, not a walk through
/// every `john-N`), then a counter; shortened to stay within the length limit.
pub(crate) fn candidate(base: &str, source_id: i64, attempt: u32) -> String {
    let suffix = match attempt {
        0 | 1 => return base.to_string(),
        2 => format!("-{}", source_id.unsigned_abs()),
        n => format!("-{}-{}", source_id.unsigned_abs(), n - 1),
    };
    let keep = Username::MAX_LEN.saturating_sub(suffix.len());
    let stem: String = base.chars().take(keep).collect();
    let stem = stem.trim_end_matches(['-', '.', '_']);
    if stem.is_empty() {
        format!("user{suffix}")
    } else {
        format!("{stem}{suffix}")
    }
}

/// The placeholder profile of a site: owner of posts whose author the dump does not have.
pub(crate) fn placeholder(site: &str) -> String {
    base_username(&format!("community-{site}"), 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn valid(name: &str) -> bool {
        Username::parse(name).is_ok_and(|u| u.as_str() == name)
    }

    #[test]
    fn display_names_become_valid_usernames() {
        for (display, want) in [
            ("Geoff Dalgas", "GeoffDalgas"),
            ("Michael Kjörling", "MichaelKjorling"),
            ("Thorbjørn Ravn Andersen", "ThorbjornRavnAndersen"),
            ("Pekka 웃", "Pekka"),
            ("ЯegDwight", "egDwight"),
            ("o0'.", "o0."),
            ("Al", "Al-7"),
            ("웃", "user7"),
            ("12345", "user12345"),
            ("...abc", "abc"),
            ("", "user7"),
        ] {
            let got = base_username(display, 7);
            assert_eq!(got, want, "{display}");
            assert!(valid(&got), "{got}");
        }
        let long = base_username(&"a".repeat(100), 1);
        assert!(valid(&long));
    }

    #[test]
    fn candidates_stay_valid() {
        assert_eq!(candidate("john", 1234, 1), "john");
        assert_eq!(candidate("john", 1234, 2), "john-1234");
        assert_eq!(candidate("john", 1234, 3), "john-1234-2");
        let long = "a".repeat(30);
        assert_eq!(candidate(&long, 99, 12).len(), 30);
        assert!(valid(&candidate(&long, 99, 12)));
        assert!(valid(&candidate("ab-", 5, 3)));
        assert!(valid(&candidate("user1", i64::MAX, 99)));
        assert_eq!(placeholder("beer"), "community-beer");
        assert!(valid(&placeholder(
            "a-very-long-site-name.stackexchange.com"
        )));
    }
}
