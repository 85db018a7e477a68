//! The journal in the database: appending a chained entry inside the caller's transaction,
//! sealing rows written before entries were chained, signed checkpoints, and reading chains back
//! for verification (`jobs::audit`).

use super::{Engine, Pool, Store, StoreError, StoreResult, with_pool, with_writer};
use crate::domain::ids::VoucherId;
use crate::domain::journal::{
    ChainedEntry, CheckpointFacts, EntryFacts, EntryKind, GENESIS_HASH, RangeDigest, entry_hash,
};

/// Journal rows read per page when verifying or digesting (bounded memory).
const PAGE_ROWS: i64 = 10_000;
/// Stored receipts read per page (their journal rows are then fetched by id, one bind each).
const RECEIPT_PAGE_ROWS: i64 = 5_000;

/// A journal entry to append. The caller must already hold the voucher's row lock in its
/// transaction (by updating the voucher row first): that is what orders the voucher's chain.
#[derive(Clone, Debug)]
pub(crate) struct NewEntry<'a> {
    pub voucher: VoucherId,
    pub kind: EntryKind,
    pub amount_rp: i64,
    pub merchant_id: Option<i64>,
    pub reverses_id: Option<i64>,
    pub counterpart: Option<VoucherId>,
    pub idempotency_key: Option<&'a str>,
    pub request_sha256: Option<&'a str>,
    pub created_at_us: i64,
}

/// Appends chained journal entries inside the caller's write transaction.
pub(crate) trait JournalWriter {
    /// Appends `entry` as the next link of its voucher's chain; returns the row id.
    async fn append_entry(&mut self, entry: &NewEntry<'_>) -> StoreResult<i64>;
}

macro_rules! impl_journal_writer {
    ($db:ty) => {
        impl JournalWriter for sqlx::Transaction<'_, $db> {
            async fn append_entry(&mut self, e: &NewEntry<'_>) -> StoreResult<i64> {
                let head: Option<(i64, String)> = sqlx::query_as(
                    "select voucher_seq, entry_hash from redemptions \
                     where voucher_id = $1 and voucher_seq is not null \
                     order by voucher_seq desc limit 1",
                )
                .bind(e.voucher.to_string())
                .fetch_optional(&mut **self)
                .await?;
                let (seq, prev_hash) = head.map_or((1, GENESIS_HASH.to_owned()), |(s, h)| (s + 1, h));
                let facts = facts_of(e, seq);
                let hash = entry_hash(&prev_hash, &facts);
                let (id,): (i64,) = sqlx::query_as(
                    "insert into redemptions (voucher_id, merchant_id, kind, amount_rp, reverses_id, \
                     counterpart_voucher_id, idempotency_key, request_sha256, created_at_us, \
                     voucher_seq, prev_hash, entry_hash) \
                     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) returning id",
                )
                .bind(e.voucher.to_string())
                .bind(e.merchant_id)
                .bind(e.kind.as_str())
                .bind(e.amount_rp)
                .bind(e.reverses_id)
                .bind(e.counterpart.map(|v| v.to_string()))
                .bind(e.idempotency_key.map(str::to_owned))
                .bind(e.request_sha256.map(str::to_owned))
                .bind(e.created_at_us)
                .bind(seq)
                .bind(prev_hash)
                .bind(hash)
                .fetch_one(&mut **self)
                .await?;
                Ok(id)
            }
        }
    };
}

impl_journal_writer!(sqlx::Postgres);
impl_journal_writer!(sqlx::Sqlite);

fn facts_of(e: &NewEntry<'_>, seq: i64) -> EntryFacts {
    EntryFacts {
        voucher_id: e.voucher,
        seq,
        kind: e.kind,
        amount_rp: e.amount_rp,
        merchant_id: e.merchant_id,
        reverses_id: e.reverses_id,
        counterpart: e.counterpart,
        idempotency_key: e.idempotency_key.map(str::to_owned),
        request_sha256: e.request_sha256.map(str::to_owned),
        created_at_us: e.created_at_us,
    }
}

/// The columns of a journal row as the chain reads them.
const ENTRY_COLUMNS: &str = "id, voucher_id, voucher_seq, kind, amount_rp, merchant_id, reverses_id, \
    counterpart_voucher_id, idempotency_key, request_sha256, created_at_us, prev_hash, entry_hash";

type EntryRow = (
    i64,
    String,
    Option<i64>,
    String,
    i64,
    Option<i64>,
    Option<i64>,
    Option<String>,
    Option<String>,
    Option<String>,
    i64,
    Option<String>,
    Option<String>,
);

fn entry_from_row(r: EntryRow) -> StoreResult<ChainedEntry> {
    let voucher = |text: &str| {
        VoucherId::parse(text).map_err(|_| StoreError::Corrupt("stored journal voucher id"))
    };
    Ok(ChainedEntry {
        id: r.0,
        facts: EntryFacts {
            voucher_id: voucher(&r.1)?,
            seq: r.2.unwrap_or(0),
            kind: EntryKind::parse(&r.3).ok_or(StoreError::Corrupt("stored journal kind"))?,
            amount_rp: r.4,
            merchant_id: r.5,
            reverses_id: r.6,
            counterpart: r.7.as_deref().map(voucher).transpose()?,
            idempotency_key: r.8,
            request_sha256: r.9,
            created_at_us: r.10,
        },
        prev_hash: r.11.unwrap_or_default(),
        entry_hash: r.12.unwrap_or_default(),
    })
}

/// One voucher's ledger facts, as verification compares them with its journal and its token.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct VoucherLedger {
    /// Voucher.
    pub id: VoucherId,
    /// What it was issued with (0 for a replacement, whose value arrived by a move).
    pub issued_rp: i64,
    /// Its stored balance (`face_value_rp − spent_rp`).
    pub balance_rp: i64,
    /// Its stored face value (a replacement's is what its move_in brought).
    pub face_value_rp: i64,
    /// Whether it replaces a lost card.
    pub replacement: bool,
    /// The stored kid (hex) of the key that signed its token.
    pub kid: String,
    /// Its stored validity, Unix seconds.
    pub valid_from_unix: i64,
    /// Last valid second, Unix.
    pub valid_until_unix: i64,
    /// Its QR text: the signed token whose claims the stored columns must repeat.
    pub token: String,
}

type VoucherLedgerRow = (String, i64, i64, Option<String>, String, i64, i64, String);

fn voucher_ledger_from_row(r: VoucherLedgerRow) -> StoreResult<VoucherLedger> {
    Ok(VoucherLedger {
        id: VoucherId::parse(&r.0).map_err(|_| StoreError::Corrupt("stored voucher id"))?,
        issued_rp: if r.3.is_some() { 0 } else { r.1 },
        balance_rp: r.1 - r.2,
        face_value_rp: r.1,
        replacement: r.3.is_some(),
        kid: r.4,
        valid_from_unix: r.5,
        valid_until_unix: r.6,
        token: r.7,
    })
}

type CheckpointRow = (i64, i64, i64, i64, String, String, String, String, String);

/// A stored checkpoint.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct StoredCheckpoint {
    /// The chained fields.
    pub facts: CheckpointFacts,
    /// Its stored hash.
    pub hash: String,
    /// The kid of the key that signed it.
    pub kid: String,
    /// Ed25519 signature over `checkpoint_signing_message`, base64url without padding.
    pub signature: String,
}

/// A signed receipt as stored: the answer to a shop's Idempotency-Key.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct StoredReceipt {
    /// The shop.
    pub merchant_id: i64,
    /// The shop's key.
    pub idempotency_key: String,
    /// The receipt's JSON, as answered.
    pub response_body: String,
}

impl Store {
    /// Chains journal rows written before entries were chained (rows of earlier versions and
    /// the moves migration 0005 recorded), once, in id order per voucher — except that a
    /// replacement's move_in comes first (its balance arrived before any sale on it, though
    /// migration 0005 wrote the row last). Called by `migrate`.
    pub(super) async fn seal_journal(&self) -> StoreResult<u64> {
        with_writer!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let rows: Vec<EntryRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "select {ENTRY_COLUMNS} from redemptions where entry_hash is null \
                 order by voucher_id, case when kind = 'move_in' then 0 else 1 end, id"
            )))
            .fetch_all(&mut *tx).await?;
            let mut sealed = 0u64;
            let mut head: Option<(String, i64, String)> = None;
            for row in rows {
                let mut entry = entry_from_row(row)?;
                let voucher = entry.facts.voucher_id.to_string();
                let (seq, prev) = match &head {
                    Some((v, s, h)) if *v == voucher => (s + 1, h.clone()),
                    _ => {
                        let last: Option<(i64, String)> = sqlx::query_as(
                            "select voucher_seq, entry_hash from redemptions where voucher_id = $1 \
                             and voucher_seq is not null order by voucher_seq desc limit 1",
                        ).bind(voucher.clone()).fetch_optional(&mut *tx).await?;
                        last.map_or((1, GENESIS_HASH.to_owned()), |(s, h)| (s + 1, h))
                    }
                };
                entry.facts.seq = seq;
                let hash = entry_hash(&prev, &entry.facts);
                sqlx::query("update redemptions set voucher_seq = $1, prev_hash = $2, entry_hash = $3 where id = $4")
                    .bind(seq).bind(prev).bind(hash.clone()).bind(entry.id)
                    .execute(&mut *tx).await?;
                head = Some((voucher, seq, hash));
                sealed += 1;
            }
            tx.commit().await?;
            Ok(sealed)
        })
    }

    /// Every voucher's ledger facts, `after` a voucher id, in id order, a page at a time.
    pub async fn voucher_ledgers(&self, after: &str) -> StoreResult<Vec<VoucherLedger>> {
        let rows: Vec<VoucherLedgerRow> = with_pool!(self, pool => sqlx::query_as(
            "select id, face_value_rp, spent_rp, replaces, kid, valid_from_unix, valid_until_unix, token \
             from vouchers where id > $1 order by id limit $2"
        ).bind(after.to_owned()).bind(PAGE_ROWS).fetch_all(pool).await)?;
        rows.into_iter().map(voucher_ledger_from_row).collect()
    }

    /// The basket lines of the journal rows of the vouchers with ids in `[first, last]`, as
    /// (row id, category, amount), by row id then category: what verification re-hashes into
    /// each sale's request hash.
    pub async fn journal_items_of_vouchers(
        &self,
        first: VoucherId,
        last: VoucherId,
    ) -> StoreResult<Vec<(i64, String, i64)>> {
        let rows = with_pool!(self, pool => sqlx::query_as(
            "select i.redemption_id, i.category, i.amount_rp from redemption_items i \
             join redemptions r on r.id = i.redemption_id \
             where r.voucher_id >= $1 and r.voucher_id <= $2 order by i.redemption_id, i.category"
        ).bind(first.to_string()).bind(last.to_string()).fetch_all(pool).await)?;
        Ok(rows)
    }

    /// The stored answers to the shops' keys of the journal rows of the vouchers with ids in
    /// `[first, last]` that a shop made (every sale, and reversals sent with a key), as (row id,
    /// status, body) by row id; status and body are `None` when no answer is stored under the
    /// row's (shop, key). Verification requires each to be a receipt naming its row.
    pub async fn shop_answers_of_vouchers(
        &self,
        first: VoucherId,
        last: VoucherId,
    ) -> StoreResult<Vec<(i64, Option<i64>, Option<String>)>> {
        let rows = with_pool!(self, pool => sqlx::query_as(
            "select r.id, k.status_code, k.response_body from redemptions r \
             left join idempotency_keys k on k.merchant_id = r.merchant_id and k.idempotency_key = r.idempotency_key \
             where r.voucher_id >= $1 and r.voucher_id <= $2 \
             and (r.kind = 'debit' or (r.kind = 'reversal' and r.idempotency_key is not null)) order by r.id"
        ).bind(first.to_string()).bind(last.to_string()).fetch_all(pool).await)?;
        Ok(rows)
    }

    /// Journal entries of the vouchers with ids in `[first, last]`, by voucher then chain
    /// position (a row whose chain columns were removed sorts first, with position 0).
    pub async fn journal_of_vouchers(
        &self,
        first: VoucherId,
        last: VoucherId,
    ) -> StoreResult<Vec<ChainedEntry>> {
        let rows: Vec<EntryRow> = with_pool!(self, pool => sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "select {ENTRY_COLUMNS} from redemptions where voucher_id >= $1 and voucher_id <= $2 \
             order by voucher_id, coalesce(voucher_seq, 0), id"
        ))).bind(first.to_string()).bind(last.to_string()).fetch_all(pool).await)?;
        rows.into_iter().map(entry_from_row).collect()
    }

    /// Journal rows with `id` in `(after, through]` as (id, entry hash), in id order, at most a
    /// page: what a checkpoint digests.
    pub async fn entry_hashes(&self, after: i64, through: i64) -> StoreResult<Vec<(i64, String)>> {
        let rows: Vec<(i64, Option<String>)> = with_pool!(self, pool => sqlx::query_as(
            "select id, entry_hash from redemptions where id > $1 and id <= $2 order by id limit $3"
        ).bind(after).bind(through).bind(PAGE_ROWS).fetch_all(pool).await)?;
        Ok(rows
            .into_iter()
            .map(|(id, h)| (id, h.unwrap_or_default()))
            .collect())
    }

    /// The digest of the journal rows with id in `(after, through]`.
    pub async fn range_digest(&self, after: i64, through: i64) -> StoreResult<RangeDigest> {
        let mut digest = RangeDigest::new();
        let mut from = after;
        loop {
            let page = self.entry_hashes(from, through).await?;
            let Some(&(last, _)) = page.last() else {
                return Ok(digest);
            };
            for (id, hash) in &page {
                digest.push(*id, hash);
            }
            from = last;
        }
    }

    /// The highest journal row id such that no transaction can still commit a row at or below
    /// it: PostgreSQL waits for in-flight journal writers (a share lock, released at once);
    /// SQLite's single writer has none in flight while it holds the write lock.
    pub async fn journal_watermark(&self) -> StoreResult<i64> {
        let watermark = match &self.pool {
            Pool::Postgres(pool) => {
                let mut tx = pool.begin_write().await?;
                sqlx::query("lock table redemptions in share mode")
                    .execute(&mut *tx)
                    .await?;
                let (max,): (i64,) = sqlx::query_as("select coalesce(max(id), 0) from redemptions")
                    .fetch_one(&mut *tx)
                    .await?;
                tx.commit().await?;
                max
            }
            Pool::Sqlite { write, .. } => {
                let mut tx = write.begin_write().await?;
                let (max,): (i64,) = sqlx::query_as("select coalesce(max(id), 0) from redemptions")
                    .fetch_one(&mut *tx)
                    .await?;
                tx.commit().await?;
                max
            }
        };
        Ok(watermark)
    }

    /// The checkpoints in chain order.
    pub async fn checkpoints(&self) -> StoreResult<Vec<StoredCheckpoint>> {
        let rows: Vec<CheckpointRow> = with_pool!(self, pool => sqlx::query_as(
            "select seq, at_us, last_entry_id, entries, range_digest, prev_hash, hash, kid, signature \
             from journal_checkpoints order by seq"
        ).fetch_all(pool).await)?;
        Ok(rows
            .into_iter()
            .map(|r| StoredCheckpoint {
                facts: CheckpointFacts {
                    seq: r.0,
                    at_us: r.1,
                    last_entry_id: r.2,
                    entries: r.3,
                    range_digest: r.4,
                    prev_hash: r.5,
                },
                hash: r.6,
                kid: r.7,
                signature: r.8,
            })
            .collect())
    }

    /// The newest checkpoint, if any.
    pub async fn last_checkpoint(&self) -> StoreResult<Option<StoredCheckpoint>> {
        Ok(self.checkpoints().await?.pop())
    }

    /// Appends a signed checkpoint. `Conflict` if another instance appended checkpoint `seq`
    /// first (the caller may simply try again later).
    pub async fn append_checkpoint(&self, c: &StoredCheckpoint) -> StoreResult<()> {
        let f = &c.facts;
        with_writer!(self, pool => sqlx::query(
            "insert into journal_checkpoints (seq, at_us, last_entry_id, entries, range_digest, prev_hash, hash, kid, signature) \
             values ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
        ).bind(f.seq).bind(f.at_us).bind(f.last_entry_id).bind(f.entries).bind(f.range_digest.clone())
         .bind(f.prev_hash.clone()).bind(c.hash.clone()).bind(c.kid.clone()).bind(c.signature.clone())
         .execute(pool).await.map(|_| ()))?;
        Ok(())
    }

    /// Signed receipts stored as answers to shops' keys (status 201), after the key `after`
    /// in (merchant, key) order, a page at a time. Verification reads the journal row each
    /// receipt names from its signed body, not from a column a database owner could clear.
    pub async fn stored_receipts(&self, after: (i64, &str)) -> StoreResult<Vec<StoredReceipt>> {
        let rows = with_pool!(self, pool => sqlx::query_as(
            "select merchant_id, idempotency_key, response_body from idempotency_keys \
             where status_code = 201 and (merchant_id > $1 or (merchant_id = $1 and idempotency_key > $2)) \
             order by merchant_id, idempotency_key limit $3"
        ).bind(after.0).bind(after.1.to_owned()).bind(RECEIPT_PAGE_ROWS).fetch_all(pool).await)?;
        Ok(rows)
    }

    /// Journal rows by id, in id order (ids that do not exist are simply absent).
    pub async fn journal_entries(&self, ids: &[i64]) -> StoreResult<Vec<ChainedEntry>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let rows: Vec<EntryRow> = with_pool!(self, pool => {
            let mut q = sqlx::QueryBuilder::new(format!("select {ENTRY_COLUMNS} from redemptions where id in ("));
            let mut list = q.separated(", ");
            for id in ids {
                list.push_bind(*id);
            }
            q.push(") order by id");
            q.build_query_as().fetch_all(pool).await
        })?;
        rows.into_iter().map(entry_from_row).collect()
    }
}
