//! The published key set (`GET /v1/keys`) and the strict offline verdict on a voucher: shape,
//! signature (`verify_strict`, every key with the kid), key status and `verify_until`, and the
//! voucher's validity window. The byte layout itself lives in `relasi-token`.

use data_encoding::BASE64URL_NOPAD;
pub use relasi_codes::Code;
pub use relasi_token::receipt::Receipt;
use relasi_token::{DeploymentId, Kid, SignedToken, TokenError, VerifyingKey};
use serde::Deserialize;

/// Why a voucher is refused offline. `code()` matches the server's error codes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OfflineError {
    /// Shape, key or signature problem.
    #[error(transparent)]
    Token(#[from] TokenError),
    /// The key that signed it has been revoked, or its verification window (`verify_until`)
    /// has closed.
    #[error("signing key revoked or past its verification window")]
    KeyRevoked,
    /// Before its first valid second.
    #[error("voucher not yet valid")]
    NotYetValid,
    /// After its last valid second.
    #[error("voucher expired")]
    Expired,
}

impl OfflineError {
    /// The stable code.
    pub fn code(&self) -> Code {
        match self {
            OfflineError::Token(t) => t.code(),
            OfflineError::KeyRevoked => Code::KeyRevoked,
            OfflineError::NotYetValid => Code::VoucherNotYetValid,
            OfflineError::Expired => Code::VoucherExpired,
        }
    }

    /// What to tell the shopkeeper, in Bahasa Indonesia.
    pub fn pesan(&self) -> &'static str {
        match self {
            OfflineError::Token(TokenError::Malformed(_)) => "QR bukan voucher RELASI yang sah",
            OfflineError::Token(TokenError::UnknownKey) => {
                "Kunci penerbit tidak dikenal: sinkronkan kunci dulu"
            }
            OfflineError::Token(TokenError::BadSignature) => "Tanda tangan voucher tidak sah",
            OfflineError::KeyRevoked => "Kunci penerbit sudah dicabut atau habis masa berlakunya",
            OfflineError::NotYetValid => "Voucher belum berlaku",
            OfflineError::Expired => "Voucher sudah kedaluwarsa",
        }
    }
}

/// Why a key set could not be read.
#[derive(Debug, thiserror::Error)]
pub enum KeysError {
    /// Not the JSON of `GET /v1/keys`.
    #[error("keys document is not valid JSON: {0}")]
    Json(#[from] serde_json::Error),
    /// A field is malformed.
    #[error("keys document: {0}")]
    Field(&'static str),
}

#[derive(Deserialize)]
struct KeysDoc {
    deployment_id: String,
    keys: Vec<KeyDoc>,
}

#[derive(Deserialize)]
struct KeyDoc {
    kid: String,
    public_key: String,
    status: String,
    #[serde(default)]
    verify_until: Option<String>,
}

/// One published key.
#[derive(Debug, Clone)]
pub struct PublishedKey {
    /// kid.
    pub kid: Kid,
    /// Parsed public key.
    pub key: VerifyingKey,
    /// Revoked keys verify nothing.
    pub revoked: bool,
    /// Last second (Unix) at which tokens signed by this key verify; `None`: no end yet.
    pub verify_until_unix: Option<i64>,
}

impl PublishedKey {
    /// Whether this key may verify a token at `now_unix`.
    pub fn usable_at(&self, now_unix: i64) -> bool {
        !self.revoked && self.verify_until_unix.is_none_or(|t| t >= now_unix)
    }
}

fn unix_of(text: &str) -> Result<i64, KeysError> {
    chrono::DateTime::parse_from_rfc3339(text)
        .map(|t| t.timestamp())
        .map_err(|_| KeysError::Field("verify_until"))
}

/// The server's published keys, as synced by the shop.
#[derive(Debug, Clone)]
pub struct Keyring {
    deployment: DeploymentId,
    keys: Vec<PublishedKey>,
}

/// A voucher that passed every offline check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedVoucher {
    /// Voucher id, hex.
    pub voucher_id: String,
    /// The token in its canonical text form (upper case, no whitespace).
    pub token_text: String,
    /// Programme number.
    pub programme: u16,
    /// First valid second (Unix).
    pub valid_from_unix: u32,
    /// Face value in whole rupiah (the balance is only known online).
    pub face_value_rp: u32,
    /// Last valid second (Unix).
    pub valid_until_unix: u32,
    /// Whether offline acceptance is allowed.
    pub offline_allowed: bool,
}

impl Keyring {
    /// Reads the JSON of `GET /v1/keys`. Every kid must match its key.
    pub fn from_json(text: &str) -> Result<Keyring, KeysError> {
        let doc: KeysDoc = serde_json::from_str(text)?;
        let deployment = DeploymentId::parse(&doc.deployment_id).map_err(KeysError::Field)?;
        let mut keys = Vec::with_capacity(doc.keys.len());
        for k in doc.keys {
            let bytes = BASE64URL_NOPAD
                .decode(k.public_key.as_bytes())
                .map_err(|_| KeysError::Field("public_key"))?;
            let bytes: [u8; 32] = bytes
                .try_into()
                .map_err(|_| KeysError::Field("public_key length"))?;
            let key = VerifyingKey::from_bytes(&bytes)
                .map_err(|_| KeysError::Field("public_key point"))?;
            let kid = Kid::from_hex(&k.kid).ok_or(KeysError::Field("kid"))?;
            if Kid::of(&key) != kid {
                return Err(KeysError::Field("kid does not match its public key"));
            }
            let verify_until_unix = k.verify_until.as_deref().map(unix_of).transpose()?;
            keys.push(PublishedKey {
                kid,
                key,
                revoked: k.status == "revoked",
                verify_until_unix,
            });
        }
        Ok(Keyring { deployment, keys })
    }

    /// The deployment these keys belong to.
    pub fn deployment(&self) -> &DeploymentId {
        &self.deployment
    }

    /// Checks a receipt's signature (`receipt_kid`, `receipt_signature` from the server's answer)
    /// against the published keys: the shop's proof of a sale in a dispute.
    pub fn verify_receipt(
        &self,
        receipt: &Receipt,
        kid_hex: &str,
        signature_b64: &str,
    ) -> Result<(), OfflineError> {
        let kid =
            Kid::from_hex(kid_hex).ok_or(OfflineError::Token(TokenError::Malformed("kid")))?;
        let bytes = BASE64URL_NOPAD
            .decode(signature_b64.as_bytes())
            .map_err(|_| OfflineError::Token(TokenError::Malformed("signature encoding")))?;
        let signature: [u8; 64] = bytes
            .try_into()
            .map_err(|_| OfflineError::Token(TokenError::Malformed("signature length")))?;
        let keys = self.keys.iter().filter(|k| !k.revoked).map(|k| &k.key);
        receipt
            .verify(&self.deployment, kid, &signature, keys)
            .map_err(OfflineError::Token)
    }

    /// The keys, as published.
    pub fn keys(&self) -> &[PublishedKey] {
        &self.keys
    }

    /// Decodes QR text and checks shape, signature (strict), key status, the key's
    /// `verify_until` and the voucher's validity at `now_unix`.
    pub fn verify(&self, qr_text: &str, now_unix: i64) -> Result<VerifiedVoucher, OfflineError> {
        let token = SignedToken::parse_text(qr_text)?;
        let kid = token.claims.kid;
        let usable = self
            .keys
            .iter()
            .filter(|k| k.kid == kid && k.usable_at(now_unix))
            .map(|k| &k.key);
        let verdict = token.verify(&self.deployment, usable);
        if verdict == Err(TokenError::UnknownKey) && self.keys.iter().any(|k| k.kid == kid) {
            return Err(OfflineError::KeyRevoked);
        }
        verdict?;
        let c = token.claims;
        if now_unix < i64::from(c.valid_from_unix) {
            return Err(OfflineError::NotYetValid);
        }
        if now_unix > i64::from(c.valid_until_unix) {
            return Err(OfflineError::Expired);
        }
        Ok(VerifiedVoucher {
            voucher_id: hex::encode(c.voucher_id),
            token_text: token.to_text(),
            programme: c.programme,
            face_value_rp: c.face_value_rp,
            valid_from_unix: c.valid_from_unix,
            valid_until_unix: c.valid_until_unix,
            offline_allowed: c.flags.offline_allowed(),
        })
    }
}
