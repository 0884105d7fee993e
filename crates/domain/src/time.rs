//! Time as Stoa stores it: whole seconds since the Unix epoch, UTC, identical on every backend.

/// Formats a Unix timestamp as `YYYY-MM-DD HH:MM` UTC.
pub fn format_utc(ts: i64) -> String {
    let (y, m, d) = civil_from_days(ts.div_euclid(86_400));
    let secs = ts.rem_euclid(86_400);
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}",
        secs / 3600,
        (secs % 3600) / 60
    )
}

/// Formats a Unix timestamp as an RFC 3339 instant, for `<time datetime>` and JSON.
pub fn format_rfc3339(ts: i64) -> String {
    let (y, m, d) = civil_from_days(ts.div_euclid(86_400));
    let secs = ts.rem_euclid(86_400);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        secs / 3600,
        (secs % 3600) / 60,
        secs % 60
    )
}

/// Parses an instant: an RFC 3339 timestamp (`2026-12-01T00:00:00Z`) or a day
/// (`2026-12-01`, meaning its midnight UTC).
pub fn parse_instant(raw: &str) -> Option<i64> {
    let raw = raw.trim();
    if let Ok(t) = raw.parse::<jiff::Timestamp>() {
        return Some(t.as_second());
    }
    crate::support::parse_day(raw)
}

/// A short human phrase for how long ago `ts` was, seen at `now`.
pub fn ago(ts: i64, now: i64) -> String {
    let d = (now - ts).max(0);
    match d {
        0..=59 => "just now".to_string(),
        60..=3599 => plural(d / 60, "minute"),
        3600..=86_399 => plural(d / 3600, "hour"),
        86_400..=2_591_999 => plural(d / 86_400, "day"),
        _ => format_utc(ts)[..10].to_string(),
    }
}

/// How long until a future moment, for people: "in 3 days", "in 5 hours", "in a moment".
pub fn until(ts: i64, now: i64) -> String {
    let d = (ts - now).max(0);
    let (n, unit) = match d {
        0..=59 => return "in a moment".to_string(),
        60..=3599 => (d / 60, "minute"),
        3600..=86_399 => (d / 3600, "hour"),
        _ => (d / 86_400, "day"),
    };
    if n == 1 {
        format!("in 1 {unit}")
    } else {
        format!("in {n} {unit}s")
    }
}

fn plural(n: i64, unit: &str) -> String {
    if n == 1 {
        format!("1 {unit} ago")
    } else {
        format!("{n} {unit}s ago")
    }
}

/// Days since 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's algorithm).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instants_parse() {
        assert_eq!(parse_instant("2026-12-07"), Some(1_796_601_600));
        assert_eq!(parse_instant("2026-12-07T01:00:00Z"), Some(1_796_605_200));
        assert_eq!(
            parse_instant("2026-12-07T02:00:00+01:00"),
            Some(1_796_605_200)
        );
        assert_eq!(parse_instant("soon"), None);
    }

    #[test]
    fn formats_known_instants() {
        assert_eq!(format_utc(0), "1970-01-01 00:00");
        assert_eq!(format_rfc3339(1_795_692_066), "2026-11-26T11:21:06Z");
        assert_eq!(format_utc(951_782_400), "2000-02-29 00:00");
        assert_eq!(format_utc(-86_400), "1969-12-31 00:00");
    }

    #[test]
    fn ago_phrases() {
        assert_eq!(ago(100, 100), "just now");
        assert_eq!(ago(0, 60), "1 minute ago");
        assert_eq!(ago(0, 7200), "2 hours ago");
        assert_eq!(ago(0, 86_400 * 3), "3 days ago");
        assert_eq!(ago(0, 86_400 * 40), "1970-01-01");
        assert_eq!(until(100, 100), "in a moment");
        assert_eq!(until(7 * 86_400, 0), "in 7 days");
        assert_eq!(until(3600, 0), "in 1 hour");
    }
}
