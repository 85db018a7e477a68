//! Admin set-up through the API: shops, budget lines, lokus, cycles.

use crate::helpers::{assert_problem, spawn_app};
use relasi::domain::auth::Role;
use serde_json::{Value, json};

async fn merchant_is_registered_with_its_areas() {
    let app = spawn_app().await;
    let res = app
        .post(
            "/v1/merchants",
            &app.admin,
            &json!({ "name": "  Toko Berkah ", "kode_desa": "35.14.05.2005", "service_area": ["35.14.05", "35.14.04.2001"], "categories": ["susu", "mpasi"] }),
        )
        .await;
    assert_eq!(res.status(), 201);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["name"], "Toko Berkah");
    assert_eq!(body["service_area"], json!(["35.14.04.2001", "35.14.05"]));
    assert_eq!(body["categories"], json!(["mpasi", "susu"]));
    assert_eq!(body["status"], "active");
    // Defaults: own desa, all default categories.
    let res = app
        .post(
            "/v1/merchants",
            &app.admin,
            &json!({ "name": "Kios", "kode_desa": "35.14.05.2016" }),
        )
        .await;
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["service_area"], json!(["35.14.05.2016"]));
    assert_eq!(body["categories"].as_array().unwrap().len(), 5);
}
story!(merchant_is_registered_with_its_areas);

async fn merchant_with_unknown_area_or_bad_fields_is_422_and_not_written() {
    let app = spawn_app().await;
    let cases = [
        (
            json!({ "name": "T", "kode_desa": "35.14.05.2099" }),
            "unknown_wilayah",
        ),
        (
            json!({ "name": "T", "kode_desa": "35.14.05.2005", "service_area": ["35.99"] }),
            "unknown_wilayah",
        ),
        (
            json!({ "name": "T", "kode_desa": "35.14.05" }),
            "validation_failed",
        ),
        (
            json!({ "name": " ", "kode_desa": "35.14.05.2005" }),
            "validation_failed",
        ),
        (
            json!({ "name": "T", "kode_desa": "35.14.05.2005", "categories": ["Rokok!"] }),
            "validation_failed",
        ),
        (
            json!({ "name": "T", "kode_desa": "35-14" }),
            "validation_failed",
        ),
    ];
    for (body, code) in cases {
        assert_problem(
            app.post("/v1/merchants", &app.admin, &body).await,
            422,
            code,
        )
        .await;
    }
    assert_eq!(app.store.count_merchants().await.unwrap(), 0);
}
story!(merchant_with_unknown_area_or_bad_fields_is_422_and_not_written);

async fn budget_lines_are_added_by_admin_or_finance_and_validated() {
    let app = spawn_app().await;
    let finance = app.token(Role::Finance).await;
    let body = json!({ "year": 2026, "sumber_dana": "APBD", "kode_wilayah": "35.14", "amount": "150000000" });
    let res = app.post("/v1/budgets", &finance, &body).await;
    assert_eq!(res.status(), 201);
    let line: Value = res.json().await.unwrap();
    assert_eq!(line["amount"], "150000000");
    assert_eq!(line["committed"], "0");
    let issuer = app.token(Role::Issuer).await;
    assert_problem(
        app.post("/v1/budgets", &issuer, &body).await,
        403,
        "forbidden",
    )
    .await;
    for (bad, code) in [
        (
            json!({ "year": 2026, "sumber_dana": "APBD", "kode_wilayah": "35.14", "amount": "-5" }),
            "validation_failed",
        ),
        (
            json!({ "year": 2026, "sumber_dana": "APBD", "kode_wilayah": "35.14", "amount": "1.5" }),
            "validation_failed",
        ),
        (
            json!({ "year": 2026, "sumber_dana": "HIBAH", "kode_wilayah": "35.14", "amount": "5" }),
            "validation_failed",
        ),
        (
            json!({ "year": 2026, "sumber_dana": "APBD", "kode_wilayah": "35.99", "amount": "5" }),
            "unknown_wilayah",
        ),
        (
            json!({ "year": 2027, "sumber_dana": "APBD", "kode_wilayah": "35.14", "amount": "5" }),
            "validation_failed",
        ),
    ] {
        assert_problem(app.post("/v1/budgets", &app.admin, &bad).await, 422, code).await;
    }
    assert_problem(
        app.post("/v1/budgets", &app.admin, &json!({ "year": 2026, "sumber_dana": "APBD", "kode_wilayah": "35.14", "amount": "5", "programme": 9 })).await,
        404,
        "programme_not_found",
    )
    .await;
    let lines: Value = app.get("/v1/budgets", &finance).await.json().await.unwrap();
    assert_eq!(lines.as_array().unwrap().len(), 1);
}
story!(budget_lines_are_added_by_admin_or_finance_and_validated);

async fn lokus_are_marked_once_and_unknown_desa_refused() {
    let app = spawn_app().await;
    let body = json!({ "year": 2026, "desa": ["35.14.05.2007", "35.14.05.2005", "35.14.05.2001", "35.14.05.2016"] });
    let first: Value = app
        .post("/v1/lokus", &app.admin, &body)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(first["added"], 4);
    let again: Value = app
        .post("/v1/lokus", &app.admin, &body)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(again["added"], 0);
    assert_eq!(again["total"], 4);
    let bad = json!({ "year": 2026, "desa": ["35.14.05.2007", "35.14.05.2099", "35.14.05"] });
    let problem = assert_problem(
        app.post("/v1/lokus", &app.admin, &bad).await,
        422,
        "unknown_desa",
    )
    .await;
    assert_eq!(problem["errors"], json!(["35.14.05.2099", "35.14.05"]));
    assert_eq!(app.store.lokus(2026).await.unwrap().len(), 4);
}
story!(lokus_are_marked_once_and_unknown_desa_refused);

/// A request as long as the limit allows (`MAX_LOKUS_CODES`), a fifth of it repeats, answers in
/// one go (one query checks the codes, one statement marks them); repeats count once; one code
/// more is refused before any work.
async fn a_full_lokus_request_with_repeats_marks_each_desa_once() {
    let app = spawn_app().await;
    let mut desa: Vec<String> = app
        .store
        .wilayah_names()
        .await
        .unwrap()
        .into_keys()
        .filter(|c| c.matches('.').count() == 3)
        .collect();
    desa.sort();
    desa.truncate(4000);
    assert_eq!(desa.len(), 4000, "the built-in list has this many desa");
    let mut codes = desa.clone();
    codes.extend(desa.iter().rev().take(1000).cloned());
    assert_eq!(codes.len(), 5000);
    let res = app
        .post(
            "/v1/lokus",
            &app.admin,
            &json!({ "year": 2026, "desa": codes }),
        )
        .await;
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["added"], 4000);
    assert_eq!(body["total"], 4000);
    assert_eq!(app.store.lokus(2026).await.unwrap().len(), 4000);
    let again: Value = app
        .post(
            "/v1/lokus",
            &app.admin,
            &json!({ "year": 2026, "desa": codes }),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        (again["added"].as_u64(), again["total"].as_u64()),
        (Some(0), Some(4000))
    );
    // Unknown codes are named once each, whatever their repeats.
    let mut bad = codes[..4998].to_vec();
    bad.extend(["35.14.05.2099".to_owned(), "35.14.05.2099".to_owned()]);
    let problem = assert_problem(
        app.post(
            "/v1/lokus",
            &app.admin,
            &json!({ "year": 2027, "desa": bad }),
        )
        .await,
        422,
        "unknown_desa",
    )
    .await;
    assert_eq!(problem["errors"], json!(["35.14.05.2099"]));
    codes.push(desa[0].clone());
    assert_problem(
        app.post(
            "/v1/lokus",
            &app.admin,
            &json!({ "year": 2027, "desa": codes }),
        )
        .await,
        422,
        "validation_failed",
    )
    .await;
    assert!(app.store.lokus(2027).await.unwrap().is_empty());
}
story!(a_full_lokus_request_with_repeats_marks_each_desa_once);

async fn cycle_opens_once_with_the_local_month_as_validity() {
    let app = spawn_app().await;
    let issuer = app.token(Role::Issuer).await;
    let res = app
        .post("/v1/cycles", &issuer, &json!({ "period": "2026-12" }))
        .await;
    assert_eq!(res.status(), 201);
    let cycle: Value = res.json().await.unwrap();
    assert_eq!(cycle["period"], "2026-12");
    assert_eq!(cycle["valid_from"], "2026-11-30T17:00:00Z");
    assert_eq!(cycle["valid_until"], "2026-12-31T16:59:59Z");
    let res = app
        .post("/v1/cycles", &issuer, &json!({ "period": "2026-12" }))
        .await;
    assert_eq!(res.status(), 200);
    let again: Value = res.json().await.unwrap();
    assert_eq!(again["id"], cycle["id"]);
    for period in ["2026-13", "12-2026", ""] {
        assert_problem(
            app.post("/v1/cycles", &issuer, &json!({ "period": period }))
                .await,
            422,
            "validation_failed",
        )
        .await;
    }
    let backwards = json!({ "period": "2027-01", "valid_from": "2027-01-31T00:00:00Z", "valid_until": "2027-01-01T00:00:00Z" });
    assert_problem(
        app.post("/v1/cycles", &issuer, &backwards).await,
        422,
        "validation_failed",
    )
    .await;
}
story!(cycle_opens_once_with_the_local_month_as_validity);
