//! Households (KK) and their members, as the socio-economic registry describes them.

use super::Invalid;
use super::ids::{Kk, Nik};
use super::wilayah::WilayahCode;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// Whether a household still exists as such. Anything but `Aktif` ends eligibility.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HouseholdStatus {
    /// Active.
    Aktif,
    /// Moved away.
    Pindah,
    /// Head of household deceased, household dissolved.
    Meninggal,
    /// Merged into another KK.
    Gabung,
}

impl HouseholdStatus {
    /// Parses the registry word.
    pub fn parse(text: &str) -> Result<HouseholdStatus, Invalid> {
        match text {
            "aktif" => Ok(HouseholdStatus::Aktif),
            "pindah" => Ok(HouseholdStatus::Pindah),
            "meninggal" => Ok(HouseholdStatus::Meninggal),
            "gabung" => Ok(HouseholdStatus::Gabung),
            _ => Err(Invalid::new(
                "status",
                "must be aktif, pindah, meninggal or gabung",
            )),
        }
    }

    /// The registry word.
    pub fn as_str(self) -> &'static str {
        match self {
            HouseholdStatus::Aktif => "aktif",
            HouseholdStatus::Pindah => "pindah",
            HouseholdStatus::Meninggal => "meninggal",
            HouseholdStatus::Gabung => "gabung",
        }
    }
}

/// Welfare decile, 1 (poorest) to 10.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Serialize, Deserialize)]
#[serde(try_from = "u8", into = "u8")]
pub struct Desil(u8);

impl Desil {
    /// Parses 1 to 10.
    pub fn new(n: u8) -> Result<Desil, Invalid> {
        if (1..=10).contains(&n) {
            Ok(Desil(n))
        } else {
            Err(Invalid::new("desil", "must be between 1 and 10"))
        }
    }

    /// The decile.
    pub fn get(self) -> u8 {
        self.0
    }
}

impl TryFrom<u8> for Desil {
    type Error = Invalid;
    fn try_from(n: u8) -> Result<Desil, Invalid> {
        Desil::new(n)
    }
}

impl From<Desil> for u8 {
    fn from(d: Desil) -> u8 {
        d.0
    }
}

/// Sasaran: the registry's target-member word. Baduta and balita stunting are also derived from
/// the birth date by the eligibility rule, whatever this column says.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sasaran {
    /// Pregnant.
    IbuHamil,
    /// Breastfeeding.
    IbuMenyusui,
    /// Child under 24 months.
    Baduta,
    /// Stunted child under 60 months.
    BalitaStunting,
    /// Bride-to-be.
    Catin,
}

impl Sasaran {
    /// Parses the registry word; the empty string is `None`.
    pub fn parse(text: &str) -> Result<Option<Sasaran>, Invalid> {
        Ok(Some(match text {
            "" => return Ok(None),
            "ibu_hamil" => Sasaran::IbuHamil,
            "ibu_menyusui" => Sasaran::IbuMenyusui,
            "baduta" => Sasaran::Baduta,
            "balita_stunting" => Sasaran::BalitaStunting,
            "catin" => Sasaran::Catin,
            _ => {
                return Err(Invalid::new(
                    "sasaran",
                    "must be ibu_hamil, ibu_menyusui, baduta, balita_stunting, catin or empty",
                ));
            }
        }))
    }

    /// The registry word.
    pub fn as_str(self) -> &'static str {
        match self {
            Sasaran::IbuHamil => "ibu_hamil",
            Sasaran::IbuMenyusui => "ibu_menyusui",
            Sasaran::Baduta => "baduta",
            Sasaran::BalitaStunting => "balita_stunting",
            Sasaran::Catin => "catin",
        }
    }
}

/// A household as the registry has it now.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Household {
    /// KK number.
    pub no_kk: Kk,
    /// NIK of the head of household.
    pub nik_kepala: Nik,
    /// Name of the head of household (printed on the card; never logged).
    pub nama_kepala: String,
    /// Desa of residence.
    pub kode_desa: WilayahCode,
    /// Welfare decile.
    pub desil: Desil,
    /// Flagged as keluarga berisiko stunting.
    pub krs: bool,
    /// Current status.
    pub status: HouseholdStatus,
}

/// A member of a household.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Member {
    /// NIK.
    pub nik: Nik,
    /// KK the member belongs to.
    pub no_kk: Kk,
    /// Name (never logged).
    pub nama: String,
    /// Birth date.
    pub tanggal_lahir: NaiveDate,
    /// Registry sasaran word, if any.
    pub sasaran: Option<Sasaran>,
    /// Start of the pregnancy / breastfeeding / catin period.
    pub mulai: Option<NaiveDate>,
    /// End of that period (inclusive).
    pub selesai: Option<NaiveDate>,
    /// Flagged stunted.
    pub stunting: bool,
}

/// What eligibility needs of a household: no name and no NIK, so issuance never loads them.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct HouseholdFacts {
    /// KK number.
    pub no_kk: Kk,
    /// Desa of residence.
    pub kode_desa: WilayahCode,
    /// Welfare decile.
    pub desil: Desil,
    /// Flagged as keluarga berisiko stunting.
    pub krs: bool,
    /// Current status.
    pub status: HouseholdStatus,
}

/// What eligibility needs of a member: dates, the sasaran word and the stunting flag.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct MemberFacts {
    /// Birth date.
    pub tanggal_lahir: NaiveDate,
    /// Registry sasaran word, if any.
    pub sasaran: Option<Sasaran>,
    /// Start of the pregnancy / breastfeeding / catin period.
    pub mulai: Option<NaiveDate>,
    /// End of that period (inclusive).
    pub selesai: Option<NaiveDate>,
    /// Flagged stunted.
    pub stunting: bool,
}

/// What an import does to one household, judged against the registry as it stood. Each
/// household is of exactly one kind, the first that applies: new, unchanged, a status that became
/// meninggal, pindah or gabung, another desa, anything else.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Change {
    /// Not in the registry before.
    New,
    /// Every field as it was.
    Unchanged,
    /// Status became `meninggal`.
    Deceased,
    /// Status became `pindah` (moved out of the registry's area).
    MovedAway,
    /// Status became `gabung` (merged into another KK).
    Merged,
    /// Lives in another desa now.
    MovedDesa,
    /// Anything else: desil, KRS, the head's NIK or name, a status back to `aktif`.
    Other,
}

/// A household as the registry had it before an import.
#[derive(Clone, Copy, Debug)]
pub struct Before<'a> {
    /// Its desa code.
    pub kode_desa: &'a str,
    /// Its status.
    pub status: HouseholdStatus,
    /// Whether every field equals the imported row.
    pub same: bool,
}

impl Change {
    /// How `after` differs from `before` (`None`: not in the registry).
    pub fn of(before: Option<Before<'_>>, after: &Household) -> Change {
        let Some(before) = before else {
            return Change::New;
        };
        if before.same {
            return Change::Unchanged;
        }
        if before.status != after.status {
            match after.status {
                HouseholdStatus::Meninggal => return Change::Deceased,
                HouseholdStatus::Pindah => return Change::MovedAway,
                HouseholdStatus::Gabung => return Change::Merged,
                HouseholdStatus::Aktif => {}
            }
        }
        if before.kode_desa == after.kode_desa.as_str() {
            Change::Other
        } else {
            Change::MovedDesa
        }
    }
}

/// An import's households counted by [`Change`]. `updated` is every household that changed, so
/// `updated = moved_desa + moved_away + deceased + merged + other_changes`.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default, Serialize)]
pub struct ChangeCounts {
    /// New households.
    pub inserted: u64,
    /// Households that changed in any way.
    pub updated: u64,
    /// Households already as given.
    pub unchanged: u64,
    /// Moved to another desa.
    pub moved_desa: u64,
    /// Status became `pindah`.
    pub moved_away: u64,
    /// Status became `meninggal`.
    pub deceased: u64,
    /// Status became `gabung`.
    pub merged: u64,
    /// Changed otherwise.
    pub other_changes: u64,
}

impl ChangeCounts {
    /// Counts one household.
    pub fn count(&mut self, change: Change) {
        let slot = match change {
            Change::New => &mut self.inserted,
            Change::Unchanged => &mut self.unchanged,
            Change::Deceased => &mut self.deceased,
            Change::MovedAway => &mut self.moved_away,
            Change::Merged => &mut self.merged,
            Change::MovedDesa => &mut self.moved_desa,
            Change::Other => &mut self.other_changes,
        };
        *slot += 1;
        if !matches!(change, Change::New | Change::Unchanged) {
            self.updated += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registry_words_round_trip() {
        for w in ["aktif", "pindah", "meninggal", "gabung"] {
            assert_eq!(HouseholdStatus::parse(w).unwrap().as_str(), w);
        }
        for w in [
            "ibu_hamil",
            "ibu_menyusui",
            "baduta",
            "balita_stunting",
            "catin",
        ] {
            assert_eq!(Sasaran::parse(w).unwrap().map(Sasaran::as_str), Some(w));
        }
        assert_eq!(Sasaran::parse("").unwrap(), None);
        assert!(Sasaran::parse("Baduta").is_err());
        assert!(Desil::new(0).is_err() && Desil::new(11).is_err() && Desil::new(10).is_ok());
    }

    fn household(desa: &str, status: HouseholdStatus) -> Household {
        Household {
            no_kk: Kk::parse("3514050000000001").unwrap(),
            nik_kepala: Nik::parse("3514050101800001").unwrap(),
            nama_kepala: "Kepala".to_owned(),
            kode_desa: WilayahCode::parse(desa).unwrap(),
            desil: Desil::new(2).unwrap(),
            krs: true,
            status,
        }
    }

    fn before(kode_desa: &str, status: HouseholdStatus, same: bool) -> Option<Before<'_>> {
        Some(Before {
            kode_desa,
            status,
            same,
        })
    }

    /// A household before an import, after it, and the kind of change that is.
    fn kinds_of_change() -> [(Option<Before<'static>>, Household, Change); 10] {
        use HouseholdStatus::{Aktif, Gabung, Meninggal, Pindah};
        let sibon = "35.14.05.2005";
        let other = "35.14.05.2007";
        [
            (None, household(sibon, Aktif), Change::New),
            (
                before(sibon, Aktif, true),
                household(sibon, Aktif),
                Change::Unchanged,
            ),
            (
                before(sibon, Aktif, false),
                household(other, Aktif),
                Change::MovedDesa,
            ),
            (
                before(sibon, Aktif, false),
                household(sibon, Meninggal),
                Change::Deceased,
            ),
            (
                before(sibon, Aktif, false),
                household(other, Meninggal),
                Change::Deceased,
            ),
            (
                before(sibon, Aktif, false),
                household(sibon, Pindah),
                Change::MovedAway,
            ),
            (
                before(sibon, Aktif, false),
                household(sibon, Gabung),
                Change::Merged,
            ),
            (
                before(sibon, Aktif, false),
                household(sibon, Aktif),
                Change::Other,
            ),
            (
                before(sibon, Pindah, false),
                household(sibon, Aktif),
                Change::Other,
            ),
            (
                before(sibon, Meninggal, false),
                household(other, Meninggal),
                Change::MovedDesa,
            ),
        ]
    }

    #[test]
    fn an_imported_household_is_of_one_kind_of_change_the_first_that_applies() {
        let mut counts = ChangeCounts::default();
        for (b, after, want) in kinds_of_change() {
            assert_eq!(Change::of(b, &after), want, "{b:?} -> {after:?}");
            counts.count(want);
        }
        assert_eq!(
            (counts.inserted, counts.unchanged, counts.updated),
            (1, 1, 8)
        );
        assert_eq!(
            counts.updated,
            counts.moved_desa
                + counts.moved_away
                + counts.deceased
                + counts.merged
                + counts.other_changes
        );
    }
}
