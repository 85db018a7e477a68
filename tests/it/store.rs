//! Store conformance: the same stories against both backends, through the `Store` interface.

use crate::helpers::TestDb;
use chrono::NaiveDate;
use relasi::domain::auth::{ApiTokenSecret, Role};
use relasi::domain::household::{Desil, Household, HouseholdStatus};
use relasi::domain::ids::{Kk, Nik, Period};
use relasi::domain::programme::ProgrammeSettings;
use relasi::domain::wilayah::WilayahCode;
use relasi::store::{Opened, StoreError};
use relasi_token::DeploymentId;

async fn store_with_wilayah() -> (TestDb, relasi::store::Store) {
    let db = crate::helpers::test_db().await;
    let store = db.store().await;
    crate::support::seed_pasuruan(&store).await;
    (db, store)
}

fn household(kk: &str, desa: &str, status: HouseholdStatus) -> Household {
    Household {
        no_kk: Kk::parse(kk).unwrap(),
        nik_kepala: Nik::parse("3514050101800001").unwrap(),
        nama_kepala: "Kepala Uji".into(),
        kode_desa: WilayahCode::parse(desa).unwrap(),
        desil: Desil::new(2).unwrap(),
        krs: true,
        status,
    }
}

async fn migrations_are_idempotent_and_wilayah_loads() {
    let (db, store) = store_with_wilayah().await;
    store.migrate().await.unwrap();
    db.store().await;
    // The built-in national list (every code of Indonesia), loaded once.
    assert_eq!(store.count_wilayah().await.unwrap(), 91_599);
    let sibon = store
        .wilayah(&WilayahCode::parse("35.14.05.2005").unwrap())
        .await
        .unwrap();
    assert_eq!(sibon.name, "Sibon");
}
story!(migrations_are_idempotent_and_wilayah_loads);

async fn deployment_id_is_set_once() {
    let db = crate::helpers::test_db().await;
    let store = db.store().await;
    assert_eq!(store.deployment_id().await.unwrap(), None);
    let first = DeploymentId::parse("pasuruan").unwrap();
    assert_eq!(store.init_deployment(&first).await.unwrap(), first);
    assert_eq!(
        store
            .init_deployment(&DeploymentId::parse("other").unwrap())
            .await
            .unwrap(),
        first
    );
}
story!(deployment_id_is_set_once);

async fn household_changes_are_kept_as_history_and_bad_batches_write_nothing() {
    let (_db, store) = store_with_wilayah().await;
    let jan = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
    let rows = [household(
        "3514050000000001",
        "35.14.05.2005",
        HouseholdStatus::Aktif,
    )];
    let c = store
        .upsert_households(&rows, jan, "test", &|_| {})
        .await
        .unwrap();
    assert_eq!((c.inserted, c.updated, c.unchanged), (1, 0, 0));
    let c = store
        .upsert_households(&rows, jan, "test", &|_| {})
        .await
        .unwrap();
    assert_eq!((c.inserted, c.updated, c.unchanged), (0, 0, 1));
    let moved = [household(
        "3514050000000001",
        "35.14.05.2005",
        HouseholdStatus::Pindah,
    )];
    let oct = NaiveDate::from_ymd_opt(2026, 10, 15).unwrap();
    let c = store
        .upsert_households(&moved, oct, "test", &|_| {})
        .await
        .unwrap();
    assert_eq!(c.updated, 1);
    let history = store.household_history(&rows[0].no_kk).await.unwrap();
    assert_eq!(
        history,
        vec![(jan, "aktif".to_owned()), (oct, "pindah".to_owned())]
    );

    // One row with an unknown desa: the whole batch is refused, nothing written.
    let batch = [
        household("3514050000000002", "35.14.05.2005", HouseholdStatus::Aktif),
        household("3514050000000003", "35.14.05.2099", HouseholdStatus::Aktif),
    ];
    let err = store
        .upsert_households(&batch, jan, "test", &|_| {})
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Invalid(_)), "{err:?}");
    assert_eq!(store.count_registry().await.unwrap().households, 1);
}
story!(household_changes_are_kept_as_history_and_bad_batches_write_nothing);

async fn programme_numbers_are_unique_and_resolution_is_explicit() {
    let (_db, store) = store_with_wilayah().await;
    let s = ProgrammeSettings::default();
    assert!(matches!(
        store.resolve_programme(None).await,
        Err(StoreError::NotFound)
    ));
    let p1 = store
        .create_programme(1, "Satu", 2026, &s, "test")
        .await
        .unwrap();
    assert_eq!(store.resolve_programme(None).await.unwrap().id, p1.id);
    assert_eq!(p1.settings, s);
    assert!(matches!(
        store.create_programme(1, "Lagi", 2026, &s, "test").await,
        Err(StoreError::Conflict(
            relasi_codes::Code::ProgrammeNumberTaken
        ))
    ));
    store
        .create_programme(2, "Dua", 2027, &s, "test")
        .await
        .unwrap();
    assert!(matches!(
        store.resolve_programme(None).await,
        Err(StoreError::Invalid(relasi_codes::Code::ProgrammeRequired))
    ));
    assert_eq!(store.resolve_programme(Some(2)).await.unwrap().name, "Dua");
}
story!(programme_numbers_are_unique_and_resolution_is_explicit);

async fn cycles_open_once() {
    let (_db, store) = store_with_wilayah().await;
    let p = store
        .create_programme(1, "Satu", 2026, &ProgrammeSettings::default(), "test")
        .await
        .unwrap();
    let period = Period::parse("2026-12").unwrap();
    let (from, until) = relasi::domain::voucher::default_validity(period, 7).unwrap();
    let (c1, o1) = store
        .open_cycle(p.id, period, from, until, "test")
        .await
        .unwrap();
    let (c2, o2) = store
        .open_cycle(p.id, period, from, until, "test")
        .await
        .unwrap();
    assert_eq!((o1, o2), (Opened::Created, Opened::Existing));
    assert_eq!(c1, c2);
    assert_eq!(c1.valid_from, from);
}
story!(cycles_open_once);

async fn tokens_are_found_by_hash_only() {
    let (_db, store) = store_with_wilayah().await;
    let secret = ApiTokenSecret::from_random([5; 32]);
    store
        .create_api_token(&secret, Role::Finance, None, "bendahara", "test")
        .await
        .unwrap();
    let (_, principal) = store.principal_for(&secret).await.unwrap().unwrap();
    assert_eq!(principal.role, Role::Finance);
    assert!(
        store
            .principal_for(&ApiTokenSecret::from_random([6; 32]))
            .await
            .unwrap()
            .is_none()
    );
    assert!(matches!(
        store
            .create_api_token(
                &ApiTokenSecret::from_random([7; 32]),
                Role::Merchant,
                None,
                "",
                "test"
            )
            .await,
        Err(StoreError::Invalid(_))
    ));
}
story!(tokens_are_found_by_hash_only);

async fn the_registry_is_read_in_kk_order_slices_with_each_households_members() {
    use relasi::domain::household::Member;
    let (_db, store) = store_with_wilayah().await;
    // Inserted out of order; read back in KK order, three at a time.
    let kks: Vec<String> = [5, 1, 4, 2, 7, 3, 6]
        .iter()
        .map(|n| format!("351405000000000{n}"))
        .collect();
    let households: Vec<Household> = kks
        .iter()
        .map(|kk| household(kk, "35.14.05.2005", HouseholdStatus::Aktif))
        .collect();
    let day = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
    store
        .upsert_households(&households, day, "test", &|_| {})
        .await
        .unwrap();
    // Each household: a baby (read) and a grandparent without a sasaran word (never needed).
    let members: Vec<Member> = kks
        .iter()
        .enumerate()
        .flat_map(|(i, kk)| {
            let member = |n: usize, born: NaiveDate| Member {
                nik: Nik::parse(&format!("35140541012{i}000{n}")).unwrap(),
                no_kk: Kk::parse(kk).unwrap(),
                nama: "Anggota".into(),
                tanggal_lahir: born,
                sasaran: None,
                mulai: None,
                selesai: None,
                stunting: false,
            };
            [
                member(1, NaiveDate::from_ymd_opt(2026, 1, 1).unwrap()),
                member(2, NaiveDate::from_ymd_opt(1950, 1, 1).unwrap()),
            ]
        })
        .collect();
    store
        .upsert_members(&members, "test", &|_| {})
        .await
        .unwrap();
    let mut seen = Vec::new();
    let mut after = None;
    loop {
        let (slice, by_kk) = store
            .eligibility_slice(after.as_ref(), 3, day)
            .await
            .unwrap();
        for h in &slice {
            let own = by_kk.get(&h.no_kk).expect("the household's members");
            assert_eq!(own.len(), 1, "only the baby can count");
            assert_eq!(
                own[0].tanggal_lahir,
                NaiveDate::from_ymd_opt(2026, 1, 1).unwrap()
            );
        }
        assert_eq!(by_kk.len(), slice.len(), "no member of another slice");
        seen.extend(slice.iter().map(|h| h.no_kk.as_str().to_owned()));
        if slice.len() < 3 {
            break;
        }
        after = slice.last().map(|h| h.no_kk.clone());
    }
    // Slices follow the stored KK order, which is encrypted: every household once, in some order.
    seen.sort();
    let mut expected = kks.clone();
    expected.sort();
    assert_eq!(seen, expected);
    let per_desa = store.households_per_desa().await.unwrap();
    assert_eq!(per_desa.len(), 1);
    assert_eq!(per_desa[0].1, 7);
}
story!(the_registry_is_read_in_kk_order_slices_with_each_households_members);

async fn one_issuance_per_programme_at_a_time() {
    let (_db, store) = store_with_wilayah().await;
    let programme = store
        .create_programme(1, "Uji", 2026, &ProgrammeSettings::default(), "test")
        .await
        .unwrap();
    let other = store
        .create_programme(2, "Lain", 2026, &ProgrammeSettings::default(), "test")
        .await
        .unwrap();
    let open = |programme: relasi::domain::ids::ProgrammeId, period: &str| {
        let store = store.clone();
        let period = Period::parse(period).unwrap();
        async move {
            let (from, until) = relasi::domain::voucher::default_validity(period, 7).unwrap();
            store
                .open_cycle(programme, period, from, until, "test")
                .await
                .unwrap()
                .0
                .id
        }
    };
    let (november, december) = (
        open(programme.id, "2026-11").await,
        open(programme.id, "2026-12").await,
    );
    let elsewhere = open(other.id, "2026-12").await;
    let until = relasi::store::now_us() + 60_000_000;
    assert!(
        store
            .take_issuance_lease(november, until, None)
            .await
            .unwrap()
    );
    assert!(
        !store
            .take_issuance_lease(december, until, None)
            .await
            .unwrap(),
        "the cycles share the budget lines"
    );
    assert!(
        store
            .take_issuance_lease(elsewhere, until, None)
            .await
            .unwrap(),
        "another programme has its own lines"
    );
    assert!(
        store
            .take_issuance_lease(november, until + 1, Some(until))
            .await
            .unwrap(),
        "the holder extends its lease"
    );
    store.release_issuance_lease(november).await.unwrap();
    assert!(
        store
            .take_issuance_lease(december, until, None)
            .await
            .unwrap()
    );
}
story!(one_issuance_per_programme_at_a_time);

/// Two different unique keys never read the same: each conflict a request can meet names its
/// own code (mapped by constraint in one place, on both engines).
async fn each_unique_conflict_has_its_own_code() {
    let (_db, store) = store_with_wilayah().await;
    let s = ProgrammeSettings::default();
    store
        .create_programme(1, "Satu", 2026, &s, "test")
        .await
        .unwrap();
    let programme = store.create_programme(1, "Lagi", 2026, &s, "test").await;
    store.add_signing_key([7; 32], "test").await.unwrap();
    let key = store.add_signing_key([8; 32], "test").await;
    let (Err(StoreError::Conflict(a)), Err(StoreError::Conflict(b))) = (programme, key) else {
        panic!("both must conflict");
    };
    assert_eq!(a, relasi_codes::Code::ProgrammeNumberTaken);
    assert_eq!(b, relasi_codes::Code::SigningKeyActive);
}
story!(each_unique_conflict_has_its_own_code);
