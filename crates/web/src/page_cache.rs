//! Rendered pages for anonymous visitors (question pages, the home list, tag pages), kept in
//! memory: most readers of a help center arrive from a search engine without an account, and
//! these pages are the same for all of them. A hit costs a map lookup instead of several
//! queries and a template.
//!
//! Freshness: a request that may have written (not GET, HEAD or OPTIONS, not refused with a
//! 4xx, not one of the few that never change what these pages show, like `POST /preview`)
//! invalidates every entry once it has completed, so a visitor never sees a page older than the
//! last write here. On PostgreSQL, writes by other processes arrive through the database's
//! change feed (`stoa_store::changes`) and invalidate too; on SQLite, writes by another process
//! (`stoa import`, a separate worker) and view counts flushed in the background show within
//! [`TTL`]. See docs/adr-007-performance.md and docs/adr-012-scale-out.md.

use crate::AppState;
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Longest an entry is served: bounds what other processes' writes and the relative times on
/// the page ("3 minutes ago") can lag.
pub const TTL: Duration = Duration::from_secs(30);
/// Most bytes of HTML kept; past it the cache starts over (popular pages come back at once).
const MAX_BYTES: usize = 16 * 1024 * 1024;

/// One rendered page.
#[derive(Clone)]
pub struct CachedPage {
    generation: u64,
    stored: Instant,
    /// A question's canonical slug (other slugs redirect to it); empty for other pages.
    pub slug: String,
    html: Bytes,
    etag: HeaderValue,
}

/// Marks a response whose `ETag` the handler computed and whose body holds no visitor's CSRF
/// token, so the caching layer need not read the body.
#[derive(Clone, Copy, Debug)]
pub struct PrecomputedEtag;

impl CachedPage {
    /// The page served from the cache, marked `X-Stoa-Cache: hit` (for operators checking
    /// what the cache does).
    pub fn hit(&self) -> Response {
        let mut res = self.response();
        res.headers_mut()
            .insert("x-stoa-cache", HeaderValue::from_static("hit"));
        res
    }

    /// The page as a response (status 200, HTML, with its ETag).
    pub fn response(&self) -> Response {
        let mut res = (
            [
                (
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("text/html; charset=utf-8"),
                ),
                (
                    header::CACHE_CONTROL,
                    HeaderValue::from_static("private, no-cache"),
                ),
                (header::VARY, HeaderValue::from_static("Cookie, HX-Request")),
                (header::ETAG, self.etag.clone()),
            ],
            Body::from(self.html.clone()),
        )
            .into_response();
        res.extensions_mut().insert(PrecomputedEtag);
        res
    }
}

/// The cache of anonymous pages, by key (`question:ID`, or a list's path and query).
#[derive(Default)]
pub struct PageCache {
    generation: AtomicU64,
    entries: Mutex<Entries>,
}

#[derive(Default)]
struct Entries {
    pages: HashMap<String, CachedPage>,
    bytes: usize,
}

impl Entries {
    /// Frees room for `needed` bytes: stale pages (rendered before the last write, or past
    /// [`TTL`]) go first, then the older half of the rest. Starting over instead made a site
    /// whose hot pages just exceed the bound re-render nearly every request (and, with every
    /// render, fill the database connections' page caches: RSS 112 → 156 MB in the benchmark).
    fn make_room(&mut self, needed: usize, generation: u64) {
        self.pages
            .retain(|_, p| p.generation == generation && p.stored.elapsed() < TTL);
        self.bytes = self.pages.values().map(|p| p.html.len()).sum();
        if self.bytes + needed <= MAX_BYTES {
            return;
        }
        let mut times: Vec<Instant> = self.pages.values().map(|p| p.stored).collect();
        if !times.is_empty() {
            let mid = times.len() / 2;
            let (_, median, _) = times.select_nth_unstable(mid);
            let median = *median;
            self.pages.retain(|_, p| p.stored > median);
        }
        self.bytes = self.pages.values().map(|p| p.html.len()).sum();
        if self.bytes + needed > MAX_BYTES {
            self.pages.clear();
            self.bytes = 0;
        }
    }
}

impl PageCache {
    /// The page under `key`, if rendered since the last write and within [`TTL`].
    pub fn get(&self, key: &str) -> Option<CachedPage> {
        let generation = self.generation.load(Ordering::Acquire);
        let entries = self.entries.lock().ok()?;
        entries
            .pages
            .get(key)
            .filter(|p| p.generation == generation && p.stored.elapsed() < TTL)
            .cloned()
    }

    /// The generation to stamp on a page about to be rendered: read before reading the
    /// database, so a write that lands meanwhile makes the page stale at once.
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// Keeps a page rendered at `generation`; returns it ready to serve.
    pub fn put(&self, key: String, generation: u64, slug: String, html: String) -> CachedPage {
        let html = Bytes::from(html);
        let etag = HeaderValue::from_str(&format!("\"{:016x}\"", crate::assets::fnv1a(&html)))
            .unwrap_or_else(|_| HeaderValue::from_static("\"0\""));
        let page = CachedPage {
            generation,
            stored: Instant::now(),
            slug,
            html,
            etag,
        };
        if let Ok(mut entries) = self.entries.lock() {
            if entries.bytes + page.html.len() > MAX_BYTES {
                entries.make_room(page.html.len(), self.generation());
            }
            entries.bytes += page.html.len();
            if let Some(old) = entries.pages.insert(key, page.clone()) {
                entries.bytes -= old.html.len();
            }
        }
        page
    }

    /// Makes every page stale (after a write).
    pub fn invalidate(&self) {
        self.generation.fetch_add(1, Ordering::AcqRel);
    }
}

/// Requests that write nothing the cached pages show: previews, signing in and out, reading
/// notifications. Anyone may send them, so they must not cost everyone the cache.
const NEVER_CHANGE_PAGES: &[&str] = &[
    "/preview",
    "/assistant",
    "/api/v1/assistant",
    "/login",
    "/logout",
    "/signup",
    "/forgot-password",
    "/notifications/read",
    "/api/v1/auth/login",
    "/api/v1/auth/signup",
    "/api/v1/notifications/read",
    "/api/v1/auth/password-reset",
];

/// Invalidates the page cache after every request that may have written something.
pub async fn invalidate_after_writes(
    State(state): State<AppState>,
    req: Request,
    next: Next,
) -> Response {
    let writes = !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS)
        && !NEVER_CHANGE_PAGES.contains(&req.uri().path());
    // Invalidated when the request ends however it ends: a client that hangs up, or a panic,
    // after the database committed must not leave the old page in the cache.
    let mut guard = writes.then(|| InvalidateOnDrop(Some(&state.pages)));
    let res = next.run(req).await;
    // A refused request (bad input, no permission, rate limited) changed nothing.
    if res.status().is_client_error() {
        if let Some(g) = guard.as_mut() {
            g.0 = None;
        }
    }
    res
}

/// Makes every cached page stale when dropped, unless disarmed.
struct InvalidateOnDrop<'a>(Option<&'a PageCache>);

impl Drop for InvalidateOnDrop<'_> {
    fn drop(&mut self) {
        if let Some(cache) = self.0 {
            cache.invalidate();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_write_makes_pages_stale() {
        let cache = PageCache::default();
        let g = cache.generation();
        cache.put("q1".into(), g, "a".into(), "<p>one</p>".into());
        assert!(cache.get("q1").is_some());
        cache.invalidate();
        assert!(cache.get("q1").is_none());
    }

    #[test]
    fn a_page_rendered_before_a_write_is_never_served_after_it() {
        let cache = PageCache::default();
        let g = cache.generation();
        cache.invalidate(); // the write lands while the page is being rendered
        cache.put("q1".into(), g, "a".into(), "<p>old</p>".into());
        assert!(cache.get("q1").is_none());
    }

    #[test]
    fn bytes_are_bounded() {
        let cache = PageCache::default();
        let big = "x".repeat(MAX_BYTES / 3 + 1);
        for id in 0..10 {
            cache.put(format!("q{id}"), 0, "a".into(), big.clone());
        }
        let entries = cache.entries.lock().unwrap();
        assert!(entries.bytes <= MAX_BYTES);
        assert!(entries.pages.len() <= 3);
    }

    #[test]
    fn a_full_cache_drops_stale_pages_then_the_older_half() {
        let cache = PageCache::default();
        let page = "x".repeat(MAX_BYTES / 8);
        let g = cache.generation();
        cache.put("stale".into(), g, "a".into(), page.clone());
        cache.invalidate();
        let g = cache.generation();
        for id in 0..7 {
            cache.put(format!("q{id}"), g, "a".into(), page.clone());
        }
        // Full: the stale page goes, every fresh one stays.
        cache.put("q7".into(), g, "a".into(), page.clone());
        assert!((0..8).all(|id| cache.get(&format!("q{id}")).is_some()));
        // Full of fresh pages: the newer half stays, with the new page.
        cache.put("q8".into(), g, "a".into(), page);
        assert!(cache.get("q8").is_some());
        assert!(cache.get("q7").is_some());
        assert!(cache.get("q0").is_none());
        let entries = cache.entries.lock().unwrap();
        assert!(entries.bytes <= MAX_BYTES);
        assert_eq!(
            entries.bytes,
            entries.pages.values().map(|p| p.html.len()).sum::<usize>()
        );
    }
}
