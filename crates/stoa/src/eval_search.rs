//! `stoa eval search`: the SemEval-2016 search benchmark. Rerank is computed in memory; for
//! retrieve, every related question (with its comments as answers) is written into a real,
//! empty Stoa site and each original question is asked of Stoa's similar-question search.

use std::collections::HashMap;
use std::path::Path;
use stoa_app::{App, AppSettings, Store, StoreOptions};
use stoa_domain::post_kind::{PostKind, PostStatus};
use stoa_eval::semeval::{self, RetrieveReport};
use stoa_store::posts::NewPost;
use stoa_store::users::NewUser;

/// Why the benchmark could not run.
#[derive(Debug, thiserror::Error)]
pub enum EvalSearchError {
    /// The file could not be read or parsed.
    #[error(transparent)]
    Data(#[from] semeval::SemevalError),
    /// The database failed.
    #[error(transparent)]
    Store(#[from] stoa_store::StoreError),
    /// A use case failed.
    #[error(transparent)]
    App(#[from] stoa_app::AppError),
    /// The site to fill is not empty.
    #[error("the database already has posts; point --database-url at an empty database")]
    NotEmpty,
    /// A temporary directory could not be created.
    #[error("cannot create a temporary database: {0}")]
    Io(#[from] std::io::Error),
}

/// Runs both protocols and returns the report as JSON (and its text form).
pub async fn run(
    file: &Path,
    database_url: Option<&str>,
) -> Result<(serde_json::Value, String), EvalSearchError> {
    let ds = semeval::load(file)?;
    let rerank = semeval::rerank(&ds, 42);
    let tmp = tempdir()?;
    let url = match database_url {
        Some(u) => u.to_string(),
        None => format!("sqlite://{}", tmp.join("eval.db").display()),
    };
    let store = Store::open(&StoreOptions {
        url,
        max_connections: 4,
    })
    .await?;
    let app = App::new(store.clone(), AppSettings::default());
    let result = fill_and_query(&app, &ds).await;
    store.close().await;
    let _ = std::fs::remove_dir_all(&tmp);
    let stoa_results = result?;
    let stoa = semeval::retrieve(&ds, |s, b| {
        stoa_results
            .get(&(s.to_string(), b.to_string()))
            .cloned()
            .unwrap_or_default()
    });
    let bm25 = semeval::retrieve(&ds, semeval::bm25_baseline(&ds));
    let retrieve = RetrieveReport { stoa, bm25 };
    Ok((
        semeval::report_json(&rerank, &retrieve),
        semeval::format_report(&rerank, &retrieve),
    ))
}

type Results = HashMap<(String, String), Vec<String>>;

async fn fill_and_query(app: &App, ds: &semeval::Dataset) -> Result<Results, EvalSearchError> {
    let store = app.store();
    if store.search_doc_count().await? > 0 {
        return Err(EvalSearchError::NotEmpty);
    }
    let now = stoa_store::now();
    let user = store
        .insert_user(&NewUser {
            username: "qatar-living",
            username_key: "qatar-living",
            email: "semeval@invalid.example",
            email_key: "semeval@invalid.example",
            password_hash: "!",
            role: "member",
            now,
            credential: None,
        })
        .await?;
    let mut site_of: HashMap<i64, String> = HashMap::new();
    for rq in ds.site() {
        let title: String = if rq.subject.trim().is_empty() {
            rq.body.chars().take(80).collect()
        } else {
            rq.subject.clone()
        };
        let title: String = title.chars().take(150).collect();
        let body = if rq.body.trim().is_empty() {
            rq.subject.clone()
        } else {
            rq.body.clone()
        };
        let html = stoa_markdown::sanitize_html(&html_escape(&body));
        let text = stoa_markdown::plain_text(&html);
        let id = store
            .insert_post(&NewPost {
                kind: PostKind::Question,
                parent_id: None,
                author_id: user,
                title: &title,
                body_md: &body,
                body_html: &html,
                body_text: &text,
                tags: &[],
                status: PostStatus::Published,
                hold_reason: None,
                now,
            })
            .await?;
        for c in &rq.comments {
            let html = stoa_markdown::sanitize_html(&html_escape(&c.text));
            let text = stoa_markdown::plain_text(&html);
            store
                .insert_post(&NewPost {
                    kind: PostKind::Answer,
                    parent_id: Some(id),
                    author_id: user,
                    title: "",
                    body_md: &c.text,
                    body_html: &html,
                    body_text: &text,
                    tags: &[],
                    status: PostStatus::Published,
                    hold_reason: None,
                    now,
                })
                .await?;
        }
        site_of.insert(id, rq.site_id.clone());
    }
    let mut out = Results::new();
    for o in &ds.originals {
        let hits = app.similar(&o.subject, &o.body, 10).await?;
        let ids = hits
            .iter()
            .filter_map(|h| site_of.get(&h.post_id).cloned())
            .collect();
        out.insert((o.subject.clone(), o.body.clone()), ids);
    }
    Ok(out)
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn tempdir() -> std::io::Result<std::path::PathBuf> {
    let dir = std::env::temp_dir().join(format!(
        "stoa-eval-{}",
        stoa_app::new_token("").get(..12).unwrap_or("x")
    ));
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}
