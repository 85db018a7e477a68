//! `relasi pii rotate`: re-encrypt the personal data under a new key (offline maintenance).

use anyhow::Context;
use clap::Subcommand;
use relasi::pii::PiiKey;
use relasi::store::{Store, StoreError};
use std::path::PathBuf;

#[derive(Subcommand, Debug)]
pub enum PiiCommand {
    /// Re-encrypt every KK, NIK and name under a new personal-data key, in one transaction.
    /// Stop every server first and back up the database and the old key (SECURITY.md).
    Rotate {
        /// The new key: a file of 64 hex digits, created (mode 0600) with a random key when
        /// it does not exist. The old key is the one in use (RELASI_PII_KEY or its file).
        #[arg(long)]
        new_key_file: PathBuf,
    },
}

pub async fn pii(store: &Store, command: PiiCommand) -> anyhow::Result<()> {
    let PiiCommand::Rotate { new_key_file } = command;
    let new = PiiKey::from_file(&new_key_file)
        .with_context(|| format!("kunci baru / new key {}", new_key_file.display()))?;
    let done = match store.rotate_pii(&new, super::CLI_ACTOR).await {
        Err(StoreError::Corrupt(why)) => anyhow::bail!(
            "tidak ada yang diubah / nothing was changed: {why} \
             (apakah kunci yang dipakai kunci lama yang benar? / is the key in use the right old key?)"
        ),
        other => other.context("rotasi kunci data pribadi / personal-data key rotation")?,
    };
    println!(
        "dienkripsi ulang / re-encrypted: {} keluarga / households, {} anggota / members, \
         {} riwayat / history rows, {} voucher, {} laporan rekonsiliasi / reconciliation runs",
        done.households, done.members, done.history, done.vouchers, done.runs
    );
    eprintln!(
        "Pasang kunci baru sebelum server dijalankan lagi / install the new key before starting \
         the servers again: RELASI_PII_KEY_FILE={} (or put it in place of the old key file, or its \
         digits in RELASI_PII_KEY). Simpan kunci lama hanya bersama cadangan lama / keep the old \
         key only with the old backups.",
        new_key_file.display()
    );
    Ok(())
}
