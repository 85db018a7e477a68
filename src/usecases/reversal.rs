//! A shop undoes one of its own sales, inside the programme's reversal window, once. With an
//! Idempotency-Key the first answer (receipt or refusal) is stored and replayed to every retry.

use super::receipt::{receipt_json, unsigned};
use super::sale::{keyed, problem_answer};
use super::{KeyedAnswer, Ledger};
use crate::domain::ids::{MerchantId, RedemptionId};
use crate::domain::sale;
use crate::problem::{Code, Problem};
use crate::store::{Reversal, ReversalRefusal, Reversed};
use relasi_token::receipt::Receipt;

/// The stable code of a refused reversal.
pub fn refusal_code(r: ReversalRefusal) -> Code {
    match r {
        ReversalRefusal::Unknown => Code::NotFound,
        ReversalRefusal::NotYours => Code::Forbidden,
        ReversalRefusal::WindowClosed => Code::ReversalWindowClosed,
        ReversalRefusal::AlreadyReversed => Code::AlreadyReversed,
        ReversalRefusal::VoucherRevoked => Code::VoucherRevoked,
    }
}

/// Reverses the sale `sale_id` (as written in the request path) for `merchant`.
pub async fn reverse(
    ledger: Ledger<'_>,
    merchant: MerchantId,
    key: Option<&str>,
    sale_id: &str,
    now_us: i64,
) -> Result<KeyedAnswer, Problem> {
    if key.is_some_and(|k| !ledger.limits.idempotency_key_ok(k)) {
        return Err(Problem::new(Code::IdempotencyKeyInvalid));
    }
    let request_sha256 = sale::request_sha256(&sale::canonical_reversal(sale_id));
    if let Some(key) = key
        && let Some(stored) = ledger.store.stored_answer(merchant, key).await?
    {
        return keyed(stored.for_request(&request_sha256));
    }
    let Some(debit) = sale_id.trim().parse::<i64>().ok().filter(|id| *id > 0) else {
        return Err(Problem::new(Code::NotFound));
    };
    let signer = ledger
        .keys
        .signer()
        .await?
        .ok_or_else(|| Problem::new(Code::ReceiptsUnavailable))?;
    let programmes = ledger.store.programmes().await?;
    let window = |p| {
        programmes
            .iter()
            .find(|x| x.id == p)
            .map_or(0, |x| x.settings.reversal_window_secs)
    };
    let reversal = Reversal {
        debit: RedemptionId(debit),
        merchant,
        idempotency_key: key,
        request_sha256: &request_sha256,
        now_us,
    };
    let answer = ledger
        .store
        .reverse(&reversal, window, |outcome| match outcome {
            Ok(reversed) => (
                201,
                receipt_json(
                    &reversal_receipt(&reversed, merchant, now_us),
                    ledger.deployment,
                    &signer,
                )
                .to_string(),
            ),
            Err(refusal) => problem_answer(refusal_code(refusal)),
        })
        .await?;
    keyed(answer)
}

fn reversal_receipt(r: &Reversed, merchant: MerchantId, now_us: i64) -> Receipt {
    Receipt {
        kind: Receipt::REVERSAL,
        redemption_id: unsigned(r.redemption_id.0),
        voucher_id: r.voucher.to_bytes(),
        merchant_id: unsigned(merchant.0),
        amount_rp: unsigned(r.amount.as_i64()),
        balance_after_rp: unsigned(r.balance_after.as_i64()),
        created_at_us: now_us,
        reverses_id: unsigned(r.reverses.0),
    }
}
