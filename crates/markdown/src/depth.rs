//! A guard against deeply nested input. html5ever's tree builder checks
//! element scope by walking the stack of open elements, so each new element
//! costs time in proportion to the nesting depth: 40,000 nested `<div>` or
//! `1. 1. 1. …` list markers (120 kB) take seconds to minutes to sanitise.
//! Browsers cap their own parser at 512 levels; no real post comes close to
//! the limit here.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;

use html5ever::tendril::StrTendril;
use html5ever::tokenizer::states::RawKind;
use html5ever::tokenizer::{
    BufferQueue, TagKind, Token, TokenSink, TokenSinkResult, Tokenizer, TokenizerOpts,
};
use html5ever::LocalName;

/// Deepest element nesting we sanitise as HTML.
pub(crate) const MAX_DEPTH: usize = 256;

/// Elements that never contain others, or that the parser closes by itself
/// when a sibling starts (`<p><p>`, `<li><li>`), so they do not add depth
/// even when their end tag is missing.
const NOT_NESTING: &[&str] = &[
    "area", "base", "br", "caption", "col", "colgroup", "dd", "dt", "embed", "hr", "img", "input",
    "keygen", "li", "link", "meta", "option", "optgroup", "p", "param", "rb", "rp", "rt", "rtc",
    "source", "tbody", "td", "tfoot", "th", "thead", "tr", "track", "wbr",
];

/// Whether `html` may nest elements deeper than `limit`.
///
/// An estimate from tokens alone, in linear time: a stack of open elements
/// that end tags pop the way the parser would. It may count a little high
/// (elements the parser closes implicitly), which only sends odd input down
/// the plain-text path.
pub(crate) fn exceeds(html: &str, limit: usize) -> bool {
    // Every level of nesting needs a tag; the parser may add a few implied or
    // re-opened elements, hence the margin.
    if html.bytes().filter(|&b| b == b'<').count() * 2 + 8 <= limit {
        return false;
    }
    let tokenizer = Tokenizer::new(
        DepthSink {
            limit,
            ..DepthSink::default()
        },
        TokenizerOpts::default(),
    );
    let input = BufferQueue::default();
    input.push_back(StrTendril::from_slice(html));
    // Only a sink that asks to run a script makes feed() stop early; ours never does.
    let _ = tokenizer.feed(&input);
    tokenizer.end();
    tokenizer.sink.exceeded.get()
}

#[derive(Default)]
struct DepthSink {
    limit: usize,
    open: RefCell<Vec<LocalName>>,
    open_counts: RefCell<HashMap<LocalName, usize>>,
    exceeded: Cell<bool>,
    /// The raw-text element we are inside, whose content holds no tags.
    raw: RefCell<Option<LocalName>>,
}

impl TokenSink for DepthSink {
    type Handle = ();

    fn process_token(&self, token: Token, _line: u64) -> TokenSinkResult<()> {
        let Token::TagToken(tag) = token else {
            return TokenSinkResult::Continue;
        };
        let mut raw = self.raw.borrow_mut();
        if let Some(raw_name) = raw.as_ref() {
            if tag.kind == TagKind::EndTag && tag.name == *raw_name {
                *raw = None;
            }
            return TokenSinkResult::Continue;
        }
        let name: &str = &tag.name;
        match tag.kind {
            TagKind::StartTag => {
                let raw_kind = match name {
                    "script" => Some(RawKind::ScriptData),
                    "style" | "xmp" | "iframe" | "noembed" | "noframes" | "noscript" => {
                        Some(RawKind::Rawtext)
                    }
                    "textarea" | "title" => Some(RawKind::Rcdata),
                    _ => None,
                };
                if let Some(kind) = raw_kind {
                    *raw = Some(tag.name.clone());
                    return TokenSinkResult::RawData(kind);
                }
                // `<div/>` still opens a div in HTML: the slash is ignored.
                if !NOT_NESTING.contains(&name) {
                    let mut open = self.open.borrow_mut();
                    open.push(tag.name.clone());
                    *self.open_counts.borrow_mut().entry(tag.name).or_default() += 1;
                    if open.len() > self.limit {
                        self.exceeded.set(true);
                    }
                }
            }
            TagKind::EndTag => {
                let mut counts = self.open_counts.borrow_mut();
                if counts.get(&tag.name).is_some_and(|&n| n > 0) {
                    let mut open = self.open.borrow_mut();
                    while let Some(popped) = open.pop() {
                        if let Some(n) = counts.get_mut(&popped) {
                            *n = n.saturating_sub(1);
                        }
                        if popped == tag.name {
                            break;
                        }
                    }
                }
            }
        }
        TokenSinkResult::Continue
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shallow_documents_pass() {
        assert!(!exceeds("<p>a</p>", 4));
        assert!(!exceeds(&"<p>x</p>".repeat(1000), 4));
        assert!(!exceeds(&"<div>x</div>".repeat(1000), 4));
        assert!(!exceeds(&"<li>x".repeat(1000), 4));
        assert!(!exceeds(&"<br><img src=x>".repeat(1000), 4));
    }

    #[test]
    fn deep_documents_are_caught() {
        assert!(exceeds(&"<div>".repeat(10), 8));
        assert!(exceeds(&"<div/>".repeat(10), 8));
        assert!(exceeds(&"<ol><li>".repeat(10), 8));
        assert!(exceeds(&"<blockquote>\n".repeat(300), MAX_DEPTH));
    }

    #[test]
    fn end_tags_pop_what_they_close() {
        // `</div>` closes the unclosed `<b>` inside it, as the parser does.
        assert!(!exceeds(&"<div><b>x</div>".repeat(100), 8));
        assert!(!exceeds(&"<div>x</div></span></i>".repeat(100), 8));
    }

    #[test]
    fn raw_text_is_not_markup() {
        let html = format!("<script>{}</script>", "<div>".repeat(100));
        assert!(!exceeds(&html, 8));
        let html = format!("<textarea>{}</textarea>", "<div>".repeat(100));
        assert!(!exceeds(&html, 8));
    }
}
