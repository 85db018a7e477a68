//! `GET /v1/offline-settings`: what merchant clients need to accept vouchers while the server
//! cannot be reached — per programme, whether its vouchers may be accepted offline and the
//! card-terminal style ceilings (docs/offline.md). Public, like `/v1/keys`: nothing in it is
//! secret, and a phone that lost its session must still read the rules it is bound by.

use super::AppState;
use super::error::ApiResult;
use crate::store::now_us;
use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Value, json};

pub(super) fn router() -> Router<AppState> {
    Router::new().route("/v1/offline-settings", get(settings))
}

/// `{server_time_us, programmes:[{number, name, offline_allowed, max_list_age_secs,
/// voucher_day_rp, shop_unsynced_count, shop_unsynced_rp, utc_offset_hours, categories,
/// reversal_window_secs}]}`.
async fn settings(State(state): State<AppState>) -> ApiResult<Json<Value>> {
    let programmes: Vec<Value> = state
        .store
        .programmes()
        .await?
        .into_iter()
        .map(|p| {
            let s = &p.settings;
            json!({
                "number": p.number,
                "name": p.name,
                "offline_allowed": s.offline_allowed,
                "max_list_age_secs": s.offline.max_list_age_secs,
                "voucher_day_rp": s.offline.voucher_day.to_string(),
                "shop_unsynced_count": s.offline.shop_count,
                "shop_unsynced_rp": s.offline.shop_total.to_string(),
                "utc_offset_hours": s.utc_offset_hours,
                "categories": s.categories,
                "reversal_window_secs": s.reversal_window_secs,
            })
        })
        .collect();
    Ok(Json(
        json!({ "server_time_us": now_us(), "programmes": programmes }),
    ))
}
