//! Fixtures for the shop stories: a server whose programme allows offline sales, issued
//! vouchers, a registered shop, and a fault-injecting proxy between the shop and the server.

use crate::helpers::{TestApp, spawn_app_full};
use axum::body::Body;
use axum::extract::{Request, State};
use axum::response::Response;
use relasi::api::Config;
use relasi::domain::ids::MerchantId;
use relasi::domain::money::Rupiah;
use relasi::domain::programme::{OfflineCeilings, ProgrammeSettings};
use serde_json::{Value, json};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use tokio::sync::Notify;

/// The offline ceilings the shop stories run under.
pub fn ceilings() -> OfflineCeilings {
    OfflineCeilings {
        max_list_age_secs: 3600,
        voucher_day: Rupiah::new(50_000).unwrap(),
        shop_count: 4,
        shop_total: Rupiah::new(120_000).unwrap(),
    }
}

/// A server, its vouchers (by KK: KK 1 is worth Rp 300.000, the others Rp 100.000) and a shop.
pub struct Shop {
    pub app: TestApp,
    pub vouchers: Vec<Value>,
    pub shop_id: MerchantId,
    pub shop_token: String,
}

impl Shop {
    /// The QR text of voucher `i`.
    pub fn token(&self, i: usize) -> String {
        self.vouchers[i]["token"].as_str().unwrap().to_owned()
    }

    /// The id of voucher `i`.
    pub fn voucher_id(&self, i: usize) -> String {
        self.vouchers[i]["id"].as_str().unwrap().to_owned()
    }

    /// The shop's debits in the journal, by idempotency key.
    pub async fn debits_by_key(&self) -> Vec<(String, i64)> {
        let rows = self
            .app
            .store
            .shop_entries(self.shop_id, 0, i64::MAX, 0, 10_000)
            .await
            .unwrap();
        let mut out = Vec::new();
        for e in rows.into_iter().filter(|e| e.kind == "debit") {
            out.push((e.voucher.to_string(), e.amount.as_i64()));
        }
        out
    }

    /// A voucher's balance, as the admin reads it.
    pub async fn balance(&self, i: usize) -> i64 {
        let v: Value = self
            .app
            .get(
                &format!("/v1/vouchers/{}", self.voucher_id(i)),
                &self.app.admin,
            )
            .await
            .json()
            .await
            .unwrap();
        v["balance"].as_str().unwrap().parse().unwrap()
    }
}

/// Five households in Sibon, vouchers issued (offline allowed), a shop serving Pasrepan.
pub async fn shop() -> Shop {
    let settings = ProgrammeSettings {
        offline_allowed: true,
        offline: ceilings(),
        ..ProgrammeSettings::default()
    };
    let app = spawn_app_full(Config::default(), settings).await;
    let mut h = String::from("no_kk,nik_kepala,nama_kepala,kode_desa,desil,krs,status\n");
    for i in 1..=5 {
        h.push_str(&format!(
            "35140500000000{i:02},35140501000000{i:02},Kepala {i},35.14.05.2005,1,1,aktif\n"
        ));
    }
    app.import_csv(h).await;
    let mut m = String::from("nik,no_kk,nama,tanggal_lahir,sasaran,mulai,selesai,stunting\n");
    for b in 1..=4 {
        m.push_str(&format!(
            "351405410126000{b},3514050000000001,Bayi {b},2026-01-0{b},,,,0\n"
        ));
    }
    app.import_csv(m).await;
    let budget = json!({ "year": 2026, "sumber_dana": "APBD", "kode_wilayah": "35.14", "amount": "100000000" });
    assert_eq!(
        app.post("/v1/budgets", &app.admin, &budget).await.status(),
        201
    );
    let cycle = json!({ "period": "2026-11", "valid_from": "2025-01-01T00:00:00Z", "valid_until": "2099-01-01T00:00:00Z" });
    assert_eq!(
        app.post("/v1/cycles", &app.admin, &cycle).await.status(),
        201
    );
    app.generate_key().await;
    let res = app
        .http
        .post(app.url("/v1/cycles/2026-11/issue"))
        .bearer_auth(&app.admin)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let list: Value = app
        .get("/v1/vouchers?period=2026-11", &app.admin)
        .await
        .json()
        .await
        .unwrap();
    let mut vouchers = list["vouchers"].as_array().unwrap().clone();
    vouchers.sort_by_key(|v| v["no_kk"].as_str().unwrap().to_owned());
    assert_eq!(vouchers.len(), 5);
    let res = app
        .post("/v1/merchants", &app.admin, &json!({ "name": "Warung Bu Sri", "kode_desa": "35.14.05.2005", "service_area": ["35.14.05"] }))
        .await;
    let shop_id = MerchantId(res.json::<Value>().await.unwrap()["id"].as_i64().unwrap());
    let shop_token = app.merchant_token(shop_id).await;
    Shop {
        app,
        vouchers,
        shop_id,
        shop_token,
    }
}

/// What the proxy does to the n-th `POST /v1/redemptions` it sees.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Fault {
    /// Forward and answer.
    Pass,
    /// Answer 503 without forwarding.
    Refuse503,
    /// Forward (the server commits), then answer 503: the answer is lost.
    Lose503,
    /// Forward (the server commits), then never answer: the client times out.
    Hang,
}

struct ProxyState {
    target: String,
    http: reqwest::Client,
    down: AtomicBool,
    script: Mutex<Vec<Fault>>,
    sales_seen: AtomicUsize,
    hung: Notify,
}

/// A proxy in front of the server that can fail, lose answers or hang.
#[derive(Clone)]
pub struct Proxy {
    pub url: String,
    state: Arc<ProxyState>,
}

impl Proxy {
    /// A proxy to `target` on a port of its own.
    pub async fn start(target: &str) -> Proxy {
        let state = Arc::new(ProxyState {
            target: target.to_owned(),
            http: crate::helpers::http_client(),
            down: AtomicBool::new(false),
            script: Mutex::new(Vec::new()),
            sales_seen: AtomicUsize::new(0),
            hung: Notify::new(),
        });
        let router = axum::Router::new()
            .fallback(forward)
            .with_state(Arc::clone(&state));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, router).await });
        Proxy { url, state }
    }

    /// Every request answered 503 (`true`), or forwarded again (`false`).
    pub fn set_down(&self, down: bool) {
        self.state.down.store(down, Ordering::SeqCst);
    }

    /// What to do to the next sale requests, in order (then `Pass`).
    pub fn script(&self, faults: &[Fault]) {
        let mut s = self.state.script.lock().unwrap();
        *s = faults.to_vec();
        self.state.sales_seen.store(0, Ordering::SeqCst);
    }

    /// Sale requests seen since the last `script`.
    pub fn sales_seen(&self) -> usize {
        self.state.sales_seen.load(Ordering::SeqCst)
    }

    /// Waits until a sale request has been forwarded and its answer held back.
    pub async fn hung(&self) {
        self.state.hung.notified().await;
    }
}

async fn forward(State(state): State<Arc<ProxyState>>, req: Request) -> Response {
    let unavailable = || {
        Response::builder()
            .status(503)
            .body(Body::from("proxy: unavailable"))
            .unwrap()
    };
    if state.down.load(Ordering::SeqCst) {
        return unavailable();
    }
    let is_sale = req.method() == "POST" && req.uri().path() == "/v1/redemptions";
    let fault = if is_sale {
        let n = state.sales_seen.fetch_add(1, Ordering::SeqCst);
        state
            .script
            .lock()
            .unwrap()
            .get(n)
            .copied()
            .unwrap_or(Fault::Pass)
    } else {
        Fault::Pass
    };
    if fault == Fault::Refuse503 {
        return unavailable();
    }
    let (parts, body) = req.into_parts();
    let bytes = axum::body::to_bytes(body, 1 << 20).await.unwrap();
    let path = parts.uri.path_and_query().map_or("/", |p| p.as_str());
    let mut out = state
        .http
        .request(parts.method.clone(), format!("{}{path}", state.target));
    for name in ["authorization", "idempotency-key", "content-type"] {
        if let Some(v) = parts.headers.get(name) {
            out = out.header(name, v.as_bytes());
        }
    }
    let answer = out.body(bytes).send().await.unwrap();
    let status = answer.status().as_u16();
    let content_type = answer.headers().get("content-type").cloned();
    let body = answer.bytes().await.unwrap();
    match fault {
        Fault::Lose503 => unavailable(),
        Fault::Hang => {
            state.hung.notify_one();
            std::future::pending::<Response>().await
        }
        _ => {
            let mut res = Response::builder().status(status);
            if let Some(ct) = content_type {
                res = res.header("content-type", ct);
            }
            res.body(Body::from(body)).unwrap()
        }
    }
}
