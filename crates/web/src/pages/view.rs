//! View models shared by page templates: times, links, question lists and pagers. Templates get
//! strings ready to print, so no URL building or pluralising happens inside HTML.

use super::url_encode;
use stoa_app::{PostRow, QuestionSort};
use stoa_domain::post::slug;
use stoa_domain::time::{ago, format_rfc3339, format_utc};

/// A moment, for `<time datetime="{iso}" title="{exact}">{ago}</time>`.
pub struct When {
    /// RFC 3339, for machines.
    pub iso: String,
    /// "3 hours ago", for people.
    pub ago: String,
    /// `YYYY-MM-DD HH:MM`, shown on hover.
    pub exact: String,
}

impl When {
    /// `ts` as seen at `now`.
    pub fn at(ts: i64, now: i64) -> Self {
        When {
            iso: format_rfc3339(ts),
            ago: ago(ts, now),
            exact: format_utc(ts),
        }
    }
}

/// The canonical URL of a question.
pub fn question_url(id: i64, title: &str) -> String {
    format!("/questions/{id}/{}", slug(title))
}

/// The canonical URL of a knowledge-base article.
pub fn article_url(id: i64, title: &str) -> String {
    format!("/kb/articles/{id}/{}", slug(title))
}

/// The page of a question or an article, by its kind.
pub fn post_url(kind: &str, id: i64, title: &str) -> String {
    if kind == "article" {
        article_url(id, title)
    } else {
        question_url(id, title)
    }
}

/// A tag and its page.
pub struct TagLink {
    /// Name.
    pub name: String,
    /// `/tags/{name}`, percent-encoded (tags may hold `#` and `+`).
    pub href: String,
}

/// The links of a post's stored, space-separated tags.
pub fn tag_links(stored: &str) -> Vec<TagLink> {
    stored
        .split_whitespace()
        .map(|t| TagLink {
            name: t.to_string(),
            href: tag_url(t),
        })
        .collect()
}

/// The page of one tag.
pub fn tag_url(name: &str) -> String {
    format!("/tags/{}", url_encode(name))
}

/// "1 answer", "2 answers".
pub fn count(n: i64, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

/// One row of a question list.
pub struct QuestionItem {
    /// Link to the question.
    pub href: String,
    /// Title.
    pub title: String,
    /// "3 votes".
    pub votes: String,
    /// "2 answers".
    pub answers: String,
    /// Whether an answer is accepted.
    pub accepted: bool,
    /// "12 views".
    pub views: String,
    /// Tags.
    pub tags: Vec<TagLink>,
    /// Author id.
    pub author_id: i64,
    /// Author name.
    pub author_name: String,
    /// When asked.
    pub asked: When,
    /// The running bounty's points (0: none).
    pub bounty: i64,
}

impl QuestionItem {
    /// The row of one question.
    pub fn from_row(p: &PostRow, now: i64) -> Self {
        QuestionItem {
            href: question_url(p.id, &p.title),
            title: p.title.clone(),
            votes: count(p.score, "vote", "votes"),
            answers: count(p.answer_count, "answer", "answers"),
            accepted: p.accepted_answer_id.is_some(),
            views: count(p.view_count, "view", "views"),
            tags: tag_links(&p.tags),
            author_id: p.author_id,
            author_name: p.author_name.clone(),
            asked: When::at(p.created_at, now),
            bounty: p.bounty,
        }
    }
}

/// A sort tab above a list.
pub struct Tab {
    /// Visible name.
    pub label: &'static str,
    /// Where it leads.
    pub href: String,
    /// The tab in force.
    pub current: bool,
}

/// Previous/next links and "page N of M".
pub struct Pager {
    /// This page, from 1.
    pub page: i64,
    /// Number of pages (at least 1).
    pub pages: i64,
    /// Link to the previous page.
    pub prev: Option<String>,
    /// Link to the next page.
    pub next: Option<String>,
}

impl Pager {
    /// A pager for `total` items, `per_page` a page; `href(n)` links page `n`.
    pub fn new(page: i64, per_page: i64, total: i64, href: impl Fn(i64) -> String) -> Self {
        let pages = ((total + per_page - 1) / per_page.max(1)).max(1);
        Pager {
            page,
            pages,
            prev: (page > 1).then(|| href((page - 1).min(pages))),
            next: (page < pages).then(|| href(page + 1)),
        }
    }

    /// Whether there is anything to page through.
    pub fn shown(&self) -> bool {
        self.pages > 1 || self.page > 1
    }
}

/// Everything `_question_list.html` shows.
pub struct QuestionList {
    /// Sort tabs.
    pub tabs: Vec<Tab>,
    /// The questions of this page.
    pub items: Vec<QuestionItem>,
    /// Paging.
    pub pager: Pager,
    /// What to say when the list is empty.
    pub empty: &'static str,
}

/// Questions a list page shows.
pub const PER_PAGE: i64 = 30;

/// The sorts, as `(query value, tab label, sort)`; the first is the default.
const SORTS: [(&str, &str, QuestionSort); 5] = [
    ("newest", "Newest", QuestionSort::Newest),
    ("active", "Active", QuestionSort::Active),
    ("votes", "Most votes", QuestionSort::Votes),
    ("unanswered", "Unanswered", QuestionSort::Unanswered),
    ("bounty", "Bounties", QuestionSort::Bounty),
];

/// `?sort=` to a sort; anything unknown is the default rather than an error page.
pub fn parse_sort(raw: Option<&str>) -> (&'static str, QuestionSort) {
    let found = SORTS
        .iter()
        .find(|(k, _, _)| Some(*k) == raw)
        .unwrap_or(&SORTS[0]);
    (found.0, found.2)
}

/// `?page=`: a number from 1, or 1 for anything else (a hand-edited URL deserves a page).
pub fn parse_page(raw: Option<&str>) -> i64 {
    raw.and_then(|p| p.trim().parse::<i64>().ok())
        .filter(|p| (1..=100_000).contains(p))
        .unwrap_or(1)
}

impl QuestionList {
    /// A list at `base` (`/` or `/tags/x`) with its sort tabs and pager.
    pub fn new(
        base: &str,
        sort_key: &str,
        page: i64,
        rows: &stoa_app::Page<PostRow>,
        now: i64,
    ) -> Self {
        let link = |sort: &str, page: i64| {
            let mut q = Vec::new();
            if sort != SORTS[0].0 {
                q.push(format!("sort={sort}"));
            }
            if page > 1 {
                q.push(format!("page={page}"));
            }
            if q.is_empty() {
                base.to_string()
            } else {
                format!("{base}?{}", q.join("&"))
            }
        };
        let tabs = SORTS
            .iter()
            .map(|(k, label, _)| Tab {
                label,
                href: link(k, 1),
                current: *k == sort_key,
            })
            .collect();
        let empty = match sort_key {
            "unanswered" => "Every question here has an answer. Nice work, everyone!",
            "bounty" => "No bounties are running. Offer one on a question you need answered.",
            _ => "No questions yet.",
        };
        QuestionList {
            tabs,
            items: rows
                .items
                .iter()
                .map(|p| QuestionItem::from_row(p, now))
                .collect(),
            pager: Pager::new(page, PER_PAGE, rows.total, |n| link(sort_key, n)),
            empty,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pager_counts_pages() {
        let p = Pager::new(1, 30, 0, |n| n.to_string());
        assert_eq!((p.pages, p.prev, p.next), (1, None, None));
        let p = Pager::new(2, 30, 61, |n| n.to_string());
        assert_eq!(
            (p.pages, p.prev.as_deref(), p.next.as_deref()),
            (3, Some("1"), Some("3"))
        );
        let p = Pager::new(9, 30, 31, |n| n.to_string());
        assert_eq!((p.prev.as_deref(), p.next.as_deref()), (Some("2"), None));
    }

    #[test]
    fn sorts_and_pages_are_lenient() {
        assert_eq!(parse_sort(Some("votes")).1, QuestionSort::Votes);
        assert_eq!(parse_sort(Some("bogus")).1, QuestionSort::Newest);
        assert_eq!(parse_page(Some("abc")), 1);
        assert_eq!(parse_page(Some("0")), 1);
        assert_eq!(parse_page(Some("4")), 4);
    }

    #[test]
    fn tag_links_are_encoded() {
        assert_eq!(tag_url("c#"), "/tags/c%23");
        assert_eq!(count(1, "vote", "votes"), "1 vote");
        assert_eq!(count(0, "vote", "votes"), "0 votes");
    }
}
