//! Signed sale receipts: the server signs a receipt's canonical bytes with a published voucher
//! key, so a shop can prove a sale (or a reversal) in a dispute with nothing but `GET /v1/keys`.
//!
//! Signed message, big-endian integers:
//! ```text
//! "RELASI-RECEIPT-1\0" ‖ deployment id ‖ 0x00 ‖
//!   kind (1 byte: 1 debit, 2 reversal) ‖ redemption id (8) ‖ voucher id (16) ‖ merchant id (8) ‖
//!   amount rupiah (8) ‖ balance after rupiah (8) ‖ created at, Unix microseconds (8) ‖
//!   for a reversal only: the redemption id of the sale it reverses (8)
//! ```

use crate::{DeploymentId, Kid, TokenError};
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};

/// Domain-separation tag of receipt signatures (never valid as a voucher signature).
pub const RECEIPT_TAG: &[u8] = b"RELASI-RECEIPT-1\0";

/// What a receipt records.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Receipt {
    /// 1 for a sale, 2 for a reversal.
    pub kind: u8,
    /// Journal entry id.
    pub redemption_id: u64,
    /// Voucher id.
    pub voucher_id: [u8; 16],
    /// Shop.
    pub merchant_id: u64,
    /// Amount in whole rupiah.
    pub amount_rp: u64,
    /// Voucher balance after the entry.
    pub balance_after_rp: u64,
    /// When, Unix microseconds.
    pub created_at_us: i64,
    /// For a reversal, the sale it undoes (signed); 0 for a sale (not signed).
    pub reverses_id: u64,
}

impl Receipt {
    /// Kind byte of a sale.
    pub const DEBIT: u8 = 1;
    /// Kind byte of a reversal.
    pub const REVERSAL: u8 = 2;

    /// The exact signed message.
    pub fn signing_message(&self, deployment: &DeploymentId) -> Vec<u8> {
        let mut m = Vec::with_capacity(RECEIPT_TAG.len() + deployment.as_str().len() + 1 + 65);
        m.extend_from_slice(RECEIPT_TAG);
        m.extend_from_slice(deployment.as_str().as_bytes());
        m.push(0);
        m.push(self.kind);
        m.extend_from_slice(&self.redemption_id.to_be_bytes());
        m.extend_from_slice(&self.voucher_id);
        m.extend_from_slice(&self.merchant_id.to_be_bytes());
        m.extend_from_slice(&self.amount_rp.to_be_bytes());
        m.extend_from_slice(&self.balance_after_rp.to_be_bytes());
        m.extend_from_slice(&self.created_at_us.to_be_bytes());
        if self.kind == Receipt::REVERSAL {
            m.extend_from_slice(&self.reverses_id.to_be_bytes());
        }
        m
    }

    /// Signs; returns the 64-byte signature.
    pub fn sign(&self, deployment: &DeploymentId, key: &SigningKey) -> [u8; 64] {
        key.sign(&self.signing_message(deployment)).to_bytes()
    }

    /// Verifies strictly against every candidate key with `kid`.
    pub fn verify<'k>(
        &self,
        deployment: &DeploymentId,
        kid: Kid,
        signature: &[u8; 64],
        keys: impl IntoIterator<Item = &'k VerifyingKey>,
    ) -> Result<(), TokenError> {
        let message = self.signing_message(deployment);
        let signature = Signature::from_bytes(signature);
        let mut saw_kid = false;
        for key in keys.into_iter().filter(|k| Kid::of(k) == kid) {
            saw_kid = true;
            if key.verify_strict(&message, &signature).is_ok() {
                return Ok(());
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

    #[test]
    fn receipts_verify_and_any_changed_field_breaks_them() {
        let key = SigningKey::from_bytes(&[5; 32]);
        let d = DeploymentId::parse("kab-pasuruan").unwrap();
        let r = Receipt {
            kind: Receipt::DEBIT,
            redemption_id: 7,
            voucher_id: [1; 16],
            merchant_id: 3,
            amount_rp: 25_000,
            balance_after_rp: 275_000,
            created_at_us: 1_796_100_000_000_000,
            reverses_id: 0,
        };
        let sig = r.sign(&d, &key);
        let vk = key.verifying_key();
        let kid = Kid::of(&vk);
        assert!(r.verify(&d, kid, &sig, [&vk]).is_ok());
        for changed in [
            Receipt {
                amount_rp: 26_000,
                ..r
            },
            Receipt {
                balance_after_rp: 0,
                ..r
            },
            Receipt {
                kind: Receipt::REVERSAL,
                ..r
            },
            Receipt {
                merchant_id: 4,
                ..r
            },
        ] {
            assert_eq!(
                changed.verify(&d, kid, &sig, [&vk]),
                Err(TokenError::BadSignature)
            );
        }
        // A reversal's signature covers the sale it undoes.
        let reversal = Receipt {
            kind: Receipt::REVERSAL,
            reverses_id: 6,
            ..r
        };
        let sig = reversal.sign(&d, &key);
        assert!(reversal.verify(&d, kid, &sig, [&vk]).is_ok());
        assert_eq!(
            Receipt {
                reverses_id: 5,
                ..reversal
            }
            .verify(&d, kid, &sig, [&vk]),
            Err(TokenError::BadSignature)
        );
        // A receipt signature never passes as a voucher signature: the tags differ.
        assert!(!r.signing_message(&d).starts_with(crate::DOMAIN_TAG));
    }
}
