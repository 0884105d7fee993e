//! `stoa import stackexchange DIR`: the command line around [`stoa_import::import_dir`], with a
//! progress bar when standard error is a terminal and plain log lines otherwise.

use crate::config::Config;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use stoa_import::{ImportError, Options, Progress, ProgressEvent};
use stoa_store::{Store, StoreOptions};

/// What to import.
#[derive(Debug, clap::Subcommand)]
pub enum ImportCommand {
    /// Import a Stack Exchange data-dump folder: Posts.xml, and Users.xml, Comments.xml,
    /// Votes.xml, Tags.xml, PostLinks.xml, Badges.xml, PostHistory.xml when present.
    Stackexchange(StackexchangeArgs),
}

/// Arguments of `stoa import stackexchange`.
#[derive(Debug, clap::Args)]
pub struct StackexchangeArgs {
    /// The dump folder (the unpacked archive of one site).
    pub dir: PathBuf,
    /// Site name recorded on every imported post and profile (default: the folder's name).
    #[arg(long)]
    pub site: Option<String>,
    /// Merge into an earlier import of the same site: insert what is missing, update what changed.
    #[arg(long)]
    pub update: bool,
    /// Database URL: sqlite://FILE or postgres://USER:PASS@HOST/DB.
    #[arg(long, env = "STOA_DATABASE_URL", hide_env_values = true)]
    pub database_url: Option<String>,
    /// A TOML configuration file.
    #[arg(long)]
    pub config: Option<PathBuf>,
}

impl ImportCommand {
    /// The database flags, for loading the configuration.
    pub fn db(&self) -> (Option<String>, Option<PathBuf>) {
        match self {
            ImportCommand::Stackexchange(a) => (a.database_url.clone(), a.config.clone()),
        }
    }
}

/// Why `stoa import` failed.
#[derive(Debug, thiserror::Error)]
pub enum ImportCmdError {
    /// The database could not be opened or migrated.
    #[error(transparent)]
    Open(#[from] stoa_store::StoreError),
    /// The import refused or failed; nothing of it was kept.
    #[error("{0}{suffix}", suffix = if matches!(.0, ImportError::AlreadyImported { .. }) { "" } else { "; nothing was imported, the database is unchanged" })]
    Import(#[from] ImportError),
}

/// Runs the import and returns the summary to print.
pub async fn run(cfg: &Config, command: ImportCommand) -> Result<String, ImportCmdError> {
    let ImportCommand::Stackexchange(args) = command;
    let store = Store::open(&StoreOptions {
        url: cfg.database_url.expose().to_string(),
        max_connections: 2,
    })
    .await?;
    let bar = Arc::new(Bar::new(std::io::stderr().is_terminal()));
    let opts = Options {
        site: args.site,
        update: args.update,
        progress: Some(bar.clone()),
    };
    let result = stoa_import::import_dir(&store, &args.dir, &opts).await;
    bar.end();
    store.close().await;
    Ok(result?.report().trim_end().to_string())
}

/// Draws progress on standard error: a bar redrawn in place on a terminal; otherwise (logs, CI)
/// a line when a phase starts, every few seconds, and when it ends.
struct Bar {
    tty: bool,
    state: Mutex<Option<Phase>>,
}

/// The phase being drawn.
struct Phase {
    name: String,
    unit: &'static str,
    total: u64,
    done: u64,
    started: Instant,
    drawn: Instant,
}

/// How often a terminal bar is redrawn, and how often a plain line is written.
const TTY_EVERY: Duration = Duration::from_millis(100);
const LOG_EVERY: Duration = Duration::from_secs(2);

impl Bar {
    fn new(tty: bool) -> Self {
        Bar {
            tty,
            state: Mutex::new(None),
        }
    }

    /// Ends the last phase's display.
    fn end(&self) {
        if let Ok(mut s) = self.state.lock() {
            self.finish(s.take());
        }
    }

    /// Draws a phase's final state.
    fn finish(&self, phase: Option<Phase>) {
        let Some(p) = phase else { return };
        if p.total == 0 {
            if self.tty {
                let _ = writeln!(
                    std::io::stderr(),
                    "\r\x1b[2K{}: done in {:.2} s",
                    p.name,
                    p.started.elapsed().as_secs_f64()
                );
            }
            return;
        }
        let line = self.line(&p);
        let mut err = std::io::stderr().lock();
        let _ = if self.tty {
            writeln!(err, "\r\x1b[2K{line}")
        } else {
            writeln!(err, "import: {line}")
        };
    }

    fn line(&self, p: &Phase) -> String {
        let secs = p.started.elapsed().as_secs_f64();
        if p.total == 0 {
            return format!("{}…", p.name);
        }
        let rate = if secs > 0.0 {
            p.done as f64 / secs
        } else {
            0.0
        };
        let frac = if p.total > 0 {
            (p.done as f64 / p.total as f64).clamp(0.0, 1.0)
        } else {
            0.0
        };
        let left = if rate > 0.0 {
            p.total.saturating_sub(p.done) as f64 / rate
        } else {
            0.0
        };
        let bar = if self.tty {
            let filled = (frac * 30.0).round() as usize;
            format!(" [{}{}]", "#".repeat(filled), "-".repeat(30 - filled))
        } else {
            String::new()
        };
        let (done, total, rate, unit) = if p.unit == "bytes" {
            let mb = |n: f64| format!("{:.1}", n / 1e6);
            (mb(p.done as f64), mb(p.total as f64), mb(rate), "MB")
        } else {
            (
                p.done.to_string(),
                p.total.to_string(),
                format!("{rate:.0}"),
                p.unit,
            )
        };
        let when = if p.done >= p.total {
            format!("{secs:.2} s")
        } else {
            format!("ETA {}", clock(left))
        };
        format!(
            "{}{bar} {:.0}% {done}/{total} {unit}, {rate} {unit}/s, {when}",
            p.name,
            frac * 100.0
        )
    }

    fn draw(&self, p: &Phase) {
        let line = self.line(p);
        let mut err = std::io::stderr().lock();
        let _ = if self.tty {
            write!(err, "\r\x1b[2K{line}")
        } else {
            writeln!(err, "import: {line}")
        };
        let _ = err.flush();
    }
}

impl Progress for Bar {
    fn event(&self, event: &ProgressEvent) {
        let Ok(mut s) = self.state.lock() else { return };
        match event {
            ProgressEvent::Phase { name, unit, total } => {
                self.finish(s.take());
                let now = Instant::now();
                let phase = Phase {
                    name: name.clone(),
                    unit,
                    total: *total,
                    done: 0,
                    started: now,
                    drawn: now,
                };
                if self.tty {
                    self.draw(&phase);
                } else {
                    let _ = writeln!(std::io::stderr(), "import: {name}");
                }
                *s = Some(phase);
            }
            ProgressEvent::Advance { done, .. } => {
                let Some(p) = s.as_mut() else { return };
                p.done = *done;
                let every = if self.tty { TTY_EVERY } else { LOG_EVERY };
                if p.total > 0 && p.drawn.elapsed() >= every {
                    p.drawn = Instant::now();
                    self.draw(p);
                }
            }
        }
    }
}

/// `m:ss` (or `h:mm:ss`).
fn clock(secs: f64) -> String {
    let s = secs.max(0.0).round() as u64;
    if s >= 3600 {
        format!("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
    } else {
        format!("{}:{:02}", s / 60, s % 60)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clocks() {
        assert_eq!(clock(0.4), "0:00");
        assert_eq!(clock(75.0), "1:15");
        assert_eq!(clock(3725.0), "1:02:05");
    }
}
