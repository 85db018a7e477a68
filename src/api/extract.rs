//! Request extractors whose rejections are problem+json: JSON bodies and the caller (a bearer
//! token, or a page's session cookie with its CSRF token).

use super::AppState;
use super::error::ApiError;
use crate::domain::auth::{ApiTokenSecret, Principal, Role};
use crate::domain::ids::ApiTokenId;
use crate::domain::wilayah::WilayahCode;
use crate::web::session;
use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::header;
use axum::http::request::Parts;
use relasi_codes::Code;
use serde::de::DeserializeOwned;

/// A JSON body. Unreadable JSON or wrong types → 400 `invalid_json`; no JSON content type →
/// 415; over the body limit → 413.
#[derive(Debug)]
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(value)) => Ok(ApiJson(value)),
            Err(rejection) => Err(json_rejection(&rejection)),
        }
    }
}

fn json_rejection(rejection: &JsonRejection) -> ApiError {
    match rejection {
        JsonRejection::MissingJsonContentType(_) => {
            ApiError::new(Code::UnsupportedMediaType).detail("send Content-Type: application/json")
        }
        JsonRejection::BytesRejection(_)
            if rejection.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE =>
        {
            ApiError::new(Code::PayloadTooLarge)
        }
        // serde's message names the field and the expected type, never the value sent.
        JsonRejection::JsonDataError(e) => ApiError::new(Code::InvalidJson).detail(e.body_text()),
        _ => ApiError::new(Code::InvalidJson),
    }
}

/// An authenticated caller: the token's id and what it may do.
#[derive(Clone, Debug)]
pub struct Caller {
    /// Which token (for the audit trail).
    pub token_id: ApiTokenId,
    /// Role and shop.
    pub principal: Principal,
}

impl Caller {
    /// 403 unless the caller has one of `roles`.
    pub fn require(&self, roles: &[Role]) -> Result<(), ApiError> {
        if roles.contains(&self.principal.role) {
            Ok(())
        } else {
            Err(ApiError::new(Code::Forbidden))
        }
    }

    /// 403 `outside_area` unless the caller's area covers `code` (a desa, or a wider area).
    pub fn require_area(&self, code: &WilayahCode) -> Result<(), ApiError> {
        if self.principal.area.covers(code) {
            Ok(())
        } else {
            Err(ApiError::new(Code::OutsideArea))
        }
    }

    /// 403 `district_role_required` unless the caller acts for the whole district: actions
    /// on the whole programme (imports, budgets, lokus, cycles, issuance) are not split by area.
    pub fn require_district(&self) -> Result<(), ApiError> {
        if self.principal.area.is_district() {
            Ok(())
        } else {
            Err(ApiError::new(Code::DistrictRoleRequired))
        }
    }

    /// `require(roles)`, then `require_district()`.
    pub fn require_district_role(&self, roles: &[Role]) -> Result<(), ApiError> {
        self.require(roles)?;
        self.require_district()
    }

    /// How the audit chain names this caller.
    pub fn actor(&self) -> String {
        format!("{}#{}", self.principal.role.as_str(), self.token_id.0)
    }
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    /// The bearer token, or else a page's session cookie: then an unsafe method must carry the
    /// session's CSRF token from a same-origin page (`web::session`).
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let presented = match parts.headers.get(header::AUTHORIZATION) {
            Some(header_value) => {
                let text = header_value
                    .to_str()
                    .map_err(|_| ApiError::new(Code::Unauthorized))?;
                text.strip_prefix("Bearer ")
                    .or_else(|| text.strip_prefix("bearer "))
                    .and_then(|t| ApiTokenSecret::presented(t.trim()))
                    .ok_or_else(|| ApiError::new(Code::Unauthorized))?
            }
            None => {
                let secret = session::session_secret(&parts.headers).ok_or_else(|| {
                    ApiError::new(Code::Unauthorized).detail("send Authorization: Bearer <token>")
                })?;
                if !session::is_safe(&parts.method)
                    && !session::unsafe_request_allowed(&parts.headers, &secret, None)
                {
                    return Err(ApiError::new(Code::CsrfFailed));
                }
                secret
            }
        };
        match state.store.principal_for(&presented).await? {
            Some((token_id, principal)) => Ok(Caller {
                token_id,
                principal,
            }),
            None => Err(ApiError::new(Code::Unauthorized)),
        }
    }
}
