//! Group commit: sales gathered into one transaction keep every per-sale rule — stored
//! declines, idempotent replays, a reused key refused, two sales on one voucher decided in the
//! order they came — and a batch in which one sale fails rolls back whole and each sale is then
//! decided alone. On both engines.

use crate::helpers::{TestApp, spawn_app};
use crate::redemption::{assert_ledger, redeemable, shop_in};
use relasi::domain::ids::{MerchantId, VoucherId};
use relasi::domain::money::Rupiah;
use relasi::domain::programme::Category;
use relasi::store::{Answer, BatchSettings, DebitResult, SaleDebit, Store, StoreError};
use std::time::Duration;

fn sale(shop: MerchantId, key: &str, sha: char, voucher: VoucherId, amount: i64) -> SaleDebit {
    let now_us = chrono::Utc::now().timestamp_micros();
    let amount = Rupiah::new(amount).unwrap();
    SaleDebit {
        merchant: shop,
        idempotency_key: key.to_owned(),
        request_sha256: sha.to_string().repeat(64),
        voucher,
        amount,
        items: vec![(Category::parse("susu").unwrap(), amount)],
        now_unix: now_us / 1_000_000,
        now_us,
    }
}

/// `sale` with the request hash a real sale of one `susu` line on voucher `v` has: `audit verify`
/// re-hashes each sale's stored basket into it.
fn sold(mut sale: SaleDebit, v: &serde_json::Value) -> SaleDebit {
    use relasi::domain::sale::{SaleRequest, canonical_sale, request_sha256};
    let token = relasi_token::SignedToken::parse_text(v["token"].as_str().unwrap())
        .unwrap()
        .to_text();
    let amount = sale.amount.as_i64().to_string();
    let request = SaleRequest {
        token: token.clone(),
        amount: amount.clone(),
        items: vec![("susu".into(), amount)],
    };
    sale.request_sha256 = request_sha256(&canonical_sale(&request, Some(&token)));
    sale
}

/// The stored answer is the result itself, so the test can read what was decided.
fn answer() -> Box<relasi::store::AnswerFn> {
    Box::new(|result| match result {
        DebitResult::Debited { balance_after, .. } => {
            (201, format!("ok {}", balance_after.as_i64()))
        }
        DebitResult::Declined(d) => (409, format!("{d:?}")),
    })
}

async fn batched_store(app: &TestApp) -> Store {
    let settings = BatchSettings {
        max_sales: 64,
        max_wait: Duration::from_millis(50),
        workers: 2,
    };
    app.store.clone().with_sale_batching(settings)
}

fn voucher(v: &serde_json::Value) -> VoucherId {
    VoucherId::parse(v["id"].as_str().unwrap()).unwrap()
}

async fn one_batch_keeps_every_rule_of_a_sale_alone() {
    let app = spawn_app().await;
    let v = redeemable(&app).await; // v[0]: Rp 300.000, v[1]: Rp 100.000
    let (shop, _) = shop_in(&app, "35.14.05").await;
    let store = batched_store(&app).await;
    let unknown = VoucherId::parse("00000000000000000000000000000007").unwrap();
    let sales = vec![
        sold(sale(shop, "a", 'a', voucher(&v[1]), 30_000), &v[1]),
        sold(sale(shop, "b", 'b', voucher(&v[1]), 50_000), &v[1]),
        sale(shop, "c", 'c', voucher(&v[1]), 30_000), // 20.000 left: declined, and stored
        sold(sale(shop, "a", 'a', voucher(&v[1]), 30_000), &v[1]), // the same request: replayed
        sale(shop, "a", 'f', voucher(&v[1]), 30_000), // the same key, another request
        sale(shop, "d", 'd', unknown, 1_000),
        sold(sale(shop, "e", 'e', voucher(&v[0]), 300_000), &v[0]),
    ];
    // All are queued before the (same-thread) workers run: they share one transaction.
    let answers =
        futures_util::future::join_all(sales.into_iter().map(|s| store.debit_sale(s, answer())))
            .await;
    let answers: Vec<Answer> = answers.into_iter().map(Result::unwrap).collect();
    assert_eq!(
        answers,
        [
            Answer::Fresh(201, "ok 70000".into()),
            Answer::Fresh(201, "ok 20000".into()),
            Answer::Fresh(409, "InsufficientBalance".into()),
            Answer::Replay(201, "ok 70000".into()),
            Answer::KeyReused,
            Answer::Fresh(409, "Unknown".into()),
            Answer::Fresh(201, "ok 0".into()),
        ]
    );
    let stats = store.sale_batch_stats().unwrap();
    assert_eq!(stats.committed_batches, 1, "{stats:?}");
    assert_eq!(stats.largest, 7, "{stats:?}");
    // A stored decline is final too.
    let again = store.debit_sale(sale(shop, "c", 'c', voucher(&v[1]), 30_000), answer());
    assert_eq!(
        again.await.unwrap(),
        Answer::Replay(409, "InsufficientBalance".into())
    );
    assert_eq!(assert_ledger(&app).await, (380_000, 380_000));
    let deployment = app.store.deployment_id().await.unwrap().unwrap();
    let report = relasi::jobs::audit::verify(&app.store, &deployment, &Default::default())
        .await
        .unwrap();
    assert!(report.journal_break.is_none(), "{report:?}");
    assert_eq!(report.entries, 3);
}
story!(one_batch_keeps_every_rule_of_a_sale_alone);

async fn a_failing_sale_rolls_its_batch_back_and_the_others_are_decided_alone() {
    let app = spawn_app().await;
    let v = redeemable(&app).await;
    let (shop, _) = shop_in(&app, "35.14.05").await;
    let store = batched_store(&app).await;
    // The schema refuses a key over 128 characters: that sale's statement fails mid-batch.
    let too_long = "k".repeat(129);
    let sales = vec![
        sale(shop, "x1", '1', voucher(&v[2]), 10_000),
        sale(shop, &too_long, '2', voucher(&v[3]), 10_000),
        sale(shop, "x3", '3', voucher(&v[4]), 10_000),
    ];
    let answers =
        futures_util::future::join_all(sales.into_iter().map(|s| store.debit_sale(s, answer())))
            .await;
    assert_eq!(
        answers[0].as_ref().unwrap(),
        &Answer::Fresh(201, "ok 90000".into())
    );
    assert!(
        matches!(answers[1], Err(StoreError::Invalid(_))),
        "{:?}",
        answers[1]
    );
    assert_eq!(
        answers[2].as_ref().unwrap(),
        &Answer::Fresh(201, "ok 90000".into())
    );
    let stats = store.sale_batch_stats().unwrap();
    assert_eq!(stats.rolled_back_batches, 1, "{stats:?}");
    assert_eq!(
        assert_ledger(&app).await,
        (20_000, 20_000),
        "nothing of the failed sale"
    );
}
story!(a_failing_sale_rolls_its_batch_back_and_the_others_are_decided_alone);
