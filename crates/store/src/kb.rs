//! The knowledge base: categories, articles (posts of kind `article`) and "was this helpful?"
//! feedback. Articles are posts, so votes, revisions, edits and search treat them like
//! questions; this module adds what only articles have.

use crate::lists::{placeholders, Page};
use crate::posts::{insert_revision, post_from_row, PostRow, POST_COLUMNS, POST_FROM};
use crate::{Store, StoreError};
use sqlx::Row;

/// A category with its number of live articles.
#[derive(Debug, Clone)]
pub struct CategoryRow {
    /// Id.
    pub id: i64,
    /// Address (`/kb/{slug}`).
    pub slug: String,
    /// Display name.
    pub name: String,
    /// Short description.
    pub description: String,
    /// Live, published articles in it.
    pub article_count: i64,
}

/// What an article has beyond a post: its category and where it came from.
#[derive(Debug, Clone)]
pub struct ArticleMeta {
    /// The article.
    pub post_id: i64,
    /// Its category.
    pub category: Option<CategoryRow>,
    /// The answer it was promoted from.
    pub source_post_id: Option<i64>,
    /// The question of that answer.
    pub source_question_id: Option<i64>,
    /// The title of that question.
    pub source_question_title: Option<String>,
    /// Who promoted it.
    pub promoted_by: Option<(i64, String)>,
}

/// A new article promoted from an answer, validated and rendered.
#[derive(Debug, Clone)]
pub struct NewArticle<'a> {
    /// Author: the answer's author, who keeps the attribution.
    pub author_id: i64,
    /// Who promoted it.
    pub promoted_by: i64,
    /// Category.
    pub category_id: i64,
    /// The answer promoted.
    pub source_post_id: i64,
    /// Title.
    pub title: &'a str,
    /// Markdown source.
    pub body_md: &'a str,
    /// Sanitised HTML.
    pub body_html: &'a str,
    /// Plain text.
    pub body_text: &'a str,
    /// Tags (the question's), kept on the article for search; tag counts stay question counts.
    pub tags: &'a [String],
    /// Edit summary of the first revision.
    pub comment: &'a str,
    /// Creation time.
    pub now: i64,
}

/// One "was this helpful?" answer.
#[derive(Debug, Clone)]
pub struct FeedbackRow {
    /// Yes or no.
    pub helpful: bool,
    /// The optional comment.
    pub comment: String,
    /// The user, when logged in.
    pub user: Option<(i64, String)>,
    /// When.
    pub created_at: i64,
}

/// Yes and no counts of an article.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct HelpfulCounts {
    /// "Yes, it helped."
    pub yes: i64,
    /// "No."
    pub no: i64,
}

const LIVE_ARTICLE: &str = "p.kind = 'article' AND p.deleted_at IS NULL AND p.status = 'published'";

fn category_from_row(r: &sqlx::any::AnyRow) -> Result<CategoryRow, sqlx::Error> {
    Ok(CategoryRow {
        id: r.try_get("category_id")?,
        slug: r.try_get("category_slug")?,
        name: r.try_get("category_name")?,
        description: r.try_get("category_description")?,
        article_count: r.try_get("article_count")?,
    })
}

impl Store {
    /// Every category, in their display order, with article counts.
    pub async fn categories(&self) -> Result<Vec<CategoryRow>, StoreError> {
        let sql = format!(
            "SELECT c.id AS category_id, c.slug AS category_slug, c.name AS category_name,
                    c.description AS category_description,
                    (SELECT COUNT(*) FROM posts p WHERE p.category_id = c.id AND {LIVE_ARTICLE}) AS article_count
             FROM categories c ORDER BY c.position, c.name, c.id"
        );
        let rows = sqlx::query(&sql).fetch_all(self.reader()).await?;
        Ok(rows
            .iter()
            .map(category_from_row)
            .collect::<Result<_, _>>()?)
    }

    /// One category by its slug.
    pub async fn category_by_slug(&self, slug: &str) -> Result<Option<CategoryRow>, StoreError> {
        let sql = format!(
            "SELECT c.id AS category_id, c.slug AS category_slug, c.name AS category_name,
                    c.description AS category_description,
                    (SELECT COUNT(*) FROM posts p WHERE p.category_id = c.id AND {LIVE_ARTICLE}) AS article_count
             FROM categories c WHERE c.slug = $1"
        );
        let row = sqlx::query(&sql)
            .bind(slug)
            .fetch_optional(self.writer())
            .await?;
        Ok(row.as_ref().map(category_from_row).transpose()?)
    }

    /// Creates a category at the end of the list; a taken slug is a conflict on `categories.slug`.
    pub async fn insert_category(
        &self,
        slug: &str,
        name: &str,
        description: &str,
    ) -> Result<i64, StoreError> {
        Ok(sqlx::query(
            "INSERT INTO categories (slug, name, description, position)
             VALUES ($1, $2, $3, (SELECT COALESCE(MAX(position), 0) + 1 FROM categories)) RETURNING id",
        )
        .bind(slug)
        .bind(name)
        .bind(description)
        .fetch_one(self.writer())
        .await?
        .try_get(0)?)
    }

    /// Inserts an article with its first revision and search document, in one transaction. A
    /// second live article from the same answer is a conflict on `source_post_id`.
    pub async fn insert_article(&self, a: &NewArticle<'_>) -> Result<i64, StoreError> {
        let mut tx = self.write_tx().await?;
        let joined = a.tags.join(" ");
        let id: i64 = sqlx::query(
            "INSERT INTO posts (kind, author_id, title, body_md, body_html, body_text, tags, status,
                 category_id, source_post_id, promoted_by, created_at, last_activity_at)
             VALUES ('article', $1, $2, $3, $4, $5, $6, 'published', $7, $8, $9, $10, $10) RETURNING id",
        )
        .bind(a.author_id)
        .bind(a.title)
        .bind(a.body_md)
        .bind(a.body_html)
        .bind(a.body_text)
        .bind(&joined)
        .bind(a.category_id)
        .bind(a.source_post_id)
        .bind(a.promoted_by)
        .bind(a.now)
        .fetch_one(&mut *tx)
        .await?
        .try_get(0)?;
        // The first revision is the answer's text by the answer's author: the promoter curated
        // it but did not write it, and the history should say so.
        insert_revision(
            &mut tx,
            id,
            1,
            a.author_id,
            a.title,
            a.body_md,
            &joined,
            a.comment,
            a.now,
        )
        .await?;
        crate::search::index_post(&mut tx, self.backend(), id).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Category and origin of articles by id.
    pub async fn article_metas(&self, ids: &[i64]) -> Result<Vec<ArticleMeta>, StoreError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT p.id AS post_id, c.id AS category_id, c.slug AS category_slug, c.name AS category_name,
                    c.description AS category_description,
                    (SELECT COUNT(*) FROM posts x WHERE x.category_id = c.id AND x.kind = 'article'
                        AND x.deleted_at IS NULL AND x.status = 'published') AS article_count,
                    p.source_post_id, s.parent_id AS source_question_id, q.title AS source_question_title,
                    p.promoted_by, u.username AS promoted_by_name
             FROM posts p
             LEFT JOIN categories c ON c.id = p.category_id
             LEFT JOIN posts s ON s.id = p.source_post_id
             LEFT JOIN posts q ON q.id = s.parent_id
             LEFT JOIN users u ON u.id = p.promoted_by
             WHERE p.id IN ({})",
            placeholders(1, ids.len())
        );
        let mut q = sqlx::query(&sql);
        for id in ids {
            q = q.bind(id);
        }
        let rows = q.fetch_all(self.reader()).await?;
        rows.iter()
            .map(|r| {
                let category = match r.try_get::<Option<i64>, _>("category_id")? {
                    Some(_) => Some(category_from_row(r)?),
                    None => None,
                };
                let promoted_by = match (
                    r.try_get::<Option<i64>, _>("promoted_by")?,
                    r.try_get("promoted_by_name")?,
                ) {
                    (Some(id), Some(name)) => Some((id, name)),
                    _ => None,
                };
                Ok(ArticleMeta {
                    post_id: r.try_get("post_id")?,
                    category,
                    source_post_id: r.try_get("source_post_id")?,
                    source_question_id: r.try_get("source_question_id")?,
                    source_question_title: r.try_get("source_question_title")?,
                    promoted_by,
                })
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(Into::into)
    }

    /// A page of live articles, optionally of one category, most recently active first.
    pub async fn articles_page(
        &self,
        category_id: Option<i64>,
        limit: i64,
        offset: i64,
    ) -> Result<Page<PostRow>, StoreError> {
        let mut filter = LIVE_ARTICLE.to_string();
        if category_id.is_some() {
            filter.push_str(" AND p.category_id = $3");
        }
        let sql = format!(
            "SELECT {POST_COLUMNS} {POST_FROM} WHERE {filter}
             ORDER BY p.last_activity_at DESC, p.id DESC LIMIT $1 OFFSET $2"
        );
        let count_sql = format!(
            "SELECT COUNT(*) FROM posts p WHERE {}",
            filter.replace("$3", "$1")
        );
        let mut q = sqlx::query(&sql).bind(limit).bind(offset);
        let mut c = sqlx::query(&count_sql);
        if let Some(id) = category_id {
            q = q.bind(id);
            c = c.bind(id);
        }
        let rows = q.fetch_all(self.reader()).await?;
        let total: i64 = c.fetch_one(self.reader()).await?.try_get(0)?;
        Ok(Page {
            items: rows.iter().map(post_from_row).collect::<Result<_, _>>()?,
            total,
        })
    }

    /// The live article promoted from an answer, if there is one: (id, title).
    pub async fn article_from_answer(
        &self,
        answer_id: i64,
    ) -> Result<Option<(i64, String)>, StoreError> {
        let row = sqlx::query(
            "SELECT id, title FROM posts WHERE source_post_id = $1 AND kind = 'article' AND deleted_at IS NULL",
        )
        .bind(answer_id)
        .fetch_optional(self.writer())
        .await?;
        Ok(row
            .map(|r| Ok::<_, sqlx::Error>((r.try_get("id")?, r.try_get("title")?)))
            .transpose()?)
    }

    /// Records (or changes) one visitor's answer to "was this helpful?".
    pub async fn upsert_article_feedback(
        &self,
        post_id: i64,
        user_id: Option<i64>,
        visitor_key: &str,
        helpful: bool,
        comment: &str,
        now: i64,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO article_feedback (post_id, user_id, visitor_key, helpful, comment, created_at)
             VALUES ($1, $2, $3, $4, $5, $6)
             ON CONFLICT (post_id, visitor_key) DO UPDATE SET helpful = excluded.helpful,
                 comment = excluded.comment, created_at = excluded.created_at,
                 user_id = COALESCE(excluded.user_id, article_feedback.user_id)",
        )
        .bind(post_id)
        .bind(user_id)
        .bind(visitor_key)
        .bind(i64::from(helpful))
        .bind(comment)
        .bind(now)
        .execute(self.writer())
        .await?;
        Ok(())
    }

    /// Yes and no counts of each article (articles without feedback are absent).
    pub async fn article_feedback_counts(
        &self,
        ids: &[i64],
    ) -> Result<Vec<(i64, HelpfulCounts)>, StoreError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT post_id, SUM(CASE WHEN helpful = 1 THEN 1 ELSE 0 END) AS yes_count,
                    SUM(CASE WHEN helpful = 1 THEN 0 ELSE 1 END) AS no_count
             FROM article_feedback
             WHERE post_id IN ({}) GROUP BY post_id",
            placeholders(1, ids.len())
        );
        let mut q = sqlx::query(&sql);
        for id in ids {
            q = q.bind(id);
        }
        let rows = q.fetch_all(self.reader()).await?;
        rows.iter()
            .map(|r| {
                Ok((
                    r.try_get("post_id")?,
                    HelpfulCounts {
                        yes: r.try_get("yes_count")?,
                        no: r.try_get("no_count")?,
                    },
                ))
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(Into::into)
    }

    /// This visitor's answer on an article: (helpful, comment).
    pub async fn article_feedback_of(
        &self,
        post_id: i64,
        visitor_key: &str,
    ) -> Result<Option<(bool, String)>, StoreError> {
        let row = sqlx::query(
            "SELECT helpful, comment FROM article_feedback WHERE post_id = $1 AND visitor_key = $2",
        )
        .bind(post_id)
        .bind(visitor_key)
        .fetch_optional(self.writer())
        .await?;
        Ok(row
            .map(|r| {
                Ok::<_, sqlx::Error>((r.try_get::<i64, _>("helpful")? == 1, r.try_get("comment")?))
            })
            .transpose()?)
    }

    /// The latest feedback on an article that came with a comment, newest first.
    pub async fn recent_article_feedback(
        &self,
        post_id: i64,
        limit: i64,
    ) -> Result<Vec<FeedbackRow>, StoreError> {
        let rows = sqlx::query(
            "SELECT f.helpful, f.comment, f.user_id, u.username, f.created_at
             FROM article_feedback f LEFT JOIN users u ON u.id = f.user_id
             WHERE f.post_id = $1 AND f.comment <> ''
             ORDER BY f.created_at DESC, f.id DESC LIMIT $2",
        )
        .bind(post_id)
        .bind(limit)
        .fetch_all(self.reader())
        .await?;
        rows.iter()
            .map(|r| {
                let user = match (
                    r.try_get::<Option<i64>, _>("user_id")?,
                    r.try_get("username")?,
                ) {
                    (Some(id), Some(name)) => Some((id, name)),
                    _ => None,
                };
                Ok(FeedbackRow {
                    helpful: r.try_get::<i64, _>("helpful")? == 1,
                    comment: r.try_get("comment")?,
                    user,
                    created_at: r.try_get("created_at")?,
                })
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(Into::into)
    }
}
