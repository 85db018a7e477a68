//! A request id for every request: taken from a proxy's `X-Request-Id` when it is a sane token,
//! else made here; put in the request's log span, echoed in the `X-Request-Id` answer header,
//! and written into every problem+json body as `request_id` (except a shop's stored answers,
//! replayed byte for byte), so a user's screenshot of an error finds its log lines.

use super::error::{PROBLEM_JSON, StoredAnswer};
use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// The header, in and out.
pub const HEADER: &str = "x-request-id";
/// Largest problem body read back (problems are built in memory: a few hundred bytes, a list of
/// every bad registry row at most a few MiB).
const MAX_PROBLEM_BYTES: usize = 8 * 1024 * 1024;

/// This request's id.
#[derive(Clone, Debug)]
pub struct RequestId(pub String);

fn sane(id: &str) -> bool {
    (1..=64).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

fn fresh() -> String {
    hex::encode(rand::random::<[u8; 12]>())
}

/// The middleware: outermost, so the log span and every answer carry the id.
pub async fn request_id(mut req: Request, next: Next) -> Response {
    let id = req
        .headers()
        .get(HEADER)
        .and_then(|v| v.to_str().ok())
        .filter(|v| sane(v))
        .map_or_else(fresh, str::to_owned);
    req.extensions_mut().insert(RequestId(id.clone()));
    let response = next.run(req).await;
    let mut response = with_id_in_problem(response, &id).await;
    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().insert(HEADER, value);
    }
    response
}

async fn with_id_in_problem(response: Response, id: &str) -> Response {
    let is_problem = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(PROBLEM_JSON.as_bytes()));
    if !is_problem || response.extensions().get::<StoredAnswer>().is_some() {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, MAX_PROBLEM_BYTES).await else {
        return (parts.status, "").into_response();
    };
    let body = match serde_json::from_slice::<serde_json::Value>(&bytes) {
        Ok(mut problem) if problem.is_object() => {
            problem["request_id"] = serde_json::Value::from(id);
            parts.headers.remove(header::CONTENT_LENGTH);
            Body::from(problem.to_string())
        }
        _ => Body::from(bytes),
    };
    Response::from_parts(parts, body)
}
