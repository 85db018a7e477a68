//! The printable pairing sheet for a shop's phone: the QR of its sign-in link, the shop's name
//! and what to do, in Bahasa Indonesia first (an SVG page at A5, printable from any browser).

use super::qr;
use askama::Template;

/// The sheet's template (`src/web/templates/pasangan.svg`; askama escapes the shop's name).
#[derive(Template)]
#[template(path = "pasangan.svg")]
struct Sheet<'a> {
    merchant_name: &'a str,
    merchant_id: i64,
    qr_svg: &'a str,
}

/// Why a sheet could not be made.
#[derive(Debug, thiserror::Error)]
pub enum SheetError {
    /// The link does not fit a QR code.
    #[error(transparent)]
    Qr(#[from] qr::QrError),
    /// The template failed.
    #[error("template: {0}")]
    Template(#[from] askama::Error),
}

/// The sheet for `link` (a secret: the caller writes it where only the admin reads it).
pub fn sheet(merchant_name: &str, merchant_id: i64, link: &str) -> Result<String, SheetError> {
    let qr_svg = qr::svg(link)?;
    // The QR goes in as a nested <svg> placed on the page: keep its viewBox and drawing, set
    // its place and size (90 mm) instead of its own declaration and pixel size.
    let drawing = qr_svg.find(" viewBox=").map_or("", |at| &qr_svg[at..]);
    let qr_svg = format!(r#"<svg x="29" y="34" width="90" height="90"{drawing}"#);
    Ok(Sheet {
        merchant_name,
        merchant_id,
        qr_svg: &qr_svg,
    }
    .render()?)
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_sheet_escapes_the_name_and_holds_one_qr() {
        let svg = super::sheet("Warung <Bu> & Anak", 7, "https://x/masuk#pasang=rls_abc").unwrap();
        assert!(
            svg.contains("Warung &#60;Bu&#62; &#38; Anak")
                || svg.contains("Warung &lt;Bu&gt; &amp; Anak")
        );
        assert_eq!(svg.matches("<svg").count(), 2, "the page and the QR");
        assert!(!svg.contains("standalone"), "one XML declaration");
        assert!(svg.contains(r#"<svg x="29" y="34" width="90" height="90" viewBox="#));
    }
}
