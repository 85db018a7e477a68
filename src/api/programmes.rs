//! Programmes (read) and their lokus villages (marked by a district admin, read by the office).

use super::AppState;
use super::error::{ApiError, ApiResult};
use super::extract::{ApiJson, Caller};
use crate::domain::auth::Role;
use crate::domain::programme::Programme;
use crate::usecases::lokus::{self, LokusAdded, LokusList};
use crate::usecases::programmes;
use axum::extract::{Query, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::Datelike;
use relasi_codes::Code;
use serde::Deserialize;
use serde_json::{Value, json};

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/programmes", get(list))
        .route("/v1/lokus", post(add_lokus).get(list_lokus))
}

/// `GET /v1/programmes`: every role but merchant and kader.
async fn list(State(state): State<AppState>, caller: Caller) -> ApiResult<Json<Vec<Programme>>> {
    caller.require(&Role::OFFICE)?;
    Ok(Json(state.store.programmes().await?))
}

#[derive(Deserialize)]
struct LokusBody {
    year: i32,
    desa: Vec<String>,
}

/// `POST /v1/lokus {year, desa:[codes]}` (district admin): marks lokus villages; repeats are
/// harmless.
async fn add_lokus(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<LokusBody>,
) -> ApiResult<Json<Value>> {
    let LokusAdded { added, total } = lokus::add_as(
        &state.store,
        &caller.principal,
        body.year,
        &body.desa,
        &caller.actor(),
    )
    .await?;
    Ok(Json(
        json!({ "year": body.year, "added": added, "total": total }),
    ))
}

#[derive(Deserialize)]
struct LokusQuery {
    year: Option<i32>,
}

/// `GET /v1/lokus?year=` (office roles): the year's lokus desa in the caller's area with their
/// kecamatan, by code; this year in the programme's time zone when no year is asked.
async fn list_lokus(
    State(state): State<AppState>,
    caller: Caller,
    query: Result<Query<LokusQuery>, axum::extract::rejection::QueryRejection>,
) -> ApiResult<Json<LokusList>> {
    caller.require(&Role::OFFICE)?;
    let Query(query) =
        query.map_err(|_| ApiError::new(Code::InvalidJson).detail("bad query string"))?;
    let year = match query.year {
        Some(year) => year,
        None => programmes::local_today(&state.store).await?.year(),
    };
    Ok(Json(
        lokus::list(&state.store, &caller.principal, year).await?,
    ))
}
