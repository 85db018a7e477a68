//! `GET /v1/redemptions?date=YYYY-MM-DD[&after=ID]`: a shop's own sales and reversals of one
//! day (the programme's local day), for its till, its phone page and its end-of-day check.

use super::AppState;
use super::error::{ApiError, ApiResult};
use super::extract::Caller;
use crate::domain::auth::Role;
use crate::domain::calendar;
use crate::domain::money::Rupiah;
use crate::store::ShopEntry;
use crate::usecases::programmes;
use axum::extract::{Query, State};
use axum::routing::get;
use axum::{Json, Router};
use chrono::{DateTime, NaiveDate, SecondsFormat};
use relasi_codes::Code;
use serde::Deserialize;
use serde_json::{Value, json};

/// Most entries in one answer; the client asks again with `after` = the last id.
pub const SALES_PAGE: i64 = 500;

pub(super) fn router() -> Router<AppState> {
    Router::new().route("/v1/redemptions", get(list))
}

#[derive(Deserialize)]
struct SalesQuery {
    date: Option<String>,
    after: Option<i64>,
}

fn entry_json(e: &ShopEntry) -> Value {
    let at = DateTime::from_timestamp_micros(e.created_at_us).unwrap_or_default();
    let items: Vec<Value> = e
        .items
        .iter()
        .map(|(c, a)| json!({ "category": c, "amount": a.to_string() }))
        .collect();
    json!({
        "redemption_id": e.id.0,
        "kind": e.kind,
        "voucher_id": e.voucher,
        "amount": e.amount.to_string(),
        "created_at": at.to_rfc3339_opts(SecondsFormat::Micros, true),
        "created_at_us": e.created_at_us,
        "reverses": e.reverses.map(|r| r.0),
        "reversed_by": e.reversed_by.map(|r| r.0),
        "items": items,
    })
}

/// A merchant's own entries of `date` (default: today, local). Never another shop's: the shop
/// comes from the token, not from the request.
async fn list(
    State(state): State<AppState>,
    caller: Caller,
    query: Result<Query<SalesQuery>, axum::extract::rejection::QueryRejection>,
) -> ApiResult<Json<Value>> {
    caller.require(&[Role::Merchant])?;
    let merchant = caller
        .principal
        .merchant_id
        .ok_or_else(|| ApiError::new(Code::Forbidden))?;
    let Query(query) =
        query.map_err(|_| ApiError::new(Code::InvalidJson).detail("bad query string"))?;
    let offset = programmes::utc_offset_hours(&state.store).await?;
    let date = match query.date.as_deref() {
        None | Some("") => calendar::local_today(offset),
        Some(text) => NaiveDate::parse_from_str(text, "%Y-%m-%d")
            .map_err(|_| ApiError::new(Code::ValidationFailed).detail("date must be YYYY-MM-DD"))?,
    };
    let (from, until) = date
        .succ_opt()
        .map(|next| calendar::local_days_us(date, next, offset))
        .ok_or_else(|| ApiError::new(Code::ValidationFailed).detail("date out of range"))?;
    let after = query.after.unwrap_or(0).max(0);
    let entries = state
        .store
        .shop_entries(merchant, from, until, after, SALES_PAGE + 1)
        .await?;
    let more = i64::try_from(entries.len()).unwrap_or(i64::MAX) > SALES_PAGE;
    let shown = &entries[..entries.len().min(SALES_PAGE as usize)];
    let sum = |kind: &str| {
        shown
            .iter()
            .filter(|e| e.kind == kind)
            .map(|e| e.amount.as_i64())
            .sum::<i64>()
    };
    let (debits, reversals) = (sum("debit"), sum("reversal"));
    Ok(Json(json!({
        "date": date.format("%Y-%m-%d").to_string(),
        "utc_offset_hours": offset,
        "merchant_id": merchant.0,
        "entries": shown.iter().map(entry_json).collect::<Vec<_>>(),
        "count": shown.iter().filter(|e| e.kind == "debit").count(),
        "gross": Rupiah::new(debits).unwrap_or_default().to_string(),
        "reversals": Rupiah::new(reversals).unwrap_or_default().to_string(),
        "net": Rupiah::new(debits - reversals).unwrap_or_default().to_string(),
        "has_more": more,
        "next_after": if more { shown.last().map(|e| e.id.0) } else { None },
    })))
}
