//! Accounts and tokens as an admin manages them over the API: tokens listed (never a secret),
//! created (the secret answered once) and revoked (refused at once, on every instance); an
//! account locked by failed sign-ins unlocked; a password reset and signed in with; an account
//! disabled; an admin bound to a kecamatan sees and manages only what lies inside it; other
//! roles are refused.

use crate::helpers::{assert_problem, second_instance, spawn_app, spawn_app_with};
use relasi::api::Config;
use relasi::domain::auth::Role;
use relasi::usecases::accounts::LoginPolicy;
use serde_json::{Value, json};

async fn login(app: &crate::helpers::TestApp, name: &str, password: &str) -> reqwest::Response {
    app.http
        .post(app.url("/v1/login"))
        .json(&json!({ "name": name, "password": password }))
        .send()
        .await
        .unwrap()
}

async fn listed(app: &crate::helpers::TestApp, path: &str, token: &str) -> Value {
    let res = app.get(path, token).await;
    assert_eq!(res.status(), 200);
    res.json().await.unwrap()
}

/// The row with this id in a list answer.
fn row<'a>(list: &'a Value, key: &str, id: &Value) -> Option<&'a Value> {
    list[key]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| &r["id"] == id)
}

async fn an_admin_creates_lists_and_revokes_a_token_refused_at_once_everywhere() {
    let app = spawn_app().await;
    let other = second_instance(&app).await;
    let body =
        json!({ "role": "kader", "areas": ["35.14.05.2005"], "label": "kader Sibon", "days": 30 });
    let res = app.post("/v1/tokens", &app.admin, &body).await;
    assert_eq!(res.status(), 201);
    let made: Value = res.json().await.unwrap();
    let secret = made["token"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("rls_"));
    assert_eq!(made["areas"], json!(["35.14.05.2005"]));
    assert!(made["expires_at"].is_string() && made["revoked_at"].is_null());
    let id = made["id"].clone();

    // The list shows it, and nothing secret: no secret, no hash, for any token.
    let list = listed(&app, "/v1/tokens", &app.admin).await;
    let text = list.to_string();
    assert!(!text.contains(&secret) && !text.contains("sha256") && !text.contains("\"token\""));
    let shown = row(&list, "tokens", &id).unwrap();
    assert_eq!(shown["label"], "kader Sibon");
    assert_eq!(shown["role"], "kader");

    // It works on both instances until revoked; then 401 on both, at once.
    let path = "/v1/cycles/2026-12/handovers?desa=35.14.05.2005";
    let at = |base: &str| {
        app.http
            .get(format!("{base}{path}"))
            .bearer_auth(&secret)
            .send()
    };
    assert_ne!(at(&app.base).await.unwrap().status(), 401);
    assert_ne!(at(&other).await.unwrap().status(), 401);
    let revoke = format!("/v1/tokens/{id}/revoke");
    assert_eq!(
        app.post(&revoke, &app.admin, &json!({})).await.status(),
        204
    );
    assert_problem(at(&app.base).await.unwrap(), 401, "unauthorized").await;
    assert_problem(at(&other).await.unwrap(), 401, "unauthorized").await;
    // Revoking again changes nothing; an unknown token is 404.
    assert_eq!(
        app.post(&revoke, &app.admin, &json!({})).await.status(),
        204
    );
    assert_problem(
        app.post("/v1/tokens/999999/revoke", &app.admin, &json!({}))
            .await,
        404,
        "not_found",
    )
    .await;
    let list = listed(&app, "/v1/tokens", &app.admin).await;
    assert!(row(&list, "tokens", &id).unwrap()["revoked_at"].is_string());

    // Bad requests are refused with their codes, and nothing is made.
    for (bad, code) in [
        (json!({ "role": "kader" }), "validation_failed"),
        (json!({ "role": "auditor", "days": 0 }), "validation_failed"),
        (
            json!({ "role": "auditor", "label": "x".repeat(101) }),
            "validation_failed",
        ),
        (
            json!({ "role": "kader", "areas": ["35.14.05.2099"] }),
            "unknown_wilayah",
        ),
    ] {
        assert_problem(app.post("/v1/tokens", &app.admin, &bad).await, 422, code).await;
    }
    let actions: Vec<String> = app
        .store
        .audit_records()
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.event.subject == format!("api_token:{id}"))
        .map(|r| r.event.action)
        .collect();
    assert_eq!(actions, ["token.create", "token.revoke"]);
}
story!(
    an_admin_creates_lists_and_revokes_a_token_refused_at_once_everywhere,
    multi_thread
);

async fn an_admin_unlocks_an_account_resets_its_password_and_disables_it() {
    let config = Config {
        login: LoginPolicy {
            max_failures: 3,
            ..LoginPolicy::default()
        },
        ..Config::default()
    };
    let app = spawn_app_with(config).await;
    let body = json!({ "name": "bidan.sibon", "password": "sepuluh karakter",
        "role": "kader", "areas": ["35.14.05.2005"] });
    let made: Value = app
        .post("/v1/accounts", &app.admin, &body)
        .await
        .json()
        .await
        .unwrap();
    let id = made["id"].clone();
    let list = listed(&app, "/v1/accounts", &app.admin).await;
    let shown = row(&list, "accounts", &id).unwrap();
    assert_eq!(
        (&shown["state"], &shown["last_sign_in"]),
        (&json!("active"), &Value::Null)
    );
    assert!(
        !list.to_string().contains("argon2"),
        "never a password hash"
    );
    let session: Value = login(&app, "bidan.sibon", "sepuluh karakter")
        .await
        .json()
        .await
        .unwrap();
    let old_session = session["token"].as_str().unwrap().to_owned();

    // Locked by failures; the admin sees it and unlocks it; the right password works again.
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
    let list = listed(&app, "/v1/accounts", &app.admin).await;
    let shown = row(&list, "accounts", &id).unwrap();
    assert_eq!(
        (&shown["state"], &shown["failed_logins"]),
        (&json!("locked"), &json!(3))
    );
    assert!(shown["last_sign_in"].is_string());
    let unlock = format!("/v1/accounts/{id}/unlock");
    assert_eq!(
        app.post(&unlock, &app.admin, &json!({})).await.status(),
        204
    );
    assert_eq!(
        login(&app, "bidan.sibon", "sepuluh karakter")
            .await
            .status(),
        201
    );

    // A reset: a weak password is refused; then the old password and sessions stop working.
    let reset = format!("/v1/accounts/{id}/password");
    let weak = json!({ "password": "pendek" });
    assert_problem(
        app.post(&reset, &app.admin, &weak).await,
        422,
        "weak_password",
    )
    .await;
    let new = json!({ "password": "kata sandi baru sekali" });
    assert_eq!(app.post(&reset, &app.admin, &new).await.status(), 204);
    assert_problem(
        login(&app, "bidan.sibon", "sepuluh karakter").await,
        401,
        "login_failed",
    )
    .await;
    assert_problem(
        app.get("/v1/wilayah", &old_session).await,
        401,
        "unauthorized",
    )
    .await;
    let res = login(&app, "bidan.sibon", "kata sandi baru sekali").await;
    assert_eq!(res.status(), 201);
    let session: Value = res.json().await.unwrap();

    // Disabled: no sign-in, its sessions end; doing it again is harmless.
    let disable = format!("/v1/accounts/{id}/disable");
    assert_eq!(
        app.post(&disable, &app.admin, &json!({})).await.status(),
        204
    );
    assert_eq!(
        app.post(&disable, &app.admin, &json!({})).await.status(),
        204
    );
    let token = session["token"].as_str().unwrap();
    assert_problem(app.get("/v1/wilayah", token).await, 401, "unauthorized").await;
    assert_problem(
        login(&app, "bidan.sibon", "kata sandi baru sekali").await,
        401,
        "login_failed",
    )
    .await;
    let list = listed(&app, "/v1/accounts", &app.admin).await;
    assert_eq!(row(&list, "accounts", &id).unwrap()["state"], "disabled");
    assert_problem(
        app.post("/v1/accounts/999999/unlock", &app.admin, &json!({}))
            .await,
        404,
        "not_found",
    )
    .await;
    let actions: Vec<String> = app
        .store
        .audit_records()
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.event.subject == format!("account:{id}"))
        .map(|r| r.event.action)
        .collect();
    assert_eq!(
        actions,
        [
            "account.create",
            "account.unlock",
            "account.password",
            "account.disable"
        ]
    );
}
story!(an_admin_unlocks_an_account_resets_its_password_and_disables_it);

async fn only_admins_manage_and_only_inside_their_area() {
    let app = spawn_app().await;
    let make = |name: &str, areas: Value| json!({ "name": name, "password": "sepuluh karakter", "role": "issuer", "areas": areas });
    let inside: Value = app
        .post(
            "/v1/accounts",
            &app.admin,
            &make("camat.pasrepan", json!(["35.14.05"])),
        )
        .await
        .json()
        .await
        .unwrap();
    let outside: Value = app
        .post(
            "/v1/accounts",
            &app.admin,
            &make("camat.puspo", json!(["35.14.06"])),
        )
        .await
        .json()
        .await
        .unwrap();
    // Every other role is refused everything.
    for role in [Role::Issuer, Role::Finance, Role::Auditor] {
        let token = app.token(role).await;
        assert_problem(app.get("/v1/accounts", &token).await, 403, "forbidden").await;
        assert_problem(app.get("/v1/tokens", &token).await, 403, "forbidden").await;
        let body = json!({ "role": "auditor" });
        assert_problem(
            app.post("/v1/tokens", &token, &body).await,
            403,
            "forbidden",
        )
        .await;
        let unlock = format!("/v1/accounts/{}/unlock", inside["id"]);
        assert_problem(
            app.post(&unlock, &token, &json!({})).await,
            403,
            "forbidden",
        )
        .await;
    }
    // An admin of Kecamatan Pasrepan sees and manages Pasrepan's only.
    let kec_admin = app.token_in(Role::Admin, &["35.14.05"]).await;
    let list = listed(&app, "/v1/accounts", &kec_admin).await;
    assert!(row(&list, "accounts", &inside["id"]).is_some());
    assert!(row(&list, "accounts", &outside["id"]).is_none());
    let unlock = |a: &Value| format!("/v1/accounts/{}/unlock", a["id"]);
    assert_eq!(
        app.post(&unlock(&inside), &kec_admin, &json!({}))
            .await
            .status(),
        204
    );
    assert_problem(
        app.post(&unlock(&outside), &kec_admin, &json!({})).await,
        403,
        "outside_area",
    )
    .await;
    let district = json!({ "role": "auditor" });
    assert_problem(
        app.post("/v1/tokens", &kec_admin, &district).await,
        403,
        "outside_area",
    )
    .await;
    assert_problem(
        app.post(
            "/v1/accounts",
            &kec_admin,
            &make("camat.lain", json!(["35.14.06"])),
        )
        .await,
        403,
        "outside_area",
    )
    .await;
    let kader = json!({ "role": "kader", "areas": ["35.14.05.2005"] });
    let res = app.post("/v1/tokens", &kec_admin, &kader).await;
    assert_eq!(res.status(), 201);
    let tokens = listed(&app, "/v1/tokens", &kec_admin).await;
    let areas: Vec<&Value> = tokens["tokens"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| &t["areas"])
        .collect();
    assert!(
        !areas.is_empty()
            && areas
                .iter()
                .all(|a| a[0].as_str().unwrap().starts_with("35.14.05"))
    );
}
story!(only_admins_manage_and_only_inside_their_area);
