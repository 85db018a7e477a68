//! Budget lines: added by district admins and finance officers, read by them and auditors (each
//! sees the lines of their own area). Called by the API and the budget page alike.

use crate::domain::auth::{Principal, Role};
use crate::domain::budget::{BudgetLine, SumberDana};
use crate::domain::money::Rupiah;
use crate::domain::wilayah::WilayahCode;
use crate::problem::{Code, Problem};
use crate::store::Store;

/// Who adds a line.
const WRITERS: [Role; 2] = [Role::Admin, Role::Finance];
/// Who reads the lines.
const READERS: [Role; 3] = [Role::Admin, Role::Finance, Role::Auditor];

/// A budget line as asked for, in the words of the request (parsed here).
#[derive(Clone, Copy, Debug)]
pub struct NewLine<'a> {
    /// The programme year (must be the programme's).
    pub year: i32,
    /// `APBD`, `DANA_DESA`, `CSR` or `APBN`.
    pub sumber_dana: &'a str,
    /// The area the money is for.
    pub kode_wilayah: &'a str,
    /// The ceiling, whole rupiah as digits.
    pub amount: &'a str,
    /// The programme's number, when the deployment has several.
    pub programme: Option<u16>,
}

/// Adds a budget line (a district admin or finance officer; audited by the store).
pub async fn add(
    store: &Store,
    who: &Principal,
    new: NewLine<'_>,
    actor: &str,
) -> Result<BudgetLine, Problem> {
    super::require_district_role(who, &WRITERS)?;
    let sumber_dana = SumberDana::parse(new.sumber_dana)?;
    let kode_wilayah = WilayahCode::parse(new.kode_wilayah)?;
    let amount = Rupiah::parse(new.amount)?;
    let programme = super::programmes::resolve(store, new.programme).await?;
    if new.year != programme.year {
        return Err(Problem::new(Code::ValidationFailed)
            .detail("year must be the programme's year")
            .errors(
                serde_json::json!([{ "field": "year", "reason": "must be the programme's year" }]),
            ));
    }
    let line = store
        .add_budget_line(
            programme.id,
            new.year,
            sumber_dana,
            &kode_wilayah,
            amount,
            actor,
        )
        .await?;
    Ok(line)
}

/// The budget lines of a programme year (the programme's own year when none is asked) that lie
/// in `who`'s area, oldest first.
pub async fn list(
    store: &Store,
    who: &Principal,
    year: Option<i32>,
    programme: Option<u16>,
) -> Result<Vec<BudgetLine>, Problem> {
    if !READERS.contains(&who.role) {
        return Err(Problem::new(Code::Forbidden));
    }
    let programme = super::programmes::resolve(store, programme).await?;
    let lines = store
        .budget_lines(programme.id, year.unwrap_or(programme.year))
        .await?;
    Ok(lines
        .into_iter()
        .filter(|l| who.area.covers(&l.kode_wilayah))
        .collect())
}
