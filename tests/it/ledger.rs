//! Ledger integrity (issue 8): every answer final, every movement in the journal, every edit
//! detectable. Each story failed on the main before the issue; on both engines.

use crate::helpers::{RawDb, TestApp, assert_problem, spawn_app, spawn_app_with};
use crate::redemption::{Sale, assert_ledger, basket, redeem, redeemable, shop_in, storm};
use relasi::domain::sale::SaleRequest;
use relasi::store::Backend;
use serde_json::{Value, json};

fn relasi_cli(db: &str) -> std::process::Command {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_relasi"));
    cmd.env("RUST_LOG", "warn").env("DATABASE_URL", db);
    cmd
}

/// Keys are re-read on every request, so a revocation shows at once.
fn fresh_keys() -> relasi::api::Config {
    relasi::api::Config {
        key_cache_ms: 0,
        checkpoint_interval_secs: 0,
        ..relasi::api::Config::default()
    }
}

async fn reverse(app: &TestApp, shop: &str, id: i64, key: Option<&str>) -> reqwest::Response {
    let mut req = app
        .http
        .post(app.url(&format!("/v1/redemptions/{id}/reversal")))
        .bearer_auth(shop);
    if let Some(key) = key {
        req = req.header("idempotency-key", key);
    }
    req.send().await.unwrap()
}

async fn a_retried_sale_gets_its_first_answer_whatever_changed_since() {
    let app = spawn_app_with(fresh_keys()).await;
    let v = redeemable(&app).await;
    let (shop_id, shop) = shop_in(&app, "35.14.05").await;
    let body = basket(v[1]["token"].as_str().unwrap(), 25_000);
    let first = redeem(&app, &shop, "lost-201", &body).await;
    assert_eq!(first.status(), 201);
    let first = first.text().await.unwrap();
    // The signing key is revoked and the shop suspended: a new sale is refused …
    let keys = app.store.signing_keys().await.unwrap();
    app.store
        .revoke_signing_key(keys[0].kid, "test")
        .await
        .unwrap();
    app.db
        .raw()
        .await
        .execute_owned(format!(
            "update merchants set status = 'inactive' where id = {}",
            shop_id.0
        ))
        .await
        .unwrap();
    assert_problem(
        redeem(&app, &shop, "new-key", &body).await,
        422,
        "key_revoked",
    )
    .await;
    // … but the retry of the sale that went through replays its receipt, byte for byte.
    let again = redeem(&app, &shop, "lost-201", &body).await;
    assert_eq!(again.status(), 201);
    assert_eq!(again.text().await.unwrap(), first);
    // The same key with another body is still refused.
    assert_problem(
        redeem(
            &app,
            &shop,
            "lost-201",
            &basket(v[1]["token"].as_str().unwrap(), 26_000),
        )
        .await,
        422,
        "idempotency_key_reused",
    )
    .await;
    assert_eq!(assert_ledger(&app).await, (25_000, 25_000));
}
story!(a_retried_sale_gets_its_first_answer_whatever_changed_since);

async fn a_sale_retried_after_its_voucher_expired_replays_the_receipt() {
    let app = spawn_app_with(fresh_keys()).await;
    let v = redeemable(&app).await;
    let (shop_id, _) = shop_in(&app, "35.14.05").await;
    let ledger = relasi::usecases::Ledger {
        store: &app.store,
        keys: &relasi::keyring::KeyRing::new(
            app.store.clone(),
            app.keys_path(),
            std::time::Duration::ZERO,
        ),
        deployment: &relasi_token::DeploymentId::parse("test-35.14").unwrap(),
        limits: relasi::usecases::InputLimits::default(),
    };
    let token = v[2]["token"].as_str().unwrap();
    let valid_until = relasi_token::SignedToken::parse_text(token)
        .unwrap()
        .claims
        .valid_until_unix;
    let sale = SaleRequest {
        token: token.to_owned(),
        amount: "10000".into(),
        items: vec![("susu".into(), "10000".into())],
    };
    // Committed two seconds before the voucher's last second …
    let before = (i64::from(valid_until) - 2) * 1_000_000;
    let first = relasi::usecases::sale::redeem(ledger, shop_id, "k", &sale, before)
        .await
        .unwrap();
    assert_eq!(first.status, 201);
    // … retried three seconds later, after it expired: the first answer, not voucher_expired.
    let after = (i64::from(valid_until) + 1) * 1_000_000;
    let retry = relasi::usecases::sale::redeem(ledger, shop_id, "k", &sale, after)
        .await
        .unwrap();
    assert_eq!((retry.status, &retry.body), (201, &first.body));
    assert!(retry.replayed);
    let fresh = relasi::usecases::sale::redeem(ledger, shop_id, "k2", &sale, after)
        .await
        .unwrap_err();
    assert_eq!(fresh.code(), relasi_codes::Code::VoucherExpired);
}
story!(a_sale_retried_after_its_voucher_expired_replays_the_receipt);

async fn a_reversal_retried_with_its_key_replays_its_answer() {
    let app = spawn_app().await;
    let v = redeemable(&app).await;
    let (shop_id, shop) = shop_in(&app, "35.14.05").await;
    let sale: Value = redeem(
        &app,
        &shop,
        "s-1",
        &basket(v[3]["token"].as_str().unwrap(), 40_000),
    )
    .await
    .json()
    .await
    .unwrap();
    let id = sale["redemption_id"].as_i64().unwrap();
    let first = reverse(&app, &shop, id, Some("undo-1")).await;
    assert_eq!(first.status(), 201);
    let first = first.text().await.unwrap();
    let again = reverse(&app, &shop, id, Some("undo-1")).await;
    assert_eq!(again.status(), 201, "a retry is never already_reversed");
    assert_eq!(again.text().await.unwrap(), first);
    // Another key is another request: that one is refused.
    assert_problem(
        reverse(&app, &shop, id, Some("undo-2")).await,
        409,
        "already_reversed",
    )
    .await;
    // The key is bound to its request.
    assert_problem(
        reverse(&app, &shop, id + 1000, Some("undo-1")).await,
        422,
        "idempotency_key_reused",
    )
    .await;
    // The reversal receipt signs the sale it undoes.
    let receipt: Value = serde_json::from_str(&first).unwrap();
    assert_eq!(receipt["reverses"], id);
    let r = relasi_merchant::Receipt {
        kind: relasi_merchant::Receipt::REVERSAL,
        redemption_id: receipt["redemption_id"].as_u64().unwrap(),
        voucher_id: relasi::domain::ids::VoucherId::parse(receipt["voucher_id"].as_str().unwrap())
            .unwrap()
            .to_bytes(),
        merchant_id: shop_id.0 as u64,
        amount_rp: 40_000,
        balance_after_rp: 100_000,
        created_at_us: receipt["created_at_us"].as_i64().unwrap(),
        reverses_id: id as u64,
    };
    let keyring = app.keyring().await;
    let (kid, sig) = (
        receipt["receipt_kid"].as_str().unwrap(),
        receipt["receipt_signature"].as_str().unwrap(),
    );
    keyring.verify_receipt(&r, kid, sig).unwrap();
    let other_sale = relasi_merchant::Receipt {
        reverses_id: id as u64 + 1,
        ..r
    };
    assert!(keyring.verify_receipt(&other_sale, kid, sig).is_err());
    assert_eq!(assert_ledger(&app).await, (80_000, 0));
}
story!(a_reversal_retried_with_its_key_replays_its_answer);

async fn a_replacement_moves_the_balance_through_the_journal() {
    let app = spawn_app().await;
    let v = redeemable(&app).await;
    let (_, shop) = shop_in(&app, "35.14.05").await;
    let (old_id, old_token) = (
        v[0]["id"].as_str().unwrap(),
        v[0]["token"].as_str().unwrap(),
    );
    assert_eq!(
        redeem(&app, &shop, "a", &basket(old_token, 110_000))
            .await
            .status(),
        201
    );
    let total =
        |rows: Vec<relasi::store::LedgerRow>| rows.iter().map(|r| r.balance_rp).sum::<i64>();
    let before = total(app.store.ledger().await.unwrap());
    let new: Value = app
        .post(
            &format!("/v1/vouchers/{old_id}/replace"),
            &app.admin,
            &json!({}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(new["face_value"], "190000");
    assert_eq!(
        total(app.store.ledger().await.unwrap()),
        before,
        "Σ balances unchanged by a replacement"
    );
    let old: Value = app
        .get(&format!("/v1/vouchers/{old_id}"), &app.admin)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        (old["balance"].as_str(), old["status"].as_str()),
        (Some("0"), Some("revoked"))
    );
    assert_eq!(old["replaced_by"], new["id"]);
    let raw = app.db.raw().await;
    assert_eq!(
        raw.scalar("select count(*) from redemptions where kind in ('move_out', 'move_in') and amount_rp = 190000")
            .await,
        2
    );
    // The family checking the old card is told where its balance went.
    let res = app
        .http
        .post(app.url("/v1/balance"))
        .json(&json!({ "token": old_token }))
        .send()
        .await
        .unwrap();
    let balance: Value = res.json().await.unwrap();
    assert_eq!(balance["balance"], "0");
    assert_eq!(balance["moved_to_new_card"], "190000");
    assert!(
        balance["pesan"]
            .as_str()
            .unwrap()
            .contains("dipindahkan ke kartu pengganti"),
        "{balance}"
    );
    assert_ledger(&app).await;
    verify_ok(&app).await;
}
story!(a_replacement_moves_the_balance_through_the_journal);

async fn a_milk_only_shop_cannot_sell_eggs() {
    let app = spawn_app().await;
    let v = redeemable(&app).await;
    let res = app
        .post(
            "/v1/merchants",
            &app.admin,
            &json!({ "name": "Toko Susu", "kode_desa": "35.14.05.2005", "service_area": ["35.14.05"], "categories": ["susu"] }),
        )
        .await;
    let id =
        relasi::domain::ids::MerchantId(res.json::<Value>().await.unwrap()["id"].as_i64().unwrap());
    let shop = app.merchant_token(id).await;
    let token = v[4]["token"].as_str().unwrap();
    let eggs = json!({ "token": token, "amount": "15000", "items": [{ "category": "protein_hewani", "amount": "15000" }] });
    assert_problem(
        redeem(&app, &shop, "eggs", &eggs).await,
        422,
        "category_not_allowed",
    )
    .await;
    let milk = json!({ "token": token, "amount": "15000", "items": [{ "category": "susu", "amount": "15000" }] });
    assert_eq!(redeem(&app, &shop, "milk", &milk).await.status(), 201);
    assert_eq!(assert_ledger(&app).await, (15_000, 15_000));
}
story!(a_milk_only_shop_cannot_sell_eggs);

/// Holds a share lock on the journal (as a checkpoint's watermark does): a replacement, which
/// revokes the lost card (taking its place in the revocation feed) and then writes its move
/// entries, waits there, before it commits; a plain revocation writes no journal row and is not
/// held (PostgreSQL; SQLite has one writer, so revocations cannot interleave there at all).
async fn hold_journal(raw: &RawDb) -> Option<sqlx::Transaction<'static, sqlx::Postgres>> {
    match raw {
        RawDb::Postgres(pool) => {
            let mut tx = pool.begin().await.unwrap();
            sqlx::query("lock table redemptions in share mode")
                .execute(&mut *tx)
                .await
                .unwrap();
            Some(tx)
        }
        RawDb::Sqlite(_) => None,
    }
}

async fn revocations_committed_out_of_order_are_all_delivered() {
    let app = spawn_app().await;
    let v = redeemable(&app).await;
    let (slow, fast) = (v[5]["id"].as_str().unwrap(), v[6]["id"].as_str().unwrap());
    let raw = app.db.raw().await;
    let held = hold_journal(&raw).await;
    let post = |path: String| {
        let (http, url, admin) = (app.http.clone(), app.url(&path), app.admin.clone());
        tokio::spawn(async move {
            http.post(url)
                .bearer_auth(admin)
                .json(&json!({}))
                .send()
                .await
                .unwrap()
                .status()
        })
    };
    // The slow one (a lost card replaced) revokes first, then waits inside its transaction …
    let slow_revoke = post(format!("/v1/vouchers/{slow}/replace"));
    if held.is_some() {
        wait_for_blocked_queries(&raw, 1, None).await;
    }
    // … the fast one starts later: it may not commit before the slow one, whose place in the
    // feed comes first (a sequence taken without the lock would let it, and skip the slow one).
    let fast_revoke = post(format!("/v1/vouchers/{fast}/revoke"));
    if held.is_some() {
        wait_for_blocked_queries(&raw, 2, Some(&fast_revoke)).await;
    }
    // A shop syncs now.
    let first: Value = app.get_public("/v1/revocations").await;
    let cursor = first["next_since"].as_str().unwrap().to_owned();
    if let Some(tx) = held {
        tx.rollback().await.unwrap();
    }
    assert!(slow_revoke.await.unwrap().is_success());
    assert_eq!(fast_revoke.await.unwrap(), 200);
    // The next sync from where the shop stopped brings the rest: nothing is skipped.
    let next: Value = app
        .get_public(&format!("/v1/revocations?since={cursor}"))
        .await;
    let mut seen: Vec<String> = first["revoked"]
        .as_array()
        .unwrap()
        .iter()
        .chain(next["revoked"].as_array().unwrap())
        .map(|r| r["voucher_id"].as_str().unwrap().to_owned())
        .collect();
    seen.sort();
    let mut want = vec![slow.to_owned(), fast.to_owned()];
    want.sort();
    assert_eq!(seen, want);
    assert_eq!(next["complete"], true);
}
story!(
    revocations_committed_out_of_order_are_all_delivered,
    multi_thread
);

/// Waits until `n` PostgreSQL backends wait on a lock, or `done` has finished.
async fn wait_for_blocked_queries(
    raw: &RawDb,
    n: i64,
    done: Option<&tokio::task::JoinHandle<reqwest::StatusCode>>,
) {
    let RawDb::Postgres(pool) = raw else { return };
    for _ in 0..500 {
        let (waiting,): (i64,) = sqlx::query_as(
            "select count(*) from pg_stat_activity where wait_event_type = 'Lock' and datname = current_database()",
        )
        .fetch_one(pool)
        .await
        .unwrap();
        if waiting >= n || done.is_some_and(|d| d.is_finished()) {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    panic!("the revocations never reached the lock");
}

/// `GET /v1/audit/verify` as an auditor; asserts everything holds.
async fn verify_ok(app: &TestApp) -> Value {
    let auditor = app.token(relasi::domain::auth::Role::Auditor).await;
    let body: Value = app
        .get("/v1/audit/verify", &auditor)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(body["ok"], true, "{body}");
    body
}

/// Drops the journal's append-only guard, as a database owner could.
async fn drop_journal_guard(app: &TestApp, raw: &RawDb) {
    let guards: &[&'static str] = match app.db.backend {
        Backend::Postgres => &[
            "alter table redemptions disable trigger user",
            "alter table redemption_items disable trigger user",
        ],
        Backend::Sqlite => &[
            "drop trigger redemptions_no_update",
            "drop trigger redemptions_no_delete",
            "drop trigger redemption_items_no_update",
            "drop trigger redemption_items_no_delete",
        ],
    };
    for sql in guards {
        raw.execute(sql).await.unwrap();
    }
}

async fn three_sales(app: &TestApp) -> (Vec<i64>, String) {
    let v = redeemable(app).await;
    let (_, shop) = shop_in(app, "35.14.05").await;
    let mut ids = Vec::new();
    for (i, amount) in [10_000, 20_000, 30_000].into_iter().enumerate() {
        let r: Value = redeem(
            app,
            &shop,
            &format!("t-{i}"),
            &basket(v[0]["token"].as_str().unwrap(), amount),
        )
        .await
        .json()
        .await
        .unwrap();
        ids.push(r["redemption_id"].as_i64().unwrap());
    }
    (ids, shop)
}

async fn an_edited_sale_amount_is_named_by_audit_verify() {
    let app = spawn_app().await;
    let (ids, _) = three_sales(&app).await;
    verify_ok(&app).await;
    let raw = app.db.raw().await;
    drop_journal_guard(&app, &raw).await;
    raw.execute_owned(format!(
        "update redemptions set amount_rp = 2000 where id = {}",
        ids[1]
    ))
    .await
    .unwrap();
    let auditor = app.token(relasi::domain::auth::Role::Auditor).await;
    let body: Value = app
        .get("/v1/audit/verify", &auditor)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(body["ok"], false);
    assert_eq!(body["journal"]["broken_at"]["entry_id"], ids[1], "{body}");
    assert_eq!(body["journal"]["broken_at"]["reason"], "altered");
    // The CLI exits non-zero and names the sale.
    let out = relasi_cli(&app.db.url)
        .args(["audit", "verify"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains(&format!("at entry {}", ids[1])), "{text}");
}
story!(an_edited_sale_amount_is_named_by_audit_verify);

async fn verify_body(app: &TestApp) -> Value {
    let auditor = app.token(relasi::domain::auth::Role::Auditor).await;
    app.get("/v1/audit/verify", &auditor)
        .await
        .json()
        .await
        .unwrap()
}

/// The CLI's verdict: it must fail, and its output (Indonesian first) must hold `want`.
fn cli_names(app: &TestApp, want: &str) {
    let out = relasi_cli(&app.db.url)
        .args(["audit", "verify"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains(want), "{text}");
}

async fn an_edited_basket_line_is_named_by_audit_verify() {
    let app = spawn_app().await;
    let (ids, _) = three_sales(&app).await;
    verify_ok(&app).await;
    let raw = app.db.raw().await;
    drop_journal_guard(&app, &raw).await;
    // Eggs become baby food in the books; amounts and the journal row stay as they were.
    raw.execute_owned(format!(
        "update redemption_items set category = 'mpasi' where redemption_id = {}",
        ids[1]
    ))
    .await
    .unwrap();
    let body = verify_body(&app).await;
    assert_eq!(body["ok"], false);
    assert_eq!(body["journal"]["broken_at"]["entry_id"], ids[1], "{body}");
    assert_eq!(body["journal"]["broken_at"]["reason"], "basket_altered");
    cli_names(&app, &format!("at entry {}", ids[1]));
}
story!(an_edited_basket_line_is_named_by_audit_verify);

/// Drops the guard that keeps a voucher's issued claims fixed, as a database owner could.
async fn drop_voucher_guard(app: &TestApp, raw: &RawDb) {
    let sql = match app.db.backend {
        Backend::Postgres => "alter table vouchers disable trigger user",
        Backend::Sqlite => "drop trigger vouchers_issued_fixed",
    };
    raw.execute(sql).await.unwrap();
}

async fn money_created_by_editing_a_face_value_is_named_by_audit_verify() {
    let app = spawn_app().await;
    let v = redeemable(&app).await;
    let old = v[0]["id"].as_str().unwrap();
    let replacement: Value = app
        .post(
            &format!("/v1/vouchers/{old}/replace"),
            &app.admin,
            &json!({}),
        )
        .await
        .json()
        .await
        .unwrap();
    let new = replacement["id"].as_str().unwrap();
    verify_ok(&app).await;
    let raw = app.db.raw().await;
    drop_voucher_guard(&app, &raw).await;
    let inflated = v[1]["id"].as_str().unwrap();
    raw.execute_owned(format!(
        "update vouchers set face_value_rp = face_value_rp + 500000 where id = '{inflated}'"
    ))
    .await
    .unwrap();
    let body = verify_body(&app).await;
    assert_eq!(body["ok"], false);
    assert_eq!(
        body["tokens"]["broken_at"]["voucher_id"], inflated,
        "{body}"
    );
    assert_eq!(body["tokens"]["broken_at"]["reason"], "claims_differ");
    cli_names(
        &app,
        &format!("VOUCHER TIDAK COCOK / VOUCHER MISMATCH: voucher {inflated}"),
    );
    // A replacement's face value is what its move_in brought.
    raw.execute_owned(format!(
        "update vouchers set face_value_rp = face_value_rp + 500000 where id = '{new}'"
    ))
    .await
    .unwrap();
    let body = verify_body(&app).await;
    assert_eq!(body["journal"]["broken_at"]["voucher_id"], new, "{body}");
    assert_eq!(body["journal"]["broken_at"]["reason"], "move_in_differs");
}
story!(money_created_by_editing_a_face_value_is_named_by_audit_verify);

async fn a_forged_sale_chained_after_the_last_checkpoint_is_named() {
    let app = spawn_app_with(fresh_keys()).await;
    let (ids, _) = three_sales(&app).await;
    let signer = {
        let keys = app.store.signing_keys().await.unwrap();
        relasi::signing::load(&app.keys_path(), &keys[0]).unwrap()
    };
    let deployment = relasi_token::DeploymentId::parse("test-35.14").unwrap();
    relasi::jobs::audit::checkpoint(&app.store, &deployment, &signer)
        .await
        .unwrap()
        .unwrap();
    verify_ok(&app).await;
    // A knowledgeable owner appends a sale to the voucher's chain with the public hash function,
    // with a basket that hashes to its request, and moves the balance to match: chain, basket,
    // balance and checkpoints all still hold; only the receipt it never had gives it away.
    let last = app
        .store
        .journal_entries(&[ids[2]])
        .await
        .unwrap()
        .remove(0);
    let vouchers = app.store.voucher_ledgers("").await.unwrap();
    let token = &vouchers
        .iter()
        .find(|v| v.id == last.facts.voucher_id)
        .unwrap()
        .token;
    let request = relasi::domain::sale::request_sha256(&relasi::domain::sale::canonical_sale(
        &SaleRequest {
            token: token.clone(),
            amount: "5000".into(),
            items: vec![("protein_hewani".into(), "5000".into())],
        },
        Some(token),
    ));
    let facts = relasi::domain::journal::EntryFacts {
        seq: last.facts.seq + 1,
        amount_rp: 5_000,
        idempotency_key: Some("forged".into()),
        request_sha256: Some(request.clone()),
        created_at_us: last.facts.created_at_us + 1,
        ..last.facts.clone()
    };
    let hash = relasi::domain::journal::entry_hash(&last.entry_hash, &facts);
    let raw = app.db.raw().await;
    raw.execute_owned(format!(
        "insert into redemptions (voucher_id, merchant_id, kind, amount_rp, idempotency_key, request_sha256, \
         created_at_us, voucher_seq, prev_hash, entry_hash) values ('{}', {}, 'debit', 5000, 'forged', '{request}', {}, {}, '{}', '{hash}')",
        facts.voucher_id,
        facts.merchant_id.unwrap(),
        facts.created_at_us,
        facts.seq,
        last.entry_hash,
    ))
    .await
    .unwrap();
    let forged = raw.scalar("select max(id) from redemptions").await;
    raw.execute_owned(format!(
        "insert into redemption_items (redemption_id, category, amount_rp) values ({forged}, 'protein_hewani', 5000)"
    ))
    .await
    .unwrap();
    raw.execute_owned(format!(
        "update vouchers set spent_rp = spent_rp + 5000 where id = '{}'",
        facts.voucher_id
    ))
    .await
    .unwrap();
    let body = verify_body(&app).await;
    assert_eq!(body["journal"]["ok"], true, "{body}");
    assert_eq!(body["checkpoints"]["ok"], true, "{body}");
    assert_eq!(body["receipts"]["broken_at"]["entry_id"], forged, "{body}");
    assert_eq!(body["ok"], false);
    cli_names(&app, &format!("at entry {forged}"));
}
story!(a_forged_sale_chained_after_the_last_checkpoint_is_named);

async fn a_deleted_or_forged_entry_is_named_and_a_rewritten_chain_is_caught() {
    let app = spawn_app_with(fresh_keys()).await;
    let (ids, _) = three_sales(&app).await;
    // A signed checkpoint covers the three sales.
    let signer = {
        let keys = app.store.signing_keys().await.unwrap();
        relasi::signing::load(&app.keys_path(), &keys[0]).unwrap()
    };
    let deployment = relasi_token::DeploymentId::parse("test-35.14").unwrap();
    let c = relasi::jobs::audit::checkpoint(&app.store, &deployment, &signer)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(c.facts.entries, 3);
    verify_ok(&app).await;
    let raw = app.db.raw().await;
    drop_journal_guard(&app, &raw).await;
    let auditor = app.token(relasi::domain::auth::Role::Auditor).await;
    // Delete the middle sale: the chain names the entry after the gap, the checkpoint its range.
    raw.execute_owned(format!(
        "delete from redemption_items where redemption_id = {}",
        ids[1]
    ))
    .await
    .unwrap();
    raw.execute("update idempotency_keys set redemption_id = null")
        .await
        .unwrap();
    raw.execute_owned(format!("delete from redemptions where id = {}", ids[1]))
        .await
        .unwrap();
    let body: Value = app
        .get("/v1/audit/verify", &auditor)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(body["ok"], false);
    assert_eq!(body["journal"]["broken_at"]["entry_id"], ids[2], "{body}");
    assert_eq!(body["journal"]["broken_at"]["reason"], "missing");
    assert_eq!(body["checkpoints"]["broken_at"]["seq"], 1);
    // The shop's signed receipt of the deleted sale still names it.
    assert_eq!(body["receipts"]["broken_at"]["entry_id"], ids[1], "{body}");
    // Rewrite the whole chain of that voucher correctly (the hash is public): the chain then
    // verifies, but the signed checkpoint does not, and no receipt can be forged.
    rewrite_chain(&app, &raw).await;
    let body: Value = app
        .get("/v1/audit/verify", &auditor)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(body["journal"]["ok"], true, "{body}");
    assert_eq!(body["checkpoints"]["ok"], false, "{body}");
    assert_eq!(body["receipts"]["broken_at"]["entry_id"], ids[1], "{body}");
    assert_eq!(body["ok"], false);
}
story!(a_deleted_or_forged_entry_is_named_and_a_rewritten_chain_is_caught);

/// Recomputes every chain column with the real hash function and fixes the stored balance, as
/// a knowledgeable database owner would after deleting a sale.
async fn rewrite_chain(app: &TestApp, raw: &RawDb) {
    use relasi::domain::journal::{GENESIS_HASH, entry_hash};
    let entries = app
        .store
        .journal_of_vouchers(
            relasi::domain::ids::VoucherId::from_bytes([0; 16]),
            relasi::domain::ids::VoucherId::from_bytes([0xff; 16]),
        )
        .await
        .unwrap();
    let mut prev = GENESIS_HASH.to_owned();
    for (seq, mut e) in entries.into_iter().enumerate() {
        e.facts.seq = seq as i64 + 1;
        let hash = entry_hash(&prev, &e.facts);
        raw.execute_owned(format!(
            "update redemptions set voucher_seq = {}, prev_hash = '{prev}', entry_hash = '{hash}' where id = {}",
            e.facts.seq, e.id
        ))
        .await
        .unwrap();
        prev = hash;
    }
    raw.execute("update vouchers set spent_rp = 40000 where spent_rp = 60000")
        .await
        .unwrap();
}

async fn a_retired_key_past_its_window_is_refused_by_server_and_client_alike() {
    let app = spawn_app_with(fresh_keys()).await;
    let v = redeemable(&app).await;
    let (_, shop) = shop_in(&app, "35.14.05").await;
    // Rotate with no verification window left for the old key.
    let public = relasi::signing::generate(&app.keys_path()).unwrap();
    app.store
        .rotate_signing_key(public, -1, "test")
        .await
        .unwrap();
    let token = v[7]["token"].as_str().unwrap();
    assert_problem(
        redeem(&app, &shop, "late", &basket(token, 1_000)).await,
        422,
        "key_revoked",
    )
    .await;
    let now = chrono::Utc::now().timestamp();
    assert_eq!(
        app.keyring().await.verify(token, now).unwrap_err().code(),
        relasi_codes::Code::KeyRevoked
    );
}
story!(a_retired_key_past_its_window_is_refused_by_server_and_client_alike);

/// PostgreSQL configured for serializable transactions must not change how sales behave: the
/// store pins read committed (before it did not, and concurrent sales failed with 500).
async fn sales_keep_read_committed_whatever_the_server_default() {
    let app = spawn_app().await;
    let v = redeemable(&app).await;
    let raw = app.db.raw().await;
    if app.db.backend == Backend::Postgres {
        raw.execute("do $$ begin execute format('alter database %I set default_transaction_isolation to serializable', current_database()); end $$")
            .await
            .unwrap();
    }
    // A fresh server, whose connections see the new default.
    let second = crate::helpers::second_instance(&app).await;
    let mut shops = Vec::new();
    for _ in 0..4 {
        shops.push(shop_in(&app, "35.14.05").await.1);
    }
    let token = v[0]["token"].as_str().unwrap().to_owned();
    let sales = (0..40)
        .map(|i| Sale {
            base: second.clone(),
            shop: shops[i % 4].clone(),
            key: format!("ser-{i}"),
            body: basket(&token, 10_000),
        })
        .collect();
    let mut debited = 0;
    for (status, body) in storm(&app.http, sales).await {
        match status {
            201 => debited += 1,
            409 => {}
            other => panic!("a sale answered {other}: {body}"),
        }
    }
    assert_eq!(debited, 30);
    if app.db.backend == Backend::Postgres {
        raw.execute("do $$ begin execute format('alter database %I reset default_transaction_isolation', current_database()); end $$")
            .await
            .unwrap();
    }
    assert_eq!(assert_ledger(&app).await, (300_000, 300_000));
}
story!(
    sales_keep_read_committed_whatever_the_server_default,
    multi_thread
);

/// A serialization failure or deadlock that does not go away is answered 503, never 500, and
/// changes nothing (PostgreSQL raises them; SQLite has one writer and never does).
async fn a_busy_database_is_retried_then_answered_503() {
    let app = spawn_app().await;
    if app.db.backend != Backend::Postgres {
        return;
    }
    let v = redeemable(&app).await;
    let (_, shop) = shop_in(&app, "35.14.05").await;
    let raw = app.db.raw().await;
    raw.execute("create function fail_busy() returns trigger language plpgsql as $$ begin raise exception 'busy' using errcode = 'serialization_failure'; end $$")
        .await
        .unwrap();
    raw.execute("create trigger always_busy before insert on redemptions for each row execute function fail_busy()")
        .await
        .unwrap();
    assert_problem(
        redeem(
            &app,
            &shop,
            "busy",
            &basket(v[0]["token"].as_str().unwrap(), 1_000),
        )
        .await,
        503,
        "unavailable",
    )
    .await;
    raw.execute("drop trigger always_busy on redemptions")
        .await
        .unwrap();
    assert_eq!(assert_ledger(&app).await, (0, 0));
    // Nothing was stored under the key: the retry is a new sale.
    assert_eq!(
        redeem(
            &app,
            &shop,
            "busy",
            &basket(v[0]["token"].as_str().unwrap(), 1_000)
        )
        .await
        .status(),
        201
    );
}
story!(a_busy_database_is_retried_then_answered_503);

/// A database of the version before the journal was chained, with a replacement made the old
/// way (no move entries): the upgrade records both sides of the move and chains every row, and
/// the result verifies and balances.
async fn an_upgraded_database_is_chained_and_balances() {
    let db = crate::helpers::test_db().await;
    let raw = db.raw().await;
    match &raw {
        RawDb::Postgres(pool) => before_chaining(sqlx::migrate!("./migrations/postgres"))
            .run(pool)
            .await
            .unwrap(),
        RawDb::Sqlite(pool) => before_chaining(sqlx::migrate!("./migrations/sqlite"))
            .run(pool)
            .await
            .unwrap(),
    }
    let yes = if db.backend == Backend::Postgres {
        "true"
    } else {
        "1"
    };
    // The name as every version since personal data was encrypted stores it: sealed under the
    // deployment's key (a start with another key is refused).
    let nama = relasi::pii::PiiKey::load(&db.url)
        .unwrap()
        .seal_text("households.nama_kepala", "Uji");
    for sql in [
        "insert into deployment (deployment_id, created_at_us) values ('test-35.14', 0)".to_owned(),
        "insert into wilayah (code, name, level, parent_code) values ('35', 'Jawa Timur', 1, null), \
         ('35.14', 'Pasuruan', 2, '35'), ('35.14.05', 'Pasrepan', 3, '35.14'), ('35.14.05.2005', 'Sibon', 4, '35.14.05')".to_owned(),
        format!("insert into programmes (number, name, year, max_desil, voucher_base_rp, voucher_per_member_rp, voucher_cap_rp, \
         categories, reversal_window_secs, utc_offset_hours, offline_allowed, created_at_us) \
         values (1, 'Uji', 2026, 4, 100000, 50000, 300000, 'susu', 86400, 7, {yes}, 0)"),
        format!("insert into households (no_kk, nik_kepala, nama_kepala, kode_desa, desil, krs, status, updated_at_us) \
         values ('3514051111110001', '3514051111110002', '{nama}', '35.14.05.2005', 2, {yes}, 'aktif', 0)"),
        "insert into cycles (programme_id, period, valid_from_unix, valid_until_unix, opened_at_us) values (1, '2026-12', 1, 4102444800, 0)".to_owned(),
        "insert into budget_lines (programme_id, year, sumber_dana, kode_wilayah, amount_rp, committed_rp, created_at_us) \
         values (1, 2026, 'APBD', '35.14', 1000000, 300000, 0)".to_owned(),
        "insert into merchants (name, kode_desa, status, created_at_us) values ('Toko', '35.14.05.2005', 'active', 0)".to_owned(),
        // The lost card A: 300,000, Rp 50,000 spent, then replaced by B with the 250,000 left.
        "insert into vouchers (id, programme_id, cycle_id, no_kk, kode_desa, budget_line_id, kid, face_value_rp, spent_rp, \
         status, valid_from_unix, valid_until_unix, token, issued_at_us, revoked_at_us) values ('0000000000000000000000000000000a', \
         1, 1, '3514051111110001', '35.14.05.2005', 1, 'abcd0123', 300000, 50000, 'revoked', 1, 4102444800, 'RLS1:A', 1, 5)".to_owned(),
        "insert into vouchers (id, programme_id, cycle_id, no_kk, kode_desa, budget_line_id, kid, face_value_rp, spent_rp, \
         status, valid_from_unix, valid_until_unix, token, issued_at_us, replaces) values ('0000000000000000000000000000000b', \
         1, 1, '3514051111110001', '35.14.05.2005', 1, 'abcd0123', 250000, 20000, 'active', 1, 4102444800, 'RLS1:B', 5, \
         '0000000000000000000000000000000a')".to_owned(),
        format!("insert into redemptions (voucher_id, merchant_id, kind, amount_rp, idempotency_key, request_sha256, created_at_us) \
         values ('0000000000000000000000000000000a', 1, 'debit', 50000, 'k1', '{}', 2)", legacy_request("RLS1:A", 50_000)),
        format!("insert into redemptions (voucher_id, merchant_id, kind, amount_rp, idempotency_key, request_sha256, created_at_us) \
         values ('0000000000000000000000000000000b', 1, 'debit', 30000, 'k2', '{}', 6)", legacy_request("RLS1:B", 30_000)),
        "insert into redemption_items (redemption_id, category, amount_rp) values (1, 'susu', 50000), (2, 'susu', 30000)".to_owned(),
        "insert into redemptions (voucher_id, merchant_id, kind, amount_rp, reverses_id, created_at_us) \
         values ('0000000000000000000000000000000b', 1, 'reversal', 10000, 2, 7)".to_owned(),
    ] {
        raw.execute_owned(sql.clone()).await.unwrap_or_else(|e| panic!("{sql}: {e}"));
    }
    // Upgrade: migration 0005, then sealing.
    let store = db.store().await;
    let ledger = store.ledger().await.unwrap();
    assert!(ledger.iter().all(|r| r.balances()), "{ledger:?}");
    let total: i64 = ledger.iter().map(|r| r.balance_rp).sum();
    assert_eq!(
        total, 230_000,
        "A is empty after its move; B holds 250,000 − 30,000 + 10,000"
    );
    assert_eq!(
        raw.scalar("select count(*) from redemptions where entry_hash is null")
            .await,
        0
    );
    assert_eq!(raw.scalar("select count(*) from revocations").await, 1);
    let deployment = relasi_token::DeploymentId::parse("test-35.14").unwrap();
    let report = relasi::jobs::audit::verify(&store, &deployment, &Default::default())
        .await
        .unwrap();
    assert!(
        report.journal_break.is_none() && report.audit_break.is_none(),
        "{report:?}"
    );
    assert_eq!((report.vouchers, report.entries), (2, 5));
}
story!(an_upgraded_database_is_chained_and_balances);

/// The request hash an earlier version stored for a sale of one `susu` line.
fn legacy_request(token: &str, amount_rp: i64) -> String {
    use relasi::domain::sale::{canonical_sale, request_sha256};
    let sale = SaleRequest {
        token: token.to_owned(),
        amount: amount_rp.to_string(),
        items: vec![("susu".into(), amount_rp.to_string())],
    };
    request_sha256(&canonical_sale(&sale, None))
}

/// The migrations before 0005 (the version whose journal was not chained).
fn before_chaining(mut m: sqlx::migrate::Migrator) -> sqlx::migrate::Migrator {
    m.migrations = std::borrow::Cow::Owned(
        m.migrations
            .iter()
            .filter(|x| x.version <= 4)
            .cloned()
            .collect(),
    );
    m
}
