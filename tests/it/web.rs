//! The web layer every page shares: the sign-in form in both languages, hashed assets with long
//! cache lifetimes, the session cookie, and CSRF on every change made with it.

use crate::helpers::spawn_app;
use relasi::domain::auth::Role;

fn no_redirects() -> reqwest::Client {
    crate::helpers::http_client();
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

async fn pages_sign_in_with_a_cookie_and_changes_need_its_csrf_token() {
    let app = spawn_app().await;
    let http = no_redirects();
    let form = http.get(app.url("/masuk?next=/toko")).send().await.unwrap();
    assert_eq!(form.status(), 200);
    let csp = form.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"));
    let html = form.text().await.unwrap();
    assert!(
        html.contains("<html lang=\"id\">")
            && html.contains("Token akses")
            && html.contains("value=\"/toko\"")
    );
    let english = http.get(app.url("/masuk?lang=en")).send().await.unwrap();
    assert!(
        english.headers()["set-cookie"]
            .to_str()
            .unwrap()
            .starts_with("relasi_lang=en")
    );
    assert!(english.text().await.unwrap().contains("Access token"));
    // Assets: content-hashed names, cached for a year; anything else is not there.
    let css = html
        .split("href=\"/assets/app.")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap();
    let res = http
        .get(app.url(&format!("/assets/app.{css}")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(
        res.headers()["cache-control"],
        "public, max-age=31536000, immutable"
    );
    assert_eq!(
        http.get(app.url("/assets/app.css"))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );

    let bad = http
        .post(app.url("/masuk"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("token=rls_nope&next=%2Ftoko")
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 401);
    assert!(bad.text().await.unwrap().contains("Token tidak dikenal"));
    let finance = app.token(Role::Finance).await;
    let ok = http
        .post(app.url("/masuk"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("token={finance}&next=%2F%2Fevil.example"))
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 303);
    assert_eq!(
        ok.headers()["location"],
        "/keuangan",
        "a finance officer lands on the finance page"
    );
    let cookie = ok.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );
    let session = cookie.split(';').next().unwrap().to_owned();
    // Reading with the cookie works; changing needs the CSRF token of that session.
    let read = http
        .get(app.url("/v1/budgets"))
        .header("cookie", &session)
        .send()
        .await
        .unwrap();
    assert_eq!(read.status(), 200);
    let body = serde_json::json!({ "year": 2026, "sumber_dana": "APBD", "kode_wilayah": "35.14", "amount": "1000" });
    let forged = http
        .post(app.url("/v1/budgets"))
        .header("cookie", &session)
        .json(&body)
        .send()
        .await
        .unwrap();
    crate::helpers::assert_problem(forged, 403, "csrf_failed").await;
    let csrf = relasi::web::session::csrf_token(&finance);
    let cross = http
        .post(app.url("/v1/budgets"))
        .header("cookie", &session)
        .header("x-csrf-token", &csrf)
        .header("origin", "https://evil.example")
        .json(&body)
        .send()
        .await
        .unwrap();
    crate::helpers::assert_problem(cross, 403, "csrf_failed").await;
    let made = http
        .post(app.url("/v1/budgets"))
        .header("cookie", &session)
        .header("x-csrf-token", &csrf)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(made.status(), 201);
}
story!(pages_sign_in_with_a_cookie_and_changes_need_its_csrf_token);
