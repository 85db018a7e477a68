//! Printable voucher cards: A4 sheets of eight cards with cut marks. Each card carries the QR
//! (error correction Q, 38 mm), value, validity, desa, the head of household's name, a short card
//! number and two lines of instructions in Bahasa Indonesia, and nothing about health status.
#![allow(clippy::disallowed_types)] // PDF geometry is in points (f32); no money is computed here.

use super::latin1;
use super::qr::{self, QUIET_ZONE, QrError};
use pdf_writer::{Chunk, Content, Filter, Finish, Name, Rect, Ref, Str};

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

/// Objects every sheet has, whatever its length.
const CATALOG: Ref = Ref::new(1);
const PAGE_TREE: Ref = Ref::new(2);
const FONT: Ref = Ref::new(3);
const FONT_BOLD: Ref = Ref::new(4);
const INFO: Ref = Ref::new(5);
/// Objects of one page: the page, its content stream, and one QR image per card.
const REFS_PER_PAGE: i32 = 2 + CARDS_PER_PAGE as i32;

/// An A4 card sheet written page by page: each page's bytes can be sent (or written) as soon as
/// it is made, so a sheet of ten thousand cards never sits in memory whole. The objects come
/// from `pdf-writer`, one object per chunk so each one's offset is known as it goes out; the
/// cross-reference table that lists those offsets is written at the end. Fonts (the standard
/// Helvetica pair) are shared by every page; page streams are deflated; each QR is a 1-bit image
/// mask, about 250 bytes.
#[derive(Debug)]
pub struct SheetWriter {
    /// Bytes written so far (the next object's offset).
    written: usize,
    /// Offsets of the objects written, by object number.
    offsets: Vec<(i32, usize)>,
    pending: Vec<u8>,
    pages: Vec<Ref>,
    title: String,
}

impl SheetWriter {
    /// A new sheet; its header is the first bytes to send.
    pub fn new(title: &str) -> SheetWriter {
        let header = b"%PDF-1.7\n%\x80\x81\x82\x83\n".to_vec();
        SheetWriter {
            written: header.len(),
            offsets: Vec::new(),
            pending: header,
            pages: Vec::new(),
            title: title.to_owned(),
        }
    }

    /// Writes one chunk holding one object, recording its offset.
    fn object(&mut self, id: Ref, chunk: &Chunk) {
        self.offsets.push((id.get(), self.written));
        self.pending.extend_from_slice(chunk.as_bytes());
        self.written += chunk.len();
    }

    /// Adds a page of up to eight cards.
    pub fn page(&mut self, cards: &[Card]) -> Result<(), QrError> {
        let base = 6 + REFS_PER_PAGE * i32::try_from(self.pages.len()).unwrap_or(i32::MAX / 2);
        let (page_id, content_id) = (Ref::new(base), Ref::new(base + 1));
        let mut content = Content::new();
        cut_marks(&mut content);
        let mut images = Vec::with_capacity(cards.len());
        for (i, card) in cards.iter().enumerate() {
            let x = MARGIN + (i % COLS) as f32 * CARD_W;
            let y = PAGE_H - MARGIN - ((i / COLS) + 1) as f32 * CARD_H;
            let name = format!("Q{i}");
            draw_card(&mut content, card, &name, x, y);
            let image = Ref::new(base + 2 + i32::try_from(i).unwrap_or(0));
            self.object(image, &qr_image(image, &card.token)?);
            images.push((name, image));
        }
        let mut chunk = Chunk::new();
        let mut page = chunk.page(page_id);
        page.media_box(Rect::new(0.0, 0.0, PAGE_W, PAGE_H))
            .parent(PAGE_TREE)
            .contents(content_id);
        let mut resources = page.resources();
        resources
            .fonts()
            .pair(Name(b"F1"), FONT)
            .pair(Name(b"F2"), FONT_BOLD);
        let mut xobjects = resources.x_objects();
        for (name, image) in &images {
            xobjects.pair(Name(name.as_bytes()), *image);
        }
        xobjects.finish();
        resources.finish();
        page.finish();
        self.object(page_id, &chunk);
        let mut chunk = Chunk::new();
        chunk
            .stream(content_id, &deflate(&content.finish()))
            .filter(Filter::FlateDecode);
        self.object(content_id, &chunk);
        self.pages.push(page_id);
        Ok(())
    }

    /// The bytes made since the last call (to send or write now).
    pub fn take(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.pending)
    }

    /// Ends the sheet: the page tree, fonts, catalog, information, the cross-reference table
    /// and the trailer. Returns the last bytes to send.
    pub fn finish(mut self) -> Vec<u8> {
        if self.pages.is_empty() {
            // A sheet with no voucher is still a valid PDF: one empty page with its cut marks.
            let _ = self.page(&[]);
        }
        let mut c = Chunk::new();
        c.pages(PAGE_TREE)
            .kids(self.pages.iter().copied())
            .count(i32::try_from(self.pages.len()).unwrap_or(i32::MAX));
        self.object(PAGE_TREE, &c);
        for (id, base) in [
            (FONT, &b"Helvetica"[..]),
            (FONT_BOLD, &b"Helvetica-Bold"[..]),
        ] {
            let mut c = Chunk::new();
            c.type1_font(id)
                .base_font(Name(base))
                .encoding_predefined(Name(b"WinAnsiEncoding"));
            self.object(id, &c);
        }
        let mut c = Chunk::new();
        c.indirect(CATALOG)
            .dict()
            .pair(Name(b"Type"), Name(b"Catalog"))
            .pair(Name(b"Pages"), PAGE_TREE);
        self.object(CATALOG, &c);
        let mut c = Chunk::new();
        c.indirect(INFO)
            .start::<pdf_writer::writers::DocumentInfo>()
            .title(pdf_writer::TextStr(&self.title))
            .creator(pdf_writer::TextStr("RELASI"));
        self.object(INFO, &c);
        let xref = self.written;
        self.pending
            .extend_from_slice(cross_reference(&mut self.offsets, xref).as_bytes());
        self.take()
    }
}

/// The cross-reference table and trailer for objects 1..=n at `offsets` (PDF 1.7, 7.5.4).
fn cross_reference(offsets: &mut [(i32, usize)], xref_at: usize) -> String {
    offsets.sort_unstable();
    let size = offsets.last().map_or(1, |(id, _)| id + 1);
    let mut out = format!("xref\n0 {size}\n0000000000 65535 f\r\n");
    let mut expected = 1;
    for (id, offset) in offsets.iter() {
        // Numbers never used (there are none: every page writes all its numbers) are free.
        while expected < *id {
            out.push_str("0000000000 65535 f\r\n");
            expected += 1;
        }
        out.push_str(&format!("{offset:010} 00000 n\r\n"));
        expected += 1;
    }
    out.push_str(&format!(
        "trailer\n<< /Size {size} /Root {} 0 R /Info {} 0 R >>\nstartxref\n{xref_at}\n%%EOF\n",
        CATALOG.get(),
        INFO.get()
    ));
    out
}

/// zlib-deflated bytes (a `FlateDecode` stream).
fn deflate(bytes: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    // Writing to a Vec cannot fail.
    let _ = z.write_all(bytes);
    z.finish().unwrap_or_default()
}

/// A QR as a 1-bit image mask: one sample per module, the quiet zone included; 0 paints.
fn qr_image(id: Ref, token: &str) -> Result<Chunk, QrError> {
    let grid = qr::modules(&qr::encode(token)?);
    let side = grid.len() + 2 * QUIET_ZONE;
    let row_bytes = side.div_ceil(8);
    let mut samples = vec![0xffu8; row_bytes * side];
    for (y, row) in grid.iter().enumerate() {
        for (x, dark) in row.iter().enumerate() {
            if *dark {
                let (col, line) = (x + QUIET_ZONE, y + QUIET_ZONE);
                samples[line * row_bytes + col / 8] &= !(0x80 >> (col % 8));
            }
        }
    }
    let side = i32::try_from(side).map_err(|_| QrError::TooLong)?;
    let data = deflate(&samples);
    let mut chunk = Chunk::new();
    let mut image = chunk.image_xobject(id, &data);
    image
        .width(side)
        .height(side)
        .image_mask(true)
        .bits_per_component(1)
        .interpolate(false);
    image.filter(Filter::FlateDecode);
    image.finish();
    Ok(chunk)
}

/// Renders the cards as one A4 PDF in memory (small sheets and tests; the API streams).
pub fn render(cards: &[Card], title: &str) -> Result<Vec<u8>, QrError> {
    let mut sheet = SheetWriter::new(title);
    let mut out = Vec::new();
    for page in cards.chunks(CARDS_PER_PAGE) {
        sheet.page(page)?;
        out.extend(sheet.take());
    }
    out.extend(sheet.finish());
    Ok(out)
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

fn draw_card(c: &mut Content, card: &Card, image: &str, x: f32, y: f32) {
    let pad = 4.0 * MM;
    let qr_x = x + pad;
    let qr_y = y + CARD_H - pad - QR_MM * MM;
    // The QR image (its quiet zone included) fills a QR_MM square; black paints its dark modules.
    c.save_state();
    c.set_fill_gray(0.0);
    c.transform([QR_MM * MM, 0.0, 0.0, QR_MM * MM, qr_x, qr_y]);
    c.x_object(Name(image.as_bytes()));
    c.restore_state();
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
