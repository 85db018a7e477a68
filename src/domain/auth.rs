//! API roles and bearer tokens. Tokens are 256 random bits shown once; only their SHA-256 is
//! stored (a high-entropy secret needs no slow password hash).

use super::ids::MerchantId;
use data_encoding::BASE32_NOPAD;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::fmt;

/// Who a token speaks for.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Programme admin: registry, merchants, lokus, budgets, cycles.
    Admin,
    /// Runs issuance.
    Issuer,
    /// Health cadre: prints card sheets and hand-over lists.
    Kader,
    /// A partner shop (bound to one merchant).
    Merchant,
    /// Finance officer: budgets, reconciliation.
    Finance,
    /// Read-only auditor.
    Auditor,
}

impl Role {
    /// Every role.
    pub const ALL: [Role; 6] = [
        Role::Admin,
        Role::Issuer,
        Role::Kader,
        Role::Merchant,
        Role::Finance,
        Role::Auditor,
    ];

    /// Stored word.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Issuer => "issuer",
            Role::Kader => "kader",
            Role::Merchant => "merchant",
            Role::Finance => "finance",
            Role::Auditor => "auditor",
        }
    }

    /// From the stored word.
    pub fn parse(text: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == text)
    }
}

/// The caller an authenticated request acts for.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Principal {
    /// Role.
    pub role: Role,
    /// For a merchant token, its shop.
    pub merchant_id: Option<MerchantId>,
}

/// Prefix that makes RELASI tokens recognisable to secret scanners.
pub const TOKEN_PREFIX: &str = "rls_";
/// Longest bearer token we look at.
pub const MAX_TOKEN_LEN: usize = 128;

/// A bearer token secret. `Debug` never shows it.
#[derive(Clone, PartialEq, Eq)]
pub struct ApiTokenSecret(String);

impl ApiTokenSecret {
    /// Builds the secret text from 32 random bytes.
    pub fn from_random(bytes: [u8; 32]) -> ApiTokenSecret {
        ApiTokenSecret(format!(
            "{TOKEN_PREFIX}{}",
            BASE32_NOPAD.encode(&bytes).to_ascii_lowercase()
        ))
    }

    /// Wraps a presented token (checked only for size and prefix; its hash decides).
    pub fn presented(text: &str) -> Option<ApiTokenSecret> {
        (text.len() <= MAX_TOKEN_LEN && text.starts_with(TOKEN_PREFIX))
            .then(|| ApiTokenSecret(text.to_owned()))
    }

    /// The text to show once.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// What the database keeps.
    pub fn hash(&self) -> String {
        hex::encode(Sha256::digest(self.0.as_bytes()))
    }
}

impl fmt::Debug for ApiTokenSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ApiTokenSecret(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_redact_and_hash() {
        let s = ApiTokenSecret::from_random([1; 32]);
        assert!(s.expose().starts_with("rls_"));
        assert_eq!(format!("{s:?}"), "ApiTokenSecret(<redacted>)");
        assert_eq!(s.hash().len(), 64);
        assert_ne!(s.hash(), ApiTokenSecret::from_random([2; 32]).hash());
        assert!(ApiTokenSecret::presented("Bearer x").is_none());
        assert!(ApiTokenSecret::presented(&format!("rls_{}", "a".repeat(200))).is_none());
    }

    #[test]
    fn roles_round_trip() {
        for r in Role::ALL {
            assert_eq!(Role::parse(r.as_str()), Some(r));
        }
    }
}
