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
