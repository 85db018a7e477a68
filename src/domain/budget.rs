//! Budget lines: money of one funding source for one area in one programme year.

use super::Invalid;
use super::ids::{BudgetLineId, ProgrammeId};
use super::money::Rupiah;
use super::wilayah::WilayahCode;
use serde::{Deserialize, Serialize};

/// Sumber dana: where the money comes from. The order here is the charging priority when two
/// lines cover the same area equally specifically (village money first, then district, company
/// and national money).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Serialize, Deserialize)]
pub enum SumberDana {
    /// Village fund.
    #[serde(rename = "DANA_DESA")]
    DanaDesa,
    /// District budget.
    #[serde(rename = "APBD")]
    Apbd,
    /// Company social responsibility funds.
    #[serde(rename = "CSR")]
    Csr,
    /// National budget.
    #[serde(rename = "APBN")]
    Apbn,
}

impl SumberDana {
    /// Parses the SPEC word.
    pub fn parse(text: &str) -> Result<SumberDana, Invalid> {
        match text {
            "DANA_DESA" => Ok(SumberDana::DanaDesa),
            "APBD" => Ok(SumberDana::Apbd),
            "CSR" => Ok(SumberDana::Csr),
            "APBN" => Ok(SumberDana::Apbn),
            _ => Err(Invalid::new(
                "sumber_dana",
                "must be APBD, DANA_DESA, CSR or APBN",
            )),
        }
    }

    /// The SPEC word.
    pub fn as_str(self) -> &'static str {
        match self {
            SumberDana::DanaDesa => "DANA_DESA",
            SumberDana::Apbd => "APBD",
            SumberDana::Csr => "CSR",
            SumberDana::Apbn => "APBN",
        }
    }
}

/// A budget line and how much of it vouchers have committed.
#[derive(Clone, PartialEq, Eq, Debug, Serialize)]
pub struct BudgetLine {
    /// Id.
    pub id: BudgetLineId,
    /// Programme.
    pub programme_id: ProgrammeId,
    /// Year.
    pub year: i32,
    /// Source.
    pub sumber_dana: SumberDana,
    /// Area the money is for.
    pub kode_wilayah: WilayahCode,
    /// Ceiling.
    pub amount: Rupiah,
    /// Face value of vouchers charged to it (never above `amount`).
    pub committed: Rupiah,
}

impl BudgetLine {
    /// What is still free to commit.
    pub fn remaining(&self) -> Rupiah {
        self.amount
            .checked_sub(self.committed)
            .unwrap_or(Rupiah::ZERO)
    }
}

/// Orders candidate lines for a desa: most specific area first, then by source priority, then
/// oldest line first. Lines that do not cover the desa are dropped.
pub fn charging_order<'a>(lines: &'a [BudgetLine], desa: &WilayahCode) -> Vec<&'a BudgetLine> {
    let mut out: Vec<&BudgetLine> = lines
        .iter()
        .filter(|l| l.kode_wilayah.covers(desa))
        .collect();
    out.sort_by_key(|l| {
        (
            std::cmp::Reverse(l.kode_wilayah.level()),
            l.sumber_dana,
            l.id,
        )
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(id: i64, code: &str, src: SumberDana) -> BudgetLine {
        BudgetLine {
            id: BudgetLineId(id),
            programme_id: ProgrammeId(1),
            year: 2026,
            sumber_dana: src,
            kode_wilayah: WilayahCode::parse(code).unwrap(),
            amount: Rupiah::new(1_000_000).unwrap(),
            committed: Rupiah::ZERO,
        }
    }

    #[test]
    fn most_specific_then_source_priority() {
        let lines = vec![
            line(1, "35.14", SumberDana::Apbd),
            line(2, "35.14.05", SumberDana::Csr),
            line(3, "35.14.05.2005", SumberDana::Apbd),
            line(4, "35.14.05.2005", SumberDana::DanaDesa),
            line(5, "35.14.06", SumberDana::DanaDesa),
        ];
        let desa = WilayahCode::parse("35.14.05.2005").unwrap();
        let order: Vec<i64> = charging_order(&lines, &desa)
            .iter()
            .map(|l| l.id.0)
            .collect();
        assert_eq!(order, [4, 3, 2, 1]);
    }
}
