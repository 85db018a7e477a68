//! Cycles: opening a month of a programme.

use super::AppState;
use super::budgets::programme_error;
use super::error::{ApiError, ApiResult};
use super::extract::{ApiJson, Caller};
use crate::domain::auth::Role;
use crate::domain::ids::Period;
use crate::domain::voucher::{Cycle, default_validity};
use crate::store::Opened;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::post;
use axum::{Json, Router};
use chrono::{DateTime, Utc};
use serde::Deserialize;

pub(super) fn router() -> Router<AppState> {
    Router::new().route("/v1/cycles", post(open))
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
            .ok_or_else(|| ApiError::new("validation_failed").detail("period out of range"))?;
    let valid_from = body.valid_from.unwrap_or(default_from);
    let valid_until = body.valid_until.unwrap_or(default_until);
    let fits_token = |t: DateTime<Utc>| u32::try_from(t.timestamp()).is_ok();
    if valid_until <= valid_from || !fits_token(valid_from) || !fits_token(valid_until) {
        return Err(ApiError::new("validation_failed")
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
