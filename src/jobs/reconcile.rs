//! The monthly reconciliation (SPEC "Reconciliation"): records the expired vouchers' returns,
//! reads the month in one snapshot through the domain's rules, and stores the report as the
//! next immutable version, its SHA-256 signed by the deployment's voucher key.

use crate::domain::calendar::{self, month_bounds_us};
use crate::domain::ids::Period;
use crate::domain::programme::Programme;
use crate::domain::reconcile::{self, REPORT_FORMAT, Report};
use crate::signing::Signer;
use crate::store::{MonthScope, NewRun, RunHead, Store, StoreError, StoreResult, now_us};
use data_encoding::BASE64URL_NOPAD;
use ed25519_dalek::Signer as _;
use relasi_codes::Code;
use relasi_token::DeploymentId;

/// How many times a run is rebuilt when a concurrent run of the month took its version.
const VERSION_ATTEMPTS: u32 = 3;

/// Runs the month's reconciliation and stores it as the next version. `signer` is the
/// deployment's active voucher key (None: the run is stored unsigned and says so).
pub async fn run(
    store: &Store,
    deployment: &DeploymentId,
    signer: Option<&Signer>,
    programme: &Programme,
    period: Period,
    actor: &str,
) -> StoreResult<(RunHead, Report)> {
    let started = std::time::Instant::now();
    let result = reconcile_month(store, deployment, signer, programme, period, actor).await;
    crate::jobs::metrics::record_run("reconciliation", started, result.is_ok());
    result
}

async fn reconcile_month(
    store: &Store,
    deployment: &DeploymentId,
    signer: Option<&Signer>,
    programme: &Programme,
    period: Period,
    actor: &str,
) -> StoreResult<(RunHead, Report)> {
    let cycle = store.cycle(programme.id, period).await?;
    let offset = programme.settings.utc_offset_hours;
    let (start_us, end_us) = month_bounds_us(period, offset);
    store
        .record_budget_returns(cycle.id, period, now_us(), actor)
        .await?;
    let (thresholds, _) = store.recon_settings(programme.id).await?;
    let scope = MonthScope {
        programme_id: programme.id,
        cycle_id: cycle.id,
        start_us,
        end_us,
        utc_offset_hours: i64::from(offset),
    };
    // On a report replica: what was committed before now, and the returns just recorded.
    store.await_report_replica().await?;
    let facts = store.month_facts(&scope, period, &thresholds).await?;
    let watermarks = facts
        .watermarks
        .ok_or(StoreError::Corrupt("reconciliation read no watermarks"))?;
    let mut report = Report {
        format: REPORT_FORMAT,
        programme: programme.number,
        period: period.to_string(),
        version: 0,
        watermarks,
        thresholds,
        balanced: false,
        exceptions: 0,
        ledger: facts.ledger,
        budget: facts.budget,
        returns: facts.returns,
        eligibility: facts.eligibility,
        merchants: facts.merchants,
        anomalies: facts.anomalies,
        rollup: reconcile::roll_up(facts.desa, &facts.names),
        daily: facts.daily,
    };
    report.close();
    store_as_next_version(store, deployment, signer, programme, period, report, actor).await
}

async fn store_as_next_version(
    store: &Store,
    deployment: &DeploymentId,
    signer: Option<&Signer>,
    programme: &Programme,
    period: Period,
    mut report: Report,
    actor: &str,
) -> StoreResult<(RunHead, Report)> {
    let mut tries = 0;
    loop {
        tries += 1;
        report.version = store.next_run_version(programme.id, period).await?;
        let content = report.canonical();
        let sha = reconcile::content_sha256(&content);
        let signed = signer.map(|s| {
            let sig = s
                .key
                .sign(&reconcile::signing_message(deployment.as_str(), &sha));
            (s.kid.to_hex(), BASE64URL_NOPAD.encode(&sig.to_bytes()))
        });
        let new = NewRun {
            programme_id: programme.id,
            period,
            version: report.version,
            content: &content,
            content_sha256: &sha,
            watermarks: report.watermarks,
            balanced: report.balanced,
            exceptions: report.exceptions,
            signed,
            actor,
        };
        match store.insert_run(&new).await {
            Err(StoreError::Conflict(Code::AlreadyExists)) if tries < VERSION_ATTEMPTS => continue,
            other => return other.map(|head| (head, report)),
        }
    }
}

/// How the audit chain names the automatic run.
pub const AUTO_ACTOR: &str = "auto";

/// Reconciles, for each programme with an automatic run set, the month that has closed by
/// `now` in the programme's local time, unless that month has a run already or no cycle.
/// Called every minute by the server; returns the runs it made.
pub async fn auto_run(
    store: &Store,
    deployment: &DeploymentId,
    signer: Option<&Signer>,
    now: chrono::DateTime<chrono::Utc>,
) -> StoreResult<Vec<RunHead>> {
    let mut made = Vec::new();
    for programme in store.programmes().await? {
        let (_, auto) = store.recon_settings(programme.id).await?;
        let Some((day, hour)) = auto else { continue };
        let local = calendar::local_time(now, programme.settings.utc_offset_hours);
        let Some(period) = reconcile::auto_due(local, day, hour) else {
            continue;
        };
        if !store.runs(programme.id, Some(period)).await?.is_empty() {
            continue;
        }
        match run(store, deployment, signer, &programme, period, AUTO_ACTOR).await {
            Ok((head, _)) => made.push(head),
            Err(StoreError::NotFound) => {} // no cycle that month
            Err(e) => return Err(e),
        }
    }
    Ok(made)
}
