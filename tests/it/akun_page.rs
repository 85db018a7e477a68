//! The accounts and tokens page, `/admin/akun`, as an admin uses it in a browser: create an
//! account with its desa picked from the wilayah tree, create a token and see its secret once,
//! revoke it (refused at once), unlock an account locked by failed sign-ins; the accessibility
//! basics at 360 px; other roles and forms without the CSRF token are refused.

use crate::browser::Browser;
use crate::helpers::{TestApp, assert_problem, spawn_app_with};
use crate::office_pages::pick;
use crate::pages::{account, no_redirects, sign_in};
use relasi::api::{BalanceLimit, Config};
use serde_json::json;

async fn login_status(app: &TestApp, name: &str, password: &str) -> u16 {
    let body = json!({ "name": name, "password": password });
    let res = app.http.post(app.url("/v1/login")).json(&body).send();
    res.await.unwrap().status().as_u16()
}

/// Refusals without a browser: another role's page, and a form without the CSRF token.
async fn refusals(app: &TestApp) {
    account(
        app,
        "camat.puspo",
        "kata sandi camat",
        "issuer",
        &["35.14.06"],
    )
    .await;
    let (_, _, issuer) = sign_in(app, "camat.puspo", "kata sandi camat").await;
    let get = |cookie: &str, path: &str| {
        let req = no_redirects().get(app.url(path)).header("cookie", cookie);
        async move {
            let res = req.send().await.unwrap();
            (res.status().as_u16(), res.text().await.unwrap())
        }
    };
    let (status, html) = get(&issuer, "/admin/akun").await;
    assert!(status == 403 && !html.contains("token-form"));
    let (_, _, admin) = sign_in(app, "admin.dinkes", "kata sandi admin").await;
    let (_, english) = get(&admin, "/admin/akun?lang=en").await;
    assert!(english.contains("Accounts and tokens") && english.contains("Create a token"));
    let forged = no_redirects()
        .post(app.url("/admin/akun"))
        .header("cookie", &admin)
        .header("content-type", "application/x-www-form-urlencoded")
        .body("aksi=token&peran=admin")
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 403);
    forms_without_script(app, &admin).await;
}

/// The reset and disable forms work as plain posts (no script): a new password for the
/// issuer, then its account disabled.
async fn forms_without_script(app: &TestApp, admin: &str) {
    let html = no_redirects()
        .get(app.url("/admin/akun"))
        .header("cookie", admin);
    let html = html.send().await.unwrap().text().await.unwrap();
    let csrf = html
        .split("name=\"csrf-token\" content=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap()
        .to_owned();
    let id = app
        .store
        .login_record("camat.puspo")
        .await
        .unwrap()
        .unwrap()
        .id;
    let post = |body: String| {
        no_redirects()
            .post(app.url("/admin/akun"))
            .header("cookie", admin)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
    };
    let reset = format!("csrf={csrf}&aksi=sandi&id={id}&sandi=sandi+baru+camat");
    let res = post(reset).await.unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"], "/admin/akun?selesai=sandi");
    assert_eq!(
        login_status(app, "camat.puspo", "kata sandi camat").await,
        401
    );
    assert_eq!(
        login_status(app, "camat.puspo", "sandi baru camat").await,
        201
    );
    let weak = post(format!("csrf={csrf}&aksi=sandi&id={id}&sandi=pendek"))
        .await
        .unwrap();
    assert_eq!(weak.status(), 422);
    assert!(weak.text().await.unwrap().contains("id=\"akun-ditolak\""));
    let res = post(format!("csrf={csrf}&aksi=nonaktif&id={id}"))
        .await
        .unwrap();
    assert_eq!(res.headers()["location"], "/admin/akun?selesai=nonaktif");
    assert_eq!(
        login_status(app, "camat.puspo", "sandi baru camat").await,
        401
    );
}

async fn an_admin_manages_accounts_and_tokens_on_the_accounts_page() {
    // The story signs in more often than one address may by default (that limit has its own
    // story in tests/it/limits.rs).
    let config = Config {
        login_limit: BalanceLimit {
            burst: 100,
            refill_ms: 1000,
        },
        ..Config::default()
    };
    let app = spawn_app_with(config).await;
    account(&app, "admin.dinkes", "kata sandi admin", "admin", &[]).await;
    refusals(&app).await;
    let Some(b) = Browser::start(None).await else {
        return;
    };
    b.sign_in_account(&app.base, "admin.dinkes", "kata sandi admin")
        .await;
    b.client.goto(&app.url("/admin/akun")).await.unwrap();
    b.wait_for("document.body.dataset.ready === '1'", 30).await;

    // An account for the kader of Desa Sibon.
    b.type_into("#akun-nama", "kader.sibon").await;
    b.eval("(() => { document.getElementById('akun-peran').value = 'kader'; return true; })()")
        .await;
    pick(&b, "akun-wilayah", "35.14.05.2005").await;
    b.type_into("#akun-sandi", "kata sandi kader").await;
    b.assert_accessible().await;
    b.click("#akun-baru-form button[type=submit]").await;
    b.wait_for("location.search === '?selesai=akun'", 30).await;
    let row = ".akun-baris[data-name='kader.sibon']";
    assert!(b.text(row).await.contains("35.14.05.2005"));
    assert_eq!(
        login_status(&app, "kader.sibon", "kata sandi kader").await,
        201
    );

    // A token for the auditors' laptop: its secret is shown once, then never again.
    b.eval("(() => { document.getElementById('token-peran').value = 'auditor'; return true; })()")
        .await;
    b.type_into("#token-catatan", "laptop inspektorat").await;
    b.type_into("#token-hari", "30").await;
    b.click("#token-form button[type=submit]").await;
    b.wait_for("document.getElementById('token-rahasia')", 30)
        .await;
    let secret = b.text("#token-rahasia").await;
    assert!(secret.starts_with("rls_"));
    assert!(
        b.text("#token-catatan-sekali")
            .await
            .starts_with("Salin sekarang, tidak akan ditampilkan lagi")
    );
    b.assert_accessible().await;
    assert_eq!(app.get("/v1/wilayah", &secret).await.status(), 200);
    b.click("#token-kembali").await;
    b.wait_for("document.body.dataset.ready === '1'", 30).await;
    let html = b.eval("document.documentElement.outerHTML").await;
    assert!(!html.as_str().unwrap().contains(&secret), "shown once only");
    let listed = app.get("/v1/tokens", &app.admin).await;
    let listed: serde_json::Value = listed.json().await.unwrap();
    let made = listed["tokens"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["label"] == "laptop inspektorat")
        .unwrap();
    let token_row = format!(".token-baris[data-id='{}']", made["id"]);

    // Revoked after saying yes: refused at once.
    b.eval("(() => { window.confirm = () => true; return true; })()")
        .await;
    b.click(&format!("{token_row} .token-cabut button")).await;
    b.wait_for("location.search === '?selesai=cabut'", 30).await;
    assert_eq!(
        b.text(&format!("{token_row} .token-status")).await,
        "Dicabut"
    );
    assert_problem(app.get("/v1/wilayah", &secret).await, 401, "unauthorized").await;

    // Locked by five failed sign-ins; unlocked on the page; the kader signs in again.
    for _ in 0..5 {
        assert_eq!(login_status(&app, "kader.sibon", "salah sekali").await, 401);
    }
    assert_eq!(
        login_status(&app, "kader.sibon", "kata sandi kader").await,
        429
    );
    b.client.goto(&app.url("/admin/akun")).await.unwrap();
    b.wait_for("document.body.dataset.ready === '1'", 30).await;
    assert!(
        b.text(&format!("{row} .akun-status"))
            .await
            .starts_with("Terkunci")
    );
    b.click(&format!("{row} .akun-buka button")).await;
    b.wait_for("location.search === '?selesai=buka'", 30).await;
    assert_eq!(b.text(&format!("{row} .akun-status")).await, "Aktif");
    assert_eq!(
        login_status(&app, "kader.sibon", "kata sandi kader").await,
        201
    );
    b.assert_accessible().await;
    if app.db.backend == relasi::store::Backend::Sqlite {
        b.screenshot("akun").await;
    }
    b.close().await;
}
story!(
    an_admin_manages_accounts_and_tokens_on_the_accounts_page,
    multi_thread
);
