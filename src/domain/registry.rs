//! Registry CSV files (SPEC "Registry CSV"): parsing and per-row validation. A file is taken
//! whole or not at all; every bad row is reported by line number and reason, never by its value
//! (the values are personal data).

use super::Invalid;
use super::household::{Desil, Household, HouseholdStatus, Member, Sasaran};
use super::ids::{Kk, Nik};
use super::wilayah::WilayahCode;
use chrono::NaiveDate;
use serde::Serialize;
use std::collections::{HashMap, HashSet};

/// Most data rows one file may hold.
pub const MAX_ROWS: usize = 500_000;
/// Longest name accepted.
const MAX_NAME_CHARS: usize = 200;

/// Columns of `households.csv`.
pub const HOUSEHOLD_COLUMNS: [&str; 7] = [
    "no_kk",
    "nik_kepala",
    "nama_kepala",
    "kode_desa",
    "desil",
    "krs",
    "status",
];
/// Columns of `members.csv`.
pub const MEMBER_COLUMNS: [&str; 8] = [
    "nik",
    "no_kk",
    "nama",
    "tanggal_lahir",
    "sasaran",
    "mulai",
    "selesai",
    "stunting",
];

/// One refused row.
#[derive(Clone, PartialEq, Eq, Debug, Serialize)]
pub struct RowError {
    /// Line in the file (the header is line 1).
    pub line: u64,
    /// Column.
    pub field: &'static str,
    /// Why.
    pub reason: &'static str,
}

/// Which registry file a CSV is, judged by its header.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RegistryKind {
    /// `households.csv`.
    Households,
    /// `members.csv`.
    Members,
}

/// A file that could not be taken.
#[derive(Clone, PartialEq, Eq, Debug, Serialize)]
pub struct Refused {
    /// Every bad row (one reason per row), in file order.
    pub errors: Vec<RowError>,
}

impl Refused {
    fn file(reason: &'static str) -> Refused {
        Refused {
            errors: vec![RowError {
                line: 1,
                field: "file",
                reason,
            }],
        }
    }
}

/// What the validator checks against: known desa codes and KK numbers, and how many rows a
/// file may hold.
#[derive(Debug)]
pub struct Known {
    /// Desa (level 4) codes in the wilayah table.
    pub desa: HashSet<String>,
    /// KK numbers in the registry (for members).
    pub kk: HashSet<String>,
    /// Most data rows (`RELASI_IMPORT_MAX_ROWS`, at most [`MAX_ROWS`]).
    pub max_rows: usize,
}

/// Tells households from members by the header row.
pub fn detect(bytes: &[u8]) -> Option<RegistryKind> {
    let first = bytes.split(|b| *b == b'\n').next()?;
    let header = String::from_utf8_lossy(first);
    if header.contains("nik_kepala") {
        Some(RegistryKind::Households)
    } else if header.contains("tanggal_lahir") {
        Some(RegistryKind::Members)
    } else {
        None
    }
}

/// Reads the header and maps each required column to its position (any order; a UTF-8 BOM from
/// Excel is ignored).
fn columns<R: std::io::Read>(
    reader: &mut csv::Reader<R>,
    wanted: &[&'static str],
) -> Result<Vec<usize>, Refused> {
    let header = reader
        .headers()
        .map_err(|_| Refused::file("header row is not valid CSV in UTF-8"))?;
    let names: Vec<String> = header
        .iter()
        .map(|h| h.trim_start_matches('\u{feff}').trim().to_ascii_lowercase())
        .collect();
    wanted
        .iter()
        .map(|w| names.iter().position(|n| n == w))
        .collect::<Option<Vec<usize>>>()
        .ok_or_else(|| Refused::file("header must name every column of the SPEC format"))
}

/// Line numbers as an editor or spreadsheet shows the file (the header is line 1), counted from
/// each record's byte offset: the csv crate's own count is one short on CRLF files, which is
/// what Excel writes.
struct Lines<'a> {
    bytes: &'a [u8],
    counted_to: usize,
    line: u64,
}

impl<'a> Lines<'a> {
    fn new(bytes: &'a [u8]) -> Self {
        Lines {
            bytes,
            counted_to: 0,
            line: 1,
        }
    }

    /// The line of the record starting at byte `offset` (offsets only grow as the reader moves
    /// on). The reader places a record after blank lines at the first of them: skip those.
    fn at(&mut self, offset: u64) -> u64 {
        let mut end = usize::try_from(offset).map_or(self.bytes.len(), |o| o.min(self.bytes.len()));
        while self
            .bytes
            .get(end)
            .is_some_and(|b| matches!(b, b'\r' | b'\n'))
        {
            end += 1;
        }
        if let Some(skipped) = self.bytes.get(self.counted_to..end) {
            self.line += skipped.iter().filter(|b| **b == b'\n').count() as u64;
            self.counted_to = end;
        }
        self.line
    }
}

fn records(
    (bytes, max_rows): (&[u8], usize),
    reader: &mut csv::Reader<&[u8]>,
    mut each: impl FnMut(u64, &csv::StringRecord) -> Result<(), Invalid>,
) -> Result<usize, Refused> {
    let mut errors = Vec::new();
    let mut rows = 0usize;
    let mut record = csv::StringRecord::new();
    let mut lines = Lines::new(bytes);
    loop {
        let line = lines.at(reader.position().byte());
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {
                rows += 1;
                if rows > max_rows.min(MAX_ROWS) {
                    return Err(Refused::file(
                        "more rows than the import limit (RELASI_IMPORT_MAX_ROWS): split the file",
                    ));
                }
                let line = record.position().map_or(line, |p| lines.at(p.byte()));
                if let Err(e) = each(line, &record) {
                    errors.push(RowError {
                        line,
                        field: e.field,
                        reason: e.reason,
                    });
                }
            }
            Err(e) => {
                let line = e.position().map_or(line, |p| lines.at(p.byte()));
                errors.push(RowError {
                    line,
                    field: "row",
                    reason: "not valid CSV in UTF-8 or wrong number of columns",
                });
                if !matches!(
                    e.kind(),
                    csv::ErrorKind::UnequalLengths { .. } | csv::ErrorKind::Utf8 { .. }
                ) {
                    break;
                }
            }
        }
    }
    if errors.is_empty() {
        Ok(rows)
    } else {
        Err(Refused { errors })
    }
}

fn reader(bytes: &[u8]) -> csv::Reader<&[u8]> {
    csv::ReaderBuilder::new()
        .flexible(false)
        .trim(csv::Trim::All)
        .from_reader(bytes)
}

fn name(text: &str, field: &'static str) -> Result<String, Invalid> {
    if text.is_empty()
        || text.chars().count() > MAX_NAME_CHARS
        || text.chars().any(char::is_control)
    {
        return Err(Invalid::new(field, "must be 1 to 200 printable characters"));
    }
    Ok(text.to_owned())
}

fn flag(text: &str, field: &'static str) -> Result<bool, Invalid> {
    match text {
        "0" => Ok(false),
        "1" => Ok(true),
        _ => Err(Invalid::new(field, "must be 0 or 1")),
    }
}

fn date(text: &str, field: &'static str) -> Result<NaiveDate, Invalid> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .ok()
        .filter(|d| text.len() == 10 && (1900..=2199).contains(&chrono::Datelike::year(d)))
        .ok_or(Invalid::new(field, "must be a date written YYYY-MM-DD"))
}

fn optional_date(text: &str, field: &'static str) -> Result<Option<NaiveDate>, Invalid> {
    if text.is_empty() {
        Ok(None)
    } else {
        date(text, field).map(Some)
    }
}

/// Parses and validates `households.csv`.
pub fn parse_households(bytes: &[u8], known: &Known) -> Result<Vec<Household>, Refused> {
    let mut reader = reader(bytes);
    let at = columns(&mut reader, &HOUSEHOLD_COLUMNS)?;
    let mut out = Vec::new();
    let mut seen: HashMap<String, u64> = HashMap::new();
    records((bytes, known.max_rows), &mut reader, |line, r| {
        let get = |i: usize| r.get(at[i]).unwrap_or_default();
        let no_kk = Kk::parse(get(0))?;
        let nik_kepala = Nik::parse(get(1)).map_err(|e| Invalid::new("nik_kepala", e.reason))?;
        let nama_kepala = name(get(2), "nama_kepala")?;
        let kode_desa =
            WilayahCode::parse(get(3)).map_err(|e| Invalid::new("kode_desa", e.reason))?;
        if !known.desa.contains(kode_desa.as_str()) {
            return Err(Invalid::new("kode_desa", "is not a known desa code"));
        }
        let desil = get(4)
            .parse::<u8>()
            .map_err(|_| Invalid::new("desil", "must be between 1 and 10"))
            .and_then(Desil::new)?;
        let krs = flag(get(5), "krs")?;
        let status = HouseholdStatus::parse(get(6))?;
        if seen.insert(no_kk.as_str().to_owned(), line).is_some() {
            return Err(Invalid::new("no_kk", "appears twice in this file"));
        }
        out.push(Household {
            no_kk,
            nik_kepala,
            nama_kepala,
            kode_desa,
            desil,
            krs,
            status,
        });
        Ok(())
    })?;
    Ok(out)
}

/// Parses and validates `members.csv`. Birth dates may not lie after `today`.
pub fn parse_members(
    bytes: &[u8],
    known: &Known,
    today: NaiveDate,
) -> Result<Vec<Member>, Refused> {
    let mut reader = reader(bytes);
    let at = columns(&mut reader, &MEMBER_COLUMNS)?;
    let mut out = Vec::new();
    let mut seen: HashSet<(String, String)> = HashSet::new();
    records((bytes, known.max_rows), &mut reader, |_, r| {
        let get = |i: usize| r.get(at[i]).unwrap_or_default();
        let nik = Nik::parse(get(0))?;
        let no_kk = Kk::parse(get(1))?;
        if !known.kk.contains(no_kk.as_str()) {
            return Err(Invalid::new(
                "no_kk",
                "is not a household of the registry: import households first",
            ));
        }
        let nama = name(get(2), "nama")?;
        let tanggal_lahir = date(get(3), "tanggal_lahir")?;
        if tanggal_lahir > today {
            return Err(Invalid::new("tanggal_lahir", "lies in the future"));
        }
        let sasaran = Sasaran::parse(get(4))?;
        let mulai = optional_date(get(5), "mulai")?;
        let selesai = optional_date(get(6), "selesai")?;
        let ranged = matches!(
            sasaran,
            Some(Sasaran::IbuHamil | Sasaran::IbuMenyusui | Sasaran::Catin)
        );
        if ranged && (mulai.is_none() || selesai.is_none()) {
            return Err(Invalid::new(
                "mulai",
                "ibu_hamil, ibu_menyusui and catin need mulai and selesai",
            ));
        }
        if let (Some(from), Some(to)) = (mulai, selesai)
            && to < from
        {
            return Err(Invalid::new("selesai", "must not be before mulai"));
        }
        let stunting = flag(get(7), "stunting")?;
        if !seen.insert((no_kk.as_str().to_owned(), nik.as_str().to_owned())) {
            return Err(Invalid::new(
                "nik",
                "appears twice for this KK in this file",
            ));
        }
        out.push(Member {
            nik,
            no_kk,
            nama,
            tanggal_lahir,
            sasaran,
            mulai,
            selesai,
            stunting,
        });
        Ok(())
    })?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn known() -> Known {
        Known {
            desa: ["35.14.05.2005".to_owned(), "35.14.05.2007".to_owned()].into(),
            kk: ["3514050000000001".to_owned()].into(),
            max_rows: MAX_ROWS,
        }
    }

    const H: &str = "no_kk,nik_kepala,nama_kepala,kode_desa,desil,krs,status\n";

    #[test]
    fn a_good_households_file_parses_in_any_column_order_with_a_bom() {
        let text = "\u{feff}status,no_kk,nik_kepala,nama_kepala,kode_desa,desil,krs\r\n\
                    aktif,3514050000000001,3514050101800001,Budi Santoso,35.14.05.2005,2,1\r\n";
        let rows = parse_households(text.as_bytes(), &known()).unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].nama_kepala, "Budi Santoso");
        assert!(rows[0].krs);
    }

    #[test]
    fn lines_are_named_as_an_editor_shows_them_with_crlf_blank_lines_and_quoted_newlines() {
        let good =
            |i: u32| format!("35140500000{i:05},35140501018{i:05},Budi,35.14.05.2005,2,1,aktif\n");
        let bad = "351405000000002,3514050101800002,Agus,35.14.05.2005,2,1,aktif\n";
        let mut text = H.to_owned();
        (2..540).for_each(|i| text += &good(i)); // lines 2..=539
        text += "\n"; // line 540, skipped by the reader
        text += bad; // line 541
        let unix = parse_households(text.as_bytes(), &known()).unwrap_err();
        let crlf = text.replace('\n', "\r\n");
        let excel = parse_households(crlf.as_bytes(), &known()).unwrap_err();
        let quoted = text.replacen(",Budi,", ",\"Budi\nSantoso\",", 1);
        let multi = parse_households(quoted.as_bytes(), &known()).unwrap_err();
        let lines = |r: &Refused| r.errors.iter().map(|e| e.line).collect::<Vec<_>>();
        assert_eq!(lines(&unix), [541]);
        assert_eq!(lines(&excel), [541]);
        assert_eq!(
            lines(&multi),
            [2, 542],
            "the quoted newline is a line of its own in an editor"
        );
    }

    #[test]
    fn every_bad_row_is_named_with_its_line_and_no_value() {
        let text = format!(
            "{H}3514050000000001,3514050101800001,Budi,35.14.05.2005,2,1,aktif\n\
             351405000000002,3514050101800002,Agus,35.14.05.2005,2,1,aktif\n\
             3514050000000003,3514050101800003,Joko,35.14.05.2099,2,1,aktif\n\
             3514050000000004,3514050101800004,Eko,35.14.05.2005,11,1,aktif\n\
             3514050000000005,3514050101800005,Hadi,35.14.05.2005,2,ya,aktif\n\
             3514050000000006,3514050101800006,Imam,35.14.05.2005,2,1,hilang\n\
             3514050000000001,3514050101800001,Budi,35.14.05.2005,2,1,aktif\n\
             3514050000000008,3514050101800008,,35.14.05.2005,2,1,aktif\n\
             3514050000000009,3514050101800009,Rudi,35.14.05.2005,2\n"
        );
        let refused = parse_households(text.as_bytes(), &known()).unwrap_err();
        let got: Vec<(u64, &str)> = refused.errors.iter().map(|e| (e.line, e.field)).collect();
        assert_eq!(
            got,
            [
                (3, "no_kk"),
                (4, "kode_desa"),
                (5, "desil"),
                (6, "krs"),
                (7, "status"),
                (8, "no_kk"),
                (9, "nama_kepala"),
                (10, "row")
            ]
        );
        let json = serde_json::to_string(&refused).unwrap();
        assert!(
            !json.contains("351405000000002") && !json.contains("Agus"),
            "values must not be echoed"
        );
    }

    #[test]
    fn members_rules() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 22).unwrap();
        let h = "nik,no_kk,nama,tanggal_lahir,sasaran,mulai,selesai,stunting\n";
        let good = format!(
            "{h}3514054101250001,3514050000000001,Ani,2025-01-01,baduta,,,0\n\
             3514055505950001,3514050000000001,Siti,1995-05-15,ibu_hamil,2026-06-01,2027-02-28,0\n"
        );
        assert_eq!(
            parse_members(good.as_bytes(), &known(), today)
                .unwrap()
                .len(),
            2
        );
        let bad = format!(
            "{h}3514054101250001,3514059999999999,Ani,2025-01-01,,,,0\n\
             3514054101250002,3514050000000001,Ani,2025-02-30,,,,0\n\
             3514054101250003,3514050000000001,Ani,2027-01-01,,,,0\n\
             3514054101250004,3514050000000001,Ani,2025-01-01,hamil,,,0\n\
             3514054101250005,3514050000000001,Siti,1995-01-01,ibu_menyusui,,,0\n\
             3514054101250006,3514050000000001,Siti,1995-01-01,catin,2026-05-01,2026-04-01,0\n\
             3514054101250007,3514050000000001,Ani,2025-01-01,,,,2\n\
             3514054101250008,3514050000000001,Ani,2025-01-01,,,,0\n\
             3514054101250008,3514050000000001,Ani,2025-01-01,,,,0\n"
        );
        let refused = parse_members(bad.as_bytes(), &known(), today).unwrap_err();
        let got: Vec<(u64, &str)> = refused.errors.iter().map(|e| (e.line, e.field)).collect();
        assert_eq!(
            got,
            [
                (2, "no_kk"),
                (3, "tanggal_lahir"),
                (4, "tanggal_lahir"),
                (5, "sasaran"),
                (6, "mulai"),
                (7, "selesai"),
                (8, "stunting"),
                (10, "nik")
            ]
        );
    }

    #[test]
    fn wrong_header_and_detection() {
        assert_eq!(detect(H.as_bytes()), Some(RegistryKind::Households));
        assert_eq!(
            detect(b"nik,no_kk,nama,tanggal_lahir,sasaran,mulai,selesai,stunting\n"),
            Some(RegistryKind::Members)
        );
        assert_eq!(detect(b"a,b\n"), None);
        let refused = parse_households(b"no_kk,nama\n1,2\n", &known()).unwrap_err();
        assert_eq!(refused.errors[0].field, "file");
    }
}
