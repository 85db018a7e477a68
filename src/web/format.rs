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
}
