//! Stoa's storage: one SQL dialect for SQLite and PostgreSQL through sqlx's `Any` driver, with the
//! few backend-specific statements kept side by side. No business rules live here.

pub mod account_data;
pub mod analyzer;
pub mod assistant;
pub mod badges;
pub mod bounties;
pub mod changes;
pub mod coaching;
pub mod credentials;
pub mod deflection;
mod error;
pub mod governance;
pub mod health;
pub mod impact;
pub mod import;
pub mod integrity;
pub mod jobs;
pub mod kb;
pub mod lists;
pub mod mail;
mod migrate;
pub mod moderation;
pub mod notify;
pub mod plans;
mod post_batch;
mod post_insert;
pub mod posts;
pub mod profile;
pub mod rate_limit;
pub mod reputation;
pub mod rewards;
pub mod search;
pub mod social;
pub mod sso;
pub mod support;
pub mod tag_training;
pub mod tickets;
pub mod two_factor;
pub mod users;
pub mod webhooks;

pub use error::StoreError;
pub use migrate::MIGRATIONS;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, ConnectOptions, Executor};
use std::str::FromStr;
use std::time::Duration;

/// Which database engine a [`Store`] talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// An embedded SQLite file.
    Sqlite,
    /// A PostgreSQL server.
    Postgres,
}

impl Backend {
    /// Picks the backend from a database URL's scheme.
    pub fn from_url(url: &str) -> Result<Self, StoreError> {
        if url.starts_with("sqlite:") {
            Ok(Backend::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Backend::Postgres)
        } else {
            Err(StoreError::BadUrl(
                "database URLs start with sqlite: or postgres://".into(),
            ))
        }
    }

    /// The backend's name as used in logs and metrics.
    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

/// Connection settings for a [`Store`].
#[derive(Debug, Clone)]
pub struct StoreOptions {
    /// `sqlite://path` or `postgres://…`.
    pub url: String,
    /// Most connections the pool opens for reads (PostgreSQL uses it for writes too).
    pub max_connections: u32,
}

/// A handle on the database; cheap to clone.
#[derive(Clone, Debug)]
pub struct Store {
    read: AnyPool,
    /// SQLite allows one writer; routing every write through one connection turns lock
    /// contention into a queue instead of `SQLITE_BUSY` errors. On PostgreSQL it is `read`.
    write: AnyPool,
    backend: Backend,
    /// Group commit for new posts (SQLite, whose one writer is the bottleneck).
    posts: Option<post_batch::PostBatcher>,
    /// Whether writes enqueue notification events (on unless an operator turned them off).
    notify: std::sync::Arc<std::sync::atomic::AtomicBool>,
    /// How to open a connection outside the pools, to tell an unreachable database from busy
    /// pools.
    connect: AnyConnectOptions,
}

/// Seconds since the Unix epoch, the only clock the store uses.
pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

impl Store {
    /// Connects (creating an SQLite file if needed) without migrating.
    pub async fn connect(opts: &StoreOptions) -> Result<Store, StoreError> {
        sqlx::any::install_default_drivers();
        let backend = Backend::from_url(&opts.url)?;
        match backend {
            Backend::Sqlite => {
                let url = sqlite_url(&opts.url);
                let connect = AnyConnectOptions::from_str(&url)
                    .map_err(|e| StoreError::BadUrl(e.to_string()))?
                    .disable_statement_logging();
                // A file connection cannot drop like a network one, and the ping sqlx sends
                // before every acquire cost the single writer a round trip per transaction.
                let write = AnyPoolOptions::new()
                    .max_connections(1)
                    .min_connections(1)
                    .test_before_acquire(false)
                    // Kept for the process's life: its settings (below) are made once.
                    .max_lifetime(None)
                    .idle_timeout(None)
                    .acquire_timeout(Duration::from_secs(10))
                    .after_connect(sqlite_pragmas)
                    .connect_with(connect.clone())
                    .await
                    .map_err(StoreError::from)?;
                write.execute("PRAGMA journal_mode = WAL").await?;
                // Checkpoints run in the background (`Store::checkpoint`, every two seconds),
                // not inside the writer's commits, where each one stalled every write behind
                // it; this only bounds the log (about 40 MB) should they fall behind.
                write.execute("PRAGMA wal_autocheckpoint = 10000").await?;
                let read = AnyPoolOptions::new()
                    .max_connections(opts.max_connections.max(1))
                    .test_before_acquire(false)
                    .acquire_timeout(Duration::from_secs(5))
                    .after_connect(sqlite_pragmas)
                    .connect_with(connect.clone())
                    .await?;
                let notify = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(true));
                let posts = Some(post_batch::PostBatcher::spawn(
                    write.clone(),
                    backend,
                    notify.clone(),
                ));
                Ok(Store {
                    read,
                    write,
                    backend,
                    posts,
                    notify,
                    connect,
                })
            }
            Backend::Postgres => {
                let connect = AnyConnectOptions::from_str(&opts.url)
                    .map_err(|e| StoreError::BadUrl(e.to_string()))?
                    .disable_statement_logging();
                // A request waits at most 3 s for a connection: past that the database is away
                // or overloaded, and a 503 with Retry-After is the honest answer.
                let pool = AnyPoolOptions::new()
                    .max_connections(opts.max_connections.max(2))
                    .acquire_timeout(Duration::from_secs(3))
                    .connect_with(connect.clone())
                    .await?;
                Ok(Store {
                    read: pool.clone(),
                    write: pool,
                    backend,
                    posts: None,
                    notify: std::sync::Arc::new(std::sync::atomic::AtomicBool::new(true)),
                    connect,
                })
            }
        }
    }

    /// Connects and applies every pending migration.
    pub async fn open(opts: &StoreOptions) -> Result<Store, StoreError> {
        let store = Store::connect(opts).await?;
        store.migrate().await?;
        if store.backend == Backend::Sqlite {
            // Without planner statistics SQLite picks the wrong index for "answers of question N"
            // (a scan instead of posts_parent); this gathers them where missing or stale, cheaply.
            sqlx::query("PRAGMA optimize = 0x10002")
                .execute(&store.write)
                .await?;
        }
        let version = stoa_domain::search::ANALYZER_VERSION;
        if let Some(n) = store.reindex_if_analyzer_changed(version, now()).await? {
            tracing::info!(
                documents = n,
                version,
                "search documents rebuilt for a new analyzer"
            );
        }
        Ok(store)
    }

    /// Turns the enqueuing of notification events by writes on or off (on by default; off for
    /// bulk work and for measuring what notifications cost).
    pub fn set_notifications(&self, on: bool) {
        self.notify.store(on, std::sync::atomic::Ordering::Relaxed);
    }

    /// Whether writes enqueue notification events.
    pub(crate) fn notifications_on(&self) -> bool {
        self.notify.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// The backend in use.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The pool for reads.
    pub(crate) fn reader(&self) -> &AnyPool {
        &self.read
    }

    /// Group commit for new posts, where it is used.
    pub(crate) fn post_batcher(&self) -> Option<&post_batch::PostBatcher> {
        self.posts.as_ref()
    }

    /// The pool for writes and read-then-write transactions.
    pub(crate) fn writer(&self) -> &AnyPool {
        &self.write
    }

    /// A write transaction (see [`begin_write`]).
    pub(crate) async fn write_tx(
        &self,
    ) -> Result<sqlx::Transaction<'static, sqlx::Any>, sqlx::Error> {
        begin_write(&self.write, self.backend).await
    }

    /// Copies the write-ahead log back into the database file (SQLite), on a reader connection
    /// so that the writer never waits for it; nothing to do on PostgreSQL.
    pub async fn checkpoint(&self) -> Result<(), StoreError> {
        if self.backend == Backend::Sqlite {
            sqlx::query("PRAGMA wal_checkpoint(PASSIVE)")
                .execute(&self.read)
                .await?;
        }
        Ok(())
    }

    /// Whether the database accepts a new connection and answers on it within `timeout`,
    /// whatever the pools' state (busy pools are not an outage).
    pub async fn reachable(&self, timeout: Duration) -> bool {
        use sqlx::Connection;
        let attempt = async {
            let mut conn = sqlx::AnyConnection::connect_with(&self.connect).await?;
            sqlx::query("SELECT 1").execute(&mut conn).await?;
            conn.close().await
        };
        matches!(tokio::time::timeout(timeout, attempt).await, Ok(Ok(())))
    }

    /// Answers when the database does; used by `/healthz`.
    pub async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").execute(&self.read).await?;
        Ok(())
    }

    /// Connections open and idle, for `/metrics`.
    pub fn pool_stats(&self) -> PoolStats {
        PoolStats {
            size: self.read.size(),
            idle: self.read.num_idle() as u32,
        }
    }

    /// Closes every connection; waits for those in use.
    pub async fn close(&self) {
        self.write.close().await;
        self.read.close().await;
    }
}

/// Begins a write transaction. On SQLite it takes the write lock at once (`BEGIN IMMEDIATE`):
/// a deferred transaction that reads first cannot upgrade while another process (a separate
/// `stoa worker`, a second `stoa serve`) writes, and fails with "database is locked" instead of
/// waiting its turn; an immediate one waits (`busy_timeout`).
pub(crate) async fn begin_write(
    pool: &AnyPool,
    backend: Backend,
) -> Result<sqlx::Transaction<'static, sqlx::Any>, sqlx::Error> {
    match backend {
        Backend::Sqlite => pool.begin_with("BEGIN IMMEDIATE").await,
        Backend::Postgres => pool.begin().await,
    }
}

type BoxFut<'c> =
    std::pin::Pin<Box<dyn std::future::Future<Output = Result<(), sqlx::Error>> + Send + 'c>>;

/// Per-connection SQLite settings; WAL itself persists in the file.
fn sqlite_pragmas(
    conn: &mut sqlx::AnyConnection,
    _meta: sqlx::pool::PoolConnectionMetadata,
) -> BoxFut<'_> {
    Box::pin(async move {
        for pragma in [
            "PRAGMA busy_timeout = 5000",
            "PRAGMA foreign_keys = ON",
            "PRAGMA synchronous = NORMAL",
            "PRAGMA temp_store = MEMORY",
            "PRAGMA cache_size = -8000",
        ] {
            conn.execute(pragma).await?;
        }
        Ok(())
    })
}

/// A snapshot of the read pool.
#[derive(Debug, Clone, Copy)]
pub struct PoolStats {
    /// Connections open.
    pub size: u32,
    /// Connections idle.
    pub idle: u32,
}

/// Adds `mode=rwc` so that `sqlite://stoa.db` creates the file on first start.
fn sqlite_url(url: &str) -> String {
    if url.contains("mode=") || url.contains(":memory:") {
        url.to_string()
    } else if url.contains('?') {
        format!("{url}&mode=rwc")
    } else {
        format!("{url}?mode=rwc")
    }
}

/// Reads a column holding the name of a closed set (a post's kind or status) as its enum; an
/// unknown name is a decoding error, not a silent default.
pub(crate) fn decode_name<T>(row: &sqlx::any::AnyRow, column: &str) -> Result<T, sqlx::Error>
where
    T: std::str::FromStr<Err = stoa_domain::post_kind::UnknownName>,
{
    let name: String = sqlx::Row::try_get(row, column)?;
    name.parse().map_err(|e| sqlx::Error::ColumnDecode {
        index: column.to_string(),
        source: Box::new(e),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backend_from_url() {
        assert_eq!(Backend::from_url("sqlite://x.db").unwrap(), Backend::Sqlite);
        assert_eq!(
            Backend::from_url("sqlite::memory:").unwrap(),
            Backend::Sqlite
        );
        assert_eq!(
            Backend::from_url("postgres://u@h/db").unwrap(),
            Backend::Postgres
        );
        assert!(Backend::from_url("mysql://x").is_err());
    }

    #[test]
    fn sqlite_url_creates_files() {
        assert_eq!(sqlite_url("sqlite://a.db"), "sqlite://a.db?mode=rwc");
        assert_eq!(
            sqlite_url("sqlite://a.db?cache=shared"),
            "sqlite://a.db?cache=shared&mode=rwc"
        );
        assert_eq!(sqlite_url("sqlite://a.db?mode=ro"), "sqlite://a.db?mode=ro");
    }
}
