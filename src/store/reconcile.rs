//! The reconciliation's reads, set-based and streamed inside one read snapshot (PostgreSQL
//! repeatable read; SQLite's read transaction), so every section sees the same journal and
//! registry and the month is never held in memory; plus the budget returns it records and the
//! immutable runs it stores.

use super::{
    AuditWriter, Engine, Store, StoreError, StoreResult, with_pool, with_report_pool, with_writer,
};
use crate::domain::audit::AuditEvent;
use crate::domain::household::{MemberFacts, Sasaran};
use crate::domain::ids::{CycleId, Period, ProgrammeId};
use crate::domain::reconcile::{
    self, Anomaly, AnomalyRule, BudgetRow, BurstDetector, DayRow, EVIDENCE_ROWS,
    EligibilityFinding, EligibilityRule, LedgerBreak, LedgerSection, MerchantRow, Returned,
    RollupRow, SaleRef, Thresholds, Watermarks,
};
use chrono::NaiveDate;
use futures_util::TryStreamExt;
use std::collections::BTreeMap;

/// Which month a run reads: the programme, its cycle and the month's bounds in UTC.
#[derive(Clone, Copy, Debug)]
pub struct MonthScope {
    /// Programme.
    pub programme_id: ProgrammeId,
    /// The month's cycle.
    pub cycle_id: CycleId,
    /// First microsecond of the local month.
    pub start_us: i64,
    /// First microsecond after it.
    pub end_us: i64,
    /// Programme's UTC offset, hours.
    pub utc_offset_hours: i64,
}

/// Everything a report holds but its header: read in one snapshot.
#[derive(Debug, Default)]
pub struct MonthFacts {
    /// What was read.
    pub watermarks: Option<Watermarks>,
    /// Item 1.
    pub ledger: LedgerSection,
    /// Item 2.
    pub budget: Vec<BudgetRow>,
    /// Item 2's returns.
    pub returns: Vec<Returned>,
    /// Item 3.
    pub eligibility: Vec<EligibilityFinding>,
    /// Item 4.
    pub merchants: Vec<MerchantRow>,
    /// Items 4 and 5.
    pub anomalies: Vec<Anomaly>,
    /// Item 6, desa rows.
    pub desa: Vec<RollupRow>,
    /// Names of kecamatan and kabupaten.
    pub names: BTreeMap<String, String>,
    /// Sales per day.
    pub daily: Vec<DayRow>,
}

/// A stored run, without its content.
#[derive(Clone, PartialEq, Eq, Debug, serde::Serialize, sqlx::FromRow)]
pub struct RunHead {
    /// Run id.
    pub id: i64,
    /// Month.
    pub period: String,
    /// Version within the month.
    pub version: i64,
    /// SHA-256 of the content, hex.
    pub content_sha256: String,
    /// Whether the month balanced.
    pub balanced: bool,
    /// Exceptions found.
    pub exceptions: i64,
    /// Journal high-water mark.
    pub last_entry_id: i64,
    /// Registry version.
    pub registry_version: i64,
    /// Signing key.
    pub kid: Option<String>,
    /// Ed25519 signature, base64url.
    pub signature: Option<String>,
    /// Who ran it.
    pub created_by: String,
    /// When, Unix microseconds.
    pub created_at_us: i64,
}

/// A run to store.
#[derive(Debug)]
pub struct NewRun<'a> {
    /// Programme.
    pub programme_id: ProgrammeId,
    /// Month.
    pub period: Period,
    /// Its version (in the run's record; the hashed content does not hold it).
    pub version: i64,
    /// The canonical report.
    pub content: &'a [u8],
    /// Its digest.
    pub content_sha256: &'a str,
    /// What it read.
    pub watermarks: Watermarks,
    /// Balanced?
    pub balanced: bool,
    /// Exceptions.
    pub exceptions: i64,
    /// Signing key and signature, when this server holds the key.
    pub signed: Option<(String, String)>,
    /// Who.
    pub actor: &'a str,
}

/// The local day of a journal entry, per engine. The offset is an integer the schema bounds
/// (−12..14 hours), never text from a request.
fn day_expr(backend: super::Backend, utc_offset_hours: i64) -> String {
    let offset_s = utc_offset_hours * 3600;
    match backend {
        super::Backend::Postgres => format!(
            "cast(to_timestamp(r.created_at_us / 1000000 + {offset_s}) at time zone 'UTC' as date)"
        ),
        super::Backend::Sqlite => {
            format!("date(r.created_at_us / 1000000 + {offset_s}, 'unixepoch')")
        }
    }
}

/// The same day as `YYYY-MM-DD` text on both engines.
fn day_text_expr(backend: super::Backend, utc_offset_hours: i64) -> String {
    match backend {
        super::Backend::Postgres => format!(
            "to_char({}, 'YYYY-MM-DD')",
            day_expr(backend, utc_offset_hours)
        ),
        super::Backend::Sqlite => day_expr(backend, utc_offset_hours),
    }
}

/// Debits of the month of the programme, up to the high-water mark ($1 programme, $2 start,
/// $3 end, $4 last entry).
const MONTH_DEBITS: &str = "r.kind = 'debit' and v.programme_id = $1 and r.created_at_us >= $2 \
     and r.created_at_us < $3 and r.id <= $4";

/// The household's state on the sale's day: its latest history row in effect then.
const STATE_ON_DAY: &str = "join household_history h on h.id = (select h2.id from household_history h2 \
     where h2.no_kk = v.no_kk and h2.effective_from <= {DAY} order by h2.effective_from desc, h2.id desc limit 1)";

/// Whether the voucher's desa lies in one of the shop's service areas.
const IN_AREA: &str = "exists (select 1 from merchant_service_areas a where a.merchant_id = r.merchant_id \
     and (v.kode_desa = a.kode_wilayah or v.kode_desa like a.kode_wilayah || '.%'))";

/// A query text with the engine's day expressions and the shared fragments filled in. Every
/// piece is a constant of this file or an integer setting: no request text reaches the SQL.
fn sql(s: &MonthScope, backend: super::Backend, text: &str) -> sqlx::AssertSqlSafe<String> {
    sqlx::AssertSqlSafe(
        text.replace("{MONTH_DEBITS}", MONTH_DEBITS)
            .replace("{STATE_ON_DAY}", STATE_ON_DAY)
            .replace("{IN_AREA}", IN_AREA)
            .replace("{DAYTEXT}", &day_text_expr(backend, s.utc_offset_hours))
            .replace("{DAY}", &day_expr(backend, s.utc_offset_hours)),
    )
}

/// Opens a transaction that reads one consistent snapshot.
trait SnapshotRead: Engine {
    fn begin_snapshot(
        &self,
    ) -> impl Future<Output = Result<sqlx::Transaction<'static, Self::Db>, sqlx::Error>> + Send;
}

impl SnapshotRead for sqlx::PgPool {
    fn begin_snapshot(
        &self,
    ) -> impl Future<Output = Result<sqlx::Transaction<'static, Self::Db>, sqlx::Error>> + Send
    {
        self.begin_with("begin isolation level repeatable read read only")
    }
}

impl SnapshotRead for sqlx::SqlitePool {
    fn begin_snapshot(
        &self,
    ) -> impl Future<Output = Result<sqlx::Transaction<'static, Self::Db>, sqlx::Error>> + Send
    {
        self.begin()
    }
}

/// Binds $1..$4 of [`MONTH_DEBITS`].
macro_rules! month {
    ($q:expr, $s:expr, $hw:expr) => {
        $q.bind($s.programme_id.0)
            .bind($s.start_us)
            .bind($s.end_us)
            .bind($hw)
    };
}

/// Runs `$body` for every row of a streamed query on the snapshot transaction.
macro_rules! each_row {
    ($tx:ident, $q:expr, |$row:pat_param| $body:block) => {{
        let mut rows = $q.fetch(&mut *$tx);
        while let Some($row) = rows.try_next().await? $body
    }};
}

type Tuple8 = (i64, String, String, i64, i64, i64, i64, i64);
type SaleTuple = (i64, String, i64, i64, i64, String);
type MemberTuple = (
    i64,
    String,
    String,
    i64,
    i64,
    i64,
    Option<NaiveDate>,
    Option<String>,
    Option<NaiveDate>,
    Option<NaiveDate>,
    Option<bool>,
);

fn sale_ref(
    (redemption_id, voucher_id, merchant_id, amount_rp, at_us, kode_desa): SaleTuple,
) -> SaleRef {
    SaleRef {
        redemption_id,
        voucher_id,
        merchant_id,
        amount_rp,
        at_us,
        kode_desa,
    }
}

fn local_day(at_us: i64, utc_offset_hours: i64) -> NaiveDate {
    let at = chrono::DateTime::from_timestamp_micros(at_us).unwrap_or_default();
    crate::domain::calendar::local_date(at, i8::try_from(utc_offset_hours).unwrap_or(0))
}

/// Item 1: every voucher of the cycle, its journal summed up to the high-water mark.
macro_rules! read_ledger {
    ($tx:ident, $s:expr, $hw:expr, $f:expr) => {{
        let q = sqlx::query_as::<_, (String, i64, i64, i64, i64, i64, i64)>(
            "select v.id, case when v.replaces is null then v.face_value_rp else 0 end, v.face_value_rp - v.spent_rp, \
             cast(coalesce(sum(case when r.kind = 'debit' then r.amount_rp end), 0) as bigint), \
             cast(coalesce(sum(case when r.kind = 'reversal' then r.amount_rp end), 0) as bigint), \
             cast(coalesce(sum(case when r.kind = 'move_out' then r.amount_rp end), 0) as bigint), \
             cast(coalesce(sum(case when r.kind = 'move_in' then r.amount_rp end), 0) as bigint) \
             from vouchers v left join redemptions r on r.voucher_id = v.id and r.id <= $2 \
             where v.cycle_id = $1 group by v.id, v.replaces, v.face_value_rp, v.spent_rp",
        ).bind($s.cycle_id.0).bind($hw);
        each_row!($tx, q, |(id, issued, balance, debits, reversals, out, inn)| {
            let l = &mut $f.ledger;
            l.vouchers += 1;
            l.issued_rp += issued;
            l.balance_rp += balance;
            l.debits_rp += debits;
            l.reversals_rp += reversals;
            l.moved_out_rp += out;
            l.moved_in_rp += inn;
            let journal = issued - debits + reversals - out + inn;
            if journal != balance && l.broken.len() < EVIDENCE_ROWS {
                l.broken.push(LedgerBreak { voucher_id: id, journal_rp: journal, stored_rp: balance });
            }
        });
    }};
}

/// Item 2: each budget line the cycle charged, and the returns recorded for the cycle.
macro_rules! read_budget {
    ($tx:ident, $s:expr, $hw:expr, $f:expr) => {{
        let q = sqlx::query_as::<_, Tuple8>(
            "select b.id, b.sumber_dana, b.kode_wilayah, b.amount_rp, \
             cast(coalesce((select sum(v.face_value_rp) from vouchers v where v.budget_line_id = b.id and v.cycle_id = $1 and v.replaces is null), 0) as bigint), \
             cast(coalesce((select sum(case when r.kind = 'debit' then r.amount_rp else -r.amount_rp end) from redemptions r \
               join vouchers v on v.id = r.voucher_id where v.budget_line_id = b.id and v.cycle_id = $1 \
               and r.kind in ('debit', 'reversal') and r.id <= $2), 0) as bigint), \
             cast(coalesce((select sum(t.amount_rp) from budget_returns t join vouchers v on v.id = t.voucher_id \
               where t.budget_line_id = b.id and v.cycle_id = $1), 0) as bigint), \
             cast(coalesce((select sum(v.face_value_rp) from vouchers v where v.budget_line_id = b.id and v.replaces is null), 0) \
               - coalesce((select sum(t.amount_rp) from budget_returns t where t.budget_line_id = b.id), 0) as bigint) \
             from budget_lines b where exists (select 1 from vouchers v where v.budget_line_id = b.id and v.cycle_id = $1) \
             order by b.id",
        ).bind($s.cycle_id.0).bind($hw);
        each_row!($tx, q, |(id, sumber, kode, ceiling, committed, redeemed, returned, line)| {
            $f.budget.push(BudgetRow {
                budget_line_id: id, sumber_dana: sumber, kode_wilayah: kode, ceiling_rp: ceiling,
                committed_rp: committed, redeemed_rp: redeemed, returned_rp: returned,
                line_committed_rp: line, remaining_rp: ceiling - line,
            });
        });
        let q = sqlx::query_as::<_, (String, i64, i64)>(
            "select t.voucher_id, t.budget_line_id, t.amount_rp from budget_returns t \
             join vouchers v on v.id = t.voucher_id where v.cycle_id = $1 order by t.voucher_id",
        ).bind($s.cycle_id.0);
        each_row!($tx, q, |(voucher_id, budget_line_id, amount_rp)| {
            $f.returns.push(Returned { voucher_id, budget_line_id, amount_rp });
        });
    }};
}

/// Item 3, on each sale's day: the household's status, then whether a member still counted.
macro_rules! read_sale_eligibility {
    ($tx:ident, $backend:expr, $s:expr, $hw:expr, $f:expr) => {{
        let q = month!(sqlx::query_as::<_, (i64, String, String, i64, i64, String)>(sql($s, $backend,
            "select r.id, r.voucher_id, v.no_kk, r.amount_rp, r.created_at_us, h.status \
             from redemptions r join vouchers v on v.id = r.voucher_id {STATE_ON_DAY} \
             where {MONTH_DEBITS} and h.status <> 'aktif' order by r.id")), $s, $hw);
        each_row!($tx, q, |(id, voucher, kk, amount_rp, at_us, status)| {
            let rule = match status.as_str() {
                "pindah" => EligibilityRule::HouseholdMoved,
                "meninggal" => EligibilityRule::HouseholdDeceased,
                _ => EligibilityRule::HouseholdMerged,
            };
            $f.eligibility.push(EligibilityFinding {
                rule, no_kk: vec![kk], voucher_ids: vec![voucher], redemption_id: Some(id),
                amount_rp, day: local_day(at_us, $s.utc_offset_hours), nik_tail: None,
            });
        });
        let q = month!(sqlx::query_as::<_, MemberTuple>(sql($s, $backend,
            "select r.id, r.voucher_id, v.no_kk, r.amount_rp, r.created_at_us, v.valid_from_unix, \
             m.tanggal_lahir, m.sasaran, m.mulai, m.selesai, m.stunting \
             from redemptions r join vouchers v on v.id = r.voucher_id {STATE_ON_DAY} \
             left join members m on m.no_kk = v.no_kk \
             where {MONTH_DEBITS} and h.status = 'aktif' and not h.krs order by r.id")), $s, $hw);
        let mut group: Option<(MemberTuple, Vec<MemberFacts>)> = None;
        each_row!($tx, q, |row| {
            if group.as_ref().is_some_and(|(g, _)| g.0 != row.0) {
                if let Some((g, members)) = group.take() {
                    judge_members($s, g, &members, &mut $f);
                }
            }
            let facts = member_facts(&row);
            let entry = group.get_or_insert_with(|| (row, Vec::new()));
            entry.1.extend(facts);
        });
        if let Some((g, members)) = group.take() {
            judge_members($s, g, &members, &mut $f);
        }
    }};
}

fn member_facts(row: &MemberTuple) -> Option<MemberFacts> {
    Some(MemberFacts {
        tanggal_lahir: row.6?,
        sasaran: row
            .7
            .as_deref()
            .and_then(|w| Sasaran::parse(w).ok().flatten()),
        mulai: row.8,
        selesai: row.9,
        stunting: row.10.unwrap_or(false),
    })
}

fn judge_members(s: &MonthScope, g: MemberTuple, members: &[MemberFacts], f: &mut MonthFacts) {
    let issued_day = local_day(g.5.saturating_mul(1_000_000), s.utc_offset_hours);
    let sale_day = local_day(g.4, s.utc_offset_hours);
    if reconcile::no_member_counts(members, issued_day, sale_day) {
        f.eligibility.push(EligibilityFinding {
            rule: EligibilityRule::NoMemberCounts,
            no_kk: vec![g.2],
            voucher_ids: vec![g.1],
            redemption_id: Some(g.0),
            amount_rp: g.3,
            day: sale_day,
            nik_tail: None,
        });
    }
}

/// Item 3, over the cycle: one NIK in two KKs with vouchers; two vouchers for one KK in the
/// month (across programmes; a replacement card is not a second voucher).
macro_rules! read_cycle_eligibility {
    ($tx:ident, $s:expr, $period:expr, $first_day:expr, $f:expr) => {{
        let q = sqlx::query_as::<_, (String, String, String)>(
            "select m.nik, m.no_kk, v.id from members m join vouchers v on v.no_kk = m.no_kk \
             and v.cycle_id = $1 and v.replaces is null where m.nik in (select m2.nik from members m2 \
             join vouchers v2 on v2.no_kk = m2.no_kk and v2.cycle_id = $1 and v2.replaces is null \
             group by m2.nik having count(distinct m2.no_kk) > 1) order by m.nik, m.no_kk",
        ).bind($s.cycle_id.0);
        let mut open: Option<(String, EligibilityFinding)> = None;
        each_row!($tx, q, |(nik, kk, voucher)| {
            if open.as_ref().is_some_and(|(n, _)| *n != nik) {
                $f.eligibility.extend(open.take().map(|(_, e)| e));
            }
            let e = &mut open.get_or_insert_with(|| {
                // The stored NIK for now; `open_findings` keeps only its clear tail.
                let tail = Some(nik.clone());
                (nik.clone(), cycle_finding(EligibilityRule::NikInTwoKk, $first_day, tail))
            }).1;
            e.no_kk.push(kk);
            e.voucher_ids.push(voucher);
        });
        $f.eligibility.extend(open.take().map(|(_, e)| e));
        let q = sqlx::query_as::<_, (String, String)>(
            "select v.no_kk, v.id from vouchers v join cycles c on c.id = v.cycle_id \
             where c.period = $1 and v.replaces is null and v.no_kk in (select v2.no_kk from vouchers v2 \
             join cycles c2 on c2.id = v2.cycle_id where c2.period = $1 and v2.replaces is null \
             group by v2.no_kk having count(*) > 1) order by v.no_kk, v.id",
        ).bind($period.to_string());
        let mut open: Option<EligibilityFinding> = None;
        each_row!($tx, q, |(kk, voucher)| {
            if open.as_ref().is_some_and(|e| e.no_kk.first() != Some(&kk)) {
                $f.eligibility.extend(open.take());
            }
            let e = open.get_or_insert_with(|| {
                let mut e = cycle_finding(EligibilityRule::TwoVouchersOneKk, $first_day, None);
                e.no_kk.push(kk.clone());
                e
            });
            e.voucher_ids.push(voucher);
        });
        $f.eligibility.extend(open.take());
    }};
}

fn cycle_finding(
    rule: EligibilityRule,
    day: NaiveDate,
    nik_tail: Option<String>,
) -> EligibilityFinding {
    EligibilityFinding {
        rule,
        no_kk: Vec::new(),
        voucher_ids: Vec::new(),
        redemption_id: None,
        amount_rp: 0,
        day,
        nik_tail,
    }
}

/// Sales on cards never recorded as handed over (issue 14), only in a desa where the voucher's
/// cycle has at least one hand-over recorded: a programme that does not record hand-overs, or a
/// desa that has not started, is not flagged. A replacement card counts as handed over when the
/// card it replaces was. One finding per desa and shop, its sales as evidence.
macro_rules! read_not_handed_over {
    ($tx:ident, $backend:expr, $s:expr, $hw:expr, $f:expr) => {{
        let q = month!(sqlx::query_as::<_, SaleTuple>(sql($s, $backend,
            "select r.id, r.voucher_id, r.merchant_id, r.amount_rp, r.created_at_us, v.kode_desa \
             from redemptions r join vouchers v on v.id = r.voucher_id \
             where {MONTH_DEBITS} and exists (select 1 from handovers h2 join vouchers v2 on v2.id = h2.voucher_id \
               where v2.cycle_id = v.cycle_id and v2.kode_desa = v.kode_desa) \
             and not exists (select 1 from handovers h where h.voucher_id = v.id or h.voucher_id = v.replaces) \
             order by v.kode_desa, r.merchant_id, r.id")), $s, $hw);
        let mut open: Option<Anomaly> = None;
        each_row!($tx, q, |row| {
            let sale = sale_ref(row);
            let same = open.as_ref().is_some_and(|a| {
                a.merchant_id == sale.merchant_id && a.kode_desa.as_deref() == Some(sale.kode_desa.as_str())
            });
            if !same {
                $f.anomalies.extend(open.take());
            }
            let a = open.get_or_insert_with(|| {
                let mut a = anomaly(AnomalyRule::NotHandedOver, sale.merchant_id);
                a.kode_desa = Some(sale.kode_desa.clone());
                a
            });
            a.count += 1;
            a.amount_rp += sale.amount_rp;
            if a.evidence.len() < EVIDENCE_ROWS {
                a.evidence.push(sale);
            }
        });
        $f.anomalies.extend(open.take());
    }};
}

/// Item 4 and the anomalies read off each shop's sales.
macro_rules! read_merchants {
    ($tx:ident, $backend:expr, $s:expr, $hw:expr, $t:expr, $f:expr) => {{
        let q = month!(sqlx::query_as::<_, (i64, String, i64, i64, i64, i64, i64, i64)>(sql($s, $backend,
            "select m.id, m.name, \
             cast(coalesce(sum(case when r.kind = 'debit' then 1 else 0 end), 0) as bigint), \
             cast(coalesce(sum(case when r.kind = 'debit' then r.amount_rp else 0 end), 0) as bigint), \
             cast(coalesce(sum(case when r.kind = 'reversal' then 1 else 0 end), 0) as bigint), \
             cast(coalesce(sum(case when r.kind = 'reversal' then r.amount_rp else 0 end), 0) as bigint), \
             cast(coalesce(sum(case when r.kind = 'debit' and not {IN_AREA} then 1 else 0 end), 0) as bigint), \
             cast(coalesce(sum(case when r.kind = 'debit' and r.amount_rp = v.face_value_rp then 1 else 0 end), 0) as bigint) \
             from redemptions r join vouchers v on v.id = r.voucher_id join merchants m on m.id = r.merchant_id \
             where r.kind in ('debit', 'reversal') and v.programme_id = $1 and r.created_at_us >= $2 \
             and r.created_at_us < $3 and r.id <= $4 group by m.id, m.name order by m.id")), $s, $hw);
        each_row!($tx, q, |(id, name, count, gross, rcount, reversals, outside, full)| {
            $f.merchants.push(MerchantRow {
                merchant_id: id, name, count, gross_rp: gross, reversal_count: rcount,
                reversals_rp: reversals, net_rp: gross - reversals, outside_count: outside,
                full_value_count: full,
            });
        });
        // Out of area: one finding per shop, its sales as evidence.
        let q = month!(sqlx::query_as::<_, SaleTuple>(sql($s, $backend,
            "select r.id, r.voucher_id, r.merchant_id, r.amount_rp, r.created_at_us, v.kode_desa \
             from redemptions r join vouchers v on v.id = r.voucher_id \
             where {MONTH_DEBITS} and not {IN_AREA} order by r.merchant_id, r.id")), $s, $hw);
        let mut open: Option<Anomaly> = None;
        each_row!($tx, q, |row| {
            let sale = sale_ref(row);
            if open.as_ref().is_some_and(|a| a.merchant_id != sale.merchant_id) {
                $f.anomalies.extend(open.take());
            }
            let a = open.get_or_insert_with(|| anomaly(AnomalyRule::OutOfArea, sale.merchant_id));
            a.count += 1;
            a.amount_rp += sale.amount_rp;
            if a.evidence.len() < EVIDENCE_ROWS {
                a.evidence.push(sale);
            }
        });
        $f.anomalies.extend(open.take());
        read_not_handed_over!($tx, $backend, $s, $hw, $f);
        for a in $f.anomalies.iter_mut() {
            a.of = $f.merchants.iter().find(|m| m.merchant_id == a.merchant_id).map_or(0, |m| m.count);
        }
        // A voucher drained by one sale of its whole value at closing time.
        let q = month!(sqlx::query_as::<_, SaleTuple>(sql($s, $backend,
            "select r.id, r.voucher_id, r.merchant_id, r.amount_rp, r.created_at_us, v.kode_desa \
             from redemptions r join vouchers v on v.id = r.voucher_id \
             where {MONTH_DEBITS} and r.amount_rp = v.face_value_rp \
             and ((r.created_at_us / 1000000 + $5) % 86400) / 3600 >= $6 order by r.id")), $s, $hw)
            .bind($s.utc_offset_hours * 3600).bind(i64::from($t.closing_hour));
        each_row!($tx, q, |row| {
            let sale = sale_ref(row);
            let mut a = anomaly(AnomalyRule::DrainedAtClosing, sale.merchant_id);
            (a.count, a.of, a.amount_rp) = (1, 1, sale.amount_rp);
            a.evidence.push(sale);
            $f.anomalies.push(a);
        });
        // Bursts: the month's sales by shop and time, through the detector.
        let q = month!(sqlx::query_as::<_, SaleTuple>(sql($s, $backend,
            "select r.id, r.voucher_id, r.merchant_id, r.amount_rp, r.created_at_us, v.kode_desa \
             from redemptions r join vouchers v on v.id = r.voucher_id \
             where {MONTH_DEBITS} order by r.merchant_id, r.created_at_us, r.id")), $s, $hw);
        let mut bursts = BurstDetector::new(&$t);
        each_row!($tx, q, |row| { bursts.push(sale_ref(row)); });
        $f.anomalies.extend(bursts.finish());
        // One shop serving most of a desa's vouchers.
        let q = month!(sqlx::query_as::<_, (String, i64, i64)>(sql($s, $backend,
            "select v.kode_desa, r.merchant_id, count(distinct r.voucher_id) \
             from redemptions r join vouchers v on v.id = r.voucher_id \
             where {MONTH_DEBITS} group by v.kode_desa, r.merchant_id order by v.kode_desa, r.merchant_id")), $s, $hw);
        let mut served = Vec::new();
        each_row!($tx, q, |row| { served.push(row); });
        let q = month!(sqlx::query_as::<_, (String, i64)>(sql($s, $backend,
            "select v.kode_desa, count(distinct r.voucher_id) from redemptions r join vouchers v on v.id = r.voucher_id \
             where {MONTH_DEBITS} group by v.kode_desa")), $s, $hw);
        let mut totals = BTreeMap::new();
        each_row!($tx, q, |(desa, n)| { totals.insert(desa, n); });
        $f.anomalies.extend(reconcile::dominated_desa(&served, &totals, &$t));
        $f.anomalies.extend(reconcile::shop_anomalies(&$f.merchants, &$t));
        read_anomaly_evidence!($tx, $backend, $s, $hw, $f);
    }};
}

/// The rows behind each finding the aggregates made, by rule: the shop's sales in the desa it
/// dominates, a cluster's full-value sales, a shop's reversals in the month. One streamed
/// query per rule, run only when the rule found something; a row whose shop (and desa) has no
/// finding is passed over.
const EVIDENCE_QUERIES: [(AnomalyRule, &str); 3] = [
    (
        AnomalyRule::DesaDominated,
        "select r.id, r.voucher_id, r.merchant_id, r.amount_rp, r.created_at_us, v.kode_desa \
         from redemptions r join vouchers v on v.id = r.voucher_id where {MONTH_DEBITS} order by r.id",
    ),
    (
        AnomalyRule::FullValueCluster,
        "select r.id, r.voucher_id, r.merchant_id, r.amount_rp, r.created_at_us, v.kode_desa \
         from redemptions r join vouchers v on v.id = r.voucher_id \
         where {MONTH_DEBITS} and r.amount_rp = v.face_value_rp order by r.id",
    ),
    (
        AnomalyRule::HighReversalRate,
        "select r.id, r.voucher_id, r.merchant_id, r.amount_rp, r.created_at_us, v.kode_desa \
         from redemptions r join vouchers v on v.id = r.voucher_id \
         where r.kind = 'reversal' and v.programme_id = $1 and r.created_at_us >= $2 \
         and r.created_at_us < $3 and r.id <= $4 order by r.id",
    ),
];

/// The findings of `rule`, by shop: their places in `anomalies`.
fn findings_by_shop(anomalies: &[Anomaly], rule: AnomalyRule) -> BTreeMap<i64, Vec<usize>> {
    let mut by_shop: BTreeMap<i64, Vec<usize>> = BTreeMap::new();
    for (i, a) in anomalies.iter().enumerate().filter(|(_, a)| a.rule == rule) {
        by_shop.entry(a.merchant_id).or_default().push(i);
    }
    by_shop
}

/// Attaches the evidence of [`EVIDENCE_QUERIES`] to the findings already made.
macro_rules! read_anomaly_evidence {
    ($tx:ident, $backend:expr, $s:expr, $hw:expr, $f:expr) => {{
        for (rule, text) in EVIDENCE_QUERIES {
            let by_shop = findings_by_shop(&$f.anomalies, rule);
            if by_shop.is_empty() {
                continue;
            }
            let q = month!(
                sqlx::query_as::<_, SaleTuple>(sql($s, $backend, text)),
                $s,
                $hw
            );
            each_row!($tx, q, |row| {
                let sale = sale_ref(row);
                let at = by_shop.get(&sale.merchant_id).and_then(|places| {
                    places.iter().copied().find(|&i| {
                        $f.anomalies[i]
                            .kode_desa
                            .as_deref()
                            .is_none_or(|d| d == sale.kode_desa)
                    })
                });
                if let Some(i) = at {
                    $f.anomalies[i].attach(sale);
                }
            });
        }
    }};
}

fn anomaly(rule: AnomalyRule, merchant_id: i64) -> Anomaly {
    Anomaly {
        rule,
        merchant_id,
        kode_desa: None,
        count: 0,
        of: 0,
        amount_rp: 0,
        evidence: Vec::new(),
    }
}

/// Item 6's desa rows, the area names, and the sales per day.
macro_rules! read_rollup {
    ($tx:ident, $backend:expr, $s:expr, $hw:expr, $f:expr) => {{
        let q = sqlx::query_as::<_, (String, Option<String>, Option<String>, i64, i64, i64)>(
            "select v.kode_desa, w.name, w.parent_code, \
             cast(coalesce(sum(case when v.replaces is null then 1 else 0 end), 0) as bigint), \
             cast(coalesce(sum(case when v.replaces is null then v.face_value_rp else 0 end), 0) as bigint), \
             cast(coalesce(sum(v.face_value_rp - v.spent_rp), 0) as bigint) \
             from vouchers v left join wilayah w on w.code = v.kode_desa where v.cycle_id = $1 \
             group by v.kode_desa, w.name, w.parent_code order by v.kode_desa",
        ).bind($s.cycle_id.0);
        each_row!($tx, q, |(code, name, parent, vouchers, value, remaining)| {
            $f.desa.push(RollupRow {
                level: 4, code, name: name.unwrap_or_default(), parent, vouchers,
                value_rp: value, remaining_rp: remaining, ..RollupRow::default()
            });
        });
        let q = sqlx::query_as::<_, (String, i64, i64)>(
            "select v.kode_desa, \
             cast(coalesce(sum(case when r.kind = 'debit' then r.amount_rp else -r.amount_rp end), 0) as bigint), \
             count(distinct case when r.kind = 'debit' then v.no_kk end) \
             from redemptions r join vouchers v on v.id = r.voucher_id \
             where v.cycle_id = $1 and r.kind in ('debit', 'reversal') and r.id <= $2 group by v.kode_desa",
        ).bind($s.cycle_id.0).bind($hw);
        each_row!($tx, q, |(code, redeemed, served)| {
            if let Some(d) = $f.desa.iter_mut().find(|d| d.code == code) {
                d.redeemed_rp = redeemed;
                d.households_served = served;
            }
        });
        let q = sqlx::query_as::<_, (String, String)>("select code, name from wilayah where level in (2, 3)");
        each_row!($tx, q, |(code, name)| { $f.names.insert(code, name); });
        let q = month!(sqlx::query_as::<_, (String, i64, i64)>(sql($s, $backend,
            "select {DAYTEXT}, count(*), cast(coalesce(sum(r.amount_rp), 0) as bigint) \
             from redemptions r join vouchers v on v.id = r.voucher_id where {MONTH_DEBITS} \
             group by {DAYTEXT} order by 1")), $s, $hw);
        each_row!($tx, q, |(day, count, gross_rp)| {
            if let Ok(day) = NaiveDate::parse_from_str(&day, "%Y-%m-%d") {
                $f.daily.push(DayRow { day, count, gross_rp });
            }
        });
    }};
}

impl Store {
    /// Reads every section of the month in one snapshot, streaming the large sets through the
    /// domain's rules. `period` and its first local day name the cycle's month.
    pub async fn month_facts(
        &self,
        s: &MonthScope,
        period: Period,
        t: &Thresholds,
    ) -> StoreResult<MonthFacts> {
        let backend = self.backend();
        let first_day = period.first_day();
        with_report_pool!(self, pool => {
            let mut tx = pool.begin_snapshot().await?;
            let mut f = MonthFacts::default();
            let (hw,): (i64,) = sqlx::query_as("select cast(coalesce(max(id), 0) as bigint) from redemptions")
                .fetch_one(&mut *tx).await?;
            let (registry,): (i64,) = sqlx::query_as(
                "select cast(coalesce(max(seq), 0) as bigint) from audit_log \
                 where action in ('households.import', 'members.import')",
            ).fetch_one(&mut *tx).await?;
            f.watermarks = Some(Watermarks { last_entry_id: hw, registry_version: registry });
            read_ledger!(tx, s, hw, f);
            read_budget!(tx, s, hw, f);
            read_sale_eligibility!(tx, backend, s, hw, f);
            read_cycle_eligibility!(tx, s, period, first_day, f);
            read_merchants!(tx, backend, s, hw, t, f);
            read_rollup!(tx, backend, s, hw, f);
            tx.commit().await?;
            Ok::<_, StoreError>(f)
        })
        .and_then(|f| self.open_findings(f))
    }

    /// Findings are read with the stored (encrypted) KK and NIK numbers; the report names the
    /// clear KK numbers (in order) and the NIK's last four digits.
    fn open_findings(&self, mut f: MonthFacts) -> StoreResult<MonthFacts> {
        for e in &mut f.eligibility {
            for kk in &mut e.no_kk {
                *kk = self.open_kk(kk)?.as_str().to_owned();
            }
            e.no_kk.sort();
            if let Some(stored) = e.nik_tail.take() {
                let nik = self.open_nik(&stored)?;
                e.nik_tail = nik.as_str().get(12..).map(str::to_owned);
            }
        }
        Ok(f)
    }

    /// The version the next run of a month takes.
    pub async fn next_run_version(
        &self,
        programme: ProgrammeId,
        period: Period,
    ) -> StoreResult<i64> {
        let (v,): (i64,) = with_pool!(self, pool => sqlx::query_as(
            "select cast(coalesce(max(version), 0) + 1 as bigint) from reconciliation_runs where programme_id = $1 and period = $2",
        ).bind(programme.0).bind(period.to_string()).fetch_one(pool).await)?;
        Ok(v)
    }

    /// Stores a run. The unique (programme, period, version) refuses a concurrent run that took
    /// the same version (`Conflict`): the caller builds it again as the next one.
    pub async fn insert_run(&self, run: &NewRun<'_>) -> StoreResult<RunHead> {
        with_writer!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let version = run.version;
            let content = self.seal_run_content(&String::from_utf8_lossy(run.content));
            let (kid, signature) = run.signed.clone().unzip();
            let now = super::now_us();
            let (id,): (i64,) = sqlx::query_as(
                "insert into reconciliation_runs (programme_id, period, version, content_sha256, content, created_by, \
                 created_at_us, last_entry_id, registry_version, balanced, exceptions, kid, signature) \
                 values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) returning id",
            )
            .bind(run.programme_id.0).bind(run.period.to_string()).bind(version).bind(run.content_sha256)
            .bind(content).bind(run.actor).bind(now).bind(run.watermarks.last_entry_id)
            .bind(run.watermarks.registry_version).bind(run.balanced).bind(run.exceptions)
            .bind(kid.clone()).bind(signature.clone())
            .fetch_one(&mut *tx).await?;
            tx.append_audit(&AuditEvent::new(run.actor, "reconciliation.run", format!("run:{id}"),
                &serde_json::json!({ "period": run.period.to_string(), "version": version, "sha256": run.content_sha256 }))).await?;
            tx.commit().await?;
            Ok::<_, StoreError>(RunHead {
                id, period: run.period.to_string(), version, content_sha256: run.content_sha256.to_owned(),
                balanced: run.balanced, exceptions: run.exceptions, last_entry_id: run.watermarks.last_entry_id,
                registry_version: run.watermarks.registry_version, kid, signature,
                created_by: run.actor.to_owned(), created_at_us: now,
            })
        })
    }

    /// Runs of a programme, optionally of one month, newest first.
    pub async fn runs(
        &self,
        programme: ProgrammeId,
        period: Option<Period>,
    ) -> StoreResult<Vec<RunHead>> {
        let rows: Vec<RunHead> = with_pool!(self, pool => sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "{RUN_COLUMNS} where programme_id = $1 and ($2 = '' or period = $2) order by period desc, version desc limit 500"
        ))).bind(programme.0).bind(period.map(|p| p.to_string()).unwrap_or_default()).fetch_all(pool).await)?;
        Ok(rows)
    }

    /// One run with its content (stored sealed: it names households by KK).
    pub async fn run(&self, id: i64) -> StoreResult<(RunHead, String)> {
        let row: RunHead = with_pool!(self, pool => sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "{RUN_COLUMNS} where id = $1"
        ))).bind(id).fetch_one(pool).await)?;
        let content: (String,) = with_pool!(self, pool => sqlx::query_as(
            "select content from reconciliation_runs where id = $1").bind(id).fetch_one(pool).await)?;
        Ok((row, self.open_run_content(content.0)?))
    }
}

const RUN_COLUMNS: &str = "select id, period, version, content_sha256, balanced, exceptions, last_entry_id, \
     registry_version, kid, signature, created_by, created_at_us from reconciliation_runs";

impl Store {
    /// The reconciliation settings of a programme: anomaly thresholds, and the day and hour of
    /// the next month (local) on which the month reconciles by itself, if set.
    pub async fn recon_settings(
        &self,
        programme: ProgrammeId,
    ) -> StoreResult<(Thresholds, Option<(u32, u32)>)> {
        type Row = (i64, i64, i64, i64, i64, i64, i64, i64, Option<i64>, i64);
        let r: Row = with_pool!(self, pool => sqlx::query_as(
            "select recon_closing_hour, recon_burst_sales, recon_burst_window_secs, recon_desa_share_pct, \
             recon_desa_min_vouchers, recon_full_value_sales, recon_reversal_rate_pct, recon_reversal_min_sales, \
             recon_auto_day, recon_auto_hour from programmes where id = $1",
        ).bind(programme.0).fetch_one(pool).await)?;
        let corrupt = |_| StoreError::Corrupt("stored reconciliation settings");
        let t = Thresholds {
            closing_hour: u8::try_from(r.0).map_err(corrupt)?,
            burst_sales: u32::try_from(r.1).map_err(corrupt)?,
            burst_window_secs: r.2,
            desa_share_pct: r.3,
            desa_min_vouchers: r.4,
            full_value_sales: r.5,
            reversal_rate_pct: r.6,
            reversal_min_sales: r.7,
        };
        let auto = match r.8 {
            Some(day) => Some((
                u32::try_from(day).map_err(corrupt)?,
                u32::try_from(r.9).map_err(corrupt)?,
            )),
            None => None,
        };
        Ok((t, auto))
    }

    /// Sets a programme's reconciliation settings (the schema checks the ranges), audited.
    pub async fn set_recon_settings(
        &self,
        programme: ProgrammeId,
        t: &Thresholds,
        auto: Option<(u32, u32)>,
        actor: &str,
    ) -> StoreResult<()> {
        with_writer!(self, pool => {
            let mut tx = pool.begin_write().await?;
            sqlx::query(
                "update programmes set recon_closing_hour = $2, recon_burst_sales = $3, recon_burst_window_secs = $4, \
                 recon_desa_share_pct = $5, recon_desa_min_vouchers = $6, recon_full_value_sales = $7, \
                 recon_reversal_rate_pct = $8, recon_reversal_min_sales = $9, recon_auto_day = $10, \
                 recon_auto_hour = $11 where id = $1",
            )
            .bind(programme.0).bind(i64::from(t.closing_hour)).bind(i64::from(t.burst_sales))
            .bind(t.burst_window_secs).bind(t.desa_share_pct).bind(t.desa_min_vouchers)
            .bind(t.full_value_sales).bind(t.reversal_rate_pct).bind(t.reversal_min_sales)
            .bind(auto.map(|a| i64::from(a.0))).bind(auto.map_or(2, |a| i64::from(a.1)))
            .execute(&mut *tx).await?;
            tx.append_audit(&AuditEvent::new(actor, "programme.recon_settings", format!("programme:{}", programme.0),
                &serde_json::json!({ "thresholds": t, "auto": auto }))).await?;
            tx.commit().await?;
            Ok::<_, StoreError>(())
        })
    }
}

impl Store {
    /// Records the unspent balance of the month's vouchers that expired before `now_us` as
    /// returned to their budget lines, once each (the voucher is the key), and lowers each line's
    /// committed amount by it, in one transaction with its audit record. Returns Σ returned now.
    /// "Once" is the primary key's `on conflict do nothing`: a `not exists` over budget_returns
    /// was planned as a nested loop against the table as it stood empty, and rescanned every row
    /// inserted so far for each voucher (100,000 returns took 100 s on PostgreSQL).
    pub async fn record_budget_returns(
        &self,
        cycle: CycleId,
        period: Period,
        now_us: i64,
        actor: &str,
    ) -> StoreResult<i64> {
        with_writer!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let inserted = sqlx::query(
                "insert into budget_returns (voucher_id, budget_line_id, amount_rp, period, recorded_at_us) \
                 select v.id, v.budget_line_id, v.face_value_rp - v.spent_rp, $2, $3 from vouchers v \
                 where v.cycle_id = $1 and v.status = 'active' and v.valid_until_unix < $3 / 1000000 \
                 and v.face_value_rp > v.spent_rp on conflict do nothing",
            )
            .bind(cycle.0).bind(period.to_string()).bind(now_us)
            .execute(&mut *tx).await?.rows_affected();
            let mut total = 0;
            if inserted > 0 {
                sqlx::query(
                    "update budget_lines set committed_rp = committed_rp - coalesce((select sum(t.amount_rp) \
                     from budget_returns t where t.budget_line_id = budget_lines.id and t.period = $1 \
                     and t.recorded_at_us = $2), 0) \
                     where id in (select budget_line_id from budget_returns where period = $1 and recorded_at_us = $2)",
                )
                .bind(period.to_string()).bind(now_us).execute(&mut *tx).await?;
                let (sum,): (i64,) = sqlx::query_as(
                    "select cast(coalesce(sum(amount_rp), 0) as bigint) from budget_returns \
                     where period = $1 and recorded_at_us = $2",
                )
                .bind(period.to_string()).bind(now_us).fetch_one(&mut *tx).await?;
                total = sum;
                tx.append_audit(&AuditEvent::new(actor, "budget.return", format!("period:{period}"),
                    &serde_json::json!({ "vouchers": inserted, "amount": total.to_string() }))).await?;
            }
            tx.commit().await?;
            Ok::<_, StoreError>(total)
        })
    }
}
