//! The signing keys page, `/admin/kunci`: every voucher signing key with its windows (signs
//! from/until, verifies until, in the programme's local time: `29 Nov 2026 21:05 WIB`) and status; the first key, rotation and revocation through the
//! same `/v1` API as `relasi keys` (`usecases::keys`), by the page's script.

use super::admin::refusal;
use super::i18n::{Lang, Msg};
use super::session::PageSession;
use super::{Chrome, format, page};
use crate::api::AppState;
use crate::domain::auth::{Principal, Role};
use crate::domain::keys::KeyStatus;
use crate::problem::{Code, Problem};
use crate::usecases::keys;
use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use chrono::{DateTime, Utc};

/// `/admin/kunci`.
pub fn router() -> Router<AppState> {
    Router::new().route("/admin/kunci", get(keys_page))
}

/// Messages the page's script shows.
const SCRIPT_MESSAGES: &[Msg] = &[
    Msg::AdminWorking,
    Msg::KeysMade,
    Msg::KeysRevokedDone,
    Msg::KeysRevokeConfirm,
];

/// One key as the page shows it.
struct KeyLine {
    kid: String,
    status: Msg,
    active: bool,
    revocable: bool,
    signing_from: String,
    signing_until: String,
    verify_until: String,
}

#[derive(Template)]
#[template(path = "kunci.html")]
struct KeysPage {
    c: Chrome,
    problem: Option<String>,
    keys: Vec<KeyLine>,
    has_active: bool,
    may_change: bool,
    messages_json: String,
}

/// `29 Nov 2026 21:05 WIB` in the programme's local time, or a dash for a window still open.
pub(super) fn when(t: Option<DateTime<Utc>>, utc_offset_hours: i8) -> String {
    t.map_or("—".to_owned(), |t| format::date_time(t, utc_offset_hours))
}

fn status_msg(status: KeyStatus) -> Msg {
    match status {
        KeyStatus::Active => Msg::KeysActive,
        KeyStatus::Retired => Msg::KeysRetired,
        KeyStatus::Revoked => Msg::KeysRevoked,
    }
}

async fn lines(state: &AppState, who: &Principal) -> Result<Vec<KeyLine>, Problem> {
    if !matches!(who.role, Role::Admin | Role::Auditor) {
        return Err(Problem::new(Code::Forbidden));
    }
    let offset = crate::usecases::programmes::utc_offset_hours(&state.store).await?;
    let mut out: Vec<KeyLine> = keys::list(&state.store)
        .await?
        .into_iter()
        .map(|k| KeyLine {
            kid: k.kid.to_hex(),
            status: status_msg(k.status),
            active: k.status == KeyStatus::Active,
            revocable: k.status != KeyStatus::Revoked,
            signing_from: when(Some(k.signing_from), offset),
            signing_until: when(k.signing_until, offset),
            verify_until: when(k.verify_until, offset),
        })
        .collect();
    out.reverse();
    Ok(out)
}

async fn keys_page(State(state): State<AppState>, lang: Lang, session: PageSession) -> Response {
    let c = Chrome::signed_in(lang, Msg::KeysTitle, &session);
    let who = &session.principal;
    let messages_json = lang.json(SCRIPT_MESSAGES);
    let may_change = who.role == Role::Admin && who.area.is_district();
    match lines(&state, who).await {
        Ok(keys) => {
            let has_active = keys.iter().any(|k| k.active);
            let template = KeysPage {
                c,
                problem: None,
                keys,
                has_active,
                may_change,
                messages_json,
            };
            page(StatusCode::OK, &template)
        }
        Err(problem) => {
            let (status, text) = refusal(lang, &problem);
            let template = KeysPage {
                c,
                problem: Some(text),
                keys: Vec::new(),
                has_active: false,
                may_change: false,
                messages_json,
            };
            page(status, &template)
        }
    }
}
