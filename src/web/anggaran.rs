//! The budget page, `/admin/anggaran`: the programme year's budget lines in the visitor's area
//! (source, area, ceiling, committed, remaining, and a bar of the share committed), and a form
//! adding a line (its area picked from the wilayah tree) through the use case `POST /v1/budgets`
//! calls (`usecases::budgets::add`: the same checks and errors).

use super::admin::refusal_in_words;
use super::i18n::{Lang, Msg};
use super::mitra::home_area;
use super::session::{PageSession, SignInFirst};
use super::{Chrome, format, page};
use crate::api::AppState;
use crate::domain::auth::Role;
use crate::domain::budget::{BudgetLine, SumberDana};
use crate::problem::{Code, Problem};
use crate::store::StoreError;
use crate::usecases::{budgets, programmes};
use askama::Template;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Form, Router};
use serde::Deserialize;

/// `/admin/anggaran`.
pub fn router() -> Router<AppState> {
    Router::new().route("/admin/anggaran", get(show).post(add))
}

/// Messages the page's script shows.
const SCRIPT_MESSAGES: &[Msg] = &[Msg::WilayahChoose];

/// The page's own words for the fields a refusal names.
const FIELDS: &[(&str, Msg)] = &[
    ("amount", Msg::BudgetBadAmount),
    ("kode_wilayah", Msg::BudgetNoArea),
    ("sumber_dana", Msg::BudgetBadSource),
    ("year", Msg::BudgetBadYear),
];

/// The sources a line may have, in charging order, with their words.
const SOURCES: [(SumberDana, Msg); 4] = [
    (SumberDana::DanaDesa, Msg::SourceDanaDesa),
    (SumberDana::Apbd, Msg::SourceApbd),
    (SumberDana::Csr, Msg::SourceCsr),
    (SumberDana::Apbn, Msg::SourceApbn),
];

fn source_msg(source: SumberDana) -> Msg {
    SOURCES
        .iter()
        .find(|(s, _)| *s == source)
        .map_or(Msg::SourceApbd, |(_, m)| *m)
}

/// One line as the table shows it.
struct Line {
    id: i64,
    source: Msg,
    area: String,
    area_name: String,
    ceiling: String,
    committed: String,
    remaining: String,
    /// The bar: what is committed out of the ceiling (`max` at least 1).
    used_rp: i64,
    max_rp: i64,
    used_percent: i64,
}

/// Share of `part` in `whole`, in whole percent (0 for an empty whole).
fn percent(part: i64, whole: i64) -> i64 {
    if whole <= 0 {
        return 0;
    }
    i64::try_from(i128::from(part) * 100 / i128::from(whole)).unwrap_or(100)
}

impl Line {
    fn of(l: &BudgetLine, area_name: String) -> Line {
        let (amount, committed) = (l.amount.as_i64(), l.committed.as_i64());
        Line {
            id: l.id.0,
            source: source_msg(l.sumber_dana),
            area: l.kode_wilayah.as_str().to_owned(),
            area_name,
            ceiling: format::rupiah(amount),
            committed: format::rupiah(committed),
            remaining: format::rupiah(l.remaining().as_i64()),
            used_rp: committed,
            max_rp: amount.max(1),
            used_percent: percent(committed, amount),
        }
    }
}

/// What the form had, shown again when it was refused.
#[derive(Default)]
struct Typed {
    source: String,
    amount: String,
}

#[derive(Template)]
#[template(path = "anggaran.html")]
struct BudgetPage {
    c: Chrome,
    problem: Option<String>,
    alert: Option<String>,
    notice: Option<String>,
    year: i32,
    lines: Vec<Line>,
    total_ceiling: String,
    total_committed: String,
    total_remaining: String,
    may_add: bool,
    /// Each source's word and its name in the page's language.
    sources: Vec<(&'static str, &'static str)>,
    typed: Typed,
    home: String,
    messages_json: String,
}

/// The year and lines of the page, each line with its area's name.
async fn load(
    state: &AppState,
    page: &PageSession,
) -> Result<(i32, Vec<BudgetLine>, Vec<String>), Problem> {
    let lines = budgets::list(&state.store, &page.principal, None, None).await?;
    let year = programmes::resolve(&state.store, None).await?.year;
    let mut names = Vec::with_capacity(lines.len());
    for l in &lines {
        names.push(match state.store.wilayah(&l.kode_wilayah).await {
            Ok(w) => w.name,
            Err(StoreError::NotFound) => String::new(),
            Err(e) => return Err(e.into()),
        });
    }
    Ok((year, lines, names))
}

/// What the page shows besides the lines.
struct Shown {
    status: StatusCode,
    alert: Option<String>,
    notice: Option<String>,
    typed: Typed,
}

async fn render(state: &AppState, lang: Lang, session: &PageSession, shown: Shown) -> Response {
    let c = Chrome::signed_in(lang, Msg::BudgetTitle, session);
    let who = &session.principal;
    let (status, problem, year, lines) = match load(state, session).await {
        Ok((year, lines, names)) => (
            shown.status,
            None,
            year,
            lines
                .iter()
                .zip(names)
                .map(|(l, n)| (l.clone(), n))
                .collect(),
        ),
        Err(p) => {
            let (status, text) = refusal_in_words(lang, &p, FIELDS);
            (status, Some(text), 0, Vec::new())
        }
    };
    let sum = |f: fn(&BudgetLine) -> i64| format::rupiah(lines.iter().map(|(l, _)| f(l)).sum());
    let template = BudgetPage {
        c,
        problem,
        alert: shown.alert,
        notice: shown.notice,
        year,
        total_ceiling: sum(|l| l.amount.as_i64()),
        total_committed: sum(|l| l.committed.as_i64()),
        total_remaining: sum(|l| l.remaining().as_i64()),
        lines: lines.into_iter().map(|(l, n)| Line::of(&l, n)).collect(),
        may_add: crate::usecases::require_district_role(who, &[Role::Admin, Role::Finance]).is_ok(),
        sources: SOURCES
            .iter()
            .map(|(s, m)| (s.as_str(), lang.t(*m)))
            .collect(),
        typed: shown.typed,
        home: home_area(who),
        messages_json: lang.json(SCRIPT_MESSAGES),
    };
    page(status, &template)
}

#[derive(Deserialize)]
pub(super) struct Asked {
    /// Text, so a mangled link still shows the page.
    ditambah: Option<String>,
}

/// `GET /admin/anggaran` (admin, finance, auditor).
async fn show(
    State(state): State<AppState>,
    lang: Lang,
    session: PageSession,
    Query(asked): Query<Asked>,
) -> Response {
    let shown = Shown {
        status: StatusCode::OK,
        alert: None,
        notice: asked.ditambah.map(|_| lang.t(Msg::BudgetAdded).to_owned()),
        typed: Typed::default(),
    };
    render(&state, lang, &session, shown).await
}

#[derive(Deserialize)]
pub(super) struct AddForm {
    csrf: Option<String>,
    tahun: Option<String>,
    sumber_dana: Option<String>,
    kode_wilayah: Option<String>,
    jumlah: Option<String>,
}

/// `POST /admin/anggaran` (district admin or finance; a plain form: `csrf`, `tahun`,
/// `sumber_dana`, `kode_wilayah`, `jumlah` as `25000000` or `25.000.000`): adds the line
/// through the use case the API calls, then shows the lines again.
async fn add(
    State(state): State<AppState>,
    lang: Lang,
    session: Result<PageSession, SignInFirst>,
    headers: HeaderMap,
    Form(form): Form<AddForm>,
) -> Response {
    // Signed out: answered only after the form is read, so the connection stays usable.
    let session = match session {
        Ok(session) => session,
        Err(sign_in) => return sign_in.into_response(),
    };
    let done = if session.form_allowed(&headers, form.csrf.as_deref().unwrap_or("")) {
        add_line(&state, &session, &form).await
    } else {
        Err(Problem::new(Code::CsrfFailed))
    };
    match done {
        Ok(id) => Redirect::to(&format!("/admin/anggaran?ditambah={id}")).into_response(),
        Err(problem) => {
            let (status, text) = refusal_in_words(lang, &problem, FIELDS);
            let shown = Shown {
                status,
                alert: Some(text),
                notice: None,
                typed: Typed {
                    source: form.sumber_dana.unwrap_or_default(),
                    amount: form.jumlah.unwrap_or_default(),
                },
            };
            render(&state, lang, &session, shown).await
        }
    }
}

async fn add_line(state: &AppState, session: &PageSession, form: &AddForm) -> Result<i64, Problem> {
    let year = match form.tahun.as_deref().map(str::trim) {
        Some(text) if !text.is_empty() => text.parse().map_err(|_| {
            Problem::new(Code::ValidationFailed)
                .errors(serde_json::json!([{ "field": "year", "reason": "not a year" }]))
        })?,
        _ => programmes::resolve(&state.store, None).await?.year,
    };
    let amount = format::rupiah_typed(form.jumlah.as_deref().unwrap_or(""));
    let new = budgets::NewLine {
        year,
        sumber_dana: form.sumber_dana.as_deref().unwrap_or("").trim(),
        kode_wilayah: form.kode_wilayah.as_deref().unwrap_or("").trim(),
        amount: &amount,
        programme: None,
    };
    let line = budgets::add(&state.store, &session.principal, new, &session.actor()).await?;
    Ok(line.id.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bar_is_the_share_committed_in_whole_percent() {
        assert_eq!(percent(0, 1_000_000), 0);
        assert_eq!(percent(250_000, 1_000_000), 25);
        assert_eq!(percent(1_000_000, 1_000_000), 100);
        assert_eq!(percent(5, 0), 0);
        assert_eq!(percent(i64::MAX, i64::MAX), 100);
    }
}
