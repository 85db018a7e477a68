//! `relasi keys` (voucher signing keys) and `relasi token` (API tokens).

use super::CLI_ACTOR;
use anyhow::{Context, bail};
use clap::{Args, Subcommand};
use rand::Rng;
use relasi::domain::auth::{ApiTokenSecret, Role};
use relasi::domain::ids::MerchantId;
use relasi::signing;
use relasi::store::Store;
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

#[derive(Subcommand, Debug)]
pub enum TokenCommand {
    /// Create a token; prints it alone on stdout (shown once, stored hashed).
    Create {
        /// Role.
        #[arg(long, value_enum)]
        role: Role,
        /// The shop, for a merchant token.
        #[arg(long)]
        merchant: Option<i64>,
        /// A note saying who holds it.
        #[arg(long, default_value = "")]
        label: String,
    },
}

pub async fn keys(store: &Store, args: KeysArgs) -> anyhow::Result<()> {
    let key_dir = &args.key_dir;
    match args.command {
        KeysCommand::Generate => {
            if signing::active(&store.signing_keys().await?).is_ok() {
                bail!("a signing key is already active: use `relasi keys rotate`");
            }
            let public = signing::generate(key_dir)?;
            store.add_signing_key(public, CLI_ACTOR).await?;
            println!("{}", Kid::of_bytes(&public));
        }
        KeysCommand::Rotate { verify_days } => {
            let public = signing::generate(key_dir)?;
            store
                .rotate_signing_key(public, verify_days.saturating_mul(86_400), CLI_ACTOR)
                .await?;
            println!("{}", Kid::of_bytes(&public));
        }
        KeysCommand::List => list(store).await?,
        KeysCommand::Revoke { kid } => {
            let kid = Kid::from_hex(&kid).context("kid must be 8 hex digits")?;
            store.revoke_signing_key(kid, CLI_ACTOR).await?;
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

pub async fn token(store: &Store, command: TokenCommand) -> anyhow::Result<()> {
    let TokenCommand::Create {
        role,
        merchant,
        label,
    } = command;
    let secret = create_token(store, role, merchant.map(MerchantId), &label).await?;
    println!("{}", secret.expose());
    Ok(())
}

/// A new API token (random, shown once, stored as SHA-256).
pub async fn create_token(
    store: &Store,
    role: Role,
    merchant: Option<MerchantId>,
    label: &str,
) -> anyhow::Result<ApiTokenSecret> {
    if role == Role::Merchant && merchant.is_none() {
        bail!("a merchant token needs --merchant ID");
    }
    if role != Role::Merchant && merchant.is_some() {
        bail!("--merchant is only for --role merchant");
    }
    if let Some(id) = merchant {
        store
            .merchant(id)
            .await
            .with_context(|| format!("merchant {id}"))?;
    }
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let secret = ApiTokenSecret::from_random(bytes);
    store
        .create_api_token(&secret, role, merchant, label, CLI_ACTOR)
        .await?;
    Ok(secret)
}
