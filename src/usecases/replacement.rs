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
