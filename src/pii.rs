//! Personal data at rest (UU PDP 27/2022). KK and NIK numbers are encrypted in place with FF1
//! (NIST SP 800-38G format-preserving encryption, AES-256, radix 10, a tweak per kind): the
//! stored value is another 16-digit number, so every key, join, unique index and duplicate
//! check keeps working on ciphertext (equal numbers encrypt equally — what a keyed lookup hash
//! would reveal, and no more). Names are sealed with XChaCha20-Poly1305 (random nonce, the
//! column as associated data). Only `src/store` calls this: everything above it sees clear
//! values, and the database sees none.
//!
//! The 32-byte key comes from `RELASI_PII_KEY` (64 hex digits), else from a key file
//! (`RELASI_PII_KEY_FILE`; by default `FILE.pii-key` beside a SQLite database `FILE`, or
//! `relasi-pii.key` in the working directory for PostgreSQL), created with mode 0600 on first
//! use so the demo and the tests need no set-up. SECURITY.md says how to keep and rotate it.

use aes::Aes256;
use chacha20poly1305::aead::{Aead, KeyInit as _, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use data_encoding::BASE64URL_NOPAD;
use fpe::ff1::{FF1, FlexibleNumeralString};
use hmac::{Hmac, KeyInit as _, Mac};
use sha2::Sha256;
use std::fmt;
use std::io::Write;
use std::path::{Path, PathBuf};

/// The environment variable holding the key (64 hex digits).
pub const PII_KEY_ENV: &str = "RELASI_PII_KEY";
/// The environment variable naming the key file.
pub const PII_KEY_FILE_ENV: &str = "RELASI_PII_KEY_FILE";
/// Prefix of a sealed text (version 1).
const SEALED_PREFIX: &str = "pii1.";
const NONCE_BYTES: usize = 24;

/// Which number a value is: the FF1 tweak, so a KK and a NIK with the same digits differ.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum NumberKind {
    /// Kartu Keluarga number.
    Kk,
    /// Person's NIK.
    Nik,
}

impl NumberKind {
    fn tweak(self) -> &'static [u8] {
        match self {
            NumberKind::Kk => b"relasi-kk",
            NumberKind::Nik => b"relasi-nik",
        }
    }
}

/// The key for personal data. `Debug` never shows it.
pub struct PiiKey {
    ff1: FF1<Aes256>,
    aead: XChaCha20Poly1305,
    check: [u8; 32],
}

impl fmt::Debug for PiiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PiiKey(<redacted>)")
    }
}

/// Why the key could not be had.
#[derive(Debug, thiserror::Error)]
pub enum PiiKeyError {
    /// The environment or file holds something other than 64 hex digits.
    #[error("the personal-data key must be 64 hex digits ({0})")]
    Malformed(&'static str),
    /// The key file could not be read or created.
    #[error("personal-data key file {path}: {source}")]
    File {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
}

/// One sub-key per use, derived from the master key (HMAC-SHA256 as a PRF).
fn derive(master: &[u8; 32], label: &[u8]) -> [u8; 32] {
    let mut mac = <Hmac<Sha256>>::new_from_slice(master).unwrap_or_else(|_| unreachable!());
    mac.update(label);
    mac.finalize().into_bytes().into()
}

impl PiiKey {
    /// The key from its 32 bytes.
    pub fn from_master(master: &[u8; 32]) -> PiiKey {
        let ff1_key = derive(master, b"relasi-pii-ff1");
        let aead_key = derive(master, b"relasi-pii-aead");
        PiiKey {
            ff1: FF1::<Aes256>::new(&ff1_key, 10).unwrap_or_else(|_| unreachable!()),
            aead: XChaCha20Poly1305::new((&aead_key).into()),
            check: derive(master, b"relasi-pii-check"),
        }
    }

    fn ff1(&self, kind: NumberKind, digits: &str, encrypt: bool) -> Option<String> {
        if !digits.bytes().all(|b| b.is_ascii_digit()) || digits.len() < 6 {
            return None;
        }
        let numerals: Vec<u16> = digits.bytes().map(|b| u16::from(b - b'0')).collect();
        let input = FlexibleNumeralString::from(numerals);
        let output = if encrypt {
            self.ff1.encrypt(kind.tweak(), &input)
        } else {
            self.ff1.decrypt(kind.tweak(), &input)
        }
        .ok()?;
        let numerals: Vec<u16> = output.into();
        numerals
            .into_iter()
            .map(|n| char::from_digit(u32::from(n), 10))
            .collect()
    }

    /// The stored form of a KK or NIK (16 digits in, 16 digits out). `None` only for text
    /// that is not a number of at least 6 digits (parsed types never are).
    pub fn seal_number(&self, kind: NumberKind, digits: &str) -> Option<String> {
        self.ff1(kind, digits, true)
    }

    /// The clear KK or NIK of a stored one.
    pub fn open_number(&self, kind: NumberKind, stored: &str) -> Option<String> {
        self.ff1(kind, stored, false)
    }

    /// The stored form of a name: `pii1.` + Base64url(nonce ‖ ciphertext), bound to its column.
    pub fn seal_text(&self, column: &str, text: &str) -> String {
        let nonce: [u8; NONCE_BYTES] = rand::random();
        let payload = Payload {
            msg: text.as_bytes(),
            aad: column.as_bytes(),
        };
        let sealed = self
            .aead
            .encrypt(&XNonce::from(nonce), payload)
            .unwrap_or_default();
        let mut bytes = nonce.to_vec();
        bytes.extend_from_slice(&sealed);
        format!("{SEALED_PREFIX}{}", BASE64URL_NOPAD.encode(&bytes))
    }

    /// The clear name of a stored one; `None` when it was not sealed by this key for this
    /// column (altered, moved between columns, or another key).
    pub fn open_text(&self, column: &str, stored: &str) -> Option<String> {
        let bytes = BASE64URL_NOPAD
            .decode(stored.strip_prefix(SEALED_PREFIX)?.as_bytes())
            .ok()?;
        if bytes.len() < NONCE_BYTES {
            return None;
        }
        let (nonce, sealed) = bytes.split_at(NONCE_BYTES);
        let payload = Payload {
            msg: sealed,
            aad: column.as_bytes(),
        };
        let nonce: [u8; NONCE_BYTES] = nonce.try_into().ok()?;
        let clear = self.aead.decrypt(&XNonce::from(nonce), payload).ok()?;
        String::from_utf8(clear).ok()
    }

    /// Whether `other` is this same key.
    pub fn same_key(&self, other: &PiiKey) -> bool {
        self.check == other.check
    }

    /// A value that tells this key from any other and reveals nothing of it (an HMAC-derived
    /// sub-key, hex, `v1:` first): stored beside the data it encrypted (`pii_key_check`).
    pub fn check_value(&self) -> String {
        format!("v1:{}", hex::encode(&self.check[..16]))
    }

    /// The key in a key file, created (mode 0600) with a new random key when missing: how
    /// `relasi pii rotate` takes the key it rotates to.
    pub fn from_file(path: &Path) -> Result<PiiKey, PiiKeyError> {
        read_or_create(path).map(|k| PiiKey::from_master(&k))
    }

    /// The deployment's key: `RELASI_PII_KEY`, else the key file (created when missing).
    pub fn load(database_url: &str) -> Result<PiiKey, PiiKeyError> {
        if let Ok(hex_text) = std::env::var(PII_KEY_ENV) {
            return parse_hex(&hex_text, "RELASI_PII_KEY").map(|k| PiiKey::from_master(&k));
        }
        let path = std::env::var(PII_KEY_FILE_ENV)
            .map(PathBuf::from)
            .unwrap_or_else(|_| default_key_file(database_url));
        read_or_create(&path).map(|k| PiiKey::from_master(&k))
    }
}

fn parse_hex(text: &str, origin: &'static str) -> Result<[u8; 32], PiiKeyError> {
    let bytes = hex::decode(text.trim()).map_err(|_| PiiKeyError::Malformed(origin))?;
    bytes.try_into().map_err(|_| PiiKeyError::Malformed(origin))
}

/// `FILE.pii-key` beside a SQLite database file; `relasi-pii.key` otherwise.
pub fn default_key_file(database_url: &str) -> PathBuf {
    let file = database_url
        .strip_prefix("sqlite://")
        .or_else(|| database_url.strip_prefix("sqlite:"))
        .map(|rest| rest.split('?').next().unwrap_or_default())
        .filter(|f| !f.is_empty() && !f.contains(":memory:"));
    match file {
        Some(f) => PathBuf::from(format!("{f}.pii-key")),
        None => PathBuf::from("relasi-pii.key"),
    }
}

/// Reads the key file, or creates it (mode 0600) with a new random key. Two processes that
/// start at once end with the same key: the new file is linked into place only if none exists.
fn read_or_create(path: &Path) -> Result<[u8; 32], PiiKeyError> {
    let file_error = |source| PiiKeyError::File {
        path: path.to_owned(),
        source,
    };
    match std::fs::read_to_string(path) {
        Ok(text) => return parse_hex(&text, "key file"),
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(file_error(e)),
        Err(_) => {}
    }
    let key: [u8; 32] = rand::random();
    let tmp = path.with_extension(format!("tmp{}", std::process::id()));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(&tmp).map_err(file_error)?;
    file.write_all(format!("{}\n", hex::encode(key)).as_bytes())
        .and_then(|()| file.sync_all())
        .map_err(file_error)?;
    let linked = std::fs::hard_link(&tmp, path);
    let _ = std::fs::remove_file(&tmp);
    match linked {
        Ok(()) => Ok(key),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            let text = std::fs::read_to_string(path).map_err(file_error)?;
            parse_hex(&text, "key file")
        }
        Err(e) => Err(file_error(e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_keep_their_shape_and_open_again() {
        let key = PiiKey::from_master(&[7; 32]);
        let kk = "3514050000000001";
        let sealed = key.seal_number(NumberKind::Kk, kk).unwrap();
        assert_eq!(sealed.len(), 16);
        assert!(sealed.bytes().all(|b| b.is_ascii_digit()));
        assert_ne!(sealed, kk);
        assert_eq!(
            key.seal_number(NumberKind::Kk, kk).unwrap(),
            sealed,
            "deterministic"
        );
        assert_ne!(
            key.seal_number(NumberKind::Nik, kk).unwrap(),
            sealed,
            "tweaked per kind"
        );
        assert_eq!(key.open_number(NumberKind::Kk, &sealed).unwrap(), kk);
        let other = PiiKey::from_master(&[8; 32]);
        assert_ne!(other.seal_number(NumberKind::Kk, kk).unwrap(), sealed);
        assert!(key.seal_number(NumberKind::Kk, "35.14").is_none());
    }

    #[test]
    fn names_are_sealed_to_their_column() {
        let key = PiiKey::from_master(&[7; 32]);
        let sealed = key.seal_text("households.nama_kepala", "Siti Aminah");
        assert!(!sealed.contains("Siti"));
        assert_ne!(
            sealed,
            key.seal_text("households.nama_kepala", "Siti Aminah")
        );
        assert_eq!(
            key.open_text("households.nama_kepala", &sealed).as_deref(),
            Some("Siti Aminah")
        );
        assert!(key.open_text("members.nama", &sealed).is_none());
        assert!(
            PiiKey::from_master(&[8; 32])
                .open_text("households.nama_kepala", &sealed)
                .is_none()
        );
        assert!(
            key.open_text("households.nama_kepala", "Siti Aminah")
                .is_none()
        );
        assert_eq!(format!("{key:?}"), "PiiKey(<redacted>)");
        let again = PiiKey::from_master(&[7; 32]);
        let other = PiiKey::from_master(&[8; 32]);
        assert!(key.same_key(&again) && !key.same_key(&other));
        assert_eq!(key.check_value(), again.check_value());
        assert_ne!(key.check_value(), other.check_value());
    }

    #[test]
    fn key_files_sit_beside_sqlite_databases() {
        assert_eq!(
            default_key_file("sqlite://data/relasi.db"),
            PathBuf::from("data/relasi.db.pii-key")
        );
        assert_eq!(
            default_key_file("sqlite:relasi.db?mode=rwc"),
            PathBuf::from("relasi.db.pii-key")
        );
        assert_eq!(
            default_key_file("postgres://u@h/db"),
            PathBuf::from("relasi-pii.key")
        );
        let dir = tempfile_dir();
        let path = dir.join("k");
        let first = read_or_create(&path).unwrap();
        assert_eq!(read_or_create(&path).unwrap(), first);
        std::fs::remove_dir_all(dir).unwrap();
    }

    fn tempfile_dir() -> PathBuf {
        let dir = std::env::temp_dir().join(format!("relasi-pii-{}", rand::random::<u64>()));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }
}
