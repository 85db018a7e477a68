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

fn respond(answer: KeyedAnswer, outcome: &'static str, offline: bool) -> Response {
    let label = if answer.replayed { "replayed" } else { outcome };
    // The result code of a decline (`insufficient_balance`, …), `ok` for a receipt.
    let code = if answer.status < 400 {
        "ok".to_owned()
    } else {
        serde_json::from_str::<serde_json::Value>(&answer.body)
            .ok()
            .and_then(|v| v["code"].as_str().map(str::to_owned))
            .unwrap_or_else(|| "unknown".to_owned())
    };
    count_sale(label, &code, offline);
    stored_response(answer.status, answer.body)
}

/// Sales by outcome and result code; synced offline sales once more on their own.
fn count_sale(outcome: &'static str, code: &str, offline: bool) {
    let code = code.to_owned();
    metrics::counter!("relasi_redemptions_total", "outcome" => outcome, "code" => code.clone())
        .increment(1);
    if offline {
        metrics::counter!("relasi_offline_sales_synced_total", "outcome" => outcome, "code" => code)
            .increment(1);
    }
}

/// Whether a client says this sale was made offline and is being synced now
/// (`Relasi-Offline-Sale: 1`; counted only, it changes nothing about the sale).
fn offline_sale(headers: &HeaderMap) -> bool {
    headers
        .get(OFFLINE_SALE_HEADER)
        .is_some_and(|v| v.as_bytes() == b"1")
}

/// The header a merchant client sets when it syncs a sale it queued offline.
pub const OFFLINE_SALE_HEADER: &str = "relasi-offline-sale";

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
    let offline = offline_sale(&headers);
    let answer = match sale::redeem(state.ledger(), merchant, key, &request, now_us()).await {
        Ok(answer) => answer,
        Err(problem) => {
            // Refused before anything was stored (an unreadable token, a bad amount).
            count_sale("declined", problem.code().as_str(), offline);
            return Err(problem);
        }
    };
    let outcome = if answer.status == 201 {
        "debited"
    } else {
        "declined"
    };
    Ok(respond(answer, outcome, offline))
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
    Ok(respond(answer, outcome, false))
}
