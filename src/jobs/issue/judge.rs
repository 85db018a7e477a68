//! Issuance's judging phase: the registry read a slice at a time in KK order, each household
//! judged, candidates handed to the signers as they are found, and funding decided — at once
//! when money is ample, otherwise by `allocate` in order of need once everyone is judged.
//!
//! Random ids are drawn for every household and handed out in ascending order along the KK
//! order: each stored batch then lands in one narrow slice of the id index and of the (cycle,
//! KK) index instead of on nearly every page of both (random order made each SQLite commit
//! rewrite the whole id index). Every id is still 128 random bits; only the handing-out is
//! ordered, so an id tells its rank among the cycle's KK numbers, less than the card shows.

use super::sign::ToSign;
use super::{BATCH_VOUCHERS, Facts, Funding, IssueError, IssueReport, Run, SLICE_HOUSEHOLDS};
use crate::domain::budget::{Candidate, allocate};
use crate::domain::eligibility::{Ineligible, judge};
use crate::domain::household::{HouseholdFacts, MemberFacts};
use crate::domain::ids::{Kk, VoucherId};
use crate::domain::wilayah::WilayahCode;
use std::collections::HashMap;
use std::sync::mpsc;
use tokio::sync::oneshot;

/// The households counted per desa when funding was decided: each desa admits that many.
pub(super) struct Counted<'a>(HashMap<&'a WilayahCode, u64>);

impl<'a> Counted<'a> {
    pub(super) fn new(per_desa: &'a [(WilayahCode, u64)]) -> Counted<'a> {
        Counted(per_desa.iter().map(|(desa, n)| (desa, *n)).collect())
    }

    /// Whether one more household of `desa` was counted.
    pub(super) fn admit(&mut self, desa: &WilayahCode) -> bool {
        match self.0.get_mut(desa) {
            Some(left) if *left > 0 => {
                *left -= 1;
                true
            }
            _ => false,
        }
    }
}

/// What judging keeps between slices.
struct Judging<'a> {
    report: IssueReport,
    ids: std::vec::IntoIter<[u8; 16]>,
    /// Short money: every funded-to-be candidate, for `allocate`.
    candidates: Vec<Candidate>,
    /// Ample money: funding holds for the households counted per desa; any more (joined
    /// since, or moved in) wait for the next run rather than stretch that guarantee.
    counted: Option<Counted<'a>>,
}

impl Run<'_> {
    /// Judges the whole registry; sends candidates to `work_tx` and, with short money, the
    /// allocation to `funding_tx`.
    pub(super) async fn judge(
        &self,
        facts: &Facts,
        work_tx: mpsc::Sender<Vec<ToSign>>,
        funding_tx: Option<oneshot::Sender<Funding>>,
    ) -> Result<IssueReport, IssueError> {
        let households_now = facts.per_desa.iter().map(|(_, n)| *n).sum::<u64>();
        let mut ids: Vec<[u8; 16]> = (0..households_now).map(|_| rand::random()).collect();
        ids.sort_unstable();
        let mut state = Judging {
            report: IssueReport::default(),
            ids: ids.into_iter(),
            candidates: Vec::new(),
            counted: facts.ample.as_ref().map(|_| Counted::new(&facts.per_desa)),
        };
        let mut after: Option<Kk> = None;
        loop {
            let (households, members) = self
                .store
                .eligibility_slice(after.as_ref(), SLICE_HOUSEHOLDS, self.period.first_day())
                .await?;
            let to_sign = self.judge_slice(facts, &households, &members, &mut state);
            for batch in to_sign.chunks(BATCH_VOUCHERS) {
                if work_tx.send(batch.to_vec()).is_err() {
                    return Err(IssueError::Signing); // every signing thread is gone
                }
            }
            if households.len() < SLICE_HOUSEHOLDS as usize {
                break;
            }
            after = households.last().map(|h| h.no_kk.clone());
        }
        drop(work_tx);
        if let Some(funding_tx) = funding_tx {
            self.allocate(facts, &mut state, funding_tx);
        }
        Ok(state.report)
    }

    /// Judges one slice; returns its candidates to sign and reports the rest as done.
    fn judge_slice(
        &self,
        facts: &Facts,
        households: &[HouseholdFacts],
        members: &HashMap<Kk, Vec<MemberFacts>>,
        state: &mut Judging<'_>,
    ) -> Vec<ToSign> {
        let mut to_sign = Vec::new();
        let mut skipped = 0;
        for h in households {
            // Households added since they were counted get fresh random ids.
            let id = VoucherId::from_bytes(state.ids.next().unwrap_or_else(rand::random));
            match self.judge_one(facts, h, members, state) {
                Some(candidate) => to_sign.push(ToSign { candidate, id }),
                None => skipped += 1,
            }
        }
        (self.progress)(skipped);
        to_sign
    }

    /// The household's candidate, if it is to be signed now; otherwise counts why not.
    fn judge_one(
        &self,
        facts: &Facts,
        h: &HouseholdFacts,
        members: &HashMap<Kk, Vec<MemberFacts>>,
        state: &mut Judging<'_>,
    ) -> Option<Candidate> {
        let report = &mut state.report;
        if let Some(counted) = state.counted.as_mut()
            && !counted.admit(&h.kode_desa)
        {
            report.deferred += 1;
            return None;
        }
        let own = members.get(&h.no_kk).map_or(&[][..], Vec::as_slice);
        let settings = &self.programme.settings;
        let eligible = match judge(h, own, settings, &facts.lokus, self.period) {
            Ok(e) => e,
            Err(why) => {
                report.skipped_ineligible += 1;
                *report
                    .ineligible_reasons
                    .entry(reason_name(why).to_owned())
                    .or_default() += 1;
                return None;
            }
        };
        report.eligible += 1;
        match report.eligible_by_desa.get_mut(&h.kode_desa) {
            Some(n) => *n += 1,
            None => {
                report.eligible_by_desa.insert(h.kode_desa.clone(), 1);
            }
        }
        if facts.issued.contains(h.no_kk.as_str()) {
            report.already_issued += 1;
            return None;
        }
        let candidate = Candidate {
            no_kk: h.no_kk.clone(),
            kode_desa: h.kode_desa.clone(),
            desil: h.desil,
            has_balita_stunting: eligible.has_balita_stunting,
            value: eligible.value,
        };
        match &facts.ample {
            Some(by_desa) if !by_desa.contains_key(&h.kode_desa) => {
                report.skipped_budget += 1;
                return None;
            }
            Some(_) => {}
            None => state.candidates.push(candidate.clone()),
        }
        Some(candidate)
    }

    /// Short money: funds the candidates in order of need and sends the result to the storer;
    /// the signatures of those left out are dropped.
    fn allocate(
        &self,
        facts: &Facts,
        state: &mut Judging<'_>,
        funding_tx: oneshot::Sender<Funding>,
    ) {
        let allocation = allocate(std::mem::take(&mut state.candidates), &facts.lines);
        state.report.skipped_budget = allocation.skipped.len() as u64;
        (self.progress)(state.report.skipped_budget);
        let by_kk = allocation
            .funded
            .into_iter()
            .map(|(c, line)| (c.no_kk, line))
            .collect();
        // The storer is gone only if it failed, and then its error is the one reported.
        let _ = funding_tx.send(Funding::ByKk(by_kk));
    }
}

fn reason_name(why: Ineligible) -> &'static str {
    match why {
        Ineligible::NotActive => "not_active",
        Ineligible::NotLokus => "not_lokus",
        Ineligible::DesilTooHigh => "desil_too_high",
        Ineligible::NoTarget => "no_target",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_households_counted_when_funding_was_decided_are_admitted() {
        let sibon = WilayahCode::parse("35.14.05.2005").unwrap();
        let other = WilayahCode::parse("35.14.05.2007").unwrap();
        let per_desa = [(sibon.clone(), 2)];
        let mut counted = Counted::new(&per_desa);
        assert!(counted.admit(&sibon));
        assert!(counted.admit(&sibon));
        assert!(!counted.admit(&sibon), "a third joined since the count");
        assert!(
            !counted.admit(&other),
            "a desa nobody lived in when counted"
        );
    }
}
