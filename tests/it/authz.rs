//! The authorization matrix: every route of the router × every role (admin, issuer, kader,
//! merchant, finance, auditor, none) × a caller inside and one outside the resource's area,
//! with 401 (who are you?) and 403 (not you / not here) used correctly. A route added to the
//! router without a row here fails `every_route_has_a_row`.

use crate::helpers::{TestApp, spawn_app_with};
use crate::redemption::{basket, redeem, redeemable, shop_in};
use relasi::api::{BalanceLimit, Config};
use relasi::domain::auth::{self, ApiTokenSecret, Grant, Role};
use relasi::usecases::accounts;
use relasi::web::session::{csrf_token, landing};
use serde_json::{Value, json};
use std::collections::BTreeSet;

/// Who may pass a route's checks.
#[derive(Clone, Copy, Debug)]
enum Allow {
    /// Anyone, without a token (pages answer with their own sign-in).
    Public,
    /// These roles.
    Roles(&'static [Role]),
    /// Only a signed-in account (an API token is refused 403).
    Account,
    /// A page for these roles: called with the caller's page session, not its bearer token.
    Page(&'static [Role]),
}

/// Whether an allowed role bound elsewhere (another kecamatan, another desa, another shop)
/// is refused.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Scope {
    /// The answer does not depend on the caller's area (or is filtered, not refused).
    Any,
    /// The resource lies in the area of the "inside" callers: outside callers get 403.
    Area,
    /// Whole-programme data: a district role bound to a smaller area gets 403; a shop's claim
    /// to the record is checked on the record itself (the uri names none here).
    District,
}

/// One route: how the router names it, how the test calls it, who may.
struct Row {
    method: &'static str,
    route: &'static str,
    uri: &'static str,
    allow: Allow,
    scope: Scope,
    body: Body,
}

#[derive(Clone, Copy)]
enum Body {
    None,
    Json(fn() -> Value),
    Csv(&'static str),
    Bytes(&'static [u8]),
    /// A page's plain form; the session's CSRF token is added as `csrf`.
    Form(&'static str),
}

use Allow::{Account, Page, Public, Roles};
use Role::{Admin, Auditor, Finance, Issuer, Kader, Merchant};
use Scope::{Any, Area, District};

const ADMIN: &[Role] = &[Admin];
const ISSUING: &[Role] = &[Admin, Issuer];
const SHOP: &[Role] = &[Merchant];
const FINANCE: &[Role] = &[Finance];
const FINANCE_READERS: &[Role] = &[Finance, Auditor];
const HANDING: &[Role] = &[Admin, Issuer, Kader];
const OFFICE: &[Role] = &[Admin, Issuer, Finance, Auditor];
/// Who reads shops and budget lines.
const MONEY_READERS: &[Role] = &[Admin, Finance, Auditor];

const fn row(
    method: &'static str,
    route: &'static str,
    uri: &'static str,
    allow: Allow,
    scope: Scope,
    body: Body,
) -> Row {
    Row {
        method,
        route,
        uri,
        allow,
        scope,
        body,
    }
}

/// A page's row.
const fn page(
    method: &'static str,
    route: &'static str,
    uri: &'static str,
    roles: &'static [Role],
    scope: Scope,
    body: Body,
) -> Row {
    row(method, route, uri, Page(roles), scope, body)
}

/// The table. `{voucher}`, `{shop}` and `{sale}` in a uri are a voucher of Desa Sibon, a shop of
/// Sibon and that shop's sale, made by `setup`.
fn table() -> Vec<Row> {
    let n = Body::None;
    vec![
        row("GET", "/healthz", "/healthz", Public, Any, n),
        row("GET", "/readyz", "/readyz", Public, Any, n),
        row("GET", "/metrics", "/metrics", Public, Any, n),
        row(
            "GET",
            "/assets/{file}",
            "/assets/tidak-ada.css",
            Public,
            Any,
            n,
        ),
        row("GET", "/masuk", "/masuk", Public, Any, n),
        row("POST", "/masuk", "/masuk", Public, Any, n),
        row("POST", "/keluar", "/keluar", Public, Any, n),
        page("GET", "/toko", "/toko", SHOP, Any, n),
        row("GET", "/toko-sw.js", "/toko-sw.js", Public, Any, n),
        row("GET", "/saldo", "/saldo", Public, Any, n),
        row("GET", "/", "/", Public, Any, n),
        row("GET", "/api", "/api", Public, Any, n),
        row("GET", "/openapi.json", "/openapi.json", Public, Any, n),
        row(
            "GET",
            "/v1/reconciliations",
            "/v1/reconciliations",
            Roles(FINANCE_READERS),
            Area,
            n,
        ),
        row(
            "POST",
            "/v1/reconciliations",
            "/v1/reconciliations",
            Roles(FINANCE),
            Area,
            Body::Json(|| json!({ "period": "2026-11" })),
        ),
        row(
            "GET",
            "/v1/reconciliations/{file}",
            "/v1/reconciliations/999999",
            Roles(FINANCE_READERS),
            Area,
            n,
        ),
        row(
            "POST",
            "/v1/settlements",
            "/v1/settlements",
            Roles(FINANCE),
            Area,
            Body::Json(|| json!({ "period": "2026-11" })),
        ),
        row(
            "GET",
            "/v1/settlements",
            "/v1/settlements",
            Roles(FINANCE_READERS),
            Area,
            n,
        ),
        row(
            "GET",
            "/v1/settlements/{file}",
            "/v1/settlements/999999",
            Roles(&[Finance, Auditor, Merchant]),
            District,
            n,
        ),
        row(
            "POST",
            "/v1/settlements/{file}/approve",
            "/v1/settlements/999999/approve",
            Roles(FINANCE),
            Area,
            n,
        ),
        row(
            "POST",
            "/v1/settlements/{file}/paid",
            "/v1/settlements/999999/paid",
            Roles(FINANCE),
            Area,
            Body::Json(|| json!({ "reference": "TRF-1" })),
        ),
        row(
            "POST",
            "/v1/settlements/{file}/flags",
            "/v1/settlements/999999/flags",
            Roles(SHOP),
            Any,
            Body::Json(|| json!({ "redemption_id": 1, "reason": "salah" })),
        ),
        row(
            "GET",
            "/v1/merchants/{id}/bank",
            "/v1/merchants/{shop}/bank",
            Roles(&[Finance, Admin, Merchant]),
            Area,
            n,
        ),
        row(
            "PUT",
            "/v1/merchants/{id}/bank",
            "/v1/merchants/{shop}/bank",
            Roles(&[Finance, Admin]),
            Area,
            Body::Json(
                || json!({ "bank_name": "BRI", "bank_account": "0123456789", "bank_holder": "Toko" }),
            ),
        ),
        row("GET", "/v/{token}", "/v/RLS1:AAAA", Public, Any, n),
        // Pages: callers come with a page session (an account of the caller's role and area,
        // signed in through the /masuk form) and POSTs with the form's CSRF token; without a
        // session a page sends its visitor to /masuk (303), a wrong role or area is answered
        // with the page's refusal (403).
        page(
            "GET",
            "/kader",
            "/kader?desa=35.14.05.2005&periode=2026-11",
            HANDING,
            Area,
            n,
        ),
        page(
            "POST",
            "/kader",
            "/kader",
            HANDING,
            Area,
            Body::Form("desa=35.14.05.2005&periode=2026-11&tanggal=2026-11-02&kartu={voucher}"),
        ),
        page("GET", "/admin", "/admin", OFFICE, Any, n),
        page("GET", "/admin/registri", "/admin/registri", ADMIN, Any, n),
        page("GET", "/admin/siklus", "/admin/siklus", ISSUING, Any, n),
        page("GET", "/admin/kartu", "/admin/kartu", ADMIN, Any, n),
        page(
            "GET",
            "/keuangan",
            "/keuangan",
            FINANCE_READERS,
            District,
            n,
        ),
        page(
            "POST",
            "/keuangan",
            "/keuangan",
            FINANCE,
            District,
            Body::Form("aksi=rekonsiliasi&periode=2026-11"),
        ),
        page(
            "GET",
            "/keuangan/desa/{kode}",
            "/keuangan/desa/35.14.05.2005",
            FINANCE_READERS,
            District,
            n,
        ),
        page("GET", "/admin/toko", "/admin/toko", MONEY_READERS, Any, n),
        page(
            "GET",
            "/admin/kunci",
            "/admin/kunci",
            &[Admin, Auditor],
            Any,
            n,
        ),
        page(
            "GET",
            "/admin/lokus",
            "/admin/lokus?tahun=2026",
            OFFICE,
            Any,
            n,
        ),
        page(
            "POST",
            "/admin/lokus",
            "/admin/lokus",
            ADMIN,
            District,
            Body::Form("tahun=2026&desa=35.14.05.2005"),
        ),
        page(
            "GET",
            "/admin/anggaran",
            "/admin/anggaran?tahun=2026",
            MONEY_READERS,
            Any,
            n,
        ),
        page(
            "POST",
            "/admin/anggaran",
            "/admin/anggaran",
            &[Admin, Finance],
            District,
            Body::Form("tahun=2026&sumber_dana=CSR&kode_wilayah=35.14&jumlah=1000"),
        ),
        row("GET", "/V/{token}", "/V/RLS1:AAAA", Public, Any, n),
        row("GET", "/v1/keys", "/v1/keys", Public, Any, n),
        row("GET", "/v1/revocations", "/v1/revocations", Public, Any, n),
        // Only refusals matter here: the admin inside is answered 409 (a key is active), 422
        // (no rotation for 0 days) or 404 (a kid that is no key).
        row(
            "POST",
            "/v1/keys/generate",
            "/v1/keys/generate",
            Roles(ADMIN),
            District,
            n,
        ),
        row(
            "POST",
            "/v1/keys/rotate",
            "/v1/keys/rotate",
            Roles(ADMIN),
            District,
            Body::Json(|| json!({ "verify_days": 0 })),
        ),
        row(
            "POST",
            "/v1/keys/{kid}/revoke",
            "/v1/keys/{kid}/revoke",
            Roles(ADMIN),
            District,
            n,
        ),
        row(
            "GET",
            "/v1/offline-settings",
            "/v1/offline-settings",
            Public,
            Any,
            n,
        ),
        row(
            "POST",
            "/v1/balance",
            "/v1/balance",
            Public,
            Any,
            Body::Json(|| json!({ "token": "RLS1:AAAA" })),
        ),
        row(
            "POST",
            "/v1/login",
            "/v1/login",
            Public,
            Any,
            Body::Json(|| json!({ "name": "tidak.ada", "password": "x" })),
        ),
        row(
            "POST",
            "/v1/accounts",
            "/v1/accounts",
            Roles(ADMIN),
            Area,
            Body::Json(
                || json!({ "name": "petugas.uji", "password": "sepuluh karakter", "role": "auditor" }),
            ),
        ),
        // Accounts and tokens: an admin manages those inside its own area; a list is
        // filtered, an unknown id is 404 to every admin.
        row("GET", "/v1/accounts", "/v1/accounts", Roles(ADMIN), Any, n),
        row(
            "POST",
            "/v1/accounts/{id}/unlock",
            "/v1/accounts/999999/unlock",
            Roles(ADMIN),
            Any,
            n,
        ),
        row(
            "POST",
            "/v1/accounts/{id}/password",
            "/v1/accounts/999999/password",
            Roles(ADMIN),
            Any,
            Body::Json(|| json!({ "password": "sepuluh karakter" })),
        ),
        row(
            "POST",
            "/v1/accounts/{id}/disable",
            "/v1/accounts/999999/disable",
            Roles(ADMIN),
            Any,
            n,
        ),
        row("GET", "/v1/tokens", "/v1/tokens", Roles(ADMIN), Any, n),
        row(
            "POST",
            "/v1/tokens",
            "/v1/tokens",
            Roles(ADMIN),
            Area,
            Body::Json(|| json!({ "role": "auditor", "label": "matriks" })),
        ),
        row(
            "POST",
            "/v1/tokens/{id}/revoke",
            "/v1/tokens/999999/revoke",
            Roles(ADMIN),
            Any,
            n,
        ),
        page("GET", "/admin/akun", "/admin/akun", ADMIN, Any, n),
        page(
            "POST",
            "/admin/akun",
            "/admin/akun",
            ADMIN,
            Area,
            Body::Form("aksi=token&peran=auditor&wilayah=&catatan=matriks"),
        ),
        row(
            "POST",
            "/v1/account/password",
            "/v1/account/password",
            Account,
            Any,
            Body::Json(|| json!({ "current_password": "a", "new_password": "kata sandi baru" })),
        ),
        row(
            "POST",
            "/v1/households/import",
            "/v1/households/import",
            Roles(ADMIN),
            Area,
            Body::Csv(
                "no_kk,nik_kepala,nama_kepala,kode_desa,desil,krs,status\n3514050000000091,3514050100000091,Uji,35.14.05.2005,1,1,aktif\n",
            ),
        ),
        row(
            "POST",
            "/v1/merchants",
            "/v1/merchants",
            Roles(ADMIN),
            Area,
            Body::Json(
                || json!({ "name": "Toko Baru", "kode_desa": "35.14.05.2005", "service_area": ["35.14.05"] }),
            ),
        ),
        row(
            "GET",
            "/v1/merchants/{id}",
            "/v1/merchants/{shop}",
            Roles(&[Admin, Finance, Auditor, Merchant]),
            Area,
            n,
        ),
        row(
            "POST",
            "/v1/merchants/{id}/pairing",
            "/v1/merchants/{shop}/pairing",
            Roles(ADMIN),
            Area,
            Body::Json(|| json!({ "base_url": "https://relasi.example" })),
        ),
        // Suspended, then reactivated at once: the rows after these still sell at an active shop.
        row(
            "POST",
            "/v1/merchants/{id}/suspend",
            "/v1/merchants/{shop}/suspend",
            Roles(ADMIN),
            Area,
            n,
        ),
        row(
            "POST",
            "/v1/merchants/{id}/reactivate",
            "/v1/merchants/{shop}/reactivate",
            Roles(ADMIN),
            Area,
            n,
        ),
        row(
            "GET",
            "/v1/wilayah",
            "/v1/wilayah?induk=35.14",
            Roles(&[Admin, Issuer, Finance, Auditor]),
            Any,
            n,
        ),
        row(
            "POST",
            "/v1/budgets",
            "/v1/budgets",
            Roles(&[Admin, Finance]),
            Area,
            Body::Json(
                || json!({ "year": 2026, "sumber_dana": "CSR", "kode_wilayah": "35.14", "amount": "1000" }),
            ),
        ),
        row(
            "GET",
            "/v1/budgets",
            "/v1/budgets",
            Roles(&[Admin, Finance, Auditor]),
            Any,
            n,
        ),
        row(
            "GET",
            "/v1/programmes",
            "/v1/programmes",
            Roles(&[Admin, Issuer, Finance, Auditor]),
            Any,
            n,
        ),
        row(
            "GET",
            "/v1/lokus",
            "/v1/lokus?year=2026",
            Roles(&[Admin, Issuer, Finance, Auditor]),
            Any,
            n,
        ),
        row(
            "POST",
            "/v1/lokus",
            "/v1/lokus",
            Roles(ADMIN),
            Area,
            Body::Json(|| json!({ "year": 2026, "desa": ["35.14.05.2005"] })),
        ),
        row(
            "POST",
            "/v1/cycles",
            "/v1/cycles",
            Roles(ISSUING),
            Area,
            Body::Json(|| json!({ "period": "2026-11" })),
        ),
        row(
            "POST",
            "/v1/cycles/{period}/issue",
            "/v1/cycles/2026-11/issue",
            Roles(ISSUING),
            Area,
            n,
        ),
        row(
            "GET",
            "/v1/cycles/{period}/cards.pdf",
            "/v1/cycles/2026-11/cards.pdf?desa=35.14.05.2005",
            Roles(&[Admin, Issuer, Kader]),
            Area,
            n,
        ),
        row(
            "GET",
            "/v1/cycles/{period}/handover.csv",
            "/v1/cycles/2026-11/handover.csv?desa=35.14.05.2005",
            Roles(&[Admin, Issuer, Kader]),
            Area,
            n,
        ),
        row(
            "POST",
            "/v1/cycles/{period}/handovers",
            "/v1/cycles/2026-11/handovers",
            Roles(&[Admin, Issuer, Kader]),
            Area,
            Body::Json(|| json!({ "cards": ["{voucher}"], "on": "2026-11-02" })),
        ),
        row(
            "GET",
            "/v1/cycles/{period}/handovers",
            "/v1/cycles/2026-11/handovers?desa=35.14.05.2005",
            Roles(&[Admin, Issuer, Kader]),
            Area,
            n,
        ),
        row(
            "GET",
            "/v1/vouchers",
            "/v1/vouchers?period=2026-11&desa=35.14.05.2005",
            Roles(ISSUING),
            Area,
            n,
        ),
        row(
            "GET",
            "/v1/vouchers/{id}",
            "/v1/vouchers/{voucher}",
            Roles(ISSUING),
            Area,
            n,
        ),
        row(
            "GET",
            "/v1/vouchers/{id}/qr.svg",
            "/v1/vouchers/{voucher}/qr.svg",
            Roles(ISSUING),
            Area,
            n,
        ),
        row(
            "GET",
            "/v1/vouchers/{id}/qr.png",
            "/v1/vouchers/{voucher}/qr.png",
            Roles(ISSUING),
            Area,
            n,
        ),
        row(
            "POST",
            "/v1/vouchers/{id}/replace",
            "/v1/vouchers/{spare}/replace",
            Roles(ADMIN),
            Area,
            n,
        ),
        row(
            "POST",
            "/v1/vouchers/{id}/revoke",
            "/v1/vouchers/{spare}/revoke",
            Roles(ADMIN),
            Area,
            n,
        ),
        row(
            "POST",
            "/v1/redemptions",
            "/v1/redemptions",
            Roles(SHOP),
            Any,
            Body::Json(|| basket("RLS1:BUKAN-VOUCHER", 1000)),
        ),
        row(
            "GET",
            "/v1/redemptions",
            "/v1/redemptions?date=2026-11-29",
            Roles(SHOP),
            Any,
            n,
        ),
        row(
            "POST",
            "/v1/redemptions/{id}/reversal",
            "/v1/redemptions/{sale}/reversal",
            Roles(SHOP),
            Area,
            n,
        ),
        row(
            "POST",
            "/v1/scan",
            "/v1/scan",
            Roles(SHOP),
            Any,
            Body::Bytes(b"bukan gambar"),
        ),
        row(
            "GET",
            "/v1/audit/verify",
            "/v1/audit/verify",
            Roles(&[Auditor, Admin]),
            Area,
            n,
        ),
    ]
}

/// Every `.route("PATH", get(..).post(..))` in src/, as (METHOD, PATH).
fn routes_in_source() -> BTreeSet<(String, String)> {
    let mut found = BTreeSet::new();
    let mut files = vec![std::path::PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/src"
    ))];
    while let Some(path) = files.pop() {
        if path.is_dir() {
            files.extend(std::fs::read_dir(&path).unwrap().map(|e| e.unwrap().path()));
        } else if path.extension().is_some_and(|e| e == "rs") {
            routes_in_file(&std::fs::read_to_string(&path).unwrap(), &mut found);
        }
    }
    found
}

fn routes_in_file(text: &str, found: &mut BTreeSet<(String, String)>) {
    for (start, _) in text.match_indices(".route(") {
        let rest = &text[start + ".route(".len()..];
        let mut depth = 1;
        let end = rest
            .char_indices()
            .find(|&(_, c)| {
                depth += match c {
                    '(' => 1,
                    ')' => -1,
                    _ => 0,
                };
                depth == 0
            })
            .map(|(i, _)| i)
            .unwrap();
        let call = &rest[..end];
        let path = call.split('"').nth(1).unwrap().to_owned();
        for method in ["get", "post", "put", "patch", "delete"] {
            let mut from = 0;
            while let Some(i) = call[from..].find(&format!("{method}(")) {
                let at = from + i;
                let before = call[..at].chars().last();
                if matches!(before, Some('.' | ':' | ' ' | '\n' | ',')) {
                    found.insert((method.to_uppercase(), path.clone()));
                }
                from = at + method.len();
            }
        }
    }
}

#[test]
fn every_route_has_a_row() {
    let rows: BTreeSet<(String, String)> = table()
        .iter()
        .map(|r| (r.method.to_owned(), r.route.to_owned()))
        .collect();
    let routes = routes_in_source();
    assert!(routes.len() > 30, "the scan found the router: {routes:?}");
    let missing: Vec<_> = routes.difference(&rows).collect();
    assert!(
        missing.is_empty(),
        "routes without a row in the authorization matrix: {missing:?}"
    );
    let stale: Vec<_> = rows.difference(&routes).collect();
    assert!(
        stale.is_empty(),
        "rows for routes the router no longer has: {stale:?}"
    );
}

/// A caller of the matrix: a role (or none), inside or outside the resources' area, with a
/// bearer token for the API and a page session (cookie and CSRF token) for the pages.
struct Caller {
    role: Option<Role>,
    inside: bool,
    token: Option<String>,
    session: Option<(String, String)>,
}

/// A page session with the token's role and area: an account made with that grant, signed in
/// through the /masuk form as a person would; its cookie and the CSRF token its pages carry.
async fn page_session(app: &TestApp, token: &str, name: &str) -> (String, String) {
    let secret = ApiTokenSecret::presented(token).unwrap();
    let (_, who) = app.store.principal_for(&secret).await.unwrap().unwrap();
    // A shop's grant names the shop and no area (the shop's own service area applies).
    let area = if who.role == Merchant {
        auth::Area::everywhere()
    } else {
        who.area
    };
    let grant = Grant::new(who.role, who.merchant_id, area).unwrap();
    accounts::create_account(&app.store, name, "sepuluh karakter", &grant, "test")
        .await
        .unwrap();
    let res = no_redirects()
        .post(app.url("/masuk"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("name={name}&password=sepuluh+karakter&next=%2F"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303, "{name} signs in");
    let set = res.headers()["set-cookie"].to_str().unwrap();
    let cookie = set.split(';').next().unwrap().to_owned();
    let value = cookie.split_once('=').unwrap().1.to_owned();
    let page = no_redirects()
        .get(app.url(landing(who.role)))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = csrf_token(&value);
    assert!(page.contains(&csrf), "{name}'s page carries its CSRF token");
    (cookie, csrf)
}

fn no_redirects() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

struct World {
    voucher: String,
    spare: String,
    shop: String,
    sale: String,
    callers: Vec<Caller>,
}

async fn setup(app: &TestApp) -> World {
    let vouchers = redeemable(app).await;
    let (shop, shop_token) = shop_in(app, "35.14.05").await;
    let (_, other_shop) = shop_in(app, "35.14.05").await;
    let token = vouchers[0]["token"].as_str().unwrap();
    let res = redeem(app, &shop_token, "matrix-1", &basket(token, 1000)).await;
    assert_eq!(res.status(), 201);
    let sale: Value = res.json().await.unwrap();
    let mut callers = vec![Caller {
        role: None,
        inside: true,
        token: None,
        session: None,
    }];
    for role in Role::ALL {
        let (inside, outside) = match role {
            Merchant => (shop_token.clone(), other_shop.clone()),
            Kader => (
                app.token_in(Kader, &["35.14.05.2005"]).await,
                app.token_in(Kader, &["35.14.06.2002"]).await,
            ),
            _ => (
                app.token(role).await,
                app.token_in(role, &["35.14.06"]).await,
            ),
        };
        for (token, inside) in [(inside, true), (outside, false)] {
            let name = format!("matriks.{}.{inside}", role.as_str());
            callers.push(Caller {
                role: Some(role),
                inside,
                session: Some(page_session(app, &token, &name).await),
                token: Some(token),
            });
        }
    }
    World {
        voucher: vouchers[0]["id"].as_str().unwrap().to_owned(),
        spare: vouchers[7]["id"].as_str().unwrap().to_owned(),
        shop: shop.0.to_string(),
        sale: sale["redemption_id"]
            .to_string()
            .trim_matches('"')
            .to_owned(),
        callers,
    }
}

/// The codes that mean "authorization refused".
const REFUSALS: [&str; 5] = [
    "unauthorized",
    "forbidden",
    "outside_area",
    "district_role_required",
    "csrf_failed",
];

/// What came back: the status and the problem's code (a redirect's `Location` for a page).
async fn send(app: &TestApp, world: &World, row: &Row, caller: &Caller) -> (u16, String) {
    let uri = row
        .uri
        .replace("{voucher}", &world.voucher)
        .replace("{spare}", &world.spare)
        .replace("{shop}", &world.shop)
        .replace("{sale}", &world.sale);
    let method = reqwest::Method::from_bytes(row.method.as_bytes()).unwrap();
    if let Page(_) = row.allow {
        return send_page(app, world, row, caller, method, &uri).await;
    }
    let mut req = app
        .http
        .request(method, app.url(&uri))
        .header("idempotency-key", "matrix-probe");
    if let Some(token) = &caller.token {
        req = req.bearer_auth(token);
    }
    req = match row.body {
        Body::None => req,
        Body::Json(make) => req
            .header("content-type", "application/json")
            .body(make().to_string().replace("{voucher}", &world.voucher)),
        Body::Csv(text) => req.header("content-type", "text/csv").body(text),
        Body::Bytes(bytes) => req.header("content-type", "image/png").body(bytes),
        Body::Form(_) => unreachable!("forms are sent by send_page"),
    };
    let res = req.send().await.unwrap();
    let status = res.status().as_u16();
    let is_problem = res
        .headers()
        .get("content-type")
        .is_some_and(|v| v.as_bytes().starts_with(b"application/problem+json"));
    let code = if is_problem {
        let body: Value = res.json().await.unwrap();
        body["code"].as_str().unwrap_or_default().to_owned()
    } else {
        String::new()
    };
    (status, code)
}

/// A page row, as a browser would send it: the session cookie, and a form with its CSRF token.
async fn send_page(
    app: &TestApp,
    world: &World,
    row: &Row,
    caller: &Caller,
    method: reqwest::Method,
    uri: &str,
) -> (u16, String) {
    let mut req = no_redirects().request(method, app.url(uri));
    let csrf = match &caller.session {
        Some((cookie, csrf)) => {
            req = req.header("cookie", cookie);
            csrf.as_str()
        }
        None => "",
    };
    if let Body::Form(fields) = row.body {
        let fields = fields.replace("{voucher}", &world.voucher);
        req = req
            .header("content-type", "application/x-www-form-urlencoded")
            .body(format!("csrf={csrf}&{fields}"));
    }
    let res = req.send().await.unwrap();
    let location = res
        .headers()
        .get("location")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (res.status().as_u16(), location)
}

/// Whether a page answer is the way to sign in.
fn sent_to_sign_in(status: u16, location: &str) -> bool {
    status == 303 && location.starts_with("/masuk")
}

/// What the matrix expects: `Err(status)` for a refusal, `Ok(())` for "past the checks".
fn expected(row: &Row, caller: &Caller) -> Result<(), u16> {
    let Some(role) = caller.role else {
        return match row.allow {
            Public => Ok(()),
            Page(_) => Err(303),
            _ => Err(401),
        };
    };
    match row.allow {
        Public => Ok(()),
        Account => Err(403),
        Roles(roles) | Page(roles) if !roles.contains(&role) => Err(403),
        Roles(_) | Page(_) if row.scope == Area && !caller.inside => Err(403),
        Roles(_) | Page(_) if row.scope == District && !caller.inside && role != Merchant => {
            Err(403)
        }
        Roles(_) | Page(_) => Ok(()),
    }
}

async fn every_route_by_every_role_inside_and_outside_its_area() {
    // Every caller signs in once, all from this one address.
    let app = spawn_app_with(Config {
        login_limit: BalanceLimit {
            burst: 100,
            refill_ms: 1000,
        },
        ..Config::default()
    })
    .await;
    let world = setup(&app).await;
    let mut failures = Vec::new();
    let mut cells = 0;
    for row in table() {
        for caller in &world.callers {
            let (status, code) = send(&app, &world, &row, caller).await;
            cells += 1;
            let who = format!(
                "{} {} as {:?} ({})",
                row.method,
                row.uri,
                caller.role,
                if caller.inside { "inside" } else { "outside" }
            );
            let ok = match (row.allow, expected(&row, caller)) {
                (Page(_), Ok(())) => {
                    status < 500 && status != 403 && !sent_to_sign_in(status, &code)
                }
                (Page(_), Err(303)) => sent_to_sign_in(status, &code),
                (Page(_), Err(want)) => status == want,
                (_, Ok(())) => status < 500 && !REFUSALS.contains(&code.as_str()),
                (_, Err(want)) => status == want && REFUSALS.contains(&code.as_str()),
            };
            if !ok {
                failures.push(format!(
                    "{who}: got {status} {code}, want {:?}",
                    expected(&row, caller)
                ));
            }
        }
    }
    assert!(cells >= 39 * 13, "{cells} cells");
    assert!(
        failures.is_empty(),
        "{} of {cells} cells wrong:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
story!(every_route_by_every_role_inside_and_outside_its_area);
