//! Use cases: one function for each thing a person does with the ledger, called by the API, the
//! CLI and the pages alike. Each checks the rules (domain), talks to the store, signs what must
//! be signed, and answers with a [`Problem`](crate::problem::Problem) when it refuses.

pub mod accounts;
pub mod balance;
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

use crate::keyring::KeyRing;
use crate::store::Store;
use relasi_token::DeploymentId;

/// What the money use cases need: the database, the keys, and who we are.
#[derive(Clone, Copy, Debug)]
pub struct Ledger<'a> {
    /// The database.
    pub store: &'a Store,
    /// Published keys and the receipt signer.
    pub keys: &'a KeyRing,
    /// This deployment's id (in every signature).
    pub deployment: &'a DeploymentId,
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
