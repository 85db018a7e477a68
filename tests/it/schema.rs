//! The schema itself holds the ledger's invariants, whatever code talks to it.

use crate::helpers::{RawDb, spawn_app};

async fn voucher_fixture(raw: &RawDb) {
    for sql in [
        "insert into households (no_kk, nik_kepala, nama_kepala, kode_desa, desil, krs, status, updated_at_us) \
         values ('3514051111110001', '3514051111110002', 'Uji', '35.14.05.2005', 2, true, 'aktif', 0)",
        "insert into cycles (programme_id, period, valid_from_unix, valid_until_unix, opened_at_us) values (1, '2026-12', 1, 2, 0)",
        "insert into budget_lines (programme_id, year, sumber_dana, kode_wilayah, amount_rp, committed_rp, created_at_us) \
         values (1, 2026, 'APBD', '35.14', 1000000, 300000, 0)",
        "insert into merchants (name, kode_desa, status, created_at_us) values ('Toko', '35.14.05.2005', 'active', 0)",
        "insert into vouchers (id, programme_id, cycle_id, no_kk, kode_desa, budget_line_id, kid, face_value_rp, spent_rp, \
         status, valid_from_unix, valid_until_unix, token, issued_at_us) values ('00000000000000000000000000000001', 1, 1, \
         '3514051111110001', '35.14.05.2005', 1, 'abcd0123', 300000, 0, 'active', 1, 2, 'RLS1:A', 0)",
        // Raw rows carry chain columns of the right shape (the chain itself is the store's job;
        // `audit verify` would flag these made-up hashes).
        "insert into redemptions (voucher_id, merchant_id, kind, amount_rp, idempotency_key, request_sha256, created_at_us, \
         voucher_seq, prev_hash, entry_hash) values ('00000000000000000000000000000001', 1, 'debit', 10000, 'k1', 'h', 0, \
         1, '0000000000000000000000000000000000000000000000000000000000000000', \
         '1111111111111111111111111111111111111111111111111111111111111111')",
        "insert into redemptions (voucher_id, merchant_id, kind, amount_rp, reverses_id, created_at_us, \
         voucher_seq, prev_hash, entry_hash) values ('00000000000000000000000000000001', 1, 'reversal', 10000, 1, 0, \
         2, '1111111111111111111111111111111111111111111111111111111111111111', \
         '2222222222222222222222222222222222222222222222222222222222222222')",
    ] {
        raw.execute(sql)
            .await
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
    }
}

async fn balances_and_budgets_cannot_go_negative_or_over() {
    let app = spawn_app().await;
    let raw = app.db.raw().await;
    voucher_fixture(&raw).await;
    for sql in [
        "update vouchers set spent_rp = face_value_rp + 1",
        "update vouchers set spent_rp = -1",
        "update vouchers set face_value_rp = 0",
        "update vouchers set status = 'revoked'",
        "update budget_lines set committed_rp = amount_rp + 1",
        "update budget_lines set amount_rp = -1",
    ] {
        assert!(raw.execute(sql).await.is_err(), "accepted: {sql}");
    }
    assert_eq!(raw.scalar("select spent_rp from vouchers").await, 0);
    assert_eq!(
        raw.scalar("select committed_rp from budget_lines").await,
        300_000
    );
}
story!(balances_and_budgets_cannot_go_negative_or_over);

async fn one_voucher_per_household_per_cycle() {
    let app = spawn_app().await;
    let raw = app.db.raw().await;
    voucher_fixture(&raw).await;
    let second = "insert into vouchers (id, programme_id, cycle_id, no_kk, kode_desa, budget_line_id, kid, face_value_rp, \
        status, valid_from_unix, valid_until_unix, token, issued_at_us) values ('00000000000000000000000000000002', 1, 1, \
        '3514051111110001', '35.14.05.2005', 1, 'abcd0123', 300000, 'active', 1, 2, 'RLS1:B', 0)";
    assert!(raw.execute(second).await.is_err());
    // A replacement card is the one exception, and only once.
    let replacement = "insert into vouchers (id, programme_id, cycle_id, no_kk, kode_desa, budget_line_id, kid, face_value_rp, \
        status, valid_from_unix, valid_until_unix, token, issued_at_us, replaces) values ('00000000000000000000000000000003', 1, 1, \
        '3514051111110001', '35.14.05.2005', 1, 'abcd0123', 300000, 'active', 1, 2, 'RLS1:C', 0, '00000000000000000000000000000001')";
    raw.execute(replacement).await.unwrap();
    let twice = "insert into vouchers (id, programme_id, cycle_id, no_kk, kode_desa, budget_line_id, kid, face_value_rp, \
        status, valid_from_unix, valid_until_unix, token, issued_at_us, replaces) values ('00000000000000000000000000000004', 1, 1, \
        '3514051111110001', '35.14.05.2005', 1, 'abcd0123', 300000, 'active', 1, 2, 'RLS1:D', 0, '00000000000000000000000000000001')";
    assert!(raw.execute(twice).await.is_err());
}
story!(one_voucher_per_household_per_cycle);

async fn the_journal_is_append_only_and_well_formed() {
    let app = spawn_app().await;
    let raw = app.db.raw().await;
    voucher_fixture(&raw).await;
    for sql in [
        "update redemptions set amount_rp = 1",
        "delete from redemptions",
        // a second reversal of the same debit
        "insert into redemptions (voucher_id, merchant_id, kind, amount_rp, reverses_id, created_at_us) \
         values ('00000000000000000000000000000001', 1, 'reversal', 10000, 1, 0)",
        // a debit without an idempotency key
        "insert into redemptions (voucher_id, merchant_id, kind, amount_rp, created_at_us) \
         values ('00000000000000000000000000000001', 1, 'debit', 10000, 0)",
        // the same idempotency key twice for one shop
        "insert into redemptions (voucher_id, merchant_id, kind, amount_rp, idempotency_key, request_sha256, created_at_us) \
         values ('00000000000000000000000000000001', 1, 'debit', 10000, 'k1', 'h', 0)",
        // zero and negative amounts
        "insert into redemptions (voucher_id, merchant_id, kind, amount_rp, idempotency_key, request_sha256, created_at_us) \
         values ('00000000000000000000000000000001', 1, 'debit', 0, 'k2', 'h', 0)",
        // an unknown voucher
        "insert into redemptions (voucher_id, merchant_id, kind, amount_rp, idempotency_key, request_sha256, created_at_us) \
         values ('ffffffffffffffffffffffffffffffff', 1, 'debit', 5, 'k3', 'h', 0)",
    ] {
        assert!(raw.execute(sql).await.is_err(), "accepted: {sql}");
    }
    assert_eq!(raw.scalar("select count(*) from redemptions").await, 2);
}
story!(the_journal_is_append_only_and_well_formed);

async fn merchant_tokens_are_bound_to_a_shop_and_only_they() {
    let app = spawn_app().await;
    let raw = app.db.raw().await;
    assert!(raw
        .execute("insert into api_tokens (token_sha256, role, created_at_us) values ('0000000000000000000000000000000000000000000000000000000000000000', 'merchant', 0)")
        .await
        .is_err());
    assert!(raw
        .execute("insert into api_tokens (token_sha256, role, created_at_us) values ('0000000000000000000000000000000000000000000000000000000000000001', 'root', 0)")
        .await
        .is_err());
}
story!(merchant_tokens_are_bound_to_a_shop_and_only_they);

/// A voucher row of the fixture's cycle with the given id, household, cycle, budget line and
/// replaced voucher.
fn voucher_insert(id: &str, kk: &str, cycle: i64, line: i64, replaces: &str) -> String {
    format!(
        "insert into vouchers (id, programme_id, cycle_id, no_kk, kode_desa, budget_line_id, kid, face_value_rp, \
         status, valid_from_unix, valid_until_unix, token, issued_at_us, replaces) values ('{id}', 1, {cycle}, \
         '{kk}', '35.14.05.2005', {line}, 'abcd0123', 1000, 'active', 1, 2, 'RLS1:{id}', 0, {replaces})"
    )
}

async fn a_voucher_points_only_at_rows_that_exist() {
    let app = spawn_app().await;
    let raw = app.db.raw().await;
    voucher_fixture(&raw).await;
    raw.execute(
        "insert into households (no_kk, nik_kepala, nama_kepala, kode_desa, desil, krs, status, updated_at_us) \
         values ('3514051111110003', '3514051111110004', 'Dua', '35.14.05.2005', 2, true, 'aktif', 0)",
    )
    .await
    .unwrap();
    let known = "3514051111110003";
    let id = |n: u32| format!("{n:032x}");
    for (what, sql) in [
        (
            "unknown household",
            voucher_insert(&id(10), "3514059999999999", 1, 1, "null"),
        ),
        (
            "unknown cycle",
            voucher_insert(&id(11), known, 99, 1, "null"),
        ),
        (
            "unknown budget line",
            voucher_insert(&id(12), known, 1, 99, "null"),
        ),
        (
            "unknown replaced voucher",
            voucher_insert(&id(13), known, 1, 1, &format!("'{}'", id(999))),
        ),
    ] {
        let refused = raw.execute_owned(sql).await;
        assert!(refused.is_err(), "accepted a voucher with an {what}");
    }
    // One bad row in a statement of several refuses the whole statement.
    let good = voucher_insert(&id(20), known, 1, 1, "null");
    let bad = voucher_insert(&id(21), "3514059999999999", 1, 1, "null");
    let (_, bad_values) = bad.split_once(" values ").unwrap();
    assert!(
        raw.execute_owned(format!("{good}, {bad_values}"))
            .await
            .is_err()
    );
    assert_eq!(raw.scalar("select count(*) from vouchers").await, 1);
    if app.db.backend == relasi::store::Backend::Postgres {
        // A session's temporary table of the same name does not stand in for the registry.
        let shadowed = raw
            .postgres_script(
                "create temp table households (no_kk text); \
                 insert into households values ('3514059999999999'); \
                 insert into vouchers (id, programme_id, cycle_id, no_kk, kode_desa, budget_line_id, kid, \
                 face_value_rp, status, valid_from_unix, valid_until_unix, token, issued_at_us) values \
                 ('000000000000000000000000000000ff', 1, 1, '3514059999999999', '35.14.05.2005', 1, \
                 'abcd0123', 1000, 'active', 1, 2, 'RLS1:T', 0)",
            )
            .await;
        assert!(
            shadowed.is_err(),
            "a temporary households table was trusted"
        );
        assert_eq!(raw.scalar("select count(*) from vouchers").await, 1);
    }
    // The same row with every reference known is accepted.
    raw.execute_owned(good).await.unwrap();
    assert_eq!(raw.scalar("select count(*) from vouchers").await, 2);
}
story!(a_voucher_points_only_at_rows_that_exist);

async fn a_budget_return_points_only_at_a_voucher_and_its_own_line() {
    let app = spawn_app().await;
    let raw = app.db.raw().await;
    voucher_fixture(&raw).await;
    raw.execute(
        "insert into budget_lines (programme_id, year, sumber_dana, kode_wilayah, amount_rp, committed_rp, created_at_us) \
         values (1, 2026, 'CSR', '35.14', 1000000, 0, 0)",
    )
    .await
    .unwrap();
    let voucher = "00000000000000000000000000000001";
    let insert = |voucher: &str, line: i64| {
        format!(
            "insert into budget_returns (voucher_id, budget_line_id, amount_rp, period, recorded_at_us) \
             values ('{voucher}', {line}, 1000, '2026-12', 0)"
        )
    };
    for (what, sql) in [
        ("an unknown voucher", insert(&format!("{:032x}", 999), 1)),
        ("an unknown budget line", insert(voucher, 99)),
        ("another line than the voucher's", insert(voucher, 2)),
    ] {
        assert!(
            raw.execute_owned(sql).await.is_err(),
            "accepted a return naming {what}"
        );
    }
    assert_eq!(raw.scalar("select count(*) from budget_returns").await, 0);
    raw.execute_owned(insert(voucher, 1)).await.unwrap();
    assert_eq!(raw.scalar("select count(*) from budget_returns").await, 1);
}
story!(a_budget_return_points_only_at_a_voucher_and_its_own_line);

async fn what_a_voucher_points_at_is_never_deleted_or_rekeyed() {
    let app = spawn_app().await;
    let raw = app.db.raw().await;
    voucher_fixture(&raw).await;
    for sql in [
        "delete from households",
        "delete from cycles",
        "delete from budget_lines",
        "delete from vouchers",
        "update households set no_kk = '3514051111110009'",
        "update cycles set id = 7",
        "update budget_lines set id = 7",
        "update vouchers set no_kk = '3514051111110009'",
        "update vouchers set cycle_id = 7",
        "update vouchers set budget_line_id = 7",
        "update vouchers set face_value_rp = 200000",
        "update vouchers set token = 'RLS1:X'",
    ] {
        assert!(raw.execute(sql).await.is_err(), "accepted: {sql}");
    }
    if app.db.backend == relasi::store::Backend::Postgres {
        for sql in [
            "truncate households cascade",
            "truncate vouchers cascade",
            "truncate audit_log",
            "truncate redemptions cascade",
        ] {
            assert!(raw.execute(sql).await.is_err(), "accepted: {sql}");
        }
    }
    assert_eq!(raw.scalar("select count(*) from vouchers").await, 1);
    assert_eq!(raw.scalar("select count(*) from households").await, 1);
    assert_eq!(raw.scalar("select count(*) from redemptions").await, 2);
    // What may change still does.
    raw.execute("update households set nama_kepala = 'Baru', status = 'pindah'")
        .await
        .unwrap();
    raw.execute("update vouchers set spent_rp = 5")
        .await
        .unwrap();
}
story!(what_a_voucher_points_at_is_never_deleted_or_rekeyed);
