//! The money path over HTTP: `POST /v1/redemptions` (a shop sells against a voucher) and
//! `POST /v1/redemptions/{id}/reversal`. Thin: the shop is authenticated here, the rest is the
//! sale and reversal use cases (`usecases::sale`, `usecases::reversal`).

use super::AppState;
use super::error::{ApiError, ApiResult, stored_response};
use super::extract::{ApiJson, Caller};
use crate::domain::auth::Role;
use crate::domain::ids::MerchantId;
use crate::domain::sale::SaleBody;
use crate::store::now_us;
use crate::usecases::{KeyedAnswer, reversal, sale};
use axum::Router;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::post;
use relasi_codes::Code;

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/redemptions", post(redeem))
        .route("/v1/redemptions/{id}/reversal", post(reverse))
}

fn merchant_of(caller: &Caller) -> ApiResult<MerchantId> {
    caller.require(&[Role::Merchant])?;
    caller
        .principal
        .merchant_id
        .ok_or_else(|| ApiError::new(Code::Forbidden))
}

/// The `Idempotency-Key` header, if sent (its shape is checked by the use case).
fn idempotency_key(headers: &HeaderMap) -> ApiResult<Option<&str>> {
    headers
        .get("idempotency-key")
        .map(|v| {
            v.to_str()
                .map_err(|_| ApiError::new(Code::IdempotencyKeyInvalid))
        })
        .transpose()
}

fn respond(answer: KeyedAnswer, outcome: &'static str) -> Response {
    let label = if answer.replayed { "replayed" } else { outcome };
    metrics::counter!("relasi_redemptions_total", "outcome" => label).increment(1);
    stored_response(answer.status, answer.body)
}

/// `POST /v1/redemptions` with `Idempotency-Key` → 201 receipt, or a stored decline.
async fn redeem(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    ApiJson(body): ApiJson<SaleBody>,
) -> ApiResult<Response> {
    let merchant = merchant_of(&caller)?;
    let key =
        idempotency_key(&headers)?.ok_or_else(|| ApiError::new(Code::IdempotencyKeyRequired))?;
    let request = body.into_request();
    let answer = sale::redeem(state.ledger(), merchant, key, &request, now_us()).await?;
    let outcome = if answer.status == 201 {
        "debited"
    } else {
        "declined"
    };
    Ok(respond(answer, outcome))
}

/// `POST /v1/redemptions/{id}/reversal` (optional `Idempotency-Key`): the same shop, inside the
/// programme's window, once.
async fn reverse(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let merchant = merchant_of(&caller)?;
    let key = idempotency_key(&headers)?;
    let answer = reversal::reverse(state.ledger(), merchant, key, &id, now_us()).await?;
    let outcome = if answer.status == 201 {
        "reversed"
    } else {
        "reversal_refused"
    };
    Ok(respond(answer, outcome))
}
