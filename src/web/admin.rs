//! The office pages: `/admin` (the dashboard: households, households eligible (as the cycle's
//! issuance judged them), vouchers issued, redeemed and remaining by kecamatan and desa, this month against last, with server-drawn charts and the
//! numbers behind them), `/admin/registri` (registry upload with the row-error report) and
//! `/admin/siklus` (open and issue a cycle, card sheets and hand-over lists per desa),
//! `/admin/kartu` (a lost card found by its number, revoked and replaced, the new card printed). Each
//! shows only the visitor's area; every change is made by the page's script through the same
//! `/v1` API (and so the same role and area checks).

use super::i18n::{Lang, Msg};
use super::session::PageSession;
use super::{Chrome, format, page};
use crate::api::AppState;
use crate::domain::auth::{Principal, Role};
use crate::domain::ids::Period;
use crate::domain::wilayah::WilayahCode;
use crate::problem::{Code, Problem};
use crate::render::chart::{self, Series};
use crate::store::DesaFigures;
use crate::usecases::programmes;
use askama::Template;
use axum::Router;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use chrono::Days;
use serde::Deserialize;
use std::collections::HashMap;

/// `/admin`, `/admin/registri`, `/admin/siklus`.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/admin", get(dashboard))
        .route("/admin/registri", get(registry))
        .route("/admin/siklus", get(cycles))
        .route("/admin/kartu", get(lost_cards))
}

#[derive(Deserialize)]
pub(super) struct PeriodQuery {
    periode: Option<String>,
}

/// A page refused (role or area), in the visitor's language.
pub(super) fn refusal(lang: Lang, problem: &Problem) -> (StatusCode, String) {
    let code = problem.code();
    let title = match lang {
        Lang::Id => code.title(),
        Lang::En => code.title_en(),
    };
    let status = StatusCode::from_u16(code.status()).unwrap_or(StatusCode::BAD_REQUEST);
    (status, title.to_owned())
}

/// A refused change in the visitor's words: the page's own message for the field that was
/// wrong (`fields`, by the field the problem names), else the code's title followed by the
/// codes it lists (unknown desa, say; never personal data).
pub(super) fn refusal_in_words(
    lang: Lang,
    problem: &Problem,
    fields: &[(&str, Msg)],
) -> (StatusCode, String) {
    let (status, title) = refusal(lang, problem);
    let list = problem.error_list().and_then(|e| e.as_array());
    let field = list
        .and_then(|l| l.first())
        .and_then(|e| e.get("field"))
        .and_then(|f| f.as_str());
    if let Some((_, m)) = fields.iter().find(|(name, _)| Some(*name) == field) {
        return (status, lang.t(*m).to_owned());
    }
    let codes: Vec<&str> = list
        .map(|l| l.iter().filter_map(|v| v.as_str()).take(20).collect())
        .unwrap_or_default();
    if codes.is_empty() {
        (status, title)
    } else {
        (status, format!("{title}: {}", codes.join(", ")))
    }
}

fn require(who: &Principal, roles: &[Role]) -> Result<(), Problem> {
    if roles.contains(&who.role) {
        Ok(())
    } else {
        Err(Problem::new(Code::Forbidden))
    }
}

/// The period asked for (`?periode=`), else this month in the programme's time zone.
async fn period_of(state: &AppState, asked: Option<&str>) -> Result<Period, Problem> {
    match asked.filter(|p| !p.is_empty()) {
        Some(text) => Ok(Period::parse(text)?),
        None => Ok(Period::containing(
            programmes::local_today(&state.store).await?,
        )),
    }
}

fn previous(period: Period) -> Period {
    let day = period
        .first_day()
        .checked_sub_days(Days::new(1))
        .unwrap_or_else(|| period.first_day());
    Period::containing(day)
}

/// Sums of figures (a kecamatan, the whole area).
#[derive(Clone, Copy, Debug, Default)]
struct Totals {
    households: i64,
    /// `None` until the cycle's issuance ran.
    eligible: Option<i64>,
    issued: i64,
    issued_rp: i64,
    redeemed_rp: i64,
    remaining_rp: i64,
}

impl Totals {
    fn add(&mut self, f: &DesaFigures) {
        self.households += f.households_active;
        self.eligible = plus(self.eligible, f.eligible);
        self.issued += f.issued;
        self.issued_rp += f.issued_rp;
        self.redeemed_rp += f.redeemed_rp;
        self.remaining_rp += f.remaining_rp;
    }
}

/// One line of the dashboard's table, as shown.
struct Line {
    kecamatan: bool,
    name: String,
    households: i64,
    eligible: String,
    issued: i64,
    issued_rp: String,
    redeemed_rp: String,
    remaining_rp: String,
    last_redeemed_rp: String,
}

impl Line {
    fn of(kecamatan: bool, name: String, now: Totals, last: Totals) -> Line {
        Line {
            kecamatan,
            name,
            households: now.households,
            eligible: count_or_dash(now.eligible),
            issued: now.issued,
            issued_rp: format::rupiah(now.issued_rp),
            redeemed_rp: format::rupiah(now.redeemed_rp),
            remaining_rp: format::rupiah(now.remaining_rp),
            last_redeemed_rp: format::rupiah(last.redeemed_rp),
        }
    }
}

#[derive(Template)]
#[template(path = "admin.html")]
struct DashboardPage {
    c: Chrome,
    problem: Option<String>,
    period: String,
    last_period: String,
    now: Totals,
    last: Totals,
    lines: Vec<Line>,
    chart_eligible: String,
    chart_issued: String,
    chart_redeemed: String,
}

impl DashboardPage {
    fn rp(&self, amount_rp: &i64) -> String {
        format::rupiah(*amount_rp)
    }

    fn count(&self, n: &Option<i64>) -> String {
        count_or_dash(*n)
    }
}

/// A count, or a dash before the cycle's issuance ran.
fn count_or_dash(n: Option<i64>) -> String {
    n.map_or_else(|| "—".to_owned(), |n| n.to_string())
}

/// The sum of two counts that may not be known yet.
fn plus(a: Option<i64>, b: Option<i64>) -> Option<i64> {
    match (a, b) {
        (None, None) => None,
        (a, b) => Some(a.unwrap_or(0) + b.unwrap_or(0)),
    }
}

/// Figures of the visitor's area, grouped by kecamatan (in code order).
type Grouped = Vec<(String, Vec<DesaFigures>)>;

fn group(figures: Vec<DesaFigures>, who: &Principal) -> Grouped {
    let mut out: Grouped = Vec::new();
    for f in figures.into_iter().filter(|f| who.area.covers(&f.desa)) {
        match out.last_mut() {
            Some((k, rows)) if rows.first().is_some_and(|r| r.kecamatan == f.kecamatan) => {
                let _ = k;
                rows.push(f);
            }
            _ => out.push((f.kecamatan_name.clone(), vec![f])),
        }
    }
    out
}

async fn dashboard(
    State(state): State<AppState>,
    lang: Lang,
    session: PageSession,
    Query(q): Query<PeriodQuery>,
) -> Response {
    let c = Chrome::signed_in(lang, Msg::AdminTitle, &session);
    match dashboard_page(&state, &session.principal, q.periode.as_deref(), c.clone()).await {
        Ok(template) => page(StatusCode::OK, &template),
        Err(problem) => {
            let (status, text) = refusal(lang, &problem);
            page(status, &DashboardPage::refused(c, text))
        }
    }
}

impl DashboardPage {
    fn refused(c: Chrome, text: String) -> DashboardPage {
        DashboardPage {
            c,
            problem: Some(text),
            period: String::new(),
            last_period: String::new(),
            now: Totals::default(),
            last: Totals::default(),
            lines: Vec::new(),
            chart_eligible: String::new(),
            chart_issued: String::new(),
            chart_redeemed: String::new(),
        }
    }
}

async fn dashboard_page(
    state: &AppState,
    who: &Principal,
    asked: Option<&str>,
    c: Chrome,
) -> Result<DashboardPage, Problem> {
    require(who, &Role::OFFICE)?;
    let period = period_of(state, asked).await?;
    let last_period = previous(period);
    let programme = programmes::resolve(&state.store, None).await?;
    let now = group(state.store.desa_figures(programme.id, period).await?, who);
    let before = state.store.desa_figures(programme.id, last_period).await?;
    let before: HashMap<_, _> = before.into_iter().map(|f| (f.desa.clone(), f)).collect();
    let table = Table::of(&now, &before);
    let (p, lp) = (period.to_string(), last_period.to_string());
    let counts = [c.t(Msg::DashEligible), c.t(Msg::DashIssued)];
    Ok(DashboardPage {
        problem: None,
        chart_eligible: bars(&table.labels, counts, table.eligible),
        chart_issued: bars(&table.labels, [&p, &lp], table.issued),
        chart_redeemed: bars(&table.labels, [&p, &lp], table.redeemed),
        c,
        period: p.clone(),
        last_period: lp.clone(),
        now: table.now,
        last: table.last,
        lines: table.lines,
    })
}

/// The dashboard's table (each kecamatan's line, then its desa's) and its charts' series by
/// kecamatan: this month's figures and last month's.
struct Table {
    lines: Vec<Line>,
    labels: Vec<String>,
    /// Households eligible, vouchers issued.
    eligible: [Vec<i64>; 2],
    issued: [Vec<i64>; 2],
    redeemed: [Vec<i64>; 2],
    now: Totals,
    last: Totals,
}

impl Table {
    fn of(now: &Grouped, before: &HashMap<WilayahCode, DesaFigures>) -> Table {
        let mut table = Table {
            lines: Vec::new(),
            labels: Vec::new(),
            eligible: [vec![], vec![]],
            issued: [vec![], vec![]],
            redeemed: [vec![], vec![]],
            now: Totals::default(),
            last: Totals::default(),
        };
        for (kecamatan, desa) in now {
            table.kecamatan(kecamatan, desa, before);
        }
        table
    }

    fn kecamatan(
        &mut self,
        kecamatan: &str,
        desa: &[DesaFigures],
        before: &HashMap<WilayahCode, DesaFigures>,
    ) {
        let (mut k_now, mut k_last) = (Totals::default(), Totals::default());
        let mut desa_lines = Vec::new();
        for f in desa {
            let mut d_now = Totals::default();
            d_now.add(f);
            let mut d_last = Totals::default();
            if let Some(b) = before.get(&f.desa) {
                d_last.add(b);
            }
            k_now.add(f);
            if let Some(b) = before.get(&f.desa) {
                k_last.add(b);
            }
            desa_lines.push(Line::of(false, f.desa_name.clone(), d_now, d_last));
        }
        self.lines
            .push(Line::of(true, kecamatan.to_owned(), k_now, k_last));
        self.lines.extend(desa_lines);
        self.labels.push(kecamatan.to_owned());
        self.eligible[0].push(k_now.eligible.unwrap_or(0));
        self.eligible[1].push(k_now.issued);
        self.issued[0].push(k_now.issued_rp);
        self.issued[1].push(k_last.issued_rp);
        self.redeemed[0].push(k_now.redeemed_rp);
        self.redeemed[1].push(k_last.redeemed_rp);
        self.now = sum(self.now, k_now);
        self.last = sum(self.last, k_last);
    }
}

/// Two series of bars by kecamatan, the first green, the second brown.
fn bars(labels: &[String], names: [&str; 2], values: [Vec<i64>; 2]) -> String {
    let [a, b] = values;
    chart::grouped_bars(
        labels,
        &[
            Series {
                name: names[0],
                rgb: (11, 107, 58),
                values: a,
            },
            Series {
                name: names[1],
                rgb: (138, 75, 0),
                values: b,
            },
        ],
    )
    .unwrap_or_default()
}

fn sum(a: Totals, b: Totals) -> Totals {
    Totals {
        households: a.households + b.households,
        eligible: plus(a.eligible, b.eligible),
        issued: a.issued + b.issued,
        issued_rp: a.issued_rp + b.issued_rp,
        redeemed_rp: a.redeemed_rp + b.redeemed_rp,
        remaining_rp: a.remaining_rp + b.remaining_rp,
    }
}

#[derive(Template)]
#[template(path = "registri.html")]
struct RegistryPage {
    c: Chrome,
    problem: Option<String>,
    today: String,
    messages_json: String,
}

/// Messages the office pages' script shows.
const SCRIPT_MESSAGES: &[Msg] = &[
    Msg::AdminWorking,
    Msg::ImportDone,
    Msg::ImportRefused,
    Msg::ImportLine,
    Msg::ImportField,
    Msg::ImportReason,
    Msg::ImportRows,
    Msg::ImportNew,
    Msg::ImportMovedDesa,
    Msg::ImportMovedAway,
    Msg::ImportDeceased,
    Msg::ImportMerged,
    Msg::ImportOther,
    Msg::ImportUnchanged,
    Msg::CycleOpened,
    Msg::CycleIssued,
    Msg::CycleEligible,
    Msg::CycleSkippedIneligible,
    Msg::CycleSkippedBudget,
    Msg::CycleTotalValue,
    Msg::LostReplaced,
    Msg::LostRevoked,
];

async fn registry(State(state): State<AppState>, lang: Lang, session: PageSession) -> Response {
    let c = Chrome::signed_in(lang, Msg::ImportTitle, &session);
    let today = programmes::local_today(&state.store).await;
    let problem = match (require(&session.principal, &[Role::Admin]), &today) {
        (Err(p), _) => Some(refusal(lang, &p)),
        (Ok(()), Err(p)) => Some(refusal(lang, p)),
        _ => None,
    };
    let template = RegistryPage {
        c,
        problem: problem.as_ref().map(|(_, t)| t.clone()),
        today: today.map(|d| d.to_string()).unwrap_or_default(),
        messages_json: lang.json(SCRIPT_MESSAGES),
    };
    page(problem.map_or(StatusCode::OK, |(s, _)| s), &template)
}

/// One desa of the cycles page.
struct DesaCycle {
    code: String,
    name: String,
    issued: i64,
    handed_over: i64,
}

#[derive(Template)]
#[template(path = "siklus.html")]
struct CyclesPage {
    c: Chrome,
    problem: Option<String>,
    period: String,
    desa: Vec<DesaCycle>,
    messages_json: String,
}

async fn cycles(
    State(state): State<AppState>,
    lang: Lang,
    session: PageSession,
    Query(q): Query<PeriodQuery>,
) -> Response {
    let c = Chrome::signed_in(lang, Msg::CyclesTitle, &session);
    let messages_json = lang.json(SCRIPT_MESSAGES);
    match cycles_rows(&state, &session.principal, q.periode.as_deref()).await {
        Ok((period, desa)) => page(
            StatusCode::OK,
            &CyclesPage {
                c,
                problem: None,
                period: period.to_string(),
                desa,
                messages_json,
            },
        ),
        Err(problem) => {
            let (status, text) = refusal(lang, &problem);
            page(
                status,
                &CyclesPage {
                    c,
                    problem: Some(text),
                    period: String::new(),
                    desa: Vec::new(),
                    messages_json,
                },
            )
        }
    }
}

async fn cycles_rows(
    state: &AppState,
    who: &Principal,
    asked: Option<&str>,
) -> Result<(Period, Vec<DesaCycle>), Problem> {
    require(who, &[Role::Admin, Role::Issuer])?;
    let period = period_of(state, asked).await?;
    let programme = programmes::resolve(&state.store, None).await?;
    let given = match state.store.cycle(programme.id, period).await {
        Ok(cycle) => state.store.handover_counts(cycle.id).await?,
        Err(crate::store::StoreError::NotFound) => HashMap::new(),
        Err(e) => return Err(e.into()),
    };
    let figures = state.store.desa_figures(programme.id, period).await?;
    let desa = figures
        .into_iter()
        .filter(|f| f.issued > 0 && who.area.covers(&f.desa))
        .map(|f| DesaCycle {
            handed_over: given.get(&f.desa).copied().unwrap_or(0),
            code: f.desa.as_str().to_owned(),
            name: f.desa_name,
            issued: f.issued,
        })
        .collect();
    Ok((period, desa))
}

/// A card found by its number, as the lost-cards page shows it.
struct FoundCard {
    id: String,
    card_number: String,
    desa: String,
    face_value: String,
    balance: String,
    active: bool,
    replaced_by: Option<String>,
}

#[derive(Template)]
#[template(path = "kartu.html")]
struct LostCardsPage {
    c: Chrome,
    problem: Option<String>,
    asked: String,
    found: Vec<FoundCard>,
    messages_json: String,
}

#[derive(Deserialize)]
pub(super) struct CardQuery {
    nomor: Option<String>,
}

async fn lost_cards(
    State(state): State<AppState>,
    lang: Lang,
    session: PageSession,
    Query(q): Query<CardQuery>,
) -> Response {
    let c = Chrome::signed_in(lang, Msg::LostTitle, &session);
    let asked = q.nomor.unwrap_or_default();
    let who = &session.principal;
    let found = match require(who, &[Role::Admin]) {
        Err(p) => Err(p),
        Ok(()) if asked.trim().is_empty() => Ok(Vec::new()),
        Ok(()) => {
            crate::usecases::replacement::find_by_card_number(&state.store, who, &asked).await
        }
    };
    let (status, problem, found) = match found {
        Ok(found) => (StatusCode::OK, None, found),
        Err(p) => {
            let (status, text) = refusal(lang, &p);
            (status, Some(text), Vec::new())
        }
    };
    let found = found
        .into_iter()
        .map(|v| FoundCard {
            id: v.id.to_string(),
            card_number: v.id.card_number(),
            desa: v.kode_desa.as_str().to_owned(),
            face_value: format::rupiah(v.face_value.as_i64()),
            balance: format::rupiah(v.balance().as_i64()),
            active: v.status == crate::domain::voucher::VoucherStatus::Active,
            replaced_by: v.replaced_by.map(|r| r.card_number()),
        })
        .collect();
    let template = LostCardsPage {
        c,
        problem,
        asked,
        found,
        messages_json: lang.json(SCRIPT_MESSAGES),
    };
    page(status, &template)
}
