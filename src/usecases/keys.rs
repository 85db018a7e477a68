//! Voucher signing keys as an officer manages them: the first key, rotation (the old key keeps
//! verifying for a number of days) and revocation. The private half is written to the key
//! directory of the host that runs this (`signing::generate`), the public half published in the
//! database. Called by `relasi keys`, the API and the keys page alike.

use crate::domain::keys::SigningKeyMeta;
use crate::problem::{Code, Problem};
use crate::signing;
use crate::store::{Store, StoreError};
use relasi_token::Kid;
use std::path::Path;

/// Longest time a retired key may keep verifying, days (a year and a month).
pub const MAX_VERIFY_DAYS: i64 = 400;

fn key_file(e: signing::KeyFileError) -> Problem {
    tracing::error!(error = %e, "signing key file");
    Problem::new(Code::Internal)
}

/// The keys, oldest first.
pub async fn list(store: &Store) -> Result<Vec<SigningKeyMeta>, Problem> {
    Ok(store.signing_keys().await?)
}

/// The first signing key (409 `signing_key_active` when one is active already: rotate instead).
pub async fn generate(store: &Store, key_dir: &Path, actor: &str) -> Result<Kid, Problem> {
    if signing::active(&store.signing_keys().await?).is_ok() {
        return Err(Problem::new(Code::SigningKeyActive));
    }
    let public = signing::generate(key_dir).map_err(key_file)?;
    store.add_signing_key(public, actor).await?;
    Ok(Kid::of_bytes(&public))
}

/// A new active key; the active one retires and keeps verifying for `verify_days` (1 to
/// [`MAX_VERIFY_DAYS`]).
pub async fn rotate(
    store: &Store,
    key_dir: &Path,
    verify_days: i64,
    actor: &str,
) -> Result<Kid, Problem> {
    if !(1..=MAX_VERIFY_DAYS).contains(&verify_days) {
        return Err(Problem::new(Code::ValidationFailed).detail("verify_days: 1 to 400"));
    }
    let public = signing::generate(key_dir).map_err(key_file)?;
    store
        .rotate_signing_key(public, verify_days.saturating_mul(86_400), actor)
        .await?;
    Ok(Kid::of_bytes(&public))
}

/// Revokes a key (compromised): nothing it signed is accepted from now on.
pub async fn revoke(store: &Store, kid: &str, actor: &str) -> Result<(), Problem> {
    let kid = Kid::from_hex(kid).ok_or_else(|| Problem::new(Code::NotFound))?;
    store
        .revoke_signing_key(kid, actor)
        .await
        .map(|_| ())
        .map_err(|e| match e {
            StoreError::NotFound => Problem::new(Code::NotFound),
            other => other.into(),
        })
}
