//! Rendering for people: QR images, printable card sheets and shop pairing sheets.

pub mod cards;
pub mod chart;
pub mod pairing;
pub mod qr;
pub mod report_csv;
pub mod report_pdf;
pub mod report_xlsx;
