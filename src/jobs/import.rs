//! Registry import: validate the whole file against the registry, then write it in one
//! transaction, or refuse it whole with every bad row.

use crate::domain::household::ChangeCounts;
use crate::domain::registry::{self, Refused, RegistryKind};
use crate::store::{Progress, Store, StoreError};
use chrono::NaiveDate;
use serde::Serialize;

/// Why an import wrote nothing.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The header is neither households nor members.
    #[error("not a registry file: the header must be that of households.csv or members.csv")]
    UnknownFormat,
    /// Rows failed validation.
    #[error("{} rows refused", .0.errors.len())]
    Refused(Refused),
    /// The database refused.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What an import did. For households, every row is counted once by what changed
/// (`household::Change`), in the same pass that compares it with the registry; `updated` is the
/// sum of `moved_desa`, `moved_away`, `deceased`, `merged` and `other_changes`. A members file
/// counts its rows as `inserted` and leaves the rest 0.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct ImportReport {
    /// Which file.
    pub kind: RegistryKind,
    /// Data rows read.
    pub rows: u64,
    /// New households (members: rows written).
    pub inserted: u64,
    /// Changed households.
    pub updated: u64,
    /// Households already as given.
    pub unchanged: u64,
    /// Households that moved to another desa.
    pub moved_desa: u64,
    /// Households whose status became `pindah`.
    pub moved_away: u64,
    /// Households whose status became `meninggal`.
    pub deceased: u64,
    /// Households whose status became `gabung`.
    pub merged: u64,
    /// Households changed otherwise (desil, KRS, the head, back to `aktif`).
    pub other_changes: u64,
}

impl ImportReport {
    fn households(rows: u64, c: ChangeCounts) -> ImportReport {
        ImportReport {
            kind: RegistryKind::Households,
            rows,
            inserted: c.inserted,
            updated: c.updated,
            unchanged: c.unchanged,
            moved_desa: c.moved_desa,
            moved_away: c.moved_away,
            deceased: c.deceased,
            merged: c.merged,
            other_changes: c.other_changes,
        }
    }

    fn members(rows: u64) -> ImportReport {
        ImportReport {
            kind: RegistryKind::Members,
            inserted: rows,
            ..ImportReport::households(rows, ChangeCounts::default())
        }
    }
}

/// A registry file to import: its bytes, its kind when the caller knows it (else read from the
/// header), and the most rows it may hold (`RELASI_IMPORT_MAX_ROWS`).
#[derive(Debug)]
pub struct RegistryFile {
    /// The CSV.
    pub bytes: Vec<u8>,
    /// households.csv or members.csv, if known.
    pub kind: Option<RegistryKind>,
    /// Most data rows.
    pub max_rows: usize,
}

/// Imports a registry file. Household changes take effect on `effective_from`; birth dates
/// after `today` are refused.
pub async fn import_registry(
    store: &Store,
    RegistryFile {
        bytes,
        kind,
        max_rows,
    }: RegistryFile,
    effective_from: NaiveDate,
    today: NaiveDate,
    actor: &str,
    progress: Progress<'_>,
) -> Result<ImportReport, ImportError> {
    let kind = kind
        .or_else(|| registry::detect(&bytes))
        .ok_or(ImportError::UnknownFormat)?;
    let mut known = store.registry_known().await?;
    known.max_rows = max_rows;
    // Parsing 100,000 rows is CPU work: keep it off the async workers.
    let parsed = tokio::task::spawn_blocking(move || match kind {
        RegistryKind::Households => {
            registry::parse_households(&bytes, &known).map(Parsed::Households)
        }
        RegistryKind::Members => {
            registry::parse_members(&bytes, &known, today).map(Parsed::Members)
        }
    })
    .await
    .map_err(|_| ImportError::UnknownFormat)?
    .map_err(ImportError::Refused)?;
    match parsed {
        Parsed::Households(rows) => {
            let c = store
                .upsert_households(&rows, effective_from, actor, progress)
                .await?;
            Ok(ImportReport::households(rows.len() as u64, c))
        }
        Parsed::Members(rows) => {
            let n = store.upsert_members(&rows, actor, progress).await?;
            Ok(ImportReport::members(n))
        }
    }
}

enum Parsed {
    Households(Vec<crate::domain::household::Household>),
    Members(Vec<crate::domain::household::Member>),
}

/// Number of data rows, for sizing a progress bar before the import starts.
pub fn count_rows(bytes: &[u8]) -> u64 {
    bytecount(bytes).saturating_sub(1)
}

fn bytecount(bytes: &[u8]) -> u64 {
    let newlines = bytes.iter().filter(|b| **b == b'\n').count() as u64;
    if bytes.last().is_some_and(|b| *b != b'\n') {
        newlines + 1
    } else {
        newlines
    }
}
