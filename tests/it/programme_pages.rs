//! The programme admin's lokus and budget pages: `/admin/lokus` (a year's lokus desa by
//! kecamatan, desa added from the wilayah tree several at once) and `/admin/anggaran` (budget
//! lines with ceiling, committed and remaining, a line added with its area from the tree, a bad
//! amount refused in words). Each story signs in as a person would, checks what the page shows
//! and what changed behind it, the accessibility basics at 360 px, and who is refused.

use crate::browser::Browser;
use crate::helpers::{TestApp, spawn_app};
use crate::office_pages::pick;
use crate::pages::{account, no_redirects, sign_in};
use crate::redemption::redeemable;
use relasi::domain::auth::Role;
use relasi::web::format::rupiah;
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

/// A plain form posted as the holder of `cookie`: (status, HTML).
async fn post_as(app: &TestApp, cookie: &str, path: &str, body: &str) -> (u16, String) {
    let res = no_redirects()
        .post(app.url(path))
        .header("cookie", cookie)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body.to_owned())
        .send()
        .await
        .unwrap();
    (res.status().as_u16(), res.text().await.unwrap())
}

/// The session's CSRF token, as the page carries it.
fn csrf_in(html: &str) -> String {
    let at = html.find("name=\"csrf-token\" content=\"").unwrap() + 27;
    html[at..at + html[at..].find('"').unwrap()].to_owned()
}

/// The text of the first element matching `css`, as the DOM holds it.
async fn dom_text(b: &Browser, css: &str) -> String {
    b.eval(&format!(
        "document.querySelector(\"{css}\").textContent.trim()"
    ))
    .await
    .as_str()
    .unwrap()
    .to_owned()
}

async fn an_admin_marks_lokus_desa_of_a_year_from_the_wilayah_tree() {
    let app = spawn_app().await;
    account(&app, "admin.dinkes", "kata sandi admin", "admin", &[]).await;
    account(
        &app,
        "camat.kejayan",
        "kata sandi camat",
        "issuer",
        &["35.14.06"],
    )
    .await;
    let (_, _, admin) = sign_in(&app, "admin.dinkes", "kata sandi admin").await;
    let (status, english) = page_as(&app, &admin, "/admin/lokus?lang=en&tahun=2026").await;
    assert_eq!(status, 200);
    assert!(english.contains("Lokus desa") && english.contains("Add lokus desa"));
    // A desa that is not one: refused in words, naming the code; nothing marked.
    let csrf = csrf_in(&english);
    let (status, html) = post_as(
        &app,
        &admin,
        "/admin/lokus",
        &format!("csrf={csrf}&tahun=2026&desa=35.14.05.2999"),
    )
    .await;
    assert_eq!(status, 422);
    assert!(
        html.contains("Kode desa tidak dikenal: 35.14.05.2999"),
        "{html}"
    );
    assert!(app.store.lokus(2026).await.unwrap().is_empty());

    let Some(b) = Browser::start(None).await else {
        return;
    };
    b.sign_in_account(&app.base, "admin.dinkes", "kata sandi admin")
        .await;
    b.client.goto(&app.url("/admin/lokus")).await.unwrap();
    b.wait_for("document.body.dataset.ready === '1'", 30).await;
    // The year is picked on the page (it opens at this year in the programme's time zone).
    b.eval("(() => { document.getElementById('tahun').value = '2026'; return true; })()")
        .await;
    b.click("form[method=get] button[type=submit]").await;
    b.wait_for(
        "location.search.includes('tahun=2026') && document.body.dataset.ready === '1'",
        30,
    )
    .await;
    assert!(
        b.text("#lokus-kosong")
            .await
            .contains("Belum ada desa lokus")
    );
    for (n, code) in [(1, "35.14.05.2005"), (2, "35.14.06.2002")] {
        pick(&b, "lokus-desa", code).await;
        b.click("#lokus-masukkan").await;
        b.wait_for(
            &format!("document.querySelectorAll('#lokus-pilihan li').length === {n}"),
            10,
        )
        .await;
    }
    assert!(b.text("#lokus-pilihan").await.contains("Kedung Pengaron"));
    b.assert_accessible().await;
    b.click("#lokus-form button[type=submit]").await;
    b.wait_for("location.search.includes('ditambah=2')", 30)
        .await;
    b.wait_for("document.body.dataset.ready === '1'", 30).await;
    assert_eq!(
        b.text("#lokus-berhasil").await,
        "Desa lokus baru ditandai: 2"
    );
    assert_eq!(b.text("#lokus-jumlah").await, "2 desa lokus");
    let groups = b
        .eval("[...document.querySelectorAll('.lokus-daftar')].map(u => [u.dataset.kecamatan, [...u.querySelectorAll('li')].map(l => l.dataset.kode)])")
        .await;
    assert_eq!(
        groups,
        json!([
            ["35.14.05", ["35.14.05.2005"]],
            ["35.14.06", ["35.14.06.2002"]]
        ])
    );
    let main = b.text("main").await;
    assert!(main.contains("Kecamatan Pasrepan") && main.contains("Sibon"));
    assert!(main.contains("Kecamatan Kejayan") && main.contains("Kedung Pengaron"));
    b.assert_accessible().await;
    if app.db.backend == relasi::store::Backend::Sqlite {
        b.eval(
            "(() => { document.getElementById('lokus-judul').scrollIntoView(); return true; })()",
        )
        .await;
        b.screenshot("lokus").await;
    }
    b.close().await;
    let stored: Vec<String> = app
        .store
        .lokus(2026)
        .await
        .unwrap()
        .iter()
        .map(|c| c.as_str().to_owned())
        .collect();
    assert_eq!(stored, ["35.14.05.2005", "35.14.06.2002"]);

    // The API lists the same, filtered to the caller's area; the officer of Kejayan reads the
    // page (her kecamatan only) and gets no form.
    let listed: Value = app
        .get("/v1/lokus?year=2026", &app.admin)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(listed["desa"][0]["name"], "Sibon");
    assert_eq!(listed["desa"][0]["kecamatan_name"], "Pasrepan");
    assert_eq!(listed["more"], false);
    let issuer = app.token_in(Role::Issuer, &["35.14.06"]).await;
    let theirs: Value = app
        .get("/v1/lokus?year=2026", &issuer)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        theirs["desa"],
        json!([{ "code": "35.14.06.2002", "name": "Kedung Pengaron", "kecamatan": "35.14.06", "kecamatan_name": "Kejayan" }])
    );
    let (_, _, camat) = sign_in(&app, "camat.kejayan", "kata sandi camat").await;
    let (status, html) = page_as(&app, &camat, "/admin/lokus?tahun=2026").await;
    assert_eq!(status, 200);
    assert!(html.contains("Kedung Pengaron") && !html.contains("Sibon"));
    assert!(!html.contains("lokus-form"));
    let (status, _) = post_as(
        &app,
        &camat,
        "/admin/lokus",
        &format!("csrf={}&tahun=2026&desa=35.14.06.2003", csrf_in(&html)),
    )
    .await;
    assert_eq!(status, 403, "only a district admin marks lokus desa");
    assert_eq!(app.store.lokus(2026).await.unwrap().len(), 2);
}
story!(
    an_admin_marks_lokus_desa_of_a_year_from_the_wilayah_tree,
    multi_thread
);

/// The programme's budget lines as the API answers them.
async fn budget_lines(app: &TestApp) -> Value {
    app.get("/v1/budgets", &app.admin)
        .await
        .json()
        .await
        .unwrap()
}

async fn an_admin_adds_a_budget_line_and_a_bad_amount_changes_nothing() {
    let app = spawn_app().await;
    account(&app, "admin.dinkes", "kata sandi admin", "admin", &[]).await;
    account(&app, "auditor", "kata sandi auditor", "auditor", &[]).await;
    let (_, _, admin) = sign_in(&app, "admin.dinkes", "kata sandi admin").await;
    let (status, english) = page_as(&app, &admin, "/admin/anggaran?lang=en").await;
    assert_eq!(status, 200);
    assert!(english.contains("Budget lines") && english.contains("Add a budget line"));
    // Without the session's CSRF token the form changes nothing.
    let (status, _) = post_as(
        &app,
        &admin,
        "/admin/anggaran",
        "csrf=salah&tahun=2026&sumber_dana=CSR&kode_wilayah=35.14&jumlah=1000",
    )
    .await;
    assert_eq!(status, 403);
    assert_eq!(budget_lines(&app).await, json!([]));

    let Some(b) = Browser::start(None).await else {
        return;
    };
    b.sign_in_account(&app.base, "admin.dinkes", "kata sandi admin")
        .await;
    b.client.goto(&app.url("/admin/anggaran")).await.unwrap();
    b.wait_for("document.body.dataset.ready === '1'", 30).await;
    assert!(b.text("#anggaran-kosong").await.contains("Belum ada pagu"));
    b.eval("(() => { document.getElementById('anggaran-sumber').value = 'CSR'; return true; })()")
        .await;
    pick(&b, "anggaran-wilayah", "35.14.05").await;
    b.type_into("#anggaran-jumlah", "25,5 juta").await;
    b.assert_accessible().await;
    b.click("#anggaran-form button[type=submit]").await;
    b.wait_for("document.getElementById('anggaran-ditolak')", 30)
        .await;
    assert!(
        b.text("#anggaran-ditolak")
            .await
            .starts_with("Pagu harus berupa rupiah utuh"),
    );
    assert_eq!(budget_lines(&app).await, json!([]), "nothing was saved");
    let audited = app.store.audit_records().await.unwrap();
    assert!(audited.iter().all(|r| r.event.action != "budget.add"));

    // The form kept what was typed; the amount written the Indonesian way is taken.
    b.wait_for("document.body.dataset.ready === '1'", 30).await;
    assert_eq!(
        b.eval("document.getElementById('anggaran-sumber').value")
            .await,
        "CSR"
    );
    b.eval("(() => { document.getElementById('anggaran-jumlah').value = ''; return true; })()")
        .await;
    b.type_into("#anggaran-jumlah", "Rp 25.000.000").await;
    pick(&b, "anggaran-wilayah", "35.14.05").await;
    b.click("#anggaran-form button[type=submit]").await;
    b.wait_for("location.search.startsWith('?ditambah=')", 30)
        .await;
    b.wait_for("document.body.dataset.ready === '1'", 30).await;
    assert_eq!(
        b.text("#anggaran-berhasil").await,
        "Pagu anggaran ditambahkan."
    );
    let row = ".anggaran-baris[data-wilayah='35.14.05']";
    assert_eq!(dom_text(&b, &format!("{row} .pagu")).await, "Rp 25.000.000");
    assert_eq!(dom_text(&b, &format!("{row} .terpakai")).await, "Rp 0");
    assert_eq!(dom_text(&b, &format!("{row} .sisa")).await, "Rp 25.000.000");
    assert!(dom_text(&b, row).await.contains("CSR (perusahaan)"));
    assert!(dom_text(&b, row).await.contains("Pasrepan"));
    let lines = budget_lines(&app).await;
    assert_eq!(lines.as_array().unwrap().len(), 1);
    assert_eq!(
        (
            &lines[0]["sumber_dana"],
            &lines[0]["kode_wilayah"],
            &lines[0]["amount"],
            &lines[0]["committed"]
        ),
        (
            &json!("CSR"),
            &json!("35.14.05"),
            &json!("25000000"),
            &json!("0")
        )
    );

    // Vouchers issued for Sibon are charged to the Pasrepan line (the most specific area):
    // its committed and remaining move, the district's APBD line stays untouched.
    let issued: i64 = redeemable(&app)
        .await
        .iter()
        .map(|v| v["face_value"].as_str().unwrap().parse::<i64>().unwrap())
        .sum();
    assert!(issued > 0);
    b.client.goto(&app.url("/admin/anggaran")).await.unwrap();
    b.wait_for("document.body.dataset.ready === '1'", 30).await;
    assert_eq!(dom_text(&b, &format!("{row} .pagu")).await, "Rp 25.000.000");
    assert_eq!(
        dom_text(&b, &format!("{row} .terpakai")).await,
        rupiah(issued)
    );
    assert_eq!(
        dom_text(&b, &format!("{row} .sisa")).await,
        rupiah(25_000_000 - issued)
    );
    let meter = b
        .eval(&format!("document.querySelector(\"{row} meter\").value"))
        .await;
    assert_eq!(meter.as_f64().unwrap() as i64, issued);
    let district = ".anggaran-baris[data-wilayah='35.14']";
    assert_eq!(dom_text(&b, &format!("{district} .terpakai")).await, "Rp 0");
    b.assert_accessible().await;
    if app.db.backend == relasi::store::Backend::Sqlite {
        b.eval("(() => { document.getElementById('anggaran-judul').scrollIntoView(); return true; })()")
            .await;
        b.screenshot("anggaran").await;
    }
    b.close().await;

    // The auditor reads the lines and gets no form; an issuer is refused, in words.
    let (_, _, auditor) = sign_in(&app, "auditor", "kata sandi auditor").await;
    let (status, html) = page_as(&app, &auditor, "/admin/anggaran").await;
    assert_eq!(status, 200);
    assert!(html.contains("Rp 25.000.000") && !html.contains("anggaran-form"));
    let (status, _) = post_as(
        &app,
        &auditor,
        "/admin/anggaran",
        &format!(
            "csrf={}&tahun=2026&sumber_dana=APBD&kode_wilayah=35.14&jumlah=1000",
            csrf_in(&html)
        ),
    )
    .await;
    assert_eq!(status, 403);
    account(&app, "petugas", "kata sandi petugas", "issuer", &[]).await;
    let (_, _, cookie) = sign_in(&app, "petugas", "kata sandi petugas").await;
    let (status, html) = page_as(&app, &cookie, "/admin/anggaran").await;
    assert_eq!(status, 403);
    assert!(html.contains("role=\"alert\"") && !html.contains("anggaran-tabel"));
    assert_eq!(budget_lines(&app).await.as_array().unwrap().len(), 2);
}
story!(
    an_admin_adds_a_budget_line_and_a_bad_amount_changes_nothing,
    multi_thread
);
