//! `stoa import stackexchange`: the three real dumps of `../shared/data/stackexchange`, on both
//! backends — counts in Stoa against counts in the files, one question of each through the API,
//! refusal of a second import, `--update`, and damaged files that must change nothing.

use crate::both;
use crate::support::TestApp;
use std::collections::{BTreeSet, HashMap, HashSet};
use std::path::{Path, PathBuf};
use stoa_import::{ImportError, Options, Summary};
use stoa_store::{Store, StoreOptions};

both!(
    imports_beer,
    imports_coffee,
    imports_meta_site,
    second_import_refuses_and_update_merges,
    truncated_posts_change_nothing,
    bad_values_change_nothing,
    a_failing_write_rolls_everything_back,
    pipe_tags_and_optional_files,
    search_documents_match_index_post,
    answers_appended_match_index_post,
    search_documents_follow_the_analyzer_version,
    command_line_end_to_end,
);

/// A real dump folder. Missing data fails on CI (it must be there) and skips elsewhere.
pub(crate) fn dump(site: &str) -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/data/stackexchange")
        .join(site);
    if dir.join("Posts.xml").is_file() {
        return Some(dir);
    }
    assert!(
        std::env::var("CI").is_err(),
        "CI needs the Stack Exchange dumps in {}",
        dir.display()
    );
    eprintln!("skipping: no dump at {}", dir.display());
    None
}

async fn store(t: &TestApp) -> Store {
    Store::open(&StoreOptions {
        url: t.db_url.clone(),
        max_connections: 2,
    })
    .await
    .expect("open store")
}

pub(crate) async fn import(t: &TestApp, dir: &Path, update: bool) -> Result<Summary, ImportError> {
    let s = store(t).await;
    let result = stoa_import::import_dir(
        &s,
        dir,
        &Options {
            update,
            ..Options::default()
        },
    )
    .await;
    s.close().await;
    result
}

/// The value of attribute `name` on a dump line, unescaped.
pub(crate) fn attr(line: &str, name: &str) -> Option<String> {
    let key = format!(" {name}=\"");
    let start = line.find(&key)? + key.len();
    let end = line[start..].find('"')? + start;
    Some(unescape(&line[start..end]))
}

fn unescape(s: &str) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        let end = rest[i..].find(';').unwrap() + i;
        let entity = &rest[i + 1..end];
        let c = match entity {
            "lt" => '<',
            "gt" => '>',
            "amp" => '&',
            "quot" => '"',
            "apos" => '\'',
            e if e.starts_with("#x") => {
                char::from_u32(u32::from_str_radix(&e[2..], 16).unwrap()).unwrap()
            }
            e => char::from_u32(e[1..].parse().unwrap()).unwrap(),
        };
        out.push(c);
        rest = &rest[end + 1..];
    }
    out.push_str(rest);
    out
}

pub(crate) fn rows(path: &Path) -> Vec<String> {
    match std::fs::read_to_string(path) {
        Ok(text) => text
            .lines()
            .filter(|l| l.trim_start().starts_with("<row "))
            .map(str::to_string)
            .collect(),
        Err(_) => Vec::new(),
    }
}

/// What a dump holds, counted straight from its files (independently of the importer).
#[derive(Debug)]
struct Expected {
    questions: i64,
    answers: i64,
    comments: i64,
    users: i64,
    tags: BTreeSet<String>,
    /// The question with the most answers among those with an accepted answer.
    sample: String,
    /// Answers by question.
    answers_of: HashMap<String, Vec<String>>,
}

fn expected(dir: &Path) -> Expected {
    let posts = rows(&dir.join("Posts.xml"));
    let questions: HashSet<String> = posts
        .iter()
        .filter(|l| attr(l, "PostTypeId").as_deref() == Some("1"))
        .map(|l| attr(l, "Id").unwrap())
        .collect();
    let mut answers_of: HashMap<String, Vec<String>> = HashMap::new();
    let mut imported: HashSet<String> = questions.clone();
    let mut authors: HashSet<String> = HashSet::new();
    let mut tags = BTreeSet::new();
    for l in &posts {
        match attr(l, "PostTypeId").as_deref() {
            Some("1") => {
                let raw = attr(l, "Tags").unwrap_or_default();
                for t in raw.split(['<', '>', '|']).filter(|t| !t.is_empty()) {
                    tags.insert(t.to_lowercase());
                }
            }
            Some("2") if questions.contains(&attr(l, "ParentId").unwrap()) => {
                answers_of
                    .entry(attr(l, "ParentId").unwrap())
                    .or_default()
                    .push(attr(l, "Id").unwrap());
                imported.insert(attr(l, "Id").unwrap());
            }
            _ => continue,
        }
        authors.extend(attr(l, "OwnerUserId"));
        authors.extend(attr(l, "LastEditorUserId"));
    }
    let comments: Vec<String> = rows(&dir.join("Comments.xml"))
        .into_iter()
        .filter(|l| imported.contains(&attr(l, "PostId").unwrap()))
        .collect();
    authors.extend(comments.iter().filter_map(|l| attr(l, "UserId")));
    let users_file = rows(&dir.join("Users.xml"));
    // Every site gets one placeholder profile (original id -1, the dump's "Community").
    let users = if users_file.is_empty() {
        authors.remove("-1");
        authors.len() as i64 + 1
    } else {
        let has_community = users_file
            .iter()
            .any(|l| attr(l, "Id").as_deref() == Some("-1"));
        users_file.len() as i64 + i64::from(!has_community)
    };
    let sample = posts
        .iter()
        .filter(|l| {
            attr(l, "PostTypeId").as_deref() == Some("1") && attr(l, "AcceptedAnswerId").is_some()
        })
        .max_by_key(|l| answers_of.get(&attr(l, "Id").unwrap()).map_or(0, Vec::len))
        .map(|l| attr(l, "Id").unwrap())
        .unwrap();
    Expected {
        questions: questions.len() as i64,
        answers: answers_of.values().map(Vec::len).sum::<usize>() as i64,
        comments: comments.len() as i64,
        users,
        tags,
        sample,
        answers_of,
    }
}

async fn scalar(t: &TestApp, sql: &str, site: &str) -> i64 {
    let pool = t.db().await;
    let n: (i64,) = sqlx::query_as(sql)
        .bind(site)
        .fetch_one(&pool)
        .await
        .expect(sql);
    pool.close().await;
    n.0
}

async fn stoa_id(t: &TestApp, site: &str, source: &str) -> i64 {
    let pool = t.db().await;
    let n: (i64,) =
        sqlx::query_as("SELECT id FROM posts WHERE source_site = $1 AND source_id = $2")
            .bind(site)
            .bind(source.parse::<i64>().unwrap())
            .fetch_one(&pool)
            .await
            .expect("imported post");
    pool.close().await;
    n.0
}

/// Row counts of every table an import writes, to prove that a failed run changed nothing.
async fn snapshot(t: &TestApp) -> Vec<(String, i64)> {
    let mut out = Vec::new();
    for table in [
        "users",
        "posts",
        "post_revisions",
        "tags",
        "post_tags",
        "comments",
        "search_docs",
        "imports",
    ] {
        out.push((table.to_string(), t.count(table).await));
    }
    let pool = t.db().await;
    let sums: (i64, i64) = sqlx::query_as(
        "SELECT CAST(COALESCE(SUM(score), 0) AS BIGINT), CAST(COALESCE(SUM(LENGTH(body_md)), 0) AS BIGINT) FROM posts",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    pool.close().await;
    out.push(("sum(score)".into(), sums.0));
    out.push(("sum(length(body_md))".into(), sums.1));
    out
}

/// Imports a real dump and checks it against its files and through the API.
async fn import_and_check(t: &TestApp, site: &str) {
    let Some(dir) = dump(site) else { return };
    let want = expected(&dir);
    let summary = import(t, &dir, false).await.expect("import succeeds");
    assert_eq!(summary.site, site);
    assert_eq!(summary.questions as i64, want.questions, "{summary:?}");
    assert_eq!(summary.answers as i64, want.answers);
    assert_eq!(summary.comments as i64, want.comments);
    assert_eq!(summary.users as i64, want.users);
    assert!(summary.posts_per_sec() > 0.0);

    let count = |sql: &'static str| scalar(t, sql, site);
    assert_eq!(
        count("SELECT COUNT(*) FROM posts WHERE source_site = $1 AND kind = 'question'").await,
        want.questions
    );
    assert_eq!(
        count("SELECT COUNT(*) FROM posts WHERE source_site = $1 AND kind = 'answer'").await,
        want.answers
    );
    assert_eq!(
        count("SELECT COUNT(*) FROM comments WHERE source_site = $1").await,
        want.comments
    );
    assert_eq!(
        count("SELECT COUNT(*) FROM users WHERE source_site = $1").await,
        want.users
    );
    assert_eq!(
        count("SELECT COUNT(*) FROM tags WHERE question_count > 0 AND $1 <> ''").await,
        want.tags.len() as i64,
        "tags with questions"
    );
    // Imported profiles are unclaimed: no e-mail, no password.
    assert_eq!(
        count("SELECT COUNT(*) FROM users WHERE source_site = $1 AND (email IS NOT NULL OR password_hash IS NOT NULL)")
            .await,
        0
    );
    // Counters agree with the rows; every post has its one revision; every question is searchable.
    assert_eq!(
        count(
            "SELECT COUNT(*) FROM posts q WHERE q.source_site = $1 AND q.kind = 'question'
               AND q.answer_count <> (SELECT COUNT(*) FROM posts a WHERE a.parent_id = q.id)"
        )
        .await,
        0
    );
    assert_eq!(
        count(
            "SELECT COUNT(*) FROM posts p WHERE p.source_site = $1
               AND p.comment_count <> (SELECT COUNT(*) FROM comments c WHERE c.post_id = p.id)"
        )
        .await,
        0
    );
    assert_eq!(
        count(
            "SELECT COUNT(*) FROM tags t WHERE $1 <> ''
               AND t.question_count <> (SELECT COUNT(*) FROM post_tags pt WHERE pt.tag_id = t.id)"
        )
        .await,
        0
    );
    assert_eq!(
        count(
            "SELECT COUNT(*) FROM posts p WHERE p.source_site = $1
               AND (SELECT COUNT(*) FROM post_revisions r WHERE r.post_id = p.id AND r.number = 1) <> 1"
        )
        .await,
        0
    );
    assert_eq!(
        count("SELECT COUNT(*) FROM search_docs d JOIN posts p ON p.id = d.post_id WHERE p.source_site = $1").await,
        want.questions
    );
    // Licences by date: CC BY-SA 3.0 before 2018-05-02, 4.0 since.
    assert_eq!(
        count(
            "SELECT COUNT(*) FROM posts WHERE source_site = $1 AND license <>
               CASE WHEN created_at < 1525219200 THEN 'CC BY-SA 3.0' ELSE 'CC BY-SA 4.0' END"
        )
        .await,
        0
    );

    // One question through the API.
    let posts = rows(&dir.join("Posts.xml"));
    let line = posts
        .iter()
        .find(|l| attr(l, "Id").as_deref() == Some(want.sample.as_str()))
        .unwrap();
    let id = stoa_id(t, site, &want.sample).await;
    let (status, q) = t.get_json(&format!("/api/v1/questions/{id}"), None).await;
    assert_eq!(status, 200, "{q}");
    let title = attr(line, "Title").unwrap();
    assert_eq!(
        q["title"],
        title.split_whitespace().collect::<Vec<_>>().join(" ")
    );
    let score: i64 = attr(line, "Score").unwrap().parse().unwrap();
    assert_eq!(q["score"], score);
    let tags: Vec<String> = attr(line, "Tags")
        .unwrap()
        .split(['<', '>', '|'])
        .filter(|t| !t.is_empty())
        .map(str::to_string)
        .collect();
    assert_eq!(q["tags"], serde_json::json!(tags));
    let accepted = stoa_id(t, site, &attr(line, "AcceptedAnswerId").unwrap()).await;
    assert_eq!(q["accepted_answer_id"], accepted);
    let answers = q["answers"].as_array().unwrap();
    assert_eq!(answers.len(), want.answers_of[&want.sample].len());
    assert_eq!(
        answers[0]["id"], accepted,
        "the accepted answer comes first"
    );
    assert_eq!(answers[0]["is_accepted"], true);
    assert_eq!(
        q["body"],
        attr(line, "Body").unwrap(),
        "body keeps the original HTML"
    );
    for html in std::iter::once(&q["body_html"]).chain(answers.iter().map(|a| &a["body_html"])) {
        let html = html.as_str().unwrap();
        assert!(
            !html.is_empty() && !html.to_lowercase().contains("<script"),
            "{html}"
        );
    }
    assert!(!q["author"]["username"].as_str().unwrap().is_empty());
    assert!(q["license"].as_str().unwrap().starts_with("CC BY-SA"));
    // The page itself credits the source site, the original author and the licence.
    let page = t
        .client
        .get(t.url(q["url"].as_str().unwrap()))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(
        html.contains("Originally posted by"),
        "attribution on the page"
    );
    assert!(
        html.contains(&format!(" on {site}, licensed under")),
        "source site on the page"
    );
    assert!(html.contains(q["license"].as_str().unwrap()));
    let (status, revisions) = t
        .get_json(&format!("/api/v1/posts/{id}/revisions"), None)
        .await;
    if status == 200 {
        assert_eq!(
            revisions["items"].as_array().map(Vec::len),
            Some(1),
            "{revisions}"
        );
    }
}

async fn imports_beer(t: TestApp) {
    import_and_check(&t, "beer").await;
}

async fn imports_coffee(t: TestApp) {
    import_and_check(&t, "coffee").await;
}

async fn imports_meta_site(t: TestApp) {
    import_and_check(&t, "meta-site").await;
    // Display names became usernames; the dump's "Community" is the site's placeholder.
    let pool = t.db().await;
    let names: Vec<(String, i64)> =
        sqlx::query_as("SELECT username, source_id FROM users WHERE source_site = 'meta-site' AND source_id IN (-1, 1)")
            .fetch_all(&pool)
            .await
            .unwrap();
    pool.close().await;
    let names: HashMap<i64, String> = names.into_iter().map(|(n, id)| (id, n)).collect();
    assert_eq!(names[&-1], "community-meta-site");
    assert_eq!(names[&1], "GeoffDalgas");

    // Badges.xml: every badge of an imported profile, shown as a Stack Exchange badge.
    let stored = scalar(
        &t,
        "SELECT COUNT(*) FROM badge_awards WHERE source_site = $1 AND imported = 1",
        "meta-site",
    )
    .await;
    let text = std::fs::read_to_string(dump("meta-site").unwrap().join("Badges.xml")).unwrap();
    let rows = text
        .lines()
        .filter(|l| l.trim_start().starts_with("<row"))
        .count() as i64;
    assert!(stored > 0 && stored <= rows, "{stored} of {rows}");
    let (s, all) = t.get_json("/api/v1/badges", None).await;
    assert_eq!(s, 200);
    let auto = all["badges"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["key"] == "se:Autobiographer")
        .expect("an imported badge in the catalogue");
    assert_eq!(
        (auto["imported"].as_bool(), auto["tier"].as_str()),
        (Some(true), Some("bronze"))
    );
    assert!(auto["holders"].as_i64().unwrap() > 0);
    let holder = scalar(
        &t,
        "SELECT id FROM users WHERE source_site = $1 AND source_id = 1401",
        "meta-site",
    )
    .await;
    let (s, held) = t
        .get_json(&format!("/api/v1/users/{holder}/badges"), None)
        .await;
    assert_eq!(s, 200);
    let n: i64 = held["badges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["times"].as_i64().unwrap())
        .sum();
    assert_eq!(n, 54, "{held}");
    let page = t
        .client
        .get(t.url("/badges/se%3AAutobiographer"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("From Stack Exchange"), "{page}");
}

async fn second_import_refuses_and_update_merges(t: TestApp) {
    let Some(dir) = dump("coffee") else { return };
    import(&t, &dir, false).await.expect("first import");
    let before = snapshot(&t).await;
    match import(&t, &dir, false).await {
        Err(ImportError::AlreadyImported { site, posts }) => {
            assert_eq!(site, "coffee");
            assert!(posts > 0);
        }
        other => panic!("a second import must refuse, got {other:?}"),
    }
    assert_eq!(
        snapshot(&t).await,
        before,
        "a refused import changes nothing"
    );

    // The same dump again with --update: nothing new, nothing changed, nothing duplicated.
    let s = import(&t, &dir, true).await.expect("update");
    assert_eq!(
        (s.questions, s.answers, s.comments, s.users, s.posts_updated),
        (0, 0, 0, 0, 0),
        "{s:?}"
    );
    let mut after = snapshot(&t).await;
    let imports = after.iter_mut().find(|(k, _)| k == "imports").unwrap();
    imports.1 -= 1; // the update run is on record
    assert_eq!(after, before);

    // A newer dump: one body edited, one score changed, one answer added.
    let tmp = tempfile::tempdir().unwrap();
    let newer = tmp.path().join("coffee");
    std::fs::create_dir(&newer).unwrap();
    let text = std::fs::read_to_string(dir.join("Posts.xml")).unwrap();
    let mut out = String::new();
    for line in text.lines() {
        let id = attr(line, "Id");
        let line = match id.as_deref() {
            Some("1") => line.replacen(" Score=\"20\"", " Score=\"25\"", 1),
            Some("2") => line.replacen("Body=\"&lt;p&gt;", "Body=\"&lt;p&gt;Edited: ", 1),
            _ => line.to_string(),
        };
        if line.trim() == "</posts>" {
            out.push_str(
                "  <row Id=\"90001\" PostTypeId=\"2\" ParentId=\"2\" CreationDate=\"2020-01-01T00:00:00.000\" \
                 Score=\"3\" Body=\"&lt;p&gt;A new answer &lt;script&gt;alert(1)&lt;/script&gt;&lt;/p&gt;\" \
                 OwnerUserId=\"999999\" LastActivityDate=\"2020-01-01T00:00:00.000\" CommentCount=\"0\" />\n",
            );
        }
        out.push_str(&line);
        out.push('\n');
    }
    std::fs::write(newer.join("Posts.xml"), out).unwrap();
    let s = import(&t, &newer, true)
        .await
        .expect("update with a newer dump");
    assert_eq!(
        (s.questions, s.answers, s.posts_updated),
        (0, 1, 2),
        "{s:?}"
    );
    let q1 = stoa_id(&t, "coffee", "1").await;
    let (_, q) = t.get_json(&format!("/api/v1/questions/{q1}"), None).await;
    assert_eq!(q["score"], 25);
    let q2 = stoa_id(&t, "coffee", "2").await;
    let (_, q) = t.get_json(&format!("/api/v1/questions/{q2}"), None).await;
    assert!(
        q["body"].as_str().unwrap().starts_with("<p>Edited: "),
        "{}",
        q["body"]
    );
    assert_eq!(q["revision_count"], 2);
    assert_eq!(q["answer_count"], 3);
    assert!(q["answers"]
        .as_array()
        .unwrap()
        .iter()
        .all(|a| !a["body_html"].as_str().unwrap().contains("<script")));
    assert_eq!(
        scalar(
            &t,
            "SELECT COUNT(*) FROM posts WHERE source_site = $1",
            "coffee"
        )
        .await,
        225 + 327 + 1
    );
}

/// A dump folder in a temp dir holding `posts` as Posts.xml.
fn damaged(posts: &str) -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("damaged");
    std::fs::create_dir(&dir).unwrap();
    std::fs::write(dir.join("Posts.xml"), posts).unwrap();
    (tmp, dir)
}

fn assert_malformed(result: Result<Summary, ImportError>, line: u64, needle: &str) {
    match result {
        Err(e @ ImportError::Malformed { .. }) => {
            let message = e.to_string();
            assert!(message.contains("Posts.xml"), "{message}");
            assert!(message.contains(&format!("line {line}:")), "{message}");
            assert!(message.contains(needle), "{message}");
        }
        other => panic!("expected a malformed-file error, got {other:?}"),
    }
}

async fn truncated_posts_change_nothing(t: TestApp) {
    let Some(dir) = dump("beer") else { return };
    let text = std::fs::read_to_string(dir.join("Posts.xml")).unwrap();
    // Cut in the middle of a row, well into the file.
    let mut cut = text.len() * 2 / 3;
    while !text.is_char_boundary(cut) {
        cut -= 1;
    }
    let line = text[..cut].matches('\n').count() as u64 + 1;
    let (_tmp, damaged_dir) = damaged(&text[..cut]);
    let before = snapshot(&t).await;
    assert_malformed(import(&t, &damaged_dir, false).await, line, "truncated");
    assert_eq!(snapshot(&t).await, before);
    assert_eq!(t.count("posts").await, 0);

    // Cut after a complete row: the closing </posts> is missing.
    let end = text[..cut].rfind('\n').unwrap() + 1;
    let (_tmp, damaged_dir) = damaged(&text[..end]);
    assert_malformed(import(&t, &damaged_dir, false).await, line, "truncated");
    assert_eq!(snapshot(&t).await, before);
}

async fn bad_values_change_nothing(t: TestApp) {
    let Some(dir) = dump("coffee") else { return };
    let text = std::fs::read_to_string(dir.join("Posts.xml")).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let before = snapshot(&t).await;
    for (attribute, bad, reason) in [
        ("Score", "abc", "Score=\"abc\" is not a whole number"),
        ("CreationDate", "2015-02-30T10:00:00.000", "is not a date"),
        ("PostTypeId", "", "no PostTypeId"),
    ] {
        // The very last row: everything before it is fine, so only the checking pass stops it.
        let at = lines.len() - 2;
        let mut damaged_lines = lines.clone();
        let row = lines[at];
        let start = row.find(&format!(" {attribute}=\"")).unwrap() + attribute.len() + 3;
        let end = row[start..].find('"').unwrap() + start;
        let changed = format!("{}{bad}{}", &row[..start], &row[end..]);
        damaged_lines[at] = &changed;
        let (_tmp, damaged_dir) = damaged(&damaged_lines.join("\n"));
        assert_malformed(import(&t, &damaged_dir, false).await, at as u64 + 1, reason);
        assert_eq!(snapshot(&t).await, before, "{attribute}");
    }
}

async fn a_failing_write_rolls_everything_back(t: TestApp) {
    let Some(dir) = dump("meta-site") else { return };
    // A comment already stored under the id that the dump's last comment has: the import gets
    // all the way to writing comments, then fails on the uniqueness of (site, original id).
    let (_, token) = t.signup("local").await;
    let (status, q) = t
        .post_json(
            "/api/v1/questions",
            Some(&token),
            serde_json::json!({"title": "A local question", "body": "Local body text", "tags": ["local"]}),
        )
        .await;
    assert_eq!(status, 201, "{q}");
    let (status, _) = t
        .post_json(
            &format!("/api/v1/posts/{}/comments", q["id"]),
            Some(&token),
            serde_json::json!({"body": "a local comment"}),
        )
        .await;
    assert_eq!(status, 201);
    let last = rows(&dir.join("Comments.xml"))
        .last()
        .and_then(|l| attr(l, "Id"))
        .unwrap();
    let pool = t.db().await;
    sqlx::query("UPDATE comments SET source_site = 'meta-site', source_id = $1")
        .bind(last.parse::<i64>().unwrap())
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;
    let before = snapshot(&t).await;
    let result = import(&t, &dir, false).await;
    assert!(matches!(result, Err(ImportError::Store(_))), "{result:?}");
    assert_eq!(
        snapshot(&t).await,
        before,
        "nothing of the failed run is kept"
    );
    let (status, _) = t
        .get_json(&format!("/api/v1/questions/{}", q["id"]), None)
        .await;
    assert_eq!(status, 200);
}

async fn pipe_tags_and_optional_files(t: TestApp) {
    // A small dump in the 2024 format (|a|b| tags) with every optional file Stoa reads.
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("tiny.stackexchange.com");
    std::fs::create_dir(&dir).unwrap();
    let write = |name: &str, root: &str, rows: &[&str]| {
        let body: String = rows.iter().map(|r| format!("  <row {r} />\n")).collect();
        std::fs::write(
            dir.join(name),
            format!(
                "\u{feff}<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<{root}>\n{body}</{root}>\n"
            ),
        )
        .unwrap();
    };
    let date = "CreationDate=\"2024-03-01T10:00:00.000\"";
    write(
        "Posts.xml",
        "posts",
        &[
            &format!("Id=\"1\" PostTypeId=\"1\" AcceptedAnswerId=\"3\" {date} Score=\"9\" ViewCount=\"40\" Body=\"&lt;p&gt;How?&lt;/p&gt;\" OwnerUserId=\"5\" Title=\"How to brew\" Tags=\"|brewing|c++|\" ContentLicense=\"CC BY-SA 4.0\""),
            &format!("Id=\"2\" PostTypeId=\"1\" {date} Score=\"1\" Body=\"&lt;p&gt;Same?&lt;/p&gt;\" OwnerDisplayName=\"gone\" Title=\"How to brew again\" Tags=\"|brewing|\" ClosedDate=\"2024-03-02T10:00:00.000\""),
            &format!("Id=\"3\" PostTypeId=\"2\" ParentId=\"1\" {date} Score=\"4\" Body=\"&lt;p&gt;Like this &lt;img src=x onerror=alert(1)&gt;&lt;/p&gt;\" OwnerUserId=\"6\""),
            &format!("Id=\"4\" PostTypeId=\"4\" {date} Score=\"0\" Body=\"&lt;p&gt;Making beer.&lt;/p&gt;\""),
            // An answer before its question, as merged questions produce.
            &format!("Id=\"5\" PostTypeId=\"2\" ParentId=\"6\" {date} Score=\"0\" Body=\"&lt;p&gt;Early&lt;/p&gt;\" OwnerUserId=\"6\""),
            &format!("Id=\"6\" PostTypeId=\"1\" {date} Score=\"0\" Body=\"&lt;p&gt;Late&lt;/p&gt;\" OwnerUserId=\"6\" Title=\"Late question\" Tags=\"|brewing|\""),
            &format!("Id=\"7\" PostTypeId=\"2\" ParentId=\"999\" {date} Score=\"0\" Body=\"&lt;p&gt;Orphan&lt;/p&gt;\""),
        ],
    );
    write("Users.xml", "users", &[
        &format!("Id=\"-1\" DisplayName=\"Community\" {date}"),
        &format!("Id=\"5\" DisplayName=\"Zoë Brewer\" {date} AboutMe=\"&lt;p onclick=x&gt;hi&lt;/p&gt;\""),
        &format!("Id=\"6\" DisplayName=\"Zoë Brewer\" {date}"),
    ]);
    write(
        "Comments.xml",
        "comments",
        &[
            &format!(
                "Id=\"10\" PostId=\"1\" Score=\"2\" Text=\"see **this**\" {date} UserId=\"6\""
            ),
            &format!("Id=\"11\" PostId=\"4\" Score=\"0\" Text=\"on a wiki\" {date} UserId=\"6\""),
        ],
    );
    write(
        "Votes.xml",
        "votes",
        &[
            &format!("Id=\"1\" PostId=\"1\" VoteTypeId=\"2\" {date}"),
            &format!("Id=\"2\" PostId=\"1\" VoteTypeId=\"2\" {date}"),
            &format!("Id=\"3\" PostId=\"1\" VoteTypeId=\"3\" {date}"),
            &format!("Id=\"4\" PostId=\"1\" VoteTypeId=\"5\" {date}"),
        ],
    );
    write(
        "Tags.xml",
        "tags",
        &["Id=\"1\" TagName=\"brewing\" Count=\"2\" ExcerptPostId=\"4\""],
    );
    write(
        "PostLinks.xml",
        "postlinks",
        &[&format!(
            "Id=\"1\" {date} PostId=\"2\" RelatedPostId=\"1\" LinkTypeId=\"3\""
        )],
    );
    write(
        "PostHistory.xml",
        "posthistory",
        &[&format!(
            "Id=\"1\" PostHistoryTypeId=\"10\" PostId=\"2\" {date} Comment=\"101\""
        )],
    );
    write(
        "Badges.xml",
        "badges",
        &["Id=\"1\" UserId=\"5\" Name=\"Student\" Date=\"2024-03-01T10:00:00.000\" Class=\"3\""],
    );

    let s = import(&t, &dir, false).await.expect("import");
    assert_eq!(s.site, "tiny");
    assert_eq!(
        (
            s.questions,
            s.answers,
            s.comments,
            s.users,
            s.tags,
            s.duplicates
        ),
        (3, 2, 1, 3, 2, 1),
        "{s:?}"
    );
    assert_eq!(
        s.skipped.get("answers whose question is not in the dump"),
        Some(&1)
    );
    assert_eq!(
        s.skipped.get("comments on posts that are not imported"),
        Some(&1)
    );
    assert!(
        s.notes.iter().any(|n| n.contains("Badges.xml")),
        "{:?}",
        s.notes
    );
    assert!(s.report().contains("posts/s"));

    let q1 = stoa_id(&t, "tiny", "1").await;
    let (_, q) = t.get_json(&format!("/api/v1/questions/{q1}"), None).await;
    assert_eq!(q["tags"], serde_json::json!(["brewing", "c++"]));
    assert_eq!(q["score"], 1, "scores come from Votes.xml when present");
    assert_eq!(q["view_count"], 40);
    assert_eq!(q["author"]["username"], "ZoeBrewer");
    assert_eq!(q["answers"][0]["author"]["username"], "ZoeBrewer-6");
    assert_eq!(q["accepted_answer_id"], stoa_id(&t, "tiny", "3").await);
    assert!(!q["answers"][0]["body_html"]
        .as_str()
        .unwrap()
        .contains("onerror"));
    assert!(q["comments"][0]["body_html"]
        .as_str()
        .unwrap()
        .contains("<strong>this</strong>"));
    let q2 = stoa_id(&t, "tiny", "2").await;
    let (_, q) = t.get_json(&format!("/api/v1/questions/{q2}"), None).await;
    assert_eq!(q["author"]["username"], "community-tiny");
    let pool = t.db().await;
    let (dup, reason, closed): (Option<i64>, Option<String>, Option<i64>) =
        sqlx::query_as("SELECT duplicate_of, close_reason, closed_at FROM posts WHERE id = $1")
            .bind(q2)
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(dup, Some(q1));
    assert_eq!(reason.as_deref(), Some("duplicate"));
    assert!(closed.is_some());
    let (excerpt,): (String,) = sqlx::query_as("SELECT excerpt FROM tags WHERE name = 'brewing'")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(excerpt, "Making beer.");
    let (about,): (String,) =
        sqlx::query_as("SELECT about_html FROM users WHERE source_site = 'tiny' AND source_id = 5")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert!(!about.contains("onclick"), "{about}");
    let (comment,): (String,) =
        sqlx::query_as("SELECT comment FROM post_revisions WHERE post_id = $1")
            .bind(q2)
            .fetch_one(&pool)
            .await
            .unwrap();
    assert!(comment.contains("originally posted by gone"), "{comment}");
    pool.close().await;
    let q6 = stoa_id(&t, "tiny", "6").await;
    let (_, q) = t.get_json(&format!("/api/v1/questions/{q6}"), None).await;
    assert_eq!(
        q["answer_count"], 1,
        "an answer written before its question still finds it"
    );
}

/// Every search document and full-text row, in a form that does not depend on the order in
/// which a question's answers were read (`index_post` reads them in no particular order).
async fn search_snapshot(t: &TestApp) -> Vec<String> {
    let sorted = |s: String| {
        let mut words: Vec<&str> = s.split_whitespace().collect();
        words.sort_unstable();
        words.join(" ")
    };
    let pool = t.db().await;
    let docs: Vec<(i64, String, String, String, String)> = sqlx::query_as(
        "SELECT post_id, title_terms, body_terms, answer_terms, tag_terms FROM search_docs ORDER BY post_id",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    let mut out: Vec<String> = docs
        .into_iter()
        .map(|(id, t, b, a, g)| format!("doc {id}|{t}|{b}|{}|{g}", sorted(a)))
        .collect();
    if t.db_url.starts_with("sqlite") {
        let fts: Vec<(i64, String, String, String, String)> = sqlx::query_as(
            "SELECT rowid, title, body, answers, tags FROM search_fts ORDER BY rowid",
        )
        .fetch_all(&pool)
        .await
        .unwrap();
        out.extend(
            fts.into_iter()
                .map(|(id, t, b, a, g)| format!("fts {id}|{t}|{b}|{}|{g}", sorted(a))),
        );
    } else {
        // Lexemes with their weights (positions depend on the answers' order).
        let fts: Vec<(i64, String, String)> = sqlx::query_as(
            "SELECT s.post_id, u.lexeme, CAST(u.weights AS TEXT) FROM search_fts s, unnest(s.document) u
             ORDER BY 1, 2",
        )
        .fetch_all(&pool)
        .await
        .unwrap();
        out.extend(
            fts.into_iter()
                .map(|(id, l, w)| format!("fts {id}|{l}|{w}")),
        );
    }
    pool.close().await;
    out
}

async fn search_documents_match_index_post(t: TestApp) {
    let Some(dir) = dump("meta-site") else { return };
    import(&t, &dir, false).await.expect("import");
    let imported = search_snapshot(&t).await;
    assert!(imported.len() > 556, "every question is indexed");
    let s = store(&t).await;
    assert_eq!(s.reindex_all().await.unwrap(), 556);
    s.close().await;
    let rebuilt = search_snapshot(&t).await;
    assert_eq!(imported.len(), rebuilt.len());
    for (a, b) in imported.iter().zip(&rebuilt) {
        assert_eq!(a, b, "the import's search rows differ from index_post's");
    }
    // And search finds imported content.
    let res = t
        .client
        .get(t.url("/api/v1/search"))
        .query(&[("q", "Wikipedia sources")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 200);
    let body: serde_json::Value = res.json().await.unwrap();
    assert!(body["total"].as_i64().unwrap() > 0, "{body}");
}

/// New answers are appended to their question's search document in the database; the result
/// must be the document a rebuild makes.
async fn answers_appended_match_index_post(t: TestApp) {
    let (_, asker) = t.signup("asker").await;
    let (_, helper) = t.signup("helper").await;
    let (s, q) = t
        .post_json(
            "/api/v1/questions",
            Some(&asker),
            serde_json::json!({"title": "Which kettle pours slowly enough for pour-over?",
                "body": "My kettle floods the filter.", "tags": ["kettles"]}),
        )
        .await;
    assert_eq!(s, 201, "{q}");
    let path = format!("/api/v1/questions/{}/answers", q["id"]);
    for body in [
        "A gooseneck kettle pours a thin, steady stream.",
        "Pour from a measuring jug with a narrow spout: C++ and C# users swear by it.",
        "...",
        "Gooseneck again, and warm the jug first.",
    ] {
        let (s, a) = t
            .post_json(&path, Some(&helper), serde_json::json!({"body": body}))
            .await;
        assert_eq!(s, 201, "{a}");
    }
    let appended = search_snapshot(&t).await;
    assert!(
        appended.iter().any(|l| l.contains("gooseneck")),
        "{appended:?}"
    );
    let s = store(&t).await;
    assert_eq!(s.reindex_all().await.unwrap(), 1);
    s.close().await;
    assert_eq!(appended, search_snapshot(&t).await);
}

async fn command_line_end_to_end(t: TestApp) {
    let Some(dir) = dump("coffee") else { return };
    let run = |extra: &[&str], dir: &Path| {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_stoa"));
        cmd.args(["import", "stackexchange"])
            .arg(dir)
            .args(["--database-url", &t.db_url])
            .args(extra);
        cmd.env("STOA_LOG", "warn").env_remove("STOA_DATABASE_URL");
        cmd.output().expect("run stoa")
    };
    let out = run(&[], &dir);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stdout}\n{stderr}");
    assert!(stdout.contains("imported site \"coffee\""), "{stdout}");
    assert!(stdout.contains("posts/s"), "{stdout}");
    assert!(
        stderr.contains("import: writing posts"),
        "plain progress lines when not a terminal: {stderr}"
    );

    let out = run(&[], &dir);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        stderr.contains("already imported") && stderr.contains("--update"),
        "{stderr}"
    );

    let out = run(&["--update"], &dir);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("updated site \"coffee\""));

    let text = std::fs::read_to_string(dir.join("Posts.xml")).unwrap();
    let (_tmp, damaged_dir) = damaged(&text[..text.len() / 2]);
    let out = run(&["--site", "other"], &damaged_dir);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        stderr.contains("Posts.xml line ") && stderr.contains("database is unchanged"),
        "{stderr}"
    );
    assert_eq!(
        scalar(
            &t,
            "SELECT COUNT(*) FROM posts WHERE source_site = $1",
            "other"
        )
        .await,
        0
    );
}

/// Stored search terms come from the analyzer of the day they were written: a site whose
/// documents were written by another analyzer version rebuilds them when it is next opened,
/// so a stemmer fix ("internal" and "internals" both became "intern") reaches old posts.
async fn search_documents_follow_the_analyzer_version(t: TestApp) {
    let (_, asker) = t.signup("asker").await;
    let (s, q) = t
        .post_json(
            "/api/v1/questions",
            Some(&asker),
            serde_json::json!({"title": "Where are the internal kettle settings kept?",
                "body": "The manual does not say.", "tags": ["kettles"]}),
        )
        .await;
    assert_eq!(s, 201, "{q}");
    let key = stoa_store::analyzer::ANALYZER_VERSION_KEY;
    let current = stoa_domain::search::ANALYZER_VERSION;
    let s = store(&t).await;
    assert_eq!(s.setting(key).await.unwrap().as_deref(), Some(current));
    assert_eq!(
        s.reindex_if_analyzer_changed(current, 0).await.unwrap(),
        None
    );
    s.put_setting(key, "1", 0).await.unwrap();
    s.close().await;
    let before = search_snapshot(&t).await;
    // Reopening (what `stoa serve` and every command do) rebuilds and records the version.
    let s = store(&t).await;
    assert_eq!(s.setting(key).await.unwrap().as_deref(), Some(current));
    s.close().await;
    assert_eq!(
        before,
        search_snapshot(&t).await,
        "rebuilt documents are the same terms"
    );
    let (status, body) = t.get_json("/api/v1/search?q=internals", None).await;
    assert_eq!(status, 200);
    assert_eq!(body["total"], 1, "{body}");
    assert_eq!(body["items"][0]["id"], q["id"], "{body}");
}
