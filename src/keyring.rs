//! The server's view of its voucher keys: published public keys, parsed once and refreshed (every 10 s,
//! or at most once a second when a token names an unknown kid), and the active private key for
//! signing receipts, loaded from the key directory when the active key changes. Tokens that
//! verified strictly are remembered by their exact bytes, so a voucher's later sales skip the
//! signature arithmetic (never the key's status and window, checked on every call).

use crate::domain::keys::{KeyStatus, SigningKeyMeta};
use crate::signing::{self, Signer};
use crate::store::{Store, StoreError};
use relasi_token::{DeploymentId, Kid, SignedToken, TOKEN_LEN, TokenError, VerifyingKey};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

const UNKNOWN_KID_RETRY: Duration = Duration::from_secs(1);

/// Most tokens remembered as verified (about 140 bytes each: ~2.3 MiB); when full the memo
/// starts again empty, so its memory is bounded whatever the load.
pub const VERIFIED_MEMO_CAPACITY: usize = 16_384;

/// Exact token bytes → the deployment and public key they verified strictly against. Ed25519
/// verification is a pure function of (message, signature, key), the message being the
/// deployment and the token's claims: the same inputs always give the same answer, so
/// remembering a success is sound.
type VerifiedMemo = Mutex<HashMap<[u8; TOKEN_LEN], (DeploymentId, [u8; 32])>>;

/// Why a token is not trusted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Distrust {
    /// Shape, unknown key or bad signature.
    Token(TokenError),
    /// Signed by a revoked key, or one whose verification window has closed.
    KeyRevoked,
}

struct Snapshot {
    loaded: Instant,
    keys: Vec<(SigningKeyMeta, VerifyingKey)>,
    signer: Option<Arc<Signer>>,
}

/// Shared by every request; cheap to clone.
#[derive(Clone)]
pub struct KeyRing {
    store: Store,
    key_dir: PathBuf,
    snapshot: Arc<RwLock<Arc<Snapshot>>>,
    refresh: Arc<tokio::sync::Mutex<()>>,
    max_age: Duration,
    verified: Arc<VerifiedMemo>,
}

impl std::fmt::Debug for KeyRing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("KeyRing")
    }
}

impl KeyRing {
    /// An empty ring; it loads on first use and re-reads the keys when older than `max_age`
    /// (a revoked key stops verifying within that time on every instance).
    pub fn new(store: Store, key_dir: PathBuf, max_age: Duration) -> KeyRing {
        let empty = Snapshot {
            loaded: Instant::now(),
            keys: Vec::new(),
            signer: None,
        };
        KeyRing {
            store,
            key_dir,
            snapshot: Arc::new(RwLock::new(Arc::new(empty))),
            refresh: Arc::new(tokio::sync::Mutex::new(())),
            max_age,
            verified: Arc::new(Mutex::new(HashMap::new())),
        }
    }

    fn current(&self) -> Arc<Snapshot> {
        match self.snapshot.read() {
            Ok(s) => Arc::clone(&s),
            Err(poisoned) => Arc::clone(&poisoned.into_inner()),
        }
    }

    async fn fresh(&self, want: Option<Kid>) -> Result<Arc<Snapshot>, StoreError> {
        let snap = self.current();
        let age = snap.loaded.elapsed();
        let never_loaded = snap.keys.is_empty() && snap.signer.is_none();
        let missing = want.is_some_and(|kid| !snap.keys.iter().any(|(m, _)| m.kid == kid));
        if !never_loaded && age < self.max_age && !(missing && age >= UNKNOWN_KID_RETRY) {
            return Ok(snap);
        }
        let _guard = self.refresh.lock().await;
        let again = self.current();
        if again.loaded > snap.loaded {
            return Ok(again);
        }
        let metas = self.store.signing_keys().await?;
        let keys: Vec<(SigningKeyMeta, VerifyingKey)> = metas
            .into_iter()
            .filter_map(|m| VerifyingKey::from_bytes(&m.public_key).ok().map(|k| (m, k)))
            .collect();
        let active = keys
            .iter()
            .find(|(m, _)| m.status == KeyStatus::Active)
            .map(|(m, _)| m);
        let signer = match (active, &snap.signer) {
            (Some(meta), Some(s)) if s.kid == meta.kid => Some(Arc::clone(s)),
            (Some(meta), _) => match signing::load(&self.key_dir, meta) {
                Ok(s) => Some(Arc::new(s)),
                Err(e) => {
                    tracing::warn!(error = %e, "active signing key not available here: receipts cannot be signed");
                    None
                }
            },
            (None, _) => None,
        };
        let next = Arc::new(Snapshot {
            loaded: Instant::now(),
            keys,
            signer,
        });
        if let Ok(mut slot) = self.snapshot.write() {
            *slot = Arc::clone(&next);
        }
        Ok(next)
    }

    /// Strict verification of a parsed token against the published keys, at `now_unix`.
    pub async fn verify(
        &self,
        deployment: &DeploymentId,
        token: &SignedToken,
        now_unix: i64,
    ) -> Result<Result<(), Distrust>, StoreError> {
        let snap = self.fresh(Some(token.claims.kid)).await?;
        let usable = snap.keys.iter().filter(|(m, _)| {
            m.kid == token.claims.kid
                && m.status != KeyStatus::Revoked
                && m.verify_until.is_none_or(|t| t.timestamp() >= now_unix)
        });
        let usable: Vec<&VerifyingKey> = usable.map(|(_, k)| k).collect();
        if usable.is_empty() && snap.keys.iter().any(|(m, _)| m.kid == token.claims.kid) {
            return Ok(Err(Distrust::KeyRevoked));
        }
        let bytes = token.to_bytes();
        if self.remembered(&bytes, deployment, &usable) {
            return Ok(Ok(()));
        }
        match token.verify(deployment, usable) {
            Ok(key) => {
                self.remember(bytes, deployment, key);
                Ok(Ok(()))
            }
            Err(e) => Ok(Err(Distrust::Token(e))),
        }
    }

    /// Whether these exact bytes verified before, for this deployment, against a key that is
    /// still usable now.
    fn remembered(
        &self,
        bytes: &[u8; TOKEN_LEN],
        deployment: &DeploymentId,
        usable: &[&VerifyingKey],
    ) -> bool {
        let memo = self.verified.lock().unwrap_or_else(|p| p.into_inner());
        memo.get(bytes).is_some_and(|(signed_for, key)| {
            signed_for == deployment && usable.iter().any(|k| k.as_bytes() == key)
        })
    }

    fn remember(&self, bytes: [u8; TOKEN_LEN], deployment: &DeploymentId, key: &VerifyingKey) {
        let mut memo = self.verified.lock().unwrap_or_else(|p| p.into_inner());
        if memo.len() >= VERIFIED_MEMO_CAPACITY {
            memo.clear();
        }
        memo.insert(bytes, (deployment.clone(), *key.as_bytes()));
    }

    /// The key receipts are signed with, if this server holds it.
    pub async fn signer(&self) -> Result<Option<Arc<Signer>>, StoreError> {
        Ok(self.fresh(None).await?.signer.clone())
    }
}
