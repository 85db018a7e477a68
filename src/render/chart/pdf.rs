//! A `plotters` drawing backend that writes into a PDF page's content stream (`pdf-writer`),
//! so the berita acara's charts are drawn by the same code as the pages' SVG.
#![allow(clippy::disallowed_types)] // drawing geometry is in points (f32/f64); no money is computed here.

use super::{CHART_H, CHART_W};
use pdf_writer::{Content, Name, Str};
use plotters_backend::{
    BackendColor, BackendCoord, BackendStyle, BackendTextStyle, DrawingBackend, DrawingErrorKind,
    text_anchor,
};

/// A plotters backend that draws into a PDF content stream: a box of `CHART_W` × `CHART_H`
/// points whose top-left corner is at (`x`, `top`) on the page (PDF y grows upwards).
pub struct PdfBackend<'a> {
    content: &'a mut Content,
    x: f32,
    top: f32,
    /// Resource name of the page's regular font.
    font: &'static [u8],
}

impl std::fmt::Debug for PdfBackend<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PdfBackend")
    }
}

impl<'a> PdfBackend<'a> {
    /// A backend drawing at (`x`, `top`), text in the page's font `font`.
    pub fn new(content: &'a mut Content, x: f32, top: f32, font: &'static [u8]) -> PdfBackend<'a> {
        PdfBackend {
            content,
            x,
            top,
            font,
        }
    }

    fn at(&self, p: BackendCoord) -> (f32, f32) {
        (self.x + p.0 as f32, self.top - p.1 as f32)
    }

    /// The colour on white paper: plotters' translucent mesh lines become light greys.
    fn rgb(c: BackendColor) -> (f32, f32, f32) {
        let a = c.alpha.clamp(0.0, 1.0) as f32;
        let on_white = |v: u8| (f32::from(v) * a + 255.0 * (1.0 - a)) / 255.0;
        (on_white(c.rgb.0), on_white(c.rgb.1), on_white(c.rgb.2))
    }
}

/// Width of `text` in Helvetica at `size`, roughly (the average glyph is half an em).
fn text_width(text: &str, size: f64) -> f64 {
    0.52 * size * text.chars().count() as f64
}

impl DrawingBackend for PdfBackend<'_> {
    type ErrorType = std::convert::Infallible;

    fn get_size(&self) -> (u32, u32) {
        (CHART_W, CHART_H)
    }

    fn ensure_prepared(&mut self) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        Ok(())
    }

    fn present(&mut self) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        Ok(())
    }

    fn draw_pixel(
        &mut self,
        point: BackendCoord,
        color: BackendColor,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        let (x, y) = self.at(point);
        let (r, g, b) = Self::rgb(color);
        self.content
            .set_fill_rgb(r, g, b)
            .rect(x, y - 1.0, 1.0, 1.0)
            .fill_nonzero();
        Ok(())
    }

    fn draw_line<S: BackendStyle>(
        &mut self,
        from: BackendCoord,
        to: BackendCoord,
        style: &S,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        let (r, g, b) = Self::rgb(style.color());
        let (a, c) = (self.at(from), self.at(to));
        self.content
            .set_stroke_rgb(r, g, b)
            .set_line_width(if style.color().alpha < 1.0 { 0.3 } else { 0.6 })
            .move_to(a.0, a.1)
            .line_to(c.0, c.1)
            .stroke();
        Ok(())
    }

    fn draw_rect<S: BackendStyle>(
        &mut self,
        upper_left: BackendCoord,
        bottom_right: BackendCoord,
        style: &S,
        fill: bool,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        let (r, g, b) = Self::rgb(style.color());
        let (a, c) = (self.at(upper_left), self.at(bottom_right));
        let (w, h) = (c.0 - a.0, a.1 - c.1);
        if fill {
            self.content
                .set_fill_rgb(r, g, b)
                .rect(a.0, c.1, w, h)
                .fill_nonzero();
        } else {
            self.content
                .set_stroke_rgb(r, g, b)
                .set_line_width(0.6)
                .rect(a.0, c.1, w, h)
                .stroke();
        }
        Ok(())
    }

    fn draw_text<T: BackendTextStyle>(
        &mut self,
        text: &str,
        style: &T,
        pos: BackendCoord,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        let size = style.size();
        let width = text_width(text, size);
        let dx = match style.anchor().h_pos {
            text_anchor::HPos::Left => 0.0,
            text_anchor::HPos::Center => -width / 2.0,
            text_anchor::HPos::Right => -width,
        };
        let dy = match style.anchor().v_pos {
            text_anchor::VPos::Top => size * 0.8,
            text_anchor::VPos::Center => size * 0.35,
            text_anchor::VPos::Bottom => 0.0,
        };
        let (x, y) = self.at(pos);
        let (r, g, b) = Self::rgb(style.color());
        self.content
            .set_fill_rgb(r, g, b)
            .begin_text()
            .set_font(Name(self.font), size as f32)
            .next_line(x + dx as f32, y - dy as f32)
            .show(Str(&crate::render::latin1(text)))
            .end_text();
        Ok(())
    }

    fn estimate_text_size<T: BackendTextStyle>(
        &self,
        text: &str,
        style: &T,
    ) -> Result<(u32, u32), DrawingErrorKind<Self::ErrorType>> {
        Ok((
            text_width(text, style.size()).ceil() as u32,
            style.size().ceil() as u32,
        ))
    }
}
