//! Masks personal data in a private support ticket before it is offered, with the customer's
//! consent, for publication as a public question. The customer reviews and edits the masked
//! preview, so the rules lean towards masking: a needless mask costs one edit, a missed one
//! publishes someone's phone number.
//!
//! A small hand-rolled scanner instead of regular expressions keeps the domain crate free of
//! dependencies. Every mask starts right after a non-alphanumeric character and the placeholders
//! are copied as units, so a second pass sees the same word boundaries and masks nothing more.

/// Replaces a customer's name.
const NAME: &str = "[name]";
/// Replaces an e-mail address.
const EMAIL: &str = "[email]";
/// Replaces a phone number.
const PHONE: &str = "[phone]";
/// Replaces the identifier after "order", "invoice" and the like.
const NUMBER: &str = "[number]";
/// Replaces a link that carries a secret or personal data.
const LINK: &str = "[link removed]";
/// Placeholders are never rescanned, which is what makes redaction idempotent.
const PLACEHOLDERS: [&str; 5] = [NAME, EMAIL, PHONE, NUMBER, LINK];

/// Words after which an identifier with enough digits is an order, invoice or account number.
const KEYWORDS: [&str; 15] = [
    "order",
    "invoice",
    "inv",
    "account",
    "acct",
    "ticket",
    "ref",
    "reference",
    "customer",
    "booking",
    "receipt",
    "transaction",
    "tracking",
    "contract",
    "subscription",
];
/// What may stand between a keyword and its identifier ("order no. 123", "invoice #123").
/// Longer spellings come first so that "number" is not read as "num" followed by "ber".
const CONNECTORS: [&str; 12] = [
    "number", "nummer", "num.", "num", "nr.", "nr", "no.", "no", "id", "#", ":", "-",
];
/// An identifier needs this many digits, so "order 12" (a quantity) stays.
const MIN_IDENTIFIER_DIGITS: usize = 4;
/// A phone number needs this many digits, so years, small amounts and versions stay.
const MIN_PHONE_DIGITS: usize = 7;

/// URL parameter names (split at punctuation) whose value is a credential.
const SECRET_KEY_PARTS: [&str; 19] = [
    "token",
    "key",
    "secret",
    "signature",
    "sig",
    "auth",
    "code",
    "session",
    "password",
    "passwd",
    "pwd",
    "pass",
    "apikey",
    "sid",
    "jwt",
    "otp",
    "hmac",
    "credential",
    "credentials",
];
/// Fragments that mark a credential even inside a run-together name ("accesstoken", "jsessionid").
const SECRET_KEY_FRAGMENTS: [&str; 9] = [
    "token",
    "secret",
    "signature",
    "password",
    "apikey",
    "accesskey",
    "sessionid",
    "sessid",
    "credential",
];

/// Text with personal data masked, and how much was masked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Redaction {
    /// The text with personal data replaced by placeholders such as `[email]`.
    pub text: String,
    /// How many replacements were made.
    pub masked: usize,
}

/// Masks the given names, e-mail addresses, phone numbers, order-like numbers and links with secrets.
pub fn redact(text: &str, names: &[&str]) -> Redaction {
    let chars: Vec<char> = text.chars().collect();
    let names = prepare_names(names);
    let mut scanner = Scanner {
        chars: &chars,
        names: &names,
        out: String::with_capacity(text.len()),
        masked: 0,
        no_email: 0..0,
        no_identifier: 0..0,
    };
    scanner.run();
    Redaction {
        text: scanner.out,
        masked: scanner.masked,
    }
}

/// What a rule decided at a position.
enum Step {
    /// Copy the text up to `keep`, then write `with` instead of the text up to `end`.
    Mask {
        keep: usize,
        end: usize,
        with: &'static str,
    },
    /// Copy the text up to `end` unchanged, so that no other rule reads it piecemeal (a date
    /// must not become a phone number, a plain link must keep its digits).
    Keep { end: usize },
}

/// One element of a name to look for.
enum Unit {
    /// A character, compared case-insensitively.
    Char(char),
    /// Any run of whitespace, so "Jane Doe" also matches across a line break.
    Space,
}

struct Scanner<'a> {
    chars: &'a [char],
    names: &'a [Vec<Unit>],
    out: String,
    masked: usize,
    /// Starts inside a local-part run already known not to begin an e-mail address; remembering
    /// it keeps a run split by masked names from being rescanned once per name.
    no_email: std::ops::Range<usize>,
    /// Starts inside an identifier run already known to have too few digits, for the same reason
    /// ("order-order-order-…").
    no_identifier: std::ops::Range<usize>,
}

impl Scanner<'_> {
    fn run(&mut self) {
        let mut at = 0;
        while at < self.chars.len() {
            if let Some(len) = placeholder_len(self.chars, at) {
                self.copy(at, at + len);
                at += len;
                continue;
            }
            // Rules look behind at the output, not the input, so that a second pass (which reads
            // that output) sees the same neighbours and makes the same decisions.
            let prev = self.out.chars().next_back();
            let step = if prev.is_some_and(char::is_alphanumeric) {
                None
            } else {
                self.step(at, prev)
            };
            match step {
                Some(Step::Mask { keep, end, with }) if at <= keep && keep < end => {
                    self.copy(at, keep);
                    self.out.push_str(with);
                    self.masked += 1;
                    at = end;
                }
                Some(Step::Keep { end }) if end > at => {
                    self.copy(at, end);
                    at = end;
                }
                _ => {
                    self.out.push(self.chars[at]);
                    at += 1;
                }
            }
        }
    }

    fn copy(&mut self, from: usize, to: usize) {
        self.out
            .extend(self.chars.get(from..to).unwrap_or_default().iter());
    }

    /// The first rule that applies at `at`; the order settles overlaps (an e-mail address wins
    /// over the name in it, a keyword's identifier over the phone number it resembles).
    fn step(&mut self, at: usize, prev: Option<char>) -> Option<Step> {
        let chars = self.chars;
        if let Some(step) = url(chars, at, self.names) {
            return Some(step);
        }
        if let Some(step) = self.email(at, prev) {
            return Some(step);
        }
        if let Some(end) = self.names.iter().find_map(|n| name_end(chars, at, n)) {
            return Some(Step::Mask {
                keep: at,
                end,
                with: NAME,
            });
        }
        if let Some(step) = self.reference(at) {
            return Some(step);
        }
        number(chars, at, prev)
    }

    fn email(&mut self, at: usize, prev: Option<char>) -> Option<Step> {
        let chars = self.chars;
        // An address starts where its local part does, not in the middle of one.
        if prev.is_some_and(is_local) || self.no_email.contains(&at) {
            return None;
        }
        let mut at_sign = at;
        while chars.get(at_sign).copied().is_some_and(is_local) {
            at_sign += 1;
        }
        let found = (chars.get(at_sign) == Some(&'@'))
            .then(|| {
                // Leading dots or underscores are punctuation around the address ("_a@b.de_").
                let keep = (at..at_sign).find(|&k| chars[k].is_alphanumeric())?;
                let end = domain_end(chars, at_sign + 1)?;
                Some(Step::Mask {
                    keep,
                    end,
                    with: EMAIL,
                })
            })
            .flatten();
        if found.is_none() {
            self.no_email = at..at_sign;
        }
        found
    }

    /// A keyword ("order", "invoice", …) or a bare `#`, followed by an identifier with digits.
    fn reference(&mut self, at: usize) -> Option<Step> {
        let chars = self.chars;
        let start = if chars.get(at) == Some(&'#') {
            // Bare "#" needs the identifier glued to it, so a Markdown heading "# 2024" stays.
            at + 1
        } else {
            let mut k = keyword_end(chars, at)?;
            let mut connectors = 0;
            loop {
                let next = skip_gap(chars, k);
                match connector_end(chars, next) {
                    Some(end) if connectors < 3 => {
                        k = end;
                        connectors += 1;
                    }
                    _ => break next,
                }
            }
        };
        if let Some(len) = placeholder_len(chars, start) {
            // Already redacted: keep the keyword with its placeholder so that a second pass does
            // not read the connector words ("number") on their own.
            return Some(Step::Keep { end: start + len });
        }
        if self.no_identifier.contains(&start) {
            return None;
        }
        let mut k = start;
        let mut end = start;
        let mut digits = 0;
        while let Some(&c) = chars.get(k) {
            if c.is_alphanumeric() {
                digits += usize::from(c.is_ascii_digit());
                k += 1;
                end = k;
            } else if matches!(c, '-' | '_' | '/' | '.') {
                k += 1;
            } else {
                break;
            }
        }
        if end == start || digits < MIN_IDENTIFIER_DIGITS {
            self.no_identifier = start..k;
            return None;
        }
        // "account jane1234@example.com": the identifier is an address's local part.
        if chars.get(end) == Some(&'@') {
            if let Some(address_end) = domain_end(chars, end + 1) {
                return Some(Step::Mask {
                    keep: start,
                    end: address_end,
                    with: EMAIL,
                });
            }
        }
        Some(Step::Mask {
            keep: start,
            end,
            with: NUMBER,
        })
    }
}

/// Names without surrounding punctuation (so "@jane" finds "jane"), longest first (so "Jane Doe"
/// wins over "Jane"). Names with fewer than two letters or digits would mask ordinary words.
fn prepare_names(names: &[&str]) -> Vec<Vec<Unit>> {
    let mut prepared: Vec<Vec<Unit>> = names
        .iter()
        .map(|name| name.trim_matches(|c: char| !c.is_alphanumeric()))
        .filter(|name| name.chars().filter(|c| c.is_alphanumeric()).count() >= 2)
        .map(|name| {
            let mut units = Vec::new();
            for c in name.chars() {
                if !c.is_whitespace() {
                    units.push(Unit::Char(c));
                } else if !matches!(units.last(), Some(Unit::Space)) {
                    units.push(Unit::Space);
                }
            }
            units
        })
        .collect();
    prepared.sort_by_key(|units| std::cmp::Reverse(units.len()));
    prepared
}

/// Where `name` ends if it starts at `at` as a whole word.
fn name_end(chars: &[char], at: usize, name: &[Unit]) -> Option<usize> {
    let mut k = at;
    for unit in name {
        match *unit {
            Unit::Space => {
                let start = k;
                while chars.get(k).is_some_and(|c| c.is_whitespace()) {
                    k += 1;
                }
                if k == start {
                    return None;
                }
            }
            Unit::Char(c) => {
                let t = *chars.get(k)?;
                // A name must not swallow part of a placeholder, or a second pass would differ.
                if !same_letter(t, c) || (k > at && placeholder_len(chars, k).is_some()) {
                    return None;
                }
                k += 1;
            }
        }
    }
    if chars.get(k).is_some_and(|c| c.is_alphanumeric()) {
        return None;
    }
    Some(k)
}

fn same_letter(a: char, b: char) -> bool {
    a == b || a.to_lowercase().eq(b.to_lowercase())
}

/// Placeholders match exactly: a customer's own "[EMAIL]" is ordinary text.
fn placeholder_len(chars: &[char], at: usize) -> Option<usize> {
    if chars.get(at) != Some(&'[') {
        return None;
    }
    PLACEHOLDERS.iter().find_map(|p| {
        let len = p.chars().count();
        let found = chars.get(at..at + len)?.iter().copied().eq(p.chars());
        found.then_some(len)
    })
}

/// Where `prefix` ends if the text at `at` starts with it, ignoring ASCII case.
fn starts_with_ignore_case(chars: &[char], at: usize, prefix: &str) -> Option<usize> {
    let mut k = at;
    for p in prefix.chars() {
        if !chars.get(k)?.eq_ignore_ascii_case(&p) {
            return None;
        }
        k += 1;
    }
    Some(k)
}

fn is_local(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '.' | '_' | '%' | '+' | '-')
}

/// Where the longest valid domain starting at `at` ends: two or more labels, none empty or
/// starting or ending with a hyphen, and an alphabetic top-level label of two or more letters.
/// Only the text before each candidate end decides, so a second pass, which may see a
/// placeholder further on, finds the same end.
fn domain_end(chars: &[char], at: usize) -> Option<usize> {
    let mut best = None;
    let mut done_labels = 0;
    let mut label_len = 0;
    let mut label_alphabetic = true;
    let mut k = at;
    while let Some(&c) = chars.get(k) {
        if c.is_alphanumeric() {
            label_len += 1;
            label_alphabetic &= c.is_alphabetic();
            k += 1;
            let run_ends = !chars.get(k).is_some_and(|c| c.is_alphanumeric());
            if run_ends && done_labels >= 1 && label_len >= 2 && label_alphabetic {
                best = Some(k);
            }
        } else if c == '-' && label_len > 0 {
            label_len += 1;
            label_alphabetic = false;
            k += 1;
        } else if c == '.' && label_len > 0 && chars[k - 1] != '-' {
            done_labels += 1;
            label_len = 0;
            label_alphabetic = true;
            k += 1;
        } else {
            break;
        }
    }
    best
}

fn keyword_end(chars: &[char], at: usize) -> Option<usize> {
    KEYWORDS.iter().find_map(|kw| {
        starts_with_ignore_case(chars, at, kw)
            .filter(|&end| !chars.get(end).is_some_and(|c| c.is_alphanumeric()))
    })
}

fn connector_end(chars: &[char], at: usize) -> Option<usize> {
    CONNECTORS.iter().find_map(|connector| {
        let end = starts_with_ignore_case(chars, at, connector)?;
        let word = connector.ends_with(|c: char| c.is_alphanumeric());
        let glued = chars.get(end).is_some_and(|c| c.is_alphanumeric());
        (!(word && glued)).then_some(end)
    })
}

/// Skips up to three spaces or tabs; a keyword on one line does not claim a number on the next.
fn skip_gap(chars: &[char], at: usize) -> usize {
    let mut k = at;
    while k < at + 3
        && chars
            .get(k)
            .is_some_and(|&c| c.is_whitespace() && c != '\n' && c != '\r')
    {
        k += 1;
    }
    k
}

/// A date (kept as is) or a phone number (masked) starting at `at`.
fn number(chars: &[char], at: usize, prev: Option<char>) -> Option<Step> {
    // After these, digits continue a version, a path, a code or an amount.
    if prev.is_some_and(|c| {
        matches!(
            c,
            '.' | '-' | '_' | '/' | '\\' | '+' | '$' | '€' | '£' | '¥'
        )
    }) {
        return None;
    }
    if let Some(end) = date_end(chars, at) {
        return Some(Step::Keep { end });
    }
    phone(chars, at)
}

fn digit_run(chars: &[char], at: usize) -> usize {
    chars
        .get(at..)
        .unwrap_or_default()
        .iter()
        .take_while(|c| c.is_ascii_digit())
        .count()
}

/// Where a date such as 2024-05-01 or 01.05.2024 starting at `at` ends.
fn date_end(chars: &[char], at: usize) -> Option<usize> {
    let a = digit_run(chars, at);
    let sep = *chars.get(at + a)?;
    if sep != '-' && sep != '.' {
        return None;
    }
    let b_at = at + a + 1;
    let b = digit_run(chars, b_at);
    if chars.get(b_at + b) != Some(&sep) {
        return None;
    }
    let c_at = b_at + b + 1;
    let c = digit_run(chars, c_at);
    let short = 1..=2;
    let date = (a == 4 && short.contains(&b) && short.contains(&c))
        || (short.contains(&a) && short.contains(&b) && c == 4);
    date.then_some(c_at + c)
}

/// A group of digits in a phone number, possibly in parentheses: "555" or "(0)".
struct Group {
    digits_at: usize,
    len: usize,
    end: usize,
    parenthesised: bool,
}

fn group(chars: &[char], at: usize) -> Option<Group> {
    if chars.get(at) == Some(&'(') {
        let len = digit_run(chars, at + 1);
        let closed = chars.get(at + 1 + len) == Some(&')');
        return ((1..=5).contains(&len) && closed).then_some(Group {
            digits_at: at + 1,
            len,
            end: at + len + 2,
            parenthesised: true,
        });
    }
    let len = digit_run(chars, at);
    (len > 0).then_some(Group {
        digits_at: at,
        len,
        end: at + len,
        parenthesised: false,
    })
}

/// Where the separator between phone groups ends (" ", "-", ".", " - "), and whether it has a dot.
/// Two spaces in a row end the number: that is layout, not a phone format.
fn separator(chars: &[char], at: usize) -> (usize, bool) {
    let is_space = |k: usize| chars.get(k).is_some_and(|&c| c == ' ' || c == '\u{a0}');
    let mut k = at;
    if is_space(k) {
        k += 1;
    }
    let mark = chars.get(k).copied().filter(|&c| c == '-' || c == '.');
    if mark.is_some() {
        k += 1;
        if is_space(k) {
            k += 1;
        }
    }
    (k, mark == Some('.'))
}

/// A phone number starting at `at`; a digit sequence that is not one is kept whole, so that its
/// tail is not mistaken for a shorter phone number.
fn phone(chars: &[char], at: usize) -> Option<Step> {
    let plus = chars.get(at) == Some(&'+');
    let first = group(chars, at + usize::from(plus))?;
    let mut end = first.end;
    let mut groups = vec![first];
    let mut dotted = false;
    loop {
        let (next, dot) = separator(chars, end);
        let Some(g) = group(chars, next) else { break };
        // "call 0612345678 2024-05-01": the date is not part of the number.
        if !g.parenthesised && date_end(chars, next).is_some() {
            break;
        }
        dotted |= dot;
        end = g.end;
        groups.push(g);
    }
    let digits: usize = groups.iter().map(|g| g.len).sum();
    let glued = chars.get(end - 1).is_some_and(|c| c.is_ascii_digit())
        && chars.get(end).is_some_and(|c| c.is_alphanumeric());
    let years = groups.iter().all(|g| {
        let value = chars[g.digits_at..g.digits_at + g.len]
            .iter()
            .fold(0u32, |v, c| {
                v.saturating_mul(10)
                    .saturating_add(c.to_digit(10).unwrap_or(0))
            });
        g.len == 4 && (1900..=2099).contains(&value)
    });
    // Dotted sequences are usually versions (10.0.19045.2006), addresses (192.168.1.10) or
    // amounts (1234567.89); dotted phone formats (555.123.4567, 06.12.34.56.78) have neither
    // one-digit groups nor just two groups nor four short ones.
    let version_like = dotted
        && (groups.iter().any(|g| g.len == 1)
            || groups.len() == 2
            || (groups.len() == 4 && groups.iter().all(|g| g.len <= 3)));
    if digits < MIN_PHONE_DIGITS || glued || (!plus && (years || version_like)) {
        return Some(Step::Keep { end });
    }
    Some(Step::Mask {
        keep: at,
        end,
        with: PHONE,
    })
}

/// A link and whether it must go; a link is taken to end before whitespace, angle brackets,
/// quotes and an unmatched ")", without trailing punctuation, as in "(see https://x.io/a)."
fn url(chars: &[char], at: usize, names: &[Vec<Unit>]) -> Option<Step> {
    let body = ["https://", "http://"]
        .iter()
        .find_map(|scheme| starts_with_ignore_case(chars, at, scheme))?;
    let mut end = body;
    let mut depth = 0usize;
    while let Some(&c) = chars.get(end) {
        if c.is_whitespace() || c.is_control() || "<>\"`[]{}|\\^".contains(c) {
            break;
        }
        if c == '(' {
            depth += 1;
        } else if c == ')' {
            if depth == 0 {
                break;
            }
            depth -= 1;
        }
        end += 1;
    }
    while end > body && ".,;:!?'*_".contains(chars[end - 1]) {
        end -= 1;
    }
    if end == body {
        return None;
    }
    Some(if carries_secret(&chars[body..end], names) {
        Step::Mask {
            keep: at,
            end,
            with: LINK,
        }
    } else {
        Step::Keep { end }
    })
}

/// Whether a link (after its scheme) carries a credential or personal data: a secret parameter,
/// a random-looking token, a user name before the host, an e-mail address or one of the names.
fn carries_secret(url: &[char], names: &[Vec<Unit>]) -> bool {
    let text: String = url.iter().collect();
    let (rest, fragment) = text.split_once('#').unwrap_or((&text, ""));
    let (rest, query) = rest.split_once('?').unwrap_or((rest, ""));
    let (authority, path) = rest.split_once('/').unwrap_or((rest, ""));
    let secret_pair = |pair: &str| {
        pair.split_once('=')
            .is_some_and(|(key, value)| !value.trim().is_empty() && secret_key(key))
    };
    authority.contains('@')
        || path
            .split(['/', ';'])
            .any(|segment| secret_pair(segment) || looks_random(segment))
        || [query, fragment].iter().any(|part| {
            part.split(['&', ';']).any(|pair| {
                let value = pair.split_once('=').map_or(pair, |(_, v)| v);
                secret_pair(pair) || looks_random(value)
            })
        })
        || contains_email(url)
        || (0..url.len()).any(|k| {
            (k == 0 || !url[k - 1].is_alphanumeric())
                && names.iter().any(|n| name_end(url, k, n).is_some())
        })
}

fn secret_key(key: &str) -> bool {
    let key = key.to_ascii_lowercase();
    let compact: String = key.chars().filter(char::is_ascii_alphanumeric).collect();
    key.split(|c: char| !c.is_ascii_alphanumeric())
        .any(|part| SECRET_KEY_PARTS.contains(&part))
        || SECRET_KEY_FRAGMENTS.iter().any(|f| compact.contains(f))
}

/// Whether a run of 20 or more URL-safe characters mixes letters and digits the way tokens do.
/// Slugs such as "how-to-reset-2fa-on-android-14" also mix them, but rarely and between words.
fn looks_random(s: &str) -> bool {
    let mixes = |run: &str| {
        run.bytes().any(|b| b.is_ascii_alphabetic()) && run.bytes().any(|b| b.is_ascii_digit())
    };
    s.split(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_'))
        .filter(|run| run.len() >= 20 && mixes(run))
        .any(|run| {
            let contacts = run
                .as_bytes()
                .windows(2)
                .filter(|w| w[0].is_ascii_alphabetic() != w[1].is_ascii_alphabetic())
                .filter(|w| w.iter().all(u8::is_ascii_alphanumeric))
                .count();
            contacts >= 4
                || run
                    .split(['-', '_'])
                    .any(|part| part.len() >= 16 && mixes(part))
        })
}

/// Whether the link contains an e-mail address, plainly or percent-encoded ("%40").
fn contains_email(url: &[char]) -> bool {
    (1..url.len()).any(|k| {
        let after = if url[k] == '@' {
            k + 1
        } else if starts_with_ignore_case(url, k, "%40").is_some() {
            k + 3
        } else {
            return false;
        };
        url[k - 1].is_alphanumeric() && domain_end(url, after).is_some()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn r(text: &str) -> String {
        redact(text, &[]).text
    }

    #[test]
    fn names_are_masked_as_whole_words_ignoring_case() {
        let out = redact(
            "Hi, I'm Jane Doe (JANE_D). Regards, jane doe. Janet is my colleague.",
            &["Jane Doe", "jane_d"],
        );
        assert_eq!(
            out.text,
            "Hi, I'm [name] ([name]). Regards, [name]. Janet is my colleague."
        );
        assert_eq!(out.masked, 3);
        assert_eq!(
            redact("Thanks,\nJane\n  Doe", &["Jane Doe"]).text,
            "Thanks,\n[name]"
        );
        assert_eq!(redact("ping @jdoe!", &["@jdoe"]).text, "ping @[name]!");
        assert_eq!(redact("Ünal wrote", &["ünal"]).text, "[name] wrote");
        assert_eq!(
            redact("Jane and Doe", &["Doe", "Jane"]).text,
            "[name] and [name]"
        );
    }

    #[test]
    fn odd_names_are_harmless() {
        let text = "a.b*c (x) [y] and a+b";
        assert_eq!(redact(text, &["", " ", "a", "()", ".*", "\\"]).text, text);
        assert_eq!(redact("see a.b*c here", &["a.b*c"]).text, "see [name] here");
        assert_eq!(redact("x (jo) y", &["(jo)"]).text, "x ([name]) y");
    }

    #[test]
    fn emails() {
        assert_eq!(r("Mail jane.doe+help@example.co.uk."), "Mail [email].");
        assert_eq!(r("<a_b-c@mail.example.org>"), "<[email]>");
        assert_eq!(r("mailto:jürgen@müller.de"), "mailto:[email]");
        assert_eq!(r("_jane@example.com_"), "_[email]_");
        assert_eq!(r("a@b.co-op x"), "[email]-op x");
        for plain in [
            "@jane",
            "user@localhost",
            "foo@bar",
            "a@1.2",
            "email me @ work",
            "x@.com",
        ] {
            assert_eq!(r(plain), plain);
        }
    }

    #[test]
    fn phones() {
        for (text, want) in [
            ("call +1 (555) 123-4567 today", "call [phone] today"),
            ("0612345678", "[phone]"),
            ("+44 20 7946 0958.", "[phone]."),
            ("tel: 555.123.4567", "tel: [phone]"),
            ("06 12 34 56 78 or 06.12.34.56.78", "[phone] or [phone]"),
            ("(0612) 345678", "[phone]"),
            ("+31(0)612345678", "[phone]"),
            ("555 - 123 - 4567", "[phone]"),
            ("call 0612345678 2024-05-01", "call [phone] 2024-05-01"),
        ] {
            assert_eq!(r(text), want, "{text}");
        }
        for plain in [
            "version 1.2.3",
            "in 2024",
            "on 2024-05-01 and 01.05.2024",
            "Windows 10.0.19045.2006",
            "server 192.168.100.200",
            "member 2019-2024",
            "paid 1234567.89",
            "paid $1234567",
            "room 12, floor 3",
            "build v12345678",
            "SKU AB-12345678",
            "id 1234567abc",
            "0612 34",
        ] {
            assert_eq!(r(plain), plain, "{plain}");
        }
    }

    #[test]
    fn reference_numbers() {
        for (text, want) in [
            ("my order #A-123456 is late", "my order #[number] is late"),
            ("Invoice INV-2024-0042", "Invoice [number]"),
            ("order number 99812345", "order number [number]"),
            ("Account No.: 12345678", "Account No.: [number]"),
            ("ref ABC1234.", "ref [number]."),
            ("see #45211", "see #[number]"),
            ("INV-2024-0042", "INV-[number]"),
            ("customer ID C-99812", "customer ID [number]"),
            ("account jane1234@example.com", "account [email]"),
        ] {
            assert_eq!(r(text), want, "{text}");
        }
        for plain in [
            "order 12 items",
            "account settings 1234",
            "an order from 2024",
            "# 2024 plans",
            "C#1234",
            "invalid 12345",
            "reorder 12345",
        ] {
            assert_eq!(r(plain), plain, "{plain}");
        }
    }

    #[test]
    fn links() {
        for (text, want) in [
            (
                "reset via https://example.com/reset?token=abc123 please",
                "reset via [link removed] please",
            ),
            (
                "(see https://x.io/a?lang=en&api_key=zz).",
                "(see [link removed]).",
            ),
            (
                "https://cdn.example.com/f.pdf?X-Amz-Signature=ab12",
                "[link removed]",
            ),
            ("http://example.com/login#access_token=x", "[link removed]"),
            (
                "https://example.com/s/8f3b2a91c4d5e6f70819a2b3",
                "[link removed]",
            ),
            (
                "https://example.com/dl/eyJhbGciOiJIUzI1NiJ9",
                "[link removed]",
            ),
            ("https://user:pw@example.com/", "[link removed]"),
            ("https://x.io/?email=jane%40example.com", "[link removed]"),
            ("https://github.com/JaneDoe", "[link removed]"),
        ] {
            assert_eq!(redact(text, &["janedoe"]).text, want, "{text}");
        }
        for plain in [
            "https://example.com/docs/getting-started?page=2#install",
            "https://www.youtube.com/watch?v=dQw4w9WgXcQ",
            "https://example.com/how-to-reset-2fa-on-android-14",
            "https://example.com/orders/12345678 (see https://en.wikipedia.org/wiki/Foo_(bar)).",
            "https://example.com/?keyword=shoes&monkey=1",
            "https://medium.com/@author/a-post",
            "http:// nothing",
        ] {
            assert_eq!(redact(plain, &["janedoe"]).text, plain, "{plain}");
        }
    }

    #[test]
    fn placeholders_stay_and_are_not_counted() {
        let out = redact("[name] [email] [phone] [number] [link removed]", &["name"]);
        assert_eq!(out.text, "[name] [email] [phone] [number] [link removed]");
        assert_eq!(out.masked, 0);
    }

    #[test]
    fn counts_every_replacement() {
        let text = "I'm Jane (jane@x.com, +1 555 123 4567), order 55512345, https://x.io/?sig=1";
        let out = redact(text, &["jane"]);
        assert_eq!(
            out.text,
            "I'm [name] ([email], [phone]), order [number], [link removed]"
        );
        assert_eq!(out.masked, 5);
        assert_eq!(redact(&out.text, &["jane"]).masked, 0);
    }

    #[test]
    fn long_adversarial_input_finishes() {
        for unit in [
            "order-",
            "order ",
            "jane.",
            "jane ",
            "a@",
            "a@b.",
            "ab@cd.ef ",
            "1 ",
            "1-",
            "1.",
            "(1)",
            "#1",
            "+",
            "https://",
            "https://x.io/jane-",
        ] {
            let text = unit.repeat(50_000);
            let once = redact(&text, &["jane", "x"]);
            assert_eq!(redact(&once.text, &["jane", "x"]).text, once.text);
        }
    }

    fn messy_text() -> impl Strategy<Value = String> {
        let piece = prop_oneof![
            "[a-zA-Z]{1,8}",
            "[ .,:;!?()#+_/@\\[\\]\n-]",
            "[0-9]{1,4}",
            prop::sample::select(vec![
                "order", "invoice", "INV", "no.", "#", "ref", "jane", "Jane Doe", "[name]",
                "[email]", "[phone]", "[number]", "[link removed]", "http://", "https://",
                "?token=", "%40", "2024-05-01",
            ])
            .prop_map(String::from),
            "https?://[a-z]{1,6}\\.(com|io)(/[a-zA-Z0-9_-]{0,24}){0,2}(\\?[a-z_]{1,12}=[a-zA-Z0-9]{0,8})?",
            "[a-z._]{1,6}@[a-z]{1,6}\\.[a-z]{2,3}",
            "\\+?[0-9]{1,3}[ .-]?\\(?[0-9]{2,4}\\)?[ .-]?[0-9]{2,4}[ .-]?[0-9]{2,4}",
            any::<char>().prop_map(String::from),
        ];
        prop::collection::vec(piece, 0..30).prop_map(|pieces| pieces.concat())
    }

    fn some_names() -> impl Strategy<Value = Vec<String>> {
        prop::collection::vec(
            prop_oneof![
                "[a-zA-Z]{2,8}( [a-zA-Z]{2,8})?",
                prop::sample::select(vec!["jane", "Jane Doe", "name", "order", "no", "com"])
                    .prop_map(String::from),
                any::<String>(),
            ],
            0..4,
        )
    }

    fn phone_number() -> impl Strategy<Value = String> {
        prop_oneof![
            "\\+[1-9][0-9]{0,2} \\([0-9]{3}\\) [0-9]{3}-[0-9]{4}",
            "0[1-9][0-9]{8}",
            "\\+44 [0-9]{2} [0-9]{4} [0-9]{4}",
            "[2-9][0-9]{2}-[0-9]{3}-[0-9]{4}",
            "[2-9][0-9]{2}\\.[0-9]{3}\\.[0-9]{4}",
            "0[1-9]( [0-9]{2}){4}",
        ]
    }

    fn with_inserted(words: Vec<String>, at: prop::sample::Index, item: &str) -> String {
        let mut words = words;
        let at = at.index(words.len() + 1);
        words.insert(at, item.to_string());
        words.join(" ")
    }

    proptest! {
        #[test]
        fn never_panics(text in any::<String>(), names in prop::collection::vec(any::<String>(), 0..4)) {
            let names: Vec<&str> = names.iter().map(String::as_str).collect();
            let _ = redact(&text, &names);
        }

        #[test]
        fn is_idempotent(text in prop_oneof![messy_text(), any::<String>()], names in some_names()) {
            let names: Vec<&str> = names.iter().map(String::as_str).collect();
            let once = redact(&text, &names);
            let twice = redact(&once.text, &names);
            prop_assert_eq!(&twice.text, &once.text);
            prop_assert_eq!(twice.masked, 0);
        }

        #[test]
        fn text_without_triggers_is_unchanged(
            text in prop_oneof![any::<String>(), "[a-zA-Z .,:;!?()#+_/\\[\\]\n-]{0,200}"],
            names in prop::collection::vec("[a-z]{2,8}", 0..3),
        ) {
            let text: String = text.chars().filter(|c| !c.is_ascii_digit() && *c != '@').collect();
            let lower = text.to_lowercase();
            prop_assume!(!text.contains("://"));
            prop_assume!(names.iter().all(|n| !lower.contains(n.as_str())));
            let names: Vec<&str> = names.iter().map(String::as_str).collect();
            let out = redact(&text, &names);
            prop_assert_eq!(out.text, text);
            prop_assert_eq!(out.masked, 0);
        }

        #[test]
        fn inserted_email_never_survives(
            words in prop::collection::vec("[a-zA-Z]{1,8}", 0..12),
            at in any::<prop::sample::Index>(),
            email in "[a-z][a-z0-9._+-]{0,10}@[a-z]([a-z0-9-]{0,6}[a-z0-9])?\\.(com|org|de|co\\.uk)",
        ) {
            let out = redact(&with_inserted(words, at, &email), &[]);
            prop_assert!(!out.text.contains(&email), "{}", out.text);
            prop_assert!(out.masked >= 1);
        }

        #[test]
        fn inserted_phone_never_survives(
            words in prop::collection::vec("[a-zA-Z]{1,8}", 0..12),
            at in any::<prop::sample::Index>(),
            phone in phone_number(),
        ) {
            let out = redact(&with_inserted(words, at, &phone), &[]);
            prop_assert!(!out.text.contains(&phone), "{}", out.text);
            prop_assert!(out.masked >= 1);
        }
    }
}
