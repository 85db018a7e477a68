//! The money path over HTTP: `POST /v1/redemptions` (a shop debits a voucher) and
//! `POST /v1/redemptions/{id}/reversal`. Order of work: read and strictly verify the token
//! before touching voucher data; check the key and the token's window; then one atomic,
//! idempotent debit in the store; answer with a receipt signed by a published key.

use super::AppState;
use super::error::{ApiError, ApiResult, problem_body, stored_response};
use super::extract::{ApiJson, Caller};
use super::keyring::Distrust;
use crate::domain::auth::Role;
use crate::domain::ids::{MerchantId, RedemptionId, VoucherId};
use crate::domain::money::Rupiah;
use crate::domain::programme::Category;
use crate::signing::Signer;
use crate::store::{Answer, Debit, DebitResult, Decline, ReversalRefusal, now_us};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use chrono::{DateTime, SecondsFormat};
use data_encoding::BASE64URL_NOPAD;
use relasi_codes::Code;
use relasi_token::receipt::Receipt;
use relasi_token::{DeploymentId, SignedToken};
use serde::Deserialize;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

/// Largest single sale: far above any voucher, low enough to catch a typo's extra zeros.
pub const MAX_AMOUNT_RP: i64 = 10_000_000;
/// Most basket lines.
pub const MAX_ITEMS: usize = 50;
/// Longest Idempotency-Key.
pub const MAX_IDEMPOTENCY_KEY: usize = 128;

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/redemptions", post(redeem))
        .route("/v1/redemptions/{id}/reversal", post(reverse))
}

#[derive(Deserialize)]
struct RedeemBody {
    token: String,
    amount: String,
    #[serde(default)]
    items: Vec<ItemBody>,
}

#[derive(Deserialize)]
struct ItemBody {
    category: String,
    amount: String,
}

fn merchant_of(caller: &Caller) -> ApiResult<MerchantId> {
    caller.require(&[Role::Merchant])?;
    caller
        .principal
        .merchant_id
        .ok_or_else(|| ApiError::new(Code::Forbidden))
}

fn idempotency_key(headers: &HeaderMap) -> ApiResult<String> {
    let value = headers
        .get("idempotency-key")
        .ok_or_else(|| ApiError::new(Code::IdempotencyKeyRequired))?;
    let key = value
        .to_str()
        .map_err(|_| ApiError::new(Code::IdempotencyKeyInvalid))?;
    if key.is_empty()
        || key.len() > MAX_IDEMPOTENCY_KEY
        || !key.bytes().all(|b| b.is_ascii_graphic())
    {
        return Err(ApiError::new(Code::IdempotencyKeyInvalid));
    }
    Ok(key.to_owned())
}

fn amount(text: &str) -> ApiResult<Rupiah> {
    let a = Rupiah::parse(text).map_err(|_| {
        ApiError::new(Code::InvalidAmount).detail("whole rupiah as digits, e.g. \"25000\"")
    })?;
    if a.as_i64() == 0 || a.as_i64() > MAX_AMOUNT_RP {
        return Err(ApiError::new(Code::InvalidAmount).detail("must be between 1 and 10000000"));
    }
    Ok(a)
}

/// Merges basket lines by category and checks them against the programme and the total.
fn basket(
    items: &[ItemBody],
    total: Rupiah,
    allowed: &[Category],
) -> ApiResult<Vec<(Category, Rupiah)>> {
    if items.is_empty() || items.len() > MAX_ITEMS {
        return Err(
            ApiError::new(Code::InvalidAmount).detail("items must list 1 to 50 basket lines")
        );
    }
    let mut merged: BTreeMap<Category, Rupiah> = BTreeMap::new();
    for item in items {
        let category =
            Category::parse(&item.category).map_err(|_| ApiError::new(Code::CategoryNotAllowed))?;
        if !allowed.contains(&category) {
            return Err(ApiError::new(Code::CategoryNotAllowed).detail(format!(
                "{} is not a category of this programme",
                category.as_str()
            )));
        }
        let line = amount(&item.amount)?;
        let slot = merged.entry(category).or_insert(Rupiah::ZERO);
        *slot = slot
            .checked_add(line)
            .ok_or_else(|| ApiError::new(Code::InvalidAmount))?;
    }
    let sum = merged
        .values()
        .try_fold(Rupiah::ZERO, |acc, a| acc.checked_add(*a))
        .ok_or_else(|| ApiError::new(Code::InvalidAmount))?;
    if sum != total {
        return Err(ApiError::new(Code::InvalidAmount).detail("item amounts must add up to amount"));
    }
    Ok(merged.into_iter().collect())
}

fn distrust_error(d: Distrust) -> ApiError {
    match d {
        Distrust::Token(e) => ApiError::new(e.code()),
        Distrust::KeyRevoked => ApiError::new(Code::KeyRevoked),
    }
}

fn decline_code(d: Decline) -> Code {
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

/// The signed receipt body shared by sales and reversals.
fn receipt_json(
    receipt: &Receipt,
    deployment: &DeploymentId,
    signer: &Signer,
    extra: Value,
) -> Value {
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
    if let (Some(obj), Value::Object(more)) = (body.as_object_mut(), extra) {
        obj.extend(more);
    }
    body
}

/// `POST /v1/redemptions` with `Idempotency-Key` → 201 receipt, or a stored decline.
async fn redeem(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    ApiJson(body): ApiJson<RedeemBody>,
) -> ApiResult<Response> {
    let merchant = merchant_of(&caller)?;
    let key = idempotency_key(&headers)?;
    // 1. The token, before any voucher data is touched.
    let token = SignedToken::parse_text(&body.token).map_err(|e| ApiError::new(e.code()))?;
    let total = amount(&body.amount)?;
    let now = now_us();
    let now_unix = now.div_euclid(1_000_000);
    state
        .keys
        .verify(&state.deployment, &token, now_unix)
        .await?
        .map_err(distrust_error)?;
    let claims = token.claims;
    if now_unix < i64::from(claims.valid_from_unix) {
        return Err(ApiError::new(Code::VoucherNotYetValid));
    }
    if now_unix > i64::from(claims.valid_until_unix) {
        return Err(ApiError::new(Code::VoucherExpired));
    }
    let programme = match state.store.programme_by_number(claims.programme).await {
        Ok(p) => p,
        Err(crate::store::StoreError::NotFound) => return Err(ApiError::new(Code::VoucherUnknown)),
        Err(e) => return Err(e.into()),
    };
    let items = basket(&body.items, total, &programme.settings.categories)?;
    let signer = state
        .keys
        .signer()
        .await?
        .ok_or_else(|| ApiError::new(Code::ReceiptsUnavailable))?;

    // 2. The canonical request: the same sale always hashes the same, however it is spelled.
    let mut canonical = format!("{}\n{}\n", token.to_text(), total);
    for (category, amount) in &items {
        canonical.push_str(&format!("{}={}\n", category.as_str(), amount));
    }
    let request_sha256 = hex::encode(Sha256::digest(canonical.as_bytes()));
    let voucher = VoucherId::from_bytes(claims.voucher_id);
    let debit = Debit {
        merchant,
        idempotency_key: &key,
        request_sha256: &request_sha256,
        voucher,
        amount: total,
        items: &items,
        now_unix,
        now_us: now,
    };
    // 3. One atomic, idempotent debit; the answer is decided and stored inside it.
    let deployment = state.deployment.clone();
    let answer = state
        .store
        .debit(&debit, |result| match result {
            DebitResult::Debited {
                redemption_id,
                balance_after,
            } => {
                let receipt = Receipt {
                    kind: Receipt::DEBIT,
                    redemption_id: u64::try_from(redemption_id.0).unwrap_or(0),
                    voucher_id: claims.voucher_id,
                    merchant_id: u64::try_from(merchant.0).unwrap_or(0),
                    amount_rp: u64::try_from(total.as_i64()).unwrap_or(0),
                    balance_after_rp: u64::try_from(balance_after.as_i64()).unwrap_or(0),
                    created_at_us: now,
                };
                (
                    201,
                    receipt_json(&receipt, &deployment, &signer, json!({})).to_string(),
                )
            }
            DebitResult::Declined(d) => {
                let (status, body) = problem_body(decline_code(d), None);
                (status.as_u16(), body.to_string())
            }
        })
        .await?;
    metrics::counter!("relasi_redemptions_total", "outcome" => answer_label(&answer)).increment(1);
    match answer {
        Answer::Fresh(status, body) | Answer::Replay(status, body) => {
            Ok(stored_response(status, body))
        }
        Answer::KeyReused => Err(ApiError::new(Code::IdempotencyKeyReused)),
    }
}

fn answer_label(answer: &Answer) -> &'static str {
    match answer {
        Answer::Fresh(201, _) => "debited",
        Answer::Fresh(..) => "declined",
        Answer::Replay(..) => "replayed",
        Answer::KeyReused => "key_reused",
    }
}

/// `POST /v1/redemptions/{id}/reversal`: the same shop, inside the programme's window, once.
async fn reverse(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let merchant = merchant_of(&caller)?;
    let id = id
        .parse::<i64>()
        .map(RedemptionId)
        .map_err(|_| ApiError::new(Code::NotFound))?;
    let signer = state
        .keys
        .signer()
        .await?
        .ok_or_else(|| ApiError::new(Code::ReceiptsUnavailable))?;
    let programmes = state.store.programmes().await?;
    let now = now_us();
    let window = |p: crate::domain::ids::ProgrammeId| {
        programmes
            .iter()
            .find(|x| x.id == p)
            .map_or(0, |x| x.settings.reversal_window_secs)
    };
    let reversed = state
        .store
        .reverse(id, merchant, window, now)
        .await?
        .map_err(|r| {
            ApiError::new(match r {
                ReversalRefusal::Unknown => Code::NotFound,
                ReversalRefusal::NotYours => Code::Forbidden,
                ReversalRefusal::WindowClosed => Code::ReversalWindowClosed,
                ReversalRefusal::AlreadyReversed => Code::AlreadyReversed,
                ReversalRefusal::VoucherRevoked => Code::VoucherRevoked,
            })
        })?;
    let receipt = Receipt {
        kind: Receipt::REVERSAL,
        redemption_id: u64::try_from(reversed.redemption_id.0).unwrap_or(0),
        voucher_id: reversed.voucher.to_bytes(),
        merchant_id: u64::try_from(merchant.0).unwrap_or(0),
        amount_rp: u64::try_from(reversed.amount.as_i64()).unwrap_or(0),
        balance_after_rp: u64::try_from(reversed.balance_after.as_i64()).unwrap_or(0),
        created_at_us: now,
    };
    let body = receipt_json(
        &receipt,
        &state.deployment,
        &signer,
        json!({ "reverses": reversed.reverses }),
    );
    Ok((StatusCode::CREATED, Json(body)).into_response())
}
