//! A table of malformed requests (wrong types, huge, negative and fractional rupiah, unicode
//! tricks, missing fields, wrong content types, SQL metacharacters, path traversal in periods
//! and ids): each is answered 4xx problem+json, and nothing in the ledger, the registry or the
//! admin data changes.

use crate::helpers::TestApp;
use crate::redemption::{redeemable, shop_in};
use serde_json::{Value, json};

/// One malformed request.
struct Bad {
    method: &'static str,
    path: String,
    content_type: Option<&'static str>,
    body: Vec<u8>,
    as_shop: bool,
    key: Option<String>,
    /// The refusal's code, where the row tests one particular check.
    code: Option<&'static str>,
}

fn json_req(method: &'static str, path: &str, body: &Value, as_shop: bool) -> Bad {
    Bad {
        method,
        path: path.to_owned(),
        content_type: Some("application/json"),
        body: body.to_string().into_bytes(),
        as_shop,
        key: None,
        code: None,
    }
}

fn raw(method: &'static str, path: &str, content_type: Option<&'static str>, body: &[u8]) -> Bad {
    Bad {
        method,
        path: path.to_owned(),
        content_type,
        body: body.to_vec(),
        as_shop: false,
        key: None,
        code: None,
    }
}

/// Rupiah that are not whole non-negative rupiah in range, in every shape.
fn bad_amounts() -> Vec<Value> {
    let mut out: Vec<Value> = [
        "-1",
        "-0.5",
        "1.5",
        "0.1",
        "1e3",
        "1E3",
        "1,000",
        "1.000",
        "Rp 1000",
        "99999999999999999999",
        "18446744073709551616",
        " 1000",
        "1000 ",
        "+1000",
        "0x3e8",
        "１０００",
        "٣٠٠٠",
        "1000\u{0}",
        "1000\u{202e}",
        "",
        "NaN",
        "Infinity",
        "-",
        "1_000",
        "10'; drop table vouchers; --",
    ]
    .into_iter()
    .map(Value::from)
    .collect();
    out.extend([
        json!(1000),
        json!(-1),
        json!(1.5),
        json!(null),
        json!(true),
        json!([]),
        json!({}),
    ]);
    out
}

/// Texts where a voucher token should be.
fn bad_tokens() -> Vec<Value> {
    let mut out: Vec<Value> = vec![
        "".into(),
        "RLS1:".into(),
        format!("RLS1:{}", "A".repeat(165)).into(),
        format!("RLS1:{}", "A".repeat(400)).into(),
        "RLS2:AAAA".into(),
        "' OR 1=1 --".into(),
        "RLS1:\u{202e}AAAA".into(),
        "RLS1:ＡＡＡＡ".into(),
        "../../etc/passwd".into(),
        "RLS1:%00%00".into(),
        "\u{0}".into(),
    ];
    out.extend([
        json!(12345),
        json!(null),
        json!(["RLS1:"]),
        json!({ "token": "x" }),
    ]);
    out
}

/// Periods and ids with traversal, SQL and unicode in them.
const BAD_PATH_PARTS: [&str; 14] = [
    "..",
    "..%2F..%2Fetc%2Fpasswd",
    "%2e%2e",
    "2026-13",
    "2026-00",
    "2026-1",
    "0000-01",
    "2026%2F12",
    "1%27%20or%20%271%27%3D%271",
    "%00",
    "%E2%80%AE2026-12",
    "-1",
    "99999999999999999999999",
    "2026-12%20",
];

/// Sales; the bad amounts come with `voucher`, a real voucher's token, so it is the amount
/// that is refused (`invalid_amount`, or `invalid_json` for an amount that is not a string),
/// not the token.
fn sales(out: &mut Vec<Bad>, voucher: &str) {
    let item = |amount: &Value| json!([{ "category": "protein_hewani", "amount": amount }]);
    for amount in bad_amounts() {
        let body = json!({ "token": voucher, "amount": amount, "items": item(&amount) });
        let mut bad = json_req("POST", "/v1/redemptions", &body, true);
        bad.code = Some(if amount.is_string() {
            "invalid_amount"
        } else {
            "invalid_json"
        });
        out.push(bad);
    }
    for token in bad_tokens() {
        let body = json!({ "token": token, "amount": "1000", "items": item(&json!("1000")) });
        out.push(json_req("POST", "/v1/redemptions", &body, true));
        out.push(json_req(
            "POST",
            "/v1/balance",
            &json!({ "token": token }),
            false,
        ));
    }
    for body in [
        json!({}),
        json!({ "amount": "1000" }),
        json!({ "token": "RLS1:AAAA" }),
        json!({ "token": "RLS1:AAAA", "amount": "1000", "items": "susu" }),
        json!({ "token": "RLS1:AAAA", "amount": "1000", "items": [1, 2] }),
        json!({ "token": "RLS1:AAAA", "amount": "1000", "items": [{ "category": "../../etc", "amount": "1000" }] }),
        json!({ "token": "RLS1:AAAA", "amount": "1000", "items": [{ "category": "susu'--", "amount": "1000" }] }),
        json!([]),
        json!(null),
    ] {
        out.push(json_req("POST", "/v1/redemptions", &body, true));
    }
    // Idempotency keys: missing, too long, not printable ASCII.
    let sale = json!({ "token": "RLS1:AAAA", "amount": "1000" });
    for key in [
        None,
        Some("k".repeat(129)),
        Some("kunci\u{7f}".to_owned()),
        Some(String::new()),
    ] {
        let mut bad = json_req("POST", "/v1/redemptions", &sale, true);
        bad.key = key;
        out.push(bad);
    }
    for part in BAD_PATH_PARTS {
        let mut bad = raw(
            "POST",
            &format!("/v1/redemptions/{part}/reversal"),
            None,
            b"",
        );
        bad.as_shop = true;
        out.push(bad);
    }
}

fn admin_bodies(out: &mut Vec<Bad>) {
    for amount in bad_amounts() {
        let body = json!({ "year": 2026, "sumber_dana": "APBD", "kode_wilayah": "35.14", "amount": amount });
        out.push(json_req("POST", "/v1/budgets", &body, false));
    }
    for (field, value) in [
        ("year", json!("2026")),
        ("year", json!(2026.5)),
        ("year", json!(-1)),
        ("sumber_dana", json!("APBD'; --")),
        ("sumber_dana", json!("ＡＰＢＤ")),
        ("kode_wilayah", json!("35.14/../..")),
        ("kode_wilayah", json!("35.14' or '1'='1")),
        ("kode_wilayah", json!(35.14)),
    ] {
        let mut body = json!({ "year": 2026, "sumber_dana": "APBD", "kode_wilayah": "35.14", "amount": "1000" });
        body[field] = value;
        out.push(json_req("POST", "/v1/budgets", &body, false));
    }
    for body in [
        json!({ "name": "", "kode_desa": "35.14.05.2005" }),
        json!({ "name": "x".repeat(10_000), "kode_desa": "35.14.05.2005" }),
        json!({ "name": "Toko", "kode_desa": "35.14.05.2005'--" }),
        json!({ "name": "Toko", "kode_desa": "../35.14.05.2005" }),
        json!({ "name": "Toko", "kode_desa": "35.14.05.2005", "service_area": "35.14" }),
        json!({ "name": "Toko", "kode_desa": "35.14.05.2005", "categories": ["Susu Formula!"] }),
        json!({ "name": "Toko", "kode_desa": "３５.14.05.2005" }),
        json!({ "name": 7, "kode_desa": "35.14.05.2005" }),
        json!({ "kode_desa": "35.14.05.2005" }),
    ] {
        out.push(json_req("POST", "/v1/merchants", &body, false));
    }
    for body in [
        json!({ "year": 2026, "desa": ["35.14.05.2005'--"] }),
        json!({ "year": 2026, "desa": "35.14.05.2005" }),
        json!({ "year": -2026, "desa": ["35.14.05.2005"] }),
        json!({ "desa": ["35.14.05.2005"] }),
    ] {
        out.push(json_req("POST", "/v1/lokus", &body, false));
    }
    for period in [
        "2026-13",
        "2026-00",
        "0000-01",
        "9999-99",
        "2026/12",
        "2026-12-01",
        "",
        "２０２６-１２",
        "../2026-12",
    ] {
        out.push(json_req(
            "POST",
            "/v1/cycles",
            &json!({ "period": period }),
            false,
        ));
    }
    out.push(json_req(
        "POST",
        "/v1/cycles",
        &json!({ "period": "2027-01", "valid_from": "kemarin" }),
        false,
    ));
    for body in [
        json!({ "name": "a", "password": "sepuluh karakter", "role": "auditor" }),
        json!({ "name": "petugas", "password": "sepuluh karakter", "role": "root" }),
        json!({ "name": "petugas", "password": "x".repeat(10_000), "role": "auditor" }),
        json!({ "name": "petugas'--", "password": "sepuluh karakter", "role": "auditor" }),
        json!({ "name": "petugas", "password": "sepuluh karakter", "role": "kader", "areas": ["../35.14"] }),
    ] {
        out.push(json_req("POST", "/v1/accounts", &body, false));
    }
}

fn paths_and_types(out: &mut Vec<Bad>) {
    for part in BAD_PATH_PARTS {
        for path in [
            format!("/v1/vouchers/{part}"),
            format!("/v1/vouchers/{part}/qr.svg"),
            format!("/v1/vouchers/{part}/revoke"),
            format!("/v1/cycles/{part}/issue"),
            format!("/v1/cycles/{part}/cards.pdf?desa=35.14.05.2005"),
            format!("/v1/vouchers?period={part}"),
            format!("/v1/merchants/{part}"),
        ] {
            let method = if path.ends_with("revoke") || path.ends_with("issue") {
                "POST"
            } else {
                "GET"
            };
            out.push(raw(method, &path, None, b""));
        }
    }
    for query in [
        "page=-1",
        "page=0",
        "page=abc",
        "page=1e9",
        "desa=35.14%27%20or%201%3D1",
        "desa=..%2F..",
    ] {
        out.push(raw(
            "GET",
            &format!("/v1/vouchers?period=2026-11&{query}"),
            None,
            b"",
        ));
    }
    let merchant = br#"{"name":"Toko","kode_desa":"35.14.05.2005"}"#;
    for content_type in [
        None,
        Some("text/plain"),
        Some("application/x-www-form-urlencoded"),
        Some("text/csv"),
        Some("application/xml"),
    ] {
        for route in [
            "/v1/merchants",
            "/v1/budgets",
            "/v1/lokus",
            "/v1/cycles",
            "/v1/login",
        ] {
            out.push(raw("POST", route, content_type, merchant));
        }
    }
    for body in [
        &b"{"[..],
        b"{\"name\":",
        b"\xff\xfe",
        &[b'['; 5000],
        b"{\"name\":\"Toko\",\"name\":1}",
    ] {
        out.push(raw("POST", "/v1/merchants", Some("application/json"), body));
    }
}

fn registry_files(out: &mut Vec<Bad>) {
    const HEAD: &str = "no_kk,nik_kepala,nama_kepala,kode_desa,desil,krs,status\n";
    for row in [
        "351405000000009,3514050100000091,Uji,35.14.05.2005,1,1,aktif",
        "3514050000000091,351405010000009X,Uji,35.14.05.2005,1,1,aktif",
        "3514050000000091,3514050100000091,Uji,35.14.05.2005,-1,1,aktif",
        "3514050000000091,3514050100000091,Uji,35.14.05.2005,1.5,1,aktif",
        "3514050000000091,3514050100000091,Uji,../../etc,1,1,aktif",
        "3514050000000091,3514050100000091,Uji,35.14.05.2005,1,2,aktif",
        "3514050000000091,3514050100000091,Uji,35.14.05.2005,1,1,hilang",
        "3514050000000091,3514050100000091,Uji,35.14.05.2005'--,1,1,aktif",
        "３５１４050000000091,3514050100000091,Uji,35.14.05.2005,1,1,aktif",
        "3514050000000091,3514050100000091,Uji,35.14.05.2005,1,1",
    ] {
        out.push(raw(
            "POST",
            "/v1/households/import",
            Some("text/csv"),
            format!("{HEAD}{row}\n").as_bytes(),
        ));
    }
    for file in ["", "\u{feff}", "a,b,c\n1,2,3\n", "no_kk\n\"unterminated\n"] {
        out.push(raw(
            "POST",
            "/v1/households/import",
            Some("text/csv"),
            file.as_bytes(),
        ));
    }
    out.push(raw(
        "POST",
        "/v1/households/import",
        Some("application/json"),
        b"{}",
    ));
}

/// Everything a malformed request must not move, as one row of counts and sums.
async fn snapshot(app: &TestApp) -> Vec<i64> {
    let raw = app.db.raw().await;
    let mut out = Vec::new();
    for sql in [
        "select count(*) from merchants",
        "select count(*) from budget_lines",
        "select count(*) from lokus",
        "select count(*) from cycles",
        "select count(*) from vouchers",
        "select count(*) from vouchers where status <> 'active'",
        "select cast(coalesce(sum(spent_rp), 0) as bigint) from vouchers",
        "select count(*) from redemptions",
        "select count(*) from households",
        "select count(*) from members",
        "select count(*) from accounts",
        "select count(*) from api_tokens",
        "select count(*) from audit_log",
        "select count(*) from revocations",
    ] {
        out.push(raw.scalar(sql).await);
    }
    out
}

async fn malformed_requests_are_4xx_problems_and_change_nothing() {
    let app = crate::helpers::spawn_app().await;
    let vouchers = redeemable(&app).await;
    let (_, shop) = shop_in(&app, "35.14.05").await;
    let mut table = Vec::new();
    sales(&mut table, vouchers[0]["token"].as_str().unwrap());
    admin_bodies(&mut table);
    paths_and_types(&mut table);
    registry_files(&mut table);
    assert!(table.len() >= 200, "{} malformed requests", table.len());
    let before = snapshot(&app).await;
    for (n, bad) in table.iter().enumerate() {
        let method = reqwest::Method::from_bytes(bad.method.as_bytes()).unwrap();
        let mut req = app
            .http
            .request(method, app.url(&bad.path))
            .bearer_auth(if bad.as_shop { &shop } else { &app.admin })
            .body(bad.body.clone());
        if let Some(ct) = bad.content_type {
            req = req.header("content-type", ct);
        }
        let key = bad
            .key
            .clone()
            .or_else(|| bad.as_shop.then(|| format!("malformed-{n}")));
        // A key that is not a valid header value is not sent at all (also a bad request).
        if let Some(value) = key.and_then(|k| reqwest::header::HeaderValue::from_str(&k).ok()) {
            req = req.header("idempotency-key", value);
        }
        let res = req.send().await.unwrap();
        let status = res.status().as_u16();
        let content_type = res
            .headers()
            .get("content-type")
            .map(|v| v.to_str().unwrap_or("").to_owned());
        let what = format!(
            "#{n} {} {} {:?}",
            bad.method,
            bad.path,
            String::from_utf8_lossy(&bad.body[..bad.body.len().min(120)])
        );
        assert!((400..500).contains(&status), "{what} → {status}");
        assert_eq!(
            content_type.as_deref(),
            Some("application/problem+json"),
            "{what}"
        );
        let body: Value = res.json().await.unwrap();
        assert!(
            body["code"].is_string() && body["status"] == status,
            "{what}: {body}"
        );
        if let Some(code) = bad.code {
            assert_eq!(body["code"], code, "{what}: {body}");
        }
    }
    assert_eq!(
        snapshot(&app).await,
        before,
        "a malformed request changed something"
    );
}
story!(malformed_requests_are_4xx_problems_and_change_nothing);
