//! Wilayah updates: a newer Kepmendagri list loaded from a file over the built-in one, keeping
//! every renamed area's former name and where a split-off area came from.

use crate::domain::wilayah::{
    Wilayah, WilayahCode, WilayahCsvError, parse_wilayah_update, plan_changes,
};
use crate::problem::{Code, Problem};
use crate::store::{Store, WilayahLoad};
use serde_json::json;

fn refused(e: &WilayahCsvError) -> Problem {
    Problem::new(Code::ValidationFailed)
        .detail("the wilayah file was refused; nothing was written")
        .errors(json!([{ "line": e.line, "field": "wilayah", "reason": e.reason }]))
}

/// Loads an update file (`code,name,level,kind[,asal]`) named `source`: new codes are added,
/// renamed ones keep their former name in the history, nothing is ever removed.
pub async fn import(store: &Store, source: &str, text: &str) -> Result<WilayahLoad, Problem> {
    let updates = parse_wilayah_update(text).map_err(|e| refused(&e))?;
    let changes = plan_changes(&store.wilayah_names().await?, updates).map_err(|e| refused(&e))?;
    let load = store.apply_wilayah(source, &changes, false).await?;
    Ok(load.unwrap_or_default())
}

/// One area's name now and its recorded changes, oldest first.
pub async fn show(store: &Store, code: &str) -> Result<serde_json::Value, Problem> {
    let code = WilayahCode::parse(code)
        .map_err(|e| Problem::new(Code::ValidationFailed).detail(e.reason))?;
    let area = store.wilayah(&code).await.map_err(|e| match e {
        crate::store::StoreError::NotFound => Problem::new(Code::UnknownWilayah),
        other => other.into(),
    })?;
    let history: Vec<_> = store
        .wilayah_history(&code)
        .await?
        .into_iter()
        .map(|(change, was, source)| json!({ "change": change, "was": was, "source": source }))
        .collect();
    Ok(json!({ "code": area.code, "name": area.name, "level": area.level, "history": history }))
}

/// The areas directly under `parent` (a code), or the provinces when there is none: one step
/// of the wilayah tree a page picks an area from.
pub async fn children(store: &Store, parent: Option<&str>) -> Result<Vec<Wilayah>, Problem> {
    let parent = parent
        .filter(|p| !p.is_empty())
        .map(|p| {
            WilayahCode::parse(p).map_err(|e| Problem::new(Code::ValidationFailed).detail(e.reason))
        })
        .transpose()?;
    Ok(store.wilayah_children(parent.as_ref()).await?)
}
