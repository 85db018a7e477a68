//! Every chart RELASI draws, with `plotters`, the same code for a page and a PDF: the admin
//! dashboard's grouped bars, and the reconciliation's spend against the vouchers' value per
//! kecamatan and its sales per day — as SVG for the pages (no fonts, bitmaps or inline styles,
//! which the pages' CSP refuses) and into a PDF page's content stream ([`pdf::PdfBackend`]) for
//! the berita acara. A chart never stands alone: the page and the PDF show the numbers behind
//! it in a table.
#![allow(clippy::disallowed_types)] // drawing geometry is in points (f32/f64); no money is computed here.

pub mod pdf;

pub use pdf::PdfBackend;

use crate::domain::reconcile::Report;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// One series of bars: its name (for the legend), colour and one value per group.
#[derive(Clone, Debug)]
pub struct Series<'a> {
    /// Legend text.
    pub name: &'a str,
    /// Bar colour (RGB).
    pub rgb: (u8, u8, u8),
    /// One value per group (whole rupiah or counts; never negative).
    pub values: Vec<i64>,
}

/// Width of the drawing in user units (it scales to the page).
const WIDTH: u32 = 340;
/// Height of one group's row of bars.
const ROW: u32 = 44;
const LEGEND: u32 = 26;

/// Horizontal grouped bars: one row per group (`labels`), one bar per series, scaled to the
/// largest value. Returns the SVG text, or `None` when drawing failed.
pub fn grouped_bars(labels: &[String], series: &[Series<'_>]) -> Option<String> {
    let rows = u32::try_from(labels.len()).ok()?;
    let height = LEGEND + rows.max(1) * ROW;
    let max = series
        .iter()
        .flat_map(|s| s.values.iter().copied())
        .max()
        .unwrap_or(0)
        .max(1);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, height)).into_drawing_area();
        root.fill(&WHITE).ok()?;
        draw_legend(&root, series)?;
        let bar_h = i32::try_from((ROW - 18) / u32::try_from(series.len().max(1)).ok()?).ok()?;
        let span = f64::from(WIDTH - 8);
        for (i, label) in labels.iter().enumerate() {
            let top = i32::try_from(LEGEND + u32::try_from(i).ok()? * ROW).ok()?;
            let font = ("sans-serif", 12).into_font().color(&BLACK);
            root.draw(&Text::new(label.clone(), (4, top + 1), font))
                .ok()?;
            for (j, s) in series.iter().enumerate() {
                let value = s.values.get(i).copied().unwrap_or(0).max(0);
                // Pixel widths: the ratio of two rupiah sums, only for drawing.
                #[allow(clippy::cast_precision_loss, clippy::cast_possible_truncation)]
                let w = ((value as f64 / max as f64) * span) as i32;
                let y = top + 15 + i32::try_from(j).ok()? * bar_h;
                let color = RGBColor(s.rgb.0, s.rgb.1, s.rgb.2);
                root.draw(&Rectangle::new(
                    [(4, y), (4 + w.max(1), y + bar_h - 2)],
                    color.filled(),
                ))
                .ok()?;
            }
        }
        root.present().ok()?;
    }
    Some(svg)
}

fn draw_legend(
    root: &DrawingArea<SVGBackend<'_>, plotters::coord::Shift>,
    series: &[Series<'_>],
) -> Option<()> {
    let mut x = 4;
    for s in series {
        let color = RGBColor(s.rgb.0, s.rgb.1, s.rgb.2);
        root.draw(&Rectangle::new([(x, 6), (x + 12, 18)], color.filled()))
            .ok()?;
        let font = ("sans-serif", 12)
            .into_font()
            .color(&BLACK)
            .pos(Pos::new(HPos::Left, VPos::Top));
        root.draw(&Text::new(s.name.to_owned(), (x + 16, 6), font))
            .ok()?;
        x += 20 + i32::try_from(s.name.len()).ok()? * 7;
    }
    Some(())
}

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

/// Size of a page's report chart: narrow, so its labels stay readable on a 360 px phone (the
/// SVG scales to the page's width).
pub const PAGE_CHART: (u32, u32) = (360, 260);

/// A report chart as an SVG document (the finance page shows it inline).
pub fn svg(
    draw: impl Fn(
        &DrawingArea<SVGBackend<'_>, Shift>,
    ) -> Result<(), DrawingAreaErrorKind<std::io::Error>>,
) -> String {
    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, PAGE_CHART).into_drawing_area();
        if root.fill(&WHITE).is_err() || draw(&root).is_err() {
            tracing::warn!("chart could not be drawn");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draws_one_bar_per_value_scaled_to_the_largest() {
        let svg = grouped_bars(
            &["Pasrepan".to_owned(), "Puspo".to_owned()],
            &[
                Series {
                    name: "Nov",
                    rgb: (11, 107, 58),
                    values: vec![200, 100],
                },
                Series {
                    name: "Okt",
                    rgb: (138, 75, 0),
                    values: vec![0, 50],
                },
            ],
        )
        .unwrap_or_default();
        assert!(svg.starts_with("<svg") && svg.contains("Pasrepan") && svg.contains("Okt"));
        assert_eq!(svg.matches("<rect").count(), 1 + 2 + 4, "{svg}");
        assert!(
            !svg.contains("style="),
            "inline styles are refused by the pages' CSP"
        );
    }
}
