//! RELASI merchant client: what a shop's till, or a POS integrator, needs at the checkout.
//!
//! - [`Client`]: the server, with a merchant token — keys, revocations, offline settings,
//!   sales under an idempotency key with safe retries ([`RetryPolicy`]), reversals, the day's
//!   sales, the balance.
//! - [`decode`]: the voucher's QR text from typed text or a PNG/JPEG photo.
//! - [`Keyring`]: the strict offline verdict (signature, key status and `verify_until`,
//!   validity window).
//! - [`Terminal`]: the local state file — synced lists with their fetch times, every sale with
//!   its key, the offline queue under the ceilings the server publishes ([`OfflineSettings`]),
//!   and sync.
//!
//! Every failure is an [`Error`]; server answers keep their stable [`Code`].
//!
//! ```no_run
//! # async fn demo() -> Result<(), relasi_merchant::Error> {
//! use relasi_merchant::{Client, Sale, SaleOutcome, Terminal};
//! let client = Client::new("https://relasi.example", "merchant-token")?;
//! let terminal = Terminal::open(std::path::Path::new("toko.db"), client).await?;
//! let now = relasi_merchant::now_unix();
//! terminal.sync_lists(now).await?;
//! let qr_text = relasi_merchant::decode::from_image(&std::fs::read("kartu.jpg").unwrap_or_default())?;
//! let sale = Sale { qr_text, amount_rp: 25_000, items: vec![("susu".into(), 25_000)] };
//! match terminal.sell(&sale, now).await? {
//!     SaleOutcome::Accepted(receipt) => println!("saldo Rp {}", receipt.balance_after),
//!     SaleOutcome::Queued(queued) => println!("tertunda #{}", queued.seq),
//! }
//! # Ok(()) }
//! ```
// Functions short enough to see whole (the limit is in clippy.toml); tests and benches, whose
// stories read top to bottom, are not held to it.
#![warn(clippy::too_many_lines)]

pub mod client;
/// The voucher's QR text from typed text or a PNG/JPEG photo (the token crate's `scan`).
pub use relasi_token::scan as decode;
pub mod error;
pub mod keys;
pub mod queue;
pub mod rules;
pub mod terminal;

pub use client::{Client, ItemLine, ReceiptDoc, RetryPolicy, SaleBody};
pub use error::{Code, Error};
pub use keys::{Keyring, KeysError, OfflineError, PublishedKey, VerifiedVoucher};
pub use queue::{ReceiptExtras, Sale, SyncRun};
pub use relasi_token::receipt::Receipt;
pub use rules::{OfflineRefusal, OfflineSettings, ProgrammeRules};
pub use terminal::{ListsStatus, SaleOutcome, SaleRecord, SyncReport, Terminal};

/// Now, Unix seconds (0 if the clock is before 1970).
pub fn now_unix() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}
