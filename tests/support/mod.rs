//! What the integration tests and the benches share (each includes this folder with
//! `#[path]`): a fresh database on either engine that is dropped when it ends, the Pasuruan
//! wilayah, and a server on port 0.
#![allow(dead_code)] // each including crate uses a part
#![allow(clippy::unwrap_used, clippy::expect_used)] // a panic here fails the test or bench

use relasi::api::{AppState, Config, app};
use relasi::store::{Backend, PoolSettings, Store};
use std::sync::atomic::{AtomicU64, Ordering};

/// A database that exists for one test or bench run.
pub struct TestDb {
    /// URL that reaches it (also usable by the CLI).
    pub url: String,
    /// Which engine.
    pub backend: Backend,
    /// The PostgreSQL database it lives in (for pgbench and psql), when on PostgreSQL.
    pub pg_base: Option<String>,
    _dir: Option<tempfile::TempDir>,
    _schema: Option<SchemaGuard>,
}

/// Drops a PostgreSQL schema when its test ends, pass or fail (as atuin's test databases do),
/// so a run leaves nothing behind in the database it was given.
struct SchemaGuard {
    base: String,
    schema: String,
}

impl Drop for SchemaGuard {
    fn drop(&mut self) {
        let (base, schema) = (self.base.clone(), self.schema.clone());
        // Drop runs inside the test's runtime, which cannot block on itself: use a thread with
        // its own. Connections still open on the schema do not stop `drop schema`; a lock held
        // by a task still running would, so the wait is bounded and a failure only leaves a
        // schema behind (`.ci/run` drops its whole database anyway).
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .ok()?;
            runtime.block_on(async {
                use sqlx::Connection;
                let mut admin = sqlx::PgConnection::connect(&base).await.ok()?;
                sqlx::query("set lock_timeout = '5s'")
                    .execute(&mut admin)
                    .await
                    .ok()?;
                let sql = format!("drop schema if exists {schema} cascade");
                let done = sqlx::query(sqlx::AssertSqlSafe(sql))
                    .execute(&mut admin)
                    .await
                    .ok();
                let _ = admin.close().await;
                done
            })
        })
        .join();
        if !matches!(dropped, Ok(Some(_))) {
            eprintln!("test schema {} was left behind", self.schema);
        }
    }
}

fn unique_name(prefix: &str) -> String {
    static N: AtomicU64 = AtomicU64::new(0);
    format!(
        "{prefix}_{}_{}_{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed),
        rand::random::<u32>()
    )
}

impl TestDb {
    /// A fresh, empty database on `backend`: a temporary SQLite file, or a new schema in the
    /// PostgreSQL database `pg_base` names. Panics if PostgreSQL is asked for and unreachable:
    /// a PostgreSQL run must never quietly use SQLite instead.
    pub async fn create(backend: Backend, pg_base: Option<String>) -> TestDb {
        match backend {
            Backend::Postgres => {
                let base = pg_base.expect("a PostgreSQL database needs its URL");
                assert!(base.starts_with("postgres"), "not a postgres:// URL");
                let schema = unique_name("t");
                let admin = sqlx::PgPool::connect(&base)
                    .await
                    .unwrap_or_else(|e| panic!("PostgreSQL is unreachable: {e}"));
                sqlx::query(sqlx::AssertSqlSafe(format!("create schema {schema}")))
                    .execute(&admin)
                    .await
                    .unwrap();
                admin.close().await;
                let sep = if base.contains('?') { '&' } else { '?' };
                TestDb {
                    url: format!("{base}{sep}options[search_path]={schema}"),
                    backend,
                    pg_base: Some(base.clone()),
                    _dir: None,
                    _schema: Some(SchemaGuard { base, schema }),
                }
            }
            Backend::Sqlite => {
                let dir = tempfile::tempdir().unwrap();
                TestDb {
                    url: format!("sqlite://{}/test.db", dir.path().display()),
                    backend,
                    pg_base: None,
                    _dir: Some(dir),
                    _schema: None,
                }
            }
        }
    }

    /// A migrated store over this database.
    pub async fn store(&self) -> Store {
        let store = Store::connect(&self.url, PoolSettings::default())
            .await
            .unwrap();
        store.migrate().await.unwrap();
        store
    }
}

impl TestDb {
    /// A raw connection pool, for tests that must go around the store (tampering, constraints).
    pub async fn raw(&self) -> RawDb {
        match self.backend {
            Backend::Postgres => RawDb::Postgres(sqlx::PgPool::connect(&self.url).await.unwrap()),
            Backend::Sqlite => {
                let options =
                    <sqlx::sqlite::SqliteConnectOptions as std::str::FromStr>::from_str(&self.url)
                        .unwrap()
                        .create_if_missing(true);
                RawDb::Sqlite(sqlx::SqlitePool::connect_with(options).await.unwrap())
            }
        }
    }
}

/// Direct SQL access for tests.
pub enum RawDb {
    Postgres(sqlx::PgPool),
    Sqlite(sqlx::SqlitePool),
}

impl RawDb {
    /// Runs a statement; returns the rows affected or the database's refusal.
    pub async fn execute(&self, sql: &'static str) -> Result<u64, sqlx::Error> {
        match self {
            RawDb::Postgres(p) => sqlx::query(sql).execute(p).await.map(|r| r.rows_affected()),
            RawDb::Sqlite(p) => sqlx::query(sql).execute(p).await.map(|r| r.rows_affected()),
        }
    }

    /// Runs a statement built at run time (test fixtures only).
    pub async fn execute_owned(&self, sql: String) -> Result<u64, sqlx::Error> {
        let sql = sqlx::AssertSqlSafe(sql);
        match self {
            RawDb::Postgres(p) => sqlx::query(sql).execute(p).await.map(|r| r.rows_affected()),
            RawDb::Sqlite(p) => sqlx::query(sql).execute(p).await.map(|r| r.rows_affected()),
        }
    }

    /// Runs several statements on one connection (PostgreSQL only: session state such as
    /// temporary tables must be seen by the statements that follow).
    pub async fn postgres_script(&self, sql: &'static str) -> Result<(), sqlx::Error> {
        match self {
            RawDb::Postgres(p) => sqlx::raw_sql(sql).execute(p).await.map(|_| ()),
            RawDb::Sqlite(_) => panic!("a PostgreSQL-only script"),
        }
    }

    /// One text column of every row.
    pub async fn texts(&self, sql: &'static str) -> Vec<String> {
        match self {
            RawDb::Postgres(p) => sqlx::query_scalar(sql).fetch_all(p).await.unwrap(),
            RawDb::Sqlite(p) => sqlx::query_scalar(sql).fetch_all(p).await.unwrap(),
        }
    }

    /// One integer.
    pub async fn scalar(&self, sql: &'static str) -> i64 {
        match self {
            RawDb::Postgres(p) => sqlx::query_scalar(sql).fetch_one(p).await.unwrap(),
            RawDb::Sqlite(p) => sqlx::query_scalar(sql).fetch_one(p).await.unwrap(),
        }
    }
}

/// Loads the real wilayah codes of Kabupaten Pasuruan (35.14).
pub async fn seed_pasuruan(store: &Store) {
    let rows =
        relasi::domain::wilayah::parse_wilayah_csv(relasi::demo::WILAYAH_PASURUAN_CSV).unwrap();
    store.upsert_wilayah(&rows).await.unwrap();
}

/// Serves `state` on 127.0.0.1 with a free port; returns `http://127.0.0.1:PORT`.
pub async fn serve(state: AppState) -> String {
    let (listener, addr) = relasi::server::bind("127.0.0.1:0").await.unwrap();
    let router = app(state);
    tokio::spawn(async move {
        axum::serve(
            listener,
            router.into_make_service_with_connect_info::<std::net::SocketAddr>(),
        )
        .await
    });
    format!("http://{addr}")
}

/// A server over `db` with `config`, for a second instance or a bench.
pub async fn serve_db(db: &TestDb, config: Config) -> String {
    let store = db.store().await;
    let deployment = store.deployment_id().await.unwrap().unwrap();
    serve(AppState::new(store, config, deployment)).await
}
