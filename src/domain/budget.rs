//! Budget lines: money of one funding source for one area in one programme year.

use super::Invalid;
use super::household::Desil;
use super::ids::{BudgetLineId, Kk, ProgrammeId};
use super::money::Rupiah;
use super::wilayah::WilayahCode;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

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

/// A household that qualifies for a voucher and waits for money.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Candidate {
    /// Household.
    pub no_kk: Kk,
    /// Its desa.
    pub kode_desa: WilayahCode,
    /// Its welfare decile.
    pub desil: Desil,
    /// Whether it has a stunted child under five (funded first).
    pub has_balita_stunting: bool,
    /// The voucher's value.
    pub value: Rupiah,
}

/// The outcome of funding a cycle.
#[derive(Clone, PartialEq, Eq, Debug, Default)]
pub struct Allocation {
    /// Funded households with the line charged, in funding order.
    pub funded: Vec<(Candidate, BudgetLineId)>,
    /// Households no line covering their desa could pay for (`skipped_budget`).
    pub skipped: Vec<Candidate>,
}

/// Funds candidates in order of need (balita stunting first, then lowest desil, then KK number
/// so the result is reproducible), each from one line: the first in [`charging_order`] that still
/// holds the whole value. A line never commits more than it holds.
pub fn allocate(mut candidates: Vec<Candidate>, lines: &[BudgetLine]) -> Allocation {
    candidates.sort_by(|a, b| {
        (!a.has_balita_stunting, a.desil, &a.no_kk).cmp(&(
            !b.has_balita_stunting,
            b.desil,
            &b.no_kk,
        ))
    });
    let mut remaining: HashMap<BudgetLineId, Rupiah> =
        lines.iter().map(|l| (l.id, l.remaining())).collect();
    let mut orders: HashMap<WilayahCode, Vec<BudgetLineId>> = HashMap::new();
    let mut out = Allocation::default();
    for candidate in candidates {
        let order = orders
            .entry(candidate.kode_desa.clone())
            .or_insert_with(|| {
                charging_order(lines, &candidate.kode_desa)
                    .iter()
                    .map(|l| l.id)
                    .collect()
            });
        let chosen = order
            .iter()
            .copied()
            .find(|id| remaining.get(id).is_some_and(|r| *r >= candidate.value));
        match chosen {
            Some(id) => {
                if let Some(r) = remaining.get_mut(&id) {
                    *r = r.checked_sub(candidate.value).unwrap_or(Rupiah::ZERO);
                }
                out.funded.push((candidate, id));
            }
            None => out.skipped.push(candidate),
        }
    }
    out
}

/// The line each desa's households are charged to, decided before anyone is judged, when money
/// is ample: `Some` only if every line can pay `cap` (the largest voucher) for every household
/// of `households_per_desa` whose desa it comes first for in [`charging_order`]. Then no line
/// runs short, so [`allocate`] gives every candidate its desa's first line whatever the order of
/// need, and issuance may fund and store vouchers as it judges. A desa no line covers is absent:
/// its candidates are skipped for budget, as [`allocate`] skips them.
pub fn ample_funding(
    lines: &[BudgetLine],
    households_per_desa: &[(WilayahCode, u64)],
    cap: Rupiah,
) -> Option<HashMap<WilayahCode, BudgetLineId>> {
    let mut first = HashMap::new();
    let mut needed: HashMap<BudgetLineId, i128> = HashMap::new();
    for (desa, households) in households_per_desa {
        if let Some(line) = charging_order(lines, desa).first() {
            first.insert(desa.clone(), line.id);
            *needed.entry(line.id).or_default() +=
                i128::from(*households) * i128::from(cap.as_i64());
        }
    }
    let ample = lines.iter().all(|l| {
        needed
            .get(&l.id)
            .is_none_or(|n| *n <= i128::from(l.remaining().as_i64()))
    });
    ample.then_some(first)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

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

    fn candidate(kk: u32, desa: &str, desil: u8, stunting: bool, value: i64) -> Candidate {
        Candidate {
            no_kk: Kk::parse(&format!("35140500{kk:08}")).unwrap(),
            kode_desa: WilayahCode::parse(desa).unwrap(),
            desil: Desil::new(desil).unwrap(),
            has_balita_stunting: stunting,
            value: Rupiah::new(value).unwrap(),
        }
    }

    fn sized(id: i64, code: &str, src: SumberDana, amount: i64) -> BudgetLine {
        BudgetLine {
            amount: Rupiah::new(amount).unwrap(),
            ..line(id, code, src)
        }
    }

    #[test]
    fn money_goes_to_need_first() {
        let lines = [sized(1, "35.14", SumberDana::Apbd, 300_000)];
        let out = allocate(
            vec![
                candidate(1, "35.14.05.2005", 1, false, 100_000),
                candidate(2, "35.14.05.2005", 4, true, 150_000),
                candidate(3, "35.14.05.2005", 2, false, 100_000),
                candidate(4, "35.14.05.2005", 3, false, 100_000),
            ],
            &lines,
        );
        let funded: Vec<&str> = out
            .funded
            .iter()
            .map(|(c, _)| &c.no_kk.as_str()[12..])
            .collect();
        assert_eq!(funded, ["0002", "0001"]);
        let skipped: Vec<&str> = out
            .skipped
            .iter()
            .map(|c| &c.no_kk.as_str()[12..])
            .collect();
        assert_eq!(
            skipped,
            ["0003", "0004"],
            "350.000 of need, 50.000 left: never half a voucher"
        );
    }

    #[test]
    fn the_specific_line_pays_first_then_the_wider_one() {
        let lines = [
            sized(1, "35.14", SumberDana::Apbd, 1_000_000),
            sized(2, "35.14.05.2005", SumberDana::DanaDesa, 150_000),
        ];
        let out = allocate(
            vec![
                candidate(1, "35.14.05.2005", 1, false, 100_000),
                candidate(2, "35.14.05.2005", 2, false, 100_000),
            ],
            &lines,
        );
        let charged: Vec<i64> = out.funded.iter().map(|(_, id)| id.0).collect();
        assert_eq!(
            charged,
            [2, 1],
            "the desa line cannot hold the second voucher, the kabupaten line can"
        );
        assert!(out.skipped.is_empty());
        let outside = allocate(
            vec![candidate(3, "35.09.01.2001", 1, false, 100_000)],
            &lines,
        );
        assert_eq!(outside.skipped.len(), 1, "no line covers Jember");
    }

    proptest! {
        #[test]
        fn lines_never_overcommit_and_everyone_is_accounted_for(
            values in prop::collection::vec((0u32..5, 1u8..=10, any::<bool>(), 1i64..400_000), 0..60),
            amounts in prop::collection::vec(0i64..2_000_000, 3),
        ) {
            let desa = ["35.14.05.2005", "35.14.05.2007", "35.14.06.2001", "35.14.05.2001", "35.09.01.2001"];
            let candidates: Vec<Candidate> = values.iter().enumerate()
                .map(|(i, (d, desil, s, v))| candidate(i as u32, desa[*d as usize], *desil, *s, *v)).collect();
            let lines = [
                sized(1, "35.14", SumberDana::Apbd, amounts[0]),
                sized(2, "35.14.05", SumberDana::Csr, amounts[1]),
                sized(3, "35.14.05.2005", SumberDana::DanaDesa, amounts[2]),
            ];
            let out = allocate(candidates.clone(), &lines);
            prop_assert_eq!(out.funded.len() + out.skipped.len(), candidates.len());
            for l in &lines {
                let spent: i64 = out.funded.iter().filter(|(_, id)| *id == l.id).map(|(c, _)| c.value.as_i64()).sum();
                prop_assert!(spent <= l.amount.as_i64());
            }
            for (c, id) in &out.funded {
                let line = lines.iter().find(|l| l.id == *id).unwrap();
                prop_assert!(line.kode_wilayah.covers(&c.kode_desa));
            }
        }
    }

    proptest! {
        #[test]
        fn ample_funding_is_what_allocate_would_do(
            values in prop::collection::vec((0u32..5, 1u8..=10, any::<bool>(), 1i64..=300_000), 0..40),
            amounts in prop::collection::vec(0i64..40_000_000, 3),
        ) {
            let desa = ["35.14.05.2005", "35.14.05.2007", "35.14.06.2001", "35.14.05.2001", "35.09.01.2001"];
            let candidates: Vec<Candidate> = values.iter().enumerate()
                .map(|(i, (d, desil, s, v))| candidate(i as u32, desa[*d as usize], *desil, *s, *v)).collect();
            let lines = [
                sized(1, "35.14", SumberDana::Apbd, amounts[0]),
                sized(2, "35.14.05", SumberDana::Csr, amounts[1]),
                sized(3, "35.14.05.2005", SumberDana::DanaDesa, amounts[2]),
            ];
            let mut per_desa: HashMap<WilayahCode, u64> = HashMap::new();
            for c in &candidates {
                *per_desa.entry(c.kode_desa.clone()).or_default() += 1;
            }
            let per_desa: Vec<(WilayahCode, u64)> = per_desa.into_iter().collect();
            let cap = Rupiah::new(300_000).unwrap();
            if let Some(first) = ample_funding(&lines, &per_desa, cap) {
                let out = allocate(candidates.clone(), &lines);
                for (c, line) in &out.funded {
                    prop_assert_eq!(first.get(&c.kode_desa), Some(line));
                }
                for c in &out.skipped {
                    prop_assert!(!first.contains_key(&c.kode_desa));
                }
            } else {
                // Not ample: some line could not pay the cap for all it comes first for.
                let short = lines.iter().any(|l| {
                    let routed: u64 = per_desa.iter()
                        .filter(|(d, _)| charging_order(&lines, d).first().map(|f| f.id) == Some(l.id))
                        .map(|(_, n)| n).sum();
                    i128::from(routed) * 300_000 > i128::from(l.remaining().as_i64())
                });
                prop_assert!(short);
            }
        }
    }
}
