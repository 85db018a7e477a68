//! RELASI: the server and CLI library. `app(state)` builds the HTTP router; `serve` runs it.
// Functions short enough to see whole (the limit is in clippy.toml); tests and benches, whose
// stories read top to bottom, are not held to it.
#![warn(clippy::too_many_lines)]

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
