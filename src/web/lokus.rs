//! The lokus page, `/admin/lokus`: a year's lokus desa (this year in the programme's time zone
//! unless another is asked) in the visitor's area, grouped by kecamatan, and a district admin's
//! form marking desa picked from the wilayah tree, several at once, through the use case
//! `POST /v1/lokus` calls (`usecases::lokus::add_as`: the same limits and errors). The store
//! keeps no way to unmark a desa, so the page offers none.

use super::admin::refusal_in_words;
use super::i18n::{Lang, Msg};
use super::mitra::home_area;
use super::session::{PageSession, SignInFirst};
use super::{Chrome, page};
use crate::api::AppState;
use crate::domain::auth::{Principal, Role};
use crate::problem::{Code, Problem};
use crate::store::LokusDesa;
use crate::usecases::{lokus, programmes};
use askama::Template;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Form, Router};
use chrono::Datelike;
use serde::Deserialize;

/// `/admin/lokus`.
pub fn router() -> Router<AppState> {
    Router::new().route("/admin/lokus", get(show).post(add))
}

/// Messages the page's script shows.
const SCRIPT_MESSAGES: &[Msg] = &[Msg::WilayahChoose, Msg::LokusPickDesa, Msg::LokusUnpick];

/// The page's own words for the fields a refusal names.
const FIELDS: &[(&str, Msg)] = &[("year", Msg::LokusBadYear), ("desa", Msg::LokusNoDesa)];

/// A kecamatan and its lokus desa (code, name), as the page lists them.
struct Kecamatan {
    code: String,
    name: String,
    desa: Vec<(String, String)>,
}

#[derive(Template)]
#[template(path = "lokus.html")]
struct LokusPage {
    c: Chrome,
    problem: Option<String>,
    alert: Option<String>,
    notice: Option<String>,
    year: i32,
    count: usize,
    groups: Vec<Kecamatan>,
    more: bool,
    may_add: bool,
    home: String,
    messages_json: String,
}

#[derive(Deserialize)]
pub(super) struct Asked {
    tahun: Option<String>,
    /// Text, so a mangled link still shows the page (without the notice).
    ditambah: Option<String>,
}

/// The year asked for (`tahun`), else this year in the programme's time zone.
async fn year_of(state: &AppState, asked: Option<&str>) -> Result<i32, Problem> {
    match asked.map(str::trim).filter(|t| !t.is_empty()) {
        Some(text) => text.parse().map_err(|_| {
            Problem::new(Code::ValidationFailed)
                .errors(serde_json::json!([{ "field": "year", "reason": "not a year" }]))
        }),
        None => Ok(programmes::local_today(&state.store).await?.year()),
    }
}

/// The desa grouped by kecamatan, in code order (the list comes sorted by desa code).
fn grouped(desa: Vec<LokusDesa>) -> Vec<Kecamatan> {
    let mut out: Vec<Kecamatan> = Vec::new();
    for d in desa {
        let kecamatan = d.kecamatan.as_str();
        if out.last().is_none_or(|k| k.code != kecamatan) {
            out.push(Kecamatan {
                code: kecamatan.to_owned(),
                name: d.kecamatan_name.clone(),
                desa: Vec::new(),
            });
        }
        if let Some(k) = out.last_mut() {
            k.desa.push((d.code.as_str().to_owned(), d.name));
        }
    }
    out
}

/// What a refused or failed page shows besides its alert.
struct Shown {
    status: StatusCode,
    problem: Option<String>,
    alert: Option<String>,
    notice: Option<String>,
}

async fn render(
    state: &AppState,
    lang: Lang,
    session: &PageSession,
    year: Result<i32, Problem>,
    mut shown: Shown,
) -> Response {
    let c = Chrome::signed_in(lang, Msg::LokusTitle, session);
    let who = &session.principal;
    let listed = match year {
        Ok(year) => lokus::list(&state.store, who, year).await,
        Err(p) => Err(p),
    };
    let (year, desa, more) = match listed {
        Ok(l) => (l.year, l.desa, l.more),
        Err(p) => {
            let (status, text) = refusal_in_words(lang, &p, FIELDS);
            shown.status = status;
            shown.problem = Some(text);
            (0, Vec::new(), false)
        }
    };
    let template = LokusPage {
        c,
        problem: shown.problem,
        alert: shown.alert,
        notice: shown.notice,
        year,
        count: desa.len(),
        groups: grouped(desa),
        more,
        may_add: crate::usecases::require_district_role(who, &[Role::Admin]).is_ok(),
        home: home_area(who),
        messages_json: lang.json(SCRIPT_MESSAGES),
    };
    page(shown.status, &template)
}

/// `GET /admin/lokus?tahun=`: the year's lokus desa (office roles).
async fn show(
    State(state): State<AppState>,
    lang: Lang,
    session: PageSession,
    Query(asked): Query<Asked>,
) -> Response {
    let year = year_of(&state, asked.tahun.as_deref()).await;
    let notice = asked
        .ditambah
        .and_then(|n| n.parse::<u64>().ok())
        .map(|n| format!("{} {n}", lang.t(Msg::LokusAdded)));
    let shown = Shown {
        status: StatusCode::OK,
        problem: None,
        alert: None,
        notice,
    };
    render(&state, lang, &session, year, shown).await
}

/// `POST /admin/lokus` (district admin; a plain form: `csrf`, `tahun`, `desa` once per desa):
/// marks them through the use case the API calls, then shows the year again.
async fn add(
    State(state): State<AppState>,
    lang: Lang,
    session: Result<PageSession, SignInFirst>,
    headers: HeaderMap,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    // Signed out: answered only after the form is read, so the connection stays usable.
    let session = match session {
        Ok(session) => session,
        Err(sign_in) => return sign_in.into_response(),
    };
    let field = |name: &str| {
        fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    let year = year_of(&state, field("tahun")).await;
    let done = if session.form_allowed(&headers, field("csrf").unwrap_or("")) {
        mark(&state, &session, year.clone(), &fields).await
    } else {
        Err(Problem::new(Code::CsrfFailed))
    };
    match done {
        Ok((year, added)) => {
            Redirect::to(&format!("/admin/lokus?tahun={year}&ditambah={added}")).into_response()
        }
        Err(problem) => {
            let (status, text) = refusal_in_words(lang, &problem, FIELDS);
            let shown = Shown {
                status,
                problem: None,
                alert: Some(text),
                notice: None,
            };
            render(&state, lang, &session, year, shown).await
        }
    }
}

async fn mark(
    state: &AppState,
    session: &PageSession,
    year: Result<i32, Problem>,
    fields: &[(String, String)],
) -> Result<(i32, u64), Problem> {
    let who: &Principal = &session.principal;
    let year = year?;
    let desa: Vec<String> = fields
        .iter()
        .filter(|(k, _)| k == "desa")
        .map(|(_, v)| v.trim().to_owned())
        .collect();
    let done = lokus::add_as(&state.store, who, year, &desa, &session.actor()).await?;
    Ok((year, done.added))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::wilayah::WilayahCode;

    fn desa(code: &str, name: &str, kecamatan_name: &str) -> LokusDesa {
        let code = WilayahCode::parse(code).unwrap_or_else(|_| unreachable!());
        LokusDesa {
            kecamatan: code.parent().unwrap_or_else(|| unreachable!()),
            code,
            name: name.to_owned(),
            kecamatan_name: kecamatan_name.to_owned(),
        }
    }

    #[test]
    fn desa_are_grouped_by_their_kecamatan_in_code_order() {
        let groups = grouped(vec![
            desa("35.14.05.2001", "Ampelsari", "Pasrepan"),
            desa("35.14.05.2005", "Sibon", "Pasrepan"),
            desa("35.14.06.2002", "Keduwung", "Puspo"),
        ]);
        let seen: Vec<(&str, usize)> = groups
            .iter()
            .map(|k| (k.name.as_str(), k.desa.len()))
            .collect();
        assert_eq!(seen, [("Pasrepan", 2), ("Puspo", 1)]);
        assert_eq!(groups[1].code, "35.14.06");
    }
}
