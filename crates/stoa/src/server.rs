//! Starting and stopping the server: bind first, then serve, so callers (and tests) learn the
//! real port before the first request.

use crate::config::Config;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use stoa_app::{App, Store, StoreOptions};
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The database could not be opened or migrated.
    #[error(transparent)]
    Store(#[from] stoa_store::StoreError),
    /// The SMTP settings cannot be used.
    #[error(transparent)]
    Mail(#[from] stoa_jobs::MailError),
    /// The address could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address.
        addr: String,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The single sign-on settings cannot be used.
    #[error("single sign-on: {0}")]
    Sso(String),
    /// The language model's client could not be built.
    #[error("assistant.llm_url: {0}")]
    Llm(String),
}

/// A server that is accepting connections.
pub struct Running {
    /// The bound address (with the real port when 0 was asked).
    pub addr: SocketAddr,
    /// The application, for callers that want to act on it directly.
    pub app: App,
    stop: watch::Sender<bool>,
    task: JoinHandle<std::io::Result<()>>,
}

impl Running {
    /// Stops accepting, lets in-flight requests finish, then returns.
    pub async fn shutdown(self) -> std::io::Result<()> {
        let _ = self.stop.send(true);
        self.wait().await
    }

    /// Waits until the server stops (after a shutdown signal).
    pub async fn wait(self) -> std::io::Result<()> {
        let result = match self.task.await {
            Ok(r) => r,
            Err(e) => Err(std::io::Error::other(e)),
        };
        self.app.store().close().await;
        result
    }

    /// A handle that stops the server when sent `true`.
    pub fn stopper(&self) -> watch::Sender<bool> {
        self.stop.clone()
    }
}

/// Opens the database (migrating it), binds the address and starts serving.
pub async fn start(cfg: &Config) -> Result<Running, StartError> {
    let app = open_app(cfg).await?;
    start_with(app, cfg).await
}

/// Opens and migrates the database and wraps it in the application, without serving.
pub async fn open_app(cfg: &Config) -> Result<App, StartError> {
    let store = Store::open(&StoreOptions {
        url: cfg.database_url.expose().to_string(),
        max_connections: cfg.connections(),
    })
    .await?;
    store.set_notifications(cfg.jobs.notifications);
    Ok(App::new(store, cfg.app_settings()))
}

/// The mailer of the configured SMTP server, if one is.
pub fn mailer(cfg: &Config) -> Result<Option<stoa_jobs::Mailer>, StartError> {
    let url = cfg.smtp.url.expose();
    if url.is_empty() {
        return Ok(None);
    }
    Ok(Some(stoa_jobs::Mailer::new(url, &cfg.smtp.from)?))
}

/// Starts serving an already opened application (and, unless configured otherwise, a job
/// worker beside it).
pub async fn start_with(mut app: App, cfg: &Config) -> Result<Running, StartError> {
    let listener = tokio::net::TcpListener::bind(&cfg.addr)
        .await
        .map_err(|source| StartError::Bind {
            addr: cfg.addr.clone(),
            source,
        })?;
    let addr = listener.local_addr().map_err(|source| StartError::Bind {
        addr: cfg.addr.clone(),
        source,
    })?;
    if cfg.base_url.is_empty() {
        app.set_base_url(format!("http://{addr}"));
    }
    let mailer = mailer(cfg)?;
    let state = Arc::new(stoa_web::Shared {
        app: app.clone(),
        web: Arc::new(cfg.web_settings()),
        metrics: Arc::new(stoa_web::metrics::Metrics::default()),
        pages: Arc::new(stoa_web::PageCache::default()),
        outage: Default::default(),
        sso: Arc::new(
            stoa_sso::Sso::new(cfg.sso_providers()).map_err(|e| StartError::Sso(e.to_string()))?,
        ),
    });
    // A job run by this process's worker that changes pages (an account erased) makes them
    // stale here at once; other processes hear of it through the change feed.
    let pages = state.pages.clone();
    app.on_content_change(move || pages.invalidate());
    if !cfg.assistant.llm_url.is_empty() {
        let client = crate::llm::ChatClient::new(
            &cfg.assistant.llm_url,
            &cfg.assistant.llm_model,
            std::time::Duration::from_secs(cfg.assistant.llm_timeout_secs),
        )
        .map_err(StartError::Llm)?;
        app.set_answer_writer(Arc::new(client));
    }
    let (stop, mut stopped) = watch::channel(false);
    let maintenance = spawn_maintenance(app.clone(), stop.subscribe());
    let feed = spawn_change_feed(
        app.clone(),
        Some(state.pages.clone()),
        cfg.database_url.expose().to_string(),
        stop.subscribe(),
    );
    let worker = cfg.jobs.worker_in_serve.then(|| {
        stoa_jobs::Worker::new(app.clone(), mailer, cfg.worker_settings()).spawn(stop.subscribe())
    });
    let task = tokio::spawn(async move {
        let served = stoa_web::serve(listener, state, async move {
            let _ = stopped.wait_for(|s| *s).await;
        })
        .await;
        let _ = maintenance.await;
        let _ = feed.await;
        if let Some(w) = worker {
            let _ = w.await;
        }
        served
    });
    tracing::info!(addr = %addr, backend = app.store().backend().name(), "listening on http://{addr}");
    Ok(Running {
        addr,
        app,
        stop,
        task,
    })
}

/// Follows the database's change feed (PostgreSQL): what another process commits makes this
/// process's cached pages and settings stale at once. A lost connection may have hidden
/// changes, so it drops everything too; while the database is away it retries every second.
fn spawn_change_feed(
    app: App,
    pages: Option<Arc<stoa_web::PageCache>>,
    url: String,
    mut stop: watch::Receiver<bool>,
) -> JoinHandle<()> {
    use stoa_store::changes::Change;
    tokio::spawn(async move {
        let forget_all = |app: &App| {
            app.forget_cached_settings();
            if let Some(p) = &pages {
                p.invalidate();
            }
        };
        'connect: loop {
            let mut feed = tokio::select! {
                f = app.store().change_feed(&url) => match f {
                    Ok(Some(feed)) => feed,
                    Ok(None) => return,
                    Err(e) => {
                        tracing::warn!(error = %e, "cannot follow the change feed; will retry");
                        tokio::select! {
                            _ = tokio::time::sleep(Duration::from_secs(1)) => continue 'connect,
                            _ = stop.changed() => return,
                        }
                    }
                },
                _ = stop.changed() => return,
            };
            // Anything committed before the subscription may be cached already.
            forget_all(&app);
            loop {
                let next = tokio::select! {
                    n = feed.next() => n,
                    _ = stop.changed() => return,
                };
                match next {
                    Ok(Change::Content) => {
                        if let Some(p) = &pages {
                            p.invalidate();
                        }
                        app.content_changed_elsewhere();
                    }
                    Ok(Change::Settings) => forget_all(&app),
                    Ok(Change::Missed) => {
                        tracing::warn!(
                            "change feed interrupted; cached pages and settings dropped"
                        );
                        forget_all(&app);
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "change feed lost; reconnecting");
                        forget_all(&app);
                        tokio::select! {
                            _ = tokio::time::sleep(Duration::from_secs(1)) => {}
                            _ = stop.changed() => return,
                        }
                    }
                }
            }
        }
    })
}

/// Periodic housekeeping in the background; ends with the server.
fn spawn_maintenance(app: App, mut stop: watch::Receiver<bool>) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut purge = tokio::time::interval(Duration::from_secs(600));
        let mut views = tokio::time::interval(Duration::from_secs(10));
        let mut checkpoint = tokio::time::interval(Duration::from_secs(2));
        loop {
            tokio::select! {
                _ = purge.tick() => {
                    if let Err(e) = app.purge_expired().await {
                        tracing::warn!(error = %e, "housekeeping failed; will retry");
                    }
                    // Reports compute abandonment at read time too; stamping it keeps the
                    // stored outcome honest for exports and other readers.
                    if let Err(e) = app.close_stale_deflections().await {
                        tracing::warn!(error = %e, "could not close stale deflection sessions; will retry");
                    }
                }
                _ = views.tick() => {
                    if let Err(e) = app.flush_views().await {
                        tracing::warn!(error = %e, "could not save view counts; will retry");
                    }
                }
                _ = checkpoint.tick() => {
                    if let Err(e) = app.store().checkpoint().await {
                        tracing::warn!(error = %e, "could not checkpoint the database log; will retry");
                    }
                }
                _ = stop.changed() => break,
            }
        }
        if let Err(e) = app.flush_views().await {
            tracing::warn!(error = %e, "could not save view counts at shutdown");
        }
    })
}

/// Runs a job worker on its own (`stoa worker`) until `stop` turns true.
pub async fn run_worker(cfg: &Config, stop: watch::Receiver<bool>) -> Result<(), StartError> {
    let app = open_app(cfg).await?;
    let mailer = mailer(cfg)?;
    let feed = spawn_change_feed(
        app.clone(),
        None,
        cfg.database_url.expose().to_string(),
        stop.clone(),
    );
    let handle = stoa_jobs::Worker::new(app.clone(), mailer, cfg.worker_settings()).spawn(stop);
    let _ = handle.await;
    let _ = feed.await;
    app.store().close().await;
    Ok(())
}

/// Resolves on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}
