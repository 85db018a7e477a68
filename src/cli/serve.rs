//! `relasi serve` and `relasi demo`.

use super::{deployment, open, with_replica};
use anyhow::{Context, bail};
use clap::Args;
use relasi::api::client_addr::TrustedProxies;
use relasi::api::{AppState, BalanceLimit, Config};
use relasi::domain::auth::Role;
use relasi::domain::ids::MerchantId;
use relasi::store::{BatchSettings, PoolSettings, Store};
use relasi::usecases::InputLimits;
use relasi::{demo, server};
use relasi_token::DeploymentId;
use std::fmt::Write as _;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

#[derive(Args, Debug)]
pub struct ServeArgs {
    /// Listen address.
    #[arg(long, env = "RELASI_BIND", default_value = server::DEFAULT_BIND)]
    bind: String,
    /// Largest request body in bytes.
    #[arg(long, env = "RELASI_BODY_LIMIT_BYTES", default_value_t = Config::DEFAULT_BODY_LIMIT_BYTES)]
    body_limit_bytes: usize,
    /// Largest registry CSV upload in bytes.
    #[arg(long, env = "RELASI_IMPORT_LIMIT_BYTES", default_value_t = Config::DEFAULT_IMPORT_LIMIT_BYTES)]
    import_limit_bytes: usize,
    /// Request timeout in seconds.
    #[arg(long, env = "RELASI_REQUEST_TIMEOUT_SECS", default_value_t = Config::DEFAULT_REQUEST_TIMEOUT_SECS)]
    request_timeout_secs: u64,
    /// Most database connections.
    #[arg(long, env = "RELASI_DB_POOL", default_value_t = PoolSettings::DEFAULT_MAX_CONNECTIONS)]
    db_pool: u32,
    /// Where the voucher signing keys live.
    #[arg(long, env = "RELASI_KEY_DIR", default_value = relasi::signing::DEFAULT_KEY_DIR)]
    key_dir: PathBuf,
    /// Public balance checks allowed at once per client address.
    #[arg(long, env = "RELASI_BALANCE_BURST", default_value_t = BalanceLimit::DEFAULT_BURST)]
    balance_burst: u32,
    /// Milliseconds until a client address earns one more balance check.
    #[arg(long, env = "RELASI_BALANCE_REFILL_MS", default_value_t = BalanceLimit::DEFAULT_REFILL_MS)]
    balance_refill_ms: u64,
    /// Sign-in attempts (`POST /v1/login`) allowed at once per client address.
    #[arg(long, env = "RELASI_LOGIN_BURST", default_value_t = BalanceLimit::DEFAULT_LOGIN_BURST)]
    login_burst: u32,
    /// Milliseconds until a client address earns one more sign-in attempt.
    #[arg(long, env = "RELASI_LOGIN_REFILL_MS", default_value_t = BalanceLimit::DEFAULT_LOGIN_REFILL_MS)]
    login_refill_ms: u64,
    /// Seconds between signed journal checkpoints (0: only `relasi audit checkpoint`).
    #[arg(long, env = "RELASI_CHECKPOINT_SECS", default_value_t = Config::DEFAULT_CHECKPOINT_INTERVAL_SECS)]
    checkpoint_secs: u64,
    /// Most sales committed together in one transaction (group commit); 1 turns it off.
    #[arg(long, env = "RELASI_SALE_BATCH", default_value_t = BatchSettings::DEFAULT_MAX_SALES)]
    sale_batch: usize,
    /// Longest a batch waits for more sales while under load, in microseconds.
    #[arg(long, env = "RELASI_SALE_BATCH_WAIT_US", default_value_t = BatchSettings::DEFAULT_MAX_WAIT_US)]
    sale_batch_wait_us: u64,
    /// The address phones reach this server at (https://host): card QRs then hold a link the
    /// family's camera app opens.
    #[arg(long, env = "RELASI_PUBLIC_URL")]
    public_url: Option<String>,
    /// Longest a database statement may run, in milliseconds (PostgreSQL `statement_timeout`;
    /// SQLite's busy timeout).
    #[arg(long, env = "RELASI_DB_STATEMENT_TIMEOUT_MS", default_value_t = PoolSettings::DEFAULT_STATEMENT_TIMEOUT_MS)]
    db_statement_timeout_ms: u64,
    /// Reverse proxies (addresses or CIDR ranges, comma-separated) whose X-Forwarded-For names
    /// the client for the rate limits; none by default.
    #[arg(long, env = "RELASI_TRUSTED_PROXIES", default_value = "")]
    trusted_proxies: String,
    /// Most data rows of one registry CSV.
    #[arg(long, env = "RELASI_IMPORT_MAX_ROWS", default_value_t = relasi::domain::registry::MAX_ROWS)]
    import_max_rows: usize,
    /// Vouchers per page of the voucher list.
    #[arg(long, env = "RELASI_PAGE_SIZE", default_value_t = Config::DEFAULT_PAGE_SIZE)]
    page_size: i64,
    /// Longest token text accepted, in characters (at most 256).
    #[arg(long, env = "RELASI_TOKEN_TEXT_MAX_CHARS", default_value_t = relasi_token::MAX_TEXT_INPUT)]
    token_text_max_chars: usize,
    /// Longest Idempotency-Key, in characters (at most 128).
    #[arg(long, env = "RELASI_IDEMPOTENCY_KEY_MAX_CHARS", default_value_t = relasi::domain::sale::MAX_IDEMPOTENCY_KEY_BYTES)]
    idempotency_key_max_chars: usize,
    #[command(flatten)]
    tls: TlsArgs,
}

/// Built-in HTTPS (docs/deploy.md "HTTPS"): both files, or neither for plain HTTP behind a proxy.
#[derive(Args, Debug)]
pub struct TlsArgs {
    /// Certificate chain (PEM, leaf first) to serve HTTPS with; needs --tls-key.
    #[arg(long, env = "RELASI_TLS_CERT", requires = "tls_key")]
    tls_cert: Option<PathBuf>,
    /// Private key (PEM) of --tls-cert.
    #[arg(long, env = "RELASI_TLS_KEY", requires = "tls_cert")]
    tls_key: Option<PathBuf>,
}

impl TlsArgs {
    /// The rustls config, read and checked before anything listens (None: plain HTTP).
    fn load(&self) -> anyhow::Result<Option<std::sync::Arc<rustls::ServerConfig>>> {
        let (Some(cert), Some(key)) = (&self.tls_cert, &self.tls_key) else {
            return Ok(None);
        };
        let files = server::tls::TlsFiles {
            cert: cert.clone(),
            key: key.clone(),
        };
        Ok(Some(
            files.load().context("RELASI_TLS_CERT / RELASI_TLS_KEY")?,
        ))
    }
}

/// `https` with built-in TLS, `http` without.
fn scheme(tls: &Option<std::sync::Arc<rustls::ServerConfig>>) -> &'static str {
    if tls.is_some() { "https" } else { "http" }
}

#[derive(Args, Debug)]
pub struct DemoArgs {
    /// The demo's own SQLite file (never your DATABASE_URL, so demo data cannot mix with real data).
    #[arg(long = "demo-db", default_value = "sqlite://relasi-demo.db")]
    demo_db: String,
    /// Listen address.
    #[arg(long, env = "RELASI_BIND", default_value = server::DEFAULT_BIND)]
    bind: String,
    /// The demo's own signing keys.
    #[arg(long = "demo-key-dir", default_value = "relasi-demo-keys")]
    key_dir: PathBuf,
    /// Seed and print tokens, but do not serve.
    #[arg(long)]
    no_serve: bool,
    #[command(flatten)]
    tls: TlsArgs,
}

pub async fn serve(
    database_url: &str,
    report_url: Option<&str>,
    args: ServeArgs,
) -> anyhow::Result<()> {
    let tls = args.tls.load()?;
    let pool = PoolSettings {
        max_connections: args.db_pool,
        statement_timeout: Some(std::time::Duration::from_millis(
            args.db_statement_timeout_ms,
        )),
        ..PoolSettings::default()
    };
    let limits = limits(&args)?;
    let store = open(database_url, pool).await?;
    let store = with_replica(store, report_url, pool).await?;
    let deployment = deployment(&store, "relasi").await?;
    let config = Config {
        trusted_proxies: limits.trusted_proxies,
        import_max_rows: limits.import_max_rows,
        page_size: limits.page_size,
        input_limits: limits.input_limits,
        body_limit_bytes: args.body_limit_bytes,
        import_limit_bytes: args.import_limit_bytes,
        request_timeout: std::time::Duration::from_secs(args.request_timeout_secs),
        key_dir: args.key_dir,
        balance_limit: BalanceLimit {
            burst: args.balance_burst,
            refill_ms: args.balance_refill_ms,
        },
        login_limit: BalanceLimit {
            burst: args.login_burst,
            refill_ms: args.login_refill_ms,
        },
        checkpoint_interval_secs: args.checkpoint_secs,
        public_url: public_url(args.public_url.as_deref())?,
        sale_batch: BatchSettings {
            max_sales: args.sale_batch.max(1),
            max_wait: std::time::Duration::from_micros(args.sale_batch_wait_us),
            ..BatchSettings::default()
        },
        ..Config::default()
    };
    let (listener, addr) = server::bind(&args.bind)
        .await
        .with_context(|| format!("binding {}", args.bind))?;
    let scheme = scheme(&tls);
    tracing::info!(%addr, scheme, backend = store.backend().name(), "serving");
    eprintln!("RELASI siap / ready: {scheme}://{addr}");
    server::serve_with(listener, tls, AppState::new(store, config, deployment)).await?;
    Ok(())
}

/// The input limits of `serve`, checked: each within what the code beneath it accepts.
fn limits(args: &ServeArgs) -> anyhow::Result<Config> {
    let within = |name: &str, value: usize, most: usize| {
        if (1..=most).contains(&value) {
            Ok(value)
        } else {
            Err(anyhow::anyhow!("{name} must be 1 to {most}"))
        }
    };
    let page_size = usize::try_from(args.page_size).unwrap_or(0);
    let page_size_most = usize::try_from(Config::MAX_PAGE_SIZE).unwrap_or(usize::MAX);
    Ok(Config {
        trusted_proxies: TrustedProxies::parse(&args.trusted_proxies)
            .map_err(|e| anyhow::anyhow!("RELASI_TRUSTED_PROXIES: {e}"))?,
        import_max_rows: within(
            "RELASI_IMPORT_MAX_ROWS",
            args.import_max_rows,
            relasi::domain::registry::MAX_ROWS,
        )?,
        page_size: i64::try_from(within("RELASI_PAGE_SIZE", page_size, page_size_most)?)
            .unwrap_or(Config::DEFAULT_PAGE_SIZE),
        input_limits: InputLimits {
            token_text_max_chars: within(
                "RELASI_TOKEN_TEXT_MAX_CHARS",
                args.token_text_max_chars,
                relasi_token::MAX_TEXT_INPUT,
            )?,
            idempotency_key_max_chars: within(
                "RELASI_IDEMPOTENCY_KEY_MAX_CHARS",
                args.idempotency_key_max_chars,
                relasi::domain::sale::MAX_IDEMPOTENCY_KEY_BYTES,
            )?,
        },
        ..Config::default()
    })
}

/// What the demo banner tells whoever started it.
struct Banner<'a> {
    db: &'a str,
    reused: bool,
    summary: &'a demo::DemoSummary,
    issued: &'a relasi::jobs::issue::IssueReport,
    period: relasi::domain::ids::Period,
    addr: SocketAddr,
    scheme: &'static str,
    admin: &'a str,
    merchant: &'a str,
    sales: usize,
}

impl Banner<'_> {
    fn text(&self) -> String {
        let (a, p) = (self.admin, self.period);
        let addr = format!("{}://{}", self.scheme, self.addr);
        let reused = if self.reused {
            "dipakai ulang / reused"
        } else {
            "dibuat / created"
        };
        let s = self.summary;
        let i = self.issued;
        let mut b = String::new();
        let _ = writeln!(b, "RELASI demo — Kabupaten Pasuruan (35.14), program {p}");
        let _ = writeln!(b, "  basis data / database : {} ({reused})", self.db);
        let _ = writeln!(
            b,
            "  isi / contents        : {} KK, {} anggota / members, {} toko / shops",
            s.households, s.members, s.merchants
        );
        let _ = writeln!(b, "  server                : {addr}");
        let _ = writeln!(b, "  token admin           : {a}");
        let _ = writeln!(b, "  token toko / merchant : {}", self.merchant);
        let _ = writeln!(b, "  halaman / pages       : {addr}/masuk");
        for l in relasi::demo::DEMO_LOGINS {
            let _ = writeln!(
                b,
                "  masuk / sign in       : {} / {}  ({})",
                l.name, l.password, l.who
            );
        }
        let _ = writeln!(b, "  keluarga / family     : {addr}/saldo");
        let _ = writeln!(
            b,
            "  coba / try            : curl -H 'Authorization: Bearer {a}' {addr}/v1/budgets"
        );
        let _ = writeln!(
            b,
            "  voucher {p}          : {} layak / eligible, {} terbit / issued now, {} sudah / before, {} tanpa dana / unfunded",
            i.eligible, i.issued, i.already_issued, i.skipped_budget
        );
        let _ = writeln!(
            b,
            "  kartu / cards         : curl -H 'Authorization: Bearer {a}' -o kartu.pdf '{addr}/v1/cycles/{p}/cards.pdf?desa=35.14.05.2005'"
        );
        let _ = writeln!(
            b,
            "  belanja / sales       : {} contoh dibuat / sample sales made now; keuangan: {addr}/keuangan",
            self.sales
        );
        b
    }
}

pub async fn demo(args: DemoArgs) -> anyhow::Result<()> {
    if !args.demo_db.starts_with("sqlite:") {
        bail!("the demo runs on embedded SQLite only (--demo-db sqlite://FILE)");
    }
    let tls = args.tls.load()?;
    let store = open(&args.demo_db, PoolSettings::default()).await?;
    let deployment = deployment(&store, "demo-pasuruan").await?;
    let seeded = seed(&store, &deployment, &args.key_dir).await?;
    let admin = super::tokens::create_token(&store, Role::Admin, None, "demo admin").await?;
    let merchant =
        super::tokens::create_token(&store, Role::Merchant, Some(MerchantId(1)), "demo toko 1")
            .await?;
    let (listener, addr) = server::bind(&args.bind)
        .await
        .with_context(|| format!("binding {}", args.bind))?;
    let banner = Banner {
        db: &args.demo_db,
        reused: !seeded.summary.created,
        summary: &seeded.summary,
        issued: &seeded.issued,
        period: seeded.period,
        addr,
        scheme: scheme(&tls),
        admin: admin.expose(),
        merchant: merchant.expose(),
        sales: seeded.sales,
    };
    // The banner is for whoever started the demo; if they stop reading (a closed pipe), the
    // server must still run, so it is written once and write errors are ignored.
    let _ = std::io::Write::write_all(&mut std::io::stdout(), banner.text().as_bytes());
    if args.no_serve {
        return Ok(());
    }
    let config = Config {
        key_dir: args.key_dir,
        ..Config::default()
    };
    server::serve_with(listener, tls, AppState::new(store, config, deployment)).await?;
    Ok(())
}

/// What the demo put in its database.
struct Seeded {
    summary: demo::DemoSummary,
    period: relasi::domain::ids::Period,
    issued: relasi::jobs::issue::IssueReport,
    sales: usize,
}

/// Seeds the demo (once), makes a signing key if there is none, issues this month's vouchers,
/// makes the demo accounts and some sales.
async fn seed(store: &Store, deployment: &DeploymentId, key_dir: &Path) -> anyhow::Result<Seeded> {
    let summary = demo::seed(store).await?;
    if relasi::signing::active(&store.signing_keys().await?).is_err() {
        let public = relasi::signing::generate(key_dir)?;
        store.add_signing_key(public, "cli:demo").await?;
    }
    let programme = store
        .programme_by_number(demo::DEMO_PROGRAMME_NUMBER)
        .await?;
    let period = demo::demo_period();
    let issued =
        relasi::usecases::cycles::issue(store, &programme, period, key_dir, "cli:demo", &|_| {})
            .await
            .map_err(super::refused)?;
    relasi::demo::demo_accounts(store)
        .await
        .map_err(super::refused)?;
    let keys = relasi::keyring::KeyRing::new(
        store.clone(),
        key_dir.to_path_buf(),
        std::time::Duration::ZERO,
    );
    let ledger = relasi::usecases::Ledger {
        store,
        keys: &keys,
        deployment,
        limits: InputLimits::default(),
    };
    let sales = demo::seed_sales(ledger, relasi::store::now_us())
        .await
        .map_err(super::refused)?;
    Ok(Seeded {
        summary,
        period,
        issued,
        sales,
    })
}

/// The public address, checked (`http(s)://host[:port]`).
pub fn public_url(text: Option<&str>) -> anyhow::Result<Option<String>> {
    text.filter(|t| !t.trim().is_empty())
        .map(|t| {
            relasi::usecases::pairing::base_url(t)
                .map_err(|p| anyhow::anyhow!("RELASI_PUBLIC_URL: {p}"))
        })
        .transpose()
}
