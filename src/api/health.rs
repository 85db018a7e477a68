//! Liveness, readiness and Prometheus metrics. No authentication, no rate limit.

use super::AppState;
use super::error::{ApiError, ApiResult};
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::{Json, Router};
use relasi_codes::Code;
use serde_json::{Value, json};
use std::time::Duration;

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics_text))
}

/// The process is up.
async fn healthz() -> Json<Value> {
    Json(json!({ "status": "ok" }))
}

/// Ready: the database answers within two seconds, and when a signing key is active this server
/// holds its private file (without it no receipt can be signed, so no sale can be answered).
/// A deployment with no key yet is ready (`signing_key: none`): it has nothing to sign.
async fn readyz(State(state): State<AppState>) -> ApiResult<Json<Value>> {
    let database = tokio::time::timeout(Duration::from_secs(2), state.store.ping()).await;
    match database {
        Ok(Ok(())) => {}
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "readiness check failed: database");
            return Err(ApiError::new(Code::NotReady).detail("database"));
        }
        Err(_) => return Err(ApiError::new(Code::NotReady).detail("database")),
    }
    let signing_key = signing_key_state(&state).await?;
    if signing_key == "missing" {
        tracing::warn!(
            "readiness check failed: the active signing key's file is not in RELASI_KEY_DIR"
        );
        return Err(ApiError::new(Code::NotReady).detail("signing key"));
    }
    Ok(Json(json!({
        "status": "ready",
        "database": state.store.backend().name(),
        "signing_key": signing_key,
    })))
}

/// `loaded`, `none` (no active key published) or `missing` (published, but its file is not here).
async fn signing_key_state(state: &AppState) -> ApiResult<&'static str> {
    let not_ready = |_| ApiError::new(Code::NotReady).detail("database");
    if state.keys.signer().await.map_err(not_ready)?.is_some() {
        return Ok("loaded");
    }
    let keys = state.store.signing_keys().await.map_err(not_ready)?;
    Ok(if crate::signing::active(&keys).is_ok() {
        "missing"
    } else {
        "none"
    })
}

/// Prometheus text exposition; the gauges of what exists now (database pool, the sale batch
/// queue) are read at scrape time.
async fn metrics_text(State(state): State<AppState>) -> impl IntoResponse {
    for (pool, size, idle, max) in state.store.pool_use() {
        metrics::gauge!("relasi_db_pool_connections", "pool" => pool, "state" => "open")
            .set(f64::from(size));
        metrics::gauge!("relasi_db_pool_connections", "pool" => pool, "state" => "idle")
            .set(idle as f64);
        metrics::gauge!("relasi_db_pool_connections", "pool" => pool, "state" => "max")
            .set(f64::from(max));
    }
    if let Some(batch) = state.store.sale_batch_stats() {
        metrics::gauge!("relasi_sale_batch_queue_depth").set(batch.queued as f64);
        metrics::gauge!("relasi_sale_batch_committed_batches").set(batch.committed_batches as f64);
        metrics::gauge!("relasi_sale_batch_committed_sales").set(batch.committed_sales as f64);
        metrics::gauge!("relasi_sale_batch_rolled_back_batches")
            .set(batch.rolled_back_batches as f64);
    }
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        state.metrics.render(),
    )
}
