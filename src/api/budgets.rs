//! Budget lines: added by admins or finance officers, read by them and auditors.

use super::AppState;
use super::error::{ApiError, ApiResult};
use super::extract::{ApiJson, Caller};
use crate::domain::auth::Role;
use crate::domain::budget::{BudgetLine, SumberDana};
use crate::domain::money::Rupiah;
use crate::domain::wilayah::WilayahCode;
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
    caller.require_district_role(&[Role::Admin, Role::Finance])?;
    let sumber_dana = SumberDana::parse(&body.sumber_dana)?;
    let kode_wilayah = WilayahCode::parse(&body.kode_wilayah)?;
    let amount = Rupiah::parse(&body.amount)?;
    let programme = crate::usecases::programmes::resolve(&state.store, body.programme).await?;
    if body.year != programme.year {
        return Err(
            ApiError::new(Code::ValidationFailed).detail("year must be the programme's year")
        );
    }
    let line = state
        .store
        .add_budget_line(
            programme.id,
            body.year,
            sumber_dana,
            &kode_wilayah,
            amount,
            &caller.actor(),
        )
        .await?;
    Ok((StatusCode::CREATED, Json(line)))
}

#[derive(Deserialize)]
struct ListQuery {
    year: Option<i32>,
    programme: Option<u16>,
}

/// `GET /v1/budgets?year=&programme=`.
async fn list(
    State(state): State<AppState>,
    caller: Caller,
    query: Result<Query<ListQuery>, axum::extract::rejection::QueryRejection>,
) -> ApiResult<Json<Vec<BudgetLine>>> {
    caller.require(&[Role::Admin, Role::Finance, Role::Auditor])?;
    let Query(query) =
        query.map_err(|_| ApiError::new(Code::InvalidJson).detail("bad query string"))?;
    let programme = crate::usecases::programmes::resolve(&state.store, query.programme).await?;
    let lines = state
        .store
        .budget_lines(programme.id, query.year.unwrap_or(programme.year))
        .await?;
    // An officer bound to part of the district sees the lines of that part only.
    let area = &caller.principal.area;
    Ok(Json(
        lines
            .into_iter()
            .filter(|l| area.covers(&l.kode_wilayah))
            .collect(),
    ))
}
