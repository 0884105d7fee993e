//! The change feed: what other processes committed, so that this one can drop what it cached.
//! On PostgreSQL the database notifies (`LISTEN stoa_changes`, sent by triggers at commit; see
//! migration 0015); a SQLite file has one serving process, which needs no feed.

use crate::{Backend, Store, StoreError};
use sqlx::postgres::PgListener;

/// The channel the triggers notify on.
const CHANNEL: &str = "stoa_changes";

/// What changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// Something pages show: posts, comments, names, tags, bounties.
    Content,
    /// A site setting (governance, the spam model).
    Settings,
    /// The connection dropped and came back: changes may have been missed.
    Missed,
}

/// A live subscription to the change feed.
pub struct ChangeFeed {
    listener: PgListener,
}

impl Store {
    /// Subscribes to the change feed at `url` (the database this store opened); `None` on
    /// SQLite.
    pub async fn change_feed(&self, url: &str) -> Result<Option<ChangeFeed>, StoreError> {
        if self.backend() != Backend::Postgres {
            return Ok(None);
        }
        let mut listener = PgListener::connect(url).await?;
        listener.listen(CHANNEL).await?;
        Ok(Some(ChangeFeed { listener }))
    }
}

impl ChangeFeed {
    /// The next change (waits for one). `Missed` when the connection was lost: the next call
    /// reconnects (an error while the database is away).
    pub async fn next(&mut self) -> Result<Change, StoreError> {
        match self.listener.try_recv().await? {
            Some(n) if n.payload() == "settings" => Ok(Change::Settings),
            Some(_) => Ok(Change::Content),
            None => Ok(Change::Missed),
        }
    }
}
