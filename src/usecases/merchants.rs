//! Partner shops as the office manages them: the list of a visitor's area, suspending a shop
//! (its sales are refused with `merchant_inactive` from the next request on) and reactivating
//! it. Called by the API, the CLI and the merchants page alike.

use crate::domain::auth::{Principal, Role};
use crate::domain::ids::MerchantId;
use crate::domain::merchant::{Merchant, MerchantStatus};
use crate::problem::{Code, Problem};
use crate::store::{MerchantRow, Store, StoreError};

/// Admins, finance and auditors read the list; only an admin changes a shop.
const READERS: [Role; 3] = [Role::Admin, Role::Finance, Role::Auditor];

fn not_found(e: StoreError) -> Problem {
    match e {
        StoreError::NotFound => Problem::new(Code::NotFound),
        other => other.into(),
    }
}

/// The shops in the visitor's area, by name.
pub async fn list(store: &Store, who: &Principal) -> Result<Vec<MerchantRow>, Problem> {
    if !READERS.contains(&who.role) {
        return Err(Problem::new(Code::Forbidden));
    }
    let rows = store.merchant_list().await?;
    Ok(rows
        .into_iter()
        .filter(|m| who.area.covers(&m.kode_desa))
        .collect())
}

/// Suspends (`Inactive`) or reactivates (`Active`) a shop of the visitor's area (admin);
/// repeating it changes nothing. Answers the shop as it is now.
pub async fn set_status(
    store: &Store,
    who: &Principal,
    id: MerchantId,
    status: MerchantStatus,
    actor: &str,
) -> Result<Merchant, Problem> {
    if who.role != Role::Admin {
        return Err(Problem::new(Code::Forbidden));
    }
    let shop = store.merchant(id).await.map_err(not_found)?;
    if !who.area.covers(&shop.kode_desa) {
        return Err(Problem::new(Code::OutsideArea));
    }
    store.set_merchant_status(id, status, actor).await?;
    Ok(store.merchant(id).await?)
}
