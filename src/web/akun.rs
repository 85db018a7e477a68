//! The accounts and tokens page, `/admin/akun` (admins; each sees what lies inside its own
//! area): the accounts with their role, area and state (unlock, reset a password, disable),
//! the API tokens (revoke), and the forms that create both. Every form is a plain CSRF-checked
//! POST (`akun_form`) calling the same use cases as the API and the CLI
//! (`usecases::accounts`); a new token's secret is shown once, on the answer to its form.

use super::admin::refusal;
use super::i18n::{Lang, Msg};
use super::kunci::when;
use super::session::PageSession;
use super::{Chrome, mitra, page};
use crate::api::AppState;
use crate::domain::auth::{AccountState, Area, Role};
use crate::problem::Problem;
use crate::store::{AccountInfo, TokenInfo, now_us};
use crate::usecases::accounts;
use askama::Template;
use axum::Router;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use chrono::DateTime;
use serde::Deserialize;

/// `GET|POST /admin/akun`.
pub fn router() -> Router<AppState> {
    Router::new().route("/admin/akun", get(show).post(super::akun_form::act))
}

/// Messages the page's script shows.
const SCRIPT_MESSAGES: &[Msg] = &[
    Msg::WilayahChoose,
    Msg::AkunDisableConfirm,
    Msg::AkunRevokeConfirm,
];

/// A role's name in the page's language.
pub(super) fn role_msg(role: Role) -> Msg {
    match role {
        Role::Admin => Msg::RoleAdmin,
        Role::Issuer => Msg::RoleIssuer,
        Role::Kader => Msg::RoleKader,
        Role::Merchant => Msg::RoleMerchant,
        Role::Finance => Msg::RoleFinance,
        Role::Auditor => Msg::RoleAuditor,
    }
}

/// `(value, name)` of a role list.
fn role_options(lang: Lang, keep: impl Fn(Role) -> bool) -> Vec<(&'static str, &'static str)> {
    Role::ALL
        .into_iter()
        .filter(|r| keep(*r))
        .map(|r| (r.as_str(), lang.t(role_msg(r))))
        .collect()
}

/// The area's codes, or "the whole district".
fn area_text(lang: Lang, area: &Area) -> String {
    if area.codes().is_empty() {
        lang.t(Msg::AkunEverywhere).to_owned()
    } else {
        area.to_stored().replace(' ', ", ")
    }
}

/// Now, and the programme's offset from UTC: what the lists need to write times.
#[derive(Clone, Copy, Debug)]
pub(super) struct Clock {
    now: i64,
    utc_offset_hours: i8,
}

impl Clock {
    /// Now, in the programme's local time.
    pub(super) async fn read(state: &AppState) -> Result<Clock, Problem> {
        Ok(Clock {
            now: now_us(),
            utc_offset_hours: crate::usecases::programmes::utc_offset_hours(&state.store).await?,
        })
    }

    /// An instant in µs as the page writes it, in the programme's local time.
    fn at(self, t: i64) -> String {
        when(DateTime::from_timestamp_micros(t), self.utc_offset_hours)
    }
}

/// One account as the list shows it.
pub(super) struct AccountLine {
    id: i64,
    name: String,
    role: Msg,
    area: String,
    state: Msg,
    locked: bool,
    disabled: bool,
    last_sign_in: Option<String>,
}

fn account_line(lang: Lang, a: AccountInfo, clock: Clock) -> AccountLine {
    let state = AccountState::at(clock.now, a.locked_until_us, a.disabled_at_us);
    AccountLine {
        id: a.id.0,
        role: role_msg(a.grant.role),
        area: area_text(lang, &a.grant.area),
        state: match state {
            AccountState::Active => Msg::AkunActive,
            AccountState::Locked => Msg::AkunLocked,
            AccountState::Disabled => Msg::AkunDisabled,
        },
        locked: state == AccountState::Locked,
        disabled: state == AccountState::Disabled,
        last_sign_in: a.last_sign_in_us.map(|t| clock.at(t)),
        name: a.name,
    }
}

/// One token as the list shows it (never its secret).
pub(super) struct TokenLine {
    pub(super) id: i64,
    pub(super) role: Msg,
    pub(super) area: String,
    pub(super) label: String,
    pub(super) created: String,
    pub(super) expires: Option<String>,
    pub(super) state: Msg,
    pub(super) live: bool,
}

pub(super) fn token_line(lang: Lang, t: TokenInfo, clock: Clock) -> TokenLine {
    let expired = t.expires_at_us.is_some_and(|e| e <= clock.now);
    let state = match (t.revoked_at_us, expired) {
        (Some(_), _) => Msg::AkunRevoked,
        (None, true) => Msg::AkunExpired,
        (None, false) => Msg::AkunActive,
    };
    TokenLine {
        id: t.id.0,
        role: role_msg(t.grant.role),
        area: area_text(lang, &t.grant.area),
        created: clock.at(t.created_at_us),
        expires: t.expires_at_us.map(|e| clock.at(e)),
        live: state == Msg::AkunActive,
        state,
        label: t.label,
    }
}

#[derive(Template)]
#[template(path = "akun.html")]
pub(super) struct AkunPage {
    c: Chrome,
    problem: Option<String>,
    notice: Option<&'static str>,
    alert: Option<String>,
    accounts: Vec<AccountLine>,
    tokens: Vec<TokenLine>,
    next_accounts: Option<i64>,
    next_tokens: Option<i64>,
    roles: Vec<(&'static str, &'static str)>,
    account_roles: Vec<(&'static str, &'static str)>,
    home: String,
    messages_json: String,
}

/// `?selesai=` (what was just done), `?akun=` / `?token=` (the page of each list).
#[derive(Deserialize, Default)]
pub(super) struct Asked {
    selesai: Option<String>,
    akun: Option<i64>,
    token: Option<i64>,
}

fn done_msg(done: Option<&str>) -> Option<Msg> {
    Some(match done? {
        "akun" => Msg::AkunDoneCreated,
        "buka" => Msg::AkunDoneUnlocked,
        "sandi" => Msg::AkunDoneReset,
        "nonaktif" => Msg::AkunDoneDisabled,
        "cabut" => Msg::AkunDoneRevoked,
        _ => return None,
    })
}

async fn show(
    State(state): State<AppState>,
    lang: Lang,
    session: PageSession,
    Query(asked): Query<Asked>,
) -> Response {
    let notice = done_msg(asked.selesai.as_deref()).map(|m| lang.t(m));
    render(&state, lang, &session, &asked, notice, None).await
}

/// The page with its lists, a notice of what was done or the alert of what was refused.
pub(super) async fn render(
    state: &AppState,
    lang: Lang,
    session: &PageSession,
    asked: &Asked,
    notice: Option<&'static str>,
    alert: Option<(StatusCode, String)>,
) -> Response {
    let who = &session.principal;
    let mut template = AkunPage {
        c: Chrome::signed_in(lang, Msg::AkunTitle, session),
        problem: None,
        notice,
        alert: None,
        accounts: Vec::new(),
        tokens: Vec::new(),
        next_accounts: None,
        next_tokens: None,
        roles: role_options(lang, |_| true),
        // A shop signs in with its pairing QR (`/admin/toko`), not with an account.
        account_roles: role_options(lang, |r| r != Role::Merchant),
        home: mitra::home_area(who),
        messages_json: lang.json(SCRIPT_MESSAGES),
    };
    if let Err(problem) = fill(state, lang, session, asked, &mut template).await {
        let (status, text) = refusal(lang, &problem);
        template.problem = Some(text);
        return page(status, &template);
    }
    let status = alert.as_ref().map_or(StatusCode::OK, |a| a.0);
    template.alert = alert.map(|a| a.1);
    page(status, &template)
}

async fn fill(
    state: &AppState,
    lang: Lang,
    session: &PageSession,
    asked: &Asked,
    template: &mut AkunPage,
) -> Result<(), Problem> {
    let who = &session.principal;
    let clock = Clock::read(state).await?;
    let people = accounts::list_accounts(&state.store, who, asked.akun).await?;
    let tokens = accounts::list_tokens(&state.store, who, asked.token, false).await?;
    template.next_accounts = people.next_before;
    template.next_tokens = tokens.next_before;
    template.accounts = people
        .rows
        .into_iter()
        .map(|a| account_line(lang, a, clock))
        .collect();
    template.tokens = tokens
        .rows
        .into_iter()
        .map(|t| token_line(lang, t, clock))
        .collect();
    Ok(())
}
