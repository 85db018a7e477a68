//! The API's one error type, rendered as RFC 9457 `application/problem+json` with a stable
//! `code`. Titles are Bahasa Indonesia first (`title`), English second (`title_en`). Clients
//! never see internal error text; 5xx causes are logged here, once.

use crate::store::StoreError;
use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
pub use relasi_codes::Code;
use serde_json::{Value, json};

/// The media type of every error body.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// An error answer. Build it from a [`Code`]; add `detail` or `errors` when the caller can act
/// on them.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    code: Code,
    detail: Option<String>,
    errors: Option<Value>,
}

impl ApiError {
    /// An error with its code's status.
    pub fn new(code: Code) -> ApiError {
        ApiError {
            status: status_of(code),
            code,
            detail: None,
            errors: None,
        }
    }

    /// Adds a human-readable detail (never personal data, never internal error text).
    pub fn detail(mut self, detail: impl Into<String>) -> ApiError {
        self.detail = Some(detail.into());
        self
    }

    /// Adds a machine-readable list of what was wrong.
    pub fn errors(mut self, errors: Value) -> ApiError {
        self.errors = Some(errors);
        self
    }

    /// 422 for a field that failed to parse.
    pub fn invalid(invalid: &crate::domain::Invalid) -> ApiError {
        ApiError::new(Code::ValidationFailed)
            .detail(invalid.to_string())
            .errors(json!([{ "field": invalid.field, "reason": invalid.reason }]))
    }

    /// The status code.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The stable code.
    pub fn code(&self) -> Code {
        self.code
    }
}

/// The HTTP status of a code.
pub fn status_of(code: Code) -> StatusCode {
    StatusCode::from_u16(code.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
}

/// The problem+json body of a code (stored verbatim for idempotent replays).
pub fn problem_body(code: Code, detail: Option<&str>) -> (StatusCode, Value) {
    let status = status_of(code);
    let mut body = json!({
        "type": format!("urn:relasi:problem:{code}"),
        "title": code.title(),
        "title_en": code.title_en(),
        "status": status.as_u16(),
        "code": code,
    });
    if let Some(d) = detail {
        body["detail"] = json!(d);
    }
    (status, body)
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
    response
}

/// Builds a problem response for any status and code (also used by the fallback layer, whose
/// status may differ from the code's own one).
pub fn problem_response(
    status: StatusCode,
    code: Code,
    detail: Option<&str>,
    errors: Option<&Value>,
) -> Response {
    let (_, mut body) = problem_body(code, detail);
    body["status"] = json!(status.as_u16());
    if let Some(e) = errors {
        body["errors"] = e.clone();
    }
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
            self.status,
            self.code,
            self.detail.as_deref(),
            self.errors.as_ref(),
        )
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> ApiError {
        match e {
            StoreError::NotFound => ApiError::new(Code::NotFound),
            StoreError::Conflict(code) => ApiError::new(code),
            StoreError::Invalid(code) => ApiError::new(code),
            StoreError::Unavailable(source) => {
                tracing::warn!(error = %source, "database unavailable");
                ApiError::new(Code::Unavailable)
            }
            other => {
                tracing::error!(error = ?other, "storage failure");
                ApiError::new(Code::Internal)
            }
        }
    }
}

impl From<crate::domain::Invalid> for ApiError {
    fn from(invalid: crate::domain::Invalid) -> ApiError {
        ApiError::invalid(&invalid)
    }
}

/// Result of a handler.
pub type ApiResult<T> = Result<T, ApiError>;
