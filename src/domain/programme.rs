//! Programmes and their settings: who may get a voucher, how much it is worth, what it may buy.

use super::Invalid;
use super::ids::ProgrammeId;
use super::money::Rupiah;
use serde::{Deserialize, Serialize};

/// A nutrition category a voucher may buy (a programme setting). Lower-case words with `_`.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Debug, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Category(String);

impl Category {
    /// The SPEC's default categories.
    pub const DEFAULTS: [&'static str; 5] = [
        "protein_hewani",
        "susu",
        "sayur_buah",
        "mpasi",
        "pangan_fortifikasi",
    ];

    /// Parses 1 to 40 characters of `a-z`, `0-9` and `_`, starting with a letter.
    pub fn parse(text: &str) -> Result<Category, Invalid> {
        let ok = (1..=40).contains(&text.len())
            && text.bytes().next().is_some_and(|b| b.is_ascii_lowercase())
            && text
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
        if ok {
            Ok(Category(text.to_owned()))
        } else {
            Err(Invalid::new(
                "category",
                "must be a lower-case word such as protein_hewani",
            ))
        }
    }

    /// The defaults as values.
    pub fn defaults() -> Vec<Category> {
        Self::DEFAULTS
            .iter()
            .map(|c| Category((*c).to_owned()))
            .collect()
    }

    /// The word.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Category {
    type Error = Invalid;
    fn try_from(text: String) -> Result<Category, Invalid> {
        Category::parse(&text)
    }
}

impl From<Category> for String {
    fn from(c: Category) -> String {
        c.0
    }
}

/// The settings of a programme. Defaults are those of SPEC "Eligibility".
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct ProgrammeSettings {
    /// Highest welfare decile that may receive a voucher (1 = poorest).
    pub max_desil: u8,
    /// Value every eligible household gets.
    pub voucher_base: Rupiah,
    /// Added per sasaran member.
    pub voucher_per_member: Rupiah,
    /// Largest voucher.
    pub voucher_cap: Rupiah,
    /// What vouchers may buy.
    pub categories: Vec<Category>,
    /// How long after a sale the shop may reverse it, in seconds.
    pub reversal_window_secs: i64,
    /// Offset of the programme's local time from UTC, in hours (WIB 7, WITA 8, WIT 9): cycle
    /// validity runs from local midnight to local midnight.
    pub utc_offset_hours: i8,
    /// Whether vouchers carry the offline-acceptance flag.
    pub offline_allowed: bool,
    /// The ceilings shops apply while they accept offline (published to merchant clients).
    #[serde(default)]
    pub offline: OfflineCeilings,
}

/// Card-terminal style ceilings for offline acceptance, published by `GET /v1/offline-settings`
/// and applied by every merchant client (CLI, library, phone page). A declined offline sale is
/// the shop's loss (docs/offline.md), so the defaults are small.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct OfflineCeilings {
    /// Key and revocation lists older than this may not back an offline sale, in seconds.
    pub max_list_age_secs: i64,
    /// Most one voucher may spend offline at one shop in one local day.
    pub voucher_day: Rupiah,
    /// Most sales a shop may hold unsynced.
    pub shop_count: i64,
    /// Most rupiah a shop may hold unsynced.
    pub shop_total: Rupiah,
}

impl Default for OfflineCeilings {
    fn default() -> Self {
        OfflineCeilings {
            max_list_age_secs: 24 * 3600,
            voucher_day: Rupiah::new(100_000).unwrap_or_default(),
            shop_count: 20,
            shop_total: Rupiah::new(1_000_000).unwrap_or_default(),
        }
    }
}

impl OfflineCeilings {
    /// Checks the ranges the schema also enforces.
    pub fn validate(&self) -> Result<(), Invalid> {
        if !(60..=30 * 24 * 3600).contains(&self.max_list_age_secs) {
            return Err(Invalid::new(
                "offline.max_list_age_secs",
                "must be between 60 seconds and 30 days",
            ));
        }
        if self.voucher_day.as_i64() > i64::from(u32::MAX) {
            return Err(Invalid::new(
                "offline.voucher_day",
                "must fit a voucher's face value",
            ));
        }
        if !(0..=10_000).contains(&self.shop_count) {
            return Err(Invalid::new(
                "offline.shop_count",
                "must be between 0 and 10000",
            ));
        }
        if self.shop_total.as_i64() > 1_000_000_000 {
            return Err(Invalid::new(
                "offline.shop_total",
                "must be at most Rp 1.000.000.000",
            ));
        }
        Ok(())
    }
}

impl Default for ProgrammeSettings {
    fn default() -> Self {
        ProgrammeSettings {
            max_desil: 4,
            voucher_base: Rupiah::new(100_000).unwrap_or_default(),
            voucher_per_member: Rupiah::new(50_000).unwrap_or_default(),
            voucher_cap: Rupiah::new(300_000).unwrap_or_default(),
            categories: Category::defaults(),
            reversal_window_secs: 24 * 3600,
            utc_offset_hours: 7,
            offline_allowed: false,
            offline: OfflineCeilings::default(),
        }
    }
}

impl ProgrammeSettings {
    /// Checks the settings hang together.
    pub fn validate(&self) -> Result<(), Invalid> {
        if !(1..=10).contains(&self.max_desil) {
            return Err(Invalid::new("max_desil", "must be between 1 and 10"));
        }
        if self.voucher_cap < self.voucher_base {
            return Err(Invalid::new(
                "voucher_cap",
                "must not be below the base value",
            ));
        }
        if self.voucher_cap.as_i64() > i64::from(u32::MAX) {
            return Err(Invalid::new(
                "voucher_cap",
                "must fit the token's 32-bit face value",
            ));
        }
        if self.categories.is_empty() {
            return Err(Invalid::new(
                "categories",
                "must list at least one category",
            ));
        }
        if !(0..=30 * 24 * 3600).contains(&self.reversal_window_secs) {
            return Err(Invalid::new(
                "reversal_window_secs",
                "must be between 0 and 30 days",
            ));
        }
        if !(-12..=14).contains(&self.utc_offset_hours) {
            return Err(Invalid::new(
                "utc_offset_hours",
                "must be between -12 and 14",
            ));
        }
        self.offline.validate()
    }
}

/// A programme: a named scheme of one year with a number that goes into its tokens.
#[derive(Clone, PartialEq, Eq, Debug, Serialize)]
pub struct Programme {
    /// Database id.
    pub id: ProgrammeId,
    /// Number carried in every token (bytes 22..24).
    pub number: u16,
    /// Name, e.g. "KASIH BERSANDING MESRA".
    pub name: String,
    /// Programme year: lokus villages and budget lines are per year.
    pub year: i32,
    /// Settings.
    pub settings: ProgrammeSettings,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_the_spec_defaults_and_valid() {
        let s = ProgrammeSettings::default();
        assert_eq!(s.max_desil, 4);
        assert_eq!(s.voucher_base.as_i64(), 100_000);
        assert_eq!(s.voucher_per_member.as_i64(), 50_000);
        assert_eq!(s.voucher_cap.as_i64(), 300_000);
        assert_eq!(s.categories.len(), 5);
        assert!(s.validate().is_ok());
    }

    #[test]
    fn bad_settings_are_refused() {
        let mut s = ProgrammeSettings {
            max_desil: 11,
            ..Default::default()
        };
        assert!(s.validate().is_err());
        s = ProgrammeSettings {
            categories: vec![],
            ..Default::default()
        };
        assert!(s.validate().is_err());
        assert!(Category::parse("Susu").is_err());
        assert!(Category::parse("susu segar").is_err());
    }
}
