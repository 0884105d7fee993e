//! Result snippets: the passage of a post that best shows why it matched, as safe HTML.

use super::analyze::{normalize_word, tokenize, Token};

/// At most this many characters of context are shown before the first highlighted word, so
/// the reader sees where the passage starts without the match drifting to the far end.
const LEAD_CHARS: usize = 30;

/// Matches considered when choosing the passage; enough for any real post, and it bounds the
/// work on pathological inputs.
const MAX_MATCHES: usize = 256;

/// Returns up to `max_chars` characters of `plain_text` around the passage with the most
/// distinct query terms, HTML-escaped, with matched words wrapped in `<mark>`…`</mark>`.
///
/// `terms` are analysed search terms (as in [`super::ParsedQuery::terms`]); surface words are
/// accepted too. Runs of whitespace become one space; an ellipsis marks cut text (it does not
/// count towards `max_chars`). Cuts fall between words where possible and never inside a
/// character. Every `<`, `>`, `&`, `"` and `'` of the text is escaped, so the only tags in the
/// output are the `<mark>` pairs.
pub fn snippet(plain_text: &str, terms: &[String], max_chars: usize) -> String {
    if max_chars == 0 || plain_text.trim().is_empty() {
        return String::new();
    }
    let tokens = tokenize(plain_text);
    let wanted: Vec<String> = terms.iter().map(|t| t.to_lowercase()).collect();
    let term_of = |t: &Token| -> Option<usize> {
        let analysed = normalize_word(&t.lower);
        wanted
            .iter()
            .position(|w| *w == t.lower || analysed.as_deref() == Some(w.as_str()))
    };
    // (token index, term index) of each match, in text order.
    let matches: Vec<(usize, usize)> = tokens
        .iter()
        .enumerate()
        .filter_map(|(i, t)| term_of(t).map(|k| (i, k)))
        .take(MAX_MATCHES)
        .collect();

    // Byte offset of every character, plus the end, so windows can be measured in characters.
    let mut bounds: Vec<usize> = plain_text.char_indices().map(|(i, _)| i).collect();
    bounds.push(plain_text.len());
    let total_chars = bounds.len() - 1;
    let char_at = |byte: usize| bounds.partition_point(|&b| b < byte);

    let (start, end) = if total_chars <= max_chars {
        (0, plain_text.len())
    } else {
        let start_char = best_window_start(&tokens, &matches, max_chars, &char_at);
        let start = bounds[start_char];
        let hard_end_char = (start_char + max_chars).min(total_chars);
        let hard_end = bounds[hard_end_char];
        // Prefer to stop after the last whole word that fits.
        let end = tokens
            .iter()
            .rev()
            .find(|t| t.end <= hard_end && t.start >= start)
            .map(|t| t.end)
            .filter(|_| hard_end < plain_text.len())
            .unwrap_or(hard_end);
        (start, end)
    };

    let marked: Vec<(usize, usize)> = matches
        .iter()
        .map(|&(i, _)| (tokens[i].start, tokens[i].end))
        .filter(|&(s, e)| s >= start && e <= end)
        .collect();

    let mut out = String::with_capacity(max_chars + 16);
    let cut_before = plain_text[..start].chars().any(char::is_alphanumeric);
    let cut_after = plain_text[end..].chars().any(char::is_alphanumeric);
    if cut_before {
        out.push('…');
    }
    let mut at = start;
    for (s, e) in marked {
        push_escaped(&mut out, &plain_text[at..s]);
        out.push_str("<mark>");
        push_escaped(&mut out, &plain_text[s..e]);
        out.push_str("</mark>");
        at = e;
    }
    push_escaped(&mut out, &plain_text[at..end]);
    let trimmed_end = out.trim_end().len();
    out.truncate(trimmed_end);
    if !cut_before {
        let leading = out.len() - out.trim_start().len();
        out.drain(..leading);
    }
    if cut_after {
        out.push('…');
    }
    out
}

/// The character index where the shown passage starts: at a word, a little before the window
/// of `max_chars` characters that holds the most distinct terms (then the most matches; the
/// earliest on ties). The start of the text when nothing matched.
fn best_window_start(
    tokens: &[Token],
    matches: &[(usize, usize)],
    max_chars: usize,
    char_at: &impl Fn(usize) -> usize,
) -> usize {
    let lead = LEAD_CHARS.min(max_chars / 4);
    let mut best: Option<((usize, usize), usize)> = None;
    for (mi, &(ti, _)) in matches.iter().enumerate() {
        let match_char = char_at(tokens[ti].start);
        // Back up to the earliest word that starts within `lead` characters of the match.
        let start_char = tokens[..=ti]
            .iter()
            .rev()
            .map(|t| char_at(t.start))
            .take_while(|&c| match_char - c <= lead)
            .last()
            .unwrap_or(match_char);
        let limit = start_char + max_chars;
        let mut distinct: Vec<usize> = Vec::new();
        let mut count = 0usize;
        for &(tj, k) in &matches[mi..] {
            if char_at(tokens[tj].end) > limit {
                break;
            }
            count += 1;
            if !distinct.contains(&k) {
                distinct.push(k);
            }
        }
        let key = (distinct.len(), count);
        if best.is_none_or(|(b, _)| key > b) {
            best = Some((key, start_char));
        }
    }
    best.map_or(0, |(_, s)| s)
}

/// Appends `text` HTML-escaped, with whitespace and control characters collapsed to one space.
fn push_escaped(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_whitespace() || c.is_control() => {
                if !out.ends_with(' ') {
                    out.push(' ');
                }
            }
            c => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::search::analyze::analyze;

    #[test]
    fn highlights_stemmed_matches_and_escapes_the_rest() {
        let s = snippet("Running <b>fast</b> & \"safe\"", &analyze("run"), 100);
        assert_eq!(
            s,
            "<mark>Running</mark> &lt;b&gt;fast&lt;/b&gt; &amp; &quot;safe&quot;"
        );
    }

    #[test]
    fn short_text_is_shown_whole_and_collapsed() {
        assert_eq!(snippet("  a\n\n b  ", &[], 50), "a b");
        assert_eq!(snippet("anything", &[], 0), "");
        assert_eq!(snippet("it's", &[], 10), "it&#39;s");
    }

    #[test]
    fn long_text_centres_on_the_best_passage() {
        let filler = "lorem ipsum dolor sit amet ".repeat(20);
        let text = format!("{filler}the visa renewal fee is cheap {filler}visa only here");
        let s = snippet(&text, &analyze("visa renewal fees"), 60);
        assert!(s.starts_with('…') && s.ends_with('…'), "{s}");
        assert!(
            s.contains("<mark>visa</mark> <mark>renewal</mark> <mark>fee</mark>"),
            "{s}"
        );
        let shown = s.replace("<mark>", "").replace("</mark>", "");
        assert!(shown.trim_matches('…').chars().count() <= 60, "{s}");
    }

    #[test]
    fn no_match_shows_the_beginning() {
        let text = "word ".repeat(100);
        let s = snippet(&text, &analyze("absent"), 20);
        assert!(s.starts_with("word word"));
        assert!(s.ends_with('…'));
        assert!(!s.contains("<mark>"));
    }

    #[test]
    fn never_splits_characters() {
        let text = "é".repeat(50);
        let s = snippet(&text, &[], 7);
        assert_eq!(s, format!("{}…", "é".repeat(7)));
    }
}
