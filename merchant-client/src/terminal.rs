//! The shop's terminal: local state in one SQLite file (synced keys, revocations and offline
//! settings with their fetch times; every sale attempt with its idempotency key and outcome;
//! receipts), the online sale that falls back to the offline queue, and queue sync.
//!
//! A sale row is written before anything is sent and keeps its idempotency key and exact body
//! for ever. Its state moves once, from `sending` or `pending` to `accepted` or `declined`: on an
//! answer the server will give again for that key (the server stores every answer under the key
//! in the same transaction as the debit), or — for a sale the server did not answer — on the
//! offline judgement's refusal, which is final: the customer was told no, so sync never sends
//! it. So a row is never lost (rows are never deleted), and however often a sync is interrupted
//! or repeated, each sale is charged at most once: every resend carries the same key and gets
//! the first answer back. Only a `sending` row whose process died before any verdict is resent.

use crate::client::{Client, ReceiptDoc};
use crate::error::{Code, Error};
use crate::keys::{Keyring, VerifiedVoucher};
use crate::rules::{self, OfflineSettings};
use chrono::{DateTime, Duration as ChronoDuration};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Row, SqlitePool};
use std::path::Path;
use std::time::Duration;

/// Most revocation pages read in one sync (1,000 ids each).
pub const MAX_REVOCATION_PAGES: usize = 10_000;
/// A `sending` row older than this is an attempt whose process died; sync resolves it.
pub const ABANDONED_AFTER_SECS: i64 = 300;

const SCHEMA: &[&str] = &[
    "create table if not exists lists (name text primary key, body text not null, \
     fetched_at_unix integer not null, complete integer not null)",
    "create table if not exists revoked (voucher_id text primary key)",
    "create table if not exists sales (seq integer primary key autoincrement, \
     idempotency_key text not null unique, voucher_id text not null, programme integer not null, \
     local_day text not null, amount_rp integer not null check (amount_rp > 0), body text not null, \
     created_at_unix integer not null, offline integer not null check (offline in (0, 1)), \
     state text not null check (state in ('sending', 'pending', 'accepted', 'declined')), \
     attempts integer not null default 0, outcome_code text, redemption_id integer, \
     settled_at_unix integer)",
    "create index if not exists sales_voucher_day on sales (voucher_id, local_day)",
    "create table if not exists receipts (redemption_id integer primary key, body text not null)",
];

/// One sale as the terminal keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SaleRecord {
    /// Order of entry.
    pub seq: i64,
    /// The key every send of this sale carries.
    pub idempotency_key: String,
    /// Voucher id (hex).
    pub voucher_id: String,
    /// Amount, whole rupiah.
    pub amount_rp: i64,
    /// When it was entered (Unix seconds).
    pub created_at_unix: i64,
    /// Accepted offline (`true`) or attempted online.
    pub offline: bool,
    /// `sending`, `pending` (tertunda), `accepted` (diterima) or `declined` (ditolak, by the
    /// server or by the offline rules: never sent again).
    pub state: String,
    /// The code of a decline: the server's, or the offline refusal's (`offline_*`, `key_revoked`…).
    pub outcome_code: Option<Code>,
    /// The journal id once accepted.
    pub redemption_id: Option<u64>,
}

/// What became of a sale.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SaleOutcome {
    /// The server debited the voucher: its signed receipt.
    Accepted(ReceiptDoc),
    /// The server could not be reached and the offline rules allowed the sale: it waits in the
    /// queue (*tertunda*) and is charged at the next sync.
    Queued(SaleRecord),
}

/// What one queued sale got at sync.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncReport {
    /// The sale.
    pub sale: SaleRecord,
    /// The receipt, when accepted.
    pub receipt: Option<ReceiptDoc>,
}

/// Ages of the synced lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ListsStatus {
    /// Unix second of the oldest of keys, revocations and settings (`None`: never complete).
    pub synced_at_unix: Option<i64>,
    /// Revoked vouchers known.
    pub revoked: i64,
}

/// The shop's terminal: a [`Client`] and its local state file.
#[derive(Debug, Clone)]
pub struct Terminal {
    client: Client,
    db: SqlitePool,
}

pub(crate) fn local_day(now_unix: i64, utc_offset_hours: i64) -> String {
    let local = DateTime::from_timestamp(now_unix, 0).unwrap_or_default()
        + ChronoDuration::hours(utc_offset_hours);
    local.format("%Y-%m-%d").to_string()
}

pub(crate) fn record(row: &sqlx::sqlite::SqliteRow) -> Result<SaleRecord, Error> {
    let code: Option<String> = row.try_get("outcome_code")?;
    let redemption: Option<i64> = row.try_get("redemption_id")?;
    Ok(SaleRecord {
        seq: row.try_get("seq")?,
        idempotency_key: row.try_get("idempotency_key")?,
        voucher_id: row.try_get("voucher_id")?,
        amount_rp: row.try_get("amount_rp")?,
        created_at_unix: row.try_get("created_at_unix")?,
        offline: row.try_get::<i64, _>("offline")? == 1,
        state: row.try_get("state")?,
        outcome_code: code.as_deref().and_then(Code::parse),
        redemption_id: redemption.and_then(|r| u64::try_from(r).ok()),
    })
}

pub(crate) const SALE_COLUMNS: &str = "select seq, idempotency_key, voucher_id, amount_rp, created_at_unix, offline, state, \
     outcome_code, redemption_id, body from sales ";

impl Terminal {
    /// Opens (creating when missing) the state file at `path` for `client`'s shop.
    pub async fn open(path: &Path, client: Client) -> Result<Terminal, Error> {
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .busy_timeout(Duration::from_secs(10));
        let db = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(options)
            .await?;
        for statement in SCHEMA {
            sqlx::query(*statement).execute(&db).await?;
        }
        Ok(Terminal { client, db })
    }

    /// The server client.
    pub fn client(&self) -> &Client {
        &self.client
    }

    pub(crate) fn db(&self) -> &SqlitePool {
        &self.db
    }

    /// Fetches the keys, every new page of revocations and the offline settings, and stores
    /// them with `now_unix` as their fetch time.
    pub async fn sync_lists(&self, now_unix: i64) -> Result<ListsStatus, Error> {
        let keys = self.client.keys_json().await?;
        Keyring::from_json(&keys).map_err(|e| Error::Protocol(e.to_string()))?;
        let settings = self.client.offline_settings_json().await?;
        OfflineSettings::from_json(&settings).map_err(|e| Error::Protocol(e.to_string()))?;
        let mut since = self
            .list("revocations")
            .await?
            .map(|(cursor, ..)| cursor)
            .unwrap_or_default();
        let mut complete = false;
        for _ in 0..MAX_REVOCATION_PAGES {
            let page = self.client.revocations(&since).await?;
            let mut tx = self.db.begin_with("BEGIN IMMEDIATE").await?;
            for r in &page.revoked {
                sqlx::query("insert into revoked (voucher_id) values ($1) on conflict do nothing")
                    .bind(r.voucher_id.to_ascii_lowercase())
                    .execute(&mut *tx)
                    .await?;
            }
            sqlx::query("insert into lists (name, body, fetched_at_unix, complete) values ('revocations', $1, $2, $3) \
                 on conflict (name) do update set body = excluded.body, fetched_at_unix = excluded.fetched_at_unix, complete = excluded.complete")
                .bind(page.next_since.clone()).bind(now_unix).bind(i64::from(page.complete)).execute(&mut *tx).await?;
            tx.commit().await?;
            since = page.next_since;
            if page.complete {
                complete = true;
                break;
            }
        }
        if !complete {
            return Err(Error::Protocol("revocation feed did not end".into()));
        }
        for (name, body) in [("keys", keys), ("settings", settings)] {
            sqlx::query("insert into lists (name, body, fetched_at_unix, complete) values ($1, $2, $3, 1) \
                 on conflict (name) do update set body = excluded.body, fetched_at_unix = excluded.fetched_at_unix, complete = 1")
                .bind(name).bind(body).bind(now_unix).execute(&self.db).await?;
        }
        self.lists_status().await
    }

    async fn list(&self, name: &str) -> Result<Option<(String, i64, bool)>, Error> {
        let row: Option<(String, i64, i64)> =
            sqlx::query_as("select body, fetched_at_unix, complete from lists where name = $1")
                .bind(name.to_owned())
                .fetch_optional(&self.db)
                .await?;
        Ok(row.map(|(b, t, c)| (b, t, c == 1)))
    }

    /// When the lists were synced, and how many revocations are known.
    pub async fn lists_status(&self) -> Result<ListsStatus, Error> {
        let mut oldest: Option<i64> = Some(i64::MAX);
        for name in ["keys", "revocations", "settings"] {
            oldest = match (oldest, self.list(name).await?) {
                (Some(o), Some((_, at, true))) => Some(o.min(at)),
                _ => None,
            };
        }
        let (revoked,): (i64,) = sqlx::query_as("select count(*) from revoked")
            .fetch_one(&self.db)
            .await?;
        Ok(ListsStatus {
            synced_at_unix: oldest,
            revoked,
        })
    }

    /// The synced keys (an error when never synced).
    pub async fn keyring(&self) -> Result<Keyring, Error> {
        let (text, ..) = self
            .list("keys")
            .await?
            .ok_or(Error::Offline(rules::OfflineRefusal::ListsStale))?;
        Keyring::from_json(&text).map_err(|e| Error::Local(e.to_string()))
    }

    /// The synced offline settings (an error when never synced).
    pub async fn offline_settings(&self) -> Result<OfflineSettings, Error> {
        let (text, ..) = self
            .list("settings")
            .await?
            .ok_or(Error::Offline(rules::OfflineRefusal::ListsStale))?;
        OfflineSettings::from_json(&text).map_err(|e| Error::Local(e.to_string()))
    }

    /// The offline verdict on a voucher at `now_unix`: strict signature, key status and
    /// `verify_until`, validity window, and the synced revocation list.
    pub async fn check(&self, qr_text: &str, now_unix: i64) -> Result<VerifiedVoucher, Error> {
        let voucher = self.keyring().await?.verify(qr_text, now_unix)?;
        if self.is_revoked(&voucher.voucher_id).await? {
            return Err(Error::Offline(rules::OfflineRefusal::VoucherRevoked));
        }
        Ok(voucher)
    }

    async fn is_revoked(&self, voucher_id: &str) -> Result<bool, Error> {
        let row: Option<(String,)> =
            sqlx::query_as("select voucher_id from revoked where voucher_id = $1")
                .bind(voucher_id.to_owned())
                .fetch_optional(&self.db)
                .await?;
        Ok(row.is_some())
    }
}
