//! The commands of `relasi` and what they share: opening (and migrating) the database, the
//! deployment id, progress bars, and turning a use case's refusal into words and an exit code.

mod audit;
mod cycles;
mod keys;
mod merchant;
mod pii;
mod programme;
mod reconcile;
mod registry;
mod serve;
mod tokens;

use anyhow::{Context, bail};
use clap::{Parser, Subcommand};
use relasi::problem::Problem;
use relasi::store::{DEFAULT_DATABASE_URL, PoolSettings, Store};
use relasi_token::DeploymentId;

/// How the audit chain names what the CLI did.
pub const CLI_ACTOR: &str = "cli";

#[derive(Parser, Debug)]
#[command(
    name = "relasi",
    version,
    about = "RELASI — voucher belanja nutrisi / nutrition vouchers"
)]
pub struct Cli {
    /// Database: sqlite://FILE (default) or postgres://USER@HOST/DB.
    #[arg(long, env = "DATABASE_URL", default_value = DEFAULT_DATABASE_URL, global = true)]
    database_url: String,
    /// A PostgreSQL read replica for the heavy report reads (reconciliation, dashboard);
    /// writes stay on DATABASE_URL (docs/scale.md "Reports from a read replica").
    #[arg(long, env = "RELASI_REPORT_DATABASE_URL", global = true)]
    report_database_url: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run the HTTP server (migrates first).
    Serve(serve::ServeArgs),
    /// Bring the database schema up to date.
    Migrate,
    /// Create (or reuse) a demo district on SQLite and serve it.
    Demo(serve::DemoArgs),
    /// API tokens.
    #[command(subcommand)]
    Token(tokens::TokenCommand),
    /// Officers' accounts (a name and a password).
    #[command(subcommand)]
    Account(tokens::AccountCommand),
    /// Programmes.
    #[command(subcommand)]
    Programme(programme::ProgrammeCommand),
    /// Lokus (priority) villages.
    #[command(subcommand)]
    Lokus(registry::LokusCommand),
    /// Wilayah reference data.
    #[command(subcommand)]
    Wilayah(registry::WilayahCommand),
    /// Import the household registry (households.csv or members.csv).
    Import(registry::ImportArgs),
    /// The tamper-evident audit trail: verify it, sign a checkpoint.
    #[command(subcommand)]
    Audit(audit::AuditCommand),
    /// Cycles: open a month, issue its vouchers.
    Cycle(cycles::CycleArgs),
    /// Print the voucher cards of one desa (A4 PDF); also writes the kader hand-over list beside it.
    Cards(cycles::CardsArgs),
    /// Voucher signing keys.
    Keys(keys::KeysArgs),
    /// Partner shops: pair a shop's phone.
    #[command(subcommand)]
    Merchant(merchant::MerchantCommand),
    /// Personal data at rest: re-encrypt it under a new key.
    #[command(subcommand)]
    Pii(pii::PiiCommand),
    /// Reconcile a month: the next signed, immutable version of its report.
    Reconcile(reconcile::ReconcileArgs),
    /// Show or change the reconciliation's thresholds and automatic run.
    ReconcileSettings(reconcile::SettingsArgs),
    /// Online backup of a SQLite database into a new file (`VACUUM INTO`; sales go on).
    /// PostgreSQL: use pg_dump (docs/deploy.md).
    Backup {
        /// The new file; must not exist.
        file: std::path::PathBuf,
    },
}

/// Runs one command.
pub async fn run(cli: Cli) -> anyhow::Result<()> {
    let url = cli.database_url;
    let replica = cli.report_database_url.filter(|u| !u.trim().is_empty());
    match cli.command {
        Command::Serve(args) => serve::serve(&url, replica.as_deref(), args).await,
        Command::Demo(args) => serve::demo(args).await,
        Command::Migrate => {
            open(&url, PoolSettings::default()).await?;
            eprintln!("skema mutakhir / schema up to date");
            Ok(())
        }
        command => {
            let store = open(&url, PoolSettings::default()).await?;
            let store = with_replica(store, replica.as_deref(), PoolSettings::default()).await?;
            run_on(&store, command).await
        }
    }
}

async fn run_on(store: &Store, command: Command) -> anyhow::Result<()> {
    match command {
        Command::Token(c) => tokens::token(store, c).await,
        Command::Account(c) => tokens::account(store, c).await,
        Command::Programme(c) => programme::programme(store, c).await,
        Command::Lokus(c) => registry::lokus(store, c).await,
        Command::Wilayah(c) => registry::wilayah(store, c).await,
        Command::Import(args) => registry::import(store, args).await,
        Command::Audit(c) => audit::audit(store, c).await,
        Command::Cycle(args) => cycles::cycle(store, args).await,
        Command::Cards(args) => cycles::cards(store, args).await,
        Command::Keys(args) => keys::keys(store, args).await,
        Command::Merchant(c) => merchant::merchant(store, c).await,
        Command::Pii(c) => pii::pii(store, c).await,
        Command::Reconcile(args) => reconcile::reconcile(store, args).await,
        Command::ReconcileSettings(args) => reconcile::settings(store, args).await,
        Command::Backup { file } => {
            store.backup_into(&file).await.context("backup")?;
            eprintln!(
                "cadangan / backup: {} (kunci data pribadi TIDAK ikut / the personal-data key is not in it: keep it apart, docs/deploy.md)",
                file.display()
            );
            Ok(())
        }
        Command::Serve(_) | Command::Demo(_) | Command::Migrate => Ok(()),
    }
}

/// Connects and migrates: every command that needs the schema gets it.
pub async fn open(database_url: &str, pool: PoolSettings) -> anyhow::Result<Store> {
    let store = Store::connect(database_url, pool)
        .await
        .context("connecting to the database")?;
    store.migrate().await.context("migrating the database")?;
    Ok(store)
}

/// The store with its report replica, when one is set.
pub async fn with_replica(
    store: Store,
    replica: Option<&str>,
    pool: PoolSettings,
) -> anyhow::Result<Store> {
    match replica {
        None => Ok(store),
        Some(url) => store
            .with_report_replica(url, pool)
            .await
            .context("connecting to the report replica (RELASI_REPORT_DATABASE_URL)"),
    }
}

/// The deployment id: `RELASI_DEPLOYMENT_ID` the first time, then whatever was stored.
pub async fn deployment(store: &Store, default: &str) -> anyhow::Result<DeploymentId> {
    let wanted = std::env::var("RELASI_DEPLOYMENT_ID").ok();
    let proposed = DeploymentId::parse(wanted.as_deref().unwrap_or(default))
        .map_err(|e| anyhow::anyhow!("RELASI_DEPLOYMENT_ID: {e}"))?;
    let actual = store.init_deployment(&proposed).await?;
    if wanted.is_some() && actual != proposed {
        bail!(
            "this database belongs to deployment {actual}; RELASI_DEPLOYMENT_ID cannot change it"
        );
    }
    Ok(actual)
}

/// A use case's refusal as the CLI says it: every listed problem on stderr (line and reason for
/// registry rows), then the titles as the error.
pub fn refused(problem: Problem) -> anyhow::Error {
    if let Some(list) = problem.error_list().and_then(|l| l.as_array()) {
        for e in list {
            match (e.get("line"), e.get("field"), e.get("reason")) {
                (Some(line), Some(field), Some(reason)) => eprintln!(
                    "baris / line {line}: {}: {}",
                    field.as_str().unwrap_or(""),
                    reason.as_str().unwrap_or("")
                ),
                _ => eprintln!("{e}"),
            }
        }
    }
    anyhow::anyhow!("{problem}")
}

/// A progress bar on stderr for `len` items of `unit`.
pub fn progress_bar(len: u64, message: &'static str, unit: &str) -> indicatif::ProgressBar {
    let bar = indicatif::ProgressBar::new(len);
    bar.set_style(
        indicatif::ProgressStyle::with_template(&format!(
            "{{msg}} [{{bar:40}}] {{pos}}/{{len}} {unit} ({{per_sec}})"
        ))
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    bar.set_message(message);
    bar
}
