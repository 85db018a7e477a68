//! Lokus: the priority villages of a programme year, marked by the admin (API, CLI, page).

use crate::domain::wilayah::{Level, WilayahCode};
use crate::problem::{Code, Problem};
use crate::store::Store;
use serde_json::json;

/// Most desa codes in one request (a district has a few hundred).
pub const MAX_LOKUS_CODES: usize = 5000;

/// What marking did: desa newly marked, and how many the year has now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LokusAdded {
    /// Newly marked.
    pub added: u64,
    /// The year's lokus desa after the change.
    pub total: usize,
}

/// Marks `codes` as lokus of `year`; repeats are harmless. Every code must be a known desa.
pub async fn add(
    store: &Store,
    year: i32,
    codes: &[String],
    actor: &str,
) -> Result<LokusAdded, Problem> {
    if !(2000..=2199).contains(&year) {
        return Err(
            Problem::new(Code::ValidationFailed).detail("year must be between 2000 and 2199")
        );
    }
    if codes.is_empty() || codes.len() > MAX_LOKUS_CODES {
        return Err(Problem::new(Code::ValidationFailed).detail("desa must list 1 to 5000 codes"));
    }
    let codes: Vec<WilayahCode> = codes
        .iter()
        .map(|c| WilayahCode::parse(c))
        .collect::<Result<_, _>>()?;
    let unknown = store.unknown_wilayah(&codes, Some(Level::Desa)).await?;
    if !unknown.is_empty() {
        return Err(Problem::new(Code::UnknownDesa).errors(json!(unknown)));
    }
    let added = store.add_lokus(year, &codes, actor).await?;
    let total = store.lokus(year).await?.len();
    Ok(LokusAdded { added, total })
}
