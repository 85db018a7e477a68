//! Cycles and vouchers (their journal is `journal.rs`), settlements and reconciliation runs.

use super::Invalid;
use super::ids::{BudgetLineId, CycleId, Kk, MerchantId, Period, ProgrammeId, VoucherId};
use super::money::Rupiah;
use super::wilayah::WilayahCode;
use chrono::{DateTime, FixedOffset, NaiveTime, TimeZone, Utc};
use serde::{Deserialize, Serialize};

/// A cycle: one month of one programme.
#[derive(Clone, PartialEq, Eq, Debug, Serialize)]
pub struct Cycle {
    /// Id.
    pub id: CycleId,
    /// Programme.
    pub programme_id: ProgrammeId,
    /// Month.
    pub period: Period,
    /// First valid instant of its vouchers.
    pub valid_from: DateTime<Utc>,
    /// Last valid instant of its vouchers.
    pub valid_until: DateTime<Utc>,
}

/// Default validity of a cycle: local midnight on the first of the month to the last second of
/// its last day, in the programme's time zone.
pub fn default_validity(
    period: Period,
    utc_offset_hours: i8,
) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
    let zone = FixedOffset::east_opt(i32::from(utc_offset_hours) * 3600)?;
    let start = zone
        .from_local_datetime(&period.first_day().and_time(NaiveTime::MIN))
        .single()?;
    let next = zone
        .from_local_datetime(&period.next().first_day().and_time(NaiveTime::MIN))
        .single()?;
    Some((
        start.with_timezone(&Utc),
        (next - chrono::Duration::seconds(1)).with_timezone(&Utc),
    ))
}

/// A voucher's life.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VoucherStatus {
    /// May be spent (within its validity window).
    Active,
    /// Revoked (lost card, fraud); never spendable again.
    Revoked,
}

impl VoucherStatus {
    /// Stored word.
    pub fn as_str(self) -> &'static str {
        match self {
            VoucherStatus::Active => "active",
            VoucherStatus::Revoked => "revoked",
        }
    }

    /// From the stored word.
    pub fn parse(text: &str) -> Option<VoucherStatus> {
        match text {
            "active" => Some(VoucherStatus::Active),
            "revoked" => Some(VoucherStatus::Revoked),
            _ => None,
        }
    }
}

/// An issued voucher. Its balance is `face_value - spent`, and `spent` moves only together with
/// a journal entry, in the same statement or transaction.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Voucher {
    /// Id (also inside the token).
    pub id: VoucherId,
    /// Programme.
    pub programme_id: ProgrammeId,
    /// Cycle.
    pub cycle_id: CycleId,
    /// Household.
    pub no_kk: Kk,
    /// Desa of the household when issued.
    pub kode_desa: WilayahCode,
    /// Budget line charged.
    pub budget_line_id: BudgetLineId,
    /// Face value.
    pub face_value: Rupiah,
    /// What has left the voucher: debits minus reversals, plus any balance moved to a replacement.
    pub spent: Rupiah,
    /// Status.
    pub status: VoucherStatus,
    /// Validity start.
    pub valid_from: DateTime<Utc>,
    /// Validity end.
    pub valid_until: DateTime<Utc>,
    /// The QR text.
    pub token: String,
    /// The voucher this one replaced (lost card), if any.
    pub replaces: Option<VoucherId>,
    /// The voucher that replaced this one (its balance moved there), if any.
    pub replaced_by: Option<VoucherId>,
}

impl Voucher {
    /// What is left to spend.
    pub fn balance(&self) -> Rupiah {
        let balance = self.face_value.checked_sub(self.spent);
        debug_assert!(
            balance.is_some(),
            "voucher overspent: the schema's check must prevent this"
        );
        balance.unwrap_or(Rupiah::ZERO)
    }
}

/// What every voucher of one cycle shares in its token: flags, key, programme and validity.
/// Checked once, so building each voucher's claims only checks its face value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClaimTemplate {
    flags: relasi_token::Flags,
    kid: relasi_token::Kid,
    programme: u16,
    valid_from_unix: u32,
    valid_until_unix: u32,
}

impl ClaimTemplate {
    /// The template of `programme`'s vouchers valid from `valid.0` to `valid.1` (Unix seconds),
    /// signed by `kid`. The token holds instants as 32-bit seconds: 1970 to 2106.
    pub fn new(
        programme: &super::programme::Programme,
        kid: relasi_token::Kid,
        valid: (i64, i64),
    ) -> Result<ClaimTemplate, Invalid> {
        let instant = |t: i64| {
            u32::try_from(t).map_err(|_| Invalid::new("validity", "must lie between 1970 and 2106"))
        };
        Ok(ClaimTemplate {
            flags: relasi_token::Flags::with_offline(programme.settings.offline_allowed),
            kid,
            programme: programme.number,
            valid_from_unix: instant(valid.0)?,
            valid_until_unix: instant(valid.1)?,
        })
    }

    /// The claims of voucher `id` worth `face_value` (the token holds 32 bits of rupiah).
    pub fn claims(
        &self,
        id: VoucherId,
        face_value: Rupiah,
    ) -> Result<relasi_token::VoucherClaims, Invalid> {
        let face_value_rp = u32::try_from(face_value.as_i64())
            .map_err(|_| Invalid::new("face_value", "must be at most 4294967295 rupiah"))?;
        Ok(relasi_token::VoucherClaims {
            flags: self.flags,
            kid: self.kid,
            voucher_id: id.to_bytes(),
            programme: self.programme,
            valid_from_unix: self.valid_from_unix,
            valid_until_unix: self.valid_until_unix,
            face_value_rp,
        })
    }
}

/// A monthly settlement line for one shop.
#[derive(Clone, PartialEq, Eq, Debug, Serialize)]
pub struct Settlement {
    /// Programme.
    pub programme_id: ProgrammeId,
    /// Month settled.
    pub period: Period,
    /// Shop.
    pub merchant_id: MerchantId,
    /// Number of debits.
    pub count: i64,
    /// Sum of debits.
    pub gross: Rupiah,
    /// Sum of reversals (including reversals of sales settled in an earlier month).
    pub reversals: Rupiah,
    /// What the programme pays.
    pub net_payable: Rupiah,
}

/// A stored reconciliation run: immutable, versioned, with a digest of its content.
#[derive(Clone, PartialEq, Eq, Debug, Serialize)]
pub struct ReconciliationRun {
    /// Programme.
    pub programme_id: ProgrammeId,
    /// Month.
    pub period: Period,
    /// 1 for the first run of the month, then 2, 3…
    pub version: i64,
    /// SHA-256 of `content`, hex.
    pub sha256: String,
    /// When it ran.
    pub created_at: DateTime<Utc>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_validity_is_the_local_month() {
        let (from, until) = default_validity(Period::parse("2026-12").unwrap(), 7).unwrap();
        assert_eq!(from.to_rfc3339(), "2026-11-30T17:00:00+00:00");
        assert_eq!(until.to_rfc3339(), "2026-12-31T16:59:59+00:00");
    }
}
