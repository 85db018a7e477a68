//! The reconciliation's charts, drawn once with `plotters` for any backend: as SVG for the
//! finance page, and into a PDF page's content stream (`PdfBackend`) for the berita acara. Spend
//! against the vouchers' value per kecamatan, and sales per day.
#![allow(clippy::disallowed_types)] // drawing geometry is in points (f32/f64); no money is computed here.

use crate::domain::reconcile::Report;
use pdf_writer::{Content, Name, Str};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters_backend::{
    BackendColor, BackendCoord, BackendStyle, BackendTextStyle, DrawingErrorKind, text_anchor,
};

/// Chart size in backend units (pixels for SVG, points for PDF).
pub const CHART_W: u32 = 520;
/// Chart height.
pub const CHART_H: u32 = 240;

const BLUE: RGBColor = RGBColor(31, 92, 153);
const GREEN: RGBColor = RGBColor(46, 125, 50);

/// Per kecamatan: (name, value of its vouchers, redeemed), from the report's roll-up.
fn kecamatan(r: &Report) -> Vec<(String, i64, i64)> {
    r.rollup
        .iter()
        .filter(|u| u.level == 3)
        .map(|u| {
            (
                if u.name.is_empty() {
                    u.code.clone()
                } else {
                    u.name.clone()
                },
                u.value_rp,
                u.redeemed_rp,
            )
        })
        .collect()
}

/// An axis label: `Rp 1,2 jt`, `Rp 350 rb`.
pub fn rupiah_short(amount_rp: i64) -> String {
    let a = amount_rp.abs();
    let sign = if amount_rp < 0 { "-" } else { "" };
    if a >= 1_000_000_000 {
        format!(
            "{sign}Rp {},{} M",
            a / 1_000_000_000,
            a % 1_000_000_000 / 100_000_000
        )
    } else if a >= 1_000_000 {
        format!("{sign}Rp {},{} jt", a / 1_000_000, a % 1_000_000 / 100_000)
    } else if a >= 1_000 {
        format!("{sign}Rp {} rb", a / 1_000)
    } else {
        format!("{sign}Rp {a}")
    }
}

/// Bars: the vouchers' value (blue) and what was spent (green), per kecamatan.
pub fn spend_chart<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    r: &Report,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    let rows = kecamatan(r);
    let top = rows.iter().map(|k| k.1.max(k.2)).max().unwrap_or(0).max(1);
    let n = i64::try_from(rows.len()).unwrap_or(0).max(1);
    let mut chart = ChartBuilder::on(root)
        .caption(
            "Nilai voucher (biru) dan belanja (hijau) per kecamatan",
            ("sans-serif", 13),
        )
        .margin(8)
        .x_label_area_size(28)
        .y_label_area_size(70)
        .build_cartesian_2d(0..n * 3, 0..top + top / 10)?;
    let labels: Vec<String> = rows.iter().map(|k| k.0.clone()).collect();
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_labels(rows.len().max(1) * 3 + 1)
        .x_label_formatter(&|x| {
            labels
                .get(usize::try_from(*x / 3).unwrap_or(usize::MAX))
                .cloned()
                .filter(|_| x % 3 == 1)
                .unwrap_or_default()
        })
        .y_label_formatter(&|y| rupiah_short(*y))
        .label_style(("sans-serif", 10))
        .draw()?;
    chart.draw_series(rows.iter().enumerate().flat_map(|(i, k)| {
        let x = i64::try_from(i).unwrap_or(0) * 3;
        [
            Rectangle::new([(x, 0), (x + 1, k.1)], BLUE.filled()),
            Rectangle::new([(x + 1, 0), (x + 2, k.2)], GREEN.filled()),
        ]
    }))?;
    root.present()
}

/// Bars: the month's sales per local day.
pub fn daily_chart<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    r: &Report,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    use chrono::Datelike;
    let last = crate::domain::ids::Period::parse(&r.period)
        .map(|p| p.last_day().day())
        .unwrap_or(31);
    let top = r.daily.iter().map(|d| d.gross_rp).max().unwrap_or(0).max(1);
    let mut chart = ChartBuilder::on(root)
        .caption("Belanja per hari", ("sans-serif", 13))
        .margin(8)
        .x_label_area_size(28)
        .y_label_area_size(70)
        .build_cartesian_2d(1..i64::from(last) + 1, 0..top + top / 10)?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_labels(10)
        .y_label_formatter(&|y| rupiah_short(*y))
        .label_style(("sans-serif", 10))
        .draw()?;
    chart.draw_series(r.daily.iter().map(|d| {
        let x = i64::from(d.day.day());
        Rectangle::new([(x, 0), (x + 1, d.gross_rp)], BLUE.filled())
    }))?;
    root.present()
}

/// A chart as an SVG document (the finance page shows it inline).
pub fn svg(
    draw: impl Fn(
        &DrawingArea<SVGBackend<'_>, Shift>,
    ) -> Result<(), DrawingAreaErrorKind<std::io::Error>>,
) -> String {
    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, (CHART_W, CHART_H)).into_drawing_area();
        if root.fill(&WHITE).is_err() || draw(&root).is_err() {
            tracing::warn!("chart could not be drawn");
        }
    }
    out
}

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
            .show(Str(&super::report_pdf::latin1(text)))
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
