//! The pages for people: signing in with a name and password lands each role on its page; the
//! kader records hand-overs for her desa only (page and API); the admin imports a registry
//! (a bad row named by its line), issues a cycle and downloads a card sheet; the dashboard
//! shows the figures of the visitor's area.

use crate::browser::Browser;
use crate::helpers::{TestApp, assert_problem, spawn_app};
use crate::redemption::redeemable;
use relasi::domain::auth::Role;
use serde_json::{Value, json};

pub(crate) fn no_redirects() -> reqwest::Client {
    crate::helpers::http_client();
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// A urlencoded form body (the values here are letters, digits, dots, spaces and slashes).
fn form(fields: &[(&str, &str)]) -> String {
    fields
        .iter()
        .map(|(k, v)| format!("{k}={}", v.replace('/', "%2F").replace(' ', "+")))
        .collect::<Vec<_>>()
        .join("&")
}

/// An account made by the admin through the API.
pub(crate) async fn account(app: &TestApp, name: &str, password: &str, role: &str, areas: &[&str]) {
    let body = json!({ "name": name, "password": password, "role": role, "areas": areas });
    let res = app.post("/v1/accounts", &app.admin, &body).await;
    assert_eq!(res.status(), 201, "{}", res.text().await.unwrap());
}

/// Signs in on /masuk with a name and password: (status, Location, session cookie).
pub(crate) async fn sign_in(app: &TestApp, name: &str, password: &str) -> (u16, String, String) {
    let res = no_redirects()
        .post(app.url("/masuk"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form(&[
            ("name", name),
            ("password", password),
            ("next", "/"),
        ]))
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    let location = res
        .headers()
        .get("location")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let cookie = res
        .headers()
        .get("set-cookie")
        .map(|v| v.to_str().unwrap().split(';').next().unwrap().to_owned())
        .unwrap_or_default();
    (status, location, cookie)
}

async fn signing_in_with_a_name_and_password_lands_each_role_on_its_page() {
    let app = spawn_app().await;
    account(
        &app,
        "kader.sibon",
        "kata sandi kader",
        "kader",
        &["35.14.05.2005"],
    )
    .await;
    account(&app, "admin.dinkes", "kata sandi admin", "admin", &[]).await;
    account(
        &app,
        "camat.puspo",
        "kata sandi camat",
        "issuer",
        &["35.14.06"],
    )
    .await;
    let (status, to, cookie) = sign_in(&app, "kader.sibon", "kata sandi kader").await;
    assert_eq!((status, to.as_str()), (303, "/kader"));
    assert!(cookie.starts_with("relasi_sesi=rls_"));
    let (_, to, _) = sign_in(&app, "admin.dinkes", "kata sandi admin").await;
    assert_eq!(to, "/admin");
    let (status, _, cookie) = sign_in(&app, "kader.sibon", "salah sekali").await;
    assert_eq!(status, 401);
    assert!(cookie.is_empty());
    let page = no_redirects()
        .post(app.url("/masuk"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form(&[
            ("name", "kader.sibon"),
            ("password", "salah sekali"),
        ]))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("Nama pengguna atau kata sandi salah"),
        "{page}"
    );
    // The kecamatan officer sees only its kecamatan on the dashboard.
    let (_, _, camat) = sign_in(&app, "camat.puspo", "kata sandi camat").await;
    redeemable(&app).await;
    let html = no_redirects()
        .get(app.url("/admin?periode=2026-11"))
        .header("cookie", &camat)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!html.contains("Sibon"), "Sibon is in Pasrepan, not Puspo");
    let (_, _, admin) = sign_in(&app, "admin.dinkes", "kata sandi admin").await;
    let html = no_redirects()
        .get(app.url("/admin?periode=2026-11"))
        .header("cookie", &admin)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("Sibon") && html.contains("Rp 1.000.000"),
        "{html}"
    );
    // Bahasa Indonesia first; English on asking, on every page.
    for (path, id, en) in [
        ("/admin?periode=2026-11", "Dasbor", "Dashboard"),
        ("/admin/registri", "Impor registri", "Registry import"),
        (
            "/admin/siklus?periode=2026-11",
            "Siklus dan kartu",
            "Cycles and cards",
        ),
        ("/admin/kartu", "Kartu hilang", "Lost cards"),
        ("/masuk", "Nama pengguna", "User name"),
    ] {
        let get = |url: String| {
            no_redirects()
                .get(app.url(&url))
                .header("cookie", &admin)
                .send()
        };
        let indonesian = get(path.to_owned()).await.unwrap().text().await.unwrap();
        assert!(
            indonesian.contains(id) && indonesian.contains("<html lang=\"id\">"),
            "{path}"
        );
        let sep = if path.contains('?') { '&' } else { '?' };
        let english = get(format!("{path}{sep}lang=en"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            english.contains(en) && english.contains("<html lang=\"en\">"),
            "{path}"
        );
    }
    let (_, _, kader) = sign_in(&app, "kader.sibon", "kata sandi kader").await;
    let english = no_redirects()
        .get(app.url("/kader?periode=2026-11&lang=en"))
        .header("cookie", &kader)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        english.contains("Card hand-over") && english.contains("Kepala 1"),
        "{english}"
    );
}
story!(signing_in_with_a_name_and_password_lands_each_role_on_its_page);

async fn handovers_are_recorded_once_by_the_kader_of_the_cards_desa() {
    let app = spawn_app().await;
    let v = redeemable(&app).await;
    let kader = app.token_in(Role::Kader, &["35.14.05.2005"]).await;
    let other = app.token_in(Role::Kader, &["35.14.06.2002"]).await;
    let path = "/v1/cycles/2026-11/handovers";
    let id = v[0]["id"].as_str().unwrap();
    let body = json!({ "cards": [id], "on": "2026-11-02" });
    assert_problem(app.post(path, &other, &body).await, 403, "outside_area").await;
    let res = app.post(path, &kader, &body).await;
    assert_eq!(res.status(), 201);
    assert_eq!(
        res.json::<Value>().await.unwrap(),
        json!({ "recorded": 1, "already": 0 })
    );
    // Scanning the card (its QR text) names the same card: the first date stays.
    let scanned = json!({ "cards": [v[0]["token"]], "on": "2026-11-03" });
    let res = app.post(path, &kader, &scanned).await;
    assert_eq!(
        res.json::<Value>().await.unwrap(),
        json!({ "recorded": 0, "already": 1 })
    );
    let future = json!({ "cards": [id], "on": "2999-01-01" });
    assert_problem(
        app.post(path, &kader, &future).await,
        422,
        "validation_failed",
    )
    .await;
    let list: Value = app
        .get("/v1/cycles/2026-11/handovers?desa=35.14.05.2005", &kader)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        (
            list["handed_over"].as_u64(),
            list["not_handed_over"].as_u64()
        ),
        (Some(1), Some(7))
    );
    let first = list["cards"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["voucher_id"] == id)
        .unwrap();
    assert_eq!(first["handed_over_on"], "2026-11-02");
    assert!(
        !list.to_string().contains("Kepala"),
        "no names in the API's list"
    );
    let res = app
        .get("/v1/cycles/2026-11/handovers?desa=35.14.05.2005", &other)
        .await;
    assert_problem(res, 403, "outside_area").await;
}
story!(handovers_are_recorded_once_by_the_kader_of_the_cards_desa);

async fn a_kader_records_a_hand_over_on_her_page_and_is_refused_another_desa() {
    let app = spawn_app().await;
    let v = redeemable(&app).await;
    account(
        &app,
        "kader.sibon",
        "kata sandi kader",
        "kader",
        &["35.14.05.2005"],
    )
    .await;
    let kader = app.token_in(Role::Kader, &["35.14.05.2005"]).await;
    let body = json!({ "cards": [v[0]["id"]], "on": "2026-11-02" });
    assert_eq!(
        app.post("/v1/cycles/2026-11/handovers", &kader, &body)
            .await
            .status(),
        201
    );
    // Another desa is refused 403 to her session, on the page as in the API.
    let (_, _, cookie) = sign_in(&app, "kader.sibon", "kata sandi kader").await;
    let res = no_redirects()
        .get(app.url("/kader?desa=35.14.06.2002&periode=2026-11"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);

    let Some(b) = Browser::start(None).await else {
        return;
    };
    b.sign_in_account(&app.base, "kader.sibon", "kata sandi kader")
        .await;
    assert_eq!(b.eval("location.pathname").await, json!("/kader"));
    b.client
        .goto(&app.url("/kader?periode=2026-11"))
        .await
        .unwrap();
    b.wait_for("document.body.dataset.ready === '1'", 30).await;
    assert_eq!(b.text("#kader-jumlah").await, "1 / 8");
    assert!(
        b.text(".ticks").await.contains("Kepala 2"),
        "her list names the families"
    );
    b.eval("document.querySelector('input[name=kartu]').checked = true")
        .await;
    b.click("#serah-simpan").await;
    b.wait_for("document.getElementById('kader-tercatat')", 30)
        .await;
    assert_eq!(b.text("#kader-jumlah").await, "2 / 8");
    assert!(b.text("#kader-tercatat").await.ends_with(": 1"));
    b.assert_accessible().await;
    if app.db.backend == relasi::store::Backend::Sqlite {
        b.screenshot("kader").await;
    }
    let list: Value = app
        .get(
            "/v1/cycles/2026-11/handovers?desa=35.14.05.2005",
            &app.admin,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list["handed_over"], 2, "stored on the server");
    // The downloads are there for her desa.
    let pdf = b
        .eval("fetch(document.getElementById('unduh-kartu').href).then(r => r.status + ' ' + r.headers.get('content-type'))")
        .await;
    assert_eq!(pdf, json!("200 application/pdf"));
    b.client
        .goto(&app.url("/kader?desa=35.14.06.2002&periode=2026-11"))
        .await
        .unwrap();
    b.wait_for("document.getElementById('kader-ditolak')", 30)
        .await;
    assert_eq!(b.text("#kader-ditolak").await, "Di luar wilayah tugas Anda");
    b.close().await;
}
story!(
    a_kader_records_a_hand_over_on_her_page_and_is_refused_another_desa,
    multi_thread
);

const HEADER: &str = "no_kk,nik_kepala,nama_kepala,kode_desa,desil,krs,status\n";

fn registry(bad: bool) -> String {
    let desil = if bad { "11" } else { "2" };
    format!(
        "{HEADER}3514050000000001,3514050100000001,Kepala Satu,35.14.05.2005,1,1,aktif\n\
         3514050000000002,3514050100000002,Kepala Dua,35.14.05.2005,1,1,aktif\n\
         3514050000000003,3514050100000003,Kepala Tiga,35.14.05.2005,{desil},1,aktif\n"
    )
}

async fn upload(b: &Browser, file: &std::path::Path) {
    use fantoccini::Locator;
    b.eval("document.getElementById('berlaku').value = '2026-01-01'")
        .await;
    b.eval("document.getElementById('impor-pesan').textContent = ''")
        .await;
    let input = b.client.find(Locator::Css("#berkas")).await.unwrap();
    input.send_keys(&file.display().to_string()).await.unwrap();
    b.click("#impor-form button[type=submit]").await;
    b.wait_for(
        "['ok', 'alert'].includes(document.getElementById('impor-pesan').className)",
        30,
    )
    .await;
}

async fn an_admin_imports_fixes_a_bad_row_issues_and_downloads_a_card_sheet() {
    let app = spawn_app().await;
    account(&app, "admin.dinkes", "kata sandi admin", "admin", &[]).await;
    let budget = json!({ "year": 2026, "sumber_dana": "APBD", "kode_wilayah": "35.14", "amount": "100000000" });
    assert_eq!(
        app.post("/v1/budgets", &app.admin, &budget).await.status(),
        201
    );
    app.generate_key().await;
    let Some(b) = Browser::start(None).await else {
        return;
    };
    b.sign_in_account(&app.base, "admin.dinkes", "kata sandi admin")
        .await;
    assert_eq!(b.eval("location.pathname").await, json!("/admin"));
    b.client.goto(&app.url("/admin/registri")).await.unwrap();
    b.wait_for("document.body.dataset.ready === '1'", 30).await;
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("households-salah.csv");
    // As Excel saves a CSV: CRLF line ends.
    std::fs::write(&bad, registry(true).replace('\n', "\r\n")).unwrap();
    upload(&b, &bad).await;
    assert_eq!(
        b.text("#impor-pesan").await.split('.').next().unwrap(),
        "Berkas ditolak; tidak ada yang disimpan"
    );
    assert_eq!(
        b.text("#impor-galat tbody td").await,
        "4",
        "the header is line 1"
    );
    assert_eq!(b.text("#impor-galat tbody td:nth-child(2)").await, "desil");
    b.assert_accessible().await;
    if app.db.backend == relasi::store::Backend::Sqlite {
        b.screenshot("admin-registri").await;
    }
    // A file saved as Windows-1252, not UTF-8: refused as the CLI refuses it, line named.
    let latin1 = dir.path().join("households-latin1.csv");
    let bytes: Vec<u8> = registry(false)
        .replace("Kepala Dua", "Kepala D#a")
        .bytes()
        .map(|b| if b == b'#' { 0xE9 } else { b })
        .collect();
    std::fs::write(&latin1, bytes).unwrap();
    upload(&b, &latin1).await;
    assert_eq!(b.text("#impor-galat tbody td").await, "3");
    assert_eq!(b.text("#impor-galat tbody td:nth-child(2)").await, "row");
    let households = app.store.count_registry().await.unwrap().households;
    assert_eq!(households, 0, "nothing written");
    let good = dir.path().join("households.csv");
    std::fs::write(&good, registry(false)).unwrap();
    upload(&b, &good).await;
    assert_eq!(b.text("#impor-pesan").await, "Registri diimpor.");
    assert_eq!(
        b.text("#impor-perubahan").await,
        "Baru 3 · Pindah desa 0 · Meninggal 0 · Berubah lain 0 · Tetap 0"
    );

    b.client
        .goto(&app.url("/admin/siklus?periode=2026-11"))
        .await
        .unwrap();
    b.wait_for("document.body.dataset.ready === '1'", 30).await;
    b.click("#siklus-buka").await;
    b.wait_for(
        "document.getElementById('siklus-pesan').className === 'ok'",
        30,
    )
    .await;
    b.click("#siklus-terbit").await;
    b.wait_for("document.body.dataset.issued === '1'", 60).await;
    assert!(
        b.text("#siklus-hasil")
            .await
            .contains("Voucher diterbitkan\n3")
    );
    b.client
        .goto(&app.url("/admin/siklus?periode=2026-11"))
        .await
        .unwrap();
    b.wait_for("document.body.dataset.ready === '1'", 30).await;
    b.assert_accessible().await;
    if app.db.backend == relasi::store::Backend::Sqlite {
        b.screenshot("admin-siklus").await;
    }
    let pdf = b
        .eval("fetch(document.getElementById('kartu-35.14.05.2005').href).then(async r => r.status + ' ' + r.headers.get('content-type') + ' ' + (await r.arrayBuffer()).byteLength)")
        .await;
    let pdf = pdf.as_str().unwrap().to_owned();
    assert!(pdf.starts_with("200 application/pdf "), "{pdf}");
    let bytes: usize = pdf.rsplit(' ').next().unwrap().parse().unwrap();
    assert!(bytes > 1000, "{bytes} bytes");

    b.client
        .goto(&app.url("/admin?periode=2026-11"))
        .await
        .unwrap();
    b.wait_for("document.getElementById('angka-terbit')", 30)
        .await;
    assert_eq!(b.text("#angka-terbit").await, "3");
    assert_eq!(
        b.text("#angka-layak").await,
        "3",
        "the eligible the issuance reported"
    );
    assert!(b.text("#dasbor-tabel").await.contains("Sibon"));
    assert_eq!(
        b.eval("document.querySelectorAll('figure.chart svg').length")
            .await,
        json!(3)
    );
    b.assert_accessible().await;
    if app.db.backend == relasi::store::Backend::Sqlite {
        b.screenshot("admin-dasbor").await;
    }
    b.close().await;
}
story!(
    an_admin_imports_fixes_a_bad_row_issues_and_downloads_a_card_sheet,
    multi_thread
);

async fn an_admin_finds_a_lost_card_by_its_number_and_replaces_it() {
    let app = spawn_app().await;
    let v = redeemable(&app).await;
    account(&app, "admin.dinkes", "kata sandi admin", "admin", &[]).await;
    let lost = v[2]["card_number"].as_str().unwrap().to_owned();
    // A kecamatan officer elsewhere does not find it; text that is no card number is refused.
    account(
        &app,
        "admin.puspo",
        "kata sandi puspo",
        "admin",
        &["35.14.06"],
    )
    .await;
    let (_, _, puspo) = sign_in(&app, "admin.puspo", "kata sandi puspo").await;
    let html = no_redirects()
        .get(app.url(&format!("/admin/kartu?nomor={lost}")))
        .header("cookie", &puspo)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("kartu-tidak-ada") && !html.contains("kartu-ganti"),
        "{html}"
    );
    let res = no_redirects()
        .get(app.url("/admin/kartu?nomor=bukan"))
        .header("cookie", &puspo)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);

    let Some(b) = Browser::start(None).await else {
        return;
    };
    b.sign_in_account(&app.base, "admin.dinkes", "kata sandi admin")
        .await;
    let lower = lost.to_lowercase().replace('-', "");
    b.client
        .goto(&app.url(&format!("/admin/kartu?nomor={lower}")))
        .await
        .unwrap();
    b.wait_for("document.body.dataset.ready === '1'", 30).await;
    b.click(".kartu-ganti").await;
    b.wait_for("document.body.dataset.replaced", 30).await;
    let new_number = b.text("#kartu-baru-nomor").await;
    assert_ne!(new_number, lost);
    assert_eq!(b.text("#kartu-baru-nilai").await, "Rp 100.000");
    b.wait_for(
        "document.getElementById('kartu-baru-qr').naturalWidth > 0",
        30,
    )
    .await;
    b.assert_accessible().await;
    if app.db.backend == relasi::store::Backend::Sqlite {
        b.screenshot("admin-kartu").await;
    }
    let old: Value = app
        .get(
            &format!("/v1/vouchers/{}", v[2]["id"].as_str().unwrap()),
            &app.admin,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(old["status"], "revoked");
    assert_eq!(old["balance"], "0");
    let new: Value = app
        .get(
            &format!("/v1/vouchers/{}", old["replaced_by"].as_str().unwrap()),
            &app.admin,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(new["card_number"], json!(new_number));
    assert_eq!(new["balance"], "100000");
    b.close().await;
}
story!(
    an_admin_finds_a_lost_card_by_its_number_and_replaces_it,
    multi_thread
);
