//! `relasi keys`: voucher signing keys.

use super::{CLI_ACTOR, refused};
use anyhow::bail;
use clap::{Args, Subcommand};
use relasi::store::Store;
use relasi::usecases::keys;
use relasi_token::Kid;
use std::path::PathBuf;

#[derive(Args, Debug)]
pub struct KeysArgs {
    /// Where private keys live (mode 0600 files).
    #[arg(long, env = "RELASI_KEY_DIR", default_value = relasi::signing::DEFAULT_KEY_DIR)]
    key_dir: PathBuf,
    #[command(subcommand)]
    command: KeysCommand,
}

#[derive(Subcommand, Debug)]
enum KeysCommand {
    /// Create the first signing key.
    Generate,
    /// Create a new signing key; the old one keeps verifying for --verify-days.
    Rotate {
        /// How long vouchers signed by the old key stay verifiable.
        #[arg(long, default_value_t = 62)]
        verify_days: i64,
    },
    /// List published keys.
    List,
    /// Revoke a key (compromised): nothing it signed is accepted.
    Revoke {
        /// kid, 8 hex digits.
        kid: String,
    },
}

pub async fn keys(store: &Store, args: KeysArgs) -> anyhow::Result<()> {
    let key_dir = &args.key_dir;
    match args.command {
        KeysCommand::Generate => {
            let kid = keys::generate(store, key_dir, CLI_ACTOR)
                .await
                .map_err(refused)?;
            println!("{kid}");
        }
        KeysCommand::Rotate { verify_days } => {
            let kid = keys::rotate(store, key_dir, verify_days, CLI_ACTOR)
                .await
                .map_err(refused)?;
            println!("{kid}");
        }
        KeysCommand::List => list(store).await?,
        KeysCommand::Revoke { kid } => {
            if Kid::from_hex(&kid).is_none() {
                bail!("kid must be 8 hex digits");
            }
            keys::revoke(store, &kid, CLI_ACTOR)
                .await
                .map_err(refused)?;
            eprintln!("kunci {kid} dicabut / revoked");
        }
    }
    Ok(())
}

async fn list(store: &Store) -> anyhow::Result<()> {
    let at =
        |t: Option<chrono::DateTime<chrono::Utc>>| t.map_or("-".to_owned(), |t| t.to_rfc3339());
    for k in store.signing_keys().await? {
        println!(
            "{}  {:8}  signing {} .. {}  verify until {}",
            k.kid,
            k.status.as_str(),
            k.signing_from.to_rfc3339(),
            at(k.signing_until),
            at(k.verify_until)
        );
    }
    Ok(())
}
