//! `POST /v1/scan` (merchant): a camera frame (JPEG or PNG) in, the voucher's QR text out — for
//! phones whose browser has no `BarcodeDetector`. The same Rust decoder as the merchant client
//! (`relasi_token::scan`), run off the async threads.

use super::AppState;
use super::error::{ApiError, ApiResult};
use super::extract::Caller;
use crate::domain::auth::Role;
use axum::body::Bytes;
use axum::routing::post;
use axum::{Json, Router};
use relasi_codes::Code;
use relasi_token::scan::{self, DecodeError};
use serde_json::{Value, json};

/// Largest frame accepted (a 1280×720 JPEG is about 100 KiB).
pub const MAX_FRAME_BYTES: usize = 900 * 1024;

pub(super) fn router() -> Router<AppState> {
    Router::new().route("/v1/scan", post(decode_frame))
}

async fn decode_frame(caller: Caller, body: Bytes) -> ApiResult<Json<Value>> {
    caller.require(&[Role::Merchant])?;
    if body.len() > MAX_FRAME_BYTES {
        return Err(ApiError::new(Code::PayloadTooLarge));
    }
    let decoded = tokio::task::spawn_blocking(move || scan::from_image(&body))
        .await
        .map_err(|_| ApiError::new(Code::Internal))?;
    match decoded {
        Ok(token) => Ok(Json(json!({ "token": token }))),
        Err(DecodeError::NoQr) => Ok(Json(json!({ "token": null }))),
        Err(e) => Err(ApiError::new(Code::MalformedToken).detail(e.to_string())),
    }
}
