//! Settlements over HTTP: settle a month, approve, record the payment (finance); a shop reads
//! its own draft and flags a line; the payout file; where a shop is paid (masked outside
//! finance).

use super::AppState;
use super::error::{ApiError, ApiResult};
use super::extract::{ApiJson, Caller};
use super::reconciliations::download;
use crate::domain::auth::Role;
use crate::domain::ids::{MerchantId, Period};
use crate::domain::settlement::{BankDetails, SettlementStatus};
use crate::store::Settlement;
use crate::usecases::{programmes, settlement};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use relasi_codes::Code;
use serde::Deserialize;
use serde_json::{Value, json};

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/settlements", post(create).get(list))
        .route("/v1/settlements/{file}", get(read))
        .route("/v1/settlements/{file}/approve", post(approve))
        .route("/v1/settlements/{file}/paid", post(paid))
        .route("/v1/settlements/{file}/flags", post(flag))
        .route("/v1/merchants/{id}/bank", get(bank).put(set_bank))
}

fn id_of(text: &str) -> Result<i64, ApiError> {
    text.parse().map_err(|_| ApiError::new(Code::NotFound))
}

#[derive(Deserialize)]
struct CreateBody {
    period: String,
    programme: Option<u16>,
}

/// `POST /v1/settlements {period}` (finance) → 201 `{id, period, status, lines, total}`.
async fn create(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<CreateBody>,
) -> ApiResult<(StatusCode, Json<Settlement>)> {
    caller.require_district_role(&[Role::Finance])?;
    let period = Period::parse(&body.period)?;
    let programme = programmes::resolve(&state.store, body.programme).await?;
    let s = settlement::create(&state.store, &programme, period, &caller.actor()).await?;
    Ok((StatusCode::CREATED, Json(s)))
}

/// `GET /v1/settlements` (finance, auditor) → `{settlements:[…]}`, newest first.
async fn list(State(state): State<AppState>, caller: Caller) -> ApiResult<Json<Value>> {
    caller.require_district_role(&[Role::Finance, Role::Auditor])?;
    let programme = programmes::resolve(&state.store, None).await?;
    let out = settlement::list(&state.store, &programme).await?;
    Ok(Json(json!({ "settlements": out })))
}

/// `GET /v1/settlements/{id}` — finance and auditors: every line, the shops' flags and the
/// shops owed money that the payout file leaves out for want of bank details; a shop:
/// its own line and entries, while the settlement is a draft. `{id}.csv`: the payout file
/// (finance). `{id}.pdf`: the statement, a page per shop (a shop: its own page, while a draft).
async fn read(
    State(state): State<AppState>,
    caller: Caller,
    Path(file): Path<String>,
) -> ApiResult<Response> {
    let (id, ext) = file.split_once('.').unwrap_or((file.as_str(), ""));
    match (ext, caller.principal.role) {
        ("" | "pdf", Role::Merchant) => {}
        ("" | "pdf", _) => caller.require_district_role(&[Role::Finance, Role::Auditor])?,
        ("csv", _) => caller.require_district_role(&[Role::Finance])?,
        _ => return Err(ApiError::new(Code::NotFound)),
    }
    let s = settlement::read(&state.store, id_of(id)?).await?;
    match (ext, caller.principal.role) {
        ("", Role::Finance | Role::Auditor) => {
            let flags = settlement::flags(&state.store, s.id).await?;
            let missing = settlement::missing_bank(&state.store, &s).await?;
            let mut body = serde_json::to_value(&s).unwrap_or_default();
            body["flags"] = json!(flags);
            body["missing_bank"] = json!(missing);
            Ok(Json(body).into_response())
        }
        ("", Role::Merchant) => {
            let shop = caller
                .principal
                .merchant_id
                .ok_or_else(|| ApiError::new(Code::Forbidden))?;
            if s.status != SettlementStatus::Draft {
                return Err(ApiError::new(Code::Forbidden)
                    .detail("a shop reads its statement while it is a draft"));
            }
            // A shop reads its own statement; one without a line in it has none to read.
            let line = s
                .lines
                .iter()
                .find(|l| l.merchant_id == shop.0)
                .ok_or_else(|| ApiError::new(Code::Forbidden))?;
            let entries = state.store.statement_entries(s.id, shop).await?;
            Ok(Json(json!({ "id": s.id, "period": s.period, "status": s.status, "line": line, "entries": entries })).into_response())
        }
        ("pdf", role) => {
            let shop = if role == Role::Merchant {
                if s.status != SettlementStatus::Draft {
                    return Err(ApiError::new(Code::Forbidden));
                }
                caller.principal.merchant_id
            } else {
                None
            };
            let programme = state
                .store
                .programme(crate::domain::ids::ProgrammeId(s.programme_id))
                .await?;
            let offset = programme.settings.utc_offset_hours;
            let bytes = settlement::statement_pdf(&state.store, &s, shop, offset).await?;
            Ok(download(
                bytes,
                "application/pdf",
                &format!("laporan-toko-{}-{}.pdf", s.period, s.id),
            ))
        }
        ("csv", _) => {
            let bytes = settlement::payout_csv(&state.store, &s).await?;
            Ok(download(
                bytes,
                "text/csv; charset=utf-8",
                &format!("pembayaran-{}-{}.csv", s.period, s.id),
            ))
        }
        _ => Ok(Json(serde_json::to_value(&s).unwrap_or_default()).into_response()),
    }
}

/// `POST /v1/settlements/{id}/approve` (finance): draft → approved.
async fn approve(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<Settlement>> {
    caller.require_district_role(&[Role::Finance])?;
    let s = settlement::advance(
        &state.store,
        id_of(&id)?,
        SettlementStatus::Approved,
        None,
        &caller.actor(),
    )
    .await?;
    Ok(Json(s))
}

#[derive(Deserialize)]
struct PaidBody {
    reference: String,
}

/// `POST /v1/settlements/{id}/paid {reference}` (finance): approved → paid.
async fn paid(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<PaidBody>,
) -> ApiResult<Json<Settlement>> {
    caller.require_district_role(&[Role::Finance])?;
    let s = settlement::advance(
        &state.store,
        id_of(&id)?,
        SettlementStatus::Paid,
        Some(&body.reference),
        &caller.actor(),
    )
    .await?;
    Ok(Json(s))
}

#[derive(Deserialize)]
struct FlagBody {
    redemption_id: i64,
    reason: String,
}

/// `POST /v1/settlements/{id}/flags {redemption_id, reason}` (the shop, on its own draft
/// entries) → 201 `{id}`.
async fn flag(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<FlagBody>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    caller.require(&[Role::Merchant])?;
    let shop = caller
        .principal
        .merchant_id
        .ok_or_else(|| ApiError::new(Code::Forbidden))?;
    let flag = settlement::flag(
        &state.store,
        id_of(&id)?,
        shop,
        body.redemption_id,
        &body.reason,
    )
    .await?;
    Ok((StatusCode::CREATED, Json(json!({ "id": flag }))))
}

/// `GET /v1/merchants/{id}/bank`: finance sees the account number; the admin and the shop
/// itself see its last four digits.
async fn bank(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<BankDetails>> {
    let merchant = MerchantId(id_of(&id)?);
    let own =
        caller.principal.role == Role::Merchant && caller.principal.merchant_id == Some(merchant);
    if !own {
        caller.require(&[Role::Finance, Role::Admin])?;
        caller.require_area(&state.store.merchant(merchant).await?.kode_desa)?;
    }
    let details = state
        .store
        .bank_details(merchant)
        .await
        .map_err(|e| match e {
            crate::store::StoreError::NotFound => ApiError::new(Code::NotFound),
            other => other.into(),
        })?;
    Ok(Json(if caller.principal.role == Role::Finance {
        details
    } else {
        details.masked()
    }))
}

/// `PUT /v1/merchants/{id}/bank {bank_name, bank_account, bank_holder}` (admin, finance).
async fn set_bank(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<BankDetails>,
) -> ApiResult<StatusCode> {
    caller.require(&[Role::Finance, Role::Admin])?;
    let merchant = MerchantId(id_of(&id)?);
    caller.require_area(&state.store.merchant(merchant).await?.kode_desa)?;
    settlement::set_bank(&state.store, merchant, body, &caller.actor()).await?;
    Ok(StatusCode::NO_CONTENT)
}
