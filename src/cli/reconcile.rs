//! `relasi reconcile PERIOD [-o FILE.json|.csv|.xlsx]`: run the month's reconciliation as the next
//! version, print its status, digest and signature, and write the report.

use anyhow::Context;
use clap::Args;
use relasi::domain::ids::Period;
use relasi::store::Store;

#[derive(Args, Debug)]
pub struct ReconcileArgs {
    /// Month, e.g. 2026-10.
    period: String,
    /// Write the report here: .json (the signed canonical bytes), .csv or .xlsx.
    #[arg(short = 'o', long)]
    output: Option<std::path::PathBuf>,
    /// Programme number (needed only when there are several).
    #[arg(long)]
    programme: Option<u16>,
    /// Where the voucher signing keys live (the run is signed with the active one).
    #[arg(long, env = "RELASI_KEY_DIR", default_value = relasi::signing::DEFAULT_KEY_DIR)]
    key_dir: std::path::PathBuf,
}

pub async fn reconcile(store: &Store, args: ReconcileArgs) -> anyhow::Result<()> {
    use relasi::usecases::{programmes, reconciliation};
    let period = Period::parse(&args.period).map_err(|e| anyhow::anyhow!("{e}"))?;
    let programme = programmes::resolve(store, args.programme)
        .await
        .map_err(super::refused)?;
    let deployment = super::deployment(store, "relasi").await?;
    let keys = store.signing_keys().await?;
    let signer = match relasi::signing::active(&keys) {
        Ok(meta) => Some(relasi::signing::load(&args.key_dir, meta)?),
        Err(_) => {
            eprintln!(
                "tanpa kunci aktif: laporan tidak ditandatangani / no active key: the report is unsigned"
            );
            None
        }
    };
    let (head, report) = reconciliation::run(
        store,
        &deployment,
        signer.as_ref(),
        &programme,
        period,
        super::CLI_ACTOR,
    )
    .await
    .map_err(super::refused)?;
    if report.balanced {
        println!(
            "{} versi {}: seimbang / balanced",
            head.period, head.version
        );
    } else {
        println!(
            "{} versi {}: {} pengecualian / exceptions",
            head.period, head.version, head.exceptions
        );
    }
    println!("sha256 {}", head.content_sha256);
    if let (Some(kid), Some(sig)) = (&head.kid, &head.signature) {
        println!("kid {kid} signature {sig}");
    }
    if let Some(path) = args.output {
        let bytes = match path.extension().and_then(|e| e.to_str()) {
            Some("csv") => relasi::render::report_csv::report_csv(&report)?,
            Some("json") => report.canonical(),
            Some("xlsx") => {
                relasi::render::report_xlsx::report_xlsx(&report, &head.content_sha256)?
            }
            _ => anyhow::bail!("-o takes a .json, .csv or .xlsx file"),
        };
        std::fs::write(&path, bytes).with_context(|| format!("writing {}", path.display()))?;
        eprintln!("ditulis / written: {}", path.display());
    }
    Ok(())
}
