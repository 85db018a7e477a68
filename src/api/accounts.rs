//! Officers' accounts over HTTP: `POST /v1/login` (name and password → a session token with its
//! expiry), `POST /v1/account/password` (one's own), and an admin's: `GET|POST /v1/accounts`
//! (list, never a password hash; create), `POST /v1/accounts/{id}/unlock`, `/password` (a
//! reset), `/disable`. An admin manages the accounts inside its own area.

use super::AppState;
use super::error::{ApiError, ApiResult};
use super::extract::{ApiJson, Caller};
use crate::domain::auth::{AccountState, Area, Grant, Role};
use crate::domain::ids::{AccountId, MerchantId};
use crate::domain::wilayah::WilayahCode;
use crate::store::{AccountInfo, now_us};
use crate::usecases::accounts;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::routing::post;
use axum::{Json, Router};
use chrono::{DateTime, Utc};
use relasi_codes::Code;
use serde::Deserialize;
use serde_json::{Value, json};

pub(super) fn router(sign_in_limit: &super::RateLimit) -> Router<AppState> {
    let sign_in = Router::new().route("/v1/login", post(login));
    Router::new()
        .merge(sign_in_limit.apply(sign_in))
        .route("/v1/accounts", post(create).get(list))
        .route("/v1/accounts/{id}/unlock", post(unlock))
        .route("/v1/accounts/{id}/password", post(reset_password))
        .route("/v1/accounts/{id}/disable", post(disable))
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

/// A grant from a request's role, shop and area codes (422 naming the field when they do not fit).
pub(super) fn grant_of(
    role: Role,
    merchant_id: Option<i64>,
    areas: &[String],
) -> Result<Grant, ApiError> {
    let codes = areas
        .iter()
        .map(|c| WilayahCode::parse(c))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Grant::new(
        role,
        merchant_id.map(MerchantId),
        Area::of(codes)?,
    )?)
}

/// An instant stored in µs, as JSON's RFC 3339.
pub(super) fn instant(at_us: Option<i64>) -> Option<DateTime<Utc>> {
    at_us.and_then(DateTime::from_timestamp_micros)
}

/// `POST /v1/accounts` (an admin, for an area inside its own) → 201 `{id, name, role,
/// merchant_id, areas}`.
async fn create(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<NewAccount>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    caller.require(&[Role::Admin])?;
    let grant = grant_of(body.role, body.merchant_id, &body.areas)?;
    let id = accounts::admin_create_account(
        &state.store,
        &caller.principal,
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

/// `?before=ID`: the page of a list below this id.
#[derive(Deserialize)]
pub(super) struct PageQuery {
    pub(super) before: Option<i64>,
    #[serde(default)]
    pub(super) sessions: bool,
}

/// The query of a list (400 `invalid_json` when it does not parse).
pub(super) fn page_query(
    query: Result<Query<PageQuery>, QueryRejection>,
) -> Result<PageQuery, ApiError> {
    query
        .map(|Query(q)| q)
        .map_err(|_| ApiError::new(Code::InvalidJson).detail("bad query string"))
}

fn account_json(a: &AccountInfo, now: i64) -> Value {
    json!({
        "id": a.id, "name": a.name, "role": a.grant.role, "merchant_id": a.grant.merchant_id,
        "areas": a.grant.area.codes(),
        "state": AccountState::at(now, a.locked_until_us, a.disabled_at_us),
        "failed_logins": a.failed_logins, "locked_until": instant(a.locked_until_us),
        "disabled_at": instant(a.disabled_at_us), "last_sign_in": instant(a.last_sign_in_us),
        "created_at": instant(Some(a.created_at_us)),
    })
}

/// `GET /v1/accounts?before=` (admin) → 200 `{accounts: [...], next_before}`: the accounts
/// inside the caller's area, newest first; never a password hash.
async fn list(
    State(state): State<AppState>,
    caller: Caller,
    query: Result<Query<PageQuery>, QueryRejection>,
) -> ApiResult<Json<Value>> {
    caller.require(&[Role::Admin])?;
    let query = page_query(query)?;
    let page = accounts::list_accounts(&state.store, &caller.principal, query.before).await?;
    let now = now_us();
    let rows: Vec<Value> = page.rows.iter().map(|a| account_json(a, now)).collect();
    Ok(Json(
        json!({ "accounts": rows, "next_before": page.next_before }),
    ))
}

/// An id in a path: anything but a number is no account (404).
pub(super) fn id_of(text: &str) -> Result<i64, ApiError> {
    text.parse().map_err(|_| ApiError::new(Code::NotFound))
}

/// `POST /v1/accounts/{id}/unlock` (admin) → 204: the lock-out ends at once.
async fn unlock(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    caller.require(&[Role::Admin])?;
    let id = AccountId(id_of(&id)?);
    accounts::unlock(&state.store, &caller.principal, id, &caller.actor()).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize)]
struct ResetPassword {
    password: String,
}

/// `POST /v1/accounts/{id}/password {password}` (admin) → 204: a new password (10-128
/// characters); the lock-out and every session of the account end.
async fn reset_password(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<ResetPassword>,
) -> ApiResult<StatusCode> {
    caller.require(&[Role::Admin])?;
    let id = AccountId(id_of(&id)?);
    let actor = caller.actor();
    accounts::reset_password(&state.store, &caller.principal, id, &body.password, &actor).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /v1/accounts/{id}/disable` (admin) → 204: no more sign-ins, every session ends.
async fn disable(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    caller.require(&[Role::Admin])?;
    let id = AccountId(id_of(&id)?);
    accounts::disable(&state.store, &caller.principal, id, &caller.actor()).await?;
    Ok(StatusCode::NO_CONTENT)
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
