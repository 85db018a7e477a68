//! The family's balance check: public, rate-limited per client address, and nothing personal in
//! the answer (balance, status, validity, and the last few sales with the shop's name).

use super::AppState;
use super::error::{ApiError, ApiResult, problem_response};
use super::keyring::Distrust;
use crate::domain::ids::VoucherId;
use crate::store::now_us;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::post;
use axum::{Json, Router};
use chrono::{DateTime, SecondsFormat};
use relasi_codes::Code;
use relasi_token::SignedToken;
use serde::Deserialize;
use serde_json::{Value, json};
use std::sync::Arc;
use tower_governor::GovernorLayer;
use tower_governor::governor::GovernorConfigBuilder;

/// Entries shown in `recent`.
const RECENT: i64 = 5;

/// Per client address: a burst of `burst`, then one request every `refill_ms`.
#[derive(Clone, Copy, Debug)]
pub struct BalanceLimit {
    /// Requests allowed at once.
    pub burst: u32,
    /// Milliseconds to earn one more.
    pub refill_ms: u64,
}

impl Default for BalanceLimit {
    fn default() -> Self {
        BalanceLimit {
            burst: 10,
            refill_ms: 2000,
        }
    }
}

pub(super) fn router(limit: BalanceLimit) -> Router<AppState> {
    let route = Router::new().route("/v1/balance", post(balance));
    let Some(config) = GovernorConfigBuilder::default()
        .per_millisecond(limit.refill_ms.max(1))
        .burst_size(limit.burst.max(1))
        .finish()
    else {
        return route;
    };
    route.layer(
        GovernorLayer::new(Arc::new(config)).error_handler(|e| match e {
            tower_governor::GovernorError::TooManyRequests { .. } => problem_response(
                StatusCode::TOO_MANY_REQUESTS,
                Code::RateLimited,
                Some("coba lagi sebentar lagi / try again shortly"),
                None,
            ),
            _ => problem_response(
                StatusCode::INTERNAL_SERVER_ERROR,
                Code::Internal,
                None,
                None,
            ),
        }),
    )
}

#[derive(Deserialize)]
struct BalanceBody {
    token: String,
}

/// `POST /v1/balance {token}` → `{balance, status, valid_until, recent:[{amount, kind, date, shop}]}`.
async fn balance(
    State(state): State<AppState>,
    super::extract::ApiJson(body): super::extract::ApiJson<BalanceBody>,
) -> ApiResult<Json<Value>> {
    let token = SignedToken::parse_text(&body.token).map_err(|e| ApiError::new(e.code()))?;
    let now = now_us();
    let now_unix = now.div_euclid(1_000_000);
    state
        .keys
        .verify(&state.deployment, &token, now_unix)
        .await?
        .map_err(|d| match d {
            Distrust::Token(e) => ApiError::new(e.code()),
            Distrust::KeyRevoked => ApiError::new(Code::KeyRevoked),
        })?;
    let id = VoucherId::from_bytes(token.claims.voucher_id);
    let (face, spent, status, valid_until, _) = state
        .store
        .voucher_balance(id)
        .await?
        .ok_or_else(|| ApiError::new(Code::VoucherUnknown))?;
    let status = match status.as_str() {
        "active" if now_unix > valid_until => "expired",
        "active" if now_unix < i64::from(token.claims.valid_from_unix) => "not_yet_valid",
        other => other,
    };
    let recent: Vec<Value> = state
        .store
        .recent_entries(id, RECENT)
        .await?
        .into_iter()
        .map(|(kind, amount, at, shop)| {
            let at = DateTime::from_timestamp_micros(at).unwrap_or_default();
            json!({ "kind": kind, "amount": amount.to_string(), "at": at.to_rfc3339_opts(SecondsFormat::Secs, true), "shop": shop })
        })
        .collect();
    let valid_until = DateTime::from_timestamp(valid_until, 0).unwrap_or_default();
    Ok(Json(json!({
        "balance": (face - spent).to_string(),
        "face_value": face.to_string(),
        "status": status,
        "valid_until": valid_until.to_rfc3339_opts(SecondsFormat::Secs, true),
        "recent": recent,
    })))
}
