//! The finance page (issue 10) in headless Chromium: a finance officer signs in and lands on
//! `/keuangan`, runs the month's reconciliation, opens an exception and sees its evidence,
//! downloads the XLSX (read back with calamine: the numbers match), drills down to a desa's
//! sales, creates and approves a settlement; the page passes the accessibility checks. An
//! auditor reads it and can change nothing; a kader and a shop are refused.

use crate::browser::Browser;
use crate::helpers::{TestApp, spawn_app};
use crate::reconcile::{PERIOD, month, sell, shop, wib};
use relasi::domain::auth::Role;
use relasi::domain::settlement::SettlementStatus;
use serde_json::{Value, json};

fn no_redirects() -> reqwest::Client {
    crate::helpers::http_client();
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// A page session for an API token: the cookie `POST /masuk` sets, and its CSRF token.
async fn session(app: &TestApp, token: &str) -> (String, String) {
    let res = no_redirects()
        .post(app.url("/masuk"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("token={token}&next=%2Fkeuangan"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let cookie = res.headers()["set-cookie"].to_str().unwrap();
    let cookie = cookie.split(';').next().unwrap().to_owned();
    (cookie, relasi::web::session::csrf_token(token))
}

async fn get_page(app: &TestApp, cookie: &str, path: &str) -> (u16, String) {
    let res = no_redirects()
        .get(app.url(path))
        .header("cookie", cookie)
        .send()
        .await
        .unwrap();
    (res.status().as_u16(), res.text().await.unwrap())
}

async fn post_form(app: &TestApp, cookie: &str, body: String) -> (u16, String) {
    let res = no_redirects()
        .post(app.url("/keuangan"))
        .header("cookie", cookie)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .unwrap();
    (res.status().as_u16(), res.text().await.unwrap())
}

/// October 2026 with four Rp 100.000 vouchers and three sales, one of them a voucher drained in
/// one sale at 20:30 (the one exception). Returns the drained voucher's id and its sale.
async fn the_month(app: &TestApp) -> (String, i64) {
    let v = month(app, 4, &[], "").await;
    let a = shop(app, "Toko Adil").await;
    sell(app, a, &v[1].1, 30_000, wib("02 09:30:00")).await;
    sell(app, a, &v[2].1, 45_000, wib("09 10:00:00")).await;
    let drained = sell(app, a, &v[3].1, 100_000, wib("20 20:30:00")).await;
    (v[3].0.clone(), drained)
}

/// Text whose contrast with its background is under WCAG AA (4.5:1; 3:1 for large text).
const LOW_CONTRAST: &str = r"(() => {
  const lum = c => { const [r, g, b] = c.match(/[\d.]+/g).slice(0, 3).map(Number).map(v => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); }); return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
  const bg = e => { for (; e; e = e.parentElement) { const m = getComputedStyle(e).backgroundColor.match(/[\d.]+/g); if (m && (m.length < 4 || Number(m[3]) > 0)) return getComputedStyle(e).backgroundColor; } return 'rgb(255, 255, 255)'; };
  const bad = [];
  for (const e of document.querySelectorAll('body *')) {
    if (!e.offsetParent || ![...e.childNodes].some(n => n.nodeType === 3 && n.textContent.trim())) continue;
    const s = getComputedStyle(e);
    const [a, b] = [lum(s.color), lum(bg(e))];
    const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    const large = parseFloat(s.fontSize) >= 24 || (parseFloat(s.fontSize) >= 18.66 && Number(s.fontWeight) >= 700);
    if (ratio < (large ? 3 : 4.5)) bad.push(e.tagName + ' ' + ratio.toFixed(2) + ' ' + e.textContent.trim().slice(0, 40));
  }
  return bad;
})()";

async fn assert_accessible(b: &Browser) {
    b.assert_accessible().await;
    assert_eq!(b.eval(LOW_CONTRAST).await, json!([]), "text under 4.5:1");
}

/// The bytes of a download link, fetched by the page with its session.
async fn download(b: &Browser, css: &str) -> Vec<u8> {
    let js = format!(
        "fetch(document.querySelector('{css}').href).then(r => r.arrayBuffer()).then(buf => {{ let s = ''; for (const x of new Uint8Array(buf)) s += String.fromCharCode(x); return btoa(s); }})"
    );
    let text = b.eval(&js).await;
    data_encoding::BASE64
        .decode(text.as_str().unwrap().as_bytes())
        .unwrap()
}

/// The XLSX read back: the summary's and the shops' numbers.
fn assert_workbook(bytes: Vec<u8>) {
    use calamine::{Data, Reader, Xlsx};
    let mut wb: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes)).unwrap();
    let summary = wb.worksheet_range("Ringkasan").unwrap();
    let value = |label: &str| {
        summary
            .rows()
            .find(|r| r[0] == Data::String(label.into()))
            .map(|r| r[1].clone())
            .unwrap_or_else(|| panic!("no {label} row"))
    };
    let n = |d: Data| match d {
        Data::Float(f) => f as i64,
        Data::Int(i) => i,
        other => panic!("not a number: {other:?}"),
    };
    assert_eq!(value("periode"), Data::String(PERIOD.into()));
    assert_eq!(n(value("pengecualian")), 1);
    assert_eq!(n(value("nilai diterbitkan")), 400_000);
    assert_eq!(n(value("belanja")), 175_000);
    assert_eq!(n(value("saldo")), 225_000);
    let shops = wb.worksheet_range("Toko").unwrap();
    let row = shops.rows().nth(1).unwrap();
    assert_eq!(row[1], Data::String("Toko Adil".into()));
    assert_eq!((n(row[2].clone()), n(row[6].clone())), (3, 175_000));
}

async fn a_finance_officer_reconciles_reads_the_evidence_downloads_and_settles() {
    let app = spawn_app().await;
    let (drained_voucher, drained_sale) = the_month(&app).await;
    let body = json!({ "name": "keuangan", "password": "kata sandi keuangan", "role": "finance", "areas": [] });
    assert_eq!(
        app.post("/v1/accounts", &app.admin, &body).await.status(),
        201
    );
    let Some(b) = Browser::start(None).await else {
        return;
    };
    b.sign_in_account(&app.base, "keuangan", "kata sandi keuangan")
        .await;
    assert_eq!(b.eval("location.pathname").await, json!("/keuangan"));
    let page = format!("/keuangan?periode={PERIOD}");
    b.client.goto(&app.url(&page)).await.unwrap();
    b.wait_for("document.getElementById('belum-ada')", 10).await;
    b.click("#jalankan").await;
    b.wait_for("document.getElementById('keuangan-selesai')", 30)
        .await;
    assert_eq!(b.text("#jumlah-pengecualian").await, "1");
    assert_eq!(b.text("#angka-belanja").await, "Rp 175.000");
    assert_eq!(
        b.eval("document.querySelectorAll('figure.chart svg').length")
            .await,
        json!(2)
    );
    assert_accessible(&b).await;
    if app.db.backend == relasi::store::Backend::Sqlite {
        b.screenshot("keuangan").await;
    }
    // The exception opens on its evidence: the drained voucher's sale.
    assert_eq!(
        b.eval("document.getElementById('temuan-1').open").await,
        json!(false)
    );
    b.click("#temuan-1 summary").await;
    b.wait_for("document.getElementById('temuan-1').open", 5)
        .await;
    let evidence = b.text("#temuan-1").await;
    assert!(evidence.contains("menjelang tutup"), "{evidence}");
    assert!(
        evidence.contains(&drained_sale.to_string())
            && evidence.contains(&drained_voucher)
            && evidence.contains("Rp 100.000"),
        "{evidence}"
    );
    assert_accessible(&b).await;
    assert_workbook(download(&b, "#unduh-xlsx").await);
    // The roll-up drills down to the desa's sales.
    b.client
        .goto(&app.url(&format!("/keuangan/desa/35.14.05.2005?periode={PERIOD}")))
        .await
        .unwrap();
    b.wait_for("document.getElementById('desa-tabel')", 10)
        .await;
    assert_eq!(
        b.eval("document.querySelectorAll('#desa-tabel tbody tr').length")
            .await,
        json!(3)
    );
    assert_accessible(&b).await;
    // A settlement is created and approved from the page.
    b.client.goto(&app.url(&page)).await.unwrap();
    b.wait_for("document.getElementById('buat-bayar')", 10)
        .await;
    b.click("#buat-bayar").await;
    b.wait_for("document.querySelector('article.settlement')", 30)
        .await;
    let id: i64 = b
        .eval("document.querySelector('article.settlement').id.slice(6)")
        .await
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(b.text(&format!("#total-bayar-{id}")).await, "Rp 175.000");
    b.click(&format!("#setujui-{id}")).await;
    b.wait_for(
        &format!("document.getElementById('status-bayar-{id}')?.textContent === 'Disetujui'"),
        30,
    )
    .await;
    let stored = app.store.settlement(id).await.unwrap();
    assert_eq!(stored.status, SettlementStatus::Approved);
    assert_accessible(&b).await;
    b.close().await;
}
story!(
    a_finance_officer_reconciles_reads_the_evidence_downloads_and_settles,
    multi_thread
);

async fn an_auditor_reads_the_page_and_others_are_refused() {
    let app = spawn_app().await;
    the_month(&app).await;
    let finance = app.token(Role::Finance).await;
    let run = app
        .post(
            "/v1/reconciliations",
            &finance,
            &json!({ "period": PERIOD }),
        )
        .await;
    assert_eq!(run.status(), 201);
    let (auditor, auditor_csrf) = session(&app, &app.token(Role::Auditor).await).await;
    let (status, html) = get_page(&app, &auditor, &format!("/keuangan?periode={PERIOD}")).await;
    assert_eq!(status, 200);
    assert!(
        html.contains("id=\"hanya-baca\"") && html.contains("Voucher dihabiskan sekaligus"),
        "{html}"
    );
    assert!(
        !html.contains("id=\"jalankan\"") && !html.contains("id=\"buat-bayar\""),
        "an auditor gets no forms"
    );
    let (status, _) = post_form(
        &app,
        &auditor,
        format!("csrf={auditor_csrf}&aksi=rekonsiliasi&periode={PERIOD}"),
    )
    .await;
    assert_eq!(status, 403, "an auditor changes nothing");
    // Finance: without the session's CSRF token the form is refused; with it, it runs.
    let (fin, fin_csrf) = session(&app, &finance).await;
    let (status, _) = post_form(
        &app,
        &fin,
        format!("csrf=wrong&aksi=rekonsiliasi&periode={PERIOD}"),
    )
    .await;
    assert_eq!(status, 403);
    let (status, _) = post_form(
        &app,
        &fin,
        format!("csrf={fin_csrf}&aksi=rekonsiliasi&periode={PERIOD}"),
    )
    .await;
    assert_eq!(status, 303);
    let runs: Value = app
        .get(&format!("/v1/reconciliations?period={PERIOD}"), &finance)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(runs["runs"].as_array().unwrap().len(), 2);
    // Kader and shops: refused, in words.
    let kader = app.token_in(Role::Kader, &["35.14.05.2005"]).await;
    let shop_id = app.merchant("Toko Lain").await;
    let merchant = app.merchant_token(shop_id).await;
    for token in [kader, merchant] {
        let (cookie, _) = session(&app, &token).await;
        for path in ["/keuangan", "/keuangan/desa/35.14.05.2005"] {
            let (status, html) = get_page(&app, &cookie, path).await;
            assert_eq!(status, 403, "{path}");
            assert!(html.contains("keuangan-ditolak"), "{html}");
        }
    }
}
story!(an_auditor_reads_the_page_and_others_are_refused);
