//! Signed receipts for sales and reversals (`docs/receipts.md`): the JSON a shop keeps, signed
//! with a published voucher key inside the transaction that records the entry.

use crate::domain::ids::VoucherId;
use crate::signing::Signer;
use chrono::{DateTime, SecondsFormat};
use data_encoding::BASE64URL_NOPAD;
use relasi_token::DeploymentId;
use relasi_token::receipt::Receipt;
use serde_json::{Value, json};

/// The receipt body: the signed fields, when, and the signature with its kid. A reversal also
/// names the sale it undoes (`reverses`, which its signature covers).
pub fn receipt_json(receipt: &Receipt, deployment: &DeploymentId, signer: &Signer) -> Value {
    let signature = receipt.sign(deployment, &signer.key);
    let created = DateTime::from_timestamp_micros(receipt.created_at_us).unwrap_or_default();
    let mut body = json!({
        "redemption_id": receipt.redemption_id,
        "kind": if receipt.kind == Receipt::DEBIT { "debit" } else { "reversal" },
        "voucher_id": VoucherId::from_bytes(receipt.voucher_id),
        "amount": receipt.amount_rp.to_string(),
        "balance_after": receipt.balance_after_rp.to_string(),
        "merchant_id": receipt.merchant_id,
        "created_at": created.to_rfc3339_opts(SecondsFormat::Micros, true),
        "created_at_us": receipt.created_at_us,
        "receipt_kid": signer.kid.to_hex(),
        "receipt_signature": BASE64URL_NOPAD.encode(&signature),
    });
    if receipt.kind == Receipt::REVERSAL {
        body["reverses"] = json!(receipt.reverses_id);
    }
    body
}

/// A non-negative id or amount as the receipt's unsigned field (they are never negative: the
/// schema checks amounts and ids count up from 1).
pub fn unsigned(value: i64) -> u64 {
    debug_assert!(value >= 0, "receipt fields are never negative");
    u64::try_from(value).unwrap_or(0)
}
