//! Programmes (read) and their lokus villages (admin).

use super::AppState;
use super::error::ApiResult;
use super::extract::{ApiJson, Caller};
use crate::domain::auth::Role;
use crate::domain::programme::Programme;
use crate::usecases::lokus::{self, LokusAdded};
use axum::extract::State;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};

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
    caller.require_district_role(&[Role::Admin])?;
    let LokusAdded { added, total } =
        lokus::add(&state.store, body.year, &body.desa, &caller.actor()).await?;
    Ok(Json(
        json!({ "year": body.year, "added": added, "total": total }),
    ))
}
