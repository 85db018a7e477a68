//! Programmes (read) and their lokus villages (admin).

use super::AppState;
use super::error::{ApiError, ApiResult};
use super::extract::{ApiJson, Caller};
use crate::domain::auth::Role;
use crate::domain::programme::Programme;
use crate::domain::wilayah::{Level, WilayahCode};
use axum::extract::State;
use axum::routing::{get, post};
use axum::{Json, Router};
use relasi_codes::Code;
use serde::Deserialize;
use serde_json::{Value, json};

/// Most desa codes in one lokus request (a district has a few hundred).
const MAX_LOKUS_CODES: usize = 5000;

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/programmes", get(list))
        .route("/v1/lokus", post(add_lokus))
}

/// `GET /v1/programmes`: every role but merchant and kader.
async fn list(State(state): State<AppState>, caller: Caller) -> ApiResult<Json<Vec<Programme>>> {
    caller.require(&[Role::Admin, Role::Issuer, Role::Finance, Role::Auditor])?;
    Ok(Json(state.store.programmes().await?))
}

#[derive(Deserialize)]
struct LokusBody {
    year: i32,
    desa: Vec<String>,
}

/// `POST /v1/lokus {year, desa:[codes]}` (admin): marks lokus villages; repeats are harmless.
async fn add_lokus(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<LokusBody>,
) -> ApiResult<Json<Value>> {
    caller.require(&[Role::Admin])?;
    if !(2000..=2199).contains(&body.year) {
        return Err(
            ApiError::new(Code::ValidationFailed).detail("year must be between 2000 and 2199")
        );
    }
    if body.desa.is_empty() || body.desa.len() > MAX_LOKUS_CODES {
        return Err(ApiError::new(Code::ValidationFailed).detail("desa must list 1 to 5000 codes"));
    }
    let codes: Vec<WilayahCode> = body
        .desa
        .iter()
        .map(|c| WilayahCode::parse(c))
        .collect::<Result<_, _>>()?;
    let unknown = state
        .store
        .unknown_wilayah(&codes, Some(Level::Desa))
        .await?;
    if !unknown.is_empty() {
        return Err(ApiError::new(Code::UnknownDesa).errors(json!(unknown)));
    }
    let added = state
        .store
        .add_lokus(body.year, &codes, &caller.actor())
        .await?;
    let total = state.store.lokus(body.year).await?.len();
    Ok(Json(
        json!({ "year": body.year, "added": added, "total": total }),
    ))
}
