//! Values of the dump's attributes: dates, tag lists, licences, titles.

use stoa_domain::post::TagName;

/// 2018-05-02T00:00:00Z: Stack Exchange contributions from this day on are CC BY-SA 4.0.
const CC4_FROM: i64 = 1_525_219_200;

/// Parses the dump's `2014-01-21T20:26:05.383` (UTC; fraction and a trailing `Z` optional)
/// into Unix seconds.
pub(crate) fn parse_date(s: &str) -> Option<i64> {
    let s = s.strip_suffix('Z').unwrap_or(s);
    let (date, time) = s.split_once('T')?;
    let mut d = date.splitn(3, '-');
    let (y, m, day) = (num(d.next()?, 4)?, num(d.next()?, 2)?, num(d.next()?, 2)?);
    let (hms, frac) = time.split_once('.').unwrap_or((time, "0"));
    if frac.is_empty() || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let mut t = hms.splitn(3, ':');
    let (h, min, sec) = (num(t.next()?, 2)?, num(t.next()?, 2)?, num(t.next()?, 2)?);
    if !(1..=12).contains(&m)
        || day < 1
        || day > days_in_month(y, m)
        || h > 23
        || min > 59
        || sec > 60
    {
        return None;
    }
    Some(days_from_civil(y, m, day) * 86_400 + h * 3600 + min * 60 + sec)
}

/// Exactly `width` ASCII digits.
fn num(s: &str, width: usize) -> Option<i64> {
    if s.len() != width || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The tag names of a `Tags` attribute, in either dump format: `<a><b>` (older dumps) or
/// `|a|b|` (2024 on).
pub(crate) fn split_tags(raw: &str) -> impl Iterator<Item = &str> {
    let pipes = raw.starts_with('|');
    raw.split(move |c| {
        if pipes {
            c == '|'
        } else {
            c == '<' || c == '>'
        }
    })
    .map(str::trim)
    .filter(|t| !t.is_empty())
}

/// Tags a question keeps: valid Stoa tag names, at most five, without repeats; and how many of
/// the dump's were dropped.
pub(crate) fn question_tags(raw: &str) -> (Vec<String>, u64) {
    let mut kept: Vec<String> = Vec::new();
    let mut dropped = 0;
    for t in split_tags(raw) {
        match TagName::parse(t) {
            Ok(name) if kept.len() < 5 => {
                if !kept.iter().any(|k| k == name.as_str()) {
                    kept.push(name.as_str().to_string());
                }
            }
            _ => dropped += 1,
        }
    }
    (kept, dropped)
}

/// The post's licence: what the dump says (`ContentLicense`, in dumps since 2019), else by the
/// date the post was written, as Stack Exchange licensed it (3.0 before 2018-05-02, 4.0 since).
pub(crate) fn license(content_license: Option<&str>, created_at: i64) -> String {
    match content_license.map(str::trim) {
        Some(l) if !l.is_empty() && l.len() <= 40 && !l.chars().any(char::is_control) => {
            l.to_string()
        }
        _ if created_at < CC4_FROM => "CC BY-SA 3.0".into(),
        _ => "CC BY-SA 4.0".into(),
    }
}

/// A title as Stoa shows it: one line, no control or bidirectional characters, at most 150
/// characters.
pub(crate) fn clean_title(raw: &str) -> String {
    let one_line: String = stoa_domain::text::strip_bidi_controls(raw)
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let t: String = one_line.split_whitespace().collect::<Vec<_>>().join(" ");
    if t.is_empty() {
        "(untitled)".into()
    } else {
        t.chars().take(150).collect()
    }
}

/// A tag excerpt from the plain text of its wiki excerpt post, at most 500 characters.
pub(crate) fn excerpt(html: &str) -> String {
    let text = stoa_markdown::plain_text(&stoa_markdown::sanitize_html(html));
    text.chars()
        .take(500)
        .collect::<String>()
        .trim()
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        assert_eq!(parse_date("1970-01-01T00:00:00"), Some(0));
        assert_eq!(parse_date("2018-05-02T00:00:00.000"), Some(CC4_FROM));
        assert_eq!(parse_date("2014-01-21T20:26:05.383"), Some(1_390_335_965));
        assert_eq!(parse_date("2014-01-21T20:26:05Z"), Some(1_390_335_965));
        assert_eq!(parse_date("2016-02-29T00:00:00"), Some(1_456_704_000));
        for bad in [
            "",
            "abc",
            "2014-01-21",
            "2014-13-01T00:00:00",
            "2015-02-29T00:00:00",
            "2014-01-21T24:00:00",
            "2014-1-21T00:00:00",
            "2014-01-21T00:00:00.",
            "2014-01-21T00:00:00.x",
        ] {
            assert_eq!(parse_date(bad), None, "{bad}");
        }
    }

    #[test]
    fn both_tag_formats() {
        assert_eq!(
            split_tags("<storage><whole-bean>").collect::<Vec<_>>(),
            ["storage", "whole-bean"]
        );
        assert_eq!(
            split_tags("|storage|whole-bean|").collect::<Vec<_>>(),
            ["storage", "whole-bean"]
        );
        assert_eq!(split_tags("|c++|c#|").collect::<Vec<_>>(), ["c++", "c#"]);
        assert_eq!(split_tags("").count(), 0);
        let (kept, dropped) = question_tags("<a><B><a><ünï><b><c><d><e><f>");
        assert_eq!(kept, ["a", "b", "c", "d", "e"]);
        assert_eq!(dropped, 2);
    }

    #[test]
    fn licences_by_date_unless_the_dump_says() {
        assert_eq!(license(None, CC4_FROM - 1), "CC BY-SA 3.0");
        assert_eq!(license(None, CC4_FROM), "CC BY-SA 4.0");
        assert_eq!(license(Some("CC BY-SA 2.5"), CC4_FROM), "CC BY-SA 2.5");
        assert_eq!(license(Some(" "), 0), "CC BY-SA 3.0");
    }

    #[test]
    fn titles() {
        assert_eq!(clean_title("  What\u{0}is\n this?  "), "What is this?");
        assert_eq!(clean_title(""), "(untitled)");
        assert_eq!(
            clean_title("Invoice \u{202E}fdp.exe\u{202C} attached"),
            "Invoice fdp.exe attached"
        );
        assert_eq!(clean_title("\u{202E}"), "(untitled)");
        assert_eq!(clean_title(&"x".repeat(200)).len(), 150);
    }
}
