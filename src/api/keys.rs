//! Public key material and revocations (what offline merchant clients sync), and the district
//! admin's key management: the first key, rotation, revocation (`usecases::keys`).

use super::AppState;
use super::error::{ApiError, ApiResult};
use super::extract::{ApiJson, Caller};
use crate::domain::auth::Role;
use crate::usecases;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::{DateTime, SecondsFormat, Utc};
use data_encoding::BASE64URL_NOPAD;
use relasi_codes::Code;
use serde::Deserialize;
use serde_json::{Value, json};

/// Most revocations in one answer; clients page with `since`.
const REVOCATIONS_PAGE: i64 = 1000;

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/keys", get(keys))
        .route("/v1/revocations", get(revocations))
        .route("/v1/keys/generate", post(generate))
        .route("/v1/keys/rotate", post(rotate))
        .route("/v1/keys/{kid}/revoke", post(revoke))
}

/// `POST /v1/keys/generate` (district admin) → 201 `{kid}`: the first signing key, its
/// private half written to this server's key directory.
async fn generate(
    State(state): State<AppState>,
    caller: Caller,
) -> ApiResult<(StatusCode, Json<Value>)> {
    caller.require_district_role(&[Role::Admin])?;
    let kid =
        usecases::keys::generate(&state.store, &state.config.key_dir, &caller.actor()).await?;
    Ok((StatusCode::CREATED, Json(json!({ "kid": kid.to_hex() }))))
}

#[derive(Deserialize)]
struct RotateBody {
    #[serde(default = "default_verify_days")]
    verify_days: i64,
}

fn default_verify_days() -> i64 {
    62
}

/// `POST /v1/keys/rotate {verify_days}` (district admin) → 201 `{kid}` of the new key; the
/// old one stops signing and keeps verifying for `verify_days` (default 62).
async fn rotate(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<RotateBody>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    caller.require_district_role(&[Role::Admin])?;
    let kid = usecases::keys::rotate(
        &state.store,
        &state.config.key_dir,
        body.verify_days,
        &caller.actor(),
    )
    .await?;
    Ok((StatusCode::CREATED, Json(json!({ "kid": kid.to_hex() }))))
}

/// `POST /v1/keys/{kid}/revoke` (district admin) → 200 `{kid}`: nothing the key signed is
/// accepted from now on.
async fn revoke(
    State(state): State<AppState>,
    caller: Caller,
    Path(kid): Path<String>,
) -> ApiResult<Json<Value>> {
    caller.require_district_role(&[Role::Admin])?;
    usecases::keys::revoke(&state.store, &kid, &caller.actor()).await?;
    Ok(Json(json!({ "kid": kid })))
}

fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// `{deployment_id, keys:[{kid, public_key, status, signing_from, signing_until, verify_until}]}`.
async fn keys(State(state): State<AppState>) -> ApiResult<Json<Value>> {
    let keys: Vec<Value> = state
        .store
        .signing_keys()
        .await?
        .into_iter()
        .map(|k| {
            json!({
                "kid": k.kid.to_hex(),
                "public_key": BASE64URL_NOPAD.encode(&k.public_key),
                "status": k.status,
                "signing_from": rfc3339(k.signing_from),
                "signing_until": k.signing_until.map(rfc3339),
                "verify_until": k.verify_until.map(rfc3339),
            })
        })
        .collect();
    Ok(Json(
        json!({ "deployment_id": state.deployment.as_str(), "keys": keys }),
    ))
}

#[derive(Deserialize)]
struct SinceQuery {
    since: Option<String>,
}

/// Revoked vouchers after `since`, in the order their revocations committed. `since` is the
/// `next_since` of the previous answer (an opaque position; absent or empty: from the start);
/// an RFC 3339 time is also accepted, to start from the first revocation at or after it.
/// Paging by position never skips a revocation, however late it committed.
async fn revocations(
    State(state): State<AppState>,
    query: Result<Query<SinceQuery>, axum::extract::rejection::QueryRejection>,
) -> ApiResult<Json<Value>> {
    let Query(query) =
        query.map_err(|_| ApiError::new(Code::InvalidJson).detail("bad query string"))?;
    let after = match query.since.as_deref().map(str::trim) {
        None | Some("") => 0,
        Some(text) => match text.parse::<i64>() {
            Ok(position) if position >= 0 => position,
            _ => match DateTime::parse_from_rfc3339(text) {
                Ok(t) => {
                    state
                        .store
                        .revocation_position_at(t.with_timezone(&Utc))
                        .await?
                }
                Err(_) => {
                    return Err(ApiError::new(Code::ValidationFailed).detail(
                        "since must be the next_since of an earlier answer or an RFC 3339 time",
                    ));
                }
            },
        },
    };
    let rows = state.store.revocations(after, REVOCATIONS_PAGE).await?;
    let next = rows.last().map_or(after, |r| r.seq);
    let revoked: Vec<Value> = rows
        .iter()
        .map(|r| {
            json!({
                "voucher_id": r.voucher_id,
                "revoked_at": r.revoked_at.to_rfc3339_opts(SecondsFormat::Micros, true),
                "seq": r.seq,
            })
        })
        .collect();
    Ok(Json(json!({
        "revoked": revoked,
        "next_since": next.to_string(),
        "complete": i64::try_from(rows.len()).unwrap_or(i64::MAX) < REVOCATIONS_PAGE,
    })))
}
