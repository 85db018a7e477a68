//! The one error a use case answers with: a stable [`Code`] (status and titles come with it),
//! plus, when the caller can act on them, a detail in plain words and a list of what was wrong.
//! The API renders it as problem+json (`api::error`); the CLI prints it. Internal error text
//! never reaches it: storage failures are logged here, once, and become `internal`.

use crate::domain::Invalid;
use crate::store::StoreError;
pub use relasi_codes::Code;
use serde_json::{Value, json};

/// A refusal or failure with its stable code.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    code: Code,
    detail: Option<String>,
    errors: Option<Value>,
}

impl Problem {
    /// A problem with this code.
    pub fn new(code: Code) -> Problem {
        Problem {
            code,
            detail: None,
            errors: None,
        }
    }

    /// Adds a human-readable detail (never personal data, never internal error text).
    pub fn detail(mut self, detail: impl Into<String>) -> Problem {
        self.detail = Some(detail.into());
        self
    }

    /// Adds a machine-readable list of what was wrong.
    pub fn errors(mut self, errors: Value) -> Problem {
        self.errors = Some(errors);
        self
    }

    /// 422 for a field that failed to parse.
    pub fn invalid(invalid: &Invalid) -> Problem {
        Problem::new(Code::ValidationFailed)
            .detail(invalid.to_string())
            .errors(json!([{ "field": invalid.field, "reason": invalid.reason }]))
    }

    /// The stable code.
    pub fn code(&self) -> Code {
        self.code
    }

    /// The detail, if any.
    pub fn detail_text(&self) -> Option<&str> {
        self.detail.as_deref()
    }

    /// The list of what was wrong, if any.
    pub fn error_list(&self) -> Option<&Value> {
        self.errors.as_ref()
    }

    /// The RFC 9457 problem+json body (also stored verbatim for idempotent replays).
    pub fn body(&self) -> Value {
        let code = self.code;
        let mut body = json!({
            "type": format!("urn:relasi:problem:{code}"),
            "title": code.title(),
            "title_en": code.title_en(),
            "status": code.status(),
            "code": code,
        });
        if let Some(d) = &self.detail {
            body["detail"] = json!(d);
        }
        if let Some(e) = &self.errors {
            body["errors"] = e.clone();
        }
        body
    }
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} / {}", self.code.title(), self.code.title_en())?;
        if let Some(d) = &self.detail {
            write!(f, ": {d}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Problem {}

impl From<StoreError> for Problem {
    fn from(e: StoreError) -> Problem {
        match e {
            StoreError::NotFound => Problem::new(Code::NotFound),
            StoreError::Conflict(code) | StoreError::Invalid(code) => Problem::new(code),
            StoreError::Unavailable(source) => {
                tracing::warn!(error = %source, "database unavailable");
                Problem::new(Code::Unavailable)
            }
            StoreError::Busy(source) => {
                tracing::warn!(error = %source, "database busy: retries exhausted");
                Problem::new(Code::Unavailable)
            }
            other => {
                tracing::error!(error = ?other, "storage failure");
                Problem::new(Code::Internal)
            }
        }
    }
}

impl From<Invalid> for Problem {
    fn from(invalid: Invalid) -> Problem {
        Problem::invalid(&invalid)
    }
}
