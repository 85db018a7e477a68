//! The family's page, `/saldo`: scan the card with any phone camera (or type its code) and see
//! the balance, validity and recent use — nothing personal. A card printed with the deployment's
//! public address carries the link `HTTPS://HOST/V/RLS1:…`, which the phone's own camera app
//! opens here: the page's script takes the token from the address, replaces the address with
//! `/saldo` at once (so the token stays out of history and bookmarks) and asks the public,
//! rate-limited `POST /v1/balance`. Server logs name the route, never the path.

use super::i18n::{Lang, Msg};
use super::{Chrome, page};
use crate::api::AppState;
use askama::Template;
use axum::Router;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use axum::routing::get;

/// Every message the page's script shows.
const SCRIPT_MESSAGES: &[Msg] = &[
    Msg::SaldoChecking,
    Msg::SaldoCameraFailed,
    Msg::SaldoNoRecent,
    Msg::SaldoStatusActive,
    Msg::SaldoStatusExpired,
    Msg::SaldoStatusRevoked,
    Msg::SaldoStatusNotYet,
    Msg::SaldoKindDebit,
    Msg::SaldoKindReversal,
    Msg::SaldoKindMove,
];

#[derive(Template)]
#[template(path = "saldo.html")]
struct SaldoPage {
    c: Chrome,
    messages_json: String,
}

/// `GET /saldo`, and the card links `GET /v/{token}` and `/V/{token}` (the same page).
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/saldo", get(saldo))
        .route("/v/{token}", get(saldo))
        .route("/V/{token}", get(saldo))
}

async fn saldo(lang: Lang) -> Response {
    let template = SaldoPage {
        c: Chrome::new(lang, Msg::SaldoTitle),
        messages_json: lang.json(SCRIPT_MESSAGES),
    };
    let mut res = page(StatusCode::OK, &template);
    // The address may hold a card's token: never send it on as a referrer.
    res.headers_mut().insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    res
}
