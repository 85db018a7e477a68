//! Issuance: judge every household, fund the eligible in order of need, sign their vouchers off
//! the async runtime, and store them in batches with their budget charges. Idempotent: a second
//! run issues only what is missing. One run per cycle at a time (a lease on the cycle row).

use crate::domain::audit::AuditEvent;
use crate::domain::budget::{Candidate, allocate, ample_funding};
use crate::domain::eligibility::{Ineligible, judge};
use crate::domain::ids::{BudgetLineId, Kk, Period, VoucherId};
use crate::domain::money::Rupiah;
use crate::domain::programme::Programme;
use crate::domain::wilayah::WilayahCode;
use crate::signing::{self, KeyFileError, Signer};
use crate::store::{NewVoucher, Progress, Store, StoreError, now_us};
use relasi_token::{DeploymentId, Flags, VoucherClaims};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::Arc;

/// Vouchers signed and stored per step.
const BATCH: usize = 2000;
/// Households read and judged per step while the signers work.
const SLICE: u32 = 20_000;
/// Signed batches that may wait for storing (memory: about 600 KB each).
const SIGNED_AHEAD: usize = 64;
/// How long a runner's claim on a cycle lasts without renewal.
const LEASE_US: i64 = 5 * 60 * 1_000_000;

/// Why issuance stopped.
#[derive(Debug, thiserror::Error)]
pub enum IssueError {
    /// The cycle is not open.
    #[error("cycle not open")]
    CycleNotOpen,
    /// Another issuance of this cycle is running.
    #[error("issuance already running")]
    InProgress,
    /// The deployment id is not set.
    #[error("deployment id not set")]
    NoDeployment,
    /// The signing key is missing or does not match.
    #[error(transparent)]
    Key(#[from] KeyFileError),
    /// Signing failed to run.
    #[error("signing task failed")]
    Signing,
    /// The database refused.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What a run did (SPEC: eligible, issued, skipped_ineligible, skipped_budget, total_value).
#[derive(Clone, Debug, Default, Serialize)]
pub struct IssueReport {
    /// The cycle.
    pub period: String,
    /// Households eligible on the cycle's first day (including those issued before).
    pub eligible: u64,
    /// Vouchers issued by this run.
    pub issued: u64,
    /// Eligible households that already had their voucher.
    pub already_issued: u64,
    /// Households not eligible.
    pub skipped_ineligible: u64,
    /// Why, counted.
    pub ineligible_reasons: BTreeMap<String, u64>,
    /// Eligible households no budget line could fund.
    pub skipped_budget: u64,
    /// Face value issued by this run.
    pub total_value: Rupiah,
    /// Households that joined the registry or a desa while this run read it (with ample money
    /// only, whose funding was decided from the households counted at the start); the next run
    /// judges them.
    pub deferred: u64,
}

/// Runs issuance for `period` of `programme`, signing with the active key from `key_dir`.
pub async fn issue_cycle(
    store: &Store,
    programme: &Programme,
    period: Period,
    key_dir: &Path,
    actor: &str,
    progress: Progress<'_>,
) -> Result<IssueReport, IssueError> {
    let cycle = match store.cycle(programme.id, period).await {
        Ok(c) => c,
        Err(StoreError::NotFound) => return Err(IssueError::CycleNotOpen),
        Err(e) => return Err(e.into()),
    };
    let deployment = store
        .deployment_id()
        .await?
        .ok_or(IssueError::NoDeployment)?;
    let keys = store.signing_keys().await?;
    let signer = Arc::new(signing::load(key_dir, signing::active(&keys)?)?);
    let mut lease = now_us() + LEASE_US;
    if !store.take_issuance_lease(cycle.id, lease, None).await? {
        return Err(IssueError::InProgress);
    }
    let result = run(
        store,
        programme,
        &cycle,
        period,
        &deployment,
        signer,
        &mut lease,
        progress,
    )
    .await;
    store.release_issuance_lease(cycle.id).await?;
    let report = result?;
    store
        .audit(&AuditEvent::new(
            actor,
            "cycle.issue",
            format!("cycle:{}", cycle.id),
            &serde_json::to_value(&report).unwrap_or_default(),
        ))
        .await?;
    Ok(report)
}

#[allow(clippy::too_many_arguments)]
async fn run(
    store: &Store,
    programme: &Programme,
    cycle: &crate::domain::voucher::Cycle,
    period: Period,
    deployment: &DeploymentId,
    signer: Arc<Signer>,
    lease: &mut i64,
    progress: Progress<'_>,
) -> Result<IssueReport, IssueError> {
    let started = std::time::Instant::now();
    let lokus = store.lokus(programme.year).await?;
    let issued = store.issued_households(cycle.id).await?;
    let lines = store.budget_lines(programme.id, programme.year).await?;
    let per_desa = store.households_per_desa().await?;
    // With ample money every household's line is known before anyone is judged, and vouchers
    // are stored as they are signed; otherwise storing waits for allocation in order of need.
    let ample = ample_funding(&lines, &per_desa, programme.settings.voucher_cap);
    let flags = Flags::with_offline(programme.settings.offline_allowed);
    let valid = (cycle.valid_from.timestamp(), cycle.valid_until.timestamp());
    let valid_u32 = (
        u32::try_from(valid.0).unwrap_or(0),
        u32::try_from(valid.1).unwrap_or(0),
    );

    // Signing threads, one per core, take batches of candidates from a queue. A token names
    // neither the household nor the budget line, so signing need not wait for allocation.
    let threads = signing_threads();
    let (work_tx, work_rx) = std::sync::mpsc::channel::<Vec<ToSign>>();
    let work_rx = Arc::new(std::sync::Mutex::new(work_rx));
    let (signed_tx, signed_rx) = tokio::sync::mpsc::channel::<Vec<Signed>>(SIGNED_AHEAD);
    let mut signers = tokio::task::JoinSet::new();
    for _ in 0..threads {
        let (work_rx, signed_tx) = (Arc::clone(&work_rx), signed_tx.clone());
        let (signer, deployment) = (Arc::clone(&signer), deployment.clone());
        let programme_number = programme.number;
        signers.spawn_blocking(move || {
            loop {
                let next = match work_rx.lock() {
                    Ok(rx) => rx.recv(),
                    Err(_) => break,
                };
                let Ok(batch) = next else {
                    break; // every candidate handed out
                };
                let signed = sign_batch(
                    batch,
                    &signer,
                    &deployment,
                    programme_number,
                    flags,
                    valid_u32,
                );
                if signed_tx.blocking_send(signed).is_err() {
                    break; // storing stopped
                }
            }
        });
    }
    drop(signed_tx);
    let (funding_tx, funding_rx) = tokio::sync::oneshot::channel::<Funding>();
    let funding_tx = match &ample {
        Some(by_desa) => {
            let _ = funding_tx.send(Funding::ByDesa(by_desa.clone()));
            None
        }
        None => Some(funding_tx),
    };
    let households_now = per_desa.iter().map(|(_, n)| *n).sum::<u64>();
    let judging = judge_registry(
        store,
        programme,
        period,
        &lokus,
        &issued,
        &lines,
        ample.as_ref().map(|by_desa| (by_desa, per_desa.as_slice())),
        usize::try_from(households_now).unwrap_or(0),
        work_tx,
        funding_tx,
        progress,
    );
    let storing = store_signed(
        store,
        programme,
        cycle,
        valid,
        signer.kid.to_hex(),
        signed_rx,
        funding_rx,
        lease,
        progress,
    );
    let (judged, (stored, waited_for_signing)) = tokio::try_join!(judging, storing)?;
    // A signing thread that panicked signed fewer batches: fail rather than report a short run.
    while let Some(done) = signers.join_next().await {
        done.map_err(|_| IssueError::Signing)?;
    }
    let mut report = judged;
    report.period = period.to_string();
    report.issued = stored.0;
    report.total_value = stored.1;
    tracing::info!(
        ample_money = ample.is_some(),
        waited_for_signing_ms = waited_for_signing.as_millis(),
        total_ms = started.elapsed().as_millis(),
        issued = report.issued,
        "issuance phases"
    );
    Ok(report)
}

/// The households counted per desa when funding was decided: each desa admits that many.
struct Counted<'a>(HashMap<&'a WilayahCode, u64>);

impl<'a> Counted<'a> {
    fn new(per_desa: &'a [(WilayahCode, u64)]) -> Counted<'a> {
        Counted(per_desa.iter().map(|(desa, n)| (desa, *n)).collect())
    }

    /// Whether one more household of `desa` was counted.
    fn admit(&mut self, desa: &WilayahCode) -> bool {
        match self.0.get_mut(desa) {
            Some(left) if *left > 0 => {
                *left -= 1;
                true
            }
            _ => false,
        }
    }
}

/// The line each desa's households are charged to when money is ample.
type LineByDesa = HashMap<WilayahCode, BudgetLineId>;

/// Which line pays for a household's voucher.
enum Funding {
    /// Ample money: the first line of the household's desa ([`ample_funding`]).
    ByDesa(LineByDesa),
    /// Short money: what [`allocate`] gave each household, in order of need.
    ByKk(HashMap<Kk, BudgetLineId>),
}

/// Reads and judges the registry a slice at a time in KK order, handing candidates to the
/// signers as they are found, and decides the funding: at once when money is ample (households
/// of a desa no line covers are skipped), otherwise by [`allocate`] once everyone is judged.
///
/// Random ids are drawn for every household and handed out in ascending order along the KK
/// order: each stored batch then lands in one narrow slice of the id index and of the (cycle,
/// KK) index instead of on nearly every page of both (random order made each SQLite commit
/// rewrite the whole id index). Every id is still 128 random bits; only the handing-out is
/// ordered, so an id tells its rank among the cycle's KK numbers, less than the card shows.
#[allow(clippy::too_many_arguments)]
async fn judge_registry(
    store: &Store,
    programme: &Programme,
    period: Period,
    lokus: &[WilayahCode],
    issued: &std::collections::HashSet<String>,
    lines: &[crate::domain::budget::BudgetLine],
    ample: Option<(&LineByDesa, &[(WilayahCode, u64)])>,
    households_now: usize,
    work_tx: std::sync::mpsc::Sender<Vec<ToSign>>,
    funding_tx: Option<tokio::sync::oneshot::Sender<Funding>>,
    progress: Progress<'_>,
) -> Result<IssueReport, IssueError> {
    let mut report = IssueReport::default();
    let mut ids: Vec<[u8; 16]> = (0..households_now).map(|_| rand::random()).collect();
    ids.sort_unstable();
    let mut ids = ids.into_iter();
    let mut candidates = Vec::new();
    // With ample money, funding holds for the households counted per desa; any more (joined
    // since, or moved in) wait for the next run rather than stretch that guarantee.
    let mut counted = ample.map(|(_, per_desa)| Counted::new(per_desa));
    let mut after = None;
    loop {
        let (households, members) = store
            .eligibility_slice(after.as_ref(), SLICE, period.first_day())
            .await?;
        let mut to_sign = Vec::new();
        let mut skipped = 0;
        for h in &households {
            // Households added since they were counted get fresh random ids.
            let id = ids.next().unwrap_or_else(rand::random);
            if let Some(counted) = counted.as_mut()
                && !counted.admit(&h.kode_desa)
            {
                report.deferred += 1;
                skipped += 1;
                continue;
            }
            let own = members.get(&h.no_kk).map_or(&[][..], Vec::as_slice);
            match judge(h, own, &programme.settings, lokus, period) {
                Ok(e) => {
                    report.eligible += 1;
                    if issued.contains(h.no_kk.as_str()) {
                        report.already_issued += 1;
                        skipped += 1;
                        continue;
                    }
                    let candidate = Candidate {
                        no_kk: h.no_kk.clone(),
                        kode_desa: h.kode_desa.clone(),
                        desil: h.desil,
                        has_balita_stunting: e.has_balita_stunting,
                        value: e.value,
                    };
                    match ample {
                        Some((by_desa, _)) if !by_desa.contains_key(&h.kode_desa) => {
                            report.skipped_budget += 1;
                            skipped += 1;
                            continue;
                        }
                        Some(_) => {}
                        None => candidates.push(candidate.clone()),
                    }
                    to_sign.push(ToSign { candidate, id });
                }
                Err(why) => {
                    report.skipped_ineligible += 1;
                    skipped += 1;
                    *report
                        .ineligible_reasons
                        .entry(reason_name(why).to_owned())
                        .or_default() += 1;
                }
            }
        }
        progress(skipped);
        for batch in to_sign.chunks(BATCH) {
            if work_tx.send(batch.to_vec()).is_err() {
                return Err(IssueError::Signing); // every signing thread is gone
            }
        }
        if households.len() < SLICE as usize {
            break;
        }
        after = households.last().map(|h| h.no_kk.clone());
    }
    drop(work_tx);
    if let Some(funding_tx) = funding_tx {
        // Short money: fund in order of need; the signatures of those left out are dropped.
        let allocation = allocate(candidates, lines);
        report.skipped_budget = allocation.skipped.len() as u64;
        progress(report.skipped_budget);
        let by_kk = allocation
            .funded
            .into_iter()
            .map(|(c, line)| (c.no_kk, line))
            .collect();
        // The storer is gone only if it failed, and then its error is the one reported.
        let _ = funding_tx.send(Funding::ByKk(by_kk));
    }
    Ok(report)
}

/// Stores signed vouchers in batches as they come, once their funding is known: two batches at
/// once on PostgreSQL (two backends), one on SQLite (one writer; a second transaction would
/// only sleep in its busy handler). A run stopped half-way is completed by the next one, which
/// judges and funds the rest with the money left. Returns (issued, total value) and the time
/// spent waiting for signatures.
#[allow(clippy::too_many_arguments)]
async fn store_signed(
    store: &Store,
    programme: &Programme,
    cycle: &crate::domain::voucher::Cycle,
    valid: (i64, i64),
    kid: String,
    mut signed_rx: tokio::sync::mpsc::Receiver<Vec<Signed>>,
    funding_rx: tokio::sync::oneshot::Receiver<Funding>,
    lease: &mut i64,
    progress: Progress<'_>,
) -> Result<((u64, Rupiah), std::time::Duration), IssueError> {
    let Ok(funding) = funding_rx.await else {
        // Judging failed before deciding; its error is the one reported.
        return Ok(((0, Rupiah::ZERO), std::time::Duration::ZERO));
    };
    let in_flight = match store.backend() {
        crate::store::Backend::Postgres => 2,
        crate::store::Backend::Sqlite => 1,
    };
    let mut done = (0u64, Rupiah::ZERO);
    let mut waited_for_signing = std::time::Duration::ZERO;
    let mut tasks: tokio::task::JoinSet<Result<(u64, Rupiah), StoreError>> =
        tokio::task::JoinSet::new();
    let add = |done: &mut (u64, Rupiah), batch: (u64, Rupiah)| {
        done.0 += batch.0;
        done.1 = done.1.checked_add(batch.1).unwrap_or(Rupiah::MAX);
        progress(batch.0);
    };
    loop {
        let wait = std::time::Instant::now();
        let Some(signed) = signed_rx.recv().await else {
            break;
        };
        waited_for_signing += wait.elapsed();
        let vouchers: Vec<NewVoucher> = signed
            .into_iter()
            .filter_map(|s| {
                let line = *match &funding {
                    Funding::ByDesa(m) => m.get(&s.candidate.kode_desa),
                    Funding::ByKk(m) => m.get(&s.candidate.no_kk),
                }?;
                Some(NewVoucher {
                    id: VoucherId::from_bytes(s.id),
                    no_kk: s.candidate.no_kk,
                    kode_desa: s.candidate.kode_desa,
                    budget_line_id: line,
                    kid: kid.clone(),
                    face_value: s.candidate.value,
                    token: s.token,
                })
            })
            .collect();
        if vouchers.is_empty() {
            continue;
        }
        renew_lease(store, cycle.id, lease).await?;
        while tasks.len() >= in_flight {
            if let Some(finished) = tasks.join_next().await {
                add(&mut done, finished.map_err(|_| IssueError::Signing)??);
            }
        }
        let (store, programme_id, cycle_id) = (store.clone(), programme.id, cycle.id);
        tasks.spawn(async move {
            store
                .insert_vouchers(programme_id, cycle_id, valid, &vouchers)
                .await?;
            let total = vouchers.iter().fold(Rupiah::ZERO, |acc, v| {
                acc.checked_add(v.face_value).unwrap_or(Rupiah::MAX)
            });
            Ok((vouchers.len() as u64, total))
        });
    }
    while let Some(finished) = tasks.join_next().await {
        add(&mut done, finished.map_err(|_| IssueError::Signing)??);
    }
    Ok((done, waited_for_signing))
}

/// Extends the lease once a fifth of it has passed (a write per renewal, not per batch).
async fn renew_lease(
    store: &Store,
    cycle: crate::domain::ids::CycleId,
    lease: &mut i64,
) -> Result<(), IssueError> {
    let now = now_us();
    if *lease - now > LEASE_US * 4 / 5 {
        return Ok(());
    }
    let next = now + LEASE_US;
    if !store.take_issuance_lease(cycle, next, Some(*lease)).await? {
        return Err(IssueError::InProgress);
    }
    *lease = next;
    Ok(())
}

/// An eligible household and its voucher id, waiting for its signature.
#[derive(Clone)]
struct ToSign {
    candidate: Candidate,
    id: [u8; 16],
}

/// A signed voucher, not yet given its budget line.
struct Signed {
    candidate: Candidate,
    id: [u8; 16],
    token: String,
}

/// Signs one batch on the calling thread (a blocking-pool thread).
fn sign_batch(
    batch: Vec<ToSign>,
    signer: &Signer,
    deployment: &DeploymentId,
    programme_number: u16,
    flags: Flags,
    valid: (u32, u32),
) -> Vec<Signed> {
    batch
        .into_iter()
        .map(|s| {
            let claims = VoucherClaims {
                flags,
                kid: signer.kid,
                voucher_id: s.id,
                programme: programme_number,
                valid_from_unix: valid.0,
                valid_until_unix: valid.1,
                face_value_rp: u32::try_from(s.candidate.value.as_i64()).unwrap_or(u32::MAX),
            };
            Signed {
                token: claims.sign(deployment, &signer.key).to_text(),
                candidate: s.candidate,
                id: s.id,
            }
        })
        .collect()
}

/// Threads that sign during issuance: one per core.
pub fn signing_threads() -> usize {
    std::thread::available_parallelism().map_or(2, std::num::NonZero::get)
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
