//! The one error type of the merchant client. A server answer keeps its stable
//! [`Code`]; everything a shop can be told has an Indonesian and an English sentence.

use crate::keys::OfflineError;
use crate::rules::OfflineRefusal;
pub use relasi_codes::Code;
use relasi_token::scan::DecodeError;

/// What went wrong, sorted by what the caller can do about it.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The server answered with a problem+json error (`code` is one of the catalogue's; a code
    /// this build does not know reads as [`Code::Internal`] with the text in `detail`).
    #[error("server refused ({code}, HTTP {status})")]
    Server {
        /// The stable code.
        code: Code,
        /// The HTTP status.
        status: u16,
        /// The server's detail, if any (never personal data).
        detail: Option<String>,
    },
    /// The server could not be reached (connection error, timeout, or 502/503/504 from it or
    /// a proxy) after every retry. A sale may still have landed: retrying with the same
    /// idempotency key is the way to learn its answer.
    #[error("server unreachable: {0}")]
    Unreachable(String),
    /// The server answered something this client cannot read.
    #[error("unexpected answer from the server: {0}")]
    Protocol(String),
    /// The voucher failed the offline checks.
    #[error(transparent)]
    Voucher(#[from] OfflineError),
    /// The offline rules do not allow accepting this sale without the server.
    #[error(transparent)]
    Offline(#[from] OfflineRefusal),
    /// No voucher could be read from the input.
    #[error(transparent)]
    Decode(#[from] DecodeError),
    /// The local state (keys, queue) could not be read or written.
    #[error("local storage: {0}")]
    Local(String),
    /// A bad argument (server URL, token, amount).
    #[error("invalid input: {0}")]
    Input(String),
}

impl From<sqlx::Error> for Error {
    fn from(e: sqlx::Error) -> Error {
        Error::Local(e.to_string())
    }
}

impl Error {
    /// The stable code, where there is one.
    pub fn code(&self) -> Option<Code> {
        match self {
            Error::Server { code, .. } => Some(*code),
            Error::Voucher(e) => Some(e.code()),
            Error::Offline(r) => Some(r.code()),
            Error::Decode(_) => Some(Code::MalformedToken),
            Error::Unreachable(_) => Some(Code::Unavailable),
            Error::Protocol(_) | Error::Local(_) | Error::Input(_) => None,
        }
    }

    /// One sentence for the shopkeeper in Bahasa Indonesia (`english` for `--lang en`).
    pub fn message(&self, english: bool) -> String {
        match self {
            Error::Decode(d) if !english => d.pesan().to_owned(),
            Error::Voucher(v) if !english => v.pesan().to_owned(),
            Error::Unreachable(_) if !english => "Server tidak dapat dihubungi".to_owned(),
            Error::Unreachable(_) => "The server cannot be reached".to_owned(),
            Error::Local(e) if !english => format!("Penyimpanan lokal bermasalah: {e}"),
            Error::Input(e) if !english => format!("Masukan tidak sah: {e}"),
            Error::Protocol(e) if !english => format!("Jawaban server tidak terbaca: {e}"),
            _ => match self.code() {
                Some(c) if english => c.title_en().to_owned(),
                Some(c) => c.title().to_owned(),
                None => self.to_string(),
            },
        }
    }

    /// Whether the sale may have reached the server (so the idempotency key must be kept).
    pub fn is_unreachable(&self) -> bool {
        matches!(self, Error::Unreachable(_))
    }
}
