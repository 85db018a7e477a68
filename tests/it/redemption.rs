//! The money path: redemptions, idempotency, reversals, revoke and replace, the balance check,
//! and the concurrency stories of the redemption issue, on both backends.

use crate::helpers::{TestApp, assert_problem, spawn_app, spawn_app_with};
use relasi::domain::ids::MerchantId;
use serde_json::{Value, json};
use std::collections::HashSet;

const MEMBERS: &str = "nik,no_kk,nama,tanggal_lahir,sasaran,mulai,selesai,stunting\n";

/// Households 1..=8 in Sibon (KRS, desil 1), KK 1 with four babies (a Rp 300.000 voucher), a
/// cycle valid now, a key, vouchers issued. Returns vouchers by KK.
pub(crate) async fn redeemable(app: &TestApp) -> Vec<Value> {
    let mut h = String::from("no_kk,nik_kepala,nama_kepala,kode_desa,desil,krs,status\n");
    for i in 1..=8 {
        h.push_str(&format!(
            "35140500000000{i:02},35140501000000{i:02},Kepala {i},35.14.05.2005,1,1,aktif\n"
        ));
    }
    app.import_csv(h).await;
    let mut m = String::from(MEMBERS);
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
    assert_eq!(vouchers.len(), 8);
    assert_eq!(vouchers[0]["face_value"], "300000");
    vouchers
}

pub(crate) fn basket(token: &str, amount: i64) -> Value {
    json!({ "token": token, "amount": amount.to_string(), "items": [{ "category": "protein_hewani", "amount": amount.to_string() }] })
}

pub(crate) async fn redeem(
    app: &TestApp,
    shop: &str,
    key: &str,
    body: &Value,
) -> reqwest::Response {
    app.http
        .post(app.url("/v1/redemptions"))
        .bearer_auth(shop)
        .header("idempotency-key", key)
        .json(body)
        .send()
        .await
        .unwrap()
}

/// Every voucher: issued − Σ debit + Σ reversal − Σ move_out + Σ move_in = balance ≥ 0.
/// Returns (Σ debits + Σ reversals, Σ debits − Σ reversals): what shops moved, and net sales.
pub(crate) async fn assert_ledger(app: &TestApp) -> (i64, i64) {
    let mut entries = 0;
    let mut net_sales = 0;
    let (mut moved_out, mut moved_in) = (0, 0);
    for row in app.store.ledger().await.unwrap() {
        assert!(row.balances(), "ledger identity broken: {row:?}");
        net_sales += row.debits_rp - row.reversals_rp;
        entries += row.debits_rp + row.reversals_rp;
        moved_out += row.moved_out_rp;
        moved_in += row.moved_in_rp;
    }
    assert_eq!(moved_out, moved_in, "every move has both sides");
    (entries, net_sales)
}

/// One sale of a storm: the server it goes to, the shop's token, its key and its body.
pub(crate) struct Sale {
    pub base: String,
    pub shop: String,
    pub key: String,
    pub body: Value,
}

/// Sends every sale at once (one task each); the answers, (status, body), in the order given.
/// The concurrency stories of both engines send their storms through this one loop.
pub(crate) async fn storm(http: &reqwest::Client, sales: Vec<Sale>) -> Vec<(u16, String)> {
    let tasks: Vec<_> = sales
        .into_iter()
        .map(|sale| {
            let http = http.clone();
            tokio::spawn(async move {
                let res = http
                    .post(format!("{}/v1/redemptions", sale.base))
                    .bearer_auth(sale.shop)
                    .header("idempotency-key", sale.key)
                    .json(&sale.body)
                    .send()
                    .await
                    .unwrap();
                (res.status().as_u16(), res.text().await.unwrap())
            })
        })
        .collect();
    let mut answers = Vec::with_capacity(tasks.len());
    for t in tasks {
        answers.push(t.await.unwrap());
    }
    answers
}

pub(crate) async fn shop_in(app: &TestApp, area: &str) -> (MerchantId, String) {
    let res = app
        .post("/v1/merchants", &app.admin, &json!({ "name": format!("Toko {area}"), "kode_desa": "35.14.05.2005", "service_area": [area] }))
        .await;
    let id = MerchantId(res.json::<Value>().await.unwrap()["id"].as_i64().unwrap());
    (id, app.merchant_token(id).await)
}

async fn a_sale_debits_once_and_its_receipt_verifies() {
    let app = spawn_app().await;
    let v = redeemable(&app).await;
    let (shop_id, shop) = shop_in(&app, "35.14.05").await;
    let token = v[1]["token"].as_str().unwrap();
    let res = redeem(&app, &shop, "sale-1", &basket(token, 25_000)).await;
    assert_eq!(res.status(), 201);
    let receipt: Value = res.json().await.unwrap();
    assert_eq!(receipt["amount"], "25000");
    assert_eq!(receipt["balance_after"], "75000");
    assert_eq!(receipt["merchant_id"], shop_id.0);
    assert_eq!(receipt["voucher_id"], v[1]["id"]);
    // The shop proves the sale with nothing but the published keys.
    let r = relasi_merchant::Receipt {
        kind: relasi_merchant::Receipt::DEBIT,
        redemption_id: receipt["redemption_id"].as_u64().unwrap(),
        voucher_id: relasi::domain::ids::VoucherId::parse(receipt["voucher_id"].as_str().unwrap())
            .unwrap()
            .to_bytes(),
        merchant_id: shop_id.0 as u64,
        amount_rp: 25_000,
        balance_after_rp: 75_000,
        created_at_us: receipt["created_at_us"].as_i64().unwrap(),
        reverses_id: 0,
    };
    let keyring = app.keyring().await;
    keyring
        .verify_receipt(
            &r,
            receipt["receipt_kid"].as_str().unwrap(),
            receipt["receipt_signature"].as_str().unwrap(),
        )
        .unwrap();
    let forged = relasi_merchant::Receipt {
        amount_rp: 250_000,
        ..r
    };
    assert!(
        keyring
            .verify_receipt(
                &forged,
                receipt["receipt_kid"].as_str().unwrap(),
                receipt["receipt_signature"].as_str().unwrap()
            )
            .is_err()
    );
    let detail: Value = app
        .get(
            &format!("/v1/vouchers/{}", v[1]["id"].as_str().unwrap()),
            &app.admin,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(detail["balance"], "75000");
    assert_eq!(assert_ledger(&app).await, (25_000, 25_000));
}
story!(a_sale_debits_once_and_its_receipt_verifies);

async fn a_replay_returns_the_original_answer_and_a_reused_key_is_refused() {
    let app = spawn_app().await;
    let v = redeemable(&app).await;
    let (_, shop) = shop_in(&app, "35.14.05").await;
    let token = v[1]["token"].as_str().unwrap();
    let first = redeem(&app, &shop, "k-1", &basket(token, 40_000))
        .await
        .text()
        .await
        .unwrap();
    // The same sale spelled differently (lower-case token) is the same request.
    let again = redeem(
        &app,
        &shop,
        "k-1",
        &basket(&token.to_ascii_lowercase(), 40_000),
    )
    .await;
    assert_eq!(again.status(), 201);
    assert_eq!(again.text().await.unwrap(), first);
    assert_problem(
        redeem(&app, &shop, "k-1", &basket(token, 41_000)).await,
        422,
        "idempotency_key_reused",
    )
    .await;
    // A stored decline replays as it was, even once the balance would allow the sale.
    let declined = redeem(&app, &shop, "k-2", &basket(token, 70_000)).await;
    let declined_body = assert_problem(declined, 409, "insufficient_balance").await;
    let sale = app.store.ledger().await.unwrap();
    let debit_id: i64 = serde_json::from_str::<Value>(&first).unwrap()["redemption_id"]
        .as_i64()
        .unwrap();
    let rev = app
        .http
        .post(app.url(&format!("/v1/redemptions/{debit_id}/reversal")))
        .bearer_auth(&shop)
        .send()
        .await
        .unwrap();
    assert_eq!(rev.status(), 201);
    let replay = redeem(&app, &shop, "k-2", &basket(token, 70_000)).await;
    assert_eq!(
        assert_problem(replay, 409, "insufficient_balance").await,
        declined_body
    );
    assert_ne!(sale, app.store.ledger().await.unwrap());
    assert_ledger(&app).await;
}
story!(a_replay_returns_the_original_answer_and_a_reused_key_is_refused);

async fn every_error_path_has_its_code_and_changes_nothing() {
    // Keys are re-read on every request here, so a revocation shows at once.
    let app = spawn_app_with(relasi::api::Config {
        key_cache_ms: 0,
        ..relasi::api::Config::default()
    })
    .await;
    let v = redeemable(&app).await;
    let (shop_id, shop) = shop_in(&app, "35.14.05").await;
    let (_, far_shop) = shop_in(&app, "35.14.06").await;
    let token = v[2]["token"].as_str().unwrap().to_owned();
    let before = app.store.ledger().await.unwrap();
    let mut flipped = token.clone();
    let c = if &flipped[120..121] == "A" { "B" } else { "A" };
    flipped.replace_range(120..121, c);
    // A genuine-looking token of a voucher the server never issued, signed with its own key.
    let keys = app.store.signing_keys().await.unwrap();
    let signer = relasi::signing::load(&app.keys_path(), &keys[0]).unwrap();
    let mut claims = relasi_token::SignedToken::parse_text(&token)
        .unwrap()
        .claims;
    claims.voucher_id = [7; 16];
    let deployment = relasi_token::DeploymentId::parse("test-35.14").unwrap();
    let unknown_voucher = claims.sign(&deployment, &signer.key).to_text();
    let stranger = relasi_token::SigningKey::from_bytes(&[1; 32]);
    claims.kid = relasi_token::Kid::of(&stranger.verifying_key());
    let unknown_key = claims.sign(&deployment, &stranger).to_text();
    let wrong_items = json!({ "token": token, "amount": "30000", "items": [{ "category": "susu", "amount": "20000" }] });
    let cases: Vec<(&str, Value, u16, &str)> = vec![
        (
            &shop,
            json!({ "token": "RLS1:HELLO", "amount": "1000", "items": [] }),
            422,
            "malformed_token",
        ),
        (
            &shop,
            basket(&"X".repeat(300), 1000),
            422,
            "malformed_token",
        ),
        (&shop, basket(&flipped, 1000), 422, "bad_signature"),
        (&shop, basket(&unknown_key, 1000), 422, "unknown_key"),
        (
            &shop,
            basket(&unknown_voucher, 1000),
            404,
            "voucher_unknown",
        ),
        (&shop, basket(&token, 150_000), 409, "insufficient_balance"),
        (&far_shop, basket(&token, 1000), 422, "merchant_out_of_area"),
        (
            &shop,
            json!({ "token": token, "amount": "1000", "items": [{ "category": "rokok", "amount": "1000" }] }),
            422,
            "category_not_allowed",
        ),
        (&shop, basket(&token, 0), 422, "invalid_amount"),
        (
            &shop,
            json!({ "token": token, "amount": "-5", "items": [] }),
            422,
            "invalid_amount",
        ),
        (
            &shop,
            json!({ "token": token, "amount": "12.5", "items": [] }),
            422,
            "invalid_amount",
        ),
        (&shop, basket(&token, 50_000_000), 422, "invalid_amount"),
        (&shop, wrong_items, 422, "invalid_amount"),
        (
            &shop,
            json!({ "token": token, "amount": "1000", "items": [] }),
            422,
            "invalid_amount",
        ),
        // The genuine token has verified by now (the server remembers it): a copy with one
        // signature character changed is still checked, and refused.
        (&shop, basket(&flipped, 1000), 422, "bad_signature"),
    ];
    for (i, (who, body, status, code)) in cases.into_iter().enumerate() {
        assert_problem(
            redeem(&app, who, &format!("e-{i}"), &body).await,
            status,
            code,
        )
        .await;
    }
    // Header problems and roles.
    let res = app
        .http
        .post(app.url("/v1/redemptions"))
        .bearer_auth(&shop)
        .json(&basket(&token, 1000))
        .send()
        .await
        .unwrap();
    assert_problem(res, 400, "idempotency_key_required").await;
    assert_problem(
        redeem(&app, &shop, &"k".repeat(129), &basket(&token, 1000)).await,
        400,
        "idempotency_key_invalid",
    )
    .await;
    assert_problem(
        redeem(&app, &app.admin, "k", &basket(&token, 1000)).await,
        403,
        "forbidden",
    )
    .await;
    // Revoked voucher; suspended shop; revoked key.
    let id = v[3]["id"].as_str().unwrap();
    assert_eq!(
        app.post(&format!("/v1/vouchers/{id}/revoke"), &app.admin, &json!({}))
            .await
            .status(),
        200
    );
    assert_problem(
        redeem(
            &app,
            &shop,
            "r-1",
            &basket(v[3]["token"].as_str().unwrap(), 1000),
        )
        .await,
        409,
        "voucher_revoked",
    )
    .await;
    let raw = app.db.raw().await;
    raw.execute("update merchants set status = 'inactive' where name = 'Toko 35.14.06'")
        .await
        .unwrap();
    assert_problem(
        redeem(&app, &far_shop, "s-1", &basket(&token, 1000)).await,
        403,
        "merchant_inactive",
    )
    .await;
    app.store
        .revoke_signing_key(keys[0].kid, "test")
        .await
        .unwrap();
    assert_problem(
        redeem(&app, &shop, "kr-1", &basket(&token, 1000)).await,
        422,
        "key_revoked",
    )
    .await;
    let _ = shop_id;
    assert_ledger(&app).await;
    assert_eq!(
        before.iter().map(|r| r.balance_rp).sum::<i64>(),
        app.store
            .ledger()
            .await
            .unwrap()
            .iter()
            .map(|r| r.balance_rp)
            .sum::<i64>()
    );
}
story!(every_error_path_has_its_code_and_changes_nothing);

async fn validity_windows_are_enforced() {
    let app = spawn_app().await;
    redeemable(&app).await;
    let (_, shop) = shop_in(&app, "35.14.05").await;
    for (period, from, until, code) in [
        (
            "2027-01",
            "2098-01-01T00:00:00Z",
            "2099-01-01T00:00:00Z",
            "voucher_not_yet_valid",
        ),
        (
            "2025-06",
            "2025-06-01T00:00:00Z",
            "2025-06-30T00:00:00Z",
            "voucher_expired",
        ),
    ] {
        let cycle = json!({ "period": period, "valid_from": from, "valid_until": until });
        assert_eq!(
            app.post("/v1/cycles", &app.admin, &cycle).await.status(),
            201
        );
        let res = app
            .http
            .post(app.url(&format!("/v1/cycles/{period}/issue")))
            .bearer_auth(&app.admin)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        let list: Value = app
            .get(&format!("/v1/vouchers?period={period}"), &app.admin)
            .await
            .json()
            .await
            .unwrap();
        let token = list["vouchers"][0]["token"].as_str().unwrap().to_owned();
        assert_problem(
            redeem(&app, &shop, period, &basket(&token, 1000)).await,
            409,
            code,
        )
        .await;
    }
    assert_eq!(assert_ledger(&app).await, (0, 0));
}
story!(validity_windows_are_enforced);

async fn reversals_restore_once_for_the_same_shop_inside_the_window() {
    let app = spawn_app().await;
    let v = redeemable(&app).await;
    let (_, shop) = shop_in(&app, "35.14.05").await;
    let (_, other) = shop_in(&app, "35.14").await;
    let token = v[4]["token"].as_str().unwrap();
    let sale: Value = redeem(&app, &shop, "x", &basket(token, 60_000))
        .await
        .json()
        .await
        .unwrap();
    let id = sale["redemption_id"].as_i64().unwrap();
    let reverse = |who: String| {
        let http = app.http.clone();
        let url = app.url(&format!("/v1/redemptions/{id}/reversal"));
        async move { http.post(url).bearer_auth(who).send().await.unwrap() }
    };
    assert_problem(reverse(other.clone()).await, 403, "forbidden").await;
    let res = reverse(shop.clone()).await;
    assert_eq!(res.status(), 201);
    let receipt: Value = res.json().await.unwrap();
    assert_eq!(
        (receipt["kind"].as_str(), receipt["reverses"].as_i64()),
        (Some("reversal"), Some(id))
    );
    assert_eq!(receipt["balance_after"], "100000");
    assert_problem(reverse(shop.clone()).await, 409, "already_reversed").await;
    assert_problem(
        app.http
            .post(app.url("/v1/redemptions/999999/reversal"))
            .bearer_auth(&shop)
            .send()
            .await
            .unwrap(),
        404,
        "not_found",
    )
    .await;
    // A closed window: the programme allows no reversal at all.
    app.db
        .raw()
        .await
        .execute("update programmes set reversal_window_secs = 0")
        .await
        .unwrap();
    let sale: Value = redeem(&app, &shop, "y", &basket(token, 10_000))
        .await
        .json()
        .await
        .unwrap();
    let late = app
        .http
        .post(app.url(&format!(
            "/v1/redemptions/{}/reversal",
            sale["redemption_id"]
        )))
        .bearer_auth(&shop)
        .send()
        .await
        .unwrap();
    assert_problem(late, 409, "reversal_window_closed").await;
    assert_eq!(assert_ledger(&app).await.1, 10_000);
}
story!(reversals_restore_once_for_the_same_shop_inside_the_window);

async fn a_lost_card_is_replaced_with_its_remaining_balance() {
    let app = spawn_app().await;
    let v = redeemable(&app).await;
    let (_, shop) = shop_in(&app, "35.14.05").await;
    let (old_id, old_token) = (
        v[0]["id"].as_str().unwrap(),
        v[0]["token"].as_str().unwrap(),
    );
    assert_eq!(
        redeem(&app, &shop, "a", &basket(old_token, 120_000))
            .await
            .status(),
        201
    );
    let res = app
        .post(
            &format!("/v1/vouchers/{old_id}/replace"),
            &app.admin,
            &json!({}),
        )
        .await;
    assert_eq!(res.status(), 201);
    let new: Value = res.json().await.unwrap();
    assert_eq!(
        (new["face_value"].as_str(), new["replaces"].as_str()),
        (Some("180000"), Some(old_id))
    );
    assert_problem(
        redeem(&app, &shop, "b", &basket(old_token, 1000)).await,
        409,
        "voucher_revoked",
    )
    .await;
    assert_eq!(
        redeem(
            &app,
            &shop,
            "c",
            &basket(new["token"].as_str().unwrap(), 180_000)
        )
        .await
        .status(),
        201
    );
    assert_problem(
        app.post(
            &format!("/v1/vouchers/{old_id}/replace"),
            &app.admin,
            &json!({}),
        )
        .await,
        409,
        "already_replaced",
    )
    .await;
    let revoked: Value = app.get_public("/v1/revocations").await;
    assert!(
        revoked["revoked"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["voucher_id"] == old_id)
    );
    // The budget was charged once for the household, not again for the replacement.
    let lines = crate::issuance::budget_lines(&app).await;
    let faces: i64 = v
        .iter()
        .map(|x| x["face_value"].as_str().unwrap().parse::<i64>().unwrap())
        .sum();
    assert_eq!(lines[0]["committed"], faces.to_string());
    assert_ledger(&app).await;
}
story!(a_lost_card_is_replaced_with_its_remaining_balance);

async fn families_check_their_balance_without_seeing_personal_data() {
    let app = spawn_app_with(relasi::api::Config {
        balance_limit: relasi::api::BalanceLimit {
            burst: 2,
            refill_ms: 60_000,
        },
        ..relasi::api::Config::default()
    })
    .await;
    let v = redeemable(&app).await;
    let (_, shop) = shop_in(&app, "35.14.05").await;
    let token = v[5]["token"].as_str().unwrap();
    assert_eq!(
        redeem(&app, &shop, "z", &basket(token, 30_000))
            .await
            .status(),
        201
    );
    let res = app
        .http
        .post(app.url("/v1/balance"))
        .json(&json!({ "token": token }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let text = res.text().await.unwrap();
    let body: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(
        (body["balance"].as_str(), body["status"].as_str()),
        (Some("70000"), Some("active"))
    );
    assert_eq!(body["recent"][0]["shop"], "Toko 35.14.05");
    assert!(
        !text.contains("3514050") && !text.contains("Kepala"),
        "no KK, NIK or name: {text}"
    );
    assert_problem(
        app.http
            .post(app.url("/v1/balance"))
            .json(&json!({ "token": "nope" }))
            .send()
            .await
            .unwrap(),
        422,
        "malformed_token",
    )
    .await;
    let limited = app
        .http
        .post(app.url("/v1/balance"))
        .json(&json!({ "token": token }))
        .send()
        .await
        .unwrap();
    assert_problem(limited, 429, "rate_limited").await;
}
story!(families_check_their_balance_without_seeing_personal_data);

async fn a_storm_of_200_sales_from_10_shops_debits_exactly_30() {
    let app = spawn_app().await;
    let v = redeemable(&app).await;
    let token = v[0]["token"].as_str().unwrap().to_owned();
    let mut shops = Vec::new();
    for _ in 0..10 {
        shops.push(shop_in(&app, "35.14.05").await.1);
    }
    let sales = (0..200)
        .map(|i| Sale {
            base: app.base.clone(),
            shop: shops[i % 10].clone(),
            key: format!("storm-{i}"),
            body: basket(&token, 10_000),
        })
        .collect();
    let answers = storm(&app.http, sales).await;
    let mut ok = Vec::new();
    for (status, body) in answers {
        let body: Value = serde_json::from_str(&body).unwrap();
        match status {
            201 => ok.push(body["redemption_id"].as_i64().unwrap()),
            409 => assert_eq!(body["code"], "insufficient_balance"),
            other => panic!("unexpected {other}: {body}"),
        }
    }
    assert_eq!(ok.len(), 30);
    let detail: Value = app
        .get(
            &format!("/v1/vouchers/{}", v[0]["id"].as_str().unwrap()),
            &app.admin,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(detail["balance"], "0");
    assert_eq!(assert_ledger(&app).await, (300_000, 300_000));
    assert_eq!(
        ok.iter().collect::<HashSet<_>>().len(),
        30,
        "every 201 is its own journal entry"
    );
}
story!(
    a_storm_of_200_sales_from_10_shops_debits_exactly_30,
    multi_thread
);

async fn thirty_two_requests_with_one_key_debit_once() {
    let app = spawn_app().await;
    let v = redeemable(&app).await;
    let (_, shop) = shop_in(&app, "35.14.05").await;
    let body = basket(v[0]["token"].as_str().unwrap(), 10_000);
    let sales = (0..32)
        .map(|_| Sale {
            base: app.base.clone(),
            shop: shop.clone(),
            key: "same".to_owned(),
            body: body.clone(),
        })
        .collect();
    let answers: HashSet<(u16, String)> = storm(&app.http, sales).await.into_iter().collect();
    assert_eq!(answers.len(), 1, "identical answers: {answers:?}");
    assert_eq!(answers.iter().next().unwrap().0, 201);
    assert_eq!(assert_ledger(&app).await, (10_000, 10_000));
}
story!(thirty_two_requests_with_one_key_debit_once, multi_thread);

async fn two_server_instances_on_one_database_never_overdraw() {
    let app = spawn_app().await;
    let v = redeemable(&app).await;
    let second = crate::helpers::second_instance(&app).await;
    let token = v[0]["token"].as_str().unwrap().to_owned();
    let mut shops = Vec::new();
    for _ in 0..4 {
        shops.push(shop_in(&app, "35.14.05").await.1);
    }
    let bases = [app.base.clone(), second];
    let sales = (0..120)
        .map(|i| Sale {
            base: bases[i % 2].clone(),
            shop: shops[i % 4].clone(),
            key: format!("two-{i}"),
            body: basket(&token, 7_000),
        })
        .collect();
    let mut debited = 0;
    for (status, _) in storm(&app.http, sales).await {
        match status {
            201 => debited += 1,
            409 => {}
            other => panic!("unexpected {other}"),
        }
    }
    assert_eq!(debited, 300_000 / 7_000);
    assert_eq!(assert_ledger(&app).await.1, debited * 7_000);
}
story!(
    two_server_instances_on_one_database_never_overdraw,
    multi_thread
);

async fn reversals_racing_sales_keep_the_ledger() {
    let app = spawn_app().await;
    let v = redeemable(&app).await;
    let (_, shop) = shop_in(&app, "35.14.05").await;
    let token = v[0]["token"].as_str().unwrap().to_owned();
    let mut sales = Vec::new();
    for i in 0..20 {
        let r: Value = redeem(&app, &shop, &format!("seed-{i}"), &basket(&token, 10_000))
            .await
            .json()
            .await
            .unwrap();
        sales.push(r["redemption_id"].as_i64().unwrap());
    }
    let mut tasks = Vec::new();
    for (i, id) in sales.iter().enumerate() {
        let (http, who) = (app.http.clone(), shop.clone());
        let reversal = app.url(&format!("/v1/redemptions/{id}/reversal"));
        tasks.push(tokio::spawn(async move {
            http.post(reversal)
                .bearer_auth(who)
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }));
        let (http, who, url, body) = (
            app.http.clone(),
            shop.clone(),
            app.url("/v1/redemptions"),
            basket(&token, 15_000),
        );
        tasks.push(tokio::spawn(async move {
            http.post(url)
                .bearer_auth(who)
                .header("idempotency-key", format!("race-{i}"))
                .json(&body)
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }));
    }
    for t in tasks {
        assert!([201, 409].contains(&t.await.unwrap()));
    }
    let (_, spent) = assert_ledger(&app).await;
    assert!(spent <= 300_000);
}
story!(reversals_racing_sales_keep_the_ledger, multi_thread);
