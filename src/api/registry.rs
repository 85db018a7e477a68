//! Registry import over HTTP: `POST /v1/households/import` with either CSV file as the body.

use super::AppState;
use super::error::{ApiError, ApiResult};
use super::extract::Caller;
use crate::domain::auth::Role;
use crate::jobs::import::{ImportReport, RegistryFile};
use crate::usecases::registry;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Query, State};
use axum::http::{HeaderMap, header};
use axum::routing::post;
use axum::{Json, Router};
use chrono::NaiveDate;
use relasi_codes::Code;
use serde::Deserialize;

pub(super) fn router(import_limit_bytes: usize) -> Router<AppState> {
    Router::new()
        .route("/v1/households/import", post(import))
        .layer(DefaultBodyLimit::max(import_limit_bytes))
}

#[derive(Deserialize)]
struct ImportQuery {
    /// Day the changes took effect (default: today, local time).
    effective: Option<String>,
}

/// 200 with counts, or 422 `registry_invalid` listing every bad row; nothing is written then.
async fn import(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    query: Result<Query<ImportQuery>, axum::extract::rejection::QueryRejection>,
    body: Result<Bytes, axum::extract::rejection::BytesRejection>,
) -> ApiResult<Json<ImportReport>> {
    caller.require_district_role(&[Role::Admin])?;
    let is_csv = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/csv") || v.starts_with("application/csv"));
    if !is_csv {
        return Err(ApiError::new(Code::UnsupportedMediaType).detail("send Content-Type: text/csv"));
    }
    let body = body.map_err(|e| {
        if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::new(Code::PayloadTooLarge)
        } else {
            ApiError::new(Code::InvalidJson).detail("body could not be read")
        }
    })?;
    let Query(query) =
        query.map_err(|_| ApiError::new(Code::InvalidJson).detail("bad query string"))?;
    let effective = query
        .effective
        .as_deref()
        .map(|text| {
            NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| {
                ApiError::new(Code::ValidationFailed).detail("effective must be a date YYYY-MM-DD")
            })
        })
        .transpose()?;
    let file = RegistryFile {
        bytes: body.to_vec(),
        kind: None,
        max_rows: state.config.import_max_rows,
    };
    let report = registry::import(&state.store, file, effective, &caller.actor(), &|_| {}).await?;
    Ok(Json(report))
}
