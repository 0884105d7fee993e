//! The search box grammar: free words, `"exact phrases"`, `[tag]` filters and `is:` filters.

use super::analyze::analyze;

/// Longest query accepted, in characters; beyond it a query is abuse, not a question.
pub const MAX_QUERY_CHARS: usize = 500;

/// Longest tag name, in characters (the same limit as tags on posts).
pub const MAX_TAG_CHARS: usize = 35;

/// Why a query was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QueryError {
    /// The query is longer than [`MAX_QUERY_CHARS`].
    #[error("the search query has {chars} characters; at most {max} are allowed")]
    TooLong {
        /// Length of the query after trimming, in characters.
        chars: usize,
        /// The limit, [`MAX_QUERY_CHARS`].
        max: usize,
    },
}

/// Which kind of post an `is:` filter asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KindFilter {
    /// `is:question`: community questions only.
    Question,
    /// `is:article`: knowledge-base articles only.
    Article,
}

/// A quoted phrase, kept both as typed (for exact matching) and analysed (for candidates).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Phrase {
    /// The phrase lower-cased with runs of whitespace collapsed to one space.
    pub raw: String,
    /// The phrase's search terms, in order (stop words removed, stemmed).
    pub terms: Vec<String>,
}

/// A parsed search query. An empty query (no terms, phrases or filters) is valid.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ParsedQuery {
    /// Analysed free terms, deduplicated, in order of first appearance.
    pub terms: Vec<String>,
    /// Quoted phrases, in order.
    pub phrases: Vec<Phrase>,
    /// Tag filters (every one must match), deduplicated.
    pub tags: Vec<String>,
    /// `is:question` / `is:article`; when both are given the last one wins.
    pub kind: Option<KindFilter>,
    /// `is:accepted`: only questions with an accepted answer.
    pub accepted_only: bool,
}

impl ParsedQuery {
    /// Whether the query asks for nothing at all (then the caller shows no results).
    pub fn is_empty(&self) -> bool {
        self.terms.is_empty()
            && self.phrases.is_empty()
            && self.tags.is_empty()
            && self.kind.is_none()
            && !self.accepted_only
    }

    /// Whether there is any text to match (as opposed to filters only).
    pub fn has_text(&self) -> bool {
        !self.terms.is_empty() || self.phrases.iter().any(|p| !p.raw.is_empty())
    }

    /// Every distinct search term, free terms first, then those inside phrases: what
    /// candidate generation and ranking score on.
    pub fn all_terms(&self) -> Vec<String> {
        let mut out = self.terms.clone();
        for t in self.phrases.iter().flat_map(|p| &p.terms) {
            push_unique(&mut out, t.clone());
        }
        out
    }
}

/// Parses what a user typed into the search box.
///
/// Tolerant by design, because users paste anything: an unclosed quote runs to the end of
/// the query, a bracket that is not a valid tag is read as words, unknown `is:` words are
/// searched as text, and a query of punctuation only is simply empty. The only error is a
/// query longer than [`MAX_QUERY_CHARS`].
pub fn parse_query(q: &str) -> Result<ParsedQuery, QueryError> {
    let q = q.trim();
    let chars = q.chars().count();
    if chars > MAX_QUERY_CHARS {
        return Err(QueryError::TooLong {
            chars,
            max: MAX_QUERY_CHARS,
        });
    }
    let mut out = ParsedQuery::default();
    let mut rest = q;
    while let Some(c) = rest.chars().next() {
        if c.is_whitespace() {
            rest = &rest[c.len_utf8()..];
        } else if c == '"' {
            let body = &rest[1..];
            let (inside, after) = match body.find('"') {
                Some(i) => (&body[..i], &body[i + 1..]),
                None => (body, ""),
            };
            let raw = inside.split_whitespace().collect::<Vec<_>>().join(" ");
            let raw = raw.to_lowercase();
            if !raw.is_empty() {
                let terms = analyze(&raw);
                out.phrases.push(Phrase { raw, terms });
            }
            rest = after;
        } else if c == '[' {
            let body = &rest[1..];
            match body.find(']') {
                Some(i) => {
                    let inside = body[..i].trim().to_lowercase();
                    if is_tag_name(&inside) {
                        push_unique(&mut out.tags, inside);
                    } else {
                        add_words(&mut out.terms, &body[..i]);
                    }
                    rest = &body[i + 1..];
                }
                None => {
                    add_words(&mut out.terms, body);
                    rest = "";
                }
            }
        } else {
            let end = rest
                .find(|c: char| c.is_whitespace() || c == '"' || c == '[')
                .unwrap_or(rest.len());
            let word = &rest[..end];
            match word.to_lowercase().as_str() {
                "is:question" => out.kind = Some(KindFilter::Question),
                "is:article" => out.kind = Some(KindFilter::Article),
                "is:accepted" => out.accepted_only = true,
                _ => add_words(&mut out.terms, word),
            }
            rest = &rest[end..];
        }
    }
    Ok(out)
}

/// Whether `s` is a valid tag name: 1 to [`MAX_TAG_CHARS`] of `[a-z0-9+#.-]`.
pub fn is_tag_name(s: &str) -> bool {
    (1..=MAX_TAG_CHARS).contains(&s.len())
        && s.bytes()
            .all(|b| matches!(b, b'a'..=b'z' | b'0'..=b'9' | b'+' | b'#' | b'.' | b'-'))
}

fn add_words(terms: &mut Vec<String>, text: &str) {
    for t in analyze(text) {
        push_unique(terms, t);
    }
}

fn push_unique(list: &mut Vec<String>, item: String) {
    if !list.contains(&item) {
        list.push(item);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn terms(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn parses_every_part() {
        let q = parse_query(
            r#"Renewing "residence permit" [visa] [qatar] is:question is:accepted fees"#,
        )
        .unwrap();
        assert_eq!(q.terms, terms(&["renew", "fee"]));
        assert_eq!(q.phrases.len(), 1);
        assert_eq!(q.phrases[0].raw, "residence permit");
        assert_eq!(q.phrases[0].terms, terms(&["resid", "permit"]));
        assert_eq!(q.tags, terms(&["visa", "qatar"]));
        assert_eq!(q.kind, Some(KindFilter::Question));
        assert!(q.accepted_only);
        assert_eq!(q.all_terms(), terms(&["renew", "fee", "resid", "permit"]));
    }

    #[test]
    fn junk_gives_an_empty_query() {
        for junk in ["", "   ", "?!?", "\"\"", "[]", "\" \"", "-- ..."] {
            let q = parse_query(junk).unwrap();
            assert!(q.is_empty(), "{junk:?} gave {q:?}");
            assert!(!q.has_text());
        }
    }

    #[test]
    fn unbalanced_quote_runs_to_the_end() {
        let q = parse_query(r#"car "rental  Doha"#).unwrap();
        assert_eq!(q.terms, terms(&["car"]));
        assert_eq!(q.phrases[0].raw, "rental doha");
    }

    #[test]
    fn invalid_tags_are_read_as_words() {
        let q = parse_query("[Car Rental] [c++] [unclosed tag").unwrap();
        assert_eq!(q.tags, terms(&["c++"]));
        assert_eq!(q.terms, terms(&["car", "rental", "unclos", "tag"]));
        let too_long = format!("[{}]", "a".repeat(36));
        assert!(parse_query(&too_long).unwrap().tags.is_empty());
    }

    #[test]
    fn last_kind_filter_wins_and_unknown_filters_are_text() {
        let q = parse_query("is:question IS:ARTICLE is:closed").unwrap();
        assert_eq!(q.kind, Some(KindFilter::Article));
        assert_eq!(q.terms, terms(&["close"]));
    }

    #[test]
    fn over_long_query_is_an_error() {
        let ok = "a".repeat(MAX_QUERY_CHARS);
        assert!(parse_query(&ok).is_ok());
        let long = "é".repeat(MAX_QUERY_CHARS + 1);
        assert_eq!(
            parse_query(&long),
            Err(QueryError::TooLong {
                chars: MAX_QUERY_CHARS + 1,
                max: MAX_QUERY_CHARS
            })
        );
    }

    #[test]
    fn duplicates_are_dropped() {
        let q = parse_query("run running [a] [a]").unwrap();
        assert_eq!(q.terms, terms(&["run"]));
        assert_eq!(q.tags, terms(&["a"]));
    }
}
