//! The shop's phone page `/toko` in a real browser: sign in, scan a card with the (fake) camera,
//! enter the basket, get the receipt — and the same while the server is down: the sale waits
//! in the page's queue and lands once when the server is back, and a sale refused offline is
//! told in words and never sent.

use crate::browser::{Browser, y4m_of};
use crate::helpers::TestApp;
use crate::shop::shop;
use relasi::api::{AppState, Config};
use std::net::SocketAddr;
use std::time::Duration;

/// A second server over the test's database that can be stopped and started on one address.
struct Restartable {
    addr: SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl Restartable {
    async fn start(app: &TestApp, addr: &str) -> Restartable {
        let store = app.db.store().await;
        let deployment = store.deployment_id().await.unwrap().unwrap();
        let config = Config {
            key_dir: app.keys_path(),
            ..Config::default()
        };
        let router = relasi::api::app(AppState::new(store, config, deployment));
        let listener = tokio::net::TcpListener::bind(addr).await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let service = router.into_make_service_with_connect_info::<SocketAddr>();
            let _ = axum::serve(listener, service)
                .with_graceful_shutdown(async {
                    let _ = rx.await;
                })
                .await;
        });
        Restartable {
            addr,
            stop: Some(tx),
            task: Some(task),
        }
    }

    fn base(&self) -> String {
        format!("http://{}", self.addr)
    }

    async fn stop(mut self) -> SocketAddr {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            // Open keep-alive connections are closed by the graceful shutdown; bounded anyway.
            let _ = tokio::time::timeout(Duration::from_secs(10), task).await;
        }
        self.addr
    }
}

async fn a_shop_scans_a_card_sells_and_gets_the_receipt_on_its_phone() {
    let s = shop().await;
    // The fake camera shows the voucher's QR as the server renders it for the card.
    let png = s
        .app
        .get(
            &format!("/v1/vouchers/{}/qr.png", s.voucher_id(1)),
            &s.app.admin,
        )
        .await
        .bytes()
        .await
        .unwrap();
    let qr = image::load_from_memory(&png).unwrap().to_luma8();
    let dir = tempfile::tempdir().unwrap();
    let video = dir.path().join("kartu.y4m");
    y4m_of(&qr, &video);
    let Some(b) = Browser::start(Some(&video)).await else {
        return;
    };
    b.sign_in(&s.app.base, "/toko", &s.shop_token).await;
    b.assert_accessible().await;
    b.click("#kamera-mulai").await;
    b.wait_for(
        "document.getElementById('v-verdict').textContent.includes('Tanda tangan sah')",
        60,
    )
    .await;
    b.wait_for(
        "document.getElementById('v-saldo').textContent.includes('Rp 100.000')",
        20,
    )
    .await;
    b.click("#kategori-susu").await;
    b.type_into("#jumlah-susu", "15000").await;
    b.click("#kategori-protein_hewani").await;
    b.type_into("#jumlah-protein_hewani", "10000").await;
    assert_eq!(b.text("#total").await, "Rp 25.000");
    b.assert_accessible().await;
    b.click("#bayar").await;
    b.wait_for(
        "document.getElementById('hasil-judul').textContent === 'Berhasil'",
        30,
    )
    .await;
    assert_eq!(b.text("#hasil-jumlah").await, "Rp 25.000");
    assert!(
        b.text("#hasil-detail")
            .await
            .contains("Sisa saldo: Rp 75.000")
    );
    b.wait_for(
        "document.querySelectorAll('#penjualan button.batal').length === 1",
        20,
    )
    .await;
    if s.app.db.backend == relasi::store::Backend::Sqlite {
        b.screenshot("toko-struk").await;
    }
    b.close().await;
    // The debit is in the journal, once, with its basket.
    assert_eq!(s.balance(1).await, 75_000);
    let entries = s
        .app
        .store
        .shop_entries(s.shop_id, 0, i64::MAX, 0, 100)
        .await
        .unwrap();
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].amount.as_i64(), 25_000);
    assert_eq!(entries[0].items.len(), 2);
}
story!(
    a_shop_scans_a_card_sells_and_gets_the_receipt_on_its_phone,
    multi_thread
);

async fn a_sale_made_while_the_server_is_down_lands_once_when_it_is_back() {
    let s = shop().await;
    let server = Restartable::start(&s.app, "127.0.0.1:0").await;
    let base = server.base();
    let Some(b) = Browser::start(None).await else {
        return;
    };
    b.sign_in(&base, "/toko", &s.shop_token).await;
    b.eval("navigator.serviceWorker.ready.then(() => { document.body.dataset.sw = '1'; })")
        .await;
    b.wait_for("document.body.dataset.sw === '1'", 30).await;
    let addr = server.stop().await;
    assert!(
        tokio::net::TcpStream::connect(addr).await.is_err(),
        "the server is cut"
    );
    // The page opens from its service worker without the server.
    b.client.goto(&format!("{base}/toko")).await.unwrap();
    b.wait_for("document.body.dataset.ready === '1'", 30).await;
    assert!(b.text("#status").await.starts_with("Luring"));
    b.type_into("#kode", &s.token(2)).await;
    b.click("#periksa").await;
    b.wait_for(
        "document.getElementById('v-verdict').textContent.includes('boleh dijual tanpa sinyal')",
        20,
    )
    .await;
    b.click("#kategori-sayur_buah").await;
    b.type_into("#jumlah-sayur_buah", "20000").await;
    assert_eq!(b.text("#total").await, "Rp 20.000");
    b.click("#bayar").await;
    b.wait_for(
        "document.getElementById('hasil-judul').textContent.startsWith('Tertunda')",
        60,
    )
    .await;
    b.wait_for(
        "document.getElementById('antrean-count').textContent === '1'",
        20,
    )
    .await;
    if s.app.db.backend == relasi::store::Backend::Sqlite {
        b.screenshot("toko-tertunda").await;
    }
    assert_eq!(s.balance(2).await, 100_000, "nothing reached the server");
    // The same card for Rp 40.000 more is over its offline day (Rp 50.000): refused, in words.
    b.click("#baru").await;
    b.type_into("#kode", &s.token(2)).await;
    b.click("#periksa").await;
    b.wait_for(
        "document.getElementById('v-verdict').textContent.includes('boleh dijual tanpa sinyal')",
        20,
    )
    .await;
    b.click("#kategori-sayur_buah").await;
    b.type_into("#jumlah-sayur_buah", "40000").await;
    b.click("#bayar").await;
    b.wait_for(
        "document.getElementById('hasil-judul').textContent === 'Tidak bisa dijual tanpa sinyal'",
        60,
    )
    .await;
    assert_eq!(
        b.text("#hasil-detail").await,
        "Batas belanja offline voucher ini hari ini terlampaui"
    );
    assert_eq!(b.text("#antrean-count").await, "1");
    // Both attempts are made older than an abandoned one: the refused sale must still never
    // be sent.
    b.eval(
        "(() => { const req = indexedDB.open('relasi-toko', 1); req.onsuccess = () => { \
         const tx = req.result.transaction('sales', 'readwrite'); const st = tx.objectStore('sales'); \
         st.getAll().onsuccess = (e) => { for (const s of e.target.result) { s.createdAt -= 400; st.put(s); } }; \
         tx.oncomplete = () => { document.body.dataset.aged = '1'; }; }; return true; })()",
    )
    .await;
    b.wait_for("document.body.dataset.aged === '1'", 20).await;
    // The server comes back on the same address; the page sends its queue.
    let server = Restartable::start(&s.app, &addr.to_string()).await;
    b.click("#sinkron").await;
    b.wait_for(
        "document.getElementById('antrean-count').textContent === '0'",
        60,
    )
    .await;
    b.wait_for(
        "document.querySelectorAll('#penjualan button.batal').length === 1",
        20,
    )
    .await;
    b.click("#sinkron").await;
    b.wait_for(
        "document.getElementById('antrean-count').textContent === '0'",
        20,
    )
    .await;
    b.close().await;
    server.stop().await;
    assert_eq!(s.balance(2).await, 80_000, "charged once");
    let debits = s.debits_by_key().await;
    assert_eq!(debits.len(), 1);
    let raw = s.app.db.raw().await;
    assert_eq!(
        raw.scalar("select count(*) from redemptions where idempotency_key like 'tk-%'")
            .await,
        1
    );
}
story!(
    a_sale_made_while_the_server_is_down_lands_once_when_it_is_back,
    multi_thread
);
