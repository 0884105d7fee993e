//! View counting without a write per page view: views are deduplicated per viewer in memory
//! and added to the database in one batch by the housekeeping loop.

use crate::{App, AppError};
use std::collections::{HashMap, HashSet};
use std::sync::Mutex;

/// Views seen since the last flush.
#[derive(Debug, Default)]
pub struct ViewBuffer {
    inner: Mutex<Pending>,
}

#[derive(Debug, Default)]
struct Pending {
    counts: HashMap<i64, i64>,
    seen: HashSet<(i64, u64)>,
}

/// Bound on remembered (post, viewer) pairs between flushes, so memory stays flat under floods.
const MAX_SEEN: usize = 200_000;

impl ViewBuffer {
    /// Counts a view of `post_id` by `viewer` (a hash of session or address) once per flush window.
    pub fn record(&self, post_id: i64, viewer: u64) {
        if let Ok(mut p) = self.inner.lock() {
            if p.seen.len() >= MAX_SEEN {
                return;
            }
            if p.seen.insert((post_id, viewer)) {
                *p.counts.entry(post_id).or_default() += 1;
            }
        }
    }

    fn take(&self) -> Vec<(i64, i64)> {
        match self.inner.lock() {
            Ok(mut p) => {
                p.seen.clear();
                p.counts.drain().collect()
            }
            Err(_) => Vec::new(),
        }
    }
}

impl App {
    /// Counts a page view (buffered).
    pub fn record_view(&self, post_id: i64, viewer: &str) {
        use std::hash::{Hash, Hasher};
        let mut h = std::collections::hash_map::DefaultHasher::new();
        viewer.hash(&mut h);
        self.views().record(post_id, h.finish());
    }

    /// Writes buffered views to the database.
    pub async fn flush_views(&self) -> Result<(), AppError> {
        let batch = self.views().take();
        self.store().add_views(&batch).await?;
        Ok(())
    }
}
