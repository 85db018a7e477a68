//! The JSON Schemas of the finance answers in the OpenAPI document: reconciliation runs with
//! their reports, and settlements with their lines, flags and a shop's own statement — as
//! `src/api/reconciliations.rs` and `src/api/settlements.rs` write them.

use serde_json::{Map, Value, json};

/// Whole rupiah as a string of digits; finance amounts may be negative (a shop's net after late
/// reversals, a budget line's remaining when over-committed).
fn amount(example: &str) -> Value {
    json!({ "type": "string", "pattern": "^-?[0-9]+$", "description": "Whole rupiah", "examples": [example] })
}

fn integer() -> Value {
    json!({ "type": "integer" })
}

fn string() -> Value {
    json!({ "type": "string" })
}

fn object(required: &[&str], properties: Value) -> Value {
    json!({ "type": "object", "required": required, "properties": properties })
}

fn array(items: Value) -> Value {
    json!({ "type": "array", "items": items })
}

fn named(name: &str) -> Value {
    json!({ "$ref": format!("#/components/schemas/{name}") })
}

fn status() -> Value {
    json!({ "type": "string", "enum": ["draft", "approved", "paid"] })
}

/// The finance schemas, to add to the document's components.
pub(super) fn schemas() -> Map<String, Value> {
    let mut m = Map::new();
    reconciliation(&mut m);
    settlement(&mut m);
    m
}

/// A run's head (`RunHead`), the run with its report, the list, and the report itself.
fn reconciliation(m: &mut Map<String, Value>) {
    let head = json!({
        "id": integer(), "period": { "type": "string", "examples": ["2026-12"] },
        "version": integer(),
        "content_sha256": { "type": "string", "pattern": "^[0-9a-f]{64}$" },
        "kid": { "type": ["string", "null"] }, "signature": { "type": ["string", "null"] },
        "balanced": { "type": "boolean" }, "exceptions": integer(),
        "last_entry_id": integer(), "registry_version": integer(),
        "created_by": string(), "created_at_us": integer()
    });
    let head_required = [
        "id",
        "period",
        "version",
        "content_sha256",
        "balanced",
        "exceptions",
    ];
    m.insert(
        "ReconciliationHead".to_owned(),
        object(&head_required, head.clone()),
    );
    let mut run = head;
    run["report"] = named("ReconciliationReport");
    let mut run_required = head_required.to_vec();
    run_required.push("report");
    let mut run = object(&run_required, run);
    run["description"] =
        json!("Satu versi rekonsiliasi dengan laporannya / one run with its report");
    m.insert("Reconciliation".to_owned(), run);
    m.insert(
        "ReconciliationList".to_owned(),
        object(
            &["runs"],
            json!({ "runs": array(named("ReconciliationHead")) }),
        ),
    );
    m.insert(
        "ReconciliationFile".to_owned(),
        json!({
            "description": "`{id}`: the run with its report; `{id}.json`: the signed canonical report bytes",
            "anyOf": [named("Reconciliation"), named("ReconciliationReport")]
        }),
    );
    m.insert("ReconciliationReport".to_owned(), report());
}

/// The report (`domain::reconcile::Report`): what a run stores, hashes and signs. Rows are
/// described by their main fields; readers should ignore fields they do not know.
fn report() -> Value {
    let ledger = object(
        &["vouchers", "issued_rp", "debits_rp", "balance_rp"],
        json!({
            "vouchers": integer(), "issued_rp": amount("300000"), "debits_rp": amount("25000"),
            "reversals_rp": amount("0"), "moved_out_rp": amount("0"), "moved_in_rp": amount("0"),
            "balance_rp": amount("275000"), "broken": array(json!({ "type": "object" }))
        }),
    );
    let merchant = object(
        &["merchant_id", "count", "gross_rp", "net_rp"],
        json!({
            "merchant_id": integer(), "name": string(), "count": integer(),
            "gross_rp": amount("25000"), "reversal_count": integer(), "reversals_rp": amount("0"),
            "net_rp": amount("25000"), "outside_count": integer(), "full_value_count": integer()
        }),
    );
    let rollup = object(
        &["level", "code", "vouchers"],
        json!({
            "level": integer(), "code": string(), "name": string(),
            "parent": { "type": ["string", "null"] }, "vouchers": integer(),
            "value_rp": amount("300000"), "redeemed_rp": amount("25000"),
            "remaining_rp": amount("275000"), "households_served": integer()
        }),
    );
    let rows = || array(json!({ "type": "object" }));
    let mut report = object(
        &[
            "format",
            "programme",
            "period",
            "balanced",
            "exceptions",
            "ledger",
        ],
        json!({
            "format": integer(), "programme": integer(),
            "period": { "type": "string", "examples": ["2026-12"] },
            "watermarks": object(&[], json!({ "last_entry_id": integer(), "registry_version": integer() })),
            "thresholds": { "type": "object" },
            "balanced": { "type": "boolean" }, "exceptions": integer(), "ledger": ledger,
            "budget": rows(), "returns": rows(), "eligibility": rows(),
            "merchants": array(merchant), "anomalies": rows(), "rollup": array(rollup),
            "daily": array(object(&["day", "count", "gross_rp"], json!({
                "day": { "type": "string", "format": "date" }, "count": integer(), "gross_rp": amount("25000")
            })))
        }),
    );
    report["description"] = json!(
        "Laporan rekonsiliasi (docs/reconciliation.md) / the reconciliation report; KK numbers of eligibility findings are masked for auditors"
    );
    report
}

/// A settlement (`store::Settlement`), its list, the finance and the shop reading of one, and a
/// shop's flag.
fn settlement(m: &mut Map<String, Value>) {
    let line = object(
        &["merchant_id", "count", "gross", "reversals", "net"],
        json!({
            "merchant_id": integer(), "name": string(), "count": integer(),
            "reversal_count": integer(), "gross": amount("25000"), "reversals": amount("0"),
            "net": amount("25000")
        }),
    );
    let fields = json!({
        "id": integer(), "period": { "type": "string", "examples": ["2026-12"] },
        "status": status(), "total": amount("25000"),
        "paid_reference": { "type": ["string", "null"] },
        "lines": array(line.clone()),
        "missing_bank": array(object(
            &["merchant_id", "name", "amount"],
            json!({ "merchant_id": integer(), "name": string(), "amount": amount("25000") }),
        ))
    });
    let required = ["id", "period", "status", "lines", "total"];
    let mut one = object(&required, fields.clone());
    one["examples"] = json!([{
        "id": 1, "period": "2026-12", "status": "draft", "total": "25000", "paid_reference": null,
        "lines": [{ "merchant_id": 1, "name": "Toko Berkah", "count": 1, "reversal_count": 0,
                    "gross": "25000", "reversals": "0", "net": "25000" }]
    }]);
    m.insert("Settlement".to_owned(), one);
    m.insert(
        "SettlementList".to_owned(),
        object(
            &["settlements"],
            json!({ "settlements": array(named("Settlement")) }),
        ),
    );
    let flag = object(
        &["id", "merchant_id", "redemption_id", "reason"],
        json!({
            "id": integer(), "merchant_id": integer(), "redemption_id": integer(),
            "reason": string(), "created_at_us": integer()
        }),
    );
    let mut finance = fields;
    finance["flags"] = array(flag);
    let entry = object(
        &["redemption_id", "kind", "amount"],
        json!({
            "redemption_id": integer(), "kind": { "type": "string", "enum": ["debit", "reversal"] },
            "amount": amount("25000"), "created_at_us": integer(),
            "reverses_id": { "type": ["integer", "null"] }
        }),
    );
    let shop = json!({
        "id": integer(), "period": string(), "status": status(), "line": line,
        "entries": array(entry)
    });
    m.insert(
        "SettlementFile".to_owned(),
        json!({
            "description": "Keuangan dan auditor: seluruh baris dan tanda toko; toko: barisnya sendiri dan entri, selama draf / finance and auditors: every line and the shops' flags; a shop: its own line and entries, while a draft",
            "anyOf": [object(&required, finance), object(&["id", "period", "status", "line", "entries"], shop)]
        }),
    );
    m.insert(
        "FlagMade".to_owned(),
        object(&["id"], json!({ "id": integer() })),
    );
}
