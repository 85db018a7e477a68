//! The finance officer's month: run a reconciliation, list and read its versions (the API, the
//! CLI, the finance page and the automatic run all come through here).

use crate::domain::calendar::month_bounds_us;
use crate::domain::ids::Period;
use crate::domain::programme::Programme;
use crate::domain::reconcile::Report;
use crate::domain::wilayah::WilayahCode;
use crate::jobs::reconcile;
use crate::problem::{Code, Problem};
use crate::signing::Signer;
use crate::store::{DesaEntry, RunHead, Store, StoreError};
use relasi_token::DeploymentId;

/// Runs the month and stores the next version (`cycle_not_found` when the month has no cycle).
pub async fn run(
    store: &Store,
    deployment: &DeploymentId,
    signer: Option<&Signer>,
    programme: &Programme,
    period: Period,
    actor: &str,
) -> Result<(RunHead, Report), Problem> {
    reconcile::run(store, deployment, signer, programme, period, actor)
        .await
        .map_err(|e| match e {
            StoreError::NotFound => Problem::new(Code::CycleNotFound),
            other => other.into(),
        })
}

/// The runs of a programme, of one month or all, newest first.
pub async fn list(
    store: &Store,
    programme: &Programme,
    period: Option<Period>,
) -> Result<Vec<RunHead>, Problem> {
    Ok(store.runs(programme.id, period).await?)
}

/// One run with its report and its stored canonical bytes (what the digest is over).
pub async fn read(store: &Store, id: i64) -> Result<(RunHead, Report, String), Problem> {
    let (head, content) = store.run(id).await.map_err(|e| match e {
        StoreError::NotFound => Problem::new(Code::NotFound),
        other => other.into(),
    })?;
    let mut report: Report = serde_json::from_str(&content)
        .map_err(|_| Problem::from(StoreError::Corrupt("stored reconciliation content")))?;
    report.version = head.version;
    Ok((head, report, content))
}

/// Most sales of a desa one page of the drill-down lists.
pub const DESA_PAGE: i64 = 100;

/// The sales and reversals of one desa's vouchers in a month, oldest first, a page at a time
/// (`after`: the last journal id of the page before): the roll-up's drill-down.
pub async fn desa_sales(
    store: &Store,
    programme: &Programme,
    period: Period,
    desa: &WilayahCode,
    after: i64,
) -> Result<Vec<DesaEntry>, Problem> {
    let bounds = month_bounds_us(period, programme.settings.utc_offset_hours);
    Ok(store
        .desa_entries(programme.id, desa, bounds, after, DESA_PAGE)
        .await?)
}
