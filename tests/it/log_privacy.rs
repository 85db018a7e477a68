//! Logs carry no personal data: the real server binary at `RUST_LOG=debug` imports a registry
//! (households and members with known NIK, KK and names), issues, hands out the hand-over list
//! and refuses an import row, and no NIK, KK or name appears anywhere in what it logged.

use crate::helpers::spawn_app;
use serde_json::json;
use std::process::Stdio;

/// (KK, head's NIK, head's name) of the households, names no log line could hold by chance.
const HOUSEHOLDS: [(&str, &str, &str); 3] = [
    (
        "3514050000000701",
        "3514050107010001",
        "Sulastri Wahyuningtyas",
    ),
    (
        "3514050000000702",
        "3514050107020001",
        "Bambang Priyohadikusumo",
    ),
    (
        "3514050000000703",
        "3514050107030001",
        "Ngatini Rahayuningsih",
    ),
];

/// (NIK, KK, name) of the members: babies of the first household.
const MEMBERS: [(&str, &str, &str); 2] = [
    ("3514054101260701", "3514050000000701", "Kinanthi Anggraeni"),
    ("3514054201260702", "3514050000000701", "Sekar Ayuningtyas"),
];

/// The refused row's KK, NIK and name (desil 99 is no desil).
const REFUSED: (&str, &str, &str) = (
    "3514050000000709",
    "3514050107090001",
    "Wiryo Sastrodiharjo",
);

async fn logs_hold_no_nik_kk_or_name() {
    let mut app = spawn_app().await;
    app.generate_key().await;
    let dir = tempfile::tempdir().unwrap();
    let log_path = dir.path().join("relasi.log");
    let log = std::fs::File::create(&log_path).unwrap();
    let server =
        crate::crash::start_logging(&app, &[("RUST_LOG", "debug")], Stdio::from(log)).await;
    app.base = server.base.clone();

    let mut households = String::from("no_kk,nik_kepala,nama_kepala,kode_desa,desil,krs,status\n");
    for (kk, nik, name) in HOUSEHOLDS {
        households.push_str(&format!("{kk},{nik},{name},35.14.05.2005,1,1,aktif\n"));
    }
    app.import_csv(households).await;
    let mut members = String::from("nik,no_kk,nama,tanggal_lahir,sasaran,mulai,selesai,stunting\n");
    for (nik, kk, name) in MEMBERS {
        members.push_str(&format!("{nik},{kk},{name},2026-01-01,,,,0\n"));
    }
    app.import_csv(members).await;
    issue(&app).await;

    let list = app
        .get(
            "/v1/cycles/2026-11/handover.csv?desa=35.14.05.2005",
            &app.admin,
        )
        .await;
    assert_eq!(list.status(), 200);
    let list = list.text().await.unwrap();
    assert!(
        HOUSEHOLDS.iter().all(|(_, _, name)| list.contains(name)),
        "the hand-over list names the households: {list}"
    );
    let (kk, nik, name) = REFUSED;
    let refused = app
        .http
        .post(app.url("/v1/households/import?effective=2026-01-01"))
        .bearer_auth(&app.admin)
        .header("content-type", "text/csv")
        .body(format!(
            "no_kk,nik_kepala,nama_kepala,kode_desa,desil,krs,status\n{kk},{nik},{name},35.14.05.2005,99,1,aktif\n"
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 422);
    drop(server);

    let logged = std::fs::read_to_string(&log_path).unwrap();
    assert!(
        logged.contains("DEBUG"),
        "the server logged at debug level:\n{logged}"
    );
    let mut secrets: Vec<&str> = vec![kk, nik, name];
    for (kk, nik, name) in HOUSEHOLDS.iter().chain(MEMBERS.iter()) {
        secrets.extend([*kk, *nik, *name]);
    }
    let found: Vec<&str> = secrets.into_iter().filter(|s| logged.contains(s)).collect();
    assert!(
        found.is_empty(),
        "personal data in the log: {found:?} ({} bytes of log)",
        logged.len()
    );
}
story!(logs_hold_no_nik_kk_or_name);

/// A budget, a cycle valid now, the vouchers issued (the signing key is already in place).
async fn issue(app: &crate::helpers::TestApp) {
    let budget = json!({ "year": 2026, "sumber_dana": "APBD", "kode_wilayah": "35.14", "amount": "100000000" });
    assert_eq!(
        app.post("/v1/budgets", &app.admin, &budget).await.status(),
        201
    );
    let cycle = json!({ "period": "2026-11", "valid_from": "2025-01-01T00:00:00Z", "valid_until": "2099-01-01T00:00:00Z" });
    assert_eq!(
        app.post("/v1/cycles", &app.admin, &cycle).await.status(),
        201
    );
    let res = app
        .http
        .post(app.url("/v1/cycles/2026-11/issue"))
        .bearer_auth(&app.admin)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
}
