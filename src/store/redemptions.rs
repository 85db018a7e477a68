//! The money path: debits and reversals. Each is one transaction in which a single conditional
//! `update` decides (never read-then-write), the chained journal row is appended, and the answer
//! is stored under the shop's idempotency key. Busy transactions (a serialization failure or a
//! deadlock) are retried whole, a bounded number of times.

use super::{
    Engine, JournalWriter, NewEntry, Store, StoreError, StoreResult, retry_busy, with_pool,
    with_writer,
};
use crate::domain::ids::{MerchantId, ProgrammeId, RedemptionId, VoucherId};
use crate::domain::journal::EntryKind;
use crate::domain::money::Rupiah;
use crate::domain::programme::Category;

/// Why a debit was declined, decided inside the transaction.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Decline {
    /// No such voucher.
    Unknown,
    /// Revoked.
    Revoked,
    /// Before its validity.
    NotYetValid,
    /// After its validity.
    Expired,
    /// The shop is suspended.
    MerchantInactive,
    /// The household's desa is outside the shop's service area.
    OutOfArea,
    /// The balance is smaller than the amount.
    InsufficientBalance,
}

/// A debit to attempt.
#[derive(Debug)]
pub struct Debit<'a> {
    /// Shop.
    pub merchant: MerchantId,
    /// The shop's Idempotency-Key.
    pub idempotency_key: &'a str,
    /// SHA-256 (hex) of the canonical request.
    pub request_sha256: &'a str,
    /// Voucher.
    pub voucher: VoucherId,
    /// Amount.
    pub amount: Rupiah,
    /// Basket lines (categories already checked against the programme and the shop).
    pub items: &'a [(Category, Rupiah)],
    /// Now, Unix seconds (validity).
    pub now_unix: i64,
    /// Now in microseconds (journal time).
    pub now_us: i64,
}

/// What the caller turns into the stored answer.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum DebitResult {
    /// Debited: the journal entry and the balance after it.
    Debited {
        /// Journal id.
        redemption_id: RedemptionId,
        /// Balance after.
        balance_after: Rupiah,
    },
    /// Declined, nothing debited.
    Declined(Decline),
}

/// The outcome of a keyed call.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum Answer {
    /// A new answer (`status`, `body`) was decided and stored.
    Fresh(u16, String),
    /// The key was used before with the same request: the stored answer.
    Replay(u16, String),
    /// The key was used before with another request.
    KeyReused,
}

/// An answer stored under a shop's key.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct StoredAnswer {
    /// SHA-256 of the canonical request it answered.
    pub request_sha256: String,
    /// HTTP status.
    pub status: u16,
    /// The exact body.
    pub body: String,
}

impl StoredAnswer {
    /// The replay of this answer for a request hashing to `request_sha256`.
    pub fn for_request(self, request_sha256: &str) -> Answer {
        if self.request_sha256 == request_sha256 {
            Answer::Replay(self.status, self.body)
        } else {
            Answer::KeyReused
        }
    }
}

type VoucherFacts = (String, i64, i64, i64, i64, String);

fn decline_for(
    row: Option<VoucherFacts>,
    merchant_active: bool,
    merchant_serves: bool,
    now_unix: i64,
) -> Decline {
    match row {
        None => Decline::Unknown,
        Some((status, from, until, face, spent, _)) => {
            if status != "active" {
                Decline::Revoked
            } else if now_unix < from {
                Decline::NotYetValid
            } else if now_unix > until {
                Decline::Expired
            } else if !merchant_active {
                Decline::MerchantInactive
            } else if !merchant_serves {
                Decline::OutOfArea
            } else {
                debug_assert!(spent <= face);
                Decline::InsufficientBalance
            }
        }
    }
}

/// What one sale's statements decided inside a transaction (alone, or one of a batch).
#[derive(Clone, PartialEq, Eq, Debug)]
pub(super) enum Step {
    /// The answer decided and stored under the key (it holds once the transaction commits).
    Decided(u16, String),
    /// Another request holds the key: its answer is replayed once this transaction ends.
    KeyTaken,
}

/// Builds the stored answer from a debit's result (it signs the receipt).
pub type AnswerFn = dyn Fn(DebitResult) -> (u16, String) + Send + Sync;

/// Reads and writes of a debit inside its transaction.
pub(super) trait DebitTx {
    /// Claims the key, runs the one conditional debit, appends the chained journal row and its
    /// basket, and stores the answer: everything one sale writes.
    async fn decide(&mut self, d: &Debit<'_>, answer: &AnswerFn) -> StoreResult<Step>;
    /// Why the conditional debit matched no row (read only after it did not).
    async fn why_declined(&mut self, d: &Debit<'_>) -> StoreResult<Decline>;
    /// The basket lines of a journal row.
    async fn append_items(
        &mut self,
        redemption_id: i64,
        items: &[(Category, Rupiah)],
    ) -> StoreResult<()>;
}

macro_rules! impl_debit_tx {
    ($db:ty) => {
        impl DebitTx for sqlx::Transaction<'_, $db> {
            async fn decide(&mut self, d: &Debit<'_>, answer: &AnswerFn) -> StoreResult<Step> {
                // 1. Claim the key. A concurrent request with the same key waits here for ours.
                if !claim_key!(*self, d.merchant, d.idempotency_key, d.request_sha256, d.now_us) {
                    return Ok(Step::KeyTaken);
                }
                // 2. The debit: one conditional statement decides (and locks the voucher's row,
                //    which orders its journal chain).
                let balance: Option<(i64,)> = sqlx::query_as(
                    "update vouchers set spent_rp = spent_rp + $1 \
                     where id = $2 and status = 'active' and valid_from_unix <= $3 and valid_until_unix >= $3 \
                     and spent_rp + $1 <= face_value_rp \
                     and exists (select 1 from merchants m join merchant_service_areas a on a.merchant_id = m.id \
                                 where m.id = $4 and m.status = 'active' \
                                 and (a.kode_wilayah = vouchers.kode_desa or vouchers.kode_desa like a.kode_wilayah || '.%')) \
                     returning face_value_rp - spent_rp",
                )
                .bind(d.amount.as_i64()).bind(d.voucher.to_string()).bind(d.now_unix).bind(d.merchant.0)
                .fetch_optional(&mut **self).await?;
                let result = match balance {
                    Some((balance_after,)) => {
                        let id = self.append_entry(&NewEntry {
                            voucher: d.voucher,
                            kind: EntryKind::Debit,
                            amount_rp: d.amount.as_i64(),
                            merchant_id: Some(d.merchant.0),
                            reverses_id: None,
                            counterpart: None,
                            idempotency_key: Some(d.idempotency_key),
                            request_sha256: Some(d.request_sha256),
                            created_at_us: d.now_us,
                        }).await?;
                        self.append_items(id, d.items).await?;
                        debug_assert!(balance_after >= 0, "the schema keeps 0 <= spent_rp <= face_value_rp");
                        let balance_after = Rupiah::new(balance_after).map_err(|_| StoreError::Corrupt("balance out of range"))?;
                        DebitResult::Debited { redemption_id: RedemptionId(id), balance_after }
                    }
                    None => DebitResult::Declined(self.why_declined(d).await?),
                };
                let (status, body) = answer(result);
                let redemption_id = match result {
                    DebitResult::Debited { redemption_id, .. } => Some(redemption_id.0),
                    DebitResult::Declined(_) => None,
                };
                store_answer!(*self, d.merchant, d.idempotency_key, status, body.clone(), redemption_id);
                Ok(Step::Decided(status, body))
            }

            async fn why_declined(&mut self, d: &Debit<'_>) -> StoreResult<Decline> {
                let row: Option<VoucherFacts> = sqlx::query_as(
                    "select status, valid_from_unix, valid_until_unix, face_value_rp, spent_rp, kode_desa from vouchers where id = $1",
                )
                .bind(d.voucher.to_string()).fetch_optional(&mut **self).await?;
                let (active, serves) = match &row {
                    Some((.., desa)) => sqlx::query_as(
                        "select m.status = 'active', exists (select 1 from merchant_service_areas a \
                         where a.merchant_id = m.id and (a.kode_wilayah = $2 or $2 like a.kode_wilayah || '.%')) \
                         from merchants m where m.id = $1",
                    )
                    .bind(d.merchant.0).bind(desa.clone()).fetch_optional(&mut **self).await?.unwrap_or((false, false)),
                    None => (true, true),
                };
                Ok(decline_for(row, active, serves, d.now_unix))
            }

            async fn append_items(&mut self, redemption_id: i64, items: &[(Category, Rupiah)]) -> StoreResult<()> {
                if items.is_empty() {
                    return Ok(());
                }
                let mut q = sqlx::QueryBuilder::new("insert into redemption_items (redemption_id, category, amount_rp) ");
                q.push_values(items, |mut b, (category, amount)| {
                    b.push_bind(redemption_id).push_bind(category.as_str().to_owned()).push_bind(amount.as_i64());
                });
                q.build().execute(&mut **self).await?;
                Ok(())
            }
        }
    };
}

/// Claims a shop's key inside the caller's transaction: true if it was free (the caller now
/// decides and stores the answer), false if another request holds it (a concurrent one waits
/// here until that one commits).
macro_rules! claim_key {
    ($tx:expr, $merchant:expr, $key:expr, $sha:expr, $now_us:expr) => {
        sqlx::query(
            "insert into idempotency_keys (merchant_id, idempotency_key, request_sha256, status_code, response_body, created_at_us) \
             values ($1, $2, $3, 0, '', $4) on conflict (merchant_id, idempotency_key) do nothing",
        )
        .bind($merchant.0).bind($key.to_owned()).bind($sha.to_owned()).bind($now_us)
        .execute(&mut *$tx).await?.rows_affected() == 1
    };
}

/// Stores the answer decided for a claimed key, inside the same transaction.
macro_rules! store_answer {
    ($tx:expr, $merchant:expr, $key:expr, $status:expr, $body:expr, $redemption:expr) => {
        sqlx::query(
            "update idempotency_keys set status_code = $1, response_body = $2, redemption_id = $3 \
             where merchant_id = $4 and idempotency_key = $5",
        )
        .bind(i64::from($status))
        .bind($body)
        .bind($redemption)
        .bind($merchant.0)
        .bind($key.to_owned())
        .execute(&mut *$tx)
        .await?
    };
}

impl_debit_tx!(sqlx::Postgres);
impl_debit_tx!(sqlx::Sqlite);

impl Store {
    /// The answer stored under a shop's key, if it holds one.
    pub async fn stored_answer(
        &self,
        merchant: MerchantId,
        key: &str,
    ) -> StoreResult<Option<StoredAnswer>> {
        let row: Option<(String, i64, String)> = with_pool!(self, pool => sqlx::query_as(
            "select request_sha256, status_code, response_body from idempotency_keys \
             where merchant_id = $1 and idempotency_key = $2 and status_code > 0"
        ).bind(merchant.0).bind(key.to_owned()).fetch_optional(pool).await)?;
        Ok(row.map(|(request_sha256, status, body)| StoredAnswer {
            request_sha256,
            status: u16::try_from(status).unwrap_or(500),
            body,
        }))
    }

    async fn replay(&self, merchant: MerchantId, key: &str, sha: &str) -> StoreResult<Answer> {
        let stored = self
            .stored_answer(merchant, key)
            .await?
            .ok_or(StoreError::Corrupt("a claimed key without its answer"))?;
        Ok(stored.for_request(sha))
    }

    /// Debits a voucher exactly once per (shop, idempotency key). `answer` builds the stored
    /// response from the result (it runs inside the transaction, so the receipt is signed before
    /// anything commits; it may run again if the transaction is retried).
    pub async fn debit(&self, d: &Debit<'_>, answer: &AnswerFn) -> StoreResult<Answer> {
        retry_busy(|| self.debit_once(d, answer)).await
    }

    async fn debit_once(&self, d: &Debit<'_>, answer: &AnswerFn) -> StoreResult<Answer> {
        let step = with_writer!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let step = tx.decide(d, answer).await?;
            match step {
                Step::Decided(..) => tx.commit().await?,
                Step::KeyTaken => tx.rollback().await?,
            }
            step
        });
        self.settle(d, step).await
    }

    /// Decides `sales` in order inside one transaction and commits once. An error leaves nothing
    /// of the batch written (the transaction rolls back when dropped).
    pub(super) async fn debit_batch(
        &self,
        sales: &[(Debit<'_>, &AnswerFn)],
    ) -> StoreResult<super::batch::Steps> {
        with_writer!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let mut steps = Vec::with_capacity(sales.len());
            for (d, answer) in sales {
                steps.push(tx.decide(d, *answer).await?);
            }
            tx.commit().await?;
            Ok(steps)
        })
    }

    /// The caller's answer once the transaction that decided `step` has ended.
    pub(super) async fn settle(&self, d: &Debit<'_>, step: Step) -> StoreResult<Answer> {
        match step {
            Step::Decided(status, body) => Ok(Answer::Fresh(status, body)),
            Step::KeyTaken => {
                self.replay(d.merchant, d.idempotency_key, d.request_sha256)
                    .await
            }
        }
    }
}

/// Why a reversal was refused.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum ReversalRefusal {
    /// No such sale.
    Unknown,
    /// Another shop's sale.
    NotYours,
    /// Outside the programme's reversal window.
    WindowClosed,
    /// Reversed before.
    AlreadyReversed,
    /// The voucher was revoked (its balance may have moved to a replacement card).
    VoucherRevoked,
}

/// A reversal that went through.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Reversed {
    /// The new journal entry.
    pub redemption_id: RedemptionId,
    /// The sale it undoes.
    pub reverses: RedemptionId,
    /// Voucher.
    pub voucher: VoucherId,
    /// Amount returned.
    pub amount: Rupiah,
    /// Balance after.
    pub balance_after: Rupiah,
}

/// A reversal to attempt.
#[derive(Debug)]
pub struct Reversal<'a> {
    /// The sale to undo.
    pub debit: RedemptionId,
    /// The shop asking (it must be the shop that sold).
    pub merchant: MerchantId,
    /// The shop's Idempotency-Key, when it sent one: the answer is then stored under it.
    pub idempotency_key: Option<&'a str>,
    /// SHA-256 of the canonical reversal request.
    pub request_sha256: &'a str,
    /// Now, microseconds.
    pub now_us: i64,
}

type DebitRow = (String, Option<i64>, String, i64, i64, i64);

impl Store {
    /// Reverses a sale of `r.merchant` made at most `window_secs(programme)` seconds ago, once:
    /// the restore and the reversal row commit together, with the answer under the key.
    pub async fn reverse(
        &self,
        r: &Reversal<'_>,
        window_secs: impl Fn(ProgrammeId) -> i64,
        answer: impl Fn(Result<Reversed, ReversalRefusal>) -> (u16, String),
    ) -> StoreResult<Answer> {
        retry_busy(|| self.reverse_once(r, &window_secs, &answer)).await
    }

    async fn reverse_once(
        &self,
        r: &Reversal<'_>,
        window_secs: &impl Fn(ProgrammeId) -> i64,
        answer: &impl Fn(Result<Reversed, ReversalRefusal>) -> (u16, String),
    ) -> StoreResult<Answer> {
        with_writer!(self, pool => {
            let mut tx = pool.begin_write().await?;
            if let Some(key) = r.idempotency_key
                && !claim_key!(tx, r.merchant, key, r.request_sha256, r.now_us)
            {
                tx.rollback().await?;
                return self.replay(r.merchant, key, r.request_sha256).await;
            }
            let sale: Option<DebitRow> = sqlx::query_as(
                "select r.voucher_id, r.merchant_id, r.kind, r.amount_rp, r.created_at_us, v.programme_id \
                 from redemptions r join vouchers v on v.id = r.voucher_id where r.id = $1",
            ).bind(r.debit.0).fetch_optional(&mut *tx).await?;
            let outcome = match sale {
                None => Err(ReversalRefusal::Unknown),
                Some(row) => match refusal_before_lock(&row, r, window_secs) {
                    Some(refusal) => Err(refusal),
                    None => tx.reverse_locked(r, &row).await?,
                },
            };
            let (status, body) = answer(outcome);
            if let Some(key) = r.idempotency_key {
                let entry = outcome.ok().map(|x| x.redemption_id.0);
                store_answer!(tx, r.merchant, key, status, body.clone(), entry);
            }
            if outcome.is_ok() || r.idempotency_key.is_some() {
                tx.commit().await?;
            } else {
                tx.rollback().await?;
            }
            Ok(Answer::Fresh(status, body))
        })
    }
}

/// The part of a reversal that runs under the voucher's row lock.
trait ReversalTx {
    /// Locks the sale's voucher, then refuses (reversed before, voucher revoked) or restores
    /// the balance and appends the reversal.
    async fn reverse_locked(
        &mut self,
        r: &Reversal<'_>,
        sale: &DebitRow,
    ) -> StoreResult<Result<Reversed, ReversalRefusal>>;
}

macro_rules! impl_reversal_tx {
    ($db:ty) => {
        impl ReversalTx for sqlx::Transaction<'_, $db> {
            async fn reverse_locked(
                &mut self,
                r: &Reversal<'_>,
                sale: &DebitRow,
            ) -> StoreResult<Result<Reversed, ReversalRefusal>> {
                let voucher = VoucherId::parse(&sale.0)
                    .map_err(|_| StoreError::Corrupt("stored voucher id"))?;
                // Lock the voucher's row (a no-op update does, on both engines): from here no
                // other entry of this voucher can commit, so what we read next holds.
                let status: (String,) = sqlx::query_as(
                    "update vouchers set spent_rp = spent_rp where id = $1 returning status",
                )
                .bind(voucher.to_string())
                .fetch_one(&mut **self)
                .await?;
                let reversed: Option<(i64,)> =
                    sqlx::query_as("select id from redemptions where reverses_id = $1")
                        .bind(r.debit.0)
                        .fetch_optional(&mut **self)
                        .await?;
                if reversed.is_some() {
                    return Ok(Err(ReversalRefusal::AlreadyReversed));
                }
                if status.0 != "active" {
                    return Ok(Err(ReversalRefusal::VoucherRevoked));
                }
                let amount = sale.3;
                let (balance_after,): (i64,) = sqlx::query_as(
                    "update vouchers set spent_rp = spent_rp - $1 where id = $2 and spent_rp >= $1 \
                     returning face_value_rp - spent_rp",
                )
                .bind(amount)
                .bind(voucher.to_string())
                .fetch_optional(&mut **self)
                .await?
                .ok_or(StoreError::Corrupt(
                    "a sale larger than what its voucher spent",
                ))?;
                let id = self
                    .append_entry(&NewEntry {
                        voucher,
                        kind: EntryKind::Reversal,
                        amount_rp: amount,
                        merchant_id: Some(r.merchant.0),
                        reverses_id: Some(r.debit.0),
                        counterpart: None,
                        idempotency_key: r.idempotency_key,
                        request_sha256: r.idempotency_key.map(|_| r.request_sha256),
                        created_at_us: r.now_us,
                    })
                    .await?;
                debug_assert!(
                    balance_after >= amount,
                    "a reversal gives back at least its own amount"
                );
                let money =
                    |v: i64| Rupiah::new(v).map_err(|_| StoreError::Corrupt("amount out of range"));
                Ok(Ok(Reversed {
                    redemption_id: RedemptionId(id),
                    reverses: r.debit,
                    voucher,
                    amount: money(amount)?,
                    balance_after: money(balance_after)?,
                }))
            }
        }
    };
}

impl_reversal_tx!(sqlx::Postgres);
impl_reversal_tx!(sqlx::Sqlite);

/// What refuses a reversal from the sale's own (never changing) journal row.
fn refusal_before_lock(
    row: &DebitRow,
    r: &Reversal<'_>,
    window_secs: &impl Fn(ProgrammeId) -> i64,
) -> Option<ReversalRefusal> {
    let (_, owner, kind, _, created_at_us, programme) = row;
    if kind != EntryKind::Debit.as_str() {
        return Some(ReversalRefusal::Unknown);
    }
    if *owner != Some(r.merchant.0) {
        return Some(ReversalRefusal::NotYours);
    }
    let window_us = window_secs(ProgrammeId(*programme)).saturating_mul(1_000_000);
    if created_at_us.saturating_add(window_us) < r.now_us {
        return Some(ReversalRefusal::WindowClosed);
    }
    None
}

type BalanceRow = (i64, String, i64, i64, Option<i64>, Option<i64>);

/// Balance facts of a voucher for the public balance check.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct BalanceFacts {
    /// What is left.
    pub balance: Rupiah,
    /// `active` or `revoked`.
    pub status: String,
    /// Last valid second, Unix.
    pub valid_until_unix: i64,
    /// Programme.
    pub programme: ProgrammeId,
    /// Where its balance went, if it was moved to a replacement card: (amount, when, Unix µs).
    pub moved_out: Option<(Rupiah, i64)>,
}

impl Store {
    /// Balance facts of a voucher, or `None` if it is unknown.
    pub async fn voucher_balance(&self, id: VoucherId) -> StoreResult<Option<BalanceFacts>> {
        let row: Option<BalanceRow> = with_pool!(self, pool => sqlx::query_as(
            "select v.face_value_rp - v.spent_rp, v.status, v.valid_until_unix, v.programme_id, m.amount_rp, m.created_at_us \
             from vouchers v left join redemptions m on m.voucher_id = v.id and m.kind = 'move_out' where v.id = $1"
        ).bind(id.to_string()).fetch_optional(pool).await)?;
        let money = |v: i64| Rupiah::new(v).map_err(|_| StoreError::Corrupt("stored balance"));
        row.map(
            |(balance, status, valid_until_unix, programme, moved, at)| {
                Ok(BalanceFacts {
                    balance: money(balance)?,
                    status,
                    valid_until_unix,
                    programme: ProgrammeId(programme),
                    moved_out: match (moved, at) {
                        (Some(a), Some(t)) => Some((money(a)?, t)),
                        _ => None,
                    },
                })
            },
        )
        .transpose()
    }

    /// The last `limit` journal entries of a voucher, newest first.
    pub async fn recent_entries(&self, id: VoucherId, limit: i64) -> StoreResult<Vec<RecentEntry>> {
        let rows: Vec<(String, i64, i64, Option<String>)> = with_pool!(self, pool => sqlx::query_as(
            "select r.kind, r.amount_rp, r.created_at_us, m.name from redemptions r \
             left join merchants m on m.id = r.merchant_id \
             where r.voucher_id = $1 order by r.voucher_seq desc limit $2"
        ).bind(id.to_string()).bind(limit).fetch_all(pool).await)?;
        rows.into_iter()
            .map(|(kind, amount, at, shop)| {
                Ok(RecentEntry {
                    kind: EntryKind::parse(&kind)
                        .ok_or(StoreError::Corrupt("stored journal kind"))?,
                    amount: Rupiah::new(amount)
                        .map_err(|_| StoreError::Corrupt("stored amount"))?,
                    at: chrono::DateTime::from_timestamp_micros(at)
                        .ok_or(StoreError::Corrupt("stored journal time"))?,
                    shop,
                })
            })
            .collect()
    }

    /// The ledger of every voucher: (id, issued, balance, Σ debit, Σ reversal, Σ move_out,
    /// Σ move_in). Auditors and the concurrency tests check
    /// `issued − Σ debit + Σ reversal − Σ move_out + Σ move_in = balance ≥ 0` with it.
    pub async fn ledger(&self) -> StoreResult<Vec<LedgerRow>> {
        let rows: Vec<(String, i64, i64, i64, i64, i64, i64)> = with_pool!(self, pool => sqlx::query_as(
            "select v.id, case when v.replaces is null then v.face_value_rp else 0 end, v.face_value_rp - v.spent_rp, \
             cast(coalesce(sum(case when r.kind = 'debit' then r.amount_rp end), 0) as bigint), \
             cast(coalesce(sum(case when r.kind = 'reversal' then r.amount_rp end), 0) as bigint), \
             cast(coalesce(sum(case when r.kind = 'move_out' then r.amount_rp end), 0) as bigint), \
             cast(coalesce(sum(case when r.kind = 'move_in' then r.amount_rp end), 0) as bigint) \
             from vouchers v left join redemptions r on r.voucher_id = v.id \
             group by v.id, v.replaces, v.face_value_rp, v.spent_rp order by v.id"
        ).fetch_all(pool).await)?;
        Ok(rows
            .into_iter()
            .map(|r| LedgerRow {
                voucher_id: r.0,
                issued_rp: r.1,
                balance_rp: r.2,
                debits_rp: r.3,
                reversals_rp: r.4,
                moved_out_rp: r.5,
                moved_in_rp: r.6,
            })
            .collect())
    }
}

/// A journal entry as a family sees it on a balance check.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct RecentEntry {
    /// What happened.
    pub kind: EntryKind,
    /// How much.
    pub amount: Rupiah,
    /// When.
    pub at: chrono::DateTime<chrono::Utc>,
    /// The shop's name (sales and reversals; none for a move).
    pub shop: Option<String>,
}

/// One voucher's ledger: what it was issued with, its balance, and its journal's sums.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct LedgerRow {
    /// Voucher id.
    pub voucher_id: String,
    /// Face value if issued to a household; 0 for a replacement.
    pub issued_rp: i64,
    /// Stored balance.
    pub balance_rp: i64,
    /// Σ debits.
    pub debits_rp: i64,
    /// Σ reversals.
    pub reversals_rp: i64,
    /// Σ moved out.
    pub moved_out_rp: i64,
    /// Σ moved in.
    pub moved_in_rp: i64,
}

impl LedgerRow {
    /// Whether the ledger identity holds for this voucher.
    pub fn balances(&self) -> bool {
        self.issued_rp - self.debits_rp + self.reversals_rp - self.moved_out_rp + self.moved_in_rp
            == self.balance_rp
            && self.balance_rp >= 0
    }
}
