//! Liveness, readiness, metrics and the public key listing.

use crate::helpers::spawn_app;
use serde_json::Value;

async fn healthz_and_readyz_answer_200() {
    let app = spawn_app().await;
    let res = app.http.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let res = app.http.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["database"], app.db.backend.name());
}
story!(healthz_and_readyz_answer_200);

async fn readyz_is_503_problem_when_the_database_is_gone() {
    let app = spawn_app().await;
    app.store.close().await;
    let res = app.http.get(app.url("/readyz")).send().await.unwrap();
    crate::helpers::assert_problem(res, 503, "not_ready").await;
}
story!(readyz_is_503_problem_when_the_database_is_gone);

async fn metrics_count_requests_by_route() {
    let app = spawn_app().await;
    app.http.get(app.url("/healthz")).send().await.unwrap();
    let text = app
        .http
        .get(app.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(text.contains("relasi_http_requests_total"), "{text}");
    assert!(text.contains("route=\"/healthz\""), "{text}");
}
story!(metrics_count_requests_by_route);

async fn keys_publish_the_deployment_id_and_revocations_page() {
    let app = spawn_app().await;
    let keys = app.get_public("/v1/keys").await;
    assert_eq!(keys["deployment_id"], "test-35.14");
    assert!(keys["keys"].is_array());
    let rev = app.get_public("/v1/revocations?since=0").await;
    assert_eq!(rev["revoked"], serde_json::json!([]));
    assert_eq!(rev["complete"], true);
    let bad = app
        .http
        .get(app.url("/v1/revocations?since=yesterday"))
        .send()
        .await
        .unwrap();
    crate::helpers::assert_problem(bad, 422, "validation_failed").await;
}
story!(keys_publish_the_deployment_id_and_revocations_page);

async fn readyz_names_the_signing_key_and_is_503_when_its_file_is_missing() {
    let app = spawn_app().await;
    let body: Value = app
        .http
        .get(app.url("/readyz"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(body["signing_key"], "none");
    app.generate_key().await;
    let body: Value = app
        .http
        .get(app.url("/readyz"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(body["signing_key"], "loaded");
    // A second server over the same database whose key directory lacks the file.
    let other = tempfile::tempdir().unwrap();
    let config = relasi::Config {
        key_dir: other.path().join("keys"),
        ..relasi::Config::default()
    };
    let deployment = app.store.deployment_id().await.unwrap().unwrap();
    let base =
        crate::support::serve(relasi::AppState::new(app.store.clone(), config, deployment)).await;
    let res = app.http.get(format!("{base}/readyz")).send().await.unwrap();
    let problem = crate::helpers::assert_problem(res, 503, "not_ready").await;
    assert_eq!(problem["detail"], "signing key");
}
story!(readyz_names_the_signing_key_and_is_503_when_its_file_is_missing);

async fn every_answer_carries_a_request_id_and_problems_name_it() {
    let app = spawn_app().await;
    let res = app.http.get(app.url("/healthz")).send().await.unwrap();
    let id = res.headers()["x-request-id"].to_str().unwrap().to_owned();
    assert_eq!(id.len(), 24);
    // A proxy's id is kept; a problem body names it.
    let res = app
        .http
        .get(app.url("/v1/budgets"))
        .header("x-request-id", "proxy-abc.123")
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["x-request-id"], "proxy-abc.123");
    let problem = crate::helpers::assert_problem(res, 401, "unauthorized").await;
    assert_eq!(problem["request_id"], "proxy-abc.123");
    // An id that is not a plain token is replaced.
    let res = app
        .http
        .get(app.url("/nowhere"))
        .header("x-request-id", "a b<script>")
        .send()
        .await
        .unwrap();
    let id = res.headers()["x-request-id"].to_str().unwrap().to_owned();
    assert_ne!(id, "a b<script>");
    let problem = crate::helpers::assert_problem(res, 404, "not_found").await;
    assert_eq!(problem["request_id"], id.as_str());
}
story!(every_answer_carries_a_request_id_and_problems_name_it);

async fn metrics_show_sales_by_code_latency_histograms_pools_and_jobs() {
    let app = spawn_app().await;
    let shop = app.merchant("Kios Metrik").await;
    let token = app.merchant_token(shop).await;
    let res = app
        .http
        .post(app.url("/v1/redemptions"))
        .bearer_auth(&token)
        .header("idempotency-key", "metrics-1")
        .header("relasi-offline-sale", "1")
        .json(&serde_json::json!({ "token": "RLS1:NOTATOKEN", "amount": "1000" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    let text = app
        .http
        .get(app.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for needle in [
        "relasi_redemptions_total{outcome=\"declined\",code=\"malformed_token\"}",
        "relasi_offline_sales_synced_total{outcome=\"declined\",code=\"malformed_token\"}",
        "relasi_http_request_duration_seconds_bucket{",
        "relasi_db_pool_connections{",
    ] {
        assert!(text.contains(needle), "metrics lack {needle}:\n{text}");
    }
}
story!(metrics_show_sales_by_code_latency_histograms_pools_and_jobs);
