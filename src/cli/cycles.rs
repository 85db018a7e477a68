//! `relasi cycle open|issue` and `relasi cards`.

use super::{CLI_ACTOR, progress_bar, refused};
use anyhow::Context;
use clap::{Args, Subcommand};
use relasi::domain::ids::Period;
use relasi::domain::wilayah::WilayahCode;
use relasi::store::{Opened, Store};
use relasi::usecases::{cycles, programmes};
use std::path::PathBuf;

#[derive(Args, Debug)]
pub struct CycleArgs {
    #[command(subcommand)]
    command: CycleCommand,
    /// Programme number (needed when there are several).
    #[arg(long, global = true)]
    programme: Option<u16>,
    /// Where the voucher signing keys live.
    #[arg(long, env = "RELASI_KEY_DIR", default_value = relasi::signing::DEFAULT_KEY_DIR, global = true)]
    key_dir: PathBuf,
}

#[derive(Subcommand, Debug)]
enum CycleCommand {
    /// Open a month (validity: the whole month in the programme's local time).
    Open {
        /// Month, YYYY-MM.
        period: String,
    },
    /// Issue the month's vouchers (idempotent: issues only what is missing).
    Issue {
        /// Month, YYYY-MM.
        period: String,
    },
}

#[derive(Args, Debug)]
pub struct CardsArgs {
    /// Month, YYYY-MM.
    period: String,
    /// Desa code.
    #[arg(long)]
    desa: String,
    /// Output PDF.
    #[arg(short = 'o', long)]
    output: PathBuf,
    /// Programme number (needed when there are several).
    #[arg(long)]
    programme: Option<u16>,
    /// The server's public address (https://host): each QR then holds the link a family's
    /// camera app opens.
    #[arg(long, env = "RELASI_PUBLIC_URL")]
    public_url: Option<String>,
}

pub async fn cycle(store: &Store, args: CycleArgs) -> anyhow::Result<()> {
    let programme = programmes::resolve(store, args.programme)
        .await
        .map_err(refused)?;
    match args.command {
        CycleCommand::Open { period } => {
            let period = Period::parse(&period)?;
            let (cycle, opened) = cycles::open(store, &programme, period, (None, None), CLI_ACTOR)
                .await
                .map_err(refused)?;
            println!("{}", serde_json::to_string(&cycle)?);
            if opened == Opened::Existing {
                eprintln!("siklus sudah dibuka / cycle was already open");
            }
        }
        CycleCommand::Issue { period } => {
            let period = Period::parse(&period)?;
            let households = store.count_registry().await?.households;
            let bar = progress_bar(
                u64::try_from(households).unwrap_or(0),
                "terbit / issue",
                "KK",
            );
            let progress = |n: u64| bar.inc(n);
            let report = cycles::issue(
                store,
                &programme,
                period,
                &args.key_dir,
                CLI_ACTOR,
                &progress,
            )
            .await;
            bar.finish_and_clear();
            println!("{}", serde_json::to_string(&report.map_err(refused)?)?);
        }
    }
    Ok(())
}

pub async fn cards(store: &Store, args: CardsArgs) -> anyhow::Result<()> {
    let period = Period::parse(&args.period)?;
    let desa = WilayahCode::parse(&args.desa)?;
    let programme = programmes::resolve(store, args.programme)
        .await
        .map_err(refused)?;
    let output = &args.output;
    let link_base = super::serve::public_url(args.public_url.as_deref())?;
    write_sheet(store, &programme, period, &desa, link_base, output).await?;
    let list = output.with_extension("serah-terima.csv");
    std::fs::write(
        &list,
        relasi::jobs::cards::handover_csv(store, &programme, period, &desa).await?,
    )
    .with_context(|| format!("writing {}", list.display()))?;
    eprintln!(
        "kartu / cards: {}  daftar serah terima / hand-over list: {}",
        output.display(),
        list.display()
    );
    Ok(())
}

/// Writes a desa's card sheet to `output` as it is drawn.
async fn write_sheet(
    store: &Store,
    programme: &relasi::domain::programme::Programme,
    period: Period,
    desa: &WilayahCode,
    link_base: Option<String>,
    output: &std::path::Path,
) -> anyhow::Result<()> {
    use futures_util::StreamExt;
    use std::io::Write;
    let writing = || format!("writing {}", output.display());
    let sheet = relasi::jobs::cards::card_sheet_stream(
        store.clone(),
        programme.clone(),
        period,
        desa.clone(),
        link_base,
    )
    .await?;
    let mut sheet = std::pin::pin!(sheet);
    let mut file = std::io::BufWriter::new(std::fs::File::create(output).with_context(writing)?);
    while let Some(bytes) = sheet.next().await {
        file.write_all(&bytes?).with_context(writing)?;
    }
    file.flush().with_context(writing)?;
    Ok(())
}
