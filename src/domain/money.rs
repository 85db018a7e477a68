//! Money: whole rupiah as a non-negative integer. Never a float.

use super::Invalid;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// A non-negative amount of whole rupiah. On the wire it is a JSON string of digits (`"25000"`),
/// in the database a 64-bit integer.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Rupiah(i64);

impl Rupiah {
    /// Zero rupiah.
    pub const ZERO: Rupiah = Rupiah(0);
    /// Rp 1 trillion: larger than any district budget line, small enough that sums of many
    /// never overflow an i64.
    pub const MAX: Rupiah = Rupiah(1_000_000_000_000);

    /// Builds an amount, refusing negatives and values above [`Rupiah::MAX`].
    pub fn new(amount_rp: i64) -> Result<Rupiah, Invalid> {
        if amount_rp < 0 {
            return Err(Invalid::new("amount", "must not be negative"));
        }
        if amount_rp > Self::MAX.0 {
            return Err(Invalid::new("amount", "is larger than any allowed amount"));
        }
        Ok(Rupiah(amount_rp))
    }

    /// Parses whole rupiah written as plain digits, e.g. `"25000"`.
    pub fn parse(text: &str) -> Result<Rupiah, Invalid> {
        if text.is_empty() || text.len() > 13 || !text.bytes().all(|b| b.is_ascii_digit()) {
            return Err(Invalid::new(
                "amount",
                "must be whole rupiah written as digits, e.g. \"25000\"",
            ));
        }
        let value: i64 = text
            .parse()
            .map_err(|_| Invalid::new("amount", "is not a number"))?;
        Rupiah::new(value)
    }

    /// The amount as an integer, for storage.
    pub fn as_i64(self) -> i64 {
        self.0
    }

    /// `self + other`, or `None` past [`Rupiah::MAX`].
    pub fn checked_add(self, other: Rupiah) -> Option<Rupiah> {
        Rupiah::new(self.0.checked_add(other.0)?).ok()
    }

    /// `self - other`, or `None` if it would go below zero.
    pub fn checked_sub(self, other: Rupiah) -> Option<Rupiah> {
        Rupiah::new(self.0.checked_sub(other.0)?).ok()
    }

    /// `self * n`, or `None` past [`Rupiah::MAX`].
    pub fn checked_mul(self, n: i64) -> Option<Rupiah> {
        Rupiah::new(self.0.checked_mul(n)?).ok()
    }

    /// Indonesian display form: `Rp 25.000`.
    pub fn display_id(self) -> String {
        let digits = self.0.to_string();
        let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 3);
        out.push_str("Rp ");
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                out.push('.');
            }
            out.push(c);
        }
        out
    }
}

impl fmt::Debug for Rupiah {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Rp{}", self.0)
    }
}

impl fmt::Display for Rupiah {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl Serialize for Rupiah {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Rupiah {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Rupiah, D::Error> {
        let text = String::deserialize(d)?;
        Rupiah::parse(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn parses_only_plain_digits() {
        assert_eq!(Rupiah::parse("25000").unwrap().as_i64(), 25_000);
        for bad in [
            "",
            "-1",
            "+5",
            "1.5",
            "25.000",
            "1e3",
            " 1",
            "0x10",
            "99999999999999",
        ] {
            assert!(Rupiah::parse(bad).is_err(), "{bad} was accepted");
        }
    }

    #[test]
    fn displays_indonesian_thousands() {
        assert_eq!(Rupiah::new(300_000).unwrap().display_id(), "Rp 300.000");
        assert_eq!(Rupiah::new(1_000).unwrap().display_id(), "Rp 1.000");
        assert_eq!(Rupiah::new(999).unwrap().display_id(), "Rp 999");
    }

    #[test]
    fn json_is_a_string() {
        let r = Rupiah::new(25_000).unwrap();
        assert_eq!(serde_json::to_string(&r).unwrap(), "\"25000\"");
        assert!(serde_json::from_str::<Rupiah>("25000").is_err());
    }

    proptest! {
        #[test]
        fn arithmetic_stays_in_range(a in 0i64..=Rupiah::MAX.as_i64(), b in 0i64..=Rupiah::MAX.as_i64()) {
            let (ra, rb) = (Rupiah::new(a).unwrap(), Rupiah::new(b).unwrap());
            match ra.checked_sub(rb) {
                Some(d) => prop_assert_eq!(d.as_i64(), a - b),
                None => prop_assert!(a < b),
            }
            match ra.checked_add(rb) {
                Some(s) => prop_assert_eq!(s.as_i64(), a + b),
                None => prop_assert!(a + b > Rupiah::MAX.as_i64()),
            }
            prop_assert_eq!(Rupiah::parse(&ra.to_string()).unwrap(), ra);
        }
    }
}
