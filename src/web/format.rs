//! How pages write money, dates and times: `Rp 25.000` (Indonesian grouping), `29 Nov 2026`,
//! `29 Nov 2026 21:05 WIB` (the programme's local time, with its zone's name).

use chrono::{DateTime, Datelike, NaiveDate, Utc};

/// `29 Nov 2026 21:05 WIB`: an instant in the programme's local time (WIB, WITA or WIT).
pub fn date_time(at: DateTime<Utc>, utc_offset_hours: i8) -> String {
    crate::domain::calendar::waktu(at, utc_offset_hours)
}

/// `Rp 25.000`.
pub fn rupiah(amount_rp: i64) -> String {
    let digits = amount_rp.unsigned_abs().to_string();
    let mut grouped = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            grouped.push('.');
        }
        grouped.push(c);
    }
    let sign = if amount_rp < 0 { "-" } else { "" };
    format!("{sign}Rp {grouped}")
}

/// An amount as an officer types it, read the Indonesian way: `Rp 25.000.000`, `25.000.000`
/// and `25000000` all become `25000000`. Anything else is passed on unchanged, for the use case
/// to refuse in its own words (a comma, letters, a misplaced dot).
pub fn rupiah_typed(text: &str) -> String {
    let t = text.trim();
    let t = match ["Rp", "rp", "RP"].iter().find_map(|p| t.strip_prefix(p)) {
        Some(rest) => rest.trim_start_matches(['.', ' ']),
        None => t,
    };
    let groups: Vec<&str> = t.split('.').collect();
    let grouped = groups.len() > 1
        && groups.iter().all(|g| g.bytes().all(|b| b.is_ascii_digit()))
        && groups.first().is_some_and(|g| (1..=3).contains(&g.len()))
        && groups.iter().skip(1).all(|g| g.len() == 3);
    if grouped {
        groups.concat()
    } else {
        t.to_owned()
    }
}

/// `29 Nov 2026` (Indonesian month abbreviations: Mei, Agu, Okt, Des).
pub fn date_id(date: NaiveDate) -> String {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov", "Des",
    ];
    let month = MONTHS.get(date.month0() as usize).copied().unwrap_or("");
    format!("{} {month} {}", date.day(), date.year())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rupiah_and_dates_read_the_indonesian_way() {
        assert_eq!(rupiah(25_000), "Rp 25.000");
        assert_eq!(rupiah(1_250_000), "Rp 1.250.000");
        assert_eq!(rupiah(0), "Rp 0");
        assert_eq!(rupiah(-500), "-Rp 500");
        let d = NaiveDate::from_ymd_opt(2026, 8, 17).unwrap_or_default();
        assert_eq!(date_id(d), "17 Agu 2026");
    }

    #[test]
    fn typed_amounts_are_read_the_indonesian_way() {
        assert_eq!(rupiah_typed("Rp 25.000.000"), "25000000");
        assert_eq!(rupiah_typed(" 25.000 "), "25000");
        assert_eq!(rupiah_typed("Rp. 1.500"), "1500");
        assert_eq!(rupiah_typed("25000000"), "25000000");
        // Left for the use case to refuse.
        assert_eq!(rupiah_typed("25,5"), "25,5");
        assert_eq!(rupiah_typed("2.50"), "2.50");
        assert_eq!(rupiah_typed("1.2345"), "1.2345");
        assert_eq!(rupiah_typed("dua juta"), "dua juta");
        assert_eq!(rupiah_typed(".500"), ".500");
    }
}
