//! The rules of a sale that need no database: amounts, the basket (each line's category must be
//! the programme's and the shop's), and the canonical form of a sale request, whose SHA-256 ties
//! an Idempotency-Key to one request however it is spelled.

use super::money::Rupiah;
use super::programme::Category;
use relasi_codes::Code;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

/// Largest single sale: far above any voucher, low enough to catch a typo's extra zeros.
pub const MAX_AMOUNT_RP: i64 = 10_000_000;
/// Most basket lines in one sale.
pub const MAX_ITEMS: usize = 50;
/// Longest Idempotency-Key, in bytes.
pub const MAX_IDEMPOTENCY_KEY_BYTES: usize = 128;

/// A sale as the shop sent it, before anything is parsed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SaleRequest {
    /// The voucher's QR text.
    pub token: String,
    /// The total, whole rupiah as digits.
    pub amount: String,
    /// Basket lines: (category, amount as digits).
    pub items: Vec<(String, String)>,
}

/// A sale as it arrives over HTTP: `{token, amount, items:[{category, amount}]}` (more fields
/// are ignored). One type for the API and the fuzz target of the redemption JSON.
#[derive(Clone, Debug, serde::Deserialize)]
pub struct SaleBody {
    token: String,
    amount: String,
    #[serde(default)]
    items: Vec<SaleBodyItem>,
}

#[derive(Clone, Debug, serde::Deserialize)]
struct SaleBodyItem {
    category: String,
    amount: String,
}

impl SaleBody {
    /// The request the sale use case takes.
    pub fn into_request(self) -> SaleRequest {
        SaleRequest {
            token: self.token,
            amount: self.amount,
            items: self
                .items
                .into_iter()
                .map(|i| (i.category, i.amount))
                .collect(),
        }
    }
}

/// Why a sale request is refused before any voucher data is read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SaleRefused {
    /// The stable code.
    pub code: Code,
    /// What to fix, in plain words (no personal data).
    pub detail: String,
}

impl SaleRefused {
    fn new(code: Code, detail: impl Into<String>) -> SaleRefused {
        SaleRefused {
            code,
            detail: detail.into(),
        }
    }
}

/// Whether an Idempotency-Key is acceptable: 1 to 128 printable ASCII characters.
pub fn idempotency_key_ok(key: &str) -> bool {
    !key.is_empty()
        && key.len() <= MAX_IDEMPOTENCY_KEY_BYTES
        && key.bytes().all(|b| b.is_ascii_graphic())
}

/// A sale or basket-line amount: whole rupiah, 1 to [`MAX_AMOUNT_RP`].
pub fn sale_amount(text: &str) -> Result<Rupiah, SaleRefused> {
    let a = Rupiah::parse(text).map_err(|_| {
        SaleRefused::new(
            Code::InvalidAmount,
            "whole rupiah as digits, e.g. \"25000\"",
        )
    })?;
    if a.as_i64() == 0 || a.as_i64() > MAX_AMOUNT_RP {
        return Err(SaleRefused::new(
            Code::InvalidAmount,
            "must be between 1 and 10000000",
        ));
    }
    Ok(a)
}

/// Merges basket lines by category and checks each against the programme's categories and the
/// shop's, and their sum against the total.
pub fn basket(
    items: &[(String, String)],
    total: Rupiah,
    programme: &[Category],
    shop: &[Category],
) -> Result<Vec<(Category, Rupiah)>, SaleRefused> {
    if items.is_empty() || items.len() > MAX_ITEMS {
        return Err(SaleRefused::new(
            Code::InvalidAmount,
            "items must list 1 to 50 basket lines",
        ));
    }
    let mut merged: BTreeMap<Category, Rupiah> = BTreeMap::new();
    for (category, amount) in items {
        let category = Category::parse(category)
            .map_err(|_| SaleRefused::new(Code::CategoryNotAllowed, "not a category word"))?;
        if !programme.contains(&category) {
            return Err(SaleRefused::new(
                Code::CategoryNotAllowed,
                format!("{} is not a category of this programme", category.as_str()),
            ));
        }
        if !shop.contains(&category) {
            return Err(SaleRefused::new(
                Code::CategoryNotAllowed,
                format!("this shop is not registered to sell {}", category.as_str()),
            ));
        }
        let line = sale_amount(amount)?;
        let slot = merged.entry(category).or_insert(Rupiah::ZERO);
        *slot = slot
            .checked_add(line)
            .ok_or_else(|| SaleRefused::new(Code::InvalidAmount, "basket too large"))?;
    }
    let sum = merged
        .values()
        .try_fold(Rupiah::ZERO, |acc, a| acc.checked_add(*a))
        .ok_or_else(|| SaleRefused::new(Code::InvalidAmount, "basket too large"))?;
    if sum != total {
        return Err(SaleRefused::new(
            Code::InvalidAmount,
            "item amounts must add up to amount",
        ));
    }
    Ok(merged.into_iter().collect())
}

/// The canonical text of a sale request: the token in its canonical (upper-case) form, the
/// total, and the basket merged by category in category order, one `category=amount` a line.
/// Parts that do not parse stand as sent (trimmed), so even a request that will be refused has
/// one canonical form. `token_text` is the token's canonical text when it parses.
pub fn canonical_sale(req: &SaleRequest, token_text: Option<&str>) -> String {
    let token = token_text.unwrap_or(req.token.trim());
    let amount = Rupiah::parse(req.amount.trim())
        .map_or_else(|_| req.amount.trim().to_owned(), |a| a.to_string());
    let mut out = format!("{token}\n{amount}\n");
    let mut parsed: BTreeMap<&str, Option<Rupiah>> = BTreeMap::new();
    for (category, amount) in &req.items {
        let line = Rupiah::parse(amount.trim()).ok();
        let slot = parsed
            .entry(category.as_str())
            .or_insert(Some(Rupiah::ZERO));
        *slot = slot.zip(line).and_then(|(a, b)| a.checked_add(b));
    }
    if parsed.values().all(Option::is_some) {
        for (category, amount) in parsed {
            out.push_str(&format!("{category}={}\n", amount.unwrap_or(Rupiah::ZERO)));
        }
    } else {
        let mut raw: Vec<String> = req
            .items
            .iter()
            .map(|(c, a)| format!("{c}~{}\n", a.trim()))
            .collect();
        raw.sort();
        out.extend(raw);
    }
    out
}

/// The canonical text of a reversal request.
pub fn canonical_reversal(redemption_id: &str) -> String {
    format!("reversal\n{}\n", redemption_id.trim())
}

/// SHA-256 of a canonical request, hex: what an Idempotency-Key is bound to.
pub fn request_sha256(canonical: &str) -> String {
    hex::encode(Sha256::digest(canonical.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cats(words: &[&str]) -> Vec<Category> {
        words.iter().map(|w| Category::parse(w).unwrap()).collect()
    }

    fn req(token: &str, amount: &str, items: &[(&str, &str)]) -> SaleRequest {
        SaleRequest {
            token: token.into(),
            amount: amount.into(),
            items: items
                .iter()
                .map(|(c, a)| ((*c).to_owned(), (*a).to_owned()))
                .collect(),
        }
    }

    #[test]
    fn a_shop_sells_only_what_both_it_and_the_programme_allow() {
        let programme = Category::defaults();
        let milk_only = cats(&["susu"]);
        let total = Rupiah::new(10_000).unwrap();
        let eggs = [("protein_hewani".to_owned(), "10000".to_owned())];
        let milk = [("susu".to_owned(), "10000".to_owned())];
        assert_eq!(
            basket(&eggs, total, &programme, &milk_only)
                .unwrap_err()
                .code,
            Code::CategoryNotAllowed
        );
        assert!(basket(&milk, total, &programme, &milk_only).is_ok());
        assert_eq!(
            basket(&milk, total, &cats(&["mpasi"]), &milk_only)
                .unwrap_err()
                .code,
            Code::CategoryNotAllowed
        );
    }

    #[test]
    fn the_same_sale_spelled_differently_has_one_canonical_form() {
        let a = req(
            "rls1:abc",
            "25000",
            &[("susu", "10000"), ("protein_hewani", "15000")],
        );
        let b = req(
            "rls1:abc",
            "025000",
            &[
                ("protein_hewani", "5000"),
                ("susu", "10000"),
                ("protein_hewani", "10000"),
            ],
        );
        assert_eq!(
            canonical_sale(&a, Some("RLS1:ABC")),
            canonical_sale(&b, Some("RLS1:ABC"))
        );
        assert_eq!(
            canonical_sale(&a, Some("RLS1:ABC")),
            "RLS1:ABC\n25000\nprotein_hewani=15000\nsusu=10000\n"
        );
        let other = req("rls1:abc", "25000", &[("susu", "25000")]);
        assert_ne!(
            canonical_sale(&a, Some("RLS1:ABC")),
            canonical_sale(&other, Some("RLS1:ABC"))
        );
        // Unparseable parts still give one deterministic form.
        let bad = req("nope", "12.5", &[("susu", "x")]);
        assert_eq!(
            canonical_sale(&bad, None),
            canonical_sale(&bad.clone(), None)
        );
    }

    #[test]
    fn idempotency_keys_are_printable_ascii_up_to_128_bytes() {
        assert!(idempotency_key_ok("sale-0001"));
        assert!(!idempotency_key_ok(""));
        assert!(!idempotency_key_ok("with space"));
        assert!(!idempotency_key_ok(&"k".repeat(129)));
        assert!(!idempotency_key_ok("kunci-é"));
    }
}
