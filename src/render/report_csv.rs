//! A reconciliation report as one CSV (UTF-8, comma, header row): one row per figure or
//! exception, the section first, so a spreadsheet can filter by it. Headers in Bahasa Indonesia.

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

/// The CSV bytes of a report.
pub fn report_csv(r: &Report) -> Result<Vec<u8>, csv::Error> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(HEADER)?;
    let mut row = |cells: [String; 8]| w.write_record(&cells);
    let l = &r.ledger;
    row(s([
        "ringkasan",
        &r.period,
        "versi",
        &r.version.to_string(),
        "",
        "",
        "",
        if r.balanced {
            "seimbang"
        } else {
            "ada pengecualian"
        },
    ]))?;
    row(s([
        "ringkasan",
        &r.period,
        "pengecualian",
        &r.exceptions.to_string(),
        "",
        "",
        "",
        "",
    ]))?;
    row(s([
        "buku_besar",
        "",
        "diterbitkan / debit / balik",
        &l.vouchers.to_string(),
        &l.issued_rp.to_string(),
        &l.debits_rp.to_string(),
        &l.reversals_rp.to_string(),
        "",
    ]))?;
    row(s([
        "buku_besar",
        "",
        "pindah keluar / masuk / saldo",
        "",
        &l.moved_out_rp.to_string(),
        &l.moved_in_rp.to_string(),
        &l.balance_rp.to_string(),
        "",
    ]))?;
    for b in &l.broken {
        row(s([
            "buku_besar_selisih",
            &b.voucher_id,
            "jurnal / tersimpan",
            "",
            &b.journal_rp.to_string(),
            &b.stored_rp.to_string(),
            "",
            "",
        ]))?;
    }
    for b in &r.budget {
        let note = if b.over_committed() {
            "melebihi pagu"
        } else {
            ""
        };
        row(s([
            "anggaran",
            &b.budget_line_id.to_string(),
            &format!(
                "{} {} pagu/komitmen/realisasi",
                b.sumber_dana, b.kode_wilayah
            ),
            "",
            &b.ceiling_rp.to_string(),
            &b.committed_rp.to_string(),
            &b.redeemed_rp.to_string(),
            note,
        ]))?;
        row(s([
            "anggaran",
            &b.budget_line_id.to_string(),
            "kembali / sisa",
            "",
            &b.returned_rp.to_string(),
            &b.remaining_rp.to_string(),
            "",
            "",
        ]))?;
    }
    for e in &r.eligibility {
        let rule = serde_json::to_value(e.rule).unwrap_or_default();
        row(s([
            "kelayakan",
            rule.as_str().unwrap_or(""),
            &e.no_kk.join(" "),
            &e.redemption_id.map(|i| i.to_string()).unwrap_or_default(),
            &e.amount_rp.to_string(),
            "",
            "",
            &e.day.to_string(),
        ]))?;
    }
    for m in &r.merchants {
        row(s([
            "toko",
            &m.merchant_id.to_string(),
            &m.name,
            &m.count.to_string(),
            &m.gross_rp.to_string(),
            &m.reversals_rp.to_string(),
            &m.net_rp.to_string(),
            &format!("{}% di luar wilayah", m.outside_pct()),
        ]))?;
    }
    for a in &r.anomalies {
        let rule = serde_json::to_value(a.rule).unwrap_or_default();
        row(s([
            "anomali",
            rule.as_str().unwrap_or(""),
            &a.merchant_id.to_string(),
            &a.count.to_string(),
            &a.amount_rp.to_string(),
            "",
            "",
            &format!("dari {} {}", a.of, a.kode_desa.as_deref().unwrap_or("")),
        ]))?;
    }
    for u in &r.rollup {
        row(s([
            "wilayah",
            &u.code,
            &u.name,
            &u.vouchers.to_string(),
            &u.value_rp.to_string(),
            &u.redeemed_rp.to_string(),
            &u.remaining_rp.to_string(),
            &format!("{} KK terlayani", u.households_served),
        ]))?;
    }
    w.into_inner().map_err(|e| csv::Error::from(e.into_error()))
}

fn s(cells: [&str; 8]) -> [String; 8] {
    cells.map(str::to_owned)
}
