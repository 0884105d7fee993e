//! Lists of questions (home, tags, users) and tags, each one query plus one count.

use crate::posts::{post_from_row, PostRow, POST_COLUMNS, POST_FROM};
use crate::{Backend, Store, StoreError};
use sqlx::Row;

/// How a question list is ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QuestionSort {
    /// Newest first.
    Newest,
    /// Most recent activity first.
    Active,
    /// Highest score first.
    Votes,
    /// Unanswered only, newest first.
    Unanswered,
    /// With a running bounty only, largest first.
    Bounty,
}

/// A page of a list and the total matching.
#[derive(Debug, Clone)]
pub struct Page<T> {
    /// The items of this page.
    pub items: Vec<T>,
    /// How many match in all.
    pub total: i64,
}

/// A tag with its question count.
#[derive(Debug, Clone)]
pub struct TagRow {
    /// Name.
    pub name: String,
    /// Live questions with it.
    pub question_count: i64,
    /// Short description.
    pub excerpt: String,
}

impl Store {
    /// A page of live, published questions, optionally with one tag, in a stable order.
    pub async fn questions_page(
        &self,
        sort: QuestionSort,
        tag: Option<&str>,
        limit: i64,
        offset: i64,
    ) -> Result<Page<PostRow>, StoreError> {
        let mut filter =
            String::from("p.kind = 'question' AND p.deleted_at IS NULL AND p.status = 'published'");
        if sort == QuestionSort::Unanswered {
            filter.push_str(" AND p.answer_count = 0");
        }
        if sort == QuestionSort::Bounty {
            filter.push_str(" AND p.bounty_amount > 0");
        }
        if tag.is_some() {
            filter.push_str(" AND p.id IN (SELECT pt.post_id FROM post_tags pt JOIN tags t ON t.id = pt.tag_id WHERE t.name = $3)");
        }
        let order = match sort {
            QuestionSort::Newest | QuestionSort::Unanswered => "p.created_at DESC, p.id DESC",
            QuestionSort::Active => "p.last_activity_at DESC, p.id DESC",
            QuestionSort::Votes => "p.score DESC, p.id DESC",
            QuestionSort::Bounty => "p.bounty_amount DESC, p.id DESC",
        };
        let sql = format!(
            "SELECT {POST_COLUMNS} {POST_FROM} WHERE {filter} ORDER BY {order} LIMIT $1 OFFSET $2"
        );
        // SQLite's planner counts unanswered questions through the votes index (a table lookup
        // per question); the partial index made for this list answers from the index alone.
        let hint = if sort == QuestionSort::Unanswered
            && tag.is_none()
            && self.backend() == Backend::Sqlite
        {
            " INDEXED BY posts_list_unanswered"
        } else {
            ""
        };
        let count_sql = format!(
            "SELECT COUNT(*) FROM posts p{hint} WHERE {}",
            filter.replace("$3", "$1")
        );
        let mut q = sqlx::query(&sql).bind(limit).bind(offset);
        let mut c = sqlx::query(&count_sql);
        if let Some(t) = tag {
            q = q.bind(t);
            c = c.bind(t);
        }
        let rows = q.fetch_all(self.reader()).await?;
        let total: i64 = c.fetch_one(self.reader()).await?.try_get(0)?;
        Ok(Page {
            items: rows.iter().map(post_from_row).collect::<Result<_, _>>()?,
            total,
        })
    }

    /// A user's live questions and answers, newest first.
    pub async fn posts_by_user(
        &self,
        user_id: i64,
        limit: i64,
        offset: i64,
    ) -> Result<Page<PostRow>, StoreError> {
        let filter = "p.author_id = $1 AND p.deleted_at IS NULL AND p.status = 'published' AND p.kind IN ('question', 'answer')";
        let sql = format!("SELECT {POST_COLUMNS} {POST_FROM} WHERE {filter} ORDER BY p.created_at DESC, p.id DESC LIMIT $2 OFFSET $3");
        let rows = sqlx::query(&sql)
            .bind(user_id)
            .bind(limit)
            .bind(offset)
            .fetch_all(self.reader())
            .await?;
        let total: i64 = sqlx::query(&format!("SELECT COUNT(*) FROM posts p WHERE {filter}"))
            .bind(user_id)
            .fetch_one(self.reader())
            .await?
            .try_get(0)?;
        Ok(Page {
            items: rows.iter().map(post_from_row).collect::<Result<_, _>>()?,
            total,
        })
    }

    /// Titles of questions by id (for listing answers by their question).
    pub async fn titles(&self, ids: &[i64]) -> Result<Vec<(i64, String)>, StoreError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT id, title FROM posts WHERE id IN ({})",
            placeholders(1, ids.len())
        );
        let mut q = sqlx::query(&sql);
        for id in ids {
            q = q.bind(id);
        }
        let rows = q.fetch_all(self.reader()).await?;
        rows.iter()
            .map(|r| Ok((r.try_get("id")?, r.try_get("title")?)))
            .collect::<Result<_, sqlx::Error>>()
            .map_err(Into::into)
    }

    /// Tags with at least one question, most used first, optionally filtered by a name prefix.
    pub async fn tags_page(
        &self,
        prefix: Option<&str>,
        limit: i64,
        offset: i64,
    ) -> Result<Page<TagRow>, StoreError> {
        let pattern = format!("{}%", prefix.unwrap_or("").replace(['%', '_'], ""));
        let rows = sqlx::query(
            "SELECT name, question_count, excerpt FROM tags WHERE question_count > 0 AND name LIKE $1
             ORDER BY question_count DESC, name LIMIT $2 OFFSET $3",
        )
        .bind(&pattern)
        .bind(limit)
        .bind(offset)
        .fetch_all(self.reader())
        .await?;
        let total: i64 =
            sqlx::query("SELECT COUNT(*) FROM tags WHERE question_count > 0 AND name LIKE $1")
                .bind(&pattern)
                .fetch_one(self.reader())
                .await?
                .try_get(0)?;
        let items = rows
            .iter()
            .map(|r| {
                Ok(TagRow {
                    name: r.try_get("name")?,
                    question_count: r.try_get("question_count")?,
                    excerpt: r.try_get("excerpt")?,
                })
            })
            .collect::<Result<_, sqlx::Error>>()?;
        Ok(Page { items, total })
    }

    /// One tag, if it exists.
    pub async fn tag(&self, name: &str) -> Result<Option<TagRow>, StoreError> {
        let row = sqlx::query("SELECT name, question_count, excerpt FROM tags WHERE name = $1")
            .bind(name)
            .fetch_optional(self.reader())
            .await?;
        Ok(match row {
            Some(r) => Some(TagRow {
                name: r.try_get("name")?,
                question_count: r.try_get("question_count")?,
                excerpt: r.try_get("excerpt")?,
            }),
            None => None,
        })
    }
}

/// `$start, $start+1, …` for `n` values.
/// The first column of every row.
pub(crate) fn first_column<T>(rows: &[sqlx::any::AnyRow]) -> Result<Vec<T>, StoreError>
where
    T: for<'r> sqlx::Decode<'r, sqlx::Any> + sqlx::Type<sqlx::Any>,
{
    use sqlx::Row;
    rows.iter()
        .map(|r| r.try_get(0))
        .collect::<Result<_, sqlx::Error>>()
        .map_err(Into::into)
}

pub(crate) fn placeholders(start: usize, n: usize) -> String {
    (start..start + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}
