//! Integration tests: one binary, each story on the backend `RELASI_TEST_DATABASE_URL` selects
#![allow(clippy::unwrap_used, clippy::expect_used)] // a panic in a test is a failed test
//! (SQLite when unset, PostgreSQL when it holds a postgres:// URL). `.ci/run` runs the whole
//! suite once per backend.

mod helpers;

mod api_errors;
mod audit;
mod cli;
mod health;
mod issuance;
mod planning;
mod redemption;
mod registry;
mod schema;
mod store;
