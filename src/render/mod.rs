//! Rendering for people: QR images and printable card sheets.

pub mod cards;
pub mod qr;
