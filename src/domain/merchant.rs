//! Partner shops (toko mitra / e-warong) and the areas they may serve.

use super::ids::MerchantId;
use super::programme::Category;
use super::wilayah::WilayahCode;
use serde::{Deserialize, Serialize};

/// Whether a shop may redeem vouchers.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MerchantStatus {
    /// May redeem.
    Active,
    /// Suspended by the programme; redemptions are refused.
    Inactive,
}

impl MerchantStatus {
    /// Stored word.
    pub fn as_str(self) -> &'static str {
        match self {
            MerchantStatus::Active => "active",
            MerchantStatus::Inactive => "inactive",
        }
    }

    /// From the stored word.
    pub fn parse(text: &str) -> Option<MerchantStatus> {
        match text {
            "active" => Some(MerchantStatus::Active),
            "inactive" => Some(MerchantStatus::Inactive),
            _ => None,
        }
    }
}

/// A partner shop.
#[derive(Clone, PartialEq, Eq, Debug, Serialize)]
pub struct Merchant {
    /// Id.
    pub id: MerchantId,
    /// Shop name (shown to families on their balance check).
    pub name: String,
    /// Desa the shop is in.
    pub kode_desa: WilayahCode,
    /// Areas whose households the shop may serve (desa, kecamatan or kabupaten codes).
    pub service_area: Vec<WilayahCode>,
    /// Categories the shop sells.
    pub categories: Vec<Category>,
    /// Status.
    pub status: MerchantStatus,
}

impl Merchant {
    /// Whether a household of `desa` is inside the shop's service area.
    pub fn serves(&self, desa: &WilayahCode) -> bool {
        self.service_area.iter().any(|area| area.covers(desa))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn service_area_covers_by_prefix() {
        let m = Merchant {
            id: MerchantId(1),
            name: "Toko Berkah".into(),
            kode_desa: WilayahCode::parse("35.14.05.2005").unwrap(),
            service_area: vec![WilayahCode::parse("35.14.05").unwrap()],
            categories: Category::defaults(),
            status: MerchantStatus::Active,
        };
        assert!(m.serves(&WilayahCode::parse("35.14.05.2016").unwrap()));
        assert!(!m.serves(&WilayahCode::parse("35.14.06.2001").unwrap()));
    }
}
