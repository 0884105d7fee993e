//! "Markdown-lite" for comments: the inline subset only. Block constructs are
//! still parsed (CommonMark cannot turn them off) but flattened to their text,
//! and raw HTML is shown as the text the user typed.

use pulldown_cmark::{html, CowStr, Event, Options, Parser, Tag, TagEnd, TextMergeStream};

use crate::autolink::push_linkified;

/// Renders comment Markdown to inline HTML that still has to be sanitised.
pub(crate) fn to_html(markdown: &str) -> String {
    // Tables and task lists stay off so their syntax simply reads as text.
    let parser = Parser::new_ext(markdown, Options::ENABLE_STRIKETHROUGH);
    let mut flattener = Flattener::default();
    let mut events = Vec::new();
    for event in TextMergeStream::new(parser) {
        flattener.push(event, &mut events);
    }
    let mut out = String::with_capacity(markdown.len() + markdown.len() / 2);
    html::push_html(&mut out, events.into_iter());
    out
}

#[derive(Default)]
struct Flattener {
    /// Inside a link or an image's alt text: no autolinks there.
    link_depth: usize,
    in_code_block: bool,
    /// A block ended or began since the last text, so the next text needs a
    /// separating space (`a\n\nb` must not become `ab`).
    pending_space: bool,
}

impl Flattener {
    fn push<'a>(&mut self, event: Event<'a>, out: &mut Vec<Event<'a>>) {
        match event {
            Event::Start(
                tag @ (Tag::Emphasis | Tag::Strong | Tag::Strikethrough | Tag::Link { .. }),
            ) => {
                self.space(out);
                if matches!(tag, Tag::Link { .. }) {
                    self.link_depth += 1;
                }
                out.push(Event::Start(tag));
            }
            Event::End(tag @ (TagEnd::Emphasis | TagEnd::Strong | TagEnd::Strikethrough)) => {
                out.push(Event::End(tag));
            }
            Event::End(TagEnd::Link) => {
                self.link_depth = self.link_depth.saturating_sub(1);
                out.push(Event::End(TagEnd::Link));
            }
            // An image keeps only its alt text, which arrives as Text events.
            Event::Start(Tag::Image { .. }) => self.link_depth += 1,
            Event::End(TagEnd::Image) => self.link_depth = self.link_depth.saturating_sub(1),
            Event::Start(Tag::CodeBlock(_)) => {
                self.in_code_block = true;
                self.pending_space = true;
            }
            Event::End(TagEnd::CodeBlock) => {
                self.in_code_block = false;
                self.pending_space = true;
            }
            Event::Start(_) | Event::End(_) | Event::Rule => self.pending_space = true,
            Event::Text(text) => {
                self.space(out);
                if self.link_depth == 0 && !self.in_code_block {
                    push_linkified(text, out);
                } else {
                    out.push(Event::Text(text));
                }
            }
            Event::Code(code) => {
                self.space(out);
                out.push(Event::Code(code));
            }
            Event::Html(raw) | Event::InlineHtml(raw) => {
                self.space(out);
                out.push(Event::Text(raw));
            }
            // A comment is one run of text: no `<br>`.
            Event::SoftBreak | Event::HardBreak => out.push(Event::Text(CowStr::Borrowed(" "))),
            // Not enabled for comments; keep whatever text they stand for.
            Event::InlineMath(text) | Event::DisplayMath(text) => {
                self.space(out);
                out.push(Event::Text(text));
            }
            Event::FootnoteReference(_) | Event::TaskListMarker(_) => {}
        }
    }

    fn space<'a>(&mut self, out: &mut Vec<Event<'a>>) {
        if self.pending_space && !out.is_empty() {
            out.push(Event::Text(CowStr::Borrowed(" ")));
        }
        self.pending_space = false;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_are_flattened_to_text() {
        assert_eq!(to_html("# Title\n\npara"), "Title para");
        assert_eq!(to_html("- a\n- b"), "a b");
        assert_eq!(to_html("> quoted"), "quoted");
        assert_eq!(to_html("    code\n"), "code\n");
        assert_eq!(to_html("```rust\nlet x;\n```"), "let x;\n");
        assert_eq!(to_html("a\n\n---\n\nb"), "a b");
    }

    #[test]
    fn inline_markup_is_kept() {
        assert_eq!(
            to_html("*a* **b** `c` ~~d~~ [e](https://e.com)"),
            r#"<em>a</em> <strong>b</strong> <code>c</code> <del>d</del> <a href="https://e.com">e</a>"#
        );
    }

    #[test]
    fn raw_html_is_text() {
        assert_eq!(to_html("<b>x</b>"), "&lt;b&gt;x&lt;/b&gt;");
    }

    #[test]
    fn images_keep_their_alt_text() {
        assert_eq!(
            to_html("see ![a https://x.com shot](https://x.com/i.png)"),
            "see a https://x.com shot"
        );
    }
}
