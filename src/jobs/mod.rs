//! Long jobs that orchestrate the domain and the store: registry import, issuance, card sheets,
//! and the auditor's verification with its checkpoints.

pub mod audit;
pub mod cards;
pub mod import;
pub mod issue;
pub mod metrics;
pub mod reconcile;
