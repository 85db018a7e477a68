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

/// A demo sign-in for the pages: name, password, and who it is.
#[derive(Clone, Copy, Debug)]
pub struct DemoLogin {
    /// Account name.
    pub name: &'static str,
    /// Its password (a demo: printed on purpose).
    pub password: &'static str,
    /// Who signs in with it (printed beside it).
    pub who: &'static str,
}

/// One account per role the pages serve: the office (admin, finance), a kader of Desa Sibon
/// (35.14.05.2005) and the first demo shop.
pub const DEMO_LOGINS: [DemoLogin; 4] = [
    DemoLogin {
        name: "admin",
        password: "relasi-demo-admin",
        who: "admin program / programme admin",
    },
    DemoLogin {
        name: "kader.sibon",
        password: "relasi-demo-kader",
        who: "kader Desa Sibon",
    },
    DemoLogin {
        name: "toko.demo",
        password: "relasi-demo-toko",
        who: "toko / shop 1",
    },
    DemoLogin {
        name: "keuangan",
        password: "relasi-demo-keuangan",
        who: "keuangan / finance",
    },
];

/// Creates the demo accounts that are missing (a reused demo database keeps its own).
pub async fn demo_accounts(store: &Store) -> Result<(), crate::problem::Problem> {
    use crate::domain::auth::{Area, Grant, Role};
    for (login, role) in
        DEMO_LOGINS
            .iter()
            .zip([Role::Admin, Role::Kader, Role::Merchant, Role::Finance])
    {
        let area = if role == Role::Kader {
            Area::of(vec![WilayahCode::parse("35.14.05.2005")?])?
        } else {
            Area::everywhere()
        };
        let shop = (role == Role::Merchant).then_some(crate::domain::ids::MerchantId(1));
        let grant = Grant::new(role, shop, area)?;
        match crate::usecases::accounts::create_account(
            store,
            login.name,
            login.password,
            &grant,
            ACTOR,
        )
        .await
        {
            Err(p) if p.code() == crate::problem::Code::AlreadyExists => {}
            other => {
                other?;
            }
        }
    }
    Ok(())
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
    let registry = store.count_registry().await?;
    Ok(DemoSummary {
        created,
        households: registry.households,
        members: registry.members,
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
    seed_shops(store).await?;
    seed_budget(store, programme.id).await
}

/// The demo's five shops.
async fn seed_shops(store: &Store) -> Result<(), DemoError> {
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
    Ok(())
}

/// The demo's three budget lines: the district (APBD), a company in Pasrepan (CSR), Sibon's
/// village fund.
async fn seed_budget(
    store: &Store,
    programme: crate::domain::ids::ProgrammeId,
) -> Result<(), DemoError> {
    for (sumber, code, amount) in [
        (SumberDana::Apbd, "35.14", 150_000_000),
        (SumberDana::Csr, "35.14.05", 25_000_000),
        (SumberDana::DanaDesa, "35.14.05.2005", 10_000_000),
    ] {
        store
            .add_budget_line(
                programme,
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

/// How many sales the demo makes when its month has none: enough at the first shop within a
/// few minutes that the month's reconciliation shows figures, a roll-up and two exceptions: a
/// burst (`Thresholds::burst_sales` = 10), and that shop serving every sold voucher of its desa
/// (`desa_dominated`, with those ten sales as evidence).
pub const DEMO_SALES: usize = 12;

/// Seeds [`DEMO_SALES`] sales on the demo month's vouchers, through the same use case a shop's
/// phone calls (signed receipts, the journal, the batcher), unless the month has sales already:
/// ten at Toko Sembako Berkah Sibon (shop 1, Kecamatan Pasrepan) fifteen seconds apart, then two
/// at Toko Makmur Kejayan (shop 5). Each sale's Idempotency-Key names its voucher, so a re-run
/// replays rather than sells again. Returns how many sales were made now.
pub async fn seed_sales(
    ledger: crate::usecases::Ledger<'_>,
    now_us: i64,
) -> Result<usize, crate::problem::Problem> {
    use crate::domain::ids::MerchantId;
    let store = ledger.store;
    let programme = store.programme_by_number(DEMO_PROGRAMME_NUMBER).await?;
    let period = demo_period();
    let figures = store.desa_figures(programme.id, period).await?;
    if figures.iter().any(|f| f.redeemed_rp > 0) {
        return Ok(0);
    }
    let in_area = |prefix: &str, n: usize| {
        let prefix = prefix.to_owned();
        async move {
            let area = WilayahCode::parse(&prefix)?;
            let found = store
                .vouchers(programme.id, period, Some(&area), 0, 200)
                .await?;
            Ok::<_, crate::problem::Problem>(
                found
                    .into_iter()
                    .filter(|v| v.spent.as_i64() == 0)
                    .take(n)
                    .collect::<Vec<_>>(),
            )
        }
    };
    let mut plan: Vec<(MerchantId, crate::domain::voucher::Voucher)> = Vec::new();
    plan.extend(
        in_area("35.14.05", 10)
            .await?
            .into_iter()
            .map(|v| (MerchantId(1), v)),
    );
    plan.extend(
        in_area("35.14.06", 2)
            .await?
            .into_iter()
            .map(|v| (MerchantId(5), v)),
    );
    let mut made = 0;
    let gap_us = 15_000_000;
    let first_us = now_us - gap_us * i64::try_from(plan.len()).unwrap_or(0);
    for (i, (shop, voucher)) in plan.into_iter().enumerate() {
        let amount = 25_000 + 10_000 * i64::try_from(i % 4).unwrap_or(0);
        let amount = amount.min(voucher.face_value.as_i64()).to_string();
        let category = ["protein_hewani", "susu", "sayur_buah", "mpasi"][i % 4];
        let sale = crate::domain::sale::SaleRequest {
            token: voucher.token.clone(),
            amount: amount.clone(),
            items: vec![(category.to_owned(), amount)],
        };
        let at_us = first_us + gap_us * i64::try_from(i).unwrap_or(0);
        let key = format!("demo-{}", voucher.id);
        let answer = crate::usecases::sale::redeem(ledger, shop, &key, &sale, at_us).await?;
        if answer.status == 201 && !answer.replayed {
            made += 1;
        }
    }
    Ok(made)
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

/// Desa the demo's households live in: most in the lokus desa, some in other Pasrepan desa
/// (not lokus) and two neighbouring kecamatan.
const DESA_POOL: [&str; 10] = [
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

/// Deterministic synthetic households of the demo district (seeded; no real person).
/// `as_of` is the day ages are reckoned from (the first day of the demo cycle).
pub fn synthetic_registry(
    as_of: NaiveDate,
    count: usize,
) -> Result<(Vec<Household>, Vec<Member>), Invalid> {
    let mut g = Generator {
        rng: StdRng::seed_from_u64(3514),
        as_of,
    };
    let mut households = Vec::with_capacity(count);
    let mut members = Vec::new();
    for seq in 0..count {
        let (household, family) = g.household(seq)?;
        members.extend(family);
        households.push(household);
    }
    Ok((households, members))
}

/// The seeded generator; every draw happens in a fixed order, so the demo is the same each time.
struct Generator {
    rng: StdRng,
    as_of: NaiveDate,
}

/// What the members of one household share.
struct Family<'a> {
    no_kk: &'a Kk,
    kec_digits: &'a str,
    name: &'a str,
    seq: usize,
}

impl Generator {
    fn pick<'a>(&mut self, names: &[&'a str]) -> &'a str {
        names[self.rng.random_range(0..names.len())]
    }

    fn born_days_ago(&mut self, days: std::ops::Range<i64>) -> NaiveDate {
        self.as_of - Duration::days(self.rng.random_range(days))
    }

    /// Household `seq` and its members: the head, the mother, and up to three children.
    fn household(&mut self, seq: usize) -> Result<(Household, Vec<Member>), Invalid> {
        let desa = WilayahCode::parse(self.pick(&DESA_POOL))?;
        let kec_digits: String = desa.as_str()[..8]
            .chars()
            .filter(char::is_ascii_digit)
            .collect();
        let name = self.pick(&FAMILY_NAMES);
        let no_kk = Kk::parse(&format!("{kec_digits}{:06}{:04}", 10_118 + seq % 90, seq))?;
        let family = Family {
            no_kk: &no_kk,
            kec_digits: &kec_digits,
            name,
            seq,
        };
        let head = self.head(&family)?;
        let mut members = vec![head.clone(), self.mother(&family)?];
        for child in 0..self.rng.random_range(0..4usize) {
            members.push(self.child(&family, child)?);
        }
        let status = match self.rng.random_range(0..40) {
            0 => HouseholdStatus::Pindah,
            1 => HouseholdStatus::Meninggal,
            _ => HouseholdStatus::Aktif,
        };
        let household = Household {
            no_kk: no_kk.clone(),
            nik_kepala: head.nik,
            nama_kepala: head.nama,
            kode_desa: desa,
            desil: Desil::new(self.rng.random_range(1..=7))?,
            krs: self.rng.random_bool(0.4),
            status,
        };
        Ok((household, members))
    }

    fn head(&mut self, f: &Family<'_>) -> Result<Member, Invalid> {
        let birth = self.born_days_ago(22 * 365..55 * 365);
        let nama = format!("{} {}", self.pick(&FIRST_NAMES_M), f.name);
        Ok(Member {
            nik: synthetic_nik(f.kec_digits, birth, false, f.seq * 8)?,
            no_kk: f.no_kk.clone(),
            nama,
            tanggal_lahir: birth,
            sasaran: None,
            mulai: None,
            selesai: None,
            stunting: false,
        })
    }

    /// The mother: sometimes pregnant or breastfeeding around the demo month.
    fn mother(&mut self, f: &Family<'_>) -> Result<Member, Invalid> {
        let birth = self.born_days_ago(19 * 365..42 * 365);
        let as_of = self.as_of;
        let (sasaran, mulai, selesai) = match self.rng.random_range(0..10) {
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
        Ok(Member {
            nik: synthetic_nik(f.kec_digits, birth, true, f.seq * 8 + 1)?,
            no_kk: f.no_kk.clone(),
            nama: format!("{} {}", self.pick(&FIRST_NAMES_F), f.name),
            tanggal_lahir: birth,
            sasaran,
            mulai,
            selesai,
            stunting: false,
        })
    }

    /// A child: some under two, some stunted under five, some older.
    fn child(&mut self, f: &Family<'_>, child: usize) -> Result<Member, Invalid> {
        let age_days = match self.rng.random_range(0..10) {
            0..=3 => self.rng.random_range(30..730),
            4..=6 => self.rng.random_range(730..1825),
            _ => self.rng.random_range(1825..5000),
        };
        let birth = self.as_of - Duration::days(age_days);
        let stunting = age_days < 1825 && self.rng.random_bool(0.3);
        let female = self.rng.random_bool(0.5);
        let first = self.pick(if female {
            &FIRST_NAMES_F
        } else {
            &FIRST_NAMES_M
        });
        Ok(Member {
            nik: synthetic_nik(f.kec_digits, birth, female, f.seq * 8 + 2 + child)?,
            no_kk: f.no_kk.clone(),
            nama: format!("{first} {}", f.name),
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
        })
    }
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
