//! The checking pass: reads every present file to its end, parses every value the writing pass
//! will use (so that a bad file fails before the database is touched), and gathers what the
//! writing pass needs to resolve references. Memory holds a few numbers per post, not the text.

use crate::fields::{excerpt, question_tags};
use crate::xml::{Row, RowReader};
use crate::{ImportError, Reporter, FILES};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};

/// Rows between two progress reports.
const REPORT_EVERY: u64 = 4096;

/// A question or answer that will be imported.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PostMeta {
    /// Stoa id, set by the writing pass.
    pub id: i64,
    /// Original id of an answer's question (0 for questions).
    pub parent: i64,
    /// Position in Posts.xml among imported posts.
    pub ordinal: u32,
    /// Question (else answer).
    pub question: bool,
    /// Already stored by an earlier import (update runs).
    pub stored: bool,
    /// Imported answers (questions).
    pub answers: u32,
    /// Imported comments.
    pub comments: u32,
}

/// What the checking pass learned.
#[derive(Debug, Default)]
pub(crate) struct Catalog {
    /// Present files by name.
    pub files: BTreeMap<&'static str, PathBuf>,
    /// Rows read per file.
    pub rows: BTreeMap<String, u64>,
    /// Rows not imported, by reason.
    pub skipped: BTreeMap<String, u64>,
    /// Facts for the operator.
    pub notes: Vec<String>,
    /// Importable questions and answers by original id.
    pub posts: HashMap<i64, PostMeta>,
    /// Original ids of Users.xml's rows.
    pub user_ids: HashSet<i64>,
    /// Without Users.xml: ids of the users who wrote or edited imported posts and comments, with
    /// the first and last time they were seen.
    pub referenced: HashMap<i64, (i64, i64)>,
    /// Tags of imported questions, with the date of the first question using them.
    pub tags: HashMap<String, i64>,
    /// Tag excerpts from the tag wiki (Tags.xml's `ExcerptPostId`), by tag.
    pub excerpts: HashMap<String, String>,
    /// Score per post from Votes.xml (up minus down), when the file is present.
    pub votes: Option<HashMap<i64, i64>>,
    /// (duplicate, original) original ids, from PostLinks.xml.
    pub duplicates: Vec<(i64, i64)>,
    /// Close reasons from PostHistory.xml, by post.
    pub close_reasons: HashMap<i64, String>,
    /// Earliest date anywhere in Posts.xml (for a placeholder profile's creation date).
    pub first_date: Option<i64>,
}

impl Catalog {
    fn skip(&mut self, reason: &str, n: u64) {
        if n > 0 {
            *self.skipped.entry(reason.to_string()).or_default() += n;
        }
    }

    /// Whether Users.xml is part of the dump.
    pub(crate) fn has_users_file(&self) -> bool {
        self.files.contains_key("Users.xml")
    }
}

/// Runs the checking pass over the dump in `dir`.
pub(crate) fn scan(dir: &Path, progress: &Reporter) -> Result<Catalog, ImportError> {
    let mut cat = Catalog::default();
    for (name, _) in FILES {
        let path = dir.join(name);
        if path.is_file() {
            cat.files.insert(name, path);
        }
    }
    // Order matters: Tags before Posts (excerpt posts), Posts before everything that refers to posts.
    let mut excerpt_posts: HashMap<i64, String> = HashMap::new();
    if let Some(path) = cat.files.get("Users.xml").cloned() {
        each_row(&path, "users", progress, &mut cat, |row, cat| {
            let id = row.int("Id")?;
            row.date("CreationDate")?;
            row.opt_date("LastAccessDate")?;
            if !cat.user_ids.insert(id) {
                return Err(row.error(format!("user Id {id} appears twice")));
            }
            Ok(())
        })?;
    }
    if let Some(path) = cat.files.get("Tags.xml").cloned() {
        each_row(&path, "tags", progress, &mut cat, |row, _| {
            row.int("Id")?;
            let name = row.text("TagName")?.to_lowercase();
            row.opt_int("Count")?;
            if let Some(post) = row.opt_int("ExcerptPostId")? {
                excerpt_posts.insert(post, name);
            }
            row.opt_int("WikiPostId")?;
            Ok(())
        })?;
    }
    scan_posts(&mut cat, progress, &excerpt_posts)?;
    if let Some(path) = cat.files.get("Comments.xml").cloned() {
        let mut orphans = 0;
        each_row(&path, "comments", progress, &mut cat, |row, cat| {
            row.int("Id")?;
            let post = row.int("PostId")?;
            row.opt_int("Score")?;
            row.text("Text")?;
            let created = row.date("CreationDate")?;
            let user = row.opt_int("UserId")?;
            if let Some(meta) = cat.posts.get_mut(&post) {
                meta.comments += 1;
                if !cat.has_users_file() {
                    if let Some(u) = user {
                        seen(&mut cat.referenced, u, created);
                    }
                }
            } else {
                orphans += 1;
            }
            Ok(())
        })?;
        cat.skip("comments on posts that are not imported", orphans);
    }
    if let Some(path) = cat.files.get("Votes.xml").cloned() {
        let mut tally: HashMap<i64, i64> = HashMap::new();
        let (mut counted, mut other) = (0u64, 0u64);
        each_row(&path, "votes", progress, &mut cat, |row, cat| {
            row.int("Id")?;
            let post = row.int("PostId")?;
            let kind = row.int("VoteTypeId")?;
            row.opt_int("UserId")?;
            row.opt_date("CreationDate")?;
            // 2 = UpMod, 3 = DownMod; the others (accepted, favourite, bounty, close, deletion,
            // spam…) are not scores.
            let delta = match kind {
                2 => 1,
                3 => -1,
                _ => {
                    other += 1;
                    return Ok(());
                }
            };
            if cat.posts.contains_key(&post) {
                *tally.entry(post).or_default() += delta;
                counted += 1;
            } else {
                other += 1;
            }
            Ok(())
        })?;
        cat.votes = Some(tally);
        cat.notes.push(format!(
            "Votes.xml: scores are up-votes minus down-votes ({counted} votes); {other} other votes (favourites, \
             bounties, close and deletion votes, votes on posts not imported) are not imported; the dump's votes \
             are anonymous, so no per-user votes are stored"
        ));
    } else {
        cat.notes
            .push("no Votes.xml: scores are the dump's Score values".into());
    }
    if let Some(path) = cat.files.get("PostLinks.xml").cloned() {
        let mut other = 0;
        each_row(&path, "postlinks", progress, &mut cat, |row, cat| {
            row.int("Id")?;
            let post = row.int("PostId")?;
            let related = row.int("RelatedPostId")?;
            let kind = row.int("LinkTypeId")?;
            row.opt_date("CreationDate")?;
            let both_questions = [post, related]
                .iter()
                .all(|p| cat.posts.get(p).is_some_and(|m| m.question));
            if kind == 3 && both_questions && post != related {
                cat.duplicates.push((post, related));
            } else {
                other += 1;
            }
            Ok(())
        })?;
        cat.skip(
            "post links other than duplicates between imported questions",
            other,
        );
    }
    if let Some(path) = cat.files.get("PostHistory.xml").cloned() {
        each_row(&path, "posthistory", progress, &mut cat, |row, cat| {
            row.int("Id")?;
            let kind = row.int("PostHistoryTypeId")?;
            let post = row.int("PostId")?;
            row.date("CreationDate")?;
            // 10 = closed (Comment holds the reason's id), 11 = reopened.
            match kind {
                10 if cat.posts.contains_key(&post) => {
                    let reason = close_reason(row.get("Comment").unwrap_or(""));
                    cat.close_reasons.insert(post, reason.to_string());
                }
                11 => {
                    cat.close_reasons.remove(&post);
                }
                _ => {}
            }
            Ok(())
        })?;
        let n = cat.rows.get("PostHistory.xml").copied().unwrap_or(0);
        cat.notes.push(format!(
            "PostHistory.xml: {n} rows read; only close reasons are used: each post gets one revision, its current text"
        ));
    }
    if let Some(path) = cat.files.get("Badges.xml").cloned() {
        each_row(&path, "badges", progress, &mut cat, |row, _| {
            row.int("Id")?;
            row.int("UserId")?;
            row.text("Name")?;
            row.date("Date")?;
            Ok(())
        })?;
        let n = cat.rows.get("Badges.xml").copied().unwrap_or(0);
        cat.notes.push(format!(
            "Badges.xml: {n} badges read; each is shown as a Stack Exchange badge, apart from Stoa's own"
        ));
    }
    if cat.has_users_file() {
        cat.notes.push(
            "Users.xml: profiles are unclaimed (no e-mail, no password); reputation, location and website are \
             not imported (Stoa's reputation comes from its own ledger)"
                .into(),
        );
    } else {
        cat.notes.push(
            "no Users.xml: each author is an unclaimed profile named user<id>, as Stack Exchange names accounts it \
             no longer has"
                .into(),
        );
    }
    Ok(cat)
}

fn scan_posts(
    cat: &mut Catalog,
    progress: &Reporter,
    excerpt_posts: &HashMap<i64, String>,
) -> Result<(), ImportError> {
    let Some(path) = cat.files.get("Posts.xml").cloned() else {
        return Ok(());
    };
    let mut by_type: BTreeMap<i64, u64> = BTreeMap::new();
    let mut dropped_tags = 0;
    let mut owners: Vec<(i64, i64, i64)> = Vec::new();
    let mut ordinal: u32 = 0;
    each_row(&path, "posts", progress, cat, |row, cat| {
        let id = row.int("Id")?;
        let kind = row.int("PostTypeId")?;
        let created = row.date("CreationDate")?;
        for name in [
            "Score",
            "ViewCount",
            "AnswerCount",
            "CommentCount",
            "FavoriteCount",
            "AcceptedAnswerId",
        ] {
            row.opt_int(name)?;
        }
        for name in [
            "LastEditDate",
            "LastActivityDate",
            "ClosedDate",
            "CommunityOwnedDate",
        ] {
            row.opt_date(name)?;
        }
        let owner = row.opt_int("OwnerUserId")?;
        let editor = row.opt_int("LastEditorUserId")?;
        let parent = row.opt_int("ParentId")?;
        cat.first_date = Some(cat.first_date.map_or(created, |d| d.min(created)));
        let meta = match kind {
            1 => {
                row.text("Body")?;
                let (tags, dropped) = question_tags(row.get("Tags").unwrap_or(""));
                dropped_tags += dropped;
                for t in tags {
                    let first = cat.tags.entry(t).or_insert(created);
                    *first = (*first).min(created);
                }
                PostMeta {
                    id: 0,
                    parent: 0,
                    ordinal,
                    question: true,
                    stored: false,
                    answers: 0,
                    comments: 0,
                }
            }
            2 => {
                row.text("Body")?;
                let parent = parent
                    .ok_or_else(|| row.error("the answer has no ParentId attribute".into()))?;
                PostMeta {
                    id: 0,
                    parent,
                    ordinal,
                    question: false,
                    stored: false,
                    answers: 0,
                    comments: 0,
                }
            }
            other => {
                if let Some(tag) = excerpt_posts.get(&id) {
                    let text = excerpt(row.get("Body").unwrap_or(""));
                    if !text.is_empty() {
                        cat.excerpts.insert(tag.clone(), text);
                    }
                }
                *by_type.entry(other).or_default() += 1;
                return Ok(());
            }
        };
        if cat.posts.insert(id, meta).is_some() {
            return Err(row.error(format!("post Id {id} appears twice")));
        }
        ordinal += 1;
        if !cat.has_users_file() {
            owners.extend(owner.map(|o| (id, o, created)));
            owners.extend(editor.map(|e| (id, e, created)));
        }
        Ok(())
    })?;
    // Answers whose question is not in the dump have nowhere to go.
    let orphans: Vec<i64> = cat
        .posts
        .iter()
        .filter(|(_, m)| !m.question && !cat.posts.get(&m.parent).is_some_and(|p| p.question))
        .map(|(id, _)| *id)
        .collect();
    for id in &orphans {
        cat.posts.remove(id);
    }
    // Ordinals stay increasing (not dense) without the orphans: that is all the writer needs.
    cat.skip(
        "answers whose question is not in the dump",
        orphans.len() as u64,
    );
    let parents: Vec<i64> = cat
        .posts
        .values()
        .filter(|m| !m.question)
        .map(|m| m.parent)
        .collect();
    for parent in parents {
        if let Some(q) = cat.posts.get_mut(&parent) {
            q.answers += 1;
        }
    }
    for (post, user, when) in owners {
        if cat.posts.contains_key(&post) {
            seen(&mut cat.referenced, user, when);
        }
    }
    for (kind, n) in by_type {
        cat.skip(&format!("posts of type {}", post_type_name(kind)), n);
    }
    cat.skip(
        "question tags Stoa cannot use (not a-z 0-9 + # . -, too long, or past five)",
        dropped_tags,
    );
    Ok(())
}

/// Records that user `id` was active at `when` (0: unknown).
fn seen(map: &mut HashMap<i64, (i64, i64)>, id: i64, when: i64) {
    let e = map.entry(id).or_insert((when, when));
    if when != 0 {
        if e.0 == 0 || when < e.0 {
            e.0 = when;
        }
        e.1 = e.1.max(when);
    }
}

/// Reads every row of a file, counting rows and reporting progress by bytes.
fn each_row<F>(
    path: &Path,
    root: &'static str,
    progress: &Reporter,
    cat: &mut Catalog,
    mut f: F,
) -> Result<(), ImportError>
where
    F: FnMut(&Row<'_>, &mut Catalog) -> Result<(), ImportError>,
{
    let mut reader = RowReader::open(path, root)?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    progress.phase(format!("checking {name}"), "bytes", reader.len());
    let mut n: u64 = 0;
    let mut until_report = REPORT_EVERY;
    loop {
        let Some(row) = reader.next_row()? else { break };
        f(&row, cat)?;
        n += 1;
        until_report -= 1;
        if until_report == 0 {
            until_report = REPORT_EVERY;
            progress.advance(reader.position(), 0);
        }
    }
    progress.advance(reader.len(), 0);
    cat.rows.insert(name, n);
    Ok(())
}

/// The name of a post type Stoa does not import.
fn post_type_name(kind: i64) -> String {
    let name = match kind {
        3 => "orphaned tag wiki",
        4 => "tag wiki excerpt",
        5 => "tag wiki",
        6 => "moderator nomination",
        7 => "wiki placeholder",
        8 => "privilege wiki",
        9 => "article",
        10 => "collective discussion",
        11 => "announcement",
        12 => "collection",
        _ => "",
    };
    if name.is_empty() {
        format!("{kind}")
    } else {
        format!("{kind} ({name})")
    }
}

/// Stoa's close reason for a Stack Exchange close-reason id (PostHistory's `Comment`).
pub(crate) fn close_reason(id: &str) -> &'static str {
    match id.trim() {
        "1" | "101" => "duplicate",
        "2" | "102" => "off-topic",
        "3" | "105" => "opinion-based",
        "4" | "103" => "needs details or clarity",
        "104" => "needs more focus",
        "7" => "too localized",
        _ => "closed",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn close_reasons() {
        assert_eq!(close_reason("101"), "duplicate");
        assert_eq!(close_reason(" 102 "), "off-topic");
        assert_eq!(close_reason("whatever"), "closed");
    }

    #[test]
    fn activity_dates() {
        let mut m = HashMap::new();
        seen(&mut m, 1, 0);
        seen(&mut m, 1, 50);
        seen(&mut m, 1, 20);
        assert_eq!(m[&1], (20, 50));
    }
}
