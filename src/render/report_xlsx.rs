//! A reconciliation report as an Excel workbook: one sheet per section, Bahasa Indonesia
//! headers in a frozen bold first row, rupiah and counts as number cells, days as date cells.

use crate::domain::reconcile::Report;
use chrono::Datelike;
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook, Worksheet, XlsxError};

/// One cell.
enum Cell {
    Text(String),
    Int(i64),
    Rp(i64),
    Day(chrono::NaiveDate),
}

use Cell::{Day, Int, Rp, Text};

fn t(s: impl Into<String>) -> Cell {
    Text(s.into())
}

/// Whole rupiah as a spreadsheet number. A cell stores an IEEE double, exact for every integer
/// below 2^53 (Rp 9 quadrillion): far above `Rupiah::MAX`, so no amount is rounded.
fn number(n: i64) -> f64 {
    n as f64
}

fn sheet(
    wb: &mut Workbook,
    name: &str,
    headers: &[&str],
    rows: Vec<Vec<Cell>>,
) -> Result<(), XlsxError> {
    let bold = Format::new().set_bold();
    let rp = Format::new().set_num_format("#,##0");
    let day = Format::new().set_num_format("dd mmm yyyy");
    let ws: &mut Worksheet = wb.add_worksheet();
    ws.set_name(name)?;
    for (c, h) in headers.iter().enumerate() {
        let col = u16::try_from(c).unwrap_or(u16::MAX);
        ws.write_string_with_format(0, col, *h, &bold)?;
        ws.set_column_width(col, if c == 0 { 24 } else { 16 })?;
    }
    ws.set_freeze_panes(1, 0)?;
    for (r, row) in rows.into_iter().enumerate() {
        let r = u32::try_from(r + 1).unwrap_or(u32::MAX);
        for (c, cell) in row.into_iter().enumerate() {
            let c = u16::try_from(c).unwrap_or(u16::MAX);
            match cell {
                Text(s) => ws.write_string(r, c, s)?,
                Int(n) => ws.write_number(r, c, number(n))?,
                Rp(n) => ws.write_number_with_format(r, c, number(n), &rp)?,
                Day(d) => {
                    let (y, m, dd) = (
                        u16::try_from(d.year()).unwrap_or(1900),
                        d.month() as u8,
                        d.day() as u8,
                    );
                    ws.write_datetime_with_format(r, c, ExcelDateTime::from_ymd(y, m, dd)?, &day)?
                }
            };
        }
    }
    Ok(())
}

/// The workbook's bytes.
pub fn report_xlsx(r: &Report, sha256: &str) -> Result<Vec<u8>, XlsxError> {
    let mut wb = Workbook::new();
    summary_sheet(&mut wb, r, sha256)?;
    budget_sheet(&mut wb, r)?;
    eligibility_sheet(&mut wb, r)?;
    merchant_sheet(&mut wb, r)?;
    anomaly_sheet(&mut wb, r)?;
    rollup_sheet(&mut wb, r)?;
    daily_sheet(&mut wb, r)?;
    wb.save_to_buffer()
}

/// The summary: the period, the run, the ledger's totals and the report's hash.
fn summary_sheet(wb: &mut Workbook, r: &Report, sha256: &str) -> Result<(), XlsxError> {
    let l = &r.ledger;
    let status = if r.balanced {
        "seimbang"
    } else {
        "ada pengecualian"
    };
    sheet(
        wb,
        "Ringkasan",
        &["uraian", "nilai"],
        vec![
            vec![t("periode"), t(&r.period)],
            vec![t("versi"), Int(r.version)],
            vec![t("status"), t(status)],
            vec![t("pengecualian"), Int(r.exceptions)],
            vec![t("voucher"), Int(l.vouchers)],
            vec![t("nilai diterbitkan"), Rp(l.issued_rp)],
            vec![t("belanja"), Rp(l.debits_rp)],
            vec![t("pembatalan"), Rp(l.reversals_rp)],
            vec![t("saldo"), Rp(l.balance_rp)],
            vec![t("jurnal sampai entri"), Int(r.watermarks.last_entry_id)],
            vec![t("versi registri"), Int(r.watermarks.registry_version)],
            vec![t("SHA-256"), t(sha256)],
        ],
    )
}

/// Each budget line's ceiling and where its money went.
fn budget_sheet(wb: &mut Workbook, r: &Report) -> Result<(), XlsxError> {
    sheet(
        wb,
        "Anggaran",
        &[
            "id",
            "sumber dana",
            "wilayah",
            "pagu",
            "komitmen",
            "realisasi",
            "dikembalikan",
            "sisa",
        ],
        r.budget
            .iter()
            .map(|b| {
                vec![
                    Int(b.budget_line_id),
                    t(&b.sumber_dana),
                    t(&b.kode_wilayah),
                    Rp(b.ceiling_rp),
                    Rp(b.committed_rp),
                    Rp(b.redeemed_rp),
                    Rp(b.returned_rp),
                    Rp(b.remaining_rp),
                ]
            })
            .collect(),
    )
}

/// Eligibility exceptions.
fn eligibility_sheet(wb: &mut Workbook, r: &Report) -> Result<(), XlsxError> {
    sheet(
        wb,
        "Kelayakan",
        &["aturan", "KK", "voucher", "transaksi", "nilai", "tanggal"],
        r.eligibility
            .iter()
            .map(|e| {
                vec![
                    t(rule_word(&e.rule)),
                    t(e.no_kk.join(" ")),
                    t(e.voucher_ids.join(" ")),
                    e.redemption_id.map_or(t(""), Int),
                    Rp(e.amount_rp),
                    Day(e.day),
                ]
            })
            .collect(),
    )
}

/// Each shop's month.
fn merchant_sheet(wb: &mut Workbook, r: &Report) -> Result<(), XlsxError> {
    sheet(
        wb,
        "Toko",
        &[
            "id",
            "nama",
            "transaksi",
            "bruto",
            "pembatalan",
            "nilai batal",
            "neto",
            "di luar wilayah",
            "nilai penuh",
        ],
        r.merchants
            .iter()
            .map(|m| {
                vec![
                    Int(m.merchant_id),
                    t(&m.name),
                    Int(m.count),
                    Rp(m.gross_rp),
                    Int(m.reversal_count),
                    Rp(m.reversals_rp),
                    Rp(m.net_rp),
                    Int(m.outside_count),
                    Int(m.full_value_count),
                ]
            })
            .collect(),
    )
}

/// Anomalies with the sales that show them.
fn anomaly_sheet(wb: &mut Workbook, r: &Report) -> Result<(), XlsxError> {
    sheet(
        wb,
        "Anomali",
        &[
            "aturan",
            "toko",
            "desa",
            "jumlah",
            "dari",
            "nilai",
            "transaksi",
        ],
        r.anomalies
            .iter()
            .map(|a| {
                vec![
                    t(rule_word(&a.rule)),
                    Int(a.merchant_id),
                    t(a.kode_desa.clone().unwrap_or_default()),
                    Int(a.count),
                    Int(a.of),
                    Rp(a.amount_rp),
                    t(a.evidence
                        .iter()
                        .map(|e| e.redemption_id.to_string())
                        .collect::<Vec<_>>()
                        .join(" ")),
                ]
            })
            .collect(),
    )
}

/// The roll-up desa → kecamatan → kabupaten.
fn rollup_sheet(wb: &mut Workbook, r: &Report) -> Result<(), XlsxError> {
    sheet(
        wb,
        "Wilayah",
        &[
            "kode",
            "nama",
            "tingkat",
            "voucher",
            "nilai",
            "terpakai",
            "sisa",
            "KK terlayani",
        ],
        r.rollup
            .iter()
            .map(|u| {
                vec![
                    t(&u.code),
                    t(&u.name),
                    t(level_word(u.level)),
                    Int(u.vouchers),
                    Rp(u.value_rp),
                    Rp(u.redeemed_rp),
                    Rp(u.remaining_rp),
                    Int(u.households_served),
                ]
            })
            .collect(),
    )
}

/// Sales by day.
fn daily_sheet(wb: &mut Workbook, r: &Report) -> Result<(), XlsxError> {
    sheet(
        wb,
        "Harian",
        &["tanggal", "transaksi", "nilai"],
        r.daily
            .iter()
            .map(|d| vec![Day(d.day), Int(d.count), Rp(d.gross_rp)])
            .collect(),
    )
}

/// A rule's stored word (`household_moved`, `burst`, …).
pub fn rule_word<T: serde::Serialize>(rule: &T) -> String {
    serde_json::to_value(rule)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// The level of an area as people say it.
pub fn level_word(level: u8) -> &'static str {
    match level {
        2 => "kabupaten",
        3 => "kecamatan",
        _ => "desa",
    }
}
