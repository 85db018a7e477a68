//! `relasi audit verify|checkpoint`: the auditor's check and signed journal checkpoints.

use anyhow::{Context, bail};
use clap::Subcommand;
use relasi::store::Store;
use relasi_token::DeploymentId;

#[derive(Subcommand, Debug)]
pub enum AuditCommand {
    /// Verify the admin audit chain, every voucher's journal, the signed checkpoints and the
    /// stored receipts; exits non-zero naming the first break.
    Verify {
        /// Check signatures against this copy of `GET /v1/keys` instead of the keys the
        /// database publishes (an auditor keeps one from before).
        #[arg(long)]
        keys: Option<std::path::PathBuf>,
    },
    /// Sign a checkpoint over the journal rows written since the last one.
    Checkpoint {
        /// Where the voucher signing keys live.
        #[arg(long, env = "RELASI_KEY_DIR", default_value = relasi::signing::DEFAULT_KEY_DIR)]
        key_dir: std::path::PathBuf,
    },
}

pub async fn audit(store: &Store, command: AuditCommand) -> anyhow::Result<()> {
    use relasi::jobs::audit;
    // A database that never signed anything has no deployment id yet; nothing of it needs one.
    let deployment = match store.deployment_id().await? {
        Some(d) => d,
        None => DeploymentId::parse("unset").map_err(|e| anyhow::anyhow!(e))?,
    };
    match command {
        AuditCommand::Verify { keys } => {
            let trusted = match keys {
                Some(file) => {
                    let text = std::fs::read_to_string(&file)
                        .with_context(|| format!("reading {}", file.display()))?;
                    audit::keys_from_json(&text)
                        .map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?
                }
                None => audit::TrustedKeys::published(store).await?,
            };
            let report = audit::verify(store, &deployment, &trusted).await?;
            print_audit(&report);
            if !report.intact() {
                bail!("jejak audit rusak / the audit trail is broken (see above)");
            }
        }
        AuditCommand::Checkpoint { key_dir } => {
            let keys = store.signing_keys().await?;
            let signer = relasi::signing::load(&key_dir, relasi::signing::active(&keys)?)?;
            match audit::checkpoint(store, &deployment, &signer).await? {
                Some(c) => println!(
                    "checkpoint {} sampai / through entry {} ({} baris / rows), hash {}",
                    c.facts.seq, c.facts.last_entry_id, c.facts.entries, c.hash
                ),
                None => eprintln!("tidak ada catatan baru / no new journal rows"),
            }
        }
    }
    Ok(())
}

fn print_audit(r: &relasi::jobs::audit::AuditReport) {
    let head = r.audit_head.as_deref().unwrap_or("-");
    match &r.audit_break {
        None => println!(
            "rantai admin utuh / admin chain intact: {} catatan / records, head {head}",
            r.audit_records
        ),
        Some(b) => println!(
            "RANTAI ADMIN RUSAK / ADMIN CHAIN BROKEN at record {}: {}",
            b.seq, b.reason
        ),
    }
    match &r.journal_break {
        None => println!(
            "jurnal utuh / journal intact: {} voucher, {} catatan / entries",
            r.vouchers, r.entries
        ),
        Some(b) => println!(
            "JURNAL RUSAK / JOURNAL BROKEN at entry {} (voucher {}, urutan / seq {}): {}",
            b.entry_id.map_or("-".to_owned(), |id| id.to_string()),
            b.voucher_id,
            b.seq,
            b.reason.words()
        ),
    }
    match &r.token_break {
        None => println!(
            "voucher cocok dengan token bertanda tangan / vouchers match their signed tokens: {}",
            r.vouchers
        ),
        Some(b) => println!(
            "VOUCHER TIDAK COCOK / VOUCHER MISMATCH: voucher {}: {}",
            b.voucher_id,
            b.reason.words()
        ),
    }
    match &r.checkpoint_break {
        None => println!(
            "checkpoint utuh / checkpoints intact: {}, ditandatangani sampai / signed through entry {}",
            r.checkpoints, r.sealed_through_entry_id
        ),
        Some(b) => println!(
            "CHECKPOINT RUSAK / CHECKPOINT BROKEN: {} (entries {}..={}): {}",
            b.seq,
            b.from_entry_id + 1,
            b.to_entry_id,
            b.reason
        ),
    }
    match &r.receipt_break {
        None => println!("struk cocok / receipts match: {}", r.receipts),
        Some(b) => println!(
            "STRUK TIDAK COCOK / RECEIPT MISMATCH at entry {}: {}",
            b.entry_id, b.reason
        ),
    }
}
