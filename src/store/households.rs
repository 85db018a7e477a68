//! The household registry. Every change of a household's state is also kept in
//! `household_history` with the day it took effect.

use super::{AuditWriter, Engine, Store, StoreError, StoreResult, now_us, with_pool};
use crate::domain::audit::AuditEvent;
use crate::domain::household::{Household, Member};
use chrono::NaiveDate;

/// How many rows an upsert changed.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct UpsertCounts {
    /// New rows.
    pub inserted: u64,
    /// Rows whose state changed.
    pub updated: u64,
    /// Rows already as given.
    pub unchanged: u64,
}

type StateRow = (String, String, String, i64, bool, String);

fn state_of(h: &Household) -> StateRow {
    (
        h.nik_kepala.as_str().to_owned(),
        h.nama_kepala.clone(),
        h.kode_desa.as_str().to_owned(),
        i64::from(h.desil.get()),
        h.krs,
        h.status.as_str().to_owned(),
    )
}

impl Store {
    /// Inserts or updates households in one transaction; changes take effect on `effective_from`.
    /// Nothing is written if any row fails (unknown desa, schema check).
    pub async fn upsert_households(
        &self,
        households: &[Household],
        effective_from: NaiveDate,
        actor: &str,
    ) -> StoreResult<UpsertCounts> {
        with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let mut counts = UpsertCounts::default();
            let now = now_us();
            for h in households {
                let kk = h.no_kk.as_str().to_owned();
                let old: Option<StateRow> = sqlx::query_as(
                    "select nik_kepala, nama_kepala, kode_desa, desil, krs, status from households where no_kk = $1",
                )
                .bind(kk.clone())
                .fetch_optional(&mut *tx)
                .await?;
                let new = state_of(h);
                if old.as_ref() == Some(&new) {
                    counts.unchanged += 1;
                    continue;
                }
                if old.is_some() { counts.updated += 1 } else { counts.inserted += 1 }
                sqlx::query(
                    "insert into households (no_kk, nik_kepala, nama_kepala, kode_desa, desil, krs, status, updated_at_us) \
                     values ($1, $2, $3, $4, $5, $6, $7, $8) on conflict (no_kk) do update set \
                     nik_kepala = excluded.nik_kepala, nama_kepala = excluded.nama_kepala, kode_desa = excluded.kode_desa, \
                     desil = excluded.desil, krs = excluded.krs, status = excluded.status, updated_at_us = excluded.updated_at_us",
                )
                .bind(kk.clone()).bind(new.0).bind(new.1).bind(new.2.clone()).bind(new.3).bind(new.4).bind(new.5.clone()).bind(now)
                .execute(&mut *tx)
                .await?;
                sqlx::query(
                    "insert into household_history (no_kk, effective_from, kode_desa, desil, krs, status, recorded_at_us) \
                     values ($1, $2, $3, $4, $5, $6, $7)",
                )
                .bind(kk).bind(effective_from).bind(new.2).bind(new.3).bind(new.4).bind(new.5).bind(now)
                .execute(&mut *tx)
                .await?;
            }
            tx.append_audit(&AuditEvent::new(actor, "households.upsert", "registry", &serde_json::json!({
                "rows": households.len(), "inserted": counts.inserted, "updated": counts.updated,
                "effective_from": effective_from,
            }))).await?;
            tx.commit().await?;
            Ok::<_, StoreError>(counts)
        })
    }

    /// Inserts or replaces members in one transaction.
    pub async fn upsert_members(&self, members: &[Member], actor: &str) -> StoreResult<u64> {
        with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            for m in members {
                sqlx::query(
                    "insert into members (no_kk, nik, nama, tanggal_lahir, sasaran, mulai, selesai, stunting) \
                     values ($1, $2, $3, $4, $5, $6, $7, $8) on conflict (no_kk, nik) do update set \
                     nama = excluded.nama, tanggal_lahir = excluded.tanggal_lahir, sasaran = excluded.sasaran, \
                     mulai = excluded.mulai, selesai = excluded.selesai, stunting = excluded.stunting",
                )
                .bind(m.no_kk.as_str().to_owned())
                .bind(m.nik.as_str().to_owned())
                .bind(m.nama.clone())
                .bind(m.tanggal_lahir)
                .bind(m.sasaran.map(|s| s.as_str()))
                .bind(m.mulai)
                .bind(m.selesai)
                .bind(m.stunting)
                .execute(&mut *tx)
                .await?;
            }
            tx.append_audit(&AuditEvent::new(actor, "members.upsert", "registry",
                &serde_json::json!({ "rows": members.len() }))).await?;
            tx.commit().await?;
            Ok::<_, StoreError>(members.len() as u64)
        })
    }

    /// Number of households and of members.
    pub async fn count_registry(&self) -> StoreResult<(i64, i64)> {
        let (h,): (i64,) = with_pool!(self, pool => sqlx::query_as("select count(*) from households").fetch_one(pool).await)?;
        let (m,): (i64,) = with_pool!(self, pool => sqlx::query_as("select count(*) from members").fetch_one(pool).await)?;
        Ok((h, m))
    }

    /// A household's history: (effective_from, status), oldest first.
    pub async fn household_history(
        &self,
        kk: &crate::domain::ids::Kk,
    ) -> StoreResult<Vec<(NaiveDate, String)>> {
        let rows: Vec<(NaiveDate, String)> = with_pool!(self, pool => sqlx::query_as(
            "select effective_from, status from household_history where no_kk = $1 order by effective_from, id"
        ).bind(kk.as_str().to_owned()).fetch_all(pool).await)?;
        Ok(rows)
    }
}
