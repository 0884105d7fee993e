//! Starting a fresh Stoa per test, on either backend.

use serde_json::{json, Value};
use sqlx::AnyPool;
use stoa::config::{Config, Secret};
use stoa::server::Running;

/// Which database a test runs against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Sqlite,
    Postgres,
}

/// A running Stoa and what a test needs to talk to it.
pub struct TestApp {
    pub base: String,
    pub client: reqwest::Client,
    pub db_url: String,
    pub cfg: Config,
    running: Option<Running>,
    _dir: tempfile::TempDir,
}

/// A second server on a test's database.
pub struct Peer {
    pub base: String,
    _running: Running,
}

impl Peer {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }
}

/// Generates `sqlite` and `postgres` variants of an `async fn(TestApp)` test.
#[macro_export]
macro_rules! both {
    ($($name:ident),* $(,)?) => {
        $(
            mod $name {
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    let t = $crate::support::spawn($crate::support::Kind::Sqlite, |_| {}).await.expect("sqlite");
                    super::$name(t).await;
                }
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    if let Some(t) = $crate::support::spawn($crate::support::Kind::Postgres, |_| {}).await {
                        super::$name(t).await;
                    }
                }
            }
        )*
    };
}

/// The PostgreSQL server URL for tests, if configured. On CI it must be.
pub fn postgres_url() -> Option<String> {
    match std::env::var("STOA_TEST_POSTGRES_URL") {
        Ok(u) if !u.is_empty() => Some(u),
        _ => {
            assert!(
                std::env::var("CI").is_err(),
                "CI must set STOA_TEST_POSTGRES_URL so PostgreSQL is tested"
            );
            None
        }
    }
}

/// A fresh, empty database URL of the given kind (None: PostgreSQL not configured).
pub async fn fresh_database(kind: Kind, dir: &std::path::Path) -> Option<String> {
    match kind {
        Kind::Sqlite => Some(format!("sqlite://{}", dir.join("stoa.db").display())),
        Kind::Postgres => {
            let server = postgres_url()?;
            sqlx::any::install_default_drivers();
            let admin = AnyPool::connect(&server)
                .await
                .expect("connect to test PostgreSQL");
            let name = format!(
                "stoa_t_{}",
                stoa_app::new_token("").get(..16).unwrap_or("x")
            );
            sqlx::query(&format!("CREATE DATABASE {name}"))
                .execute(&admin)
                .await
                .expect("create db");
            admin.close().await;
            let base = match server.rfind('/') {
                Some(i) if server[..i].contains("//") && i > server.find("//").unwrap() + 1 => {
                    &server[..i]
                }
                _ => server.as_str(),
            };
            Some(format!("{base}/{name}"))
        }
    }
}

/// Starts Stoa on a fresh database; `tweak` adjusts the configuration first.
pub async fn spawn(kind: Kind, tweak: impl FnOnce(&mut Config)) -> Option<TestApp> {
    let dir = tempfile::tempdir().expect("tempdir");
    let db_url = fresh_database(kind, dir.path()).await?;
    let mut cfg = Config {
        addr: "127.0.0.1:0".into(),
        database_url: Secret(db_url.clone()),
        max_connections: 4,
        ..Config::default()
    };
    // Tests wait for background jobs: look often, retry soon.
    cfg.jobs.poll_ms = 50;
    cfg.jobs.retry_base_secs = 1;
    tweak(&mut cfg);
    let running = stoa::server::start(&cfg).await.expect("server starts");
    let base = format!("http://{}", running.addr);
    Some(TestApp {
        base,
        client: client(),
        db_url,
        cfg,
        running: Some(running),
        _dir: dir,
    })
}

/// An HTTP client that keeps cookies and does not follow redirects (tests check them).
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// Stops the server (`restart` starts it again).
    pub async fn stop(&mut self) {
        if let Some(r) = self.running.take() {
            r.shutdown().await.expect("clean shutdown");
        }
    }

    /// Stops the server and starts a new one on the same database.
    pub async fn restart(&mut self) {
        if let Some(r) = self.running.take() {
            r.shutdown().await.expect("clean shutdown");
        }
        let mut cfg = self.cfg.clone();
        cfg.addr = "127.0.0.1:0".into();
        let running = stoa::server::start(&cfg).await.expect("server restarts");
        self.base = format!("http://{}", running.addr);
        self.running = Some(running);
    }

    /// Another server on the same database, as a second process would be: its own caches,
    /// its own connections. Stopped when dropped with the test.
    pub async fn peer(&self) -> Peer {
        let mut cfg = self.cfg.clone();
        cfg.addr = "127.0.0.1:0".into();
        let running = stoa::server::start(&cfg).await.expect("peer starts");
        Peer {
            base: format!("http://{}", running.addr),
            _running: running,
        }
    }

    /// A direct connection to the test database, for checking what is stored.
    pub async fn db(&self) -> AnyPool {
        sqlx::any::install_default_drivers();
        AnyPool::connect(&self.db_url)
            .await
            .expect("connect test db")
    }

    pub async fn post_json(&self, path: &str, token: Option<&str>, body: Value) -> (u16, Value) {
        let mut req = self.client.post(self.url(path)).json(&body);
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        let res = req.send().await.expect("request");
        let status = res.status().as_u16();
        (status, res.json().await.unwrap_or(Value::Null))
    }

    pub async fn get_json(&self, path: &str, token: Option<&str>) -> (u16, Value) {
        let mut req = self.client.get(self.url(path));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        let res = req.send().await.expect("request");
        let status = res.status().as_u16();
        (status, res.json().await.unwrap_or(Value::Null))
    }

    /// Any method with an optional JSON body; the status and the JSON answer.
    pub async fn send_json(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> (u16, Value) {
        let mut req = self
            .client
            .request(method.parse().expect("method"), self.url(path));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        let res = req.send().await.expect("request");
        let status = res.status().as_u16();
        (status, res.json().await.unwrap_or(Value::Null))
    }

    /// Signs up through the API and returns (user id, token).
    pub async fn signup(&self, username: &str) -> (i64, String) {
        let (status, body) = self
            .post_json(
                "/api/v1/auth/signup",
                None,
                json!({"username": username, "email": format!("{username}@example.com"), "password": "correct horse battery"}),
            )
            .await;
        assert_eq!(status, 201, "signup of {username}: {body}");
        (
            body["user"]["id"].as_i64().expect("id"),
            body["token"].as_str().expect("token").to_string(),
        )
    }

    /// Counts rows of a table.
    pub async fn count(&self, table: &str) -> i64 {
        let pool = self.db().await;
        let n: (i64,) = sqlx::query_as(&format!("SELECT COUNT(*) FROM {table}"))
            .fetch_one(&pool)
            .await
            .expect("count");
        pool.close().await;
        n.0
    }
}

/// Asserts an API error body has the documented shape and code.
pub fn assert_error(body: &Value, code: &str) {
    assert_eq!(body["error"]["code"], code, "unexpected error body: {body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty()),
        "error without message: {body}"
    );
}

/// The value of the hidden CSRF field in a page.
pub fn csrf_of(html: &str) -> String {
    let marker = "name=\"csrf_token\" value=\"";
    let start = html.find(marker).expect("page has a CSRF field") + marker.len();
    html[start..start + 64].to_string()
}

/// A real SMTP server (`scripts/smtp-sink.py`, aiosmtpd) that writes each message it accepts to
/// a folder.
pub struct SmtpSink {
    pub port: u16,
    dir: tempfile::TempDir,
    child: std::process::Child,
}

/// A free TCP port on loopback (bound, then released).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl SmtpSink {
    /// Starts a sink on a free port.
    pub fn start() -> SmtpSink {
        SmtpSink::start_on(free_port())
    }

    /// Starts a sink on `port` and waits until it listens.
    pub fn start_on(port: u16) -> SmtpSink {
        use std::io::BufRead;
        let dir = tempfile::tempdir().unwrap();
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../../scripts/smtp-sink.py");
        let mut child = std::process::Command::new("/usr/bin/python3")
            .arg(script)
            .arg("--port")
            .arg(port.to_string())
            .arg("--dir")
            .arg(dir.path())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("start scripts/smtp-sink.py (needs Debian's python3-aiosmtpd)");
        let mut line = String::new();
        std::io::BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        assert_eq!(line.trim(), "ready", "SMTP sink did not start");
        SmtpSink { port, dir, child }
    }

    /// The URL Stoa sends to.
    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// Every message received so far, oldest first, as raw text.
    pub fn messages(&self) -> Vec<String> {
        let mut names: Vec<_> = std::fs::read_dir(self.dir.path())
            .unwrap()
            .filter_map(|e| e.ok())
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "eml"))
            .collect();
        names.sort();
        names
            .iter()
            .map(|p| std::fs::read_to_string(p).unwrap())
            .collect()
    }

    /// Waits until at least `n` messages arrived (or fails after `secs`).
    pub async fn wait_for(&self, n: usize, secs: u64) -> Vec<String> {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(secs);
        loop {
            let m = self.messages();
            if m.len() >= n {
                return m;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "expected {n} messages, got {}: {m:#?}",
                m.len()
            );
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    }

    /// Messages to one address.
    pub fn messages_to(&self, address: &str) -> Vec<String> {
        self.messages()
            .into_iter()
            .filter(|m| m.starts_with(&format!("X-Envelope-To: {address}")))
            .collect()
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A header's value in a raw message (first occurrence, unfolded).
pub fn header(raw: &str, name: &str) -> Option<String> {
    let head = raw.split("\r\n\r\n").next().unwrap_or(raw);
    let mut lines = head.split("\r\n").peekable();
    let prefix = format!("{}:", name.to_ascii_lowercase());
    while let Some(l) = lines.next() {
        if l.to_ascii_lowercase().starts_with(&prefix) {
            let mut v = l[prefix.len()..].trim().to_string();
            while let Some(next) = lines.peek() {
                if next.starts_with(' ') || next.starts_with('\t') {
                    v.push(' ');
                    v.push_str(next.trim());
                    lines.next();
                } else {
                    break;
                }
            }
            return Some(v);
        }
    }
    None
}

/// The decoded text of a message's parts (quoted-printable soft breaks joined).
pub fn body_text(raw: &str) -> String {
    raw.replace("=\r\n", "").replace("=3D", "=")
}

/// The first URL in a message that contains `needle`.
pub fn link_with(raw: &str, needle: &str) -> Option<String> {
    let text = body_text(raw);
    text.split(|c: char| c.is_whitespace() || c == '"' || c == '<' || c == '>')
        .find(|w| w.starts_with("http") && w.contains(needle))
        .map(str::to_string)
}

impl TestApp {
    /// Waits until no job is ready or running (background work settled).
    pub async fn settle(&self) {
        let pool = self.db().await;
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        loop {
            let now = stoa_app::now();
            let (n,): (i64,) = sqlx::query_as(
                "SELECT COUNT(*) FROM jobs WHERE done_at IS NULL AND dead_at IS NULL AND run_at <= $1",
            )
            .bind(now)
            .fetch_one(&pool)
            .await
            .unwrap();
            if n == 0 {
                break;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "{n} jobs never finished"
            );
            tokio::time::sleep(std::time::Duration::from_millis(30)).await;
        }
        pool.close().await;
    }

    /// Marks a user's address confirmed, as the confirmation link would.
    pub async fn confirm(&self, user_id: i64) {
        let pool = self.db().await;
        sqlx::query("UPDATE users SET email_confirmed_at = 1 WHERE id = $1")
            .bind(user_id)
            .execute(&pool)
            .await
            .unwrap();
        pool.close().await;
    }

    /// Makes every account `days` older, as in an established community (privileges of trust
    /// also need the account to be two days old).
    pub async fn age_accounts(&self, days: i64) {
        let pool = self.db().await;
        sqlx::query("UPDATE users SET created_at = created_at - $1")
            .bind(days * 86_400)
            .execute(&pool)
            .await
            .unwrap();
        pool.close().await;
    }

    /// Lifts the per-user and per-address write limits through the governance settings (as
    /// the admin `admin_token`), for tests that write more than one account may in a minute.
    pub async fn lift_write_limits(&self, admin_token: &str) {
        let (_, mut settings) = self.get_json("/api/v1/governance/settings", None).await;
        let mut s = settings["settings"].take();
        for key in ["per_user", "per_ip"] {
            s["limits"][key] = serde_json::json!({"max": 1_000_000, "window_secs": 60});
        }
        let (status, v) = self
            .send_json(
                "PUT",
                "/api/v1/governance/settings",
                Some(admin_token),
                Some(s),
            )
            .await;
        assert_eq!(status, 200, "{v}");
    }

    /// Makes a user an admin.
    pub async fn make_admin(&self, user_id: i64) {
        self.set_role(user_id, "admin").await;
    }

    /// Gives a user an office (`member`, `agent`, `moderator`, `admin`).
    pub async fn set_role(&self, user_id: i64, role: &str) {
        let pool = self.db().await;
        sqlx::query("UPDATE users SET role = $2 WHERE id = $1")
            .bind(user_id)
            .bind(role)
            .execute(&pool)
            .await
            .unwrap();
        pool.close().await;
    }

    /// A browser-like client logged in as `name` through the log-in form, with the CSRF token
    /// of its forms.
    pub async fn browser(&self, name: &str) -> (reqwest::Client, String) {
        let c = client();
        let page = c
            .get(self.url("/login"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let csrf = csrf_of(&page);
        let res = c
            .post(self.url("/login"))
            .form(&[
                ("csrf_token", csrf.as_str()),
                ("login", name),
                ("password", "correct horse battery"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 303, "log-in of {name}");
        // Form tokens are bound to the session: read one from a page of the new session.
        let page = c
            .get(self.url("/notifications"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        (c, csrf_of(&page))
    }
}
