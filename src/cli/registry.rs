//! `relasi import`, `relasi lokus`, `relasi wilayah`: the registry and the reference areas.

use super::{CLI_ACTOR, progress_bar, refused};
use anyhow::Context;
use clap::{Args, Subcommand};
use relasi::domain::registry::RegistryKind;
use relasi::jobs::import::ImportReport;
use relasi::store::Store;
use std::path::PathBuf;

#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub enum ImportKind {
    Households,
    Members,
}

#[derive(Args, Debug)]
pub struct ImportArgs {
    /// Which file.
    #[arg(value_enum)]
    kind: ImportKind,
    /// The CSV file.
    file: PathBuf,
    /// Day the changes took effect (default: today in the programme's local time).
    #[arg(long)]
    effective: Option<chrono::NaiveDate>,
    /// Most data rows the file may hold.
    #[arg(long, env = "RELASI_IMPORT_MAX_ROWS", default_value_t = relasi::domain::registry::MAX_ROWS)]
    max_rows: usize,
}

#[derive(Subcommand, Debug)]
pub enum LokusCommand {
    /// Mark desa as lokus of a year.
    Add {
        /// Year.
        year: i32,
        /// Desa codes.
        #[arg(required = true)]
        desa: Vec<String>,
    },
}

#[derive(Subcommand, Debug)]
pub enum WilayahCommand {
    /// Load a newer Kepmendagri list over the built-in one (`code,name,level,kind[,asal]`):
    /// new codes are added, renamed areas keep their former name, nothing is removed.
    Import {
        /// The CSV file.
        file: PathBuf,
    },
    /// Show one area: its name, and its renames and splits.
    Show {
        /// The code, e.g. 35.78.01.1001.
        code: String,
    },
}

pub async fn import(store: &Store, args: ImportArgs) -> anyhow::Result<()> {
    let file = &args.file;
    let bytes = std::fs::read(file).with_context(|| format!("reading {}", file.display()))?;
    let kind = match args.kind {
        ImportKind::Households => RegistryKind::Households,
        ImportKind::Members => RegistryKind::Members,
    };
    let rows = relasi::jobs::import::count_rows(&bytes);
    let bar = progress_bar(rows, "impor / import", "baris/rows");
    let progress = |n: u64| bar.inc(n);
    let file = relasi::jobs::import::RegistryFile {
        bytes,
        kind: Some(kind),
        max_rows: args.max_rows,
    };
    let result =
        relasi::usecases::registry::import(store, file, args.effective, CLI_ACTOR, &progress).await;
    bar.finish_and_clear();
    let report = result.map_err(refused)?;
    eprintln!("{}", summary(&report));
    println!("{}", serde_json::to_string(&report)?);
    Ok(())
}

/// What changed, for a person reading the terminal (the JSON on stdout is for scripts):
/// `Baru 12 · Pindah desa 3 · Meninggal 1 · … / new, moved desa, deceased, …`.
fn summary(r: &ImportReport) -> String {
    if r.kind == RegistryKind::Members {
        return format!("Anggota ditulis {} / members written", r.inserted);
    }
    let parts = [
        ("Baru", "new", r.inserted),
        ("Pindah desa", "moved desa", r.moved_desa),
        ("Pindah keluar", "moved away", r.moved_away),
        ("Meninggal", "deceased", r.deceased),
        ("Gabung KK", "merged", r.merged),
        ("Berubah lain", "other changes", r.other_changes),
        ("Tetap", "unchanged", r.unchanged),
    ];
    let id: Vec<String> = parts.iter().map(|(id, _, n)| format!("{id} {n}")).collect();
    let en: Vec<&str> = parts.iter().map(|(_, en, _)| *en).collect();
    format!("{} / {}", id.join(" · "), en.join(", "))
}

pub async fn lokus(store: &Store, command: LokusCommand) -> anyhow::Result<()> {
    let LokusCommand::Add { year, desa } = command;
    let done = relasi::usecases::lokus::add(store, year, &desa, CLI_ACTOR)
        .await
        .map_err(refused)?;
    eprintln!(
        "{} desa lokus baru untuk {year} / new lokus desa ({} in all)",
        done.added, done.total
    );
    Ok(())
}

pub async fn wilayah(store: &Store, command: WilayahCommand) -> anyhow::Result<()> {
    match command {
        WilayahCommand::Import { file } => {
            let text = std::fs::read_to_string(&file)
                .with_context(|| format!("reading {}", file.display()))?;
            let source = file
                .file_name()
                .map_or_else(|| "import".to_owned(), |n| n.to_string_lossy().into_owned());
            let load = relasi::usecases::wilayah::import(store, &source, &text)
                .await
                .map_err(refused)?;
            eprintln!(
                "{} wilayah baru, {} berganti nama / new, renamed",
                load.inserted, load.renamed
            );
            println!("{}", serde_json::to_string(&load)?);
        }
        WilayahCommand::Show { code } => {
            let area = relasi::usecases::wilayah::show(store, &code)
                .await
                .map_err(refused)?;
            println!("{}", serde_json::to_string_pretty(&area)?);
        }
    }
    Ok(())
}
