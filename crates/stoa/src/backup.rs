//! `stoa backup FILE` and `stoa restore FILE`: a consistent copy of a running site's database,
//! and putting one back. SQLite: `VACUUM INTO` (online; the copy is a plain SQLite file).
//! PostgreSQL: `pg_dump --format=custom` and `pg_restore`, Debian's `postgresql-client` tools.

use crate::commands::CommandError;
use crate::config::Config;
use std::path::Path;
use stoa_app::{Store, StoreOptions};
use stoa_store::Backend;

const SQLITE_MAGIC: &[u8] = b"SQLite format 3\0";
const PG_DUMP_MAGIC: &[u8] = b"PGDMP";

/// What a backup file holds, from its first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Sqlite,
    PgDump,
}

fn kind_of(file: &Path) -> Result<Kind, CommandError> {
    use std::io::Read;
    let mut head = [0_u8; 16];
    let n = std::fs::File::open(file)
        .and_then(|mut f| f.read(&mut head))
        .map_err(|e| CommandError::Usage(format!("cannot read {}: {e}", file.display())))?;
    if head[..n].starts_with(SQLITE_MAGIC) {
        Ok(Kind::Sqlite)
    } else if head[..n].starts_with(PG_DUMP_MAGIC) {
        Ok(Kind::PgDump)
    } else {
        Err(CommandError::Usage(format!(
            "{} is not a Stoa backup (neither an SQLite file nor a pg_dump archive)",
            file.display()
        )))
    }
}

fn sqlite_path(url: &str) -> Option<&str> {
    url.strip_prefix("sqlite://")
        .map(|p| p.split('?').next().unwrap_or(p))
}

/// Runs an external tool, turning "not installed" and failures into clear errors.
async fn tool(program: &str, args: &[&str]) -> Result<(), CommandError> {
    let (name, args): (String, Vec<String>) = (
        program.to_string(),
        args.iter().map(|a| a.to_string()).collect(),
    );
    let out = tokio::task::spawn_blocking(move || std::process::Command::new(name).args(args).output())
        .await
        .map_err(|e| CommandError::Usage(format!("{program} did not finish: {e}")))?
        .map_err(|e| {
            CommandError::Usage(format!(
                "cannot run {program} ({e}); install PostgreSQL's client tools (Debian: postgresql-client)"
            ))
        })?;
    if out.status.success() {
        Ok(())
    } else {
        Err(CommandError::Usage(format!(
            "{program} failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        )))
    }
}

/// `stoa backup FILE`: a consistent copy of the database while the site runs. Refuses to
/// overwrite an existing file.
pub async fn backup(cfg: &Config, file: &Path) -> Result<String, CommandError> {
    if file.exists() {
        return Err(CommandError::Usage(format!(
            "{} exists already; choose a new file name (a backup never overwrites)",
            file.display()
        )));
    }
    let url = cfg.database_url.expose();
    match Backend::from_url(url)? {
        Backend::Sqlite => {
            let store = Store::connect(&StoreOptions {
                url: url.to_string(),
                max_connections: 1,
            })
            .await?;
            let done = store.vacuum_into(&file.to_string_lossy()).await;
            store.close().await;
            done?;
        }
        Backend::Postgres => {
            let path = file.to_string_lossy();
            tool(
                "pg_dump",
                &[
                    "--format=custom",
                    "--no-owner",
                    "--file",
                    &path,
                    "--dbname",
                    url,
                ],
            )
            .await?;
        }
    }
    let size = std::fs::metadata(file).map(|m| m.len()).unwrap_or(0);
    Ok(format!("backed up to {} ({size} bytes)", file.display()))
}

async fn check_sqlite(path: &str) -> Result<(), CommandError> {
    let probe = Store::connect(&StoreOptions {
        url: format!("sqlite://{path}"),
        max_connections: 1,
    })
    .await?;
    let checked = probe.check_restorable().await;
    probe.close().await;
    Ok(checked?)
}

/// `stoa restore FILE`: replaces the site's database with a backup of the same backend (stop
/// the servers first), then applies any migrations the backup predates.
pub async fn restore(cfg: &Config, file: &Path) -> Result<String, CommandError> {
    let kind = kind_of(file)?;
    let url = cfg.database_url.expose();
    match (Backend::from_url(url)?, kind) {
        (Backend::Sqlite, Kind::Sqlite) => {
            let target = sqlite_path(url)
                .ok_or_else(|| CommandError::Usage(format!("not an SQLite URL: {url}")))?;
            // A copy beside the database, checked to be a Stoa database this binary can run,
            // replaces it in one rename; the database is untouched until then.
            let staged = format!("{target}.restoring");
            std::fs::copy(file, &staged)?;
            let checked = check_sqlite(&staged).await;
            if let Err(e) = checked {
                let _ = std::fs::remove_file(&staged);
                return Err(e);
            }
            for suffix in ["-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{target}{suffix}"));
            }
            std::fs::rename(&staged, target)?;
        }
        (Backend::Postgres, Kind::PgDump) => {
            let path = file.to_string_lossy();
            tool(
                "pg_restore",
                &[
                    "--clean",
                    "--if-exists",
                    "--no-owner",
                    "--single-transaction",
                    "--dbname",
                    url,
                    &path,
                ],
            )
            .await?;
        }
        (backend, kind) => {
            return Err(CommandError::Usage(format!(
                "{} is a {} backup and this site runs on {}; a backup goes back to the backend it came from",
                file.display(),
                if kind == Kind::Sqlite { "SQLite" } else { "PostgreSQL" },
                backend.name()
            )))
        }
    }
    let store = Store::open(&StoreOptions {
        url: url.to_string(),
        max_connections: 1,
    })
    .await?;
    store.close().await;
    Ok(format!("restored {}", file.display()))
}
