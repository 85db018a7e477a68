//! Days in the programme's local time (WIB +7, WITA +8, WIT +9): what "today" is for an import,
//! a sale's date for reconciliation, a local day or month as an interval of instants, and dates
//! as people read them (`29 Nov 2026`).

use super::ids::Period;
use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, Offset, TimeDelta, Utc};

/// Indonesian month abbreviations, as printed on pages, cards and reports.
const BULAN: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov", "Des",
];

/// The programme's zone; an offset outside ±14 hours (never stored: the schema checks it) is UTC.
fn zone(utc_offset_hours: i8) -> FixedOffset {
    FixedOffset::east_opt(i32::from(utc_offset_hours) * 3600).unwrap_or(Utc.fix())
}

/// The local calendar day of an instant.
pub fn local_date(at: DateTime<Utc>, utc_offset_hours: i8) -> NaiveDate {
    at.with_timezone(&zone(utc_offset_hours)).date_naive()
}

/// The local wall-clock time of an instant.
pub fn local_time(at: DateTime<Utc>, utc_offset_hours: i8) -> NaiveDateTime {
    at.with_timezone(&zone(utc_offset_hours)).naive_local()
}

/// The local wall-clock time of an instant in Unix microseconds (one out of range reads as the
/// epoch).
pub fn local_time_us(at_us: i64, utc_offset_hours: i8) -> NaiveDateTime {
    local_time(
        DateTime::from_timestamp_micros(at_us).unwrap_or_default(),
        utc_offset_hours,
    )
}

/// The local days from `first` up to `end` (not included) as Unix microseconds:
/// `[first 00:00, end 00:00)` local time.
pub fn local_days_us(first: NaiveDate, end: NaiveDate, utc_offset_hours: i8) -> (i64, i64) {
    let offset = TimeDelta::seconds(i64::from(zone(utc_offset_hours).local_minus_utc()));
    let at = |day: NaiveDate| {
        (day.and_time(NaiveTime::MIN) - offset)
            .and_utc()
            .timestamp_micros()
    };
    (at(first), at(end))
}

/// The local month as Unix microseconds: `[first day 00:00, first day of next month 00:00)`.
pub fn month_bounds_us(period: Period, utc_offset_hours: i8) -> (i64, i64) {
    local_days_us(
        period.first_day(),
        period.next().first_day(),
        utc_offset_hours,
    )
}

/// Today, in the programme's local time.
pub fn local_today(utc_offset_hours: i8) -> NaiveDate {
    local_date(Utc::now(), utc_offset_hours)
}

/// A day as people read it: `29 Nov 2026` (Indonesian month names).
pub fn tanggal(day: NaiveDate) -> String {
    use chrono::Datelike;
    let month = BULAN
        .get(usize::try_from(day.month0()).unwrap_or(0))
        .copied()
        .unwrap_or("");
    format!("{} {month} {}", day.day(), day.year())
}

/// The zone's name as Indonesians write it: WIB (UTC+7), WITA (+8), WIT (+9); any other
/// offset as `UTC+N`.
pub fn zone_name(utc_offset_hours: i8) -> String {
    match utc_offset_hours {
        7 => "WIB".to_owned(),
        8 => "WITA".to_owned(),
        9 => "WIT".to_owned(),
        0 => "UTC".to_owned(),
        n => format!("UTC{n:+}"),
    }
}

/// An instant as people read it in the programme's local time: `29 Nov 2026 21:05 WIB`.
pub fn waktu(at: DateTime<Utc>, utc_offset_hours: i8) -> String {
    let local = at.with_timezone(&zone(utc_offset_hours));
    format!(
        "{} {} {}",
        tanggal(local.date_naive()),
        local.format("%H:%M"),
        zone_name(utc_offset_hours)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_days_follow_the_programme_zone() {
        let late = DateTime::parse_from_rfc3339("2026-11-30T17:30:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(local_date(late, 7).to_string(), "2026-12-01");
        assert_eq!(local_date(late, 0).to_string(), "2026-11-30");
        assert_eq!(local_date(late, 9).to_string(), "2026-12-01");
        assert_eq!(
            tanggal(NaiveDate::from_ymd_opt(2026, 8, 17).unwrap()),
            "17 Agu 2026"
        );
    }

    #[test]
    fn the_month_runs_from_local_midnight_to_local_midnight() {
        let (start, end) = month_bounds_us(Period::parse("2026-10").unwrap(), 7);
        let s = DateTime::from_timestamp_micros(start).unwrap();
        let e = DateTime::from_timestamp_micros(end).unwrap();
        assert_eq!(s.to_rfc3339(), "2026-09-30T17:00:00+00:00");
        assert_eq!(e.to_rfc3339(), "2026-10-31T17:00:00+00:00");
    }

    #[test]
    fn instants_read_in_the_programme_zone_with_its_name() {
        let late = DateTime::parse_from_rfc3339("2026-11-30T17:30:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(waktu(late, 7), "1 Des 2026 00:30 WIB");
        assert_eq!(waktu(late, 8), "1 Des 2026 01:30 WITA");
        assert_eq!(waktu(late, 9), "1 Des 2026 02:30 WIT");
        assert_eq!(waktu(late, 0), "30 Nov 2026 17:30 UTC");
        assert_eq!(zone_name(-3), "UTC-3");
        assert_eq!(zone_name(10), "UTC+10");
    }
}
