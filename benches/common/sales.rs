//! A programme ready to sell: `vouchers` households of one desa with a large voucher each (so a
//! run measures sales, not empty balances), one shop serving them, its merchant token, and the
//! signing key in a temporary directory. Shared by the redemption harness.

use chrono::{DateTime, NaiveDate};
use relasi::domain::auth::{ApiTokenSecret, Role};
use relasi::domain::budget::SumberDana;
use relasi::domain::household::{Desil, Household, HouseholdStatus};
use relasi::domain::ids::{Kk, Nik, Period};
use relasi::domain::money::Rupiah;
use relasi::domain::programme::{Category, ProgrammeSettings};
use relasi::domain::wilayah::WilayahCode;
use relasi::store::{NewMerchant, Store};
use relasi_token::DeploymentId;

/// What a sales bench needs.
pub struct Seeded {
    /// The vouchers' QR texts.
    pub tokens: Vec<String>,
    /// The shop's merchant token.
    pub shop_token: String,
    /// The signing key's directory (kept as long as this lives).
    pub keys: tempfile::TempDir,
    /// The deployment id.
    pub deployment: DeploymentId,
}

/// Seeds `store` (migrated here) with `vouchers` redeemable vouchers and one shop.
pub async fn seed(store: &Store, vouchers: usize) -> Seeded {
    let deployment = super::prepare(store).await;
    // Large vouchers, so the run measures sales, not empty balances.
    let settings = ProgrammeSettings {
        voucher_base: Rupiah::new(100_000_000).unwrap(),
        voucher_cap: Rupiah::new(100_000_000).unwrap(),
        ..ProgrammeSettings::default()
    };
    let programme = store
        .create_programme(1, "Bench", 2026, &settings, "bench")
        .await
        .unwrap();
    let rows: Vec<Household> = (0..vouchers)
        .map(|i| Household {
            no_kk: Kk::parse(&format!("35140500{i:08}")).unwrap(),
            nik_kepala: Nik::parse(&format!("35140501{i:08}")).unwrap(),
            nama_kepala: format!("Kepala {i}"),
            kode_desa: WilayahCode::parse("35.14.05.2005").unwrap(),
            desil: Desil::new(1).unwrap(),
            krs: true,
            status: HouseholdStatus::Aktif,
        })
        .collect();
    store
        .upsert_households(
            &rows,
            NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
            "bench",
            &|_| {},
        )
        .await
        .unwrap();
    let everywhere = WilayahCode::parse("35.14").unwrap();
    store
        .add_budget_line(
            programme.id,
            2026,
            SumberDana::Apbd,
            &everywhere,
            Rupiah::MAX,
            "bench",
        )
        .await
        .unwrap();
    let period = Period::parse("2026-11").unwrap();
    let (from, until) = (
        DateTime::from_timestamp(1, 0).unwrap(),
        DateTime::from_timestamp(4_000_000_000, 0).unwrap(),
    );
    store
        .open_cycle(programme.id, period, from, until, "bench")
        .await
        .unwrap();
    let keys = tempfile::tempdir().unwrap();
    store
        .add_signing_key(relasi::signing::generate(keys.path()).unwrap(), "bench")
        .await
        .unwrap();
    relasi::jobs::issue::issue_cycle(store, &programme, period, keys.path(), "bench", &|_| {})
        .await
        .unwrap();
    let tokens: Vec<String> = store
        .vouchers(programme.id, period, None, 0, vouchers as i64)
        .await
        .unwrap()
        .into_iter()
        .map(|v| v.token)
        .collect();
    let shop = store
        .create_merchant(
            &NewMerchant {
                name: "Toko Bench".into(),
                kode_desa: WilayahCode::parse("35.14.05.2005").unwrap(),
                service_area: vec![WilayahCode::parse("35.14.05").unwrap()],
                categories: Category::defaults(),
            },
            "bench",
        )
        .await
        .unwrap();
    let secret = ApiTokenSecret::from_random(rand::random());
    store
        .create_api_token(&secret, Role::Merchant, Some(shop.id), "bench", "bench")
        .await
        .unwrap();

    Seeded {
        tokens,
        shop_token: secret.expose().to_owned(),
        keys,
        deployment,
    }
}
