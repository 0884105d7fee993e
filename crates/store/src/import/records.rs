//! The rows an import writes and reads back, as plain data.

/// What the database already holds of a site, before an import starts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SiteStatus {
    /// Committed import runs of the site (first import and updates).
    pub runs: i64,
    /// Posts whose `source_site` is the site.
    pub posts: i64,
    /// When the first import committed, if one did.
    pub imported_at: Option<i64>,
}

/// A table whose ids an import chooses up front.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdTable {
    /// `users`.
    Users,
    /// `posts`.
    Posts,
}

impl IdTable {
    pub(super) fn name(self) -> &'static str {
        match self {
            IdTable::Users => "users",
            IdTable::Posts => "posts",
        }
    }
}

/// An unclaimed profile to insert: no e-mail, no password.
#[derive(Debug, Clone)]
pub struct ImportUser {
    /// Id chosen with [`ImportTx::reserve_ids`].
    pub id: i64,
    /// Display form of the username.
    pub username: String,
    /// Case-folded unique form.
    pub username_key: String,
    /// "About me" as the source wrote it.
    pub about_md: String,
    /// "About me", sanitised.
    pub about_html: String,
    /// When the profile was created on the source site.
    pub created_at: i64,
    /// Last access on the source site.
    pub last_seen_at: i64,
    /// Id on the source site.
    pub source_id: i64,
}

/// A question or answer to insert or merge, already sanitised, with every reference resolved.
#[derive(Debug, Clone)]
pub struct ImportPost {
    /// Id chosen with [`ImportTx::reserve_ids`] (or the stored id when merging).
    pub id: i64,
    /// `question` or `answer`.
    pub kind: &'static str,
    /// The question of an answer.
    pub parent_id: Option<i64>,
    /// Author.
    pub author_id: i64,
    /// Title (empty for answers).
    pub title: String,
    /// Source text kept for editing.
    pub body_md: String,
    /// Sanitised HTML.
    pub body_html: String,
    /// Plain text for search and excerpts.
    pub body_text: String,
    /// Space-separated tag names.
    pub tags: String,
    /// Ids of those tags (questions).
    pub tag_ids: Vec<i64>,
    /// Score.
    pub score: i64,
    /// Answers it will have (questions); `recount` corrects any difference.
    pub answer_count: i64,
    /// Comments it will have; `recount` corrects any difference.
    pub comment_count: i64,
    /// Views.
    pub view_count: i64,
    /// Accepted answer of a question.
    pub accepted_answer_id: Option<i64>,
    /// When closed.
    pub closed_at: Option<i64>,
    /// Why closed.
    pub close_reason: Option<String>,
    /// Last editor.
    pub last_editor_id: Option<i64>,
    /// When last edited.
    pub last_edited_at: Option<i64>,
    /// Creation time.
    pub created_at: i64,
    /// Last activity.
    pub last_activity_at: i64,
    /// Id on the source site.
    pub source_id: i64,
    /// Content licence.
    pub license: String,
    /// Summary of the post's revision (its origin).
    pub revision_comment: String,
}

/// A stored imported post, as `--update` compares it with the dump.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredPost {
    /// Id.
    pub id: i64,
    /// Title.
    pub title: String,
    /// Source text.
    pub body_md: String,
    /// Space-separated tags.
    pub tags: String,
    /// Score.
    pub score: i64,
    /// Views.
    pub view_count: i64,
    /// Accepted answer.
    pub accepted_answer_id: Option<i64>,
    /// When closed.
    pub closed_at: Option<i64>,
    /// Last activity.
    pub last_activity_at: i64,
    /// Revisions so far.
    pub revision_count: i64,
    /// Whether it was deleted here (then the dump does not bring it back).
    pub deleted: bool,
}

/// A comment to insert or merge.
#[derive(Debug, Clone)]
pub struct ImportComment {
    /// The post commented on.
    pub post_id: i64,
    /// Author.
    pub author_id: i64,
    /// Source text.
    pub body_md: String,
    /// Sanitised inline HTML.
    pub body_html: String,
    /// Upvotes.
    pub score: i64,
    /// When.
    pub created_at: i64,
    /// Id on the source site.
    pub source_id: i64,
}

/// Which imported table [`ImportTx::stored_ids`] reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoredTable {
    /// Profiles.
    Users,
    /// Questions and answers.
    Posts,
    /// Comments.
    Comments,
}
