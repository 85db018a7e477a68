//! API roles and bearer tokens. Tokens are 256 random bits shown once; only their SHA-256 is
//! stored (a high-entropy secret needs no slow password hash).

use super::Invalid;
use super::ids::{AccountId, MerchantId};
use super::wilayah::{Level, WilayahCode};
use data_encoding::BASE32_NOPAD;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::fmt;

/// Who a token speaks for.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Programme admin: registry, merchants, lokus, budgets, cycles.
    Admin,
    /// Runs issuance.
    Issuer,
    /// Health cadre: prints card sheets and hand-over lists.
    Kader,
    /// A partner shop (bound to one merchant).
    Merchant,
    /// Finance officer: budgets, reconciliation.
    Finance,
    /// Read-only auditor.
    Auditor,
}

impl Role {
    /// Every role.
    pub const ALL: [Role; 6] = [
        Role::Admin,
        Role::Issuer,
        Role::Kader,
        Role::Merchant,
        Role::Finance,
        Role::Auditor,
    ];

    /// The office roles: everyone but kader and shops.
    pub const OFFICE: [Role; 4] = [Role::Admin, Role::Issuer, Role::Finance, Role::Auditor];

    /// Stored word.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Issuer => "issuer",
            Role::Kader => "kader",
            Role::Merchant => "merchant",
            Role::Finance => "finance",
            Role::Auditor => "auditor",
        }
    }

    /// From the stored word.
    pub fn parse(text: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == text)
    }
}

/// Where a caller may look and act: the whole deployment (district roles), or some wilayah
/// (a kader's desa, a kecamatan officer's kecamatan). A caller sees a desa when one of its
/// codes covers it.
#[derive(Clone, PartialEq, Eq, Debug, Default)]
pub struct Area(Vec<WilayahCode>);

/// Most codes one token or account may carry.
pub const MAX_AREA_CODES: usize = 200;

impl Area {
    /// The whole deployment.
    pub fn everywhere() -> Area {
        Area(Vec::new())
    }

    /// Some wilayah (sorted, without duplicates); none means the whole deployment.
    pub fn of(mut codes: Vec<WilayahCode>) -> Result<Area, Invalid> {
        if codes.len() > MAX_AREA_CODES {
            return Err(Invalid::new("areas", "at most 200 wilayah codes"));
        }
        codes.sort();
        codes.dedup();
        Ok(Area(codes))
    }

    /// True for a district role (no area, or a kabupaten or province code among its codes).
    pub fn is_district(&self) -> bool {
        self.0.is_empty() || self.0.iter().any(|c| c.level() <= Level::Kabupaten)
    }

    /// True when the caller may see `code` (a desa, or a wider area wholly inside its own).
    pub fn covers(&self, code: &WilayahCode) -> bool {
        self.0.is_empty() || self.0.iter().any(|mine| mine.covers(code))
    }

    /// True when every place `other` may see lies inside this area: a district area holds
    /// everything; a smaller one holds only areas whose codes it all covers (never the whole
    /// deployment). Who may manage an account or a token: an admin whose area holds its area.
    pub fn holds(&self, other: &Area) -> bool {
        self.is_district() || (!other.0.is_empty() && other.0.iter().all(|c| self.covers(c)))
    }

    /// The codes (empty for the whole deployment).
    pub fn codes(&self) -> &[WilayahCode] {
        &self.0
    }

    /// The stored text: codes separated by one space.
    pub fn to_stored(&self) -> String {
        let codes: Vec<&str> = self.0.iter().map(WilayahCode::as_str).collect();
        codes.join(" ")
    }

    /// From the stored text.
    pub fn from_stored(text: &str) -> Result<Area, Invalid> {
        let codes = text
            .split_ascii_whitespace()
            .map(WilayahCode::parse)
            .collect::<Result<Vec<_>, _>>()?;
        Area::of(codes)
    }
}

/// What a token or account is allowed: its role, its shop (merchants) and its area.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Grant {
    /// Role.
    pub role: Role,
    /// For a merchant, its shop.
    pub merchant_id: Option<MerchantId>,
    /// Where it may look.
    pub area: Area,
}

impl Grant {
    /// Checks the rules that bind role, shop and area: a merchant names one shop and no area
    /// (the shop's own service area applies); a kader is bound to one or more desa.
    pub fn new(role: Role, merchant_id: Option<MerchantId>, area: Area) -> Result<Grant, Invalid> {
        if (role == Role::Merchant) != merchant_id.is_some() {
            return Err(Invalid::new(
                "merchant_id",
                "a merchant, and only a merchant, names its shop",
            ));
        }
        if role == Role::Merchant && !area.codes().is_empty() {
            return Err(Invalid::new(
                "areas",
                "a merchant's area is its shop's service area",
            ));
        }
        if role == Role::Kader
            && (area.codes().is_empty() || area.codes().iter().any(|c| c.level() != Level::Desa))
        {
            return Err(Invalid::new(
                "areas",
                "a kader is bound to one or more desa codes",
            ));
        }
        Ok(Grant {
            role,
            merchant_id,
            area,
        })
    }
}

/// Where an account stands for signing in.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AccountState {
    /// May sign in.
    Active,
    /// Too many failed sign-ins: refused until an admin unlocks it or the lock ends.
    Locked,
    /// Disabled by an admin: refused for good.
    Disabled,
}

impl AccountState {
    /// The state at `now_us` of an account locked until `locked_until_us` and disabled at
    /// `disabled_at_us`.
    pub fn at(now_us: i64, locked_until_us: Option<i64>, disabled_at_us: Option<i64>) -> Self {
        if disabled_at_us.is_some() {
            AccountState::Disabled
        } else if locked_until_us.is_some_and(|until| until > now_us) {
            AccountState::Locked
        } else {
            AccountState::Active
        }
    }
}

/// The caller an authenticated request acts for.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Principal {
    /// Role.
    pub role: Role,
    /// For a merchant token, its shop.
    pub merchant_id: Option<MerchantId>,
    /// Where the caller may look.
    pub area: Area,
    /// The account behind a session token, if it is one.
    pub account_id: Option<AccountId>,
}

impl Principal {
    /// The server's own operator (the CLI on its host, the demo): an admin of the whole
    /// district.
    pub fn operator() -> Principal {
        Principal {
            role: Role::Admin,
            merchant_id: None,
            area: Area::everywhere(),
            account_id: None,
        }
    }
}

/// Prefix that makes RELASI tokens recognisable to secret scanners.
pub const TOKEN_PREFIX: &str = "rls_";
/// Longest bearer token we look at.
pub const MAX_TOKEN_LEN: usize = 128;

/// A bearer token secret. `Debug` never shows it.
#[derive(Clone, PartialEq, Eq)]
pub struct ApiTokenSecret(String);

impl ApiTokenSecret {
    /// Builds the secret text from 32 random bytes.
    pub fn from_random(bytes: [u8; 32]) -> ApiTokenSecret {
        ApiTokenSecret(format!(
            "{TOKEN_PREFIX}{}",
            BASE32_NOPAD.encode(&bytes).to_ascii_lowercase()
        ))
    }

    /// Wraps a presented token (checked only for size and prefix; its hash decides).
    pub fn presented(text: &str) -> Option<ApiTokenSecret> {
        (text.len() <= MAX_TOKEN_LEN && text.starts_with(TOKEN_PREFIX))
            .then(|| ApiTokenSecret(text.to_owned()))
    }

    /// The text to show once.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// What the database keeps.
    pub fn hash(&self) -> String {
        hex::encode(Sha256::digest(self.0.as_bytes()))
    }
}

impl fmt::Debug for ApiTokenSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ApiTokenSecret(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_redact_and_hash() {
        let s = ApiTokenSecret::from_random([1; 32]);
        assert!(s.expose().starts_with("rls_"));
        assert_eq!(format!("{s:?}"), "ApiTokenSecret(<redacted>)");
        assert_eq!(s.hash().len(), 64);
        assert_ne!(s.hash(), ApiTokenSecret::from_random([2; 32]).hash());
        assert!(ApiTokenSecret::presented("Bearer x").is_none());
        assert!(ApiTokenSecret::presented(&format!("rls_{}", "a".repeat(200))).is_none());
    }

    #[test]
    fn areas_cover_their_desa_only() {
        let code = |t: &str| WilayahCode::parse(t).unwrap();
        let kader = Area::of(vec![code("35.14.05.2005")]).unwrap();
        assert!(kader.covers(&code("35.14.05.2005")));
        assert!(!kader.covers(&code("35.14.05.2006")));
        assert!(!kader.covers(&code("35.14.05")));
        assert!(!kader.is_district());
        let kecamatan = Area::of(vec![code("35.14.05")]).unwrap();
        assert!(kecamatan.covers(&code("35.14.05.2006")));
        assert!(!kecamatan.covers(&code("35.14.06.2001")));
        assert!(Area::everywhere().covers(&code("35.14.06.2001")));
        assert!(Area::of(vec![code("35.14")]).unwrap().is_district());
        let stored = Area::of(vec![code("35.14.05.2006"), code("35.14.05.2005")]).unwrap();
        assert_eq!(stored.to_stored(), "35.14.05.2005 35.14.05.2006");
        assert_eq!(Area::from_stored(&stored.to_stored()).unwrap(), stored);
        assert!(Area::from_stored("35.14 '; drop").is_err());
    }

    #[test]
    fn an_area_holds_only_areas_inside_it() {
        let code = |t: &str| WilayahCode::parse(t).unwrap();
        let area = |codes: &[&str]| Area::of(codes.iter().map(|c| code(c)).collect()).unwrap();
        let kec = area(&["35.14.05"]);
        assert!(kec.holds(&area(&["35.14.05.2005", "35.14.05.2006"])));
        assert!(kec.holds(&kec));
        assert!(!kec.holds(&area(&["35.14.05.2005", "35.14.06.2001"])));
        assert!(!kec.holds(&Area::everywhere()));
        assert!(!kec.holds(&area(&["35.14"])));
        assert!(Area::everywhere().holds(&Area::everywhere()));
        assert!(area(&["35.14"]).holds(&area(&["35.14.06"])));
    }

    #[test]
    fn an_account_is_disabled_then_locked_then_active() {
        assert_eq!(AccountState::at(10, None, None), AccountState::Active);
        assert_eq!(AccountState::at(10, Some(9), None), AccountState::Active);
        assert_eq!(AccountState::at(10, Some(11), None), AccountState::Locked);
        assert_eq!(
            AccountState::at(10, Some(11), Some(1)),
            AccountState::Disabled
        );
    }

    #[test]
    fn grants_bind_role_shop_and_area() {
        let code = |t: &str| WilayahCode::parse(t).unwrap();
        let desa = Area::of(vec![code("35.14.05.2005")]).unwrap();
        assert!(Grant::new(Role::Kader, None, desa.clone()).is_ok());
        assert!(Grant::new(Role::Kader, None, Area::everywhere()).is_err());
        let kec = Area::of(vec![code("35.14.05")]).unwrap();
        assert!(Grant::new(Role::Kader, None, kec.clone()).is_err());
        assert!(Grant::new(Role::Issuer, None, kec).is_ok());
        assert!(Grant::new(Role::Merchant, None, Area::everywhere()).is_err());
        assert!(Grant::new(Role::Merchant, Some(MerchantId(1)), desa).is_err());
        assert!(Grant::new(Role::Admin, Some(MerchantId(1)), Area::everywhere()).is_err());
    }

    #[test]
    fn roles_round_trip() {
        for r in Role::ALL {
            assert_eq!(Role::parse(r.as_str()), Some(r));
        }
    }
}
