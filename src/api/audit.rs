//! The auditor's check over HTTP: the admin audit chain, every voucher's journal, the signed
//! checkpoints and the stored receipts (`jobs::audit::verify`).

use super::AppState;
use super::error::ApiResult;
use super::extract::Caller;
use crate::domain::auth::Role;
use crate::jobs::audit::{TrustedKeys, verify as verify_all};
use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Value, json};

pub(super) fn router() -> Router<AppState> {
    Router::new().route("/v1/audit/verify", get(verify))
}

/// `GET /v1/audit/verify` (auditor, admin): `{ok, records, head_hash, broken_at?, journal,
/// tokens, checkpoints, receipts}`; each part names its first break. Signatures are checked against the
/// keys this server publishes; an auditor who kept a copy of `GET /v1/keys` can check against
/// it with `relasi audit verify --keys FILE`.
async fn verify(State(state): State<AppState>, caller: Caller) -> ApiResult<Json<Value>> {
    caller.require_district_role(&[Role::Auditor, Role::Admin])?;
    let keys = TrustedKeys::published(&state.store).await?;
    let r = verify_all(&state.store, &state.deployment, &keys).await?;
    let mut body = json!({
        "ok": r.intact(),
        "records": r.audit_records,
        "head_hash": r.audit_head,
        "journal": { "ok": r.journal_break.is_none(), "vouchers": r.vouchers, "entries": r.entries, "broken_at": r.journal_break },
        "tokens": { "ok": r.token_break.is_none(), "broken_at": r.token_break },
        "checkpoints": { "ok": r.checkpoint_break.is_none(), "count": r.checkpoints, "sealed_through_entry_id": r.sealed_through_entry_id, "broken_at": r.checkpoint_break },
        "receipts": { "ok": r.receipt_break.is_none(), "count": r.receipts, "broken_at": r.receipt_break },
    });
    if let Some(b) = &r.audit_break {
        body["broken_at"] = json!(b);
    }
    Ok(Json(body))
}
