//! What both benches share, on top of the support module the tests use: the engine
//! `RELASI_BENCH_DATABASE_URL` names (unset: SQLite), and a database prepared as every bench
//! needs it.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a bench, not a service

/// The allocator the `relasi` binary runs with, so in-process benches measure what it does.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[path = "../../tests/support/mod.rs"]
pub mod support;

#[allow(dead_code)] // the issuance bench does not sell
pub mod sales;

use relasi::store::Backend;
pub use support::TestDb as BenchDb;

/// A fresh database on the engine `RELASI_BENCH_DATABASE_URL` names (a throw-away
/// PostgreSQL database; unset: a temporary SQLite file), dropped when the bench ends.
pub async fn bench_db() -> BenchDb {
    match std::env::var("RELASI_BENCH_DATABASE_URL") {
        Ok(base) if base.starts_with("postgres") => {
            BenchDb::create(Backend::Postgres, Some(base)).await
        }
        _ => BenchDb::create(Backend::Sqlite, None).await,
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
    support::seed_pasuruan(store).await;
    deployment
}
