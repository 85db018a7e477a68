//! The shop's phone scanner, `/toko`: the page shell (its script does the work against the
//! `/v1` API: scan, offline verdict, basket, sale, receipt, today's sales, the offline queue)
//! and its service worker, which caches the shell so the page opens without signal.

use super::i18n::{Lang, Msg};
use super::session::PageSession;
use super::{Chrome, assets, page};
use crate::api::AppState;
use crate::domain::auth::Role;
use askama::Template;
use axum::Router;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use sha2::{Digest, Sha256};

/// Every message the page's script shows (with every code's title, for the refusals it judges
/// itself offline).
const SCRIPT_MESSAGES: &[Msg] = &[
    Msg::TokoOnline,
    Msg::TokoOffline,
    Msg::TokoCameraStart,
    Msg::TokoCameraStop,
    Msg::TokoCameraFailed,
    Msg::TokoCameraLooking,
    Msg::TokoVerdictOk,
    Msg::TokoOfflineAllowed,
    Msg::TokoOfflineNotAllowed,
    Msg::TokoBalanceUnknown,
    Msg::TokoAmountOf,
    Msg::TokoRemove,
    Msg::TokoSending,
    Msg::TokoAccepted,
    Msg::TokoQueued,
    Msg::TokoDeclined,
    Msg::TokoBalanceAfter,
    Msg::TokoReceiptNo,
    Msg::TokoReverse,
    Msg::TokoReversed,
    Msg::TokoReverseConfirm,
    Msg::TokoStatePending,
    Msg::TokoStateAccepted,
    Msg::TokoStateDeclined,
    Msg::TokoNoSales,
    Msg::TokoOfflineRefused,
    Msg::TokoListsAge,
    Msg::TokoListsStale,
];

/// The assets the page needs, cached by its service worker.
const SHELL_ASSETS: &[&str] = &["app.css", "print.css", "relasi.js", "toko.js"];

#[derive(Template)]
#[template(path = "toko.html")]
struct TokoPage {
    c: Chrome,
    messages_json: String,
    wrong_role: bool,
}

/// `GET /toko` and the service worker.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/toko", get(toko))
        .route("/toko-sw.js", get(service_worker))
}

async fn toko(lang: Lang, session: PageSession) -> Response {
    let wrong_role = session.principal.role != Role::Merchant;
    let status = if wrong_role {
        StatusCode::FORBIDDEN
    } else {
        StatusCode::OK
    };
    let template = TokoPage {
        c: Chrome::signed_in(lang, Msg::TokoTitle, &session),
        messages_json: lang.json_with_codes(SCRIPT_MESSAGES),
        wrong_role,
    };
    page(status, &template)
}

/// The service worker, with the shell's URLs (content-hashed) written into it: a new build
/// names new files, so the worker installs afresh and drops the old cache.
async fn service_worker() -> Response {
    let mut shell: Vec<String> = SHELL_ASSETS.iter().map(|a| assets::url(a)).collect();
    shell.push("/toko".to_owned());
    let list = serde_json::to_string(&shell).unwrap_or_else(|_| "[]".to_owned());
    let version = &hex::encode(Sha256::digest(list.as_bytes()))[..10];
    let code = assets::by_name("toko-sw.js").map_or(&b""[..], |a| a.bytes);
    let body = format!(
        "const SHELL = {list};\nconst VERSION = \"{version}\";\n{}",
        String::from_utf8_lossy(code)
    );
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        body,
    )
        .into_response()
}
