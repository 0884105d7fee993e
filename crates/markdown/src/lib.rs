//! Markdown to sanitised HTML. Stoa renders once, on write, and serves the stored result.
//!
//! The stored HTML goes to browsers as-is, so this crate is a security
//! boundary. Every function that returns HTML ends with ammonia and one of the
//! two allow-lists in `policy`; what comes before (pulldown-cmark, the
//! autolinker, our event rewrites) only decides what a post looks like, never
//! whether it is safe.
//!
//! Choices a caller may notice:
//! - Headings in post Markdown move one level down (`#` is `h2`, `#####` and
//!   `######` are both `h6`), so a post cannot outrank the page title. In raw
//!   or imported HTML only `h1` becomes `h2`, which keeps [`sanitize_html`]
//!   idempotent.
//! - Links carry `rel="nofollow ugc noopener"`; URLs may be http, https,
//!   mailto or relative (images: http, https or relative).
//! - No `id`, `class` (except `language-*` on `code`), `style` or `name`
//!   attribute survives.
//! - Input nested deeper than 256 elements (which only an attack or a broken
//!   tool produces, and which html5ever parses in quadratic time) is stored
//!   as its plain text in one paragraph.

mod autolink;
mod comment;
mod depth;
mod policy;
mod post;
mod text;

/// Renders a post (question, answer, article) from Markdown to sanitised HTML.
///
/// CommonMark with GFM tables, strikethrough, task lists and bare-URL
/// autolinks; raw HTML is allowed but goes through the allow-list.
pub fn render_post(markdown: &str) -> String {
    policy::clean_post(&post::to_html(markdown))
}

/// Renders a comment from Markdown-lite to sanitised inline HTML (no `<p>`).
///
/// Only emphasis, strong, code spans, strikethrough and links (including bare
/// URLs) are rendered; block syntax is flattened to its text and raw HTML is
/// shown as typed.
pub fn render_comment(markdown: &str) -> String {
    let html = policy::clean_comment(&comment::to_html(markdown));
    // Trimming serialised HTML at its ends only ever removes text whitespace.
    html.trim().to_owned()
}

/// Sanitises HTML from elsewhere (e.g. Stack Exchange dumps) with the same
/// allow-list and link rules as [`render_post`].
pub fn sanitize_html(html: &str) -> String {
    policy::clean_post(html)
}

/// Returns the visible text of (sanitised) HTML, for search and snippets.
pub fn plain_text(html: &str) -> String {
    text::plain_text(html)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paragraphs_and_emphasis() {
        assert_eq!(
            render_post("Hello *world* and **you**."),
            "<p>Hello <em>world</em> and <strong>you</strong>.</p>\n"
        );
    }

    #[test]
    fn tables() {
        let html = render_post("| a | b |\n|---|:-:|\n| 1 | 2 |\n");
        assert_eq!(
            html,
            "<table><thead><tr><th>a</th><th align=\"center\">b</th></tr></thead><tbody>\n\
             <tr><td>1</td><td align=\"center\">2</td></tr>\n</tbody></table>\n"
        );
    }

    #[test]
    fn task_lists() {
        let html = render_post("- [ ] todo\n- [x] done\n");
        assert_eq!(
            html,
            "<ul>\n<li><input type=\"checkbox\" disabled>\ntodo</li>\n\
             <li><input type=\"checkbox\" disabled checked>\ndone</li>\n</ul>\n"
        );
    }

    #[test]
    fn strikethrough() {
        assert_eq!(render_post("~~gone~~"), "<p><del>gone</del></p>\n");
    }

    #[test]
    fn bare_urls_become_links() {
        assert_eq!(
            render_post("See https://example.com/x?a=1&b=2."),
            "<p>See <a href=\"https://example.com/x?a=1&amp;b=2\" rel=\"nofollow ugc noopener\">\
             https://example.com/x?a=1&amp;b=2</a>.</p>\n"
        );
        assert_eq!(
            render_post("www.example.com"),
            "<p><a href=\"https://www.example.com\" rel=\"nofollow ugc noopener\">www.example.com</a></p>\n"
        );
        // Angle-bracket autolinks are CommonMark's own and keep working.
        assert_eq!(
            render_post("<https://example.com>"),
            "<p><a href=\"https://example.com\" rel=\"nofollow ugc noopener\">https://example.com</a></p>\n"
        );
    }

    #[test]
    fn fenced_code_gets_a_clean_language_class() {
        assert_eq!(
            render_post("```rust\nfn main() {}\n```\n"),
            "<pre><code class=\"language-rust\">fn main() {}\n</code></pre>\n"
        );
        assert_eq!(
            render_post("```c++ extra words\nx\n```\n"),
            "<pre><code class=\"language-c++\">x\n</code></pre>\n"
        );
        for info in ["js\"onmouseover=alert(1)", "a<b", "c#", "x'y"] {
            assert_eq!(
                render_post(&format!("```{info}\nx\n```\n")),
                "<pre><code>x\n</code></pre>\n",
                "{info}"
            );
        }
    }

    #[test]
    fn links_get_rel_and_lose_their_own() {
        assert_eq!(
            render_post("[a](https://e.com \"T\")"),
            "<p><a href=\"https://e.com\" title=\"T\" rel=\"nofollow ugc noopener\">a</a></p>\n"
        );
        assert_eq!(
            sanitize_html("<a href=\"/q/1\" rel=\"opener\" target=\"_blank\">a</a>"),
            "<a href=\"/q/1\" rel=\"nofollow ugc noopener\">a</a>"
        );
        assert_eq!(
            render_post("[mail](mailto:a@example.com)"),
            "<p><a href=\"mailto:a@example.com\" rel=\"nofollow ugc noopener\">mail</a></p>\n"
        );
    }

    #[test]
    fn script_links_keep_their_text_but_lose_the_url() {
        assert_eq!(
            render_post("[x](javascript:alert(1))"),
            "<p><a rel=\"nofollow ugc noopener\">x</a></p>\n"
        );
        assert_eq!(
            render_post("![x](data:image/png;base64,AAAA)"),
            "<p><img alt=\"x\"></p>\n"
        );
    }

    #[test]
    fn images_by_url() {
        assert_eq!(
            render_post("![a cat](https://e.com/cat.png \"Cat\")"),
            "<p><img src=\"https://e.com/cat.png\" alt=\"a cat\" title=\"Cat\"></p>\n"
        );
    }

    #[test]
    fn headings_move_down_one_level() {
        assert_eq!(
            render_post("# One\n## Two\n###### Six\n<h1>Raw</h1>\n"),
            "<h2>One</h2>\n<h3>Two</h3>\n<h6>Six</h6>\n<h2>Raw</h2>\n"
        );
    }

    #[test]
    fn raw_html_is_sanitised_not_escaped() {
        assert_eq!(
            render_post("a <kbd>Ctrl</kbd> <span onclick=x>b</span> <script>alert(1)</script>"),
            "<p>a <kbd>Ctrl</kbd> b </p>\n"
        );
    }

    #[test]
    fn comments_are_inline() {
        assert_eq!(
            render_comment("# Head\n\n- *a*\n- b https://e.com\n\n![img](https://e.com/i.png)"),
            "Head <em>a</em> b <a href=\"https://e.com\" rel=\"nofollow ugc noopener\">https://e.com</a> img"
        );
        assert_eq!(
            render_comment("`code` ~~old~~ **new**"),
            "<code>code</code> <del>old</del> <strong>new</strong>"
        );
        assert_eq!(
            render_comment("| a | b |\n|---|---|\n- [ ] x"),
            "| a | b | |---|---| [ ] x"
        );
        assert_eq!(
            render_comment("<img src=x onerror=alert(1)>"),
            "&lt;img src=x onerror=alert(1)&gt;"
        );
        assert_eq!(render_comment(""), "");
    }

    #[test]
    fn sanitize_html_keeps_stack_exchange_markup() {
        let body = "<p>Try <code>ls</code>:</p>\n<pre class=\"lang-sh prettyprint-override\"><code>ls -la\n</code></pre>\n\
                    <blockquote><p>q</p></blockquote><h1>T</h1><img src=\"https://i.sstatic.net/x.png\" alt=\"x\" width=\"10\">";
        assert_eq!(
            sanitize_html(body),
            "<p>Try <code>ls</code>:</p>\n<pre><code>ls -la\n</code></pre>\n\
             <blockquote><p>q</p></blockquote><h2>T</h2><img src=\"https://i.sstatic.net/x.png\" alt=\"x\">"
        );
    }

    #[test]
    fn sanitize_html_is_idempotent_on_its_output() {
        let once =
            sanitize_html("<h1>a</h1><p>b<a href=x>c</a></p><table><tr><td>d</td></tr></table>");
        assert_eq!(sanitize_html(&once), once);
        let post = render_post("# T\n\n| a |\n|---|\n| b |\n\n- [x] c\n\nhttps://e.com");
        assert_eq!(sanitize_html(&post), post);
    }

    #[test]
    fn plain_text_of_a_rendered_post() {
        let html = render_post(
            "# Title\n\nSome *text* & more.\n\n- one\n- two\n\n```\ncode < here\n```\n",
        );
        assert_eq!(
            plain_text(&html),
            "Title Some text & more. one two code < here"
        );
    }

    #[test]
    fn pathological_nesting_does_not_overflow() {
        let started = std::time::Instant::now();
        for input in [
            ">".repeat(40_000),
            "1. ".repeat(40_000),
            "- ".repeat(40_000),
            "<div>".repeat(40_000),
            "<div/>".repeat(40_000),
            "<ul><li>".repeat(20_000),
            "<table><td>".repeat(20_000),
            "<b x=1><i x=2>".repeat(20_000),
            "<p><b x=1>a</p>".repeat(20_000),
            format!("{}a{}", "*".repeat(40_000), "*".repeat(40_000)),
            format!("{}a{}", "[".repeat(40_000), "](x)".repeat(40_000)),
            "<a>".repeat(40_000),
            "`".repeat(40_000),
        ] {
            let html = render_post(&input);
            let _ = render_comment(&input);
            let _ = sanitize_html(&input);
            let _ = plain_text(&html);
        }
        // Generous for an unoptimised build on a busy machine; the quadratic
        // parse this guards against took minutes.
        assert!(started.elapsed().as_secs() < 60, "{:?}", started.elapsed());
    }
}
