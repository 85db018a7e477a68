//! The audit chain: every admin change is chained, concurrent appends stay one chain, and the
//! database refuses edits.

use crate::helpers::spawn_app;
use relasi::domain::audit::verify_chain;
use serde_json::json;

async fn concurrent_changes_form_one_unbroken_chain() {
    let app = spawn_app().await;
    let before = app.store.audit_records().await.unwrap().len();
    let mut tasks = Vec::new();
    for i in 0..24 {
        let http = app.http.clone();
        let url = app.url("/v1/merchants");
        let admin = app.admin.clone();
        tasks.push(tokio::spawn(async move {
            let body = json!({ "name": format!("Toko {i}"), "kode_desa": "35.14.05.2005" });
            http.post(url)
                .bearer_auth(admin)
                .json(&body)
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }));
    }
    for t in tasks {
        assert_eq!(t.await.unwrap(), 201);
    }
    let records = app.store.audit_records().await.unwrap();
    assert_eq!(records.len(), before + 24);
    verify_chain(&records).unwrap();
    assert_eq!(
        records
            .iter()
            .filter(|r| r.event.action == "merchant.create")
            .count(),
        24
    );
    // No personal data in the chain: subjects are our own ids.
    assert!(records.iter().all(|r| !r.event.detail.contains("nama")));
}
story!(concurrent_changes_form_one_unbroken_chain, multi_thread);

async fn the_database_refuses_to_edit_or_delete_audit_records() {
    let app = spawn_app().await;
    app.merchant("Toko Audit").await;
    let raw = app.db.raw().await;
    assert!(
        raw.execute("update audit_log set detail = '{}' where seq = 1")
            .await
            .is_err()
    );
    assert!(raw.execute("delete from audit_log").await.is_err());
    verify_chain(&app.store.audit_records().await.unwrap()).unwrap();
}
story!(the_database_refuses_to_edit_or_delete_audit_records);

async fn auditors_verify_the_chain_over_http_and_others_may_not() {
    let app = spawn_app().await;
    app.merchant("Toko Satu").await;
    let auditor = app.token(relasi::domain::auth::Role::Auditor).await;
    let body: serde_json::Value = app
        .get("/v1/audit/verify", &auditor)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(body["ok"], true);
    assert!(body["records"].as_u64().unwrap() >= 3);
    let finance = app.token(relasi::domain::auth::Role::Finance).await;
    crate::helpers::assert_problem(
        app.get("/v1/audit/verify", &finance).await,
        403,
        "forbidden",
    )
    .await;
}
story!(auditors_verify_the_chain_over_http_and_others_may_not);

async fn a_dba_who_drops_the_guard_and_edits_a_record_is_caught() {
    let app = spawn_app().await;
    app.merchant("Toko Satu").await;
    app.merchant("Toko Dua").await;
    let raw = app.db.raw().await;
    let drop_guard = match app.db.backend {
        relasi::store::Backend::Postgres => {
            "alter table audit_log disable trigger audit_log_append_only"
        }
        relasi::store::Backend::Sqlite => "drop trigger audit_log_no_update",
    };
    raw.execute(drop_guard).await.unwrap();
    raw.execute("update audit_log set detail = '{\"kode_desa\":\"35.14.05.2007\"}' where seq = 2")
        .await
        .unwrap();
    let auditor = app.token(relasi::domain::auth::Role::Auditor).await;
    let body: serde_json::Value = app
        .get("/v1/audit/verify", &auditor)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(body["ok"], false, "{body}");
    assert_eq!(body["broken_at"]["seq"], 2);
}
story!(a_dba_who_drops_the_guard_and_edits_a_record_is_caught);
