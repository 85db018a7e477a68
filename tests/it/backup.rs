//! Backups: a busy database copied while it serves (SQLite: `relasi backup FILE`, `VACUUM INTO`;
//! PostgreSQL: `pg_dump` into a fresh database, the commands of docs/deploy.md) and opened as a
//! fresh deployment passes `audit verify` with the same journal and the same balances, and its
//! month reconciles to the SHA-256 the original's report has.

use crate::helpers::{TestApp, spawn_app};
use crate::redemption::{basket, redeem, redeemable, shop_in};
use relasi::store::{Backend, PoolSettings, Store};
use std::process::Command;

/// Two sales on each of eight vouchers, so the journal chains and stored receipts have
/// something to prove.
async fn busy(app: &TestApp) {
    let vouchers = redeemable(app).await;
    let (_, shop) = shop_in(app, "35.14.05").await;
    for (i, v) in vouchers.iter().enumerate() {
        let token = v["token"].as_str().unwrap();
        for round in 0..2 {
            let key = format!("backup-{i}-{round}");
            let res = redeem(app, &shop, &key, &basket(token, 10_000)).await;
            assert_eq!(res.status(), 201, "{}", res.text().await.unwrap());
        }
    }
}

async fn verified(store: &Store) -> (u64, u64) {
    let deployment = store.deployment_id().await.unwrap().unwrap();
    let report = relasi::jobs::audit::verify(store, &deployment, &Default::default())
        .await
        .unwrap();
    assert!(
        report.journal_break.is_none() && report.audit_break.is_none(),
        "{report:?}"
    );
    (report.vouchers, report.entries)
}

/// The restored copy's URL (its personal-data key copied beside it, as the deploy guide says).
fn restore(app: &TestApp, dir: &std::path::Path) -> String {
    match app.db.backend {
        Backend::Sqlite => {
            let file = dir.join("cadangan.db");
            let out = Command::new(env!("CARGO_BIN_EXE_relasi"))
                .arg("backup")
                .arg(&file)
                .env("DATABASE_URL", &app.db.url)
                .env("RUST_LOG", "warn")
                .output()
                .unwrap();
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            let source = relasi::pii::default_key_file(&app.db.url);
            std::fs::copy(source, dir.join("cadangan.db.pii-key")).unwrap();
            format!("sqlite://{}", file.display())
        }
        Backend::Postgres => pg_dump_restore(app),
    }
}

/// The month `busy` sold in, reconciled (unsigned: the digest is what is compared); its version
/// and SHA-256.
async fn reconciled(store: &Store) -> (i64, String) {
    let programme = store.programme_by_number(1).await.unwrap();
    let deployment = store.deployment_id().await.unwrap().unwrap();
    let period = relasi::domain::ids::Period::parse("2026-11").unwrap();
    let (head, _) =
        relasi::jobs::reconcile::run(store, &deployment, None, &programme, period, "test")
            .await
            .unwrap();
    (head.version, head.content_sha256)
}

/// `pg_dump --format=custom` of the test's schema, `pg_restore` into a new database; its URL.
/// A deployment has its database to itself and dumps it whole (docs/deploy.md §8); each test
/// here lives in a schema of its own inside one shared test database, so the dump is scoped to
/// that schema (`--schema`) and the restored copy is read through the same `search_path`.
pub(crate) fn pg_dump_restore(app: &TestApp) -> String {
    let url = &app.db.url;
    let (base, query) = url.split_once('?').unwrap();
    let schema = query.rsplit('=').next().unwrap();
    let (server, _) = base.rsplit_once('/').unwrap();
    let fresh = format!(
        "relasi_restore_{}_{}",
        std::process::id(),
        rand::random::<u32>()
    );
    let dump = std::env::temp_dir().join(format!("{fresh}.dump"));
    let ok = |c: &mut Command| assert!(c.status().unwrap().success(), "{c:?}");
    ok(Command::new("pg_dump")
        .args([
            "--format=custom",
            "--no-owner",
            "--schema",
            schema,
            "--file",
        ])
        .arg(&dump)
        .arg(base));
    ok(Command::new("psql").args([
        "-q",
        "-d",
        &format!("{server}/postgres"),
        "-c",
        &format!("create database {fresh}"),
    ]));
    ok(Command::new("pg_restore")
        .args([
            "--no-owner",
            "--exit-on-error",
            "-d",
            &format!("{server}/{fresh}"),
        ])
        .arg(&dump));
    let _ = std::fs::remove_file(&dump);
    format!("{server}/{fresh}?options[search_path]={schema}")
}

/// Drops the database `pg_dump_restore` made.
pub(crate) fn drop_restored(url: &str) {
    let fresh = url.rsplit('/').next().unwrap().split('?').next().unwrap();
    let server = url.rsplit_once('/').unwrap().0;
    let _ = Command::new("psql")
        .args([
            "-q",
            "-d",
            &format!("{server}/postgres"),
            "-c",
            &format!("drop database if exists {fresh} with (force)"),
        ])
        .status();
}

async fn a_busy_database_backed_up_and_restored_passes_audit_verify() {
    let app = spawn_app().await;
    busy(&app).await;
    // The month's report as the original made it, before the backup.
    let (version, sha) = reconciled(&app.store).await;
    assert_eq!(version, 1);
    let before = verified(&app.store).await;
    let dir = tempfile::tempdir().unwrap();
    let url = restore(&app, dir.path());
    let restored = Store::connect(&url, PoolSettings::default()).await.unwrap();
    restored.migrate().await.unwrap();
    assert_eq!(verified(&restored).await, before);
    // The personal data reads back in clear with the key restored beside it (SQLite) or the
    // deployment's own (PostgreSQL): a KK of `busy`'s households, decrypted.
    let known = restored.registry_known().await.unwrap();
    assert!(
        known.kk.contains("3514050000000001"),
        "{} KK",
        known.kk.len()
    );
    let balances = |rows: Vec<relasi::store::LedgerRow>| {
        rows.iter()
            .map(|r| (r.voucher_id.clone(), r.balance_rp))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        balances(restored.ledger().await.unwrap()),
        balances(app.store.ledger().await.unwrap())
    );
    // The month run again on the restored copy: its next version, the original's digest.
    assert_eq!(reconciled(&restored).await, (2, sha));
    assert_eq!(verified(&restored).await, before);
    restored.close().await;
    if app.db.backend == Backend::Postgres {
        drop_restored(&url);
    }
}
story!(a_busy_database_backed_up_and_restored_passes_audit_verify);
