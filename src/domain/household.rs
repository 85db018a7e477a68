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
}
