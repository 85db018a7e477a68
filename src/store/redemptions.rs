//! The money path: debits and reversals. Each is one transaction in which a single conditional
//! `update` decides (never read-then-write), the journal row is appended, and the answer is
//! stored under the shop's idempotency key.

use super::{Engine, Store, StoreError, StoreResult, with_pool, with_writer};
use crate::domain::ids::{MerchantId, ProgrammeId, RedemptionId, VoucherId};
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
    /// Basket lines (categories already checked against the programme).
    pub items: &'a [(Category, Rupiah)],
    /// Now, Unix seconds (validity) and microseconds (journal time).
    pub now_unix: i64,
    /// Now in microseconds.
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

/// The outcome of a debit call.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum Answer {
    /// A new answer (`status`, `body`) was decided and stored.
    Fresh(u16, String),
    /// The key was used before with the same request: the stored answer.
    Replay(u16, String),
    /// The key was used before with another request.
    KeyReused,
}

fn decline_for(
    row: Option<(String, i64, i64, i64, i64, String)>,
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

impl Store {
    /// Debits a voucher exactly once per (shop, idempotency key). `answer` builds the stored
    /// response from the result (it runs inside the transaction, so the receipt is signed before
    /// anything commits).
    pub async fn debit(
        &self,
        d: &Debit<'_>,
        answer: impl FnOnce(DebitResult) -> (u16, String),
    ) -> StoreResult<Answer> {
        with_writer!(self, pool => {
            let mut tx = pool.begin_write().await?;
            // 1. Claim the key. A concurrent request with the same key waits here for ours.
            let claimed = sqlx::query(
                "insert into idempotency_keys (merchant_id, idempotency_key, request_sha256, status_code, response_body, created_at_us) \
                 values ($1, $2, $3, 0, '', $4) on conflict (merchant_id, idempotency_key) do nothing",
            )
            .bind(d.merchant.0).bind(d.idempotency_key.to_owned()).bind(d.request_sha256.to_owned()).bind(d.now_us)
            .execute(&mut *tx).await?.rows_affected();
            if claimed == 0 {
                tx.rollback().await?;
                return self.stored_answer(d.merchant, d.idempotency_key, d.request_sha256).await;
            }
            // 2. The debit: one conditional statement decides.
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
            .fetch_optional(&mut *tx).await?;
            let result = match balance {
                Some((balance_after,)) => {
                    let (id,): (i64,) = sqlx::query_as(
                        "insert into redemptions (voucher_id, merchant_id, kind, amount_rp, idempotency_key, request_sha256, created_at_us) \
                         values ($1, $2, 'debit', $3, $4, $5, $6) returning id",
                    )
                    .bind(d.voucher.to_string()).bind(d.merchant.0).bind(d.amount.as_i64())
                    .bind(d.idempotency_key.to_owned()).bind(d.request_sha256.to_owned()).bind(d.now_us)
                    .fetch_one(&mut *tx).await?;
                    if !d.items.is_empty() {
                        let mut q = sqlx::QueryBuilder::new("insert into redemption_items (redemption_id, category, amount_rp) ");
                        q.push_values(d.items, |mut b, (category, amount)| {
                            b.push_bind(id).push_bind(category.as_str().to_owned()).push_bind(amount.as_i64());
                        });
                        q.build().execute(&mut *tx).await?;
                    }
                    let balance_after = Rupiah::new(balance_after).map_err(|_| StoreError::Corrupt("balance out of range"))?;
                    DebitResult::Debited { redemption_id: RedemptionId(id), balance_after }
                }
                None => {
                    // Declined: now (and only now) read why, for the answer.
                    let row: Option<(String, i64, i64, i64, i64, String)> = sqlx::query_as(
                        "select status, valid_from_unix, valid_until_unix, face_value_rp, spent_rp, kode_desa from vouchers where id = $1",
                    )
                    .bind(d.voucher.to_string()).fetch_optional(&mut *tx).await?;
                    let (active, serves) = match &row {
                        Some((.., desa)) => {
                            let (active, serves): (bool, bool) = sqlx::query_as(
                                "select m.status = 'active', exists (select 1 from merchant_service_areas a \
                                 where a.merchant_id = m.id and (a.kode_wilayah = $2 or $2 like a.kode_wilayah || '.%')) \
                                 from merchants m where m.id = $1",
                            )
                            .bind(d.merchant.0).bind(desa.clone()).fetch_optional(&mut *tx).await?.unwrap_or((false, false));
                            (active, serves)
                        }
                        None => (true, true),
                    };
                    DebitResult::Declined(decline_for(row, active, serves, d.now_unix))
                }
            };
            let (status, body) = answer(result);
            let redemption_id = match result {
                DebitResult::Debited { redemption_id, .. } => Some(redemption_id.0),
                DebitResult::Declined(_) => None,
            };
            sqlx::query(
                "update idempotency_keys set status_code = $1, response_body = $2, redemption_id = $3 \
                 where merchant_id = $4 and idempotency_key = $5",
            )
            .bind(i64::from(status)).bind(body.clone()).bind(redemption_id).bind(d.merchant.0).bind(d.idempotency_key.to_owned())
            .execute(&mut *tx).await?;
            tx.commit().await?;
            Ok(Answer::Fresh(status, body))
        })
    }

    /// The stored answer of a key, or `KeyReused` if the request differs.
    async fn stored_answer(
        &self,
        merchant: MerchantId,
        key: &str,
        request_sha256: &str,
    ) -> StoreResult<Answer> {
        let row: (String, i64, String) = with_pool!(self, pool => sqlx::query_as(
            "select request_sha256, status_code, response_body from idempotency_keys \
             where merchant_id = $1 and idempotency_key = $2"
        ).bind(merchant.0).bind(key.to_owned()).fetch_one(pool).await)?;
        if row.0 != request_sha256 {
            return Ok(Answer::KeyReused);
        }
        Ok(Answer::Replay(u16::try_from(row.1).unwrap_or(500), row.2))
    }
}

/// Why a reversal was refused.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum ReversalRefusal {
    /// No such debit.
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
    /// The debit it undoes.
    pub reverses: RedemptionId,
    /// Voucher.
    pub voucher: VoucherId,
    /// Amount returned.
    pub amount: Rupiah,
    /// Balance after.
    pub balance_after: Rupiah,
}

impl Store {
    /// Reverses a debit of `merchant` made at most `window_secs(programme)` seconds ago: the
    /// reversal row (unique per debit) and the balance restore commit together.
    pub async fn reverse(
        &self,
        debit: RedemptionId,
        merchant: MerchantId,
        window_secs: impl FnOnce(ProgrammeId) -> i64,
        now_us: i64,
    ) -> StoreResult<Result<Reversed, ReversalRefusal>> {
        // The journal row never changes once written, so reading it first decides nothing about
        // money: the restore below is still one conditional statement.
        let row: Option<(String, i64, String, i64, i64, i64)> = with_pool!(self, pool => sqlx::query_as(
            "select r.voucher_id, r.merchant_id, r.kind, r.amount_rp, r.created_at_us, v.programme_id \
             from redemptions r join vouchers v on v.id = r.voucher_id where r.id = $1"
        ).bind(debit.0).fetch_optional(pool).await)?;
        let Some((voucher, owner, kind, amount, created_at_us, programme)) = row else {
            return Ok(Err(ReversalRefusal::Unknown));
        };
        if kind != "debit" {
            return Ok(Err(ReversalRefusal::Unknown));
        }
        if owner != merchant.0 {
            return Ok(Err(ReversalRefusal::NotYours));
        }
        let voucher =
            VoucherId::parse(&voucher).map_err(|_| StoreError::Corrupt("stored voucher id"))?;
        if created_at_us
            .saturating_add(window_secs(ProgrammeId(programme)).saturating_mul(1_000_000))
            < now_us
        {
            return Ok(Err(ReversalRefusal::WindowClosed));
        }
        with_writer!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let inserted: Option<(i64,)> = sqlx::query_as(
                "insert into redemptions (voucher_id, merchant_id, kind, amount_rp, reverses_id, created_at_us) \
                 values ($1, $2, 'reversal', $3, $4, $5) on conflict (reverses_id) do nothing returning id",
            )
            .bind(voucher.to_string()).bind(merchant.0).bind(amount).bind(debit.0).bind(now_us)
            .fetch_optional(&mut *tx).await?;
            let Some((id,)) = inserted else {
                tx.rollback().await?;
                return Ok(Err(ReversalRefusal::AlreadyReversed));
            };
            let balance: Option<(i64,)> = sqlx::query_as(
                "update vouchers set spent_rp = spent_rp - $1 where id = $2 and status = 'active' and spent_rp >= $1 \
                 returning face_value_rp - spent_rp",
            )
            .bind(amount).bind(voucher.to_string()).fetch_optional(&mut *tx).await?;
            let Some((balance_after,)) = balance else {
                tx.rollback().await?;
                return Ok(Err(ReversalRefusal::VoucherRevoked));
            };
            tx.commit().await?;
            let bad = |_| StoreError::Corrupt("amount out of range");
            Ok(Ok(Reversed {
                redemption_id: RedemptionId(id),
                reverses: debit,
                voucher,
                amount: Rupiah::new(amount).map_err(bad)?,
                balance_after: Rupiah::new(balance_after).map_err(bad)?,
            }))
        })
    }

    /// Balance facts of a voucher for the public balance check: (face, spent, status,
    /// valid_until_unix, programme id).
    pub async fn voucher_balance(
        &self,
        id: VoucherId,
    ) -> StoreResult<Option<(i64, i64, String, i64, i64)>> {
        let row = with_pool!(self, pool => sqlx::query_as(
            "select face_value_rp, spent_rp, status, valid_until_unix, programme_id from vouchers where id = $1"
        ).bind(id.to_string()).fetch_optional(pool).await)?;
        Ok(row)
    }

    /// The last `limit` journal entries of a voucher: (kind, amount, created_at_us, shop name).
    pub async fn recent_entries(
        &self,
        id: VoucherId,
        limit: i64,
    ) -> StoreResult<Vec<(String, i64, i64, String)>> {
        let rows = with_pool!(self, pool => sqlx::query_as(
            "select r.kind, r.amount_rp, r.created_at_us, m.name from redemptions r join merchants m on m.id = r.merchant_id \
             where r.voucher_id = $1 order by r.created_at_us desc, r.id desc limit $2"
        ).bind(id.to_string()).bind(limit).fetch_all(pool).await)?;
        Ok(rows)
    }

    /// The ledger of every voucher: (id, face, spent, Σ debits, Σ reversals). Auditors and the
    /// concurrency tests check `face − Σ debits + Σ reversals = face − spent ≥ 0` with it.
    pub async fn ledger(&self) -> StoreResult<Vec<(String, i64, i64, i64, i64)>> {
        let rows = with_pool!(self, pool => sqlx::query_as(
            "select v.id, v.face_value_rp, v.spent_rp, \
             cast(coalesce(sum(case when r.kind = 'debit' then r.amount_rp end), 0) as bigint), \
             cast(coalesce(sum(case when r.kind = 'reversal' then r.amount_rp end), 0) as bigint) \
             from vouchers v left join redemptions r on r.voucher_id = v.id group by v.id, v.face_value_rp, v.spent_rp"
        ).fetch_all(pool).await)?;
        Ok(rows)
    }
}
