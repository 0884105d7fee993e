//! Rate limits on sensitive actions, counted in fixed windows shared through the database.

use crate::{App, AppError};

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
        }
    }
}

impl App {
    /// Counts a hit on `key`; refuses with the seconds left in the window once over `limit`.
    pub(crate) async fn check_and_hit(&self, key: &str, limit: Limit) -> Result<(), AppError> {
        let now = stoa_store::now();
        let window_start = now - now.rem_euclid(limit.window_secs.max(1));
        let hits = self.store().hit_rate_limit(key, window_start).await?;
        if hits > limit.max {
            return Err(AppError::RateLimited {
                retry_after: (window_start + limit.window_secs - now).max(1),
            });
        }
        Ok(())
    }

    /// Refuses if `key` is already over `limit`, without counting a hit.
    pub(crate) async fn check_only(&self, key: &str, limit: Limit) -> Result<(), AppError> {
        let now = stoa_store::now();
        let window_start = now - now.rem_euclid(limit.window_secs.max(1));
        let hits = self.store().rate_limit_hits(key, window_start).await?;
        if hits >= limit.max {
            return Err(AppError::RateLimited {
                retry_after: (window_start + limit.window_secs - now).max(1),
            });
        }
        Ok(())
    }

    /// Counts a hit on `key` without checking, e.g. a failed attempt after the fact.
    pub(crate) async fn hit(&self, key: &str, limit: Limit) -> Result<(), AppError> {
        let now = stoa_store::now();
        let window_start = now - now.rem_euclid(limit.window_secs.max(1));
        self.store().hit_rate_limit(key, window_start).await?;
        Ok(())
    }
}
