//! Issuance: judge every household, fund the eligible in order of need, sign their vouchers off
//! the async runtime, and store them in batches with their budget charges. Idempotent: a second
//! run issues only what is missing. One run per cycle at a time (a lease on the cycle row).

use crate::domain::audit::AuditEvent;
use crate::domain::budget::{Candidate, allocate};
use crate::domain::eligibility::{Ineligible, judge};
use crate::domain::ids::{Period, VoucherId};
use crate::domain::money::Rupiah;
use crate::domain::programme::Programme;
use crate::signing::{self, KeyFileError, Signer};
use crate::store::{NewVoucher, Progress, Store, StoreError, now_us};
use relasi_token::{DeploymentId, Flags, VoucherClaims};
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

/// Vouchers signed and stored per step.
const BATCH: usize = 2000;
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
    let (households, members) = store.eligibility_snapshot(period.first_day()).await?;
    let snapshot_ms = started.elapsed().as_millis();
    let lokus = store.lokus(programme.year).await?;
    let issued = store.issued_households(cycle.id).await?;
    let mut report = IssueReport {
        period: period.to_string(),
        ..IssueReport::default()
    };
    let mut candidates = Vec::new();
    for h in &households {
        let own = members.get(&h.no_kk).map_or(&[][..], Vec::as_slice);
        match judge(h, own, &programme.settings, &lokus, period) {
            Ok(e) => {
                report.eligible += 1;
                if issued.contains(h.no_kk.as_str()) {
                    report.already_issued += 1;
                } else {
                    candidates.push(Candidate {
                        no_kk: h.no_kk.clone(),
                        kode_desa: h.kode_desa.clone(),
                        desil: h.desil,
                        has_balita_stunting: e.has_balita_stunting,
                        value: e.value,
                    });
                }
            }
            Err(why) => {
                report.skipped_ineligible += 1;
                *report
                    .ineligible_reasons
                    .entry(reason_name(why).to_owned())
                    .or_default() += 1;
            }
        }
    }
    let judged_ms = started.elapsed().as_millis();
    let lines = store.budget_lines(programme.id, programme.year).await?;
    let allocation = allocate(candidates, &lines);
    let allocated_ms = started.elapsed().as_millis();
    let mut waited_for_signing = std::time::Duration::ZERO;
    let mut storing = std::time::Duration::ZERO;
    report.skipped_budget = allocation.skipped.len() as u64;
    progress(report.already_issued + report.skipped_ineligible + report.skipped_budget);

    let flags = Flags::with_offline(programme.settings.offline_allowed);
    let valid = (cycle.valid_from.timestamp(), cycle.valid_until.timestamp());
    let valid_u32 = (
        u32::try_from(valid.0).unwrap_or(0),
        u32::try_from(valid.1).unwrap_or(0),
    );
    // Stored in KK order, with ids drawn at random and handed out in ascending order: each batch
    // then lands in one narrow slice of the id index and of the (cycle, KK) index instead of on
    // nearly every page of both, which made each commit rewrite the whole id index (three times
    // slower on SQLite). Every id is still 128 random bits; only the handing-out is ordered, so
    // an id tells its rank among the cycle's KK numbers, less than the card (name, desa) shows.
    // Who is funded was decided above, in order of need; a run stopped half-way is completed
    // by the next one, which re-allocates the rest in that order with the money left.
    let mut funded = allocation.funded;
    funded.sort_unstable_by(|a, b| a.0.no_kk.cmp(&b.0.no_kk));
    let mut ids: Vec<[u8; 16]> = funded.iter().map(|_| rand::random()).collect();
    ids.sort_unstable();
    let batches: Vec<Vec<ToSign>> = funded
        .into_iter()
        .zip(ids)
        .map(|((candidate, line), id)| ToSign {
            candidate,
            line,
            id,
        })
        .collect::<Vec<_>>()
        .chunks(BATCH)
        .map(<[_]>::to_vec)
        .collect();
    // Signing runs on its own threads, each taking the next batch; storing takes signed batches
    // in whatever order they finish, and at most two per thread wait signed, bounding memory.
    let threads = signing_threads();
    let (signed_tx, mut signed_rx) = tokio::sync::mpsc::channel::<Vec<NewVoucher>>(2 * threads);
    let queue = Arc::new(std::sync::Mutex::new(batches.into_iter()));
    let mut signers = tokio::task::JoinSet::new();
    for _ in 0..threads {
        let (queue, signed_tx) = (Arc::clone(&queue), signed_tx.clone());
        let (signer, deployment) = (Arc::clone(&signer), deployment.clone());
        let programme_number = programme.number;
        signers.spawn_blocking(move || {
            while let Some(batch) = queue.lock().ok().and_then(|mut q| q.next()) {
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
    // PostgreSQL stores two batches at once on two backends; SQLite has one writer, and a second
    // transaction would only sleep in its busy handler.
    let in_flight = match store.backend() {
        crate::store::Backend::Postgres => 2,
        crate::store::Backend::Sqlite => 1,
    };
    let mut storing_tasks: tokio::task::JoinSet<Result<(u64, Rupiah), StoreError>> =
        tokio::task::JoinSet::new();
    let stored = |report: &mut IssueReport, done: (u64, Rupiah)| {
        report.issued += done.0;
        report.total_value = report
            .total_value
            .checked_add(done.1)
            .unwrap_or(Rupiah::MAX);
        progress(done.0);
    };
    loop {
        let wait = std::time::Instant::now();
        let Some(signed) = signed_rx.recv().await else {
            break;
        };
        waited_for_signing += wait.elapsed();
        renew_lease(store, cycle.id, lease).await?;
        let store_started = std::time::Instant::now();
        while storing_tasks.len() >= in_flight {
            if let Some(done) = storing_tasks.join_next().await {
                stored(&mut report, done.map_err(|_| IssueError::Signing)??);
            }
        }
        storing += store_started.elapsed();
        let (store, programme_id, cycle_id) = (store.clone(), programme.id, cycle.id);
        storing_tasks.spawn(async move {
            store
                .insert_vouchers(programme_id, cycle_id, valid, &signed)
                .await?;
            let total = signed.iter().fold(Rupiah::ZERO, |acc, v| {
                acc.checked_add(v.face_value).unwrap_or(Rupiah::MAX)
            });
            Ok((signed.len() as u64, total))
        });
    }
    // A signing thread that panicked sent fewer batches: fail rather than report a short run.
    while let Some(done) = signers.join_next().await {
        done.map_err(|_| IssueError::Signing)?;
    }
    let drain_started = std::time::Instant::now();
    while let Some(done) = storing_tasks.join_next().await {
        stored(&mut report, done.map_err(|_| IssueError::Signing)??);
    }
    storing += drain_started.elapsed();
    tracing::info!(
        snapshot_ms,
        judge_ms = judged_ms - snapshot_ms,
        allocate_ms = allocated_ms - judged_ms,
        waited_for_signing_ms = waited_for_signing.as_millis(),
        storing_ms = storing.as_millis(),
        total_ms = started.elapsed().as_millis(),
        issued = report.issued,
        "issuance phases"
    );
    Ok(report)
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

/// A funded household with its line and its voucher id, waiting for its signature.
#[derive(Clone)]
struct ToSign {
    candidate: Candidate,
    line: crate::domain::ids::BudgetLineId,
    id: [u8; 16],
}

/// Signs one batch on the calling thread (a blocking-pool thread).
fn sign_batch(
    batch: Vec<ToSign>,
    signer: &Signer,
    deployment: &DeploymentId,
    programme_number: u16,
    flags: Flags,
    valid: (u32, u32),
) -> Vec<NewVoucher> {
    let sign_one = |s: &ToSign| {
        let c = &s.candidate;
        let claims = VoucherClaims {
            flags,
            kid: signer.kid,
            voucher_id: s.id,
            programme: programme_number,
            valid_from_unix: valid.0,
            valid_until_unix: valid.1,
            face_value_rp: u32::try_from(c.value.as_i64()).unwrap_or(u32::MAX),
        };
        NewVoucher {
            id: VoucherId::from_bytes(s.id),
            no_kk: c.no_kk.clone(),
            kode_desa: c.kode_desa.clone(),
            budget_line_id: s.line,
            kid: signer.kid.to_hex(),
            face_value: c.value,
            token: claims.sign(deployment, &signer.key).to_text(),
        }
    };
    batch.iter().map(sign_one).collect()
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
