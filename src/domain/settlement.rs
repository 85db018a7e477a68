//! Paying the shops: a settlement claims every sale and reversal not settled before into one
//! statement line per shop, and moves draft → approved → paid. Payout details are shown in full
//! to finance only.

use serde::{Deserialize, Serialize};

/// Where a settlement stands.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SettlementStatus {
    /// Claimed, open to the shops' flags.
    Draft,
    /// Checked by finance; ready to pay.
    Approved,
    /// Paid, with the bank's reference.
    Paid,
}

impl SettlementStatus {
    /// The stored word.
    pub fn as_str(self) -> &'static str {
        match self {
            SettlementStatus::Draft => "draft",
            SettlementStatus::Approved => "approved",
            SettlementStatus::Paid => "paid",
        }
    }

    /// Parses the stored word.
    pub fn parse(text: &str) -> Option<SettlementStatus> {
        match text {
            "draft" => Some(SettlementStatus::Draft),
            "approved" => Some(SettlementStatus::Approved),
            "paid" => Some(SettlementStatus::Paid),
            _ => None,
        }
    }

    /// The state a step needs before it: approve a draft, pay an approved one.
    pub fn before(self) -> Option<SettlementStatus> {
        match self {
            SettlementStatus::Draft => None,
            SettlementStatus::Approved => Some(SettlementStatus::Draft),
            SettlementStatus::Paid => Some(SettlementStatus::Approved),
        }
    }
}

/// One shop's line of a settlement. `net_rp` is negative when reversals of sales settled before
/// exceed this statement's sales.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct SettlementLine {
    /// Shop.
    pub merchant_id: i64,
    /// Its name.
    pub name: String,
    /// Sales claimed.
    pub count: i64,
    /// Reversals claimed.
    pub reversal_count: i64,
    /// Σ sales.
    #[serde(with = "crate::domain::reconcile::rp")]
    pub gross: i64,
    /// Σ reversals.
    #[serde(with = "crate::domain::reconcile::rp")]
    pub reversals: i64,
    /// gross − reversals.
    #[serde(with = "crate::domain::reconcile::rp")]
    pub net: i64,
}

/// What a shop is paid on one settlement, after what it owes from earlier ones: a shop cannot
/// be paid a negative amount, so a negative net (late reversals only) is owed by the shop and
/// deducted from its next positive line (docs/settlement.md).
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default, Serialize)]
pub struct Payout {
    /// Owed from earlier settlements and deducted here (0 or positive).
    #[serde(with = "crate::domain::reconcile::rp")]
    pub carried_in: i64,
    /// What the bank transfers (0 or positive): max(0, net − carried_in).
    #[serde(with = "crate::domain::reconcile::rp")]
    pub to_transfer: i64,
    /// Still owed by the shop after this settlement (0 or positive), carried into the next.
    #[serde(with = "crate::domain::reconcile::rp")]
    pub owed_after: i64,
}

/// The payout of a line whose shop had `earlier_nets` (its nets in the settlements before this
/// one, oldest first) and now `net`.
pub fn payout(earlier_nets: &[i64], net: i64) -> Payout {
    let owed = earlier_nets.iter().fold(0_i64, |owed, n| (owed - n).max(0));
    let left = net - owed;
    Payout {
        carried_in: owed,
        to_transfer: left.max(0),
        owed_after: (-left).max(0),
    }
}

/// Where a shop is paid.
#[derive(Clone, PartialEq, Eq, Debug, Default, Serialize, Deserialize)]
pub struct BankDetails {
    /// Bank name (e.g. `BRI`).
    pub bank_name: Option<String>,
    /// Account number.
    pub bank_account: Option<String>,
    /// Account holder.
    pub bank_holder: Option<String>,
}

impl BankDetails {
    /// As shown outside finance: the account number's last four digits only.
    pub fn masked(&self) -> BankDetails {
        BankDetails {
            bank_name: self.bank_name.clone(),
            bank_account: self.bank_account.as_deref().map(mask_account),
            bank_holder: self.bank_holder.clone(),
        }
    }
}

/// `1234567890` → `******7890`.
pub fn mask_account(account: &str) -> String {
    let n = account.chars().count();
    account
        .chars()
        .enumerate()
        .map(|(i, c)| if i + 4 < n { '*' } else { c })
        .collect()
}

/// The transfer reference of a line: what the bank statement shows and `/paid` records.
pub fn transfer_reference(period: &str, settlement_id: i64, merchant_id: i64) -> String {
    format!("RELASI {period} S{settlement_id} T{merchant_id}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_negative_net_is_owed_and_deducted_from_the_next_payment() {
        assert_eq!(
            payout(&[], 50),
            Payout {
                carried_in: 0,
                to_transfer: 50,
                owed_after: 0
            }
        );
        assert_eq!(
            payout(&[50], -30),
            Payout {
                carried_in: 0,
                to_transfer: 0,
                owed_after: 30
            }
        );
        assert_eq!(
            payout(&[50, -30], 20),
            Payout {
                carried_in: 30,
                to_transfer: 0,
                owed_after: 10
            }
        );
        assert_eq!(
            payout(&[50, -30, 20], 25),
            Payout {
                carried_in: 10,
                to_transfer: 15,
                owed_after: 0
            }
        );
        assert_eq!(
            payout(&[-5, -5], 0),
            Payout {
                carried_in: 10,
                to_transfer: 0,
                owed_after: 10
            }
        );
    }

    #[test]
    fn steps_go_draft_approved_paid_and_accounts_are_masked() {
        assert_eq!(
            SettlementStatus::Paid.before(),
            Some(SettlementStatus::Approved)
        );
        assert_eq!(
            SettlementStatus::Approved.before(),
            Some(SettlementStatus::Draft)
        );
        for s in ["draft", "approved", "paid"] {
            assert_eq!(
                SettlementStatus::parse(s).map(SettlementStatus::as_str),
                Some(s)
            );
        }
        assert_eq!(mask_account("1234567890"), "******7890");
        assert_eq!(mask_account("123"), "123");
    }
}
