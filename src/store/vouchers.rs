//! Vouchers: batched issuance (with the budget charge in the same transaction), the issuance
//! lease, and reads.

use super::{
    AuditWriter, Engine, JournalWriter, NewEntry, Pool, Store, StoreError, StoreResult, now_us,
    retry_busy, with_pool, with_writer,
};
use crate::domain::audit::AuditEvent;
use crate::domain::household::{Desil, HouseholdFacts, HouseholdStatus, MemberFacts, Sasaran};
use crate::domain::ids::{BudgetLineId, CycleId, Kk, Period, ProgrammeId, VoucherId};
use crate::domain::journal::EntryKind;
use crate::domain::money::Rupiah;
use crate::domain::voucher::{Voucher, VoucherStatus};
use crate::domain::wilayah::WilayahCode;
use chrono::{DateTime, NaiveDate};
use relasi_codes::Code;
use std::collections::{HashMap, HashSet};

/// Vouchers per insert statement: 14 parameters each stays below SQLite's 32766.
const BATCH_ROWS: usize = 2000;

/// A signed voucher ready to store.
#[derive(Clone, Debug)]
pub struct NewVoucher {
    /// Id (also in the token).
    pub id: VoucherId,
    /// Household.
    pub no_kk: Kk,
    /// Its desa.
    pub kode_desa: WilayahCode,
    /// Line charged.
    pub budget_line_id: BudgetLineId,
    /// kid, hex.
    pub kid: String,
    /// Face value.
    pub face_value: Rupiah,
    /// The QR text.
    pub token: String,
}

fn bad(_: crate::domain::Invalid) -> StoreError {
    StoreError::Corrupt("stored registry row is malformed")
}

type MemberFactsRow = (
    String,
    NaiveDate,
    Option<String>,
    Option<NaiveDate>,
    Option<NaiveDate>,
    i32,
);
type VoucherRow = (
    String,
    i64,
    i64,
    String,
    String,
    i64,
    i64,
    i64,
    String,
    i64,
    i64,
    String,
    Option<String>,
    Option<String>,
);

const VOUCHER_COLUMNS: &str = "id, programme_id, cycle_id, no_kk, kode_desa, budget_line_id, face_value_rp, spent_rp, \
    status, valid_from_unix, valid_until_unix, token, replaces, \
    (select n.id from vouchers n where n.replaces = vouchers.id)";

fn voucher_from_row(store: &Store, r: VoucherRow) -> StoreResult<Voucher> {
    let malformed = StoreError::Corrupt("stored voucher is malformed");
    let at = |s: i64| {
        DateTime::from_timestamp(s, 0).ok_or(StoreError::Corrupt("stored voucher validity"))
    };
    Ok(Voucher {
        id: VoucherId::parse(&r.0).map_err(|_| StoreError::Corrupt("stored voucher id"))?,
        programme_id: ProgrammeId(r.1),
        cycle_id: CycleId(r.2),
        no_kk: store.open_kk(&r.3)?,
        kode_desa: WilayahCode::parse(&r.4).map_err(bad)?,
        budget_line_id: BudgetLineId(r.5),
        face_value: Rupiah::new(r.6).map_err(bad)?,
        spent: Rupiah::new(r.7).map_err(bad)?,
        status: VoucherStatus::parse(&r.8).ok_or(malformed)?,
        valid_from: at(r.9)?,
        valid_until: at(r.10)?,
        token: r.11,
        replaces: r
            .12
            .map(|id| VoucherId::parse(&id))
            .transpose()
            .map_err(|_| StoreError::Corrupt("stored id"))?,
        replaced_by: r
            .13
            .map(|id| VoucherId::parse(&id))
            .transpose()
            .map_err(|_| StoreError::Corrupt("stored id"))?,
    })
}

/// The columns every voucher of one batch shares.
#[derive(Clone, Copy)]
struct VoucherColumns {
    programme: ProgrammeId,
    cycle: CycleId,
    valid: (i64, i64),
    now: i64,
}

/// Writes a batch of voucher rows inside the caller's transaction: the one place where the two
/// engines take different SQL, because this is the issuance hot path.
trait VoucherRows {
    async fn insert_voucher_rows(
        &mut self,
        rows: &[&NewVoucher],
        kks: &[String],
        c: VoucherColumns,
    ) -> StoreResult<()>;
}

impl VoucherRows for sqlx::Transaction<'_, sqlx::Postgres> {
    /// PostgreSQL: 14 array parameters and `unnest`, instead of a `values` list with thousands
    /// of parameters (which PostgreSQL binds and plans slowly).
    async fn insert_voucher_rows(
        &mut self,
        rows: &[&NewVoucher],
        kks: &[String],
        c: VoucherColumns,
    ) -> StoreResult<()> {
        let ids: Vec<String> = rows.iter().map(|v| v.id.to_string()).collect();
        let kks: Vec<String> = kks.to_vec();
        let desa: Vec<String> = rows
            .iter()
            .map(|v| v.kode_desa.as_str().to_owned())
            .collect();
        let lines: Vec<i64> = rows.iter().map(|v| v.budget_line_id.0).collect();
        let kids: Vec<String> = rows.iter().map(|v| v.kid.clone()).collect();
        let faces: Vec<i64> = rows.iter().map(|v| v.face_value.as_i64()).collect();
        let tokens: Vec<String> = rows.iter().map(|v| v.token.clone()).collect();
        sqlx::query(
            "insert into vouchers (id, programme_id, cycle_id, no_kk, kode_desa, budget_line_id, kid, \
             face_value_rp, spent_rp, status, valid_from_unix, valid_until_unix, token, issued_at_us) \
             select id, $1, $2, no_kk, kode_desa, line, kid, face, 0, 'active', $3, $4, token, $5 \
             from unnest($6::text[], $7::text[], $8::text[], $9::bigint[], $10::text[], $11::bigint[], $12::text[]) \
             as t(id, no_kk, kode_desa, line, kid, face, token)",
        )
        .bind(c.programme.0).bind(c.cycle.0).bind(c.valid.0).bind(c.valid.1).bind(c.now)
        .bind(ids).bind(kks).bind(desa).bind(lines).bind(kids).bind(faces).bind(tokens)
        .execute(&mut **self)
        .await?;
        Ok(())
    }
}

impl VoucherRows for sqlx::Transaction<'_, sqlx::Sqlite> {
    /// SQLite: multi-row `values`, 2000 rows (28,000 parameters) per statement.
    async fn insert_voucher_rows(
        &mut self,
        rows: &[&NewVoucher],
        kks: &[String],
        c: VoucherColumns,
    ) -> StoreResult<()> {
        for (chunk, kks) in rows.chunks(BATCH_ROWS).zip(kks.chunks(BATCH_ROWS)) {
            let mut q = sqlx::QueryBuilder::new(
                "insert into vouchers (id, programme_id, cycle_id, no_kk, kode_desa, budget_line_id, kid, \
                 face_value_rp, spent_rp, status, valid_from_unix, valid_until_unix, token, issued_at_us) ",
            );
            q.push_values(chunk.iter().zip(kks), |mut b, (v, kk)| {
                b.push_bind(v.id.to_string())
                    .push_bind(c.programme.0)
                    .push_bind(c.cycle.0)
                    .push_bind(kk.clone())
                    .push_bind(v.kode_desa.as_str().to_owned())
                    .push_bind(v.budget_line_id.0)
                    .push_bind(v.kid.clone())
                    .push_bind(v.face_value.as_i64())
                    .push_bind(0i64)
                    .push_bind("active")
                    .push_bind(c.valid.0)
                    .push_bind(c.valid.1)
                    .push_bind(v.token.clone())
                    .push_bind(c.now);
            });
            q.build().execute(&mut **self).await?;
        }
        Ok(())
    }
}

impl Store {
    /// Households in the registry now, counted by desa (issuance sizes its id draw and decides
    /// whether money is ample with it).
    pub async fn households_per_desa(&self) -> StoreResult<Vec<(WilayahCode, u64)>> {
        let rows: Vec<(String, i64)> = with_pool!(self, pool => sqlx::query_as(
            "select kode_desa, count(*) from households group by kode_desa"
        ).fetch_all(pool).await)?;
        rows.into_iter()
            .map(|(desa, n)| {
                Ok((
                    WilayahCode::parse(&desa).map_err(bad)?,
                    u64::try_from(n).unwrap_or(0),
                ))
            })
            .collect()
    }

    /// What eligibility needs of the next `limit` households after `after` in KK order, sorted by
    /// KK, and by KK their members who could count on `day`; no names or NIKs. Members born more
    /// than 61 months before `day` without a sasaran word can count for nothing (the oldest who
    /// count are balita under 60 months), so they are not read; `judge` decides about the rest.
    pub async fn eligibility_slice(
        &self,
        after: Option<&Kk>,
        limit: u32,
        day: NaiveDate,
    ) -> StoreResult<(Vec<HouseholdFacts>, HashMap<Kk, Vec<MemberFacts>>)> {
        // Slices follow the stored (encrypted) KK order; the caller's cursor is a clear KK.
        let after = after
            .map(|kk| self.seal_kk(kk))
            .transpose()?
            .unwrap_or_default();
        let after = after.as_str();
        let rows: Vec<(String, String, i64, i32, String)> = self
            .bulk_rows(
                "no_kk, kode_desa, desil, case when krs then 1 else 0 end, status",
                format!(
                    "(select * from households where no_kk > $1 order by no_kk limit {limit}) h"
                ),
                &[after],
            )
            .await?;
        let mut sealed = Vec::with_capacity(rows.len());
        for (kk, desa, desil, krs, status) in rows {
            let facts = HouseholdFacts {
                no_kk: self.open_kk(&kk)?,
                kode_desa: WilayahCode::parse(&desa).map_err(bad)?,
                desil: Desil::new(u8::try_from(desil).unwrap_or(0)).map_err(bad)?,
                krs: krs != 0,
                status: HouseholdStatus::parse(&status).map_err(bad)?,
            };
            sealed.push((kk, facts));
        }
        sealed.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        let Some(last) = sealed.last().map(|(kk, _)| kk.clone()) else {
            return Ok((Vec::new(), HashMap::new()));
        };
        let households: Vec<HouseholdFacts> = sealed.into_iter().map(|(_, h)| h).collect();
        // A date we formatted ourselves, so it can stand in the SQL text.
        let born_since = day
            .checked_sub_months(chrono::Months::new(61))
            .unwrap_or(NaiveDate::MIN)
            .format("%Y-%m-%d");
        let rows: Vec<MemberFactsRow> = self
            .bulk_rows(
                "no_kk, tanggal_lahir, sasaran, mulai, selesai, case when stunting then 1 else 0 end",
                format!(
                    "members where no_kk > $1 and no_kk <= $2 \
                     and (tanggal_lahir >= '{born_since}' or sasaran is not null)"
                ),
                &[after, last.as_str()],
            )
            .await?;
        let mut members: HashMap<Kk, Vec<MemberFacts>> = HashMap::new();
        for (kk, lahir, sasaran, mulai, selesai, stunting) in rows {
            members
                .entry(self.open_kk(&kk)?)
                .or_default()
                .push(MemberFacts {
                    tanggal_lahir: lahir,
                    sasaran: Sasaran::parse(sasaran.as_deref().unwrap_or_default()).map_err(bad)?,
                    mulai,
                    selesai,
                    stunting: stunting != 0,
                });
        }
        Ok((households, members))
    }

    /// `select {columns} from {from}` with `texts` bound to `$1`, `$2`…, for large reads;
    /// `columns` and `from` are our own SQL text, never input.
    /// PostgreSQL hands rows over fast; sqlx hands SQLite rows over one at a time, about 3 µs
    /// each, so there SQLite builds one JSON array of them, which arrives four times faster.
    async fn bulk_rows<T>(&self, columns: &str, from: String, texts: &[&str]) -> StoreResult<Vec<T>>
    where
        T: serde::de::DeserializeOwned
            + for<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow>
            + Send
            + Unpin,
    {
        match &self.pool {
            Pool::Postgres(pool) => {
                let mut q =
                    sqlx::query_as(sqlx::AssertSqlSafe(format!("select {columns} from {from}")));
                for text in texts {
                    q = q.bind(*text);
                }
                Ok(q.fetch_all(pool).await?)
            }
            Pool::Sqlite { read, .. } => {
                let mut q = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
                    "select coalesce(json_group_array(json_array({columns})), '[]') from {from}"
                )));
                for text in texts {
                    q = q.bind(*text);
                }
                let json: String = q.fetch_one(read).await?;
                serde_json::from_str(&json).map_err(|_| StoreError::Corrupt("stored rows"))
            }
        }
    }

    /// KK numbers that already hold a (non-replacement) voucher of the cycle.
    pub async fn issued_households(&self, cycle: CycleId) -> StoreResult<HashSet<String>> {
        let rows: Vec<(String,)> = with_pool!(self, pool => sqlx::query_as(
            "select no_kk from vouchers where cycle_id = $1 and replaces is null"
        ).bind(cycle.0).fetch_all(pool).await)?;
        rows.into_iter()
            .map(|(k,)| Ok(self.open_kk(&k)?.as_str().to_owned()))
            .collect()
    }

    /// Takes or extends the cycle's issuance lease until `until_us`; false if another runner
    /// holds an unexpired one on this cycle or on another cycle of the same programme (its
    /// cycles share the budget lines, and issuance decides funding from the lines as it finds
    /// them). `ours_until_us` is the lease the caller already holds (`None` for a new claim).
    pub async fn take_issuance_lease(
        &self,
        cycle: CycleId,
        until_us: i64,
        ours_until_us: Option<i64>,
    ) -> StoreResult<bool> {
        let now = now_us();
        let n = with_writer!(self, pool => {
            let mut tx = pool.begin_write().await?;
            // Lock the programme's cycle rows first, so two claims on different cycles take
            // turns (PostgreSQL; SQLite's single writer already serialises them).
            sqlx::query(
                "update cycles set issuing_until_us = issuing_until_us \
                 where programme_id = (select programme_id from cycles where id = $1)",
            )
            .bind(cycle.0).execute(&mut *tx).await?;
            let n = sqlx::query(
                "update cycles set issuing_until_us = $1 where id = $2 \
                 and (issuing_until_us is null or issuing_until_us < $3 or issuing_until_us = $4) \
                 and not exists (select 1 from cycles o where o.programme_id = cycles.programme_id \
                     and o.id <> cycles.id and o.issuing_until_us >= $3)",
            )
            .bind(until_us).bind(cycle.0).bind(now).bind(ours_until_us.unwrap_or(-1))
            .execute(&mut *tx).await?.rows_affected();
            tx.commit().await?;
            Ok::<_, StoreError>(n)
        })?;
        Ok(n == 1)
    }

    /// Gives the lease back.
    pub async fn release_issuance_lease(&self, cycle: CycleId) -> StoreResult<()> {
        with_writer!(self, pool => sqlx::query("update cycles set issuing_until_us = null where id = $1")
            .bind(cycle.0).execute(pool).await.map(|_| ()))?;
        Ok(())
    }

    /// Stores signed vouchers and charges their budget lines in one transaction. A line that
    /// cannot hold its charge (`committed + charge > amount`) rolls everything back with
    /// `Conflict("budget_exhausted")`; a household that already has a voucher of the cycle, with
    /// `Conflict("already_exists")`.
    pub async fn insert_vouchers(
        &self,
        programme: ProgrammeId,
        cycle: CycleId,
        valid: (i64, i64),
        vouchers: &[NewVoucher],
    ) -> StoreResult<()> {
        let mut charges: HashMap<BudgetLineId, i64> = HashMap::new();
        for v in vouchers {
            *charges.entry(v.budget_line_id).or_default() += v.face_value.as_i64();
        }
        let mut charges: Vec<(BudgetLineId, i64)> = charges.into_iter().collect();
        // A fixed order, so two transactions never lock lines in opposite orders.
        charges.sort();
        // Ids are random: inserting them in order keeps each statement's index writes on
        // neighbouring pages.
        let mut sorted: Vec<&NewVoucher> = vouchers.iter().collect();
        sorted.sort_by_key(|v| v.id);
        let kks: Vec<String> = sorted
            .iter()
            .map(|v| self.seal_kk(&v.no_kk))
            .collect::<StoreResult<_>>()?;
        with_writer!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let now = now_us();
            tx.insert_voucher_rows(&sorted, &kks, VoucherColumns { programme, cycle, valid, now }).await?;
            for (line, charge) in &charges {
                let n = sqlx::query(
                    "update budget_lines set committed_rp = committed_rp + $1 \
                     where id = $2 and committed_rp + $1 <= amount_rp",
                )
                .bind(*charge).bind(line.0).execute(&mut *tx).await?.rows_affected();
                if n != 1 {
                    return Err(StoreError::Conflict(Code::BudgetExhausted));
                }
            }
            tx.commit().await?;
            Ok(())
        })
    }

    /// One voucher.
    pub async fn voucher(&self, id: VoucherId) -> StoreResult<Voucher> {
        let row: VoucherRow = with_pool!(self, pool => sqlx::query_as(sqlx::AssertSqlSafe(
            format!("select {VOUCHER_COLUMNS} from vouchers where id = $1")
        )).bind(id.to_string()).fetch_one(pool).await)?;
        voucher_from_row(self, row)
    }

    /// Vouchers of a programme's cycle, optionally of one area (a desa, or every desa of a
    /// kecamatan), ordered by desa and KK, one page.
    pub async fn vouchers(
        &self,
        programme: ProgrammeId,
        period: Period,
        desa: Option<&WilayahCode>,
        offset: i64,
        limit: i64,
    ) -> StoreResult<Vec<Voucher>> {
        let rows: Vec<VoucherRow> = with_pool!(self, pool => sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "select {VOUCHER_COLUMNS} from vouchers where programme_id = $1 \
             and cycle_id = (select id from cycles where programme_id = $1 and period = $2) \
             and ($3 is null or kode_desa = $3 or kode_desa like $3 || '.%') order by kode_desa, no_kk, issued_at_us limit $4 offset $5"
        ))).bind(programme.0).bind(period.to_string()).bind(desa.map(|d| d.as_str().to_owned()))
            .bind(limit).bind(offset).fetch_all(pool).await)?;
        rows.into_iter()
            .map(|r| voucher_from_row(self, r))
            .collect()
    }

    /// Vouchers whose id begins with these hex digits (a card number, `0C45-651E`, is the
    /// first eight), newest first, at most 20.
    pub async fn vouchers_by_id_prefix(&self, prefix_hex: &str) -> StoreResult<Vec<Voucher>> {
        let rows: Vec<VoucherRow> = with_pool!(self, pool => sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "select {VOUCHER_COLUMNS} from vouchers where id like $1 || '%' order by issued_at_us desc limit 20"
        ))).bind(prefix_hex.to_owned()).fetch_all(pool).await)?;
        rows.into_iter()
            .map(|r| voucher_from_row(self, r))
            .collect()
    }

    /// Head-of-household names of a desa by KK (for cards and hand-over lists only).
    pub async fn household_names(
        &self,
        desa: &WilayahCode,
    ) -> StoreResult<HashMap<String, String>> {
        let rows: Vec<(String, String)> = with_pool!(self, pool => sqlx::query_as(
            "select no_kk, nama_kepala from households where kode_desa = $1"
        ).bind(desa.as_str().to_owned()).fetch_all(pool).await)?;
        rows.into_iter()
            .map(|(kk, name)| {
                Ok((
                    self.open_kk(&kk)?.as_str().to_owned(),
                    self.open_name(super::households::NAMA_KEPALA, &name)?,
                ))
            })
            .collect()
    }

    /// Number of vouchers and their total face value in a cycle.
    pub async fn voucher_totals(&self, cycle: CycleId) -> StoreResult<(i64, i64)> {
        let row: (i64, i64) = with_pool!(self, pool => sqlx::query_as(
            "select count(*), cast(coalesce(sum(face_value_rp), 0) as bigint) from vouchers where cycle_id = $1"
        ).bind(cycle.0).fetch_one(pool).await)?;
        Ok(row)
    }
}

/// Why a card could not be replaced.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum ReplaceRefusal {
    /// No such voucher.
    Unknown,
    /// Nothing left to move.
    NothingLeft,
    /// It was replaced before.
    AlreadyReplaced,
}

/// The facts a replacement voucher is signed from.
#[derive(Clone, Copy, Debug)]
pub struct Remaining {
    /// What moves to the new card.
    pub balance: Rupiah,
    /// Validity of the cycle, Unix seconds.
    pub valid: (i64, i64),
}

/// Appends a voucher's revocation to the feed offline shops sync, inside the caller's write
/// transaction. PostgreSQL serialises these appends with a transaction lock held to commit, so
/// the feed's sequence follows commit order and a reader paging by it never skips a revocation
/// that committed late; SQLite's single writer does the same by itself.
pub(crate) trait RevocationWriter {
    /// Records `voucher` as revoked at `at_us` (once; a second call changes nothing).
    async fn append_revocation(&mut self, voucher: VoucherId, at_us: i64) -> StoreResult<()>;
}

macro_rules! impl_revocation_writer {
    ($db:ty, $lock_sql:expr) => {
        impl RevocationWriter for sqlx::Transaction<'_, $db> {
            async fn append_revocation(
                &mut self,
                voucher: VoucherId,
                at_us: i64,
            ) -> StoreResult<()> {
                let lock_sql: Option<&'static str> = $lock_sql;
                if let Some(sql) = lock_sql {
                    sqlx::query(sql).execute(&mut **self).await?;
                }
                sqlx::query(
                    "insert into revocations (voucher_id, revoked_at_us) values ($1, $2) \
                     on conflict (voucher_id) do nothing",
                )
                .bind(voucher.to_string())
                .bind(at_us)
                .execute(&mut **self)
                .await?;
                Ok(())
            }
        }
    };
}

impl_revocation_writer!(
    sqlx::Postgres,
    Some("select pg_advisory_xact_lock(7262736502)")
);
impl_revocation_writer!(sqlx::Sqlite, None);

impl Store {
    /// Revokes a voucher. Returns false if it was not active.
    pub async fn revoke_voucher(&self, id: VoucherId, actor: &str) -> StoreResult<bool> {
        with_writer!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let now = now_us();
            let n = sqlx::query("update vouchers set status = 'revoked', revoked_at_us = $1 where id = $2 and status = 'active'")
                .bind(now).bind(id.to_string()).execute(&mut *tx).await?.rows_affected();
            if n == 1 {
                tx.append_revocation(id, now).await?;
                tx.append_audit(&AuditEvent::new(actor, "voucher.revoke", format!("voucher:{id}"), &serde_json::json!({}))).await?;
            }
            tx.commit().await?;
            Ok(n == 1)
        })
    }

    /// Replaces a lost card in one transaction: the old voucher is revoked (if it was not yet),
    /// which freezes it, its remaining balance moves out (`move_out`, its balance becomes 0) into
    /// a new voucher built by `make` (which signs it) with that balance as face value
    /// (`move_in`). The budget is not charged again: the money was committed once.
    pub async fn replace_voucher(
        &self,
        id: VoucherId,
        make: impl Fn(Remaining) -> Result<NewVoucher, crate::domain::Invalid>,
        actor: &str,
    ) -> StoreResult<Result<VoucherId, ReplaceRefusal>> {
        retry_busy(|| self.replace_once(id, &make, actor)).await
    }

    async fn replace_once(
        &self,
        id: VoucherId,
        make: &impl Fn(Remaining) -> Result<NewVoucher, crate::domain::Invalid>,
        actor: &str,
    ) -> StoreResult<Result<VoucherId, ReplaceRefusal>> {
        with_writer!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let now = now_us();
            // Revoke (this also locks the row): no sale or reversal can move its balance now.
            let old: Option<(i64, i64, i64, i64, i64, Option<i64>)> = sqlx::query_as(
                "update vouchers set status = 'revoked', revoked_at_us = coalesce(revoked_at_us, $1) where id = $2 \
                 returning face_value_rp - spent_rp, programme_id, cycle_id, valid_from_unix, valid_until_unix, revoked_at_us",
            )
            .bind(now).bind(id.to_string()).fetch_optional(&mut *tx).await?;
            let Some((remaining, programme, cycle, from, until, revoked_at)) = old else {
                tx.rollback().await?;
                return Ok(Err(ReplaceRefusal::Unknown));
            };
            let replaced: Option<(String,)> = sqlx::query_as("select id from vouchers where replaces = $1")
                .bind(id.to_string()).fetch_optional(&mut *tx).await?;
            if replaced.is_some() || remaining <= 0 {
                tx.rollback().await?;
                return Ok(Err(if replaced.is_some() { ReplaceRefusal::AlreadyReplaced } else { ReplaceRefusal::NothingLeft }));
            }
            tx.append_revocation(id, revoked_at.unwrap_or(now)).await?;
            let balance = Rupiah::new(remaining).map_err(|_| StoreError::Corrupt("balance out of range"))?;
            let new = make(Remaining { balance, valid: (from, until) })
                .map_err(|_| StoreError::Corrupt("a voucher's validity or balance does not fit a token"))?;
            sqlx::query("update vouchers set spent_rp = spent_rp + $1 where id = $2")
                .bind(remaining).bind(id.to_string()).execute(&mut *tx).await?;
            sqlx::query(
                "insert into vouchers (id, programme_id, cycle_id, no_kk, kode_desa, budget_line_id, kid, face_value_rp, spent_rp, \
                 status, valid_from_unix, valid_until_unix, token, replaces, issued_at_us) \
                 values ($1, $2, $3, $4, $5, $6, $7, $8, 0, 'active', $9, $10, $11, $12, $13)",
            )
            .bind(new.id.to_string()).bind(programme).bind(cycle).bind(self.seal_kk(&new.no_kk)?)
            .bind(new.kode_desa.as_str().to_owned()).bind(new.budget_line_id.0).bind(new.kid.clone())
            .bind(new.face_value.as_i64()).bind(from).bind(until).bind(new.token.clone()).bind(id.to_string()).bind(now)
            .execute(&mut *tx).await?;
            // Both sides of the move, once both vouchers exist (each names the other).
            tx.append_entry(&move_entry(id, EntryKind::MoveOut, remaining, new.id, now)).await?;
            tx.append_entry(&move_entry(new.id, EntryKind::MoveIn, remaining, id, now)).await?;
            tx.append_audit(&AuditEvent::new(actor, "voucher.replace", format!("voucher:{id}"),
                &serde_json::json!({ "new_voucher": new.id, "moved": balance }))).await?;
            tx.commit().await?;
            Ok(Ok(new.id))
        })
    }
}

fn move_entry(
    voucher: VoucherId,
    kind: EntryKind,
    amount_rp: i64,
    counterpart: VoucherId,
    now_us: i64,
) -> NewEntry<'static> {
    NewEntry {
        voucher,
        kind,
        amount_rp,
        merchant_id: None,
        reverses_id: None,
        counterpart: Some(counterpart),
        idempotency_key: None,
        request_sha256: None,
        created_at_us: now_us,
    }
}
