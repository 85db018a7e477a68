//! Getting the voucher's QR text out of what a shop has: typed or pasted text, or a photo of the
//! card or a camera frame (PNG or JPEG), decoded with `rqrr`. One copy, used by the merchant
//! client and by the server's frame decoder for phones without `BarcodeDetector` (feature `scan`).

use crate::{MAX_TEXT_INPUT, TEXT_PREFIX, token_of_link};

/// Largest image accepted, in bytes (a phone photo is a few MiB).
pub const MAX_IMAGE_BYTES: usize = 16 * 1024 * 1024;
/// Largest image side in pixels: bigger photos are scaled down before the search.
pub const MAX_IMAGE_SIDE_PX: u32 = 2000;

/// Why no voucher text came out.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// Not an image this crate reads (PNG, JPEG), or a broken one.
    #[error("not a readable PNG or JPEG image")]
    NotAnImage,
    /// Over [`MAX_IMAGE_BYTES`].
    #[error("image larger than {MAX_IMAGE_BYTES} bytes")]
    TooLarge,
    /// No QR code was found in the image.
    #[error("no QR code found in the image")]
    NoQr,
    /// QR codes were found but none holds a RELASI voucher.
    #[error("the QR code is not a RELASI voucher")]
    NotAVoucher,
}

impl DecodeError {
    /// What to tell the shopkeeper, in Bahasa Indonesia.
    pub fn pesan(&self) -> &'static str {
        match self {
            DecodeError::NotAnImage => "Berkas bukan gambar PNG atau JPEG",
            DecodeError::TooLarge => "Gambar terlalu besar",
            DecodeError::NoQr => "Tidak ada kode QR di gambar: foto ulang lebih dekat dan terang",
            DecodeError::NotAVoucher => "Kode QR ini bukan voucher RELASI",
        }
    }
}

/// Voucher text from typed or pasted input: surrounding whitespace and line breaks removed,
/// at most [`MAX_TEXT_INPUT`] characters (the token crate checks the rest). The link form a card
/// printed with a public URL carries (`https://host/V/RLS1:…`) gives its `RLS1:…` part.
pub fn from_text(input: &str) -> Result<String, DecodeError> {
    let trimmed = input.trim();
    if trimmed.len() > MAX_TEXT_INPUT {
        return Err(DecodeError::NotAVoucher);
    }
    let text = token_of_link(trimmed);
    if !is_token_text(text) {
        return Err(DecodeError::NotAVoucher);
    }
    Ok(text.to_owned())
}

fn is_token_text(text: &str) -> bool {
    text.get(..TEXT_PREFIX.len())
        .is_some_and(|p| p.eq_ignore_ascii_case(TEXT_PREFIX))
}

/// Voucher text from a PNG or JPEG photo of a card: the first QR code in it that holds `RLS1:`
/// (or the link form, see [`from_text`]).
pub fn from_image(bytes: &[u8]) -> Result<String, DecodeError> {
    if bytes.len() > MAX_IMAGE_BYTES {
        return Err(DecodeError::TooLarge);
    }
    let format = image::guess_format(bytes).map_err(|_| DecodeError::NotAnImage)?;
    if !matches!(format, image::ImageFormat::Png | image::ImageFormat::Jpeg) {
        return Err(DecodeError::NotAnImage);
    }
    let mut picture =
        image::load_from_memory_with_format(bytes, format).map_err(|_| DecodeError::NotAnImage)?;
    if picture.width().max(picture.height()) > MAX_IMAGE_SIDE_PX {
        picture = picture.resize(
            MAX_IMAGE_SIDE_PX,
            MAX_IMAGE_SIDE_PX,
            image::imageops::FilterType::Triangle,
        );
    }
    let luma = picture.to_luma8();
    let mut prepared = rqrr::PreparedImage::prepare(luma);
    let grids = prepared.detect_grids();
    if grids.is_empty() {
        return Err(DecodeError::NoQr);
    }
    grids
        .iter()
        .filter_map(|g| g.decode().ok().map(|(_, text)| text))
        .find_map(|text| from_text(&text).ok())
        .ok_or(DecodeError::NotAVoucher)
}

/// Text or an image file: if `arg` names a readable file, decode it as an image; otherwise
/// treat `arg` as the voucher text. For command lines.
pub fn from_text_or_file(arg: &str) -> Result<String, DecodeError> {
    let trimmed = arg.trim();
    if is_token_text(token_of_link(trimmed)) {
        return from_text(trimmed);
    }
    match std::fs::metadata(trimmed) {
        Ok(meta) if meta.len() > MAX_IMAGE_BYTES as u64 => Err(DecodeError::TooLarge),
        Ok(_) => {
            let bytes = std::fs::read(trimmed).map_err(|_| DecodeError::NotAnImage)?;
            from_image(&bytes)
        }
        Err(_) => from_text(trimmed),
    }
}
