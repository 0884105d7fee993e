//! Bare-URL autolinks (GFM's "extended autolinks"), which pulldown-cmark does
//! not do: `https://…`, `http://…` and `www.…` in running text become links.
//!
//! Deliberately left out: bare e-mail addresses (a harvesting aid, and `@`
//! will mean mentions), and any scheme other than http(s), so this pass can
//! never produce a URL that the sanitiser would have to reject.

use pulldown_cmark::{CowStr, Event, LinkType, Tag, TagEnd};

/// A run of text split into plain parts and links.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Piece<'t> {
    Text(&'t str),
    Link { href: String, text: &'t str },
}

/// Appends `text` to `out` as events, with its bare URLs turned into links.
pub(crate) fn push_linkified<'a>(text: CowStr<'a>, out: &mut Vec<Event<'a>>) {
    if !might_contain_link(&text) {
        out.push(Event::Text(text));
        return;
    }
    for piece in linkify(&text) {
        match piece {
            Piece::Text(plain) => out.push(Event::Text(CowStr::from(plain.to_owned()))),
            Piece::Link { href, text } => {
                out.push(Event::Start(Tag::Link {
                    link_type: LinkType::Autolink,
                    dest_url: CowStr::from(href),
                    title: CowStr::Borrowed(""),
                    id: CowStr::Borrowed(""),
                }));
                out.push(Event::Text(CowStr::from(text.to_owned())));
                out.push(Event::End(TagEnd::Link));
            }
        }
    }
}

/// A cheap pre-check so that the common case (no URL) keeps the borrowed text.
fn might_contain_link(text: &str) -> bool {
    text.contains("://")
        || text
            .as_bytes()
            .windows(4)
            .any(|w| w.eq_ignore_ascii_case(b"www."))
}

/// Splits `text` into plain text and bare-URL links.
///
/// Linear in the length of `text`, however hostile: a candidate is rejected
/// on its (length-capped) domain before anything scans the rest of it, and
/// one that passes becomes a link that swallows the rest of its run.
pub(crate) fn linkify(text: &str) -> Vec<Piece<'_>> {
    let mut pieces = Vec::new();
    let mut plain_from = 0;
    let mut previous: Option<char> = None;
    // End of the current run of characters that can be part of a URL.
    let mut run_end = 0;
    for (i, c) in text.char_indices() {
        let at_boundary =
            previous.is_none_or(|p| p.is_whitespace() || matches!(p, '*' | '_' | '~' | '('));
        previous = Some(c);
        if i < plain_from || !at_boundary || !matches!(c, 'h' | 'H' | 'w' | 'W') {
            continue;
        }
        if run_end <= i {
            run_end = text[i..]
                .find(|c: char| c.is_whitespace() || c == '<')
                .map_or(text.len(), |n| i + n);
        }
        if let Some(len) = link_len(&text[i..run_end]) {
            if plain_from < i {
                pieces.push(Piece::Text(&text[plain_from..i]));
            }
            let link = &text[i..i + len];
            let href = if starts_with_ignore_case(link, "www.") {
                // GFM says http://; every site worth linking to speaks https.
                format!("https://{link}")
            } else {
                link.to_owned()
            };
            pieces.push(Piece::Link { href, text: link });
            plain_from = i + len;
        }
    }
    if plain_from < text.len() {
        pieces.push(Piece::Text(&text[plain_from..]));
    }
    pieces
}

/// The length of the autolink at the start of `run` (text without whitespace
/// or `<`), if there is one.
fn link_len(run: &str) -> Option<usize> {
    let host_from = ["https://", "http://", "www."]
        .iter()
        .find(|prefix| starts_with_ignore_case(run, prefix))
        .map(|prefix| {
            if prefix.starts_with('w') {
                0
            } else {
                prefix.len()
            }
        })?;
    let rest = &run[host_from..];
    let host_len = rest
        .char_indices()
        .take(MAX_DOMAIN_LEN + 1)
        .find(|(_, c)| !(c.is_alphanumeric() || matches!(c, '-' | '_' | '.')))
        .map_or(rest.len(), |(i, _)| i);
    // A sentence may end right after the domain ("see www.e.com.").
    let domain = rest[..host_len].trim_end_matches(['.', '_']);
    if host_len > MAX_DOMAIN_LEN || !is_valid_domain(domain) {
        return None;
    }
    // The domain ends in an alphanumeric or `-`, which trimming never
    // removes, so the link keeps at least its domain.
    Some(trim_trailing(run))
}

/// Longer than any DNS name; also bounds the work spent on a non-link.
const MAX_DOMAIN_LEN: usize = 253;

/// Drops the trailing characters GFM does not count as part of a link:
/// sentence punctuation, an unbalanced `)`, a `;` and an entity-like `&name;`.
fn trim_trailing(link: &str) -> usize {
    let mut end = link.len();
    let opening = link.matches('(').count();
    let mut closing = link.matches(')').count();
    loop {
        match end
            .checked_sub(1)
            .and_then(|last| link.as_bytes().get(last))
        {
            Some(b'?' | b'!' | b'.' | b',' | b':' | b'*' | b'_' | b'~' | b'\'' | b'"') => end -= 1,
            Some(b')') if closing > opening => {
                end -= 1;
                closing -= 1;
            }
            Some(b';') => {
                let before = &link[..end - 1];
                let name = before.len()
                    - before
                        .trim_end_matches(|c: char| c.is_ascii_alphanumeric())
                        .len();
                // Like cmark-gfm: a trailing `;` always goes, with the
                // `&name` before it if it looks like an entity.
                if name > 0 && before[..before.len() - name].ends_with('&') {
                    end -= 1 + name + 1;
                } else {
                    end -= 1;
                }
            }
            _ => return end,
        }
    }
}

/// GFM's valid domain: dot-separated segments of alphanumerics, `_` and `-`,
/// at least two, none empty, and no `_` in the last two.
fn is_valid_domain(domain: &str) -> bool {
    let segments: Vec<&str> = domain.split('.').collect();
    segments.len() >= 2
        && segments.iter().all(|s| !s.is_empty())
        && segments.iter().rev().take(2).all(|s| !s.contains('_'))
}

fn starts_with_ignore_case(s: &str, prefix: &str) -> bool {
    s.as_bytes()
        .get(..prefix.len())
        .is_some_and(|head| head.eq_ignore_ascii_case(prefix.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn links(text: &str) -> Vec<(String, &str)> {
        linkify(text)
            .into_iter()
            .filter_map(|p| match p {
                Piece::Link { href, text } => Some((href, text)),
                Piece::Text(_) => None,
            })
            .collect()
    }

    #[test]
    fn finds_bare_urls() {
        assert_eq!(
            linkify("see https://example.com/a?b=1 now"),
            vec![
                Piece::Text("see "),
                Piece::Link {
                    href: "https://example.com/a?b=1".into(),
                    text: "https://example.com/a?b=1"
                },
                Piece::Text(" now"),
            ]
        );
        assert_eq!(
            links("www.commonmark.org/help"),
            vec![(
                "https://www.commonmark.org/help".to_owned(),
                "www.commonmark.org/help"
            )]
        );
        assert_eq!(
            links("HTTP://EXAMPLE.COM"),
            vec![("HTTP://EXAMPLE.COM".to_owned(), "HTTP://EXAMPLE.COM")]
        );
    }

    #[test]
    fn trailing_punctuation_and_parens() {
        assert_eq!(links("Visit https://e.com.")[0].1, "https://e.com");
        assert_eq!(links("(see https://e.com/a)")[0].1, "https://e.com/a");
        assert_eq!(
            links("https://en.wikipedia.org/wiki/Rust_(language)")[0].1,
            "https://en.wikipedia.org/wiki/Rust_(language)"
        );
        assert_eq!(links("https://e.com/a&hl;")[0].1, "https://e.com/a");
        assert_eq!(links("https://e.com/a;b")[0].1, "https://e.com/a;b");
        assert_eq!(links("https://e.com/a;")[0].1, "https://e.com/a");
        assert_eq!(links("(https://e.com/x')")[0].1, "https://e.com/x");
        // GFM only starts a link after whitespace or `*_~(`.
        assert!(links("'https://e.com/x'").is_empty());
        assert_eq!(links("https://e.com/<b>")[0].1, "https://e.com/");
    }

    #[test]
    fn rejects_non_links() {
        assert!(links("https://localhost/x").is_empty());
        assert!(links("https://").is_empty());
        assert!(links("www.").is_empty());
        assert!(links("xhttps://e.com").is_empty());
        assert!(links("foowww.e.com").is_empty());
        assert!(links("https://a_b.c_d").is_empty());
        assert!(links("javascript:alert(1)//https").is_empty());
        assert!(links("ftp://e.com").is_empty());
        assert!(links("https://.e.com").is_empty());
    }

    #[test]
    fn several_links_and_unicode() {
        let found = links("é https://a.com, ü www.b.org; und https://c.de/ö");
        let texts: Vec<&str> = found.iter().map(|l| l.1).collect();
        assert_eq!(texts, ["https://a.com", "www.b.org", "https://c.de/ö"]);
    }

    #[test]
    fn hostile_text_takes_linear_time() {
        let started = std::time::Instant::now();
        for text in [
            "_www.".repeat(40_000),
            "_www.a_b".repeat(40_000),
            "(www.a.b".repeat(40_000),
            "(https://.".repeat(40_000),
            format!("https://a.b{}", ")".repeat(200_000)),
            format!("https://a.b{}", ";a".repeat(100_000)),
            format!("(www.{}", "a".repeat(200_000)),
        ] {
            let _ = linkify(&text);
        }
        assert!(started.elapsed().as_secs() < 10, "{:?}", started.elapsed());
    }

    #[test]
    fn overlong_domains_are_not_links() {
        assert!(links(&format!("https://{}.com", "a".repeat(300))).is_empty());
        assert_eq!(links(&format!("https://{}.com", "a".repeat(200))).len(), 1);
    }

    #[test]
    fn text_without_links_stays_borrowed() {
        let mut out = Vec::new();
        push_linkified(CowStr::Borrowed("plain"), &mut out);
        assert!(matches!(&out[..], [Event::Text(CowStr::Borrowed("plain"))]));
    }
}
