//! `relasi reconcile PERIOD [-o FILE.json|.csv|.xlsx|.pdf]`: run the month's reconciliation as the next
//! version, print its status, digest and signature, and write the report.

use anyhow::Context;
use clap::Args;
use relasi::domain::ids::Period;
use relasi::store::Store;

#[derive(Args, Debug)]
pub struct ReconcileArgs {
    /// Month, e.g. 2026-10.
    period: String,
    /// Write the report here: .json (the signed canonical bytes), .csv, .xlsx or .pdf.
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
            Some("pdf") => relasi::render::report_pdf::report_pdf(&report, &head),
            _ => anyhow::bail!("-o takes a .json, .csv, .xlsx or .pdf file"),
        };
        std::fs::write(&path, bytes).with_context(|| format!("writing {}", path.display()))?;
        eprintln!("ditulis / written: {}", path.display());
    }
    Ok(())
}

/// `relasi reconcile-settings`: shows, and with flags changes, a programme's anomaly thresholds
/// and automatic run.
#[derive(Args, Debug)]
pub struct SettingsArgs {
    /// Programme number (needed only when there are several).
    #[arg(long)]
    programme: Option<u16>,
    /// Reconcile each month by itself on this day (1–28) of the next month, local time.
    #[arg(long)]
    auto_day: Option<u32>,
    /// … at this local hour (0–23).
    #[arg(long)]
    auto_hour: Option<u32>,
    /// Turn the automatic run off.
    #[arg(long, conflicts_with = "auto_day")]
    auto_off: bool,
    /// A one-sale drain at or after this local hour is flagged.
    #[arg(long)]
    closing_hour: Option<u8>,
    /// Sales at one shop that make a burst …
    #[arg(long)]
    burst_sales: Option<u32>,
    /// … within this many seconds.
    #[arg(long)]
    burst_window_secs: Option<i64>,
    /// One shop serving this percent of a desa's vouchers …
    #[arg(long)]
    desa_share_pct: Option<i64>,
    /// … once the desa has this many.
    #[arg(long)]
    desa_min_vouchers: Option<i64>,
    /// Full-value sales at one shop that make a cluster.
    #[arg(long)]
    full_value_sales: Option<i64>,
    /// Reversals at this percent of a shop's sales …
    #[arg(long)]
    reversal_rate_pct: Option<i64>,
    /// … once it has this many sales.
    #[arg(long)]
    reversal_min_sales: Option<i64>,
}

pub async fn settings(store: &Store, a: SettingsArgs) -> anyhow::Result<()> {
    let programme = relasi::usecases::programmes::resolve(store, a.programme)
        .await
        .map_err(super::refused)?;
    let (mut t, mut auto) = store.recon_settings(programme.id).await?;
    let before = (t, auto);
    t.closing_hour = a.closing_hour.unwrap_or(t.closing_hour);
    t.burst_sales = a.burst_sales.unwrap_or(t.burst_sales);
    t.burst_window_secs = a.burst_window_secs.unwrap_or(t.burst_window_secs);
    t.desa_share_pct = a.desa_share_pct.unwrap_or(t.desa_share_pct);
    t.desa_min_vouchers = a.desa_min_vouchers.unwrap_or(t.desa_min_vouchers);
    t.full_value_sales = a.full_value_sales.unwrap_or(t.full_value_sales);
    t.reversal_rate_pct = a.reversal_rate_pct.unwrap_or(t.reversal_rate_pct);
    t.reversal_min_sales = a.reversal_min_sales.unwrap_or(t.reversal_min_sales);
    if a.auto_off {
        auto = None;
    } else if let Some(day) = a.auto_day {
        auto = Some((day, a.auto_hour.or(auto.map(|x| x.1)).unwrap_or(2)));
    } else if let (Some(hour), Some((day, _))) = (a.auto_hour, auto) {
        auto = Some((day, hour));
    }
    if (t, auto) != before {
        store
            .set_recon_settings(programme.id, &t, auto, super::CLI_ACTOR)
            .await
            .map_err(|e| anyhow::anyhow!("pengaturan ditolak / settings refused: {e}"))?;
    }
    println!(
        "{}",
        serde_json::json!({ "thresholds": t, "auto_day": auto.map(|x| x.0), "auto_hour": auto.map(|x| x.1) })
    );
    Ok(())
}
