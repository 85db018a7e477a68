//! `relasi-merchant` as a shop runs it, each command a real child process: sales queued while
//! the server is unreachable, a sync killed mid-way and run again (twice), each sale landing
//! exactly once; a link-form card checked from its photo; a receipt printed in local time with
//! the shop's name and basket.

use crate::shop::{Fault, Proxy, shop};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// The `relasi-merchant` binary beside this test binary, built first when missing.
fn merchant_bin() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let dir = exe.parent().unwrap().parent().unwrap();
    let bin = dir.join("relasi-merchant");
    if !bin.exists() {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let status = Command::new(cargo)
            .args(["build", "-p", "relasi-merchant", "--bin", "relasi-merchant"])
            .status()
            .unwrap();
        assert!(status.success(), "building relasi-merchant");
    }
    bin
}

fn cli(home: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new(merchant_bin());
    cmd.arg("--home").arg(home).args(args).stdin(Stdio::null());
    cmd
}

/// Runs a command to its end off the runtime's thread (the server answers on it meanwhile).
async fn run(home: &Path, args: &[&str]) -> Output {
    let mut cmd = cli(home, args);
    tokio::task::spawn_blocking(move || cmd.output().unwrap())
        .await
        .unwrap()
}

fn json_of(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{e}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

async fn a_killed_sync_run_again_lands_each_queued_sale_exactly_once() {
    let s = shop().await;
    let proxy = Proxy::start(&s.app.base).await;
    let home = tempfile::tempdir().unwrap();
    let h = home.path();
    let login = run(
        h,
        &[
            "login",
            "--server",
            &proxy.url,
            "--token",
            &s.shop_token,
            "--name",
            "Toko Sari",
        ],
    )
    .await;
    assert!(login.status.success(), "{login:?}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(h.join("config.json"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "the token file is the shop's alone");
    }
    assert_eq!(run(h, &["keys", "sync"]).await.status.code(), Some(0));
    // A card printed with the deployment's public address holds the link form: `check` reads
    // its photo, and says until when it is valid, in the programme's zone.
    let card = h.join("kartu.png");
    let link = relasi::render::qr::card_text(&s.token(0), Some("https://relasi.example"));
    assert!(link.starts_with("HTTPS://RELASI.EXAMPLE/V/RLS1:"), "{link}");
    std::fs::write(&card, relasi::render::qr::png(&link).unwrap()).unwrap();
    let checked = run(h, &["check", card.to_str().unwrap()]).await;
    let said = String::from_utf8_lossy(&checked.stdout);
    assert_eq!(checked.status.code(), Some(0), "{checked:?}");
    assert!(
        said.contains("SAH (offline)") && said.contains("berlaku"),
        "{said}"
    );
    assert!(said.contains(" WIB"), "{said}");
    proxy.set_down(true);
    let mut keys = Vec::new();
    for (i, amount) in [(0, "30000"), (1, "20000"), (2, "10000"), (3, "5000")] {
        let token = s.token(i);
        let item = format!("susu={amount}");
        let out = run(
            h,
            &[
                "--json", "redeem", &token, "--amount", amount, "--item", &item,
            ],
        )
        .await;
        assert_eq!(out.status.code(), Some(3), "queued offline: {out:?}");
        let v = json_of(&out);
        assert_eq!(v["state"], "pending");
        keys.push(v["idempotency_key"].as_str().unwrap().to_owned());
    }
    let text = run(h, &["queue", "list"]).await;
    assert_eq!(
        String::from_utf8_lossy(&text.stdout)
            .matches("TERTUNDA")
            .count(),
        4
    );
    // The household's card is revoked before the shop syncs: that sale will be declined.
    proxy.set_down(false);
    let res = s
        .app
        .http
        .post(
            s.app
                .url(&format!("/v1/vouchers/{}/revoke", s.voucher_id(3))),
        )
        .bearer_auth(&s.app.admin)
        .send()
        .await
        .unwrap();
    assert!(res.status().is_success());

    // Sync: the second sale reaches the server and commits, then the process is killed
    // before it can record the answer.
    proxy.script(&[Fault::Pass, Fault::Hang]);
    let mut child = cli(h, &["--json", "sync"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    proxy.hung().await;
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(debit_count(&s).await, 2, "two sales landed before the kill");
    let queue = json_of(&run(h, &["--json", "queue", "list"]).await);
    assert_eq!(
        queue.as_array().unwrap().len(),
        3,
        "the killed one is still queued: {queue}"
    );

    // Run again, then once more: each sale gets its one answer.
    proxy.script(&[]);
    let again = run(h, &["--json", "sync"]).await;
    assert_eq!(again.status.code(), Some(0), "{again:?}");
    let outcomes = json_of(&again)["outcomes"].as_array().unwrap().clone();
    let states: Vec<(&str, Option<&str>)> = outcomes
        .iter()
        .map(|o| (o["state"].as_str().unwrap(), o["code"].as_str()))
        .collect();
    assert_eq!(
        states,
        [
            ("accepted", None),
            ("accepted", None),
            ("declined", Some("voucher_revoked"))
        ]
    );
    let twice = run(h, &["--json", "sync"]).await;
    assert_eq!(json_of(&twice)["outcomes"].as_array().unwrap().len(), 0);
    assert!(
        json_of(&run(h, &["--json", "queue", "list"]).await)
            .as_array()
            .unwrap()
            .is_empty()
    );

    assert_eq!(debit_count(&s).await, 3, "three sales, each charged once");
    let raw = s.app.db.raw().await;
    assert_eq!(
        raw.scalar("select count(distinct idempotency_key) from redemptions where kind = 'debit'")
            .await,
        3
    );
    assert_eq!(s.balance(0).await, 270_000);
    assert_eq!(s.balance(1).await, 80_000);
    assert_eq!(s.balance(2).await, 90_000);
    // The receipt of a synced sale prints from the device, its signature checked.
    let accepted = outcomes[0]["redemption_id"].as_u64().unwrap().to_string();
    let receipt = run(h, &["receipt", &accepted]).await;
    let printed = String::from_utf8_lossy(&receipt.stdout);
    assert!(
        printed.contains("Rp 20.000") && printed.contains("Tanda tangan  sah"),
        "{printed}"
    );
    // In the programme's time (WIB), with the shop's name and the basket kept on the device.
    let doc = json_of(&run(h, &["--json", "receipt", &accepted]).await);
    let local = doc["local_time"].as_str().unwrap();
    let secs = doc["receipt"]["created_at_us"].as_i64().unwrap() / 1_000_000;
    let wib = chrono::DateTime::from_timestamp(secs + 7 * 3600, 0).unwrap();
    let hhmm = wib.format("%H:%M WIB").to_string();
    assert!(local.ends_with(&hhmm), "{local} vs {hhmm}");
    assert!(
        local.starts_with(&format!("{} ", wib.format("%-d"))),
        "{local}"
    );
    assert!(
        printed.contains(&format!("Waktu         {local}")),
        "{printed}"
    );
    assert!(printed.contains("Toko Sari"), "{printed}");
    assert!(printed.contains("susu"), "{printed}");
    let utc = doc["receipt"]["created_at"].as_str().unwrap();
    assert!(!printed.contains(utc), "no raw UTC time: {printed}");
    assert_eq!(doc["items"][0]["category"], "susu");
    assert_eq!(doc["shop_name"], "Toko Sari");
    drop(keys);
}
story!(
    a_killed_sync_run_again_lands_each_queued_sale_exactly_once,
    multi_thread
);

async fn debit_count(s: &crate::shop::Shop) -> usize {
    s.debits_by_key().await.len()
}
