//! A family checks its card: balance, status, validity and the last few uses (amount, date, shop
//! name) — nothing personal. A card whose balance moved to a replacement says so, in words.

use super::Ledger;
use crate::domain::calendar;
use crate::domain::ids::VoucherId;
use crate::problem::{Code, Problem};
use chrono::{DateTime, SecondsFormat};
use relasi_token::SignedToken;
use serde_json::{Value, json};

/// Journal entries shown in `recent`.
pub const RECENT_ENTRIES: i64 = 5;

/// The answer to a balance check, as JSON.
pub async fn check(ledger: Ledger<'_>, token_text: &str, now_us: i64) -> Result<Value, Problem> {
    let token = SignedToken::parse_text(ledger.limits.token_text(token_text)?)
        .map_err(|e| Problem::new(e.code()))?;
    let now_unix = now_us.div_euclid(1_000_000);
    super::trust_token(ledger, &token, now_unix).await?;
    let id = VoucherId::from_bytes(token.claims.voucher_id);
    let facts = ledger
        .store
        .voucher_balance(id)
        .await?
        .ok_or_else(|| Problem::new(Code::VoucherUnknown))?;
    let status = match facts.status.as_str() {
        "active" if now_unix > facts.valid_until_unix => "expired",
        "active" if now_unix < i64::from(token.claims.valid_from_unix) => "not_yet_valid",
        other => other,
    };
    let recent: Vec<Value> = ledger
        .store
        .recent_entries(id, RECENT_ENTRIES)
        .await?
        .into_iter()
        .map(|e| {
            json!({
                "kind": e.kind,
                "amount": e.amount,
                "at": e.at.to_rfc3339_opts(SecondsFormat::Secs, true),
                "shop": e.shop.unwrap_or_default(),
            })
        })
        .collect();
    let valid_until = DateTime::from_timestamp(facts.valid_until_unix, 0).unwrap_or_default();
    let mut body = json!({
        "balance": facts.balance.to_string(),
        "face_value": token.claims.face_value_rp.to_string(),
        "status": status,
        "valid_until": valid_until.to_rfc3339_opts(SecondsFormat::Secs, true),
        "recent": recent,
    });
    if let Some((moved, at_us)) = facts.moved_out {
        let offset = ledger
            .store
            .programme(facts.programme)
            .await?
            .settings
            .utc_offset_hours;
        let at = DateTime::from_timestamp_micros(at_us).unwrap_or_default();
        let day = calendar::tanggal(calendar::local_date(at, offset));
        body["moved_to_new_card"] = json!(moved.to_string());
        body["pesan"] = json!(format!(
            "Saldo {} dari kartu ini sudah dipindahkan ke kartu pengganti pada {day}. Pakai kartu yang baru.",
            moved.display_id()
        ));
        body["message_en"] = json!(format!(
            "The balance of {} on this card was moved to a replacement card on {day}. Use the new card.",
            moved.display_id()
        ));
    }
    Ok(body)
}
