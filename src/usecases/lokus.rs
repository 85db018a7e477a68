//! Lokus: the priority villages of a programme year, marked by the admin and read by the office
//! (API, CLI, page).

use crate::domain::auth::{Principal, Role};
use crate::domain::wilayah::{Level, WilayahCode};
use crate::problem::{Code, Problem};
use crate::store::{LokusDesa, Store};
use serde::Serialize;
use serde_json::json;

/// Most desa codes in one request, repeats included (a district has a few hundred; a province
/// is marked in a few requests). More is 422 `validation_failed`.
pub const MAX_LOKUS_CODES: usize = 5000;
/// Most lokus desa one list answers (a province's worth); `more` says when a year has more.
pub const MAX_LOKUS_LISTED: usize = 20_000;

/// What marking did: desa newly marked, and how many the year has now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LokusAdded {
    /// Newly marked.
    pub added: u64,
    /// The year's lokus desa after the change.
    pub total: usize,
}

/// A year's lokus desa in the reader's area, by code.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct LokusList {
    /// The year.
    pub year: i32,
    /// The desa, each with its kecamatan.
    pub desa: Vec<LokusDesa>,
    /// Whether the year has more lokus desa than one list holds (`MAX_LOKUS_LISTED`).
    pub more: bool,
}

fn check_year(year: i32) -> Result<(), Problem> {
    if (2000..=2199).contains(&year) {
        Ok(())
    } else {
        Err(Problem::new(Code::ValidationFailed)
            .detail("year must be between 2000 and 2199")
            .errors(json!([{ "field": "year", "reason": "must be between 2000 and 2199" }])))
    }
}

/// Marks `codes` as lokus of `year` for `who`, a district admin (403 otherwise): what the API
/// and the page call.
pub async fn add_as(
    store: &Store,
    who: &Principal,
    year: i32,
    codes: &[String],
    actor: &str,
) -> Result<LokusAdded, Problem> {
    super::require_district_role(who, &[Role::Admin])?;
    add(store, year, codes, actor).await
}

/// Marks `codes` as lokus of `year`; repeats are harmless and count once. Every code must be a
/// known desa (422 `unknown_desa` naming the others, each once); one query checks them all and
/// one statement marks them.
pub async fn add(
    store: &Store,
    year: i32,
    codes: &[String],
    actor: &str,
) -> Result<LokusAdded, Problem> {
    check_year(year)?;
    if codes.is_empty() || codes.len() > MAX_LOKUS_CODES {
        return Err(Problem::new(Code::ValidationFailed)
            .detail("desa must list 1 to 5000 codes")
            .errors(json!([{ "field": "desa", "reason": "must list 1 to 5000 codes" }])));
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

/// The lokus desa of `year` that lie in `who`'s area (office roles; 403 otherwise).
pub async fn list(store: &Store, who: &Principal, year: i32) -> Result<LokusList, Problem> {
    if !Role::OFFICE.contains(&who.role) {
        return Err(Problem::new(Code::Forbidden));
    }
    check_year(year)?;
    let limit = i64::try_from(MAX_LOKUS_LISTED + 1).unwrap_or(i64::MAX);
    let mut desa = store.lokus_named(year, limit).await?;
    let more = desa.len() > MAX_LOKUS_LISTED;
    desa.truncate(MAX_LOKUS_LISTED);
    desa.retain(|d| who.area.covers(&d.code));
    Ok(LokusList { year, desa, more })
}
