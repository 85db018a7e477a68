//! The family's page: a card printed with the deployment's public address carries a link the
//! phone's camera app opens; the page shows balance, validity and recent use, nothing personal,
//! and the token leaves the address bar at once.

use crate::browser::Browser;
use crate::helpers::spawn_app_with;
use crate::redemption::{basket, redeem, redeemable, shop_in};
use relasi::api::Config;
use serde_json::json;
use std::process::Command;

async fn a_family_opens_the_cards_link_and_sees_its_balance() {
    let app = spawn_app_with(Config {
        public_url: Some("https://relasi.example".into()),
        ..Config::default()
    })
    .await;
    let v = redeemable(&app).await;
    let (_, shop) = shop_in(&app, "35.14.05").await;
    let token = v[1]["token"].as_str().unwrap();
    let sale = redeem(&app, &shop, "family-1", &basket(token, 25_000)).await;
    assert_eq!(sale.status(), 201);

    // The card's QR holds the link form, upper case, and it decodes back to the same voucher.
    let png = app
        .get(
            &format!("/v1/vouchers/{}/qr.png", v[1]["id"].as_str().unwrap()),
            &app.admin,
        )
        .await
        .bytes()
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("qr.png"), &png).unwrap();
    let out = Command::new("zbarimg")
        .args(["--quiet", "--raw", "-Sdisable", "-Sqrcode.enable"])
        .arg(dir.path().join("qr.png"))
        .output()
        .expect("zbarimg (apt-get install zbar-tools)");
    let scanned = String::from_utf8(out.stdout).unwrap().trim().to_owned();
    assert!(
        scanned.starts_with("HTTPS://RELASI.EXAMPLE/V/RLS1:"),
        "{scanned}"
    );
    let parsed = relasi_token::SignedToken::parse_text(&scanned).unwrap();
    assert_eq!(parsed.to_text(), token);
    // The API takes the link form wherever it takes a token.
    let res = app
        .http
        .post(app.url("/v1/balance"))
        .json(&json!({ "token": scanned }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    // A shop's phone without BarcodeDetector sends the frame: the server reads the link form.
    let res = app
        .http
        .post(app.url("/v1/scan"))
        .bearer_auth(&shop)
        .header("content-type", "image/png")
        .body(png.to_vec())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let scanned_by_server: serde_json::Value = res.json().await.unwrap();
    assert_eq!(scanned_by_server["token"], token);

    let Some(b) = Browser::start(None).await else {
        return;
    };
    // What the phone's camera app opens (this server standing in for relasi.example).
    let link = parsed.to_link(&app.base);
    b.client.goto(&link).await.unwrap();
    b.wait_for("document.body.dataset.ready === '1'", 30).await;
    assert_eq!(
        b.eval("location.pathname").await,
        json!("/saldo"),
        "the token left the address bar"
    );
    assert_eq!(b.text("#saldo-sisa").await, "Rp 75.000");
    assert_eq!(b.text("#saldo-nilai").await, "Rp 100.000");
    assert_eq!(b.text("#saldo-status").await, "Aktif");
    let history = b.text("#saldo-riwayat").await;
    assert!(history.contains("Rp 25.000"), "{history}");
    let page = b.eval("document.body.innerText").await;
    let page = page.as_str().unwrap();
    assert!(
        !page.contains("Kepala") && !page.contains("3514050"),
        "nothing personal: {page}"
    );
    b.assert_accessible().await;
    if app.db.backend == relasi::store::Backend::Sqlite {
        b.screenshot("saldo").await;
    }
    // Typing the code works too; a bad code is refused in words.
    b.type_into("#saldo-kode", "RLS1:BUKAN").await;
    b.click("#saldo-form button[type=submit]").await;
    // "Memeriksa…" shows while the server answers: wait for the answer itself.
    b.wait_for("document.getElementById('saldo-hasil').hidden", 10)
        .await;
    let said = b.text("#saldo-pesan").await;
    assert!(said.len() > 3 && !said.starts_with("Memeriksa"), "{said}");
    b.close().await;
}
story!(
    a_family_opens_the_cards_link_and_sees_its_balance,
    multi_thread
);
