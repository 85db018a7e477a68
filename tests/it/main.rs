//! Integration tests: one binary; every story runs on SQLite and, when
//! `RELASI_TEST_DATABASE_URL` names a PostgreSQL database, on PostgreSQL too (`story!`).
#![allow(clippy::unwrap_used, clippy::expect_used)] // a panic in a test is a failed test

/// Runs the async fn `$name` once per engine, as the tests `$name::sqlite` and
/// `$name::postgres` (the latter says it was skipped when no PostgreSQL URL is set; `.ci/run`
/// sets one and counts the tests of each engine). `multi_thread` gives the runtime four workers,
/// for the concurrency stories.
macro_rules! story {
    ($name:ident) => {
        story!(@engines $name, #[tokio::test]);
    };
    ($name:ident, multi_thread) => {
        story!(@engines $name, #[tokio::test(flavor = "multi_thread", worker_threads = 4)]);
    };
    (@engines $name:ident, #[$test:meta]) => {
        mod $name {
            #[$test]
            async fn sqlite() {
                crate::helpers::on_engine(relasi::store::Backend::Sqlite, super::$name()).await;
            }
            #[$test]
            async fn postgres() {
                crate::helpers::on_engine(relasi::store::Backend::Postgres, super::$name()).await;
            }
        }
    };
}

#[path = "../support/mod.rs"]
mod support;

mod helpers;

mod akun;
mod akun_page;
mod api_errors;
mod audit;
mod authz;
mod backup;
mod batching;
mod browser;
mod cli;
mod crash;
mod disclosure;
mod health;
mod issuance;
mod keuangan_page;
mod ledger;
mod limits;
mod log_privacy;
mod malformed;
mod merchant;
mod merchant_cli;
mod office_pages;
mod openapi;
mod pages;
mod pairing;
mod pg_cluster;
mod pii_rotate;
mod planning;
mod programme_pages;
mod reconcile;
mod redemption;
mod registry;
mod replica;
mod saldo_page;
mod schema;
mod security;
mod settlement;
mod shop;
mod store;
mod tls;
mod toko_page;
mod web;
mod wilayah;
