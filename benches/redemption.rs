//! Redemption benchmark (not a test): `POST /v1/redemptions` per second and its latency
//! percentiles at 32 concurrent clients, through the whole HTTP stack, against the bare floor of
//! the same database: on PostgreSQL, `pgbench` running the equivalent transaction (idempotency
//! claim, conditional debit, journal insert) in the same run.
//!
//! Run: `cargo bench --bench redemption` (SQLite), or with
//! `RELASI_BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/DB` (a throw-away database).
//! The clients run in the same process as the server, on the same two cores.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)] // a bench, not a service

mod common;

use chrono::{DateTime, NaiveDate};
use relasi::api::{AppState, Config};
use relasi::domain::auth::{ApiTokenSecret, Role};
use relasi::domain::budget::SumberDana;
use relasi::domain::household::{Desil, Household, HouseholdStatus};
use relasi::domain::ids::{Kk, Nik, Period};
use relasi::domain::money::Rupiah;
use relasi::domain::programme::{Category, ProgrammeSettings};
use relasi::domain::wilayah::WilayahCode;
use relasi::store::{NewMerchant, PoolSettings, Store};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

const CLIENTS: usize = 32;
const VOUCHERS: usize = 2000;
const RUN: Duration = Duration::from_secs(10);

fn pgbench(base: &str) -> Option<(f64, f64)> {
    let script = std::env::temp_dir().join(format!("relasi-pgbench-{}.sql", std::process::id()));
    let t = format!("relasi_pgbench_{}", std::process::id());
    std::fs::write(
        &script,
        format!(
            "\\set v random(1, {VOUCHERS})\n\\set k random(1, 2000000000)\nbegin;\n\
             insert into {t}_idem (merchant_id, k) values (1, :k) on conflict do nothing;\n\
             update {t}_v set spent = spent + 1000 where id = :v and spent + 1000 <= face;\n\
             insert into {t}_j (voucher, amount) values (:v, 1000);\n\
             update {t}_idem set body = 'ok' where merchant_id = 1 and k = :k;\ncommit;\n"
        ),
    )
    .ok()?;
    let setup = format!(
        "create table {t}_v (id bigint primary key, face bigint not null, spent bigint not null check (spent <= face));\
         insert into {t}_v select g, 100000000, 0 from generate_series(1, {VOUCHERS}) g;\
         create table {t}_j (id bigint generated always as identity primary key, voucher bigint not null, amount bigint not null);\
         create table {t}_idem (merchant_id bigint, k bigint, body text, primary key (merchant_id, k));"
    );
    let psql = |sql: &str| {
        std::process::Command::new("psql")
            .args([base, "-q", "-c", sql])
            .output()
            .ok()
    };
    psql(&setup)?;
    let out = std::process::Command::new("pgbench")
        .args([
            "-n",
            "-c",
            &CLIENTS.to_string(),
            "-j",
            "2",
            "-T",
            &RUN.as_secs().to_string(),
            "-f",
        ])
        .arg(&script)
        .arg(base)
        .output()
        .ok()?;
    psql(&format!("drop table {t}_v, {t}_j, {t}_idem"));
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    // "tps = 1234.5 (…)" and "latency average = 12.3 ms": the number after "=".
    let grab = |prefix: &str| {
        let line = text.lines().find(|l| l.starts_with(prefix))?;
        line.split('=')
            .nth(1)?
            .split_whitespace()
            .next()?
            .parse::<f64>()
            .ok()
    };
    Some((grab("tps")?, grab("latency average")?))
}

/// SQLite's floor: the same transaction (claim, conditional debit, journal row, stored answer)
/// run directly on one connection to the same file, same pragmas, for the same time.
async fn sqlite_floor(url: &str) -> f64 {
    use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqliteSynchronous};
    use std::str::FromStr;
    let options = SqliteConnectOptions::from_str(url)
        .unwrap()
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Full)
        .pragma("cache_size", "-65536");
    let pool = sqlx::pool::PoolOptions::<sqlx::Sqlite>::new()
        .max_connections(1)
        .connect_with(options)
        .await
        .unwrap();
    for sql in [
        "create table floor_v (id integer primary key, face bigint not null, spent bigint not null check (spent <= face))",
        "create table floor_j (id integer primary key autoincrement, voucher bigint not null, amount bigint not null)",
        "create table floor_idem (k text primary key, body text)",
    ] {
        sqlx::query(sql).execute(&pool).await.unwrap();
    }
    for i in 1..=VOUCHERS as i64 {
        sqlx::query("insert into floor_v values ($1, 100000000, 0)")
            .bind(i)
            .execute(&pool)
            .await
            .unwrap();
    }
    let started = Instant::now();
    let mut n = 0i64;
    while started.elapsed() < RUN {
        let mut tx = pool.begin_with("BEGIN IMMEDIATE").await.unwrap();
        let v = 1 + (n * 104_729) % VOUCHERS as i64;
        sqlx::query("insert into floor_idem (k, body) values ($1, '') on conflict do nothing")
            .bind(format!("k{n}"))
            .execute(&mut *tx)
            .await
            .unwrap();
        sqlx::query("update floor_v set spent = spent + 1000 where id = $1 and spent + 1000 <= face returning face - spent").bind(v).fetch_optional(&mut *tx).await.unwrap();
        sqlx::query("insert into floor_j (voucher, amount) values ($1, 1000)")
            .bind(v)
            .execute(&mut *tx)
            .await
            .unwrap();
        sqlx::query("update floor_idem set body = 'ok' where k = $1")
            .bind(format!("k{n}"))
            .execute(&mut *tx)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        n += 1;
    }
    n as f64 / started.elapsed().as_secs_f64()
}

#[tokio::main]
async fn main() {
    let db = common::bench_db().await;
    let store = Store::connect(
        &db.url,
        PoolSettings {
            max_connections: 16,
            ..PoolSettings::default()
        },
    )
    .await
    .unwrap();
    let (db_url, pg_base) = (db.url.clone(), db.pg_base.clone());
    let backend = store.backend().name();
    let deployment = common::prepare(&store).await;
    // Large vouchers, so the run measures sales, not empty balances.
    let settings = ProgrammeSettings {
        voucher_base: Rupiah::new(100_000_000).unwrap(),
        voucher_cap: Rupiah::new(100_000_000).unwrap(),
        ..ProgrammeSettings::default()
    };
    let programme = store
        .create_programme(1, "Bench", 2026, &settings, "bench")
        .await
        .unwrap();
    let rows: Vec<Household> = (0..VOUCHERS)
        .map(|i| Household {
            no_kk: Kk::parse(&format!("35140500{i:08}")).unwrap(),
            nik_kepala: Nik::parse(&format!("35140501{i:08}")).unwrap(),
            nama_kepala: format!("Kepala {i}"),
            kode_desa: WilayahCode::parse("35.14.05.2005").unwrap(),
            desil: Desil::new(1).unwrap(),
            krs: true,
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
    let everywhere = WilayahCode::parse("35.14").unwrap();
    store
        .add_budget_line(
            programme.id,
            2026,
            SumberDana::Apbd,
            &everywhere,
            Rupiah::MAX,
            "bench",
        )
        .await
        .unwrap();
    let period = Period::parse("2026-11").unwrap();
    let (from, until) = (
        DateTime::from_timestamp(1, 0).unwrap(),
        DateTime::from_timestamp(4_000_000_000, 0).unwrap(),
    );
    store
        .open_cycle(programme.id, period, from, until, "bench")
        .await
        .unwrap();
    let keys = tempfile::tempdir().unwrap();
    store
        .add_signing_key(relasi::signing::generate(keys.path()).unwrap(), "bench")
        .await
        .unwrap();
    relasi::jobs::issue::issue_cycle(&store, &programme, period, keys.path(), "bench", &|_| {})
        .await
        .unwrap();
    let tokens: Arc<Vec<String>> = Arc::new(
        store
            .vouchers(programme.id, period, None, 0, VOUCHERS as i64)
            .await
            .unwrap()
            .into_iter()
            .map(|v| v.token)
            .collect(),
    );
    let shop = store
        .create_merchant(
            &NewMerchant {
                name: "Toko Bench".into(),
                kode_desa: WilayahCode::parse("35.14.05.2005").unwrap(),
                service_area: vec![WilayahCode::parse("35.14.05").unwrap()],
                categories: Category::defaults(),
            },
            "bench",
        )
        .await
        .unwrap();
    let secret = ApiTokenSecret::from_random(rand::random());
    store
        .create_api_token(&secret, Role::Merchant, Some(shop.id), "bench", "bench")
        .await
        .unwrap();

    let config = Config {
        key_dir: keys.path().to_owned(),
        ..Config::default()
    };
    let base = common::support::serve(AppState::new(store.clone(), config, deployment)).await;

    // reqwest's rustls comes without a provider in this workspace (the merchant client uses ring).
    let _ = rustls::crypto::ring::default_provider().install_default();
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(CLIENTS)
        .build()
        .unwrap();
    let url = format!("{base}/v1/redemptions");
    let counter = Arc::new(AtomicU64::new(0));
    let measuring = Arc::new(AtomicBool::new(false));
    let stop = Arc::new(AtomicBool::new(false));
    let mut tasks = Vec::new();
    for c in 0..CLIENTS {
        let (http, url, tokens, secret) = (
            http.clone(),
            url.clone(),
            Arc::clone(&tokens),
            secret.expose().to_owned(),
        );
        let (counter, measuring, stop) = (
            Arc::clone(&counter),
            Arc::clone(&measuring),
            Arc::clone(&stop),
        );
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut statuses = [0u64; 6];
            let mut i = 0usize;
            while !stop.load(Ordering::Relaxed) {
                let token = &tokens[(c * 7919 + i * 104_729) % tokens.len()];
                let body = serde_json::json!({ "token": token, "amount": "1000", "items": [{ "category": "susu", "amount": "1000" }] });
                let key = format!("b-{c}-{}", counter.fetch_add(1, Ordering::Relaxed));
                let started = Instant::now();
                let res = http.post(&url).bearer_auth(&secret).header("idempotency-key", key).json(&body).send().await.unwrap();
                let status = res.status().as_u16();
                let _ = res.bytes().await;
                if measuring.load(Ordering::Relaxed) {
                    latencies.push(started.elapsed());
                    statuses[usize::from(status / 100)] += 1;
                }
                i += 1;
            }
            (latencies, statuses)
        }));
    }
    tokio::time::sleep(Duration::from_secs(2)).await; // warm-up
    measuring.store(true, Ordering::Relaxed);
    let started = Instant::now();
    tokio::time::sleep(RUN).await;
    measuring.store(false, Ordering::Relaxed);
    let elapsed = started.elapsed().as_secs_f64();
    stop.store(true, Ordering::Relaxed);
    let mut latencies = Vec::new();
    let mut statuses = [0u64; 6];
    for t in tasks {
        let (l, s) = t.await.unwrap();
        latencies.extend(l);
        for (a, b) in statuses.iter_mut().zip(s) {
            *a += b;
        }
    }
    latencies.sort();
    let pct = |p: f64| {
        latencies[((latencies.len() as f64 * p) as usize).min(latencies.len() - 1)].as_secs_f64()
            * 1000.0
    };
    let rate = statuses[2] as f64 / elapsed;
    println!("backend                 {backend}");
    println!("clients                 {CLIENTS} (same process as the server, 2 cores)");
    println!(
        "redemptions             {rate:.0} /s over {elapsed:.1} s ({} ok, {} 4xx, {} 5xx)",
        statuses[2], statuses[4], statuses[5]
    );
    println!(
        "latency p50 / p99       {:.1} ms / {:.1} ms",
        pct(0.50),
        pct(0.99)
    );
    match pg_base.as_deref().and_then(pgbench) {
        Some((tps, avg_ms)) => {
            println!(
                "pgbench same txn        {tps:.0} tps, average {avg_ms:.1} ms ({CLIENTS} clients, same run)"
            );
            println!("ratio relasi / pgbench  {:.2}", rate / tps);
        }
        None if pg_base.is_some() => println!("pgbench                 not available"),
        None => {
            let floor = sqlite_floor(&db_url).await;
            println!(
                "same txn, bare sqlx     {floor:.0} /s (one connection, same file and pragmas, same run)"
            );
            println!("ratio relasi / bare     {:.2}", rate / floor);
        }
    }
}
