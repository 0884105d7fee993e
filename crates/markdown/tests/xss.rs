//! The renderer is a security boundary, so these tests do not compare strings:
//! they tokenize what comes out, as a browser would, and fail on anything that
//! could run or fetch code, whatever the input was.
//!
//! The allow-lists below are written out again on purpose rather than taken
//! from the crate, so that widening the crate's list has to be done twice.

use std::cell::RefCell;
use std::path::PathBuf;

use html5ever::tendril::StrTendril;
use html5ever::tokenizer::{
    BufferQueue, Tag, TagKind, Token, TokenSink, TokenSinkResult, Tokenizer, TokenizerOpts,
};
use proptest::prelude::*;
use stoa_markdown::{plain_text, render_comment, render_post, sanitize_html};

const POST_ELEMENTS: &[&str] = &[
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

const COMMENT_ELEMENTS: &[&str] = &["a", "code", "del", "em", "strong"];

const REL: &str = "nofollow ugc noopener";

/// The attributes an element may carry; none at all for the rest.
fn allowed_attributes(element: &str) -> &'static [&'static str] {
    match element {
        "a" => &["href", "title", "rel"],
        "img" => &["src", "alt", "title"],
        "abbr" => &["title"],
        "ol" => &["start"],
        "td" | "th" => &["align"],
        "code" => &["class"],
        "input" => &["type", "disabled", "checked"],
        _ => &[],
    }
}

/// Whether a browser could take this attribute value for a script or
/// inline-document URL: entities are already decoded by the tokenizer; drop
/// whitespace and control characters anywhere, then compare lowercased.
fn is_script_url(value: &str) -> bool {
    let squeezed: String = value
        .chars()
        .filter(|c| !c.is_whitespace() && !c.is_control())
        .flat_map(char::to_lowercase)
        .collect();
    ["javascript:", "vbscript:", "data:"]
        .iter()
        .any(|scheme| squeezed.starts_with(scheme))
}

struct Inspector {
    elements: &'static [&'static str],
    problems: RefCell<Vec<String>>,
}

impl TokenSink for Inspector {
    type Handle = ();

    fn process_token(&self, token: Token, _line: u64) -> TokenSinkResult<()> {
        match token {
            Token::TagToken(tag) => self.tag(&tag),
            Token::CommentToken(text) => self.problem(format!("comment <!--{text}-->")),
            Token::DoctypeToken(_) => self.problem("doctype".to_owned()),
            _ => {}
        }
        // Never switch to raw-text states: tags inside what a browser would
        // read as raw text are still reported, which only makes this stricter.
        TokenSinkResult::Continue
    }
}

impl Inspector {
    fn problem(&self, problem: String) {
        self.problems.borrow_mut().push(problem);
    }

    fn tag(&self, tag: &Tag) {
        let name: &str = &tag.name;
        if tag.kind == TagKind::StartTag && !self.elements.contains(&name) {
            self.problem(format!("element <{name}>"));
        }
        let allowed = allowed_attributes(name);
        for attr in &tag.attrs {
            let attr_name: &str = &attr.name.local;
            let value: &str = &attr.value;
            if attr_name.starts_with("on") {
                self.problem(format!("event handler {attr_name} on <{name}>"));
            }
            if !allowed.contains(&attr_name) {
                self.problem(format!("attribute {attr_name}={value:?} on <{name}>"));
            }
            if is_script_url(value) {
                self.problem(format!("script URL {attr_name}={value:?} on <{name}>"));
            }
        }
        if tag.kind == TagKind::StartTag {
            let get = |wanted: &str| {
                tag.attrs
                    .iter()
                    .find(|a| &*a.name.local == wanted)
                    .map(|a| a.value.to_string())
            };
            match name {
                "a" if get("rel").as_deref() != Some(REL) => {
                    self.problem(format!("<a> with rel {:?}", get("rel")));
                }
                "input"
                    if get("type").as_deref() != Some("checkbox") || get("disabled").is_none() =>
                {
                    self.problem("<input> that is not a disabled checkbox".to_owned());
                }
                "code" => {
                    if let Some(class) = get("class") {
                        let language = class.strip_prefix("language-").unwrap_or("");
                        let clean = !language.is_empty()
                            && language
                                .bytes()
                                .all(|b| b.is_ascii_alphanumeric() || b"_+-".contains(&b));
                        if !clean {
                            self.problem(format!("<code class={class:?}>"));
                        }
                    }
                }
                "img" => {
                    if let Some(src) = get("src") {
                        // What a URL parser takes for a scheme: a letter, then
                        // letters, digits, `+`, `-`, `.`, after dropping tabs
                        // and newlines and surrounding spaces.
                        let squeezed: String = src
                            .trim_matches(|c: char| c <= ' ')
                            .chars()
                            .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
                            .collect::<String>()
                            .to_ascii_lowercase();
                        let scheme =
                            squeezed
                                .split_once(':')
                                .map(|(scheme, _)| scheme)
                                .filter(|s| {
                                    s.starts_with(|c: char| c.is_ascii_alphabetic())
                                        && s.chars()
                                            .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
                                });
                        if scheme.is_some_and(|s| s != "http" && s != "https") {
                            self.problem(format!("<img src={src:?}>"));
                        }
                    }
                }
                _ => {}
            }
        }
    }
}

/// Every reason `html` would not be inert, as a browser would tokenize it.
fn problems(html: &str, elements: &'static [&'static str]) -> Vec<String> {
    let inspector = Inspector {
        elements,
        problems: RefCell::new(Vec::new()),
    };
    let tokenizer = Tokenizer::new(inspector, TokenizerOpts::default());
    let input = BufferQueue::default();
    input.push_back(StrTendril::from_slice(html));
    let _ = tokenizer.feed(&input);
    tokenizer.end();
    tokenizer.sink.problems.take()
}

/// Renders `input` every way the crate can and returns what was not inert.
fn check_all(input: &str) -> Vec<String> {
    let mut found = Vec::new();
    let post = render_post(input);
    let comment = render_comment(input);
    let sanitized = sanitize_html(input);
    for (what, html, elements) in [
        ("render_post", &post, POST_ELEMENTS),
        ("render_comment", &comment, COMMENT_ELEMENTS),
        ("sanitize_html", &sanitized, POST_ELEMENTS),
    ] {
        for problem in problems(html, elements) {
            found.push(format!("{what}({input:?}) = {html:?}: {problem}"));
        }
    }
    // Must not panic; its output is text, never served as HTML.
    let _ = plain_text(&post);
    let _ = plain_text(input);
    found
}

fn assert_all_inert<'a>(inputs: impl IntoIterator<Item = &'a str>) -> usize {
    let mut count = 0;
    let mut found = Vec::new();
    for input in inputs {
        count += 1;
        found.extend(check_all(input));
    }
    assert!(
        found.is_empty(),
        "{} problems, first ones:\n{}",
        found.len(),
        found
            .iter()
            .take(20)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
    count
}

#[test]
fn the_inspector_catches_what_it_should() {
    let bad = [
        "<script>alert(1)</script>",
        "<img src=x onerror=alert(1)>",
        "<a href=\"&#106;avascript:alert(1)\" rel=\"nofollow ugc noopener\">x</a>",
        "<a href=\" java\tscript:x\" rel=\"nofollow ugc noopener\">x</a>",
        "<a href=\"https://e.com\">no rel</a>",
        "<p style=\"color:red\">x</p>",
        "<img srcset=\"x 1x\">",
        "<img src=\"data:image/png;base64,AA\">",
        "<img src=\"mailto:a@b.c\">",
        "<iframe src=\"https://e.com\"></iframe>",
        "<svg><g/onload=alert(1)></svg>",
        "<input type=\"text\">",
        "<input type=\"checkbox\">",
        "<code class=\"language-x y\">x</code>",
        "<h1>outranks the title</h1>",
        "<p id=\"x\">clobber</p>",
        "<!-- c -->",
        "<base href=\"https://e.com\">",
        "<textarea><img src=x onerror=alert(1)></textarea>",
    ];
    for html in bad {
        assert!(!problems(html, POST_ELEMENTS).is_empty(), "missed {html}");
    }
    let good = [
        "<p>x &lt;script&gt;</p>",
        "<a href=\"/q/1\" rel=\"nofollow ugc noopener\">x</a>",
        "<img src=\"https://e.com/a.png\" alt=\"javascript is fun\">",
        "<input checked=\"\" disabled=\"\" type=\"checkbox\">",
        "<pre><code class=\"language-c++\">x</code></pre>",
    ];
    for html in good {
        assert_eq!(
            problems(html, POST_ELEMENTS),
            Vec::<String>::new(),
            "{html}"
        );
    }
}

fn payload_file() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/xss/xss-payload-list.txt")
}

/// The payload list's bytes; missing is a failure on CI (the data is always beside the
/// repository there) and a loud skip elsewhere.
fn payloads() -> Option<Vec<u8>> {
    let path = payload_file();
    match std::fs::read(&path) {
        Ok(bytes) => Some(bytes),
        Err(e) => {
            assert!(
                std::env::var("CI").is_err(),
                "XSS payload list not readable at {}: {e}",
                path.display()
            );
            eprintln!(
                "\n\n!!!!! SKIPPED: XSS payload list not found at {} !!!!!\n\n",
                path.display()
            );
            None
        }
    }
}

#[test]
fn every_line_of_the_payload_list_is_inert() {
    let path = payload_file();
    let Some(bytes) = payloads() else { return };
    let text = String::from_utf8_lossy(&bytes);
    let count = assert_all_inert(text.lines());
    assert!(
        count > 1000,
        "only {count} payloads read from {}",
        path.display()
    );
    eprintln!("checked {count} payloads from {}", path.display());
}

#[test]
fn the_whole_payload_list_as_one_document_is_inert() {
    let Some(bytes) = payloads() else { return };
    // Lines interact once they share a document: an unclosed tag or quote on
    // one line changes how the next is read.
    assert_all_inert([String::from_utf8_lossy(&bytes).as_ref()]);
}

/// Attacks that only make sense through Markdown syntax.
const MARKDOWN_PAYLOADS: &[&str] = &[
    "[x](javascript:alert(1))",
    "[x](JaVaScRiPt:alert(1))",
    "[x](java&#x09;script:alert(1))",
    "[x](java&#9;script:alert(1))",
    "[x](&#106;avascript:alert(1))",
    "[x](&#x6A;&#x61;&#x76;&#x61;&#x73;&#x63;&#x72;&#x69;&#x70;&#x74;&#x3A;alert(1))",
    "[x](javascript&colon;alert(1))",
    "[x]( javascript:alert(1) )",
    "[x](<javascript:alert(1)>)",
    "[x](<java script:alert(1)>)",
    "[x](\u{0}javascript:alert(1))",
    "[x](vbscript:msgbox(1))",
    "[x](VBScript:msgbox(1))",
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[x](data:text/html,<script>alert(1)</script>)",
    "[x](DATA:text/html,x)",
    "[x](javascript:alert(1) \"title\")",
    "[x](https://e.com \"\\\" onmouseover=alert(1) x=\\\"\")",
    "[x](https://e.com\" onmouseover=\"alert(1))",
    "[x](https://e.com 'a\" onclick=\"alert(1)')",
    "![x](javascript:alert(1))",
    "![x](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)",
    "![x\" onerror=\"alert(1)](https://e.com/a.png)",
    "![x](https://e.com/a.png\"onerror=\"alert(1))",
    "![x](x \"title\\\" onerror=alert(1)\")",
    "![[x](javascript:alert(1))](https://e.com/a.png)",
    "[![x](https://e.com/a.png)](javascript:alert(1))",
    "<javascript:alert(1)>",
    "<JAVASCRIPT:alert(1)>",
    "<vbscript:msgbox(1)>",
    "<data:text/html,<script>alert(1)</script>>",
    "<mailto:javascript:alert(1)>",
    "javascript:alert(1)",
    "https://e.com/\"onmouseover=\"alert(1)",
    "www.e.com/\"><script>alert(1)</script>",
    "https://e.com/<img src=x onerror=alert(1)>",
    "[x][1]\n\n[1]: javascript:alert(1)",
    "[x][1]\n\n[1]: <javascript:alert(1)> \"t\"",
    "[x]\n\n[x]: JaVaScRiPt:alert(1)",
    "![x][i]\n\n[i]: data:image/png;base64,AAAA",
    "[x][1]\n\n[1]: java&#x09;script:alert(1)",
    "<div>\n<script>alert(1)</script>\n</div>",
    "<div onclick=\"alert(1)\">\n\n*markdown inside*\n\n</div>",
    "<details open ontoggle=alert(1)>\n\n**x**\n\n</details>",
    "<script>\nalert(1)\n</script>",
    "<style>\n* { background: url(javascript:alert(1)) }\n</style>",
    "<img src=x onerror=alert(1)>",
    "<IMG SRC=x OnErRoR=alert(1)>",
    "<img src=x onerror=alert(1)//",
    "<img/src=x/onerror=alert(1)>",
    "<img src=\"x\" onerror=\"alert(1)\"",
    "<a href=\"&#106;avascript:alert(1)\">x</a>",
    "<a href=\"&#x6A;avascript&#x3A;alert(1)\">x</a>",
    "<a href=\"jav&#x0A;ascript:alert(1)\">x</a>",
    "<a href=\"  javascript:alert(1)\">x</a>",
    "<a href=\"javascript&colon;alert(1)\">x</a>",
    "<a href='javascript:alert(1)'>x</a>",
    "<a href=javascript:alert(1)>x</a>",
    "<a href=\"https://e.com\" target=\"_blank\" rel=\"opener\">x</a>",
    "<a href=\"x\" ping=\"https://e.com/track\">x</a>",
    "<form action=\"javascript:alert(1)\"><button formaction=\"javascript:alert(1)\">x</button></form>",
    "<input type=\"image\" src=\"x\" onerror=\"alert(1)\">",
    "<input onfocus=alert(1) autofocus>",
    "<iframe src=\"javascript:alert(1)\"></iframe>",
    "<iframe srcdoc=\"<script>alert(1)</script>\"></iframe>",
    "<object data=\"javascript:alert(1)\"></object>",
    "<embed src=\"javascript:alert(1)\">",
    "<svg onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    "<svg><a xlink:href=\"javascript:alert(1)\"><text>x</text></a></svg>",
    "<svg><animate attributeName=href values=javascript:alert(1) /></svg>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "<math href=\"javascript:alert(1)\">x</math>",
    "<base href=\"javascript:alert(1)//\">",
    "<meta http-equiv=\"refresh\" content=\"0;url=javascript:alert(1)\">",
    "<link rel=stylesheet href=\"https://e.com/x.css\">",
    "<p style=\"background:url(javascript:alert(1))\">x</p>",
    "<img srcset=\"javascript:alert(1) 1x\">",
    "<noscript><p title=\"</noscript><img src=x onerror=alert(1)>\"></noscript>",
    "<template><img src=x onerror=alert(1)></template>",
    "<textarea></textarea><img src=x onerror=alert(1)>",
    "<title></title><img src=x onerror=alert(1)>",
    "<xmp><img src=x onerror=alert(1)></xmp>",
    "<plaintext><img src=x onerror=alert(1)>",
    "<!--><img src=x onerror=alert(1)>-->",
    "<!-- --!><img src=x onerror=alert(1)>-->",
    "<![CDATA[<img src=x onerror=alert(1)>]]>",
    "<?xml version=\"1.0\"?><img src=x onerror=alert(1)>",
    "<b><i><a href=\"javascript:alert(1)\">unclosed",
    "<a href=\"https://e.com\" title=\"",
    "<a href=\"x\" title=\"</a><img src=x onerror=alert(1)>\">y</a>",
    "<table><tr><td><img src=x onerror=alert(1)></td></tr>",
    "<p id=\"__proto__\" name=\"location\">x</p>",
    "<img name=\"getElementById\" src=\"x\">",
    "<form id=\"test\"></form><button form=\"test\" formaction=\"javascript:alert(1)\">x</button>",
    "```js\" onmouseover=\"alert(1)\nx\n```",
    "```<script>alert(1)</script>\nx\n```",
    "```\n</code></pre><img src=x onerror=alert(1)>\n```",
    "`</code><img src=x onerror=alert(1)>`",
    "| a |\n|---|\n| <img src=x onerror=alert(1)> |",
    "| a |\n|:-:|\n| [x](javascript:alert(1)) |",
    "- [ ] <input type=text onfocus=alert(1) autofocus>",
    "- [x] [x](javascript:alert(1))",
    "# <img src=x onerror=alert(1)>",
    "# Heading {#x onclick=alert(1)}",
    "> <script>alert(1)</script>",
    "~~<a href=javascript:alert(1)>x</a>~~",
    "*<a href=\"javascript:alert(1)\">*x*</a>*",
    "[<img src=x onerror=alert(1)>](https://e.com)",
    "<a href=\"https://e.com\">https://x.com\" onclick=\"alert(1)</a>",
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "\\<script>alert(1)\\</script>",
    "<scr<script>ipt>alert(1)</script>",
    "<<script>script>alert(1)<</script>/script>",
    "[x](javascript://%0aalert(1))",
    "[x](//e.com/\"><script>alert(1)</script>)",
];

#[test]
fn markdown_specific_payloads_are_inert() {
    let count = assert_all_inert(MARKDOWN_PAYLOADS.iter().copied());
    assert_eq!(count, MARKDOWN_PAYLOADS.len());
}

#[test]
fn markdown_payloads_lose_the_script_but_keep_safe_links() {
    // A link to javascript: keeps its text and loses its URL entirely.
    let html = render_post("[x](JaVaScRiPt:alert(1))");
    assert!(!html.contains("href"), "{html}");
    assert!(html.contains(">x</a>"), "{html}");
    // An entity-encoded tab in a destination is decoded and then written as
    // `%09`, which ends the scheme: it is a relative path, not a script.
    let html = render_post("[x](java&#x09;script:alert(1))");
    assert!(html.contains("href=\"java%09script:alert(1)\""), "{html}");
    // Reference definitions are resolved before sanitising, and still caught.
    let html = render_post("[x][1]\n\n[1]: javascript:alert(1)");
    assert!(!html.contains("href"), "{html}");
    // A harmless neighbour survives.
    let html = render_post("[a](https://e.com) [b](javascript:alert(1))");
    assert!(html.contains("href=\"https://e.com\""), "{html}");
}

/// Pieces of Markdown and HTML that, glued together at random, reach the
/// corners of both parsers: unclosed constructs, quotes, entities, schemes.
const FRAGMENTS: &[&str] = &[
    "<",
    ">",
    "</",
    "/>",
    "\"",
    "'",
    "`",
    "```",
    "~~",
    "*",
    "_",
    "**",
    "[",
    "]",
    "(",
    ")",
    "![",
    "](",
    "\n",
    "\n\n",
    "    ",
    "\t",
    " ",
    "=",
    "&",
    "&#",
    "&#x",
    "09;",
    "0A;",
    "6A;",
    "106;",
    "&colon;",
    "&Tab;",
    "&NewLine;",
    "#",
    "# ",
    "> ",
    "- ",
    "1. ",
    "- [ ] ",
    "- [x] ",
    "|",
    "|---|\n",
    ":-:",
    "---",
    "<!--",
    "-->",
    "<![CDATA[",
    "]]>",
    "<?",
    "<!",
    "javascript:",
    "JaVaScRiPt:",
    "java\tscript:",
    "vbscript:",
    "data:",
    "data:text/html,",
    "alert(1)",
    "https://",
    "http://",
    "www.",
    "e.com",
    "mailto:",
    "//",
    "a",
    "b",
    "on",
    "onerror",
    "onload",
    "onclick",
    "style",
    "srcset",
    "href",
    "src",
    "id",
    "name",
    "class",
    "language-",
    "<a ",
    "<a href=",
    "</a>",
    "<img ",
    "<img src=x ",
    "<script>",
    "</script>",
    "<style>",
    "</style>",
    "<svg>",
    "<svg ",
    "<math>",
    "<iframe ",
    "<object ",
    "<embed ",
    "<form ",
    "<input ",
    "<button ",
    "<base ",
    "<meta ",
    "<textarea>",
    "<title>",
    "<noscript>",
    "<template>",
    "<xmp>",
    "<plaintext>",
    "<table>",
    "<tr>",
    "<td>",
    "<p>",
    "</p>",
    "<div>",
    "</div>",
    "<h1>",
    "<code>",
    "</code>",
    "<pre>",
    "</pre>",
    "<details ",
    "<select>",
    "<option>",
    "\u{0}",
    "\u{1}",
    "\u{7f}",
    "\u{200B}",
    "\u{FEFF}",
    "é",
    "\r",
    "\r\n",
    "[1]: ",
    "[1]",
    "<https://e.com>",
    "<javascript:alert(1)>",
];

fn soup() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        4 => prop::sample::select(FRAGMENTS).prop_map(str::to_owned),
        1 => prop::collection::vec(any::<char>(), 0..4).prop_map(String::from_iter),
    ];
    prop::collection::vec(piece, 0..40).prop_map(|pieces| pieces.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn arbitrary_strings_render_inert(chars in prop::collection::vec(any::<char>(), 0..200)) {
        let input = String::from_iter(chars);
        let found = check_all(&input);
        prop_assert!(found.is_empty(), "{}", found.join("\n"));
    }

    #[test]
    fn fragment_soup_renders_inert(input in soup()) {
        let found = check_all(&input);
        prop_assert!(found.is_empty(), "{}", found.join("\n"));
    }

    #[test]
    fn sanitising_rendered_output_keeps_it_inert_and_stable(input in soup()) {
        let post = render_post(&input);
        let again = sanitize_html(&post);
        let found = problems(&again, POST_ELEMENTS);
        prop_assert!(found.is_empty(), "{}", found.join("\n"));
        // Re-sanitising stored HTML (after an allow-list change, say) must
        // not keep moving headings down.
        prop_assert_eq!(again.matches("<h6").count(), post.matches("<h6").count());
    }

    #[test]
    fn comments_never_contain_block_elements(input in soup()) {
        let html = render_comment(&input);
        let found = problems(&html, COMMENT_ELEMENTS);
        prop_assert!(found.is_empty(), "{}", found.join("\n"));
        prop_assert!(!html.starts_with("<p>"), "{}", html);
    }
}
