//! Each input limit is a setting that holds: registry CSV rows and bytes, the voucher list's
//! page size, token text and Idempotency-Key lengths, the database pool's size and statement
//! timeout, and the sign-in budget per client address (API and page together) with
//! `X-Forwarded-For` believed only from trusted proxies. (Request body and the balance check's
//! limit have their own stories in api_errors and redemption.)

use crate::helpers::{RawDb, assert_problem, spawn_app, spawn_app_with};
use crate::redemption::{basket, redeem, redeemable, shop_in};
use relasi::api::client_addr::TrustedProxies;
use relasi::api::{AppState, BalanceLimit, Config};
use relasi::store::{PoolSettings, Store};
use relasi::usecases::InputLimits;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

async fn registry_rows_over_the_limit_are_refused() {
    let app = spawn_app_with(Config {
        import_max_rows: 2,
        ..Config::default()
    })
    .await;
    // Three rows against a limit of two → 422, nothing written.
    let mut csv = String::from("no_kk,nik_kepala,nama_kepala,kode_desa,desil,krs,status\n");
    for i in 1..=3 {
        csv.push_str(&format!(
            "35140500000000{i:02},35140501000000{i:02},Kepala {i},35.14.05.2005,1,1,aktif\n"
        ));
    }
    let import = |csv: String| {
        app.http
            .post(app.url("/v1/households/import?effective=2026-01-01"))
            .bearer_auth(&app.admin)
            .header("content-type", "text/csv")
            .body(csv)
            .send()
    };
    let problem = assert_problem(import(csv.clone()).await.unwrap(), 422, "registry_invalid").await;
    assert!(
        problem.to_string().contains("RELASI_IMPORT_MAX_ROWS"),
        "{problem}"
    );
    let raw = app.db.raw().await;
    assert_eq!(raw.scalar("select count(*) from households").await, 0);
    // Two rows are within it.
    let two: String = csv.lines().take(3).map(|l| format!("{l}\n")).collect();
    assert_eq!(import(two).await.unwrap().status(), 200);
    assert_eq!(raw.scalar("select count(*) from households").await, 2);
}
story!(registry_rows_over_the_limit_are_refused);

async fn page_size_token_text_and_idempotency_key_limits_hold() {
    let mut app = spawn_app_with(Config::default()).await;
    let vouchers = redeemable(&app).await;
    let (_, shop) = shop_in(&app, "35.14.05").await;
    // A second server over the same database, with small limits.
    let config = Config {
        page_size: 3,
        input_limits: InputLimits {
            token_text_max_chars: 200,
            idempotency_key_max_chars: 8,
        },
        key_dir: app.keys_path(),
        ..Config::default()
    };
    app.base = crate::support::serve_db(&app.db, config).await;
    assert!(vouchers.len() > 3);
    let page: Value = app
        .get("/v1/vouchers?period=2026-11&page=1", &app.admin)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(page["page_size"], 3);
    assert_eq!(page["vouchers"].as_array().unwrap().len(), 3);

    // Token text and Idempotency-Key lengths: refused before anything is looked up.
    let token = vouchers[0]["token"].as_str().unwrap();
    let padded = format!("{token}{}", " ".repeat(201 - token.len()));
    let res = redeem(&app, &shop, "k-1", &basket(&padded, 1000)).await;
    assert_problem(res, 422, "malformed_token").await;
    let res = app
        .http
        .post(app.url("/v1/balance"))
        .json(&json!({ "token": padded }))
        .send()
        .await
        .unwrap();
    assert_problem(res, 422, "malformed_token").await;
    let res = redeem(&app, &shop, "123456789", &basket(token, 1000)).await;
    assert_problem(res, 400, "idempotency_key_invalid").await;
    let res = redeem(&app, &shop, "12345678", &basket(token, 1000)).await;
    assert_eq!(res.status(), 201);
}
story!(page_size_token_text_and_idempotency_key_limits_hold);

/// A statement blocked by another connection's lock ends at the statement timeout (PostgreSQL
/// `statement_timeout`, SQLite's busy timeout) and the sale is answered 503 problem+json in
/// about that time, not at the request timeout; once the lock is gone it sells.
async fn a_blocked_statement_ends_at_the_statement_timeout() {
    let app = spawn_app_with(Config::default()).await;
    let vouchers = redeemable(&app).await;
    let (_, shop) = shop_in(&app, "35.14.05").await;
    let pool = PoolSettings {
        statement_timeout: Some(Duration::from_millis(300)),
        ..PoolSettings::default()
    };
    let store = Store::connect(&app.db.url, pool).await.unwrap();
    let deployment = store.deployment_id().await.unwrap().unwrap();
    let config = Config {
        key_dir: app.keys_path(),
        sale_batch: relasi::store::BatchSettings::off(),
        ..Config::default()
    };
    let base = crate::support::serve(AppState::new(store, config, deployment)).await;
    let token = vouchers[0]["token"].as_str().unwrap();
    let sell = |key: &'static str| {
        app.http
            .post(format!("{base}/v1/redemptions"))
            .bearer_auth(&shop)
            .header("idempotency-key", key)
            .json(&basket(token, 1000))
            .send()
    };
    let held = hold_write_lock(&app.db.raw().await).await;
    let started = Instant::now();
    let res = sell("blocked").await.unwrap();
    let took = started.elapsed();
    assert_problem(res, 503, "unavailable").await;
    assert!(took < Duration::from_secs(5), "answered after {took:?}");
    drop(held);
    assert_eq!(sell("free").await.unwrap().status(), 201);
}
story!(a_blocked_statement_ends_at_the_statement_timeout);

/// Another connection holding the write lock a sale needs, until dropped.
enum Held {
    Postgres(#[allow(dead_code)] sqlx::Transaction<'static, sqlx::Postgres>),
    Sqlite(#[allow(dead_code)] sqlx::pool::PoolConnection<sqlx::Sqlite>),
}

async fn hold_write_lock(raw: &RawDb) -> Held {
    match raw {
        RawDb::Postgres(p) => {
            let mut tx = p.begin().await.unwrap();
            sqlx::query("lock table vouchers in exclusive mode")
                .execute(&mut *tx)
                .await
                .unwrap();
            Held::Postgres(tx)
        }
        RawDb::Sqlite(p) => {
            let mut conn = p.acquire().await.unwrap();
            sqlx::query("begin immediate")
                .execute(&mut *conn)
                .await
                .unwrap();
            Held::Sqlite(conn)
        }
    }
}

async fn masuk(app: &crate::helpers::TestApp, forwarded: Option<&str>) -> reqwest::Response {
    let mut req = app
        .http
        .post(app.url("/masuk"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("name=tidak.ada&password=salah+sekali");
    if let Some(f) = forwarded {
        req = req.header("x-forwarded-for", f);
    }
    req.send().await.unwrap()
}

async fn login(app: &crate::helpers::TestApp, forwarded: Option<&str>) -> reqwest::Response {
    let mut req = app
        .http
        .post(app.url("/v1/login"))
        .json(&json!({ "name": "tidak.ada", "password": "salah sekali" }));
    if let Some(f) = forwarded {
        req = req.header("x-forwarded-for", f);
    }
    req.send().await.unwrap()
}

/// Sign-in by API and by page share one budget per client address; behind a trusted proxy the
/// client is the address its `X-Forwarded-For` names, and from anyone else the header is ignored.
async fn sign_in_budget_is_per_client_address_across_api_and_page() {
    let limit = BalanceLimit {
        burst: 2,
        refill_ms: 600_000,
    };
    let app = spawn_app_with(Config {
        login_limit: limit,
        ..Config::default()
    })
    .await;
    assert_eq!(login(&app, None).await.status(), 401);
    assert_ne!(masuk(&app, None).await.status(), 429);
    assert_eq!(masuk(&app, None).await.status(), 429);
    assert_problem(login(&app, Some("203.0.113.7")).await, 429, "rate_limited").await;

    // Behind a trusted proxy (the test client's own address), each client has its own budget.
    let app = spawn_app_with(Config {
        login_limit: limit,
        trusted_proxies: TrustedProxies::parse("127.0.0.1/8, ::1").unwrap(),
        ..Config::default()
    })
    .await;
    for _ in 0..2 {
        assert_eq!(login(&app, Some("203.0.113.7")).await.status(), 401);
    }
    assert_eq!(login(&app, Some("203.0.113.7")).await.status(), 429);
    assert_eq!(masuk(&app, Some("203.0.113.7")).await.status(), 429);
    assert_eq!(login(&app, Some("198.51.100.9")).await.status(), 401);
    // A client cannot append its way out: the nearest untrusted hop is the client.
    assert_eq!(
        login(&app, Some("10.9.9.9, 203.0.113.7")).await.status(),
        429
    );
}
story!(sign_in_budget_is_per_client_address_across_api_and_page);

/// `RELASI_IMPORT_LIMIT_BYTES` and `RELASI_DB_POOL` as the server binary reads them: a registry
/// CSV over the byte limit is answered 413 problem+json, with a length or sent chunked, and
/// nothing is written; the pool's most connections (the `/metrics` gauge, `Store::pool_use`)
/// are the setting.
async fn import_bytes_and_pool_size_are_the_settings() {
    let app = spawn_app().await;
    let env = [
        ("RELASI_IMPORT_LIMIT_BYTES", "600"),
        ("RELASI_DB_POOL", "3"),
    ];
    let server = crate::crash::start_with(&app, &env).await;
    let mut csv = String::from("no_kk,nik_kepala,nama_kepala,kode_desa,desil,krs,status\n");
    for i in 1..=20 {
        csv.push_str(&format!(
            "35140500000000{i:02},35140501000000{i:02},Kepala {i},35.14.05.2005,1,1,aktif\n"
        ));
    }
    assert!(csv.len() > 600);
    let import = |body: reqwest::Body| {
        app.http
            .post(format!(
                "{}/v1/households/import?effective=2026-01-01",
                server.base
            ))
            .bearer_auth(&app.admin)
            .header("content-type", "text/csv")
            .body(body)
            .send()
    };
    let res = import(csv.clone().into()).await.unwrap();
    assert_problem(res, 413, "payload_too_large").await;
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> =
        csv.as_bytes().chunks(100).map(|c| Ok(c.to_vec())).collect();
    let res = import(reqwest::Body::wrap_stream(tokio_stream::iter(chunks)))
        .await
        .unwrap();
    assert_problem(res, 413, "payload_too_large").await;
    let raw = app.db.raw().await;
    assert_eq!(raw.scalar("select count(*) from households").await, 0);
    let small: String = csv.lines().take(4).map(|l| format!("{l}\n")).collect();
    assert_eq!(import(small.into()).await.unwrap().status(), 200);
    assert_eq!(raw.scalar("select count(*) from households").await, 3);

    // The pool: SQLite's readers (its writer is always one connection) or PostgreSQL's.
    let pool = if app.db.backend == relasi::store::Backend::Postgres {
        "postgres"
    } else {
        "sqlite_read"
    };
    let metrics = app
        .http
        .get(format!("{}/metrics", server.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let max = metrics.lines().find(|l| {
        l.starts_with("relasi_db_pool_connections{")
            && l.contains(&format!("pool=\"{pool}\""))
            && l.contains("state=\"max\"")
    });
    assert!(max.is_some_and(|l| l.ends_with(" 3")), "{max:?}");
    let settings = PoolSettings {
        max_connections: 5,
        ..PoolSettings::default()
    };
    let store = Store::connect(&app.db.url, settings).await.unwrap();
    let most: Vec<_> = store.pool_use().into_iter().map(|r| (r.0, r.3)).collect();
    assert!(most.contains(&(pool, 5)), "{most:?}");
}
story!(import_bytes_and_pool_size_are_the_settings);
