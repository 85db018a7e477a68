//! The JSON Schemas of the OpenAPI document: every request body and every JSON answer, as the
//! handlers read and write them (schemathesis checks live answers against these in `.ci/run`).

use serde_json::{Map, Value, json};

fn rupiah() -> Value {
    json!({ "type": "string", "pattern": "^[0-9]+$", "description": "Whole rupiah", "examples": ["25000"] })
}

fn code() -> Value {
    json!({ "type": "string", "description": "Kepmendagri code", "examples": ["35.14.05.2005"] })
}

fn object(required: &[&str], properties: Value) -> Value {
    json!({ "type": "object", "required": required, "properties": properties })
}

fn list_of(name: &str) -> Value {
    json!({ "type": "array", "items": { "$ref": format!("#/components/schemas/{name}") } })
}

fn nullable(ty: &str) -> Value {
    json!({ "type": [ty, "null"] })
}

/// A role as stored and sent.
fn role() -> Value {
    json!({ "type": "string", "enum": ["admin", "issuer", "kader", "merchant", "finance", "auditor"] })
}

fn string() -> Value {
    json!({ "type": "string" })
}

/// What a token is, as listed and as made.
fn token_fields() -> Value {
    json!({
        "id": { "type": "integer" }, "role": role(), "merchant_id": nullable("integer"),
        "areas": { "type": "array", "items": code() }, "label": string(),
        "created_at": nullable("string"), "expires_at": nullable("string"), "revoked_at": nullable("string"),
        "account_id": nullable("integer")
    })
}

/// Every named schema.
pub(super) fn schemas() -> Map<String, Value> {
    let mut m = Map::new();
    let mut add = |name: &str, schema: Value| {
        m.insert(name.to_owned(), schema);
    };
    service(&mut add);
    registry(&mut add);
    lokus(&mut add);
    budgets(&mut add);
    merchants(&mut add);
    issuance(&mut add);
    vouchers(&mut add);
    sales(&mut add);
    offline(&mut add);
    finance(&mut add);
    sign_in(&mut add);
    accounts(&mut add);
    tokens(&mut add);
    m
}

/// The service itself: health, the document, the signing keys, and the open-ended answers.
fn service(add: &mut impl FnMut(&str, Value)) {
    add(
        "Status",
        object(&["status"], json!({ "status": { "type": "string" } })),
    );
    add(
        "Ready",
        object(
            &["status", "database"],
            json!({
                "status": { "type": "string" }, "database": { "type": "string" },
                "signing_key": { "type": "string" }
            }),
        ),
    );
    add(
        "OpenApiDocument",
        object(
            &["openapi", "paths"],
            json!({ "openapi": { "type": "string" }, "paths": { "type": "object" } }),
        ),
    );
    add(
        "Any",
        json!({ "description": "Any JSON value / nilai JSON apa saja" }),
    );
    add(
        "Object",
        json!({ "type": "object", "description": "A JSON object; its fields are described in the operation's summary" }),
    );
    add(
        "Keys",
        object(
            &["deployment_id", "keys"],
            json!({
                "deployment_id": { "type": "string" },
                "keys": { "type": "array", "items": object(&["kid", "public_key", "status"], json!({
                    "kid": { "type": "string" }, "public_key": { "type": "string" }, "status": { "type": "string" },
                    "signing_from": nullable("string"), "signing_until": nullable("string"), "verify_until": nullable("string")
                })) }
            }),
        ),
    );
    add(
        "KeyMade",
        object(
            &["kid"],
            json!({ "kid": { "type": "string", "pattern": "^[0-9a-f]{8}$" } }),
        ),
    );
    add(
        "KeyRotation",
        object(
            &[],
            json!({ "verify_days": { "type": "integer", "minimum": 1, "maximum": 400, "default": 62 } }),
        ),
    );
}

/// The registry import, programmes and the wilayah tree.
fn registry(add: &mut impl FnMut(&str, Value)) {
    add(
        "ImportReport",
        object(
            &[
                "kind",
                "rows",
                "inserted",
                "updated",
                "unchanged",
                "moved_desa",
                "moved_away",
                "deceased",
                "merged",
                "other_changes",
            ],
            json!({
                "kind": { "type": "string", "enum": ["households", "members"] }, "rows": { "type": "integer" },
                "inserted": { "type": "integer", "description": "New households (members.csv: rows written)" },
                "updated": { "type": "integer", "description": "Households that changed: moved_desa + moved_away + deceased + merged + other_changes" },
                "unchanged": { "type": "integer", "description": "Households already as given" },
                "moved_desa": { "type": "integer", "description": "Households now in another desa (kode_desa changed)" },
                "moved_away": { "type": "integer", "description": "Households whose status became pindah" },
                "deceased": { "type": "integer", "description": "Households whose status became meninggal" },
                "merged": { "type": "integer", "description": "Households whose status became gabung" },
                "other_changes": { "type": "integer", "description": "Households changed otherwise (desil, krs, the head, back to aktif)" }
            }),
        ),
    );
    add(
        "Programme",
        object(
            &["id", "number", "name", "year", "settings"],
            json!({
                "id": { "type": "integer" }, "number": { "type": "integer" }, "name": { "type": "string" },
                "year": { "type": "integer" }, "settings": { "type": "object" }
            }),
        ),
    );
    add("Programmes", list_of("Programme"));
    add(
        "Wilayah",
        object(
            &["code", "name", "level"],
            json!({
                "code": code(), "name": { "type": "string", "examples": ["Pasrepan"] },
                "level": { "type": "string", "enum": ["provinsi", "kabupaten", "kecamatan", "desa"] }
            }),
        ),
    );
    add("WilayahList", list_of("Wilayah"));
}

/// Lokus desa: marking them (API and page form) and the list.
fn lokus(add: &mut impl FnMut(&str, Value)) {
    add(
        "LokusRequest",
        object(
            &["year", "desa"],
            json!({
                "year": { "type": "integer", "examples": [2026] }, "desa": { "type": "array", "items": code(), "maxItems": 5000 },
                "programme": { "type": "integer" }
            }),
        ),
    );
    add(
        "LokusAdded",
        object(
            &["year", "added", "total"],
            json!({
                "year": { "type": "integer" }, "added": { "type": "integer" }, "total": { "type": "integer" }
            }),
        ),
    );
    add(
        "LokusDesa",
        object(
            &["code", "name", "kecamatan", "kecamatan_name"],
            json!({
                "code": code(), "name": { "type": "string", "examples": ["Sibon"] },
                "kecamatan": code(), "kecamatan_name": { "type": "string", "examples": ["Pasrepan"] }
            }),
        ),
    );
    add(
        "LokusList",
        object(
            &["year", "desa", "more"],
            json!({
                "year": { "type": "integer" }, "desa": list_of("LokusDesa"),
                "more": { "type": "boolean", "description": "The year has more lokus desa than one list holds (20,000)" }
            }),
        ),
    );
    add(
        "LokusForm",
        object(
            &["csrf", "desa"],
            json!({
                "csrf": { "type": "string" }, "tahun": { "type": "integer", "examples": [2026] },
                "desa": { "type": "array", "items": code(), "maxItems": 5000, "description": "Desa codes (the field repeats)" }
            }),
        ),
    );
}

/// Budget lines (API and page form).
fn budgets(add: &mut impl FnMut(&str, Value)) {
    add(
        "AnggaranForm",
        object(
            &["csrf", "sumber_dana", "kode_wilayah", "jumlah"],
            json!({
                "csrf": { "type": "string" }, "tahun": { "type": "integer", "examples": [2026] },
                "sumber_dana": { "type": "string", "enum": ["APBD", "DANA_DESA", "CSR", "APBN"] },
                "kode_wilayah": code(),
                "jumlah": { "type": "string", "examples": ["25000000", "25.000.000"], "description": "Whole rupiah, digits or Indonesian grouping" }
            }),
        ),
    );
    add(
        "BudgetRequest",
        object(
            &["year", "sumber_dana", "kode_wilayah", "amount"],
            json!({
                "year": { "type": "integer", "examples": [2026] },
                "sumber_dana": { "type": "string", "enum": ["APBD", "DANA_DESA", "CSR", "APBN"] },
                "kode_wilayah": code(), "amount": rupiah(), "programme": { "type": "integer" }
            }),
        ),
    );
    add(
        "BudgetLine",
        object(
            &[
                "id",
                "programme_id",
                "year",
                "sumber_dana",
                "kode_wilayah",
                "amount",
                "committed",
            ],
            json!({
                "id": { "type": "integer" }, "programme_id": { "type": "integer" }, "year": { "type": "integer" },
                "sumber_dana": { "type": "string" }, "kode_wilayah": code(), "amount": rupiah(), "committed": rupiah()
            }),
        ),
    );
    add("BudgetLines", list_of("BudgetLine"));
}

/// Shops, their pairing and bank details.
fn merchants(add: &mut impl FnMut(&str, Value)) {
    add(
        "MerchantRequest",
        object(
            &["name", "kode_desa"],
            json!({
                "name": { "type": "string", "examples": ["Toko Sembako Berkah"] }, "kode_desa": code(),
                "service_area": { "type": "array", "items": code() },
                "categories": { "type": "array", "items": { "type": "string" }, "examples": [["susu", "protein_hewani"]] }
            }),
        ),
    );
    add(
        "Merchant",
        object(
            &[
                "id",
                "name",
                "kode_desa",
                "service_area",
                "categories",
                "status",
            ],
            json!({
                "id": { "type": "integer" }, "name": { "type": "string" }, "kode_desa": code(),
                "service_area": { "type": "array", "items": code() }, "categories": { "type": "array", "items": { "type": "string" } },
                "status": { "type": "string" }
            }),
        ),
    );
    add(
        "PairingRequest",
        object(
            &["base_url"],
            json!({ "base_url": { "type": "string", "examples": ["https://relasi.example.go.id"] } }),
        ),
    );
    add(
        "Pairing",
        object(
            &["merchant_id", "merchant_name", "link", "qr_svg"],
            json!({
                "merchant_id": { "type": "integer" }, "merchant_name": { "type": "string" },
                "link": { "type": "string" }, "qr_svg": { "type": "string" }
            }),
        ),
    );
    add(
        "BankDetails",
        object(
            &[],
            json!({
                "bank_name": nullable("string"), "bank_account": nullable("string"),
                "bank_holder": nullable("string")
            }),
        ),
    );
}

/// Cycles, issuance and the kader's hand-over form.
fn issuance(add: &mut impl FnMut(&str, Value)) {
    add(
        "CycleRequest",
        object(
            &["period"],
            json!({
                "period": { "type": "string", "examples": ["2026-12"] }, "programme": { "type": "integer" },
                "valid_from": { "type": "string", "format": "date-time" }, "valid_until": { "type": "string", "format": "date-time" }
            }),
        ),
    );
    add(
        "Cycle",
        object(
            &["id", "programme_id", "period", "valid_from", "valid_until"],
            json!({
                "id": { "type": "integer" }, "programme_id": { "type": "integer" }, "period": { "type": "string" },
                "valid_from": { "type": "string" }, "valid_until": { "type": "string" }
            }),
        ),
    );
    add(
        "IssueRequest",
        object(&[], json!({ "programme": { "type": "integer" } })),
    );
    add(
        "IssueReport",
        object(
            &[
                "period",
                "eligible",
                "issued",
                "skipped_ineligible",
                "skipped_budget",
                "total_value",
            ],
            json!({
                "period": { "type": "string" }, "eligible": { "type": "integer" }, "issued": { "type": "integer" },
                "already_issued": { "type": "integer" }, "skipped_ineligible": { "type": "integer" },
                "ineligible_reasons": { "type": "object" }, "skipped_budget": { "type": "integer" },
                "total_value": rupiah(), "deferred": { "type": "integer" }
            }),
        ),
    );
    add(
        "KaderForm",
        object(
            &["csrf", "desa", "periode", "tanggal"],
            json!({
                "csrf": string(), "desa": code(),
                "periode": { "type": "string", "examples": ["2026-12"] },
                "tanggal": { "type": "string", "format": "date" },
                "kartu": { "type": "array", "items": string(), "description": "Voucher ids handed over (the field repeats)" }
            }),
        ),
    );
}

/// Vouchers, their balance and the scan page.
fn vouchers(add: &mut impl FnMut(&str, Value)) {
    add(
        "Voucher",
        object(
            &[
                "id",
                "token",
                "no_kk",
                "kode_desa",
                "face_value",
                "balance",
                "status",
            ],
            json!({
                "id": { "type": "string" }, "token": { "type": "string" }, "no_kk": { "type": "string" },
                "kode_desa": code(), "face_value": rupiah(), "balance": rupiah(), "status": { "type": "string" },
                "card_number": { "type": "string" }, "valid_from": { "type": "string" }, "valid_until": { "type": "string" },
                "replaces": nullable("string"), "replaced_by": nullable("string")
            }),
        ),
    );
    add(
        "VoucherPage",
        object(
            &["page", "page_size", "vouchers"],
            json!({
                "page": { "type": "integer" }, "page_size": { "type": "integer" }, "vouchers": list_of("Voucher")
            }),
        ),
    );
    add(
        "BalanceRequest",
        object(
            &["token"],
            json!({ "token": { "type": "string", "examples": ["RLS1:AEAA…"] } }),
        ),
    );
    add(
        "Balance",
        object(
            &["balance", "status", "valid_until"],
            json!({
                "balance": rupiah(), "face_value": rupiah(), "status": { "type": "string" },
                "valid_until": { "type": "string" }, "recent": { "type": "array" }
            }),
        ),
    );
    add(
        "Scan",
        object(&["token"], json!({ "token": nullable("string") })),
    );
}

/// Sales: a redemption, its receipt, a shop's day.
fn sales(add: &mut impl FnMut(&str, Value)) {
    add(
        "RedeemRequest",
        object(
            &["token", "amount"],
            json!({
                "token": { "type": "string" }, "amount": rupiah(),
                "items": { "type": "array", "items": object(&["category", "amount"], json!({
                    "category": { "type": "string", "examples": ["susu"] }, "amount": rupiah()
                })) }
            }),
        ),
    );
    add(
        "Receipt",
        object(
            &[
                "redemption_id",
                "voucher_id",
                "amount",
                "balance_after",
                "merchant_id",
                "created_at",
                "receipt_signature",
            ],
            json!({
                "redemption_id": { "type": "integer" }, "voucher_id": { "type": "string" }, "amount": rupiah(),
                "balance_after": rupiah(), "merchant_id": { "type": "integer" }, "created_at": { "type": "string" },
                "created_at_us": { "type": "integer" }, "kind": { "type": "string", "enum": ["debit", "reversal"] },
                "reverses": { "type": "integer" }, "receipt_kid": { "type": "string" }, "receipt_signature": { "type": "string" }
            }),
        ),
    );
    add(
        "Sales",
        object(
            &[
                "merchant_id",
                "date",
                "entries",
                "count",
                "gross",
                "reversals",
                "net",
                "has_more",
            ],
            json!({
                "merchant_id": { "type": "integer" }, "date": { "type": "string" }, "entries": { "type": "array" },
                "count": { "type": "integer" }, "gross": rupiah(), "reversals": rupiah(), "net": rupiah(),
                "has_more": { "type": "boolean" }, "next_after": nullable("integer"), "utc_offset_hours": { "type": "integer" }
            }),
        ),
    );
}

/// Reconciliation, settlements and the audit chain (API and page form).
fn finance(add: &mut impl FnMut(&str, Value)) {
    add(
        "KeuanganForm",
        object(
            &["csrf", "aksi"],
            json!({
                "csrf": { "type": "string" },
                "aksi": { "type": "string", "enum": ["rekonsiliasi", "bayar", "setujui", "lunas"] },
                "periode": { "type": "string" }, "id": { "type": "integer" },
                "referensi": { "type": "string", "maxLength": 140 }
            }),
        ),
    );
    add(
        "AuditReport",
        object(
            &["ok"],
            json!({
                "ok": { "type": "boolean" }, "records": { "type": "integer" }, "head_hash": { "type": "string" },
                "journal": { "type": "object" }, "checkpoints": { "type": "object" }, "receipts": { "type": "object" }
            }),
        ),
    );
    add(
        "PeriodRequest",
        object(
            &["period"],
            json!({
                "period": { "type": "string", "pattern": "^[0-9]{4}-(0[1-9]|1[0-2])$", "examples": ["2026-12"] },
                "programme": { "type": "integer", "description": "Programme number (default: the only one)" }
            }),
        ),
    );
    add(
        "PaidRequest",
        object(
            &["reference"],
            json!({ "reference": { "type": "string", "description": "The bank transfer's reference" } }),
        ),
    );
    add(
        "FlagRequest",
        object(
            &["redemption_id", "reason"],
            json!({ "redemption_id": { "type": "integer" }, "reason": string() }),
        ),
    );
}

/// Signing in and out, and passwords.
fn sign_in(add: &mut impl FnMut(&str, Value)) {
    add(
        "LoginRequest",
        object(
            &["name", "password"],
            json!({ "name": string(), "password": string() }),
        ),
    );
    add(
        "Login",
        object(
            &["token", "expires_at", "role", "areas"],
            json!({
                "token": string(), "expires_at": string(), "role": role(),
                "merchant_id": nullable("integer"), "areas": { "type": "array", "items": code() }
            }),
        ),
    );
    add(
        "LoginForm",
        object(
            &[],
            json!({
                "name": string(), "password": string(),
                "token": { "type": "string", "description": "An API token instead of a name and password" },
                "next": { "type": "string", "description": "The page to go to afterwards" }
            }),
        ),
    );
    add("LogoutForm", object(&[], json!({ "csrf": string() })));
    add(
        "PasswordReset",
        object(&["password"], json!({ "password": string() })),
    );
    add(
        "PasswordChange",
        object(
            &["current_password", "new_password"],
            json!({ "current_password": string(), "new_password": string() }),
        ),
    );
}

/// Accounts (API and page form).
fn accounts(add: &mut impl FnMut(&str, Value)) {
    add(
        "AccountRequest",
        object(
            &["name", "password", "role"],
            json!({
                "name": string(), "password": string(), "role": role(),
                "merchant_id": nullable("integer"), "areas": { "type": "array", "items": code() }
            }),
        ),
    );
    add(
        "Account",
        object(
            &["id", "name", "role", "areas", "state", "failed_logins"],
            json!({
                "id": { "type": "integer" }, "name": string(), "role": role(),
                "merchant_id": nullable("integer"), "areas": { "type": "array", "items": code() },
                "state": { "type": "string", "enum": ["active", "locked", "disabled"] },
                "failed_logins": { "type": "integer" }, "locked_until": nullable("string"),
                "disabled_at": nullable("string"), "last_sign_in": nullable("string"), "created_at": nullable("string")
            }),
        ),
    );
    add(
        "AccountList",
        object(
            &["accounts", "next_before"],
            json!({ "accounts": list_of("Account"), "next_before": nullable("integer") }),
        ),
    );
    add(
        "AkunForm",
        object(
            &["csrf", "aksi"],
            json!({
                "csrf": string(),
                "aksi": { "type": "string", "enum": ["akun", "buka", "sandi", "nonaktif", "token", "cabut"] },
                "id": { "type": "string", "description": "Account or token id (buka, sandi, nonaktif, cabut)" },
                "nama": string(), "sandi": string(), "peran": role(),
                "wilayah": { "type": "string", "description": "Kepmendagri code; empty: the whole district" },
                "catatan": { "type": "string", "maxLength": 100 },
                "hari": { "type": "string", "description": "Token lifetime in days; empty: until revoked" },
                "toko": { "type": "string", "description": "Shop id, for a shop's token" }
            }),
        ),
    );
}

/// API tokens.
fn tokens(add: &mut impl FnMut(&str, Value)) {
    add(
        "Token",
        object(&["id", "role", "areas", "label"], token_fields()),
    );
    add(
        "TokenList",
        object(
            &["tokens", "next_before"],
            json!({ "tokens": list_of("Token"), "next_before": nullable("integer") }),
        ),
    );
    let mut made = token_fields();
    made["token"] = json!({ "type": "string", "description": "The secret, shown this once" });
    add("TokenMade", object(&["id", "token", "role", "areas"], made));
    add(
        "TokenRequest",
        object(
            &["role"],
            json!({
                "role": role(), "merchant_id": nullable("integer"),
                "areas": { "type": "array", "items": code() },
                "label": { "type": "string", "maxLength": 100 },
                "days": { "type": ["integer", "null"], "minimum": 1, "maximum": 3650 }
            }),
        ),
    );
}

/// What a shop's till keeps for offline sales: revoked vouchers, the programmes' settings.
fn offline(add: &mut impl FnMut(&str, Value)) {
    add(
        "Revocations",
        object(
            &["complete", "next_since", "revoked"],
            json!({
                "complete": { "type": "boolean" }, "next_since": { "type": "string" }, "revoked": { "type": "array" }
            }),
        ),
    );
    add(
        "OfflineSettings",
        object(
            &["programmes", "server_time_us"],
            json!({
                "programmes": { "type": "array", "items": { "type": "object" } }, "server_time_us": { "type": "integer" }
            }),
        ),
    );
}
