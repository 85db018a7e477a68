//! A shop's sale: replay the answer its Idempotency-Key already holds, or verify the token, the
//! basket and the shop, then debit once and answer with a signed receipt (or a stored decline).
//!
//! Order of work, so that a retried sale always gets its first answer: the shop is known (the
//! caller authenticated it), the request is hashed canonically, and a stored answer for the key
//! is replayed before anything that depends on time or state (the token's window, the key's
//! status, the receipt signer, the shop's categories) is looked at.

use super::receipt::{receipt_json, unsigned};
use super::{KeyedAnswer, Ledger};
use crate::domain::ids::{MerchantId, VoucherId};
use crate::domain::money::Rupiah;
use crate::domain::programme::Category;
use crate::domain::sale::{self, SaleRefused, SaleRequest};
use crate::keyring::Distrust;
use crate::problem::{Code, Problem};
use crate::store::{Answer, DebitResult, Decline, SaleDebit, StoreError};
use relasi_token::SignedToken;
use relasi_token::receipt::Receipt;

impl From<SaleRefused> for Problem {
    fn from(r: SaleRefused) -> Problem {
        Problem::new(r.code).detail(r.detail)
    }
}

/// Why the server does not trust a token, as a problem.
pub fn distrust_problem(d: Distrust) -> Problem {
    match d {
        Distrust::Token(e) => Problem::new(e.code()),
        Distrust::KeyRevoked => Problem::new(Code::KeyRevoked),
    }
}

/// The stable code of a decline decided inside the debit.
pub fn decline_code(d: Decline) -> Code {
    match d {
        Decline::Unknown => Code::VoucherUnknown,
        Decline::Revoked => Code::VoucherRevoked,
        Decline::NotYetValid => Code::VoucherNotYetValid,
        Decline::Expired => Code::VoucherExpired,
        Decline::MerchantInactive => Code::MerchantInactive,
        Decline::OutOfArea => Code::MerchantOutOfArea,
        Decline::InsufficientBalance => Code::InsufficientBalance,
    }
}

/// Turns a keyed store answer into the shop's answer (`idempotency_key_reused` is a refusal).
pub fn keyed(answer: Answer) -> Result<KeyedAnswer, Problem> {
    match answer {
        Answer::Fresh(status, body) => Ok(KeyedAnswer {
            status,
            body,
            replayed: false,
        }),
        Answer::Replay(status, body) => Ok(KeyedAnswer {
            status,
            body,
            replayed: true,
        }),
        Answer::KeyReused => Err(Problem::new(Code::IdempotencyKeyReused)),
    }
}

/// Sells `req` for `merchant` under `key` at `now_us`.
///
/// A new key is the common case, so the checks come first and the debit's batch claims the key,
/// replaying an answer the key already holds. Only a refusal asks for a stored answer before it
/// is given: a retried sale whose first answer was stored gets that answer, whatever changed
/// since (the token's window, the key's status, the receipt signer, the shop's categories).
pub async fn redeem(
    ledger: Ledger<'_>,
    merchant: MerchantId,
    key: &str,
    req: &SaleRequest,
    now_us: i64,
) -> Result<KeyedAnswer, Problem> {
    if !ledger.limits.idempotency_key_ok(key) {
        return Err(Problem::new(Code::IdempotencyKeyInvalid));
    }
    ledger.limits.token_text(&req.token)?;
    let token = SignedToken::parse_text(&req.token);
    let canonical_token = token.as_ref().ok().map(SignedToken::to_text);
    let request_sha256 =
        sale::request_sha256(&sale::canonical_sale(req, canonical_token.as_deref()));
    let checked = match token {
        Ok(token) => check(ledger, merchant, req, token, now_us).await,
        Err(e) => Err(Problem::new(e.code())),
    };
    let (checked, signer) = match checked {
        Ok(ok) => ok,
        Err(refusal) => {
            // An answer given before is final: replay it rather than the refusal.
            return match ledger.store.stored_answer(merchant, key).await? {
                Some(stored) => keyed(stored.for_request(&request_sha256)),
                None => Err(refusal),
            };
        }
    };
    let sale = SaleDebit {
        merchant,
        idempotency_key: key.to_owned(),
        request_sha256,
        voucher: checked.voucher,
        amount: checked.amount,
        items: checked.items,
        now_unix: now_us.div_euclid(1_000_000),
        now_us,
    };
    let facts = ReceiptFacts {
        merchant,
        voucher: sale.voucher,
        amount: sale.amount,
        now_us,
    };
    let deployment = ledger.deployment.clone();
    let answer = Box::new(move |result| sale_answer(result, facts, &deployment, &signer));
    keyed(ledger.store.debit_sale(sale, answer).await?)
}

/// A sale that passed every check made before the debit.
struct Checked {
    voucher: VoucherId,
    amount: Rupiah,
    items: Vec<(Category, Rupiah)>,
}

/// Every check of a new sale that does not need the voucher's row: the amount, the token's
/// signature, key and window, the programme, the basket against the shop's categories, and a
/// receipt signer. The debit decides the rest (balance, status, shop active, area).
async fn check(
    ledger: Ledger<'_>,
    merchant: MerchantId,
    req: &SaleRequest,
    token: SignedToken,
    now_us: i64,
) -> Result<(Checked, std::sync::Arc<crate::signing::Signer>), Problem> {
    let total = sale::sale_amount(&req.amount)?;
    let now_unix = now_us.div_euclid(1_000_000);
    super::trust_token(ledger, &token, now_unix).await?;
    let claims = token.claims;
    if now_unix < i64::from(claims.valid_from_unix) {
        return Err(Problem::new(Code::VoucherNotYetValid));
    }
    if now_unix > i64::from(claims.valid_until_unix) {
        return Err(Problem::new(Code::VoucherExpired));
    }
    let (programme, shop_categories) =
        match ledger.store.sale_terms(claims.programme, merchant).await {
            Ok(terms) => terms,
            Err(StoreError::NotFound) => return Err(Problem::new(Code::VoucherUnknown)),
            Err(e) => return Err(e.into()),
        };
    let items = sale::basket(
        &req.items,
        total,
        &programme.settings.categories,
        &shop_categories,
    )?;
    let signer = ledger
        .keys
        .signer()
        .await?
        .ok_or_else(|| Problem::new(Code::ReceiptsUnavailable))?;
    let checked = Checked {
        voucher: VoucherId::from_bytes(claims.voucher_id),
        amount: total,
        items,
    };
    Ok((checked, signer))
}

/// What a sale's receipt states besides the result.
#[derive(Clone, Copy, Debug)]
struct ReceiptFacts {
    merchant: MerchantId,
    voucher: VoucherId,
    amount: Rupiah,
    now_us: i64,
}

/// The answer stored for a debit's result: a signed receipt, or the decline as problem+json.
fn sale_answer(
    result: DebitResult,
    d: ReceiptFacts,
    deployment: &relasi_token::DeploymentId,
    signer: &crate::signing::Signer,
) -> (u16, String) {
    match result {
        DebitResult::Debited {
            redemption_id,
            balance_after,
        } => {
            let receipt = Receipt {
                kind: Receipt::DEBIT,
                redemption_id: unsigned(redemption_id.0),
                voucher_id: d.voucher.to_bytes(),
                merchant_id: unsigned(d.merchant.0),
                amount_rp: unsigned(d.amount.as_i64()),
                balance_after_rp: unsigned(balance_after.as_i64()),
                created_at_us: d.now_us,
                reverses_id: 0,
            };
            (201, receipt_json(&receipt, deployment, signer).to_string())
        }
        DebitResult::Declined(decline) => problem_answer(decline_code(decline)),
    }
}

/// A decline as the stored problem+json answer.
pub fn problem_answer(code: Code) -> (u16, String) {
    (code.status(), Problem::new(code).body().to_string())
}
