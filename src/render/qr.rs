//! Voucher QR codes: error correction Q (SPEC), alphanumeric mode for the `RLS1:` text.

use qrcode::{EcLevel, QrCode};

/// Modules of quiet zone on each side (the QR standard's minimum).
pub const QUIET_ZONE: usize = 4;
/// Pixels per module in PNG output.
const PNG_SCALE: usize = 8;

/// Why a QR could not be made.
#[derive(Debug, thiserror::Error)]
pub enum QrError {
    /// The text does not fit a QR code.
    #[error("text does not fit a QR code")]
    TooLong,
    /// PNG encoding failed.
    #[error("png encoding failed")]
    Png,
}

/// What a card's QR holds: the token text, or — when the deployment has a public address — the
/// link form a phone's camera app opens (`HTTPS://HOST/V/RLS1:…`, upper case, alphanumeric mode).
pub fn card_text(token_text: &str, link_base: Option<&str>) -> String {
    match (link_base, relasi_token::SignedToken::parse_text(token_text)) {
        (Some(base), Ok(token)) => token.to_link(base),
        _ => token_text.to_owned(),
    }
}

/// The QR code of a token text.
pub fn encode(text: &str) -> Result<QrCode, QrError> {
    QrCode::with_error_correction_level(text.as_bytes(), EcLevel::Q).map_err(|_| QrError::TooLong)
}

/// Dark modules as a square grid (without quiet zone): `grid[y][x]`.
pub fn modules(code: &QrCode) -> Vec<Vec<bool>> {
    let width = code.width();
    let colors = code.to_colors();
    colors
        .chunks(width)
        .map(|row| row.iter().map(|c| *c == qrcode::Color::Dark).collect())
        .collect()
}

/// SVG image of the QR.
pub fn svg(text: &str) -> Result<String, QrError> {
    let code = encode(text)?;
    Ok(code
        .render::<qrcode::render::svg::Color>()
        .min_dimensions(300, 300)
        .quiet_zone(true)
        .build())
}

/// PNG image of the QR (greyscale, 8 px per module, quiet zone included).
pub fn png(text: &str) -> Result<Vec<u8>, QrError> {
    let grid = modules(&encode(text)?);
    let side_modules = grid.len() + 2 * QUIET_ZONE;
    let side_px = side_modules * PNG_SCALE;
    let mut pixels = vec![255u8; side_px * side_px];
    for (y, row) in grid.iter().enumerate() {
        for (x, dark) in row.iter().enumerate() {
            if *dark {
                for dy in 0..PNG_SCALE {
                    let start = ((y + QUIET_ZONE) * PNG_SCALE + dy) * side_px
                        + (x + QUIET_ZONE) * PNG_SCALE;
                    pixels[start..start + PNG_SCALE].fill(0);
                }
            }
        }
    }
    let mut out = Vec::new();
    let side = u32::try_from(side_px).map_err(|_| QrError::TooLong)?;
    let mut encoder = png::Encoder::new(&mut out, side, side);
    encoder.set_color(png::ColorType::Grayscale);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header().map_err(|_| QrError::Png)?;
    writer.write_image_data(&pixels).map_err(|_| QrError::Png)?;
    writer.finish().map_err(|_| QrError::Png)?;
    Ok(out)
}
