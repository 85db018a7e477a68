//! Test harness: a fresh database per test on the engine its `story!` runs it on (SQLite: a
//! temporary file; PostgreSQL: a fresh schema in the database `RELASI_TEST_DATABASE_URL` names,
//! dropped when the test ends), and a server bound to port 0.

use relasi::api::{AppState, Config};
use relasi::domain::auth::{ApiTokenSecret, Area, Grant, Role};
use relasi::domain::ids::MerchantId;
use relasi::domain::programme::ProgrammeSettings;
use relasi::domain::wilayah::WilayahCode;
use relasi::store::{Backend, Store, TokenOptions};
use relasi_token::DeploymentId;

/// The environment variable that names the PostgreSQL database the stories also run on.
pub const TEST_DB_ENV: &str = "RELASI_TEST_DATABASE_URL";

tokio::task_local! {
    /// The engine of the story running on this task (set by `story!`).
    static ENGINE: Backend;
}

/// Runs a story on `engine`. A PostgreSQL story without `RELASI_TEST_DATABASE_URL` is skipped
/// (and says so); `.ci/run` always sets it and checks that both engines ran the same tests.
pub async fn on_engine(engine: Backend, story: impl Future<Output = ()>) {
    if engine == Backend::Postgres && postgres_url().is_none() {
        // CI must never count a skipped story as a PostgreSQL pass.
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "{TEST_DB_ENV} must be set in CI"
        );
        eprintln!("skipped on PostgreSQL: {TEST_DB_ENV} is not set");
        return;
    }
    ENGINE.scope(engine, story).await;
}

fn postgres_url() -> Option<String> {
    std::env::var(TEST_DB_ENV).ok().filter(|u| !u.is_empty())
}

pub use crate::support::{RawDb, TestDb};

/// A fresh, empty database on the story's engine (panics if PostgreSQL is asked for and
/// unreachable).
pub async fn test_db() -> TestDb {
    let engine = ENGINE
        .try_with(|e| *e)
        .expect("a test database is made inside a story! test");
    TestDb::create(engine, postgres_url()).await
}

/// A running server over a fresh database holding the Pasuruan wilayah and programme 1.
pub struct TestApp {
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    /// HTTP client.
    pub http: reqwest::Client,
    /// The server's store.
    pub store: Store,
    /// The database.
    pub db: TestDb,
    /// An admin bearer token.
    pub admin: String,
    /// The server's signing-key directory (empty until `generate_key`).
    pub key_dir: tempfile::TempDir,
}

/// The server with default limits.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(Config::default()).await
}

/// The server with the given limits.
pub async fn spawn_app_with(config: Config) -> TestApp {
    spawn_app_full(config, ProgrammeSettings::default()).await
}

/// An HTTP client. The merchant client brings reqwest's rustls without a built-in crypto
/// provider (it uses ring), so whoever builds a reqwest client in this build installs it first.
pub fn http_client() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::new()
}

/// The server with the given limits, its programme 1 with the given settings.
pub async fn spawn_app_full(config: Config, settings: ProgrammeSettings) -> TestApp {
    spawn_app_over(test_db().await, config, settings).await
}

/// The server over a database of the test's own choosing (a throwaway PostgreSQL cluster).
pub async fn spawn_app_over(
    db: TestDb,
    mut config: Config,
    settings: ProgrammeSettings,
) -> TestApp {
    let key_dir = tempfile::tempdir().unwrap();
    config.key_dir = key_dir.path().join("keys");
    let store = db.store().await;
    let deployment = store
        .init_deployment(&DeploymentId::parse("test-35.14").unwrap())
        .await
        .unwrap();
    crate::support::seed_pasuruan(&store).await;
    store
        .create_programme(1, "Program Uji", 2026, &settings, "test")
        .await
        .unwrap();
    let base = crate::support::serve(AppState::new(store.clone(), config, deployment)).await;
    let mut app = TestApp {
        base,
        http: http_client(),
        store,
        db,
        admin: String::new(),
        key_dir,
    };
    app.admin = app.token(Role::Admin).await;
    app
}

impl TestApp {
    /// A fresh bearer token for a non-merchant role, for the whole district; a kader's is bound
    /// to Desa Ampelsari (35.14.05.2007), as a kader always is to some desa.
    pub async fn token(&self, role: Role) -> String {
        let area: &[&str] = if role == Role::Kader {
            &["35.14.05.2007"]
        } else {
            &[]
        };
        self.token_in(role, area).await
    }

    /// A fresh bearer token for a non-merchant role bound to these wilayah codes.
    pub async fn token_in(&self, role: Role, codes: &[&str]) -> String {
        let codes = codes
            .iter()
            .map(|c| WilayahCode::parse(c).unwrap())
            .collect();
        self.create_token(Grant::new(role, None, Area::of(codes).unwrap()).unwrap())
            .await
    }

    /// A fresh bearer token for a shop.
    pub async fn merchant_token(&self, merchant: MerchantId) -> String {
        self.create_token(Grant::new(Role::Merchant, Some(merchant), Area::everywhere()).unwrap())
            .await
    }

    async fn create_token(&self, grant: Grant) -> String {
        let secret = ApiTokenSecret::from_random(rand::random());
        let options = TokenOptions {
            label: "test".to_owned(),
            ..TokenOptions::default()
        };
        self.store
            .create_token(&secret, &grant, &options, "test")
            .await
            .unwrap();
        secret.expose().to_owned()
    }

    /// The server's key directory.
    pub fn keys_path(&self) -> std::path::PathBuf {
        self.key_dir.path().join("keys")
    }

    /// Generates and publishes the first signing key.
    pub async fn generate_key(&self) {
        let public = relasi::signing::generate(&self.keys_path()).unwrap();
        self.store.add_signing_key(public, "test").await.unwrap();
    }

    /// The published keys as the merchant client reads them.
    pub async fn keyring(&self) -> relasi_merchant::Keyring {
        let text = self
            .http
            .get(self.url("/v1/keys"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        relasi_merchant::Keyring::from_json(&text).unwrap()
    }

    /// Full URL of a path.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// POST JSON with a bearer token.
    pub async fn post(
        &self,
        path: &str,
        token: &str,
        body: &serde_json::Value,
    ) -> reqwest::Response {
        self.http
            .post(self.url(path))
            .bearer_auth(token)
            .json(body)
            .send()
            .await
            .unwrap()
    }

    /// Imports a registry CSV as the admin (changes effective 1 January 2026); it must succeed.
    pub async fn import_csv(&self, csv: String) {
        let res = self
            .http
            .post(self.url("/v1/households/import?effective=2026-01-01"))
            .bearer_auth(&self.admin)
            .header("content-type", "text/csv")
            .body(csv)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    }

    /// GET without a token, as JSON.
    pub async fn get_public(&self, path: &str) -> serde_json::Value {
        self.http
            .get(self.url(path))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    /// GET with a bearer token.
    pub async fn get(&self, path: &str, token: &str) -> reqwest::Response {
        self.http
            .get(self.url(path))
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
    }

    /// Registers a shop in Sibon serving Kecamatan Pasrepan; returns its id.
    pub async fn merchant(&self, name: &str) -> MerchantId {
        let res = self
            .post(
                "/v1/merchants",
                &self.admin,
                &serde_json::json!({ "name": name, "kode_desa": "35.14.05.2005", "service_area": ["35.14.05"] }),
            )
            .await;
        assert_eq!(res.status(), 201);
        let body: serde_json::Value = res.json().await.unwrap();
        MerchantId(body["id"].as_i64().unwrap())
    }
}

/// Asserts a response is problem+json with this status and code; returns the body.
pub async fn assert_problem(res: reqwest::Response, status: u16, code: &str) -> serde_json::Value {
    assert_eq!(res.status().as_u16(), status, "status");
    let content_type = res
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned());
    assert_eq!(content_type.as_deref(), Some("application/problem+json"));
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["code"], code, "{body}");
    assert_eq!(body["status"], status);
    assert!(body["title"].is_string() && body["title_en"].is_string());
    body
}

/// A second server over the same database (two instances behind one load balancer).
pub async fn second_instance(app: &TestApp) -> String {
    let config = Config {
        key_dir: app.keys_path(),
        ..Config::default()
    };
    crate::support::serve_db(&app.db, config).await
}
