//! The store's one error type.

/// What can go wrong talking to the database.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database URL cannot be used.
    #[error("invalid database URL: {0}")]
    BadUrl(String),
    /// A uniqueness or foreign-key rule refused the write; carries the constraint name if known.
    #[error("conflict with existing data ({0})")]
    Conflict(String),
    /// The database did not answer (down, restarting, pool exhausted).
    #[error("database unavailable: {0}")]
    Unavailable(#[source] sqlx::Error),
    /// A migration could not be applied.
    #[error("migration {version} failed: {source}")]
    Migration {
        /// The migration's version.
        version: i64,
        /// Why.
        #[source]
        source: sqlx::Error,
    },
    /// The database holds migrations newer than this binary knows.
    #[error("the database was migrated by a newer Stoa (version {0}); upgrade this binary")]
    TooNew(i64),
    /// A backup cannot be restored.
    #[error("this backup cannot be restored: {0}")]
    NotRestorable(String),
    /// Any other database error.
    #[error("database error: {0}")]
    Database(#[source] sqlx::Error),
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        match &e {
            sqlx::Error::Database(db) => {
                use sqlx::error::ErrorKind;
                match db.kind() {
                    ErrorKind::UniqueViolation | ErrorKind::ForeignKeyViolation => {
                        StoreError::Conflict(db.constraint().unwrap_or(db.message()).to_string())
                    }
                    _ => StoreError::Database(e),
                }
            }
            sqlx::Error::PoolTimedOut
            | sqlx::Error::PoolClosed
            | sqlx::Error::Io(_)
            | sqlx::Error::Tls(_)
            | sqlx::Error::WorkerCrashed => StoreError::Unavailable(e),
            _ => StoreError::Database(e),
        }
    }
}

impl StoreError {
    /// Whether the error names a conflict on a constraint or column containing `needle`.
    pub fn is_conflict_on(&self, needle: &str) -> bool {
        matches!(self, StoreError::Conflict(c) if c.contains(needle))
    }
}
