//! `relasi-merchant`: the shop's command line (SPEC "merchant-client"). Parses, then calls the
//! library; messages in Bahasa Indonesia (`--lang en` for English), `--json` for scripts.
//!
//! Exit codes: 0 done; 1 refused or declined (the voucher, the server or the offline rules
//! said no); 2 usage; 3 the sale was queued offline (*tertunda*); 4 the server could not be
//! reached; 5 local problem (not logged in, storage); 6 sync stopped with sales still waiting.
// Functions short enough to see whole (the limit is in clippy.toml); tests and benches, whose
// stories read top to bottom, are not held to it.
#![warn(clippy::too_many_lines)]

mod cli;

use clap::Parser;

fn main() -> std::process::ExitCode {
    let args = cli::Cli::parse();
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("tokio: {e}");
            return std::process::ExitCode::from(5);
        }
    };
    std::process::ExitCode::from(runtime.block_on(cli::run(args)))
}
