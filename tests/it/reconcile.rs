//! The finance officer's month (issue 10): months with planted faults report each exactly once
//! with its figures and evidence, a clean month balances, and a re-run never changes an earlier
//! version.

use crate::helpers::{TestApp, assert_problem, spawn_app};
use relasi::domain::auth::Role;
use relasi::domain::ids::MerchantId;
use relasi::domain::reconcile::Thresholds;
use relasi::domain::sale::SaleRequest;
use serde_json::{Value, json};

pub(crate) const PERIOD: &str = "2026-10";
const SIBON: &str = "35.14.05.2005";

/// KK number `i` in Sibon.
pub(crate) fn kk(i: u32) -> String {
    format!("35140500000010{i:02}")
}

/// Households `1..=n` in Sibon, desil 1; `krs` for all but those listed in `not_krs`.
pub(crate) fn households(n: u32, not_krs: &[u32], status: &[(u32, &str)]) -> String {
    let mut h = String::from("no_kk,nik_kepala,nama_kepala,kode_desa,desil,krs,status\n");
    for i in 1..=n {
        let krs = u8::from(!not_krs.contains(&i));
        let st = status
            .iter()
            .find(|(k, _)| *k == i)
            .map_or("aktif", |(_, s)| s);
        h.push_str(&format!(
            "{},35140501000010{i:02},Kepala {i},{SIBON},1,{krs},{st}\n",
            kk(i)
        ));
    }
    h
}

pub(crate) async fn import_at(app: &TestApp, csv: String, effective: &str) {
    let res = app
        .http
        .post(app.url(&format!("/v1/households/import?effective={effective}")))
        .bearer_auth(&app.admin)
        .header("content-type", "text/csv")
        .body(csv)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
}

/// A month's cycle with `n` households' vouchers issued; the members CSV rows are given.
/// Returns the vouchers by KK index (1-based) as `(id, token, face value)`.
pub(crate) async fn month(
    app: &TestApp,
    n: u32,
    not_krs: &[u32],
    members: &str,
) -> Vec<(String, String, i64)> {
    import_at(app, households(n, not_krs, &[]), "2026-01-01").await;
    if !members.is_empty() {
        let csv = format!("nik,no_kk,nama,tanggal_lahir,sasaran,mulai,selesai,stunting\n{members}");
        import_at(app, csv, "2026-01-01").await;
    }
    let budget = json!({ "year": 2026, "sumber_dana": "APBD", "kode_wilayah": "35.14", "amount": "100000000" });
    assert_eq!(
        app.post("/v1/budgets", &app.admin, &budget).await.status(),
        201
    );
    let res = app
        .post("/v1/cycles", &app.admin, &json!({ "period": PERIOD }))
        .await;
    assert_eq!(res.status(), 201, "{}", res.text().await.unwrap());
    app.generate_key().await;
    let res = app
        .http
        .post(app.url(&format!("/v1/cycles/{PERIOD}/issue")))
        .bearer_auth(&app.admin)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let list: Value = app
        .get(&format!("/v1/vouchers?period={PERIOD}"), &app.admin)
        .await
        .json()
        .await
        .unwrap();
    let mut out = vec![(String::new(), String::new(), 0); n as usize + 1];
    for v in list["vouchers"].as_array().unwrap() {
        let i: usize = v["no_kk"].as_str().unwrap()[14..].parse().unwrap();
        out[i] = (
            v["id"].as_str().unwrap().to_owned(),
            v["token"].as_str().unwrap().to_owned(),
            v["face_value"].as_str().unwrap().parse().unwrap(),
        );
    }
    out
}

/// A shop in Sibon serving Kecamatan Pasrepan.
pub(crate) async fn shop(app: &TestApp, name: &str) -> MerchantId {
    let res = app
        .post(
            "/v1/merchants",
            &app.admin,
            &json!({ "name": name, "kode_desa": SIBON, "service_area": ["35.14.05"] }),
        )
        .await;
    assert_eq!(res.status(), 201);
    MerchantId(res.json::<Value>().await.unwrap()["id"].as_i64().unwrap())
}

/// Microseconds of a local (WIB) time in October 2026, `"15 10:00:00"` → 15 Oct 10:00 WIB.
pub(crate) fn wib(day_time: &str) -> i64 {
    chrono::DateTime::parse_from_rfc3339(&format!("2026-10-{}+07:00", day_time.replace(' ', "T")))
        .unwrap()
        .timestamp_micros()
}

/// A sale through the same use case the API calls, committed at `at_us`; its journal id.
pub(crate) async fn sell(
    app: &TestApp,
    shop: MerchantId,
    token: &str,
    amount: i64,
    at_us: i64,
) -> i64 {
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
    let sale = SaleRequest {
        token: token.to_owned(),
        amount: amount.to_string(),
        items: vec![("susu".into(), amount.to_string())],
    };
    let key = format!("k-{}-{at_us}-{amount}", shop.0);
    let answer = relasi::usecases::sale::redeem(ledger, shop, &key, &sale, at_us)
        .await
        .unwrap();
    assert_eq!(answer.status, 201, "{}", answer.body);
    serde_json::from_str::<Value>(&answer.body).unwrap()["redemption_id"]
        .as_i64()
        .unwrap()
}

async fn reconcile(app: &TestApp, finance: &str) -> Value {
    let res = app
        .post("/v1/reconciliations", finance, &json!({ "period": PERIOD }))
        .await;
    assert_eq!(res.status(), 201, "{}", res.text().await.unwrap());
    res.json().await.unwrap()
}

fn rules<'a>(list: &'a Value, rule: &str) -> Vec<&'a Value> {
    list.as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == rule)
        .collect()
}

fn quiet_thresholds() -> Thresholds {
    // No shop can dominate a desa of this size: the story's faults are the planted ones.
    Thresholds {
        desa_min_vouchers: 1000,
        ..Thresholds::default()
    }
}

/// The planted month: members that make household 4 count only through a baby who turns two
/// on 5 October, and households 5 and 6 sharing one NIK.
fn planted_members() -> String {
    format!(
        "3514054510240001,{},Bayi,2024-10-05,,,,0\n3514050101900099,{},Ani,1990-01-01,,,,0\n\
         3514050101900099,{},Ani,1990-01-01,,,,0\n",
        kk(4),
        kk(5),
        kk(6)
    )
}

async fn every_planted_fault_is_reported_once_with_its_figures() {
    let app = spawn_app().await;
    let v = month(&app, 12, &[4], &planted_members()).await;
    let programme = app.store.resolve_programme(None).await.unwrap();
    app.store
        .set_recon_settings(programme.id, &quiet_thresholds(), None, "test")
        .await
        .unwrap();
    // The registry changes after issuance: 2 moved on 10 Oct, 3's head died on 5 Oct.
    import_at(
        &app,
        households(3, &[], &[(2, "pindah"), (3, "meninggal")]),
        "2026-10-10",
    )
    .await;
    let a = shop(&app, "Toko Adil").await;
    let b = shop(&app, "Toko Ramai").await;
    let c = shop(&app, "Toko Jauh").await;
    let clean = sell(&app, a, &v[1].1, 40_000, wib("03 10:00:00")).await;
    let moved = sell(&app, a, &v[2].1, 30_000, wib("15 10:00:00")).await;
    let dead = sell(&app, a, &v[3].1, 20_000, wib("12 10:00:00")).await;
    let aged = sell(&app, a, &v[4].1, 25_000, wib("20 10:00:00")).await;
    sell(&app, a, &v[5].1, 10_000, wib("06 10:00:00")).await;
    let drained = sell(&app, a, &v[7].1, v[7].2, wib("22 21:00:00")).await;
    for i in 0..10 {
        let voucher = &v[8 + (i % 3) as usize].1;
        sell(
            &app,
            b,
            voucher,
            5_000,
            wib(&format!("25 11:00:{:02}", i * 5)),
        )
        .await;
    }
    let outside = sell(&app, c, &v[11].1, 15_000, wib("26 10:00:00")).await;
    // Shop C's service area is narrowed afterwards: its sale to Pasrepan is now out of area.
    let raw = app.db.raw().await;
    raw.execute_owned(format!(
        "delete from merchant_service_areas where merchant_id = {}",
        c.0
    ))
    .await
    .unwrap();
    raw.execute_owned(format!(
        "insert into merchant_service_areas values ({}, '35.14.06')",
        c.0
    ))
    .await
    .unwrap();

    let finance = app.token(Role::Finance).await;
    // The shops are paid for the month; then shop A reverses its clean sale, already settled.
    let first = crate::settlement::settle(&app, &finance, PERIOD).await;
    assert_eq!(first.status(), 201);
    let late = crate::settlement::reverse(&app, a, clean, wib("03 10:05:00")).await;
    let run = reconcile(&app, &finance).await;
    let r = &run["report"];
    assert_eq!(r["balanced"], false);
    // Eligibility: each planted household once, with its sale.
    let e = &r["eligibility"];
    assert_eq!(e.as_array().unwrap().len(), 4, "{e:#}");
    let one = |rule: &str| {
        let found = rules(e, rule);
        assert_eq!(found.len(), 1, "{rule}: {e:#}");
        found[0].clone()
    };
    let f = one("household_moved");
    assert_eq!(
        (f["redemption_id"].as_i64(), f["amount_rp"].as_str()),
        (Some(moved), Some("30000"))
    );
    assert_eq!(f["no_kk"], json!([kk(2)]));
    let f = one("household_deceased");
    assert_eq!(
        (f["redemption_id"].as_i64(), f["amount_rp"].as_str()),
        (Some(dead), Some("20000"))
    );
    let f = one("no_member_counts");
    assert_eq!(
        (f["redemption_id"].as_i64(), f["day"].as_str()),
        (Some(aged), Some("2026-10-20"))
    );
    let f = one("nik_in_two_kk");
    assert_eq!(f["no_kk"], json!([kk(5), kk(6)]));
    assert_eq!(f["nik_tail"], "0099");
    assert!(f["redemption_id"].is_null() && f["voucher_ids"].as_array().unwrap().len() == 2);
    // Anomalies: the drained voucher, the burst, the out-of-area sale; nothing else.
    let an = &r["anomalies"];
    assert_eq!(an.as_array().unwrap().len(), 3, "{an:#}");
    let d = rules(an, "drained_at_closing");
    assert_eq!(d.len(), 1);
    assert_eq!(d[0]["evidence"][0]["redemption_id"].as_i64(), Some(drained));
    assert_eq!(d[0]["amount_rp"], v[7].2.to_string());
    let burst = rules(an, "burst");
    assert_eq!(burst.len(), 1);
    assert_eq!(
        (burst[0]["merchant_id"].as_i64(), burst[0]["count"].as_i64()),
        (Some(b.0), Some(10))
    );
    assert_eq!(burst[0]["amount_rp"], "50000");
    let out = rules(an, "out_of_area");
    assert_eq!(out.len(), 1);
    assert_eq!(
        (
            out[0]["merchant_id"].as_i64(),
            out[0]["count"].as_i64(),
            out[0]["of"].as_i64()
        ),
        (Some(c.0), Some(1), Some(1))
    );
    assert_eq!(
        out[0]["evidence"][0]["redemption_id"].as_i64(),
        Some(outside)
    );
    assert_eq!(r["exceptions"], 7);
    // The ledger balances; every voucher with balance left expired and returned once.
    let l = &r["ledger"];
    let sold: i64 = 40_000 + 30_000 + 20_000 + 25_000 + 10_000 + v[7].2 + 50_000 + 15_000;
    let reversed = 40_000;
    assert_eq!(l["debits_rp"], sold.to_string());
    assert_eq!(l["reversals_rp"], reversed.to_string());
    assert!(l["broken"].as_array().unwrap().is_empty());
    let issued: i64 = v.iter().map(|x| x.2).sum();
    assert_eq!(l["issued_rp"], issued.to_string());
    let returns = r["returns"].as_array().unwrap();
    assert_eq!(
        returns.len(),
        11,
        "every voucher but the drained one had balance left"
    );
    let returned: i64 = returns
        .iter()
        .map(|x| x["amount_rp"].as_str().unwrap().parse::<i64>().unwrap())
        .sum();
    assert_eq!(returned, issued - sold + reversed);
    let line = &r["budget"][0];
    assert_eq!(
        (
            line["committed_rp"].as_str(),
            line["redeemed_rp"].as_str(),
            line["returned_rp"].as_str()
        ),
        (
            Some(issued.to_string().as_str()),
            Some((sold - reversed).to_string().as_str()),
            Some(returned.to_string().as_str())
        )
    );
    assert_eq!(
        line["remaining_rp"],
        (100_000_000 - issued + returned).to_string()
    );
    // Merchants and the roll-up.
    let m = &r["merchants"];
    assert_eq!(m[0]["merchant_id"].as_i64(), Some(a.0));
    assert_eq!(m[0]["count"], 6);
    // The reversal after settlement is in shop A's month …
    assert_eq!(
        (
            m[0]["reversal_count"].as_i64(),
            m[0]["reversals_rp"].as_str(),
            m[0]["net_rp"].as_str()
        ),
        (
            Some(1),
            Some("40000"),
            Some(
                (40_000 + 30_000 + 20_000 + 25_000 + 10_000 + v[7].2 - reversed)
                    .to_string()
                    .as_str()
            )
        )
    );
    assert_eq!(m[2]["outside_count"], 1);
    let roll = r["rollup"].as_array().unwrap();
    assert_eq!(
        (roll[0]["code"].as_str(), roll[0]["level"].as_i64()),
        (Some("35.14"), Some(2))
    );
    assert_eq!(roll[0]["redeemed_rp"], (sold - reversed).to_string());
    assert_eq!(roll[0]["households_served"], 10);
    assert_eq!(roll[2]["code"], SIBON);
    // … and the next settlement's negative line for the shop, the only entry left to claim.
    let next: Value = crate::settlement::settle(&app, &finance, PERIOD)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(next["lines"].as_array().unwrap().len(), 1, "{next:#}");
    let line = crate::settlement::line(&next, a);
    assert_eq!(
        (
            line["count"].as_i64(),
            line["reversal_count"].as_i64(),
            line["reversals"].as_str(),
            line["net"].as_str()
        ),
        (Some(0), Some(1), Some("40000"), Some("-40000"))
    );
    assert_eq!(next["total"], "-40000");
    let reversals = raw
        .scalar("select count(*) from settlement_entries e join redemptions r on r.id = e.redemption_id where r.kind = 'reversal'")
        .await;
    let last = raw
        .scalar("select max(redemption_id) from settlement_entries")
        .await;
    assert_eq!((reversals, last), (1, late));
    assert_pdf_reads(
        &app,
        &finance,
        &run,
        &[
            "BERITA ACARA",
            "household_moved",
            "burst",
            "Inspektorat",
            "35.14.05",
        ],
    )
    .await;
    // A second run returns nothing twice: the line's committed amount fell once.
    let again = reconcile(&app, &finance).await;
    assert_eq!(again["version"], 2);
    assert_eq!(again["report"]["returns"], r["returns"]);
    assert_eq!(again["report"]["eligibility"], r["eligibility"]);
    let committed = raw.scalar("select committed_rp from budget_lines").await;
    assert_eq!(committed, issued - returned);
}
story!(every_planted_fault_is_reported_once_with_its_figures);

/// The evidence rows of a finding: `(redemption_id, amount)` in journal order.
fn evidence(finding: &Value) -> Vec<(i64, i64)> {
    finding["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            let amount = e["amount_rp"].as_str().unwrap().parse().unwrap();
            (e["redemption_id"].as_i64().unwrap(), amount)
        })
        .collect()
}

async fn a_dominated_desa_a_full_value_cluster_and_a_high_reversal_rate_carry_their_rows() {
    let app = spawn_app().await;
    let v = month(&app, 6, &[], "").await;
    let programme = app.store.resolve_programme(None).await.unwrap();
    // Low thresholds: a desa of six used vouchers, a cluster of two, half the sales reversed.
    let t = Thresholds {
        closing_hour: 23,
        burst_sales: 100,
        desa_share_pct: 60,
        desa_min_vouchers: 4,
        full_value_sales: 2,
        reversal_rate_pct: 50,
        reversal_min_sales: 4,
        ..Thresholds::default()
    };
    app.store
        .set_recon_settings(programme.id, &t, None, "test")
        .await
        .unwrap();
    let a = shop(&app, "Toko Adil").await;
    let b = shop(&app, "Toko Penuh").await;
    // Shop A serves four of Sibon's six used vouchers (66 %) and reverses two of its sales.
    let mut sold_a = Vec::new();
    for (i, voucher) in v.iter().enumerate().take(5).skip(1) {
        let amount = 10_000 * i as i64;
        let at = wib(&format!("0{} 10:00:00", i + 1));
        sold_a.push((sell(&app, a, &voucher.1, amount, at).await, amount));
    }
    let mut reversed = Vec::new();
    for (k, &(sale, amount)) in sold_a.iter().take(2).enumerate() {
        let at = wib(&format!("0{} 10:05:00", k + 2));
        reversed.push((crate::settlement::reverse(&app, a, sale, at).await, amount));
    }
    // Shop B sells two vouchers whole: a cluster of full-value sales.
    let mut full = Vec::new();
    for (i, voucher) in v.iter().enumerate().skip(5) {
        let at = wib(&format!("1{i} 10:00:00"));
        full.push((sell(&app, b, &voucher.1, voucher.2, at).await, voucher.2));
    }
    let finance = app.token(Role::Finance).await;
    let run = reconcile(&app, &finance).await;
    let an = &run["report"]["anomalies"];
    assert_eq!(an.as_array().unwrap().len(), 3, "{an:#}");
    let one = |rule: &str| {
        let found = rules(an, rule);
        assert_eq!(found.len(), 1, "{rule}: {an:#}");
        found[0].clone()
    };
    let d = one("desa_dominated");
    assert_eq!(
        (&d["merchant_id"], &d["kode_desa"], &d["count"], &d["of"]),
        (&json!(a.0), &json!(SIBON), &json!(4), &json!(6))
    );
    assert_eq!(d["amount_rp"], "100000", "the shop's sales in the desa");
    assert_eq!(evidence(&d), sold_a);
    let c = one("full_value_cluster");
    assert_eq!(
        (&c["merchant_id"], &c["count"], &c["of"]),
        (&json!(b.0), &json!(2), &json!(2))
    );
    assert_eq!(c["amount_rp"], (v[5].2 + v[6].2).to_string());
    assert_eq!(evidence(&c), full);
    let r = one("high_reversal_rate");
    assert_eq!(
        (&r["merchant_id"], &r["count"], &r["of"], &r["amount_rp"]),
        (&json!(a.0), &json!(2), &json!(4), &json!("30000"))
    );
    assert_eq!(evidence(&r), reversed, "the reversals themselves");
    assert_eq!(run["report"]["exceptions"], 3, "{:#}", run["report"]);
}
story!(a_dominated_desa_a_full_value_cluster_and_a_high_reversal_rate_carry_their_rows);

async fn reconcile_programme(app: &TestApp, finance: &str, programme: u16) -> Value {
    let body = json!({ "period": PERIOD, "programme": programme });
    let res = app.post("/v1/reconciliations", finance, &body).await;
    assert_eq!(res.status(), 201, "{}", res.text().await.unwrap());
    res.json().await.unwrap()
}

/// Programme 2, desil 1 only, issuing for October too: a budget line, its cycle, its vouchers.
async fn second_programme_issues_october(app: &TestApp) {
    let only_desil_1 = relasi::domain::programme::ProgrammeSettings {
        max_desil: 1,
        ..Default::default()
    };
    app.store
        .create_programme(2, "Program Dua", 2026, &only_desil_1, "test")
        .await
        .unwrap();
    let budget = json!({ "year": 2026, "sumber_dana": "CSR", "kode_wilayah": "35.14", "amount": "100000000", "programme": 2 });
    let res = app.post("/v1/budgets", &app.admin, &budget).await;
    assert_eq!(res.status(), 201, "{}", res.text().await.unwrap());
    let cycle = json!({ "period": PERIOD, "programme": 2 });
    let res = app.post("/v1/cycles", &app.admin, &cycle).await;
    assert_eq!(res.status(), 201, "{}", res.text().await.unwrap());
    let res = app
        .post(
            &format!("/v1/cycles/{PERIOD}/issue"),
            &app.admin,
            &json!({ "programme": 2 }),
        )
        .await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
}

async fn a_merged_household_two_vouchers_for_one_kk_and_an_over_committed_line_are_reported_once() {
    let app = spawn_app().await;
    let v = month(&app, 3, &[], "").await;
    let programme = app.store.resolve_programme(None).await.unwrap();
    app.store
        .set_recon_settings(programme.id, &quiet_thresholds(), None, "test")
        .await
        .unwrap();
    // From 5 October household 2 is merged into another KK, and households 2 and 3 are desil 3.
    let csv = households(3, &[], &[(2, "gabung")])
        .replace(
            &format!("Kepala 2,{SIBON},1,"),
            &format!("Kepala 2,{SIBON},3,"),
        )
        .replace(
            &format!("Kepala 3,{SIBON},1,"),
            &format!("Kepala 3,{SIBON},3,"),
        );
    import_at(&app, csv, "2026-10-05").await;
    // Programme 2 gives October vouchers to desil 1 only: household 1 holds two for the month.
    second_programme_issues_october(&app).await;
    let a = shop(&app, "Toko Adil").await;
    sell(&app, a, &v[1].1, 40_000, wib("03 10:00:00")).await;
    let merged = sell(&app, a, &v[2].1, 30_000, wib("12 10:00:00")).await;
    let finance = app.token(Role::Finance).await;
    let first = reconcile_programme(&app, &finance, 1).await;
    assert_eq!(first["report"]["exceptions"], 2, "{:#}", first["report"]);
    let e = &first["report"]["eligibility"];
    let one = |rule: &str| {
        let found = rules(e, rule);
        assert_eq!(found.len(), 1, "{rule}: {e:#}");
        found[0].clone()
    };
    let f = one("household_merged");
    assert_eq!(
        (&f["redemption_id"], &f["amount_rp"], &f["day"], &f["no_kk"]),
        (
            &json!(merged),
            &json!("30000"),
            &json!("2026-10-12"),
            &json!([kk(2)])
        )
    );
    let f = one("two_vouchers_one_kk");
    assert_eq!(
        (&f["no_kk"], &f["day"], &f["amount_rp"]),
        (&json!([kk(1)]), &json!("2026-10-01"), &json!("0"))
    );
    let ids = f["voucher_ids"].as_array().unwrap();
    assert_eq!(ids.len(), 2, "{f:#}");
    assert!(ids.contains(&json!(v[1].0)) && f["redemption_id"].is_null());
    // The line's ceiling is cut in the database below what it has committed (the stored
    // commitment cut with it, as the schema's check asks): the run, which counts the line's
    // commitments from its vouchers, reports it over-committed.
    let raw = app.db.raw().await;
    raw.execute_owned(
        "update budget_lines set amount_rp = 50000, committed_rp = 50000 where programme_id = 1"
            .to_owned(),
    )
    .await
    .unwrap();
    let run = reconcile_programme(&app, &finance, 1).await;
    let r = &run["report"];
    assert_eq!(
        (r["exceptions"].as_i64(), r["balanced"].as_bool()),
        (Some(3), Some(false)),
        "{r:#}"
    );
    assert_eq!(r["eligibility"], first["report"]["eligibility"]);
    let lines = r["budget"].as_array().unwrap();
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert_eq!(
        (
            lines[0]["ceiling_rp"].as_str(),
            lines[0]["line_committed_rp"].as_str(),
            lines[0]["remaining_rp"].as_str()
        ),
        (Some("50000"), Some("70000"), Some("-20000")),
        "the line holds the two sales' 70,000 once every unspent balance went back"
    );
    assert!(r["anomalies"].as_array().unwrap().is_empty(), "{r:#}");
}
story!(a_merged_household_two_vouchers_for_one_kk_and_an_over_committed_line_are_reported_once);

async fn a_clean_month_balances() {
    let app = spawn_app().await;
    let v = month(&app, 4, &[], "").await;
    let a = shop(&app, "Toko Adil").await;
    for (i, day) in ["02", "09", "16"].iter().enumerate() {
        sell(
            &app,
            a,
            &v[i + 1].1,
            30_000,
            wib(&format!("{day} 09:30:00")),
        )
        .await;
    }
    let finance = app.token(Role::Finance).await;
    let run = reconcile(&app, &finance).await;
    let r = &run["report"];
    assert_eq!(
        (r["balanced"].as_bool(), r["exceptions"].as_i64()),
        (Some(true), Some(0)),
        "{r:#}"
    );
    assert_eq!(run["balanced"], true);
    assert_eq!(r["merchants"][0]["net_rp"], "90000");
    assert_eq!(r["daily"].as_array().unwrap().len(), 3);
    // Auditors read it; shops and kader may not run or read it.
    let auditor = app.token(Role::Auditor).await;
    let list: Value = app
        .get(&format!("/v1/reconciliations?period={PERIOD}"), &auditor)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list["runs"].as_array().unwrap().len(), 1);
    let shop_token = app.merchant_token(a).await;
    assert_problem(
        app.post(
            "/v1/reconciliations",
            &shop_token,
            &json!({ "period": PERIOD }),
        )
        .await,
        403,
        "forbidden",
    )
    .await;
    assert_problem(
        app.post(
            "/v1/reconciliations",
            &auditor,
            &json!({ "period": PERIOD }),
        )
        .await,
        403,
        "forbidden",
    )
    .await;
    assert_problem(
        app.post(
            "/v1/reconciliations",
            &finance,
            &json!({ "period": "2026-13" }),
        )
        .await,
        422,
        "validation_failed",
    )
    .await;
    assert_problem(
        app.post(
            "/v1/reconciliations",
            &finance,
            &json!({ "period": "2025-01" }),
        )
        .await,
        404,
        "cycle_not_found",
    )
    .await;
}
story!(a_clean_month_balances);

/// Records that these cards reached their families on 1 October (the admin, as a kader would).
async fn hand_over(app: &TestApp, cards: &[&str]) {
    let body = json!({ "cards": cards, "on": "2026-10-01" });
    let res = app
        .post(&format!("/v1/cycles/{PERIOD}/handovers"), &app.admin, &body)
        .await;
    assert_eq!(res.status(), 201, "{}", res.text().await.unwrap());
}

async fn a_card_spent_but_never_handed_over_is_reported_once() {
    let app = spawn_app().await;
    let v = month(&app, 4, &[], "").await;
    let a = shop(&app, "Toko Adil").await;
    let finance = app.token(Role::Finance).await;
    // Sibon records its hand-overs: cards 1 and 2 reached their families; 3 and 4 did not.
    hand_over(&app, &[&v[1].0, &v[2].0]).await;
    sell(&app, a, &v[1].1, 30_000, wib("02 09:30:00")).await;
    sell(&app, a, &v[2].1, 20_000, wib("03 09:30:00")).await;
    let clean = reconcile(&app, &finance).await;
    assert_eq!(clean["report"]["exceptions"], 0, "{:#}", clean["report"]);
    let planted = sell(&app, a, &v[3].1, 40_000, wib("05 10:00:00")).await;
    let run = reconcile(&app, &finance).await;
    let r = &run["report"];
    let found = rules(&r["anomalies"], "not_handed_over");
    assert_eq!(found.len(), 1, "{r:#}");
    let f = found[0];
    assert_eq!(
        (
            &f["merchant_id"],
            &f["kode_desa"],
            &f["count"],
            &f["amount_rp"]
        ),
        (&json!(a.0), &json!(SIBON), &json!(1), &json!("40000"))
    );
    assert_eq!(f["evidence"][0]["redemption_id"], planted);
    assert_eq!(f["evidence"][0]["voucher_id"], v[3].0.as_str());
    assert_eq!(
        (r["exceptions"].as_i64(), r["balanced"].as_bool()),
        (Some(1), Some(false))
    );
    // Once the card is recorded as handed over, the month balances again.
    hand_over(&app, &[&v[3].0]).await;
    let again = reconcile(&app, &finance).await;
    assert_eq!(again["report"]["exceptions"], 0, "{:#}", again["report"]);
}
story!(a_card_spent_but_never_handed_over_is_reported_once);

async fn read_run(app: &TestApp, finance: &str, id: i64) -> Value {
    let res = app.get(&format!("/v1/reconciliations/{id}"), finance).await;
    assert_eq!(res.status(), 200);
    res.json().await.unwrap()
}

async fn a_rerun_never_changes_an_earlier_version() {
    let app = spawn_app().await;
    let v = month(&app, 3, &[], "").await;
    let a = shop(&app, "Toko Adil").await;
    sell(&app, a, &v[1].1, 30_000, wib("02 09:30:00")).await;
    let finance = app.token(Role::Finance).await;
    let first = reconcile(&app, &finance).await;
    let id = first["id"].as_i64().unwrap();
    let before = read_run(&app, &finance, id).await;
    assert_eq!(before["content_sha256"], first["content_sha256"]);
    // More happens in the month (a late sale recorded for the 30th), and the month is run again.
    sell(&app, a, &v[2].1, 10_000, wib("30 09:30:00")).await;
    let second = reconcile(&app, &finance).await;
    assert_eq!(
        (second["version"].as_i64(), first["version"].as_i64()),
        (Some(2), Some(1))
    );
    assert_ne!(second["content_sha256"], first["content_sha256"]);
    assert!(second["last_entry_id"].as_i64() > first["last_entry_id"].as_i64());
    assert_eq!(
        read_run(&app, &finance, id).await,
        before,
        "version 1 is as it was"
    );
    // Nobody can rewrite it, whoever connects.
    let raw = app.db.raw().await;
    for sql in [
        format!("update reconciliation_runs set content = 'x' where id = {id}"),
        format!("delete from reconciliation_runs where id = {id}"),
        "delete from budget_returns".to_owned(),
    ] {
        assert!(
            raw.execute_owned(sql.clone()).await.is_err(),
            "accepted: {sql}"
        );
    }
    assert_eq!(read_run(&app, &finance, id).await, before);
}
story!(a_rerun_never_changes_an_earlier_version);

/// The report as `GET /v1/reconciliations/{id}.json` serves it, and the published keys, saved
/// as an auditor would, in `dir`.
async fn save_report_and_keys(app: &TestApp, reader: &str, id: i64, dir: &std::path::Path) {
    let res = app
        .get(&format!("/v1/reconciliations/{id}.json"), reader)
        .await;
    assert_eq!(res.status(), 200);
    std::fs::write(dir.join("laporan.json"), res.bytes().await.unwrap()).unwrap();
    let keys = app.http.get(app.url("/v1/keys")).send().await.unwrap();
    std::fs::write(dir.join("keys.json"), keys.bytes().await.unwrap()).unwrap();
}

fn verify_report(dir: &std::path::Path, run: &Value) -> std::process::Output {
    std::process::Command::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/scripts/verify-report"
    ))
    .arg(dir.join("laporan.json"))
    .arg(run["content_sha256"].as_str().unwrap())
    .arg(run["kid"].as_str().unwrap())
    .arg(run["signature"].as_str().unwrap())
    .arg(dir.join("keys.json"))
    .output()
    .unwrap()
}

async fn the_signed_digest_verifies_with_the_published_key_and_nothing_else() {
    let app = spawn_app().await;
    let v = month(&app, 3, &[], "").await;
    let a = shop(&app, "Toko Adil").await;
    sell(&app, a, &v[1].1, 30_000, wib("02 09:30:00")).await;
    let finance = app.token(Role::Finance).await;
    let run = reconcile(&app, &finance).await;
    let auditor = app.token(Role::Auditor).await;
    let dir = tempfile::tempdir().unwrap();
    save_report_and_keys(&app, &auditor, run["id"].as_i64().unwrap(), dir.path()).await;
    // The documented check (docs/reconciliation.md) passes with sha256sum and openssl alone.
    let ok = verify_report(dir.path(), &run);
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    // One rupiah changed in the file: the digest no longer matches.
    let text = std::fs::read_to_string(dir.path().join("laporan.json")).unwrap();
    let edited = text.replacen("\"30000\"", "\"30001\"", 1);
    assert_ne!(edited, text);
    std::fs::write(dir.path().join("laporan.json"), &edited).unwrap();
    assert!(!verify_report(dir.path(), &run).status.success());
    // A digest recomputed over the edit is not what the key signed.
    let mut forged = run.clone();
    forged["content_sha256"] = json!(relasi::domain::reconcile::content_sha256(edited.as_bytes()));
    let out = verify_report(dir.path(), &forged);
    assert!(!out.status.success(), "a forged digest verified");
    // The CLI writes the same canonical bytes and prints the digest it stored.
    let json_path = dir.path().join("cli.json");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_relasi"))
        .env("RUST_LOG", "warn")
        .env("DATABASE_URL", &app.db.url)
        .env("RELASI_KEY_DIR", app.keys_path())
        .args(["reconcile", PERIOD, "-o"])
        .arg(&json_path)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("versi 2"), "{stdout}");
    let sha = relasi::domain::reconcile::content_sha256(&std::fs::read(&json_path).unwrap());
    assert!(stdout.contains(&format!("sha256 {sha}")), "{stdout}");
    let csv_path = dir.path().join("cli.csv");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_relasi"))
        .env("RUST_LOG", "warn")
        .env("DATABASE_URL", &app.db.url)
        .env("RELASI_KEY_DIR", app.keys_path())
        .args(["reconcile", PERIOD, "-o"])
        .arg(&csv_path)
        .output()
        .unwrap();
    assert!(out.status.success());
    let csv = std::fs::read_to_string(&csv_path).unwrap();
    assert!(csv.starts_with("bagian,kode,uraian"), "{csv}");
    assert!(csv.contains("toko,"), "{csv}");
}
story!(the_signed_digest_verifies_with_the_published_key_and_nothing_else);

async fn a_closed_month_reconciles_by_itself_once() {
    let app = spawn_app().await;
    let v = month(&app, 2, &[], "").await;
    let a = shop(&app, "Toko Adil").await;
    sell(&app, a, &v[1].1, 30_000, wib("02 09:30:00")).await;
    // Set from the CLI: the 1st of the next month at 01:00 local time.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_relasi"))
        .env("RUST_LOG", "warn")
        .env("DATABASE_URL", &app.db.url)
        .args([
            "reconcile-settings",
            "--auto-day",
            "1",
            "--auto-hour",
            "1",
            "--burst-sales",
            "12",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let shown: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        (
            shown["auto_day"].as_i64(),
            shown["thresholds"]["burst_sales"].as_i64()
        ),
        (Some(1), Some(12))
    );
    let deployment = relasi_token::DeploymentId::parse("test-35.14").unwrap();
    let at = |t: &str| chrono::DateTime::parse_from_rfc3339(t).unwrap().to_utc();
    let auto = |now| relasi::jobs::reconcile::auto_run(&app.store, &deployment, None, now);
    // 00:59 WIB on 1 November: October is not due yet.
    assert!(
        auto(at("2026-11-01T00:59:00+07:00"))
            .await
            .unwrap()
            .is_empty()
    );
    let made = auto(at("2026-11-01T01:00:00+07:00")).await.unwrap();
    assert_eq!(made.len(), 1);
    assert_eq!(
        (
            made[0].period.as_str(),
            made[0].version,
            made[0].created_by.as_str()
        ),
        ("2026-10", 1, "auto")
    );
    // A minute later, and a day later: the month has its run; nothing more.
    assert!(
        auto(at("2026-11-01T01:01:00+07:00"))
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        auto(at("2026-11-02T09:00:00+07:00"))
            .await
            .unwrap()
            .is_empty()
    );
    let finance = app.token(Role::Finance).await;
    let list: Value = app
        .get("/v1/reconciliations", &finance)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list["runs"][0]["created_by"], "auto");
}
story!(a_closed_month_reconciles_by_itself_once);

/// Rasterises a run's PDF with `pdftoppm` (every page, not blank) and reads its text with
/// `pdftotext`: the words given, and the SHA-256 on it.
pub(crate) async fn assert_pdf_reads(app: &TestApp, reader: &str, run: &Value, words: &[&str]) {
    let res = app
        .get(&format!("/v1/reconciliations/{}.pdf", run["id"]), reader)
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "application/pdf");
    let dir = tempfile::tempdir().unwrap();
    let pdf = dir.path().join("laporan.pdf");
    std::fs::write(&pdf, res.bytes().await.unwrap()).unwrap();
    let text = pdf_text(&pdf, dir.path());
    for w in words
        .iter()
        .copied()
        .chain([run["content_sha256"].as_str().unwrap()])
    {
        assert!(text.contains(w), "{w} not in the PDF:\n{text}");
    }
}

/// The PDF's text, after checking that `pdftoppm` renders every page with ink on it.
pub(crate) fn pdf_text(pdf: &std::path::Path, dir: &std::path::Path) -> String {
    let out = std::process::Command::new("pdftoppm")
        .args(["-r", "40", "-png"])
        .arg(pdf)
        .arg(dir.join("hal"))
        .output()
        .expect("pdftoppm (poppler-utils) is installed");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut pages = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "png") {
            pages += 1;
            let img = image::open(&path).unwrap().to_luma8();
            let ink = img.pixels().filter(|p| p.0[0] < 128).count();
            assert!(ink > 200, "page {} is blank", path.display());
        }
    }
    assert!(pages >= 1);
    let out = std::process::Command::new("pdftotext")
        .arg(pdf)
        .arg("-")
        .output()
        .unwrap();
    assert!(out.status.success());
    String::from_utf8_lossy(&out.stdout).into_owned()
}
