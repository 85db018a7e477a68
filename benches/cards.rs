//! Card sheets at scale (not a test): 1,000 and 10,000 cards with real signed tokens written
//! page by page through `render::cards::SheetWriter`, as the server streams them, timed, with
//! bytes per card and the process's peak memory. The reference is the same number of QR symbols
//! encoded alone (`qrcode`, error correction Q), measured in the same run. `RELASI_BENCH_CARDS`
//! sets the large size (default 10,000). BENCHMARKS.md, "Card sheets".
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)] // a bench

#[path = "common/rss.rs"]
mod rss;

use relasi::render::cards::{CARDS_PER_PAGE, Card, SheetWriter};
use relasi_token::{DeploymentId, Flags, Kid, SigningKey, VoucherClaims};
use rss::peak_rss_mib;
use std::time::Instant;

/// `n` cards as a desa's sheet holds them: signed tokens, names, numbers.
fn cards(n: usize) -> Vec<Card> {
    let key = SigningKey::from_bytes(&[7; 32]);
    let deployment = DeploymentId::parse("bench").unwrap();
    let kid = Kid::of(&key.verifying_key());
    (0..n)
        .map(|i| {
            let claims = VoucherClaims {
                flags: Flags::with_offline(true),
                kid,
                voucher_id: rand::random(),
                programme: 1,
                valid_from_unix: 1_796_083_200,
                valid_until_unix: 1_798_761_599,
                face_value_rp: 250_000,
            };
            Card {
                token: claims.sign(&deployment, &key).to_text(),
                value: "Rp 250.000".to_owned(),
                validity: "01-12-2026 s.d. 31-12-2026".to_owned(),
                desa: "SIBON".to_owned(),
                nama_kepala: format!("Kepala Keluarga {i}"),
                card_number: format!("ABCD-{:04}", i % 10_000),
                programme: "KASIH BERSANDING MESRA".to_owned(),
            }
        })
        .collect()
}

/// Writes a sheet page by page, dropping each page's bytes as a response body would send them.
/// Returns (seconds, bytes).
fn sheet(cards: &[Card]) -> (f64, usize) {
    let started = Instant::now();
    let mut writer = SheetWriter::new("Kartu voucher");
    let mut bytes = 0;
    for page in cards.chunks(CARDS_PER_PAGE) {
        writer.page(page).unwrap();
        bytes += writer.take().len();
    }
    bytes += writer.finish().len();
    (started.elapsed().as_secs_f64(), bytes)
}

/// The yardstick: the same tokens encoded as QR symbols and nothing else.
fn qr_only(cards: &[Card]) -> f64 {
    let started = Instant::now();
    let mut modules = 0;
    for card in cards {
        let code =
            qrcode::QrCode::with_error_correction_level(&card.token, qrcode::EcLevel::Q).unwrap();
        modules += code.width();
    }
    std::hint::black_box(modules);
    started.elapsed().as_secs_f64()
}

fn main() {
    let large: usize = std::env::var("RELASI_BENCH_CARDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000);
    println!("## card sheets (A4, {CARDS_PER_PAGE} cards a page, streamed page by page)");
    println!("command: RELASI_BENCH_CARDS={large} cargo bench --bench cards\n");
    println!(
        "| cards | seconds | ms per card | bytes | bytes per card | QR encoding alone | peak RSS |"
    );
    println!("|---|---|---|---|---|---|---|");
    for n in [1_000, large] {
        let cards = cards(n);
        let reference = qr_only(&cards);
        let (secs, bytes) = sheet(&cards);
        println!(
            "| {n} | {secs:.2} s | {:.2} | {bytes} | {:.0} | {reference:.2} s | {:.0} MiB |",
            secs * 1000.0 / n as f64,
            bytes as f64 / n as f64,
            peak_rss_mib()
        );
    }
}
