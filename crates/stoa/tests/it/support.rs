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
