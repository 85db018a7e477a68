//! Reports from a read replica (`RELASI_REPORT_DATABASE_URL`, docs/scale.md): reconciliation's
//! reads and the dashboard go to the replica, the run itself is written on the primary. The
//! "replica" is a copy of the database made with pg_dump (as backup.rs does) and left behind by
//! later sales, so which database a figure came from shows in it. SQLite has no replica: the
//! setting is ignored there.

use crate::backup::{drop_restored, pg_dump_restore};
use crate::helpers::{TestApp, spawn_app};
use crate::redemption::{basket, redeem, redeemable, shop_in};
use relasi::domain::ids::Period;
use relasi::store::{Backend, PoolSettings, Store};

const PERIOD: &str = "2026-11";

/// One sale of Rp 10.000 on each voucher in `range`.
async fn sell(app: &TestApp, vouchers: &[serde_json::Value], range: std::ops::Range<usize>) {
    let (_, shop) = shop_in(app, "35.14.05").await;
    for i in range {
        let token = vouchers[i]["token"].as_str().unwrap();
        let res = redeem(app, &shop, &format!("replica-{i}"), &basket(token, 10_000)).await;
        assert_eq!(res.status(), 201, "{}", res.text().await.unwrap());
    }
}

/// The month's reconciliation through `store`: its watermark and what it stored.
async fn reconcile(store: &Store) -> (i64, relasi::store::RunHead) {
    let programme = store.programme_by_number(1).await.unwrap();
    let deployment = store.deployment_id().await.unwrap().unwrap();
    let period = Period::parse(PERIOD).unwrap();
    let (head, report) =
        relasi::jobs::reconcile::run(store, &deployment, None, &programme, period, "test")
            .await
            .unwrap();
    (report.watermarks.last_entry_id, head)
}

/// Σ redeemed over the dashboard's desa.
async fn dashboard_redeemed(store: &Store) -> i64 {
    let programme = store.programme_by_number(1).await.unwrap();
    let period = Period::parse(PERIOD).unwrap();
    let figures = store.desa_figures(programme.id, period).await.unwrap();
    figures.iter().map(|f| f.redeemed_rp).sum()
}

async fn reports_read_the_replica_and_the_run_is_written_on_the_primary() {
    let app = spawn_app().await;
    let vouchers = redeemable(&app).await;
    sell(&app, &vouchers, 0..3).await;
    if app.db.backend == Backend::Sqlite {
        let store = app
            .store
            .clone()
            .with_report_replica(
                "postgres://postgres@127.0.0.1/none",
                PoolSettings::default(),
            )
            .await
            .unwrap();
        assert!(!store.has_report_replica(), "ignored on SQLite");
        assert_eq!(dashboard_redeemed(&store).await, 30_000);
        return;
    }
    // The replica as it stands now; the primary then moves on without it.
    let replica_url = pg_dump_restore(&app);
    sell(&app, &vouchers, 3..8).await;
    let with_replica = app
        .store
        .clone()
        .with_report_replica(&replica_url, PoolSettings::default())
        .await
        .unwrap();
    assert!(with_replica.has_report_replica());
    // Reads: the replica's figures and watermark, not the primary's.
    assert_eq!(dashboard_redeemed(&app.store).await, 80_000);
    assert_eq!(dashboard_redeemed(&with_replica).await, 30_000);
    let (primary_hw, _) = reconcile(&app.store).await;
    let (replica_hw, head) = reconcile(&with_replica).await;
    assert!(replica_hw < primary_hw, "{replica_hw} < {primary_hw}");
    assert_eq!(
        head.last_entry_id, replica_hw,
        "the report says what it read"
    );
    // Writes: both runs are on the primary, none on the replica.
    let replica = Store::connect(&replica_url, PoolSettings::default())
        .await
        .unwrap();
    let programme = app.store.programme_by_number(1).await.unwrap();
    let period = Some(Period::parse(PERIOD).unwrap());
    assert_eq!(app.store.runs(programme.id, period).await.unwrap().len(), 2);
    assert!(replica.runs(programme.id, period).await.unwrap().is_empty());
    replica.close().await;
    drop_restored(&replica_url);
}
story!(reports_read_the_replica_and_the_run_is_written_on_the_primary);
