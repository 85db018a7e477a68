//! The auditor's check of the tamper-evident chain.

use super::AppState;
use super::error::ApiResult;
use super::extract::Caller;
use crate::domain::audit::verify_chain;
use crate::domain::auth::Role;
use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Value, json};

pub(super) fn router() -> Router<AppState> {
    Router::new().route("/v1/audit/verify", get(verify))
}

/// `GET /v1/audit/verify` (auditor, admin): `{ok, records, head_hash}` or the first break.
async fn verify(State(state): State<AppState>, caller: Caller) -> ApiResult<Json<Value>> {
    caller.require(&[Role::Auditor, Role::Admin])?;
    let records = state.store.audit_records().await?;
    let head = records.last().map(|r| r.hash.clone());
    Ok(Json(match verify_chain(&records) {
        Ok(()) => json!({ "ok": true, "records": records.len(), "head_hash": head }),
        Err(broken) => {
            json!({ "ok": false, "records": records.len(), "head_hash": head, "broken_at": broken })
        }
    }))
}
