//! The storage layer on both backends: identical schemas, migrations idempotent.

use crate::support::{fresh_database, Kind};
use stoa_app::{Store, StoreOptions};

async fn open(kind: Kind, dir: &std::path::Path) -> Option<Store> {
    let url = fresh_database(kind, dir).await?;
    Some(
        Store::open(&StoreOptions {
            url,
            max_connections: 2,
        })
        .await
        .expect("open and migrate"),
    )
}

#[tokio::test]
async fn both_backends_have_the_same_tables_and_columns() {
    let dir = tempfile::tempdir().unwrap();
    let sqlite = open(Kind::Sqlite, dir.path()).await.unwrap();
    let lite_cols = sqlite.schema_columns().await.unwrap();
    assert!(lite_cols
        .iter()
        .any(|(t, c)| t == "users" && c == "password_hash"));
    // Migrating twice is a no-op.
    sqlite.migrate().await.unwrap();
    assert_eq!(sqlite.schema_columns().await.unwrap(), lite_cols);
    let Some(pg) = open(Kind::Postgres, dir.path()).await else {
        return;
    };
    let pg_cols = pg.schema_columns().await.unwrap();
    assert_eq!(lite_cols, pg_cols, "SQLite and PostgreSQL schemas differ");
}
