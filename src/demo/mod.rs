//! `relasi demo`: a demo district built from the real Kepmendagri codes of Kabupaten Pasuruan,
//! with synthetic households (no real person's data), shops, budget lines and an open cycle.

use crate::domain::Invalid;
use crate::domain::budget::SumberDana;
use crate::domain::household::{Desil, Household, HouseholdStatus, Member, Sasaran};
use crate::domain::ids::{Kk, Nik, Period};
use crate::domain::money::Rupiah;
use crate::domain::programme::{Category, ProgrammeSettings};
use crate::domain::voucher::default_validity;
use crate::domain::wilayah::{WilayahCode, WilayahCsvError};
use crate::store::{NewMerchant, Store, StoreError};
use chrono::{Datelike, Duration, NaiveDate};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

/// Kepmendagri rows for Jawa Timur (35) and Kabupaten Pasuruan (35.14), copied from the
/// national table: `code,name,level,kind`.
pub const WILAYAH_PASURUAN_CSV: &str = include_str!("wilayah_3514.csv");

/// The demo programme's number and name.
pub const DEMO_PROGRAMME_NUMBER: u16 = 1;
const DEMO_PROGRAMME_NAME: &str = "KASIH BERSANDING MESRA (demo)";
const DEMO_YEAR: i32 = 2026;
/// The cycle the demo opens: the current month in WIB, so a demo shop can redeem at once.
pub fn demo_period() -> Period {
    let wib = chrono::FixedOffset::east_opt(7 * 3600);
    let today = wib.map_or_else(
        || chrono::Utc::now().date_naive(),
        |tz| chrono::Utc::now().with_timezone(&tz).date_naive(),
    );
    Period::containing(today)
}
/// How many synthetic households.
pub const DEMO_HOUSEHOLDS: usize = 300;
const ACTOR: &str = "cli:demo";

/// Lokus desa of the demo year: Pasrepan's Ampelsari, Sibon, Ngantungan and Pohgading, and two
/// desa of neighbouring kecamatan.
pub const DEMO_LOKUS: [&str; 6] = [
    "35.14.05.2007",
    "35.14.05.2005",
    "35.14.05.2001",
    "35.14.05.2016",
    "35.14.06.2001",
    "35.14.04.2001",
];

/// Why the demo could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    /// The embedded wilayah table is malformed (a build-time mistake).
    #[error("embedded wilayah table: {0}")]
    Wilayah(#[from] WilayahCsvError),
    /// Generated data failed validation (a bug in the generator).
    #[error("generated data: {0}")]
    Generated(#[from] Invalid),
    /// The database refused.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What the demo database holds.
#[derive(Clone, Copy, Debug)]
pub struct DemoSummary {
    /// Whether this call created the data (false: reused).
    pub created: bool,
    /// Households.
    pub households: i64,
    /// Members.
    pub members: i64,
    /// Shops.
    pub merchants: i64,
}

/// Seeds the demo district unless the demo programme exists already.
pub async fn seed(store: &Store) -> Result<DemoSummary, DemoError> {
    let created = match store.programme_by_number(DEMO_PROGRAMME_NUMBER).await {
        Ok(_) => false,
        Err(StoreError::NotFound) => {
            seed_fresh(store).await?;
            true
        }
        Err(e) => return Err(e.into()),
    };
    open_current_cycle(store).await?;
    let (households, members) = store.count_registry().await?;
    Ok(DemoSummary {
        created,
        households,
        members,
        merchants: store.count_merchants().await?,
    })
}

async fn seed_fresh(store: &Store) -> Result<(), DemoError> {
    store
        .upsert_wilayah(&crate::domain::wilayah::parse_wilayah_csv(
            WILAYAH_PASURUAN_CSV,
        )?)
        .await?;
    let programme = store
        .create_programme(
            DEMO_PROGRAMME_NUMBER,
            DEMO_PROGRAMME_NAME,
            DEMO_YEAR,
            &ProgrammeSettings::default(),
            ACTOR,
        )
        .await?;
    let lokus: Vec<WilayahCode> = DEMO_LOKUS
        .iter()
        .map(|c| WilayahCode::parse(c))
        .collect::<Result<_, _>>()?;
    store.add_lokus(DEMO_YEAR, &lokus, ACTOR).await?;

    let period = demo_period();
    let (households, members) = synthetic_registry(period.first_day(), DEMO_HOUSEHOLDS)?;
    store
        .upsert_households(
            &households,
            NaiveDate::from_ymd_opt(DEMO_YEAR, 1, 1).unwrap_or_default(),
            ACTOR,
            &|_| {},
        )
        .await?;
    store.upsert_members(&members, ACTOR, &|_| {}).await?;

    for (name, desa, area) in [
        ("Toko Sembako Berkah Sibon", "35.14.05.2005", "35.14.05"),
        (
            "E-Warong Ampelsari Sejahtera",
            "35.14.05.2007",
            "35.14.05.2007",
        ),
        ("Toko Bu Siti Ngantungan", "35.14.05.2001", "35.14.05"),
        ("Kios Sayur Pohgading", "35.14.05.2016", "35.14.05.2016"),
        ("Toko Makmur Kejayan", "35.14.06.2001", "35.14.06"),
    ] {
        let new = NewMerchant {
            name: name.to_owned(),
            kode_desa: WilayahCode::parse(desa)?,
            service_area: vec![WilayahCode::parse(area)?],
            categories: Category::defaults(),
        };
        store.create_merchant(&new, ACTOR).await?;
    }

    for (sumber, code, amount) in [
        (SumberDana::Apbd, "35.14", 150_000_000),
        (SumberDana::Csr, "35.14.05", 25_000_000),
        (SumberDana::DanaDesa, "35.14.05.2005", 10_000_000),
    ] {
        store
            .add_budget_line(
                programme.id,
                DEMO_YEAR,
                sumber,
                &WilayahCode::parse(code)?,
                Rupiah::new(amount)?,
                ACTOR,
            )
            .await?;
    }

    Ok(())
}

/// Opens the current month's cycle of the demo programme (a no-op when it is open already).
async fn open_current_cycle(store: &Store) -> Result<(), DemoError> {
    let programme = store.programme_by_number(DEMO_PROGRAMME_NUMBER).await?;
    let period = demo_period();
    let (from, until) = default_validity(period, programme.settings.utc_offset_hours)
        .ok_or(Invalid::new("period", "out of range"))?;
    store
        .open_cycle(programme.id, period, from, until, ACTOR)
        .await?;
    Ok(())
}

const FIRST_NAMES_F: [&str; 12] = [
    "Siti", "Sri", "Nur", "Dewi", "Wahyuni", "Lestari", "Ani", "Yuliana", "Rina", "Suryani",
    "Fatimah", "Endang",
];
const FIRST_NAMES_M: [&str; 12] = [
    "Ahmad", "Budi", "Slamet", "Agus", "Joko", "Hadi", "Eko", "Imam", "Sugeng", "Bambang", "Rudi",
    "Yusuf",
];
const FAMILY_NAMES: [&str; 10] = [
    "Santoso",
    "Wibowo",
    "Hidayat",
    "Prasetyo",
    "Rahayu",
    "Susanto",
    "Kurniawan",
    "Setiawan",
    "Wahyudi",
    "Saputra",
];

/// Deterministic synthetic households of the demo district (seeded; no real person).
/// `as_of` is the day ages are reckoned from (the first day of the demo cycle).
pub fn synthetic_registry(
    as_of: NaiveDate,
    count: usize,
) -> Result<(Vec<Household>, Vec<Member>), Invalid> {
    let mut rng = StdRng::seed_from_u64(3514);
    // Most households in the lokus desa, some in other Pasrepan desa (not lokus).
    let desa_pool = [
        "35.14.05.2007",
        "35.14.05.2005",
        "35.14.05.2001",
        "35.14.05.2016",
        "35.14.05.2005",
        "35.14.05.2007",
        "35.14.06.2001",
        "35.14.04.2001",
        "35.14.05.2002",
        "35.14.05.2011",
    ];
    let mut households = Vec::with_capacity(count);
    let mut members = Vec::new();
    for seq in 0..count {
        let desa = WilayahCode::parse(desa_pool[rng.random_range(0..desa_pool.len())])?;
        let kec_digits: String = desa.as_str()[..8]
            .chars()
            .filter(char::is_ascii_digit)
            .collect();
        let family = FAMILY_NAMES[rng.random_range(0..FAMILY_NAMES.len())];
        let no_kk = Kk::parse(&format!("{kec_digits}{:06}{:04}", 10_118 + seq % 90, seq))?;
        let head_birth = as_of - Duration::days(rng.random_range(22 * 365..55 * 365));
        let head_name = format!(
            "{} {family}",
            FIRST_NAMES_M[rng.random_range(0..FIRST_NAMES_M.len())]
        );
        let nik_kepala = synthetic_nik(&kec_digits, head_birth, false, seq * 8)?;
        members.push(Member {
            nik: nik_kepala.clone(),
            no_kk: no_kk.clone(),
            nama: head_name.clone(),
            tanggal_lahir: head_birth,
            sasaran: None,
            mulai: None,
            selesai: None,
            stunting: false,
        });

        // The mother: sometimes pregnant or breastfeeding around the demo month.
        let mother_birth = as_of - Duration::days(rng.random_range(19 * 365..42 * 365));
        let (sasaran, mulai, selesai) = match rng.random_range(0..10) {
            0..=1 => (
                Some(Sasaran::IbuHamil),
                Some(as_of - Duration::days(120)),
                Some(as_of + Duration::days(150)),
            ),
            2..=3 => (
                Some(Sasaran::IbuMenyusui),
                Some(as_of - Duration::days(200)),
                Some(as_of + Duration::days(500)),
            ),
            _ => (None, None, None),
        };
        members.push(Member {
            nik: synthetic_nik(&kec_digits, mother_birth, true, seq * 8 + 1)?,
            no_kk: no_kk.clone(),
            nama: format!(
                "{} {family}",
                FIRST_NAMES_F[rng.random_range(0..FIRST_NAMES_F.len())]
            ),
            tanggal_lahir: mother_birth,
            sasaran,
            mulai,
            selesai,
            stunting: false,
        });

        // Children: some under two, some stunted under five, some older.
        for child in 0..rng.random_range(0..4usize) {
            let age_days = match rng.random_range(0..10) {
                0..=3 => rng.random_range(30..730),
                4..=6 => rng.random_range(730..1825),
                _ => rng.random_range(1825..5000),
            };
            let birth = as_of - Duration::days(age_days);
            let stunting = age_days < 1825 && rng.random_bool(0.3);
            let female = rng.random_bool(0.5);
            let names = if female {
                &FIRST_NAMES_F
            } else {
                &FIRST_NAMES_M
            };
            members.push(Member {
                nik: synthetic_nik(&kec_digits, birth, female, seq * 8 + 2 + child)?,
                no_kk: no_kk.clone(),
                nama: format!("{} {family}", names[rng.random_range(0..names.len())]),
                tanggal_lahir: birth,
                sasaran: if age_days < 730 {
                    Some(Sasaran::Baduta)
                } else if stunting {
                    Some(Sasaran::BalitaStunting)
                } else {
                    None
                },
                mulai: None,
                selesai: None,
                stunting,
            });
        }

        let status = match rng.random_range(0..40) {
            0 => HouseholdStatus::Pindah,
            1 => HouseholdStatus::Meninggal,
            _ => HouseholdStatus::Aktif,
        };
        households.push(Household {
            no_kk,
            nik_kepala,
            nama_kepala: head_name,
            kode_desa: desa,
            desil: Desil::new(rng.random_range(1..=7))?,
            krs: rng.random_bool(0.4),
            status,
        });
    }
    Ok((households, members))
}

/// A NIK of the usual shape: six wilayah digits, the birth date DDMMYY (women's day + 40) and
/// a four-digit sequence.
fn synthetic_nik(
    kec_digits: &str,
    birth: NaiveDate,
    female: bool,
    seq: usize,
) -> Result<Nik, Invalid> {
    let day = birth.day() + if female { 40 } else { 0 };
    Nik::parse(&format!(
        "{kec_digits}{day:02}{:02}{:02}{:04}",
        birth.month(),
        birth.year() % 100,
        seq % 10_000
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_wilayah_has_the_demo_lokus() {
        let rows = crate::domain::wilayah::parse_wilayah_csv(WILAYAH_PASURUAN_CSV).unwrap();
        let name = |c: &str| {
            rows.iter()
                .find(|w| w.code.as_str() == c)
                .map(|w| w.name.as_str())
        };
        assert_eq!(name("35.14"), Some("Kabupaten Pasuruan"));
        assert_eq!(name("35.14.05.2007"), Some("Ampelsari"));
        assert_eq!(name("35.14.05.2005"), Some("Sibon"));
        assert_eq!(name("35.14.05.2001"), Some("Ngantungan"));
        assert_eq!(name("35.14.05.2016"), Some("Pohgading"));
        assert!(DEMO_LOKUS.iter().all(|c| name(c).is_some()));
    }

    #[test]
    fn registry_is_deterministic_and_unique() {
        let day = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
        let (h1, m1) = synthetic_registry(day, DEMO_HOUSEHOLDS).unwrap();
        let (h2, _) = synthetic_registry(day, DEMO_HOUSEHOLDS).unwrap();
        assert_eq!(h1, h2);
        let kks: std::collections::HashSet<_> = h1.iter().map(|h| h.no_kk.clone()).collect();
        assert_eq!(kks.len(), DEMO_HOUSEHOLDS);
        let members: std::collections::HashSet<_> = m1
            .iter()
            .map(|m| (m.no_kk.clone(), m.nik.clone()))
            .collect();
        assert_eq!(members.len(), m1.len());
        assert!(m1.iter().any(|m| m.sasaran == Some(Sasaran::Baduta)));
    }
}
