//! The non-server commands: migrate, admin, render.

use crate::config::Config;
use std::io::{BufRead, Write};
use stoa_app::{App, SignupInput, Store, StoreOptions};
use stoa_domain::account::Role;

/// Why a command failed; printed to standard error with a non-zero exit.
#[derive(Debug, thiserror::Error)]
pub enum CommandError {
    /// The database could not be opened or migrated.
    #[error(transparent)]
    Store(#[from] stoa_store::StoreError),
    /// A use case refused.
    #[error("{0}")]
    App(#[from] stoa_app::AppError),
    /// Reading input or writing output failed.
    #[error("i/o error: {0}")]
    Io(#[from] std::io::Error),
    /// A flag's value is unusable.
    #[error("{0}")]
    Usage(String),
}

async fn open(cfg: &Config) -> Result<App, CommandError> {
    let store = Store::open(&StoreOptions {
        url: cfg.database_url.expose().to_string(),
        max_connections: 2,
    })
    .await?;
    Ok(App::new(store, cfg.app_settings()))
}

/// `stoa migrate`: creates the database if needed and applies pending migrations.
pub async fn migrate(cfg: &Config) -> Result<String, CommandError> {
    let app = open(cfg).await?;
    app.store().close().await;
    Ok(format!(
        "database is up to date ({} migrations)",
        stoa_store::MIGRATIONS.len()
    ))
}

/// `stoa health`: the metrics of a window, as JSON (like the API) or as a table.
pub async fn health(
    cfg: &Config,
    from: Option<&str>,
    to: Option<&str>,
    json: bool,
) -> Result<String, CommandError> {
    let w = stoa_app::health_window(from, to)?;
    let app = open(cfg).await?;
    let report = app.health(w).await;
    app.store().close().await;
    let report = report?;
    if json {
        return Ok(stoa_web::health_report_json(&report));
    }
    let mut out = format!(
        "Community health from {} to {} ({} days), against the {} days before\n",
        w.from_text(),
        w.to_text(),
        w.days(),
        w.days()
    );
    for d in stoa_domain::health::CATALOGUE {
        let show = |v: Option<f64>| v.map_or_else(|| "-".to_string(), |v| format!("{v:.4}"));
        out.push_str(&format!(
            "{:<34} {:>14} {:>14}\n",
            d.name,
            show(report.metrics.get(d.name)),
            show(report.previous.get(d.name))
        ));
    }
    Ok(out.trim_end().to_string())
}

/// `stoa admin create-user`.
pub async fn create_user(
    cfg: &Config,
    username: &str,
    email: &str,
    role: &str,
    password: &str,
) -> Result<String, CommandError> {
    let role = Role::parse(role).map_err(|e| CommandError::Usage(e.to_string()))?;
    let app = open(cfg).await?;
    let result = app
        .create_user(
            SignupInput {
                username: username.into(),
                email: email.into(),
                password: password.into(),
                ip: String::new(),
                device: None,
            },
            role,
        )
        .await;
    app.store().close().await;
    let user = result?;
    Ok(format!(
        "created user {} (id {}) with role {}",
        user.username,
        user.id,
        user.role.as_str()
    ))
}

/// `stoa render`: Markdown on `input` to sanitised HTML on `output`; with `lines`, one JSON
/// string of HTML per input line.
pub fn render(
    lines: bool,
    input: impl BufRead,
    mut output: impl Write,
) -> Result<(), CommandError> {
    if lines {
        for line in input.split(b'\n') {
            let raw = line?;
            // Invalid UTF-8 is rendered lossily rather than refused, so one bad line cannot
            // shift the line-by-line correspondence of the output.
            let text = String::from_utf8_lossy(&raw);
            let html = stoa_markdown::render_post(text.trim_end_matches('\r'));
            let json =
                serde_json::to_string(&html).map_err(|e| CommandError::Usage(e.to_string()))?;
            writeln!(output, "{json}")?;
        }
    } else {
        let mut raw = Vec::new();
        let mut input = input;
        input.read_to_end(&mut raw)?;
        output.write_all(stoa_markdown::render_post(&String::from_utf8_lossy(&raw)).as_bytes())?;
    }
    output.flush()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn render_lines_keeps_one_line_per_input_line() {
        let mut out = Vec::new();
        render(true, &b"**a**\n<script>x</script>\n\xff\n"[..], &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 3);
        let first: String = serde_json::from_str(lines[0]).unwrap();
        assert!(first.contains("<strong>a</strong>"));
        let second: String = serde_json::from_str(lines[1]).unwrap();
        assert!(!second.contains("<script"));
    }
}
