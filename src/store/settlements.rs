//! Settlements: claiming each journal entry once (the entry is `settlement_entries`' primary
//! key, so two concurrent runs cannot both claim it), the statement lines, the steps draft →
//! approved → paid, the shops' flags, and payout details.

use super::{AuditWriter, Engine, Store, StoreError, StoreResult, now_us, with_pool, with_writer};
use crate::domain::audit::AuditEvent;
use crate::domain::ids::{MerchantId, Period, ProgrammeId};
use crate::domain::settlement::{BankDetails, SettlementLine, SettlementStatus};
use relasi_codes::Code;
use serde::Serialize;

/// A settlement with its lines.
#[derive(Clone, PartialEq, Eq, Debug, Serialize)]
pub struct Settlement {
    /// Id.
    pub id: i64,
    /// Programme.
    #[serde(skip)]
    pub programme_id: i64,
    /// Month it settles up to.
    pub period: String,
    /// Draft, approved or paid.
    pub status: SettlementStatus,
    /// Σ net.
    #[serde(with = "crate::domain::reconcile::rp")]
    pub total: i64,
    /// Bank reference once paid.
    pub paid_reference: Option<String>,
    /// One line per shop.
    pub lines: Vec<SettlementLine>,
}

/// One journal entry of a statement: what the shop checks against its receipts.
#[derive(Clone, PartialEq, Eq, Debug, Serialize)]
pub struct StatementEntry {
    /// Journal id (the receipt's `redemption_id`).
    pub redemption_id: i64,
    /// `debit` or `reversal`.
    pub kind: String,
    /// Amount.
    #[serde(with = "crate::domain::reconcile::rp")]
    pub amount: i64,
    /// When, Unix microseconds.
    pub created_at_us: i64,
    /// The sale a reversal undoes.
    pub reverses_id: Option<i64>,
}

/// A shop's flag on a line of a draft.
#[derive(Clone, PartialEq, Eq, Debug, Serialize)]
pub struct Flag {
    /// Id.
    pub id: i64,
    /// Shop.
    pub merchant_id: i64,
    /// Entry questioned.
    pub redemption_id: i64,
    /// Why.
    pub reason: String,
    /// When, Unix microseconds.
    pub created_at_us: i64,
}

type LineRow = (i64, String, i64, i64, i64, i64, i64);

impl Store {
    /// Claims every sale and reversal of the programme made before `end_us` that no settlement
    /// holds yet into a new draft, one line per shop, in one transaction. `NothingToSettle`
    /// when there is none (the transaction is rolled back).
    pub async fn create_settlement(
        &self,
        programme: ProgrammeId,
        period: Period,
        end_us: i64,
        actor: &str,
    ) -> StoreResult<i64> {
        super::retry_busy(|| async {
            with_writer!(self, pool => {
                let mut tx = pool.begin_write().await?;
                let (id,): (i64,) = sqlx::query_as(
                    "insert into settlements (programme_id, period, status, total_rp, created_by, created_at_us) \
                     values ($1, $2, 'draft', 0, $3, $4) returning id",
                ).bind(programme.0).bind(period.to_string()).bind(actor).bind(now_us())
                .fetch_one(&mut *tx).await?;
                // A concurrent claim of the same entry waits on its key, then skips it.
                let claimed = sqlx::query(
                    "insert into settlement_entries (redemption_id, settlement_id, merchant_id) \
                     select r.id, $1, r.merchant_id from redemptions r join vouchers v on v.id = r.voucher_id \
                     where r.kind in ('debit', 'reversal') and v.programme_id = $2 and r.created_at_us < $3 \
                     and not exists (select 1 from settlement_entries e where e.redemption_id = r.id) \
                     order by r.id on conflict do nothing",
                ).bind(id).bind(programme.0).bind(end_us).execute(&mut *tx).await?.rows_affected();
                if claimed == 0 {
                    tx.rollback().await?;
                    return Err(StoreError::Conflict(Code::NothingToSettle));
                }
                sqlx::query(
                    "insert into settlement_lines (settlement_id, merchant_id, debit_count, reversal_count, gross_rp, reversals_rp, net_rp) \
                     select $1, e.merchant_id, \
                     cast(sum(case when r.kind = 'debit' then 1 else 0 end) as bigint), \
                     cast(sum(case when r.kind = 'reversal' then 1 else 0 end) as bigint), \
                     cast(coalesce(sum(case when r.kind = 'debit' then r.amount_rp end), 0) as bigint), \
                     cast(coalesce(sum(case when r.kind = 'reversal' then r.amount_rp end), 0) as bigint), \
                     cast(coalesce(sum(case when r.kind = 'debit' then r.amount_rp else -r.amount_rp end), 0) as bigint) \
                     from settlement_entries e join redemptions r on r.id = e.redemption_id \
                     where e.settlement_id = $1 group by e.merchant_id",
                ).bind(id).execute(&mut *tx).await?;
                sqlx::query(
                    "update settlements set total_rp = (select cast(coalesce(sum(net_rp), 0) as bigint) \
                     from settlement_lines where settlement_id = $1) where id = $1",
                ).bind(id).execute(&mut *tx).await?;
                tx.append_audit(&AuditEvent::new(actor, "settlement.create", format!("settlement:{id}"),
                    &serde_json::json!({ "period": period.to_string(), "entries": claimed }))).await?;
                tx.commit().await?;
                Ok::<_, StoreError>(id)
            })
        })
        .await
    }

    /// A settlement with its lines (shop names included).
    pub async fn settlement(&self, id: i64) -> StoreResult<Settlement> {
        let (sid, programme_id, period, status, total, paid_reference): (
            i64,
            i64,
            String,
            String,
            i64,
            Option<String>,
        ) = with_pool!(self, pool => sqlx::query_as(
                "select id, programme_id, period, status, total_rp, paid_reference from settlements where id = $1",
            ).bind(id).fetch_one(pool).await)?;
        let rows: Vec<LineRow> = with_pool!(self, pool => sqlx::query_as(
            "select l.merchant_id, m.name, l.debit_count, l.reversal_count, l.gross_rp, l.reversals_rp, l.net_rp \
             from settlement_lines l join merchants m on m.id = l.merchant_id where l.settlement_id = $1 order by l.merchant_id",
        ).bind(id).fetch_all(pool).await)?;
        Ok(Settlement {
            id: sid,
            programme_id,
            period,
            status: SettlementStatus::parse(&status)
                .ok_or(StoreError::Corrupt("settlement status"))?,
            total,
            paid_reference,
            lines: rows
                .into_iter()
                .map(
                    |(merchant_id, name, count, reversal_count, gross, reversals, net)| {
                        SettlementLine {
                            merchant_id,
                            name,
                            count,
                            reversal_count,
                            gross,
                            reversals,
                            net,
                        }
                    },
                )
                .collect(),
        })
    }

    /// For each shop with a line in settlement `id`: its nets in the programme's settlements
    /// before it, oldest first (what it may still owe).
    pub async fn earlier_nets(
        &self,
        id: i64,
    ) -> StoreResult<std::collections::HashMap<i64, Vec<i64>>> {
        let rows: Vec<(i64, i64)> = with_pool!(self, pool => sqlx::query_as(
            "select l.merchant_id, l.net_rp from settlement_lines l join settlements s on s.id = l.settlement_id \
             where s.programme_id = (select programme_id from settlements where id = $1) and l.settlement_id < $1 \
             and l.merchant_id in (select merchant_id from settlement_lines where settlement_id = $1) \
             order by l.settlement_id",
        ).bind(id).fetch_all(pool).await)?;
        let mut out: std::collections::HashMap<i64, Vec<i64>> = std::collections::HashMap::new();
        for (merchant, net) in rows {
            out.entry(merchant).or_default().push(net);
        }
        Ok(out)
    }

    /// Settlements of a programme, newest first (without lines).
    pub async fn settlement_ids(&self, programme: ProgrammeId) -> StoreResult<Vec<i64>> {
        let rows: Vec<(i64,)> = with_pool!(self, pool => sqlx::query_as(
            "select id from settlements where programme_id = $1 order by id desc limit 200",
        ).bind(programme.0).fetch_all(pool).await)?;
        Ok(rows.into_iter().map(|(id,)| id).collect())
    }

    /// The journal entries of one shop in a settlement, in order.
    pub async fn statement_entries(
        &self,
        id: i64,
        merchant: MerchantId,
    ) -> StoreResult<Vec<StatementEntry>> {
        let rows: Vec<(i64, String, i64, i64, Option<i64>)> = with_pool!(self, pool => sqlx::query_as(
            "select r.id, r.kind, r.amount_rp, r.created_at_us, r.reverses_id from settlement_entries e \
             join redemptions r on r.id = e.redemption_id where e.settlement_id = $1 and e.merchant_id = $2 order by r.id",
        ).bind(id).bind(merchant.0).fetch_all(pool).await)?;
        Ok(rows
            .into_iter()
            .map(
                |(redemption_id, kind, amount, created_at_us, reverses_id)| StatementEntry {
                    redemption_id,
                    kind,
                    amount,
                    created_at_us,
                    reverses_id,
                },
            )
            .collect())
    }

    /// Moves a settlement one step (`to`: approved or paid), only from the state before it
    /// (`SettlementState` otherwise), audited in the same transaction.
    pub async fn advance_settlement(
        &self,
        id: i64,
        to: SettlementStatus,
        reference: Option<&str>,
        actor: &str,
    ) -> StoreResult<()> {
        let from = to
            .before()
            .ok_or(StoreError::Conflict(Code::SettlementState))?;
        with_writer!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let now = now_us();
            let changed = match to {
                SettlementStatus::Approved => sqlx::query(
                    "update settlements set status = 'approved', approved_by = $2, approved_at_us = $3 where id = $1 and status = $4",
                ).bind(id).bind(actor).bind(now).bind(from.as_str()).execute(&mut *tx).await?,
                _ => sqlx::query(
                    "update settlements set status = 'paid', paid_reference = $2, paid_at_us = $3 where id = $1 and status = $4",
                ).bind(id).bind(reference).bind(now).bind(from.as_str()).execute(&mut *tx).await?,
            }.rows_affected();
            if changed == 0 {
                let exists: Option<(i64,)> = sqlx::query_as("select id from settlements where id = $1")
                    .bind(id).fetch_optional(&mut *tx).await?;
                return Err(match exists {
                    Some(_) => StoreError::Conflict(Code::SettlementState),
                    None => StoreError::NotFound,
                });
            }
            tx.append_audit(&AuditEvent::new(actor, &format!("settlement.{}", to.as_str()), format!("settlement:{id}"),
                &serde_json::json!({ "reference": reference }))).await?;
            tx.commit().await?;
            Ok::<_, StoreError>(())
        })
    }

    /// A shop flags one of its own entries of a draft (`NotFound` if the entry is not the
    /// shop's in that settlement; `SettlementState` once approved).
    pub async fn flag_entry(
        &self,
        id: i64,
        merchant: MerchantId,
        redemption_id: i64,
        reason: &str,
    ) -> StoreResult<i64> {
        with_writer!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let state: Option<(String,)> = sqlx::query_as(
                "select s.status from settlement_entries e join settlements s on s.id = e.settlement_id \
                 where e.settlement_id = $1 and e.merchant_id = $2 and e.redemption_id = $3",
            ).bind(id).bind(merchant.0).bind(redemption_id).fetch_optional(&mut *tx).await?;
            match state {
                None => return Err(StoreError::NotFound),
                Some((s,)) if s != "draft" => return Err(StoreError::Conflict(Code::SettlementState)),
                Some(_) => {}
            }
            let (flag,): (i64,) = sqlx::query_as(
                "insert into settlement_flags (settlement_id, merchant_id, redemption_id, reason, created_at_us) \
                 values ($1, $2, $3, $4, $5) returning id",
            ).bind(id).bind(merchant.0).bind(redemption_id).bind(reason).bind(now_us()).fetch_one(&mut *tx).await?;
            tx.commit().await?;
            Ok::<_, StoreError>(flag)
        })
    }

    /// The flags on a settlement, oldest first.
    pub async fn settlement_flags(&self, id: i64) -> StoreResult<Vec<Flag>> {
        let rows: Vec<(i64, i64, i64, String, i64)> = with_pool!(self, pool => sqlx::query_as(
            "select id, merchant_id, redemption_id, reason, created_at_us from settlement_flags where settlement_id = $1 order by id",
        ).bind(id).fetch_all(pool).await)?;
        Ok(rows
            .into_iter()
            .map(
                |(id, merchant_id, redemption_id, reason, created_at_us)| Flag {
                    id,
                    merchant_id,
                    redemption_id,
                    reason,
                    created_at_us,
                },
            )
            .collect())
    }

    /// Sets where a shop is paid (audited without the account number).
    pub async fn set_bank_details(
        &self,
        merchant: MerchantId,
        bank: &BankDetails,
        actor: &str,
    ) -> StoreResult<()> {
        with_writer!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let changed = sqlx::query(
                "update merchants set bank_name = $2, bank_account = $3, bank_holder = $4 where id = $1",
            ).bind(merchant.0).bind(bank.bank_name.as_deref()).bind(bank.bank_account.as_deref())
            .bind(bank.bank_holder.as_deref()).execute(&mut *tx).await?.rows_affected();
            if changed == 0 {
                return Err(StoreError::NotFound);
            }
            tx.append_audit(&AuditEvent::new(actor, "merchant.bank", format!("merchant:{}", merchant.0),
                &serde_json::json!({ "bank_name": bank.bank_name }))).await?;
            tx.commit().await?;
            Ok::<_, StoreError>(())
        })
    }

    /// Where a shop is paid.
    pub async fn bank_details(&self, merchant: MerchantId) -> StoreResult<BankDetails> {
        let (bank_name, bank_account, bank_holder): (
            Option<String>,
            Option<String>,
            Option<String>,
        ) = with_pool!(self, pool => sqlx::query_as(
                "select bank_name, bank_account, bank_holder from merchants where id = $1",
            ).bind(merchant.0).fetch_one(pool).await)?;
        Ok(BankDetails {
            bank_name,
            bank_account,
            bank_holder,
        })
    }
}
