//! Issuance benchmark (not a test): vouchers issued per second for 100,000 households, against
//! the raw Ed25519 signing rate measured in the same process on the same two threads issuance
//! uses. Backend: SQLite in a temporary file, or PostgreSQL when RELASI_BENCH_DATABASE_URL is a
//! postgres:// URL (a throw-away database: the bench creates a fresh schema in it).
//!
//! Run: `cargo bench --bench issuance` (add RELASI_BENCH_HOUSEHOLDS=N for another size).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)] // a bench, not a service

mod common;

use chrono::NaiveDate;
use relasi::domain::budget::SumberDana;
use relasi::domain::household::{Desil, Household, HouseholdStatus};
use relasi::domain::ids::{Kk, Nik, Period};
use relasi::domain::money::Rupiah;
use relasi::domain::programme::ProgrammeSettings;
use relasi::domain::wilayah::WilayahCode;
use relasi::store::{PoolSettings, Store};
use relasi_token::{DeploymentId, Flags, Kid, SigningKey, VoucherClaims};
use std::time::Instant;

fn raw_sign_rate(samples: usize) -> f64 {
    let key = SigningKey::from_bytes(&[9; 32]);
    let deployment = DeploymentId::parse("bench").unwrap();
    let claims = |i: usize| VoucherClaims {
        flags: Flags::none(),
        kid: Kid::of(&key.verifying_key()),
        voucher_id: (i as u128).to_be_bytes(),
        programme: 1,
        valid_from_unix: 1,
        valid_until_unix: 2,
        face_value_rp: 100_000,
    };
    let started = Instant::now();
    let half = samples / 2;
    std::thread::scope(|s| {
        let other = s.spawn(|| {
            (0..half)
                .map(|i| claims(i).sign(&deployment, &key).to_text().len())
                .sum::<usize>()
        });
        let mine: usize = (half..samples)
            .map(|i| claims(i).sign(&deployment, &key).to_text().len())
            .sum();
        assert!(mine + other.join().unwrap() > 0);
    });
    samples as f64 / started.elapsed().as_secs_f64()
}

#[tokio::main]
async fn main() {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "relasi=info".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let households: usize = std::env::var("RELASI_BENCH_HOUSEHOLDS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(100_000);
    let db = common::bench_db().await;
    let store = Store::connect(&db.url, PoolSettings::default())
        .await
        .unwrap();
    let backend = store.backend().name();
    store.migrate().await.unwrap();
    store
        .init_deployment(&DeploymentId::parse("bench").unwrap())
        .await
        .unwrap();
    store
        .upsert_wilayah(
            &relasi::demo::parse_wilayah_csv(relasi::demo::WILAYAH_PASURUAN_CSV).unwrap(),
        )
        .await
        .unwrap();
    let programme = store
        .create_programme(1, "Bench", 2026, &ProgrammeSettings::default(), "bench")
        .await
        .unwrap();
    let desa = [
        "35.14.05.2005",
        "35.14.05.2007",
        "35.14.05.2001",
        "35.14.05.2016",
    ];
    let rows: Vec<Household> = (0..households)
        .map(|i| Household {
            no_kk: Kk::parse(&format!("35140500{i:08}")).unwrap(),
            nik_kepala: Nik::parse(&format!("35140501{i:08}")).unwrap(),
            nama_kepala: format!("Kepala {i}"),
            kode_desa: WilayahCode::parse(desa[i % 4]).unwrap(),
            desil: Desil::new(1 + (i % 4) as u8).unwrap(),
            krs: true,
            status: HouseholdStatus::Aktif,
        })
        .collect();
    let started = Instant::now();
    store
        .upsert_households(
            &rows,
            NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
            "bench",
            &|_| {},
        )
        .await
        .unwrap();
    let import_secs = started.elapsed().as_secs_f64();
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
    let period = Period::parse("2026-12").unwrap();
    let (from, until) = relasi::domain::voucher::default_validity(period, 7).unwrap();
    store
        .open_cycle(programme.id, period, from, until, "bench")
        .await
        .unwrap();
    let keys = tempfile::tempdir().unwrap();
    store
        .add_signing_key(relasi::signing::generate(keys.path()).unwrap(), "bench")
        .await
        .unwrap();

    let raw = raw_sign_rate(20_000);
    let started = Instant::now();
    let report =
        relasi::jobs::issue::issue_cycle(&store, &programme, period, keys.path(), "bench", &|_| {})
            .await
            .unwrap();
    let secs = started.elapsed().as_secs_f64();
    assert_eq!(report.issued as usize, households);
    let rate = report.issued as f64 / secs;
    let raw_after = raw_sign_rate(20_000);
    let raw_mean = (raw + raw_after) / 2.0;
    println!("backend                     {backend}");
    println!("households                  {households}");
    println!(
        "registry import             {import_secs:.2} s ({:.0} rows/s)",
        households as f64 / import_secs
    );
    println!(
        "raw sign+encode, 2 threads  {raw_mean:.0} /s (before {raw:.0}, after {raw_after:.0})"
    );
    println!(
        "issuance                    {rate:.0} vouchers/s ({secs:.2} s for {})",
        report.issued
    );
    println!(
        "ratio issuance / raw        {:.2} (goal >= 0.50)",
        rate / raw_mean
    );
}
