//! Embedded, append-only migrations: one folder per backend, applied in order, each in a transaction.

use crate::{now, Backend, Store, StoreError};
use sqlx::{Connection, Executor, Row};

/// A migration embedded in the binary.
#[derive(Debug)]
pub struct Migration {
    /// Increasing version number.
    pub version: i64,
    /// Short name.
    pub name: &'static str,
    /// SQLite statements.
    pub sqlite: &'static str,
    /// PostgreSQL statements.
    pub postgres: &'static str,
    /// Whether the SQLite statements rebuild a table that others reference: they then run with
    /// foreign keys off (so dropping the old table cascades nowhere) and are checked before
    /// the commit, as SQLite's documented table rebuild requires.
    pub sqlite_rebuild: bool,
}

macro_rules! migration {
    ($version:literal, $name:literal) => {
        Migration {
            version: $version,
            name: $name,
            sqlite: include_str!(concat!("../migrations/sqlite/", $name, ".sql")),
            postgres: include_str!(concat!("../migrations/postgres/", $name, ".sql")),
            sqlite_rebuild: false,
        }
    };
    ($version:literal, $name:literal, rebuild) => {
        Migration {
            sqlite_rebuild: true,
            ..migration!($version, $name)
        }
    };
}

/// Every migration, oldest first. Append only: a released migration never changes.
pub static MIGRATIONS: &[Migration] = &[
    migration!(1, "0001_foundation"),
    migration!(2, "0002_search"),
    migration!(3, "0003_import"),
    migration!(4, "0004_governance"),
    migration!(5, "0005_deflection"),
    migration!(6, "0006_list_indexes"),
    migration!(7, "0007_row_layout", rebuild),
    migration!(8, "0008_recent_posts"),
    migration!(9, "0009_notifications"),
    migration!(10, "0010_plans"),
    migration!(11, "0011_tickets"),
    migration!(12, "0012_support_desk"),
    migration!(13, "0013_rewards"),
    migration!(14, "0014_incentives"),
    migration!(15, "0015_change_feed"),
    migration!(16, "0016_commons_health"),
    migration!(17, "0017_token_scopes"),
    migration!(18, "0018_account_self_service"),
    migration!(19, "0019_webhooks"),
    migration!(20, "0020_question_coaching"),
];

impl Store {
    /// Applies the migrations the database lacks; refuses a database from a newer binary.
    pub async fn migrate(&self) -> Result<(), StoreError> {
        let pool = self.writer();
        pool.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations (
                version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)",
        )
        .await?;
        let applied: Vec<i64> =
            sqlx::query("SELECT version FROM schema_migrations ORDER BY version")
                .fetch_all(pool)
                .await?
                .iter()
                .map(|r| r.try_get::<i64, _>(0))
                .collect::<Result<_, _>>()?;
        let known = MIGRATIONS.last().map_or(0, |m| m.version);
        if let Some(&newest) = applied.last() {
            if newest > known {
                return Err(StoreError::TooNew(newest));
            }
        }
        for m in MIGRATIONS.iter().filter(|m| !applied.contains(&m.version)) {
            let sql = match self.backend() {
                Backend::Sqlite => m.sqlite,
                Backend::Postgres => m.postgres,
            };
            let rebuild = m.sqlite_rebuild && self.backend() == Backend::Sqlite;
            let mut conn = pool.acquire().await?;
            if rebuild {
                // Only takes effect outside a transaction, hence before `begin`.
                conn.execute("PRAGMA foreign_keys = OFF").await?;
            }
            let applied = apply(&mut conn, m, sql, rebuild).await;
            if rebuild {
                // Whatever happened, the pooled connection must enforce foreign keys again.
                conn.execute("PRAGMA foreign_keys = ON").await?;
            }
            applied?;
            tracing::info!(
                migration.version = m.version,
                migration.name = m.name,
                "applied migration"
            );
        }
        Ok(())
    }

    /// Whether this database can be put back as a site's: intact (SQLite's quick check), made
    /// by Stoa, and not by a newer binary.
    pub async fn check_restorable(&self) -> Result<(), StoreError> {
        if self.backend() == Backend::Sqlite {
            let verdict: String = sqlx::query("PRAGMA quick_check")
                .fetch_one(self.reader())
                .await?
                .try_get(0)?;
            if verdict != "ok" {
                return Err(StoreError::NotRestorable(format!(
                    "the file is damaged ({verdict})"
                )));
            }
        }
        let newest: Option<i64> = sqlx::query("SELECT MAX(version) FROM schema_migrations")
            .fetch_one(self.reader())
            .await
            .map_err(|_| StoreError::NotRestorable("it is not a Stoa database".into()))?
            .try_get(0)?;
        let known = MIGRATIONS.last().map_or(0, |m| m.version);
        match newest {
            None => Err(StoreError::NotRestorable(
                "it is not a Stoa database".into(),
            )),
            Some(v) if v > known => Err(StoreError::TooNew(v)),
            Some(_) => Ok(()),
        }
    }

    /// Writes a consistent copy of an SQLite database to `path` (`VACUUM INTO`), while it is
    /// in use.
    pub async fn vacuum_into(&self, path: &str) -> Result<(), StoreError> {
        if self.backend() != Backend::Sqlite {
            return Err(StoreError::NotRestorable(
                "VACUUM INTO is SQLite's; use pg_dump for PostgreSQL".into(),
            ));
        }
        sqlx::query("VACUUM INTO $1")
            .bind(path)
            .execute(self.writer())
            .await?;
        Ok(())
    }

    /// Table and column names of the current schema, for comparing the two backends.
    pub async fn schema_columns(&self) -> Result<Vec<(String, String)>, StoreError> {
        let sql = match self.backend() {
            Backend::Sqlite => {
                "SELECT m.name AS table_name, p.name AS column_name FROM sqlite_master m, pragma_table_info(m.name) p
                 WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND instr(m.name, '_fts') = 0
                 ORDER BY 1, 2"
            }
            Backend::Postgres => {
                "SELECT CAST(table_name AS TEXT) AS table_name, CAST(column_name AS TEXT) AS column_name
                 FROM information_schema.columns
                 WHERE table_schema = current_schema() AND position('_fts' in table_name) = 0 ORDER BY 1, 2"
            }
        };
        let rows = sqlx::query(sql).fetch_all(self.reader()).await?;
        rows.iter()
            .map(|r| {
                Ok((
                    r.try_get::<String, _>("table_name")?,
                    r.try_get::<String, _>("column_name")?,
                ))
            })
            .collect()
    }
}

/// Runs one migration's statements and records it, in one transaction.
async fn apply(
    conn: &mut sqlx::AnyConnection,
    m: &Migration,
    sql: &str,
    check_foreign_keys: bool,
) -> Result<(), StoreError> {
    let mut tx = conn.begin().await?;
    // One statement at a time: the Any driver's prepared path takes a single statement.
    for stmt in split_statements(sql) {
        tx.execute(stmt)
            .await
            .map_err(|source| StoreError::Migration {
                version: m.version,
                source,
            })?;
    }
    sqlx::query("INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)")
        .bind(m.version)
        .bind(m.name)
        .bind(now())
        .execute(&mut *tx)
        .await?;
    if check_foreign_keys {
        let broken = sqlx::query("PRAGMA foreign_key_check")
            .fetch_all(&mut *tx)
            .await?;
        if let Some(row) = broken.first() {
            let table: String = row.try_get("table").unwrap_or_default();
            return Err(StoreError::Migration {
                version: m.version,
                source: sqlx::Error::Protocol(format!(
                    "{} rows would break foreign keys (first in table {table})",
                    broken.len()
                )),
            });
        }
    }
    tx.commit().await?;
    Ok(())
}

/// Splits a migration file on semicolons that end a line; our migrations keep that convention.
fn split_statements(sql: &str) -> impl Iterator<Item = &str> {
    sql.split(";\n").map(str::trim).filter(|s| {
        !s.is_empty()
            && !s
                .lines()
                .all(|l| l.trim().is_empty() || l.trim_start().starts_with("--"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_on_line_ending_semicolons() {
        let parts: Vec<_> =
            split_statements("-- c\nCREATE TABLE a (x TEXT);\n\nCREATE INDEX i ON a (x);\n")
                .collect();
        assert_eq!(parts.len(), 2);
        assert!(parts[0].ends_with("(x TEXT)"));
    }

    #[test]
    fn versions_increase() {
        for w in MIGRATIONS.windows(2) {
            assert!(w[0].version < w[1].version);
        }
    }
}
