//! Wilayah reference rows and lokus villages.

use super::{AuditWriter, Engine, Store, StoreError, StoreResult, with_pool, with_writer};
use crate::domain::audit::AuditEvent;
use crate::domain::wilayah::{Level, Wilayah, WilayahCode};
use relasi_codes::Code;

type WilayahRow = (String, String, i64);

fn from_row((code, name, level): WilayahRow) -> StoreResult<Wilayah> {
    Ok(Wilayah {
        code: WilayahCode::parse(&code)
            .map_err(|_| StoreError::Corrupt("stored wilayah code is malformed"))?,
        name,
        level: Level::from_number(level)
            .ok_or(StoreError::Corrupt("stored wilayah level is out of range"))?,
    })
}

impl Store {
    /// Inserts or renames areas. Parents must come first or already be stored; rows are sorted
    /// by level here so a whole district file can be loaded in one call.
    pub async fn upsert_wilayah(&self, rows: &[Wilayah]) -> StoreResult<u64> {
        let mut sorted: Vec<&Wilayah> = rows.iter().collect();
        sorted.sort_by_key(|w| (w.level, w.code.clone()));
        with_writer!(self, pool => {
            let mut tx = pool.begin_write().await?;
            for w in &sorted {
                sqlx::query(
                    "insert into wilayah (code, name, level, parent_code) values ($1, $2, $3, $4) \
                     on conflict (code) do update set name = excluded.name",
                )
                .bind(w.code.as_str().to_owned())
                .bind(w.name.clone())
                .bind(w.level.number())
                .bind(w.code.parent().map(|p| p.as_str().to_owned()))
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await?;
            Ok(sorted.len() as u64)
        })
    }

    /// One area.
    pub async fn wilayah(&self, code: &WilayahCode) -> StoreResult<Wilayah> {
        let row: WilayahRow = with_pool!(self, pool => sqlx::query_as(
            "select code, name, level from wilayah where code = $1"
        ).bind(code.as_str().to_owned()).fetch_one(pool).await)?;
        from_row(row)
    }

    /// Of `codes`, those that are not stored areas of `level`.
    pub async fn unknown_wilayah(
        &self,
        codes: &[WilayahCode],
        level: Option<Level>,
    ) -> StoreResult<Vec<WilayahCode>> {
        let mut unknown = Vec::new();
        for code in codes {
            match self.wilayah(code).await {
                Ok(w) if level.is_none_or(|l| l == w.level) => {}
                Ok(_) | Err(StoreError::NotFound) => unknown.push(code.clone()),
                Err(e) => return Err(e),
            }
        }
        Ok(unknown)
    }

    /// Number of stored areas.
    pub async fn count_wilayah(&self) -> StoreResult<i64> {
        let (n,): (i64,) = with_pool!(self, pool => sqlx::query_as("select count(*) from wilayah").fetch_one(pool).await)?;
        Ok(n)
    }

    /// Marks desa as lokus of a year. Every code must be a stored desa; returns how many were new.
    pub async fn add_lokus(
        &self,
        year: i32,
        desa: &[WilayahCode],
        actor: &str,
    ) -> StoreResult<u64> {
        if !self
            .unknown_wilayah(desa, Some(Level::Desa))
            .await?
            .is_empty()
        {
            return Err(StoreError::Invalid(Code::UnknownDesa));
        }
        with_writer!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let mut added = 0;
            for code in desa {
                added += sqlx::query("insert into lokus (year, kode_desa) values ($1, $2) on conflict do nothing")
                    .bind(i64::from(year))
                    .bind(code.as_str().to_owned())
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
            }
            let codes: Vec<&str> = desa.iter().map(WilayahCode::as_str).collect();
            tx.append_audit(&AuditEvent::new(actor, "lokus.add", format!("year:{year}"),
                &serde_json::json!({ "desa": codes, "added": added }))).await?;
            tx.commit().await?;
            Ok(added)
        })
    }

    /// Lokus desa of a year.
    pub async fn lokus(&self, year: i32) -> StoreResult<Vec<WilayahCode>> {
        let rows: Vec<(String,)> = with_pool!(self, pool => sqlx::query_as(
            "select kode_desa from lokus where year = $1 order by kode_desa"
        ).bind(i64::from(year)).fetch_all(pool).await)?;
        rows.into_iter()
            .map(|(c,)| {
                WilayahCode::parse(&c)
                    .map_err(|_| StoreError::Corrupt("stored wilayah code is malformed"))
            })
            .collect()
    }
}
