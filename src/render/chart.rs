//! Bar charts drawn on the server as SVG (plotters' SVG backend, no fonts or bitmaps): the same
//! code for a page and a PDF. A chart never stands alone: the page shows the numbers behind it
//! in a table.

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
