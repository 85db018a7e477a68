//! Wilayah: Kepmendagri area codes (provinsi `35`, kabupaten `35.14`, kecamatan `35.14.05`,
//! desa `35.14.05.2005`) and the rule of which area covers which.

use super::Invalid;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::collections::{HashMap, HashSet};
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

/// One area of an update file: the area and, for a desa or kecamatan formed by splitting
/// another, the code it came from (the optional `asal` column).
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct AreaUpdate {
    /// The area as the list names it.
    pub area: Wilayah,
    /// The area it was split from, when the list says so.
    pub split_from: Option<WilayahCode>,
}

/// Reads a Kepmendagri wilayah CSV (`code,name,level,kind`); every code's level must match it.
pub fn parse_wilayah_csv(text: &str) -> Result<Vec<Wilayah>, WilayahCsvError> {
    Ok(parse_wilayah_update(text)?
        .into_iter()
        .map(|u| u.area)
        .collect())
}

/// Reads an update file: `code,name,level,kind` and an optional fifth column `asal`, the code an
/// area was split from. Every code's level must match its shape.
pub fn parse_wilayah_update(text: &str) -> Result<Vec<AreaUpdate>, WilayahCsvError> {
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
        let name = record.get(1).unwrap_or_default().trim();
        if name.is_empty() {
            return Err(bad("the name is empty".to_owned()));
        }
        let split_from = match record.get(4).map(str::trim).filter(|s| !s.is_empty()) {
            Some(asal) => Some(WilayahCode::parse(asal).map_err(|e| bad(e.to_string()))?),
            None => None,
        };
        out.push(AreaUpdate {
            area: Wilayah {
                code,
                name: name.to_owned(),
                level,
            },
            split_from,
        });
    }
    Ok(out)
}

/// Reads the built-in national list: `code,name` with a header, level from the code's shape.
pub fn parse_code_name_csv(text: &str) -> Result<Vec<Wilayah>, WilayahCsvError> {
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let mut out = Vec::with_capacity(100_000);
    for (i, record) in reader.records().enumerate() {
        let bad = |reason: String| WilayahCsvError {
            line: i + 2,
            reason,
        };
        let record = record.map_err(|e| bad(e.to_string()))?;
        let code = WilayahCode::parse(record.get(0).unwrap_or_default())
            .map_err(|e| bad(e.to_string()))?;
        out.push(Wilayah {
            level: code.level(),
            code,
            name: record.get(1).unwrap_or_default().to_owned(),
        });
    }
    Ok(out)
}

/// What loading a list changes: codes to add (parents first), renamed areas with their former
/// names, and splits. Codes are never removed: rows elsewhere keep pointing at them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct WilayahChanges {
    /// Codes the database does not know yet, sorted so every parent comes before its children.
    pub new: Vec<Wilayah>,
    /// Known codes with another name in this list: the area and its former name.
    pub renamed: Vec<(Wilayah, String)>,
    /// (new area, the area it was split from).
    pub splits: Vec<(WilayahCode, WilayahCode)>,
}

/// Compares a list with the names the database holds (`known`: code → name). A new code whose
/// parent is neither known nor in the list, or a split from an unknown code, is refused.
pub fn plan_changes(
    known: &HashMap<String, String>,
    incoming: Vec<AreaUpdate>,
) -> Result<WilayahChanges, WilayahCsvError> {
    let listed: HashSet<String> = incoming
        .iter()
        .map(|u| u.area.code.as_str().to_owned())
        .collect();
    let exists = |c: &WilayahCode| known.contains_key(c.as_str()) || listed.contains(c.as_str());
    let mut changes = WilayahChanges::default();
    for (i, update) in incoming.into_iter().enumerate() {
        let bad = |reason: String| WilayahCsvError {
            line: i + 2,
            reason,
        };
        let code = &update.area.code;
        if let Some(from) = &update.split_from {
            if !exists(from) || from == code {
                return Err(bad(format!("asal {from} is not a known area")));
            }
            changes.splits.push((code.clone(), from.clone()));
        }
        match known.get(code.as_str()) {
            Some(name) if *name == update.area.name => {}
            Some(name) => changes.renamed.push((update.area, name.clone())),
            None => {
                if code.parent().is_some_and(|p| !exists(&p)) {
                    return Err(bad(format!("the parent of {code} is not a known area")));
                }
                changes.new.push(update.area);
            }
        }
    }
    // A parent's code is a prefix of its children's, so code order puts parents first.
    changes.new.sort_by(|a, b| a.code.cmp(&b.code));
    Ok(changes)
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

    fn update(code: &str, name: &str, asal: Option<&str>) -> AreaUpdate {
        AreaUpdate {
            area: Wilayah {
                code: w(code),
                name: name.to_owned(),
                level: w(code).level(),
            },
            split_from: asal.map(w),
        }
    }

    #[test]
    fn a_list_adds_renames_and_splits_but_never_removes() {
        let known: HashMap<String, String> = [("35", "Jawa Timur"), ("35.14", "Kab Pasuruan")]
            .map(|(c, n)| (c.to_owned(), n.to_owned()))
            .into();
        let changes = plan_changes(
            &known,
            vec![
                update("35.14.01.2001", "Gerbo", None),
                update("35.14", "Kabupaten Pasuruan", None),
                update("35.14.01", "Purwodadi", None),
                update("35.14.01.2002", "Gerbo Baru", Some("35.14.01.2001")),
            ],
        )
        .unwrap();
        let new: Vec<&str> = changes.new.iter().map(|w| w.code.as_str()).collect();
        assert_eq!(new, ["35.14.01", "35.14.01.2001", "35.14.01.2002"]);
        assert_eq!(changes.renamed.len(), 1);
        assert_eq!(changes.renamed[0].1, "Kab Pasuruan");
        assert_eq!(changes.splits, [(w("35.14.01.2002"), w("35.14.01.2001"))]);
        let orphan = plan_changes(&known, vec![update("35.15.01", "X", None)]);
        assert_eq!(orphan.unwrap_err().line, 2);
        let bad_split = plan_changes(&known, vec![update("35.14.02", "Y", Some("35.14.09"))]);
        assert!(bad_split.is_err());
    }

    #[test]
    fn the_update_file_takes_an_optional_asal_column() {
        let text = "code,name,level,kind,asal\n35.14.01.2001,Gerbo,4,desa,\n35.14.01.2002,Baru,4,desa,35.14.01.2001\n";
        let rows = parse_wilayah_update(text).unwrap();
        assert_eq!(rows[0].split_from, None);
        assert_eq!(rows[1].split_from, Some(w("35.14.01.2001")));
        assert!(parse_wilayah_update("code,name,level\n35.14,,2\n").is_err());
        let old = "code,name,level,kind\n35,Jawa Timur,1,provinsi\n";
        assert_eq!(parse_wilayah_csv(old).unwrap().len(), 1);
    }
}
