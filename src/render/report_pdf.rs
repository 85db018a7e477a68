//! PDFs for finance: the month's reconciliation as a summary fit for a berita acara (totals,
//! budget lines, the roll-up, the charts, the exceptions, signature blocks, and the report's
//! SHA-256 and signature on every page), and the per-shop settlement statement. A4, the two
//! standard Helvetica fonts, built in memory (both are a few pages).
#![allow(clippy::disallowed_types)] // page geometry is in points (f32); no money is computed here.

use super::chart::{self, CHART_H, PdfBackend};
use super::latin1;
use crate::domain::calendar;
use crate::domain::reconcile::{Report, RollupRow};
use crate::domain::settlement::{Payout, SettlementLine, SettlementStatus};
use crate::store::{RunHead, Settlement, StatementEntry};
use crate::web::format::rupiah;
use pdf_writer::{Content, Finish, Name, Pdf, Rect, Ref, Str};
use plotters::prelude::IntoDrawingArea;

const MM: f32 = 72.0 / 25.4;
const PAGE_W: f32 = 210.0 * MM;
const PAGE_H: f32 = 297.0 * MM;
const MARGIN: f32 = 18.0 * MM;
const REGULAR: &[u8] = b"F1";
const BOLD: &[u8] = b"F2";

/// Pages written top to bottom with a cursor; a footer on each.
struct Doc {
    pages: Vec<Content>,
    y: f32,
    footer: String,
}

impl Doc {
    fn new(footer: String) -> Doc {
        let mut d = Doc {
            pages: Vec::new(),
            y: 0.0,
            footer,
        };
        d.new_page();
        d
    }

    fn new_page(&mut self) {
        self.pages.push(Content::new());
        self.y = PAGE_H - MARGIN;
    }

    fn page(&mut self) -> &mut Content {
        if self.pages.is_empty() {
            self.pages.push(Content::new());
        }
        let last = self.pages.len() - 1;
        &mut self.pages[last]
    }

    /// Starts a new page unless `height` points fit above the bottom margin.
    fn room(&mut self, height: f32) {
        if self.y - height < MARGIN + 14.0 {
            self.new_page();
        }
    }

    fn text_at(&mut self, x: f32, size: f32, bold: bool, text: &str) {
        let y = self.y;
        self.page()
            .set_fill_gray(0.0)
            .begin_text()
            .set_font(Name(if bold { BOLD } else { REGULAR }), size)
            .next_line(x, y)
            .show(Str(&latin1(text)))
            .end_text();
    }

    /// One line of text, then the cursor moves down.
    fn line(&mut self, size: f32, bold: bool, text: &str) {
        self.room(size * 1.5);
        self.y -= size * 1.3;
        self.text_at(MARGIN, size, bold, text);
    }

    fn gap(&mut self, points: f32) {
        self.y -= points;
    }

    /// A table row: cells at fixed x offsets from the margin; numbers right-aligned at `right`.
    fn row(&mut self, cells: &[(f32, &str)], numbers: &[(f32, String)], size: f32, bold: bool) {
        self.room(size * 1.6);
        self.y -= size * 1.45;
        for (x, text) in cells {
            self.text_at(MARGIN + x, size, bold, text);
        }
        for (right, text) in numbers {
            let width = 0.52 * size * text.chars().count() as f32;
            self.text_at(MARGIN + right - width, size, bold, text);
        }
    }

    fn rule(&mut self) {
        let y = self.y - 3.0;
        self.page()
            .set_stroke_gray(0.6)
            .set_line_width(0.5)
            .move_to(MARGIN, y)
            .line_to(PAGE_W - MARGIN, y)
            .stroke();
        self.y -= 5.0;
    }

    /// A chart drawn by `draw` through the PDF backend.
    fn chart(
        &mut self,
        draw: impl FnOnce(&plotters::drawing::DrawingArea<PdfBackend<'_>, plotters::coord::Shift>),
    ) {
        self.room(CHART_H as f32 + 8.0);
        self.gap(4.0);
        let top = self.y;
        let backend = PdfBackend::new(self.page(), MARGIN, top, REGULAR);
        draw(&backend.into_drawing_area());
        self.y -= CHART_H as f32 + 4.0;
    }

    fn finish(mut self, title: &str) -> Vec<u8> {
        let total = self.pages.len();
        let footer = std::mem::take(&mut self.footer);
        for (i, page) in self.pages.iter_mut().enumerate() {
            page.set_fill_gray(0.35)
                .begin_text()
                .set_font(Name(REGULAR), 7.0)
                .next_line(MARGIN, MARGIN - 16.0)
                .show(Str(&latin1(&format!(
                    "{footer}   hal. {} / {total}",
                    i + 1
                ))))
                .end_text();
        }
        assemble(self.pages, title)
    }
}

fn assemble(pages: Vec<Content>, title: &str) -> Vec<u8> {
    let (catalog, tree, regular, bold, info) = (
        Ref::new(1),
        Ref::new(2),
        Ref::new(3),
        Ref::new(4),
        Ref::new(5),
    );
    let mut pdf = Pdf::new();
    pdf.catalog(catalog).pages(tree);
    pdf.document_info(info)
        .title(pdf_writer::TextStr(title))
        .producer(pdf_writer::TextStr("RELASI"));
    let ids: Vec<(Ref, Ref)> = (0..pages.len())
        .map(|i| {
            let n = 6 + 2 * i32::try_from(i).unwrap_or(0);
            (Ref::new(n), Ref::new(n + 1))
        })
        .collect();
    pdf.pages(tree)
        .kids(ids.iter().map(|(p, _)| *p))
        .count(i32::try_from(ids.len()).unwrap_or(0));
    for ((page_id, content_id), content) in ids.into_iter().zip(pages) {
        let mut page = pdf.page(page_id);
        page.media_box(Rect::new(0.0, 0.0, PAGE_W, PAGE_H))
            .parent(tree)
            .contents(content_id);
        page.resources()
            .fonts()
            .pair(Name(REGULAR), regular)
            .pair(Name(BOLD), bold);
        page.finish();
        pdf.stream(content_id, &content.finish());
    }
    for (id, name) in [(regular, &b"Helvetica"[..]), (bold, &b"Helvetica-Bold"[..])] {
        pdf.type1_font(id)
            .base_font(Name(name))
            .encoding_predefined(Name(b"WinAnsiEncoding"));
    }
    pdf.finish()
}

/// When the run was made, as the report printed it before (RFC 3339, UTC, seconds).
fn run_time(created_at_us: i64) -> String {
    chrono::DateTime::from_timestamp_micros(created_at_us)
        .unwrap_or_default()
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// The berita acara summary of one reconciliation run.
pub fn report_pdf(r: &Report, head: &RunHead) -> Vec<u8> {
    let mut d = Doc::new(format!(
        "RELASI rekonsiliasi {} versi {} - SHA-256 {}",
        r.period, r.version, head.content_sha256
    ));
    d.line(
        14.0,
        true,
        "BERITA ACARA REKONSILIASI VOUCHER BELANJA NUTRISI",
    );
    d.line(
        9.0,
        false,
        "Monthly reconciliation of the nutrition vouchers",
    );
    d.gap(6.0);
    d.line(
        10.0,
        false,
        &format!(
            "Program nomor {}   Periode {}   Versi {}   Dibuat {}",
            r.programme,
            r.period,
            r.version,
            run_time(head.created_at_us)
        ),
    );
    let status = if r.balanced {
        "SEIMBANG / balanced".to_owned()
    } else {
        format!("ADA {} PENGECUALIAN / exceptions", r.exceptions)
    };
    d.line(12.0, true, &format!("Status: {status}"));
    d.line(
        8.0,
        false,
        &format!(
            "Jurnal sampai entri {}, versi registri {}",
            r.watermarks.last_entry_id, r.watermarks.registry_version
        ),
    );
    d.gap(6.0);
    totals(&mut d, r);
    budget(&mut d, r);
    d.chart(|area| {
        let _ = chart::spend_chart(area, r);
    });
    rollup(&mut d, &r.rollup);
    d.chart(|area| {
        let _ = chart::daily_chart(area, r);
    });
    exceptions(&mut d, r);
    signatures(&mut d, head);
    d.finish(&format!("Rekonsiliasi {} versi {}", r.period, r.version))
}

fn totals(d: &mut Doc, r: &Report) {
    let l = &r.ledger;
    let returned: i64 = r.returns.iter().map(|x| x.amount_rp).sum();
    d.line(11.0, true, "1. Buku besar / ledger");
    for (label, amount) in [
        ("Nilai voucher diterbitkan", l.issued_rp),
        ("Belanja", l.debits_rp),
        ("Pembatalan", l.reversals_rp),
        ("Dipindah ke kartu pengganti", l.moved_out_rp),
        ("Saldo tersisa", l.balance_rp),
        ("Dikembalikan ke pagu (voucher kedaluwarsa)", returned),
    ] {
        d.row(&[(8.0, label)], &[(300.0, rupiah(amount))], 9.0, false);
    }
    d.row(
        &[(8.0, "Jumlah voucher")],
        &[(300.0, l.vouchers.to_string())],
        9.0,
        false,
    );
    d.gap(6.0);
}

fn budget(d: &mut Doc, r: &Report) {
    d.line(11.0, true, "2. Anggaran per pagu / budget lines");
    d.row(
        &[(0.0, "Sumber"), (50.0, "Wilayah")],
        &[
            (200.0, "Pagu".into()),
            (270.0, "Komitmen".into()),
            (340.0, "Realisasi".into()),
            (405.0, "Kembali".into()),
            (475.0, "Sisa".into()),
        ],
        8.0,
        true,
    );
    d.rule();
    for b in &r.budget {
        d.row(
            &[(0.0, &b.sumber_dana), (50.0, &b.kode_wilayah)],
            &[
                (200.0, rupiah(b.ceiling_rp)),
                (270.0, rupiah(b.committed_rp)),
                (340.0, rupiah(b.redeemed_rp)),
                (405.0, rupiah(b.returned_rp)),
                (475.0, rupiah(b.remaining_rp)),
            ],
            8.0,
            false,
        );
    }
    d.gap(6.0);
}

fn rollup(d: &mut Doc, rows: &[RollupRow]) {
    d.room(60.0);
    d.line(
        11.0,
        true,
        "3. Rekap wilayah / roll-up desa - kecamatan - kabupaten",
    );
    d.row(
        &[(0.0, "Wilayah")],
        &[
            (250.0, "Voucher".into()),
            (320.0, "Nilai".into()),
            (390.0, "Terpakai".into()),
            (455.0, "Sisa".into()),
            (480.0, "KK".into()),
        ],
        8.0,
        true,
    );
    d.rule();
    for u in rows {
        let indent = match u.level {
            2 => 0.0,
            3 => 8.0,
            _ => 16.0,
        };
        let name = format!("{} {}", u.code, u.name);
        d.row(
            &[(indent, &name)],
            &[
                (250.0, u.vouchers.to_string()),
                (320.0, rupiah(u.value_rp)),
                (390.0, rupiah(u.redeemed_rp)),
                (455.0, rupiah(u.remaining_rp)),
                (480.0, u.households_served.to_string()),
            ],
            8.0,
            u.level < 4,
        );
    }
    d.gap(6.0);
}

fn exceptions(d: &mut Doc, r: &Report) {
    use crate::render::report_xlsx::rule_word;
    d.room(60.0);
    d.line(
        11.0,
        true,
        &format!("4. Pengecualian / exceptions: {}", r.exceptions),
    );
    if !r.ledger.broken.is_empty() {
        d.line(
            9.0,
            false,
            &format!(
                "Voucher dengan jurnal tidak cocok: {}",
                r.ledger.broken.len()
            ),
        );
    }
    for e in &r.eligibility {
        let sale = e
            .redemption_id
            .map_or(String::new(), |id| format!("transaksi {id}, "));
        let text = format!(
            "{} - KK {} - {sale}{} - {}",
            rule_word(&e.rule),
            e.no_kk.join(", "),
            rupiah(e.amount_rp),
            e.day
        );
        d.row(&[(8.0, &text)], &[], 8.0, false);
    }
    for a in &r.anomalies {
        let desa = a
            .kode_desa
            .as_deref()
            .map_or(String::new(), |k| format!(" desa {k}"));
        let text = format!(
            "{} - toko {}{desa} - {} dari {} - {}",
            rule_word(&a.rule),
            a.merchant_id,
            a.count,
            a.of,
            rupiah(a.amount_rp)
        );
        d.row(&[(8.0, &text)], &[], 8.0, false);
    }
    d.gap(8.0);
}

fn signatures(d: &mut Doc, head: &RunHead) {
    d.room(170.0);
    d.line(11.0, true, "5. Keaslian laporan / authenticity");
    d.line(8.0, false, &format!("SHA-256: {}", head.content_sha256));
    match (&head.kid, &head.signature) {
        (Some(kid), Some(sig)) => {
            d.line(
                8.0,
                false,
                &format!("Kunci / key {kid}, tanda tangan / signature:"),
            );
            d.line(7.0, false, sig);
        }
        _ => d.line(8.0, false, "Tidak ditandatangani / unsigned"),
    }
    d.line(7.0, false, "Periksa / verify: scripts/verify-report (docs/reconciliation.md) dengan salinan GET /v1/keys");
    d.gap(18.0);
    let roles = [
        "Dibuat oleh / prepared by",
        "Diperiksa oleh / checked by",
        "Mengetahui / acknowledged by",
    ];
    let titles = ["Petugas Keuangan", "Inspektorat", "Kepala Dinas Kesehatan"];
    let col = (PAGE_W - 2.0 * MARGIN) / 3.0;
    // The three signature columns, side by side.
    let columns = |texts: [&'static str; 3]| -> Vec<(f32, &'static str)> {
        texts
            .iter()
            .enumerate()
            .map(|(i, t)| (i as f32 * col, *t))
            .collect()
    };
    d.row(&columns(roles), &[], 8.0, false);
    d.row(&columns(titles), &[], 8.0, true);
    d.gap(50.0);
    d.row(
        &columns(["(..............................)"; 3]),
        &[],
        8.0,
        false,
    );
    d.row(&columns(["NIP", "NIP", "NIP"]), &[], 8.0, false);
}

/// One shop's line of a settlement, what it is paid, and its entries.
pub type ShopStatement = (SettlementLine, Payout, Vec<StatementEntry>);

/// One page per shop: its line and every entry, to check against its receipts.
pub fn statement_pdf(s: &Settlement, shops: &[ShopStatement], utc_offset_hours: i8) -> Vec<u8> {
    let mut d = Doc::new(format!(
        "RELASI penyelesaian {} nomor {} ({})",
        s.period,
        s.id,
        status_word(s)
    ));
    for (i, (line, paid, entries)) in shops.iter().enumerate() {
        if i > 0 {
            d.new_page();
        }
        shop_figures(&mut d, s, line, paid);
        shop_entries(&mut d, entries, utc_offset_hours);
    }
    d.finish(&format!("Penyelesaian {} nomor {}", s.period, s.id))
}

/// A shop's page head: who, which settlement, and its figures.
fn shop_figures(d: &mut Doc, s: &Settlement, line: &SettlementLine, paid: &Payout) {
    d.line(14.0, true, "LAPORAN PEMBAYARAN TOKO / SHOP STATEMENT");
    d.line(
        10.0,
        false,
        &format!(
            "{} (toko {})   periode s.d. {}   penyelesaian {} ({})",
            line.name,
            line.merchant_id,
            s.period,
            s.id,
            status_word(s)
        ),
    );
    d.gap(6.0);
    for (label, amount) in payout_rows(line, paid) {
        d.row(
            &[(0.0, label)],
            &[(300.0, rupiah(amount))],
            10.0,
            label.starts_with("Ditransfer") || label.starts_with("Utang"),
        );
    }
    d.gap(6.0);
}

/// A shop's entries, one row each, at their local time.
fn shop_entries(d: &mut Doc, entries: &[StatementEntry], utc_offset_hours: i8) {
    d.row(
        &[
            (0.0, "Transaksi"),
            (70.0, "Waktu (lokal)"),
            (200.0, "Jenis"),
        ],
        &[(360.0, "Nilai".into())],
        8.0,
        true,
    );
    d.rule();
    for e in entries {
        let at = calendar::local_time_us(e.created_at_us, utc_offset_hours);
        let kind = if e.kind == "debit" {
            "belanja".to_owned()
        } else {
            format!("batal #{}", e.reverses_id.unwrap_or(0))
        };
        let amount = if e.kind == "debit" {
            e.amount
        } else {
            -e.amount
        };
        d.row(
            &[
                (0.0, &e.redemption_id.to_string()),
                (70.0, &at.format("%d-%m-%Y %H:%M").to_string()),
                (200.0, &kind),
            ],
            &[(360.0, rupiah(amount))],
            8.0,
            false,
        );
    }
}

/// A statement's figures: the line, what the shop owed before, what is transferred, and what it
/// still owes (a negative net is never paid out: it is owed and deducted from the next payment).
fn payout_rows(line: &SettlementLine, paid: &Payout) -> Vec<(&'static str, i64)> {
    let mut rows = vec![
        ("Belanja / sales", line.gross),
        ("Pembatalan / reversals", line.reversals),
        ("Bersih / net", line.net),
    ];
    if paid.carried_in > 0 {
        rows.push((
            "Utang sebelumnya dipotong / owed before, deducted",
            -paid.carried_in,
        ));
    }
    rows.push(("Ditransfer / to transfer", paid.to_transfer));
    if paid.owed_after > 0 {
        rows.push((
            "Utang toko ke pembayaran berikut / owed by the shop, carried",
            paid.owed_after,
        ));
    }
    rows
}

fn status_word(s: &Settlement) -> &'static str {
    match s.status {
        SettlementStatus::Draft => "draf",
        SettlementStatus::Approved => "disetujui",
        SettlementStatus::Paid => "dibayar",
    }
}
