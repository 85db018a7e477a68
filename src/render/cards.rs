//! Printable voucher cards: A4 sheets of eight cards with cut marks. Each card carries the QR
//! (error correction Q, 38 mm), value, validity, desa, the head of household's name, a short card
//! number and two lines of instructions in Bahasa Indonesia, and nothing about health status.
#![allow(clippy::disallowed_types)] // PDF geometry is in points (f32); no money is computed here.

use super::qr::{self, QUIET_ZONE, QrError};
use pdf_writer::{Content, Finish, Name, Pdf, Rect, Ref, Str};

const MM: f32 = 72.0 / 25.4;
const PAGE_W: f32 = 210.0 * MM;
const PAGE_H: f32 = 297.0 * MM;
const MARGIN: f32 = 10.0 * MM;
const COLS: usize = 2;
const ROWS: usize = 4;
/// Cards per A4 sheet.
pub const CARDS_PER_PAGE: usize = COLS * ROWS;
const CARD_W: f32 = (PAGE_W - 2.0 * MARGIN) / COLS as f32;
const CARD_H: f32 = (PAGE_H - 2.0 * MARGIN) / ROWS as f32;
/// Printed width of the QR symbol including its quiet zone (SPEC: at least 30 mm).
pub const QR_MM: f32 = 38.0;

/// What one card shows.
#[derive(Clone, Debug)]
pub struct Card {
    /// The token text to encode.
    pub token: String,
    /// `Rp 250.000`.
    pub value: String,
    /// `01-12-2026 s.d. 31-12-2026`.
    pub validity: String,
    /// Desa name.
    pub desa: String,
    /// Head of household's name.
    pub nama_kepala: String,
    /// Short card number (`ABCD-1234`).
    pub card_number: String,
    /// Programme name.
    pub programme: String,
}

/// Base-14 fonts speak WinAnsi; anything outside Latin-1 becomes `?` (names in the registry are
/// Latin script).
fn latin1(text: &str) -> Vec<u8> {
    text.chars()
        .map(|c| {
            u8::try_from(u32::from(c))
                .ok()
                .filter(|b| *b >= 0x20)
                .unwrap_or(b'?')
        })
        .collect()
}

/// Renders the cards as A4 PDF sheets.
pub fn render(cards: &[Card], title: &str) -> Result<Vec<u8>, QrError> {
    let mut pdf = Pdf::new();
    let catalog = Ref::new(1);
    let tree = Ref::new(2);
    let font = Ref::new(3);
    let bold = Ref::new(4);
    let pages: Vec<&[Card]> = if cards.is_empty() {
        vec![&[]]
    } else {
        cards.chunks(CARDS_PER_PAGE).collect()
    };
    let page_ids: Vec<Ref> = (0..pages.len())
        .map(|i| Ref::new(5 + 2 * i32::try_from(i).unwrap_or(0)))
        .collect();
    pdf.catalog(catalog).pages(tree);
    pdf.pages(tree)
        .kids(page_ids.iter().copied())
        .count(i32::try_from(pages.len()).unwrap_or(i32::MAX));
    pdf.type1_font(font)
        .base_font(Name(b"Helvetica"))
        .encoding_predefined(Name(b"WinAnsiEncoding"));
    pdf.type1_font(bold)
        .base_font(Name(b"Helvetica-Bold"))
        .encoding_predefined(Name(b"WinAnsiEncoding"));
    pdf.document_info(Ref::new(4_000_000))
        .title(pdf_writer::TextStr(title))
        .creator(pdf_writer::TextStr("RELASI"));
    for (page_cards, page_id) in pages.iter().zip(&page_ids) {
        let content_id = Ref::new(page_id.get() + 1);
        let mut page = pdf.page(*page_id);
        page.media_box(Rect::new(0.0, 0.0, PAGE_W, PAGE_H))
            .parent(tree)
            .contents(content_id);
        page.resources()
            .fonts()
            .pair(Name(b"F1"), font)
            .pair(Name(b"F2"), bold);
        page.finish();
        let mut content = Content::new();
        cut_marks(&mut content);
        for (i, card) in page_cards.iter().enumerate() {
            let x = MARGIN + (i % COLS) as f32 * CARD_W;
            let y = PAGE_H - MARGIN - ((i / COLS) + 1) as f32 * CARD_H;
            draw_card(&mut content, card, x, y)?;
        }
        pdf.stream(content_id, &content.finish());
    }
    Ok(pdf.finish())
}

/// Dashed cut lines between cards and crop marks at the sheet's card corners.
fn cut_marks(c: &mut Content) {
    c.save_state();
    c.set_stroke_gray(0.6)
        .set_line_width(0.4)
        .set_dash_pattern([3.0, 3.0], 0.0);
    for col in 0..=COLS {
        let x = MARGIN + col as f32 * CARD_W;
        c.move_to(x, MARGIN).line_to(x, PAGE_H - MARGIN);
    }
    for row in 0..=ROWS {
        let y = MARGIN + row as f32 * CARD_H;
        c.move_to(MARGIN, y).line_to(PAGE_W - MARGIN, y);
    }
    c.stroke();
    c.set_dash_pattern([], 0.0).set_stroke_gray(0.0);
    let tick = 4.0 * MM;
    for col in 0..=COLS {
        let x = MARGIN + col as f32 * CARD_W;
        c.move_to(x, MARGIN - tick).line_to(x, MARGIN - 1.0);
        c.move_to(x, PAGE_H - MARGIN + 1.0)
            .line_to(x, PAGE_H - MARGIN + tick);
    }
    for row in 0..=ROWS {
        let y = MARGIN + row as f32 * CARD_H;
        c.move_to(MARGIN - tick, y).line_to(MARGIN - 1.0, y);
        c.move_to(PAGE_W - MARGIN + 1.0, y)
            .line_to(PAGE_W - MARGIN + tick, y);
    }
    c.stroke();
    c.restore_state();
}

fn text(c: &mut Content, font: &[u8], size: f32, x: f32, y: f32, line: &str) {
    c.begin_text();
    c.set_font(Name(font), size);
    c.next_line(x, y);
    c.show(Str(&latin1(line)));
    c.end_text();
}

fn draw_card(c: &mut Content, card: &Card, x: f32, y: f32) -> Result<(), QrError> {
    let pad = 4.0 * MM;
    let qr_x = x + pad;
    let qr_y = y + CARD_H - pad - QR_MM * MM;
    draw_qr(c, &card.token, qr_x, qr_y)?;
    draw_words(
        c,
        card,
        qr_x + QR_MM * MM + 3.0 * MM,
        y + CARD_H - pad - 3.0 * MM,
    );
    let bottom = y + pad;
    for (line, words) in [
        (
            9.0,
            "Tunjukkan kartu ini di toko mitra untuk belanja pangan bergizi.",
        ),
        (
            0.0,
            "Simpan baik-baik. Jika hilang, segera lapor ke kader Posyandu.",
        ),
    ] {
        text(c, b"F1", 7.0, x + pad, bottom + line, words);
    }
    Ok(())
}

/// The QR symbol, `QR_MM` wide, its lower-left corner at (`x`, `y`).
fn draw_qr(c: &mut Content, token: &str, x: f32, y: f32) -> Result<(), QrError> {
    let grid = qr::modules(&qr::encode(token)?);
    let side_modules = grid.len() + 2 * QUIET_ZONE;
    let module = QR_MM * MM / side_modules as f32;
    c.save_state();
    c.set_fill_gray(0.0);
    for (row, cells) in grid.iter().enumerate() {
        for (col, dark) in cells.iter().enumerate() {
            if *dark {
                let mx = x + (col + QUIET_ZONE) as f32 * module;
                let my = y + QR_MM * MM - (row + QUIET_ZONE + 1) as f32 * module;
                c.rect(mx, my, module, module);
            }
        }
    }
    c.fill_nonzero();
    c.restore_state();
    Ok(())
}

/// The card's words beside the QR, from the line at `top` down.
fn draw_words(c: &mut Content, card: &Card, x: f32, top: f32) {
    text(c, b"F2", 9.0, x, top, "VOUCHER BELANJA NUTRISI");
    text(c, b"F1", 6.5, x, top - 9.0, &card.programme);
    text(c, b"F2", 15.0, x, top - 27.0, &card.value);
    let lines = [
        (7.5, 40.0, format!("Berlaku: {}", card.validity)),
        (7.5, 51.0, format!("Desa: {}", card.desa)),
        (7.5, 62.0, format!("Kepala keluarga: {}", card.nama_kepala)),
    ];
    for (size, down, words) in lines {
        text(c, b"F1", size, x, top - down, &words);
    }
    let number = format!("No. kartu: {}", card.card_number);
    text(c, b"F2", 8.5, x, top - 76.0, &number);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latin1_keeps_indonesian_names_and_replaces_the_rest() {
        assert_eq!(latin1("Siti Nur'aini"), b"Siti Nur'aini".to_vec());
        assert_eq!(latin1("Dewi\u{2603}"), b"Dewi?".to_vec());
    }

    #[test]
    fn the_qr_is_at_least_30_mm() {
        const { assert!(QR_MM >= 30.0) };
        const {
            assert!(
                QR_MM + 3.0 + 40.0 < CARD_W / MM,
                "text column fits beside the QR"
            )
        };
    }
}
