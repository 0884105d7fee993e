//! Rate limits on sensitive actions, counted in fixed windows: in this process's memory when
//! the database is SQLite (one server process owns the file, so the count is exact and costs no
//! write), in the database on PostgreSQL (where several processes may share the counters).

use crate::{App, AppError};
use std::collections::HashMap;
use std::sync::Mutex;

/// Most windows remembered in memory. Live windows are never dropped (that would lift a
/// lock-out); past the bound, ended ones are swept (at most once a second) and, if the
/// windows are all live, new keys are counted in the database instead.
const LOCAL_MAX_WINDOWS: usize = 200_000;

/// Counters of the current windows, for a process that owns its database.
#[derive(Debug, Default)]
pub(crate) struct LocalCounters {
    inner: Mutex<Windows>,
}

#[derive(Debug, Default)]
struct Windows {
    /// (key, window start) → (hits, window end).
    map: HashMap<(String, i64), (i64, i64)>,
    /// When ended windows were last swept.
    swept_at: i64,
}

impl LocalCounters {
    /// Counts a hit; `None` when memory is full of live windows and this key is not among
    /// them (the caller counts it in the database).
    fn hit(&self, key: &str, start: i64, end: i64, now: i64) -> Option<i64> {
        let mut w = self.inner.lock().ok()?;
        let id = (key.to_string(), start);
        if !w.map.contains_key(&id) && w.map.len() >= LOCAL_MAX_WINDOWS {
            if w.swept_at == now {
                return None;
            }
            w.swept_at = now;
            w.map.retain(|_, (_, e)| *e > now);
            if w.map.len() >= LOCAL_MAX_WINDOWS {
                return None;
            }
        }
        let entry = w.map.entry(id).or_insert((0, end));
        entry.0 += 1;
        Some(entry.0)
    }

    fn hits(&self, key: &str, start: i64) -> Option<i64> {
        let w = self.inner.lock().ok()?;
        w.map.get(&(key.to_string(), start)).map(|h| h.0)
    }

    /// Forgets windows that have ended.
    pub(crate) fn purge(&self, now: i64) {
        if let Ok(mut w) = self.inner.lock() {
            w.map.retain(|_, (_, end)| *end > now);
        }
    }
}

/// At most `max` hits per `window_secs`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit {
    /// Hits allowed per window.
    pub max: i64,
    /// Window length in seconds.
    pub window_secs: i64,
}

/// Every limit Stoa enforces.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Log-in attempts from one IP address.
    pub login_per_ip: Limit,
    /// Failed log-in attempts against one account, from anywhere.
    pub login_failures_per_account: Limit,
    /// Sign-ups from one IP address.
    pub signup_per_ip: Limit,
    /// Requests with one personal access token.
    pub per_token: Limit,
    /// Questions to the assistant from one IP address (each costs a search).
    pub assistant_per_ip: Limit,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            login_per_ip: Limit {
                max: 30,
                window_secs: 300,
            },
            login_failures_per_account: Limit {
                max: 10,
                window_secs: 900,
            },
            signup_per_ip: Limit {
                max: 10,
                window_secs: 3600,
            },
            per_token: Limit {
                max: 600,
                window_secs: 60,
            },
            assistant_per_ip: Limit {
                max: 120,
                window_secs: 60,
            },
        }
    }
}

impl App {
    /// Counts a hit on `key` in the window of `limit` that holds `now`; the hits so far.
    async fn count_hit(&self, key: &str, limit: Limit, now: i64) -> Result<i64, AppError> {
        let start = window_start(limit, now);
        let local = self
            .local_counters()
            .and_then(|c| c.hit(key, start, start + limit.window_secs, now));
        Ok(match local {
            Some(hits) => hits,
            None => self.store().hit_rate_limit(key, start).await?,
        })
    }

    /// Counts a hit on `key`; refuses with the seconds left in the window once over `limit`.
    pub(crate) async fn check_and_hit(&self, key: &str, limit: Limit) -> Result<(), AppError> {
        let now = stoa_store::now();
        let hits = self.count_hit(key, limit, now).await?;
        if hits > limit.max {
            return Err(over(limit, now));
        }
        Ok(())
    }

    /// Refuses if `key` is already over `limit`, without counting a hit.
    pub(crate) async fn check_only(&self, key: &str, limit: Limit) -> Result<(), AppError> {
        let now = stoa_store::now();
        let start = window_start(limit, now);
        // A key not in memory may have been counted in the database when memory was full.
        let local = self.local_counters().and_then(|c| c.hits(key, start));
        let hits = match local {
            Some(hits) => hits,
            None => self.store().rate_limit_hits(key, start).await?,
        };
        if hits >= limit.max {
            return Err(over(limit, now));
        }
        Ok(())
    }

    /// Counts a hit on `key` without checking, e.g. a failed attempt after the fact.
    pub(crate) async fn hit(&self, key: &str, limit: Limit) -> Result<(), AppError> {
        self.count_hit(key, limit, stoa_store::now()).await?;
        Ok(())
    }
}

fn window_start(limit: Limit, now: i64) -> i64 {
    now - now.rem_euclid(limit.window_secs.max(1))
}

fn over(limit: Limit, now: i64) -> AppError {
    AppError::RateLimited {
        retry_after: (window_start(limit, now) + limit.window_secs - now).max(1),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_counters_count_per_window_and_forget_ended_ones() {
        let c = LocalCounters::default();
        assert_eq!(c.hit("k", 0, 60, 10), Some(1));
        assert_eq!(c.hit("k", 0, 60, 11), Some(2));
        assert_eq!(c.hits("k", 0), Some(2));
        assert_eq!(
            c.hit("k", 60, 120, 61),
            Some(1),
            "a new window starts at zero"
        );
        c.purge(61);
        assert_eq!(c.hits("k", 0), None);
        assert_eq!(c.hits("k", 60), Some(1));
    }

    #[test]
    fn a_flood_of_new_keys_never_drops_a_live_window() {
        let c = LocalCounters::default();
        assert_eq!(c.hit("login:account:7", 0, 900, 1), Some(1));
        for i in 0..LOCAL_MAX_WINDOWS {
            c.hit(&format!("write:ip:{i}"), 0, 60, 1);
        }
        assert_eq!(
            c.hits("login:account:7", 0),
            Some(1),
            "the lock-out count survives"
        );
        assert_eq!(
            c.hit("write:ip:new", 0, 60, 2),
            None,
            "full: counted elsewhere"
        );
        assert_eq!(
            c.hit("login:account:7", 0, 900, 2),
            Some(2),
            "known keys still count"
        );
        // Once the flood's windows end, room comes back.
        assert_eq!(c.hit("write:ip:later", 60, 120, 61), Some(1));
    }
}
