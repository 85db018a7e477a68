//! Issuance: eligibility, budget, signing, idempotence, QR images, printable cards.

use crate::helpers::{TestApp, assert_problem, spawn_app};
use serde_json::{Value, json};
use std::collections::HashSet;

const MEMBERS_HEADER: &str = "nik,no_kk,nama,tanggal_lahir,sasaran,mulai,selesai,stunting\n";

/// 120 households in four lokus desa (KRS every other one), 2 outside lokus, one moved, one
/// rich; a budget line; an open cycle 2026-12; a signing key.
pub(crate) async fn district(app: &TestApp, budget_rp: &str) {
    app.import_csv(crate::registry::households_csv(1, 120, "aktif"))
        .await;
    app.import_csv(
        "no_kk,nik_kepala,nama_kepala,kode_desa,desil,krs,status\n\
         3514060000000001,3514060101800001,Luar Lokus,35.14.06.2002,1,1,aktif\n\
         3514060000000002,3514060101800002,Luar Lokus,35.14.06.2002,1,1,aktif\n\
         3514050000000099,3514050101800099,Pindah,35.14.05.2005,1,1,pindah\n\
         3514050000000098,3514050101800098,Mampu,35.14.05.2005,9,1,aktif\n"
            .to_owned(),
    )
    .await;
    // A baby in KK 2 (KRS=0 without her: she makes the household eligible) and a stunted
    // toddler in KK 8 (desil 2).
    app.import_csv(format!(
        "{MEMBERS_HEADER}3514054101260002,3514050000000002,Bayi,2026-03-01,,,,0\n\
             3514050101240008,3514050000000008,Balita,2024-01-01,balita_stunting,,,1\n"
    ))
    .await;
    let lokus = json!({ "year": 2026, "desa": ["35.14.05.2005", "35.14.05.2007", "35.14.05.2001", "35.14.05.2016"] });
    assert_eq!(
        app.post("/v1/lokus", &app.admin, &lokus).await.status(),
        200
    );
    let budget = json!({ "year": 2026, "sumber_dana": "APBD", "kode_wilayah": "35.14", "amount": budget_rp });
    assert_eq!(
        app.post("/v1/budgets", &app.admin, &budget).await.status(),
        201
    );
    assert_eq!(
        app.post("/v1/cycles", &app.admin, &json!({ "period": "2026-12" }))
            .await
            .status(),
        201
    );
    app.generate_key().await;
}

async fn members_who_count_on_the_cycle_day_make_a_household_eligible() {
    let app = spawn_app().await;
    district(&app, "100000000").await;
    // Households with KRS = 0 in a lokus desa, desil 1: eligible only through their members.
    let mut households = String::from("no_kk,nik_kepala,nama_kepala,kode_desa,desil,krs,status\n");
    for n in 201..=205 {
        households.push_str(&format!(
            "3514050000000{n},3514050101800{n},Kepala,35.14.05.2005,1,0,aktif\n"
        ));
    }
    app.import_csv(households).await;
    app.import_csv(format!(
        "{MEMBERS_HEADER}\
         3514054201220201,3514050000000201,Balita,2022-01-02,balita_stunting,,,1\n\
         3514054101210202,3514050000000202,Balita,2021-12-01,balita_stunting,,,1\n\
         3514054303950203,3514050000000203,Ibu,1995-03-03,ibu_hamil,2026-06-01,2026-12-01,0\n\
         3514050101900204,3514050000000204,Ayah,1990-01-01,,,,0\n\
         3514050101900205,3514050000000205,Ayah,1990-01-01,,,,0\n\
         3514054111260205,3514050000000205,Bayi,2026-11-01,,,,0\n"
    ))
    .await;
    assert_eq!(issue(&app).await.status(), 200);
    let vouchers = all_vouchers(&app).await;
    let value_of = |kk: &str| {
        vouchers
            .iter()
            .find(|v| v["no_kk"] == kk)
            .map(|v| v["face_value"].as_str().unwrap().to_owned())
    };
    // 59 months old and stunted on 1 December 2026: counts as balita stunting.
    assert_eq!(value_of("3514050000000201").as_deref(), Some("150000"));
    // 60 months old on the day: no longer.
    assert_eq!(value_of("3514050000000202"), None);
    // Pregnant through 1 December (inclusive), born 1995: counts.
    assert_eq!(value_of("3514050000000203").as_deref(), Some("150000"));
    // An adult without a sasaran word makes nobody eligible; a baby does.
    assert_eq!(value_of("3514050000000204"), None);
    assert_eq!(value_of("3514050000000205").as_deref(), Some("150000"));
}
story!(members_who_count_on_the_cycle_day_make_a_household_eligible);

/// The budget lines, as `GET /v1/budgets` answers them.
pub(crate) async fn budget_lines(app: &TestApp) -> Value {
    app.get("/v1/budgets", &app.admin)
        .await
        .json()
        .await
        .unwrap()
}

pub(crate) async fn issue(app: &TestApp) -> reqwest::Response {
    app.http
        .post(app.url("/v1/cycles/2026-12/issue"))
        .bearer_auth(&app.admin)
        .send()
        .await
        .unwrap()
}

async fn all_vouchers(app: &TestApp) -> Vec<Value> {
    let mut out = Vec::new();
    for page in 1.. {
        let body: Value = app
            .get(
                &format!("/v1/vouchers?period=2026-12&page={page}"),
                &app.admin,
            )
            .await
            .json()
            .await
            .unwrap();
        let items = body["vouchers"].as_array().unwrap().clone();
        if items.is_empty() {
            break;
        }
        out.extend(items);
    }
    out
}

async fn issuance_funds_the_eligible_once_and_tokens_verify() {
    let app = spawn_app().await;
    district(&app, "100000000").await;
    let res = issue(&app).await;
    assert_eq!(res.status(), 200);
    let report: Value = res.json().await.unwrap();
    // Odd KK numbers are KRS, KK 2 and KK 8 qualify through their children; desil
    // 1..7 cycles with i, so desil > 4 drops some.
    let eligible = report["eligible"].as_u64().unwrap();
    assert_eq!(report["issued"].as_u64(), Some(eligible));
    assert_eq!(report["skipped_budget"], 0);
    assert_eq!(report["ineligible_reasons"]["not_active"], 1);
    assert_eq!(report["ineligible_reasons"]["not_lokus"], 2);
    assert!(
        report["ineligible_reasons"]["desil_too_high"]
            .as_u64()
            .unwrap()
            >= 1
    );
    let vouchers = all_vouchers(&app).await;
    assert_eq!(vouchers.len() as u64, eligible);
    let total: i64 = vouchers
        .iter()
        .map(|v| v["face_value"].as_str().unwrap().parse::<i64>().unwrap())
        .sum();
    assert_eq!(report["total_value"], total.to_string());
    let lines = budget_lines(&app).await;
    assert_eq!(
        lines[0]["committed"],
        total.to_string(),
        "the budget line carries exactly what was issued"
    );
    let kk2 = vouchers
        .iter()
        .find(|v| v["no_kk"] == "3514050000000002")
        .expect("the baby's household");
    assert_eq!(kk2["face_value"], "150000");
    // Every token verifies strictly against the published keys, offline.
    let keyring = app.keyring().await;
    for v in &vouchers {
        let ok = keyring
            .verify(v["token"].as_str().unwrap(), 1_796_100_000)
            .unwrap();
        assert_eq!(ok.voucher_id, v["id"].as_str().unwrap());
        assert_eq!(
            ok.face_value_rp.to_string(),
            v["face_value"].as_str().unwrap()
        );
    }
    // Again: nothing new.
    let again: Value = issue(&app).await.json().await.unwrap();
    assert_eq!(
        (again["issued"].as_u64(), again["already_issued"].as_u64()),
        (Some(0), Some(eligible))
    );
    assert_eq!(all_vouchers(&app).await.len() as u64, eligible);
}
story!(issuance_funds_the_eligible_once_and_tokens_verify);

async fn short_money_goes_to_the_stunted_child_first() {
    let app = spawn_app().await;
    // Rp 250.000: enough for KK 8 (base + one balita stunting = 150.000)
    // and one more base voucher (KK 7, desil 1).
    district(&app, "250000").await;
    let report: Value = issue(&app).await.json().await.unwrap();
    assert_eq!(report["issued"], 2, "{report}");
    let vouchers = all_vouchers(&app).await;
    assert!(
        vouchers.iter().any(|v| v["no_kk"] == "3514050000000008"),
        "the stunted toddler's household is funded"
    );
    assert_eq!(
        report["skipped_budget"].as_u64().unwrap() + 2,
        report["eligible"].as_u64().unwrap()
    );
    let lines = budget_lines(&app).await;
    assert!(
        lines[0]["committed"]
            .as_str()
            .unwrap()
            .parse::<i64>()
            .unwrap()
            <= 250_000
    );
}
story!(short_money_goes_to_the_stunted_child_first);

async fn concurrent_issuance_never_issues_twice_or_overcommits() {
    let app = spawn_app().await;
    district(&app, "100000000").await;
    let (a, b, c) = tokio::join!(issue(&app), issue(&app), issue(&app));
    for res in [a, b, c] {
        let status = res.status().as_u16();
        assert!(status == 200 || status == 409, "{status}");
        if status == 409 {
            assert_problem(res, 409, "issuance_in_progress").await;
        }
    }
    let report: Value = issue(&app).await.json().await.unwrap();
    let vouchers = all_vouchers(&app).await;
    let kks: HashSet<&str> = vouchers
        .iter()
        .map(|v| v["no_kk"].as_str().unwrap())
        .collect();
    assert_eq!(kks.len(), vouchers.len(), "one voucher per household");
    assert_eq!(vouchers.len() as u64, report["eligible"].as_u64().unwrap());
    let total: i64 = vouchers
        .iter()
        .map(|v| v["face_value"].as_str().unwrap().parse::<i64>().unwrap())
        .sum();
    let lines = budget_lines(&app).await;
    assert_eq!(lines[0]["committed"], total.to_string());
}
story!(
    concurrent_issuance_never_issues_twice_or_overcommits,
    multi_thread
);

async fn issuance_needs_an_open_cycle_and_a_key() {
    let app = spawn_app().await;
    assert_problem(issue(&app).await, 404, "cycle_not_found").await;
    assert_eq!(
        app.post("/v1/cycles", &app.admin, &json!({ "period": "2026-12" }))
            .await
            .status(),
        201
    );
    assert_problem(issue(&app).await, 409, "no_signing_key").await;
    let kader = app.token(relasi::domain::auth::Role::Kader).await;
    let res = app
        .http
        .post(app.url("/v1/cycles/2026-12/issue"))
        .bearer_auth(kader)
        .send()
        .await
        .unwrap();
    assert_problem(res, 403, "forbidden").await;
}
story!(issuance_needs_an_open_cycle_and_a_key);

async fn keys_rotate_and_old_vouchers_still_verify() {
    let app = spawn_app().await;
    district(&app, "100000000").await;
    issue(&app).await;
    let old_token = all_vouchers(&app).await[0]["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let public = relasi::signing::generate(&app.keys_path()).unwrap();
    app.store
        .rotate_signing_key(public, 62 * 86_400, "test")
        .await
        .unwrap();
    let keys: Value = app.get_public("/v1/keys").await;
    let statuses: Vec<&str> = keys["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["retired", "active"]);
    assert!(keys["keys"][0]["verify_until"].is_string());
    assert!(
        app.keyring()
            .await
            .verify(&old_token, 1_796_100_000)
            .is_ok()
    );
    let kid = relasi_token::Kid::from_hex(keys["keys"][0]["kid"].as_str().unwrap()).unwrap();
    app.store.revoke_signing_key(kid, "test").await.unwrap();
    assert_eq!(
        app.keyring()
            .await
            .verify(&old_token, 1_796_100_000)
            .unwrap_err()
            .code(),
        relasi_codes::Code::KeyRevoked
    );
}
story!(keys_rotate_and_old_vouchers_still_verify);

/// Runs a command, failing the test if it is missing (CI installs poppler-utils and zbar-tools).
fn run(cmd: &str, args: &[&str]) -> std::process::Output {
    let out = std::process::Command::new(cmd)
        .args(args)
        .output()
        .unwrap_or_else(|e| {
            panic!("{cmd} is required (apt-get install poppler-utils zbar-tools): {e}")
        });
    assert!(
        out.status.success() || cmd == "zbarimg",
        "{cmd} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

async fn printed_cards_scan_back_to_verified_tokens() {
    let app = spawn_app().await;
    district(&app, "100000000").await;
    issue(&app).await;
    let ampelsari: HashSet<String> = all_vouchers(&app)
        .await
        .iter()
        .filter(|v| v["kode_desa"] == "35.14.05.2007")
        .map(|v| v["token"].as_str().unwrap().to_owned())
        .collect();
    assert!(ampelsari.len() > 8, "more than one page of cards");
    let kader = app.token(relasi::domain::auth::Role::Kader).await;
    let res = app
        .get("/v1/cycles/2026-12/cards.pdf?desa=35.14.05.2007", &kader)
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "application/pdf");
    let pdf = res.bytes().await.unwrap();
    // A kader downloads this over mobile data: at most 8 KB a card, fonts and all.
    assert!(
        pdf.len() <= 8 * 1024 * ampelsari.len(),
        "{} bytes for {} cards",
        pdf.len(),
        ampelsari.len()
    );
    let dir = tempfile::tempdir().unwrap();
    let pdf_path = dir.path().join("cards.pdf");
    std::fs::write(&pdf_path, &pdf).unwrap();
    let prefix = dir.path().join("page");
    run(
        "pdftoppm",
        &[
            "-r",
            "200",
            "-png",
            pdf_path.to_str().unwrap(),
            prefix.to_str().unwrap(),
        ],
    );
    let mut pages: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "png"))
        .map(|p| p.to_str().unwrap().to_owned())
        .collect();
    pages.sort();
    assert_eq!(pages.len(), ampelsari.len().div_ceil(8));
    // QR only: zbar also scans 1-D symbologies and can "find" one in a page of QR modules.
    let mut args = vec!["--quiet", "--raw", "-Sdisable", "-Sqrcode.enable"];
    args.extend(pages.iter().map(String::as_str));
    let decoded_out = run("zbarimg", &args);
    let decoded: HashSet<String> = String::from_utf8(decoded_out.stdout)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect();
    assert_eq!(
        decoded, ampelsari,
        "every card scans, and only this desa's cards are printed"
    );
    let keyring = app.keyring().await;
    for token in &decoded {
        keyring.verify(token, 1_796_100_000).unwrap();
    }
    // Nothing about health status on the card.
    let text = String::from_utf8_lossy(&pdf).to_ascii_lowercase();
    assert!(!text.contains("stunting") && !text.contains("hamil") && !text.contains("baduta"));
    // The hand-over list has a line per card and a signature column.
    let list = app
        .get("/v1/cycles/2026-12/handover.csv?desa=35.14.05.2007", &kader)
        .await
        .text()
        .await
        .unwrap();
    assert!(list.starts_with(
        "no,no_kartu,nama_kepala_keluarga,nilai,desa,tanggal_serah,tanda_tangan_penerima"
    ));
    assert_eq!(list.lines().count(), ampelsari.len() + 1);
    assert_problem(
        app.get(
            "/v1/cycles/2026-12/cards.pdf?desa=35.14.05.2099",
            &app.admin,
        )
        .await,
        422,
        "unknown_desa",
    )
    .await;
    // A kader of Ampelsari prints no other desa's cards.
    assert_problem(
        app.get("/v1/cycles/2026-12/cards.pdf?desa=35.14.05.2005", &kader)
            .await,
        403,
        "outside_area",
    )
    .await;
    let merchant = app.merchant("Toko").await;
    let shop = app.merchant_token(merchant).await;
    assert_problem(
        app.get("/v1/cycles/2026-12/cards.pdf?desa=35.14.05.2007", &shop)
            .await,
        403,
        "forbidden",
    )
    .await;
}
story!(printed_cards_scan_back_to_verified_tokens);

async fn voucher_detail_and_qr_images() {
    let app = spawn_app().await;
    district(&app, "100000000").await;
    issue(&app).await;
    let v = all_vouchers(&app).await[0].clone();
    let id = v["id"].as_str().unwrap();
    let detail: Value = app
        .get(&format!("/v1/vouchers/{id}"), &app.admin)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(detail["balance"], detail["face_value"]);
    assert_eq!(detail["status"], "active");
    let svg = app
        .get(&format!("/v1/vouchers/{id}/qr.svg"), &app.admin)
        .await;
    assert_eq!(svg.headers()["content-type"], "image/svg+xml");
    assert!(svg.text().await.unwrap().starts_with("<?xml"));
    let png = app
        .get(&format!("/v1/vouchers/{id}/qr.png"), &app.admin)
        .await;
    assert_eq!(png.headers()["content-type"], "image/png");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("qr.png");
    std::fs::write(&path, png.bytes().await.unwrap()).unwrap();
    let out = run(
        "zbarimg",
        &[
            "--quiet",
            "--raw",
            "-Sdisable",
            "-Sqrcode.enable",
            path.to_str().unwrap(),
        ],
    );
    assert_eq!(String::from_utf8(out.stdout).unwrap().trim(), v["token"]);
    assert_problem(
        app.get("/v1/vouchers/0123", &app.admin).await,
        404,
        "not_found",
    )
    .await;
    assert_problem(
        app.get("/v1/vouchers/00000000000000000000000000000000", &app.admin)
            .await,
        404,
        "not_found",
    )
    .await;
    assert_problem(
        app.get("/v1/vouchers?period=2026-13", &app.admin).await,
        422,
        "validation_failed",
    )
    .await;
}
story!(voucher_detail_and_qr_images);

/// A budget line taken by someone else between judging and storing (a trigger stands in for
/// the other writer here): issuance answers 409 `budget_exhausted` and stores nothing.
async fn a_budget_line_taken_while_issuing_is_409_budget_exhausted() {
    let app = spawn_app().await;
    district(&app, "100000000").await;
    let raw = app.db.raw().await;
    match &raw {
        crate::support::RawDb::Sqlite(_) => raw
            .execute(
                "create trigger take_the_budget after insert on vouchers \
                 begin update budget_lines set committed_rp = amount_rp; end",
            )
            .await
            .unwrap(),
        crate::support::RawDb::Postgres(_) => {
            raw.execute(
                "create function take_the_budget() returns trigger language plpgsql as \
                 $$ begin update budget_lines set committed_rp = amount_rp; return null; end $$",
            )
            .await
            .unwrap();
            raw.execute(
                "create trigger take_the_budget after insert on vouchers \
                 for each statement execute function take_the_budget()",
            )
            .await
            .unwrap()
        }
    };
    assert_problem(issue(&app).await, 409, "budget_exhausted").await;
    assert!(all_vouchers(&app).await.is_empty());
    let lines = budget_lines(&app).await;
    assert_eq!(lines[0]["committed"], "0");
}
story!(a_budget_line_taken_while_issuing_is_409_budget_exhausted);
