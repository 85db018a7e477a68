//! Every error is problem+json with a stable code; bad input changes nothing and never gets a 500.

use crate::helpers::{assert_problem, spawn_app, spawn_app_with};
use relasi::api::Config;
use relasi::domain::auth::Role;
use serde_json::json;

async fn missing_bad_and_malformed_tokens_are_401() {
    let app = spawn_app().await;
    let body = json!({ "name": "Toko", "kode_desa": "35.14.05.2005" });
    let res = app
        .http
        .post(app.url("/v1/merchants"))
        .json(&body)
        .send()
        .await
        .unwrap();
    let res_headers = res.headers().clone();
    assert_problem(res, 401, "unauthorized").await;
    assert_eq!(res_headers.get("www-authenticate").unwrap(), "Bearer");
    for header in [
        "Bearer rls_notarealtoken",
        "Basic YWRtaW46YWRtaW4=",
        "Bearer",
        "rls_x",
        &format!("Bearer rls_{}", "a".repeat(500)),
    ] {
        let res = app
            .http
            .post(app.url("/v1/merchants"))
            .header("authorization", header)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_problem(res, 401, "unauthorized").await;
    }
    assert_eq!(app.store.count_merchants().await.unwrap(), 0);
}
story!(missing_bad_and_malformed_tokens_are_401);

async fn wrong_role_is_403_and_changes_nothing() {
    let app = spawn_app().await;
    let shop = app.merchant("Toko Satu").await;
    let body = json!({ "name": "Toko Dua", "kode_desa": "35.14.05.2005" });
    for token in [
        app.merchant_token(shop).await,
        app.token(Role::Kader).await,
        app.token(Role::Auditor).await,
    ] {
        assert_problem(
            app.post("/v1/merchants", &token, &body).await,
            403,
            "forbidden",
        )
        .await;
    }
    assert_eq!(app.store.count_merchants().await.unwrap(), 1);
    // A shop reads its own record, not another's.
    let other = app.merchant("Toko Tiga").await;
    let own = app.merchant_token(shop).await;
    assert_eq!(
        app.get(&format!("/v1/merchants/{}", shop.0), &own)
            .await
            .status(),
        200
    );
    assert_problem(
        app.get(&format!("/v1/merchants/{}", other.0), &own).await,
        403,
        "forbidden",
    )
    .await;
}
story!(wrong_role_is_403_and_changes_nothing);

async fn oversized_body_is_413_problem_and_changes_nothing() {
    let app = spawn_app_with(Config {
        body_limit_bytes: 4096,
        ..Config::default()
    })
    .await;
    let body = json!({ "name": "x".repeat(10_000), "kode_desa": "35.14.05.2005" });
    assert_problem(
        app.post("/v1/merchants", &app.admin, &body).await,
        413,
        "payload_too_large",
    )
    .await;
    // Also without a Content-Length the limit holds (chunked body).
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> =
        vec![Ok(vec![b' '; 3000]), Ok(vec![b' '; 3000])];
    let res = app
        .http
        .post(app.url("/v1/merchants"))
        .bearer_auth(&app.admin)
        .header("content-type", "application/json")
        .body(reqwest::Body::wrap_stream(futures_stream(chunks)))
        .send()
        .await
        .unwrap();
    assert_problem(res, 413, "payload_too_large").await;
    assert_eq!(app.store.count_merchants().await.unwrap(), 0);
}
story!(oversized_body_is_413_problem_and_changes_nothing);

fn futures_stream(
    items: Vec<Result<Vec<u8>, std::io::Error>>,
) -> impl futures_core::Stream<Item = Result<Vec<u8>, std::io::Error>> + Send + 'static {
    tokio_stream::iter(items)
}

async fn unreadable_requests_are_400_415_404_405() {
    let app = spawn_app().await;
    let send = |body: &'static str, content_type: &'static str| {
        app.http
            .post(app.url("/v1/merchants"))
            .bearer_auth(&app.admin)
            .header("content-type", content_type)
            .body(body)
            .send()
    };
    assert_problem(
        send("{not json", "application/json").await.unwrap(),
        400,
        "invalid_json",
    )
    .await;
    assert_problem(
        send("{\"name\": 5, \"kode_desa\": []}", "application/json")
            .await
            .unwrap(),
        400,
        "invalid_json",
    )
    .await;
    assert_problem(
        send("[]", "application/json").await.unwrap(),
        400,
        "invalid_json",
    )
    .await;
    assert_problem(
        send("name=x", "application/x-www-form-urlencoded")
            .await
            .unwrap(),
        415,
        "unsupported_media_type",
    )
    .await;
    assert_problem(
        app.get("/v1/nothing-here", &app.admin).await,
        404,
        "not_found",
    )
    .await;
    assert_problem(
        app.http
            .delete(app.url("/v1/budgets"))
            .send()
            .await
            .unwrap(),
        405,
        "method_not_allowed",
    )
    .await;
    assert_problem(
        app.get("/v1/merchants/abc", &app.admin).await,
        404,
        "not_found",
    )
    .await;
    assert_problem(
        app.get("/v1/merchants/999999", &app.admin).await,
        404,
        "not_found",
    )
    .await;
    assert_eq!(app.store.count_merchants().await.unwrap(), 0);
}
story!(unreadable_requests_are_400_415_404_405);

async fn hostile_bodies_never_get_a_5xx() {
    let app = spawn_app().await;
    let routes = ["/v1/merchants", "/v1/budgets", "/v1/lokus", "/v1/cycles"];
    let bodies = [
        "",
        "null",
        "0",
        "\"x\"",
        "{}",
        "[]",
        "{\"year\": 1e400}",
        "{\"year\": -99999999999999999999}",
        "{\"period\": \"2026-13\"}",
        "{\"period\": \"\\u0000\"}",
        "{\"amount\": \"-1\", \"year\": 2026, \"sumber_dana\": \"APBD\", \"kode_wilayah\": \"35.14\"}",
        "{\"name\": \"\", \"kode_desa\": \"35.14.05.2005\"}",
        "{\"year\": 2026, \"desa\": []}",
        "{\"year\": 2026, \"desa\": [\"99.99.99.9999\"]}",
        "{\"name\": \"Toko\", \"kode_desa\": \"35.14.05\"}",
        "{\"year\": 2026, \"sumber_dana\": \"APBD\", \"kode_wilayah\": \"35.14\", \"amount\": \"1\", \"programme\": 99}",
    ];
    for route in routes {
        for body in bodies {
            let res = app
                .http
                .post(app.url(route))
                .bearer_auth(&app.admin)
                .header("content-type", "application/json")
                .body(body)
                .send()
                .await
                .unwrap();
            let status = res.status().as_u16();
            assert!(status < 500, "{route} {body} → {status}");
            if status >= 400 {
                assert_eq!(
                    res.headers()["content-type"],
                    "application/problem+json",
                    "{route} {body}"
                );
            }
        }
    }
    let invalid_utf8 = app
        .http
        .post(app.url("/v1/merchants"))
        .bearer_auth(&app.admin)
        .header("content-type", "application/json")
        .body(vec![b'{', 0xff, 0xfe, b'}'])
        .send()
        .await
        .unwrap();
    assert_problem(invalid_utf8, 400, "invalid_json").await;
    assert_eq!(app.store.count_merchants().await.unwrap(), 0);
}
story!(hostile_bodies_never_get_a_5xx);

/// Stored data that does not parse is our fault, not the caller's: 500 `internal`, logged, and
/// nothing of the store's own words in the answer.
async fn a_corrupt_stored_row_is_500_internal_without_internal_text() {
    let app = spawn_app().await;
    let shop = app.merchant("Toko Rusak").await;
    let raw = app.db.raw().await;
    raw.execute_owned(format!(
        "insert into merchant_categories (merchant_id, category) values ({}, 'Bukan Kategori!')",
        shop.0
    ))
    .await
    .unwrap();
    let res = app
        .get(&format!("/v1/merchants/{}", shop.0), &app.admin)
        .await;
    no_internal_text(assert_problem(res, 500, "internal").await);
    raw.execute("update programmes set categories = 'susu,Bukan Kategori!'")
        .await
        .unwrap();
    let res = app.get("/v1/programmes", &app.admin).await;
    no_internal_text(assert_problem(res, 500, "internal").await);
}
story!(a_corrupt_stored_row_is_500_internal_without_internal_text);

fn no_internal_text(problem: serde_json::Value) {
    let detail = problem["detail"].as_str().unwrap_or_default();
    for word in [
        "stored",
        "malformed",
        "out of range",
        "bukan_kategori",
        "categor",
    ] {
        assert!(!detail.contains(word), "{problem}");
    }
}
