//! Pure domain types and rules. Imports no sqlx, axum or tokio: everything here is testable
//! without a database or a runtime.

pub mod audit;
pub mod auth;
pub mod budget;
pub mod calendar;
pub mod eligibility;
pub mod household;
pub mod ids;
pub mod journal;
pub mod keys;
pub mod merchant;
pub mod money;
pub mod password;
pub mod programme;
pub mod reconcile;
pub mod registry;
pub mod sale;
pub mod settlement;
pub mod voucher;
pub mod wilayah;

/// A value that failed to parse: which field, and why, in words safe to show a user
/// (never the rejected value itself, which may be personal data).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {reason}")]
pub struct Invalid {
    /// The field or column that was refused.
    pub field: &'static str,
    /// Why, in plain words.
    pub reason: &'static str,
}

impl Invalid {
    /// A refusal of `field` for `reason`.
    pub fn new(field: &'static str, reason: &'static str) -> Invalid {
        Invalid { field, reason }
    }
}
