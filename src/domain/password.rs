//! Officers' passwords: argon2id (salted, parameters in the PHC string), the length rule, and
//! a redacting wrapper so a password never reaches a log.

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use std::fmt;

/// Shortest password accepted (a passphrase is easier to remember than symbols).
pub const MIN_PASSWORD_CHARS: usize = 10;
/// Longest password accepted (argon2 hashes any length; a bound keeps requests small).
pub const MAX_PASSWORD_CHARS: usize = 128;

/// A password as typed. `Debug` never shows it.
#[derive(Clone, PartialEq, Eq)]
pub struct Password(String);

impl Password {
    /// A password to verify: any text up to the maximum (a long guess is simply wrong).
    pub fn presented(text: &str) -> Option<Password> {
        (text.chars().count() <= MAX_PASSWORD_CHARS).then(|| Password(text.to_owned()))
    }

    /// A new password: 10 to 128 characters.
    pub fn new_password(text: &str) -> Option<Password> {
        let chars = text.chars().count();
        (MIN_PASSWORD_CHARS..=MAX_PASSWORD_CHARS)
            .contains(&chars)
            .then(|| Password(text.to_owned()))
    }

    /// The argon2id PHC string to store (random salt, the crate's default parameters:
    /// 19 MiB, 2 passes, 1 lane — OWASP's minimum for argon2id).
    pub fn hash(&self) -> Result<String, PasswordError> {
        Argon2::default()
            .hash_password(self.0.as_bytes())
            .map(|h| h.to_string())
            .map_err(|_| PasswordError)
    }

    /// True when the stored PHC string is this password's. A malformed string is never a match.
    pub fn verify(&self, phc: &str) -> bool {
        PasswordHash::new(phc).is_ok_and(|parsed| {
            Argon2::default()
                .verify_password(self.0.as_bytes(), &parsed)
                .is_ok()
        })
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(<redacted>)")
    }
}

/// Hashing failed (the random source or the parameters): our fault.
#[derive(Debug, thiserror::Error)]
#[error("password hashing failed")]
pub struct PasswordError;

/// A stored hash of a password nobody has, verified when an account name is unknown so that a
/// wrong name and a wrong password take the same time.
pub fn decoy_phc() -> &'static str {
    static DECOY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DECOY.get_or_init(|| {
        Password("relasi-decoy-password".to_owned())
            .hash()
            .unwrap_or_default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_verify_and_redact() {
        let p = Password::new_password("sepuluh karakter").unwrap();
        let phc = p.hash().unwrap();
        assert!(phc.starts_with("$argon2id$"));
        assert!(p.verify(&phc));
        assert!(!Password::presented("salah sekali").unwrap().verify(&phc));
        assert!(!p.verify("not a phc string"));
        assert_eq!(format!("{p:?}"), "Password(<redacted>)");
        assert!(Password::new_password("pendek").is_none());
        assert!(Password::new_password(&"x".repeat(129)).is_none());
        assert!(Password::presented(&"x".repeat(129)).is_none());
    }
}
