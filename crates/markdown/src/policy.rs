//! The allow-lists: every byte of HTML that Stoa stores passes through one of
//! these two ammonia builders last, so they are the security boundary.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

use ammonia::{Builder, UrlRelative};

use crate::{depth, text};

/// The `rel` on every link: user content must not pass on ranking (`nofollow`,
/// `ugc`) nor get a handle on our window (`noopener`).
pub(crate) const LINK_REL: &str = "nofollow ugc noopener";

/// Elements allowed in posts and imported HTML.
///
/// No `div`/`span` (layout and spoofing without meaning), no `u` (looks like a
/// link), no media beyond `img`, nothing interactive except the task-list
/// checkbox, which is forced to a disabled checkbox below.
pub(crate) const POST_TAGS: &[&str] = &[
    "a",
    "abbr",
    "b",
    "blockquote",
    "br",
    "code",
    "dd",
    "del",
    "details",
    "dl",
    "dt",
    "em",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "i",
    "img",
    "input",
    "ins",
    "kbd",
    "li",
    "ol",
    "p",
    "pre",
    "s",
    "samp",
    "strike",
    "strong",
    "sub",
    "summary",
    "sup",
    "table",
    "tbody",
    "td",
    "tfoot",
    "th",
    "thead",
    "tr",
    "ul",
    "var",
];

/// Elements allowed in comments: exactly what the comment renderer emits.
pub(crate) const COMMENT_TAGS: &[&str] = &["a", "code", "del", "em", "strong"];

/// Elements removed together with their content. Anything else that is not
/// allowed is unwrapped (its text kept), which is right for prose but wrong
/// for code, styles, embedded documents and form controls, whose "text" would
/// show up as garbage or as a spoofed UI.
const DROPPED_WITH_CONTENT: &[&str] = &[
    "applet", "embed", "frame", "frameset", "iframe", "math", "noembed", "noframes", "noscript",
    "object", "script", "select", "style", "svg", "template", "textarea", "title", "xmp",
];

/// Schemes a browser would execute or render as a document of its own. Checked
/// on every attribute, not only on the ones ammonia treats as URLs, so an
/// attribute added later cannot become a hole.
const DANGEROUS_SCHEMES: &[&str] = &["javascript:", "vbscript:", "livescript:", "data:"];

/// The longest fenced-code language name kept as a class.
const MAX_LANGUAGE_LEN: usize = 40;

static POST: LazyLock<Builder<'static>> = LazyLock::new(|| {
    let mut builder = base(POST_TAGS);
    builder
        .tag_attributes(HashMap::from([
            ("a", HashSet::from(["href", "title"])),
            ("abbr", HashSet::from(["title"])),
            ("img", HashSet::from(["src", "alt", "title"])),
            ("ol", HashSet::from(["start"])),
            ("td", HashSet::from(["align"])),
            ("th", HashSet::from(["align"])),
            ("code", HashSet::from(["class"])),
            ("input", HashSet::from(["checked"])),
        ]))
        // Whatever `<input>` a user writes, it can only ever be the inert
        // checkbox that task lists render.
        .set_tag_attribute_values(HashMap::from([(
            "input",
            HashMap::from([("type", "checkbox"), ("disabled", "")]),
        )]));
    builder
});

static COMMENT: LazyLock<Builder<'static>> = LazyLock::new(|| {
    let mut builder = base(COMMENT_TAGS);
    builder.tag_attributes(HashMap::from([("a", HashSet::from(["href", "title"]))]));
    builder
});

/// The settings both builders share; starts from nothing rather than from
/// ammonia's defaults so that a new ammonia release cannot widen what we allow.
fn base(tags: &[&'static str]) -> Builder<'static> {
    let mut builder = Builder::empty();
    builder
        .tags(tags.iter().copied().collect())
        .clean_content_tags(DROPPED_WITH_CONTENT.iter().copied().collect())
        .generic_attributes(HashSet::new())
        .tag_attribute_values(HashMap::new())
        .url_schemes(HashSet::from(["http", "https", "mailto"]))
        .url_relative(UrlRelative::PassThrough)
        .link_rel(Some(LINK_REL))
        .strip_comments(true)
        // Ids are not allowed at all (not even prefixed): nothing in a post
        // needs one and each is a chance to clobber the page's DOM.
        .id_prefix(None)
        .attribute_filter(filter_attribute);
    builder
}

/// Sanitises HTML with the post allow-list, then [`finish`]es it.
pub(crate) fn clean_post(html: &str) -> String {
    if depth::exceeds(html, depth::MAX_DEPTH) {
        let flat = format!("<p>{}</p>", escape_text(&text::plain_text(html)));
        return POST.clean(&flat).to_string();
    }
    finish(&POST.clean(html).to_string())
}

/// Sanitises HTML with the comment allow-list.
pub(crate) fn clean_comment(html: &str) -> String {
    if depth::exceeds(html, depth::MAX_DEPTH) {
        return COMMENT
            .clean(&escape_text(&text::plain_text(html)))
            .to_string();
    }
    COMMENT.clean(html).to_string()
}

/// Escapes text for an HTML text node. Used only for input nested too deeply
/// to parse in reasonable time, which is kept as its visible text.
fn escape_text(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// Per-value rules that ammonia's tag/attribute lists cannot express.
fn filter_attribute<'v>(element: &str, attribute: &str, value: &'v str) -> Option<Cow<'v, str>> {
    if has_dangerous_scheme(value) {
        return None;
    }
    match (element, attribute) {
        ("code", "class") => value
            .strip_prefix("language-")
            .is_some_and(is_language_name)
            .then_some(Cow::Borrowed(value)),
        ("td" | "th", "align") => {
            let align = value.trim().to_ascii_lowercase();
            matches!(align.as_str(), "left" | "center" | "right").then_some(Cow::Owned(align))
        }
        // Ammonia has one scheme list for all URL attributes; an image must
        // not be a mailto: (it would only ever be a broken image or a prompt).
        // Images never load over plain http (which would tell any network on the way who
        // reads what, and is mixed content on an https site): http becomes https.
        ("img", "src") if scheme_is(value, "mailto:") => None,
        ("img", "src") if scheme_is(value, "http:") => value
            .split_once(':')
            .map(|(_, after)| Cow::Owned(format!("https:{after}"))),
        ("img", "src") => Some(Cow::Borrowed(value)),
        ("ol", "start") => {
            (!value.is_empty() && value.len() <= 9 && value.bytes().all(|b| b.is_ascii_digit()))
                .then_some(Cow::Borrowed(value))
        }
        _ => Some(Cow::Borrowed(value)),
    }
}

/// Whether an attribute value would be read by a browser as a script or
/// inline-document URL. Browsers ignore whitespace and control characters in
/// and around a scheme and compare it case-insensitively; this is stricter
/// still, removing such characters anywhere before comparing.
pub(crate) fn has_dangerous_scheme(value: &str) -> bool {
    DANGEROUS_SCHEMES
        .iter()
        .any(|scheme| scheme_is(value, scheme))
}

fn scheme_is(value: &str, scheme: &str) -> bool {
    let mut normalised = value
        .chars()
        .filter(|c| !(c.is_whitespace() || c.is_control() || is_invisible(*c)))
        .flat_map(char::to_lowercase);
    scheme
        .chars()
        .all(|expected| normalised.next() == Some(expected))
}

/// Format characters that render as nothing, so a scheme split by them still
/// reads as that scheme to a person and perhaps to some parser.
fn is_invisible(c: char) -> bool {
    matches!(c, '\u{200B}'..='\u{200F}' | '\u{2060}'..='\u{2064}' | '\u{FEFF}' | '\u{AD}')
}

/// A fenced-code language name as we keep it: short, and only characters
/// that cannot break out of a class token or a CSS selector.
pub(crate) fn is_language_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= MAX_LANGUAGE_LEN
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'+' | b'-'))
}

/// The one shape a task-list checkbox is stored in, whatever attribute order
/// ammonia produced (it adds forced attributes in hash order).
const CHECKBOX: &str = r#"<input type="checkbox" disabled>"#;
const CHECKBOX_CHECKED: &str = r#"<input type="checkbox" disabled checked>"#;

/// Finishes sanitised post HTML: every `h1` becomes an `h2`, because the page
/// title is the page's only `h1` and user content must not outrank it; every
/// `<input>` (already forced to a disabled checkbox) is written in one fixed
/// form, so equal input gives byte-equal output on every run.
///
/// Ammonia cannot rename elements, so this runs on its output, whose shape is
/// fixed by html5ever's serialiser: text never holds a raw `<` (it is written
/// as `&lt;`), comments are stripped, attribute values are double-quoted with
/// `"` escaped. So every `<` outside a quoted value starts a tag, and the only
/// changes made here are one digit in the name of an allowed element and
/// constant markup in place of an allowed element.
/// Demoting only `h1` (rather than shifting every level) keeps this idempotent,
/// so stored HTML can be sanitised again without sinking further.
pub(crate) fn finish(html: &str) -> String {
    let bytes = html.as_bytes();
    let mut out = String::with_capacity(html.len());
    let mut copied = 0;
    let mut pos = 0;
    while let Some(offset) = html[pos..].find('<') {
        let tag_start = pos + offset;
        let closing = bytes.get(tag_start + 1) == Some(&b'/');
        let name_start = tag_start + 1 + usize::from(closing);
        let tag_end = end_of_tag(bytes, name_start);
        if is_named(bytes, name_start, b"h1") {
            out.push_str(&html[copied..name_start]);
            out.push_str("h2");
            copied = name_start + 2;
        } else if !closing && is_named(bytes, name_start, b"input") {
            out.push_str(&html[copied..tag_start]);
            let checked = html[tag_start..tag_end].contains(" checked=");
            out.push_str(if checked { CHECKBOX_CHECKED } else { CHECKBOX });
            copied = tag_end;
        }
        pos = tag_end;
    }
    out.push_str(&html[copied..]);
    out
}

/// Whether the tag name starting at `at` is exactly `name`.
fn is_named(bytes: &[u8], at: usize, name: &[u8]) -> bool {
    bytes.get(at..at + name.len()) == Some(name)
        && matches!(bytes.get(at + name.len()), Some(b'>' | b' ' | b'/'))
}

/// The index just past the `>` that ends the tag whose name starts at `from`,
/// not stopping at a `>` inside a quoted value; the end if there is none.
fn end_of_tag(bytes: &[u8], from: usize) -> usize {
    let mut in_value = false;
    for (i, &b) in bytes.iter().enumerate().skip(from) {
        match b {
            b'"' => in_value = !in_value,
            b'>' if !in_value => return i + 1,
            _ => {}
        }
    }
    bytes.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dangerous_schemes_are_seen_through_case_whitespace_and_controls() {
        for value in [
            "javascript:alert(1)",
            "JaVaScRiPt:alert(1)",
            " \t\njava\tscript:alert(1)",
            "java\u{0}script:x",
            "java\u{200B}script:x",
            "vbscript:msgbox",
            "DATA:text/html;base64,xx",
            "\u{1}data:x",
        ] {
            assert!(has_dangerous_scheme(value), "{value:?}");
        }
        for value in [
            "https://example.com",
            "/javascript:x",
            "mailto:a@b.c",
            "",
            "java",
        ] {
            assert!(!has_dangerous_scheme(value), "{value:?}");
        }
    }

    #[test]
    fn language_names() {
        assert!(is_language_name("rust"));
        assert!(is_language_name("c++"));
        assert!(is_language_name("objective-c"));
        assert!(is_language_name("shell_session"));
        assert!(!is_language_name(""));
        assert!(!is_language_name("c#"));
        assert!(!is_language_name("a\"b"));
        assert!(!is_language_name("x y"));
        assert!(!is_language_name(&"a".repeat(41)));
    }

    #[test]
    fn code_class_must_be_one_language_token() {
        assert_eq!(
            clean_post(r#"<code class="language-rust">x</code>"#),
            r#"<code class="language-rust">x</code>"#
        );
        assert_eq!(
            clean_post(r#"<code class="evil">x</code>"#),
            "<code>x</code>"
        );
        assert_eq!(
            clean_post(r#"<code class="language-rust evil">x</code>"#),
            "<code>x</code>"
        );
        assert_eq!(clean_post(r#"<pre class="x">y</pre>"#), "<pre>y</pre>");
    }

    #[test]
    fn inputs_become_disabled_checkboxes() {
        assert_eq!(
            clean_post(r#"<input type="text" name="q" value="x" formaction="/x" autofocus>"#),
            CHECKBOX
        );
        assert_eq!(clean_post("<input checked>"), CHECKBOX_CHECKED);
        assert_eq!(
            clean_post(r#"<input checked="no" type="radio">"#),
            CHECKBOX_CHECKED
        );
        assert_eq!(clean_post(CHECKBOX_CHECKED), CHECKBOX_CHECKED);
        assert_eq!(
            clean_post(r#"<p><input disabled="" type="checkbox"/>a<input title=" checked=">"#),
            format!("<p>{CHECKBOX}a{CHECKBOX}</p>")
        );
    }

    #[test]
    fn ids_names_styles_and_handlers_are_removed() {
        let out = clean_post(
            r#"<p id="x" name="y" style="color:red" onclick="alert(1)" class="c">t</p>"#,
        );
        assert_eq!(out, "<p>t</p>");
    }

    #[test]
    fn images_take_http_https_or_relative_sources_only() {
        assert_eq!(
            clean_post(r#"<img src="https://e.com/a.png" alt="a">"#),
            r#"<img src="https://e.com/a.png" alt="a">"#
        );
        assert_eq!(
            clean_post(r#"<img src="/u/a.png">"#),
            r#"<img src="/u/a.png">"#
        );
        assert_eq!(
            clean_post(r#"<img src="http://e.com/a.png">"#),
            r#"<img src="https://e.com/a.png">"#,
            "plain http is upgraded"
        );
        assert_eq!(
            clean_post(r#"<img src="HTTP://e.com/a.png">"#),
            r#"<img src="https://e.com/a.png">"#
        );
        for src in [
            "data:image/png;base64,AAAA",
            "mailto:a@b.c",
            "javascript:alert(1)",
            "ftp://e.com/a.png",
        ] {
            assert_eq!(
                clean_post(&format!(r#"<img src="{src}">"#)),
                "<img>",
                "{src}"
            );
        }
        assert_eq!(
            clean_post(r#"<img srcset="https://e.com/a.png 2x" src="https://e.com/b.png">"#),
            r#"<img src="https://e.com/b.png">"#
        );
    }

    #[test]
    fn table_alignment_is_an_enumerated_attribute() {
        assert_eq!(
            clean_post(r#"<table><tr><td align="CENTER">a</td><td align="x">b</td></tr></table>"#),
            r#"<table><tbody><tr><td align="center">a</td><td>b</td></tr></tbody></table>"#
        );
    }

    #[test]
    fn ordered_list_start_must_be_a_number() {
        assert_eq!(
            clean_post(r#"<ol start="3"><li>a</li></ol>"#),
            r#"<ol start="3"><li>a</li></ol>"#
        );
        assert_eq!(
            clean_post(r#"<ol start="javascript"><li>a</li></ol>"#),
            "<ol><li>a</li></ol>"
        );
    }

    #[test]
    fn dropped_elements_take_their_content_with_them() {
        assert_eq!(
            clean_post("a<script>alert(1)</script><style>p{}</style>b"),
            "ab"
        );
        assert_eq!(clean_post("a<svg><text>t</text></svg>b"), "ab");
        assert_eq!(clean_post("a<textarea>t</textarea>b"), "ab");
        // Unknown but harmless wrappers keep their text.
        assert_eq!(clean_post("<div><span>t</span></div>"), "t");
    }

    #[test]
    fn finish_demotes_h1_only_in_tag_names() {
        assert_eq!(finish("<h1>a</h1>"), "<h2>a</h2>");
        assert_eq!(finish("<h1 x=\"y\">a</h1 >"), "<h2 x=\"y\">a</h2 >");
        assert_eq!(
            finish(r#"<img alt="<h1>" src="x"><h1>&lt;h1&gt;</h1>"#),
            r#"<img alt="<h1>" src="x"><h2>&lt;h1&gt;</h2>"#
        );
        assert_eq!(finish("<h10><h2><hr>"), "<h10><h2><hr>");
        assert_eq!(finish("<p>x</p>"), "<p>x</p>");
        assert_eq!(finish("<h1"), "<h1");
        assert_eq!(finish("<input>"), CHECKBOX);
        assert_eq!(finish("</input>"), "</input>");
        assert_eq!(finish(""), "");
        assert_eq!(clean_post("<H1>t</H1>"), "<h2>t</h2>");
        assert_eq!(clean_post("<h2>t</h2>"), "<h2>t</h2>");
    }

    #[test]
    fn too_deep_input_is_kept_as_text() {
        let deep = format!(
            "{}<b>x</b> &amp; <script>alert(1)</script>y",
            "<div>".repeat(300)
        );
        assert_eq!(clean_post(&deep), "<p>x &amp; y</p>");
        assert_eq!(clean_comment(&deep), "x &amp; y");
        let fine = format!("{}x", "<div>".repeat(100));
        assert_eq!(clean_post(&fine), "x");
    }

    #[test]
    fn comment_policy_is_inline_only() {
        assert_eq!(
            clean_comment("<p><em>a</em> <h1>b</h1><img src=x><ul><li>c</li></ul></p>"),
            "<em>a</em> bc"
        );
    }
}
