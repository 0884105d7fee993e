//! The writing pass: reads the files again and writes them in one transaction. A thread per file
//! parses and sanitises rows in batches while the database writes the previous batch; a bounded
//! channel between them keeps memory flat.

use crate::fields::{clean_title, license, question_tags};
use crate::scan::{Catalog, PostMeta};
use crate::users::{write_users, Users};
use crate::xml::{Row, RowReader};
use crate::{ImportError, Reporter, Summary};
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;
use stoa_store::badges::ImportedBadge;
use stoa_store::import::{
    index_doc, IdTable, ImportComment, ImportPost, ImportTx, IndexDoc, StoredTable,
};
use stoa_store::Store;
use tokio::sync::mpsc;

/// Rows per batch: one multi-row INSERT each (the store splits further if a row is wide).
pub(crate) const BATCH: usize = 500;
/// Questions per search-indexing chunk.
const INDEX_CHUNK: usize = 100;
/// Chunks analysed at once while the database writes (the machine's cores are the limit).
const INDEX_IN_FLIGHT: usize = 3;
/// The `imports.source` of Stack Exchange dumps.
const SOURCE: &str = "stackexchange";
/// Longest revision comment (Stoa's limit on edit summaries).
const MAX_COMMENT: usize = 300;

/// What the row-preparing threads need, shared read-only.
struct Context {
    site: String,
    posts: HashMap<i64, PostMeta>,
    users: Users,
    tag_ids: HashMap<String, i64>,
    votes: Option<HashMap<i64, i64>>,
    close_reasons: HashMap<i64, String>,
    duplicates: HashSet<i64>,
}

/// Writes the checked dump in `dir` as site `site`, all in one transaction.
pub(crate) async fn write(
    store: &Store,
    dir: &Path,
    site: &str,
    update: bool,
    mut cat: Catalog,
    progress: &Reporter,
    started: Instant,
) -> Result<Summary, ImportError> {
    let already = |posts| ImportError::AlreadyImported {
        site: site.to_string(),
        posts,
    };
    let mut tx = match store
        .begin_import(SOURCE, site, update, stoa_store::now())
        .await
    {
        Ok(tx) => tx,
        // Another first import of this site committed since the early check (or is running).
        Err(e) if e.is_conflict_on("imports") => {
            return Err(already(
                store
                    .import_status(site)
                    .await
                    .map(|s| s.posts)
                    .unwrap_or(0),
            ));
        }
        Err(e) => return Err(e.into()),
    };
    if !update {
        let stored = tx.stored_post_count().await?;
        if stored > 0 {
            return Err(already(stored));
        }
    }
    let mut summary = Summary {
        site: site.to_string(),
        update,
        rows_read: std::mem::take(&mut cat.rows),
        skipped: std::mem::take(&mut cat.skipped),
        notes: std::mem::take(&mut cat.notes),
        tags: cat.tags.len() as u64,
        ..Summary::default()
    };

    let users = write_users(&mut tx, dir, &cat, update, progress, &mut summary).await?;
    let mut tags: Vec<(String, i64)> = std::mem::take(&mut cat.tags).into_iter().collect();
    tags.sort();
    let tag_ids = tx.ensure_tags(&tags).await?;
    assign_post_ids(&mut tx, &mut cat, update).await?;
    let ctx = Arc::new(Context {
        site: site.to_string(),
        posts: std::mem::take(&mut cat.posts),
        users,
        tag_ids,
        votes: cat.votes.take(),
        close_reasons: std::mem::take(&mut cat.close_reasons),
        duplicates: cat.duplicates.iter().map(|(dup, _)| *dup).collect(),
    });
    let (mut reindex, retagged) =
        write_posts(&mut tx, dir, &ctx, update, progress, &mut summary).await?;
    write_comments(&mut tx, dir, &ctx, update, progress, &mut summary).await?;
    write_badges(&mut tx, dir, &ctx, progress, &mut summary).await?;

    progress.phase("linking duplicates and counting", "posts", 0);
    tx.analyze().await?;
    let pairs: Vec<(i64, i64)> = cat
        .duplicates
        .iter()
        .filter_map(|(dup, original)| Some((ctx.posts.get(dup)?.id, ctx.posts.get(original)?.id)))
        .collect();
    tx.set_duplicates(&pairs).await?;
    summary.duplicates = pairs.len() as u64;
    let excerpts: Vec<(i64, String)> = cat
        .excerpts
        .iter()
        .filter_map(|(name, text)| Some((*ctx.tag_ids.get(name)?, text.clone())))
        .collect();
    tx.set_tag_excerpts(&excerpts).await?;
    tx.recount(&retagged).await?;

    let questions: Vec<i64> = if update {
        let mut ids: Vec<i64> = reindex.drain().collect();
        ids.sort_unstable();
        ids
    } else {
        tx.question_ids().await?
    };
    progress.phase(
        "indexing questions for search",
        "questions",
        questions.len() as u64,
    );
    reindex_questions(&mut tx, &questions, progress, summary.posts()).await?;
    summary.indexed = questions.len() as u64;

    progress.phase("committing", "posts", 0);
    summary.duration = started.elapsed();
    let json = serde_json::to_string(&summary).map_err(|e| ImportError::Internal(e.to_string()))?;
    tx.commit(&json, stoa_store::now()).await?;
    progress.phase("tidying the tables", "posts", 0);
    // The import is committed: a failure here only leaves the tidying to autovacuum.
    if let Err(e) = store.tidy_after_import().await {
        tracing::warn!(error = %e, "vacuum after the import failed; autovacuum will do it");
    }
    Ok(summary)
}

/// Rebuilds the search documents of `questions`, chunk by chunk: the text of the next chunks
/// is analysed (CPU, on blocking threads, up to [`INDEX_IN_FLIGHT`] at once) while the database
/// writes the previous one.
async fn reindex_questions(
    tx: &mut ImportTx,
    questions: &[i64],
    progress: &Reporter,
    posts: u64,
) -> Result<(), ImportError> {
    type Pending = (Vec<i64>, tokio::task::JoinHandle<Vec<IndexDoc>>);
    async fn finish(tx: &mut ImportTx, (ids, docs): Pending) -> Result<usize, ImportError> {
        let docs = docs
            .await
            .map_err(|e| ImportError::Internal(format!("indexing stopped: {e}")))?;
        tx.write_index(&ids, &docs).await?;
        Ok(ids.len())
    }
    let mut pending: std::collections::VecDeque<Pending> = std::collections::VecDeque::new();
    let mut done = 0;
    for chunk in questions.chunks(INDEX_CHUNK) {
        let sources = tx.index_sources(chunk).await?;
        let docs = tokio::task::spawn_blocking(move || sources.iter().map(index_doc).collect());
        pending.push_back((chunk.to_vec(), docs));
        if pending.len() >= INDEX_IN_FLIGHT {
            if let Some(oldest) = pending.pop_front() {
                done += finish(tx, oldest).await?;
                progress.advance(done as u64, posts);
            }
        }
    }
    while let Some(oldest) = pending.pop_front() {
        done += finish(tx, oldest).await?;
        progress.advance(done as u64, posts);
    }
    Ok(())
}

/// Gives every new post its Stoa id, in the order of Posts.xml; stored posts keep theirs.
async fn assign_post_ids(
    tx: &mut ImportTx,
    cat: &mut Catalog,
    update: bool,
) -> Result<(), ImportError> {
    let stored = if update {
        tx.stored_ids(StoredTable::Posts).await?
    } else {
        HashMap::new()
    };
    let mut new: Vec<(u32, i64)> = cat
        .posts
        .iter()
        .filter(|(s, _)| !stored.contains_key(s))
        .map(|(s, m)| (m.ordinal, *s))
        .collect();
    new.sort_unstable();
    let ids = tx.reserve_ids(IdTable::Posts, new.len()).await?;
    for ((_, source), id) in new.iter().zip(ids) {
        if let Some(m) = cat.posts.get_mut(source) {
            m.id = id;
        }
    }
    for (source, id) in stored {
        if let Some(m) = cat.posts.get_mut(&source) {
            m.id = id;
            m.stored = true;
        }
    }
    Ok(())
}

/// Writes the posts; returns the questions whose search document must be rebuilt (updates) and
/// the tags that stored questions lost.
async fn write_posts(
    tx: &mut ImportTx,
    dir: &Path,
    ctx: &Arc<Context>,
    update: bool,
    progress: &Reporter,
    summary: &mut Summary,
) -> Result<(HashSet<i64>, Vec<String>), ImportError> {
    let shared = Arc::clone(ctx);
    let mut rx = stream(dir.join("Posts.xml"), "posts", BATCH, move |row| {
        prepare_post(row, &shared)
    })?;
    progress.phase("writing posts", "posts", ctx.posts.len() as u64);
    let mut done = 0u64;
    let mut deferred: Vec<ImportPost> = Vec::new();
    let mut reindex: HashSet<i64> = HashSet::new();
    let mut retagged: Vec<String> = Vec::new();
    while let Some(batch) = rx.recv().await {
        let batch = batch?;
        done += batch.len() as u64;
        let (stored, new): (Vec<ImportPost>, Vec<ImportPost>) = batch
            .into_iter()
            .partition(|p| ctx.posts.get(&p.source_id).is_some_and(|m| m.stored));
        // An answer written before its question (merged questions do that) waits for the end.
        let (ready, later): (Vec<ImportPost>, Vec<ImportPost>) =
            new.into_iter().partition(|p| !waits(p, ctx));
        deferred.extend(later);
        insert_posts(tx, ready, update, &mut reindex, summary).await?;
        if !stored.is_empty() {
            merge_posts(tx, stored, &mut reindex, &mut retagged, summary).await?;
        }
        progress.advance(done, summary.posts());
    }
    insert_posts(tx, deferred, update, &mut reindex, summary).await?;
    Ok((reindex, retagged))
}

/// Whether a new answer's question comes later in Posts.xml (and is not stored yet).
fn waits(p: &ImportPost, ctx: &Context) -> bool {
    let Some(me) = ctx.posts.get(&p.source_id) else {
        return false;
    };
    !me.question
        && ctx
            .posts
            .get(&me.parent)
            .is_some_and(|q| !q.stored && q.ordinal > me.ordinal)
}

async fn insert_posts(
    tx: &mut ImportTx,
    posts: Vec<ImportPost>,
    update: bool,
    reindex: &mut HashSet<i64>,
    summary: &mut Summary,
) -> Result<(), ImportError> {
    if posts.is_empty() {
        return Ok(());
    }
    tx.insert_posts(&posts).await?;
    for p in &posts {
        if p.kind == "question" {
            summary.questions += 1;
        } else {
            summary.answers += 1;
        }
        if update {
            reindex.insert(p.parent_id.unwrap_or(p.id));
        }
    }
    Ok(())
}

/// Updates stored posts that the dump changed.
async fn merge_posts(
    tx: &mut ImportTx,
    posts: Vec<ImportPost>,
    reindex: &mut HashSet<i64>,
    retagged: &mut Vec<String>,
    summary: &mut Summary,
) -> Result<(), ImportError> {
    let ids: Vec<i64> = posts.iter().map(|p| p.id).collect();
    let current: HashMap<i64, _> = tx
        .stored_posts(&ids)
        .await?
        .into_iter()
        .map(|s| (s.id, s))
        .collect();
    for p in posts {
        let Some(cur) = current.get(&p.id) else {
            continue;
        };
        if cur.deleted {
            *summary
                .skipped
                .entry("posts deleted in Stoa since they were imported".into())
                .or_default() += 1;
            continue;
        }
        let text_changed = cur.title != p.title || cur.body_md != p.body_md || cur.tags != p.tags;
        let changed = text_changed
            || cur.score != p.score
            || cur.view_count != p.view_count
            || cur.accepted_answer_id != p.accepted_answer_id
            || cur.closed_at != p.closed_at
            || cur.last_activity_at != p.last_activity_at;
        if !changed {
            continue;
        }
        let revision = text_changed.then(|| {
            (
                cur.revision_count + 1,
                p.last_editor_id.unwrap_or(p.author_id),
                p.last_edited_at.unwrap_or(p.last_activity_at),
            )
        });
        let retag = cur.tags != p.tags;
        if retag {
            retagged.extend(cur.tags.split_whitespace().map(str::to_string));
        }
        tx.update_post(&p, revision, retag).await?;
        summary.posts_updated += 1;
        if text_changed {
            reindex.insert(p.parent_id.unwrap_or(p.id));
        }
    }
    Ok(())
}

/// A Posts.xml row as a Stoa post, or `None` for rows that are not imported.
fn prepare_post(row: &Row<'_>, ctx: &Context) -> Result<Option<ImportPost>, ImportError> {
    let source_id = row.int("Id")?;
    let Some(meta) = ctx.posts.get(&source_id) else {
        return Ok(None);
    };
    let body = row.text("Body")?;
    let body_html = stoa_markdown::sanitize_html(body);
    let body_text = stoa_markdown::plain_text(&body_html);
    let created_at = row.date("CreationDate")?;
    let owner = row.opt_int("OwnerUserId")?;
    let (title, tags, tag_ids) = if meta.question {
        let (names, _) = question_tags(row.get("Tags").unwrap_or(""));
        let ids = names
            .iter()
            .filter_map(|n| ctx.tag_ids.get(n).copied())
            .collect();
        (
            clean_title(row.get("Title").unwrap_or("")),
            names.join(" "),
            ids,
        )
    } else {
        (String::new(), String::new(), Vec::new())
    };
    let score = match &ctx.votes {
        Some(votes) => votes.get(&source_id).copied().unwrap_or(0),
        None => row.opt_int("Score")?.unwrap_or(0),
    };
    let accepted_answer_id = if meta.question {
        row.opt_int("AcceptedAnswerId")?
            .and_then(|a| ctx.posts.get(&a))
            .filter(|a| !a.question && a.parent == source_id)
            .map(|a| a.id)
    } else {
        None
    };
    let closed_at = if meta.question {
        row.opt_date("ClosedDate")?
    } else {
        None
    };
    let close_reason = closed_at.and_then(|_| {
        ctx.close_reasons.get(&source_id).cloned().or_else(|| {
            ctx.duplicates
                .contains(&source_id)
                .then(|| "duplicate".to_string())
        })
    });
    let mut revision_comment = format!(
        "Imported from Stack Exchange ({}, post {source_id})",
        ctx.site
    );
    if owner.and_then(|o| ctx.users.known(o)).is_none() {
        if let Some(name) = row
            .get("OwnerDisplayName")
            .map(str::trim)
            .filter(|n| !n.is_empty())
        {
            revision_comment.push_str(&format!("; originally posted by {name}"));
        }
    }
    let revision_comment: String = revision_comment
        .chars()
        .filter(|c| !c.is_control())
        .take(MAX_COMMENT)
        .collect();
    Ok(Some(ImportPost {
        id: meta.id,
        kind: if meta.question { "question" } else { "answer" },
        parent_id: (!meta.question)
            .then(|| ctx.posts.get(&meta.parent).map(|q| q.id))
            .flatten(),
        author_id: ctx.users.author(owner),
        title,
        body_md: body.to_string(),
        body_html,
        body_text,
        tags,
        tag_ids,
        score,
        answer_count: i64::from(meta.answers),
        comment_count: i64::from(meta.comments),
        view_count: row.opt_int("ViewCount")?.unwrap_or(0).max(0),
        accepted_answer_id,
        closed_at,
        close_reason,
        last_editor_id: row
            .opt_int("LastEditorUserId")?
            .and_then(|e| ctx.users.known(e)),
        last_edited_at: row.opt_date("LastEditDate")?,
        created_at,
        last_activity_at: row
            .opt_date("LastActivityDate")?
            .unwrap_or(created_at)
            .max(created_at),
        source_id,
        license: license(row.get("ContentLicense"), created_at),
        revision_comment,
    }))
}

/// Writes the comments on imported posts.
async fn write_comments(
    tx: &mut ImportTx,
    dir: &Path,
    ctx: &Arc<Context>,
    update: bool,
    progress: &Reporter,
    summary: &mut Summary,
) -> Result<(), ImportError> {
    let path = dir.join("Comments.xml");
    if !path.is_file() {
        return Ok(());
    }
    let stored = if update {
        tx.stored_ids(StoredTable::Comments).await?
    } else {
        HashMap::new()
    };
    let shared = Arc::clone(ctx);
    let mut rx = stream(path, "comments", BATCH, move |row| {
        prepare_comment(row, &shared)
    })?;
    progress.phase(
        "writing comments",
        "comments",
        summary.rows_read.get("Comments.xml").copied().unwrap_or(0),
    );
    let mut done = 0;
    while let Some(batch) = rx.recv().await {
        let batch = batch?;
        done += batch.len() as u64;
        let (old, new): (Vec<ImportComment>, Vec<ImportComment>) = batch
            .into_iter()
            .partition(|c| stored.contains_key(&c.source_id));
        for c in &old {
            summary.comments_updated += u64::from(tx.update_comment(c).await?);
        }
        tx.insert_comments(&new).await?;
        summary.comments += new.len() as u64;
        progress.advance(done, summary.posts());
    }
    Ok(())
}

/// A Comments.xml row as a Stoa comment, or `None` when its post is not imported.
fn prepare_comment(row: &Row<'_>, ctx: &Context) -> Result<Option<ImportComment>, ImportError> {
    let post = row.int("PostId")?;
    let Some(meta) = ctx.posts.get(&post) else {
        return Ok(None);
    };
    let text = row.text("Text")?;
    Ok(Some(ImportComment {
        post_id: meta.id,
        author_id: ctx.users.author(row.opt_int("UserId")?),
        body_html: stoa_markdown::render_comment(text),
        body_md: text.to_string(),
        score: row.opt_int("Score")?.unwrap_or(0),
        created_at: row.date("CreationDate")?,
        source_id: row.int("Id")?,
    }))
}

/// Writes Badges.xml's badges of imported profiles (merged by their dump id on an update).
async fn write_badges(
    tx: &mut ImportTx,
    dir: &Path,
    ctx: &Arc<Context>,
    progress: &Reporter,
    summary: &mut Summary,
) -> Result<(), ImportError> {
    let path = dir.join("Badges.xml");
    if !path.is_file() {
        return Ok(());
    }
    let shared = Arc::clone(ctx);
    let mut rx = stream(path, "badges", BATCH, move |row| {
        prepare_badge(row, &shared)
    })?;
    let read = summary.rows_read.get("Badges.xml").copied().unwrap_or(0);
    progress.phase("writing badges", "badges", read);
    let mut kept = 0;
    while let Some(batch) = rx.recv().await {
        let batch = batch?;
        kept += batch.len() as u64;
        summary.badges += tx.insert_badges(&batch).await?;
        progress.advance(kept, summary.posts());
    }
    let orphans = read.saturating_sub(kept);
    if orphans > 0 {
        *summary
            .skipped
            .entry("badges of users who are not imported".into())
            .or_default() += orphans;
    }
    Ok(())
}

/// A Badges.xml row as an imported badge, or `None` when its holder is not imported.
fn prepare_badge(row: &Row<'_>, ctx: &Context) -> Result<Option<ImportedBadge>, ImportError> {
    let Some(user_id) = ctx.users.known(row.int("UserId")?) else {
        return Ok(None);
    };
    // Dumps before 2010 have no Class; their badges count as bronze.
    let tier = row
        .opt_int("Class")?
        .and_then(stoa_domain::badges::Tier::from_stack_exchange)
        .unwrap_or(stoa_domain::badges::Tier::Bronze);
    Ok(Some(ImportedBadge {
        user_id,
        badge: stoa_domain::badges::imported_key(row.text("Name")?),
        tier: tier.as_str(),
        awarded_at: row.date("Date")?,
        source_id: row.int("Id")?,
    }))
}

/// Reads `path` on a thread of its own, turning rows into items with `make` and sending them in
/// batches. The channel holds two batches: the reader runs at most that far ahead of the
/// database, and stops when the receiver is dropped (the import failed).
pub(crate) fn stream<T, F>(
    path: PathBuf,
    root: &'static str,
    batch: usize,
    mut make: F,
) -> Result<mpsc::Receiver<Result<Vec<T>, ImportError>>, ImportError>
where
    T: Send + 'static,
    F: FnMut(&Row<'_>) -> Result<Option<T>, ImportError> + Send + 'static,
{
    let (sender, receiver) = mpsc::channel(2);
    std::thread::Builder::new()
        .name(format!("import-{root}"))
        .spawn(move || {
            let mut read = || -> Result<(), ImportError> {
                let mut reader = RowReader::open(&path, root)?;
                let mut items = Vec::with_capacity(batch);
                while let Some(row) = reader.next_row()? {
                    items.extend(make(&row)?);
                    if items.len() >= batch {
                        let full = std::mem::replace(&mut items, Vec::with_capacity(batch));
                        if sender.blocking_send(Ok(full)).is_err() {
                            return Ok(());
                        }
                    }
                }
                if !items.is_empty() {
                    // The receiver may be gone already; then nobody needs the rest.
                    let _ = sender.blocking_send(Ok(items));
                }
                Ok(())
            };
            if let Err(e) = read() {
                let _ = sender.blocking_send(Err(e));
            }
        })
        .map_err(|e| ImportError::Internal(format!("cannot start a reader thread: {e}")))?;
    Ok(receiver)
}
