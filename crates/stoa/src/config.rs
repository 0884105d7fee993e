//! One typed configuration: defaults, then an optional TOML file, then `STOA_…` environment
//! variables, then command-line flags.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::path::Path;

/// Everything an operator can set.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Address to listen on.
    pub addr: String,
    /// `sqlite://FILE` or `postgres://…`.
    pub database_url: Secret,
    /// Most database connections per process; 0 chooses by backend and cores
    /// ([`Config::connections`]).
    pub max_connections: u32,
    /// The community's name.
    pub site_name: String,
    /// Licence of contributed content.
    pub content_license: String,
    /// Mark cookies `Secure` (set when serving over TLS).
    pub secure_cookies: bool,
    /// Trust `X-Forwarded-For` (only behind your own reverse proxy).
    pub trust_proxy: bool,
    /// `text` or `json`.
    pub log_format: String,
    /// Days a browser session lasts.
    pub session_days: i64,
    /// Rate limits.
    pub rate_limits: RateLimits,
    /// The site's public address, for links in e-mail; empty: `http://` + `addr`.
    pub base_url: String,
    /// Outgoing e-mail.
    pub smtp: Smtp,
    /// The background job worker.
    pub jobs: Jobs,
    /// The support desk.
    pub support: Support,
    /// A bearer token `/metrics` asks for; empty: only clients on this machine that did not
    /// come through a proxy may read it.
    pub metrics_token: Secret,
    /// Moderators and admins act as members until they turn on two-factor sign-in.
    pub require_two_factor_for_staff: bool,
    /// Let webhooks call loopback, private, link-local and unique-local addresses (the SSRF
    /// guard refuses them by default); for tests and private networks.
    pub webhooks_allow_private: bool,
    /// The assistant's optional language model.
    pub assistant: Assistant,
    /// Single sign-on providers (OpenID Connect), each a `[[oidc]]` table.
    pub oidc: Vec<Oidc>,
}

/// An OpenID Connect provider people may sign in with (docs/sso.md).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Oidc {
    /// Short name in URLs: the redirect URI to register is
    /// `{base_url}/auth/oidc/{name}/callback`.
    pub name: String,
    /// What the log-in page calls it: "Sign in with {label}".
    pub label: String,
    /// Issuer URL (discovery at `{issuer}/.well-known/openid-configuration`).
    pub issuer: String,
    /// This site's client id at the provider.
    pub client_id: String,
    /// This site's client secret at the provider.
    pub client_secret: Secret,
    /// Scopes besides `openid`.
    #[serde(default = "default_oidc_scopes")]
    pub scopes: Vec<String>,
}

fn default_oidc_scopes() -> Vec<String> {
    vec!["email".into(), "profile".into()]
}

/// The support desk.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Support {
    /// Days after which a solved ticket closes by itself (a customer reply before then
    /// reopens it; after, it starts a follow-up ticket).
    pub auto_close_days: i64,
}

impl Default for Support {
    fn default() -> Self {
        Support { auto_close_days: 4 }
    }
}

/// The assistant's optional language model (docs/assistant.md): an OpenAI-compatible server
/// the operator runs, which writes one answer from the passages, citations checked.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(default, deny_unknown_fields)]
pub struct Assistant {
    /// Base URL of the server's API, e.g. `http://127.0.0.1:8080/v1`; empty: off.
    pub llm_url: String,
    /// The model name to ask for.
    pub llm_model: String,
    /// Longest wait for an answer, in seconds; then the passages are shown alone.
    pub llm_timeout_secs: u64,
}

impl Default for Assistant {
    fn default() -> Self {
        Assistant {
            llm_url: String::new(),
            llm_model: "default".into(),
            llm_timeout_secs: 20,
        }
    }
}

/// Outgoing e-mail over SMTP.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Smtp {
    /// `smtp://[user:pass@]host:port` (add `?tls=required` for STARTTLS) or `smtps://…` (TLS);
    /// empty: no e-mail is sent.
    pub url: Secret,
    /// The sender, e.g. `Stoa <noreply@example.org>`.
    pub from: String,
    /// Most notification and digest e-mails one person gets in a day.
    pub daily_cap: i64,
}

impl Default for Smtp {
    fn default() -> Self {
        Smtp {
            url: Secret(String::new()),
            from: "Stoa <noreply@localhost>".into(),
            daily_cap: 50,
        }
    }
}

/// The background job worker.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Jobs {
    /// Run a worker inside `stoa serve` (turn off when separate `stoa worker` processes run).
    pub worker_in_serve: bool,
    /// Whether writes notify anyone at all (off: nothing is enqueued; for bulk work and for
    /// measuring what notifications cost).
    pub notifications: bool,
    /// Milliseconds between looks at an empty queue.
    pub poll_ms: u64,
    /// Jobs claimed at a time.
    pub batch: i64,
    /// Base of the exponential backoff between tries, in seconds.
    pub retry_base_secs: i64,
    /// Seconds a claim lasts without renewal (a dead worker's jobs run again after it).
    pub lease_secs: i64,
}

impl Default for Jobs {
    fn default() -> Self {
        Jobs {
            worker_in_serve: true,
            notifications: true,
            poll_ms: 500,
            batch: 16,
            retry_base_secs: 30,
            lease_secs: 60,
        }
    }
}

/// Rate limits, each `{ max, window_secs }`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RateLimits {
    /// Log-in attempts per client address.
    pub login_per_ip: LimitConfig,
    /// Failed log-ins per account.
    pub login_failures_per_account: LimitConfig,
    /// Sign-ups per client address.
    pub signup_per_ip: LimitConfig,
    /// Requests per personal access token.
    pub per_token: LimitConfig,
    /// Questions to the assistant per client address.
    pub assistant_per_ip: LimitConfig,
}

/// At most `max` per `window_secs`.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LimitConfig {
    /// Allowed hits per window.
    pub max: i64,
    /// Window length.
    pub window_secs: i64,
}

impl From<LimitConfig> for stoa_app::Limit {
    fn from(l: LimitConfig) -> Self {
        stoa_app::Limit {
            max: l.max,
            window_secs: l.window_secs,
        }
    }
}

impl Default for RateLimits {
    fn default() -> Self {
        let d = stoa_app::Limits::default();
        let c = |l: stoa_app::Limit| LimitConfig {
            max: l.max,
            window_secs: l.window_secs,
        };
        RateLimits {
            login_per_ip: c(d.login_per_ip),
            login_failures_per_account: c(d.login_failures_per_account),
            signup_per_ip: c(d.signup_per_ip),
            per_token: c(d.per_token),
            assistant_per_ip: c(d.assistant_per_ip),
        }
    }
}

/// The automatic pool size for a backend. SQLite: two connections per core (4–16), since its
/// queries are CPU work in this process and more connections only contend (4 beat 8 on two
/// cores). PostgreSQL: four per core (8–32), since a connection spends most of a write waiting
/// on round trips and the log flush (votes 1,254 → 1,536/s with 8 instead of 4; ADR 007).
fn automatic_connections(backend: stoa_app::Backend) -> u32 {
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    let cores = u32::try_from(cores).unwrap_or(16);
    match backend {
        stoa_app::Backend::Sqlite => cores.saturating_mul(2).clamp(4, 16),
        stoa_app::Backend::Postgres => cores.saturating_mul(4).clamp(8, 32),
    }
}

impl Default for Config {
    fn default() -> Self {
        Config {
            addr: "127.0.0.1:8080".into(),
            database_url: Secret("sqlite://stoa.db".into()),
            max_connections: 0,
            site_name: "Stoa".into(),
            content_license: "CC BY-SA 4.0".into(),
            secure_cookies: false,
            trust_proxy: false,
            log_format: "text".into(),
            session_days: 30,
            rate_limits: RateLimits::default(),
            base_url: String::new(),
            smtp: Smtp::default(),
            jobs: Jobs::default(),
            support: Support::default(),
            metrics_token: Secret(String::new()),
            require_two_factor_for_staff: false,
            webhooks_allow_private: false,
            assistant: Assistant::default(),
            oidc: Vec::new(),
        }
    }
}

/// A value that never appears in logs or debug output (database URLs carry passwords).
#[derive(Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(transparent)]
pub struct Secret(pub String);

impl Secret {
    /// The value, for the one place that needs it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0.split_once("://") {
            Some((scheme, rest)) if rest.contains('@') => write!(
                f,
                "{scheme}://***@{}",
                rest.rsplit('@').next().unwrap_or("")
            ),
            _ => f.write_str(&self.0),
        }
    }
}

/// Why the configuration could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read config file {path}: {source}")]
    Read {
        /// The file.
        path: String,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The file is not valid TOML or has unknown keys.
    #[error("invalid config file {path}: {message}")]
    Parse {
        /// The file.
        path: String,
        /// What is wrong, with line and column.
        message: String,
    },
    /// A value is out of range.
    #[error("invalid setting {key}: {message}")]
    Invalid {
        /// The setting.
        key: &'static str,
        /// What is wrong.
        message: String,
    },
}

/// Values given on the command line (or their environment equivalents, which clap reads).
#[derive(Debug, Default, Clone)]
pub struct Overrides {
    /// `--addr` / `STOA_ADDR`.
    pub addr: Option<String>,
    /// `--database-url` / `STOA_DATABASE_URL`.
    pub database_url: Option<String>,
}

impl Config {
    /// Defaults, then `file`, then the environment, then `overrides`.
    pub fn load(file: Option<&Path>, overrides: &Overrides) -> Result<Config, ConfigError> {
        let mut cfg = match file {
            Some(path) => {
                let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
                    path: path.display().to_string(),
                    source,
                })?;
                toml::from_str(&text).map_err(|e| ConfigError::Parse {
                    path: path.display().to_string(),
                    message: e.to_string(),
                })?
            }
            None => Config::default(),
        };
        cfg.apply_env(|k| std::env::var(k).ok())?;
        if let Some(a) = &overrides.addr {
            cfg.addr = a.clone();
        }
        if let Some(u) = &overrides.database_url {
            cfg.database_url = Secret(u.clone());
        }
        cfg.validate()?;
        Ok(cfg)
    }

    fn apply_env(&mut self, get: impl Fn(&str) -> Option<String>) -> Result<(), ConfigError> {
        if let Some(v) = get("STOA_ADDR") {
            self.addr = v;
        }
        if let Some(v) = get("STOA_DATABASE_URL") {
            self.database_url = Secret(v);
        }
        if let Some(v) = get("STOA_SITE_NAME") {
            self.site_name = v;
        }
        if let Some(v) = get("STOA_LOG_FORMAT") {
            self.log_format = v;
        }
        if let Some(v) = get("STOA_SECURE_COOKIES") {
            self.secure_cookies = parse_bool("STOA_SECURE_COOKIES", &v)?;
        }
        if let Some(v) = get("STOA_METRICS_TOKEN") {
            self.metrics_token = Secret(v);
        }
        if let Some(v) = get("STOA_TRUST_PROXY") {
            self.trust_proxy = parse_bool("STOA_TRUST_PROXY", &v)?;
        }
        if let Some(v) = get("STOA_REQUIRE_TWO_FACTOR_FOR_STAFF") {
            self.require_two_factor_for_staff =
                parse_bool("STOA_REQUIRE_TWO_FACTOR_FOR_STAFF", &v)?;
        }
        if let Some(v) = get("STOA_WEBHOOKS_ALLOW_PRIVATE") {
            self.webhooks_allow_private = parse_bool("STOA_WEBHOOKS_ALLOW_PRIVATE", &v)?;
        }
        if let Some(v) = get("STOA_ASSISTANT_LLM_URL") {
            self.assistant.llm_url = v;
        }
        if let Some(v) = get("STOA_BASE_URL") {
            self.base_url = v;
        }
        if let Some(v) = get("STOA_SMTP_URL") {
            self.smtp.url = Secret(v);
        }
        if let Some(v) = get("STOA_SMTP_FROM") {
            self.smtp.from = v;
        }
        if let Some(v) = get("STOA_MAX_CONNECTIONS") {
            self.max_connections = v.parse().map_err(|_| ConfigError::Invalid {
                key: "STOA_MAX_CONNECTIONS",
                message: format!("{v:?} is not a whole number"),
            })?;
        }
        Ok(())
    }

    fn validate(&self) -> Result<(), ConfigError> {
        for (i, p) in self.oidc.iter().enumerate() {
            let ok_name = !p.name.is_empty()
                && p.name.len() <= 40
                && p.name
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
            if !ok_name || self.oidc[..i].iter().any(|q| q.name == p.name) {
                return Err(ConfigError::Invalid {
                    key: "oidc.name",
                    message: format!(
                        "{:?}: each provider needs its own name of lower-case letters, digits and '-'",
                        p.name
                    ),
                });
            }
            if !(p.issuer.starts_with("https://") || p.issuer.starts_with("http://")) {
                return Err(ConfigError::Invalid {
                    key: "oidc.issuer",
                    message: format!("{:?} is not an http(s) URL", p.issuer),
                });
            }
        }
        if self.addr.parse::<std::net::SocketAddr>().is_err() && !self.addr.contains(':') {
            return Err(ConfigError::Invalid {
                key: "addr",
                message: format!("{:?} is not HOST:PORT", self.addr),
            });
        }
        stoa_app::Backend::from_url(self.database_url.expose()).map_err(|e| {
            ConfigError::Invalid {
                key: "database_url",
                message: e.to_string(),
            }
        })?;
        if !matches!(self.log_format.as_str(), "text" | "json") {
            return Err(ConfigError::Invalid {
                key: "log_format",
                message: "must be \"text\" or \"json\"".into(),
            });
        }
        if self.session_days <= 0 {
            return Err(ConfigError::Invalid {
                key: "session_days",
                message: "must be positive".into(),
            });
        }
        let b = &self.base_url;
        if !(b.is_empty() || b.starts_with("http://") || b.starts_with("https://")) {
            return Err(ConfigError::Invalid {
                key: "base_url",
                message: "must start with http:// or https://".into(),
            });
        }
        let smtp = self.smtp.url.expose();
        if !(smtp.is_empty() || smtp.starts_with("smtp://") || smtp.starts_with("smtps://")) {
            return Err(ConfigError::Invalid {
                key: "smtp.url",
                message: "must start with smtp:// or smtps://".into(),
            });
        }
        if !(1..=365).contains(&self.support.auto_close_days) {
            return Err(ConfigError::Invalid {
                key: "support.auto_close_days",
                message: "must be 1 to 365".into(),
            });
        }
        if self.smtp.daily_cap < 0 {
            return Err(ConfigError::Invalid {
                key: "smtp.daily_cap",
                message: "must not be negative".into(),
            });
        }
        if self.jobs.batch <= 0 || self.jobs.retry_base_secs <= 0 || self.jobs.lease_secs < 3 {
            return Err(ConfigError::Invalid {
                key: "jobs",
                message: "batch and retry_base_secs must be positive, lease_secs at least 3".into(),
            });
        }
        let llm = &self.assistant.llm_url;
        let parsed = reqwest::Url::parse(llm);
        let usable = parsed.as_ref().is_ok_and(|u| {
            matches!(u.scheme(), "http" | "https") && u.host_str().is_some_and(|h| !h.is_empty())
        });
        if !llm.is_empty() && !usable {
            return Err(ConfigError::Invalid {
                key: "assistant.llm_url",
                message:
                    "must be an http:// or https:// URL (e.g. http://127.0.0.1:8080/v1), or empty"
                        .into(),
            });
        }
        if self.assistant.llm_timeout_secs == 0 || self.assistant.llm_model.trim().is_empty() {
            return Err(ConfigError::Invalid {
                key: "assistant",
                message: "llm_timeout_secs must be positive and llm_model not empty".into(),
            });
        }
        for (key, l) in [
            ("rate_limits.login_per_ip", self.rate_limits.login_per_ip),
            (
                "rate_limits.login_failures_per_account",
                self.rate_limits.login_failures_per_account,
            ),
            ("rate_limits.signup_per_ip", self.rate_limits.signup_per_ip),
            ("rate_limits.per_token", self.rate_limits.per_token),
            (
                "rate_limits.assistant_per_ip",
                self.rate_limits.assistant_per_ip,
            ),
        ] {
            if l.max <= 0 || l.window_secs <= 0 {
                return Err(ConfigError::Invalid {
                    key,
                    message: "max and window_secs must be positive".into(),
                });
            }
        }
        Ok(())
    }

    /// The database connections per process: `max_connections`, or when it is 0 the automatic
    /// size for the configured backend.
    pub fn connections(&self) -> u32 {
        if self.max_connections > 0 {
            return self.max_connections;
        }
        match stoa_app::Backend::from_url(self.database_url.expose()) {
            Ok(backend) => automatic_connections(backend),
            Err(_) => automatic_connections(stoa_app::Backend::Sqlite),
        }
    }

    /// The settings of the use-case layer.
    pub fn app_settings(&self) -> stoa_app::AppSettings {
        stoa_app::AppSettings {
            session_ttl_secs: self.session_days * 86_400,
            limits: stoa_app::Limits {
                login_per_ip: self.rate_limits.login_per_ip.into(),
                login_failures_per_account: self.rate_limits.login_failures_per_account.into(),
                signup_per_ip: self.rate_limits.signup_per_ip.into(),
                per_token: self.rate_limits.per_token.into(),
                assistant_per_ip: self.rate_limits.assistant_per_ip.into(),
            },
            base_url: self.base_url(),
            site_name: self.site_name.clone(),
            mail_daily_cap: self.smtp.daily_cap,
            auto_close_days: self.support.auto_close_days,
            require_two_factor_for_staff: self.require_two_factor_for_staff,
            webhooks_allow_private: self.webhooks_allow_private,
        }
    }

    /// The public address: `base_url`, or `http://` + `addr`.
    pub fn base_url(&self) -> String {
        if self.base_url.is_empty() {
            format!("http://{}", self.addr)
        } else {
            self.base_url.trim_end_matches('/').to_string()
        }
    }

    /// The worker's settings.
    pub fn worker_settings(&self) -> stoa_jobs::WorkerSettings {
        stoa_jobs::WorkerSettings {
            poll: std::time::Duration::from_millis(self.jobs.poll_ms.max(10)),
            lease_secs: self.jobs.lease_secs,
            batch: self.jobs.batch,
            retry_base_secs: self.jobs.retry_base_secs,
            ..Default::default()
        }
    }

    /// The settings of the web layer.
    pub fn web_settings(&self) -> stoa_web::WebSettings {
        stoa_web::WebSettings {
            site_name: self.site_name.clone(),
            content_license: self.content_license.clone(),
            secure_cookies: self.secure_cookies,
            trust_proxy: self.trust_proxy,
            metrics_token: self.metrics_token.expose().to_string(),
        }
    }

    /// The single sign-on providers, as the protocol crate takes them.
    pub fn sso_providers(&self) -> Vec<stoa_sso::ProviderConfig> {
        self.oidc
            .iter()
            .map(|p| stoa_sso::ProviderConfig {
                name: p.name.clone(),
                label: p.label.clone(),
                issuer: p.issuer.clone(),
                client_id: p.client_id.clone(),
                client_secret: p.client_secret.expose().to_string(),
                scopes: p.scopes.clone(),
            })
            .collect()
    }

    /// The default configuration as a commented TOML file, for `stoa config default`.
    pub fn default_toml() -> String {
        let body = toml::to_string_pretty(&Config::default()).unwrap_or_default();
        format!(
            "# Stoa configuration. Every key is optional; environment variables (STOA_ADDR,\n\
             # STOA_DATABASE_URL, STOA_SITE_NAME, STOA_LOG_FORMAT, STOA_SECURE_COOKIES,\n\
             # STOA_TRUST_PROXY, STOA_MAX_CONNECTIONS, STOA_BASE_URL, STOA_SMTP_URL, STOA_SMTP_FROM,\n\
             # STOA_METRICS_TOKEN, STOA_REQUIRE_TWO_FACTOR_FOR_STAFF, STOA_WEBHOOKS_ALLOW_PRIVATE)\n\
             # override the file, and flags override both. An empty smtp.url sends no e-mail.\n\
             # max_connections = 0 chooses by backend: 2 per core on SQLite, 4 per core on PostgreSQL.\n\n{body}"
        )
    }
}

fn parse_bool(key: &'static str, v: &str) -> Result<bool, ConfigError> {
    match v.to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Ok(true),
        "0" | "false" | "no" | "off" => Ok(false),
        _ => Err(ConfigError::Invalid {
            key,
            message: format!("{v:?} is not true or false"),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pool_size_is_chosen_by_backend_unless_set() {
        let mut cfg = Config::default();
        assert_eq!(cfg.max_connections, 0);
        assert!((4..=16).contains(&cfg.connections()));
        cfg.database_url = Secret("postgres://stoa@localhost/stoa".into());
        assert!((8..=32).contains(&cfg.connections()));
        assert!(cfg.connections() >= Config::default().connections());
        cfg.max_connections = 3;
        assert_eq!(cfg.connections(), 3);
    }

    #[test]
    fn layering() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("stoa.toml");
        std::fs::write(&file, "addr = \"0.0.0.0:9000\"\nsite_name = \"Help\"\n[rate_limits.login_per_ip]\nmax = 3\nwindow_secs = 60\n").unwrap();
        let cfg = Config::load(Some(&file), &Overrides::default()).unwrap();
        assert_eq!(cfg.site_name, "Help");
        assert_eq!(cfg.rate_limits.login_per_ip.max, 3);
        let mut cfg2 = cfg.clone();
        cfg2.apply_env(|k| (k == "STOA_SITE_NAME").then(|| "Env".to_string()))
            .unwrap();
        assert_eq!(cfg2.site_name, "Env");
        let cfg3 = Config::load(
            Some(&file),
            &Overrides {
                addr: Some("127.0.0.1:1".into()),
                database_url: None,
            },
        )
        .unwrap();
        assert_eq!(cfg3.addr, "127.0.0.1:1");
    }

    #[test]
    fn rejects_unknown_keys_and_bad_values() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("stoa.toml");
        std::fs::write(&file, "adress = \"x\"\n").unwrap();
        assert!(matches!(
            Config::load(Some(&file), &Overrides::default()),
            Err(ConfigError::Parse { .. })
        ));
        let bad = Overrides {
            addr: None,
            database_url: Some("mysql://x".into()),
        };
        assert!(matches!(
            Config::load(None, &bad),
            Err(ConfigError::Invalid { .. })
        ));
        assert!(Config::load(
            Some(&dir.path().join("missing.toml")),
            &Overrides::default()
        )
        .is_err());
    }

    #[test]
    fn the_language_model_is_off_by_default_and_checked_when_set() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("stoa.toml");
        let cfg = Config::load(None, &Overrides::default()).unwrap();
        assert!(cfg.assistant.llm_url.is_empty());
        std::fs::write(
            &file,
            "[assistant]\nllm_url = \"http://127.0.0.1:8080/v1\"\n",
        )
        .unwrap();
        let cfg = Config::load(Some(&file), &Overrides::default()).unwrap();
        assert_eq!(cfg.assistant.llm_url, "http://127.0.0.1:8080/v1");
        assert_eq!(cfg.assistant.llm_timeout_secs, 20);
        for bad in [
            "[assistant]\nllm_url = \"127.0.0.1:8080\"\n",
            "[assistant]\nllm_url = \"http://\"\n",
            "[assistant]\nllm_url = \"http://bad host/v1\"\n",
            "[assistant]\nllm_url = \"http://x/v1\"\nllm_timeout_secs = 0\n",
        ] {
            std::fs::write(&file, bad).unwrap();
            assert!(
                matches!(
                    Config::load(Some(&file), &Overrides::default()),
                    Err(ConfigError::Invalid { .. })
                ),
                "{bad}"
            );
        }
    }

    #[test]
    fn secrets_do_not_print() {
        let s = Secret("postgres://stoa:hunter2@db/stoa".into());
        assert_eq!(format!("{s:?}"), "postgres://***@db/stoa");
    }

    #[test]
    fn default_file_parses_back() {
        let text = Config::default_toml();
        let cfg: Config = toml::from_str(&text).unwrap();
        assert_eq!(cfg.addr, "127.0.0.1:8080");
    }

    #[test]
    fn the_webhook_guard_is_on_unless_turned_off() {
        let mut cfg = Config::default();
        assert!(!cfg.app_settings().webhooks_allow_private);
        let on: Config = toml::from_str("webhooks_allow_private = true").unwrap();
        assert!(on.app_settings().webhooks_allow_private);
        cfg.apply_env(|k| (k == "STOA_WEBHOOKS_ALLOW_PRIVATE").then(|| "true".to_string()))
            .unwrap();
        assert!(cfg.webhooks_allow_private);
        assert!(cfg
            .apply_env(|k| (k == "STOA_WEBHOOKS_ALLOW_PRIVATE").then(|| "maybe".to_string()))
            .is_err());
    }
}
