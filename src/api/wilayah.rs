//! The wilayah tree, one step at a time: `GET /v1/wilayah?induk=CODE` lists the areas directly
//! under an area (the provinces without `induk`), so pages pick a kecamatan or a desa by name.

use super::AppState;
use super::error::{ApiError, ApiResult};
use super::extract::Caller;
use crate::domain::auth::Role;
use crate::domain::wilayah::Wilayah;
use crate::usecases;
use axum::extract::{Query, State};
use axum::routing::get;
use axum::{Json, Router};
use relasi_codes::Code;
use serde::Deserialize;

pub(super) fn router() -> Router<AppState> {
    Router::new().route("/v1/wilayah", get(children))
}

#[derive(Deserialize)]
struct ChildrenQuery {
    induk: Option<String>,
}

/// `GET /v1/wilayah?induk=35.14` (office roles) → `[{code, name, level}]` by code.
async fn children(
    State(state): State<AppState>,
    caller: Caller,
    query: Result<Query<ChildrenQuery>, axum::extract::rejection::QueryRejection>,
) -> ApiResult<Json<Vec<Wilayah>>> {
    caller.require(&Role::OFFICE)?;
    let Query(query) =
        query.map_err(|_| ApiError::new(Code::InvalidJson).detail("bad query string"))?;
    let rows = usecases::wilayah::children(&state.store, query.induk.as_deref()).await?;
    Ok(Json(rows))
}
