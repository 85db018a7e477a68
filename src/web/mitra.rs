//! The merchants page, `/admin/toko`: the shops of the visitor's area with their status,
//! registering a shop (its desa and service area picked from the wilayah tree, categories, bank
//! account), suspending and reactivating one, and a pairing QR for a shop's phone. The page only
//! reads (`usecases::merchants::list`); every change is made by its script through the same
//! `/v1` API, so the same role and area checks apply.

use super::admin::refusal;
use super::i18n::{Lang, Msg};
use super::session::PageSession;
use super::{Chrome, page};
use crate::api::AppState;
use crate::domain::auth::Principal;
use crate::domain::merchant::MerchantStatus;
use crate::problem::Problem;
use crate::usecases::{merchants, programmes};
use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;

/// `/admin/toko`.
pub fn router() -> Router<AppState> {
    Router::new().route("/admin/toko", get(shops))
}

/// Messages the page's script shows.
const SCRIPT_MESSAGES: &[Msg] = &[
    Msg::AdminWorking,
    Msg::WilayahChoose,
    Msg::WilayahMissing,
    Msg::ShopsRemove,
    Msg::ShopsRegistered,
    Msg::ShopsBankRefused,
    Msg::ShopsSuspended,
    Msg::ShopsReactivated,
];

/// One shop as the list shows it.
struct Shop {
    id: i64,
    name: String,
    desa: String,
    desa_name: String,
    active: bool,
}

#[derive(Template)]
#[template(path = "mitra.html")]
struct ShopsPage {
    c: Chrome,
    problem: Option<String>,
    shops: Vec<Shop>,
    categories: Vec<String>,
    home: String,
    messages_json: String,
}

async fn shops(State(state): State<AppState>, lang: Lang, session: PageSession) -> Response {
    let c = Chrome::signed_in(lang, Msg::ShopsTitle, &session);
    let messages_json = lang.json(SCRIPT_MESSAGES);
    let who = &session.principal;
    match shops_rows(&state, who).await {
        Ok((shops, categories)) => page(
            StatusCode::OK,
            &ShopsPage {
                c,
                problem: None,
                shops,
                categories,
                home: home_area(who),
                messages_json,
            },
        ),
        Err(problem) => {
            let (status, text) = refusal(lang, &problem);
            let template = ShopsPage {
                c,
                problem: Some(text),
                shops: Vec::new(),
                categories: Vec::new(),
                home: String::new(),
                messages_json,
            };
            page(status, &template)
        }
    }
}

async fn shops_rows(
    state: &AppState,
    who: &Principal,
) -> Result<(Vec<Shop>, Vec<String>), Problem> {
    let rows = merchants::list(&state.store, who).await?;
    let programme = programmes::resolve(&state.store, None).await?;
    let shops = rows
        .into_iter()
        .map(|m| Shop {
            id: m.id.0,
            name: m.name,
            desa: m.kode_desa.as_str().to_owned(),
            desa_name: m.desa_name,
            active: m.status == MerchantStatus::Active,
        })
        .collect();
    let categories = programme
        .settings
        .categories
        .iter()
        .map(|c| c.as_str().to_owned())
        .collect();
    Ok((shops, categories))
}

/// Where the wilayah picker opens: the visitor's own area when it is bound to one, else the
/// top of the tree.
pub(super) fn home_area(who: &Principal) -> String {
    who.area
        .codes()
        .first()
        .map(|c| c.as_str().to_owned())
        .unwrap_or_default()
}
