//! The personal-data key and the database: `relasi pii rotate` re-encrypts every KK, NIK and
//! name under a new key in one transaction (the real binary); under the new key the registry,
//! the vouchers, the journal and the audit chain read as before, under the old key nothing
//! opens and the binary refuses to start, and a refused rotation changes nothing. A database
//! refuses any key it was not written with.

use crate::helpers::{TestApp, spawn_app};
use crate::redemption::{basket, redeem, redeemable};
use relasi::domain::ids::{Period, ProgrammeId};
use relasi::domain::wilayah::WilayahCode;
use relasi::pii::PiiKey;
use relasi::store::{Rotated, Store, StoreError};

/// Every stored KK, NIK and name, as a thief would copy them.
async fn stored_values(app: &TestApp) -> Vec<String> {
    let raw = app.db.raw().await;
    let mut out = Vec::new();
    for sql in [
        "select no_kk from households",
        "select nik_kepala from households",
        "select nama_kepala from households",
        "select no_kk from members",
        "select nik from members",
        "select nama from members",
        "select no_kk from household_history",
        "select no_kk from vouchers",
    ] {
        out.extend(raw.texts(sql).await);
    }
    out
}

/// What the store reads in the clear: names by KK, and each voucher's KK.
async fn clear_view(store: &Store) -> Result<(Vec<(String, String)>, Vec<String>), StoreError> {
    let desa = WilayahCode::parse("35.14.05.2005").unwrap();
    let mut names: Vec<_> = store.household_names(&desa).await?.into_iter().collect();
    names.sort();
    let period = Period::parse("2026-11").unwrap();
    let vouchers = store.vouchers(ProgrammeId(1), period, None, 0, 100).await?;
    let mut kks: Vec<String> = vouchers
        .iter()
        .map(|v| v.no_kk.as_str().to_owned())
        .collect();
    kks.sort();
    Ok((names, kks))
}

/// The binary on the test's database; `key_file` overrides the default key file.
fn relasi(app: &TestApp, key_file: Option<&std::path::Path>) -> std::process::Command {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_relasi"));
    cmd.env("RUST_LOG", "warn")
        .env("DATABASE_URL", &app.db.url)
        .env_remove("RELASI_PII_KEY");
    if let Some(file) = key_file {
        cmd.env("RELASI_PII_KEY_FILE", file);
    }
    cmd
}

/// A sale on household 3's voucher, then its head recorded deceased from before that day, and
/// the month reconciled: a finding that names KK 3. The stored run holds it sealed only.
async fn reconcile_a_death(app: &TestApp, shop: &str, vouchers: &[serde_json::Value]) -> i64 {
    let kk3 = "3514050000000003";
    let voucher = vouchers.iter().find(|v| v["no_kk"] == kk3).unwrap();
    let body = basket(voucher["token"].as_str().unwrap(), 10_000);
    assert_eq!(redeem(app, shop, "rotasi-2", &body).await.status(), 201);
    let mut csv = String::from("no_kk,nik_kepala,nama_kepala,kode_desa,desil,krs,status\n");
    for i in 1..=8 {
        let status = if i == 3 { "meninggal" } else { "aktif" };
        csv.push_str(&format!(
            "35140500000000{i:02},35140501000000{i:02},Kepala {i},35.14.05.2005,1,1,{status}\n"
        ));
    }
    let res = app
        .http
        .post(app.url("/v1/households/import?effective=2026-11-01"))
        .bearer_auth(&app.admin)
        .header("content-type", "text/csv")
        .body(csv)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let finance = app.token(relasi::domain::auth::Role::Finance).await;
    let res = app
        .post(
            "/v1/reconciliations",
            &finance,
            &serde_json::json!({ "period": "2026-11" }),
        )
        .await;
    assert_eq!(res.status(), 201);
    let id = res.json::<serde_json::Value>().await.unwrap()["id"]
        .as_i64()
        .unwrap();
    let signed = app
        .get(&format!("/v1/reconciliations/{id}.json"), &finance)
        .await
        .text()
        .await
        .unwrap();
    assert!(
        signed.contains(kk3),
        "the finding names the household: {signed}"
    );
    let stored = app
        .db
        .raw()
        .await
        .texts("select content from reconciliation_runs")
        .await;
    assert_eq!(stored.len(), 1);
    assert!(stored[0].starts_with("pii1.") && !stored[0].contains(kk3));
    id
}

fn rotate_with_the_binary(app: &TestApp, new_key: &std::path::Path) -> String {
    let out = relasi(app, None)
        .args(["pii", "rotate", "--new-key-file"])
        .arg(new_key)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

async fn a_new_personal_data_key_rewrites_every_row_and_reads_the_same() {
    let app = spawn_app().await;
    let vouchers = redeemable(&app).await;
    let shop = app.merchant_token(app.merchant("Toko Satu").await).await;
    let token = vouchers[0]["token"].as_str().unwrap();
    let sale = redeem(&app, &shop, "rotasi-1", &basket(token, 25_000)).await;
    assert_eq!(sale.status(), 201);
    let run = reconcile_a_death(&app, &shop, &vouchers).await;
    let (_, report) = app.store.run(run).await.unwrap();
    let before = clear_view(&app.store).await.unwrap();
    assert_eq!(before.0.len(), 8);
    let ledger = app.store.ledger().await.unwrap();
    let stored_before = stored_values(&app).await;

    let dir = tempfile::tempdir().unwrap();
    let new_key = dir.path().join("new.pii-key");
    let printed = rotate_with_the_binary(&app, &new_key);
    assert!(
        printed.contains("8 keluarga / households, 4 anggota / members"),
        "{printed}"
    );
    assert!(printed.contains("1 laporan rekonsiliasi"), "{printed}");
    let rotated = app.store.with_pii_key(PiiKey::from_file(&new_key).unwrap());

    // Under the new key everything reads as before; under the old one nothing opens.
    assert_eq!(clear_view(&rotated).await.unwrap(), before);
    assert!(matches!(
        clear_view(&app.store).await,
        Err(StoreError::Corrupt(_))
    ));
    let stored_after = stored_values(&app).await;
    assert_eq!(stored_after.len(), stored_before.len());
    assert!(
        stored_after.iter().all(|v| !stored_before.contains(v)),
        "a value kept its old ciphertext"
    );
    // The run reads the same bytes (its hash and signature hold), sealed anew.
    assert_eq!(rotated.run(run).await.unwrap().1, report);
    assert!(app.store.run(run).await.is_err());
    // The journal did not move, the audit chain holds and records the rotation.
    assert_eq!(rotated.ledger().await.unwrap(), ledger);
    let auditor = app.token(relasi::domain::auth::Role::Auditor).await;
    let verify: serde_json::Value = app
        .get("/v1/audit/verify", &auditor)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(verify["ok"], true, "{verify}");
    let records = app.store.audit_records().await.unwrap();
    assert_eq!(
        records
            .iter()
            .filter(|r| r.event.action == "pii.rotate")
            .count(),
        1
    );

    // The binary now starts with the new key only.
    let old_key = relasi(&app, None).arg("migrate").output().unwrap();
    assert!(!old_key.status.success());
    let said = String::from_utf8_lossy(&old_key.stderr).into_owned();
    assert!(said.contains("kunci data pribadi tidak cocok"), "{said}");
    let new_key_run = relasi(&app, Some(&new_key))
        .arg("migrate")
        .output()
        .unwrap();
    assert!(
        new_key_run.status.success(),
        "{}",
        String::from_utf8_lossy(&new_key_run.stderr)
    );

    // Refused, and nothing changed: the key in use again, or a wrong old key.
    let same = PiiKey::from_file(&new_key).unwrap();
    assert!(matches!(
        rotated.rotate_pii(&same, "test").await,
        Err(StoreError::Config(_))
    ));
    let other = PiiKey::from_master(&[9; 32]);
    assert!(matches!(
        app.store.rotate_pii(&other, "test").await,
        Err(StoreError::Corrupt(_))
    ));
    assert_eq!(stored_values(&app).await, stored_after);
    // The guards are back: a KK still cannot be edited, a household still not deleted.
    let raw = app.db.raw().await;
    assert!(
        raw.execute("update households set no_kk = '1111111111111111'")
            .await
            .is_err()
    );
    assert!(raw.execute("delete from households").await.is_err());
    // Rotating on from the new key works too (the store API the binary calls).
    let done = rotated.rotate_pii(&other, "test").await.unwrap();
    assert_eq!(
        (done.households, done.members, done.vouchers, done.runs),
        (8, 4, 8, 1)
    );
    assert!(done.history >= 8);
    let _: Rotated = done;
    assert_eq!(
        clear_view(&rotated.with_pii_key(other)).await.unwrap(),
        before
    );
}
story!(a_new_personal_data_key_rewrites_every_row_and_reads_the_same);

async fn a_database_refuses_a_key_it_was_not_written_with() {
    let app = spawn_app().await;
    redeemable(&app).await;
    let dir = tempfile::tempdir().unwrap();
    let other = dir.path().join("other.pii-key");
    // A backup restored without its key file would get a new key: refused, not misread.
    let refused = relasi(&app, Some(&other)).arg("migrate").output().unwrap();
    assert!(!refused.status.success());
    let said = String::from_utf8_lossy(&refused.stderr).into_owned();
    assert!(said.contains("does not match this database"), "{said}");
    assert!(!said.contains("3514050000000001"), "{said}");
    // A database of an earlier version has no check value: a stored name decides.
    let raw = app.db.raw().await;
    assert_eq!(raw.execute("delete from pii_key_check").await.unwrap(), 1);
    let refused = relasi(&app, Some(&other)).arg("migrate").output().unwrap();
    assert!(!refused.status.success());
    assert_eq!(raw.scalar("select count(*) from pii_key_check").await, 0);
    let accepted = relasi(&app, None).arg("migrate").output().unwrap();
    assert!(
        accepted.status.success(),
        "{}",
        String::from_utf8_lossy(&accepted.stderr)
    );
    assert_eq!(raw.scalar("select count(*) from pii_key_check").await, 1);
}
story!(a_database_refuses_a_key_it_was_not_written_with);
