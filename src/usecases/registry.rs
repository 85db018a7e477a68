//! The household registry: importing households.csv or members.csv (API, CLI, page), whole file
//! or nothing, with every bad row named by line and reason.

use crate::jobs::import::{ImportError, ImportReport, RegistryFile, import_registry};
use crate::problem::{Code, Problem};
use crate::store::{Progress, Store};
use chrono::NaiveDate;
use serde_json::json;

/// Imports a registry file. Status changes take effect on `effective` (default: today in the
/// programme's local time); birth dates after today are refused.
pub async fn import(
    store: &Store,
    file: RegistryFile,
    effective: Option<NaiveDate>,
    actor: &str,
    progress: Progress<'_>,
) -> Result<ImportReport, Problem> {
    let today = super::programmes::local_today(store).await?;
    let effective = effective.unwrap_or(today);
    import_registry(store, file, effective, today, actor, progress)
        .await
        .map_err(|e| match e {
            ImportError::UnknownFormat => Problem::new(Code::RegistryInvalid)
                .detail("the header must be that of households.csv or members.csv")
                .errors(json!([{ "line": 1, "field": "file", "reason": "unknown header" }])),
            ImportError::Refused(refused) => Problem::new(Code::RegistryInvalid)
                .detail(format!(
                    "{} baris ditolak / rows refused; nothing was written",
                    refused.errors.len()
                ))
                .errors(json!(refused.errors)),
            ImportError::Store(e) => e.into(),
        })
}
