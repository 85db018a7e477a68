//! Which programme a request means, and what "today" is for it.

use crate::domain::calendar;
use crate::domain::programme::{Programme, ProgrammeSettings};
use crate::problem::{Code, Problem};
use crate::store::{Store, StoreError};
use chrono::NaiveDate;

/// The programme with `number`, or the only one there is (`programme_not_found`,
/// `programme_required` otherwise).
pub async fn resolve(store: &Store, number: Option<u16>) -> Result<Programme, Problem> {
    store.resolve_programme(number).await.map_err(|e| match e {
        StoreError::NotFound => Problem::new(Code::ProgrammeNotFound),
        other => other.into(),
    })
}

/// Today in the local time of the deployment's programme (the default zone, WIB, before any
/// programme exists or when several do and none is named).
pub async fn local_today(store: &Store) -> Result<NaiveDate, Problem> {
    Ok(calendar::local_today(utc_offset_hours(store).await?))
}

/// The offset from UTC of the deployment programme's local time, in hours (WIB 7 before any
/// programme exists or when several do and none is named).
pub async fn utc_offset_hours(store: &Store) -> Result<i8, Problem> {
    match store.resolve_programme(None).await {
        Ok(p) => Ok(p.settings.utc_offset_hours),
        Err(StoreError::NotFound | StoreError::Invalid(_)) => {
            Ok(ProgrammeSettings::default().utc_offset_hours)
        }
        Err(e) => Err(e.into()),
    }
}
