//! A lost card: the admin revokes it and its remaining balance moves, in one transaction and as
//! two journal entries, to a newly signed card for the same household.

use super::Ledger;
use crate::domain::ids::VoucherId;
use crate::problem::{Code, Problem};
use crate::store::{NewVoucher, Remaining, ReplaceRefusal};
use relasi_token::{Flags, VoucherClaims};

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
        let mut new_id = [0u8; 16];
        rand::Rng::fill_bytes(&mut rand::rng(), &mut new_id);
        let claims = VoucherClaims {
            flags: Flags::with_offline(programme.settings.offline_allowed),
            kid: signer.kid,
            voucher_id: new_id,
            programme: programme.number,
            valid_from_unix: u32::try_from(remaining.valid.0).unwrap_or(0),
            valid_until_unix: u32::try_from(remaining.valid.1).unwrap_or(0),
            face_value_rp: u32::try_from(remaining.balance.as_i64()).unwrap_or(0),
        };
        NewVoucher {
            id: VoucherId::from_bytes(new_id),
            no_kk: old.no_kk.clone(),
            kode_desa: old.kode_desa.clone(),
            budget_line_id: old.budget_line_id,
            kid: signer.kid.to_hex(),
            face_value: remaining.balance,
            token: claims.sign(ledger.deployment, &signer.key).to_text(),
        }
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
