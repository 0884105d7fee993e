//! `stoa`: the command line.

use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;
use stoa::config::{Config, Overrides};

/// mimalloc instead of glibc's allocator: glibc kept every thread arena's peak (a password hash
/// takes 19 MiB) and held the server at 200+ MB after a few sign-ups; mimalloc returns freed
/// memory and is faster under concurrent requests (docs/adr-007-performance.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "stoa",
    version,
    about = "Stoa, a self-hosted community help center"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(clap::Args, Clone, Default)]
struct DbArgs {
    /// Database URL: sqlite://FILE or postgres://USER:PASS@HOST/DB.
    #[arg(long, env = "STOA_DATABASE_URL", hide_env_values = true)]
    database_url: Option<String>,
    /// A TOML configuration file.
    #[arg(long)]
    config: Option<PathBuf>,
}

#[derive(Subcommand)]
enum Command {
    /// Run the web server (creates and migrates the database if needed).
    Serve {
        /// Address to listen on, HOST:PORT.
        #[arg(long, env = "STOA_ADDR")]
        addr: Option<String>,
        #[command(flatten)]
        db: DbArgs,
        /// Fill an empty site with sample content (a small fictional community).
        #[arg(long)]
        demo: bool,
    },
    /// Run a background job worker (notifications, e-mail, digests) without serving HTTP.
    Worker {
        #[command(flatten)]
        db: DbArgs,
    },
    /// Create the database if needed and apply pending migrations.
    Migrate {
        #[command(flatten)]
        db: DbArgs,
    },
    /// Write a consistent copy of the database to FILE while the site runs (SQLite: VACUUM
    /// INTO; PostgreSQL: pg_dump's custom format). Never overwrites.
    Backup {
        /// The backup file to create.
        file: PathBuf,
        #[command(flatten)]
        db: DbArgs,
    },
    /// Replace the database with a backup made by `stoa backup` (stop the servers first).
    Restore {
        /// The backup file.
        file: PathBuf,
        #[command(flatten)]
        db: DbArgs,
    },
    /// Print the commons-health metrics of a window (the same object as GET /api/v1/health).
    Health {
        /// First day, YYYY-MM-DD (default: 89 days before --to).
        #[arg(long)]
        from: Option<String>,
        /// Last day, included, YYYY-MM-DD (default: today, UTC).
        #[arg(long)]
        to: Option<String>,
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        db: DbArgs,
    },
    /// Administrative tasks.
    Admin {
        #[command(subcommand)]
        command: AdminCommand,
    },
    /// Render Markdown from standard input to the sanitised HTML Stoa would store.
    Render {
        /// Treat each input line as a document; print each result as a JSON string on its own line.
        #[arg(long)]
        lines: bool,
    },
    /// Offline quality benchmarks.
    Eval {
        #[command(subcommand)]
        command: EvalCommand,
    },
    /// Serve a minimal handler of the same framework: the ceiling for `bench/run.py`.
    #[command(hide = true)]
    BenchCeiling {
        /// Address to listen on, HOST:PORT.
        #[arg(long, default_value = "127.0.0.1:0")]
        addr: String,
    },
    /// Import another community's content (a Stack Exchange data dump).
    Import {
        #[command(subcommand)]
        command: stoa::import_cmd::ImportCommand,
    },
    /// Configuration helpers.
    Config {
        #[command(subcommand)]
        command: ConfigCommand,
    },
}

#[derive(Subcommand)]
enum AdminCommand {
    /// Create a user with a role (password from STOA_PASSWORD or a prompt).
    CreateUser {
        /// Username.
        #[arg(long)]
        username: String,
        /// E-mail address.
        #[arg(long)]
        email: String,
        /// member, agent, moderator or admin.
        #[arg(long, default_value = "member")]
        role: String,
        #[command(flatten)]
        db: DbArgs,
    },
}

#[derive(Subcommand)]
enum EvalCommand {
    /// Train the spam classifier on labelled comments and report precision, recall, F1, accuracy.
    Spam {
        /// CSV files to train on (CONTENT, CLASS columns; 1 = spam).
        #[arg(long, num_args = 1.., required = true)]
        train: Vec<PathBuf>,
        /// CSV files to test on.
        #[arg(long, num_args = 1.., required = true)]
        test: Vec<PathBuf>,
        /// Print one JSON object.
        #[arg(long)]
        json: bool,
    },
    /// The SemEval-2016 Task 3 search benchmark: rerank and retrieve, against baselines.
    Search {
        /// A SemEval-2016 Task 3 English XML file.
        file: PathBuf,
        /// Database for the retrieve site (must be empty); default: a temporary SQLite file.
        #[arg(long, env = "STOA_EVAL_DATABASE_URL")]
        database_url: Option<String>,
        /// Print one JSON object.
        #[arg(long)]
        json: bool,
    },
    /// The assistant's benchmark: SemEval-2016 Task 3 subtask C (answers from other threads),
    /// against the engine's order, random and BM25.
    Assistant {
        /// A SemEval-2016 Task 3 English XML file.
        file: PathBuf,
        /// Print one JSON object.
        #[arg(long)]
        json: bool,
        /// Print instead the model learned on the whole file as Rust, for
        /// `stoa_domain::assistant::DEFAULT_MODEL`.
        #[arg(long, conflicts_with = "json")]
        print_model: bool,
    },
    /// What Stack Exchange dumps say about the coaching hints: the answered share of questions
    /// with and without what each hint asks for.
    Coaching {
        /// Dump folders, each with a Posts.xml.
        #[arg(required = true)]
        dirs: Vec<PathBuf>,
        /// Print one JSON array.
        #[arg(long)]
        json: bool,
    },
    /// Tag suggestions on Stack Exchange dumps: learn the earlier 80 % of each site's
    /// questions by date, test the top three on the rest, against the most used tags.
    Tags {
        /// Dump folders, each with a Posts.xml.
        #[arg(required = true)]
        dirs: Vec<PathBuf>,
        /// Print one JSON object.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
enum ConfigCommand {
    /// Print the default configuration as TOML.
    Default,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

fn load(db: &DbArgs, addr: Option<String>) -> Result<Config, String> {
    Config::load(
        db.config.as_deref(),
        &Overrides {
            addr,
            database_url: db.database_url.clone(),
        },
    )
    .map_err(|e| e.to_string())
}

/// Writes a command's result to standard output.
fn say(text: &str) -> Result<(), String> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    writeln!(out, "{text}").map_err(|e| e.to_string())
}

async fn run(cli: Cli) -> Result<(), String> {
    match cli.command {
        Command::Serve { addr, db, demo } => {
            let cfg = load(&db, addr)?;
            init_logging(&cfg);
            let app = stoa::server::open_app(&cfg)
                .await
                .map_err(|e| e.to_string())?;
            if demo {
                // Loaded before the server listens, so the first visitor sees the whole demo;
                // a failure stops here rather than serving a site with half a demo.
                if let Err(e) = stoa::demo::load_if_empty(&app).await {
                    app.store().close().await;
                    return Err(e.to_string());
                }
            }
            let running = stoa::server::start_with(app, &cfg)
                .await
                .map_err(|e| e.to_string())?;
            let stop = running.stopper();
            tokio::spawn(async move {
                stoa::server::shutdown_signal().await;
                tracing::info!("shutting down: finishing in-flight requests");
                let _ = stop.send(true);
            });
            running.wait().await.map_err(|e| e.to_string())?;
            tracing::info!("stopped");
            Ok(())
        }
        Command::Worker { db } => {
            let cfg = load(&db, None)?;
            init_logging(&cfg);
            let (stop, stopped) = tokio::sync::watch::channel(false);
            tokio::spawn(async move {
                stoa::server::shutdown_signal().await;
                tracing::info!("shutting down: finishing the jobs in hand");
                let _ = stop.send(true);
            });
            stoa::server::run_worker(&cfg, stopped)
                .await
                .map_err(|e| e.to_string())
        }
        Command::Migrate { db } => {
            let cfg = load(&db, None)?;
            init_logging(&cfg);
            say(&stoa::commands::migrate(&cfg)
                .await
                .map_err(|e| e.to_string())?)
        }
        Command::Backup { file, db } => {
            let cfg = load(&db, None)?;
            init_logging(&cfg);
            say(&stoa::backup::backup(&cfg, &file)
                .await
                .map_err(|e| e.to_string())?)
        }
        Command::Health { from, to, json, db } => {
            let cfg = load(&db, None)?;
            init_logging(&cfg);
            say(
                &stoa::commands::health(&cfg, from.as_deref(), to.as_deref(), json)
                    .await
                    .map_err(|e| e.to_string())?,
            )
        }
        Command::Restore { file, db } => {
            let cfg = load(&db, None)?;
            init_logging(&cfg);
            say(&stoa::backup::restore(&cfg, &file)
                .await
                .map_err(|e| e.to_string())?)
        }
        Command::Admin {
            command:
                AdminCommand::CreateUser {
                    username,
                    email,
                    role,
                    db,
                },
        } => {
            let cfg = load(&db, None)?;
            init_logging(&cfg);
            let password = match std::env::var("STOA_PASSWORD") {
                Ok(p) => p,
                Err(_) => rpassword::prompt_password(format!("Password for {username}: "))
                    .map_err(|e| e.to_string())?,
            };
            say(
                &stoa::commands::create_user(&cfg, &username, &email, &role, &password)
                    .await
                    .map_err(|e| e.to_string())?,
            )
        }
        Command::Render { lines } => {
            let stdin = std::io::stdin().lock();
            let stdout = std::io::BufWriter::new(std::io::stdout().lock());
            stoa::commands::render(lines, stdin, stdout).map_err(|e| e.to_string())
        }
        Command::Eval {
            command: EvalCommand::Spam { train, test, json },
        } => {
            let m = stoa_eval::spam::run(&train, &test).map_err(|e| e.to_string())?;
            say(stoa_eval::spam::format_report(&m, json).trim_end())
        }
        Command::Eval {
            command:
                EvalCommand::Search {
                    file,
                    database_url,
                    json,
                },
        } => {
            let (report, text) = stoa::eval_search::run(&file, database_url.as_deref())
                .await
                .map_err(|e| e.to_string())?;
            say(if json { report.to_string() } else { text }.trim_end())
        }
        Command::Eval {
            command:
                EvalCommand::Assistant {
                    file,
                    json,
                    print_model,
                },
        } => {
            let ds = stoa_eval::semeval::load(&file).map_err(|e| e.to_string())?;
            let report = stoa_eval::semeval::answer_passages(&ds, 42);
            let text = if print_model {
                report
                    .model_source()
                    .ok_or("no model was learned from this file")?
            } else if json {
                report.json().to_string()
            } else {
                report.to_string()
            };
            say(text.trim_end())
        }
        Command::Eval {
            command: EvalCommand::Coaching { dirs, json },
        } => {
            let sites = stoa_eval::coaching::evaluate(&dirs).map_err(|e| e.to_string())?;
            let text = if json {
                stoa_eval::coaching::json(&sites).to_string()
            } else {
                stoa_eval::coaching::text(&sites)
            };
            say(text.trim_end())
        }
        Command::Eval {
            command: EvalCommand::Tags { dirs, json },
        } => {
            let report = stoa_eval::tags::evaluate(&dirs).map_err(|e| e.to_string())?;
            let text = if json {
                report.json().to_string()
            } else {
                report.text()
            };
            say(text.trim_end())
        }
        Command::BenchCeiling { addr } => {
            let listener = tokio::net::TcpListener::bind(&addr)
                .await
                .map_err(|e| format!("cannot listen on {addr}: {e}"))?;
            let local = listener.local_addr().map_err(|e| e.to_string())?;
            eprintln!("listening on http://{local}");
            stoa_web::serve_ceiling(listener, stoa::server::shutdown_signal())
                .await
                .map_err(|e| e.to_string())
        }
        Command::Import { command } => {
            let (database_url, config) = command.db();
            let cfg = load(
                &DbArgs {
                    database_url,
                    config,
                },
                None,
            )?;
            init_logging(&cfg);
            say(&stoa::import_cmd::run(&cfg, command)
                .await
                .map_err(|e| e.to_string())?)
        }
        Command::Config {
            command: ConfigCommand::Default,
        } => say(Config::default_toml().trim_end()),
    }
}

fn init_logging(cfg: &Config) {
    use tracing_subscriber::EnvFilter;
    let filter =
        EnvFilter::try_from_env("STOA_LOG").unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if cfg.log_format == "json" {
        builder.json().flatten_event(true).init();
    } else {
        builder.init();
    }
}
