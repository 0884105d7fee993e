//! Text analysis: the one place that decides which words of a post count as the same term.

use super::stem::stem;

/// Longest token kept, in characters; longer runs (hashes, base64, URLs without separators)
/// are cut so a single pasted blob cannot dominate lengths or memory.
pub const MAX_TOKEN_CHARS: usize = 64;

/// A word of the text: where it is (byte range, for snippets) and its lower-cased form.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Token {
    /// Byte offset of the first character in the source text.
    pub start: usize,
    /// Byte offset just past the last character in the source text.
    pub end: usize,
    /// The word lower-cased, apostrophes normalised, at most [`MAX_TOKEN_CHARS`] characters.
    pub lower: String,
}

/// Splits text into search terms: words lower-cased, stop words dropped, English words stemmed.
///
/// `analyze("Running runs")` is `["run", "run"]`. Repeated words are kept because term
/// frequency matters to ranking.
pub fn analyze(text: &str) -> Vec<String> {
    tokenize(text)
        .into_iter()
        .filter_map(|t| normalize_word(&t.lower))
        .collect()
}

/// The search term for one already lower-cased word, or `None` for a stop word.
pub fn normalize_word(lower: &str) -> Option<String> {
    if lower.is_empty() || is_stop_word(lower) {
        return None;
    }
    Some(stem(lower))
}

/// Splits text into words without dropping or stemming anything (phrases and snippets need
/// the surface form and position).
///
/// A word is a run of letters and digits, with apostrophes allowed between letters ("don't").
/// Each CJK ideograph or kana is a word of its own, because those scripts do not separate
/// words with spaces. A short name followed by `++` or `#` keeps them ("c++", "c#", "f#"),
/// since on a help center those are different products from "c" and "f".
pub fn tokenize(text: &str) -> Vec<Token> {
    let mut out = Vec::new();
    let mut chars = text.char_indices().peekable();
    while let Some((start, c)) = chars.next() {
        if is_cjk(c) {
            out.push(Token {
                start,
                end: start + c.len_utf8(),
                lower: c.to_lowercase().collect(),
            });
            continue;
        }
        if !c.is_alphanumeric() {
            continue;
        }
        let mut end = start + c.len_utf8();
        let mut lower = String::new();
        let mut kept = 0usize;
        push_lower(&mut lower, c, &mut kept);
        while let Some(&(i, d)) = chars.peek() {
            if d.is_alphanumeric() && !is_cjk(d) {
                push_lower(&mut lower, d, &mut kept);
                end = i + d.len_utf8();
                chars.next();
            } else if is_apostrophe(d) && next_is_word_char(text, i + d.len_utf8()) {
                push_lower(&mut lower, '\'', &mut kept);
                end = i + d.len_utf8();
                chars.next();
            } else {
                break;
            }
        }
        if kept <= 2 && lower.chars().all(|c| c.is_ascii_alphabetic()) {
            let rest = &text[end..];
            let suffix = if rest.starts_with("++") {
                "++"
            } else if rest.starts_with('#') {
                "#"
            } else {
                ""
            };
            if !suffix.is_empty() && !next_is_word_char(text, end + suffix.len()) {
                lower.push_str(suffix);
                end += suffix.len();
                while chars.peek().is_some_and(|&(i, _)| i < end) {
                    chars.next();
                }
            }
        }
        out.push(Token { start, end, lower });
    }
    out
}

fn push_lower(buf: &mut String, c: char, kept: &mut usize) {
    if *kept >= MAX_TOKEN_CHARS {
        return;
    }
    *kept += 1;
    if c.is_ascii() {
        buf.push(c.to_ascii_lowercase());
    } else {
        buf.extend(c.to_lowercase());
    }
}

fn next_is_word_char(text: &str, at: usize) -> bool {
    text.get(at..)
        .and_then(|s| s.chars().next())
        .is_some_and(|c| c.is_alphanumeric() && !is_cjk(c))
}

fn is_apostrophe(c: char) -> bool {
    matches!(c, '\'' | '\u{2019}' | '\u{02BC}')
}

/// Scripts written without spaces between words, indexed one character at a time.
fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x3040..=0x30FF      // Hiragana, Katakana
        | 0x3400..=0x4DBF    // CJK Extension A
        | 0x4E00..=0x9FFF    // CJK Unified Ideographs
        | 0xF900..=0xFAFF    // CJK Compatibility Ideographs
        | 0x20000..=0x2FA1F) // CJK Extensions B-F and supplement
}

/// Whether a lower-cased word carries no topic (the Snowball English list plus "can", "will"
/// and "just", which are as common in questions as any word on that list).
pub fn is_stop_word(lower: &str) -> bool {
    STOP_WORDS.binary_search(&lower).is_ok()
}

/// Sorted for binary search; a unit test keeps it sorted.
#[rustfmt::skip] // one word per line would make the list 180 lines long
const STOP_WORDS: &[&str] = &[
    "a", "about", "above", "after", "again", "against", "all", "am", "an", "and", "any", "are",
    "aren't", "as", "at", "be", "because", "been", "before", "being", "below", "between", "both",
    "but", "by", "can", "can't", "cannot", "could", "couldn't", "did", "didn't", "do", "does",
    "doesn't", "doing", "don't", "down", "during", "each", "few", "for", "from", "further", "had",
    "hadn't", "has", "hasn't", "have", "haven't", "having", "he", "he'd", "he'll", "he's", "her",
    "here", "here's", "hers", "herself", "him", "himself", "his", "how", "how's", "i", "i'd",
    "i'll", "i'm", "i've", "if", "in", "into", "is", "isn't", "it", "it's", "its", "itself", "just",
    "let's", "me", "more", "most", "mustn't", "my", "myself", "no", "nor", "not", "of", "off", "on",
    "once", "only", "or", "other", "ought", "our", "ours", "ourselves", "out", "over", "own",
    "same", "shan't", "she", "she'd", "she'll", "she's", "should", "shouldn't", "so", "some",
    "such", "than", "that", "that's", "the", "their", "theirs", "them", "themselves", "then",
    "there", "there's", "these", "they", "they'd", "they'll", "they're", "they've", "this", "those",
    "through", "to", "too", "under", "until", "up", "very", "was", "wasn't", "we", "we'd", "we'll",
    "we're", "we've", "were", "weren't", "what", "what's", "when", "when's", "where", "where's",
    "which", "while", "who", "who's", "whom", "why", "why's", "will", "with", "won't", "would",
    "wouldn't", "you", "you'd", "you'll", "you're", "you've", "your", "yours", "yourself",
    "yourselves",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stop_words_are_sorted_and_unique() {
        assert!(STOP_WORDS.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn analyzes_english() {
        assert_eq!(analyze("Running runs"), ["run", "run"]);
        assert_eq!(
            analyze("Which mobile is best under 2000QR?"),
            ["mobil", "best", "2000qr"]
        );
        assert_eq!(analyze("I don't know what it's for"), ["know"]);
        assert_eq!(analyze("Don’t PANIC"), ["panic"]);
        assert!(analyze("").is_empty());
        assert!(analyze("?!... --").is_empty());
    }

    #[test]
    fn keeps_language_names_with_symbols() {
        assert_eq!(analyze("C++ vs C# vs C"), ["c++", "vs", "c#", "vs", "c"]);
        assert_eq!(analyze("a+b"), ["b"]);
    }

    #[test]
    fn splits_cjk_and_keeps_other_scripts() {
        assert_eq!(analyze("東京タワー"), ["東", "京", "タ", "ワ", "ー"]);
        assert_eq!(analyze("Ελληνικά καφές"), ["ελληνικά", "καφές"]);
    }

    #[test]
    fn token_offsets_point_into_the_source() {
        let text = "Hé, l'été!";
        for t in tokenize(text) {
            assert!(text.is_char_boundary(t.start) && text.is_char_boundary(t.end));
        }
        let words: Vec<_> = tokenize(text).into_iter().map(|t| t.lower).collect();
        assert_eq!(words, ["hé", "l'été"]);
    }

    #[test]
    fn caps_token_length() {
        let long = "x".repeat(500);
        let tokens = tokenize(&long);
        assert_eq!(tokens.len(), 1);
        assert_eq!(tokens[0].lower.chars().count(), MAX_TOKEN_CHARS);
        assert_eq!(tokens[0].end, 500);
    }
}
