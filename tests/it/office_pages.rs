//! The office pages added after the first ones: `/admin/toko` (register a shop with its area
//! picked from the wilayah tree, suspend it and see its sales refused, reactivate it, print its
//! phone's pairing QR), `/admin/kunci` (signing keys, their windows in local time), and the
//! dashboard's households eligible as the cycle's issuance judged them. Each story signs in as
//! a person would, checks what the page shows and what changed behind it, the accessibility
//! basics at 360 px, and that other roles are refused.

use crate::browser::Browser;
use crate::helpers::{TestApp, assert_problem, spawn_app};
use crate::pages::{account, no_redirects, sign_in};
use crate::redemption::{basket, redeem, redeemable};
use relasi::domain::ids::MerchantId;
use serde_json::{Value, json};

/// A page's status and HTML as the holder of `cookie` gets it.
async fn page_as(app: &TestApp, cookie: &str, path: &str) -> (u16, String) {
    let res = no_redirects()
        .get(app.url(path))
        .header("cookie", cookie)
        .send()
        .await
        .unwrap();
    (res.status().as_u16(), res.text().await.unwrap())
}

/// Picks `code` in a wilayah picker, one list after the other, as a person would.
pub(crate) async fn pick(b: &Browser, picker: &str, code: &str) {
    b.wait_for(
        &format!("document.getElementById('{picker}').dataset.ready === '1'"),
        30,
    )
    .await;
    let parts: Vec<&str> = code.split('.').collect();
    for level in 1..=parts.len() {
        let value = parts[..level].join(".");
        let select = format!("document.getElementById('{picker}-{level}')");
        b.wait_for(
            &format!("{select} && !{select}.disabled && [...{select}.options].some(o => o.value === '{value}')"),
            30,
        )
        .await;
        b.eval(&format!(
            "(() => {{ const s = {select}; s.value = '{value}'; s.dispatchEvent(new Event('change')); return true; }})()"
        ))
        .await;
    }
}

async fn an_admin_registers_a_shop_suspends_it_and_prints_its_pairing_qr() {
    let app = spawn_app().await;
    let v = redeemable(&app).await;
    account(&app, "admin.dinkes", "kata sandi admin", "admin", &[]).await;
    account(
        &app,
        "camat.puspo",
        "kata sandi camat",
        "issuer",
        &["35.14.06"],
    )
    .await;
    // An issuer does not manage shops: refused, in the visitor's language.
    let (_, _, issuer) = sign_in(&app, "camat.puspo", "kata sandi camat").await;
    let (status, html) = page_as(&app, &issuer, "/admin/toko").await;
    assert_eq!(status, 403);
    assert!(html.contains("role=\"alert\"") && !html.contains("toko-form"));
    let (_, _, admin) = sign_in(&app, "admin.dinkes", "kata sandi admin").await;
    let (_, english) = page_as(&app, &admin, "/admin/toko?lang=en").await;
    assert!(english.contains("Partner shops") && english.contains("Register a shop"));

    let Some(b) = Browser::start(None).await else {
        return;
    };
    b.sign_in_account(&app.base, "admin.dinkes", "kata sandi admin")
        .await;
    b.client.goto(&app.url("/admin/toko")).await.unwrap();
    b.wait_for("document.body.dataset.ready === '1'", 30).await;
    assert!(b.text("main").await.contains("Belum ada toko"));
    b.type_into("#toko-nama", "Toko Makmur").await;
    pick(&b, "toko-desa", "35.14.05.2005").await;
    pick(&b, "toko-layanan", "35.14.05").await;
    b.click("#toko-layanan-tambah").await;
    b.wait_for(
        "document.querySelectorAll('#toko-layanan-daftar li').length === 1",
        10,
    )
    .await;
    b.eval("document.getElementById('kategori-susu').checked = false")
        .await;
    b.type_into("#toko-bank", "BRI").await;
    b.type_into("#toko-rekening", "0123456789").await;
    b.type_into("#toko-pemilik", "Siti Aminah").await;
    b.assert_accessible().await;
    b.click("#toko-form button[type=submit]").await;
    b.wait_for("location.search.startsWith('?baru=')", 30).await;
    b.wait_for("document.body.dataset.ready === '1'", 30).await;
    assert_eq!(b.text("#toko-pesan").await, "Toko didaftarkan.");
    let id: i64 = b
        .eval("new URLSearchParams(location.search).get('baru')")
        .await
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let shop: Value = app
        .get(&format!("/v1/merchants/{id}"), &app.admin)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(shop["name"], "Toko Makmur");
    assert_eq!(shop["kode_desa"], "35.14.05.2005");
    assert_eq!(shop["service_area"], json!(["35.14.05"]));
    assert!(
        !shop["categories"]
            .as_array()
            .unwrap()
            .contains(&json!("susu"))
    );
    let finance = app.token(relasi::domain::auth::Role::Finance).await;
    let bank: Value = app
        .get(&format!("/v1/merchants/{id}/bank"), &finance)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        (
            &bank["bank_name"],
            &bank["bank_account"],
            &bank["bank_holder"]
        ),
        (&json!("BRI"), &json!("0123456789"), &json!("Siti Aminah"))
    );

    // It sells; suspended on the page, its next sale is refused with a stable code.
    let shop_token = app.merchant_token(MerchantId(id)).await;
    let token = v[0]["token"].as_str().unwrap();
    let sale = redeem(&app, &shop_token, "jual-1", &basket(token, 1000)).await;
    assert_eq!(sale.status(), 201);
    let row = format!(".toko-baris[data-id='{id}']");
    b.click(&format!("{row} .toko-tangguhkan")).await;
    b.wait_for("location.search.startsWith('?ditangguhkan=')", 30)
        .await;
    b.wait_for("document.body.dataset.ready === '1'", 30).await;
    assert_eq!(b.text(&format!("{row} .toko-status")).await, "Ditangguhkan");
    let refused = redeem(&app, &shop_token, "jual-2", &basket(token, 1000)).await;
    assert_problem(refused, 403, "merchant_inactive").await;
    b.click(&format!("{row} .toko-aktifkan")).await;
    b.wait_for("location.search.startsWith('?diaktifkan=')", 30)
        .await;
    b.wait_for("document.body.dataset.ready === '1'", 30).await;
    assert_eq!(b.text(&format!("{row} .toko-status")).await, "Aktif");
    let sale = redeem(&app, &shop_token, "jual-3", &basket(token, 1000)).await;
    assert_eq!(sale.status(), 201);
    b.assert_accessible().await;
    if app.db.backend == relasi::store::Backend::Sqlite {
        b.screenshot("admin-toko").await;
    }

    // The pairing QR for the shop's phone.
    b.click(&format!("{row} .toko-pasang")).await;
    b.wait_for("document.body.dataset.paired", 30).await;
    b.wait_for("document.getElementById('pasang-qr').naturalWidth > 0", 30)
        .await;
    assert_eq!(b.text("#pasang-toko").await, "Toko Makmur");
    b.assert_accessible().await;
    b.close().await;
    let actions: Vec<String> = app
        .store
        .audit_records()
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.event.subject == format!("merchant:{id}"))
        .map(|r| r.event.action)
        .collect();
    assert_eq!(
        actions,
        [
            "merchant.create",
            "merchant.bank",
            "merchant.suspend",
            "merchant.reactivate"
        ]
    );
}
story!(
    an_admin_registers_a_shop_suspends_it_and_prints_its_pairing_qr,
    multi_thread
);

/// The published keys: (kid, status) oldest first.
async fn published(app: &TestApp) -> Vec<(String, String)> {
    app.get_public("/v1/keys").await["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| {
            (
                k["kid"].as_str().unwrap().to_owned(),
                k["status"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

async fn an_admin_creates_rotates_and_revokes_signing_keys_on_the_keys_page() {
    let app = spawn_app().await;
    account(&app, "admin.dinkes", "kata sandi admin", "admin", &[]).await;
    account(&app, "auditor", "kata sandi auditor", "auditor", &[]).await;
    account(
        &app,
        "camat.puspo",
        "kata sandi camat",
        "issuer",
        &["35.14.06"],
    )
    .await;
    let (_, _, issuer) = sign_in(&app, "camat.puspo", "kata sandi camat").await;
    assert_eq!(page_as(&app, &issuer, "/admin/kunci").await.0, 403);
    let (_, _, admin) = sign_in(&app, "admin.dinkes", "kata sandi admin").await;
    let (_, english) = page_as(&app, &admin, "/admin/kunci?lang=en").await;
    assert!(english.contains("Signing keys") && english.contains("Create the first key"));

    let Some(b) = Browser::start(None).await else {
        return;
    };
    b.sign_in_account(&app.base, "admin.dinkes", "kata sandi admin")
        .await;
    b.client.goto(&app.url("/admin/kunci")).await.unwrap();
    b.wait_for("document.body.dataset.ready === '1'", 30).await;
    assert!(b.text("main").await.contains("Belum ada kunci"));
    b.click("#kunci-buat button[type=submit]").await;
    b.wait_for("location.search.startsWith('?baru=')", 30).await;
    b.wait_for("document.body.dataset.ready === '1'", 30).await;
    let keys = published(&app).await;
    assert_eq!(keys.len(), 1);
    assert_eq!(keys[0].1, "active");
    assert!(b.text("#kunci-pesan").await.ends_with(&keys[0].0));
    let first = keys[0].0.clone();

    // Rotation: the old key stops signing and verifies for the 30 days asked.
    b.eval("document.getElementById('kunci-hari').value = '30'")
        .await;
    b.click("#kunci-rotasi button[type=submit]").await;
    b.wait_for(
        "location.search.startsWith('?baru=') && !location.search.endsWith(RELASI_FIRST)"
            .replace("RELASI_FIRST", &format!("'{first}'"))
            .as_str(),
        30,
    )
    .await;
    b.wait_for("document.body.dataset.ready === '1'", 30).await;
    let keys = published(&app).await;
    assert_eq!(
        keys.iter().map(|k| k.1.as_str()).collect::<Vec<_>>(),
        ["retired", "active"]
    );
    let metas = app.store.signing_keys().await.unwrap();
    let verify = metas[0].verify_until.unwrap() - metas[0].signing_until.unwrap();
    assert_eq!(verify.num_days(), 30);
    // The new private key is in this server's key folder and is the published one.
    relasi::signing::load(&app.keys_path(), &metas[1]).unwrap();
    let old = format!(".kunci-baris[data-kid='{first}']");
    assert_eq!(
        b.text(&format!("{old} .kunci-status")).await,
        "Dipensiunkan"
    );
    // Windows in the programme's local time, with its zone's name (the demo district: WIB).
    let verify_until = b.text(&format!("{old} .kunci-verifikasi")).await;
    assert_eq!(
        verify_until,
        relasi::domain::calendar::waktu(metas[0].verify_until.unwrap(), 7)
    );
    assert!(verify_until.ends_with(" WIB"), "{verify_until}");
    b.assert_accessible().await;
    if app.db.backend == relasi::store::Backend::Sqlite {
        b.screenshot("admin-kunci").await;
    }

    // Revoking the old key (compromised) after saying yes to the question.
    b.eval("(() => { window.confirm = () => true; return true; })()")
        .await;
    b.click(&format!("{old} .kunci-cabut")).await;
    b.wait_for("location.search.startsWith('?dicabut=')", 30)
        .await;
    let keys = published(&app).await;
    assert_eq!(
        keys.iter().map(|k| k.1.as_str()).collect::<Vec<_>>(),
        ["revoked", "active"]
    );
    b.close().await;

    // The auditor sees the keys and nothing to change them with; API refuses others.
    let (_, _, auditor) = sign_in(&app, "auditor", "kata sandi auditor").await;
    let (status, html) = page_as(&app, &auditor, "/admin/kunci").await;
    assert_eq!(status, 200);
    assert!(
        html.contains(&first) && !html.contains("kunci-rotasi") && !html.contains("kunci-cabut")
    );
    let auditor_token = app.token(relasi::domain::auth::Role::Auditor).await;
    let res = app
        .post(
            "/v1/keys/rotate",
            &auditor_token,
            &json!({ "verify_days": 62 }),
        )
        .await;
    assert_problem(res, 403, "forbidden").await;
    let res = app.post("/v1/keys/generate", &app.admin, &json!({})).await;
    assert_problem(res, 409, "signing_key_active").await;
    let actions: Vec<String> = app
        .store
        .audit_records()
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.event.action.starts_with("key."))
        .map(|r| r.event.action)
        .collect();
    assert_eq!(actions, ["key.generate", "key.rotate", "key.revoke"]);
}
story!(
    an_admin_creates_rotates_and_revokes_signing_keys_on_the_keys_page,
    multi_thread
);

/// The text of the element `id` in a page (`id="ID">TEXT<`).
fn shown<'a>(html: &'a str, id: &str) -> &'a str {
    let at = format!("id=\"{id}\">");
    let start = html.find(&at).unwrap_or_else(|| panic!("no #{id}")) + at.len();
    html[start..].split('<').next().unwrap()
}

/// The eligible cell of a desa's (or kecamatan's) row of the dashboard's table.
fn eligible_cell<'a>(html: &'a str, area: &str) -> &'a str {
    let row = html
        .find(&format!(">{area}</th>"))
        .unwrap_or_else(|| panic!("no row {area}"));
    let cell = "class=\"num layak\">";
    let start = row + html[row..].find(cell).unwrap() + cell.len();
    html[start..].split('<').next().unwrap()
}

async fn the_dashboard_shows_the_households_eligible_as_the_issuance_judged_them() {
    let app = spawn_app().await;
    crate::issuance::district(&app, "100000000").await;
    account(&app, "admin.dinkes", "kata sandi admin", "admin", &[]).await;
    let (_, _, admin) = sign_in(&app, "admin.dinkes", "kata sandi admin").await;
    let (status, html) = page_as(&app, &admin, "/admin?periode=2026-12").await;
    assert_eq!(status, 200);
    assert_eq!(shown(&html, "angka-layak"), "—", "not issued yet");

    let report: Value = crate::issuance::issue(&app).await.json().await.unwrap();
    let eligible = report["eligible"].as_i64().unwrap();
    assert!(eligible > 0 && report["skipped_ineligible"].as_i64().unwrap() > 0);
    let (_, html) = page_as(&app, &admin, "/admin?periode=2026-12").await;
    assert_eq!(shown(&html, "angka-layak"), eligible.to_string());
    assert_eq!(shown(&html, "angka-terbit"), eligible.to_string());
    // Per desa: money was ample, so each desa's eligible households are its vouchers.
    let programme = relasi::usecases::programmes::resolve(&app.store, None)
        .await
        .unwrap();
    let period = relasi::domain::ids::Period::parse("2026-12").unwrap();
    let figures = app.store.desa_figures(programme.id, period).await.unwrap();
    for f in &figures {
        assert_eq!(f.eligible, Some(f.issued), "{}", f.desa_name);
        assert_eq!(eligible_cell(&html, &f.desa_name), f.issued.to_string());
    }
    assert_eq!(
        figures.iter().filter_map(|f| f.eligible).sum::<i64>(),
        eligible
    );
    assert!(
        figures
            .iter()
            .any(|f| f.eligible == Some(0) && f.households_active > 0),
        "a desa outside the lokus: households, none eligible"
    );
    assert_eq!(
        eligible_cell(&html, "Pasrepan"),
        figures
            .iter()
            .filter(|f| f.kecamatan_name == "Pasrepan")
            .filter_map(|f| f.eligible)
            .sum::<i64>()
            .to_string()
    );
    assert_eq!(html.matches("<figure class=\"chart\"").count(), 3);

    // The head of an eligible household died: the next run judges again, and the dashboard
    // follows the latest run.
    app.import_csv(crate::registry::households_csv(1, 1, "meninggal"))
        .await;
    let again: Value = crate::issuance::issue(&app).await.json().await.unwrap();
    assert_eq!(again["eligible"].as_i64(), Some(eligible - 1), "{again}");
    let (_, html) = page_as(&app, &admin, "/admin?periode=2026-12").await;
    assert_eq!(shown(&html, "angka-layak"), (eligible - 1).to_string());
    assert_eq!(shown(&html, "angka-terbit"), eligible.to_string());
}
story!(the_dashboard_shows_the_households_eligible_as_the_issuance_judged_them);
