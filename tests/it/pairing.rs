//! Pairing a shop's phone: the admin prints a QR (CLI or API); the phone's camera opens its
//! link, and the phone is signed in to `/toko` as that shop with the token never sent in a URL.

use crate::browser::Browser;
use crate::helpers::{TestApp, assert_problem, spawn_app};
use relasi::domain::auth::Role;
use serde_json::json;
use std::process::Command;

/// The pairing link the CLI prints into a QR, read back with zbarimg.
fn cli_pairing_link(app: &TestApp, merchant: i64, dir: &std::path::Path) -> String {
    let png = dir.join("pasangan.png");
    let out = Command::new(env!("CARGO_BIN_EXE_relasi"))
        .env("RUST_LOG", "warn")
        .env("DATABASE_URL", &app.db.url)
        .args([
            "merchant",
            "pair",
            &merchant.to_string(),
            "--url",
            &app.base,
            "-o",
        ])
        .arg(&png)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.stdout.is_empty(), "the secret goes to the file only");
    let sheet = dir.join("pasangan.svg");
    let out = Command::new(env!("CARGO_BIN_EXE_relasi"))
        .env("RUST_LOG", "warn")
        .env("DATABASE_URL", &app.db.url)
        .args([
            "merchant",
            "pair",
            &merchant.to_string(),
            "--url",
            &app.base,
            "-o",
        ])
        .arg(&sheet)
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(
        std::fs::read_to_string(&sheet)
            .unwrap()
            .contains("Pasangkan HP toko")
    );
    let decoded = Command::new("zbarimg")
        .args(["--quiet", "--raw", "-Sdisable", "-Sqrcode.enable"])
        .arg(&png)
        .output()
        .expect("zbarimg (apt-get install zbar-tools)");
    String::from_utf8(decoded.stdout).unwrap().trim().to_owned()
}

async fn a_printed_pairing_qr_signs_the_shops_phone_in_to_toko() {
    let app = spawn_app().await;
    let shop = app.merchant("Warung Pasangan").await;
    let path = format!("/v1/merchants/{}/pairing", shop.0);
    let issuer = app.token(Role::Issuer).await;
    let body = json!({ "base_url": app.base });
    assert_problem(app.post(&path, &issuer, &body).await, 403, "forbidden").await;
    let bad = json!({ "base_url": "javascript:alert(1)" });
    assert_problem(
        app.post(&path, &app.admin, &bad).await,
        422,
        "validation_failed",
    )
    .await;
    let res = app
        .post("/v1/merchants/999999/pairing", &app.admin, &body)
        .await;
    assert_problem(res, 404, "not_found").await;

    let res = app.post(&path, &app.admin, &body).await;
    assert_eq!(res.status(), 201);
    assert_eq!(res.headers()["cache-control"], "no-store");
    let answer: serde_json::Value = res.json().await.unwrap();
    let link = answer["link"].as_str().unwrap().to_owned();
    let prefix = format!("{}/masuk#pasang=rls_", app.base);
    assert!(link.starts_with(&prefix), "{link}");
    assert!(answer["qr_svg"].as_str().unwrap().contains("<svg"));
    let token = link.rsplit_once('=').unwrap().1;
    let own = app.get(&format!("/v1/merchants/{}", shop.0), token).await;
    assert_eq!(own.status(), 200, "the pairing token is the shop's token");

    let dir = tempfile::tempdir().unwrap();
    let printed = cli_pairing_link(&app, shop.0, dir.path());
    assert!(
        printed.starts_with(&prefix),
        "the printed QR scans to the link: {printed}"
    );

    // The phone's camera app opens the printed link.
    let Some(b) = Browser::start(None).await else {
        return;
    };
    b.client.goto(&printed).await.unwrap();
    b.wait_for("document.body.dataset.ready === '1'", 30).await;
    let at = b.eval("location.href").await;
    assert_eq!(
        at,
        json!(format!("{}/toko", app.base)),
        "signed in, on the shop page"
    );
    let history = b.eval("history.length").await;
    b.client.back().await.unwrap();
    let back = b.eval("location.href").await;
    assert!(
        !back.as_str().unwrap_or("").contains("rls_"),
        "no token left in history: {back} ({history})"
    );
    b.close().await;
}
story!(
    a_printed_pairing_qr_signs_the_shops_phone_in_to_toko,
    multi_thread
);
