//! The finance officer's page, `/keuangan` (finance and auditor roles of the whole district):
//! the month's status at a glance, the charts, the roll-up desa → kecamatan → kabupaten with a
//! drill-down to a desa's sales (`/keuangan/desa/{kode}`), the exceptions with their evidence
//! rows, the settlements and their state, and the downloads. Finance runs a reconciliation and
//! creates, approves and marks settlements paid with plain forms (CSRF-checked, no script
//! needed) that call the same use cases as the API; auditors see everything and change nothing.

use super::i18n::{Lang, Msg};
use super::session::{PageSession, SignInFirst};
use super::{Chrome, format, page};
use crate::api::AppState;
use crate::domain::auth::{Principal, Role};
use crate::domain::calendar;
use crate::domain::ids::Period;
use crate::domain::programme::Programme;
use crate::domain::reconcile::{
    Anomaly, AnomalyRule, BudgetRow, EligibilityFinding, EligibilityRule, Report, RollupRow,
};
use crate::domain::settlement::{Payout, SettlementStatus};
use crate::domain::wilayah::WilayahCode;
use crate::problem::{Code, Problem};
use crate::render::chart;
use crate::store::{RunHead, Settlement};
use crate::usecases::{programmes, reconciliation, settlement};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Form, Router};
use serde::Deserialize;
use std::collections::HashMap;

/// `GET|POST /keuangan`, `GET /keuangan/desa/{kode}`.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/keuangan", get(show).post(act))
        .route("/keuangan/desa/{kode}", get(desa))
}

/// Who reads the page: finance and auditors of the whole district.
const READERS: [Role; 2] = [Role::Finance, Role::Auditor];

/// The page's readers; `act` further needs finance.
fn require(who: &Principal, roles: &[Role]) -> Result<(), Problem> {
    if !roles.contains(&who.role) {
        return Err(Problem::new(Code::Forbidden));
    }
    if !who.area.is_district() {
        return Err(Problem::new(Code::DistrictRoleRequired));
    }
    Ok(())
}

fn title_of(lang: Lang, problem: &Problem) -> (StatusCode, String) {
    super::admin::refusal(lang, problem)
}

/// A local time, `29 Nov 2026 14:05`.
fn when(at_us: i64, utc_offset_hours: i8) -> String {
    let at = calendar::local_time_us(at_us, utc_offset_hours);
    format!("{} {}", format::date_id(at.date()), at.format("%H:%M"))
}

/// One area of the roll-up as shown.
struct AreaLine {
    level: u8,
    code: String,
    name: String,
    vouchers: i64,
    value: String,
    redeemed: String,
    remaining: String,
    served: i64,
}

impl AreaLine {
    fn of(r: &RollupRow) -> AreaLine {
        AreaLine {
            level: r.level,
            code: r.code.clone(),
            name: if r.name.is_empty() {
                r.code.clone()
            } else {
                r.name.clone()
            },
            vouchers: r.vouchers,
            value: format::rupiah(r.value_rp),
            redeemed: format::rupiah(r.redeemed_rp),
            remaining: format::rupiah(r.remaining_rp),
            served: r.households_served,
        }
    }
}

/// One exception with its evidence rows (a small table of its own).
struct Finding {
    title: &'static str,
    subject: String,
    figures: String,
    columns: Vec<&'static str>,
    rows: Vec<Vec<String>>,
}

/// One shop's month.
struct ShopLine {
    name: String,
    count: i64,
    gross: String,
    reversals: String,
    net: String,
    outside: i64,
}

/// One day of the daily chart's table.
struct DayLine {
    day: String,
    count: i64,
    gross: String,
}

/// A run as the page shows it.
struct RunView {
    id: i64,
    version: i64,
    sha: String,
    kid: Option<String>,
    made_by: String,
    made_at: String,
    balanced: bool,
    exceptions: i64,
    vouchers: i64,
    issued: String,
    redeemed: String,
    balance: String,
    chart_spend: String,
    chart_daily: String,
    rollup: Vec<AreaLine>,
    days: Vec<DayLine>,
    shops: Vec<ShopLine>,
    findings: Vec<Finding>,
}

/// A shop's line of a settlement.
struct SettleLine {
    name: String,
    count: i64,
    gross: String,
    reversals: String,
    net: String,
    carried: Option<String>,
    transfer: String,
    owed: Option<String>,
    /// Owed money but without bank details, so not in the payout file.
    no_bank: bool,
}

/// A settlement as the page shows it.
struct SettlementView {
    id: i64,
    period: String,
    status: &'static str,
    draft: bool,
    approved: bool,
    total: String,
    reference: Option<String>,
    lines: Vec<SettleLine>,
    flags: Vec<(String, i64, String)>,
}

/// Everything the page shows for a month.
struct View {
    period: String,
    runs: Vec<(i64, i64, bool)>,
    run: Option<RunView>,
    settlements: Vec<SettlementView>,
}

#[derive(Template)]
#[template(path = "keuangan.html")]
struct FinancePage {
    c: Chrome,
    problem: Option<String>,
    notice: Option<&'static str>,
    alert: Option<String>,
    can_act: bool,
    view: Option<View>,
}

impl FinancePage {
    fn is(&self, a: &i64, b: &i64) -> bool {
        a == b
    }
}

#[derive(Deserialize, Default)]
pub(super) struct Asked {
    periode: Option<String>,
    versi: Option<i64>,
    selesai: Option<String>,
}

/// The month asked for, else this month in the programme's time zone.
async fn period_of(state: &AppState, asked: Option<&str>) -> Result<Period, Problem> {
    match asked.filter(|p| !p.is_empty()) {
        Some(text) => Ok(Period::parse(text)?),
        None => Ok(Period::containing(
            programmes::local_today(&state.store).await?,
        )),
    }
}

async fn load(
    state: &AppState,
    lang: Lang,
    who: &Principal,
    asked: &Asked,
) -> Result<View, Problem> {
    require(who, &READERS)?;
    let programme = programmes::resolve(&state.store, None).await?;
    let mut period = period_of(state, asked.periode.as_deref()).await?;
    let chosen = match asked.versi {
        Some(id) => Some(reconciliation::read(&state.store, id).await?),
        None => None,
    };
    if let Some((head, ..)) = &chosen {
        period = Period::parse(&head.period)?;
    }
    let runs = reconciliation::list(&state.store, &programme, Some(period)).await?;
    let chosen = match (chosen, runs.first()) {
        (Some(c), _) => Some(c),
        (None, Some(latest)) => Some(reconciliation::read(&state.store, latest.id).await?),
        (None, None) => None,
    };
    let offset = programme.settings.utc_offset_hours;
    let settlements = settlement::list(&state.store, &programme).await?;
    let mut shown = Vec::new();
    for s in settlements {
        let flags = settlement::flags(&state.store, s.id).await?;
        let paid = settlement::payouts(&state.store, &s).await?;
        let missing = settlement::missing_bank(&state.store, &s).await?;
        shown.push(settlement_view(lang, s, &flags, &paid, &missing));
    }
    Ok(View {
        period: period.to_string(),
        runs: runs.iter().map(|r| (r.id, r.version, r.balanced)).collect(),
        run: chosen.map(|(head, report, _)| run_view(lang, &head, &report, offset)),
        settlements: shown,
    })
}

fn run_view(lang: Lang, head: &RunHead, r: &Report, offset: i8) -> RunView {
    let l = &r.ledger;
    RunView {
        id: head.id,
        version: head.version,
        sha: head.content_sha256.clone(),
        kid: head.kid.clone(),
        made_by: head.created_by.clone(),
        made_at: when(head.created_at_us, offset),
        balanced: r.balanced,
        exceptions: r.exceptions,
        vouchers: l.vouchers,
        issued: format::rupiah(l.issued_rp),
        redeemed: format::rupiah(l.debits_rp - l.reversals_rp),
        balance: format::rupiah(l.balance_rp),
        chart_spend: chart::svg(|area| chart::spend_chart(area, r)),
        chart_daily: chart::svg(|area| chart::daily_chart(area, r)),
        rollup: r.rollup.iter().map(AreaLine::of).collect(),
        days: r
            .daily
            .iter()
            .map(|d| DayLine {
                day: format::date_id(d.day),
                count: d.count,
                gross: format::rupiah(d.gross_rp),
            })
            .collect(),
        shops: r
            .merchants
            .iter()
            .map(|m| ShopLine {
                name: m.name.clone(),
                count: m.count,
                gross: format::rupiah(m.gross_rp),
                reversals: format::rupiah(m.reversals_rp),
                net: format::rupiah(m.net_rp),
                outside: m.outside_count,
            })
            .collect(),
        findings: findings(lang, r, offset),
    }
}

/// Every exception of a report, in the report's order: ledger, budget, eligibility, anomalies.
fn findings(lang: Lang, r: &Report, offset: i8) -> Vec<Finding> {
    let names = Names::of(r);
    let mut out: Vec<Finding> = ledger_finding(lang, r).into_iter().collect();
    out.extend(
        r.budget
            .iter()
            .filter(|b| b.over_committed())
            .map(|b| budget_finding(lang, b, &names)),
    );
    out.extend(r.eligibility.iter().map(|e| eligibility_finding(lang, e)));
    out.extend(
        r.anomalies
            .iter()
            .map(|a| anomaly_finding(lang, a, &names, offset)),
    );
    out
}

/// Shops and areas by name, as the report knows them (the id or code when it does not).
struct Names<'r> {
    shops: HashMap<i64, &'r str>,
    areas: HashMap<&'r str, &'r str>,
}

impl<'r> Names<'r> {
    fn of(r: &'r Report) -> Names<'r> {
        Names {
            shops: r
                .merchants
                .iter()
                .map(|m| (m.merchant_id, m.name.as_str()))
                .collect(),
            areas: r
                .rollup
                .iter()
                .map(|a| (a.code.as_str(), a.name.as_str()))
                .collect(),
        }
    }

    fn shop(&self, id: i64) -> String {
        self.shops
            .get(&id)
            .map_or(id.to_string(), |n| (*n).to_owned())
    }

    fn area(&self, code: &str) -> String {
        self.areas
            .get(code)
            .map_or(code.to_owned(), |n| (*n).to_owned())
    }
}

/// The ledger's break, when its totals disagree or a voucher's journal and stored balance do.
fn ledger_finding(lang: Lang, r: &Report) -> Option<Finding> {
    if r.ledger.broken.is_empty() && r.ledger.balances() {
        return None;
    }
    Some(Finding {
        title: lang.t(Msg::RuleLedgerBreak),
        subject: String::new(),
        figures: r.ledger.broken.len().to_string(),
        columns: [Msg::FinVoucher, Msg::FinJournal, Msg::FinStored]
            .map(|m| lang.t(m))
            .to_vec(),
        rows: r
            .ledger
            .broken
            .iter()
            .map(|b| {
                vec![
                    b.voucher_id.clone(),
                    format::rupiah(b.journal_rp),
                    format::rupiah(b.stored_rp),
                ]
            })
            .collect(),
    })
}

/// A budget line committed beyond its ceiling.
fn budget_finding(lang: Lang, b: &BudgetRow, names: &Names<'_>) -> Finding {
    Finding {
        title: lang.t(Msg::RuleOverCommitted),
        subject: format!("{} {}", b.sumber_dana, names.area(&b.kode_wilayah)),
        figures: format!(
            "{} / {}",
            format::rupiah(b.line_committed_rp),
            format::rupiah(b.ceiling_rp)
        ),
        columns: Vec::new(),
        rows: Vec::new(),
    }
}

/// A sale or voucher that broke an eligibility rule, with the vouchers involved.
fn eligibility_finding(lang: Lang, e: &EligibilityFinding) -> Finding {
    Finding {
        title: lang.t(eligibility_title(e.rule)),
        subject: e.no_kk.join(", "),
        figures: format!(
            "{} · {}",
            format::date_id(e.day),
            format::rupiah(e.amount_rp)
        ),
        columns: [Msg::FinKk, Msg::FinVoucher, Msg::FinSale, Msg::FinAmount]
            .map(|m| lang.t(m))
            .to_vec(),
        rows: e
            .voucher_ids
            .iter()
            .enumerate()
            .map(|(i, v)| {
                vec![
                    e.no_kk.get(i).cloned().unwrap_or_default(),
                    v.clone(),
                    e.redemption_id.map(|id| id.to_string()).unwrap_or_default(),
                    format::rupiah(e.amount_rp),
                ]
            })
            .collect(),
    }
}

/// A shop's anomaly, with the sales that show it.
fn anomaly_finding(lang: Lang, a: &Anomaly, names: &Names<'_>, offset: i8) -> Finding {
    let mut subject = names.shop(a.merchant_id);
    if let Some(d) = &a.kode_desa {
        subject = format!("{subject} · {}", names.area(d));
    }
    Finding {
        title: lang.t(anomaly_title(a.rule)),
        subject,
        figures: format!("{} / {} · {}", a.count, a.of, format::rupiah(a.amount_rp)),
        columns: [
            Msg::FinSale,
            Msg::FinVoucher,
            Msg::FinShop,
            Msg::FinAmount,
            Msg::FinWhen,
            Msg::FinDesa,
        ]
        .map(|m| lang.t(m))
        .to_vec(),
        rows: a
            .evidence
            .iter()
            .map(|s| {
                vec![
                    s.redemption_id.to_string(),
                    s.voucher_id.clone(),
                    names.shop(s.merchant_id),
                    format::rupiah(s.amount_rp),
                    when(s.at_us, offset),
                    names.area(&s.kode_desa),
                ]
            })
            .collect(),
    }
}

fn eligibility_title(rule: EligibilityRule) -> Msg {
    match rule {
        EligibilityRule::HouseholdMoved => Msg::RuleHouseholdMoved,
        EligibilityRule::HouseholdDeceased => Msg::RuleHouseholdDeceased,
        EligibilityRule::HouseholdMerged => Msg::RuleHouseholdMerged,
        EligibilityRule::NoMemberCounts => Msg::RuleNoMemberCounts,
        EligibilityRule::NikInTwoKk => Msg::RuleNikInTwoKk,
        EligibilityRule::TwoVouchersOneKk => Msg::RuleTwoVouchersOneKk,
    }
}

fn anomaly_title(rule: AnomalyRule) -> Msg {
    match rule {
        AnomalyRule::OutOfArea => Msg::RuleOutOfArea,
        AnomalyRule::DrainedAtClosing => Msg::RuleDrainedAtClosing,
        AnomalyRule::Burst => Msg::RuleBurst,
        AnomalyRule::DesaDominated => Msg::RuleDesaDominated,
        AnomalyRule::FullValueCluster => Msg::RuleFullValueCluster,
        AnomalyRule::HighReversalRate => Msg::RuleHighReversalRate,
        AnomalyRule::NotHandedOver => Msg::RuleNotHandedOver,
    }
}

fn settlement_view(
    lang: Lang,
    s: Settlement,
    flags: &[crate::store::Flag],
    paid: &HashMap<i64, Payout>,
    missing: &[settlement::MissingBank],
) -> SettlementView {
    let names: HashMap<i64, String> = s
        .lines
        .iter()
        .map(|l| (l.merchant_id, l.name.clone()))
        .collect();
    SettlementView {
        id: s.id,
        period: s.period,
        status: lang.t(match s.status {
            SettlementStatus::Draft => Msg::FinDraft,
            SettlementStatus::Approved => Msg::FinApproved,
            SettlementStatus::Paid => Msg::FinPaid,
        }),
        draft: s.status == SettlementStatus::Draft,
        approved: s.status == SettlementStatus::Approved,
        total: format::rupiah(s.total),
        reference: s.paid_reference,
        lines: s
            .lines
            .iter()
            .map(|l| {
                let p = paid.get(&l.merchant_id).copied().unwrap_or_default();
                let some = |rp: i64| (rp > 0).then(|| format::rupiah(rp));
                SettleLine {
                    name: l.name.clone(),
                    count: l.count,
                    gross: format::rupiah(l.gross),
                    reversals: format::rupiah(l.reversals),
                    net: format::rupiah(l.net),
                    carried: some(p.carried_in),
                    transfer: format::rupiah(p.to_transfer),
                    owed: some(p.owed_after),
                    no_bank: missing.iter().any(|m| m.merchant_id == l.merchant_id),
                }
            })
            .collect(),
        flags: flags
            .iter()
            .map(|f| {
                let shop = names
                    .get(&f.merchant_id)
                    .cloned()
                    .unwrap_or_else(|| f.merchant_id.to_string());
                (shop, f.redemption_id, f.reason.clone())
            })
            .collect(),
    }
}

fn render(
    lang: Lang,
    session: &PageSession,
    loaded: Result<View, Problem>,
    notice: Option<Msg>,
    alert: Option<(StatusCode, String)>,
) -> Response {
    let c = Chrome::signed_in(lang, Msg::FinTitle, session);
    let can_act = require(&session.principal, &[Role::Finance]).is_ok();
    let (status, problem, view) = match loaded {
        Ok(view) => (
            alert.as_ref().map_or(StatusCode::OK, |a| a.0),
            None,
            Some(view),
        ),
        Err(p) => {
            let (status, text) = title_of(lang, &p);
            (status, Some(text), None)
        }
    };
    let template = FinancePage {
        c,
        problem,
        notice: notice.map(|m| lang.t(m)),
        alert: alert.map(|a| a.1),
        can_act,
        view,
    };
    page(status, &template)
}

/// `GET /keuangan?periode=&versi=`: the month (its newest run, or the version asked for).
async fn show(
    State(state): State<AppState>,
    lang: Lang,
    session: PageSession,
    Query(asked): Query<Asked>,
) -> Response {
    let notice = match asked.selesai.as_deref() {
        Some("rekonsiliasi") => Some(Msg::FinRan),
        Some("bayar") => Some(Msg::FinSettled),
        Some("setujui") => Some(Msg::FinApprovedDone),
        Some("lunas") => Some(Msg::FinPaidDone),
        _ => None,
    };
    let loaded = load(&state, lang, &session.principal, &asked).await;
    render(lang, &session, loaded, notice, None)
}

#[derive(Deserialize)]
pub(super) struct ActForm {
    csrf: String,
    aksi: String,
    periode: Option<String>,
    id: Option<i64>,
    referensi: Option<String>,
}

/// `POST /keuangan` (finance; a plain form: `csrf`, `aksi` = `rekonsiliasi` | `bayar` |
/// `setujui` | `lunas`, with `periode`, `id`, `referensi` as the action needs): does it through
/// the use case the API calls, then shows the month again.
async fn act(
    State(state): State<AppState>,
    lang: Lang,
    session: Result<PageSession, SignInFirst>,
    headers: HeaderMap,
    Form(form): Form<ActForm>,
) -> Response {
    // Signed out: answered only after the form is read, so the connection stays usable (a
    // client still sending the body of a refused request saw it closed under it).
    let session = match session {
        Ok(session) => session,
        Err(sign_in) => return sign_in.into_response(),
    };
    let done = if session.form_allowed(&headers, &form.csrf) {
        act_on(&state, &session, &form).await
    } else {
        Err(Problem::new(Code::CsrfFailed))
    };
    match done {
        Ok(to) => Redirect::to(&to).into_response(),
        Err(problem) => {
            let asked = Asked {
                periode: form.periode.clone(),
                ..Asked::default()
            };
            let loaded = load(&state, lang, &session.principal, &asked).await;
            render(lang, &session, loaded, None, Some(title_of(lang, &problem)))
        }
    }
}

/// Runs the form's action; the page to show next.
async fn act_on(
    state: &AppState,
    session: &PageSession,
    form: &ActForm,
) -> Result<String, Problem> {
    require(&session.principal, &[Role::Finance])?;
    let programme = programmes::resolve(&state.store, None).await?;
    let period = period_of(state, form.periode.as_deref()).await?;
    let actor = session.actor();
    let id = || {
        form.id
            .ok_or_else(|| Problem::new(Code::ValidationFailed).detail("id"))
    };
    match form.aksi.as_str() {
        "rekonsiliasi" => {
            let run = run_month(state, &programme, period, &actor).await?;
            Ok(format!(
                "/keuangan?periode={period}&versi={run}&selesai=rekonsiliasi"
            ))
        }
        "bayar" => {
            settlement::create(&state.store, &programme, period, &actor).await?;
            Ok(format!(
                "/keuangan?periode={period}&selesai=bayar#pembayaran"
            ))
        }
        "setujui" => {
            let to = SettlementStatus::Approved;
            settlement::advance(&state.store, id()?, to, None, &actor).await?;
            Ok(format!(
                "/keuangan?periode={period}&selesai=setujui#pembayaran"
            ))
        }
        "lunas" => {
            let reference = form.referensi.as_deref().unwrap_or("");
            let to = SettlementStatus::Paid;
            settlement::advance(&state.store, id()?, to, Some(reference), &actor).await?;
            Ok(format!(
                "/keuangan?periode={period}&selesai=lunas#pembayaran"
            ))
        }
        _ => Err(Problem::new(Code::ValidationFailed).detail("aksi")),
    }
}

async fn run_month(
    state: &AppState,
    programme: &Programme,
    period: Period,
    actor: &str,
) -> Result<i64, Problem> {
    let signer = state.keys.signer().await?;
    let (head, _) = reconciliation::run(
        &state.store,
        &state.deployment,
        signer.as_deref(),
        programme,
        period,
        actor,
    )
    .await?;
    Ok(head.id)
}

/// One sale or reversal of the desa page.
struct DesaLine {
    id: i64,
    reversal: bool,
    voucher: String,
    shop: String,
    amount: String,
    at: String,
}

#[derive(Template)]
#[template(path = "keuangan-desa.html")]
struct DesaPage {
    c: Chrome,
    problem: Option<String>,
    period: String,
    code: String,
    name: String,
    lines: Vec<DesaLine>,
    next: Option<i64>,
}

#[derive(Deserialize)]
pub(super) struct DesaAsked {
    periode: Option<String>,
    setelah: Option<i64>,
}

/// `GET /keuangan/desa/{kode}?periode=&setelah=`: a desa's sales and reversals of the month,
/// a page at a time.
async fn desa(
    State(state): State<AppState>,
    lang: Lang,
    session: PageSession,
    Path(code): Path<String>,
    Query(asked): Query<DesaAsked>,
) -> Response {
    let c = Chrome::signed_in(lang, Msg::FinDesaTitle, &session);
    match desa_page(&state, &session.principal, &code, &asked, c.clone()).await {
        Ok(template) => page(StatusCode::OK, &template),
        Err(problem) => {
            let (status, text) = title_of(lang, &problem);
            let template = DesaPage {
                c,
                problem: Some(text),
                period: String::new(),
                code: String::new(),
                name: String::new(),
                lines: Vec::new(),
                next: None,
            };
            page(status, &template)
        }
    }
}

async fn desa_page(
    state: &AppState,
    who: &Principal,
    code: &str,
    asked: &DesaAsked,
    c: Chrome,
) -> Result<DesaPage, Problem> {
    require(who, &READERS)?;
    let desa = WilayahCode::parse(code)?;
    let programme = programmes::resolve(&state.store, None).await?;
    let period = period_of(state, asked.periode.as_deref()).await?;
    let name = state.store.wilayah(&desa).await.map(|w| w.name)?;
    let after = asked.setelah.unwrap_or(0);
    let entries =
        reconciliation::desa_sales(&state.store, &programme, period, &desa, after).await?;
    let full = i64::try_from(entries.len()).unwrap_or(0) >= reconciliation::DESA_PAGE;
    let offset = programme.settings.utc_offset_hours;
    Ok(DesaPage {
        c,
        problem: None,
        period: period.to_string(),
        code: desa.as_str().to_owned(),
        name,
        next: entries.last().filter(|_| full).map(|e| e.id),
        lines: entries
            .into_iter()
            .map(|e| DesaLine {
                id: e.id,
                reversal: e.kind == "reversal",
                voucher: e.voucher_id,
                shop: e.merchant_name,
                amount: format::rupiah(e.amount_rp),
                at: when(e.created_at_us, offset),
            })
            .collect(),
    })
}
