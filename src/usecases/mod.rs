//! Use cases: one function for each thing a person does with the ledger, called by the API, the
//! CLI and the pages alike. Each checks the rules (domain), talks to the store, signs what must
//! be signed, and answers with a [`Problem`](crate::problem::Problem) when it refuses.

pub mod accounts;
pub mod balance;
pub mod budgets;
pub mod cycles;
pub mod handovers;
pub mod keys;
pub mod lokus;
pub mod merchants;
pub mod pairing;
pub mod programmes;
pub mod receipt;
pub mod reconciliation;
pub mod registry;
pub mod replacement;
pub mod reversal;
pub mod sale;
pub mod settlement;
pub mod wilayah;

use crate::domain::auth::{Principal, Role};
use crate::keyring::KeyRing;
use crate::problem::{Code, Problem};
use crate::store::Store;
use relasi_token::DeploymentId;

/// 403 `forbidden` unless `who` has one of `roles`, then 403 `district_role_required` unless
/// it acts for the whole district: whole-programme changes (budgets, lokus) are not split by
/// area. The same checks as the API's `Caller::require_district_role`, for every caller.
pub fn require_district_role(who: &Principal, roles: &[Role]) -> Result<(), Problem> {
    if !roles.contains(&who.role) {
        return Err(Problem::new(Code::Forbidden));
    }
    if !who.area.is_district() {
        return Err(Problem::new(Code::DistrictRoleRequired));
    }
    Ok(())
}

/// What the money use cases need: the database, the keys, who we are, and the input limits.
#[derive(Clone, Copy, Debug)]
pub struct Ledger<'a> {
    /// The database.
    pub store: &'a Store,
    /// Published keys and the receipt signer.
    pub keys: &'a KeyRing,
    /// This deployment's id (in every signature).
    pub deployment: &'a DeploymentId,
    /// How long a token text and an Idempotency-Key may be.
    pub limits: InputLimits,
}

/// The lengths of what a shop or a family sends, as settings (`RELASI_TOKEN_TEXT_MAX_CHARS`,
/// `RELASI_IDEMPOTENCY_KEY_MAX_CHARS`), each at most what the code beneath it accepts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct InputLimits {
    /// Longest token text, in characters (the token codec's own ceiling is 256).
    pub token_text_max_chars: usize,
    /// Longest Idempotency-Key, in characters (printable ASCII, so also bytes; at most 128).
    pub idempotency_key_max_chars: usize,
}

impl Default for InputLimits {
    fn default() -> Self {
        InputLimits {
            token_text_max_chars: relasi_token::MAX_TEXT_INPUT,
            idempotency_key_max_chars: crate::domain::sale::MAX_IDEMPOTENCY_KEY_BYTES,
        }
    }
}

impl InputLimits {
    /// The token text, if it is not longer than the limit (counted without reading past it).
    pub fn token_text<'t>(&self, text: &'t str) -> Result<&'t str, Problem> {
        if text.chars().nth(self.token_text_max_chars).is_some() {
            return Err(Problem::new(Code::MalformedToken).detail("token text too long"));
        }
        Ok(text)
    }

    /// Whether an Idempotency-Key is acceptable: 1 to the limit's printable ASCII characters.
    pub fn idempotency_key_ok(&self, key: &str) -> bool {
        crate::domain::sale::idempotency_key_ok(key) && key.len() <= self.idempotency_key_max_chars
    }
}

/// An answer given to a shop's Idempotency-Key: new, or the stored first answer replayed.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct KeyedAnswer {
    /// HTTP status of the answer.
    pub status: u16,
    /// The exact body (a signed receipt, or a problem+json decline).
    pub body: String,
    /// Whether this is a replay of an answer given before.
    pub replayed: bool,
}

/// Trusts a token only if it verifies strictly against the published keys at `now_unix` (a key
/// revoked or past its window refuses it): what a sale and a balance check both ask first.
pub async fn trust_token(
    ledger: Ledger<'_>,
    token: &relasi_token::SignedToken,
    now_unix: i64,
) -> Result<(), crate::problem::Problem> {
    ledger
        .keys
        .verify(ledger.deployment, token, now_unix)
        .await?
        .map_err(sale::distrust_problem)
}
