//! Partner shops: registration by the admin, pairing a shop's phone, suspending and
//! reactivating a shop; a shop may read its own record.

use super::AppState;
use super::error::{ApiError, ApiResult};
use super::extract::{ApiJson, Caller};
use crate::domain::auth::Role;
use crate::domain::ids::MerchantId;
use crate::domain::merchant::{Merchant, MerchantStatus};
use crate::domain::programme::Category;
use crate::domain::wilayah::{Level, WilayahCode};
use crate::store::NewMerchant;
use crate::usecases;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::routing::{get, post};
use axum::{Json, Router};
use relasi_codes::Code;
use serde::Deserialize;
use serde_json::{Value, json};

/// Most service-area codes and categories one shop may list.
const MAX_LIST: usize = 100;

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/merchants", post(create))
        .route("/v1/merchants/{id}", get(show))
        .route("/v1/merchants/{id}/pairing", post(pairing))
        .route("/v1/merchants/{id}/suspend", post(suspend))
        .route("/v1/merchants/{id}/reactivate", post(reactivate))
}

/// `POST /v1/merchants/{id}/suspend` (admin of the shop's area) → 200 with the shop, now
/// `inactive`: its sales are refused with `merchant_inactive` from the next request on.
async fn suspend(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<Merchant>> {
    set_status(&state, &caller, &id, MerchantStatus::Inactive).await
}

/// `POST /v1/merchants/{id}/reactivate` (admin of the shop's area) → 200 with the shop, `active`.
async fn reactivate(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<Merchant>> {
    set_status(&state, &caller, &id, MerchantStatus::Active).await
}

async fn set_status(
    state: &AppState,
    caller: &Caller,
    id: &str,
    status: MerchantStatus,
) -> ApiResult<Json<Merchant>> {
    caller.require(&[Role::Admin])?;
    let id = merchant_id(id)?;
    let shop = usecases::merchants::set_status(
        &state.store,
        &caller.principal,
        id,
        status,
        &caller.actor(),
    )
    .await?;
    Ok(Json(shop))
}

#[derive(Deserialize)]
struct CreateMerchant {
    name: String,
    kode_desa: String,
    #[serde(default)]
    service_area: Vec<String>,
    #[serde(default)]
    categories: Vec<String>,
}

impl CreateMerchant {
    fn parse(self) -> Result<NewMerchant, ApiError> {
        let name = self.name.trim().to_owned();
        if name.is_empty() || name.chars().count() > 120 {
            return Err(
                ApiError::new(Code::ValidationFailed).detail("name must be 1 to 120 characters")
            );
        }
        let kode_desa = WilayahCode::parse(&self.kode_desa)?;
        if kode_desa.level() != Level::Desa {
            return Err(
                ApiError::new(Code::ValidationFailed).detail("kode_desa must be a desa code")
            );
        }
        if self.service_area.len() > MAX_LIST || self.categories.len() > MAX_LIST {
            return Err(ApiError::new(Code::ValidationFailed)
                .detail("at most 100 service areas and categories"));
        }
        let mut service_area: Vec<WilayahCode> = self
            .service_area
            .iter()
            .map(|c| WilayahCode::parse(c))
            .collect::<Result<_, _>>()?;
        if service_area.is_empty() {
            // A shop serves its own desa unless told otherwise.
            service_area.push(kode_desa.clone());
        }
        let categories = if self.categories.is_empty() {
            Category::defaults()
        } else {
            self.categories
                .iter()
                .map(|c| Category::parse(c))
                .collect::<Result<_, _>>()?
        };
        Ok(NewMerchant {
            name,
            kode_desa,
            service_area,
            categories,
        })
    }
}

/// `POST /v1/merchants` (admin) → 201 with the shop.
async fn create(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<CreateMerchant>,
) -> ApiResult<(StatusCode, Json<Merchant>)> {
    caller.require_district_role(&[Role::Admin])?;
    let new = body.parse()?;
    let merchant = state.store.create_merchant(&new, &caller.actor()).await?;
    Ok((StatusCode::CREATED, Json(merchant)))
}

#[derive(Deserialize)]
struct PairingRequest {
    base_url: String,
}

/// `POST /v1/merchants/{id}/pairing {base_url}` (admin) → 201 with a new token for the shop's
/// phone inside a sign-in link and its QR (`usecases::pairing`). Never cached: it is a secret.
async fn pairing(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<PairingRequest>,
) -> ApiResult<(
    StatusCode,
    [(header::HeaderName, &'static str); 1],
    Json<Value>,
)> {
    caller.require(&[Role::Admin])?;
    let id = merchant_id(&id)?;
    caller.require_area(&state.store.merchant(id).await?.kode_desa)?;
    let pairing =
        usecases::pairing::pair(&state.store, id, &body.base_url, &caller.actor()).await?;
    let body = json!({
        "merchant_id": pairing.merchant_id,
        "merchant_name": pairing.merchant_name,
        "link": pairing.link,
        "qr_svg": pairing.qr_svg()?,
    });
    Ok((
        StatusCode::CREATED,
        [(header::CACHE_CONTROL, "no-store")],
        Json(body),
    ))
}

fn merchant_id(text: &str) -> Result<MerchantId, ApiError> {
    text.parse::<i64>()
        .map(MerchantId)
        .map_err(|_| ApiError::new(Code::NotFound))
}

/// `GET /v1/merchants/{id}`: admins, finance and auditors see any shop; a shop sees itself.
async fn show(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<Merchant>> {
    let id = merchant_id(&id)?;
    let own = caller.principal.role == Role::Merchant && caller.principal.merchant_id == Some(id);
    if !own {
        caller.require(&[Role::Admin, Role::Finance, Role::Auditor])?;
    }
    let merchant = state.store.merchant(id).await?;
    if !own {
        caller.require_area(&merchant.kode_desa)?;
    }
    Ok(Json(merchant))
}
