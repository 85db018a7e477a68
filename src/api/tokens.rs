//! API tokens over HTTP, for an admin: `GET /v1/tokens` (the tokens inside the caller's area,
//! never a secret or its hash), `POST /v1/tokens` (a new one; its secret is answered once) and
//! `POST /v1/tokens/{id}/revoke` (refused from its next request on, on every instance).

use super::AppState;
use super::accounts::{PageQuery, grant_of, id_of, instant, page_query};
use super::error::ApiResult;
use super::extract::{ApiJson, Caller};
use crate::domain::auth::Role;
use crate::domain::ids::ApiTokenId;
use crate::store::TokenInfo;
use crate::usecases::accounts;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/tokens", get(list).post(create))
        .route("/v1/tokens/{id}/revoke", post(revoke))
}

/// A token as the list shows it: what it may do and when, never its secret.
pub(super) fn token_json(t: &TokenInfo) -> Value {
    json!({
        "id": t.id, "role": t.grant.role, "merchant_id": t.grant.merchant_id,
        "areas": t.grant.area.codes(), "label": t.label,
        "created_at": instant(Some(t.created_at_us)), "expires_at": instant(t.expires_at_us),
        "revoked_at": instant(t.revoked_at_us), "account_id": t.account,
    })
}

/// `GET /v1/tokens?before=&sessions=` (admin) → 200 `{tokens: [...], next_before}`, newest
/// first; sign-in sessions only with `sessions=true`.
async fn list(
    State(state): State<AppState>,
    caller: Caller,
    query: Result<Query<PageQuery>, QueryRejection>,
) -> ApiResult<Json<Value>> {
    caller.require(&[Role::Admin])?;
    let q = page_query(query)?;
    let page = accounts::list_tokens(&state.store, &caller.principal, q.before, q.sessions).await?;
    let rows: Vec<Value> = page.rows.iter().map(token_json).collect();
    Ok(Json(
        json!({ "tokens": rows, "next_before": page.next_before }),
    ))
}

#[derive(Deserialize)]
struct NewToken {
    role: Role,
    merchant_id: Option<i64>,
    #[serde(default)]
    areas: Vec<String>,
    #[serde(default)]
    label: String,
    /// Lifetime in days; none: until revoked.
    days: Option<i64>,
}

/// `POST /v1/tokens {role, merchant_id?, areas?, label?, days?}` (admin, for an area inside its
/// own) → 201 `{id, token, role, merchant_id, areas, label, expires_at}`: `token` is the secret,
/// shown this once (only its SHA-256 is stored).
async fn create(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<NewToken>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    caller.require(&[Role::Admin])?;
    let grant = grant_of(body.role, body.merchant_id, &body.areas)?;
    let (id, secret) = accounts::admin_create_token(
        &state.store,
        &caller.principal,
        &grant,
        &body.label,
        body.days,
        &caller.actor(),
    )
    .await?;
    let made = state.store.api_token(id).await?;
    let mut answer = token_json(&made);
    answer["token"] = Value::from(secret.expose());
    Ok((StatusCode::CREATED, Json(answer)))
}

/// `POST /v1/tokens/{id}/revoke` (admin) → 204; 404 for no such token; revoking it again
/// changes nothing and answers 204.
async fn revoke(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    caller.require(&[Role::Admin])?;
    let id = ApiTokenId(id_of(&id)?);
    accounts::revoke_token(&state.store, &caller.principal, id, &caller.actor()).await?;
    Ok(StatusCode::NO_CONTENT)
}
