//! Question coaching: before a question is posted, what answerers will need and the draft
//! lacks (the exact error, the version or device, a title that asks something specific), each
//! hint kept or dropped by what the site's own answered and unanswered questions show, with
//! that evidence in words. Pure rules; the use-case layer feeds the site's questions and
//! records which questions were coached so the health page can tell whether it helps.

use crate::search::analyze;

/// Something a draft lacks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Hint {
    /// It reports a failure but quotes no error message.
    ErrorMessage,
    /// It reports a failure but names no version, device or model.
    Version,
    /// Its title is not phrased as a question.
    TitleQuestion,
    /// Its title is too short or vague to tell what it is about.
    TitleSpecific,
}

impl Hint {
    /// Every hint, in the order shown.
    pub const ALL: [Hint; 4] = [
        Hint::ErrorMessage,
        Hint::Version,
        Hint::TitleSpecific,
        Hint::TitleQuestion,
    ];

    /// Its stable code (form fields, the database).
    pub fn code(self) -> &'static str {
        match self {
            Hint::ErrorMessage => "error_message",
            Hint::Version => "version",
            Hint::TitleQuestion => "title_question",
            Hint::TitleSpecific => "title_specific",
        }
    }

    /// The hint for a code.
    pub fn parse(code: &str) -> Option<Hint> {
        Hint::ALL.into_iter().find(|h| h.code() == code)
    }

    /// What to do, in words.
    pub fn advice(self) -> &'static str {
        match self {
            Hint::ErrorMessage => {
                "Paste the exact error message, if there is one: answerers search for its words."
            }
            Hint::Version => {
                "Say which version, device or model you use: the fix often depends on it."
            }
            Hint::TitleQuestion => "Phrase the title as a question, as you would ask a colleague.",
            Hint::TitleSpecific => {
                "Make the title specific: name the thing and what goes wrong with it."
            }
        }
    }
}

/// Codes, space-separated, for storing a set of hints.
pub fn codes(hints: &[Hint]) -> String {
    hints.iter().map(|h| h.code()).collect::<Vec<_>>().join(" ")
}

/// Hints from space- or comma-separated codes; unknown codes are ignored (a form field).
pub fn parse_codes(raw: &str) -> Vec<Hint> {
    let mut out = Vec::new();
    for h in raw.split([' ', ',']).filter_map(Hint::parse) {
        if !out.contains(&h) {
            out.push(h);
        }
    }
    out
}

/// What a question (or a draft) has, as the hints see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Traits {
    /// It says something fails (error, crash, does not work…).
    pub reports_failure: bool,
    /// It quotes something: code, a quoted line, an error code, text in quotes.
    pub quotes_error: bool,
    /// It names a version, device, model or system.
    pub names_version: bool,
    /// The title ends with '?' or starts with a question word.
    pub title_is_question: bool,
    /// The title has at least three words that say what it is about.
    pub title_is_specific: bool,
}

const FAILURE_WORDS: &[&str] = &[
    "error",
    "errors",
    "fail",
    "fails",
    "failed",
    "failing",
    "failure",
    "crash",
    "crashes",
    "crashed",
    "crashing",
    "exception",
    "broken",
    "stuck",
    "freezes",
    "frozen",
    "bug",
    "won't",
    "can't",
    "cannot",
    "doesn't",
    "isn't",
    "unable",
];
const FAILURE_PHRASES: &[&str] = &[
    "not working",
    "does not work",
    "do not work",
    "stopped working",
];
const QUESTION_WORDS: &[&str] = &[
    "how", "what", "why", "when", "where", "which", "who", "whom", "whose", "can", "could", "does",
    "do", "did", "is", "are", "was", "were", "should", "would", "will", "shall", "may", "might",
    "has", "have", "had", "am",
];
const VERSION_WORDS: &[&str] = &[
    "version", "firmware", "model", "release", "windows", "macos", "mac", "osx", "linux", "ubuntu",
    "debian", "fedora", "android", "ios", "iphone", "ipad", "chrome", "firefox", "safari", "edge",
];
/// Title words that say nothing about the subject (stemmed, as `analyze` gives them).
const VAGUE: &[&str] = &[
    "help", "problem", "issu", "question", "urgent", "pleas", "error", "work", "need", "thing",
    "stuff", "doesn't", "can't", "won't", "cannot", "anyon",
];

fn words(text: &str) -> Vec<String> {
    crate::search::tokenize(text)
        .into_iter()
        .map(|t| t.lower)
        .collect()
}

/// Whether `w` looks like a version or model: digits with dots (`2.4.1`), `v2`, or letters
/// and digits mixed (`xr500`, `win10`).
fn versionish(w: &str) -> bool {
    let digits = w.chars().filter(char::is_ascii_digit).count();
    let letters = w.chars().filter(|c| c.is_alphabetic()).count();
    (digits > 0 && letters > 0 && w.len() >= 2) || VERSION_WORDS.contains(&w)
}

fn has_dotted_number(text: &str) -> bool {
    let b = text.as_bytes();
    (1..b.len().saturating_sub(1))
        .any(|i| b[i] == b'.' && b[i - 1].is_ascii_digit() && b[i + 1].is_ascii_digit())
}

fn quotes_something(body: &str) -> bool {
    // Markdown code, or the HTML of imported posts.
    if body.contains('`')
        || body.contains("<code")
        || body.contains("<pre")
        || body.contains("<blockquote")
    {
        return true;
    }
    if body
        .lines()
        .any(|l| l.starts_with("    ") || l.starts_with('\t') || l.trim_start().starts_with('>'))
    {
        return true;
    }
    let lower = body.to_lowercase();
    if [
        "error:",
        "error code",
        "exception:",
        "0x",
        "traceback",
        "errno",
        "exit code",
    ]
    .iter()
    .any(|p| lower.contains(p))
    {
        return true;
    }
    // Text in quotes of at least two words ("Unable to connect").
    for q in ['"', '“', '”', '«'] {
        let parts: Vec<&str> = body.split(q).collect();
        if parts.len() >= 3
            && parts
                .iter()
                .skip(1)
                .step_by(2)
                .any(|p| p.split_whitespace().count() >= 2)
        {
            return true;
        }
    }
    false
}

/// The traits of a question.
pub fn traits(title: &str, body: &str) -> Traits {
    let all = format!("{title}\n{body}");
    let lower = all.to_lowercase();
    let ws = words(&all);
    let reports_failure = ws.iter().any(|w| FAILURE_WORDS.contains(&w.as_str()))
        || FAILURE_PHRASES.iter().any(|p| lower.contains(p));
    let title_words = words(title);
    let title_is_question = title.trim_end().ends_with('?')
        || title_words
            .first()
            .is_some_and(|w| QUESTION_WORDS.contains(&w.as_str()));
    let title_is_specific = analyze(title)
        .iter()
        .filter(|t| !VAGUE.contains(&t.as_str()))
        .count()
        >= 3;
    Traits {
        reports_failure,
        quotes_error: quotes_something(body),
        names_version: has_dotted_number(&all) || ws.iter().any(|w| versionish(w)),
        title_is_question,
        title_is_specific,
    }
}

/// Whether a hint concerns a question with these traits, and whether the question has what it
/// asks for: `None` when it does not apply, else `Some(has_it)`.
fn applies(h: Hint, t: &Traits) -> Option<bool> {
    match h {
        Hint::ErrorMessage => t.reports_failure.then_some(t.quotes_error),
        Hint::Version => t.reports_failure.then_some(t.names_version),
        Hint::TitleQuestion => Some(t.title_is_question),
        Hint::TitleSpecific => Some(t.title_is_specific),
    }
}

/// How often questions of the site got an answer with and without what a hint asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Rates {
    /// Answered questions that had it.
    pub with_answered: u32,
    /// Questions that had it.
    pub with_total: u32,
    /// Answered questions that lacked it.
    pub without_answered: u32,
    /// Questions that lacked it.
    pub without_total: u32,
}

/// Fewest questions on each side before the site's data decides.
pub const MIN_EVIDENCE: u32 = 20;

impl Rates {
    fn share(a: u32, n: u32) -> f64 {
        if n == 0 {
            0.0
        } else {
            f64::from(a) / f64::from(n)
        }
    }

    /// Answered share with it.
    pub fn with(&self) -> f64 {
        Self::share(self.with_answered, self.with_total)
    }

    /// Answered share without it.
    pub fn without(&self) -> f64 {
        Self::share(self.without_answered, self.without_total)
    }

    /// Whether both sides have enough questions to go by.
    pub fn enough(&self) -> bool {
        self.with_total >= MIN_EVIDENCE && self.without_total >= MIN_EVIDENCE
    }
}

/// What the site's questions say about each hint.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Evidence {
    rates: [Rates; 4],
}

impl Evidence {
    /// Learns from the site's questions: `(title, body, answered)`.
    pub fn learn<'a>(questions: impl IntoIterator<Item = (&'a str, &'a str, bool)>) -> Self {
        let mut e = Evidence::default();
        for (title, body, answered) in questions {
            let t = traits(title, body);
            for (i, h) in Hint::ALL.into_iter().enumerate() {
                let r = &mut e.rates[i];
                match applies(h, &t) {
                    Some(true) => {
                        r.with_total += 1;
                        r.with_answered += u32::from(answered);
                    }
                    Some(false) => {
                        r.without_total += 1;
                        r.without_answered += u32::from(answered);
                    }
                    None => {}
                }
            }
        }
        e
    }

    /// The rates for a hint.
    pub fn rates(&self, h: Hint) -> Rates {
        let i = Hint::ALL.iter().position(|x| *x == h).unwrap_or(0);
        self.rates[i]
    }
}

/// A hint for a draft, with the site's evidence when it has enough.
#[derive(Debug, Clone, PartialEq)]
pub struct Coached {
    /// The hint.
    pub hint: Hint,
    /// "Here, questions with it got an answer 78 % of the time, against 61 % without."
    pub evidence: Option<String>,
}

/// Drafts shorter than this (title and body together, in characters) get no hints yet.
const MIN_DRAFT_CHARS: usize = 15;

/// The hints for a draft: what it lacks, except where the site's own questions show that
/// lacking it does not cost answers.
pub fn coach(title: &str, body: &str, evidence: &Evidence) -> Vec<Coached> {
    if title.trim().chars().count() + body.trim().chars().count() < MIN_DRAFT_CHARS {
        return Vec::new();
    }
    let t = traits(title, body);
    Hint::ALL
        .into_iter()
        .filter(|h| applies(*h, &t) == Some(false))
        .filter_map(|hint| {
            let r = evidence.rates(hint);
            if !r.enough() {
                return Some(Coached {
                    hint,
                    evidence: None,
                });
            }
            (r.with() > r.without()).then(|| Coached {
                hint,
                evidence: Some(format!(
                    "Here, questions with it got an answer {:.0} % of the time, against {:.0} % without.",
                    r.with() * 100.0,
                    r.without() * 100.0
                )),
            })
        })
        .collect()
}

/// Whether two titles ask the same thing: at least half of their distinct terms shared
/// (Jaccard), with at least two shared.
pub fn same_question(a: &str, b: &str) -> bool {
    use std::collections::HashSet;
    let a: HashSet<String> = analyze(a).into_iter().collect();
    let b: HashSet<String> = analyze(b).into_iter().collect();
    let shared = a.intersection(&b).count();
    let union = a.union(&b).count();
    shared >= 2 && union > 0 && shared * 2 >= union
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_questions_share_most_of_their_words() {
        assert!(same_question(
            "How do I reset my router password?",
            "Resetting the router password"
        ));
        assert!(!same_question(
            "How do I reset my router password?",
            "Router keeps dropping the wifi at night"
        ));
        assert!(!same_question("router", "router"), "one word is not enough");
    }

    #[test]
    fn traits_of_drafts() {
        let t = traits(
            "Printer fails",
            "It does not work since yesterday, no idea why.",
        );
        assert!(t.reports_failure && !t.quotes_error && !t.names_version);
        assert!(!t.title_is_question && !t.title_is_specific);
        let t = traits(
            "Why does the HP LaserJet M15w print blank pages?",
            "On Windows 11 it says `Error 0x61011bed` after the update to 2.4.1.",
        );
        assert!(t.reports_failure && t.quotes_error && t.names_version);
        assert!(t.title_is_question && t.title_is_specific);
        assert!(traits("x", "The log says \"connection refused by host\"").quotes_error);
        assert!(traits("x", "> quoted line").quotes_error);
        assert!(traits("x", "<p>It says <code>E42</code></p>").quotes_error);
        assert!(traits("x", "my xr500 router").names_version);
        assert!(!traits("How long should a stout age?", "In the bottle.").reports_failure);
    }

    #[test]
    fn a_draft_lacking_things_is_coached_and_a_complete_one_is_not() {
        let none = Evidence::default();
        let hints: Vec<Hint> = coach("Printer fails", "It does not work at all.", &none)
            .into_iter()
            .map(|c| c.hint)
            .collect();
        assert_eq!(
            hints,
            vec![
                Hint::ErrorMessage,
                Hint::Version,
                Hint::TitleSpecific,
                Hint::TitleQuestion
            ]
        );
        assert!(coach(
            "Why does the HP LaserJet M15w print blank pages?",
            "On Windows 11 it shows `Error 0x61011bed`.",
            &none
        )
        .is_empty());
        assert!(coach("Hi", "", &none).is_empty(), "too short to judge");
        // Not a failure: no error or version hints.
        let h = coach("How long should a stout age in the bottle?", "", &none);
        assert!(h.is_empty(), "{h:?}");
    }

    #[test]
    fn the_site_decides_which_hints_matter() {
        // Question-form titles were answered less often here; quoting the error more often.
        let mut qs: Vec<(String, String, bool)> = Vec::new();
        for i in 0..40 {
            qs.push((
                format!("How do I fix printer model {i}?"),
                "It fails with `E12`.".into(),
                i % 4 != 0,
            ));
            qs.push((
                format!("Printer model {i} fails"),
                "It fails with `E12`.".into(),
                true,
            ));
            qs.push((
                format!("Scanner {i} fails badly today"),
                "It does not work.".into(),
                i % 2 == 0,
            ));
        }
        let e = Evidence::learn(qs.iter().map(|(t, b, a)| (t.as_str(), b.as_str(), *a)));
        let r = e.rates(Hint::ErrorMessage);
        assert_eq!((r.with_total, r.without_total), (80, 40));
        let c = coach("Router fails every night now", "It does not work.", &e);
        let hints: Vec<Hint> = c.iter().map(|c| c.hint).collect();
        assert!(hints.contains(&Hint::ErrorMessage), "{c:?}");
        assert!(
            !hints.contains(&Hint::TitleQuestion),
            "the site says it does not help: {c:?}"
        );
        let error = c.iter().find(|c| c.hint == Hint::ErrorMessage).unwrap();
        assert_eq!(
            error.evidence.as_deref(),
            Some("Here, questions with it got an answer 88 % of the time, against 50 % without.")
        );
    }

    #[test]
    fn codes_round_trip_and_ignore_the_unknown() {
        let all = codes(&Hint::ALL);
        assert_eq!(parse_codes(&all), Hint::ALL.to_vec());
        assert_eq!(parse_codes("version,bogus version"), vec![Hint::Version]);
        assert!(parse_codes("").is_empty());
    }
}
