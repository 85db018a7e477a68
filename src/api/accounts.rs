//! Officers' accounts over HTTP: `POST /v1/login` (name and password → a session token with its
//! expiry), `POST /v1/accounts` (an admin creates one), `POST /v1/account/password`.

use super::AppState;
use super::error::{ApiError, ApiResult};
use super::extract::{ApiJson, Caller};
use crate::domain::auth::{Area, Grant, Role};
use crate::domain::ids::MerchantId;
use crate::domain::wilayah::WilayahCode;
use crate::usecases::accounts;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::post;
use axum::{Json, Router};
use chrono::DateTime;
use relasi_codes::Code;
use serde::Deserialize;
use serde_json::{Value, json};

pub(super) fn router(sign_in_limit: &super::RateLimit) -> Router<AppState> {
    let sign_in = Router::new().route("/v1/login", post(login));
    Router::new()
        .merge(sign_in_limit.apply(sign_in))
        .route("/v1/accounts", post(create))
        .route("/v1/account/password", post(change_password))
}

#[derive(Deserialize)]
struct Login {
    name: String,
    password: String,
}

/// `POST /v1/login {name, password}` → 201 `{token, expires_at, role, areas}`.
async fn login(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<Login>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let policy = state.config.login;
    let session = accounts::login(&state.store, policy, &body.name, &body.password).await?;
    let expires_at = DateTime::from_timestamp_micros(session.expires_at_us)
        .ok_or(ApiError::new(Code::Internal))?;
    Ok((
        StatusCode::CREATED,
        Json(json!({
            "token": session.secret.expose(),
            "expires_at": expires_at,
            "role": session.grant.role,
            "merchant_id": session.grant.merchant_id,
            "areas": session.grant.area.codes(),
        })),
    ))
}

#[derive(Deserialize)]
struct NewAccount {
    name: String,
    password: String,
    role: Role,
    merchant_id: Option<i64>,
    #[serde(default)]
    areas: Vec<String>,
}

/// `POST /v1/accounts` (admin of the district) → 201 `{id, name, role, merchant_id, areas}`.
async fn create(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<NewAccount>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    caller.require_district_role(&[Role::Admin])?;
    let codes = body
        .areas
        .iter()
        .map(|c| WilayahCode::parse(c))
        .collect::<Result<Vec<_>, _>>()?;
    let grant = Grant::new(
        body.role,
        body.merchant_id.map(MerchantId),
        Area::of(codes)?,
    )?;
    let id = accounts::create_account(
        &state.store,
        &body.name,
        &body.password,
        &grant,
        &caller.actor(),
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({
            "id": id, "name": body.name, "role": grant.role,
            "merchant_id": grant.merchant_id, "areas": grant.area.codes(),
        })),
    ))
}

#[derive(Deserialize)]
struct ChangePassword {
    current_password: String,
    new_password: String,
}

/// `POST /v1/account/password` (a session of an account) → 204; every session of the account
/// ends, this one included.
async fn change_password(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<ChangePassword>,
) -> ApiResult<StatusCode> {
    let account = caller
        .principal
        .account_id
        .ok_or(ApiError::new(Code::Forbidden).detail("sign in with an account first"))?;
    accounts::change_password(
        &state.store,
        account,
        &body.current_password,
        &body.new_password,
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}
