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
    let (households, members) = store.registry_snapshot().await?;
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
    let batches: Vec<
        Vec<(
            crate::domain::budget::Candidate,
            crate::domain::ids::BudgetLineId,
        )>,
    > = allocation.funded.chunks(BATCH).map(<[_]>::to_vec).collect();
    // Sign the next batch while the current one is being stored.
    let sign = |batch: Vec<_>| {
        let signer = Arc::clone(&signer);
        let deployment = deployment.clone();
        let programme_number = programme.number;
        tokio::task::spawn_blocking(move || {
            sign_batch(
                batch,
                &signer,
                &deployment,
                programme_number,
                flags,
                valid_u32,
            )
        })
    };
    let mut pending = batches.first().cloned().map(sign);
    // PostgreSQL stores two batches at once on two backends while the next batch is signed;
    // SQLite has one writer, and a second transaction would only sleep in its busy handler.
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
    for i in 0..batches.len() {
        let wait = std::time::Instant::now();
        let signed = match pending.take() {
            Some(task) => task.await.map_err(|_| IssueError::Signing)?,
            None => break,
        };
        waited_for_signing += wait.elapsed();
        pending = batches.get(i + 1).cloned().map(sign);
        let next_lease = now_us() + LEASE_US;
        if !store
            .take_issuance_lease(cycle.id, next_lease, Some(*lease))
            .await?
        {
            return Err(IssueError::InProgress);
        }
        *lease = next_lease;
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

/// Signs a batch on two cores (the machine's size); runs on the blocking pool.
fn sign_batch(
    batch: Vec<(Candidate, crate::domain::ids::BudgetLineId)>,
    signer: &Signer,
    deployment: &DeploymentId,
    programme_number: u16,
    flags: Flags,
    valid: (u32, u32),
) -> Vec<NewVoucher> {
    let sign_one = |(c, line): &(Candidate, crate::domain::ids::BudgetLineId)| {
        let mut id = [0u8; 16];
        rand::Rng::fill_bytes(&mut rand::rng(), &mut id);
        let claims = VoucherClaims {
            flags,
            kid: signer.kid,
            voucher_id: id,
            programme: programme_number,
            valid_from_unix: valid.0,
            valid_until_unix: valid.1,
            face_value_rp: u32::try_from(c.value.as_i64()).unwrap_or(u32::MAX),
        };
        NewVoucher {
            id: VoucherId::from_bytes(id),
            no_kk: c.no_kk.clone(),
            kode_desa: c.kode_desa.clone(),
            budget_line_id: *line,
            kid: signer.kid.to_hex(),
            face_value: c.value,
            token: claims.sign(deployment, &signer.key).to_text(),
        }
    };
    let half = batch.len() / 2;
    let (first, second) = batch.split_at(half);
    std::thread::scope(|s| {
        let other = s.spawn(|| second.iter().map(sign_one).collect::<Vec<_>>());
        let mut out: Vec<NewVoucher> = first.iter().map(sign_one).collect();
        match other.join() {
            Ok(rest) => out.extend(rest),
            Err(_) => out.extend(second.iter().map(sign_one)),
        }
        out
    })
}

fn reason_name(why: Ineligible) -> &'static str {
    match why {
        Ineligible::NotActive => "not_active",
        Ineligible::NotLokus => "not_lokus",
        Ineligible::DesilTooHigh => "desil_too_high",
        Ineligible::NoTarget => "no_target",
    }
}
