//! The kader's page, `/kader`: her desa's card sheet and hand-over list to download, and the
//! hand-over itself — ticking the families that received their card on a date (a plain form
//! that works without script), or scanning a card with the phone's camera where the browser
//! has `BarcodeDetector`. Both go through `usecases::handovers`, which checks role and area.

use super::i18n::{Lang, Msg};
use super::session::{PageSession, SignInFirst};
use super::{Chrome, format, page};
use crate::api::AppState;
use crate::domain::auth::Principal;
use crate::domain::ids::{Period, VoucherId};
use crate::domain::wilayah::{Level, WilayahCode};
use crate::problem::{Code, Problem};
use crate::usecases::handovers::{self, ListedCard};
use crate::usecases::programmes;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Form, Router};
use chrono::NaiveDate;
use serde::Deserialize;

/// The messages the page's script shows.
const SCRIPT_MESSAGES: &[Msg] = &[
    Msg::KaderScanLooking,
    Msg::KaderScanDone,
    Msg::KaderScanFailed,
];

/// `GET|POST /kader`.
pub fn router() -> Router<AppState> {
    Router::new().route("/kader", get(show).post(record))
}

/// One row of the list as the template shows it.
struct Row {
    id: String,
    card_number: String,
    name: String,
    value: String,
    handed_over_on: Option<String>,
}

#[derive(Template)]
#[template(path = "kader.html")]
struct KaderPage {
    c: Chrome,
    messages_json: String,
    problem: Option<String>,
    recorded: Option<u64>,
    desa: String,
    desa_name: String,
    period: String,
    today: String,
    rows: Vec<Row>,
    given: usize,
}

#[derive(Deserialize)]
struct Where {
    desa: Option<String>,
    periode: Option<String>,
    tercatat: Option<u64>,
}

/// The desa asked for, else the kader's own (her first desa).
fn desa_of(asked: Option<&str>, who: &Principal) -> Result<WilayahCode, Problem> {
    match asked.filter(|d| !d.is_empty()) {
        Some(text) => Ok(WilayahCode::parse(text)?),
        None => who
            .area
            .codes()
            .iter()
            .find(|c| c.level() == Level::Desa)
            .cloned()
            .ok_or_else(|| Problem::new(Code::ValidationFailed).detail("desa=KODE")),
    }
}

/// The period asked for, else this month in the programme's time zone.
async fn period_of(state: &AppState, asked: Option<&str>) -> Result<(Period, NaiveDate), Problem> {
    let today = programmes::local_today(&state.store).await?;
    match asked.filter(|p| !p.is_empty()) {
        Some(text) => Ok((Period::parse(text)?, today)),
        None => Ok((Period::containing(today), today)),
    }
}

struct Shown {
    desa: WilayahCode,
    desa_name: String,
    period: Period,
    today: NaiveDate,
    cards: Vec<ListedCard>,
}

async fn load(state: &AppState, who: &Principal, w: &Where) -> Result<Shown, Problem> {
    let desa = desa_of(w.desa.as_deref(), who)?;
    let (period, today) = period_of(state, w.periode.as_deref()).await?;
    let programme = programmes::resolve(&state.store, None).await?;
    let cards = handovers::list(&state.store, who, &programme, period, &desa).await?;
    let desa_name = state.store.wilayah(&desa).await.map(|w| w.name)?;
    Ok(Shown {
        desa,
        desa_name,
        period,
        today,
        cards,
    })
}

fn render(lang: Lang, session: &PageSession, shown: Shown, recorded: Option<u64>) -> Response {
    let given = shown
        .cards
        .iter()
        .filter(|c| c.handed_over_on.is_some())
        .count();
    let rows = shown
        .cards
        .into_iter()
        .map(|c| Row {
            id: c.voucher_id.to_string(),
            card_number: c.card_number,
            name: c.nama_kepala,
            value: format::rupiah(c.face_value.as_i64()),
            handed_over_on: c.handed_over_on.map(format::date_id),
        })
        .collect();
    let template = KaderPage {
        c: Chrome::signed_in(lang, Msg::KaderTitle, session),
        messages_json: lang.json(SCRIPT_MESSAGES),
        problem: None,
        recorded,
        desa: shown.desa.as_str().to_owned(),
        desa_name: shown.desa_name,
        period: shown.period.to_string(),
        today: shown.today.to_string(),
        rows,
        given,
    };
    page(StatusCode::OK, &template)
}

/// The page with only a refusal on it (another desa, a role that does not hand out cards).
fn refused(lang: Lang, session: &PageSession, problem: &Problem) -> Response {
    let code = problem.code();
    let title = match lang {
        Lang::Id => code.title(),
        Lang::En => code.title_en(),
    };
    let template = KaderPage {
        c: Chrome::signed_in(lang, Msg::KaderTitle, session),
        messages_json: lang.json(SCRIPT_MESSAGES),
        problem: Some(title.to_owned()),
        recorded: None,
        desa: String::new(),
        desa_name: String::new(),
        period: String::new(),
        today: String::new(),
        rows: Vec::new(),
        given: 0,
    };
    let status = StatusCode::from_u16(code.status()).unwrap_or(StatusCode::BAD_REQUEST);
    page(status, &template)
}

/// `GET /kader?desa=&periode=`: the list of the kader's desa (403 for another desa).
async fn show(
    State(state): State<AppState>,
    lang: Lang,
    session: PageSession,
    Query(w): Query<Where>,
) -> Response {
    match load(&state, &session.principal, &w).await {
        Ok(shown) => render(lang, &session, shown, w.tercatat),
        Err(problem) => refused(lang, &session, &problem),
    }
}

/// `POST /kader` (plain form: `csrf`, `desa`, `periode`, `tanggal`, `kartu` once per ticked
/// card): records the hand-overs, then shows the list again.
async fn record(
    State(state): State<AppState>,
    lang: Lang,
    session: Result<PageSession, SignInFirst>,
    headers: HeaderMap,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    // Signed out: answered only after the form is read, so the connection stays usable (a
    // client still sending the body of a refused request saw it closed under it).
    let session = match session {
        Ok(session) => session,
        Err(sign_in) => return sign_in.into_response(),
    };
    let field = |name: &str| {
        fields
            .iter()
            .find(|(k, _)| k == name)
            .map_or("", |(_, v)| v.as_str())
    };
    if !session.form_allowed(&headers, field("csrf")) {
        return refused(lang, &session, &Problem::new(Code::CsrfFailed));
    }
    match record_form(&state, &session, &fields).await {
        Ok((desa, period, n)) => {
            Redirect::to(&format!("/kader?desa={desa}&periode={period}&tercatat={n}"))
                .into_response()
        }
        Err(problem) => refused(lang, &session, &problem),
    }
}

async fn record_form(
    state: &AppState,
    session: &PageSession,
    fields: &[(String, String)],
) -> Result<(WilayahCode, Period, u64), Problem> {
    let field = |name: &str| {
        fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    let desa = desa_of(field("desa"), &session.principal)?;
    let (period, _) = period_of(state, field("periode")).await?;
    let on = NaiveDate::parse_from_str(field("tanggal").unwrap_or(""), "%Y-%m-%d")
        .map_err(|_| Problem::new(Code::ValidationFailed).detail("tanggal: YYYY-MM-DD"))?;
    let cards = fields
        .iter()
        .filter(|(k, _)| k == "kartu")
        .map(|(_, v)| VoucherId::parse(v).map_err(Problem::from))
        .collect::<Result<Vec<_>, _>>()?;
    let programme = programmes::resolve(&state.store, None).await?;
    let done = handovers::record(
        &state.store,
        &session.principal,
        &programme,
        period,
        (&cards, on),
        &session.actor(),
    )
    .await?;
    Ok((desa, period, done.recorded))
}
