//! The offline rules: the programme settings the server publishes (`GET
//! /v1/offline-settings`) and the one pure judgement of whether a sale may be accepted while
//! the server cannot be reached, card-terminal style (docs/offline.md).

use crate::keys::VerifiedVoucher;
use relasi_codes::Code;
use serde::Deserialize;

/// One programme's offline settings, as published.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ProgrammeRules {
    /// Programme number (the token's bytes 22..24).
    pub number: u16,
    /// Whether the programme lets shops accept its vouchers offline at all.
    pub offline_allowed: bool,
    /// Key and revocation lists older than this back no offline sale, in seconds.
    pub max_list_age_secs: i64,
    /// Most one voucher may spend offline in one local day, whole rupiah.
    #[serde(deserialize_with = "rupiah")]
    pub voucher_day_rp: i64,
    /// Most unsynced sales a shop may hold.
    pub shop_unsynced_count: i64,
    /// Most unsynced rupiah a shop may hold.
    #[serde(deserialize_with = "rupiah")]
    pub shop_unsynced_rp: i64,
    /// The programme's offset from UTC in hours (its local day).
    pub utc_offset_hours: i64,
    /// The categories a basket may name.
    pub categories: Vec<String>,
    /// How long after a sale the shop may reverse it, in seconds.
    pub reversal_window_secs: i64,
}

fn rupiah<'de, D: serde::Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    let text = String::deserialize(d)?;
    text.parse::<i64>()
        .ok()
        .filter(|v| *v >= 0 && text.bytes().all(|b| b.is_ascii_digit()))
        .ok_or_else(|| serde::de::Error::custom("an amount must be whole rupiah digits"))
}

/// Every programme's offline settings.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct OfflineSettings {
    /// Per programme.
    pub programmes: Vec<ProgrammeRules>,
}

impl OfflineSettings {
    /// Reads the JSON of `GET /v1/offline-settings`.
    pub fn from_json(text: &str) -> Result<OfflineSettings, serde_json::Error> {
        serde_json::from_str(text)
    }

    /// The rules of programme `number`.
    pub fn programme(&self, number: u16) -> Option<&ProgrammeRules> {
        self.programmes.iter().find(|p| p.number == number)
    }
}

/// Why a sale may not be accepted offline.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OfflineRefusal {
    /// The token's offline flag is off, or its programme allows no offline sales.
    #[error("this voucher may not be accepted offline")]
    NotAllowed,
    /// The lists were never synced, or are older than the programme allows.
    #[error("key, revocation or settings lists are missing or out of date")]
    ListsStale,
    /// The voucher is on the synced revocation list.
    #[error("voucher revoked")]
    VoucherRevoked,
    /// The amount or basket is not acceptable (`invalid_amount`, `category_not_allowed`).
    #[error("basket refused: {0}")]
    Basket(Code),
    /// Over the voucher's offline ceiling for the day, or over its face value.
    #[error("over the voucher's offline limit: Rp {used_rp} used of Rp {limit_rp}")]
    VoucherLimit {
        /// Already accepted offline (today, or in total against the face value).
        used_rp: i64,
        /// The ceiling that would be passed.
        limit_rp: i64,
    },
    /// Over the shop's ceiling of unsynced sales (count or rupiah).
    #[error("over the shop's offline limit ({count} unsynced sales, Rp {total_rp})")]
    ShopLimit {
        /// Unsynced sales held now.
        count: i64,
        /// Their rupiah.
        total_rp: i64,
    },
}

impl OfflineRefusal {
    /// The stable code (client-side codes of the catalogue, or the server's for the same fact).
    pub fn code(&self) -> Code {
        match self {
            OfflineRefusal::NotAllowed => Code::OfflineNotAllowed,
            OfflineRefusal::ListsStale => Code::OfflineListsStale,
            OfflineRefusal::VoucherRevoked => Code::VoucherRevoked,
            OfflineRefusal::Basket(code) => *code,
            OfflineRefusal::VoucherLimit { .. } => Code::OfflineVoucherLimit,
            OfflineRefusal::ShopLimit { .. } => Code::OfflineShopLimit,
        }
    }
}

/// What the shop already holds offline, read in the same local transaction as the judgement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Exposure {
    /// This voucher's offline sales (not declined) on the sale's local day.
    pub voucher_day_rp: i64,
    /// This voucher's offline sales (not declined) on any day.
    pub voucher_total_rp: i64,
    /// The shop's unsynced sales.
    pub shop_count: i64,
    /// Their rupiah.
    pub shop_rp: i64,
}

/// A sale to judge: the verified voucher, the amount and the basket lines.
#[derive(Debug, Clone, Copy)]
pub struct Candidate<'a> {
    /// The voucher, already verified offline (signature, key, window).
    pub voucher: &'a VerifiedVoucher,
    /// The amount, whole rupiah.
    pub amount_rp: i64,
    /// Basket lines (category, whole rupiah).
    pub items: &'a [(String, i64)],
}

/// Checks a basket against the programme's categories and the total (the server's rules).
pub fn check_basket(
    rules: &ProgrammeRules,
    amount_rp: i64,
    items: &[(String, i64)],
) -> Result<(), Code> {
    if amount_rp <= 0 || items.is_empty() || items.len() > 50 || items.iter().any(|(_, a)| *a <= 0)
    {
        return Err(Code::InvalidAmount);
    }
    if items.iter().any(|(c, _)| !rules.categories.contains(c)) {
        return Err(Code::CategoryNotAllowed);
    }
    let sum = items
        .iter()
        .try_fold(0_i64, |acc, (_, a)| acc.checked_add(*a));
    if sum != Some(amount_rp) {
        return Err(Code::InvalidAmount);
    }
    Ok(())
}

/// The offline judgement. `lists_age_secs` is the age of the oldest of the synced keys,
/// revocations and settings (`None`: never synced, or the revocation list is incomplete).
pub fn judge(
    sale: Candidate<'_>,
    rules: Option<&ProgrammeRules>,
    lists_age_secs: Option<i64>,
    revoked: bool,
    held: Exposure,
) -> Result<(), OfflineRefusal> {
    let rules = rules.ok_or(OfflineRefusal::NotAllowed)?;
    if !sale.voucher.offline_allowed || !rules.offline_allowed {
        return Err(OfflineRefusal::NotAllowed);
    }
    match lists_age_secs {
        Some(age) if (0..=rules.max_list_age_secs).contains(&age) => {}
        _ => return Err(OfflineRefusal::ListsStale),
    }
    if revoked {
        return Err(OfflineRefusal::VoucherRevoked);
    }
    check_basket(rules, sale.amount_rp, sale.items).map_err(OfflineRefusal::Basket)?;
    let day = held.voucher_day_rp.saturating_add(sale.amount_rp);
    if day > rules.voucher_day_rp {
        return Err(OfflineRefusal::VoucherLimit {
            used_rp: held.voucher_day_rp,
            limit_rp: rules.voucher_day_rp,
        });
    }
    let face = i64::from(sale.voucher.face_value_rp);
    if held.voucher_total_rp.saturating_add(sale.amount_rp) > face {
        return Err(OfflineRefusal::VoucherLimit {
            used_rp: held.voucher_total_rp,
            limit_rp: face,
        });
    }
    if held.shop_count.saturating_add(1) > rules.shop_unsynced_count
        || held.shop_rp.saturating_add(sale.amount_rp) > rules.shop_unsynced_rp
    {
        return Err(OfflineRefusal::ShopLimit {
            count: held.shop_count,
            total_rp: held.shop_rp,
        });
    }
    Ok(())
}
