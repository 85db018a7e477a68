//! Eligibility (SPEC "Eligibility"): a pure function of the household, its members, the
//! programme settings, the lokus list and the cycle's first day.

use super::household::{HouseholdFacts, HouseholdStatus, MemberFacts, Sasaran};
use super::ids::Period;
use super::money::Rupiah;
use super::programme::ProgrammeSettings;
use super::wilayah::WilayahCode;
use chrono::{Months, NaiveDate};
use serde::Serialize;

/// Why a household gets no voucher.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Ineligible {
    /// Moved, deceased or merged.
    NotActive,
    /// Not in a lokus desa of the programme year.
    NotLokus,
    /// Welfare decile above the programme's maximum.
    DesilTooHigh,
    /// Neither KRS nor any sasaran member on the day.
    NoTarget,
}

/// A household that qualifies, and what its voucher is worth.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize)]
pub struct Eligible {
    /// Members that count as sasaran on the day.
    pub sasaran_members: u32,
    /// Whether one of them is a stunted child under 60 months (funded first when money is short).
    pub has_balita_stunting: bool,
    /// Voucher value: base + per member × sasaran members, capped.
    pub value: Rupiah,
}

/// True when the `months`-month birthday falls after `day` (SPEC "under N months").
pub fn under_months(birth: NaiveDate, months: u32, day: NaiveDate) -> bool {
    birth <= day
        && birth
            .checked_add_months(Months::new(months))
            .is_none_or(|birthday| birthday > day)
}

/// How a member counts on `day`, if at all. A member counts once.
pub fn member_counts(member: &MemberFacts, day: NaiveDate) -> Option<Sasaran> {
    if under_months(member.tanggal_lahir, 24, day) {
        return Some(Sasaran::Baduta);
    }
    if member.stunting && under_months(member.tanggal_lahir, 60, day) {
        return Some(Sasaran::BalitaStunting);
    }
    match member.sasaran {
        Some(s @ (Sasaran::IbuHamil | Sasaran::IbuMenyusui | Sasaran::Catin)) => {
            let within = matches!((member.mulai, member.selesai), (Some(from), Some(to)) if from <= day && day <= to);
            within.then_some(s)
        }
        _ => None,
    }
}

/// The voucher value for `n` sasaran members.
pub fn voucher_value(settings: &ProgrammeSettings, n: u32) -> Rupiah {
    settings
        .voucher_per_member
        .checked_mul(i64::from(n))
        .and_then(|extra| settings.voucher_base.checked_add(extra))
        .map_or(settings.voucher_cap, |v| v.min(settings.voucher_cap))
}

/// Judges one household, with its own members, for one cycle. `lokus` is the lokus list of the
/// programme year; an empty list means the programme has none and every desa qualifies.
pub fn judge(
    household: &HouseholdFacts,
    members: &[MemberFacts],
    settings: &ProgrammeSettings,
    lokus: &[WilayahCode],
    period: Period,
) -> Result<Eligible, Ineligible> {
    let day = period.first_day();
    if household.status != HouseholdStatus::Aktif {
        return Err(Ineligible::NotActive);
    }
    if !lokus.is_empty() && !lokus.contains(&household.kode_desa) {
        return Err(Ineligible::NotLokus);
    }
    if household.desil.get() > settings.max_desil {
        return Err(Ineligible::DesilTooHigh);
    }
    let counted: Vec<Sasaran> = members
        .iter()
        .filter_map(|m| member_counts(m, day))
        .collect();
    if !household.krs && counted.is_empty() {
        return Err(Ineligible::NoTarget);
    }
    let n = u32::try_from(counted.len()).unwrap_or(u32::MAX);
    Ok(Eligible {
        sasaran_members: n,
        has_balita_stunting: counted.contains(&Sasaran::BalitaStunting),
        value: voucher_value(settings, n),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::household::Desil;
    use crate::domain::ids::Kk;
    use proptest::prelude::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn household(krs: bool) -> HouseholdFacts {
        HouseholdFacts {
            no_kk: Kk::parse("3514050000000001").unwrap(),
            kode_desa: WilayahCode::parse("35.14.05.2005").unwrap(),
            desil: Desil::new(3).unwrap(),
            krs,
            status: HouseholdStatus::Aktif,
        }
    }

    fn member(birth: NaiveDate) -> MemberFacts {
        MemberFacts {
            tanggal_lahir: birth,
            sasaran: None,
            mulai: None,
            selesai: None,
            stunting: false,
        }
    }

    fn dec() -> Period {
        Period::parse("2026-12").unwrap()
    }

    #[test]
    fn baduta_boundary_is_the_24_month_birthday() {
        let day = d(2026, 12, 1);
        assert!(
            !under_months(d(2024, 12, 1), 24, day),
            "24th birthday on the day: no longer under 24"
        );
        assert!(
            under_months(d(2024, 12, 2), 24, day),
            "24th birthday the next day: still under 24"
        );
        assert!(!under_months(d(2027, 1, 1), 24, day), "not yet born");
        // Born on 31 August: the 24-month birthday clamps to the end of a shorter month.
        assert!(under_months(d(2024, 8, 31), 24, d(2026, 8, 30)));
        assert!(!under_months(d(2024, 8, 31), 24, d(2026, 8, 31)));
    }

    #[test]
    fn balita_stunting_needs_the_flag_and_under_60_months() {
        let day = d(2026, 12, 1);
        let mut m = member(d(2022, 12, 2));
        assert_eq!(member_counts(&m, day), None, "no flag");
        m.stunting = true;
        assert_eq!(member_counts(&m, day), Some(Sasaran::BalitaStunting));
        m.tanggal_lahir = d(2021, 12, 1);
        assert_eq!(member_counts(&m, day), None, "60-month birthday on the day");
        m.sasaran = Some(Sasaran::BalitaStunting);
        assert_eq!(
            member_counts(&m, day),
            None,
            "the sasaran word alone does not count"
        );
        m.tanggal_lahir = d(2025, 6, 1);
        assert_eq!(
            member_counts(&m, day),
            Some(Sasaran::Baduta),
            "a member counts once, as baduta first"
        );
    }

    #[test]
    fn ranged_sasaran_count_only_inside_mulai_selesai_inclusive() {
        let day = d(2026, 12, 1);
        let mut mother = member(d(1995, 3, 3));
        mother.sasaran = Some(Sasaran::IbuHamil);
        assert_eq!(member_counts(&mother, day), None, "no range");
        mother.mulai = Some(d(2026, 6, 1));
        mother.selesai = Some(d(2026, 12, 1));
        assert_eq!(
            member_counts(&mother, day),
            Some(Sasaran::IbuHamil),
            "selesai is inclusive"
        );
        mother.mulai = Some(d(2026, 12, 1));
        mother.selesai = Some(d(2027, 3, 1));
        assert_eq!(
            member_counts(&mother, day),
            Some(Sasaran::IbuHamil),
            "mulai is inclusive"
        );
        mother.mulai = Some(d(2026, 12, 2));
        assert_eq!(member_counts(&mother, day), None);
        mother.sasaran = Some(Sasaran::Baduta);
        mother.mulai = Some(d(2026, 1, 1));
        assert_eq!(
            member_counts(&mother, day),
            None,
            "an adult tagged baduta does not count"
        );
    }

    #[test]
    fn each_rule() {
        let s = ProgrammeSettings::default();
        let lokus = vec![WilayahCode::parse("35.14.05.2005").unwrap()];
        let baby = member(d(2026, 1, 1));
        assert_eq!(
            judge(
                &household(false),
                std::slice::from_ref(&baby),
                &s,
                &lokus,
                dec()
            )
            .unwrap()
            .value
            .as_i64(),
            150_000
        );
        assert_eq!(
            judge(&household(true), &[], &s, &lokus, dec())
                .unwrap()
                .value
                .as_i64(),
            100_000,
            "KRS alone"
        );
        assert_eq!(
            judge(&household(false), &[], &s, &lokus, dec()),
            Err(Ineligible::NoTarget)
        );
        let mut moved = household(true);
        moved.status = HouseholdStatus::Pindah;
        assert_eq!(
            judge(&moved, &[], &s, &lokus, dec()),
            Err(Ineligible::NotActive)
        );
        let other = vec![WilayahCode::parse("35.14.05.2007").unwrap()];
        assert_eq!(
            judge(&household(true), &[], &s, &other, dec()),
            Err(Ineligible::NotLokus)
        );
        assert!(
            judge(&household(true), &[], &s, &[], dec()).is_ok(),
            "no lokus list: every desa"
        );
        let mut rich = household(true);
        rich.desil = Desil::new(5).unwrap();
        assert_eq!(
            judge(&rich, &[], &s, &lokus, dec()),
            Err(Ineligible::DesilTooHigh)
        );
        rich.desil = Desil::new(4).unwrap();
        assert!(
            judge(&rich, &[], &s, &lokus, dec()).is_ok(),
            "desil equal to the maximum"
        );
    }

    #[test]
    fn value_is_capped() {
        let s = ProgrammeSettings::default();
        let values: Vec<i64> = (0..6).map(|n| voucher_value(&s, n).as_i64()).collect();
        assert_eq!(
            values,
            [100_000, 150_000, 200_000, 250_000, 300_000, 300_000]
        );
        assert_eq!(voucher_value(&s, u32::MAX).as_i64(), 300_000);
    }

    proptest! {
        #[test]
        fn value_never_exceeds_cap_and_grows_with_members(n in 0u32..1000, base in 0i64..200_000, per in 0i64..200_000, extra_cap in 0i64..500_000) {
            let s = ProgrammeSettings {
                voucher_base: Rupiah::new(base).unwrap(),
                voucher_per_member: Rupiah::new(per).unwrap(),
                voucher_cap: Rupiah::new(base + extra_cap).unwrap(),
                ..ProgrammeSettings::default()
            };
            let v = voucher_value(&s, n);
            prop_assert!(v <= s.voucher_cap);
            prop_assert!(v >= s.voucher_base);
            prop_assert!(voucher_value(&s, n + 1) >= v);
        }

        #[test]
        fn under_months_agrees_with_counting_whole_months(birth_offset in 0i64..4000, months in 1u32..80) {
            let day = d(2026, 12, 1);
            let birth = day - chrono::Duration::days(birth_offset);
            // Count whole months lived: the largest k with birth + k months <= day.
            let lived = (0..200u32).take_while(|k| birth.checked_add_months(Months::new(*k)).is_some_and(|b| b <= day)).count() as u32 - 1;
            prop_assert_eq!(under_months(birth, months, day), lived < months);
        }

        #[test]
        fn ineligible_status_always_wins(desil in 1u8..=10, krs: bool) {
            let mut h = household(krs);
            h.desil = Desil::new(desil).unwrap();
            for status in [HouseholdStatus::Pindah, HouseholdStatus::Meninggal, HouseholdStatus::Gabung] {
                h.status = status;
                prop_assert_eq!(judge(&h, &[member(d(2026, 6, 1))], &ProgrammeSettings::default(), &[], dec()), Err(Ineligible::NotActive));
            }
        }
    }
}
