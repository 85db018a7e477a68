//! The `relasi` command line: parses arguments, then calls the library. Tokens and other
//! machine-readable results go to stdout; logs and progress go to stderr.

use anyhow::{Context, bail};
use clap::{Args, Parser, Subcommand};
use rand::Rng;
use relasi::api::{AppState, Config};
use relasi::domain::auth::{ApiTokenSecret, Role};
use relasi::domain::ids::MerchantId;
use relasi::domain::money::Rupiah;
use relasi::domain::programme::{Category, ProgrammeSettings};
use relasi::domain::wilayah::{Level, WilayahCode};
use relasi::store::{DEFAULT_DATABASE_URL, PoolSettings, Store};
use relasi::{demo, server};
use relasi_token::DeploymentId;
use std::fmt::Write as _;

const CLI_ACTOR: &str = "cli";

#[derive(Parser, Debug)]
#[command(
    name = "relasi",
    version,
    about = "RELASI — voucher belanja nutrisi / nutrition vouchers"
)]
struct Cli {
    /// Database: sqlite://FILE (default) or postgres://USER@HOST/DB.
    #[arg(long, env = "DATABASE_URL", default_value = DEFAULT_DATABASE_URL, global = true)]
    database_url: String,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run the HTTP server (migrates first).
    Serve(ServeArgs),
    /// Bring the database schema up to date.
    Migrate,
    /// Create (or reuse) a demo district on SQLite and serve it.
    Demo(DemoArgs),
    /// API tokens.
    #[command(subcommand)]
    Token(TokenCommand),
    /// Programmes.
    #[command(subcommand)]
    Programme(ProgrammeCommand),
    /// Lokus (priority) villages.
    #[command(subcommand)]
    Lokus(LokusCommand),
    /// Wilayah reference data.
    #[command(subcommand)]
    Wilayah(WilayahCommand),
    /// Import the household registry (households.csv or members.csv).
    Import {
        /// Which file.
        #[arg(value_enum)]
        kind: ImportKind,
        /// The CSV file.
        file: std::path::PathBuf,
        /// Day the changes took effect (default: today).
        #[arg(long)]
        effective: Option<chrono::NaiveDate>,
    },
    /// The tamper-evident audit chain.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Cycles: open a month, issue its vouchers.
    Cycle {
        #[command(subcommand)]
        command: CycleCommand,
        /// Programme number (needed when there are several).
        #[arg(long, global = true)]
        programme: Option<u16>,
        /// Where the voucher signing keys live.
        #[arg(long, env = "RELASI_KEY_DIR", default_value = relasi::signing::DEFAULT_KEY_DIR, global = true)]
        key_dir: std::path::PathBuf,
    },
    /// Print the voucher cards of one desa (A4 PDF); also writes the kader hand-over list beside it.
    Cards {
        /// Month, YYYY-MM.
        period: String,
        /// Desa code.
        #[arg(long)]
        desa: String,
        /// Output PDF.
        #[arg(short = 'o', long)]
        output: std::path::PathBuf,
        /// Programme number (needed when there are several).
        #[arg(long)]
        programme: Option<u16>,
    },
    /// Voucher signing keys.
    Keys {
        /// Where private keys live (mode 0600 files).
        #[arg(long, env = "RELASI_KEY_DIR", default_value = relasi::signing::DEFAULT_KEY_DIR)]
        key_dir: std::path::PathBuf,
        #[command(subcommand)]
        command: KeysCommand,
    },
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

#[derive(Clone, Copy, Debug, clap::ValueEnum)]
enum ImportKind {
    Households,
    Members,
}

#[derive(Subcommand, Debug)]
enum AuditCommand {
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

#[derive(Args, Debug)]
struct ServeArgs {
    /// Listen address.
    #[arg(long, env = "RELASI_BIND", default_value = server::DEFAULT_BIND)]
    bind: String,
    /// Largest request body in bytes.
    #[arg(long, env = "RELASI_BODY_LIMIT_BYTES", default_value_t = 1024 * 1024)]
    body_limit_bytes: usize,
    /// Largest registry CSV upload in bytes.
    #[arg(long, env = "RELASI_IMPORT_LIMIT_BYTES", default_value_t = 64 * 1024 * 1024)]
    import_limit_bytes: usize,
    /// Request timeout in seconds.
    #[arg(long, env = "RELASI_REQUEST_TIMEOUT_SECS", default_value_t = 30)]
    request_timeout_secs: u64,
    /// Most database connections.
    #[arg(long, env = "RELASI_DB_POOL", default_value_t = 16)]
    db_pool: u32,
    /// Where the voucher signing keys live.
    #[arg(long, env = "RELASI_KEY_DIR", default_value = relasi::signing::DEFAULT_KEY_DIR)]
    key_dir: std::path::PathBuf,
    /// Public balance checks allowed at once per client address.
    #[arg(long, env = "RELASI_BALANCE_BURST", default_value_t = 10)]
    balance_burst: u32,
    /// Milliseconds until a client address earns one more balance check.
    #[arg(long, env = "RELASI_BALANCE_REFILL_MS", default_value_t = 2000)]
    balance_refill_ms: u64,
    /// Seconds between signed journal checkpoints (0: only `relasi audit checkpoint`).
    #[arg(long, env = "RELASI_CHECKPOINT_SECS", default_value_t = 300)]
    checkpoint_secs: u64,
}

#[derive(Args, Debug)]
struct DemoArgs {
    /// The demo's own SQLite file (never your DATABASE_URL, so demo data cannot mix with real data).
    #[arg(long = "demo-db", default_value = "sqlite://relasi-demo.db")]
    demo_db: String,
    /// Listen address.
    #[arg(long, env = "RELASI_BIND", default_value = server::DEFAULT_BIND)]
    bind: String,
    /// The demo's own signing keys.
    #[arg(long = "demo-key-dir", default_value = "relasi-demo-keys")]
    key_dir: std::path::PathBuf,
    /// Seed and print tokens, but do not serve.
    #[arg(long)]
    no_serve: bool,
}

#[derive(Subcommand, Debug)]
enum TokenCommand {
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

#[derive(Subcommand, Debug)]
enum ProgrammeCommand {
    /// Create a programme.
    Create(ProgrammeArgs),
    /// Show programmes as JSON.
    Show {
        /// Only this programme number.
        #[arg(long)]
        number: Option<u16>,
    },
}

#[derive(Args, Debug)]
struct ProgrammeArgs {
    /// Name.
    #[arg(long)]
    name: String,
    /// Number carried in the tokens.
    #[arg(long)]
    number: u16,
    /// Programme year.
    #[arg(long)]
    year: i32,
    /// Highest eligible desil.
    #[arg(long, default_value_t = 4)]
    max_desil: u8,
    /// Base voucher value (whole rupiah).
    #[arg(long, default_value = "100000")]
    base: String,
    /// Added per sasaran member.
    #[arg(long, default_value = "50000")]
    per_member: String,
    /// Largest voucher.
    #[arg(long, default_value = "300000")]
    cap: String,
    /// Allowed categories, comma-separated.
    #[arg(long, value_delimiter = ',', default_values_t = Category::DEFAULTS.map(String::from))]
    categories: Vec<String>,
    /// Reversal window in hours.
    #[arg(long, default_value_t = 24)]
    reversal_window_hours: i64,
    /// Local time offset from UTC in hours (WIB 7, WITA 8, WIT 9).
    #[arg(long, default_value_t = 7)]
    utc_offset_hours: i8,
    /// Allow offline acceptance.
    #[arg(long)]
    offline: bool,
}

#[derive(Subcommand, Debug)]
enum LokusCommand {
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
enum WilayahCommand {
    /// Load a Kepmendagri CSV (`code,name,level,kind`).
    Import {
        /// The CSV file.
        file: std::path::PathBuf,
    },
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,sqlx=warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    match cli.command {
        Command::Serve(args) => serve(&cli.database_url, args).await,
        Command::Migrate => {
            open(&cli.database_url, PoolSettings::default()).await?;
            eprintln!("skema mutakhir / schema up to date");
            Ok(())
        }
        Command::Demo(args) => run_demo(args).await,
        Command::Token(TokenCommand::Create {
            role,
            merchant,
            label,
        }) => {
            let store = open(&cli.database_url, PoolSettings::default()).await?;
            let secret = create_token(&store, role, merchant.map(MerchantId), &label).await?;
            println!("{}", secret.expose());
            Ok(())
        }
        Command::Programme(cmd) => programme(&cli.database_url, cmd).await,
        Command::Lokus(LokusCommand::Add { year, desa }) => {
            let store = open(&cli.database_url, PoolSettings::default()).await?;
            let codes: Vec<WilayahCode> = desa
                .iter()
                .map(|c| WilayahCode::parse(c))
                .collect::<Result<_, _>>()
                .context("desa code")?;
            let unknown = store.unknown_wilayah(&codes, Some(Level::Desa)).await?;
            if !unknown.is_empty() {
                bail!("kode desa tidak dikenal / unknown desa codes: {unknown:?}");
            }
            let added = store.add_lokus(year, &codes, CLI_ACTOR).await?;
            eprintln!("{added} desa lokus baru untuk {year} / new lokus desa");
            Ok(())
        }
        Command::Import {
            kind,
            file,
            effective,
        } => {
            let store = open(&cli.database_url, PoolSettings::default()).await?;
            import(&store, kind, &file, effective).await
        }
        Command::Cycle {
            command,
            programme,
            key_dir,
        } => {
            let store = open(&cli.database_url, PoolSettings::default()).await?;
            cycle(&store, command, programme, &key_dir).await
        }
        Command::Cards {
            period,
            desa,
            output,
            programme,
        } => {
            let store = open(&cli.database_url, PoolSettings::default()).await?;
            cards(&store, &period, &desa, &output, programme).await
        }
        Command::Keys { key_dir, command } => {
            let store = open(&cli.database_url, PoolSettings::default()).await?;
            keys(&store, &key_dir, command).await
        }
        Command::Audit(command) => {
            let store = open(&cli.database_url, PoolSettings::default()).await?;
            audit(&store, command).await
        }
        Command::Wilayah(WilayahCommand::Import { file }) => {
            let store = open(&cli.database_url, PoolSettings::default()).await?;
            let text = std::fs::read_to_string(&file)
                .with_context(|| format!("reading {}", file.display()))?;
            let rows = demo::parse_wilayah_csv(&text)?;
            let n = store.upsert_wilayah(&rows).await?;
            eprintln!("{n} wilayah dimuat / loaded");
            Ok(())
        }
    }
}

/// Connects and migrates: every command that needs the schema gets it.
async fn open(database_url: &str, pool: PoolSettings) -> anyhow::Result<Store> {
    let store = Store::connect(database_url, pool)
        .await
        .context("connecting to the database")?;
    store.migrate().await.context("migrating the database")?;
    Ok(store)
}

/// The deployment id: `RELASI_DEPLOYMENT_ID` the first time, then whatever was stored.
async fn deployment(store: &Store, default: &str) -> anyhow::Result<DeploymentId> {
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

async fn create_token(
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

async fn serve(database_url: &str, args: ServeArgs) -> anyhow::Result<()> {
    let pool = PoolSettings {
        max_connections: args.db_pool,
        ..PoolSettings::default()
    };
    let store = open(database_url, pool).await?;
    let deployment = deployment(&store, "relasi").await?;
    let config = Config {
        body_limit_bytes: args.body_limit_bytes,
        import_limit_bytes: args.import_limit_bytes,
        request_timeout: std::time::Duration::from_secs(args.request_timeout_secs),
        key_dir: args.key_dir,
        balance_limit: relasi::api::BalanceLimit {
            burst: args.balance_burst,
            refill_ms: args.balance_refill_ms,
        },
        checkpoint_interval_secs: args.checkpoint_secs,
        ..Config::default()
    };
    let (listener, addr) = server::bind(&args.bind)
        .await
        .with_context(|| format!("binding {}", args.bind))?;
    tracing::info!(%addr, backend = store.backend().name(), "serving");
    eprintln!("RELASI siap / ready: http://{addr}");
    server::serve(listener, AppState::new(store, config, deployment)).await?;
    Ok(())
}

async fn run_demo(args: DemoArgs) -> anyhow::Result<()> {
    if !args.demo_db.starts_with("sqlite:") {
        bail!("the demo runs on embedded SQLite only (--demo-db sqlite://FILE)");
    }
    let store = open(&args.demo_db, PoolSettings::default()).await?;
    let deployment = deployment(&store, "demo-pasuruan").await?;
    let summary = demo::seed(&store).await?;
    if relasi::signing::active(&store.signing_keys().await?).is_err() {
        let public = relasi::signing::generate(&args.key_dir)?;
        store.add_signing_key(public, "cli:demo").await?;
    }
    let programme = store
        .programme_by_number(demo::DEMO_PROGRAMME_NUMBER)
        .await?;
    let period = demo::demo_period();
    let issued = relasi::jobs::issue::issue_cycle(
        &store,
        &programme,
        period,
        &args.key_dir,
        "cli:demo",
        &|_| {},
    )
    .await?;
    let admin = create_token(&store, Role::Admin, None, "demo admin").await?;
    let merchant = create_token(&store, Role::Merchant, Some(MerchantId(1)), "demo toko 1").await?;
    let (listener, addr) = server::bind(&args.bind)
        .await
        .with_context(|| format!("binding {}", args.bind))?;
    let reused = if summary.created {
        "dibuat / created"
    } else {
        "dipakai ulang / reused"
    };
    // The banner is for whoever started the demo; if they stop reading (a closed pipe), the
    // server must still run, so it is written once and write errors are ignored.
    let mut banner = String::new();
    let _ = writeln!(
        banner,
        "RELASI demo — Kabupaten Pasuruan (35.14), program {}",
        period
    );
    let _ = writeln!(
        banner,
        "  basis data / database : {} ({reused})",
        args.demo_db
    );
    let _ = writeln!(
        banner,
        "  isi / contents        : {} KK, {} anggota / members, {} toko / shops",
        summary.households, summary.members, summary.merchants
    );
    let _ = writeln!(banner, "  server                : http://{addr}");
    let _ = writeln!(banner, "  token admin           : {}", admin.expose());
    let _ = writeln!(banner, "  token toko / merchant : {}", merchant.expose());
    let _ = writeln!(
        banner,
        "  coba / try            : curl -H 'Authorization: Bearer {}' http://{addr}/v1/budgets",
        admin.expose()
    );
    let _ = writeln!(
        banner,
        "  voucher {}          : {} layak / eligible, {} terbit / issued now, {} sudah / before, {} tanpa dana / unfunded",
        period, issued.eligible, issued.issued, issued.already_issued, issued.skipped_budget
    );
    let _ = writeln!(
        banner,
        "  kartu / cards         : curl -H 'Authorization: Bearer {}' -o kartu.pdf 'http://{addr}/v1/cycles/{}/cards.pdf?desa=35.14.05.2005'",
        admin.expose(),
        period
    );
    let _ = std::io::Write::write_all(&mut std::io::stdout(), banner.as_bytes());
    if args.no_serve {
        return Ok(());
    }
    let config = Config {
        key_dir: args.key_dir,
        ..Config::default()
    };
    server::serve(listener, AppState::new(store, config, deployment)).await?;
    Ok(())
}

async fn import(
    store: &Store,
    kind: ImportKind,
    file: &std::path::Path,
    effective: Option<chrono::NaiveDate>,
) -> anyhow::Result<()> {
    use relasi::domain::registry::RegistryKind;
    use relasi::jobs::import::{ImportError, count_rows, import_registry};
    let bytes = std::fs::read(file).with_context(|| format!("reading {}", file.display()))?;
    let today = chrono::Utc::now()
        .with_timezone(&chrono::FixedOffset::east_opt(7 * 3600).context("offset")?)
        .date_naive();
    let bar = indicatif::ProgressBar::new(count_rows(&bytes));
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{msg} [{bar:40}] {pos}/{len} baris/rows ({per_sec})",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    bar.set_message("impor / import");
    let kind = match kind {
        ImportKind::Households => RegistryKind::Households,
        ImportKind::Members => RegistryKind::Members,
    };
    let progress = |n: u64| bar.inc(n);
    let result = import_registry(
        store,
        bytes,
        Some(kind),
        effective.unwrap_or(today),
        today,
        CLI_ACTOR,
        &progress,
    )
    .await;
    bar.finish_and_clear();
    match result {
        Ok(r) => {
            println!("{}", serde_json::to_string(&r)?);
            Ok(())
        }
        Err(ImportError::Refused(refused)) => {
            for e in &refused.errors {
                eprintln!("baris / line {}: {}: {}", e.line, e.field, e.reason);
            }
            bail!(
                "{} baris ditolak, tidak ada yang disimpan / rows refused, nothing written",
                refused.errors.len()
            )
        }
        Err(e) => Err(e.into()),
    }
}

async fn cycle(
    store: &Store,
    command: CycleCommand,
    programme: Option<u16>,
    key_dir: &std::path::Path,
) -> anyhow::Result<()> {
    use relasi::domain::ids::Period;
    let programme = store
        .resolve_programme(programme)
        .await
        .context("programme (use --programme N)")?;
    match command {
        CycleCommand::Open { period } => {
            let period = Period::parse(&period)?;
            let (from, until) = relasi::domain::voucher::default_validity(
                period,
                programme.settings.utc_offset_hours,
            )
            .context("period out of range")?;
            let (cycle, opened) = store
                .open_cycle(programme.id, period, from, until, CLI_ACTOR)
                .await?;
            println!("{}", serde_json::to_string(&cycle)?);
            if opened == relasi::store::Opened::Existing {
                eprintln!("siklus sudah dibuka / cycle was already open");
            }
        }
        CycleCommand::Issue { period } => {
            let period = Period::parse(&period)?;
            let (households, _) = store.count_registry().await?;
            let bar = indicatif::ProgressBar::new(u64::try_from(households).unwrap_or(0));
            bar.set_style(
                indicatif::ProgressStyle::with_template(
                    "{msg} [{bar:40}] {pos}/{len} KK ({per_sec})",
                )
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
            );
            bar.set_message("terbit / issue");
            let progress = |n: u64| bar.inc(n);
            let report = relasi::jobs::issue::issue_cycle(
                store, &programme, period, key_dir, CLI_ACTOR, &progress,
            )
            .await;
            bar.finish_and_clear();
            println!("{}", serde_json::to_string(&report?)?);
        }
    }
    Ok(())
}

async fn cards(
    store: &Store,
    period: &str,
    desa: &str,
    output: &std::path::Path,
    programme: Option<u16>,
) -> anyhow::Result<()> {
    let period = relasi::domain::ids::Period::parse(period)?;
    let desa = WilayahCode::parse(desa)?;
    let programme = store
        .resolve_programme(programme)
        .await
        .context("programme (use --programme N)")?;
    let pdf = relasi::jobs::cards::card_sheet(store, &programme, period, &desa).await?;
    std::fs::write(output, pdf).with_context(|| format!("writing {}", output.display()))?;
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

async fn audit(store: &Store, command: AuditCommand) -> anyhow::Result<()> {
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

async fn keys(
    store: &Store,
    key_dir: &std::path::Path,
    command: KeysCommand,
) -> anyhow::Result<()> {
    use relasi::signing;
    match command {
        KeysCommand::Generate => {
            if signing::active(&store.signing_keys().await?).is_ok() {
                bail!("a signing key is already active: use `relasi keys rotate`");
            }
            let public = signing::generate(key_dir)?;
            store.add_signing_key(public, CLI_ACTOR).await?;
            println!("{}", relasi_token::Kid::of_bytes(&public));
        }
        KeysCommand::Rotate { verify_days } => {
            let public = signing::generate(key_dir)?;
            store
                .rotate_signing_key(public, verify_days.saturating_mul(86_400), CLI_ACTOR)
                .await?;
            println!("{}", relasi_token::Kid::of_bytes(&public));
        }
        KeysCommand::List => {
            for k in store.signing_keys().await? {
                let at = |t: Option<chrono::DateTime<chrono::Utc>>| {
                    t.map_or("-".to_owned(), |t| t.to_rfc3339())
                };
                println!(
                    "{}  {:8}  signing {} .. {}  verify until {}",
                    k.kid,
                    k.status.as_str(),
                    k.signing_from.to_rfc3339(),
                    at(k.signing_until),
                    at(k.verify_until)
                );
            }
        }
        KeysCommand::Revoke { kid } => {
            let kid = relasi_token::Kid::from_hex(&kid).context("kid must be 8 hex digits")?;
            store.revoke_signing_key(kid, CLI_ACTOR).await?;
            eprintln!("kunci {kid} dicabut / revoked");
        }
    }
    Ok(())
}

async fn programme(database_url: &str, cmd: ProgrammeCommand) -> anyhow::Result<()> {
    let store = open(database_url, PoolSettings::default()).await?;
    match cmd {
        ProgrammeCommand::Create(a) => {
            let settings = ProgrammeSettings {
                max_desil: a.max_desil,
                voucher_base: Rupiah::parse(&a.base)?,
                voucher_per_member: Rupiah::parse(&a.per_member)?,
                voucher_cap: Rupiah::parse(&a.cap)?,
                categories: a
                    .categories
                    .iter()
                    .map(|c| Category::parse(c))
                    .collect::<Result<_, _>>()?,
                reversal_window_secs: a.reversal_window_hours.saturating_mul(3600),
                utc_offset_hours: a.utc_offset_hours,
                offline_allowed: a.offline,
            };
            settings.validate()?;
            let p = store
                .create_programme(a.number, &a.name, a.year, &settings, CLI_ACTOR)
                .await?;
            println!("{}", serde_json::to_string_pretty(&p)?);
        }
        ProgrammeCommand::Show { number } => {
            let all = store.programmes().await?;
            let shown: Vec<_> = all
                .into_iter()
                .filter(|p| number.is_none_or(|n| p.number == n))
                .collect();
            println!("{}", serde_json::to_string_pretty(&shown)?);
        }
    }
    Ok(())
}
