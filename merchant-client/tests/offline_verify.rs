//! The merchant client's offline verdicts, through its public API only.
#![allow(clippy::unwrap_used)] // a panic in a test is a failed test

use data_encoding::BASE64URL_NOPAD;
use relasi_merchant::{Keyring, OfflineError};
use relasi_token::{DeploymentId, Flags, Kid, SigningKey, VoucherClaims};

fn keys_json(key: &SigningKey, status: &str) -> String {
    let vk = key.verifying_key();
    serde_json::json!({
        "deployment_id": "pasuruan",
        "keys": [{ "kid": Kid::of(&vk).to_hex(), "public_key": BASE64URL_NOPAD.encode(vk.as_bytes()), "status": status }]
    })
    .to_string()
}

fn token(key: &SigningKey) -> String {
    let claims = VoucherClaims {
        flags: Flags::with_offline(true),
        kid: Kid::of(&key.verifying_key()),
        voucher_id: [0x42; 16],
        programme: 1,
        valid_from_unix: 1_000,
        valid_until_unix: 2_000,
        face_value_rp: 200_000,
    };
    claims
        .sign(&DeploymentId::parse("pasuruan").unwrap(), key)
        .to_text()
}

#[test]
fn a_good_voucher_verifies_inside_its_window_only() {
    let key = SigningKey::from_bytes(&[3; 32]);
    let ring = Keyring::from_json(&keys_json(&key, "active")).unwrap();
    let v = ring.verify(&token(&key), 1_500).unwrap();
    assert_eq!(v.face_value_rp, 200_000);
    assert!(v.offline_allowed);
    assert_eq!(
        ring.verify(&token(&key), 999),
        Err(OfflineError::NotYetValid)
    );
    assert_eq!(
        ring.verify(&token(&key), 2_001).unwrap_err().code(),
        relasi_merchant::Code::VoucherExpired
    );
}

#[test]
fn revoked_unknown_and_forged_are_refused() {
    let key = SigningKey::from_bytes(&[3; 32]);
    let revoked = Keyring::from_json(&keys_json(&key, "revoked")).unwrap();
    assert_eq!(
        revoked.verify(&token(&key), 1_500).unwrap_err().code(),
        relasi_merchant::Code::KeyRevoked
    );
    let other =
        Keyring::from_json(&keys_json(&SigningKey::from_bytes(&[4; 32]), "active")).unwrap();
    assert_eq!(
        other.verify(&token(&key), 1_500).unwrap_err().code(),
        relasi_merchant::Code::UnknownKey
    );
    let ring = Keyring::from_json(&keys_json(&key, "active")).unwrap();
    let mut forged = token(&key);
    forged.replace_range(60..61, if &forged[60..61] == "A" { "B" } else { "A" });
    assert!(ring.verify(&forged, 1_500).is_err());
    assert_eq!(
        ring.verify("hello", 1_500).unwrap_err().code(),
        relasi_merchant::Code::MalformedToken
    );
}

#[test]
fn a_keys_file_with_a_wrong_kid_is_refused() {
    let key = SigningKey::from_bytes(&[3; 32]);
    let text =
        keys_json(&key, "active").replace(&Kid::of(&key.verifying_key()).to_hex(), "00000000");
    assert!(Keyring::from_json(&text).is_err());
}

#[test]
fn a_key_past_its_verification_window_is_refused_as_the_server_does() {
    let key = SigningKey::from_bytes(&[3; 32]);
    let vk = key.verifying_key();
    // A retired key: it verifies until 1970-01-01T00:25:00Z (Unix 1500), then nothing.
    let retired = serde_json::json!({
        "deployment_id": "pasuruan",
        "keys": [{ "kid": Kid::of(&vk).to_hex(), "public_key": BASE64URL_NOPAD.encode(vk.as_bytes()),
                   "status": "retired", "verify_until": "1970-01-01T00:25:00Z" }]
    })
    .to_string();
    let ring = Keyring::from_json(&retired).unwrap();
    assert!(ring.verify(&token(&key), 1_400).is_ok());
    assert_eq!(
        ring.verify(&token(&key), 1_501).unwrap_err().code(),
        relasi_merchant::Code::KeyRevoked
    );
    let garbled = retired.replace("1970-01-01T00:25:00Z", "soon");
    assert!(Keyring::from_json(&garbled).is_err());
}

#[test]
fn a_voucher_is_read_from_text_and_from_a_photo_of_its_qr() {
    let key = SigningKey::from_bytes(&[3; 32]);
    let text = token(&key);
    assert_eq!(
        relasi_merchant::decode::from_text(&format!("  {}\r\n", text.to_lowercase())).unwrap(),
        text.to_lowercase()
    );
    let code =
        qrcode::QrCode::with_error_correction_level(text.as_bytes(), qrcode::EcLevel::Q).unwrap();
    let gray = code
        .render::<image::Luma<u8>>()
        .quiet_zone(true)
        .module_dimensions(6, 6)
        .build();
    let mut png = Vec::new();
    image::DynamicImage::ImageLuma8(gray.clone())
        .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
        .unwrap();
    assert_eq!(relasi_merchant::decode::from_image(&png).unwrap(), text);
    let mut jpeg = Vec::new();
    image::DynamicImage::ImageLuma8(gray)
        .write_to(
            &mut std::io::Cursor::new(&mut jpeg),
            image::ImageFormat::Jpeg,
        )
        .unwrap();
    assert_eq!(relasi_merchant::decode::from_image(&jpeg).unwrap(), text);
    assert_eq!(
        relasi_merchant::decode::from_image(b"not an image"),
        Err(relasi_merchant::decode::DecodeError::NotAnImage)
    );
}

#[test]
fn a_card_printed_with_a_public_address_reads_from_its_link() {
    let key = SigningKey::from_bytes(&[3; 32]);
    let text = token(&key);
    let link = relasi_token::SignedToken::parse_text(&text)
        .unwrap()
        .to_link("https://relasi.example");
    assert!(link.starts_with("HTTPS://RELASI.EXAMPLE/V/RLS1:"), "{link}");
    // Typed or pasted, in any case, the link gives the token; the keyring verifies it as is.
    assert_eq!(relasi_merchant::decode::from_text(&link).unwrap(), text);
    assert_eq!(
        relasi_merchant::decode::from_text(&format!(" {}\n", link.to_lowercase())).unwrap(),
        text.to_lowercase()
    );
    assert_eq!(
        relasi_merchant::decode::from_text_or_file(&link).unwrap(),
        text
    );
    let ring = Keyring::from_json(&keys_json(&key, "active")).unwrap();
    assert!(ring.verify(&link, 1_500).is_ok());
    // A link to anything else is not a voucher.
    assert!(relasi_merchant::decode::from_text("https://relasi.example/saldo").is_err());
    // The card's QR, photographed: the same token.
    let code =
        qrcode::QrCode::with_error_correction_level(link.as_bytes(), qrcode::EcLevel::Q).unwrap();
    let gray = code
        .render::<image::Luma<u8>>()
        .quiet_zone(true)
        .module_dimensions(6, 6)
        .build();
    let path = std::env::temp_dir().join(format!("relasi-kartu-{}.png", std::process::id()));
    gray.save(&path).unwrap();
    let png = std::fs::read(&path).unwrap();
    let from_file = relasi_merchant::decode::from_text_or_file(path.to_str().unwrap());
    std::fs::remove_file(&path).unwrap();
    assert_eq!(relasi_merchant::decode::from_image(&png).unwrap(), text);
    assert_eq!(from_file.unwrap(), text);
}
