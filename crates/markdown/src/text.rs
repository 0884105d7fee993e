//! The visible text of HTML, for the search index and snippets.

use std::cell::{Cell, RefCell};

use html5ever::tendril::StrTendril;
use html5ever::tokenizer::states::RawKind;
use html5ever::tokenizer::{
    BufferQueue, Tag, TagKind, Token, TokenSink, TokenSinkResult, Tokenizer, TokenizerOpts,
};

/// Elements that separate words even when the HTML has no whitespace between
/// them (`<p>a</p><p>b</p>` is "a b", not "ab").
const BREAKING: &[&str] = &[
    "address",
    "article",
    "aside",
    "blockquote",
    "br",
    "caption",
    "dd",
    "details",
    "div",
    "dl",
    "dt",
    "figcaption",
    "figure",
    "footer",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "header",
    "hr",
    "img",
    "input",
    "li",
    "main",
    "nav",
    "ol",
    "p",
    "pre",
    "section",
    "summary",
    "table",
    "tbody",
    "td",
    "tfoot",
    "th",
    "thead",
    "tr",
    "ul",
];

/// Returns the text of `html` with tags removed, entities decoded and runs of
/// whitespace collapsed to one space.
pub(crate) fn plain_text(html: &str) -> String {
    let tokenizer = Tokenizer::new(TextSink::default(), TokenizerOpts::default());
    let input = BufferQueue::default();
    input.push_back(StrTendril::from_slice(html));
    // Only a sink that asks to run a script makes feed() stop early; ours never does.
    let _ = tokenizer.feed(&input);
    tokenizer.end();
    let text = tokenizer.sink.text.take();
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Collects character tokens. The tokenizer alone does not know that script
/// and style content is raw text, so the sink tells it, and skips that text:
/// sanitised HTML has neither, but this must not index code from raw input.
#[derive(Default)]
struct TextSink {
    text: RefCell<String>,
    skipping: Cell<Option<&'static str>>,
}

impl TokenSink for TextSink {
    type Handle = ();

    fn process_token(&self, token: Token, _line: u64) -> TokenSinkResult<()> {
        match token {
            Token::CharacterTokens(chars) if self.skipping.get().is_none() => {
                self.text.borrow_mut().push_str(&chars);
            }
            Token::TagToken(tag) => return self.tag(&tag),
            _ => {}
        }
        TokenSinkResult::Continue
    }
}

impl TextSink {
    fn tag(&self, tag: &Tag) -> TokenSinkResult<()> {
        let name: &str = &tag.name;
        if let Some(skipped) = self.skipping.get() {
            if tag.kind == TagKind::EndTag && name == skipped {
                self.skipping.set(None);
            }
            return TokenSinkResult::Continue;
        }
        if BREAKING.contains(&name) {
            self.text.borrow_mut().push(' ');
        }
        match (tag.kind, name) {
            (TagKind::StartTag, "script") if !tag.self_closing => {
                self.skipping.set(Some("script"));
                TokenSinkResult::RawData(RawKind::ScriptData)
            }
            (TagKind::StartTag, "style") if !tag.self_closing => {
                self.skipping.set(Some("style"));
                TokenSinkResult::RawData(RawKind::Rawtext)
            }
            _ => TokenSinkResult::Continue,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_tags_and_decodes_entities() {
        assert_eq!(
            plain_text("<p>Fish &amp; chips &lt;3 &quot;q&quot;&nbsp;x</p>"),
            "Fish & chips <3 \"q\" x"
        );
    }

    #[test]
    fn blocks_separate_words_inline_elements_do_not() {
        assert_eq!(
            plain_text("<h2>Title</h2><p>one<em>two</em></p><ul><li>a</li><li>b</li></ul>c<br>d"),
            "Title onetwo a b c d"
        );
        assert_eq!(
            plain_text("<table><tr><td>1</td><td>2</td></tr></table>"),
            "1 2"
        );
    }

    #[test]
    fn collapses_whitespace() {
        assert_eq!(plain_text("  a \n\n\t b  "), "a b");
        assert_eq!(plain_text(""), "");
    }

    #[test]
    fn skips_script_and_style_content() {
        assert_eq!(
            plain_text("a<script>if (x < y) { b() }</script><style>p{}</style>c"),
            "ac"
        );
        assert_eq!(plain_text("<pre><code>x &lt; y</code></pre>"), "x < y");
    }

    #[test]
    fn ignores_attributes_and_comments() {
        assert_eq!(
            plain_text(
                r#"<a href="https://e.com" title="t">link</a><!-- c --><img alt="pic" src="x">"#
            ),
            "link"
        );
    }
}
