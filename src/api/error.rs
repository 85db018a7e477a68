//! The API's one error type, rendered as RFC 9457 `application/problem+json` with a stable
//! `code`. Titles are Bahasa Indonesia first (`title`), English second (`title_en`). Clients
//! never see internal error text; 5xx causes are logged here, once.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
pub use relasi_codes::Code;
use serde_json::{Value, json};

/// The media type of every error body.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// The API's error is the use cases' [`Problem`](crate::problem::Problem).
pub use crate::problem::Problem as ApiError;

/// The HTTP status of a code.
pub fn status_of(code: Code) -> StatusCode {
    StatusCode::from_u16(code.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
}

/// A response from a stored status and body (problem+json for errors).
pub fn stored_response(status: u16, body: String) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let content_type = if status.as_u16() >= 400 {
        PROBLEM_JSON
    } else {
        "application/json"
    };
    let mut response = (status, body).into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    // Replayed byte for byte: the request id goes in the header only.
    response.extensions_mut().insert(StoredAnswer);
    response
}

/// Marks an answer stored under a shop's Idempotency-Key, whose bytes never change.
#[derive(Clone, Copy, Debug)]
pub struct StoredAnswer;

/// Builds a problem response for any status and code (also used by the fallback layer, whose
/// status may differ from the code's own one).
pub fn problem_response(
    status: StatusCode,
    code: Code,
    detail: Option<&str>,
    errors: Option<&Value>,
) -> Response {
    let mut problem = ApiError::new(code);
    if let Some(d) = detail {
        problem = problem.detail(d);
    }
    if let Some(e) = errors {
        problem = problem.errors(e.clone());
    }
    let mut body = problem.body();
    body["status"] = json!(status.as_u16());
    let mut response = (status, Json(body)).into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
    if status == StatusCode::UNAUTHORIZED {
        response
            .headers_mut()
            .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
    }
    response
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        problem_response(
            status_of(self.code()),
            self.code(),
            self.detail_text(),
            self.error_list(),
        )
    }
}

/// Result of a handler.
pub type ApiResult<T> = Result<T, ApiError>;
