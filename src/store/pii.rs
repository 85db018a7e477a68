//! The personal-data key in the database: its check value (a start with another key is
//! refused) and re-encrypting under a new key (`relasi pii rotate`): every KK, NIK and name in
//! one transaction, with the schema's guards on those columns lifted only inside it.
//!
//! A reconciliation run's content names the households of its findings by KK, so it is stored
//! sealed like a name (XChaCha20-Poly1305, bound to its column); its hash and signature are over
//! the clear bytes, so sealing, and sealing again under a new key, changes neither. A run
//! stored by an earlier version is clear JSON and reads as it is; the next rotation seals it.
//!
//! The check: `pii_key_check` (migration 0023) holds the check value of the key the columns
//! were written with, recorded on first use. A database of an earlier version has none; it is
//! recorded after one stored name opens under the key in use (AEAD: only the right key opens).
//! KK numbers are keys (FF1 keeps them 16 digits, `crate::pii`), so the households' primary
//! key changes together with every members, history and voucher row that names it. The rows
//! are read page by page into two temporary maps (old stored value → new stored values), then
//! each table is rewritten by one set-based `update … from` over the maps. The guards that
//! refuse those edits at any other time are lifted inside the transaction only: on PostgreSQL
//! the tables' own triggers are disabled and the foreign keys deferred to commit (migration
//! 0021 made them deferrable); on SQLite the triggers are dropped and created again from their
//! stored text, and `pragma defer_foreign_keys` defers the keys. A failure anywhere rolls all
//! of it back: the database is then exactly as before, under the old key.

use super::households::{NAMA_KEPALA, NAMA_MEMBER};
use super::{
    AuditWriter, Engine, Pool, Store, StoreError, StoreResult, now_us, with_pool, with_writer,
};
use crate::domain::audit::AuditEvent;
use crate::pii::{NumberKind, PiiKey};

/// Rows read per page while the maps are built.
const PAGE_ROWS: i64 = 1000;
/// Rows per multi-row insert into a map (five binds a row, far under SQLite's limit).
const INSERT_ROWS: usize = 200;
/// The tables whose rows hold a KK, a NIK or a name.
const TABLES: [&str; 4] = ["households", "members", "household_history", "vouchers"];
/// The tables whose guards a rotation lifts: those, and the stored reconciliation runs.
const GUARDED: [&str; 5] = [
    "households",
    "members",
    "household_history",
    "vouchers",
    "reconciliation_runs",
];
/// The column a run's content is sealed to.
const RUN_CONTENT: &str = "reconciliation_runs.content";
/// Runs read per page while they are sealed again.
const RUN_PAGE_ROWS: i64 = 20;
/// Stored rows checked under the new key before commit.
const CHECK_ROWS: i64 = 100;

/// What a rotation rewrote, per table.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct Rotated {
    /// Households (KK, head's NIK and name).
    pub households: u64,
    /// Members (KK, NIK and name).
    pub members: u64,
    /// Household history rows (KK).
    pub history: u64,
    /// Vouchers (KK).
    pub vouchers: u64,
    /// Stored reconciliation runs (sealed content).
    pub runs: u64,
}

const MAPS: [&str; 4] = [
    "drop table if exists pii_households",
    "drop table if exists pii_members",
    "create temp table pii_households (old_kk text primary key, new_kk text not null, \
     new_nik text not null, new_nama text not null)",
    "create temp table pii_members (old_kk text not null, old_nik text not null, \
     new_nik text not null, new_nama text not null, primary key (old_kk, old_nik))",
];

const REWRITE_HOUSEHOLDS: &str = "update households set no_kk = m.new_kk, nik_kepala = m.new_nik, \
     nama_kepala = m.new_nama from pii_households m where households.no_kk = m.old_kk";
const REWRITE_MEMBERS: &str = "update members set no_kk = h.new_kk, nik = m.new_nik, nama = m.new_nama \
     from pii_members m join pii_households h on h.old_kk = m.old_kk \
     where members.no_kk = m.old_kk and members.nik = m.old_nik";
const REWRITE_HISTORY: &str = "update household_history set no_kk = h.new_kk \
     from pii_households h where household_history.no_kk = h.old_kk";
const REWRITE_VOUCHERS: &str =
    "update vouchers set no_kk = h.new_kk from pii_households h where vouchers.no_kk = h.old_kk";

/// `insert into TABLE values ($1, …), (…)` for `rows` rows of `width` values.
fn insert_sql(table: &str, width: usize, rows: usize) -> String {
    let tuples: Vec<String> = (0..rows)
        .map(|r| {
            let cells: Vec<String> = (1..=width).map(|c| format!("${}", r * width + c)).collect();
            format!("({})", cells.join(", "))
        })
        .collect();
    format!("insert into {table} values {}", tuples.join(", "))
}

/// Inserts rows of text into a map table, `INSERT_ROWS` at a time.
macro_rules! insert_map {
    ($tx:expr, $table:expr, $rows:expr) => {{
        for chunk in $rows.chunks(INSERT_ROWS) {
            let width = chunk.first().map(|r| r.len()).unwrap_or(1);
            let sql = insert_sql($table, width, chunk.len());
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
            for row in chunk {
                for value in row {
                    q = q.bind(value.clone());
                }
            }
            q.execute(&mut *$tx).await?;
        }
    }};
}

/// Fills both maps, page by page in key order, with each row's values sealed anew.
macro_rules! fill_maps {
    ($store:expr, $tx:expr, $new:expr) => {{
        for sql in MAPS {
            sqlx::query(sql).execute(&mut *$tx).await?;
        }
        let mut last = String::new();
        loop {
            let page: Vec<(String, String, String)> = sqlx::query_as(
                "select no_kk, nik_kepala, nama_kepala from households where no_kk > $1 order by no_kk limit $2",
            ).bind(last.clone()).bind(PAGE_ROWS).fetch_all(&mut *$tx).await?;
            let Some(end) = page.last() else { break };
            last = end.0.clone();
            let rows = page.iter().map(|(kk, nik, nama)| $store.reseal_household($new, kk, nik, nama))
                .collect::<StoreResult<Vec<_>>>()?;
            insert_map!($tx, "pii_households", rows);
        }
        let (mut last_kk, mut last_nik) = (String::new(), String::new());
        loop {
            let page: Vec<(String, String, String)> = sqlx::query_as(
                "select no_kk, nik, nama from members where no_kk > $1 or (no_kk = $1 and nik > $2) \
                 order by no_kk, nik limit $3",
            ).bind(last_kk.clone()).bind(last_nik.clone()).bind(PAGE_ROWS).fetch_all(&mut *$tx).await?;
            let Some(end) = page.last() else { break };
            (last_kk, last_nik) = (end.0.clone(), end.1.clone());
            let rows = page.iter().map(|(kk, nik, nama)| $store.reseal_member($new, kk, nik, nama))
                .collect::<StoreResult<Vec<_>>>()?;
            insert_map!($tx, "pii_members", rows);
        }
    }};
}

/// Rewrites the four tables from the maps; every row must be rewritten (a row naming a KK no
/// household has would be left under the old key: refused).
macro_rules! rewrite {
    ($tx:expr) => {{
        let mut done = Rotated::default();
        for (sql, table, slot) in [
            (REWRITE_HOUSEHOLDS, TABLES[0], &mut done.households),
            (REWRITE_MEMBERS, TABLES[1], &mut done.members),
            (REWRITE_HISTORY, TABLES[2], &mut done.history),
            (REWRITE_VOUCHERS, TABLES[3], &mut done.vouchers),
        ] {
            *slot = sqlx::query(sql).execute(&mut *$tx).await?.rows_affected();
            let (all,): (i64,) =
                sqlx::query_as(sqlx::AssertSqlSafe(format!("select count(*) from {table}")))
                    .fetch_one(&mut *$tx)
                    .await?;
            if u64::try_from(all).ok() != Some(*slot) {
                tracing::error!(
                    table,
                    rewritten = *slot,
                    rows = all,
                    "pii rotation left rows behind"
                );
                return Err(StoreError::Corrupt(
                    "a row names a KK that no household has",
                ));
            }
        }
        for sql in ["drop table pii_members", "drop table pii_households"] {
            sqlx::query(sql).execute(&mut *$tx).await?;
        }
        done
    }};
}

/// Seals every stored run's content again under the new key (the clear bytes, and so their
/// hash and signature, stay as they were).
macro_rules! reseal_runs {
    ($store:expr, $tx:expr, $new:expr) => {{
        let mut last = 0_i64;
        let mut count = 0_u64;
        loop {
            let page: Vec<(i64, String)> = sqlx::query_as(
                "select id, content from reconciliation_runs where id > $1 order by id limit $2",
            )
            .bind(last)
            .bind(RUN_PAGE_ROWS)
            .fetch_all(&mut *$tx)
            .await?;
            let Some(end) = page.last() else { break };
            last = end.0;
            for (id, stored) in page {
                let sealed = $new.seal_text(RUN_CONTENT, &$store.open_run_content(stored)?);
                sqlx::query("update reconciliation_runs set content = $1 where id = $2")
                    .bind(sealed)
                    .bind(id)
                    .execute(&mut *$tx)
                    .await?;
                count += 1;
            }
        }
        count
    }};
}

/// Reads a sample back under the new key before commit.
macro_rules! check_sample {
    ($tx:expr, $new:expr) => {{
        let rows: Vec<(String, String)> =
            sqlx::query_as("select no_kk, nama_kepala from households order by no_kk limit $1")
                .bind(CHECK_ROWS)
                .fetch_all(&mut *$tx)
                .await?;
        let opens = |(kk, nama): &(String, String)| {
            $new.open_number(NumberKind::Kk, kk).is_some()
                && $new.open_text(NAMA_KEPALA, nama).is_some()
        };
        if !rows.iter().all(opens) {
            return Err(StoreError::Corrupt(
                "a rewritten row does not open under the new key",
            ));
        }
    }};
}

/// Why a start is refused: the key in use is not the one the data was written with.
const WRONG_KEY: &str = "kunci data pribadi tidak cocok dengan database ini / the personal-data key does \
     not match this database: use the key it was encrypted with (RELASI_PII_KEY or \
     RELASI_PII_KEY_FILE; docs/deploy.md, Backups and restore)";

const RECORD_CHECK: &str = "insert into pii_key_check (singleton, check_value, recorded_at_us) \
     values (true, $1, $2) on conflict (singleton) do update \
     set check_value = excluded.check_value, recorded_at_us = excluded.recorded_at_us";

/// The whole rotation inside one transaction; `$lift` and `$restore` are the engine's guards.
macro_rules! rotate_in {
    ($store:expr, $pool:expr, $new:expr, $actor:expr, $lift:ident, $restore:ident) => {{
        let mut tx = $pool.begin_write().await?;
        let lifted = $lift(&mut tx).await?;
        fill_maps!($store, tx, $new);
        let mut done = rewrite!(tx);
        done.runs = reseal_runs!($store, tx, $new);
        $restore(&mut tx, lifted).await?;
        check_sample!(tx, $new);
        sqlx::query(RECORD_CHECK)
            .bind($new.check_value())
            .bind(now_us())
            .execute(&mut *tx)
            .await?;
        tx.append_audit(&AuditEvent::new(
            $actor,
            "pii.rotate",
            "deployment",
            &serde_json::to_value(done).unwrap_or_default(),
        ))
        .await?;
        tx.commit().await?;
        Ok(done)
    }};
}

type PgTx = sqlx::Transaction<'static, sqlx::Postgres>;
type SqliteTx = sqlx::Transaction<'static, sqlx::Sqlite>;

async fn lift_pg(tx: &mut PgTx) -> StoreResult<()> {
    sqlx::query("set constraints all deferred")
        .execute(&mut **tx)
        .await?;
    for table in GUARDED {
        let sql = format!("alter table {table} disable trigger user");
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

/// Checks the deferred references now (every table is rewritten by then; PostgreSQL refuses to
/// alter a table with checks pending), then turns the triggers back on.
async fn restore_pg(tx: &mut PgTx, (): ()) -> StoreResult<()> {
    sqlx::query("set constraints all immediate")
        .execute(&mut **tx)
        .await?;
    for table in GUARDED {
        let sql = format!("alter table {table} enable trigger user");
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

/// Drops the tables' triggers and returns their text, to be created again.
async fn lift_sqlite(tx: &mut SqliteTx) -> StoreResult<Vec<String>> {
    sqlx::query("pragma defer_foreign_keys = on")
        .execute(&mut **tx)
        .await?;
    let triggers: Vec<(String, String)> = sqlx::query_as(
        "select name, sql from sqlite_master where type = 'trigger' \
         and tbl_name in ('households', 'members', 'household_history', 'vouchers', \
         'reconciliation_runs') order by name",
    )
    .fetch_all(&mut **tx)
    .await?;
    for (name, _) in &triggers {
        let sql = format!("drop trigger \"{name}\"");
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .execute(&mut **tx)
            .await?;
    }
    Ok(triggers.into_iter().map(|(_, sql)| sql).collect())
}

async fn restore_sqlite(tx: &mut SqliteTx, triggers: Vec<String>) -> StoreResult<()> {
    for sql in triggers {
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

impl Store {
    /// Refuses a key the database was not written with; records the key's check value on
    /// first use (a database of an earlier version: after one stored name opens under it).
    pub(super) async fn check_pii_key(&self) -> StoreResult<()> {
        let mine = self.pii.check_value();
        let stored: Option<(String,)> = with_pool!(self, pool =>
            sqlx::query_as("select check_value from pii_key_check").fetch_optional(pool).await)?;
        match stored {
            Some((value,)) if value == mine => return Ok(()),
            Some(_) => return Err(StoreError::Config(WRONG_KEY)),
            None => {}
        }
        with_writer!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let sample: Option<(String,)> = sqlx::query_as("select nama_kepala from households limit 1")
                .fetch_optional(&mut *tx).await?;
            if sample.is_some_and(|(nama,)| self.pii.open_text(NAMA_KEPALA, &nama).is_none()) {
                return Err(StoreError::Config(WRONG_KEY));
            }
            sqlx::query(RECORD_CHECK).bind(mine.clone()).bind(now_us()).execute(&mut *tx).await?;
            tx.commit().await?;
            Ok::<_, StoreError>(())
        })
    }

    /// Re-encrypts every KK, NIK and name under `new`, in one transaction, and records it in
    /// the audit chain. The servers must be stopped (they hold the old key); afterwards every
    /// process must use `new`. Refused when `new` is the key in use.
    pub async fn rotate_pii(&self, new: &PiiKey, actor: &str) -> StoreResult<Rotated> {
        if self.pii.same_key(new) {
            return Err(StoreError::Config("the new key is the key in use"));
        }
        match &self.pool {
            Pool::Postgres(pool) => rotate_in!(self, pool, new, actor, lift_pg, restore_pg),
            Pool::Sqlite { write, .. } => {
                rotate_in!(self, write, new, actor, lift_sqlite, restore_sqlite)
            }
        }
    }

    /// A run's content as stored: sealed.
    pub(super) fn seal_run_content(&self, clear: &str) -> String {
        self.seal_name(RUN_CONTENT, clear)
    }

    /// A stored run's content, opened; a run stored before runs were sealed is clear JSON.
    pub(super) fn open_run_content(&self, stored: String) -> StoreResult<String> {
        if stored.starts_with('{') {
            return Ok(stored);
        }
        self.open_name(RUN_CONTENT, &stored)
    }

    /// A number stored under this store's key, stored under `new`.
    fn reseal_number(&self, new: &PiiKey, kind: NumberKind, stored: &str) -> StoreResult<String> {
        let clear = match kind {
            NumberKind::Kk => self.open_kk(stored)?.as_str().to_owned(),
            NumberKind::Nik => self.open_nik(stored)?.as_str().to_owned(),
        };
        new.seal_number(kind, &clear)
            .ok_or(StoreError::Corrupt("a number does not encrypt"))
    }

    /// A name stored in `column` under this store's key, sealed under `new`.
    fn reseal_name(&self, new: &PiiKey, column: &str, stored: &str) -> StoreResult<String> {
        Ok(new.seal_text(column, &self.open_name(column, stored)?))
    }

    /// A `pii_households` row: old KK, new KK, new NIK, new name.
    fn reseal_household(
        &self,
        new: &PiiKey,
        kk: &str,
        nik: &str,
        nama: &str,
    ) -> StoreResult<[String; 4]> {
        Ok([
            kk.to_owned(),
            self.reseal_number(new, NumberKind::Kk, kk)?,
            self.reseal_number(new, NumberKind::Nik, nik)?,
            self.reseal_name(new, NAMA_KEPALA, nama)?,
        ])
    }

    /// A `pii_members` row: old KK, old NIK, new NIK, new name (the new KK comes from the
    /// households' map).
    fn reseal_member(
        &self,
        new: &PiiKey,
        kk: &str,
        nik: &str,
        nama: &str,
    ) -> StoreResult<[String; 4]> {
        Ok([
            kk.to_owned(),
            nik.to_owned(),
            self.reseal_number(new, NumberKind::Nik, nik)?,
            self.reseal_name(new, NAMA_MEMBER, nama)?,
        ])
    }
}
