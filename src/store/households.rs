//! The household registry. Every change of a household's state is also kept in
//! `household_history` with the day it took effect.

use super::{AuditWriter, Engine, Store, StoreError, StoreResult, now_us, with_pool, with_writer};
use crate::domain::audit::AuditEvent;
use crate::domain::household::{Before, Change, ChangeCounts, Household, HouseholdStatus, Member};
use crate::domain::registry::Known;
use chrono::NaiveDate;
use std::collections::HashMap;

/// How many rows an upsert changed, and how (new, moved, deceased, …).
pub type UpsertCounts = ChangeCounts;

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

/// A stored household's state as `Change::of` reads it: its desa, status, and whether the
/// imported row equals it.
fn before_of<'a>(old: &'a StateRow, new: &StateRow) -> StoreResult<Before<'a>> {
    Ok(Before {
        kode_desa: &old.2,
        status: HouseholdStatus::parse(&old.5)
            .map_err(|_| StoreError::Corrupt("stored household status"))?,
        same: old == new,
    })
}

/// A household as stored: KK, NIK and name sealed, then desa, desil, krs, status.
type StoredHousehold = (String, String, String, String, i64, bool, String);

/// What an import does to each household (counted by kind), and the households it changes with
/// their new state.
fn changes<'h>(
    households: &'h [Household],
    existing: &HashMap<String, StateRow>,
) -> StoreResult<(UpsertCounts, Vec<(&'h Household, StateRow)>)> {
    let mut counts = UpsertCounts::default();
    let mut changed = Vec::new();
    for h in households {
        let state = state_of(h);
        let before = existing
            .get(h.no_kk.as_str())
            .map(|old| before_of(old, &state))
            .transpose()?;
        let change = Change::of(before, h);
        counts.count(change);
        if change != Change::Unchanged {
            changed.push((h, state));
        }
    }
    Ok((counts, changed))
}

/// The audit chain's record of a household import.
fn import_event(
    actor: &str,
    rows: usize,
    counts: &UpsertCounts,
    effective_from: NaiveDate,
) -> AuditEvent {
    AuditEvent::new(
        actor,
        "households.import",
        "registry",
        &serde_json::json!({
            "rows": rows, "inserted": counts.inserted, "updated": counts.updated,
            "unchanged": counts.unchanged, "moved_desa": counts.moved_desa,
            "moved_away": counts.moved_away, "deceased": counts.deceased, "merged": counts.merged,
            "other_changes": counts.other_changes, "effective_from": effective_from,
        }),
    )
}

/// The columns names are sealed for (the associated data of each name's encryption).
pub(super) const NAMA_KEPALA: &str = "households.nama_kepala";
pub(super) const NAMA_MEMBER: &str = "members.nama";

/// Rows per multi-row statement: 8 parameters a row stays far below SQLite's 32766 and
/// PostgreSQL's 65535 bound parameters.
const BATCH_ROWS: usize = 1000;

/// How many households and members the registry holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RegistryCounts {
    /// Households (every status).
    pub households: i64,
    /// Members.
    pub members: i64,
}

/// Reports rows written so far (a CLI progress bar; a no-op for the API).
pub type Progress<'a> = &'a (dyn Fn(u64) + Sync);

impl Store {
    /// Inserts or updates households in one transaction, in batches; changes take effect on
    /// `effective_from` and are kept in `household_history`. Rows already as given are not
    /// touched. Nothing is written if any statement fails.
    pub async fn upsert_households(
        &self,
        households: &[Household],
        effective_from: NaiveDate,
        actor: &str,
        progress: Progress<'_>,
    ) -> StoreResult<UpsertCounts> {
        with_writer!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let existing: Vec<StoredHousehold> = sqlx::query_as(
                "select no_kk, nik_kepala, nama_kepala, kode_desa, desil, krs, status from households",
            )
            .fetch_all(&mut *tx)
            .await?;
            let existing = self.open_states(existing)?;
            let (counts, changed) = changes(households, &existing)?;
            progress(counts.unchanged);
            let now = now_us();
            // (stored KK, stored NIK, sealed name) of each changed row, made before the statements.
            let sealed: Vec<(String, String, String)> = changed
                .iter()
                .map(|(h, s)| Ok((self.seal_kk(&h.no_kk)?, self.seal_nik(&h.nik_kepala)?, self.seal_name(NAMA_KEPALA, &s.1))))
                .collect::<StoreResult<_>>()?;
            for (chunk, sealed) in changed.chunks(BATCH_ROWS).zip(sealed.chunks(BATCH_ROWS)) {
                let chunk: Vec<_> = chunk.iter().zip(sealed).collect();
                let chunk = chunk.as_slice();
                let mut q = sqlx::QueryBuilder::new(
                    "insert into households (no_kk, nik_kepala, nama_kepala, kode_desa, desil, krs, status, updated_at_us) ",
                );
                q.push_values(chunk, |mut b, ((_, s), (kk, nik, nama))| {
                    b.push_bind(kk.clone()).push_bind(nik.clone()).push_bind(nama.clone())
                        .push_bind(s.2.clone()).push_bind(s.3).push_bind(s.4).push_bind(s.5.clone()).push_bind(now);
                });
                q.push(" on conflict (no_kk) do update set nik_kepala = excluded.nik_kepala, \
                    nama_kepala = excluded.nama_kepala, kode_desa = excluded.kode_desa, desil = excluded.desil, \
                    krs = excluded.krs, status = excluded.status, updated_at_us = excluded.updated_at_us");
                q.build().execute(&mut *tx).await?;
                let mut q = sqlx::QueryBuilder::new(
                    "insert into household_history (no_kk, effective_from, kode_desa, desil, krs, status, recorded_at_us) ",
                );
                q.push_values(chunk, |mut b, ((_, s), (kk, _, _))| {
                    b.push_bind(kk.clone()).push_bind(effective_from).push_bind(s.2.clone())
                        .push_bind(s.3).push_bind(s.4).push_bind(s.5.clone()).push_bind(now);
                });
                q.build().execute(&mut *tx).await?;
                progress(chunk.len() as u64);
            }
            tx.append_audit(&import_event(actor, households.len(), &counts, effective_from)).await?;
            tx.commit().await?;
            Ok::<_, StoreError>(counts)
        })
    }

    /// Stored households' states by KK, numbers and names opened: stored ones are encrypted, so
    /// an import compares in the clear.
    fn open_states(&self, rows: Vec<StoredHousehold>) -> StoreResult<HashMap<String, StateRow>> {
        let mut opened = HashMap::with_capacity(rows.len());
        for (kk, nik, nama, c, d, e, f) in rows {
            let state = (
                self.open_nik(&nik)?.as_str().to_owned(),
                self.open_name(NAMA_KEPALA, &nama)?,
                c,
                d,
                e,
                f,
            );
            opened.insert(self.open_kk(&kk)?.as_str().to_owned(), state);
        }
        Ok(opened)
    }

    /// Inserts or replaces members in one transaction, in batches.
    pub async fn upsert_members(
        &self,
        members: &[Member],
        actor: &str,
        progress: Progress<'_>,
    ) -> StoreResult<u64> {
        with_writer!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let sealed: Vec<(String, String, String)> = members
                .iter()
                .map(|m| Ok((self.seal_kk(&m.no_kk)?, self.seal_nik(&m.nik)?, self.seal_name(NAMA_MEMBER, &m.nama))))
                .collect::<StoreResult<_>>()?;
            for (chunk, sealed) in members.chunks(BATCH_ROWS).zip(sealed.chunks(BATCH_ROWS)) {
                let rows = chunk.len() as u64;
                let chunk: Vec<_> = chunk.iter().zip(sealed).collect();
                let mut q = sqlx::QueryBuilder::new(
                    "insert into members (no_kk, nik, nama, tanggal_lahir, sasaran, mulai, selesai, stunting) ",
                );
                q.push_values(chunk, |mut b, (m, (kk, nik, nama))| {
                    b.push_bind(kk.clone()).push_bind(nik.clone())
                        .push_bind(nama.clone()).push_bind(m.tanggal_lahir).push_bind(m.sasaran.map(|s| s.as_str()))
                        .push_bind(m.mulai).push_bind(m.selesai).push_bind(m.stunting);
                });
                q.push(" on conflict (no_kk, nik) do update set nama = excluded.nama, \
                    tanggal_lahir = excluded.tanggal_lahir, sasaran = excluded.sasaran, mulai = excluded.mulai, \
                    selesai = excluded.selesai, stunting = excluded.stunting");
                q.build().execute(&mut *tx).await?;
                progress(rows);
            }
            tx.append_audit(&AuditEvent::new(actor, "members.import", "registry",
                &serde_json::json!({ "rows": members.len() }))).await?;
            tx.commit().await?;
            Ok::<_, StoreError>(members.len() as u64)
        })
    }

    /// What registry validation checks against: desa codes and KK numbers on file.
    pub async fn registry_known(&self) -> StoreResult<Known> {
        let desa: Vec<(String,)> = with_pool!(self, pool => sqlx::query_as("select code from wilayah where level = 4").fetch_all(pool).await)?;
        let kk: Vec<(String,)> = with_pool!(self, pool => sqlx::query_as("select no_kk from households").fetch_all(pool).await)?;
        Ok(Known {
            desa: desa.into_iter().map(|(c,)| c).collect(),
            kk: kk
                .into_iter()
                .map(|(k,)| Ok(self.open_kk(&k)?.as_str().to_owned()))
                .collect::<StoreResult<_>>()?,
            max_rows: crate::domain::registry::MAX_ROWS,
        })
    }

    /// How many households and members the registry holds.
    pub async fn count_registry(&self) -> StoreResult<RegistryCounts> {
        let (h,): (i64,) = with_pool!(self, pool => sqlx::query_as("select count(*) from households").fetch_one(pool).await)?;
        let (m,): (i64,) = with_pool!(self, pool => sqlx::query_as("select count(*) from members").fetch_one(pool).await)?;
        Ok(RegistryCounts {
            households: h,
            members: m,
        })
    }

    /// A household's history: (effective_from, status), oldest first.
    pub async fn household_history(
        &self,
        kk: &crate::domain::ids::Kk,
    ) -> StoreResult<Vec<(NaiveDate, String)>> {
        let rows: Vec<(NaiveDate, String)> = with_pool!(self, pool => sqlx::query_as(
            "select effective_from, status from household_history where no_kk = $1 order by effective_from, id"
        ).bind(self.seal_kk(kk)?).fetch_all(pool).await)?;
        Ok(rows)
    }
}
