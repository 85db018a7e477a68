//! `relasi merchant pair` (the printable sheet whose QR signs a shop's phone in to `/toko`),
//! `relasi merchant suspend|reactivate`.

use super::{CLI_ACTOR, refused};
use anyhow::{Context, bail};
use clap::Subcommand;
use relasi::domain::auth::{Area, Principal, Role};
use relasi::domain::ids::MerchantId;
use relasi::domain::merchant::MerchantStatus;
use relasi::render::pairing;
use relasi::store::Store;
use relasi::usecases;
use std::path::PathBuf;

#[derive(Subcommand, Debug)]
pub enum MerchantCommand {
    /// Pair a shop's phone: a new token for the shop inside a QR its camera opens
    /// (-o FILE.svg: a printable A5 sheet; -o FILE.png: the QR alone).
    Pair {
        /// The shop's id.
        merchant: i64,
        /// The server's address as the shop's phone reaches it (https://…).
        #[arg(long, env = "RELASI_PUBLIC_URL")]
        url: String,
        /// Where to write the sheet (.svg) or the QR image (.png).
        #[arg(short, long)]
        output: PathBuf,
    },
    /// Suspend a shop: its sales are refused (`merchant_inactive`) until it is reactivated.
    Suspend {
        /// The shop's id.
        merchant: i64,
    },
    /// Reactivate a suspended shop.
    Reactivate {
        /// The shop's id.
        merchant: i64,
    },
}

pub async fn merchant(store: &Store, command: MerchantCommand) -> anyhow::Result<()> {
    match command {
        MerchantCommand::Pair {
            merchant,
            url,
            output,
        } => pair(store, merchant, &url, &output).await,
        MerchantCommand::Suspend { merchant } => {
            set_status(store, merchant, MerchantStatus::Inactive).await
        }
        MerchantCommand::Reactivate { merchant } => {
            set_status(store, merchant, MerchantStatus::Active).await
        }
    }
}

/// The CLI acts as an admin of the whole district (it runs on the server's host).
async fn set_status(store: &Store, merchant: i64, status: MerchantStatus) -> anyhow::Result<()> {
    let admin = Principal {
        role: Role::Admin,
        merchant_id: None,
        area: Area::everywhere(),
        account_id: None,
    };
    let shop =
        usecases::merchants::set_status(store, &admin, MerchantId(merchant), status, CLI_ACTOR)
            .await
            .map_err(refused)?;
    eprintln!(
        "toko #{} ({}): {}",
        shop.id,
        shop.name,
        shop.status.as_str()
    );
    Ok(())
}

async fn pair(
    store: &Store,
    merchant: i64,
    url: &str,
    output: &std::path::Path,
) -> anyhow::Result<()> {
    let ext = output.extension().and_then(|e| e.to_str()).unwrap_or("");
    if !matches!(ext, "svg" | "png") {
        bail!("-o must end in .svg (printable sheet) or .png (QR only)");
    }
    let pairing = usecases::pairing::pair(store, MerchantId(merchant), url, CLI_ACTOR)
        .await
        .map_err(refused)?;
    let bytes = if ext == "png" {
        pairing.qr_png().map_err(refused)?
    } else {
        pairing::sheet(&pairing.merchant_name, merchant, &pairing.link)?.into_bytes()
    };
    write_private(output, &bytes).with_context(|| format!("writing {}", output.display()))?;
    eprintln!(
        "lembar pasangan untuk toko #{merchant} ditulis ke {} (berisi token: simpan baik-baik) / \
         pairing sheet written (it holds a token: keep it safe)",
        output.display()
    );
    Ok(())
}

/// Writes a file only its owner can read (it holds a token).
fn write_private(path: &std::path::Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)?.write_all(bytes)
}
