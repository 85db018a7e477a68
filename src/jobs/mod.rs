//! Long jobs that orchestrate the domain and the store: registry import, issuance.

pub mod cards;
pub mod import;
pub mod issue;
