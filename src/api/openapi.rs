//! The OpenAPI 3.1 document, generated from the code at start-up: the route table below (one
//! entry per method and path the router serves; `tests/it/openapi.rs` fails when a router route
//! is missing from it), the request and answer schemas, and every error `code` of
//! `relasi-codes` with its status and titles. Served as `/openapi.json`; `/api` renders it.

use super::AppState;
use super::openapi_schemas::schemas;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use relasi_codes::Code;
use serde_json::{Map, Value, json};
use std::sync::{Arc, OnceLock};

/// A request or answer body: none, JSON of a named schema, or another media type.
#[derive(Clone, Copy, Debug)]
pub enum Body {
    /// No body.
    None,
    /// `application/json` of `#/components/schemas/NAME`.
    Json(&'static str),
    /// Another media type, described in words (binary or text).
    Media(&'static str),
    /// An HTML page (or a form post answered with one).
    Html,
    /// `application/x-www-form-urlencoded` of `#/components/schemas/NAME` (the pages' forms).
    Form(&'static str),
    /// A report by file name: JSON of the named schema for `{id}`, the file for `{id}.EXT`.
    Report(&'static str, &'static [&'static str]),
}

/// One query or path parameter: name, where, required, JSON type, description.
pub type Param = (&'static str, &'static str, bool, &'static str, &'static str);

/// One operation of the API (or a page), as the document describes it.
#[derive(Clone, Copy, Debug)]
pub struct Op {
    /// `get`, `post`, …
    pub method: &'static str,
    /// The path as the router has it (`/v1/vouchers/{id}`).
    pub path: &'static str,
    /// Group in the document.
    pub tag: &'static str,
    /// Roles allowed; empty for a public route.
    pub roles: &'static [&'static str],
    /// One line, Indonesian then English.
    pub summary: &'static str,
    /// Parameters.
    pub params: &'static [Param],
    /// The request body.
    pub request: Body,
    /// The success statuses (the first is the usual one) and body.
    pub ok: (&'static [u16], Body),
    /// Error codes this route answers besides the common ones.
    pub errors: &'static [Code],
}

const ADMIN: &[&str] = &["admin"];
const ISSUERS: &[&str] = &["admin", "issuer"];
const MERCHANT: &[&str] = &["merchant"];
const PUBLIC: &[&str] = &[];
const FINANCE: &[&str] = &["finance"];
const FINANCE_READERS: &[&str] = &["finance", "auditor"];
const OFFICE: &[&str] = &["admin", "issuer", "finance", "auditor"];
const ALL_ROLES: &[&str] = &["admin", "issuer", "kader", "merchant", "finance", "auditor"];
const FILE: Param = ("file", "path", true, "string", "`{id}` or `{id}.EXT`");
const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
const PERIOD: Param = ("period", "path", true, "string", "Cycle, `2026-12`");
const VOUCHER_ID: Param = ("id", "path", true, "string", "Voucher id (32 hex digits)");
const PROGRAMME: Param = (
    "programme",
    "query",
    false,
    "integer",
    "Programme number (default: the only one)",
);
const DESA: Param = (
    "desa",
    "query",
    true,
    "string",
    "Desa code, `35.14.05.2005`",
);

const BEFORE: Param = (
    "before",
    "query",
    false,
    "integer",
    "Cursor from `next_before`",
);
const ACCOUNT_ID: Param = ("id", "path", true, "integer", "Account id");

use Code as C;

/// Every route the server answers, API and pages.
pub const ROUTES: &[Op] = &[
    Op {
        method: "get",
        path: "/healthz",
        tag: "operasi",
        roles: PUBLIC,
        summary: "Proses hidup / liveness",
        params: &[],
        request: Body::None,
        ok: (&[200], Body::Json("Status")),
        errors: &[],
    },
    Op {
        method: "get",
        path: "/readyz",
        tag: "operasi",
        roles: PUBLIC,
        summary: "Siap melayani: basis data dan kunci penanda tangan / readiness: database and signing key",
        params: &[],
        request: Body::None,
        ok: (&[200], Body::Json("Ready")),
        errors: &[C::NotReady],
    },
    Op {
        method: "get",
        path: "/metrics",
        tag: "operasi",
        roles: PUBLIC,
        summary: "Metrik Prometheus / Prometheus metrics",
        params: &[],
        request: Body::None,
        ok: (&[200], Body::Media("text/plain")),
        errors: &[],
    },
    Op {
        method: "get",
        path: "/openapi.json",
        tag: "operasi",
        roles: PUBLIC,
        summary: "Dokumen OpenAPI ini / this OpenAPI document",
        params: &[],
        request: Body::None,
        ok: (&[200], Body::Json("OpenApiDocument")),
        errors: &[],
    },
    Op {
        method: "get",
        path: "/api",
        tag: "halaman",
        roles: PUBLIC,
        summary: "Dokumentasi API (luring) / API docs page (offline)",
        params: &[],
        request: Body::None,
        ok: (&[200], Body::Html),
        errors: &[],
    },
    Op {
        method: "get",
        path: "/",
        tag: "halaman",
        roles: PUBLIC,
        summary: "Beranda / front door",
        params: &[],
        request: Body::None,
        ok: (&[200], Body::Html),
        errors: &[],
    },
    Op {
        method: "get",
        path: "/v1/keys",
        tag: "kunci",
        roles: PUBLIC,
        summary: "Kunci publik penerbit / issuer public keys",
        params: &[],
        request: Body::None,
        ok: (&[200], Body::Json("Keys")),
        errors: &[],
    },
    Op {
        method: "post",
        path: "/v1/keys/generate",
        tag: "kunci",
        roles: ADMIN,
        summary: "Buat kunci penanda tangan pertama / create the first signing key",
        params: &[],
        request: Body::None,
        ok: (&[201], Body::Json("KeyMade")),
        errors: &[C::SigningKeyActive, C::DistrictRoleRequired],
    },
    Op {
        method: "post",
        path: "/v1/keys/rotate",
        tag: "kunci",
        roles: ADMIN,
        summary: "Rotasi kunci (kunci lama tetap memverifikasi) / rotate the signing key",
        params: &[],
        request: Body::Json("KeyRotation"),
        ok: (&[201], Body::Json("KeyMade")),
        errors: &[C::DistrictRoleRequired],
    },
    Op {
        method: "post",
        path: "/v1/keys/{kid}/revoke",
        tag: "kunci",
        roles: ADMIN,
        summary: "Cabut kunci (bocor) / revoke a signing key",
        params: &[("kid", "path", true, "string", "kid, 8 hex digits")],
        request: Body::None,
        ok: (&[200], Body::Json("KeyMade")),
        errors: &[C::DistrictRoleRequired],
    },
    Op {
        method: "get",
        path: "/v1/revocations",
        tag: "kunci",
        roles: PUBLIC,
        summary: "Voucher yang dicabut / revoked vouchers",
        params: &[(
            "since",
            "query",
            false,
            "string",
            "Cursor from `next_since`",
        )],
        request: Body::None,
        ok: (&[200], Body::Json("Revocations")),
        errors: &[C::ValidationFailed],
    },
    Op {
        method: "get",
        path: "/v1/offline-settings",
        tag: "kunci",
        roles: PUBLIC,
        summary: "Batas penjualan luring / offline ceilings",
        params: &[],
        request: Body::None,
        ok: (&[200], Body::Json("OfflineSettings")),
        errors: &[],
    },
    Op {
        method: "post",
        path: "/v1/balance",
        tag: "keluarga",
        roles: PUBLIC,
        summary: "Cek saldo (publik, dibatasi) / public balance check (rate-limited)",
        params: &[],
        request: Body::Json("BalanceRequest"),
        ok: (&[200], Body::Json("Balance")),
        errors: &[
            C::MalformedToken,
            C::BadSignature,
            C::UnknownKey,
            C::KeyRevoked,
            C::VoucherUnknown,
            C::RateLimited,
        ],
    },
    Op {
        method: "post",
        path: "/v1/households/import",
        tag: "registri",
        roles: ADMIN,
        summary: "Impor registri keluarga/anggota (CSV) / import the registry",
        params: &[(
            "effective",
            "query",
            false,
            "string",
            "Day the changes took effect, ISO date",
        )],
        request: Body::Media("text/csv"),
        ok: (&[200], Body::Json("ImportReport")),
        errors: &[C::RegistryInvalid, C::ValidationFailed],
    },
    Op {
        method: "get",
        path: "/v1/programmes",
        tag: "program",
        roles: OFFICE,
        summary: "Program dan pengaturannya / programmes and settings",
        params: &[],
        request: Body::None,
        ok: (&[200], Body::Json("Programmes")),
        errors: &[],
    },
    Op {
        method: "post",
        path: "/v1/lokus",
        tag: "program",
        roles: ADMIN,
        summary: "Tandai desa lokus / mark lokus desa",
        params: &[],
        request: Body::Json("LokusRequest"),
        ok: (&[200], Body::Json("LokusAdded")),
        errors: &[
            C::UnknownDesa,
            C::ProgrammeNotFound,
            C::DistrictRoleRequired,
        ],
    },
    Op {
        method: "get",
        path: "/v1/lokus",
        tag: "program",
        roles: OFFICE,
        summary: "Desa lokus satu tahun, per kecamatan, di wilayah pemanggil / a year's lokus desa in the caller's area",
        params: &[(
            "year",
            "query",
            false,
            "integer",
            "Year, 2000-2199 (default: this year in the programme's time zone)",
        )],
        request: Body::None,
        ok: (&[200], Body::Json("LokusList")),
        errors: &[],
    },
    Op {
        method: "post",
        path: "/v1/budgets",
        tag: "anggaran",
        roles: &["admin", "finance"],
        summary: "Tambah pagu anggaran / add a budget line",
        params: &[],
        request: Body::Json("BudgetRequest"),
        ok: (&[201], Body::Json("BudgetLine")),
        errors: &[
            C::UnknownWilayah,
            C::ProgrammeNotFound,
            C::ProgrammeRequired,
            C::AlreadyExists,
        ],
    },
    Op {
        method: "get",
        path: "/v1/budgets",
        tag: "anggaran",
        roles: &["admin", "finance", "auditor"],
        summary: "Pagu anggaran / budget lines",
        params: &[("year", "query", false, "integer", "Year"), PROGRAMME],
        request: Body::None,
        ok: (&[200], Body::Json("BudgetLines")),
        errors: &[C::ProgrammeNotFound, C::ProgrammeRequired],
    },
    Op {
        method: "post",
        path: "/v1/merchants",
        tag: "toko",
        roles: ADMIN,
        summary: "Daftarkan toko / register a shop",
        params: &[],
        request: Body::Json("MerchantRequest"),
        ok: (&[201], Body::Json("Merchant")),
        errors: &[C::UnknownWilayah],
    },
    Op {
        method: "get",
        path: "/v1/merchants/{id}",
        tag: "toko",
        roles: &["admin", "finance", "auditor", "merchant"],
        summary: "Satu toko / one shop",
        params: &[("id", "path", true, "integer", "Shop id")],
        request: Body::None,
        ok: (&[200], Body::Json("Merchant")),
        errors: &[],
    },
    Op {
        method: "post",
        path: "/v1/merchants/{id}/pairing",
        tag: "toko",
        roles: ADMIN,
        summary: "Pasangkan ponsel toko (QR masuk) / pair a shop's phone",
        params: &[("id", "path", true, "integer", "Shop id")],
        request: Body::Json("PairingRequest"),
        ok: (&[201], Body::Json("Pairing")),
        errors: &[C::MerchantInactive],
    },
    Op {
        method: "post",
        path: "/v1/merchants/{id}/suspend",
        tag: "toko",
        roles: ADMIN,
        summary: "Tangguhkan toko (penjualannya ditolak: merchant_inactive) / suspend a shop (its sales are refused)",
        params: &[("id", "path", true, "integer", "Shop id")],
        request: Body::None,
        ok: (&[200], Body::Json("Merchant")),
        errors: &[],
    },
    Op {
        method: "post",
        path: "/v1/merchants/{id}/reactivate",
        tag: "toko",
        roles: ADMIN,
        summary: "Aktifkan lagi toko / reactivate a shop",
        params: &[("id", "path", true, "integer", "Shop id")],
        request: Body::None,
        ok: (&[200], Body::Json("Merchant")),
        errors: &[],
    },
    Op {
        method: "get",
        path: "/v1/wilayah",
        tag: "program",
        roles: OFFICE,
        summary: "Wilayah di bawah satu wilayah (provinsi tanpa induk) / the areas under an area",
        params: &[(
            "induk",
            "query",
            false,
            "string",
            "Parent code, `35.14`; none: the provinces",
        )],
        request: Body::None,
        ok: (&[200], Body::Json("WilayahList")),
        errors: &[],
    },
    Op {
        method: "post",
        path: "/v1/cycles",
        tag: "siklus",
        roles: ISSUERS,
        summary: "Buka siklus bulanan / open a cycle",
        params: &[],
        request: Body::Json("CycleRequest"),
        ok: (&[201, 200], Body::Json("Cycle")),
        errors: &[C::ProgrammeNotFound, C::ProgrammeRequired],
    },
    Op {
        method: "post",
        path: "/v1/cycles/{period}/issue",
        tag: "siklus",
        roles: ISSUERS,
        summary: "Terbitkan voucher (idempoten) / issue vouchers (idempotent)",
        params: &[PERIOD],
        request: Body::Json("IssueRequest"),
        ok: (&[200], Body::Json("IssueReport")),
        errors: &[
            C::CycleNotFound,
            C::IssuanceInProgress,
            C::BudgetExhausted,
            C::NoSigningKey,
            C::ProgrammeNotFound,
            C::ProgrammeRequired,
        ],
    },
    Op {
        method: "get",
        path: "/v1/cycles/{period}/cards.pdf",
        tag: "siklus",
        roles: &["admin", "issuer", "kader"],
        summary: "Lembar kartu satu desa (PDF) / card sheet of a desa",
        params: &[PERIOD, DESA, PROGRAMME],
        request: Body::None,
        ok: (&[200], Body::Media("application/pdf")),
        errors: &[
            C::CycleNotFound,
            C::UnknownDesa,
            C::ProgrammeNotFound,
            C::ProgrammeRequired,
        ],
    },
    Op {
        method: "get",
        path: "/v1/cycles/{period}/handover.csv",
        tag: "siklus",
        roles: &["admin", "issuer", "kader"],
        summary: "Daftar serah terima kader (CSV) / kader hand-over list",
        params: &[PERIOD, DESA, PROGRAMME],
        request: Body::None,
        ok: (&[200], Body::Media("text/csv")),
        errors: &[
            C::CycleNotFound,
            C::UnknownDesa,
            C::ProgrammeNotFound,
            C::ProgrammeRequired,
        ],
    },
    Op {
        method: "get",
        path: "/v1/vouchers",
        tag: "voucher",
        roles: ISSUERS,
        summary: "Daftar voucher / vouchers",
        params: &[
            ("period", "query", true, "string", "Cycle, `2026-12`"),
            ("desa", "query", false, "string", "Desa code"),
            ("page", "query", false, "integer", "Page, from 1"),
            PROGRAMME,
        ],
        request: Body::None,
        ok: (&[200], Body::Json("VoucherPage")),
        errors: &[C::ProgrammeNotFound, C::ProgrammeRequired],
    },
    Op {
        method: "get",
        path: "/v1/vouchers/{id}",
        tag: "voucher",
        roles: ISSUERS,
        summary: "Satu voucher / one voucher",
        params: &[VOUCHER_ID],
        request: Body::None,
        ok: (&[200], Body::Json("Voucher")),
        errors: &[C::VoucherUnknown],
    },
    Op {
        method: "get",
        path: "/v1/vouchers/{id}/qr.svg",
        tag: "voucher",
        roles: ISSUERS,
        summary: "QR voucher (SVG)",
        params: &[VOUCHER_ID],
        request: Body::None,
        ok: (&[200], Body::Media("image/svg+xml")),
        errors: &[C::VoucherUnknown],
    },
    Op {
        method: "get",
        path: "/v1/vouchers/{id}/qr.png",
        tag: "voucher",
        roles: ISSUERS,
        summary: "QR voucher (PNG)",
        params: &[VOUCHER_ID],
        request: Body::None,
        ok: (&[200], Body::Media("image/png")),
        errors: &[C::VoucherUnknown],
    },
    Op {
        method: "post",
        path: "/v1/vouchers/{id}/revoke",
        tag: "voucher",
        roles: ADMIN,
        summary: "Cabut voucher / revoke",
        params: &[VOUCHER_ID],
        request: Body::None,
        ok: (&[200], Body::Json("Voucher")),
        errors: &[C::VoucherUnknown, C::VoucherRevoked],
    },
    Op {
        method: "post",
        path: "/v1/vouchers/{id}/replace",
        tag: "voucher",
        roles: ADMIN,
        summary: "Ganti kartu hilang / replace a lost card",
        params: &[VOUCHER_ID],
        request: Body::None,
        ok: (&[201], Body::Json("Voucher")),
        errors: &[
            C::VoucherUnknown,
            C::NothingToReplace,
            C::AlreadyReplaced,
            C::NoSigningKey,
        ],
    },
    Op {
        method: "post",
        path: "/v1/redemptions",
        tag: "penjualan",
        roles: MERCHANT,
        summary: "Penjualan (Idempotency-Key) / a sale",
        params: &[
            (
                "Idempotency-Key",
                "header",
                true,
                "string",
                "1–128 printable ASCII; a retry with the same key replays the first answer",
            ),
            (
                "Relasi-Offline-Sale",
                "header",
                false,
                "string",
                "`1` when a client syncs a sale it queued offline (counted in the metrics only)",
            ),
        ],
        request: Body::Json("RedeemRequest"),
        ok: (&[201], Body::Json("Receipt")),
        errors: &[
            C::IdempotencyKeyRequired,
            C::IdempotencyKeyInvalid,
            C::IdempotencyKeyReused,
            C::MalformedToken,
            C::BadSignature,
            C::UnknownKey,
            C::KeyRevoked,
            C::VoucherUnknown,
            C::VoucherRevoked,
            C::VoucherExpired,
            C::VoucherNotYetValid,
            C::InsufficientBalance,
            C::InvalidAmount,
            C::CategoryNotAllowed,
            C::MerchantOutOfArea,
            C::MerchantInactive,
            C::OfflineNotAllowed,
            C::OfflineListsStale,
            C::OfflineVoucherLimit,
            C::OfflineShopLimit,
        ],
    },
    Op {
        method: "get",
        path: "/v1/redemptions",
        tag: "penjualan",
        roles: MERCHANT,
        summary: "Penjualan toko sehari / a shop's sales of a day",
        params: &[
            (
                "date",
                "query",
                false,
                "string",
                "Local day, ISO date (default today)",
            ),
            (
                "after",
                "query",
                false,
                "integer",
                "Cursor from `next_after`",
            ),
        ],
        request: Body::None,
        ok: (&[200], Body::Json("Sales")),
        errors: &[],
    },
    Op {
        method: "post",
        path: "/v1/redemptions/{id}/reversal",
        tag: "penjualan",
        roles: MERCHANT,
        summary: "Batalkan penjualan / reverse a sale",
        params: &[
            ("id", "path", true, "integer", "Sale id"),
            (
                "Idempotency-Key",
                "header",
                false,
                "string",
                "A retry with the same key replays the first answer",
            ),
        ],
        request: Body::None,
        ok: (&[201], Body::Json("Receipt")),
        errors: &[
            C::IdempotencyKeyInvalid,
            C::IdempotencyKeyReused,
            C::AlreadyReversed,
            C::ReversalWindowClosed,
            C::VoucherRevoked,
        ],
    },
    Op {
        method: "post",
        path: "/v1/scan",
        tag: "penjualan",
        roles: MERCHANT,
        summary: "Baca QR dari gambar kamera / decode a camera frame",
        params: &[],
        request: Body::Media("image/png"),
        ok: (&[200], Body::Json("Scan")),
        errors: &[C::MalformedToken],
    },
    Op {
        method: "get",
        path: "/v1/audit/verify",
        tag: "audit",
        roles: &["admin", "auditor"],
        summary: "Verifikasi rantai audit / verify the tamper-evident chain",
        params: &[],
        request: Body::None,
        ok: (&[200], Body::Json("AuditReport")),
        errors: &[C::ReceiptsUnavailable],
    },
    Op {
        method: "get",
        path: "/masuk",
        tag: "halaman",
        roles: PUBLIC,
        summary: "Formulir masuk / sign-in form",
        params: &[("next", "query", false, "string", "Local path to return to")],
        request: Body::None,
        ok: (&[200], Body::Html),
        errors: &[],
    },
    Op {
        method: "post",
        path: "/masuk",
        tag: "halaman",
        roles: PUBLIC,
        summary: "Masuk dengan token API / sign in with an API token",
        params: &[],
        request: Body::Form("LoginForm"),
        ok: (&[303], Body::None),
        errors: &[C::ValidationFailed, C::Unauthorized, C::RateLimited],
    },
    Op {
        method: "post",
        path: "/keluar",
        tag: "halaman",
        roles: PUBLIC,
        summary: "Keluar / sign out",
        params: &[],
        request: Body::Form("LogoutForm"),
        ok: (&[303], Body::None),
        errors: &[C::CsrfFailed],
    },
    Op {
        method: "get",
        path: "/assets/{file}",
        tag: "halaman",
        roles: PUBLIC,
        summary: "Berkas statis (nama ber-hash) / hashed static files",
        params: &[("file", "path", true, "string", "NAME.HASH.EXT")],
        request: Body::None,
        ok: (&[200], Body::Media("application/octet-stream")),
        errors: &[],
    },
    Op {
        method: "get",
        path: "/kader",
        tag: "halaman",
        roles: &["kader"],
        summary: "Halaman kader: kartu dan serah terima / the kader's page: cards and hand-overs",
        params: &[],
        request: Body::None,
        ok: (&[200], Body::Html),
        errors: &[],
    },
    Op {
        method: "post",
        path: "/kader",
        tag: "halaman",
        roles: &["kader"],
        summary: "Mencatat serah terima kartu (formulir) / record card hand-overs (form)",
        params: &[],
        request: Body::Form("KaderForm"),
        ok: (&[200], Body::Html),
        errors: &[],
    },
    Op {
        method: "get",
        path: "/admin",
        tag: "halaman",
        roles: OFFICE,
        summary: "Dasbor program / programme dashboard",
        params: &[],
        request: Body::None,
        ok: (&[200], Body::Html),
        errors: &[],
    },
    Op {
        method: "get",
        path: "/keuangan",
        tag: "halaman",
        roles: FINANCE_READERS,
        summary: "Halaman keuangan: status bulan, grafik, rekap, pengecualian, pembayaran toko / the finance page: the month, charts, roll-up, exceptions, settlements",
        params: &[
            ("periode", "query", false, "string", "Cycle, `2026-12`"),
            ("versi", "query", false, "integer", "Reconciliation run id"),
        ],
        request: Body::None,
        ok: (&[200], Body::Html),
        errors: &[],
    },
    Op {
        method: "post",
        path: "/keuangan",
        tag: "halaman",
        roles: FINANCE,
        summary: "Jalankan rekonsiliasi, buat/setujui/lunasi pembayaran (formulir) / run a reconciliation, create, approve or mark paid a settlement (form)",
        params: &[],
        request: Body::Form("KeuanganForm"),
        ok: (&[303, 200], Body::Html),
        errors: &[
            C::ValidationFailed,
            C::CycleNotFound,
            C::NothingToSettle,
            C::SettlementState,
        ],
    },
    Op {
        method: "get",
        path: "/keuangan/desa/{kode}",
        tag: "halaman",
        roles: FINANCE_READERS,
        summary: "Transaksi satu desa dalam satu bulan / a desa's sales of a month",
        params: &[
            ("kode", "path", true, "string", "Desa code, `35.14.05.2005`"),
            ("periode", "query", false, "string", "Cycle, `2026-12`"),
            (
                "setelah",
                "query",
                false,
                "integer",
                "Last sale id of the page before",
            ),
        ],
        request: Body::None,
        ok: (&[200], Body::Html),
        errors: &[],
    },
    Op {
        method: "get",
        path: "/admin/registri",
        tag: "halaman",
        roles: ADMIN,
        summary: "Impor registri dengan laporan baris / registry import with its row report",
        params: &[],
        request: Body::None,
        ok: (&[200], Body::Html),
        errors: &[],
    },
    Op {
        method: "get",
        path: "/admin/siklus",
        tag: "halaman",
        roles: ISSUERS,
        summary: "Siklus: buka, terbitkan, unduh kartu / cycles: open, issue, download cards",
        params: &[],
        request: Body::None,
        ok: (&[200], Body::Html),
        errors: &[],
    },
    Op {
        method: "get",
        path: "/admin/kartu",
        tag: "halaman",
        roles: ISSUERS,
        summary: "Kartu hilang: cari, ganti, cabut / lost cards: find, replace, revoke",
        params: &[],
        request: Body::None,
        ok: (&[200], Body::Html),
        errors: &[],
    },
    Op {
        method: "get",
        path: "/admin/toko",
        tag: "halaman",
        roles: &["admin", "finance", "auditor"],
        summary: "Toko mitra: daftar, daftarkan, tangguhkan, QR pasangan / partner shops",
        params: &[],
        request: Body::None,
        ok: (&[200], Body::Html),
        errors: &[],
    },
    Op {
        method: "get",
        path: "/admin/lokus",
        tag: "halaman",
        roles: OFFICE,
        summary: "Desa lokus per tahun: daftar per kecamatan, tambah dari pohon wilayah / lokus desa by year",
        params: &[
            (
                "tahun",
                "query",
                false,
                "integer",
                "Year (default: this year)",
            ),
            (
                "ditambah",
                "query",
                false,
                "integer",
                "How many were just added (the notice after a form)",
            ),
        ],
        request: Body::None,
        ok: (&[200], Body::Html),
        errors: &[],
    },
    Op {
        method: "post",
        path: "/admin/lokus",
        tag: "halaman",
        roles: ADMIN,
        summary: "Tandai desa lokus (formulir), lalu kembali ke tahunnya / mark lokus desa (form)",
        params: &[],
        request: Body::Form("LokusForm"),
        ok: (&[303, 200], Body::Html),
        errors: &[C::ValidationFailed, C::UnknownDesa, C::DistrictRoleRequired],
    },
    Op {
        method: "get",
        path: "/admin/anggaran",
        tag: "halaman",
        roles: &["admin", "finance", "auditor"],
        summary: "Pagu anggaran: pagu, terpakai, sisa, tambah pagu / budget lines",
        params: &[(
            "ditambah",
            "query",
            false,
            "integer",
            "The line just added (the notice after a form)",
        )],
        request: Body::None,
        ok: (&[200], Body::Html),
        errors: &[],
    },
    Op {
        method: "post",
        path: "/admin/anggaran",
        tag: "halaman",
        roles: &["admin", "finance"],
        summary: "Tambah pagu anggaran (formulir) / add a budget line (form)",
        params: &[],
        request: Body::Form("AnggaranForm"),
        ok: (&[303, 200], Body::Html),
        errors: &[
            C::ValidationFailed,
            C::UnknownWilayah,
            C::ProgrammeNotFound,
            C::DistrictRoleRequired,
        ],
    },
    Op {
        method: "get",
        path: "/admin/kunci",
        tag: "halaman",
        roles: &["admin", "auditor"],
        summary: "Kunci penanda tangan: masa berlaku, buat, rotasi, cabut / signing keys",
        params: &[],
        request: Body::None,
        ok: (&[200], Body::Html),
        errors: &[],
    },
    Op {
        method: "get",
        path: "/admin/akun",
        tag: "halaman",
        roles: ADMIN,
        summary: "Akun dan token: daftar, buka kunci, atur ulang kata sandi, buat, cabut / accounts and tokens",
        params: &[
            ("selesai", "query", false, "string", "What was just done"),
            ("akun", "query", false, "integer", "Accounts below this id"),
            ("token", "query", false, "integer", "Tokens below this id"),
        ],
        request: Body::None,
        ok: (&[200], Body::Html),
        errors: &[],
    },
    Op {
        method: "post",
        path: "/admin/akun",
        tag: "halaman",
        roles: ADMIN,
        summary: "Buat akun atau token (rahasia token ditampilkan sekali), buka kunci, atur ulang kata sandi, nonaktifkan, cabut (formulir) / the accounts page's forms",
        params: &[],
        request: Body::Form("AkunForm"),
        ok: (&[303, 200], Body::Html),
        errors: &[
            C::ValidationFailed,
            C::WeakPassword,
            C::AlreadyExists,
            C::UnknownWilayah,
            C::NotFound,
            C::OutsideArea,
        ],
    },
    Op {
        method: "get",
        path: "/toko",
        tag: "halaman",
        roles: MERCHANT,
        summary: "Halaman toko (pindai, jual) / the shop's phone page",
        params: &[],
        request: Body::None,
        ok: (&[200], Body::Html),
        errors: &[],
    },
    Op {
        method: "post",
        path: "/v1/login",
        tag: "akun",
        roles: PUBLIC,
        summary: "Masuk dengan nama dan kata sandi: token sesi / sign in with name and password: a session token",
        params: &[],
        request: Body::Json("LoginRequest"),
        ok: (&[201], Body::Json("Login")),
        errors: &[C::Unauthorized, C::RateLimited],
    },
    Op {
        method: "post",
        path: "/v1/accounts",
        tag: "akun",
        roles: ADMIN,
        summary: "Buat akun orang dengan peran dan wilayah / create a person's account with a role and areas",
        params: &[],
        request: Body::Json("AccountRequest"),
        ok: (&[201], Body::Json("Object")),
        errors: &[
            C::AlreadyExists,
            C::UnknownWilayah,
            C::WeakPassword,
            C::ValidationFailed,
            C::OutsideArea,
            C::NotFound,
        ],
    },
    Op {
        method: "get",
        path: "/v1/accounts",
        tag: "akun",
        roles: ADMIN,
        summary: "Akun di wilayah Anda (tanpa hash kata sandi) / the accounts of your area (never a password hash)",
        params: &[BEFORE],
        request: Body::None,
        ok: (&[200], Body::Json("AccountList")),
        errors: &[C::InvalidJson],
    },
    Op {
        method: "post",
        path: "/v1/accounts/{id}/unlock",
        tag: "akun",
        roles: ADMIN,
        summary: "Buka kunci akun yang terkunci karena gagal masuk / unlock an account locked by failed sign-ins",
        params: &[ACCOUNT_ID],
        request: Body::None,
        ok: (&[204], Body::None),
        errors: &[C::NotFound, C::OutsideArea],
    },
    Op {
        method: "post",
        path: "/v1/accounts/{id}/password",
        tag: "akun",
        roles: ADMIN,
        summary: "Atur ulang kata sandi akun (semua sesinya berakhir) / reset an account's password (every session ends)",
        params: &[ACCOUNT_ID],
        request: Body::Json("PasswordReset"),
        ok: (&[204], Body::None),
        errors: &[C::NotFound, C::OutsideArea, C::WeakPassword],
    },
    Op {
        method: "post",
        path: "/v1/accounts/{id}/disable",
        tag: "akun",
        roles: ADMIN,
        summary: "Nonaktifkan akun (tidak bisa masuk, semua sesi berakhir) / disable an account (no sign-in, every session ends)",
        params: &[ACCOUNT_ID],
        request: Body::None,
        ok: (&[204], Body::None),
        errors: &[C::NotFound, C::OutsideArea],
    },
    Op {
        method: "get",
        path: "/v1/tokens",
        tag: "akun",
        roles: ADMIN,
        summary: "Token API di wilayah Anda (tanpa rahasianya) / the API tokens of your area (never a secret)",
        params: &[
            BEFORE,
            (
                "sessions",
                "query",
                false,
                "boolean",
                "Include sign-in sessions",
            ),
        ],
        request: Body::None,
        ok: (&[200], Body::Json("TokenList")),
        errors: &[C::InvalidJson],
    },
    Op {
        method: "post",
        path: "/v1/tokens",
        tag: "akun",
        roles: ADMIN,
        summary: "Buat token API; rahasianya ditampilkan sekali / create an API token; its secret is shown once",
        params: &[],
        request: Body::Json("TokenRequest"),
        ok: (&[201], Body::Json("TokenMade")),
        errors: &[
            C::UnknownWilayah,
            C::ValidationFailed,
            C::OutsideArea,
            C::NotFound,
        ],
    },
    Op {
        method: "post",
        path: "/v1/tokens/{id}/revoke",
        tag: "akun",
        roles: ADMIN,
        summary: "Cabut token: ditolak sejak permintaan berikutnya, di semua server / revoke a token at once, on every instance",
        params: &[("id", "path", true, "integer", "Token id")],
        request: Body::None,
        ok: (&[204], Body::None),
        errors: &[C::NotFound, C::OutsideArea],
    },
    Op {
        method: "post",
        path: "/v1/account/password",
        tag: "akun",
        roles: ALL_ROLES,
        summary: "Ganti kata sandi sendiri / change one's own password",
        params: &[],
        request: Body::Json("PasswordChange"),
        ok: (&[204], Body::None),
        errors: &[],
    },
    Op {
        method: "post",
        path: "/v1/reconciliations",
        tag: "keuangan",
        roles: FINANCE,
        summary: "Jalankan rekonsiliasi bulanan (versi baru, SHA-256 bertanda tangan) / run the monthly reconciliation",
        params: &[],
        request: Body::Json("PeriodRequest"),
        ok: (&[201], Body::Json("Reconciliation")),
        errors: &[
            C::CycleNotFound,
            C::ProgrammeNotFound,
            C::ProgrammeRequired,
            C::NoSigningKey,
        ],
    },
    Op {
        method: "get",
        path: "/v1/reconciliations",
        tag: "keuangan",
        roles: FINANCE_READERS,
        summary: "Versi rekonsiliasi / reconciliation runs",
        params: &[
            ("period", "query", false, "string", "Cycle, `2026-12`"),
            PROGRAMME,
        ],
        request: Body::None,
        ok: (&[200], Body::Json("ReconciliationList")),
        errors: &[C::ProgrammeNotFound, C::ProgrammeRequired],
    },
    Op {
        method: "get",
        path: "/v1/reconciliations/{file}",
        tag: "keuangan",
        roles: FINANCE_READERS,
        summary: "Satu rekonsiliasi: `{id}`, `{id}.json` (byte bertanda tangan), `{id}.csv`, `{id}.xlsx` / one run and its exports",
        params: &[FILE],
        request: Body::None,
        ok: (
            &[200],
            Body::Report("ReconciliationFile", &["text/csv", XLSX, "application/pdf"]),
        ),
        errors: &[],
    },
    Op {
        method: "post",
        path: "/v1/settlements",
        tag: "keuangan",
        roles: FINANCE,
        summary: "Buat pernyataan bayar per toko / per-shop statements of a month",
        params: &[],
        request: Body::Json("PeriodRequest"),
        ok: (&[201], Body::Json("Settlement")),
        errors: &[
            C::ProgrammeNotFound,
            C::ProgrammeRequired,
            C::NothingToSettle,
        ],
    },
    Op {
        method: "get",
        path: "/v1/settlements",
        tag: "keuangan",
        roles: FINANCE_READERS,
        summary: "Pernyataan bayar / settlements",
        params: &[],
        request: Body::None,
        ok: (&[200], Body::Json("SettlementList")),
        errors: &[],
    },
    Op {
        method: "get",
        path: "/v1/settlements/{file}",
        tag: "keuangan",
        roles: &["finance", "auditor", "merchant"],
        summary: "Satu pernyataan: `{id}`, `{id}.csv` (berkas bayar), `{id}.pdf` / one settlement, payout file, PDF",
        params: &[FILE],
        request: Body::None,
        ok: (
            &[200],
            Body::Report("SettlementFile", &["text/csv", "application/pdf"]),
        ),
        errors: &[],
    },
    Op {
        method: "post",
        path: "/v1/settlements/{file}/approve",
        tag: "keuangan",
        roles: FINANCE,
        summary: "Setujui pernyataan / approve",
        params: &[FILE],
        request: Body::None,
        ok: (&[200], Body::Json("Settlement")),
        errors: &[],
    },
    Op {
        method: "post",
        path: "/v1/settlements/{file}/paid",
        tag: "keuangan",
        roles: FINANCE,
        summary: "Catat pembayaran / mark paid",
        params: &[FILE],
        request: Body::Json("PaidRequest"),
        ok: (&[200], Body::Json("Settlement")),
        errors: &[],
    },
    Op {
        method: "post",
        path: "/v1/settlements/{file}/flags",
        tag: "keuangan",
        roles: MERCHANT,
        summary: "Toko menandai baris yang keliru / a shop flags a line",
        params: &[FILE],
        request: Body::Json("FlagRequest"),
        ok: (&[201], Body::Json("FlagMade")),
        errors: &[],
    },
    Op {
        method: "get",
        path: "/v1/merchants/{id}/bank",
        tag: "keuangan",
        roles: &["finance", "admin", "merchant"],
        summary: "Rekening bank toko (selain keuangan: 4 digit terakhir) / a shop's bank details",
        params: &[("id", "path", true, "integer", "Shop id")],
        request: Body::None,
        ok: (&[200], Body::Json("BankDetails")),
        errors: &[],
    },
    Op {
        method: "put",
        path: "/v1/merchants/{id}/bank",
        tag: "keuangan",
        roles: &["finance", "admin"],
        summary: "Ubah rekening bank toko / set a shop's bank details",
        params: &[("id", "path", true, "integer", "Shop id")],
        request: Body::Json("BankDetails"),
        ok: (&[204], Body::None),
        errors: &[],
    },
    Op {
        method: "get",
        path: "/saldo",
        tag: "halaman",
        roles: PUBLIC,
        summary: "Cek saldo voucher keluarga / a family's balance check",
        params: &[],
        request: Body::None,
        ok: (&[200], Body::Html),
        errors: &[],
    },
    Op {
        method: "get",
        path: "/v/{token}",
        tag: "halaman",
        roles: PUBLIC,
        summary: "Saldo dari QR kartu (tautan kamera) / balance from a card's QR link",
        params: &[("token", "path", true, "string", "RLS1:… text of the card")],
        request: Body::None,
        ok: (&[200], Body::Html),
        errors: &[],
    },
    Op {
        method: "get",
        path: "/V/{token}",
        tag: "halaman",
        roles: PUBLIC,
        summary: "Saldo dari QR kartu (huruf besar) / the same link in upper case",
        params: &[("token", "path", true, "string", "RLS1:… text of the card")],
        request: Body::None,
        ok: (&[200], Body::Html),
        errors: &[],
    },
    Op {
        method: "get",
        path: "/toko-sw.js",
        tag: "halaman",
        roles: PUBLIC,
        summary: "Service worker halaman toko",
        params: &[],
        request: Body::None,
        ok: (&[200], Body::Media("text/javascript")),
        errors: &[],
    },
];

/// The document, built once per process.
pub fn document() -> Arc<Value> {
    static DOC: OnceLock<Arc<Value>> = OnceLock::new();
    DOC.get_or_init(|| Arc::new(build())).clone()
}

fn build() -> Value {
    let mut paths = Map::new();
    for op in ROUTES {
        let item = paths.entry(op.path.to_owned()).or_insert_with(|| json!({}));
        if let Some(item) = item.as_object_mut() {
            item.insert(op.method.to_owned(), operation(op));
        }
    }
    let mut components = schemas();
    components.extend(super::openapi_finance::schemas());
    components.insert("Problem".to_owned(), problem_schema());
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "RELASI API",
            "version": env!("CARGO_PKG_VERSION"),
            "summary": "Voucher Belanja Nutrisi: API v1 / nutrition voucher API v1",
            "description": "Jumlah uang adalah string rupiah utuh (\"25000\"). Kesalahan: application/problem+json dengan `code` tetap (daftar di `x-error-codes`). Amounts are JSON strings of whole rupiah; errors are RFC 9457 problem+json with a stable `code` (listed in `x-error-codes`).",
            "license": { "name": "Apache-2.0", "identifier": "Apache-2.0" }
        },
        "servers": [{ "url": "/" }],
        "security": [],
        "paths": paths,
        "components": {
            "schemas": components,
            "securitySchemes": {
                "bearer": { "type": "http", "scheme": "bearer", "description": "API token from `relasi token create --role R` (shown once; stored as SHA-256)." },
                "session": { "type": "apiKey", "in": "cookie", "name": "relasi_sesi", "description": "Page session from POST /masuk; unsafe methods also need X-CSRF-Token." }
            }
        },
        "x-error-codes": Code::ALL.iter().map(|c| json!({
            "code": c.as_str(), "status": c.status(), "title": c.title(), "title_en": c.title_en()
        })).collect::<Vec<_>>(),
    })
}

/// The codes every route of its kind can answer: authentication for protected routes, body
/// checks for JSON bodies, and the server's own limits.
fn common_codes(op: &Op) -> Vec<Code> {
    let mut codes = vec![C::Timeout, C::Unavailable];
    if !op.roles.is_empty() {
        codes.extend([C::Unauthorized, C::Forbidden, C::CsrfFailed]);
    }
    if !matches!(op.request, Body::None) {
        codes.extend([C::PayloadTooLarge, C::UnsupportedMediaType]);
    }
    if matches!(op.request, Body::Json(_)) {
        codes.extend([C::InvalidJson, C::ValidationFailed]);
    }
    if !op.params.is_empty() {
        codes.extend([C::InvalidJson, C::ValidationFailed]);
    }
    if op.path.contains('{') {
        codes.push(C::NotFound);
    }
    codes
}

fn operation(op: &Op) -> Value {
    let mut responses = Map::new();
    for status in op.ok.0 {
        // A redirect (a page form's 303) has no body, whatever the page answers otherwise.
        let body = if (300..400).contains(status) {
            Body::None
        } else {
            op.ok.1
        };
        responses.insert(status.to_string(), response("OK", body));
    }
    let mut codes = common_codes(op);
    codes.extend_from_slice(op.errors);
    codes.sort_by_key(|c| (c.status(), c.as_str()));
    codes.dedup();
    for status in codes
        .iter()
        .map(|c| c.status())
        .collect::<std::collections::BTreeSet<_>>()
    {
        let here: Vec<&Code> = codes.iter().filter(|c| c.status() == status).collect();
        let names: Vec<&str> = here.iter().map(|c| c.as_str()).collect();
        let examples: Map<String, Value> = here
            .iter()
            .map(|c| {
                (
                    c.as_str().to_owned(),
                    json!({ "value": problem_example(**c) }),
                )
            })
            .collect();
        let mut content = json!({ "application/problem+json": {
            "schema": { "$ref": "#/components/schemas/Problem" },
            "examples": examples
        } });
        // A page's refusal is a page (the same code, in words, for a person).
        if matches!(op.request, Body::Form(_)) || matches!(op.ok.1, Body::Html) {
            content["text/html"] = json!({ "schema": { "type": "string" } });
        }
        responses.insert(
            status.to_string(),
            json!({ "description": format!("`code`: {}", names.join(", ")), "content": content }),
        );
    }
    let mut out = json!({
        "tags": [op.tag],
        "summary": op.summary,
        "operationId": format!("{}_{}", op.method, op.path.trim_matches('/').replace(['/', '{', '}', '.', '-'], "_")),
        "parameters": op.params.iter().map(|(name, place, required, ty, about)| json!({
            "name": name, "in": place, "required": required, "description": about,
            "schema": param_schema(name, place, ty)
        })).collect::<Vec<_>>(),
        "responses": responses,
        "x-roles": op.roles,
    });
    if !op.roles.is_empty() {
        out["security"] = json!([{ "bearer": [] }, { "session": [] }]);
        out["description"] = json!(format!("Peran / roles: {}", op.roles.join(", ")));
    }
    if let Some(content) = content(op.request) {
        out["requestBody"] = json!({ "required": true, "content": content });
    }
    out
}

/// A parameter's schema; the well-known ones carry their shape, so generated examples reach the
/// handlers' logic instead of stopping at validation.
fn param_schema(name: &str, place: &str, ty: &str) -> Value {
    match (name, place) {
        ("period", _) => {
            json!({ "type": "string", "pattern": "^[0-9]{4}-(0[1-9]|1[0-2])$", "examples": ["2026-12"] })
        }
        ("desa", _) => {
            json!({ "type": "string", "pattern": "^[0-9]{2}\\.[0-9]{2}\\.[0-9]{2}\\.[0-9]{4}$", "examples": ["35.14.05.2005"] })
        }
        ("id", "path") if ty == "string" => {
            json!({ "type": "string", "pattern": "^[0-9a-f]{32}$" })
        }
        ("Idempotency-Key", _) => json!({ "type": "string", "pattern": "^[!-~]{1,128}$" }),
        ("Relasi-Offline-Sale", _) => json!({ "type": "string", "enum": ["1"] }),
        _ => json!({ "type": ty }),
    }
}

fn response(description: &str, body: Body) -> Value {
    match content(body) {
        Some(content) => json!({ "description": description, "content": content }),
        None => json!({ "description": description }),
    }
}

fn content(body: Body) -> Option<Value> {
    match body {
        Body::None => None,
        Body::Json(name) => Some(json!({ "application/json": {
            "schema": { "$ref": format!("#/components/schemas/{name}") }
        } })),
        Body::Media(mime) => {
            Some(json!({ mime: { "schema": { "type": "string", "contentMediaType": mime } } }))
        }
        Body::Html => Some(json!({ "text/html": { "schema": { "type": "string" } } })),
        Body::Report(name, files) => {
            let mut media = Map::new();
            media.insert(
                "application/json".to_owned(),
                json!({
                    "schema": { "$ref": format!("#/components/schemas/{name}") }
                }),
            );
            for mime in files {
                media.insert(
                    (*mime).to_owned(),
                    json!({ "schema": { "type": "string", "contentMediaType": mime } }),
                );
            }
            Some(Value::Object(media))
        }
        Body::Form(name) => Some(json!({ "application/x-www-form-urlencoded": {
            "schema": { "$ref": format!("#/components/schemas/{name}") }
        } })),
    }
}

fn problem_example(code: Code) -> Value {
    json!({
        "type": format!("urn:relasi:problem:{}", code.as_str()),
        "title": code.title(), "title_en": code.title_en(), "status": code.status(), "code": code.as_str()
    })
}

fn problem_schema() -> Value {
    let codes: Vec<&str> = Code::ALL.iter().map(|c| c.as_str()).collect();
    json!({
        "type": "object",
        "description": "RFC 9457 problem details; `code` is stable, `title` Indonesian, `title_en` English.",
        "required": ["type", "title", "status", "code"],
        "properties": {
            "type": { "type": "string" },
            "title": { "type": "string" },
            "title_en": { "type": "string" },
            "status": { "type": "integer" },
            "code": { "type": "string", "enum": codes },
            "detail": { "type": "string" },
            "request_id": { "type": "string" },
            "errors": {}
        }
    })
}

pub(super) fn router() -> Router<AppState> {
    Router::new().route("/openapi.json", get(openapi_json))
}

async fn openapi_json(State(_): State<AppState>) -> Response {
    Json(document().as_ref().clone()).into_response()
}
