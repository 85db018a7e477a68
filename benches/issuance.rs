//! Issuance benchmark (not a test): vouchers issued per second for 100,000 households (two
//! members each), against the raw Ed25519 signing rate measured in the same process on as many
//! threads as issuance signs with, right before and after each of five rounds. Backend: SQLite
//! in a temporary file, or PostgreSQL when RELASI_BENCH_DATABASE_URL is a postgres:// URL (a
//! throw-away database: the bench creates a fresh schema in it).
//!
//! Run: `cargo bench --bench issuance` (add RELASI_BENCH_HOUSEHOLDS=N for another size).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)] // a bench, not a service

mod common;

use chrono::NaiveDate;
use relasi::domain::budget::SumberDana;
use relasi::domain::household::{Desil, Household, HouseholdStatus, Member};
use relasi::domain::ids::{Kk, Nik, Period};
use relasi::domain::money::Rupiah;
use relasi::domain::programme::ProgrammeSettings;
use relasi::domain::wilayah::WilayahCode;
use relasi::store::{PoolSettings, Store};
use relasi_token::{DeploymentId, Flags, Kid, SigningKey, VoucherClaims};
use std::time::Instant;

/// The raw signing rate: nothing but Ed25519 signatures over voucher claims, on as many threads
/// as issuance signs with. Encoding the token text is left out (issuance does that too).
fn raw_sign_rate(samples: usize) -> f64 {
    let key = SigningKey::from_bytes(&[9; 32]);
    let deployment = DeploymentId::parse("bench").unwrap();
    let kid = Kid::of(&key.verifying_key());
    let threads = relasi::jobs::issue::signing_threads();
    let per_thread = samples / threads;
    let started = Instant::now();
    std::thread::scope(|s| {
        let workers: Vec<_> = (0..threads)
            .map(|t| {
                let (key, deployment) = (&key, &deployment);
                s.spawn(move || {
                    (0..per_thread)
                        .map(|i| {
                            let claims = VoucherClaims {
                                flags: Flags::none(),
                                kid,
                                voucher_id: ((t * per_thread + i) as u128).to_be_bytes(),
                                programme: 1,
                                valid_from_unix: 1,
                                valid_until_unix: 2,
                                face_value_rp: 100_000,
                            };
                            claims.sign(deployment, key).signature()[0] as usize
                        })
                        .sum::<usize>()
                })
            })
            .collect();
        let total: usize = workers.into_iter().map(|w| w.join().unwrap()).sum();
        std::hint::black_box(total);
    });
    (per_thread * threads) as f64 / started.elapsed().as_secs_f64()
}

/// Stores the same number of vouchers (with token-sized texts, unsigned) into a second cycle,
/// one batch at a time with nothing else running: the database's share of issuance.
async fn store_only_rate(
    store: &Store,
    programme: &relasi::domain::programme::Programme,
    rows: &[Household],
) -> f64 {
    let period = Period::parse("2028-01").unwrap();
    let (from, until) = relasi::domain::voucher::default_validity(period, 7).unwrap();
    let (cycle, _) = store
        .open_cycle(programme.id, period, from, until, "bench")
        .await
        .unwrap();
    let line = store.budget_lines(programme.id, 2026).await.unwrap()[0].id;
    // Random ids handed out in ascending order, as issuance does.
    let mut ids: Vec<[u8; 16]> = rows.iter().map(|_| rand::random()).collect();
    ids.sort_unstable();
    let vouchers: Vec<relasi::store::NewVoucher> = rows
        .iter()
        .zip(ids)
        .map(|(h, id)| relasi::store::NewVoucher {
            id: relasi::domain::ids::VoucherId::from_bytes(id),
            no_kk: h.no_kk.clone(),
            kode_desa: h.kode_desa.clone(),
            budget_line_id: line,
            kid: "00000000".into(),
            face_value: Rupiah::new(100_000).unwrap(),
            token: "A".repeat(165),
        })
        .collect();
    let valid = (from.timestamp(), until.timestamp());
    let started = Instant::now();
    for batch in vouchers.chunks(2000) {
        store
            .insert_vouchers(programme.id, cycle.id, valid, batch)
            .await
            .unwrap();
    }
    vouchers.len() as f64 / started.elapsed().as_secs_f64()
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
    common::prepare(&store).await;
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
    // Two members per household, as registries have: the head, and a child who is baduta in
    // every other household (so eligibility reads and judges them, and values differ).
    let members: Vec<Member> = rows
        .iter()
        .enumerate()
        .flat_map(|(i, h)| {
            let member = |n: u32, born: NaiveDate| Member {
                nik: Nik::parse(&format!("35140502{:07}{n}", i)).unwrap(),
                no_kk: h.no_kk.clone(),
                nama: format!("Anggota {i}"),
                tanggal_lahir: born,
                sasaran: None,
                mulai: None,
                selesai: None,
                stunting: false,
            };
            let child_born = if i % 2 == 0 {
                NaiveDate::from_ymd_opt(2025, 6, 1).unwrap()
            } else {
                NaiveDate::from_ymd_opt(2019, 6, 1).unwrap()
            };
            [
                member(1, NaiveDate::from_ymd_opt(1990, 1, 1).unwrap()),
                member(2, child_born),
            ]
        })
        .collect();
    store
        .upsert_members(&members, "bench", &|_| {})
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
    let keys = tempfile::tempdir().unwrap();
    store
        .add_signing_key(relasi::signing::generate(keys.path()).unwrap(), "bench")
        .await
        .unwrap();
    let threads = relasi::jobs::issue::signing_threads();
    println!("backend                     {backend}");
    println!("households                  {households}");
    println!(
        "registry import             {import_secs:.2} s ({:.0} households with 2 members each /s)",
        households as f64 / import_secs
    );
    // Rounds on successive monthly cycles (the vouchers table grows as it would month by month);
    // the raw rate is measured right before and after each round.
    let rounds: usize = std::env::var("RELASI_BENCH_ROUNDS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(5);
    let mut ratios = Vec::new();
    for (round, period) in ["2026-12", "2027-01", "2027-02", "2027-03", "2027-04"]
        .into_iter()
        .take(rounds.clamp(1, 5))
        .enumerate()
    {
        let period = Period::parse(period).unwrap();
        let (from, until) = relasi::domain::voucher::default_validity(period, 7).unwrap();
        store
            .open_cycle(programme.id, period, from, until, "bench")
            .await
            .unwrap();
        let raw_before = raw_sign_rate(40_000);
        let started = Instant::now();
        let report = relasi::jobs::issue::issue_cycle(
            &store,
            &programme,
            period,
            keys.path(),
            "bench",
            &|_| {},
        )
        .await
        .unwrap();
        let secs = started.elapsed().as_secs_f64();
        let raw_after = raw_sign_rate(40_000);
        assert_eq!(report.issued as usize, households);
        let rate = report.issued as f64 / secs;
        let raw = (raw_before + raw_after) / 2.0;
        ratios.push(rate / raw);
        println!(
            "round {}: issuance {rate:.0} vouchers/s ({secs:.2} s), raw sign-only on {threads} threads \
             {raw:.0}/s (before {raw_before:.0}, after {raw_after:.0}), ratio {:.2}",
            round + 1,
            rate / raw
        );
    }
    let store_only = store_only_rate(&store, &programme, &rows).await;
    println!("storing alone, no signing   {store_only:.0} vouchers/s (one batch at a time)");
    ratios.sort_by(f64::total_cmp);
    println!(
        "ratio issuance / raw        {:.2} median of {} rounds (goal >= 0.50)",
        ratios[ratios.len() / 2],
        ratios.len()
    );
}
