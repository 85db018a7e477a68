//! The RELASI voucher token: the 100-byte layout, its `RLS1:` text form, signing and strict verification.
//!
//! This crate is the only place that knows the byte layout of SPEC "Voucher token"; the server and
//! the merchant client both depend on it. It does no I/O and knows nothing of databases.
//!
//! ```text
//! offset size field
//!   0     1   format version = 1
//!   1     1   flags (bit 0: offline acceptance allowed); unknown bits are rejected
//!   2     4   kid = SHA-256(issuer public key)[0..4]
//!   6    16   voucher id
//!  22     2   programme number
//!  24     4   valid from (Unix seconds)
//!  28     4   valid until (Unix seconds)
//!  32     4   face value (whole rupiah)
//!  36    64   Ed25519 signature over "RELASI-VOUCHER-1\0" ‖ deployment id ‖ 0x00 ‖ bytes 0..36
//! ```
// Functions short enough to see whole (the limit is in clippy.toml); tests and benches, whose
// stories read top to bottom, are not held to it.
#![warn(clippy::too_many_lines)]

pub mod receipt;
#[cfg(feature = "scan")]
pub mod scan;

use data_encoding::BASE32_NOPAD;
use ed25519_dalek::{Signature, Signer};
pub use ed25519_dalek::{SigningKey, VerifyingKey};
pub use relasi_codes::Code;
use sha2::{Digest, Sha256};
use std::fmt;

/// Length of a token in bytes.
pub const TOKEN_LEN: usize = 100;
/// Length of the signed part (everything before the signature).
pub const SIGNED_LEN: usize = 36;
/// Prefix of the QR text.
pub const TEXT_PREFIX: &str = "RLS1:";
/// Length of the canonical QR text: the prefix and 160 Base32 characters.
pub const TEXT_LEN: usize = 165;
/// Longest input a decoder looks at; anything longer is refused before decoding.
pub const MAX_TEXT_INPUT: usize = 256;
/// The path before the token in the link form of the QR text.
pub const LINK_PATH: &str = "/V/";

/// The token part of a link (`http(s)://host/V/RLS1:…`, any case); other text as it is.
pub(crate) fn token_of_link(text: &str) -> &str {
    let lower_start = text
        .get(..8)
        .map(str::to_ascii_lowercase)
        .unwrap_or_default();
    if !(lower_start.starts_with("https://") || lower_start.starts_with("http://")) {
        return text;
    }
    let upper = text.to_ascii_uppercase();
    match upper.rfind(LINK_PATH) {
        Some(at) => &text[at + LINK_PATH.len()..],
        None => text,
    }
}

/// The only format version this crate reads and writes.
pub const FORMAT_VERSION: u8 = 1;
/// Domain-separation tag that starts every signed message.
pub const DOMAIN_TAG: &[u8] = b"RELASI-VOUCHER-1\0";
/// Longest deployment id.
pub const MAX_DEPLOYMENT_ID_LEN: usize = 32;

/// Why a token could not be read or trusted. Each variant maps to one stable API code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    /// Not a well-formed token (wrong prefix, length, encoding, version or flags).
    #[error("malformed token: {0}")]
    Malformed(&'static str),
    /// No published key has the token's kid.
    #[error("unknown signing key")]
    UnknownKey,
    /// A key with the kid exists but the signature does not verify strictly under any of them.
    #[error("bad signature")]
    BadSignature,
}

impl TokenError {
    /// The stable error code of SPEC for this failure.
    pub fn code(&self) -> Code {
        match self {
            TokenError::Malformed(_) => Code::MalformedToken,
            TokenError::UnknownKey => Code::UnknownKey,
            TokenError::BadSignature => Code::BadSignature,
        }
    }
}

/// Key id: the first four bytes of SHA-256 of the 32-byte Ed25519 public key.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Kid([u8; 4]);

impl Kid {
    /// The kid of a public key.
    pub fn of(public_key: &VerifyingKey) -> Kid {
        Kid::of_bytes(public_key.as_bytes())
    }

    /// The kid of raw public key bytes.
    pub fn of_bytes(public_key: &[u8; 32]) -> Kid {
        let digest = Sha256::digest(public_key);
        Kid([digest[0], digest[1], digest[2], digest[3]])
    }

    /// Builds a kid from its four bytes.
    pub fn from_bytes(bytes: [u8; 4]) -> Kid {
        Kid(bytes)
    }

    /// The four bytes.
    pub fn to_bytes(self) -> [u8; 4] {
        self.0
    }

    /// Lower-case hex, as published in `GET /v1/keys`.
    pub fn to_hex(self) -> String {
        self.0.iter().map(|b| format!("{b:02x}")).collect()
    }

    /// Parses eight hex digits.
    pub fn from_hex(text: &str) -> Option<Kid> {
        if text.len() != 8 || !text.is_ascii() {
            return None;
        }
        let mut out = [0u8; 4];
        for (i, slot) in out.iter_mut().enumerate() {
            *slot = u8::from_str_radix(&text[2 * i..2 * i + 2], 16).ok()?;
        }
        Some(Kid(out))
    }
}

impl fmt::Debug for Kid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Kid({})", self.to_hex())
    }
}

impl fmt::Display for Kid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

/// The deployment id mixed into every signed message, so a token from one district's deployment
/// never verifies in another's even if keys were shared by mistake.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct DeploymentId(String);

impl DeploymentId {
    /// 1 to 32 printable ASCII characters, no spaces.
    pub fn parse(text: &str) -> Result<DeploymentId, &'static str> {
        if text.is_empty() || text.len() > MAX_DEPLOYMENT_ID_LEN {
            return Err("deployment id must be 1 to 32 characters");
        }
        if !text.bytes().all(|b| b.is_ascii_graphic()) {
            return Err("deployment id must be printable ASCII without spaces");
        }
        Ok(DeploymentId(text.to_owned()))
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for DeploymentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DeploymentId({})", self.0)
    }
}

impl fmt::Display for DeploymentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Flags byte. Only bit 0 is defined.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct Flags(u8);

impl Flags {
    /// Bit 0: the voucher may be accepted offline by a merchant client.
    pub const OFFLINE_ALLOWED: u8 = 0b0000_0001;
    const KNOWN: u8 = Self::OFFLINE_ALLOWED;

    /// No flags set.
    pub fn none() -> Flags {
        Flags(0)
    }

    /// Flags with offline acceptance allowed or not.
    pub fn with_offline(allowed: bool) -> Flags {
        Flags(if allowed { Self::OFFLINE_ALLOWED } else { 0 })
    }

    /// Reads the flags byte, refusing unknown bits.
    pub fn from_byte(byte: u8) -> Result<Flags, TokenError> {
        if byte & !Self::KNOWN != 0 {
            return Err(TokenError::Malformed("unknown flag bits"));
        }
        Ok(Flags(byte))
    }

    /// The byte.
    pub fn to_byte(self) -> u8 {
        self.0
    }

    /// Whether offline acceptance is allowed.
    pub fn offline_allowed(self) -> bool {
        self.0 & Self::OFFLINE_ALLOWED != 0
    }
}

/// What a voucher token says, before signing: bytes 0..36.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct VoucherClaims {
    /// Flags.
    pub flags: Flags,
    /// Key that signed (or will sign) the token.
    pub kid: Kid,
    /// 128-bit random voucher id.
    pub voucher_id: [u8; 16],
    /// Programme number.
    pub programme: u16,
    /// First valid second (Unix, UTC).
    pub valid_from_unix: u32,
    /// Last valid second (Unix, UTC).
    pub valid_until_unix: u32,
    /// Face value in whole rupiah.
    pub face_value_rp: u32,
}

impl VoucherClaims {
    /// The 36 signed bytes.
    pub fn to_bytes(&self) -> [u8; SIGNED_LEN] {
        let mut out = [0u8; SIGNED_LEN];
        out[0] = FORMAT_VERSION;
        out[1] = self.flags.to_byte();
        out[2..6].copy_from_slice(&self.kid.to_bytes());
        out[6..22].copy_from_slice(&self.voucher_id);
        out[22..24].copy_from_slice(&self.programme.to_be_bytes());
        out[24..28].copy_from_slice(&self.valid_from_unix.to_be_bytes());
        out[28..32].copy_from_slice(&self.valid_until_unix.to_be_bytes());
        out[32..36].copy_from_slice(&self.face_value_rp.to_be_bytes());
        out
    }

    /// Parses the 36 signed bytes, refusing an unknown version or flag bits.
    pub fn from_bytes(bytes: &[u8; SIGNED_LEN]) -> Result<VoucherClaims, TokenError> {
        if bytes[0] != FORMAT_VERSION {
            return Err(TokenError::Malformed("unsupported format version"));
        }
        let u32_at = |at: usize| {
            u32::from_be_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]])
        };
        let mut voucher_id = [0u8; 16];
        voucher_id.copy_from_slice(&bytes[6..22]);
        Ok(VoucherClaims {
            flags: Flags::from_byte(bytes[1])?,
            kid: Kid([bytes[2], bytes[3], bytes[4], bytes[5]]),
            voucher_id,
            programme: u16::from_be_bytes([bytes[22], bytes[23]]),
            valid_from_unix: u32_at(24),
            valid_until_unix: u32_at(28),
            face_value_rp: u32_at(32),
        })
    }

    /// Signs the claims. The caller must pass the key whose kid is in the claims.
    pub fn sign(&self, deployment: &DeploymentId, key: &SigningKey) -> SignedToken {
        debug_assert_eq!(
            Kid::of(&key.verifying_key()),
            self.kid,
            "claims carry another key's kid"
        );
        let signature = key.sign(&signing_message(deployment, &self.to_bytes()));
        SignedToken {
            claims: *self,
            signature: signature.to_bytes(),
        }
    }
}

/// The exact message the signature covers.
pub fn signing_message(deployment: &DeploymentId, signed: &[u8; SIGNED_LEN]) -> Vec<u8> {
    let mut msg = Vec::with_capacity(DOMAIN_TAG.len() + deployment.as_str().len() + 1 + SIGNED_LEN);
    msg.extend_from_slice(DOMAIN_TAG);
    msg.extend_from_slice(deployment.as_str().as_bytes());
    msg.push(0);
    msg.extend_from_slice(signed);
    msg
}

/// A complete token: claims and signature. Parsing one proves only its shape, not its origin;
/// call [`SignedToken::verify`] before trusting it.
#[derive(Clone, PartialEq, Eq)]
pub struct SignedToken {
    /// The claims.
    pub claims: VoucherClaims,
    signature: [u8; 64],
}

impl fmt::Debug for SignedToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SignedToken")
            .field("claims", &self.claims)
            .finish_non_exhaustive()
    }
}

impl SignedToken {
    /// The 100 bytes.
    pub fn to_bytes(&self) -> [u8; TOKEN_LEN] {
        let mut out = [0u8; TOKEN_LEN];
        out[..SIGNED_LEN].copy_from_slice(&self.claims.to_bytes());
        out[SIGNED_LEN..].copy_from_slice(&self.signature);
        out
    }

    /// Parses exactly 100 bytes.
    pub fn from_bytes(bytes: &[u8]) -> Result<SignedToken, TokenError> {
        let bytes: &[u8; TOKEN_LEN] = bytes
            .try_into()
            .map_err(|_| TokenError::Malformed("token must be 100 bytes"))?;
        let mut signed = [0u8; SIGNED_LEN];
        signed.copy_from_slice(&bytes[..SIGNED_LEN]);
        let mut signature = [0u8; 64];
        signature.copy_from_slice(&bytes[SIGNED_LEN..]);
        Ok(SignedToken {
            claims: VoucherClaims::from_bytes(&signed)?,
            signature,
        })
    }

    /// The QR text: `RLS1:` and upper-case Base32 without padding.
    pub fn to_text(&self) -> String {
        let mut text = String::with_capacity(TEXT_LEN);
        text.push_str(TEXT_PREFIX);
        text.push_str(&BASE32_NOPAD.encode(&self.to_bytes()));
        text
    }

    /// The QR text as a link a phone's camera app opens: `BASE/V/RLS1:…`, all upper case so
    /// the whole QR stays in alphanumeric mode (browsers read scheme and host in any case).
    pub fn to_link(&self, base: &str) -> String {
        let base = base.trim_end_matches('/').to_ascii_uppercase();
        format!("{base}{LINK_PATH}{}", self.to_text())
    }

    /// Parses QR text: refuses input over 256 characters before anything else, strips surrounding
    /// whitespace (CR/LF included), accepts lower case, and accepts the link form
    /// (`https://host/V/RLS1:…`, see [`SignedToken::to_link`]).
    pub fn parse_text(input: &str) -> Result<SignedToken, TokenError> {
        if input.len() > MAX_TEXT_INPUT {
            return Err(TokenError::Malformed("token text too long"));
        }
        let text = token_of_link(input.trim());
        let body = match text.get(..TEXT_PREFIX.len()) {
            Some(prefix) if prefix.eq_ignore_ascii_case(TEXT_PREFIX) => &text[TEXT_PREFIX.len()..],
            _ => return Err(TokenError::Malformed("token text must start with RLS1:")),
        };
        let upper = body.to_ascii_uppercase();
        let bytes = BASE32_NOPAD
            .decode(upper.as_bytes())
            .map_err(|_| TokenError::Malformed("token text is not valid Base32"))?;
        SignedToken::from_bytes(&bytes)
    }

    /// The raw signature bytes.
    pub fn signature(&self) -> &[u8; 64] {
        &self.signature
    }

    /// Verifies strictly against every candidate key whose kid matches the token's kid.
    /// Returns the key that verified.
    pub fn verify<'k>(
        &self,
        deployment: &DeploymentId,
        keys: impl IntoIterator<Item = &'k VerifyingKey>,
    ) -> Result<&'k VerifyingKey, TokenError> {
        let message = signing_message(deployment, &self.claims.to_bytes());
        let signature = Signature::from_bytes(&self.signature);
        let mut saw_kid = false;
        for key in keys.into_iter().filter(|k| Kid::of(k) == self.claims.kid) {
            saw_kid = true;
            if key.verify_strict(&message, &signature).is_ok() {
                return Ok(key);
            }
        }
        Err(if saw_kid {
            TokenError::BadSignature
        } else {
            TokenError::UnknownKey
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn key() -> SigningKey {
        SigningKey::from_bytes(&[7u8; 32])
    }

    fn deployment() -> DeploymentId {
        DeploymentId::parse("pasuruan-2026").unwrap()
    }

    fn claims(key: &SigningKey) -> VoucherClaims {
        VoucherClaims {
            flags: Flags::with_offline(true),
            kid: Kid::of(&key.verifying_key()),
            voucher_id: [0xAB; 16],
            programme: 1,
            valid_from_unix: 1_796_083_200,
            valid_until_unix: 1_798_761_599,
            face_value_rp: 250_000,
        }
    }

    #[test]
    fn text_is_165_uppercase_alphanumeric_mode_characters() {
        let k = key();
        let text = claims(&k).sign(&deployment(), &k).to_text();
        assert_eq!(text.len(), TEXT_LEN);
        assert!(text.starts_with(TEXT_PREFIX));
        assert!(
            text[5..]
                .bytes()
                .all(|b| b.is_ascii_uppercase() || (b'2'..=b'7').contains(&b))
        );
    }

    #[test]
    fn round_trip_verifies_and_accepts_lower_case_and_whitespace() {
        let k = key();
        let token = claims(&k).sign(&deployment(), &k);
        let text = format!(" \r\n{}\r\n", token.to_text().to_ascii_lowercase());
        let parsed = SignedToken::parse_text(&text).unwrap();
        assert_eq!(parsed, token);
        let vk = k.verifying_key();
        assert!(parsed.verify(&deployment(), [&vk]).is_ok());
    }

    #[test]
    fn the_link_form_is_upper_case_alphanumeric_and_parses_back() {
        let k = key();
        let token = claims(&k).sign(&deployment(), &k);
        let link = token.to_link("https://relasi.pasuruankab.go.id/");
        assert!(
            link.starts_with("HTTPS://RELASI.PASURUANKAB.GO.ID/V/RLS1:"),
            "{link}"
        );
        let alphanumeric =
            |b: u8| b.is_ascii_uppercase() || b.is_ascii_digit() || b" $%*+-./:".contains(&b);
        assert!(link.bytes().all(alphanumeric), "{link}");
        assert!(link.len() <= MAX_TEXT_INPUT);
        for form in [
            link.clone(),
            link.to_ascii_lowercase(),
            format!("http://127.0.0.1:8080/v/{}", token.to_text()),
        ] {
            assert_eq!(SignedToken::parse_text(&form).unwrap(), token, "{form}");
        }
        for bad in ["https://x/RLS1:AAAA", "https://x/V/", "ftp://x/V/RLS1:AAAA"] {
            assert!(SignedToken::parse_text(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn wrong_deployment_or_key_is_refused() {
        let k = key();
        let token = claims(&k).sign(&deployment(), &k);
        let vk = k.verifying_key();
        let other = DeploymentId::parse("malang-2026").unwrap();
        assert_eq!(token.verify(&other, [&vk]), Err(TokenError::BadSignature));
        let stranger = SigningKey::from_bytes(&[9u8; 32]).verifying_key();
        assert_eq!(
            token.verify(&deployment(), [&stranger]),
            Err(TokenError::UnknownKey)
        );
    }

    #[test]
    fn every_flipped_byte_is_refused() {
        let k = key();
        let bytes = claims(&k).sign(&deployment(), &k).to_bytes();
        let vk = k.verifying_key();
        for i in 0..TOKEN_LEN {
            let mut bad = bytes;
            bad[i] ^= 0x01;
            let verdict = SignedToken::from_bytes(&bad)
                .and_then(|t| t.verify(&deployment(), [&vk]).map(|_| ()));
            assert!(verdict.is_err(), "flipping byte {i} still verified");
        }
    }

    #[test]
    fn shape_errors() {
        assert!(matches!(
            SignedToken::parse_text(&"A".repeat(257)),
            Err(TokenError::Malformed(_))
        ));
        assert!(matches!(
            SignedToken::parse_text("RLS2:AAAA"),
            Err(TokenError::Malformed(_))
        ));
        let k = key();
        let text = claims(&k).sign(&deployment(), &k).to_text();
        assert!(SignedToken::parse_text(&text[..text.len() - 8]).is_err());
        assert!(SignedToken::parse_text(&format!("{text}AAAAAAAA")).is_err());
        let mut bytes = claims(&k).sign(&deployment(), &k).to_bytes();
        bytes[1] = 0b10;
        assert_eq!(
            SignedToken::from_bytes(&bytes),
            Err(TokenError::Malformed("unknown flag bits"))
        );
    }

    #[test]
    fn kid_hex_round_trip() {
        let kid = Kid::of(&key().verifying_key());
        assert_eq!(Kid::from_hex(&kid.to_hex()), Some(kid));
        assert_eq!(Kid::from_hex("zz"), None);
    }

    proptest! {
        #[test]
        fn any_claims_round_trip(offline: bool, id: [u8; 16], programme: u16, from: u32, until: u32, value: u32) {
            let k = key();
            let c = VoucherClaims {
                flags: Flags::with_offline(offline),
                kid: Kid::of(&k.verifying_key()),
                voucher_id: id, programme, valid_from_unix: from, valid_until_unix: until, face_value_rp: value,
            };
            let token = c.sign(&deployment(), &k);
            let parsed = SignedToken::parse_text(&token.to_text()).unwrap();
            prop_assert_eq!(parsed.claims, c);
            let vk = k.verifying_key();
            prop_assert!(parsed.verify(&deployment(), [&vk]).is_ok());
        }

        #[test]
        fn arbitrary_text_never_panics(s in ".{0,300}") {
            let _ = SignedToken::parse_text(&s);
        }
    }
}

#[cfg(test)]
mod vectors {
    //! Committed test vectors and the hostile cases of SPEC "Voucher token".
    use super::*;

    /// The fixed key, deployment and voucher of the committed vector. The expected text was
    /// cross-checked once with an independent Ed25519 implementation (Python `cryptography`)
    /// built from the SPEC byte layout alone.
    fn fixed() -> (SigningKey, DeploymentId, VoucherClaims) {
        let key = SigningKey::from_bytes(&[0x42; 32]);
        let claims = VoucherClaims {
            flags: Flags::with_offline(false),
            kid: Kid::of(&key.verifying_key()),
            voucher_id: *b"RELASI-VECTOR-01",
            programme: 1,
            valid_from_unix: 1_796_058_000,
            valid_until_unix: 1_798_736_399,
            face_value_rp: 300_000,
        };
        (key, DeploymentId::parse("kab-pasuruan").unwrap(), claims)
    }

    const VECTOR_KID: &str = "3097e2de";
    const VECTOR_TEXT: &str = "RLS1:AEADBF7C3ZJEKTCBKNES2VSFINKE6URNGAYQAALLBWVZA2ZWRIHQABET4AOM3XUL73MQKSH55XYIIDQMADFD7EWHRM2RSE7KGL33GFYNIRB4WKYQFBPE4OAFWDSPTIUWE6ARVD5U7MZJPK6XYRXHTY3VOUWVGJYP";

    #[test]
    fn the_committed_vector_is_reproduced_exactly() {
        let (key, deployment, claims) = fixed();
        let text = claims.sign(&deployment, &key).to_text();
        assert_eq!(claims.kid.to_hex(), VECTOR_KID);
        assert_eq!(text, VECTOR_TEXT);
        let parsed = SignedToken::parse_text(VECTOR_TEXT).unwrap();
        assert_eq!(parsed.claims, claims);
        assert!(parsed.verify(&deployment, [&key.verifying_key()]).is_ok());
    }

    /// The group order L of Ed25519, little-endian.
    const L: [u8; 32] = [
        0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde,
        0x14, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
    ];

    #[test]
    fn a_malleated_signature_s_plus_l_is_refused() {
        let (key, deployment, claims) = fixed();
        let mut bytes = claims.sign(&deployment, &key).to_bytes();
        // s is the second half of the signature, little-endian; add L.
        let s = &mut bytes[SIGNED_LEN + 32..];
        let mut carry = 0u16;
        for (byte, l) in s.iter_mut().zip(L) {
            let sum = u16::from(*byte) + u16::from(l) + carry;
            *byte = (sum & 0xff) as u8;
            carry = sum >> 8;
        }
        assert_eq!(carry, 0, "s + L fits in 32 bytes for this vector");
        let token = SignedToken::from_bytes(&bytes).unwrap();
        assert_eq!(
            token.verify(&deployment, [&key.verifying_key()]),
            Err(TokenError::BadSignature)
        );
    }

    #[test]
    fn a_small_order_public_key_verifies_nothing() {
        // The identity point: with R = identity and s = 0, lax verification accepts any message.
        let mut identity = [0u8; 32];
        identity[0] = 1;
        let weak = VerifyingKey::from_bytes(&identity).unwrap();
        assert!(weak.is_weak());
        let (_, deployment, mut claims) = fixed();
        claims.kid = Kid::of(&weak);
        let mut bytes = [0u8; TOKEN_LEN];
        bytes[..SIGNED_LEN].copy_from_slice(&claims.to_bytes());
        bytes[SIGNED_LEN] = 1; // R = identity, s = 0
        let token = SignedToken::from_bytes(&bytes).unwrap();
        assert_eq!(
            token.verify(&deployment, [&weak]),
            Err(TokenError::BadSignature)
        );
    }

    #[test]
    fn a_token_naming_another_key_is_unknown_and_keys_sharing_a_kid_are_all_tried() {
        let (key, deployment, mut claims) = fixed();
        let other = SigningKey::from_bytes(&[0x43; 32]);
        claims.kid = Kid::of(&other.verifying_key());
        // Signed by `key` but naming `other`'s kid: only `key` is offered → unknown key.
        let token = SignedToken {
            claims,
            signature: key
                .sign(&signing_message(&deployment, &claims.to_bytes()))
                .to_bytes(),
        };
        assert_eq!(
            token.verify(&deployment, [&key.verifying_key()]),
            Err(TokenError::UnknownKey)
        );
        assert_eq!(
            token.verify(&deployment, [&other.verifying_key()]),
            Err(TokenError::BadSignature)
        );
        // A properly signed token verifies even when another key is offered first.
        let good = fixed().2.sign(&deployment, &key);
        assert!(
            good.verify(&deployment, [&other.verifying_key(), &key.verifying_key()])
                .is_ok()
        );
    }

    #[test]
    fn other_versions_padding_and_non_alphabet_text_are_refused() {
        let (key, deployment, claims) = fixed();
        let mut bytes = claims.sign(&deployment, &key).to_bytes();
        bytes[0] = 2;
        assert_eq!(
            SignedToken::from_bytes(&bytes),
            Err(TokenError::Malformed("unsupported format version"))
        );
        let text = claims.sign(&deployment, &key).to_text();
        assert!(
            SignedToken::parse_text(&format!("{text}====")).is_err(),
            "padding is not part of the format"
        );
        assert!(SignedToken::parse_text(&text.replace('A', "1")).is_err() || !text.contains('A'));
        assert!(SignedToken::parse_text(&format!("RLS1:{}", "A".repeat(250))).is_err());
        assert!(
            SignedToken::parse_text(&format!("  {text}\t\n")).is_ok(),
            "surrounding whitespace is stripped"
        );
        assert!(
            SignedToken::parse_text(&format!("{} {}", &text[..80], &text[80..])).is_err(),
            "inner space is not"
        );
    }
}
