//! The API's one error type, rendered as RFC 9457 `application/problem+json` with a stable
//! `code`. Titles are Bahasa Indonesia first (`title`), English second (`title_en`). Clients
//! never see internal error text; 5xx causes are logged here, once.

use crate::store::StoreError;
use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

/// The media type of every error body.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// An error answer. Build it from a code in [`catalogue`]; add `detail` or `errors` when the
/// caller can act on them.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    code: &'static str,
    detail: Option<String>,
    errors: Option<Value>,
}

/// Status and titles of each stable code.
pub fn catalogue(code: &str) -> (StatusCode, &'static str, &'static str) {
    use StatusCode as S;
    match code {
        "invalid_json" => (
            S::BAD_REQUEST,
            "Permintaan tidak dapat dibaca",
            "Request body could not be read",
        ),
        "unauthorized" => (
            S::UNAUTHORIZED,
            "Token akses tidak ada atau tidak sah",
            "Missing or invalid access token",
        ),
        "forbidden" => (
            S::FORBIDDEN,
            "Peran Anda tidak diizinkan",
            "Your role is not allowed to do this",
        ),
        "not_found" => (S::NOT_FOUND, "Tidak ditemukan", "Not found"),
        "programme_not_found" => (
            S::NOT_FOUND,
            "Program tidak ditemukan",
            "Programme not found",
        ),
        "method_not_allowed" => (
            S::METHOD_NOT_ALLOWED,
            "Metode tidak diizinkan",
            "Method not allowed",
        ),
        "already_exists" => (S::CONFLICT, "Data sudah ada", "Already exists"),
        "payload_too_large" => (
            S::PAYLOAD_TOO_LARGE,
            "Data terlalu besar",
            "Request body too large",
        ),
        "unsupported_media_type" => (
            S::UNSUPPORTED_MEDIA_TYPE,
            "Jenis konten tidak didukung",
            "Unsupported content type",
        ),
        "validation_failed" => (S::UNPROCESSABLE_ENTITY, "Data tidak valid", "Invalid data"),
        "registry_invalid" => (
            S::UNPROCESSABLE_ENTITY,
            "Berkas registri ditolak; tidak ada yang disimpan",
            "Registry file refused; nothing was written",
        ),
        "cycle_not_found" => (S::NOT_FOUND, "Siklus belum dibuka", "Cycle not open"),
        "issuance_in_progress" => (
            S::CONFLICT,
            "Penerbitan sedang berjalan",
            "Issuance of this cycle is already running",
        ),
        "no_signing_key" => (
            S::CONFLICT,
            "Belum ada kunci penanda tangan",
            "No active signing key: run relasi keys generate",
        ),
        "idempotency_key_required" => (
            S::BAD_REQUEST,
            "Header Idempotency-Key wajib diisi",
            "The Idempotency-Key header is required",
        ),
        "idempotency_key_invalid" => (
            S::BAD_REQUEST,
            "Idempotency-Key harus 1-128 karakter ASCII",
            "Idempotency-Key must be 1 to 128 printable ASCII characters",
        ),
        "idempotency_key_reused" => (
            S::UNPROCESSABLE_ENTITY,
            "Idempotency-Key sudah dipakai untuk transaksi lain",
            "This Idempotency-Key was used for a different request",
        ),
        "malformed_token" => (
            S::UNPROCESSABLE_ENTITY,
            "QR bukan voucher yang sah",
            "Not a valid voucher QR",
        ),
        "bad_signature" => (
            S::UNPROCESSABLE_ENTITY,
            "Tanda tangan voucher tidak sah",
            "Voucher signature is invalid",
        ),
        "unknown_key" => (
            S::UNPROCESSABLE_ENTITY,
            "Kunci penerbit tidak dikenal",
            "Unknown issuer key",
        ),
        "key_revoked" => (
            S::UNPROCESSABLE_ENTITY,
            "Kunci penerbit sudah dicabut",
            "Issuer key revoked",
        ),
        "invalid_amount" => (
            S::UNPROCESSABLE_ENTITY,
            "Jumlah belanja tidak sah",
            "Invalid amount",
        ),
        "category_not_allowed" => (
            S::UNPROCESSABLE_ENTITY,
            "Kategori barang tidak termasuk program",
            "Item category not allowed by the programme",
        ),
        "merchant_out_of_area" => (
            S::UNPROCESSABLE_ENTITY,
            "Keluarga ini di luar wilayah layanan toko",
            "The household is outside this shop's service area",
        ),
        "merchant_inactive" => (
            S::FORBIDDEN,
            "Toko sedang tidak aktif",
            "This shop is suspended",
        ),
        "voucher_unknown" => (S::NOT_FOUND, "Voucher tidak dikenal", "Unknown voucher"),
        "voucher_revoked" => (S::CONFLICT, "Voucher sudah dicabut", "Voucher revoked"),
        "voucher_expired" => (S::CONFLICT, "Voucher sudah kedaluwarsa", "Voucher expired"),
        "voucher_not_yet_valid" => (
            S::CONFLICT,
            "Voucher belum berlaku",
            "Voucher not yet valid",
        ),
        "insufficient_balance" => (
            S::CONFLICT,
            "Saldo voucher tidak cukup",
            "Insufficient voucher balance",
        ),
        "already_reversed" => (
            S::CONFLICT,
            "Transaksi ini sudah dibatalkan",
            "This sale was already reversed",
        ),
        "reversal_window_closed" => (
            S::CONFLICT,
            "Batas waktu pembatalan sudah lewat",
            "The reversal window has closed",
        ),
        "nothing_to_replace" => (
            S::CONFLICT,
            "Saldo voucher sudah habis",
            "No balance left to move",
        ),
        "already_replaced" => (
            S::CONFLICT,
            "Kartu ini sudah diganti",
            "This card was already replaced",
        ),
        "receipts_unavailable" => (
            S::SERVICE_UNAVAILABLE,
            "Server tidak dapat menandatangani struk",
            "This server cannot sign receipts (signing key missing)",
        ),
        "unknown_wilayah" => (
            S::UNPROCESSABLE_ENTITY,
            "Kode wilayah tidak dikenal",
            "Unknown wilayah code",
        ),
        "unknown_desa" => (
            S::UNPROCESSABLE_ENTITY,
            "Kode desa tidak dikenal",
            "Unknown desa code",
        ),
        "unknown_reference" => (
            S::UNPROCESSABLE_ENTITY,
            "Rujukan tidak dikenal",
            "Refers to something unknown",
        ),
        "programme_required" => (
            S::UNPROCESSABLE_ENTITY,
            "Sebutkan nomor program",
            "Several programmes exist: name one with `programme`",
        ),
        "rate_limited" => (
            S::TOO_MANY_REQUESTS,
            "Terlalu banyak permintaan",
            "Too many requests",
        ),
        "timeout" => (
            S::SERVICE_UNAVAILABLE,
            "Waktu habis, silakan coba lagi",
            "Timed out, please retry",
        ),
        "unavailable" => (
            S::SERVICE_UNAVAILABLE,
            "Layanan sedang tidak tersedia",
            "Service unavailable",
        ),
        "not_ready" => (
            S::SERVICE_UNAVAILABLE,
            "Basis data tidak terjangkau",
            "Database unreachable",
        ),
        _ => (
            S::INTERNAL_SERVER_ERROR,
            "Terjadi kesalahan di server",
            "Internal server error",
        ),
    }
}

impl ApiError {
    /// An error with a catalogued code.
    pub fn new(code: &'static str) -> ApiError {
        ApiError {
            status: catalogue(code).0,
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
        ApiError::new("validation_failed")
            .detail(invalid.to_string())
            .errors(json!([{ "field": invalid.field, "reason": invalid.reason }]))
    }

    /// The status code.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The stable code.
    pub fn code(&self) -> &'static str {
        self.code
    }
}

/// The problem+json body of a catalogued code (stored verbatim for idempotent replays).
pub fn problem_body(code: &str, detail: Option<&str>) -> (StatusCode, Value) {
    let (status, title, title_en) = catalogue(code);
    let mut body = json!({
        "type": format!("urn:relasi:problem:{code}"),
        "title": title,
        "title_en": title_en,
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
/// status may differ from the code's catalogued one).
pub fn problem_response(
    status: StatusCode,
    code: &str,
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
            StoreError::NotFound => ApiError::new("not_found"),
            StoreError::Conflict(code) => ApiError::new(code),
            StoreError::Invalid(code) if catalogue(code).0.is_client_error() => ApiError::new(code),
            StoreError::Invalid(why) => ApiError::new("validation_failed").detail(why),
            StoreError::Unavailable(source) => {
                tracing::warn!(error = %source, "database unavailable");
                ApiError::new("unavailable")
            }
            other => {
                tracing::error!(error = ?other, "storage failure");
                ApiError::new("internal")
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
