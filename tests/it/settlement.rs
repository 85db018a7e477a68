//! Paying the shops (issue 10): every sale and reversal is settled once, a reversal after its
//! sale was settled is a negative line of the next settlement, two concurrent runs claim each
//! entry once, and a draft moves to approved and paid as audited steps.

use crate::helpers::{TestApp, assert_problem, spawn_app};
use crate::reconcile::{month, sell, shop, wib};
use relasi::domain::auth::Role;
use relasi::domain::ids::MerchantId;
use serde_json::{Value, json};

pub(crate) async fn settle(app: &TestApp, finance: &str, period: &str) -> reqwest::Response {
    app.post("/v1/settlements", finance, &json!({ "period": period }))
        .await
}

/// Reverses a sale through the use case the API calls, at `at_us`; the reversal's journal id.
pub(crate) async fn reverse(app: &TestApp, shop: MerchantId, sale: i64, at_us: i64) -> i64 {
    let keys = relasi::keyring::KeyRing::new(
        app.store.clone(),
        app.keys_path(),
        std::time::Duration::ZERO,
    );
    let deployment = relasi_token::DeploymentId::parse("test-35.14").unwrap();
    let ledger = relasi::usecases::Ledger {
        store: &app.store,
        keys: &keys,
        deployment: &deployment,
        limits: relasi::usecases::InputLimits::default(),
    };
    let answer = relasi::usecases::reversal::reverse(ledger, shop, None, &sale.to_string(), at_us)
        .await
        .unwrap();
    assert_eq!(answer.status, 201, "{}", answer.body);
    serde_json::from_str::<Value>(&answer.body).unwrap()["redemption_id"]
        .as_i64()
        .unwrap()
}

pub(crate) fn line(s: &Value, shop: MerchantId) -> Value {
    s["lines"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["merchant_id"] == shop.0)
        .cloned()
        .unwrap_or(Value::Null)
}

/// Every journal entry of a shop is in exactly one settlement.
async fn assert_each_entry_settled_once(app: &TestApp) {
    let raw = app.db.raw().await;
    let entries = raw
        .scalar("select count(*) from redemptions where kind in ('debit', 'reversal')")
        .await;
    let claimed = raw.scalar("select count(*) from settlement_entries").await;
    let distinct = raw
        .scalar("select count(distinct redemption_id) from settlement_entries")
        .await;
    assert_eq!((claimed, distinct), (entries, entries));
    let net = raw
        .scalar("select cast(coalesce(sum(case when kind = 'debit' then amount_rp else -amount_rp end), 0) as bigint) from redemptions where kind in ('debit', 'reversal')")
        .await;
    assert_eq!(
        raw.scalar("select cast(coalesce(sum(total_rp), 0) as bigint) from settlements")
            .await,
        net
    );
}

async fn two_settlements_never_pay_one_sale_twice_and_a_late_reversal_is_a_negative_line() {
    let app = spawn_app().await;
    let v = month(&app, 3, &[], "").await;
    let a = shop(&app, "Toko Adil").await;
    let b = shop(&app, "Toko Baru").await;
    let sale = sell(&app, a, &v[1].1, 30_000, wib("02 10:00:00")).await;
    sell(&app, b, &v[2].1, 20_000, wib("03 10:00:00")).await;
    let finance = app.token(Role::Finance).await;
    let res = settle(&app, &finance, "2026-10").await;
    assert_eq!(res.status(), 201);
    let first: Value = res.json().await.unwrap();
    assert_eq!(
        (first["status"].as_str(), first["total"].as_str()),
        (Some("draft"), Some("50000"))
    );
    assert_eq!(
        line(&first, a),
        json!({ "merchant_id": a.0, "name": "Toko Adil", "count": 1, "reversal_count": 0, "gross": "30000", "reversals": "0", "net": "30000" })
    );
    // Nothing is left to settle: a second run pays nothing twice.
    assert_problem(
        settle(&app, &finance, "2026-10").await,
        409,
        "nothing_to_settle",
    )
    .await;
    // Shop A reverses its sale after it was settled: the next settlement carries it, negative.
    reverse(&app, a, sale, wib("02 10:05:00")).await;
    let res = settle(&app, &finance, "2026-11").await;
    assert_eq!(res.status(), 201);
    let second: Value = res.json().await.unwrap();
    assert_eq!(second["lines"].as_array().unwrap().len(), 1);
    let l = line(&second, a);
    assert_eq!(
        (l["count"].as_i64(), l["reversal_count"].as_i64()),
        (Some(0), Some(1))
    );
    assert_eq!(
        (l["reversals"].as_str(), l["net"].as_str()),
        (Some("30000"), Some("-30000"))
    );
    assert_eq!(second["total"], "-30000");
    assert_each_entry_settled_once(&app).await;
    // A shop is never paid a negative amount: the bank file leaves it out, the statement says
    // what the shop owes, and its next payment is that much smaller.
    let second_id = second["id"].as_i64().unwrap();
    assert_eq!(
        payout_rows(&app, &finance, second_id).await,
        ["nama_toko,bank,nomor_rekening,nama_pemilik,jumlah,referensi"]
    );
    let owed = statement_text(&app, &finance, second_id).await;
    assert!(
        owed.contains("Utang toko") && owed.contains("Rp 30.000") && owed.contains("Ditransfer"),
        "{owed}"
    );
    sell(&app, a, &v[3].1, 45_000, wib("20 10:00:00")).await;
    let third: Value = settle(&app, &finance, "2026-11")
        .await
        .json()
        .await
        .unwrap();
    let third_id = third["id"].as_i64().unwrap();
    assert_eq!(
        line(&third, a)["net"],
        "45000",
        "the line itself is unchanged"
    );
    // Shop A has no bank details yet: the payout file leaves it out (a bank's upload refuses a
    // row without an account) and finance sees what it is owed.
    let rows = payout_rows(&app, &finance, third_id).await;
    assert_eq!(rows.len(), 1, "{rows:?}");
    let seen: Value = app
        .get(&format!("/v1/settlements/{third_id}"), &finance)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        seen["missing_bank"],
        json!([{ "merchant_id": a.0, "name": "Toko Adil", "amount": "15000" }])
    );
    let text = statement_text(&app, &finance, third_id).await;
    assert!(
        text.contains("Utang sebelumnya dipotong") && text.contains("Rp 15.000"),
        "{text}"
    );
    // The finance page says the same.
    let page = finance_page(&app, &finance).await;
    assert!(
        page.contains("Utang toko, dipotong dari pembayaran berikutnya: Rp 30.000")
            && page.contains("Utang sebelumnya dipotong: Rp 30.000")
            && page.contains("Rekening bank belum diisi: tidak masuk berkas bayar"),
        "{page}"
    );
}

/// `/keuangan` as a finance officer signed in with this token sees it.
async fn finance_page(app: &TestApp, finance: &str) -> String {
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let signed = http
        .post(app.url("/masuk"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("token={finance}&next=%2Fkeuangan"))
        .send()
        .await
        .unwrap();
    let cookie = signed.headers()["set-cookie"].to_str().unwrap();
    let cookie = cookie.split(';').next().unwrap().to_owned();
    let res = http
        .get(app.url("/keuangan?periode=2026-11"))
        .header("cookie", cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    res.text().await.unwrap()
}

/// The payout CSV's lines.
async fn payout_rows(app: &TestApp, finance: &str, id: i64) -> Vec<String> {
    let res = app.get(&format!("/v1/settlements/{id}.csv"), finance).await;
    assert_eq!(res.status(), 200);
    res.text()
        .await
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect()
}

/// The statement PDF's text.
async fn statement_text(app: &TestApp, finance: &str, id: i64) -> String {
    let res = app.get(&format!("/v1/settlements/{id}.pdf"), finance).await;
    assert_eq!(res.status(), 200);
    let dir = tempfile::tempdir().unwrap();
    let pdf = dir.path().join("laporan.pdf");
    std::fs::write(&pdf, res.bytes().await.unwrap()).unwrap();
    crate::reconcile::pdf_text(&pdf, dir.path())
}
story!(two_settlements_never_pay_one_sale_twice_and_a_late_reversal_is_a_negative_line);

async fn a_concurrent_pair_of_settlements_claims_each_entry_once() {
    let app = spawn_app().await;
    let v = month(&app, 6, &[], "").await;
    let a = shop(&app, "Toko Adil").await;
    let b = shop(&app, "Toko Baru").await;
    for i in 0..24_i64 {
        let s = if i % 2 == 0 { a } else { b };
        sell(
            &app,
            s,
            &v[1 + (i % 6) as usize].1,
            1_000 + i,
            wib(&format!("{:02} 10:00:00", 1 + i)),
        )
        .await;
    }
    let finance = app.token(Role::Finance).await;
    let runs: Vec<_> = (0..2)
        .map(|_| {
            let (http, url, finance) = (
                app.http.clone(),
                app.url("/v1/settlements"),
                finance.clone(),
            );
            tokio::spawn(async move {
                let res = http
                    .post(url)
                    .bearer_auth(finance)
                    .json(&json!({ "period": "2026-10" }))
                    .send()
                    .await
                    .unwrap();
                (res.status().as_u16(), res.json::<Value>().await.unwrap())
            })
        })
        .collect();
    let mut created = 0;
    for run in runs {
        let (status, body) = run.await.unwrap();
        match status {
            201 => created += 1,
            409 => assert_eq!(body["code"], "nothing_to_settle"),
            other => panic!("{other}: {body}"),
        }
    }
    assert!(created >= 1);
    assert_each_entry_settled_once(&app).await;
}
story!(
    a_concurrent_pair_of_settlements_claims_each_entry_once,
    multi_thread
);

async fn a_draft_is_checked_by_its_shops_then_approved_and_paid() {
    let app = spawn_app().await;
    let v = month(&app, 3, &[], "").await;
    let a = shop(&app, "Toko Adil").await;
    let b = shop(&app, "Toko Baru").await;
    let sale_a = sell(&app, a, &v[1].1, 30_000, wib("02 10:00:00")).await;
    let sale_b = sell(&app, b, &v[2].1, 20_000, wib("03 10:00:00")).await;
    let finance = app.token(Role::Finance).await;
    let admin = app.admin.clone();
    // Where shop A is paid: finance sees the account, the admin and the shop only its tail.
    let bank = json!({ "bank_name": "BRI", "bank_account": "002101000123567", "bank_holder": "Siti Aminah" });
    let put = app
        .http
        .put(app.url(&format!("/v1/merchants/{}/bank", a.0)))
        .bearer_auth(&finance)
        .json(&bank)
        .send()
        .await
        .unwrap();
    assert_eq!(put.status(), 204);
    let shop_a = app.merchant_token(a).await;
    let shop_b = app.merchant_token(b).await;
    let seen = |token: String| {
        let app = &app;
        async move {
            app.get(&format!("/v1/merchants/{}/bank", a.0), &token)
                .await
                .json::<Value>()
                .await
                .unwrap()
        }
    };
    assert_eq!(
        seen(finance.clone()).await["bank_account"],
        "002101000123567"
    );
    assert_eq!(seen(admin.clone()).await["bank_account"], "***********3567");
    assert_eq!(
        seen(shop_a.clone()).await["bank_account"],
        "***********3567"
    );
    assert_problem(
        app.get(&format!("/v1/merchants/{}/bank", a.0), &shop_b)
            .await,
        403,
        "forbidden",
    )
    .await;

    let s: Value = settle(&app, &finance, "2026-10")
        .await
        .json()
        .await
        .unwrap();
    let id = s["id"].as_i64().unwrap();
    // Each shop reads its own draft: its line and entries, nobody else's.
    let own: Value = app
        .get(&format!("/v1/settlements/{id}"), &shop_a)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(own["line"]["net"], "30000");
    assert_eq!(own["entries"].as_array().unwrap().len(), 1);
    assert_eq!(own["entries"][0]["redemption_id"].as_i64(), Some(sale_a));
    assert!(!own.to_string().contains("Toko Baru"));
    // A shop flags its own line, not another's.
    let flag = json!({ "redemption_id": sale_a, "reason": "Struk saya Rp 25.000" });
    assert_eq!(
        app.post(&format!("/v1/settlements/{id}/flags"), &shop_a, &flag)
            .await
            .status(),
        201
    );
    let other = json!({ "redemption_id": sale_b, "reason": "bukan punya saya" });
    assert_problem(
        app.post(&format!("/v1/settlements/{id}/flags"), &shop_a, &other)
            .await,
        404,
        "not_found",
    )
    .await;
    assert_problem(
        app.post(&format!("/v1/settlements/{id}/flags"), &finance, &flag)
            .await,
        403,
        "forbidden",
    )
    .await;
    let seen_by_finance: Value = app
        .get(&format!("/v1/settlements/{id}"), &finance)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        seen_by_finance["flags"][0]["reason"],
        "Struk saya Rp 25.000"
    );
    // The payout file: shop, bank, account, holder, amount, reference.
    let csv = app
        .get(&format!("/v1/settlements/{id}.csv"), &finance)
        .await
        .text()
        .await
        .unwrap();
    let rows: Vec<&str> = csv.lines().collect();
    assert_eq!(
        rows[0],
        "nama_toko,bank,nomor_rekening,nama_pemilik,jumlah,referensi"
    );
    assert_eq!(
        rows[1],
        format!(
            "Toko Adil,BRI,002101000123567,Siti Aminah,30000,RELASI 2026-10 S{id} T{}",
            a.0
        )
    );
    // Shop B gave no bank details: not in the file, listed for finance instead.
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert_eq!(
        seen_by_finance["missing_bank"],
        json!([{ "merchant_id": b.0, "name": "Toko Baru", "amount": "20000" }])
    );
    assert_problem(
        app.get(&format!("/v1/settlements/{id}.csv"), &shop_a).await,
        403,
        "forbidden",
    )
    .await;
    // The statement PDF: every shop's page for finance, its own for a shop.
    let statement = |token: String| {
        let app = &app;
        async move {
            let res = app.get(&format!("/v1/settlements/{id}.pdf"), &token).await;
            assert_eq!(res.status(), 200);
            let dir = tempfile::tempdir().unwrap();
            let pdf = dir.path().join("laporan.pdf");
            std::fs::write(&pdf, res.bytes().await.unwrap()).unwrap();
            crate::reconcile::pdf_text(&pdf, dir.path())
        }
    };
    let all = statement(finance.clone()).await;
    assert!(
        all.contains("Toko Adil") && all.contains("Toko Baru"),
        "{all}"
    );
    let own = statement(shop_a.clone()).await;
    assert!(
        own.contains("Toko Adil") && !own.contains("Toko Baru"),
        "{own}"
    );
    assert!(
        own.contains("Rp 30.000") && own.contains(&sale_a.to_string()),
        "{own}"
    );
    // Steps in order only, each audited.
    let paid = json!({ "reference": "BRI-20261105-0001" });
    assert_problem(
        app.post(&format!("/v1/settlements/{id}/paid"), &finance, &paid)
            .await,
        409,
        "settlement_state",
    )
    .await;
    let approved = app
        .post(
            &format!("/v1/settlements/{id}/approve"),
            &finance,
            &json!({}),
        )
        .await;
    assert_eq!(
        approved.json::<Value>().await.unwrap()["status"],
        "approved"
    );
    assert_problem(
        app.post(
            &format!("/v1/settlements/{id}/approve"),
            &finance,
            &json!({}),
        )
        .await,
        409,
        "settlement_state",
    )
    .await;
    assert_problem(
        app.post(&format!("/v1/settlements/{id}/flags"), &shop_a, &flag)
            .await,
        409,
        "settlement_state",
    )
    .await;
    assert_problem(
        app.get(&format!("/v1/settlements/{id}"), &shop_a).await,
        403,
        "forbidden",
    )
    .await;
    let done: Value = app
        .post(&format!("/v1/settlements/{id}/paid"), &finance, &paid)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        (done["status"].as_str(), done["paid_reference"].as_str()),
        (Some("paid"), Some("BRI-20261105-0001"))
    );
    let raw = app.db.raw().await;
    let steps = raw.scalar("select count(*) from audit_log where action in ('settlement.create', 'settlement.approved', 'settlement.paid')").await;
    assert_eq!(steps, 3);
    assert_problem(
        app.post("/v1/settlements/999/approve", &finance, &json!({}))
            .await,
        404,
        "not_found",
    )
    .await;
}
story!(a_draft_is_checked_by_its_shops_then_approved_and_paid);
