//! A lost card: the admin revokes it and its remaining balance moves, in one transaction and as
//! two journal entries, to a newly signed card for the same household.

use super::Ledger;
use crate::domain::ids::VoucherId;
use crate::domain::voucher::ClaimTemplate;
use crate::problem::{Code, Problem};
use crate::store::{NewVoucher, Remaining, ReplaceRefusal};

/// Replaces voucher `id`; returns the new voucher's id.
pub async fn replace(ledger: Ledger<'_>, id: VoucherId, actor: &str) -> Result<VoucherId, Problem> {
    let old = ledger.store.voucher(id).await?;
    let programme = ledger.store.programme(old.programme_id).await?;
    let signer = ledger
        .keys
        .signer()
        .await?
        .ok_or_else(|| Problem::new(Code::NoSigningKey))?;
    let make = |remaining: Remaining| {
        let template = ClaimTemplate::new(&programme, signer.kid, remaining.valid)?;
        let id = VoucherId::from_bytes(rand::random());
        let claims = template.claims(id, remaining.balance)?;
        Ok(NewVoucher {
            id,
            no_kk: old.no_kk.clone(),
            kode_desa: old.kode_desa.clone(),
            budget_line_id: old.budget_line_id,
            kid: signer.kid.to_hex(),
            face_value: remaining.balance,
            token: claims.sign(ledger.deployment, &signer.key).to_text(),
        })
    };
    ledger
        .store
        .replace_voucher(id, make, actor)
        .await?
        .map_err(|r| {
            Problem::new(match r {
                ReplaceRefusal::Unknown => Code::NotFound,
                ReplaceRefusal::NothingLeft => Code::NothingToReplace,
                ReplaceRefusal::AlreadyReplaced => Code::AlreadyReplaced,
            })
        })
}

/// The cards with this number (`0C45-651E`, as printed; the dash and case are optional) in the
/// caller's area, for the admin who replaces a lost card. 422 for text that is no card number.
pub async fn find_by_card_number(
    store: &crate::store::Store,
    who: &crate::domain::auth::Principal,
    card_number: &str,
) -> Result<Vec<crate::domain::voucher::Voucher>, Problem> {
    if who.role != crate::domain::auth::Role::Admin {
        return Err(Problem::new(Code::Forbidden));
    }
    let hex: String = card_number
        .trim()
        .chars()
        .filter(|c| *c != '-')
        .collect::<String>()
        .to_ascii_lowercase();
    if hex.len() != 8 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(Problem::new(Code::ValidationFailed).detail("card number: XXXX-XXXX"));
    }
    let found = store.vouchers_by_id_prefix(&hex).await?;
    Ok(found
        .into_iter()
        .filter(|v| who.area.covers(&v.kode_desa))
        .collect())
}
