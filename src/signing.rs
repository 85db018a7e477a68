//! Voucher signing keys on disk.
//!
//! Private keys live in files (`RELASI_KEY_DIR`, default `relasi-keys/`), one per key, mode 0600
//! in a 0700 directory; the database holds only the public half, the kid and the lifetimes.
//! Why files and not the database: database dumps, backups and replicas travel widely (finance
//! officers' reports, the auditor's copy); a leaked dump must not let anyone forge vouchers. The
//! key holder (the server's host) and the database administrator are different roles.

use crate::domain::keys::{KeyStatus, SigningKeyMeta};
use relasi_token::{Kid, SigningKey};
use std::fmt;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Default key directory.
pub const DEFAULT_KEY_DIR: &str = "relasi-keys";

/// Failures reading or writing key files. Messages name files, never key material.
#[derive(Debug, thiserror::Error)]
pub enum KeyFileError {
    /// Filesystem failure.
    #[error("key file {path}: {source}")]
    Io {
        /// Which file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The file does not hold a key, or holds another key than the database expects.
    #[error("key file {0} is malformed or does not match the published key")]
    Mismatch(PathBuf),
    /// No active key in the database.
    #[error("no active signing key: run `relasi keys generate`")]
    NoActiveKey,
}

/// A loaded private key. `Debug` shows only the kid.
pub struct Signer {
    /// kid of the key.
    pub kid: Kid,
    /// The key (zeroised on drop by ed25519-dalek).
    pub key: SigningKey,
}

impl fmt::Debug for Signer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Signer({})", self.kid)
    }
}

fn file_for(dir: &Path, public_key: &[u8; 32]) -> PathBuf {
    dir.join(format!("{}.key", hex::encode(public_key)))
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> KeyFileError + '_ {
    move |source| KeyFileError::Io {
        path: path.to_owned(),
        source,
    }
}

/// Generates a key and writes its file (never overwriting one); returns the public key.
pub fn generate(dir: &Path) -> Result<[u8; 32], KeyFileError> {
    let mut seed = [0u8; 32];
    rand::Rng::fill_bytes(&mut rand::rng(), &mut seed);
    let key = SigningKey::from_bytes(&seed);
    seed.fill(0);
    let public = key.verifying_key().to_bytes();
    create_private_dir(dir)?;
    let path = file_for(dir, &public);
    let mut file = open_private(&path).map_err(io(&path))?;
    let mut text = hex::encode(key.to_bytes());
    text.push('\n');
    let written = file
        .write_all(text.as_bytes())
        .and_then(|()| file.sync_all());
    // Best effort: do not leave the hex copy of the secret lying in freed memory longer than needed.
    text.clear();
    written.map_err(io(&path))?;
    Ok(public)
}

/// Loads the private key of a published key and checks it is that key.
pub fn load(dir: &Path, meta: &SigningKeyMeta) -> Result<Signer, KeyFileError> {
    let path = file_for(dir, &meta.public_key);
    let text = std::fs::read_to_string(&path).map_err(io(&path))?;
    let mut seed = [0u8; 32];
    hex::decode_to_slice(text.trim(), &mut seed)
        .map_err(|_| KeyFileError::Mismatch(path.clone()))?;
    let key = SigningKey::from_bytes(&seed);
    seed.fill(0);
    if key.verifying_key().to_bytes() != meta.public_key {
        return Err(KeyFileError::Mismatch(path));
    }
    Ok(Signer { kid: meta.kid, key })
}

/// The key that signs now, from the published list.
pub fn active(keys: &[SigningKeyMeta]) -> Result<&SigningKeyMeta, KeyFileError> {
    keys.iter()
        .find(|k| k.status == KeyStatus::Active)
        .ok_or(KeyFileError::NoActiveKey)
}

#[cfg(unix)]
fn create_private_dir(dir: &Path) -> Result<(), KeyFileError> {
    use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
    if !dir.exists() {
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .map_err(io(dir))?;
    }
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700)).map_err(io(dir))
}

#[cfg(not(unix))]
fn create_private_dir(dir: &Path) -> Result<(), KeyFileError> {
    std::fs::create_dir_all(dir).map_err(io(dir))
}

#[cfg(unix)]
fn open_private(path: &Path) -> std::io::Result<std::fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
}

#[cfg(not(unix))]
fn open_private(path: &Path) -> std::io::Result<std::fs::File> {
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;

    #[test]
    #[cfg(unix)]
    fn key_files_are_private_and_round_trip() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let keys = dir.path().join("keys");
        let public = generate(&keys).unwrap();
        let path = file_for(&keys, &public);
        assert_eq!(
            std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o600
        );
        assert_eq!(
            std::fs::metadata(&keys).unwrap().permissions().mode() & 0o777,
            0o700
        );
        let meta = SigningKeyMeta {
            kid: Kid::of_bytes(&public),
            public_key: public,
            status: KeyStatus::Active,
            signing_from: Utc::now(),
            signing_until: None,
            verify_until: None,
        };
        let signer = load(&keys, &meta).unwrap();
        assert_eq!(signer.key.verifying_key().to_bytes(), public);
        assert_eq!(format!("{signer:?}"), format!("Signer({})", meta.kid));
        // A file holding another key is refused.
        let other = generate(&keys).unwrap();
        std::fs::copy(file_for(&keys, &other), &path).unwrap();
        assert!(matches!(load(&keys, &meta), Err(KeyFileError::Mismatch(_))));
    }
}
