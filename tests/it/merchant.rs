//! The merchant client library against a real server, through its public API only: offline
//! acceptance under each ceiling and refusal over it, refusal on stale or revoked lists and a
//! key past `verify_until`, safe retries that never double-charge, sync of the queue.

use crate::shop::{Fault, Proxy, Shop, shop};
use relasi_merchant::{
    Client, Code, Error, OfflineRefusal, RetryPolicy, Sale, SaleOutcome, Terminal,
};

fn quick() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 4,
        base_delay_ms: 5,
        max_delay_ms: 20,
        timeout_ms: 1_500,
        connect_timeout_ms: 1_000,
    }
}

async fn terminal(s: &Shop, server: &str) -> (Terminal, tempfile::TempDir) {
    terminal_for(&s.shop_token, server).await
}

async fn terminal_for(token: &str, server: &str) -> (Terminal, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let client = Client::with_retry(server, token, quick()).unwrap();
    (
        Terminal::open(&dir.path().join("toko.db"), client)
            .await
            .unwrap(),
        dir,
    )
}

fn sale(token: String, amount_rp: i64) -> Sale {
    Sale {
        qr_text: token,
        amount_rp,
        items: vec![("susu".into(), amount_rp)],
    }
}

fn queued(outcome: Result<SaleOutcome, Error>) -> relasi_merchant::SaleRecord {
    match outcome {
        Ok(SaleOutcome::Queued(r)) => r,
        other => panic!("expected a queued sale, got {other:?}"),
    }
}

fn refusal(outcome: Result<SaleOutcome, Error>) -> OfflineRefusal {
    match outcome {
        Err(Error::Offline(r)) => r,
        other => panic!("expected an offline refusal, got {other:?}"),
    }
}

async fn offline_sales_are_accepted_under_each_ceiling_and_refused_over_it() {
    let s = shop().await;
    let proxy = Proxy::start(&s.app.base).await;
    let (t, _dir) = terminal(&s, &proxy.url).await;
    let now = relasi_merchant::now_unix();
    t.sync_lists(now).await.unwrap();
    proxy.set_down(true);
    // Per voucher per day: Rp 50.000.
    queued(t.sell(&sale(s.token(0), 30_000), now).await);
    queued(t.sell(&sale(s.token(0), 20_000), now).await);
    let over = refusal(t.sell(&sale(s.token(0), 1), now).await);
    assert_eq!(
        over,
        OfflineRefusal::VoucherLimit {
            used_rp: 50_000,
            limit_rp: 50_000
        }
    );
    assert_eq!(over.code(), Code::OfflineVoucherLimit);
    // Per shop, rupiah: Rp 120.000 unsynced.
    queued(t.sell(&sale(s.token(1), 50_000), now).await);
    let over = refusal(t.sell(&sale(s.token(2), 30_000), now).await);
    assert_eq!(
        over,
        OfflineRefusal::ShopLimit {
            count: 3,
            total_rp: 100_000
        }
    );
    queued(t.sell(&sale(s.token(2), 20_000), now).await);
    // Per shop, count: 4 unsynced sales.
    let over = refusal(t.sell(&sale(s.token(3), 1), now).await);
    assert_eq!(
        over,
        OfflineRefusal::ShopLimit {
            count: 4,
            total_rp: 120_000
        }
    );
    assert_eq!(over.code(), Code::OfflineShopLimit);
    // A basket outside the programme's categories is refused offline as online.
    let bad = Sale {
        items: vec![("rokok".into(), 1)],
        ..sale(s.token(3), 1)
    };
    assert_eq!(
        refusal(t.sell(&bad, now).await).code(),
        Code::CategoryNotAllowed
    );
    let waiting = t.queue().await.unwrap();
    let pending: Vec<_> = waiting.iter().filter(|r| r.state == "pending").collect();
    assert_eq!(pending.len(), 4, "{waiting:?}");
    assert!(
        s.debits_by_key().await.is_empty(),
        "nothing reached the server"
    );

    proxy.set_down(false);
    let run = t.sync(now).await.unwrap();
    assert!(run.stopped.is_none(), "{:?}", run.stopped);
    let states: Vec<&str> = run.reports.iter().map(|r| r.sale.state.as_str()).collect();
    assert_eq!(states, ["accepted"; 4]);
    assert_eq!(s.debits_by_key().await.len(), 4);
    assert_eq!(s.balance(0).await, 250_000);
    assert_eq!(s.balance(1).await, 50_000);
    // Synced sales no longer count against the shop's ceiling; the voucher's day still holds.
    proxy.set_down(true);
    queued(t.sell(&sale(s.token(3), 1), now).await);
    assert_eq!(
        refusal(t.sell(&sale(s.token(0), 1), now).await).code(),
        Code::OfflineVoucherLimit
    );
}
story!(offline_sales_are_accepted_under_each_ceiling_and_refused_over_it);

async fn offline_is_refused_with_stale_lists_a_revoked_voucher_or_a_retired_key() {
    let s = shop().await;
    let proxy = Proxy::start(&s.app.base).await;
    let (t, _dir) = terminal(&s, &proxy.url).await;
    let now = relasi_merchant::now_unix();
    // Never synced: nothing is accepted offline.
    proxy.set_down(true);
    assert!(matches!(
        t.sell(&sale(s.token(0), 1_000), now).await,
        Err(Error::Offline(OfflineRefusal::ListsStale))
    ));
    // Synced two hours ago, the programme allows one: stale.
    proxy.set_down(false);
    t.sync_lists(now - 7_200).await.unwrap();
    proxy.set_down(true);
    assert_eq!(
        refusal(t.sell(&sale(s.token(0), 1_000), now).await),
        OfflineRefusal::ListsStale
    );
    // A revoked voucher, once the revocation list is synced.
    proxy.set_down(false);
    let res = s
        .app
        .http
        .post(
            s.app
                .url(&format!("/v1/vouchers/{}/revoke", s.voucher_id(1))),
        )
        .bearer_auth(&s.app.admin)
        .send()
        .await
        .unwrap();
    assert!(res.status().is_success(), "{}", res.status());
    t.sync_lists(now).await.unwrap();
    assert!(t.lists_status().await.unwrap().revoked >= 1);
    proxy.set_down(true);
    assert_eq!(
        refusal(t.sell(&sale(s.token(1), 1_000), now).await),
        OfflineRefusal::VoucherRevoked
    );
    assert!(matches!(
        t.check(&s.token(1), now).await,
        Err(Error::Offline(OfflineRefusal::VoucherRevoked))
    ));
    queued(t.sell(&sale(s.token(2), 1_000), now).await);
    // The key is rotated and verifies for one more minute: an hour later, with fresh lists,
    // its vouchers are refused offline (key_revoked), though their own window is open.
    proxy.set_down(false);
    let public = relasi::signing::generate(&s.app.keys_path()).unwrap();
    s.app
        .store
        .rotate_signing_key(public, 60, "test")
        .await
        .unwrap();
    let later = now + 3_600;
    t.sync_lists(later).await.unwrap();
    proxy.set_down(true);
    match t.sell(&sale(s.token(3), 1_000), later).await {
        Err(e) => assert_eq!(e.code(), Some(Code::KeyRevoked), "{e:?}"),
        other => panic!("expected key_revoked, got {other:?}"),
    }
    assert_eq!(
        t.check(&s.token(3), later).await.unwrap_err().code(),
        Some(Code::KeyRevoked)
    );
}
story!(offline_is_refused_with_stale_lists_a_revoked_voucher_or_a_retired_key);

async fn a_sale_refused_offline_is_never_charged_later() {
    let s = shop().await;
    let proxy = Proxy::start(&s.app.base).await;
    let (t, _dir) = terminal(&s, &proxy.url).await;
    let now = relasi_merchant::now_unix();
    t.sync_lists(now).await.unwrap();
    // Server down: Rp 60.000 is over the voucher's offline day (Rp 50.000); then a Rp 1 sale
    // after Rp 50.000 queued on another voucher. Both are refused at the till.
    proxy.set_down(true);
    assert_eq!(
        refusal(t.sell(&sale(s.token(1), 60_000), now).await).code(),
        Code::OfflineVoucherLimit
    );
    queued(t.sell(&sale(s.token(2), 50_000), now).await);
    assert_eq!(
        refusal(t.sell(&sale(s.token(2), 1), now).await).code(),
        Code::OfflineVoucherLimit
    );
    assert_eq!(
        t.queue().await.unwrap().len(),
        1,
        "only the queued sale waits"
    );
    // Server back: the same customer buys online, then the queue is synced well past the
    // abandoned-attempt age.
    proxy.set_down(false);
    assert!(matches!(
        t.sell(&sale(s.token(1), 30_000), now).await,
        Ok(SaleOutcome::Accepted(_))
    ));
    let later = now + relasi_merchant::terminal::ABANDONED_AFTER_SECS + 1;
    let run = t.sync(later).await.unwrap();
    assert!(run.stopped.is_none(), "{:?}", run.stopped);
    assert_eq!(run.reports.len(), 1, "only the queued sale is sent");
    assert_eq!(t.sync(later + 600).await.unwrap().reports.len(), 0);
    assert_eq!(s.balance(1).await, 70_000, "one debit of Rp 30.000");
    assert_eq!(
        s.balance(2).await,
        50_000,
        "the Rp 1 sale never reached the server"
    );
    assert_eq!(s.debits_by_key().await.len(), 2);
    let history = t.history(10).await.unwrap();
    let refused: Vec<_> = history
        .iter()
        .filter(|r| r.outcome_code == Some(Code::OfflineVoucherLimit))
        .collect();
    assert_eq!(refused.len(), 2, "{history:?}");
    assert!(
        refused
            .iter()
            .all(|r| r.state == "declined" && r.redemption_id.is_none())
    );
}
story!(a_sale_refused_offline_is_never_charged_later);

async fn retries_on_timeouts_and_503s_never_double_charge() {
    let s = shop().await;
    let proxy = Proxy::start(&s.app.base).await;
    let (t, _dir) = terminal(&s, &proxy.url).await;
    let now = relasi_merchant::now_unix();
    t.sync_lists(now).await.unwrap();
    // Refused before the server, answer lost after it committed, a hang until the client's
    // timeout: each retried under the same key; the server charges once and replays.
    for (i, faults) in [
        vec![Fault::Refuse503, Fault::Refuse503],
        vec![Fault::Lose503],
        vec![Fault::Hang],
        vec![Fault::Lose503, Fault::Hang, Fault::Refuse503],
    ]
    .into_iter()
    .enumerate()
    {
        proxy.script(&faults);
        let receipt = match t.sell(&sale(s.token(i), 10_000), now).await {
            Ok(SaleOutcome::Accepted(r)) => r,
            other => panic!("sale {i} with {faults:?}: {other:?}"),
        };
        assert_eq!(proxy.sales_seen(), faults.len() + 1, "one retry per fault");
        assert_eq!(receipt.amount, "10000");
        let face = if i == 0 { 300_000 } else { 100_000 };
        assert_eq!(receipt.balance_after, (face - 10_000).to_string());
        assert_eq!(s.balance(i).await, face - 10_000, "charged once");
    }
    assert_eq!(s.debits_by_key().await.len(), 4);
    // Every attempt failing: the client says unreachable, and the key is kept for the answer.
    proxy.script(&[Fault::Lose503; 4]);
    proxy.set_down(false);
    let keep = t.clone();
    let outcome = keep
        .sell(
            &Sale {
                items: vec![("susu".into(), 5_000)],
                ..sale(s.token(4), 5_000)
            },
            now,
        )
        .await;
    let record = queued(outcome);
    assert_eq!(
        s.balance(4).await,
        95_000,
        "the lost answers were of one debit"
    );
    let run = t.sync(now).await.unwrap();
    assert_eq!(run.reports.len(), 1);
    assert_eq!(run.reports[0].sale.idempotency_key, record.idempotency_key);
    assert_eq!(
        run.reports[0].receipt.as_ref().unwrap().balance_after,
        "95000"
    );
    assert_eq!(s.balance(4).await, 95_000);
}
story!(retries_on_timeouts_and_503s_never_double_charge);

async fn declines_keep_their_codes_and_sales_of_the_day_are_the_shops_own() {
    let s = shop().await;
    let (t, _dir) = terminal(&s, &s.app.base).await;
    let now = relasi_merchant::now_unix();
    t.sync_lists(now).await.unwrap();
    let err = t.sell(&sale(s.token(1), 100_001), now).await.unwrap_err();
    assert!(
        matches!(
            err,
            Error::Server {
                code: Code::InsufficientBalance,
                status: 409,
                ..
            }
        ),
        "{err:?}"
    );
    let receipt = match t.sell(&sale(s.token(1), 40_000), now).await.unwrap() {
        SaleOutcome::Accepted(r) => r,
        other => panic!("{other:?}"),
    };
    let reversal = t.reverse(receipt.redemption_id).await.unwrap();
    assert_eq!(reversal.reverses, Some(receipt.redemption_id));
    assert_eq!(
        t.receipt(receipt.redemption_id).await.unwrap().unwrap(),
        receipt
    );
    // Another shop sells too; this shop's day lists only its own entries.
    let other_id = s.app.merchant("Toko Lain").await;
    let other = s.app.merchant_token(other_id).await;
    let (o, _dir2) = terminal_for(&other, &s.app.base).await;
    o.sell(&sale(s.token(2), 5_000), now).await.unwrap();
    let day = t.client().sales(None).await.unwrap();
    let entries = day["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 2, "{day}");
    assert_eq!(entries[0]["kind"], "debit");
    assert_eq!(entries[0]["reversed_by"], reversal.redemption_id);
    assert_eq!(entries[1]["kind"], "reversal");
    assert_eq!(day["net"], "0");
    assert_eq!(day["count"], 1);
    let res = s
        .app
        .get("/v1/redemptions?date=2026-13-01", &s.shop_token)
        .await;
    crate::helpers::assert_problem(res, 422, "validation_failed").await;
    let res = s.app.get("/v1/redemptions", &s.app.admin).await;
    crate::helpers::assert_problem(res, 403, "forbidden").await;
}
story!(declines_keep_their_codes_and_sales_of_the_day_are_the_shops_own);
