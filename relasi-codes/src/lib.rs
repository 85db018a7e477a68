//! The one vocabulary of RELASI error codes: every stable `code` a problem+json answer can carry,
//! each with its HTTP status and its titles (Bahasa Indonesia first, English second).
//!
//! The server, the token crate and the merchant client all name failures with [`Code`]; the
//! table below is the only place a code is written, so a code without a status or a title does
//! not compile.
// Functions short enough to see whole (the limit is in clippy.toml); tests and benches, whose
// stories read top to bottom, are not held to it.
#![warn(clippy::too_many_lines)]

use serde::{Deserialize, Deserializer, Serialize, Serializer};

macro_rules! codes {
    ($( $(#[$doc:meta])* $variant:ident = $text:literal, $status:literal, $id:literal, $en:literal; )+) => {
        /// A stable error code of the RELASI API (`code` in every problem+json body).
        #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Debug)]
        #[non_exhaustive]
        pub enum Code {
            $( $(#[$doc])* $variant, )+
        }

        impl Code {
            /// Every code, in catalogue order.
            pub const ALL: &'static [Code] = &[ $( Code::$variant, )+ ];

            /// The code as it appears on the wire, e.g. `insufficient_balance`.
            pub const fn as_str(self) -> &'static str {
                match self { $( Code::$variant => $text, )+ }
            }

            /// The HTTP status this code is answered with.
            pub const fn status(self) -> u16 {
                match self { $( Code::$variant => $status, )+ }
            }

            /// The title in Bahasa Indonesia (what shops, kader and officers read first).
            pub const fn title(self) -> &'static str {
                match self { $( Code::$variant => $id, )+ }
            }

            /// The title in English.
            pub const fn title_en(self) -> &'static str {
                match self { $( Code::$variant => $en, )+ }
            }

            /// The code of a wire name, if it is one.
            pub fn parse(text: &str) -> Option<Code> {
                match text { $( $text => Some(Code::$variant), )+ _ => None }
            }
        }
    };
}

codes! {
    /// The body could not be read (bad JSON, wrong types, a bad query string).
    InvalidJson = "invalid_json", 400, "Permintaan tidak dapat dibaca", "Request body could not be read";
    /// No bearer token, or one that is unknown, revoked or expired.
    Unauthorized = "unauthorized", 401, "Token akses tidak ada atau tidak sah", "Missing or invalid access token";
    /// A page's change without the session's CSRF token, or from another origin.
    CsrfFailed = "csrf_failed", 403, "Sesi halaman tidak sah: muat ulang halaman", "Page session check failed: reload the page";
    /// The caller's role (or shop) may not do this.
    Forbidden = "forbidden", 403, "Peran Anda tidak diizinkan", "Your role is not allowed to do this";
    /// The caller's area (desa, kecamatan) does not cover what was asked for.
    OutsideArea = "outside_area", 403, "Di luar wilayah tugas Anda", "Outside your area";
    /// A whole-programme action asked by a caller bound to part of the district.
    DistrictRoleRequired = "district_role_required", 403, "Hanya petugas tingkat kabupaten yang boleh", "Only a district-level officer may do this";
    /// Wrong account name or password (which of the two is never said).
    LoginFailed = "login_failed", 401, "Nama akun atau kata sandi salah", "Wrong account name or password";
    /// Too many failed sign-ins: the account waits before it accepts a password again.
    AccountLocked = "account_locked", 429, "Akun dikunci sementara karena terlalu banyak percobaan masuk", "Account locked for a while after too many failed sign-ins";
    /// A new password that is too short or too long.
    WeakPassword = "weak_password", 422, "Kata sandi harus 10-128 karakter", "The password must be 10 to 128 characters";
    /// No such resource.
    NotFound = "not_found", 404, "Tidak ditemukan", "Not found";
    /// No such programme.
    ProgrammeNotFound = "programme_not_found", 404, "Program tidak ditemukan", "Programme not found";
    /// The route exists, the method does not.
    MethodNotAllowed = "method_not_allowed", 405, "Metode tidak diizinkan", "Method not allowed";
    /// A row with this key exists already.
    AlreadyExists = "already_exists", 409, "Data sudah ada", "Already exists";
    /// Another programme carries this number.
    ProgrammeNumberTaken = "programme_number_taken", 409, "Nomor program sudah dipakai program lain", "Another programme has this number";
    /// The household holds a voucher of this cycle already.
    VoucherAlreadyIssued = "voucher_already_issued", 409, "Keluarga ini sudah menerima voucher siklus ini", "This household already has a voucher of this cycle";
    /// A signing key is active already.
    SigningKeyActive = "signing_key_active", 409, "Sudah ada kunci penanda tangan yang aktif", "A signing key is already active: rotate it instead";
    /// The body is over the limit.
    PayloadTooLarge = "payload_too_large", 413, "Data terlalu besar", "Request body too large";
    /// The body is not of a type this route reads.
    UnsupportedMediaType = "unsupported_media_type", 415, "Jenis konten tidak didukung", "Unsupported content type";
    /// A field was understood but is not valid.
    ValidationFailed = "validation_failed", 422, "Data tidak valid", "Invalid data";
    /// A registry file has bad rows; nothing was written.
    RegistryInvalid = "registry_invalid", 422, "Berkas registri ditolak; tidak ada yang disimpan", "Registry file refused; nothing was written";
    /// The cycle of this period is not open.
    CycleNotFound = "cycle_not_found", 404, "Siklus belum dibuka", "Cycle not open";
    /// Another issuance of this programme is running.
    IssuanceInProgress = "issuance_in_progress", 409, "Penerbitan sedang berjalan", "Issuance of this cycle is already running";
    /// A budget line cannot hold what issuance wanted to charge it.
    BudgetExhausted = "budget_exhausted", 409, "Pagu anggaran tidak cukup", "The budget line cannot hold this charge";
    /// No active signing key.
    NoSigningKey = "no_signing_key", 409, "Belum ada kunci penanda tangan", "No active signing key: run relasi keys generate";
    /// A sale or reversal without an Idempotency-Key header.
    IdempotencyKeyRequired = "idempotency_key_required", 400, "Header Idempotency-Key wajib diisi", "The Idempotency-Key header is required";
    /// An Idempotency-Key that is empty, too long or not printable ASCII.
    IdempotencyKeyInvalid = "idempotency_key_invalid", 400, "Idempotency-Key harus 1-128 karakter ASCII", "Idempotency-Key must be 1 to 128 printable ASCII characters";
    /// The key was used before for another request.
    IdempotencyKeyReused = "idempotency_key_reused", 422, "Idempotency-Key sudah dipakai untuk transaksi lain", "This Idempotency-Key was used for a different request";
    /// Not a voucher token.
    MalformedToken = "malformed_token", 422, "QR bukan voucher yang sah", "Not a valid voucher QR";
    /// The token's signature does not verify.
    BadSignature = "bad_signature", 422, "Tanda tangan voucher tidak sah", "Voucher signature is invalid";
    /// No published key has the token's kid.
    UnknownKey = "unknown_key", 422, "Kunci penerbit tidak dikenal", "Unknown issuer key";
    /// The token's key was revoked or is past its verification window.
    KeyRevoked = "key_revoked", 422, "Kunci penerbit sudah dicabut", "Issuer key revoked";
    /// An amount that is not whole rupiah in range, or a basket that does not add up.
    InvalidAmount = "invalid_amount", 422, "Jumlah belanja tidak sah", "Invalid amount";
    /// A basket line whose category the programme or the shop does not allow.
    CategoryNotAllowed = "category_not_allowed", 422, "Kategori barang tidak diizinkan untuk program atau toko ini", "Item category not allowed for this programme or shop";
    /// The household lives outside the shop's service area.
    MerchantOutOfArea = "merchant_out_of_area", 422, "Keluarga ini di luar wilayah layanan toko", "The household is outside this shop's service area";
    /// The shop is suspended.
    MerchantInactive = "merchant_inactive", 403, "Toko sedang tidak aktif", "This shop is suspended";
    /// No such voucher.
    VoucherUnknown = "voucher_unknown", 404, "Voucher tidak dikenal", "Unknown voucher";
    /// The voucher was revoked.
    VoucherRevoked = "voucher_revoked", 409, "Voucher sudah dicabut", "Voucher revoked";
    /// The voucher's window has closed.
    VoucherExpired = "voucher_expired", 409, "Voucher sudah kedaluwarsa", "Voucher expired";
    /// The voucher's window has not opened.
    VoucherNotYetValid = "voucher_not_yet_valid", 409, "Voucher belum berlaku", "Voucher not yet valid";
    /// The balance is smaller than the amount.
    InsufficientBalance = "insufficient_balance", 409, "Saldo voucher tidak cukup", "Insufficient voucher balance";
    /// Client side (merchant client, phone page): the voucher or its programme does not allow
    /// offline acceptance, so the sale needs the server.
    OfflineNotAllowed = "offline_not_allowed", 409, "Voucher ini tidak boleh diterima tanpa jaringan", "This voucher may not be accepted offline";
    /// Client side: the synced key, revocation or settings lists are older than the programme
    /// allows for offline sales.
    OfflineListsStale = "offline_lists_stale", 409, "Daftar kunci dan pencabutan sudah usang: sinkronkan dulu", "Key and revocation lists are out of date: sync first";
    /// Client side: this voucher's offline ceiling for the day (or its face value) is reached.
    OfflineVoucherLimit = "offline_voucher_limit", 409, "Batas belanja offline voucher ini hari ini terlampaui", "This voucher's offline limit for today is reached";
    /// Client side: the shop holds as many unsynced sales (count or rupiah) as it may.
    OfflineShopLimit = "offline_shop_limit", 409, "Batas transaksi offline toko terlampaui: sinkronkan dulu", "The shop's offline limit is reached: sync first";
    /// The sale was reversed before.
    AlreadyReversed = "already_reversed", 409, "Transaksi ini sudah dibatalkan", "This sale was already reversed";
    /// The reversal window has closed.
    ReversalWindowClosed = "reversal_window_closed", 409, "Batas waktu pembatalan sudah lewat", "The reversal window has closed";
    /// A lost card with no balance left.
    NothingToReplace = "nothing_to_replace", 409, "Saldo voucher sudah habis", "No balance left to move";
    /// The card was replaced before.
    AlreadyReplaced = "already_replaced", 409, "Kartu ini sudah diganti", "This card was already replaced";
    /// Every sale and reversal up to the period's end is in a settlement already.
    NothingToSettle = "nothing_to_settle", 409, "Tidak ada transaksi yang belum diselesaikan", "Nothing left to settle";
    /// The settlement is not in the state this step needs (approve a draft, pay an approved one).
    SettlementState = "settlement_state", 409, "Status penyelesaian tidak mengizinkan langkah ini", "The settlement's state does not allow this step";
    /// This server holds no private key to sign receipts with.
    ReceiptsUnavailable = "receipts_unavailable", 503, "Server tidak dapat menandatangani struk", "This server cannot sign receipts (signing key missing)";
    /// A wilayah code that is not in the reference table.
    UnknownWilayah = "unknown_wilayah", 422, "Kode wilayah tidak dikenal", "Unknown wilayah code";
    /// A desa code that is not in the reference table.
    UnknownDesa = "unknown_desa", 422, "Kode desa tidak dikenal", "Unknown desa code";
    /// A reference to something that does not exist.
    UnknownReference = "unknown_reference", 422, "Rujukan tidak dikenal", "Refers to something unknown";
    /// A change the schema's checks refuse.
    ConstraintViolated = "constraint_violated", 422, "Data melanggar aturan", "The change breaks a rule of the data";
    /// Several programmes exist and the request named none.
    ProgrammeRequired = "programme_required", 422, "Sebutkan nomor program", "Several programmes exist: name one with `programme`";
    /// Too many requests from this client.
    RateLimited = "rate_limited", 429, "Terlalu banyak permintaan", "Too many requests";
    /// The request took too long.
    Timeout = "timeout", 503, "Waktu habis, silakan coba lagi", "Timed out, please retry";
    /// The database is unreachable or busy; retrying is safe.
    Unavailable = "unavailable", 503, "Layanan sedang tidak tersedia", "Service unavailable";
    /// Readiness: the database or the signing key is missing.
    NotReady = "not_ready", 503, "Layanan belum siap", "Service not ready";
    /// Our fault: logged on the server, never explained to the client.
    Internal = "internal", 500, "Terjadi kesalahan di server", "Internal server error";
}

impl Code {
    /// Whether the status is a 4xx (the client can act on it).
    pub const fn is_client_error(self) -> bool {
        let s = self.status();
        s >= 400 && s < 500
    }
}

impl std::fmt::Display for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Code {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Code {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Code, D::Error> {
        let text = String::deserialize(d)?;
        Code::parse(&text)
            .ok_or_else(|| serde::de::Error::custom(format!("unknown error code {text:?}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn every_code_is_distinct_round_trips_and_has_titles() {
        let mut seen = HashSet::new();
        for &code in Code::ALL {
            assert!(seen.insert(code.as_str()), "{code} twice");
            assert_eq!(Code::parse(code.as_str()), Some(code));
            assert!((400..600).contains(&code.status()), "{code}");
            assert!(!code.title().is_empty() && !code.title_en().is_empty());
            assert_ne!(code.title(), code.title_en(), "{code}: Indonesian first");
            let json = serde_json::to_string(&code).unwrap();
            assert_eq!(serde_json::from_str::<Code>(&json).unwrap(), code);
        }
        assert_eq!(Code::parse("no_such_code"), None);
    }
}
