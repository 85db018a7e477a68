//! Budget lines: added by admins or finance officers, read by them and auditors
//! (`usecases::budgets`, which the budget page calls too).

use super::AppState;
use super::error::{ApiError, ApiResult};
use super::extract::{ApiJson, Caller};
use crate::domain::auth::Role;
use crate::domain::budget::BudgetLine;
use crate::usecases::budgets::{self, NewLine};
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::routing::post;
use axum::{Json, Router};
use relasi_codes::Code;
use serde::Deserialize;

pub(super) fn router() -> Router<AppState> {
    Router::new().route("/v1/budgets", post(add).get(list))
}

#[derive(Deserialize)]
struct AddBudget {
    year: i32,
    sumber_dana: String,
    kode_wilayah: String,
    amount: String,
    programme: Option<u16>,
}

/// `POST /v1/budgets` → 201 with the line.
async fn add(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<AddBudget>,
) -> ApiResult<(StatusCode, Json<BudgetLine>)> {
    let new = NewLine {
        year: body.year,
        sumber_dana: &body.sumber_dana,
        kode_wilayah: &body.kode_wilayah,
        amount: &body.amount,
        programme: body.programme,
    };
    let line = budgets::add(&state.store, &caller.principal, new, &caller.actor()).await?;
    Ok((StatusCode::CREATED, Json(line)))
}

#[derive(Deserialize)]
struct ListQuery {
    year: Option<i32>,
    programme: Option<u16>,
}

/// `GET /v1/budgets?year=&programme=`: an officer bound to part of the district sees the lines
/// of that part only.
async fn list(
    State(state): State<AppState>,
    caller: Caller,
    query: Result<Query<ListQuery>, axum::extract::rejection::QueryRejection>,
) -> ApiResult<Json<Vec<BudgetLine>>> {
    // Refused before the query is read, as every role-bound list is.
    caller.require(&[Role::Admin, Role::Finance, Role::Auditor])?;
    let Query(query) =
        query.map_err(|_| ApiError::new(Code::InvalidJson).detail("bad query string"))?;
    let lines = budgets::list(&state.store, &caller.principal, query.year, query.programme).await?;
    Ok(Json(lines))
}
