//! The report replica (`RELASI_REPORT_DATABASE_URL`): a second, read-only PostgreSQL pool for
//! the heavy report reads, and the wait for it to replay what the primary has written.

use super::{Pool, PoolSettings, Store, StoreError, StoreResult};
use sqlx::pool::PoolOptions;
use sqlx::postgres::PgConnectOptions;
use std::str::FromStr;
use std::time::{Duration, Instant};

/// Longest a reconciliation waits for the replica to replay the primary's writes before it
/// reads anyway (the report's watermarks then show how far the replica had come).
pub const REPLICA_WAIT: Duration = Duration::from_secs(30);

/// How often the replica's replay position is asked while waiting.
const REPLICA_POLL: Duration = Duration::from_millis(100);

impl Store {
    /// Sends the report reads (`with_report_pool!`: reconciliation's reads, the dashboard) to
    /// the PostgreSQL read replica at `url`; every write, and every read that must see a write
    /// just made, stays on the primary. Its sessions are read-only, so a write sent there by
    /// mistake fails loudly. SQLite has no replicas (its readers never block the writer
    /// anyway): the setting is ignored there, with a warning.
    pub async fn with_report_replica(
        mut self,
        url: &str,
        limits: PoolSettings,
    ) -> StoreResult<Store> {
        if matches!(self.pool, Pool::Sqlite { .. }) {
            tracing::warn!(
                "RELASI_REPORT_DATABASE_URL ignored: SQLite has no read replica; reports read \
                 the database's own read-only connections"
            );
            return Ok(self);
        }
        if !(url.starts_with("postgres:") || url.starts_with("postgresql:")) {
            return Err(StoreError::Config(
                "RELASI_REPORT_DATABASE_URL must start with postgres:",
            ));
        }
        let options =
            PgConnectOptions::from_str(url)?.options([("default_transaction_read_only", "on")]);
        let pool = PoolOptions::new()
            .max_connections(limits.max_connections)
            .acquire_timeout(limits.acquire_timeout)
            .connect_with(options)
            .await?;
        self.reports = Some(pool);
        Ok(self)
    }

    /// Whether the report reads go to a replica.
    pub fn has_report_replica(&self) -> bool {
        self.reports.is_some()
    }

    /// Waits, up to [`REPLICA_WAIT`], until the replica has replayed the primary's WAL up to
    /// where it is now, so a report sees what was committed before it started (and what its
    /// own run just wrote). Without a replica, or with one that is not a streaming standby
    /// (its replay position is unknown), it returns at once; after the wait it reads anyway.
    pub async fn await_report_replica(&self) -> StoreResult<()> {
        let (Some(replica), Pool::Postgres(primary)) = (&self.reports, &self.pool) else {
            return Ok(());
        };
        let (target,): (String,) = sqlx::query_as("select cast(pg_current_wal_lsn() as text)")
            .fetch_one(primary)
            .await?;
        let started = Instant::now();
        loop {
            let (caught_up,): (Option<bool>,) =
                sqlx::query_as("select pg_last_wal_replay_lsn() >= cast($1 as pg_lsn)")
                    .bind(&target)
                    .fetch_one(replica)
                    .await?;
            match caught_up {
                None | Some(true) => return Ok(()),
                Some(false) if started.elapsed() >= REPLICA_WAIT => {
                    tracing::warn!(
                        primary_lsn = %target,
                        "report replica still behind; reading it anyway (see the watermarks)"
                    );
                    return Ok(());
                }
                Some(false) => tokio::time::sleep(REPLICA_POLL).await,
            }
        }
    }
}
