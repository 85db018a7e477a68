//! Vouchers for the issuing office: list, detail and QR images.

use super::AppState;
use super::disclosure;
use super::error::{ApiError, ApiResult};
use super::extract::Caller;
use crate::domain::auth::Role;
use crate::domain::ids::{Period, VoucherId};
use crate::domain::voucher::Voucher;
use crate::domain::wilayah::WilayahCode;
use crate::render::qr;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use relasi_codes::Code;
use serde::Deserialize;
use serde_json::{Value, json};

/// Vouchers per page.
const ROLES: &[Role] = &[Role::Admin, Role::Issuer];

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/vouchers", get(list))
        .route("/v1/vouchers/{id}", get(show))
        .route("/v1/vouchers/{id}/qr.svg", get(qr_svg))
        .route("/v1/vouchers/{id}/qr.png", get(qr_png))
        .route("/v1/vouchers/{id}/revoke", post(revoke))
        .route("/v1/vouchers/{id}/replace", post(replace))
}

fn voucher_id(id: &str) -> ApiResult<VoucherId> {
    VoucherId::parse(id).map_err(|_| ApiError::new(Code::NotFound))
}

/// `POST /v1/vouchers/{id}/revoke` (admin): the card stops working at once; it is listed in
/// `GET /v1/revocations` for offline shops.
async fn revoke(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    caller.require(&[Role::Admin])?;
    let id = voucher_id(&id)?;
    caller.require_area(&state.store.voucher(id).await?.kode_desa)?;
    if !state.store.revoke_voucher(id, &caller.actor()).await? {
        // Unknown (404 from the read below) or revoked already.
        state.store.voucher(id).await?;
        return Err(ApiError::new(Code::VoucherRevoked));
    }
    Ok(Json(voucher_json(
        &state.store.voucher(id).await?,
        caller.principal.role,
    )))
}

/// `POST /v1/vouchers/{id}/replace` (admin): a lost card is revoked and its remaining balance
/// moves to a new, newly signed voucher, in one transaction. 201 with the new voucher.
async fn replace(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    caller.require(&[Role::Admin])?;
    let id = voucher_id(&id)?;
    caller.require_area(&state.store.voucher(id).await?.kode_desa)?;
    let new_id = crate::usecases::replacement::replace(state.ledger(), id, &caller.actor()).await?;
    Ok((
        StatusCode::CREATED,
        Json(voucher_json(
            &state.store.voucher(new_id).await?,
            caller.principal.role,
        )),
    ))
}

/// The SPEC's voucher fields, `no_kk` masked for a role without the need
/// ([`disclosure::voucher_kk_in_clear`]).
pub(super) fn voucher_json(v: &Voucher, role: Role) -> Value {
    let no_kk = if disclosure::voucher_kk_in_clear(role) {
        v.no_kk.as_str().to_owned()
    } else {
        disclosure::mask(v.no_kk.as_str())
    };
    json!({
        "id": v.id,
        "token": v.token,
        "no_kk": no_kk,
        "kode_desa": v.kode_desa,
        "face_value": v.face_value,
        "balance": v.balance(),
        "status": v.status,
        "valid_from": v.valid_from,
        "valid_until": v.valid_until,
        "card_number": v.id.card_number(),
        "replaces": v.replaces,
        "replaced_by": v.replaced_by,
    })
}

#[derive(Deserialize)]
struct ListQuery {
    period: String,
    desa: Option<String>,
    page: Option<i64>,
    programme: Option<u16>,
}

/// `GET /v1/vouchers?period=&desa=&page=` (page from 1, `RELASI_PAGE_SIZE` a page).
async fn list(
    State(state): State<AppState>,
    caller: Caller,
    query: Result<Query<ListQuery>, axum::extract::rejection::QueryRejection>,
) -> ApiResult<Json<Value>> {
    caller.require(ROLES)?;
    let Query(q) = query
        .map_err(|_| ApiError::new(Code::ValidationFailed).detail("period=YYYY-MM is required"))?;
    let period = Period::parse(&q.period)?;
    let desa = list_area(&caller, q.desa.as_deref())?;
    let page = q.page.unwrap_or(1);
    if !(1..=100_000).contains(&page) {
        return Err(ApiError::new(Code::ValidationFailed).detail("page must be 1 or more"));
    }
    let programme = crate::usecases::programmes::resolve(&state.store, q.programme).await?;
    let page_size = state.config.page_size;
    let rows = state
        .store
        .vouchers(
            programme.id,
            period,
            desa.as_ref(),
            (page - 1) * page_size,
            page_size,
        )
        .await?;
    let role = caller.principal.role;
    let items: Vec<Value> = rows.iter().map(|v| voucher_json(v, role)).collect();
    Ok(Json(
        json!({ "page": page, "page_size": page_size, "vouchers": items }),
    ))
}

async fn find(state: &AppState, caller: &Caller, id: &str) -> ApiResult<Voucher> {
    caller.require(ROLES)?;
    let id = VoucherId::parse(id).map_err(|_| ApiError::new(Code::NotFound))?;
    let voucher = state.store.voucher(id).await?;
    caller.require_area(&voucher.kode_desa)?;
    Ok(voucher)
}

/// The area a list covers: the `desa` asked for (403 outside the caller's area), else the
/// caller's one area code; a caller with several codes names one (422).
fn list_area(caller: &Caller, desa: Option<&str>) -> ApiResult<Option<WilayahCode>> {
    let area = &caller.principal.area;
    match desa {
        Some(text) => {
            let code = WilayahCode::parse(text)?;
            caller.require_area(&code)?;
            Ok(Some(code))
        }
        None if area.is_district() => Ok(None),
        None => match area.codes() {
            [only] => Ok(Some(only.clone())),
            _ => Err(ApiError::new(Code::ValidationFailed)
                .detail("name one desa of your area: desa=KODE")),
        },
    }
}

/// `GET /v1/vouchers/{id}`.
async fn show(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    Ok(Json(voucher_json(
        &find(&state, &caller, &id).await?,
        caller.principal.role,
    )))
}

/// `GET /v1/vouchers/{id}/qr.svg`.
async fn qr_svg(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let v = find(&state, &caller, &id).await?;
    let svg = qr::svg(&v.token).map_err(|_| ApiError::new(Code::Internal))?;
    Ok(([(header::CONTENT_TYPE, "image/svg+xml")], svg).into_response())
}

/// `GET /v1/vouchers/{id}/qr.png`.
async fn qr_png(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let v = find(&state, &caller, &id).await?;
    let text = qr::card_text(&v.token, state.config.public_url.as_deref());
    let png = qr::png(&text).map_err(|_| ApiError::new(Code::Internal))?;
    Ok(([(header::CONTENT_TYPE, "image/png")], png).into_response())
}
