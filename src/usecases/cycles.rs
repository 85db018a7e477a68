//! Cycles: opening a month of a programme (API, CLI, page). Issuance is `jobs::issue`.

use crate::domain::ids::Period;
use crate::domain::programme::Programme;
use crate::domain::voucher::{Cycle, default_validity};
use crate::jobs::issue::{IssueError, IssueReport, issue_cycle};
use crate::problem::{Code, Problem};
use crate::signing::KeyFileError;
use crate::store::{Opened, Progress, Store};
use chrono::{DateTime, Utc};
use std::path::Path;

/// Opens `period` of `programme`. Validity defaults to the whole month in the programme's local
/// time; either end may be given. Opening an open cycle answers it (`Opened::Existing`).
pub async fn open(
    store: &Store,
    programme: &Programme,
    period: Period,
    valid: (Option<DateTime<Utc>>, Option<DateTime<Utc>>),
    actor: &str,
) -> Result<(Cycle, Opened), Problem> {
    let (default_from, default_until) =
        default_validity(period, programme.settings.utc_offset_hours)
            .ok_or_else(|| Problem::new(Code::ValidationFailed).detail("period out of range"))?;
    let valid_from = valid.0.unwrap_or(default_from);
    let valid_until = valid.1.unwrap_or(default_until);
    let fits_token = |t: DateTime<Utc>| u32::try_from(t.timestamp()).is_ok();
    if valid_until <= valid_from || !fits_token(valid_from) || !fits_token(valid_until) {
        return Err(Problem::new(Code::ValidationFailed)
            .detail("valid_until must follow valid_from, within 1970–2106"));
    }
    Ok(store
        .open_cycle(programme.id, period, valid_from, valid_until, actor)
        .await?)
}

/// Issues the cycle's vouchers (idempotent: only what is missing).
pub async fn issue(
    store: &Store,
    programme: &Programme,
    period: Period,
    key_dir: &Path,
    actor: &str,
    progress: Progress<'_>,
) -> Result<IssueReport, Problem> {
    issue_cycle(store, programme, period, key_dir, actor, progress)
        .await
        .map_err(|e| match e {
            IssueError::CycleNotOpen => Problem::new(Code::CycleNotFound),
            IssueError::InProgress => Problem::new(Code::IssuanceInProgress),
            IssueError::Key(KeyFileError::NoActiveKey) => Problem::new(Code::NoSigningKey),
            IssueError::Store(e) => e.into(),
            other => {
                tracing::error!(error = %other, "issuance failed");
                Problem::new(Code::Internal)
            }
        })
}
