//! Identifiers: KK and NIK (personal data, redacted in `Debug`, no `Display`), periods, and the
//! numeric and random ids of our own records.

use super::Invalid;
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

fn sixteen_digits(text: &str, field: &'static str) -> Result<String, Invalid> {
    if text.len() == 16 && text.bytes().all(|b| b.is_ascii_digit()) {
        Ok(text.to_owned())
    } else {
        Err(Invalid::new(field, "must be exactly 16 digits"))
    }
}

macro_rules! personal_number {
    ($(#[$doc:meta])* $name:ident, $field:literal) => {
        $(#[$doc])*
        ///
        /// Personal data: `Debug` shows only the first six digits (the wilayah part), and there is
        /// deliberately no `Display`, so it cannot slip into a log line or an error message.
        #[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(String);

        impl $name {
            /// Parses exactly 16 ASCII digits.
            pub fn parse(text: &str) -> Result<$name, Invalid> {
                sixteen_digits(text, $field).map($name)
            }

            /// The digits, for storage and for the people allowed to see them.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, concat!(stringify!($name), "({}**********)"), &self.0[..6])
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(&self.0)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<$name, D::Error> {
                $name::parse(&String::deserialize(d)?).map_err(serde::de::Error::custom)
            }
        }
    };
}

personal_number!(
    /// Kartu Keluarga number: identifies a household.
    Kk,
    "no_kk"
);
personal_number!(
    /// Nomor Induk Kependudukan: identifies a person.
    Nik,
    "nik"
);

/// A programme cycle: one calendar month, written `2026-12`.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Period {
    first_day: NaiveDate,
}

impl Period {
    /// Parses `YYYY-MM` (years 2000 to 2199).
    pub fn parse(text: &str) -> Result<Period, Invalid> {
        const WHY: &str = "must be a month written YYYY-MM, e.g. 2026-12";
        let bytes = text.as_bytes();
        if bytes.len() != 7 || bytes[4] != b'-' {
            return Err(Invalid::new("period", WHY));
        }
        let year: i32 = text[..4].parse().map_err(|_| Invalid::new("period", WHY))?;
        let month: u32 = text[5..].parse().map_err(|_| Invalid::new("period", WHY))?;
        if !(2000..=2199).contains(&year) || !text[..4].bytes().all(|b| b.is_ascii_digit()) {
            return Err(Invalid::new("period", WHY));
        }
        Period::from_year_month(year, month).ok_or(Invalid::new("period", WHY))
    }

    /// The period of a year and month.
    pub fn from_year_month(year: i32, month: u32) -> Option<Period> {
        NaiveDate::from_ymd_opt(year, month, 1).map(|first_day| Period { first_day })
    }

    /// The period containing a date.
    pub fn containing(date: NaiveDate) -> Period {
        Period {
            first_day: date.with_day(1).unwrap_or(date),
        }
    }

    /// The first day: the day eligibility is judged on.
    pub fn first_day(self) -> NaiveDate {
        self.first_day
    }

    /// The last day of the month.
    pub fn last_day(self) -> NaiveDate {
        self.next().first_day.pred_opt().unwrap_or(self.first_day)
    }

    /// The following month.
    pub fn next(self) -> Period {
        let (y, m) = (self.first_day.year(), self.first_day.month());
        let (y, m) = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
        Period::from_year_month(y, m).unwrap_or(self)
    }

    /// The programme year the period belongs to.
    pub fn year(self) -> i32 {
        self.first_day.year()
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:04}-{:02}",
            self.first_day.year(),
            self.first_day.month()
        )
    }
}

impl fmt::Debug for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Period({self})")
    }
}

impl Serialize for Period {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Period {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Period, D::Error> {
        Period::parse(&String::deserialize(d)?).map_err(serde::de::Error::custom)
    }
}

/// A voucher id: 128 random bits, written as 32 lower-case hex digits.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct VoucherId([u8; 16]);

impl VoucherId {
    /// From the 16 bytes (as carried in the token).
    pub const fn from_bytes(bytes: [u8; 16]) -> VoucherId {
        VoucherId(bytes)
    }

    /// The 16 bytes.
    pub fn to_bytes(self) -> [u8; 16] {
        self.0
    }

    /// Parses 32 hex digits (either case).
    pub fn parse(text: &str) -> Result<VoucherId, Invalid> {
        let mut out = [0u8; 16];
        hex::decode_to_slice(text, &mut out)
            .map_err(|_| Invalid::new("voucher_id", "must be 32 hex digits"))?;
        Ok(VoucherId(out))
    }

    /// Short card number printed for humans: the first 8 hex digits, upper case, grouped `ABCD-1234`.
    pub fn card_number(self) -> String {
        let h = hex::encode_upper(&self.0[..4]);
        format!("{}-{}", &h[..4], &h[4..])
    }
}

impl fmt::Display for VoucherId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&hex::encode(self.0))
    }
}

impl fmt::Debug for VoucherId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "VoucherId({self})")
    }
}

impl Serialize for VoucherId {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for VoucherId {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<VoucherId, D::Error> {
        VoucherId::parse(&String::deserialize(d)?).map_err(serde::de::Error::custom)
    }
}

macro_rules! row_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Debug, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}", self.0)
            }
        }
    };
}

row_id!(
    /// A programme's database id (not its token programme number).
    ProgrammeId
);
row_id!(
    /// A partner shop.
    MerchantId
);
row_id!(
    /// A budget line.
    BudgetLineId
);
row_id!(
    /// A cycle of one programme.
    CycleId
);
row_id!(
    /// A journal entry (debit or reversal).
    RedemptionId
);
row_id!(
    /// An API token record (not the secret).
    ApiTokenId
);
row_id!(
    /// An officer's account (a person with a name and a password).
    AccountId
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kk_and_nik_are_sixteen_digits_and_redacted() {
        let kk = Kk::parse("3514051234567890").unwrap();
        assert_eq!(format!("{kk:?}"), "Kk(351405**********)");
        for bad in [
            "351405123456789",
            "35140512345678901",
            "351405123456789a",
            "",
            "３５１４０５１２３４５６７８９０",
        ] {
            assert!(Nik::parse(bad).is_err());
        }
    }

    #[test]
    fn periods() {
        let p = Period::parse("2026-12").unwrap();
        assert_eq!(p.to_string(), "2026-12");
        assert_eq!(p.next().to_string(), "2027-01");
        assert_eq!(p.last_day(), NaiveDate::from_ymd_opt(2026, 12, 31).unwrap());
        assert_eq!(Period::parse("2028-02").unwrap().last_day().day(), 29);
        for bad in [
            "2026-13", "2026-00", "26-12", "2026/12", "2026-1", "+026-12", "1999-12",
        ] {
            assert!(Period::parse(bad).is_err(), "{bad} was accepted");
        }
    }

    #[test]
    fn voucher_ids() {
        let id = VoucherId::from_bytes([0xab; 16]);
        assert_eq!(VoucherId::parse(&id.to_string()).unwrap(), id);
        assert_eq!(id.card_number(), "ABAB-ABAB");
        assert!(VoucherId::parse("xyz").is_err());
    }
}
