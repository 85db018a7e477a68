//! Cycles: opening a month of a programme.

use super::AppState;
use super::budgets::programme_error;
use super::error::{ApiError, ApiResult};
use super::extract::{ApiJson, Caller};
use crate::domain::auth::Role;
use crate::domain::ids::Period;
use crate::domain::voucher::{Cycle, default_validity};
use crate::domain::wilayah::WilayahCode;
use crate::jobs::cards::{self, CardsError};
use crate::jobs::issue::{IssueError, IssueReport, issue_cycle};
use crate::signing::KeyFileError;
use crate::store::Opened;
use axum::extract::State;
use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::{DateTime, Utc};
use relasi_codes::Code;
use serde::Deserialize;

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/cycles", post(open))
        .route("/v1/cycles/{period}/issue", post(issue))
        .route("/v1/cycles/{period}/cards.pdf", get(cards_pdf))
        .route("/v1/cycles/{period}/handover.csv", get(handover_csv))
}

#[derive(Deserialize, Default)]
struct IssueBody {
    programme: Option<u16>,
}

/// `POST /v1/cycles/{period}/issue` → `{eligible, issued, skipped_ineligible, skipped_budget,
/// total_value, …}`. Idempotent: a second call issues only what is missing.
async fn issue(
    State(state): State<AppState>,
    caller: Caller,
    Path(period): Path<String>,
    body: axum::body::Bytes,
) -> ApiResult<Json<IssueReport>> {
    caller.require(&[Role::Admin, Role::Issuer])?;
    let period = Period::parse(&period)?;
    // The body is optional: `{}` or nothing issues for the only programme.
    let body: IssueBody = if body.iter().all(u8::is_ascii_whitespace) {
        IssueBody::default()
    } else {
        serde_json::from_slice(&body)
            .map_err(|e| ApiError::new(Code::InvalidJson).detail(e.to_string()))?
    };
    let programme = state
        .store
        .resolve_programme(body.programme)
        .await
        .map_err(programme_error)?;
    let report = issue_cycle(
        &state.store,
        &programme,
        period,
        &state.config.key_dir,
        &caller.actor(),
        &|_| {},
    )
    .await
    .map_err(|e| match e {
        IssueError::CycleNotOpen => ApiError::new(Code::CycleNotFound),
        IssueError::InProgress => ApiError::new(Code::IssuanceInProgress),
        IssueError::Key(KeyFileError::NoActiveKey) => ApiError::new(Code::NoSigningKey),
        IssueError::Store(e) => e.into(),
        other => {
            tracing::error!(error = %other, "issuance failed");
            ApiError::new(Code::Internal)
        }
    })?;
    Ok(Json(report))
}

#[derive(Deserialize)]
struct DesaQuery {
    desa: String,
    programme: Option<u16>,
}

async fn desa_sheet_args(
    state: &AppState,
    caller: &Caller,
    period: &str,
    query: Result<Query<DesaQuery>, axum::extract::rejection::QueryRejection>,
) -> ApiResult<(crate::domain::programme::Programme, Period, WilayahCode)> {
    caller.require(&[Role::Admin, Role::Issuer, Role::Kader])?;
    let period = Period::parse(period)?;
    let Query(q) =
        query.map_err(|_| ApiError::new(Code::ValidationFailed).detail("desa=KODE is required"))?;
    let desa = WilayahCode::parse(&q.desa)?;
    let programme = state
        .store
        .resolve_programme(q.programme)
        .await
        .map_err(programme_error)?;
    Ok((programme, period, desa))
}

fn cards_error(e: CardsError) -> ApiError {
    match e {
        CardsError::UnknownDesa => ApiError::new(Code::UnknownDesa),
        CardsError::Store(e) => e.into(),
        e @ (CardsError::Render(_) | CardsError::Csv) => {
            tracing::error!(error = %e, "card sheet or hand-over list failed");
            ApiError::new(Code::Internal)
        }
    }
}

/// `GET /v1/cycles/{period}/cards.pdf?desa=` (admin, issuer, kader): A4 card sheets.
async fn cards_pdf(
    State(state): State<AppState>,
    caller: Caller,
    Path(period): Path<String>,
    query: Result<Query<DesaQuery>, axum::extract::rejection::QueryRejection>,
) -> ApiResult<Response> {
    let (programme, period, desa) = desa_sheet_args(&state, &caller, &period, query).await?;
    let pdf = cards::card_sheet(&state.store, &programme, period, &desa)
        .await
        .map_err(cards_error)?;
    Ok(file(
        "application/pdf",
        format!("inline; filename=\"kartu-{period}-{desa}.pdf\""),
        pdf,
    ))
}

/// A downloadable file answer.
fn file(content_type: &'static str, disposition: String, body: impl IntoResponse) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type.to_owned()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        body,
    )
        .into_response()
}

/// `GET /v1/cycles/{period}/handover.csv?desa=`: the kader's hand-over list with a signature column.
async fn handover_csv(
    State(state): State<AppState>,
    caller: Caller,
    Path(period): Path<String>,
    query: Result<Query<DesaQuery>, axum::extract::rejection::QueryRejection>,
) -> ApiResult<Response> {
    let (programme, period, desa) = desa_sheet_args(&state, &caller, &period, query).await?;
    let csv = cards::handover_csv(&state.store, &programme, period, &desa)
        .await
        .map_err(cards_error)?;
    Ok(file(
        "text/csv; charset=utf-8",
        format!("attachment; filename=\"serah-terima-{period}-{desa}.csv\""),
        csv,
    ))
}

#[derive(Deserialize)]
struct OpenCycle {
    period: String,
    programme: Option<u16>,
    valid_from: Option<DateTime<Utc>>,
    valid_until: Option<DateTime<Utc>>,
}

/// `POST /v1/cycles {period}` → 201 when opened, 200 when it was open already. Validity
/// defaults to the whole month in the programme's local time.
async fn open(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<OpenCycle>,
) -> ApiResult<(StatusCode, Json<Cycle>)> {
    caller.require(&[Role::Admin, Role::Issuer])?;
    let period = Period::parse(&body.period)?;
    let programme = state
        .store
        .resolve_programme(body.programme)
        .await
        .map_err(programme_error)?;
    let (default_from, default_until) =
        default_validity(period, programme.settings.utc_offset_hours)
            .ok_or_else(|| ApiError::new(Code::ValidationFailed).detail("period out of range"))?;
    let valid_from = body.valid_from.unwrap_or(default_from);
    let valid_until = body.valid_until.unwrap_or(default_until);
    let fits_token = |t: DateTime<Utc>| u32::try_from(t.timestamp()).is_ok();
    if valid_until <= valid_from || !fits_token(valid_from) || !fits_token(valid_until) {
        return Err(ApiError::new(Code::ValidationFailed)
            .detail("valid_until must follow valid_from, within 1970–2106"));
    }
    let (cycle, opened) = state
        .store
        .open_cycle(
            programme.id,
            period,
            valid_from,
            valid_until,
            &caller.actor(),
        )
        .await?;
    let status = if opened == Opened::Created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(cycle)))
}
