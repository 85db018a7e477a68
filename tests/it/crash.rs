//! Crashes: the real server binary under concurrent sales, killed with SIGKILL mid-load several
//! times and started again; every sale a client saw acknowledged is in the journal (its key
//! replays the same receipt) and every voucher's balance matches the ledger identity.

use crate::helpers::TestApp;
use crate::redemption::{assert_ledger, basket, redeemable, shop_in};
use serde_json::Value;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};

/// The server binary over the test's database, on a free port; killed when dropped.
struct Server {
    child: Child,
    base: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn start(app: &TestApp) -> Server {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new(env!("CARGO_BIN_EXE_relasi"))
        .arg("serve")
        .env("DATABASE_URL", &app.db.url)
        .env("RELASI_BIND", format!("127.0.0.1:{port}"))
        .env("RELASI_KEY_DIR", app.keys_path())
        .env("RUST_LOG", "error")
        .env_remove("RELASI_DEPLOYMENT_ID")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let server = Server {
        child,
        base: format!("http://127.0.0.1:{port}"),
    };
    // Ready when /readyz answers 200 (bounded: 600 tries).
    for _ in 0..600 {
        let ready = app.http.get(format!("{}/readyz", server.base)).send().await;
        if ready.is_ok_and(|r| r.status() == 200) {
            return server;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("the server did not become ready");
}

/// (key, body, receipt) of every acknowledged sale.
type Acks = Arc<Mutex<Vec<(String, Value, Value)>>>;

/// One client per voucher selling Rp 1.000 at a time until the server stops answering.
fn clients(
    app: &TestApp,
    base: &str,
    shop: &str,
    tokens: &[String],
    round: usize,
    acks: &Acks,
) -> Vec<tokio::task::JoinHandle<()>> {
    tokens
        .iter()
        .enumerate()
        .map(|(v, token)| {
            let (http, base, shop, token, acks) = (
                app.http.clone(),
                base.to_owned(),
                shop.to_owned(),
                token.clone(),
                acks.clone(),
            );
            tokio::spawn(async move {
                for n in 0.. {
                    let key = format!("crash-{round}-{v}-{n}");
                    let body = basket(&token, 1000);
                    let sent = http
                        .post(format!("{base}/v1/redemptions"))
                        .bearer_auth(&shop)
                        .header("idempotency-key", &key)
                        .json(&body)
                        .send()
                        .await;
                    let Ok(res) = sent else { return };
                    if res.status() != 201 {
                        return;
                    }
                    let Ok(receipt) = res.json::<Value>().await else {
                        return;
                    };
                    acks.lock().unwrap().push((key, body, receipt));
                }
            })
        })
        .collect()
}

async fn acknowledged_sales_survive_kill_9() {
    let app = crate::helpers::spawn_app().await;
    let vouchers = redeemable(&app).await;
    let (_, shop) = shop_in(&app, "35.14.05").await;
    let tokens: Vec<String> = vouchers
        .iter()
        .map(|v| v["token"].as_str().unwrap().to_owned())
        .collect();
    let acks: Acks = Arc::default();
    for round in 0..3 {
        let mut server = start(&app).await;
        let before = acks.lock().unwrap().len();
        let tasks = clients(&app, &server.base, &shop, &tokens, round, &acks);
        // Kill mid-load, once this round has seen some sales acknowledged (bounded: 4000 looks).
        let mut looks = 0;
        while acks.lock().unwrap().len() < before + 20 {
            looks += 1;
            assert!(looks < 4000, "no sales acknowledged in round {round}");
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
        server.child.kill().unwrap(); // SIGKILL
        server.child.wait().unwrap();
        for t in tasks {
            t.await.unwrap();
        }
    }
    let acks = acks.lock().unwrap().clone();
    assert!(acks.len() >= 60, "{} sales acknowledged", acks.len());
    // After the last crash: every acknowledged sale replays its own receipt, from the journal.
    let server = start(&app).await;
    for (key, body, receipt) in &acks {
        let res = app
            .http
            .post(format!("{}/v1/redemptions", server.base))
            .bearer_auth(&shop)
            .header("idempotency-key", key)
            .json(body)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 201, "{key}");
        let replayed: Value = res.json().await.unwrap();
        assert_eq!(replayed["redemption_id"], receipt["redemption_id"], "{key}");
    }
    let (_, net_sales) = assert_ledger(&app).await;
    assert!(
        net_sales >= 1000 * acks.len() as i64,
        "every acknowledged sale is debited"
    );
}
story!(acknowledged_sales_survive_kill_9, multi_thread);
