//! RELASI: the server and CLI library. `app(state)` builds the HTTP router; `serve` runs it.

pub mod api;
pub mod domain;
pub mod keyring;
pub mod pii;
pub mod problem;
pub mod store;
pub mod usecases;

pub use api::{AppState, Config, app};
pub mod demo;
pub mod jobs;
pub mod render;
pub mod server;
pub mod signing;
pub mod web;
