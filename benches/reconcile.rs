//! The month's reconciliation at scale: a generator for a synthetic month (households with
//! members, one voucher each, sales spread over the month at a few shops, written set-based),
//! then `jobs::reconcile::run` with every check, timed, with the process's peak memory.
//! `RELASI_BENCH_SALES` (default 1,000,000; ten sales a voucher) and
//! `RELASI_BENCH_DATABASE_URL` (unset: SQLite) pick the size and the engine. BENCHMARKS.md.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)] // a bench

mod common;
#[path = "common/rss.rs"]
mod rss;

use chrono::NaiveDate;
use relasi::domain::budget::SumberDana;
use relasi::domain::household::{Desil, Household, HouseholdStatus, Member};
use relasi::domain::ids::{Kk, Nik, Period};
use relasi::domain::money::Rupiah;
use relasi::domain::programme::ProgrammeSettings;
use relasi::domain::wilayah::WilayahCode;
use relasi::store::{NewMerchant, PoolSettings, Store};
use rss::peak_rss_mib;
use std::time::Instant;

const SALES_PER_VOUCHER: usize = 10;
const SHOPS: usize = 20;
const DESA: [&str; 4] = [
    "35.14.05.2005",
    "35.14.05.2007",
    "35.14.05.2001",
    "35.14.05.2016",
];

async fn registry(store: &Store, households: usize) {
    let rows: Vec<Household> = (0..households)
        .map(|i| Household {
            no_kk: Kk::parse(&format!("35140500{i:08}")).unwrap(),
            nik_kepala: Nik::parse(&format!("35140501{i:08}")).unwrap(),
            nama_kepala: format!("Kepala {i}"),
            kode_desa: WilayahCode::parse(DESA[i % 4]).unwrap(),
            desil: Desil::new(1 + (i % 4) as u8).unwrap(),
            // Every tenth household is not KRS, so the member check reads its members.
            krs: i % 10 != 0,
            status: HouseholdStatus::Aktif,
        })
        .collect();
    store
        .upsert_households(
            &rows,
            NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
            "bench",
            &|_| {},
        )
        .await
        .unwrap();
    let members: Vec<Member> = rows
        .iter()
        .enumerate()
        .map(|(i, h)| Member {
            nik: Nik::parse(&format!("35140502{i:08}")).unwrap(),
            no_kk: h.no_kk.clone(),
            nama: format!("Anak {i}"),
            tanggal_lahir: NaiveDate::from_ymd_opt(2025, 6, 1).unwrap(),
            sasaran: None,
            mulai: None,
            selesai: None,
            stunting: false,
        })
        .collect();
    store
        .upsert_members(&members, "bench", &|_| {})
        .await
        .unwrap();
}

/// Ten sales per voucher over the month at the shops, written by one statement (chain columns
/// filled with placeholders: reconciliation reads amounts, not hashes), and the vouchers'
/// spent amounts to match, so the ledger balances.
const SALES_SQL: &str = "with recursive k(n) as (select 1 union all select n + 1 from k where n < 10), \
    v as (select id, row_number() over (order by id) as r from vouchers) \
    insert into redemptions (voucher_id, merchant_id, kind, amount_rp, idempotency_key, request_sha256, \
    created_at_us, voucher_seq, prev_hash, entry_hash) \
    select v.id, 1 + ((v.r + k.n) % 20), 'debit', 1000 + k.n, v.id || '-' || k.n, 'bench', \
    $1 + (((k.n - 1) * 3 + v.r % 3) * 86400 + 25200 + (v.r * 7) % 39600) * 1000000, k.n, \
    '0000000000000000000000000000000000000000000000000000000000000000', \
    '1111111111111111111111111111111111111111111111111111111111111111' from v, k";

async fn month(store: &Store, db: &common::BenchDb, households: usize) -> f64 {
    let programme = store
        .create_programme(1, "Bench", 2026, &ProgrammeSettings::default(), "bench")
        .await
        .unwrap();
    registry(store, households).await;
    store
        .add_budget_line(
            programme.id,
            2026,
            SumberDana::Apbd,
            &WilayahCode::parse("35.14").unwrap(),
            Rupiah::new(900_000_000_000).unwrap(),
            "bench",
        )
        .await
        .unwrap();
    for i in 0..SHOPS {
        let new = NewMerchant {
            name: format!("Toko {i}"),
            kode_desa: WilayahCode::parse(DESA[i % 4]).unwrap(),
            service_area: vec![WilayahCode::parse("35.14.05").unwrap()],
            categories: relasi::domain::programme::Category::defaults(),
        };
        store.create_merchant(&new, "bench").await.unwrap();
    }
    let keys = tempfile::tempdir().unwrap();
    store
        .add_signing_key(relasi::signing::generate(keys.path()).unwrap(), "bench")
        .await
        .unwrap();
    let period = Period::parse("2026-10").unwrap();
    let (from, until) = relasi::domain::voucher::default_validity(period, 7).unwrap();
    store
        .open_cycle(programme.id, period, from, until, "bench")
        .await
        .unwrap();
    relasi::jobs::issue::issue_cycle(store, &programme, period, keys.path(), "bench", &|_| {})
        .await
        .unwrap();
    let started = Instant::now();
    let raw = db.raw().await;
    let start_us = relasi::domain::calendar::month_bounds_us(period, 7).0 / 1_000_000;
    raw.execute_owned(SALES_SQL.replace("$1", &start_us.to_string()))
        .await
        .unwrap();
    raw.execute("update vouchers set spent_rp = (select cast(coalesce(sum(amount_rp), 0) as bigint) from redemptions r where r.voucher_id = vouchers.id)")
        .await
        .unwrap();
    // Statistics, as autovacuum (PostgreSQL) or a periodic `analyze` would have them.
    raw.execute("analyze").await.unwrap();
    started.elapsed().as_secs_f64()
}

#[tokio::main]
async fn main() {
    let sales: usize = std::env::var("RELASI_BENCH_SALES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(1_000_000);
    let households = (sales / SALES_PER_VOUCHER).max(1);
    let db = common::bench_db().await;
    let store = Store::connect(&db.url, PoolSettings::default())
        .await
        .unwrap();
    let deployment = common::prepare(&store).await;
    let started = Instant::now();
    let sales_secs = month(&store, &db, households).await;
    println!("backend                 {}", store.backend().name());
    println!(
        "synthetic month         {households} households, {} sales at {SHOPS} shops ({:.1} s, sales {sales_secs:.1} s)",
        households * SALES_PER_VOUCHER,
        started.elapsed().as_secs_f64()
    );
    let rss_before = peak_rss_mib();
    let programme = store.resolve_programme(None).await.unwrap();
    let period = Period::parse("2026-10").unwrap();
    let started = Instant::now();
    let (head, report) =
        relasi::jobs::reconcile::run(&store, &deployment, None, &programme, period, "bench")
            .await
            .unwrap();
    let secs = started.elapsed().as_secs_f64();
    assert!(report.ledger.balances(), "the synthetic month balances");
    println!(
        "reconcile               {secs:.2} s ({:.0} sales/s), {} exceptions, {} bytes of report",
        (households * SALES_PER_VOUCHER) as f64 / secs,
        head.exceptions,
        report.canonical().len()
    );
    println!(
        "peak memory (VmHWM)     {rss_before:.0} MiB before the run, {:.0} MiB after",
        peak_rss_mib()
    );
}
