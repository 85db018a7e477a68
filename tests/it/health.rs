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

/// The value of the first sample of `name` whose labels hold every one of `labels`.
fn sample(text: &str, name: &str, labels: &[&str]) -> Option<f64> {
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .filter(|l| l.split(['{', ' ']).next() == Some(name))
        .find(|l| labels.iter().all(|label| l.contains(label)))
        .and_then(|l| l.rsplit(' ').next()?.parse().ok())
}

/// Issuing and reconciling a month through the API show up as the jobs' runs and durations and
/// the vouchers issued; the sale queue's depth is read at every scrape.
async fn metrics_show_issuance_and_reconciliation_runs_and_the_sale_queue() {
    let app = spawn_app().await;
    crate::reconcile::month(&app, 3, &[], "").await;
    let finance = app.token(relasi::domain::auth::Role::Finance).await;
    let res = app
        .post(
            "/v1/reconciliations",
            &finance,
            &serde_json::json!({ "period": crate::reconcile::PERIOD }),
        )
        .await;
    assert_eq!(res.status(), 201, "{}", res.text().await.unwrap());
    let text = app
        .http
        .get(app.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for job in ["issuance", "reconciliation"] {
        let job = format!("job=\"{job}\"");
        let runs = sample(&text, "relasi_job_runs_total", &[&job, "outcome=\"ok\""]);
        assert!(runs.is_some_and(|n| n >= 1.0), "{job} runs:\n{text}");
        assert!(
            sample(&text, "relasi_job_duration_seconds_count", &[&job]).is_some_and(|n| n >= 1.0)
                || sample(&text, "relasi_job_duration_seconds_bucket", &[&job]).is_some(),
            "{job} duration:\n{text}"
        );
    }
    // The counter is the process's: other tests issue too, so at least this test's three.
    let issued = sample(&text, "relasi_vouchers_issued_total", &[]);
    assert!(issued.is_some_and(|n| n >= 3.0), "vouchers issued:\n{text}");
    let depth = sample(&text, "relasi_sale_batch_queue_depth", &[]);
    assert!(depth.is_some_and(|n| n >= 0.0), "queue depth:\n{text}");
}
story!(metrics_show_issuance_and_reconciliation_runs_and_the_sale_queue);

/// The real binary with `RELASI_LOG_FORMAT=json` writes one JSON object a line, and a logged
/// request's line carries its request id (the proxy's, here) in its span.
async fn json_logs_carry_the_request_id() {
    let app = spawn_app().await;
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let log_dir = tempfile::tempdir().unwrap();
    let log_path = log_dir.path().join("relasi.log");
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_relasi"))
        .arg("serve")
        .env("DATABASE_URL", &app.db.url)
        .env("RELASI_BIND", format!("127.0.0.1:{port}"))
        .env("RELASI_KEY_DIR", app.keys_path())
        .env("RELASI_LOG_FORMAT", "json")
        // tower-http logs each answer at debug, inside the request's span.
        .env("RUST_LOG", "info,sqlx=warn,tower_http=debug")
        .env_remove("RELASI_DEPLOYMENT_ID")
        .stdout(std::process::Stdio::null())
        .stderr(std::fs::File::create(&log_path).unwrap())
        .spawn()
        .unwrap();
    let base = format!("http://127.0.0.1:{port}");
    let mut answered = false;
    for _ in 0..600 {
        let res = app
            .http
            .get(format!("{base}/healthz"))
            .header("x-request-id", "log-json-42")
            .send()
            .await;
        if res.is_ok_and(|r| r.status() == 200) {
            answered = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let _ = child.kill();
    let _ = child.wait();
    assert!(answered, "the server did not answer");
    let log = std::fs::read_to_string(&log_path).unwrap();
    // Log records are JSON, one a line; what the CLI itself prints for a person (where it
    // listens) is not a log record.
    let lines: Vec<Value> = log
        .lines()
        .filter(|l| l.starts_with('{'))
        .map(|l| serde_json::from_str(l).unwrap_or_else(|_| panic!("not JSON: {l}")))
        .collect();
    assert!(!lines.is_empty(), "no JSON log line:\n{log}");
    assert!(
        lines
            .iter()
            .any(|l| l["span"]["request_id"] == "log-json-42" && l["span"]["route"] == "/healthz"),
        "no line of the request:\n{log}"
    );
}
story!(json_logs_carry_the_request_id);
