//! Signing-key metadata: what `GET /v1/keys` publishes. Private keys never enter this module.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// The life of a signing key.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KeyStatus {
    /// Signs new vouchers.
    Active,
    /// No longer signs; tokens it signed still verify until `verify_until`.
    Retired,
    /// Compromised: nothing it signed is accepted.
    Revoked,
}

impl KeyStatus {
    /// Stored word.
    pub fn as_str(self) -> &'static str {
        match self {
            KeyStatus::Active => "active",
            KeyStatus::Retired => "retired",
            KeyStatus::Revoked => "revoked",
        }
    }

    /// From the stored word.
    pub fn parse(text: &str) -> Option<KeyStatus> {
        match text {
            "active" => Some(KeyStatus::Active),
            "retired" => Some(KeyStatus::Retired),
            "revoked" => Some(KeyStatus::Revoked),
            _ => None,
        }
    }
}

/// Public facts about one signing key.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct SigningKeyMeta {
    /// kid.
    pub kid: relasi_token::Kid,
    /// The 32-byte Ed25519 public key.
    pub public_key: [u8; 32],
    /// Status.
    pub status: KeyStatus,
    /// Signs from.
    pub signing_from: DateTime<Utc>,
    /// Signs until (open while active).
    pub signing_until: Option<DateTime<Utc>>,
    /// Tokens verify until (open while active).
    pub verify_until: Option<DateTime<Utc>>,
}
