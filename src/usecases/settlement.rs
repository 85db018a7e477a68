//! Paying the shops: settle a month, approve, record the payment, a shop's own draft and its
//! flags, payout details, and the payout file a bank's bulk transfer takes.

use crate::domain::calendar::month_bounds_us;
use crate::domain::ids::{MerchantId, Period};
use crate::domain::programme::Programme;
use crate::domain::settlement::{
    BankDetails, Payout, SettlementStatus, payout, transfer_reference,
};
use crate::problem::{Code, Problem};
use crate::store::{Flag, Settlement, Store, StoreError};
use std::collections::HashMap;

/// Longest flag reason and bank reference, in characters (the schema checks them too).
pub const MAX_REASON_CHARS: usize = 500;
/// Longest transfer reference.
pub const MAX_REFERENCE_CHARS: usize = 140;

fn not_found(e: StoreError) -> Problem {
    match e {
        StoreError::NotFound => Problem::new(Code::NotFound),
        other => other.into(),
    }
}

/// Claims every unsettled sale and reversal up to the end of `period` into a new draft.
pub async fn create(
    store: &Store,
    programme: &Programme,
    period: Period,
    actor: &str,
) -> Result<Settlement, Problem> {
    let (_, end_us) = month_bounds_us(period, programme.settings.utc_offset_hours);
    let id = store
        .create_settlement(programme.id, period, end_us, actor)
        .await?;
    Ok(store.settlement(id).await?)
}

/// A settlement (404 when unknown).
pub async fn read(store: &Store, id: i64) -> Result<Settlement, Problem> {
    store.settlement(id).await.map_err(not_found)
}

/// Every settlement of a programme, newest first.
pub async fn list(store: &Store, programme: &Programme) -> Result<Vec<Settlement>, Problem> {
    let mut out = Vec::new();
    for id in store.settlement_ids(programme.id).await? {
        out.push(read(store, id).await?);
    }
    Ok(out)
}

/// The shops' flags on a settlement's entries (finance and auditors read them).
pub async fn flags(store: &Store, id: i64) -> Result<Vec<Flag>, Problem> {
    Ok(store.settlement_flags(id).await?)
}

/// The next step: approve a draft, or mark an approved one paid with the bank's reference.
pub async fn advance(
    store: &Store,
    id: i64,
    to: SettlementStatus,
    reference: Option<&str>,
    actor: &str,
) -> Result<Settlement, Problem> {
    if let Some(r) = reference {
        let r = r.trim();
        if r.is_empty() || r.chars().count() > MAX_REFERENCE_CHARS {
            return Err(Problem::new(Code::ValidationFailed)
                .detail("reference must be 1 to 140 characters"));
        }
    }
    store
        .advance_settlement(id, to, reference.map(str::trim), actor)
        .await
        .map_err(not_found)?;
    read(store, id).await
}

/// A shop flags one of its own entries of a draft with a reason.
pub async fn flag(
    store: &Store,
    id: i64,
    merchant: MerchantId,
    redemption_id: i64,
    reason: &str,
) -> Result<i64, Problem> {
    let reason = reason.trim();
    if reason.is_empty() || reason.chars().count() > MAX_REASON_CHARS {
        return Err(
            Problem::new(Code::ValidationFailed).detail("reason must be 1 to 500 characters")
        );
    }
    store
        .flag_entry(id, merchant, redemption_id, reason)
        .await
        .map_err(not_found)
}

/// Checks and stores where a shop is paid.
pub async fn set_bank(
    store: &Store,
    merchant: MerchantId,
    bank: BankDetails,
    actor: &str,
) -> Result<(), Problem> {
    let ok = |v: &Option<String>, max: usize, min: usize| {
        v.as_deref()
            .is_none_or(|t| (min..=max).contains(&t.chars().count()))
    };
    let digits = bank
        .bank_account
        .as_deref()
        .is_none_or(|a| a.bytes().all(|b| b.is_ascii_digit()));
    if !(ok(&bank.bank_name, 60, 1)
        && ok(&bank.bank_account, 34, 4)
        && ok(&bank.bank_holder, 120, 1)
        && digits)
    {
        return Err(Problem::new(Code::ValidationFailed)
            .detail("bank_name 1–60, bank_account 4–34 digits, bank_holder 1–120 characters"));
    }
    store
        .set_bank_details(merchant, &bank, actor)
        .await
        .map_err(not_found)
}

/// What each shop of a settlement is paid, by shop: its net less what it still owed from
/// earlier settlements (a negative net is owed by the shop and carried into its next line).
pub async fn payouts(store: &Store, s: &Settlement) -> Result<HashMap<i64, Payout>, Problem> {
    let earlier = store.earlier_nets(s.id).await?;
    Ok(s.lines
        .iter()
        .map(|l| {
            let before = earlier.get(&l.merchant_id).map_or(&[][..], Vec::as_slice);
            (l.merchant_id, payout(before, l.net))
        })
        .collect())
}

/// A shop with money to transfer but no complete bank details (bank, account number and
/// holder): left out of the payout file, which a bank's bulk upload would refuse with a row
/// that names no account, and listed for finance to complete and pay by hand.
#[derive(Clone, PartialEq, Eq, Debug, serde::Serialize)]
pub struct MissingBank {
    /// Shop.
    pub merchant_id: i64,
    /// Its name.
    pub name: String,
    /// What it is owed in this settlement, whole rupiah (a string, as every amount).
    pub amount: String,
}

/// One row of the payout file.
struct Transfer {
    name: String,
    bank: BankDetails,
    amount_rp: i64,
    reference: String,
}

/// The shops with something to transfer, split into those the bank file can pay and those
/// without complete bank details.
async fn transfers(
    store: &Store,
    s: &Settlement,
) -> Result<(Vec<Transfer>, Vec<MissingBank>), Problem> {
    let paid = payouts(store, s).await?;
    let (mut ready, mut missing) = (Vec::new(), Vec::new());
    for line in &s.lines {
        let amount_rp = paid.get(&line.merchant_id).map_or(0, |p| p.to_transfer);
        if amount_rp <= 0 {
            continue;
        }
        let bank = store.bank_details(MerchantId(line.merchant_id)).await?;
        let given = |v: &Option<String>| v.as_deref().is_some_and(|t| !t.trim().is_empty());
        if given(&bank.bank_name) && given(&bank.bank_account) && given(&bank.bank_holder) {
            ready.push(Transfer {
                name: line.name.clone(),
                bank,
                amount_rp,
                reference: transfer_reference(&s.period, s.id, line.merchant_id),
            });
        } else {
            missing.push(MissingBank {
                merchant_id: line.merchant_id,
                name: line.name.clone(),
                amount: amount_rp.to_string(),
            });
        }
    }
    Ok((ready, missing))
}

/// The shops of a settlement that are owed money but have no complete bank details, so are
/// not in its payout file (finance sees them with the settlement and on the finance page).
pub async fn missing_bank(store: &Store, s: &Settlement) -> Result<Vec<MissingBank>, Problem> {
    Ok(transfers(store, s).await?.1)
}

/// The payout file: one row per shop with something to transfer and its bank details, for a
/// bank's bulk transfer upload. Header: nama_toko, bank, nomor_rekening, nama_pemilik, jumlah,
/// referensi. `jumlah` is the line's net less what the shop owed from earlier settlements; a
/// shop with nothing to transfer (a negative net: late reversals only) is left out and owes it
/// to the next one; a shop without bank details is left out too ([`missing_bank`]).
pub async fn payout_csv(store: &Store, s: &Settlement) -> Result<Vec<u8>, Problem> {
    let (ready, _) = transfers(store, s).await?;
    let mut w = csv::Writer::from_writer(Vec::new());
    let internal = |_| Problem::new(Code::Internal);
    w.write_record([
        "nama_toko",
        "bank",
        "nomor_rekening",
        "nama_pemilik",
        "jumlah",
        "referensi",
    ])
    .map_err(internal)?;
    for t in &ready {
        w.write_record([
            t.name.as_str(),
            t.bank.bank_name.as_deref().unwrap_or(""),
            t.bank.bank_account.as_deref().unwrap_or(""),
            t.bank.bank_holder.as_deref().unwrap_or(""),
            &t.amount_rp.to_string(),
            &t.reference,
        ])
        .map_err(internal)?;
    }
    w.into_inner().map_err(|_| Problem::new(Code::Internal))
}

/// The statement PDF: every shop's page (finance), or only `shop`'s (a shop, its own line).
pub async fn statement_pdf(
    store: &Store,
    s: &Settlement,
    shop: Option<MerchantId>,
    utc_offset_hours: i8,
) -> Result<Vec<u8>, Problem> {
    let paid = payouts(store, s).await?;
    let mut pages = Vec::new();
    for line in s
        .lines
        .iter()
        .filter(|l| shop.is_none_or(|m| m.0 == l.merchant_id))
    {
        let entries = store
            .statement_entries(s.id, MerchantId(line.merchant_id))
            .await?;
        let p = paid.get(&line.merchant_id).copied().unwrap_or_default();
        pages.push((line.clone(), p, entries));
    }
    if pages.is_empty() {
        return Err(Problem::new(Code::Forbidden));
    }
    Ok(crate::render::report_pdf::statement_pdf(
        s,
        &pages,
        utc_offset_hours,
    ))
}
