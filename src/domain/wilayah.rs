//! Wilayah: Kepmendagri area codes (provinsi `35`, kabupaten `35.14`, kecamatan `35.14.05`,
//! desa `35.14.05.2005`) and the rule of which area covers which.

use super::Invalid;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// The four administrative levels, from the widest.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    /// Province.
    Provinsi = 1,
    /// District or city.
    Kabupaten = 2,
    /// Sub-district.
    Kecamatan = 3,
    /// Village (desa or kelurahan).
    Desa = 4,
}

impl Level {
    /// From the numeric level of the Kepmendagri table.
    pub fn from_number(n: i64) -> Option<Level> {
        match n {
            1 => Some(Level::Provinsi),
            2 => Some(Level::Kabupaten),
            3 => Some(Level::Kecamatan),
            4 => Some(Level::Desa),
            _ => None,
        }
    }

    /// The numeric level.
    pub fn number(self) -> i64 {
        self as i64
    }
}

/// A well-formed wilayah code. Whether the code exists is a question for the wilayah table.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct WilayahCode(String);

impl WilayahCode {
    /// Parses `NN`, `NN.NN`, `NN.NN.NN` or `NN.NN.NN.NNNN`.
    pub fn parse(text: &str) -> Result<WilayahCode, Invalid> {
        const WIDTHS: [usize; 4] = [2, 2, 2, 4];
        let parts: Vec<&str> = text.split('.').collect();
        let ok = parts.len() <= 4
            && parts
                .iter()
                .zip(WIDTHS)
                .all(|(p, w)| p.len() == w && p.bytes().all(|b| b.is_ascii_digit()));
        if ok {
            Ok(WilayahCode(text.to_owned()))
        } else {
            Err(Invalid::new(
                "kode_wilayah",
                "must be a Kepmendagri code such as 35.14.05.2005",
            ))
        }
    }

    /// The code as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The level the code's shape implies.
    pub fn level(&self) -> Level {
        match self.0.split('.').count() {
            1 => Level::Provinsi,
            2 => Level::Kabupaten,
            3 => Level::Kecamatan,
            _ => Level::Desa,
        }
    }

    /// The enclosing area, or `None` for a province.
    pub fn parent(&self) -> Option<WilayahCode> {
        self.0
            .rfind('.')
            .map(|i| WilayahCode(self.0[..i].to_owned()))
    }

    /// True when `self` is `other` or an area enclosing it.
    pub fn covers(&self, other: &WilayahCode) -> bool {
        other.0 == self.0
            || (other.0.starts_with(&self.0) && other.0.as_bytes().get(self.0.len()) == Some(&b'.'))
    }

    /// The code's ancestors and itself, from the widest area down.
    pub fn lineage(&self) -> Vec<WilayahCode> {
        let mut out = vec![self.clone()];
        while let Some(p) = out.last().and_then(WilayahCode::parent) {
            out.push(p);
        }
        out.reverse();
        out
    }
}

impl fmt::Display for WilayahCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for WilayahCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Wilayah({})", self.0)
    }
}

impl Serialize for WilayahCode {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for WilayahCode {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<WilayahCode, D::Error> {
        WilayahCode::parse(&String::deserialize(d)?).map_err(serde::de::Error::custom)
    }
}

/// One row of the wilayah table.
#[derive(Clone, PartialEq, Eq, Debug, Serialize)]
pub struct Wilayah {
    /// Code.
    pub code: WilayahCode,
    /// Official name.
    pub name: String,
    /// Level.
    pub level: Level,
}

/// Why a wilayah CSV was refused: the line (header = line 1) and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {reason}")]
pub struct WilayahCsvError {
    /// Line of the file, as an editor shows it.
    pub line: usize,
    /// What is wrong.
    pub reason: String,
}

/// Reads a Kepmendagri wilayah CSV (`code,name,level,kind`); every code's level must match it.
pub fn parse_wilayah_csv(text: &str) -> Result<Vec<Wilayah>, WilayahCsvError> {
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let mut out = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let line = i + 2;
        let bad = |reason: String| WilayahCsvError { line, reason };
        let record = record.map_err(|e| bad(e.to_string()))?;
        let code = WilayahCode::parse(record.get(0).unwrap_or_default())
            .map_err(|e| bad(e.to_string()))?;
        let level = record
            .get(2)
            .and_then(|l| l.parse::<i64>().ok())
            .and_then(Level::from_number)
            .filter(|l| *l == code.level())
            .ok_or_else(|| bad("level does not match the code".to_owned()))?;
        out.push(Wilayah {
            code,
            name: record.get(1).unwrap_or_default().to_owned(),
            level,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn w(s: &str) -> WilayahCode {
        WilayahCode::parse(s).unwrap()
    }

    #[test]
    fn shapes_and_levels() {
        assert_eq!(w("35").level(), Level::Provinsi);
        assert_eq!(w("35.14.05.2005").level(), Level::Desa);
        for bad in [
            "3",
            "35.1",
            "35.14.5",
            "35.14.05.205",
            "35.14.05.2005.1",
            "35..14",
            "ab.cd",
            "",
        ] {
            assert!(WilayahCode::parse(bad).is_err(), "{bad} was accepted");
        }
    }

    #[test]
    fn covering() {
        assert!(w("35.14").covers(&w("35.14.05.2005")));
        assert!(w("35.14.05.2005").covers(&w("35.14.05.2005")));
        assert!(!w("35.14.05.2005").covers(&w("35.14.05")));
        assert!(!w("35.14").covers(&w("35.15.01")));
        assert!(!w("35.14.05").covers(&w("35.14")));
        assert_eq!(
            w("35.14.05.2005")
                .lineage()
                .iter()
                .map(|c| c.as_str().to_owned())
                .collect::<Vec<_>>(),
            ["35", "35.14", "35.14.05", "35.14.05.2005"]
        );
    }
}
