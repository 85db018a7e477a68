//! Rendering for people: QR images, printable card sheets and shop pairing sheets, report
//! exports; and how text is written in their PDFs.

pub mod cards;
pub mod chart;
pub mod pairing;
pub mod qr;
pub mod report_csv;
pub mod report_pdf;
pub mod report_xlsx;

/// Text for a PDF's standard (base-14) fonts, which speak WinAnsi: anything outside Latin-1
/// becomes `?` (names in the registry are Latin script).
pub fn latin1(text: &str) -> Vec<u8> {
    text.chars()
        .map(|c| {
            u8::try_from(u32::from(c))
                .ok()
                .filter(|b| *b >= 0x20)
                .unwrap_or(b'?')
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latin1_keeps_indonesian_names_and_replaces_the_rest() {
        assert_eq!(latin1("Siti Nur'aini"), b"Siti Nur'aini".to_vec());
        assert_eq!(latin1("Dewi\u{2603}"), b"Dewi?".to_vec());
    }
}
