//! Fuzz target: the QR text and byte decoders must never panic, and whatever decodes must
//! re-encode to the same bytes. Run: `cd relasi-token && cargo +nightly fuzz run decode`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use relasi_token::{DeploymentId, SignedToken, VerifyingKey};

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(token) = SignedToken::parse_text(text) {
            assert_eq!(SignedToken::from_bytes(&token.to_bytes()).as_ref(), Ok(&token));
            let key = VerifyingKey::from_bytes(&[0x42; 32]);
            if let (Ok(key), Ok(deployment)) = (key, DeploymentId::parse("fuzz")) {
                let _ = token.verify(&deployment, [&key]);
            }
        }
    }
    if let Ok(token) = SignedToken::from_bytes(data) {
        assert_eq!(token.to_bytes().as_slice(), data);
        assert_eq!(SignedToken::parse_text(&token.to_text()).as_ref(), Ok(&token));
    }
});
