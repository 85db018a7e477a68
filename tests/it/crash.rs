//! Crashes: the real server binary under concurrent sales, killed with SIGKILL mid-load several
//! times and started again; every sale a client saw acknowledged is in the journal (its key
//! replays the same receipt) and every voucher's balance matches the ledger identity. And
//! PostgreSQL itself stopped and started under load: 503 while it is down, recovery on its own.

use crate::helpers::{TestApp, TestDb, spawn_app_over};
use crate::pg_cluster::PgCluster;
use crate::redemption::{assert_ledger, basket, redeemable, shop_in};
use relasi::api::Config;
use relasi::domain::programme::ProgrammeSettings;
use relasi::store::Backend;
use serde_json::Value;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The server binary over the test's database, on a free port; killed when dropped.
pub(crate) struct Server {
    child: Child,
    /// Its address, `http://127.0.0.1:PORT`.
    pub(crate) base: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn start(app: &TestApp) -> Server {
    start_with(app, &[]).await
}

/// The server binary with extra environment settings.
pub(crate) async fn start_with(app: &TestApp, env: &[(&str, &str)]) -> Server {
    start_logging(app, env, Stdio::null()).await
}

/// The server binary with extra environment settings, its log (stderr) going to `log`.
pub(crate) async fn start_logging(app: &TestApp, env: &[(&str, &str)], log: Stdio) -> Server {
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
        .envs(env.iter().copied())
        .stdout(Stdio::null())
        .stderr(log)
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

/// Every acknowledged sale replays its own receipt from the journal, and is debited.
async fn assert_acks_replay(
    app: &TestApp,
    base: &str,
    shop: &str,
    acks: &[(String, Value, Value)],
) {
    for (key, body, receipt) in acks {
        let res = app
            .http
            .post(format!("{}/v1/redemptions", base))
            .bearer_auth(shop)
            .header("idempotency-key", key)
            .json(body)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 201, "{key}");
        let replayed: Value = res.json().await.unwrap();
        assert_eq!(replayed["redemption_id"], receipt["redemption_id"], "{key}");
    }
    let (_, net_sales) = assert_ledger(app).await;
    assert!(
        net_sales >= 1000 * acks.len() as i64,
        "every acknowledged sale is debited"
    );
}

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
    assert_acks_replay(&app, &server.base, &shop, &acks).await;
}
story!(acknowledged_sales_survive_kill_9, multi_thread);

/// What the clients of the outage test saw.
#[derive(Default)]
struct Seen {
    /// (key, body, receipt) of every acknowledged sale.
    acks: Vec<(String, Value, Value)>,
    /// (status, content type, code) of every other answer.
    refusals: Vec<(u16, String, String)>,
    /// The longest any answer took.
    slowest: Duration,
}

impl Seen {
    fn record(&mut self, status: u16, took: Duration, (key, body, answer): (String, Value, Value)) {
        self.slowest = self.slowest.max(took);
        if status == 201 {
            self.acks.push((key, body, answer));
        } else {
            let text = |field: &str| answer[field].as_str().unwrap_or_default().to_owned();
            self.refusals.push((status, text("ct"), text("code")));
        }
    }
}

/// Most sales one client makes (its voucher holds Rp 100.000; each sale is Rp 1.000).
const SALES_PER_CLIENT: usize = 60;

/// One client per voucher selling Rp 1.000 every 20 ms until `stop`, whatever the answers.
fn steady_clients(
    http: &reqwest::Client,
    base: &str,
    shop: &str,
    tokens: &[String],
    seen: &Arc<Mutex<Seen>>,
    stop: &Arc<AtomicBool>,
) -> Vec<tokio::task::JoinHandle<()>> {
    tokens
        .iter()
        .enumerate()
        .map(|(v, token)| {
            let (http, base, shop, token) = (
                http.clone(),
                base.to_owned(),
                shop.to_owned(),
                token.clone(),
            );
            let (seen, stop) = (seen.clone(), stop.clone());
            tokio::spawn(async move {
                let mut sold = 0;
                for n in 0.. {
                    if stop.load(Ordering::Relaxed) || sold == SALES_PER_CLIENT {
                        return;
                    }
                    let key = format!("outage-{v}-{n}");
                    let body = basket(&token, 1000);
                    let started = Instant::now();
                    let sent = http
                        .post(format!("{base}/v1/redemptions"))
                        .bearer_auth(&shop)
                        .header("idempotency-key", &key)
                        .json(&body)
                        .send();
                    // A hang past the server's request timeout is a failure, not a wait.
                    let res = tokio::time::timeout(REQUEST_TIMEOUT + GRACE, sent)
                        .await
                        .expect("a sale hung past the request timeout")
                        .expect("the server answers while PostgreSQL is down");
                    let (status, answer) = answer_of(res).await;
                    let took = started.elapsed();
                    if status == 201 {
                        sold += 1;
                    }
                    seen.lock()
                        .unwrap()
                        .record(status, took, (key, body, answer));
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
            })
        })
        .collect()
}

/// The status and the body of an answer (a refusal's body gains its content type as `ct`).
async fn answer_of(res: reqwest::Response) -> (u16, Value) {
    let status = res.status().as_u16();
    let content_type = res
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let text = res.text().await.unwrap_or_default();
    let mut body: Value =
        serde_json::from_str(&text).unwrap_or_else(|_| serde_json::json!({ "text": text }));
    if status != 201 {
        body["ct"] = Value::from(content_type);
    }
    (status, body)
}

/// The server's request timeout in this test.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
/// Slack for a loaded test machine on top of it.
const GRACE: Duration = Duration::from_secs(3);

/// Waits (bounded) until `done` holds for what the clients saw.
async fn wait_until(seen: &Arc<Mutex<Seen>>, what: &str, done: impl Fn(&Seen) -> bool) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while !done(&seen.lock().unwrap()) {
        assert!(Instant::now() < deadline, "waited 60 s for {what}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// PostgreSQL stopped and started again under concurrent sales, on a throwaway cluster of the
/// test's own (never the machine's shared server): while it is down every request is answered
/// 503 problem+json (`unavailable`, or `timeout`), never 500 and never later than the request
/// timeout; once it is back the same server process sells again on its own; every sale a
/// client saw acknowledged is in the journal and every balance matches the ledger.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_stopped_and_started_under_load() {
    let Some(cluster) = PgCluster::start() else {
        return;
    };
    let db = TestDb::create(Backend::Postgres, Some(cluster.url())).await;
    let app = spawn_app_over(db, Config::default(), ProgrammeSettings::default()).await;
    let vouchers = redeemable(&app).await;
    let (_, shop) = shop_in(&app, "35.14.05").await;
    let tokens: Vec<String> = vouchers
        .iter()
        .map(|v| v["token"].as_str().unwrap().to_owned())
        .collect();
    let timeout_secs = REQUEST_TIMEOUT.as_secs().to_string();
    let server = start_with(&app, &[("RELASI_REQUEST_TIMEOUT_SECS", &timeout_secs)]).await;
    let (seen, stop) = (
        Arc::<Mutex<Seen>>::default(),
        Arc::new(AtomicBool::new(false)),
    );
    let tasks = steady_clients(&app.http, &server.base, &shop, &tokens, &seen, &stop);
    wait_until(&seen, "sales before the outage", |s| s.acks.len() >= 20).await;

    cluster.down();
    let refused_before = seen.lock().unwrap().refusals.len();
    // Asked directly while it is down (and while the clients keep selling): a sale and
    // readiness are 503 problem+json.
    let probe_sale = app
        .http
        .post(format!("{}/v1/redemptions", server.base))
        .bearer_auth(&shop)
        .header("idempotency-key", "outage-probe")
        .json(&basket(&tokens[0], 1000))
        .send();
    let probe_ready = app.http.get(format!("{}/readyz", server.base)).send();
    let refusals = wait_until(&seen, "refusals while PostgreSQL is down", |s| {
        s.refusals.len() >= refused_before + tokens.len()
    });
    let (sale, ready, ()) = tokio::join!(probe_sale, probe_ready, refusals);
    let (status, body) = answer_of(sale.unwrap()).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (503, Some("unavailable")),
        "{body}"
    );
    assert_eq!(body["ct"], "application/problem+json");
    let (status, body) = answer_of(ready.unwrap()).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (503, Some("not_ready")),
        "{body}"
    );

    let acked_while_down = seen.lock().unwrap().acks.len();
    cluster.up();
    wait_until(&seen, "sales after PostgreSQL is back", |s| {
        s.acks.len() >= acked_while_down + 20
    })
    .await;
    stop.store(true, Ordering::Relaxed);
    for t in tasks {
        t.await.unwrap();
    }

    let seen = std::mem::take(&mut *seen.lock().unwrap());
    for (status, content_type, code) in &seen.refusals {
        assert_eq!(*status, 503, "{code}");
        assert_eq!(content_type, "application/problem+json", "{code}");
        assert!(matches!(code.as_str(), "unavailable" | "timeout"), "{code}");
    }
    assert!(seen.slowest < REQUEST_TIMEOUT + GRACE, "{:?}", seen.slowest);
    // Every acknowledged sale replays its own receipt, from the journal, on the same process.
    assert_acks_replay(&app, &server.base, &shop, &seen.acks).await;
    eprintln!(
        "outage: {} sales acknowledged, {} refused while down, slowest answer {:?}",
        seen.acks.len(),
        seen.refusals.len(),
        seen.slowest
    );
}
