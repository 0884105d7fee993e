//! Markdown to (unsanitised) HTML for posts: pulldown-cmark's renderer, with
//! the events adjusted where its output would not survive our allow-list or
//! lacks a GFM feature. Sanitising happens afterwards, in `policy`.

use pulldown_cmark::{
    html, Alignment, CodeBlockKind, CowStr, Event, HeadingLevel, Options, Parser, Tag, TagEnd,
    TextMergeStream,
};

use crate::autolink::push_linkified;
use crate::policy::is_language_name;

/// Renders post Markdown to HTML that still has to be sanitised.
pub(crate) fn to_html(markdown: &str) -> String {
    // No footnotes, heading attributes or GFM alerts: each of them writes ids
    // or classes that the allow-list would strip again.
    let options =
        Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TASKLISTS;
    let mut rewriter = Rewriter::default();
    let mut events = Vec::new();
    for event in TextMergeStream::new(Parser::new_ext(markdown, options)) {
        rewriter.push(event, &mut events);
    }
    let mut out = String::with_capacity(markdown.len() + markdown.len() / 2);
    html::push_html(&mut out, events.into_iter());
    out
}

#[derive(Default)]
struct Rewriter {
    /// Inside a Markdown link or image, where a bare URL must not become a
    /// nested link (in an image it is alt text).
    link_depth: usize,
    /// Inside a raw `<a …>` written as inline HTML, for the same reason.
    raw_anchor_depth: usize,
    in_code_block: bool,
    alignments: Vec<Alignment>,
    in_table_head: bool,
    cell: usize,
}

impl Rewriter {
    fn push<'a>(&mut self, event: Event<'a>, out: &mut Vec<Event<'a>>) {
        let event = match event {
            Event::Start(Tag::Heading { level, .. }) => Event::Start(Tag::Heading {
                level: demote(level),
                id: None,
                classes: Vec::new(),
                attrs: Vec::new(),
            }),
            Event::End(TagEnd::Heading(level)) => {
                self.raw_anchor_depth = 0;
                Event::End(TagEnd::Heading(demote(level)))
            }
            Event::Start(Tag::CodeBlock(kind)) => {
                self.in_code_block = true;
                Event::Start(Tag::CodeBlock(match kind {
                    CodeBlockKind::Fenced(info) => CodeBlockKind::Fenced(language(&info)),
                    CodeBlockKind::Indented => CodeBlockKind::Indented,
                }))
            }
            Event::End(TagEnd::CodeBlock) => {
                self.in_code_block = false;
                Event::End(TagEnd::CodeBlock)
            }
            Event::Start(tag @ (Tag::Link { .. } | Tag::Image { .. })) => {
                self.link_depth += 1;
                Event::Start(tag)
            }
            Event::End(tag @ (TagEnd::Link | TagEnd::Image)) => {
                self.link_depth = self.link_depth.saturating_sub(1);
                Event::End(tag)
            }
            Event::InlineHtml(raw) => {
                if is_tag(&raw, "<a") {
                    self.raw_anchor_depth += 1;
                } else if is_tag(&raw, "</a") {
                    self.raw_anchor_depth = self.raw_anchor_depth.saturating_sub(1);
                }
                Event::InlineHtml(raw)
            }
            Event::End(block @ (TagEnd::Paragraph | TagEnd::Item)) => {
                // An unclosed raw `<a>` ends with its block as far as we care.
                self.raw_anchor_depth = 0;
                Event::End(block)
            }
            Event::Start(Tag::Table(alignments)) => {
                self.alignments.clone_from(&alignments);
                Event::Start(Tag::Table(alignments))
            }
            Event::Start(Tag::TableHead) => {
                self.in_table_head = true;
                self.cell = 0;
                Event::Start(Tag::TableHead)
            }
            Event::End(TagEnd::TableHead) => {
                self.in_table_head = false;
                Event::End(TagEnd::TableHead)
            }
            Event::Start(Tag::TableRow) => {
                self.cell = 0;
                Event::Start(Tag::TableRow)
            }
            // pulldown-cmark aligns cells with a `style` attribute, which we
            // never allow; `align` does the same without CSS.
            Event::Start(Tag::TableCell) => {
                let align = match self.alignments.get(self.cell) {
                    Some(Alignment::Left) => " align=\"left\"",
                    Some(Alignment::Center) => " align=\"center\"",
                    Some(Alignment::Right) => " align=\"right\"",
                    Some(Alignment::None) | None => "",
                };
                Event::Html(format!("<{}{align}>", self.cell_tag()).into())
            }
            Event::End(TagEnd::TableCell) => {
                self.cell += 1;
                self.raw_anchor_depth = 0;
                Event::Html(format!("</{}>", self.cell_tag()).into())
            }
            Event::Text(text)
                if self.link_depth == 0 && self.raw_anchor_depth == 0 && !self.in_code_block =>
            {
                push_linkified(text, out);
                return;
            }
            other => other,
        };
        out.push(event);
    }

    fn cell_tag(&self) -> &'static str {
        if self.in_table_head {
            "th"
        } else {
            "td"
        }
    }
}

/// One level down, so that `#` in a post is an `h2` under the page's `h1`.
fn demote(level: HeadingLevel) -> HeadingLevel {
    match level {
        HeadingLevel::H1 => HeadingLevel::H2,
        HeadingLevel::H2 => HeadingLevel::H3,
        HeadingLevel::H3 => HeadingLevel::H4,
        HeadingLevel::H4 => HeadingLevel::H5,
        HeadingLevel::H5 | HeadingLevel::H6 => HeadingLevel::H6,
    }
}

/// The language of a fenced block's info string (its first word) if it is a
/// clean name; otherwise none, rather than a mangled one (`c#` is not `c`).
fn language(info: &str) -> CowStr<'static> {
    match info.split_whitespace().next() {
        Some(word) if is_language_name(word) => CowStr::from(word.to_owned()),
        _ => CowStr::Borrowed(""),
    }
}

/// Whether raw inline HTML starts with the given tag opener (`<a`, `</a`),
/// ASCII case-insensitively and as a whole name.
fn is_tag(raw: &str, opener: &str) -> bool {
    raw.as_bytes()
        .get(..opener.len())
        .is_some_and(|head| head.eq_ignore_ascii_case(opener.as_bytes()))
        && raw[opener.len()..]
            .chars()
            .next()
            .is_some_and(|c| c.is_whitespace() || c == '>' || c == '/')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn languages() {
        assert_eq!(&*language("rust"), "rust");
        assert_eq!(&*language("  rust ignore"), "rust");
        assert_eq!(&*language("c#"), "");
        assert_eq!(&*language("js\"onmouseover"), "");
        assert_eq!(&*language(""), "");
    }

    #[test]
    fn raw_anchor_detection() {
        assert!(is_tag("<a href=x>", "<a"));
        assert!(is_tag("<A>", "<a"));
        assert!(is_tag("</a>", "</a"));
        assert!(!is_tag("<abbr>", "<a"));
        assert!(!is_tag("<a", "<a"));
    }

    #[test]
    fn table_cells_use_align_not_style() {
        let html = to_html("| a | b | c |\n|:--|:-:|--:|\n| 1 | 2 | 3 |\n");
        assert!(!html.contains("style"), "{html}");
        assert!(html.contains(r#"<th align="left">a</th>"#), "{html}");
        assert!(html.contains(r#"<td align="center">2</td>"#), "{html}");
        assert!(html.contains(r#"<td align="right">3</td>"#), "{html}");
    }

    #[test]
    fn no_autolinks_inside_links_code_or_raw_anchors() {
        let html = to_html("[https://a.com](https://b.com) `https://c.com`");
        assert_eq!(html.matches("<a ").count(), 1, "{html}");
        let html = to_html("```\nhttps://a.com\n```\n");
        assert!(!html.contains("<a "), "{html}");
        let html = to_html("<a href=\"/x\">https://a.com</a> https://b.com");
        assert_eq!(html.matches("<a ").count(), 2, "{html}");
        assert!(html.contains(r#"<a href="https://b.com">"#), "{html}");
        let html = to_html("![https://a.com](https://b.com/i.png)");
        assert!(!html.contains("<a "), "{html}");
    }
}
