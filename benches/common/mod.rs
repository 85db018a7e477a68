//! What both benches share: a fresh database on the backend RELASI_BENCH_DATABASE_URL names.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a bench, not a service

/// A fresh, empty database for one bench run: a temporary SQLite file, or a new schema in the
/// PostgreSQL database `RELASI_BENCH_DATABASE_URL` names (a throw-away database).
pub struct BenchDb {
    /// URL reaching it.
    pub url: String,
    /// The PostgreSQL base URL, when on PostgreSQL (for pgbench and psql).
    #[allow(dead_code)] // read by the redemption bench only; each bench compiles this module
    pub pg_base: Option<String>,
    /// Keeps the SQLite file alive for the run.
    pub _dir: tempfile::TempDir,
}

/// Creates the database.
pub async fn bench_db() -> BenchDb {
    let dir = tempfile::tempdir().unwrap();
    match std::env::var("RELASI_BENCH_DATABASE_URL") {
        Ok(base) if base.starts_with("postgres") => {
            let schema = format!("bench_{}", std::process::id());
            let admin = sqlx::PgPool::connect(&base)
                .await
                .expect("PostgreSQL unreachable");
            sqlx::query(sqlx::AssertSqlSafe(format!("create schema {schema}")))
                .execute(&admin)
                .await
                .unwrap();
            let sep = if base.contains('?') { '&' } else { '?' };
            BenchDb {
                url: format!("{base}{sep}options[search_path]={schema}"),
                pg_base: Some(base),
                _dir: dir,
            }
        }
        _ => BenchDb {
            url: format!("sqlite://{}/bench.db", dir.path().display()),
            pg_base: None,
            _dir: dir,
        },
    }
}

/// Migrates `store` and gives it what every bench needs: the deployment id `bench` and the
/// Pasuruan wilayah.
pub async fn prepare(store: &relasi::store::Store) -> relasi_token::DeploymentId {
    store.migrate().await.unwrap();
    let deployment = store
        .init_deployment(&relasi_token::DeploymentId::parse("bench").unwrap())
        .await
        .unwrap();
    store
        .upsert_wilayah(
            &relasi::domain::wilayah::parse_wilayah_csv(relasi::demo::WILAYAH_PASURUAN_CSV)
                .unwrap(),
        )
        .await
        .unwrap();
    deployment
}
