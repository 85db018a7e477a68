//! A reconciliation report as one CSV (UTF-8, comma, header row): one row per figure or
//! exception, the section first, so a spreadsheet can filter by it. Headers in Bahasa Indonesia.

use super::report_xlsx::rule_word;
use crate::domain::reconcile::Report;

/// The header row.
pub const HEADER: [&str; 8] = [
    "bagian",
    "kode",
    "uraian",
    "jumlah",
    "nilai_rp",
    "nilai2_rp",
    "nilai3_rp",
    "keterangan",
];

type Rows = csv::Writer<Vec<u8>>;

/// The CSV bytes of a report.
pub fn report_csv(r: &Report) -> Result<Vec<u8>, csv::Error> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(HEADER)?;
    summary_rows(&mut w, r)?;
    ledger_rows(&mut w, r)?;
    budget_rows(&mut w, r)?;
    eligibility_rows(&mut w, r)?;
    merchant_rows(&mut w, r)?;
    anomaly_rows(&mut w, r)?;
    rollup_rows(&mut w, r)?;
    w.into_inner().map_err(|e| csv::Error::from(e.into_error()))
}

fn row(w: &mut Rows, cells: [&str; 8]) -> Result<(), csv::Error> {
    w.write_record(cells)
}

/// The run's version and status.
fn summary_rows(w: &mut Rows, r: &Report) -> Result<(), csv::Error> {
    let status = if r.balanced {
        "seimbang"
    } else {
        "ada pengecualian"
    };
    let version = r.version.to_string();
    row(
        w,
        [
            "ringkasan",
            &r.period,
            "versi",
            &version,
            "",
            "",
            "",
            status,
        ],
    )?;
    let exceptions = r.exceptions.to_string();
    row(
        w,
        [
            "ringkasan",
            &r.period,
            "pengecualian",
            &exceptions,
            "",
            "",
            "",
            "",
        ],
    )?;
    Ok(())
}

/// The ledger's totals, then each voucher whose journal and stored balance disagree.
fn ledger_rows(w: &mut Rows, r: &Report) -> Result<(), csv::Error> {
    let l = &r.ledger;
    row(
        w,
        [
            "buku_besar",
            "",
            "diterbitkan / debit / balik",
            &l.vouchers.to_string(),
            &l.issued_rp.to_string(),
            &l.debits_rp.to_string(),
            &l.reversals_rp.to_string(),
            "",
        ],
    )?;
    row(
        w,
        [
            "buku_besar",
            "",
            "pindah keluar / masuk / saldo",
            "",
            &l.moved_out_rp.to_string(),
            &l.moved_in_rp.to_string(),
            &l.balance_rp.to_string(),
            "",
        ],
    )?;
    for b in &l.broken {
        row(
            w,
            [
                "buku_besar_selisih",
                &b.voucher_id,
                "jurnal / tersimpan",
                "",
                &b.journal_rp.to_string(),
                &b.stored_rp.to_string(),
                "",
                "",
            ],
        )?;
    }
    Ok(())
}

/// Two rows per budget line: ceiling, commitment and realisation; returned and remaining.
fn budget_rows(w: &mut Rows, r: &Report) -> Result<(), csv::Error> {
    for b in &r.budget {
        let note = if b.over_committed() {
            "melebihi pagu"
        } else {
            ""
        };
        let id = b.budget_line_id.to_string();
        row(
            w,
            [
                "anggaran",
                &id,
                &format!(
                    "{} {} pagu/komitmen/realisasi",
                    b.sumber_dana, b.kode_wilayah
                ),
                "",
                &b.ceiling_rp.to_string(),
                &b.committed_rp.to_string(),
                &b.redeemed_rp.to_string(),
                note,
            ],
        )?;
        row(
            w,
            [
                "anggaran",
                &id,
                "kembali / sisa",
                "",
                &b.returned_rp.to_string(),
                &b.remaining_rp.to_string(),
                "",
                "",
            ],
        )?;
    }
    Ok(())
}

fn eligibility_rows(w: &mut Rows, r: &Report) -> Result<(), csv::Error> {
    for e in &r.eligibility {
        row(
            w,
            [
                "kelayakan",
                &rule_word(&e.rule),
                &e.no_kk.join(" "),
                &e.redemption_id.map(|i| i.to_string()).unwrap_or_default(),
                &e.amount_rp.to_string(),
                "",
                "",
                &e.day.to_string(),
            ],
        )?;
    }
    Ok(())
}

fn merchant_rows(w: &mut Rows, r: &Report) -> Result<(), csv::Error> {
    for m in &r.merchants {
        row(
            w,
            [
                "toko",
                &m.merchant_id.to_string(),
                &m.name,
                &m.count.to_string(),
                &m.gross_rp.to_string(),
                &m.reversals_rp.to_string(),
                &m.net_rp.to_string(),
                &format!("{}% di luar wilayah", m.outside_pct()),
            ],
        )?;
    }
    Ok(())
}

fn anomaly_rows(w: &mut Rows, r: &Report) -> Result<(), csv::Error> {
    for a in &r.anomalies {
        row(
            w,
            [
                "anomali",
                &rule_word(&a.rule),
                &a.merchant_id.to_string(),
                &a.count.to_string(),
                &a.amount_rp.to_string(),
                "",
                "",
                &format!("dari {} {}", a.of, a.kode_desa.as_deref().unwrap_or("")),
            ],
        )?;
    }
    Ok(())
}

fn rollup_rows(w: &mut Rows, r: &Report) -> Result<(), csv::Error> {
    for u in &r.rollup {
        row(
            w,
            [
                "wilayah",
                &u.code,
                &u.name,
                &u.vouchers.to_string(),
                &u.value_rp.to_string(),
                &u.redeemed_rp.to_string(),
                &u.remaining_rp.to_string(),
                &format!("{} KK terlayani", u.households_served),
            ],
        )?;
    }
    Ok(())
}
