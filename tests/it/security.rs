//! People and areas: tokens bound to desa and kecamatan see nothing outside them (403), whole-
//! programme actions need a district role, revoked and expired tokens are refused at once, and
//! officers sign in with a name and a password (lock-out, password change).

use crate::helpers::{assert_problem, second_instance, spawn_app, spawn_app_with};
use crate::issuance::{district, issue};
use relasi::api::Config;
use relasi::domain::auth::{ApiTokenSecret, Area, Grant, Role};
use relasi::store::{TokenOptions, now_us};
use relasi::usecases::accounts::LoginPolicy;
use serde_json::{Value, json};

async fn vouchers_of(app: &crate::helpers::TestApp, token: &str, query: &str) -> Vec<Value> {
    let res = app
        .get(&format!("/v1/vouchers?period=2026-12{query}"), token)
        .await;
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    body["vouchers"].as_array().unwrap().clone()
}

async fn callers_see_only_their_area() {
    let app = spawn_app().await;
    district(&app, "100000000").await;
    assert_eq!(issue(&app).await.status(), 200);
    // A kader of Ampelsari: her desa's cards and hand-over list, no other desa's.
    let kader = app.token_in(Role::Kader, &["35.14.05.2007"]).await;
    for path in ["cards.pdf", "handover.csv"] {
        let inside = format!("/v1/cycles/2026-12/{path}?desa=35.14.05.2007");
        assert_eq!(app.get(&inside, &kader).await.status(), 200, "{path}");
        let outside = format!("/v1/cycles/2026-12/{path}?desa=35.14.05.2005");
        assert_problem(app.get(&outside, &kader).await, 403, "outside_area").await;
    }
    // An issuer of Sibon lists Sibon's vouchers only, and reads no other desa's voucher.
    let issuer = app.token_in(Role::Issuer, &["35.14.05.2005"]).await;
    let mine = vouchers_of(&app, &issuer, "").await;
    assert!(!mine.is_empty());
    assert!(mine.iter().all(|v| v["kode_desa"] == "35.14.05.2005"));
    let all = vouchers_of(&app, &app.admin, "").await;
    let elsewhere = all
        .iter()
        .find(|v| v["kode_desa"] == "35.14.05.2007")
        .unwrap();
    let path = format!("/v1/vouchers/{}", elsewhere["id"].as_str().unwrap());
    assert_problem(app.get(&path, &issuer).await, 403, "outside_area").await;
    assert_problem(
        app.get(&format!("{path}/qr.png"), &issuer).await,
        403,
        "outside_area",
    )
    .await;
    let other_desa = "/v1/vouchers?period=2026-12&desa=35.14.05.2007";
    assert_problem(app.get(other_desa, &issuer).await, 403, "outside_area").await;
    // A kecamatan officer sees every desa of Pasrepan and none of another kecamatan.
    let kecamatan = app.token_in(Role::Issuer, &["35.14.05"]).await;
    assert_eq!(vouchers_of(&app, &kecamatan, "").await.len(), all.len());
    let other = app.token_in(Role::Issuer, &["35.14.06"]).await;
    assert!(vouchers_of(&app, &other, "").await.is_empty());
    // Whole-programme actions need the district.
    assert_problem(
        app.post("/v1/cycles", &kecamatan, &json!({ "period": "2027-01" }))
            .await,
        403,
        "district_role_required",
    )
    .await;
    // A finance officer of a kecamatan sees no district-wide budget line.
    let finance = app.token_in(Role::Finance, &["35.14.05"]).await;
    let lines: Value = app.get("/v1/budgets", &finance).await.json().await.unwrap();
    assert_eq!(lines.as_array().unwrap().len(), 0);
    // A shop lists no vouchers at all.
    let shop = app.merchant("Toko").await;
    let shop = app.merchant_token(shop).await;
    assert_problem(app.get(other_desa, &shop).await, 403, "forbidden").await;
}
story!(callers_see_only_their_area);

async fn revoked_and_expired_tokens_are_refused_at_once() {
    let app = spawn_app().await;
    let other_instance = second_instance(&app).await;
    let grant = Grant::new(Role::Auditor, None, Area::everywhere()).unwrap();
    let make = |expires_at_us| {
        let store = app.store.clone();
        let grant = grant.clone();
        async move {
            let secret = ApiTokenSecret::from_random(rand::random());
            let options = TokenOptions {
                expires_at_us,
                ..TokenOptions::default()
            };
            let id = store
                .create_token(&secret, &grant, &options, "test")
                .await
                .unwrap();
            (id, secret.expose().to_owned())
        }
    };
    let (_, expired) = make(Some(now_us() - 1)).await;
    assert_problem(
        app.get("/v1/audit/verify", &expired).await,
        401,
        "unauthorized",
    )
    .await;
    let (id, live) = make(Some(now_us() + 3_600_000_000)).await;
    assert_eq!(app.get("/v1/audit/verify", &live).await.status(), 200);
    let at_other = app
        .http
        .get(format!("{other_instance}/v1/audit/verify"))
        .bearer_auth(&live);
    assert_eq!(
        at_other.try_clone().unwrap().send().await.unwrap().status(),
        200
    );
    assert!(app.store.revoke_api_token(id, "test").await.unwrap());
    assert!(!app.store.revoke_api_token(id, "test").await.unwrap());
    assert_problem(
        app.get("/v1/audit/verify", &live).await,
        401,
        "unauthorized",
    )
    .await;
    assert_problem(at_other.send().await.unwrap(), 401, "unauthorized").await;
}
story!(revoked_and_expired_tokens_are_refused_at_once);

async fn login(app: &crate::helpers::TestApp, name: &str, password: &str) -> reqwest::Response {
    app.http
        .post(app.url("/v1/login"))
        .json(&json!({ "name": name, "password": password }))
        .send()
        .await
        .unwrap()
}

async fn accounts_sign_in_lock_out_and_change_password() {
    let config = Config {
        login: LoginPolicy {
            max_failures: 3,
            ..LoginPolicy::default()
        },
        ..Config::default()
    };
    let app = spawn_app_with(config).await;
    let kader = json!({ "name": "bidan.sibon", "password": "sepuluh karakter",
        "role": "kader", "areas": ["35.14.05.2005"] });
    let res = app.post("/v1/accounts", &app.admin, &kader).await;
    assert_eq!(res.status(), 201);
    assert_problem(
        app.post("/v1/accounts", &app.admin, &kader).await,
        409,
        "already_exists",
    )
    .await;
    let weak = json!({ "name": "kader.dua", "password": "pendek", "role": "kader", "areas": ["35.14.05.2005"] });
    assert_problem(
        app.post("/v1/accounts", &app.admin, &weak).await,
        422,
        "weak_password",
    )
    .await;
    let unbound = json!({ "name": "kader.tiga", "password": "sepuluh karakter", "role": "kader" });
    assert_problem(
        app.post("/v1/accounts", &app.admin, &unbound).await,
        422,
        "validation_failed",
    )
    .await;
    let unknown = json!({ "name": "kader.empat", "password": "sepuluh karakter", "role": "kader", "areas": ["35.14.05.2099"] });
    assert_problem(
        app.post("/v1/accounts", &app.admin, &unknown).await,
        422,
        "unknown_wilayah",
    )
    .await;
    let auditor = app.token(Role::Auditor).await;
    assert_problem(
        app.post("/v1/accounts", &auditor, &kader).await,
        403,
        "forbidden",
    )
    .await;

    // A session carries the account's role and area.
    let res = login(&app, "bidan.sibon", "sepuluh karakter").await;
    assert_eq!(res.status(), 201);
    let session: Value = res.json().await.unwrap();
    assert_eq!(session["role"], "kader");
    assert_eq!(session["areas"], json!(["35.14.05.2005"]));
    assert!(session["expires_at"].is_string());
    let token = session["token"].as_str().unwrap();
    let outside = "/v1/cycles/2026-12/cards.pdf?desa=35.14.05.2007";
    assert_problem(app.get(outside, token).await, 403, "outside_area").await;

    // A wrong name and a wrong password read the same; three wrong passwords lock the account.
    assert_problem(
        login(&app, "tidak.ada", "sepuluh karakter").await,
        401,
        "login_failed",
    )
    .await;
    for _ in 0..3 {
        assert_problem(
            login(&app, "bidan.sibon", "salah sekali").await,
            401,
            "login_failed",
        )
        .await;
    }
    assert_problem(
        login(&app, "bidan.sibon", "sepuluh karakter").await,
        429,
        "account_locked",
    )
    .await;

    // A password change checks the current one and ends every session.
    let finance = json!({ "name": "bendahara", "password": "sepuluh karakter", "role": "finance" });
    assert_eq!(
        app.post("/v1/accounts", &app.admin, &finance)
            .await
            .status(),
        201
    );
    let session: Value = login(&app, "bendahara", "sepuluh karakter")
        .await
        .json()
        .await
        .unwrap();
    let token = session["token"].as_str().unwrap();
    let change =
        |current: &str, new: &str| json!({ "current_password": current, "new_password": new });
    let path = "/v1/account/password";
    assert_problem(
        app.post(path, token, &change("salah sekali", "kata sandi baru"))
            .await,
        401,
        "login_failed",
    )
    .await;
    assert_problem(
        app.post(path, token, &change("sepuluh karakter", "baru"))
            .await,
        422,
        "weak_password",
    )
    .await;
    assert_problem(
        app.post(path, &auditor, &change("a", "kata sandi baru"))
            .await,
        403,
        "forbidden",
    )
    .await;
    let res = app
        .post(path, token, &change("sepuluh karakter", "kata sandi baru"))
        .await;
    assert_eq!(res.status(), 204);
    assert_problem(app.get("/v1/budgets", token).await, 401, "unauthorized").await;
    assert_problem(
        login(&app, "bendahara", "sepuluh karakter").await,
        401,
        "login_failed",
    )
    .await;
    assert_eq!(
        login(&app, "bendahara", "kata sandi baru").await.status(),
        201
    );
}
story!(accounts_sign_in_lock_out_and_change_password);

async fn sign_in_attempts_are_rate_limited_per_address() {
    let config = Config {
        login_limit: relasi::api::BalanceLimit {
            burst: 3,
            refill_ms: 600_000,
        },
        ..Config::default()
    };
    let app = spawn_app_with(config).await;
    for _ in 0..3 {
        assert_problem(
            login(&app, "tidak.ada", "salah sekali").await,
            401,
            "login_failed",
        )
        .await;
    }
    // A forged X-Forwarded-For does not buy a new address.
    let res = app
        .http
        .post(app.url("/v1/login"))
        .header("x-forwarded-for", "203.0.113.7")
        .json(&json!({ "name": "tidak.ada", "password": "salah sekali" }))
        .send()
        .await
        .unwrap();
    assert_problem(res, 429, "rate_limited").await;
    // Other routes are not limited by it.
    assert_eq!(app.get("/v1/audit/verify", &app.admin).await.status(), 200);
}
story!(sign_in_attempts_are_rate_limited_per_address);

/// The registry's clear values the district fixture imports: KK, NIK and names.
fn clear_registry_values() -> Vec<String> {
    let mut out = Vec::new();
    for i in 1..=120u32 {
        out.push(format!("35140500{i:08}"));
        out.push(format!("35140501{i:08}"));
    }
    out.extend(
        [
            "3514054101260002",
            "3514050101240008",
            "3514060000000001",
            "3514060101800001",
        ]
        .map(str::to_owned),
    );
    out
}

async fn a_stolen_database_holds_no_nik_kk_or_name_in_clear() {
    let app = spawn_app().await;
    district(&app, "100000000").await;
    assert_eq!(issue(&app).await.status(), 200);
    let clear = clear_registry_values();
    let names = ["Kepala 1", "Luar Lokus", "Bayi", "Balita"];
    let raw = app.db.raw().await;
    let mut stored = Vec::new();
    for sql in [
        "select no_kk from households",
        "select nik_kepala from households",
        "select nama_kepala from households",
        "select no_kk from members",
        "select nik from members",
        "select nama from members",
        "select no_kk from household_history",
        "select no_kk from vouchers",
    ] {
        stored.extend(raw.texts(sql).await);
    }
    assert!(stored.len() > 400, "{} stored values", stored.len());
    for value in &stored {
        assert!(!clear.contains(value), "a KK or NIK in clear: {value}");
        assert!(!names.iter().any(|n| value.contains(n)), "a name in clear");
    }
    // Every byte of the database, as a thief copies it.
    let bytes = match &raw {
        crate::support::RawDb::Sqlite(_) => {
            let file = app.db.url.trim_start_matches("sqlite://").to_owned();
            let mut bytes = std::fs::read(&file).unwrap();
            bytes.extend(std::fs::read(format!("{file}-wal")).unwrap_or_default());
            bytes
        }
        crate::support::RawDb::Postgres(_) => {
            let mut rows = Vec::new();
            for sql in [
                "select x::text from households x",
                "select x::text from members x",
                "select x::text from household_history x",
                "select x::text from vouchers x",
                "select x::text from audit_log x",
            ] {
                rows.extend(raw.texts(sql).await);
            }
            rows.join("\n").into_bytes()
        }
    };
    let text = String::from_utf8_lossy(&bytes);
    // In the whole file, only names that no built-in wilayah carries: Indonesia has a Desa Bayi
    // (11.08.12.2038) and a Balitata; the rows above were checked for every name.
    let unique_names = names.iter().filter(|n| !matches!(**n, "Bayi" | "Balita"));
    for value in clear
        .iter()
        .map(String::as_str)
        .chain(unique_names.copied())
    {
        assert!(!text.contains(value), "{value} is readable in the database");
    }
    // The officers still read them through the API.
    let vouchers = vouchers_of(&app, &app.admin, "").await;
    assert!(!vouchers.is_empty());
    assert!(
        vouchers
            .iter()
            .all(|v| clear.contains(&v["no_kk"].as_str().unwrap().to_owned()))
    );
    let kader = app.token_in(Role::Kader, &["35.14.05.2007"]).await;
    let list = app
        .get("/v1/cycles/2026-12/handover.csv?desa=35.14.05.2007", &kader)
        .await
        .text()
        .await
        .unwrap();
    assert!(
        list.contains("Kepala "),
        "names are opened for the hand-over list"
    );
}
story!(a_stolen_database_holds_no_nik_kk_or_name_in_clear);

async fn pages_sign_in_with_an_account() {
    let app = spawn_app().await;
    let finance = json!({ "name": "bendahara", "password": "sepuluh karakter", "role": "finance" });
    assert_eq!(
        app.post("/v1/accounts", &app.admin, &finance)
            .await
            .status(),
        201
    );
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let form = |body: &'static str| {
        http.post(app.url("/masuk"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
    };
    let page = app
        .http
        .get(app.url("/masuk"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("Nama pengguna") && page.contains("Kata sandi"));
    let bad = form("name=bendahara&password=salah+sekali&next=%2F")
        .await
        .unwrap();
    assert_eq!(bad.status(), 401);
    assert!(
        bad.text()
            .await
            .unwrap()
            .contains("Nama pengguna atau kata sandi salah")
    );
    let ok = form("name=bendahara&password=sepuluh+karakter&next=%2F")
        .await
        .unwrap();
    assert_eq!(ok.status(), 303);
    let cookie = ok.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(
        cookie.contains("Max-Age=43200"),
        "the session lives as long as the account's: {cookie}"
    );
    let session = cookie.split(';').next().unwrap().to_owned();
    let read = app
        .http
        .get(app.url("/v1/budgets"))
        .header("cookie", &session)
        .send()
        .await
        .unwrap();
    assert_eq!(read.status(), 200);
}
story!(pages_sign_in_with_an_account);
