//! `relasi-merchant`: the shop's command line. Today: verify a voucher QR offline against a
//! synced keys file.

use anyhow::Context;
use clap::{Parser, Subcommand};
use relasi_merchant::Keyring;

#[derive(Parser, Debug)]
#[command(
    name = "relasi-merchant",
    version,
    about = "RELASI untuk toko mitra / for partner shops"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Periksa voucher tanpa jaringan / verify a voucher offline.
    Verify {
        /// File with the JSON of GET /v1/keys.
        #[arg(long)]
        keys: std::path::PathBuf,
        /// The QR text (RLS1:…).
        token: String,
    },
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.command {
        Command::Verify { keys, token } => {
            let text = std::fs::read_to_string(&keys)
                .with_context(|| format!("reading {}", keys.display()))?;
            let keyring = Keyring::from_json(&text)?;
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
                .unwrap_or(0);
            match keyring.verify(&token, now) {
                Ok(v) => {
                    println!(
                        "SAH / VALID: voucher {} nilai Rp {} program {}",
                        v.voucher_id, v.face_value_rp, v.programme
                    );
                    Ok(())
                }
                Err(e) => anyhow::bail!("DITOLAK / REFUSED ({}): {} — {e}", e.code(), e.pesan()),
            }
        }
    }
}
