//! Card hand-overs: which card reached its family on what date (migration 0012), recorded once
//! per card and chained into the audit log; read back per desa for the kader's list and the
//! office's count of cards never handed over.

use super::{AuditWriter, Engine, Store, StoreResult, now_us, with_pool, with_writer};
use crate::domain::audit::AuditEvent;
use crate::domain::ids::{CycleId, VoucherId};
use crate::domain::wilayah::WilayahCode;
use chrono::NaiveDate;
use std::collections::HashMap;

impl Store {
    /// Records that each card reached its family on its date. A card recorded before keeps its
    /// first record (a second tick or scan changes nothing). Returns how many were new.
    pub async fn record_handovers(
        &self,
        cards: &[(VoucherId, NaiveDate)],
        actor: &str,
    ) -> StoreResult<u64> {
        with_writer!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let now = now_us();
            let mut new = 0;
            for (voucher, on) in cards {
                let n = sqlx::query(
                    "insert into handovers (voucher_id, handed_over_on, recorded_at_us, recorded_by) \
                     values ($1, $2, $3, $4) on conflict (voucher_id) do nothing",
                )
                .bind(voucher.to_string()).bind(*on).bind(now).bind(actor.to_owned())
                .execute(&mut *tx).await?.rows_affected();
                if n == 1 {
                    new += 1;
                    tx.append_audit(&AuditEvent::new(actor, "voucher.handover", format!("voucher:{voucher}"),
                        &serde_json::json!({ "on": on.to_string() }))).await?;
                }
            }
            tx.commit().await?;
            Ok(new)
        })
    }

    /// The hand-over dates of a cycle's vouchers in an area (a desa, or every desa under a
    /// wider code), by voucher id.
    pub async fn handovers(
        &self,
        cycle: CycleId,
        area: &WilayahCode,
    ) -> StoreResult<HashMap<VoucherId, NaiveDate>> {
        let rows: Vec<(String, NaiveDate)> = with_pool!(self, pool => sqlx::query_as(
            "select h.voucher_id, h.handed_over_on from handovers h join vouchers v on v.id = h.voucher_id \
             where v.cycle_id = $1 and (v.kode_desa = $2 or v.kode_desa like $2 || '.%')"
        ).bind(cycle.0).bind(area.as_str().to_owned()).fetch_all(pool).await)?;
        Ok(rows
            .into_iter()
            .filter_map(|(id, on)| VoucherId::parse(&id).ok().map(|id| (id, on)))
            .collect())
    }
}

impl Store {
    /// How many cards of a cycle were handed over, per desa.
    pub async fn handover_counts(&self, cycle: CycleId) -> StoreResult<HashMap<WilayahCode, i64>> {
        let rows: Vec<(String, i64)> = with_pool!(self, pool => sqlx::query_as(
            "select v.kode_desa, count(*) from handovers h join vouchers v on v.id = h.voucher_id \
             where v.cycle_id = $1 group by v.kode_desa"
        ).bind(cycle.0).fetch_all(pool).await)?;
        Ok(rows
            .into_iter()
            .filter_map(|(d, n)| WilayahCode::parse(&d).ok().map(|d| (d, n)))
            .collect())
    }
}
