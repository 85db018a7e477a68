//! The `relasi` command line: parses arguments, then calls the library (`src/cli/` holds one
//! module per group of commands). Tokens and other machine-readable results go to stdout; logs
//! and progress go to stderr.

mod cli;

use clap::Parser;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,sqlx=warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    cli::run(cli::Cli::parse()).await
}
