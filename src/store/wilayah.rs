//! Wilayah reference rows (the built-in national list, updates with their history) and lokus
//! villages.

use super::{AuditWriter, Engine, Store, StoreError, StoreResult, with_pool, with_writer};
use crate::domain::audit::AuditEvent;
use crate::domain::wilayah::{
    AreaUpdate, Level, Wilayah, WilayahChanges, WilayahCode, parse_code_name_csv, plan_changes,
};
use relasi_codes::Code;
use serde::Serialize;
use std::collections::HashMap;
use std::io::Read;

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

/// A lokus desa as lists show it: its code and name, and its kecamatan's.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct LokusDesa {
    /// The desa.
    pub code: WilayahCode,
    /// Its name.
    pub name: String,
    /// Its kecamatan.
    pub kecamatan: WilayahCode,
    /// The kecamatan's name.
    pub kecamatan_name: String,
}

/// The national list compiled into the binary (see `data/wilayah/README.md`).
const BUILTIN_GZ: &[u8] = include_bytes!("../../data/wilayah/kepmendagri.csv.gz");
/// How the built-in list is named in `wilayah_sources`; a newer list gets a new name, so a
/// database that has the older one loads the newer one on its next `migrate`.
pub const BUILTIN_WILAYAH_SOURCE: &str = "Kepmendagri 300.2.2-2L38 Tahun 2025 (bawaan / built in)";

/// The built-in national list, unpacked and parsed (about 0.1 s; only when it must be loaded).
pub fn builtin_wilayah() -> StoreResult<Vec<Wilayah>> {
    let mut text = String::with_capacity(2_400_000);
    flate2::read::GzDecoder::new(BUILTIN_GZ)
        .read_to_string(&mut text)
        .map_err(|_| StoreError::Corrupt("the built-in wilayah list does not unpack"))?;
    parse_code_name_csv(&text)
        .map_err(|_| StoreError::Corrupt("the built-in wilayah list is malformed"))
}

/// What one list changed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct WilayahLoad {
    /// Codes added.
    pub inserted: u64,
    /// Known codes renamed (the former name is kept in `wilayah_history`).
    pub renamed: u64,
    /// Areas recorded as split from another.
    pub splits: u64,
}

/// One statement for a whole list of new areas, parents first (90,000 single-row inserts take
/// seconds; one statement a fraction of that). What differs is only how the rows travel.
trait InsertNewWilayah {
    /// Inserts the rows that are not stored yet; returns how many were.
    async fn insert_new_wilayah(&mut self, rows: &[Wilayah]) -> StoreResult<u64>;
}

fn parent_of(w: &Wilayah) -> Option<String> {
    w.code.parent().map(|p| p.as_str().to_owned())
}

impl InsertNewWilayah for sqlx::Transaction<'static, sqlx::Postgres> {
    /// As four arrays, `unnest`ed.
    async fn insert_new_wilayah(&mut self, rows: &[Wilayah]) -> StoreResult<u64> {
        let codes: Vec<String> = rows.iter().map(|w| w.code.as_str().to_owned()).collect();
        let names: Vec<String> = rows.iter().map(|w| w.name.clone()).collect();
        let levels: Vec<i64> = rows.iter().map(|w| w.level.number()).collect();
        let parents: Vec<Option<String>> = rows.iter().map(parent_of).collect();
        Ok(sqlx::query(
            "insert into wilayah (code, name, level, parent_code) \
             select * from unnest($1::text[], $2::text[], $3::bigint[], $4::text[]) \
             on conflict (code) do nothing",
        )
        .bind(codes)
        .bind(names)
        .bind(levels)
        .bind(parents)
        .execute(&mut **self)
        .await?
        .rows_affected())
    }
}

impl InsertNewWilayah for sqlx::Transaction<'static, sqlx::Sqlite> {
    /// As one JSON array of `[code, name, level, parent]`, read by `json_each` in array order
    /// (SQLite checks the parent links at the end of the statement).
    async fn insert_new_wilayah(&mut self, rows: &[Wilayah]) -> StoreResult<u64> {
        let list: Vec<(&str, &str, i64, Option<String>)> = rows
            .iter()
            .map(|w| {
                (
                    w.code.as_str(),
                    w.name.as_str(),
                    w.level.number(),
                    parent_of(w),
                )
            })
            .collect();
        let json = serde_json::to_string(&list)
            .map_err(|_| StoreError::Corrupt("wilayah rows do not serialise"))?;
        Ok(sqlx::query(
            "insert into wilayah (code, name, level, parent_code) \
             select value ->> 0, value ->> 1, value ->> 2, value ->> 3 from json_each($1) where true \
             on conflict (code) do nothing",
        )
        .bind(json)
        .execute(&mut **self)
        .await?
        .rows_affected())
    }
}

/// `codes` without repeats, in the order first given.
fn distinct(codes: &[WilayahCode]) -> Vec<&WilayahCode> {
    let mut seen = std::collections::HashSet::with_capacity(codes.len());
    codes.iter().filter(|c| seen.insert(c.as_str())).collect()
}

/// A list of codes as one JSON array parameter: one statement however long the list (a bind
/// per code would meet SQLite's and PostgreSQL's parameter limits, a query per code is slow).
fn code_list_json(codes: &[&WilayahCode]) -> StoreResult<String> {
    let list: Vec<&str> = codes.iter().map(|c| c.as_str()).collect();
    serde_json::to_string(&list).map_err(|_| StoreError::Corrupt("codes do not serialise"))
}

/// Statements that read a code list (`code_list_json`), in each engine's words for the
/// array's rows: `(postgres, sqlite)`.
const UNKNOWN_WILAYAH_SQL: (&str, &str) = (
    "select code, level from wilayah where code in (select json_array_elements_text($1::json))",
    "select code, level from wilayah where code in (select value from json_each($1))",
);
const ADD_LOKUS_SQL: (&str, &str) = (
    "insert into lokus (year, kode_desa) select $1, code from wilayah where level = $2 \
     and code in (select json_array_elements_text($3::json)) on conflict do nothing",
    "insert into lokus (year, kode_desa) select $1, code from wilayah where level = $2 \
     and code in (select value from json_each($3)) on conflict do nothing",
);

/// This engine's statement of a `(postgres, sqlite)` pair.
fn for_engine(
    backend: super::Backend,
    (postgres, sqlite): (&'static str, &'static str),
) -> &'static str {
    match backend {
        super::Backend::Postgres => postgres,
        super::Backend::Sqlite => sqlite,
    }
}

impl Store {
    /// Loads the built-in national list unless this database already has it: called by
    /// `migrate`, so a fresh database knows every code of the country.
    pub async fn load_builtin_wilayah(&self) -> StoreResult<Option<WilayahLoad>> {
        if self.wilayah_source_loaded(BUILTIN_WILAYAH_SOURCE).await? {
            return Ok(None);
        }
        let started = std::time::Instant::now();
        let rows = tokio::task::spawn_blocking(builtin_wilayah)
            .await
            .map_err(|_| StoreError::Corrupt("the built-in wilayah list could not be read"))??;
        let updates = rows
            .into_iter()
            .map(|area| AreaUpdate {
                area,
                split_from: None,
            })
            .collect();
        let unpacked_ms = started.elapsed().as_millis();
        let changes = plan_changes(&self.wilayah_names().await?, updates)
            .map_err(|_| StoreError::Corrupt("the built-in wilayah list is inconsistent"))?;
        let planned_ms = started.elapsed().as_millis();
        let load = self
            .apply_wilayah(BUILTIN_WILAYAH_SOURCE, &changes, true)
            .await?;
        tracing::info!(
            unpacked_ms,
            planned_ms,
            written_ms = started.elapsed().as_millis(),
            "built-in wilayah list"
        );
        Ok(load)
    }

    /// Inserts or renames areas (tests and the demo: a district's rows, all in one call).
    pub async fn upsert_wilayah(&self, rows: &[Wilayah]) -> StoreResult<u64> {
        let updates = rows
            .iter()
            .map(|area| AreaUpdate {
                area: area.clone(),
                split_from: None,
            })
            .collect();
        let changes = plan_changes(&self.wilayah_names().await?, updates)
            .map_err(|_| StoreError::Invalid(Code::UnknownWilayah))?;
        let load = self.apply_wilayah("import", &changes, false).await?;
        Ok(load.map_or(0, |l| l.inserted + l.renamed))
    }

    /// Every stored code with its name.
    pub async fn wilayah_names(&self) -> StoreResult<HashMap<String, String>> {
        let rows: Vec<(String, String)> = with_pool!(self, pool => sqlx::query_as(
            "select code, name from wilayah"
        ).fetch_all(pool).await)?;
        Ok(rows.into_iter().collect())
    }

    /// Whether a list of this name was loaded.
    pub async fn wilayah_source_loaded(&self, source: &str) -> StoreResult<bool> {
        let n: i64 = with_pool!(self, pool => sqlx::query_scalar(
            "select count(*) from wilayah_sources where source = $1"
        ).bind(source.to_owned()).fetch_one(pool).await)?;
        Ok(n > 0)
    }

    /// Writes a planned list in one transaction: new codes, renames (the former name into
    /// `wilayah_history`), splits, and the list's row in `wilayah_sources`. With `once`, nothing
    /// is written when a list of that name is already loaded (several instances migrating at
    /// once load the built-in list once: PostgreSQL serialises them on an advisory lock).
    pub async fn apply_wilayah(
        &self,
        source: &str,
        changes: &WilayahChanges,
        once: bool,
    ) -> StoreResult<Option<WilayahLoad>> {
        let postgres = self.backend() == super::Backend::Postgres;
        with_writer!(self, pool => {
            let mut tx = pool.begin_write().await?;
            if postgres {
                sqlx::query("select pg_advisory_xact_lock(7262736510)").execute(&mut *tx).await?;
            }
            if once {
                let n: i64 = sqlx::query_scalar("select count(*) from wilayah_sources where source = $1")
                    .bind(source.to_owned()).fetch_one(&mut *tx).await?;
                if n > 0 {
                    return Ok(None);
                }
            }
            let source_id: i64 = sqlx::query_scalar(
                "insert into wilayah_sources (source, loaded_at_us, inserted, renamed) \
                 values ($1, $2, $3, $4) returning id",
            )
            .bind(source.to_owned())
            .bind(super::now_us())
            .bind(changes.new.len() as i64)
            .bind(changes.renamed.len() as i64)
            .fetch_one(&mut *tx)
            .await?;
            let inserted = tx.insert_new_wilayah(&changes.new).await?;
            for (area, old_name) in &changes.renamed {
                sqlx::query("update wilayah set name = $1 where code = $2")
                    .bind(area.name.clone()).bind(area.code.as_str().to_owned())
                    .execute(&mut *tx).await?;
                sqlx::query("insert into wilayah_history (code, change, old_name, source_id) values ($1, 'renamed', $2, $3)")
                    .bind(area.code.as_str().to_owned()).bind(old_name.clone()).bind(source_id)
                    .execute(&mut *tx).await?;
            }
            for (code, from) in &changes.splits {
                sqlx::query("insert into wilayah_history (code, change, from_code, source_id) values ($1, 'split_from', $2, $3)")
                    .bind(code.as_str().to_owned()).bind(from.as_str().to_owned()).bind(source_id)
                    .execute(&mut *tx).await?;
            }
            tx.commit().await?;
            Ok(Some(WilayahLoad {
                inserted,
                renamed: changes.renamed.len() as u64,
                splits: changes.splits.len() as u64,
            }))
        })
    }

    /// An area's recorded changes, oldest first: `(change, former name or source code, list)`.
    pub async fn wilayah_history(
        &self,
        code: &WilayahCode,
    ) -> StoreResult<Vec<(String, String, String)>> {
        Ok(with_pool!(self, pool => sqlx::query_as(
            "select h.change, coalesce(h.old_name, h.from_code, ''), s.source \
             from wilayah_history h join wilayah_sources s on s.id = h.source_id \
             where h.code = $1 order by h.id"
        ).bind(code.as_str().to_owned()).fetch_all(pool).await)?)
    }

    /// One area.
    pub async fn wilayah(&self, code: &WilayahCode) -> StoreResult<Wilayah> {
        let row: WilayahRow = with_pool!(self, pool => sqlx::query_as(
            "select code, name, level from wilayah where code = $1"
        ).bind(code.as_str().to_owned()).fetch_one(pool).await)?;
        from_row(row)
    }

    /// The areas directly under `parent` (the provinces when `None`), by code: one step of the
    /// wilayah tree the pages pick areas from.
    pub async fn wilayah_children(
        &self,
        parent: Option<&WilayahCode>,
    ) -> StoreResult<Vec<Wilayah>> {
        let rows: Vec<WilayahRow> = match parent {
            Some(p) => with_pool!(self, pool => sqlx::query_as(
                "select code, name, level from wilayah where parent_code = $1 order by code"
            ).bind(p.as_str().to_owned()).fetch_all(pool).await)?,
            None => with_pool!(self, pool => sqlx::query_as(
                "select code, name, level from wilayah where level = 1 order by code"
            ).fetch_all(pool).await)?,
        };
        rows.into_iter().map(from_row).collect()
    }

    /// Of `codes`, those that are not stored areas of `level`: each once, in the order given.
    /// One query for the whole list (a request may carry thousands of codes).
    pub async fn unknown_wilayah(
        &self,
        codes: &[WilayahCode],
        level: Option<Level>,
    ) -> StoreResult<Vec<WilayahCode>> {
        let codes = distinct(codes);
        if codes.is_empty() {
            return Ok(Vec::new());
        }
        let sql = for_engine(self.backend(), UNKNOWN_WILAYAH_SQL);
        let rows: Vec<(String, i64)> = with_pool!(self, pool => sqlx::query_as(sql)
            .bind(code_list_json(&codes)?).fetch_all(pool).await)?;
        let found: HashMap<String, i64> = rows.into_iter().collect();
        Ok(codes
            .into_iter()
            .filter(|c| match found.get(c.as_str()) {
                Some(&n) => level.is_some_and(|l| l.number() != n),
                None => true,
            })
            .cloned()
            .collect())
    }

    /// Number of stored areas.
    pub async fn count_wilayah(&self) -> StoreResult<i64> {
        let (n,): (i64,) = with_pool!(self, pool => sqlx::query_as("select count(*) from wilayah").fetch_one(pool).await)?;
        Ok(n)
    }

    /// Marks desa as lokus of a year, in one statement; returns how many were new. Codes that
    /// are not stored desa are skipped, so callers check them first (`unknown_wilayah`) to name
    /// them; a code given twice counts once.
    pub async fn add_lokus(
        &self,
        year: i32,
        desa: &[WilayahCode],
        actor: &str,
    ) -> StoreResult<u64> {
        let desa = distinct(desa);
        let json = code_list_json(&desa)?;
        let sql = for_engine(self.backend(), ADD_LOKUS_SQL);
        with_writer!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let added = sqlx::query(sql)
                .bind(i64::from(year))
                .bind(Level::Desa.number())
                .bind(json)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            let codes: Vec<&str> = desa.iter().map(|c| c.as_str()).collect();
            tx.append_audit(&AuditEvent::new(actor, "lokus.add", format!("year:{year}"),
                &serde_json::json!({ "desa": codes, "added": added }))).await?;
            tx.commit().await?;
            Ok(added)
        })
    }

    /// Lokus desa of a year with their names and kecamatan, by code: at most `limit` of them.
    pub async fn lokus_named(&self, year: i32, limit: i64) -> StoreResult<Vec<LokusDesa>> {
        let rows: Vec<(String, String, String)> = with_pool!(self, pool => sqlx::query_as(
            "select l.kode_desa, coalesce(d.name, ''), coalesce(k.name, '') from lokus l \
             left join wilayah d on d.code = l.kode_desa \
             left join wilayah k on k.code = d.parent_code \
             where l.year = $1 order by l.kode_desa limit $2"
        ).bind(i64::from(year)).bind(limit).fetch_all(pool).await)?;
        rows.into_iter()
            .map(|(code, name, kecamatan_name)| {
                let code = WilayahCode::parse(&code)
                    .map_err(|_| StoreError::Corrupt("stored wilayah code is malformed"))?;
                let kecamatan = code
                    .parent()
                    .ok_or(StoreError::Corrupt("stored lokus code is not a desa"))?;
                Ok(LokusDesa {
                    code,
                    name,
                    kecamatan,
                    kecamatan_name,
                })
            })
            .collect()
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
