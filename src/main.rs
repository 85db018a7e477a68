//! The `relasi` command line: parses arguments, then calls the library (`src/cli/` holds one
//! module per group of commands). Tokens and other machine-readable results go to stdout; logs
//! and progress go to stderr.
// Functions short enough to see whole (the limit is in clippy.toml); tests and benches, whose
// stories read top to bottom, are not held to it.
#![warn(clippy::too_many_lines)]

mod cli;

use clap::Parser;

/// mimalloc instead of glibc's malloc: issuance and sales allocate many short-lived strings
/// from several threads, where glibc spent about a third of issuance's CPU in `malloc`, `free`
/// and `malloc_consolidate` (BENCHMARKS.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    init_logs();
    cli::run(cli::Cli::parse()).await
}

/// Logs to stderr, filtered by `RUST_LOG` (default `info,sqlx=warn`); `RELASI_LOG_FORMAT=json`
/// writes one JSON object a line (for a log collector), each request's span with its route and
/// request id.
fn init_logs() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| "info,sqlx=warn".into());
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if std::env::var("RELASI_LOG_FORMAT").is_ok_and(|f| f == "json") {
        builder.json().with_current_span(true).init();
    } else {
        builder.init();
    }
}
