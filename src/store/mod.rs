//! The storage boundary: the only module that writes SQL.
//!
//! One [`Store`] type talks to either PostgreSQL or SQLite. Every query is written once: the
//! `with_pool!` macro compiles the same body against each backend's pool, and the schemas
//! (`migrations/postgres`, `migrations/sqlite`) keep the same tables, columns and constraints
//! so the same SQL text serves both. Where the dialects differ, the SQL is chosen per backend
//! next to the query, and the conformance suite (`tests/it`) runs every story on both.

mod accounts;
mod audit;
mod batch;
mod budgets;
mod cycles;
mod dashboard;
mod deployment;
mod handovers;
mod households;
mod journal;
mod keys;
mod merchants;
mod pii;
mod programmes;
mod reconcile;
mod redemptions;
mod replica;
mod sales;
mod settlements;
mod tokens;
mod vouchers;
mod wilayah;

pub use accounts::{AccountInfo, LoginRecord};
pub(crate) use audit::AuditWriter;
pub use batch::{BatchSettings, BatchStats, SaleDebit};
pub use cycles::Opened;
pub use dashboard::DesaFigures;
pub use households::{Progress, RegistryCounts, UpsertCounts};
pub(crate) use journal::{JournalWriter, NewEntry};
pub use journal::{StoredCheckpoint, StoredReceipt, VoucherLedger};
pub use keys::Revocation;
pub use merchants::{MerchantRow, NewMerchant};
pub use pii::Rotated;
pub use reconcile::{MonthFacts, MonthScope, NewRun, RunHead};
pub use redemptions::{
    Answer, AnswerFn, BalanceFacts, Debit, DebitResult, Decline, LedgerRow, Reversal,
    ReversalRefusal, Reversed, StoredAnswer,
};
pub use sales::{DesaEntry, ShopEntry};
pub use settlements::{Flag, Settlement, StatementEntry};
pub use tokens::{TokenInfo, TokenOptions};
pub use vouchers::{NewVoucher, Remaining, ReplaceRefusal};
pub use wilayah::{BUILTIN_WILAYAH_SOURCE, LokusDesa, WilayahLoad, builtin_wilayah};

use crate::domain::ids::{Kk, Nik};
use crate::pii::NumberKind;
use relasi_codes::Code;
use sqlx::pool::PoolOptions;
use sqlx::postgres::{PgConnectOptions, PgPool};

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqliteSynchronous};
use std::str::FromStr;
use std::time::Duration;

/// The default database: an SQLite file in the working directory.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://relasi.db";

/// Pool limits: explicit, so a burst of requests queues instead of exhausting the database.
#[derive(Clone, Copy, Debug)]
pub struct PoolSettings {
    /// Most connections held open.
    pub max_connections: u32,
    /// How long a request waits for a free connection before failing with 503.
    pub acquire_timeout: Duration,
    /// How long a write waits for SQLite's single writer connection. Writes queue for it in
    /// order, each a few milliseconds, so a burst of sales is served by waiting, not refused:
    /// this is longer than `acquire_timeout` (and shorter than the request timeout).
    pub write_acquire_timeout: Duration,
    /// Longest one statement may run: PostgreSQL's `statement_timeout` on every connection,
    /// SQLite's busy timeout (how long a write waits for another process's lock). `None`: no
    /// PostgreSQL limit and SQLite's default wait (the CLI's long imports and migrations).
    pub statement_timeout: Option<Duration>,
}

impl PoolSettings {
    /// Most connections by default.
    pub const DEFAULT_MAX_CONNECTIONS: u32 = 16;
    /// The server's statement timeout by default (below the request timeout, so a runaway
    /// statement ends before its request is answered 503).
    pub const DEFAULT_STATEMENT_TIMEOUT_MS: u64 = 20_000;
    /// SQLite's busy timeout when no statement timeout is set.
    const SQLITE_BUSY_TIMEOUT: Duration = Duration::from_secs(10);
}

impl Default for PoolSettings {
    fn default() -> Self {
        PoolSettings {
            max_connections: PoolSettings::DEFAULT_MAX_CONNECTIONS,
            acquire_timeout: Duration::from_secs(5),
            write_acquire_timeout: Duration::from_secs(20),
            statement_timeout: None,
        }
    }
}

/// SQLite page cache of the one writer connection, in KiB.
pub const SQLITE_WRITER_CACHE_KIB: u32 = 16 * 1024;
/// SQLite page cache of each reader connection, in KiB (SQLite's own default). With the
/// default pool the caches together stay under 16 + 16 × 2 = 48 MiB, which a 2 GB district
/// server affords; before, 64 MiB on every connection allowed about 1 GiB.
pub const SQLITE_READER_CACHE_KIB: u32 = 2 * 1024;
/// Size a checkpointed WAL file is truncated back to.
pub const SQLITE_WAL_LIMIT_BYTES: u64 = 64 * 1024 * 1024;

/// The `cache_size` pragma for a cache of `kib` KiB (negative values are KiB in SQLite).
fn cache_pragma(kib: u32) -> String {
    format!("-{kib}")
}

/// Which database engine a store runs on.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Backend {
    /// PostgreSQL (production).
    Postgres,
    /// Embedded SQLite (default, demo, single-office use).
    Sqlite,
}

impl Backend {
    /// Lower-case name, as in test output and metrics.
    pub fn name(self) -> &'static str {
        match self {
            Backend::Postgres => "postgres",
            Backend::Sqlite => "sqlite",
        }
    }
}

#[derive(Clone, Debug)]
enum Pool {
    Postgres(PgPool),
    /// SQLite has one writer: write transactions queue for the single `write` connection (in
    /// order, in the pool) instead of sleeping in SQLite's busy handler; reads use `read`, whose
    /// connections are read-only, so a write sent the wrong way fails loudly.
    Sqlite {
        read: SqlitePool,
        write: SqlitePool,
    },
}

/// Handle to the database. Cheap to clone (it is a pool, and the queue of the sale batch
/// workers when batching is on).
#[derive(Clone, Debug)]
pub struct Store {
    pool: Pool,
    /// A PostgreSQL read replica for the heavy report reads (`replica.rs`); None: `pool`.
    reports: Option<PgPool>,
    batcher: Option<std::sync::Arc<batch::Batcher>>,
    /// Encrypts KK and NIK numbers and names on their way in, decrypts them on their way out.
    pii: std::sync::Arc<crate::pii::PiiKey>,
}

/// Runs `$body` with `$pool` bound to whichever pool the store holds. The body is compiled
/// once per backend, so one SQL text and one row mapping serve both.
macro_rules! with_pool {
    ($store:expr, $pool:ident => $body:expr) => {
        match &$store.pool {
            $crate::store::Pool::Postgres($pool) => $body,
            $crate::store::Pool::Sqlite { read: $pool, .. } => $body,
        }
    };
}
pub(crate) use with_pool;

/// Like `with_pool!`, for bodies that write: on SQLite, the single writer connection.
macro_rules! with_writer {
    ($store:expr, $pool:ident => $body:expr) => {
        match &$store.pool {
            $crate::store::Pool::Postgres($pool) => $body,
            $crate::store::Pool::Sqlite { write: $pool, .. } => $body,
        }
    };
}
pub(crate) use with_writer;

/// Like `with_pool!`, for the heavy read-only report queries (reconciliation's reads, the
/// dashboard): on the report replica when one is set (`Store::with_report_replica`).
macro_rules! with_report_pool {
    ($store:expr, $pool:ident => $body:expr) => {
        match (&$store.reports, &$store.pool) {
            (Some($pool), _) => $body,
            (None, $crate::store::Pool::Postgres($pool)) => $body,
            (None, $crate::store::Pool::Sqlite { read: $pool, .. }) => $body,
        }
    };
}
pub(crate) use with_report_pool;

/// What differs between the two engines, in one place. Implemented for each pool type so a
/// `with_pool!` body can ask its pool.
pub(crate) trait Engine {
    /// The sqlx database type.
    type Db: sqlx::Database;
    /// Opens a write transaction. On SQLite it takes the write lock at once (`BEGIN IMMEDIATE`),
    /// so a transaction that reads before it writes cannot fail half-way on a lock upgrade.
    fn begin_write(
        &self,
    ) -> impl Future<Output = Result<sqlx::Transaction<'static, Self::Db>, sqlx::Error>> + Send;
}

impl Engine for PgPool {
    type Db = sqlx::Postgres;
    /// Read committed, whatever the server's default: every money statement is written for it
    /// (one conditional update decides; row locks order the rest), and a server configured for
    /// serializable would answer concurrent sales with serialization failures instead.
    fn begin_write(
        &self,
    ) -> impl Future<Output = Result<sqlx::Transaction<'static, Self::Db>, sqlx::Error>> + Send
    {
        self.begin_with("begin isolation level read committed")
    }
}

impl Engine for SqlitePool {
    type Db = sqlx::Sqlite;
    fn begin_write(
        &self,
    ) -> impl Future<Output = Result<sqlx::Transaction<'static, Self::Db>, sqlx::Error>> + Send
    {
        self.begin_with("BEGIN IMMEDIATE")
    }
}

/// Storage failures, already sorted into what the caller can act on.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The row asked for does not exist.
    #[error("not found")]
    NotFound,
    /// The change conflicts with what is stored (a unique key, a state check).
    #[error("conflict: {0}")]
    Conflict(Code),
    /// The change names something that does not exist (a foreign key) or breaks a schema check.
    #[error("invalid: {0}")]
    Invalid(Code),
    /// Stored data that does not parse: our fault, never the client's. Logged once, answered
    /// 500 `internal` without this text.
    #[error("corrupt stored data: {0}")]
    Corrupt(&'static str),
    /// The store was configured wrongly (a bad `DATABASE_URL`).
    #[error("configuration: {0}")]
    Config(&'static str),
    /// The database could not be reached in time.
    #[error("database unavailable")]
    Unavailable(#[source] sqlx::Error),
    /// A serialization failure or deadlock: the transaction was rolled back and may be retried
    /// (money transactions are, a bounded number of times: [`retry_busy`]).
    #[error("database busy")]
    Busy(#[source] sqlx::Error),
    /// Anything else: a bug or an outage, logged and answered with 500/503.
    #[error("database error")]
    Database(#[source] sqlx::Error),
    /// Migrations failed.
    #[error("migration failed")]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

impl From<sqlx::Error> for StoreError {
    /// The one place where database errors become domain errors: busy transactions, lost
    /// connections, and constraint violations by the constraint's meaning ([`on_constraint`]).
    fn from(e: sqlx::Error) -> Self {
        use sqlx::error::ErrorKind;
        match &e {
            sqlx::Error::RowNotFound => StoreError::NotFound,
            sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) => {
                StoreError::Unavailable(e)
            }
            sqlx::Error::Database(db)
                if matches!(db.code().as_deref(), Some("40001" | "40P01")) =>
            {
                StoreError::Busy(e)
            }
            sqlx::Error::Database(db) if db.code().as_deref().is_some_and(server_gone) => {
                StoreError::Unavailable(e)
            }
            sqlx::Error::Database(db) => match db.kind() {
                kind @ (ErrorKind::UniqueViolation
                | ErrorKind::ForeignKeyViolation
                | ErrorKind::CheckViolation
                | ErrorKind::NotNullViolation) => on_constraint(kind, &constraint_key(db.as_ref())),
                _ => StoreError::Database(e),
            },
            _ => StoreError::Database(e),
        }
    }
}

/// An error code that says the database cannot serve the statement now, not that the statement
/// was wrong; the request is answered 503 and may be retried. PostgreSQL: connection exceptions
/// (class 08), an administrator's or a crash's shutdown (57P01–57P03, e.g. PostgreSQL being
/// stopped or restarted), too many connections (53300), a statement ended by
/// `statement_timeout` (57014) or a lock not available (55P03). SQLite: the file stayed locked
/// by another process past the busy timeout (SQLITE_BUSY 5 and its extended codes 261, 517;
/// SQLITE_LOCKED 6).
fn server_gone(code: &str) -> bool {
    code.starts_with("08")
        || matches!(
            code,
            "57P01" | "57P02" | "57P03" | "53300" | "57014" | "55P03" | "5" | "6" | "261" | "517"
        )
}

/// The violated constraint as both engines can name it: PostgreSQL's constraint name, or
/// SQLite's "table.column, …" (SQLite names no constraint, only the columns or the check).
fn constraint_key(db: &dyn sqlx::error::DatabaseError) -> String {
    if let Some(name) = db.constraint() {
        return name.to_owned();
    }
    let message = db.message();
    message
        .split_once("constraint failed: ")
        .map_or(message, |(_, key)| key)
        .trim()
        .to_owned()
}

/// What a violated constraint means to the user. Each unique key a request can meet has its
/// own code, so two different conflicts never read the same; the rest fall back by kind.
fn on_constraint(kind: sqlx::error::ErrorKind, key: &str) -> StoreError {
    use sqlx::error::ErrorKind;
    let code = match key {
        "programmes_number_key" | "programmes.number" => Code::ProgrammeNumberTaken,
        "vouchers_one_per_household" | "vouchers.cycle_id, vouchers.no_kk" => {
            Code::VoucherAlreadyIssued
        }
        "vouchers_replaced_once" | "vouchers.replaces" => Code::AlreadyReplaced,
        "redemptions_reverses_id_key" | "redemptions.reverses_id" => Code::AlreadyReversed,
        "idempotency_keys_pkey"
        | "idempotency_keys.merchant_id, idempotency_keys.idempotency_key"
        | "redemptions_merchant_id_idempotency_key_key"
        | "redemptions.merchant_id, redemptions.idempotency_key" => Code::IdempotencyKeyReused,
        "signing_keys_one_active" | "signing_keys.status" => Code::SigningKeyActive,
        "budget_lines_committed_rp_check" | "committed_rp >= 0 and committed_rp <= amount_rp" => {
            Code::BudgetExhausted
        }
        "vouchers_spent_rp_check" | "spent_rp >= 0 and spent_rp <= face_value_rp" => {
            Code::InsufficientBalance
        }
        _ => match kind {
            ErrorKind::UniqueViolation => Code::AlreadyExists,
            ErrorKind::ForeignKeyViolation => Code::UnknownReference,
            _ => Code::ConstraintViolated,
        },
    };
    match kind {
        ErrorKind::UniqueViolation => StoreError::Conflict(code),
        _ if code.status() == 409 => StoreError::Conflict(code),
        _ => StoreError::Invalid(code),
    }
}

/// Result alias for store calls.
pub type StoreResult<T> = Result<T, StoreError>;

/// How many times a money transaction is tried when the database answers with a serialization
/// failure or a deadlock, before the caller gets `Busy` (503).
pub const BUSY_ATTEMPTS: u32 = 4;

/// Runs `attempt` until it does not fail with [`StoreError::Busy`], at most [`BUSY_ATTEMPTS`]
/// times, waiting a little longer (with jitter) between tries. Each attempt is a whole
/// transaction, so a retry starts from a clean state.
pub async fn retry_busy<T, F, Fut>(mut attempt: F) -> StoreResult<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = StoreResult<T>>,
{
    let mut tries = 0;
    loop {
        tries += 1;
        match attempt().await {
            Err(StoreError::Busy(e)) if tries < BUSY_ATTEMPTS => {
                tracing::debug!(error = %e, tries, "transaction busy, retrying");
                let jitter_ms = u64::from(rand::random::<u8>() % 8);
                let wait_ms = 2u64.pow(tries) + jitter_ms;
                tokio::time::sleep(Duration::from_millis(wait_ms)).await;
            }
            other => return other,
        }
    }
}

impl Store {
    /// Connects to `database_url` (`sqlite://…` or `postgres://…`). SQLite files are created
    /// when missing and run in WAL mode with full fsync: this is a ledger.
    pub async fn connect(database_url: &str, limits: PoolSettings) -> StoreResult<Store> {
        let pool = if database_url.starts_with("sqlite:") {
            let options = SqliteConnectOptions::from_str(database_url)?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Full)
                .foreign_keys(true)
                .busy_timeout(
                    limits
                        .statement_timeout
                        .unwrap_or(PoolSettings::SQLITE_BUSY_TIMEOUT),
                )
                // A checkpointed WAL is truncated back to this size, so the file on disk stays
                // bounded under sustained sales.
                .pragma("journal_size_limit", SQLITE_WAL_LIMIT_BYTES.to_string());
            // The writer opens (and creates) the file first; readers open it read-only. Each
            // connection has its own page cache, so the total is bounded explicitly: the writer
            // gets a large one (voucher ids are random, so index inserts touch pages all over
            // the index), the readers SQLite's default.
            let write = PoolOptions::new()
                .max_connections(1)
                .acquire_timeout(limits.write_acquire_timeout)
                .connect_with(
                    options
                        .clone()
                        .pragma("cache_size", cache_pragma(SQLITE_WRITER_CACHE_KIB)),
                )
                .await?;
            let read = PoolOptions::new()
                .max_connections(limits.max_connections)
                .acquire_timeout(limits.acquire_timeout)
                .connect_with(
                    options
                        .read_only(true)
                        .pragma("cache_size", cache_pragma(SQLITE_READER_CACHE_KIB)),
                )
                .await?;
            Pool::Sqlite { read, write }
        } else if database_url.starts_with("postgres:") || database_url.starts_with("postgresql:") {
            let mut options = PgConnectOptions::from_str(database_url)?;
            if let Some(limit) = limits.statement_timeout {
                // Set at connection start-up, so it holds on every connection of the pool.
                options = options.options([("statement_timeout", limit.as_millis())]);
            }
            Pool::Postgres(
                PoolOptions::new()
                    .max_connections(limits.max_connections)
                    .acquire_timeout(limits.acquire_timeout)
                    .connect_with(options)
                    .await?,
            )
        } else {
            return Err(StoreError::Config(
                "DATABASE_URL must start with sqlite: or postgres:",
            ));
        };
        let pii = crate::pii::PiiKey::load(database_url).map_err(|e| {
            tracing::error!(error = %e, "personal-data key");
            StoreError::Config("the personal-data key (RELASI_PII_KEY or its key file) is unusable")
        })?;
        Ok(Store {
            pool,
            reports: None,
            batcher: None,
            pii: std::sync::Arc::new(pii),
        })
    }

    /// The same database without the sale batch workers (what the workers themselves use).
    fn without_batching(&self) -> Store {
        Store {
            pool: self.pool.clone(),
            reports: self.reports.clone(),
            batcher: None,
            pii: self.pii.clone(),
        }
    }

    /// The same database read and written with another personal-data key (without the sale batch
    /// workers): what every process uses after `relasi pii rotate`, and how its test reads.
    pub fn with_pii_key(&self, key: crate::pii::PiiKey) -> Store {
        Store {
            pii: std::sync::Arc::new(key),
            ..self.without_batching()
        }
    }

    fn batched(self, batcher: batch::Batcher) -> Store {
        Store {
            pool: self.pool,
            reports: self.reports,
            batcher: Some(std::sync::Arc::new(batcher)),
            pii: self.pii,
        }
    }

    /// A KK number as stored (FF1-encrypted, `crate::pii`).
    fn seal_kk(&self, kk: &Kk) -> StoreResult<String> {
        self.pii
            .seal_number(NumberKind::Kk, kk.as_str())
            .ok_or(StoreError::Corrupt("kk does not encrypt"))
    }

    /// A stored KK number, decrypted.
    fn open_kk(&self, stored: &str) -> StoreResult<Kk> {
        self.pii
            .open_number(NumberKind::Kk, stored)
            .and_then(|clear| Kk::parse(&clear).ok())
            .ok_or(StoreError::Corrupt("stored kk"))
    }

    /// A NIK as stored.
    fn seal_nik(&self, nik: &Nik) -> StoreResult<String> {
        self.pii
            .seal_number(NumberKind::Nik, nik.as_str())
            .ok_or(StoreError::Corrupt("nik does not encrypt"))
    }

    /// A stored NIK, decrypted.
    fn open_nik(&self, stored: &str) -> StoreResult<Nik> {
        self.pii
            .open_number(NumberKind::Nik, stored)
            .and_then(|clear| Nik::parse(&clear).ok())
            .ok_or(StoreError::Corrupt("stored nik"))
    }

    /// A name as stored in `column` (sealed).
    fn seal_name(&self, column: &str, name: &str) -> String {
        self.pii.seal_text(column, name)
    }

    /// A stored name, opened.
    fn open_name(&self, column: &str, stored: &str) -> StoreResult<String> {
        self.pii
            .open_text(column, stored)
            .ok_or(StoreError::Corrupt("stored name"))
    }

    fn batcher(&self) -> Option<&batch::Batcher> {
        self.batcher.as_deref()
    }

    /// Which engine this is.
    pub fn backend(&self) -> Backend {
        match self.pool {
            Pool::Postgres(_) => Backend::Postgres,
            Pool::Sqlite { .. } => Backend::Sqlite,
        }
    }

    /// Brings the schema up to date. Forward-only; safe to call on every start.
    pub async fn migrate(&self) -> StoreResult<()> {
        match &self.pool {
            Pool::Postgres(pool) => sqlx::migrate!("./migrations/postgres").run(pool).await?,
            Pool::Sqlite { write, .. } => sqlx::migrate!("./migrations/sqlite").run(write).await?,
        }
        if let Some(load) = self.load_builtin_wilayah().await? {
            tracing::info!(
                inserted = load.inserted,
                renamed = load.renamed,
                "built-in wilayah list loaded"
            );
        }
        self.check_pii_key().await?;
        let sealed = self.seal_journal().await?;
        if sealed > 0 {
            tracing::info!(sealed, "journal rows of an earlier version chained");
        }
        Ok(())
    }

    /// Each pool's connections now: (name, open, idle, most allowed), for the metrics.
    pub fn pool_use(&self) -> Vec<(&'static str, u32, usize, u32)> {
        fn row<D: sqlx::Database>(
            name: &'static str,
            pool: &sqlx::Pool<D>,
        ) -> (&'static str, u32, usize, u32) {
            (
                name,
                pool.size(),
                pool.num_idle(),
                pool.options().get_max_connections(),
            )
        }
        let mut rows = match &self.pool {
            Pool::Postgres(pool) => vec![row("postgres", pool)],
            Pool::Sqlite { read, write } => {
                vec![row("sqlite_write", write), row("sqlite_read", read)]
            }
        };
        rows.extend(self.reports.iter().map(|r| row("postgres_reports", r)));
        rows
    }

    /// SQLite: a consistent copy of the whole database into the new file `path` while the
    /// server keeps serving (`VACUUM INTO` on a reader; writers are not blocked). PostgreSQL
    /// has its own tools (pg_dump, base backups): refused with a pointer to them.
    pub async fn backup_into(&self, path: &std::path::Path) -> StoreResult<()> {
        let Pool::Sqlite { read, .. } = &self.pool else {
            return Err(StoreError::Config(
                "PostgreSQL is backed up with pg_dump or a base backup (docs/deploy.md)",
            ));
        };
        if path.exists() {
            return Err(StoreError::Config("the backup file exists already"));
        }
        let target = path
            .to_str()
            .ok_or(StoreError::Config("the backup path is not UTF-8"))?;
        sqlx::query("vacuum into $1")
            .bind(target.to_owned())
            .execute(read)
            .await?;
        Ok(())
    }

    /// Readiness: one round trip to the database.
    pub async fn ping(&self) -> StoreResult<()> {
        with_pool!(self, pool => sqlx::query("select 1").execute(pool).await.map(|_| ()))?;
        Ok(())
    }

    /// Closes the pool, waiting for connections to return.
    pub async fn close(&self) {
        if let Some(reports) = &self.reports {
            reports.close().await;
        }
        match &self.pool {
            Pool::Postgres(pool) => pool.close().await,
            Pool::Sqlite { read, write } => {
                read.close().await;
                write.close().await;
            }
        }
    }
}

/// Now, in microseconds since the Unix epoch: the unit of every `*_us` column.
pub fn now_us() -> i64 {
    chrono::Utc::now().timestamp_micros()
}
