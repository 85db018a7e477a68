//! Cycles: opening a month of a programme.

use super::AppState;
use super::error::{ApiError, ApiResult};
use super::extract::{ApiJson, Caller};
use crate::domain::auth::Role;
use crate::domain::ids::Period;
use crate::domain::voucher::Cycle;
use crate::domain::wilayah::WilayahCode;
use crate::jobs::cards::{self, CardsError};
use crate::jobs::issue::IssueReport;
use crate::store::Opened;
use crate::usecases::{cycles, handovers, programmes};
use axum::extract::State;
use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::{DateTime, Utc};
use futures_util::StreamExt;
use relasi_codes::Code;
use serde::Deserialize;

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/cycles", post(open))
        .route("/v1/cycles/{period}/issue", post(issue))
        .route("/v1/cycles/{period}/cards.pdf", get(cards_pdf))
        .route("/v1/cycles/{period}/handover.csv", get(handover_csv))
        .route(
            "/v1/cycles/{period}/handovers",
            post(record_handovers).get(list_handovers),
        )
}

#[derive(Deserialize)]
struct RecordHandovers {
    /// Voucher ids, or the cards' QR texts.
    cards: Vec<String>,
    /// The local date the families received them.
    on: chrono::NaiveDate,
    programme: Option<u16>,
}

/// `POST /v1/cycles/{period}/handovers {cards:[id or QR text], on}` (admin, issuer, kader of
/// the cards' desa) → 201 `{recorded, already}`. A card recorded before keeps its first date.
async fn record_handovers(
    State(state): State<AppState>,
    caller: Caller,
    Path(period): Path<String>,
    ApiJson(body): ApiJson<RecordHandovers>,
) -> ApiResult<(StatusCode, Json<handovers::Recorded>)> {
    caller.require(&[Role::Admin, Role::Issuer, Role::Kader])?;
    let period = Period::parse(&period)?;
    if body.cards.len() > handovers::MAX_CARDS_PER_RECORD {
        return Err(ApiError::new(Code::ValidationFailed).detail("cards: 1 to 1000 cards"));
    }
    let cards = body
        .cards
        .iter()
        .map(|c| handovers::card_ref(c))
        .collect::<Result<Vec<_>, _>>()?;
    let programme = programmes::resolve(&state.store, body.programme).await?;
    let done = handovers::record(
        &state.store,
        &caller.principal,
        &programme,
        period,
        (&cards, body.on),
        &caller.actor(),
    )
    .await?;
    Ok((StatusCode::CREATED, Json(done)))
}

/// `GET /v1/cycles/{period}/handovers?desa=` → `{desa, handed_over, not_handed_over,
/// cards:[{voucher_id, card_number, face_value, handed_over_on}]}` (no names: the printed list
/// and the kader's page carry those).
async fn list_handovers(
    State(state): State<AppState>,
    caller: Caller,
    Path(period): Path<String>,
    query: Result<Query<DesaQuery>, axum::extract::rejection::QueryRejection>,
) -> ApiResult<Json<serde_json::Value>> {
    let (programme, period, desa) = desa_sheet_args(&state, &caller, &period, query).await?;
    let cards = handovers::list(&state.store, &caller.principal, &programme, period, &desa).await?;
    let given = cards.iter().filter(|c| c.handed_over_on.is_some()).count();
    let rows: Vec<_> = cards
        .iter()
        .map(|c| {
            serde_json::json!({
                "voucher_id": c.voucher_id.to_string(), "card_number": c.card_number,
                "face_value": c.face_value, "handed_over_on": c.handed_over_on,
            })
        })
        .collect();
    Ok(Json(serde_json::json!({
        "desa": desa, "handed_over": given, "not_handed_over": cards.len() - given, "cards": rows,
    })))
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
    caller.require_district_role(&[Role::Admin, Role::Issuer])?;
    let period = Period::parse(&period)?;
    // The body is optional: `{}` or nothing issues for the only programme.
    let body: IssueBody = if body.iter().all(u8::is_ascii_whitespace) {
        IssueBody::default()
    } else {
        serde_json::from_slice(&body)
            .map_err(|e| ApiError::new(Code::InvalidJson).detail(e.to_string()))?
    };
    let programme = programmes::resolve(&state.store, body.programme).await?;
    let report = cycles::issue(
        &state.store,
        &programme,
        period,
        &state.config.key_dir,
        &caller.actor(),
        &|_| {},
    )
    .await?;
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
    caller.require_area(&desa)?;
    let programme = programmes::resolve(&state.store, q.programme).await?;
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

/// `GET /v1/cycles/{period}/cards.pdf?desa=` (admin, issuer, kader): A4 card sheets, streamed
/// as they are drawn (a desa's sheet can be hundreds of pages on a phone's connection).
async fn cards_pdf(
    State(state): State<AppState>,
    caller: Caller,
    Path(period): Path<String>,
    query: Result<Query<DesaQuery>, axum::extract::rejection::QueryRejection>,
) -> ApiResult<Response> {
    let (programme, period, desa) = desa_sheet_args(&state, &caller, &period, query).await?;
    let disposition = format!("inline; filename=\"kartu-{period}-{desa}.pdf\"");
    let link_base = state.config.public_url.clone();
    let sheet = cards::card_sheet_stream(state.store.clone(), programme, period, desa, link_base)
        .await
        .map_err(cards_error)?;
    let body = axum::body::Body::from_stream(sheet.map(|bytes| {
        bytes.map_err(|e| {
            tracing::error!(error = %e, "card sheet stopped half-way");
            std::io::Error::other("card sheet stopped")
        })
    }));
    Ok(file("application/pdf", disposition, body))
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
    caller.require_district_role(&[Role::Admin, Role::Issuer])?;
    let period = Period::parse(&body.period)?;
    let programme = programmes::resolve(&state.store, body.programme).await?;
    let (cycle, opened) = cycles::open(
        &state.store,
        &programme,
        period,
        (body.valid_from, body.valid_until),
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
