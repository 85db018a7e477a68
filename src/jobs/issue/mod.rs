//! Issuance: judge every household, fund the eligible in order of need, sign their vouchers off
//! the async runtime, and store them in batches with their budget charges. Idempotent: a second
//! run issues only what is missing. One run per programme at a time (a lease on the cycle row).
//!
//! The phases run at once and hand work along channels: `judge` reads the registry in KK order
//! and finds candidates; `sign` (one blocking thread per core) signs them; `persist` stores
//! signed batches with their budget line as soon as funding is known.

mod judge;
mod persist;
mod sign;

use crate::domain::audit::AuditEvent;
use crate::domain::budget::{BudgetLine, ample_funding};
use crate::domain::ids::{BudgetLineId, Kk, Period};
use crate::domain::money::Rupiah;
use crate::domain::programme::Programme;
use crate::domain::voucher::{ClaimTemplate, Cycle};
use crate::domain::wilayah::WilayahCode;
use crate::signing::{self, KeyFileError, Signer};
use crate::store::{Progress, Store, StoreError, now_us};
use relasi_token::DeploymentId;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;
use std::sync::Arc;

pub use sign::signing_threads;

/// Vouchers signed and stored per batch.
const BATCH_VOUCHERS: usize = 2000;
/// Households read and judged per slice while the signers work.
const SLICE_HOUSEHOLDS: u32 = 20_000;
/// Signed batches that may wait for storing (memory: about 600 KB each).
const SIGNED_BATCHES_AHEAD: usize = 64;
/// How long a runner's claim on a cycle lasts without renewal, in microseconds.
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
    /// The cycle's validity or a voucher's value does not fit the token.
    #[error(transparent)]
    Claims(#[from] crate::domain::Invalid),
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
    /// `eligible` per desa: stored with the run (`cycle_desa_counts`) for the dashboard, not
    /// part of the answer.
    #[serde(skip)]
    pub eligible_by_desa: HashMap<WilayahCode, u64>,
}

/// The line each desa's households are charged to when money is ample.
type LineByDesa = HashMap<WilayahCode, BudgetLineId>;

/// Which line pays for a household's voucher.
enum Funding {
    /// Ample money: the first line of the household's desa ([`ample_funding`]).
    ByDesa(LineByDesa),
    /// Short money: what `allocate` gave each household, in order of need.
    ByKk(HashMap<Kk, BudgetLineId>),
}

/// What the run knows before judging anyone.
struct Facts {
    lokus: Vec<WilayahCode>,
    issued: HashSet<String>,
    lines: Vec<BudgetLine>,
    per_desa: Vec<(WilayahCode, u64)>,
    /// With ample money, each desa's line, decided before anyone is judged.
    ample: Option<LineByDesa>,
}

/// One issuance run: what every phase reads.
struct Run<'a> {
    store: &'a Store,
    programme: &'a Programme,
    cycle: &'a Cycle,
    period: Period,
    template: ClaimTemplate,
    progress: Progress<'a>,
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
    let valid = (cycle.valid_from.timestamp(), cycle.valid_until.timestamp());
    let run = Run {
        store,
        programme,
        cycle: &cycle,
        period,
        template: ClaimTemplate::new(programme, signer.kid, valid)?,
        progress,
    };
    let mut lease = now_us() + LEASE_US;
    if !store.take_issuance_lease(cycle.id, lease, None).await? {
        return Err(IssueError::InProgress);
    }
    let started = std::time::Instant::now();
    let result = run.run(&deployment, signer, &mut lease).await;
    store.release_issuance_lease(cycle.id).await?;
    crate::jobs::metrics::record_run("issuance", started, result.is_ok());
    let report = result?;
    metrics::counter!("relasi_vouchers_issued_total").increment(report.issued);
    metrics::counter!("relasi_issuance_skipped_budget_total").increment(report.skipped_budget);
    let detail = serde_json::to_value(&report).unwrap_or_default();
    let subject = format!("cycle:{}", cycle.id);
    let mut by_desa: Vec<(WilayahCode, u64)> = report
        .eligible_by_desa
        .iter()
        .map(|(desa, n)| (desa.clone(), *n))
        .collect();
    by_desa.sort_unstable();
    store
        .record_issuance(
            cycle.id,
            &by_desa,
            &AuditEvent::new(actor, "cycle.issue", subject, &detail),
        )
        .await?;
    Ok(report)
}

impl Run<'_> {
    async fn facts(&self) -> Result<Facts, IssueError> {
        let (store, programme) = (self.store, self.programme);
        let lines = store.budget_lines(programme.id, programme.year).await?;
        let per_desa = store.households_per_desa().await?;
        // With ample money every household's line is known before anyone is judged, and
        // vouchers are stored as they are signed; otherwise storing waits for allocation.
        let ample = ample_funding(&lines, &per_desa, programme.settings.voucher_cap);
        Ok(Facts {
            lokus: store.lokus(programme.year).await?,
            issued: store.issued_households(self.cycle.id).await?,
            lines,
            per_desa,
            ample,
        })
    }

    async fn run(
        &self,
        deployment: &DeploymentId,
        signer: Arc<Signer>,
        lease: &mut i64,
    ) -> Result<IssueReport, IssueError> {
        let started = std::time::Instant::now();
        let facts = self.facts().await?;
        let kid = signer.kid.to_hex();
        let (work_tx, signed_rx, signers) = sign::spawn(signer, deployment.clone(), self.template);
        let (funding_tx, funding_rx) = tokio::sync::oneshot::channel::<Funding>();
        let funding_tx = match &facts.ample {
            Some(by_desa) => {
                let _ = funding_tx.send(Funding::ByDesa(by_desa.clone()));
                None
            }
            None => Some(funding_tx),
        };
        let judging = self.judge(&facts, work_tx, funding_tx);
        let storing = self.persist(kid, signed_rx, funding_rx, lease);
        let (judged, (stored, waited_for_signing)) = tokio::try_join!(judging, storing)?;
        sign::join(signers).await?;
        let mut report = judged;
        report.period = self.period.to_string();
        report.issued = stored.0;
        report.total_value = stored.1;
        tracing::info!(
            ample_money = facts.ample.is_some(),
            waited_for_signing_ms = waited_for_signing.as_millis(),
            total_ms = started.elapsed().as_millis(),
            issued = report.issued,
            "issuance phases"
        );
        Ok(report)
    }
}
