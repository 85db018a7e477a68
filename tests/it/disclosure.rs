//! Exports show KK numbers in clear only to the roles that need them (SECURITY.md "Who sees NIK
//! and KK"): a reconciliation's findings to finance, voucher listings to the admin; every other
//! reader gets `3514••••••••0002` in the JSON view, CSV, XLSX and PDF alike.

use crate::helpers::{TestApp, spawn_app};
use crate::reconcile::{PERIOD, households, import_at, kk, month, pdf_text, sell, shop, wib};
use relasi::domain::auth::Role;
use serde_json::{Value, json};

/// Every text an export holds, whatever its format.
async fn export_text(app: &TestApp, reader: &str, path: &str) -> String {
    let res = app.get(path, reader).await;
    assert_eq!(res.status(), 200, "{path}");
    let bytes = res.bytes().await.unwrap();
    if path.ends_with(".xlsx") {
        xlsx_text(&bytes)
    } else if path.ends_with(".pdf") {
        let dir = tempfile::tempdir().unwrap();
        let pdf = dir.path().join("laporan.pdf");
        std::fs::write(&pdf, &bytes).unwrap();
        pdf_text(&pdf, dir.path())
    } else {
        String::from_utf8(bytes.to_vec()).unwrap()
    }
}

fn xlsx_text(bytes: &[u8]) -> String {
    use calamine::Reader;
    let mut book: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes.to_vec())).unwrap();
    let mut text = String::new();
    for name in book.sheet_names() {
        let range = book.worksheet_range(&name).unwrap();
        for row in range.rows() {
            for cell in row {
                text.push_str(&cell.to_string());
                text.push('\n');
            }
        }
    }
    text
}

async fn exports_show_kk_only_to_roles_that_need_it() {
    let app = spawn_app().await;
    let v = month(&app, 3, &[], "").await;
    // Household 2 moves before its sale: a finding that names its KK.
    import_at(&app, households(3, &[], &[(2, "pindah")]), "2026-10-10").await;
    let a = shop(&app, "Toko Adil").await;
    sell(&app, a, &v[2].1, 30_000, wib("15 10:00:00")).await;
    let finance = app.token(Role::Finance).await;
    let auditor = app.token(Role::Auditor).await;
    let res = app
        .post(
            "/v1/reconciliations",
            &finance,
            &json!({ "period": PERIOD }),
        )
        .await;
    assert_eq!(res.status(), 201);
    let run: Value = res.json().await.unwrap();
    let (clear, masked) = (kk(2), "3514••••••••1002");
    for ext in ["", ".csv", ".xlsx", ".pdf"] {
        let path = format!("/v1/reconciliations/{}{ext}", run["id"]);
        let seen = export_text(&app, &finance, &path).await;
        assert!(seen.contains(&clear), "finance reads {ext:?} in clear");
        let seen = export_text(&app, &auditor, &path).await;
        assert!(!seen.contains(&clear), "the auditor's {ext:?} names a KK");
        if ext != ".pdf" {
            // (The PDF's text is read back from its rendering, where `•` may not survive.)
            assert!(
                seen.contains(masked),
                "the auditor's {ext:?} shows the mask"
            );
        }
    }

    // Voucher listings: the admin in clear, the issuer masked.
    let issuer = app.token(Role::Issuer).await;
    let list = format!("/v1/vouchers?period={PERIOD}");
    let one = format!("/v1/vouchers/{}", v[2].0);
    for path in [&list, &one] {
        assert!(export_text(&app, &app.admin, path).await.contains(&clear));
        let seen = export_text(&app, &issuer, path).await;
        assert!(!seen.contains(&clear) && seen.contains(masked), "{seen}");
    }
}
story!(exports_show_kk_only_to_roles_that_need_it);
