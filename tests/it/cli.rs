//! The `relasi` binary: demo, token creation, migrate.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

fn relasi() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_relasi"));
    cmd.env("RUST_LOG", "warn")
        .env_remove("RELASI_DEPLOYMENT_ID");
    cmd
}

/// Kills the child when the test ends, pass or fail.
struct Killed(std::process::Child);
impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

async fn demo_serves_healthz_and_readyz_and_reuses_its_database() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}/demo.db", dir.path().display());
    let keys = dir.path().join("keys");
    for round in ["dibuat / created", "dipakai ulang / reused"] {
        let child = relasi()
            .args([
                "demo",
                "--demo-db",
                &db,
                "--bind",
                "127.0.0.1:0",
                "--demo-key-dir",
            ])
            .arg(&keys)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut child = Killed(child);
        let stdout = child.0.stdout.take().unwrap();
        let lines: Vec<String> = BufReader::new(stdout)
            .lines()
            .take(16)
            .map(Result::unwrap)
            .collect();
        let text = lines.join("\n");
        assert!(text.contains(round), "{text}");
        assert!(text.contains("300 KK"), "{text}");
        let url = lines
            .iter()
            .find_map(|l| l.split_whitespace().find(|w| w.starts_with("http://")))
            .unwrap()
            .to_owned();
        let admin = lines
            .iter()
            .find(|l| l.contains("token admin"))
            .unwrap()
            .split_whitespace()
            .last()
            .unwrap()
            .to_owned();
        assert!(
            text.contains("masuk / sign in       : admin / relasi-demo-admin"),
            "{text}"
        );
        let http = crate::helpers::http_client();
        // The printed demo sign-in works on the pages and lands the admin on the dashboard.
        let signed = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap()
            .post(format!("{url}/masuk"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body("name=admin&password=relasi-demo-admin")
            .send()
            .await
            .unwrap();
        assert_eq!(signed.headers()["location"], "/admin", "{round}");
        // The first run seeds sample sales for the finance officer; a re-run adds none.
        let seeded = if round.starts_with("dibuat") { 12 } else { 0 };
        assert!(
            text.contains(&format!("belanja / sales       : {seeded} contoh")),
            "{text}"
        );
        if seeded > 0 {
            assert_demo_month_reconciles(&url).await;
        }
        assert_eq!(
            http.get(format!("{url}/healthz"))
                .send()
                .await
                .unwrap()
                .status(),
            200
        );
        assert_eq!(
            http.get(format!("{url}/readyz"))
                .send()
                .await
                .unwrap()
                .status(),
            200
        );
        let budgets: serde_json::Value = http
            .get(format!("{url}/v1/budgets"))
            .bearer_auth(&admin)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(budgets.as_array().unwrap().len(), 3);
        // A demo shop can sell against a demo voucher right away.
        let shop = lines
            .iter()
            .find(|l| l.contains("token toko"))
            .unwrap()
            .split_whitespace()
            .last()
            .unwrap()
            .to_owned();
        let period = relasi::demo::demo_period();
        let list: serde_json::Value = http
            .get(format!(
                "{url}/v1/vouchers?period={period}&desa=35.14.05.2005"
            ))
            .bearer_auth(&admin)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let token = list["vouchers"][0]["token"].as_str().unwrap();
        let sale = serde_json::json!({ "token": token, "amount": "5000", "items": [{ "category": "susu", "amount": "5000" }] });
        let res = http
            .post(format!("{url}/v1/redemptions"))
            .bearer_auth(&shop)
            .header("idempotency-key", format!("demo-{}", round.len()))
            .json(&sale)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 201, "{}", res.text().await.unwrap());
    }
}
story!(demo_serves_healthz_and_readyz_and_reuses_its_database);

/// The demo's finance officer signs in (`POST /v1/login`) and reconciles the demo month: figures,
/// a roll-up, and the seeded burst as an exception.
async fn assert_demo_month_reconciles(url: &str) {
    let http = crate::helpers::http_client();
    let login: serde_json::Value = http
        .post(format!("{url}/v1/login"))
        .json(&serde_json::json!({ "name": "keuangan", "password": "relasi-demo-keuangan" }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = login["token"].as_str().unwrap();
    let period = relasi::demo::demo_period().to_string();
    let run: serde_json::Value = http
        .post(format!("{url}/v1/reconciliations"))
        .bearer_auth(token)
        .json(&serde_json::json!({ "period": period }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let r = &run["report"];
    assert_eq!(r["merchants"][0]["count"], 10, "{r:#}");
    assert!(r["rollup"].as_array().unwrap().len() > 3, "{r:#}");
    let rules: Vec<&str> = r["anomalies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["rule"].as_str().unwrap())
        .collect();
    assert!(rules.contains(&"burst"), "{rules:?}");
}

async fn token_create_prints_only_the_token_and_it_works() {
    let db = crate::helpers::test_db().await;
    let out = relasi()
        .args(["token", "create", "--role", "finance"])
        .env("DATABASE_URL", &db.url)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    let token = stdout.trim_end();
    assert_eq!(stdout.lines().count(), 1);
    assert!(token.starts_with("rls_"));
    let store = db.store().await;
    let secret = relasi::domain::auth::ApiTokenSecret::presented(token).unwrap();
    let (_, principal) = store.principal_for(&secret).await.unwrap().unwrap();
    assert_eq!(principal.role, relasi::domain::auth::Role::Finance);
    // The secret itself is not stored, only its hash.
    let raw = db.raw().await;
    assert_eq!(
        raw.scalar("select count(*) from api_tokens where length(token_sha256) = 64")
            .await,
        1
    );

    let bad = relasi()
        .args(["token", "create", "--role", "merchant"])
        .env("DATABASE_URL", &db.url)
        .output()
        .unwrap();
    assert!(!bad.status.success());
    assert!(bad.stdout.is_empty());
}
story!(token_create_prints_only_the_token_and_it_works);

async fn token_areas_expiry_list_revoke_and_accounts_from_the_cli() {
    let db = crate::helpers::test_db().await;
    let store = db.store().await;
    crate::support::seed_pasuruan(&store).await;
    let run = |args: &[&str]| {
        relasi()
            .args(args)
            .env("DATABASE_URL", &db.url)
            .env("RELASI_ACCOUNT_PASSWORD", "sepuluh karakter")
            .output()
            .unwrap()
    };
    let out = run(&[
        "token",
        "create",
        "--role",
        "kader",
        "--desa",
        "35.14.05.2005",
        "35.14.05.2007",
        "--expires",
        "30d",
        "--label",
        "kader Sibon",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let token = String::from_utf8(out.stdout).unwrap().trim_end().to_owned();
    let secret = relasi::domain::auth::ApiTokenSecret::presented(&token).unwrap();
    let (id, principal) = store.principal_for(&secret).await.unwrap().unwrap();
    assert_eq!(principal.area.to_stored(), "35.14.05.2005 35.14.05.2007");
    // A kader without a desa, an unknown desa and an expiry in the past are refused.
    for bad in [
        &["token", "create", "--role", "kader"][..],
        &[
            "token",
            "create",
            "--role",
            "kader",
            "--desa",
            "35.14.05.2099",
        ],
        &[
            "token",
            "create",
            "--role",
            "auditor",
            "--expires",
            "2020-01-01T00:00:00Z",
        ],
    ] {
        let out = run(bad);
        assert!(!out.status.success() && out.stdout.is_empty(), "{bad:?}");
    }
    let list = String::from_utf8(run(&["token", "list"]).stdout).unwrap();
    let line = list
        .lines()
        .find(|l| l.starts_with(&format!("{}\t", id.0)))
        .unwrap();
    assert!(
        line.contains("kader") && line.contains("35.14.05.2007") && line.contains("kader Sibon")
    );
    assert!(!list.contains(&token), "secrets are never listed");
    assert!(
        run(&["token", "revoke", &id.0.to_string()])
            .status
            .success()
    );
    assert!(store.principal_for(&secret).await.unwrap().is_none());
    assert!(
        !run(&["token", "revoke", &id.0.to_string()])
            .status
            .success()
    );
    // An officer's account; the password comes from the environment, never the command line.
    let out = run(&[
        "account",
        "create",
        "--name",
        "camat.pasrepan",
        "--role",
        "issuer",
        "--area",
        "35.14.05",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let record = store.login_record("camat.pasrepan").await.unwrap().unwrap();
    assert!(record.password_phc.starts_with("$argon2id$"));
    assert_eq!(record.grant.area.to_stored(), "35.14.05");
}
story!(token_areas_expiry_list_revoke_and_accounts_from_the_cli);

async fn migrate_on_an_empty_database_then_programme_create_and_show() {
    let db = crate::helpers::test_db().await;
    let run = |args: &[&str]| {
        relasi()
            .args(args)
            .env("DATABASE_URL", &db.url)
            .output()
            .unwrap()
    };
    assert!(run(&["migrate"]).status.success());
    let created = run(&[
        "programme",
        "create",
        "--name",
        "KASIH",
        "--number",
        "3",
        "--year",
        "2026",
        "--cap",
        "250000",
    ]);
    assert!(
        created.status.success(),
        "{}",
        String::from_utf8_lossy(&created.stderr)
    );
    let shown: serde_json::Value =
        serde_json::from_slice(&run(&["programme", "show"]).stdout).unwrap();
    assert_eq!(shown[0]["number"], 3);
    assert_eq!(shown[0]["settings"]["voucher_cap"], "250000");
    let bad = run(&[
        "programme",
        "create",
        "--name",
        "X",
        "--number",
        "4",
        "--year",
        "2026",
        "--max-desil",
        "11",
    ]);
    assert!(!bad.status.success());
}
story!(migrate_on_an_empty_database_then_programme_create_and_show);

async fn audit_verify_reports_an_intact_chain() {
    let db = crate::helpers::test_db().await;
    let run = |args: &[&str]| {
        relasi()
            .args(args)
            .env("DATABASE_URL", &db.url)
            .output()
            .unwrap()
    };
    assert!(
        run(&["token", "create", "--role", "auditor"])
            .status
            .success()
    );
    let out = run(&["audit", "verify"]);
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("1 catatan"));
}
story!(audit_verify_reports_an_intact_chain);

async fn import_from_the_cli_writes_or_names_the_bad_rows() {
    let db = crate::helpers::test_db().await;
    let store = db.store().await;
    crate::support::seed_pasuruan(&store).await;
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("households.csv");
    std::fs::write(&good, crate::registry::households_csv(1, 120, "aktif")).unwrap();
    let out = relasi()
        .args(["import", "households"])
        .arg(&good)
        .env("DATABASE_URL", &db.url)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["inserted"], 120);
    assert!(
        String::from_utf8_lossy(&out.stderr).contains(
            "Baru 120 · Pindah desa 0 · Pindah keluar 0 · Meninggal 0 · Gabung KK 0 · Berubah lain 0 · Tetap 0"
        ),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let bad = dir.path().join("bad.csv");
    std::fs::write(
        &bad,
        crate::registry::households_csv(200, 5, "aktif")
            .replace(",aktif\n3514050000000202", ",hilang\n3514050000000202"),
    )
    .unwrap();
    let out = relasi()
        .args(["import", "households"])
        .arg(&bad)
        .env("DATABASE_URL", &db.url)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("line 3: status"), "{stderr}");
    assert_eq!(store.count_registry().await.unwrap().households, 120);
}
story!(import_from_the_cli_writes_or_names_the_bad_rows);
