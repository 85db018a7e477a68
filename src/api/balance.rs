//! The family's balance check: public, rate-limited per client address, and nothing personal in
//! the answer (balance, status, validity, and the last few sales with the shop's name).

use super::AppState;
use super::client_addr::{ClientKey, TrustedProxies};
use super::error::{ApiResult, problem_response};
use crate::store::now_us;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::post;
use axum::{Json, Router};
use governor::clock::QuantaInstant;
use governor::middleware::NoOpMiddleware;
use relasi_codes::Code;
use serde::Deserialize;
use serde_json::Value;
use std::sync::Arc;
use tower_governor::GovernorLayer;
use tower_governor::governor::{GovernorConfig, GovernorConfigBuilder};

/// Per client address: a burst of `burst`, then one request every `refill_ms`.
#[derive(Clone, Copy, Debug)]
pub struct BalanceLimit {
    /// Requests allowed at once.
    pub burst: u32,
    /// Milliseconds to earn one more.
    pub refill_ms: u64,
}

impl BalanceLimit {
    /// Checks allowed at once per client address, by default.
    pub const DEFAULT_BURST: u32 = 10;
    /// Milliseconds to earn one more, by default.
    pub const DEFAULT_REFILL_MS: u64 = 2000;
}

impl BalanceLimit {
    /// Sign-in attempts allowed at once per client address, by default.
    pub const DEFAULT_LOGIN_BURST: u32 = 10;
    /// Milliseconds to earn one more sign-in attempt, by default (10 a minute).
    pub const DEFAULT_LOGIN_REFILL_MS: u64 = 6000;

    /// The default limit of sign-in attempts per client address.
    pub fn login_default() -> BalanceLimit {
        BalanceLimit {
            burst: BalanceLimit::DEFAULT_LOGIN_BURST,
            refill_ms: BalanceLimit::DEFAULT_LOGIN_REFILL_MS,
        }
    }
}

impl Default for BalanceLimit {
    fn default() -> Self {
        BalanceLimit {
            burst: BalanceLimit::DEFAULT_BURST,
            refill_ms: BalanceLimit::DEFAULT_REFILL_MS,
        }
    }
}

pub(super) fn router(limit: &RateLimit) -> Router<AppState> {
    limit.apply(Router::new().route("/v1/balance", post(balance)))
}

/// One per-client-address limit, which every route it is applied to shares (sign-in by API and
/// by page draw on one budget). The client is the connecting address, or for a trusted reverse
/// proxy the client its `X-Forwarded-For` names ([`ClientKey`]).
#[derive(Clone, Debug)]
pub struct RateLimit(Option<Arc<GovernorConfig<ClientKey, NoOpMiddleware<QuantaInstant>>>>);

impl RateLimit {
    /// A burst of `limit.burst`, then one more every `limit.refill_ms`, per client address.
    pub fn new(limit: BalanceLimit, proxies: &TrustedProxies) -> RateLimit {
        RateLimit(
            GovernorConfigBuilder::default()
                .key_extractor(ClientKey(proxies.clone()))
                .per_millisecond(limit.refill_ms.max(1))
                .burst_size(limit.burst.max(1))
                .finish()
                .map(Arc::new),
        )
    }

    /// `route` under this limit; over it → 429 `rate_limited`. Used by every public route that
    /// costs work or invites guessing (the balance check, sign-in).
    pub fn apply(&self, route: Router<AppState>) -> Router<AppState> {
        let Some(config) = &self.0 else {
            return route;
        };
        route.layer(
            GovernorLayer::new(config.clone()).error_handler(|e| match e {
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
}

#[derive(Deserialize)]
struct BalanceBody {
    token: String,
}

/// `POST /v1/balance {token}` → `{balance, face_value, status, valid_until, recent:[…]}`, and
/// for a card whose balance moved to a replacement, `moved_to_new_card` with a message.
async fn balance(
    State(state): State<AppState>,
    super::extract::ApiJson(body): super::extract::ApiJson<BalanceBody>,
) -> ApiResult<Json<Value>> {
    Ok(Json(
        crate::usecases::balance::check(state.ledger(), &body.token, now_us()).await?,
    ))
}
