//! The month's reconciliation as pure rules and the report they fill (SPEC "Reconciliation",
//! items 1–6): thresholds, findings with their evidence, the burst detector fed a stream of
//! sales, the desa roll-up, and the report's canonical bytes, digest and signed message.

use super::eligibility::member_counts;
use super::household::MemberFacts;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, VecDeque};

/// The report format written into every run (bump when the content's shape changes). 2: no
/// `version` or `generated_at` (the run's record holds them; they are not hashed).
pub const REPORT_FORMAT: u32 = 2;

/// What a run's signature is over, before the deployment id and the digest: a tag no voucher,
/// receipt or checkpoint signature shares.
pub const SIGNING_TAG: &[u8] = b"RELASI-RECON-1\0";

/// Anomaly thresholds, programme settings (SPEC item 5).
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct Thresholds {
    /// A voucher drained in one sale at or after this local hour is flagged.
    pub closing_hour: u8,
    /// This many sales at one shop …
    pub burst_sales: u32,
    /// … within this many seconds is a burst.
    pub burst_window_secs: i64,
    /// One shop serving at least this percent of a desa's vouchers …
    pub desa_share_pct: i64,
    /// … when at least this many of the desa's vouchers were used.
    pub desa_min_vouchers: i64,
    /// This many sales at the full voucher value at one shop is a cluster.
    pub full_value_sales: i64,
    /// Reversals at or above this percent of a shop's sales …
    pub reversal_rate_pct: i64,
    /// … once the shop has this many sales.
    pub reversal_min_sales: i64,
}

impl Default for Thresholds {
    /// The schema's defaults (migration 0008).
    fn default() -> Self {
        Thresholds {
            closing_hour: 20,
            burst_sales: 10,
            burst_window_secs: 300,
            desa_share_pct: 80,
            desa_min_vouchers: 10,
            full_value_sales: 10,
            reversal_rate_pct: 20,
            reversal_min_sales: 10,
        }
    }
}

/// What a run read: the last journal entry and the registry version (the audit seq of the last
/// registry import). Rows written later are not in the report.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct Watermarks {
    /// Highest journal entry id seen.
    pub last_entry_id: i64,
    /// Audit seq of the last registry import seen.
    pub registry_version: i64,
}

/// Whole rupiah in a report: a JSON string (SPEC: amounts are strings), possibly negative
/// (a net payable after late reversals).
pub mod rp {
    use serde::{Deserialize, Deserializer, Serializer};

    /// Writes the amount as a string of digits.
    pub fn serialize<S: Serializer>(amount_rp: &i64, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&amount_rp.to_string())
    }

    /// Reads it back.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
        let text = String::deserialize(d)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// Item 1: the ledger of the period's vouchers.
#[derive(Clone, PartialEq, Eq, Debug, Default, Serialize, Deserialize)]
pub struct LedgerSection {
    /// Vouchers checked.
    pub vouchers: i64,
    /// Σ face value issued to households (replacements carry no new money).
    #[serde(with = "rp")]
    pub issued_rp: i64,
    /// Σ debits.
    #[serde(with = "rp")]
    pub debits_rp: i64,
    /// Σ reversals.
    #[serde(with = "rp")]
    pub reversals_rp: i64,
    /// Σ moved out by replacements.
    #[serde(with = "rp")]
    pub moved_out_rp: i64,
    /// Σ moved in by replacements.
    #[serde(with = "rp")]
    pub moved_in_rp: i64,
    /// Σ stored balances.
    #[serde(with = "rp")]
    pub balance_rp: i64,
    /// Vouchers whose identity does not hold (evidence rows).
    pub broken: Vec<LedgerBreak>,
}

impl LedgerSection {
    /// issued − Σ debit + Σ reversal − Σ move_out + Σ move_in = Σ balance, and no voucher broken.
    pub fn balances(&self) -> bool {
        self.issued_rp - self.debits_rp + self.reversals_rp - self.moved_out_rp + self.moved_in_rp
            == self.balance_rp
            && self.moved_out_rp == self.moved_in_rp
            && self.broken.is_empty()
    }
}

/// One voucher whose journal does not add up to its balance.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct LedgerBreak {
    /// Voucher.
    pub voucher_id: String,
    /// What the journal says the balance is.
    #[serde(with = "rp")]
    pub journal_rp: i64,
    /// What the voucher row says.
    #[serde(with = "rp")]
    pub stored_rp: i64,
}

/// Item 2: one budget line.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct BudgetRow {
    /// Line id.
    pub budget_line_id: i64,
    /// Funding source.
    pub sumber_dana: String,
    /// Area the line covers.
    pub kode_wilayah: String,
    /// What the line holds.
    #[serde(with = "rp")]
    pub ceiling_rp: i64,
    /// Face value of the period's vouchers charged to it.
    #[serde(with = "rp")]
    pub committed_rp: i64,
    /// Net sales on those vouchers.
    #[serde(with = "rp")]
    pub redeemed_rp: i64,
    /// Unspent balance of the period's expired vouchers released back to the line.
    #[serde(with = "rp")]
    pub returned_rp: i64,
    /// Face value of every voucher ever charged to the line, less every return: must stay
    /// within the ceiling.
    #[serde(with = "rp")]
    pub line_committed_rp: i64,
    /// ceiling − line committed.
    #[serde(with = "rp")]
    pub remaining_rp: i64,
}

impl BudgetRow {
    /// Whether the line holds more commitments than money.
    pub fn over_committed(&self) -> bool {
        self.line_committed_rp > self.ceiling_rp
    }
}

/// An expired voucher's balance back on its line.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct Returned {
    /// Voucher.
    pub voucher_id: String,
    /// Line credited.
    pub budget_line_id: i64,
    /// Amount.
    #[serde(with = "rp")]
    pub amount_rp: i64,
}

/// Why a sale or a voucher was not eligible (item 3).
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum EligibilityRule {
    /// The household had moved before the sale.
    HouseholdMoved,
    /// The household's head had died (the household is `meninggal`) before the sale.
    HouseholdDeceased,
    /// The household had merged into another before the sale.
    HouseholdMerged,
    /// On the sale's day no member counted any more (a child aged out, a pregnancy ended) and
    /// the household is not KRS, though a member counted when the voucher was issued.
    NoMemberCounts,
    /// One NIK in two KKs that both got vouchers in the cycle.
    NikInTwoKk,
    /// Two vouchers (not a replacement) for one KK in the same month.
    TwoVouchersOneKk,
}

/// One eligibility exception with its evidence.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct EligibilityFinding {
    /// Which rule.
    pub rule: EligibilityRule,
    /// The household(s): KK numbers (the report is for finance and auditors only).
    pub no_kk: Vec<String>,
    /// The vouchers involved.
    pub voucher_ids: Vec<String>,
    /// The sale, when the rule is about a sale.
    pub redemption_id: Option<i64>,
    /// Its amount.
    #[serde(with = "rp")]
    pub amount_rp: i64,
    /// The sale's local day, or the cycle's first day.
    pub day: NaiveDate,
    /// For `nik_in_two_kk`: the NIK's last four digits only.
    pub nik_tail: Option<String>,
}

/// Item 4: one shop's month.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct MerchantRow {
    /// Shop.
    pub merchant_id: i64,
    /// Its name.
    pub name: String,
    /// Sales.
    pub count: i64,
    /// Σ sales.
    #[serde(with = "rp")]
    pub gross_rp: i64,
    /// Reversals made in the period.
    pub reversal_count: i64,
    /// Σ reversals.
    #[serde(with = "rp")]
    pub reversals_rp: i64,
    /// gross − reversals.
    #[serde(with = "rp")]
    pub net_rp: i64,
    /// Sales to vouchers of a desa outside the shop's service area.
    pub outside_count: i64,
    /// Sales at the full voucher value.
    pub full_value_count: i64,
}

impl MerchantRow {
    /// Share of sales outside the service area, in whole percent (rounded down).
    pub fn outside_pct(&self) -> i64 {
        percent(self.outside_count, self.count)
    }
}

/// `part / whole` in whole percent, rounded down; 0 of nothing.
pub fn percent(part: i64, whole: i64) -> i64 {
    if whole <= 0 { 0 } else { part * 100 / whole }
}

/// A sale named as evidence.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct SaleRef {
    /// Journal entry id.
    pub redemption_id: i64,
    /// Voucher.
    pub voucher_id: String,
    /// Shop.
    pub merchant_id: i64,
    /// Amount.
    #[serde(with = "rp")]
    pub amount_rp: i64,
    /// When (Unix microseconds).
    pub at_us: i64,
    /// The voucher's desa.
    pub kode_desa: String,
}

/// Which anomaly (item 5) or area exception (item 4).
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum AnomalyRule {
    /// A sale outside the shop's service area.
    OutOfArea,
    /// A voucher emptied by one sale at closing time.
    DrainedAtClosing,
    /// Many sales at one shop within minutes.
    Burst,
    /// One shop serving most of a desa's vouchers.
    DesaDominated,
    /// Many sales at the full voucher value at one shop.
    FullValueCluster,
    /// A high share of reversals at one shop.
    HighReversalRate,
    /// Sales on cards never recorded as handed over to their family, in a desa where the
    /// cycle's hand-overs are being recorded (docs/reconciliation.md).
    NotHandedOver,
}

/// One anomaly with its figures and evidence rows.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct Anomaly {
    /// Which rule.
    pub rule: AnomalyRule,
    /// The shop.
    pub merchant_id: i64,
    /// The desa, for `desa_dominated`.
    pub kode_desa: Option<String>,
    /// How many (sales, vouchers, reversals: see the rule).
    pub count: i64,
    /// Out of how many.
    pub of: i64,
    /// Σ amounts involved.
    #[serde(with = "rp")]
    pub amount_rp: i64,
    /// The rows behind it, first 50: the sales (the shop's sales in the desa for
    /// `desa_dominated`, its full-value sales for `full_value_cluster`), or the shop's
    /// reversals for `high_reversal_rate`.
    pub evidence: Vec<SaleRef>,
}

impl Anomaly {
    /// Takes one row behind the finding: kept as evidence while fewer than [`EVIDENCE_ROWS`]
    /// are, and added to `amount_rp` when the rule's amount is the sum of its rows
    /// ([`AnomalyRule::sums_its_rows`]).
    pub fn attach(&mut self, row: SaleRef) {
        if self.rule.sums_its_rows() {
            self.amount_rp += row.amount_rp;
        }
        if self.evidence.len() < EVIDENCE_ROWS {
            self.evidence.push(row);
        }
    }
}

impl AnomalyRule {
    /// Whether the amount of a finding is summed from the rows attached to it after the
    /// aggregates found it (a high reversal rate's amount comes with its counts).
    pub fn sums_its_rows(self) -> bool {
        matches!(
            self,
            AnomalyRule::DesaDominated | AnomalyRule::FullValueCluster
        )
    }
}

/// Most evidence rows one anomaly carries (the counts say how many there were).
pub const EVIDENCE_ROWS: usize = 50;

/// Item 6: one area of the roll-up.
#[derive(Clone, PartialEq, Eq, Debug, Default, Serialize, Deserialize)]
pub struct RollupRow {
    /// 2 kabupaten, 3 kecamatan, 4 desa.
    pub level: u8,
    /// Wilayah code.
    pub code: String,
    /// Its name.
    pub name: String,
    /// Parent code (none for the kabupaten).
    pub parent: Option<String>,
    /// Vouchers issued to households.
    pub vouchers: i64,
    /// Their face value.
    #[serde(with = "rp")]
    pub value_rp: i64,
    /// Net sales in the period.
    #[serde(with = "rp")]
    pub redeemed_rp: i64,
    /// Balances left.
    #[serde(with = "rp")]
    pub remaining_rp: i64,
    /// Households with at least one sale in the period.
    pub households_served: i64,
}

/// One day of sales (the daily chart's numbers).
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct DayRow {
    /// Local day.
    pub day: NaiveDate,
    /// Sales.
    pub count: i64,
    /// Σ sales.
    #[serde(with = "rp")]
    pub gross_rp: i64,
}

/// The whole report: what a run stores, hashes and signs.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct Report {
    /// [`REPORT_FORMAT`].
    pub format: u32,
    /// Programme number.
    pub programme: u16,
    /// Month, `2026-10`.
    pub period: String,
    /// 1, 2, … per month. Not in the canonical content (it is the run's record's, like the
    /// time it ran): reading a stored run fills it from `RunHead::version`.
    #[serde(skip_serializing, default)]
    pub version: i64,
    /// What it read. Only the data read and the settings shape the content, so the same data
    /// and watermarks give the same digest whenever and wherever the month is run (a restored
    /// backup reconciles to the SHA-256 the original signed). Format-1 reports also held
    /// `version` and `generated_at`.
    pub watermarks: Watermarks,
    /// Anomaly thresholds applied.
    pub thresholds: Thresholds,
    /// True when nothing is to be explained: the ledger balances and no exception was found.
    pub balanced: bool,
    /// How many exceptions (ledger breaks, over-committed lines, eligibility, anomalies).
    pub exceptions: i64,
    /// Item 1.
    pub ledger: LedgerSection,
    /// Item 2.
    pub budget: Vec<BudgetRow>,
    /// Item 2: returns recorded for this period.
    pub returns: Vec<Returned>,
    /// Item 3.
    pub eligibility: Vec<EligibilityFinding>,
    /// Item 4.
    pub merchants: Vec<MerchantRow>,
    /// Items 4 (out of area) and 5.
    pub anomalies: Vec<Anomaly>,
    /// Item 6, kabupaten first, then each kecamatan followed by its desa.
    pub rollup: Vec<RollupRow>,
    /// Sales per local day.
    pub daily: Vec<DayRow>,
}

impl Report {
    /// Counts exceptions and sets `balanced`. Returns count, not counted: budget returns.
    pub fn close(&mut self) {
        let ledger = i64::from(!self.ledger.balances()).max(self.ledger.broken.len() as i64);
        let over = self.budget.iter().filter(|b| b.over_committed()).count() as i64;
        self.exceptions =
            ledger + over + self.eligibility.len() as i64 + self.anomalies.len() as i64;
        self.balanced = self.exceptions == 0;
    }

    /// The canonical bytes: compact JSON in the struct's field order (fixed by the code, not by
    /// a map's iteration order), so the same report always hashes the same.
    pub fn canonical(&self) -> Vec<u8> {
        serde_json::to_vec(self).unwrap_or_default()
    }
}

/// SHA-256 of the canonical bytes, lower-case hex: what is stored, printed and signed.
pub fn content_sha256(canonical: &[u8]) -> String {
    hex::encode(Sha256::digest(canonical))
}

/// The bytes the deployment key signs: tag ‖ deployment id ‖ 0x00 ‖ the hex digest.
pub fn signing_message(deployment_id: &str, sha256_hex: &str) -> Vec<u8> {
    let mut m = Vec::with_capacity(SIGNING_TAG.len() + deployment_id.len() + 1 + 64);
    m.extend_from_slice(SIGNING_TAG);
    m.extend_from_slice(deployment_id.as_bytes());
    m.push(0);
    m.extend_from_slice(sha256_hex.as_bytes());
    m
}

/// The month that is due to reconcile by itself at `now_local` (the programme's local time):
/// the month before, once `now_local` is at or past `day` of this month at `hour`.
pub fn auto_due(
    now_local: chrono::NaiveDateTime,
    day: u32,
    hour: u32,
) -> Option<super::ids::Period> {
    use chrono::Datelike;
    let today = now_local.date();
    let this = super::ids::Period::containing(today);
    let from = this
        .first_day()
        .checked_add_days(chrono::Days::new(u64::from(day.max(1) - 1)))?;
    let at = from.and_hms_opt(hour.min(23), 0, 0)?;
    let previous = super::ids::Period::from_year_month(
        if today.month() == 1 {
            today.year() - 1
        } else {
            today.year()
        },
        if today.month() == 1 {
            12
        } else {
            today.month() - 1
        },
    )?;
    (now_local >= at).then_some(previous)
}

/// Whether a voucher's household lost its reason to hold it by the sale's day: no member counts
/// on `sale_day` though one did on `issued_day` (the household is not KRS; the caller checks).
pub fn no_member_counts(
    members: &[MemberFacts],
    issued_day: NaiveDate,
    sale_day: NaiveDate,
) -> bool {
    let counted = members
        .iter()
        .any(|m| member_counts(m, issued_day).is_some());
    let counts = members.iter().any(|m| member_counts(m, sale_day).is_some());
    counted && !counts
}

/// Finds bursts in one stream of sales ordered by shop, then time: every run of at least
/// `burst_sales` sales at one shop whose consecutive windows of that many sales each span less
/// than `burst_window_secs`, merged, so one burst is one finding. Holds one window of sales.
#[derive(Debug)]
pub struct BurstDetector {
    need: usize,
    window_us: i64,
    recent: VecDeque<SaleRef>,
    open: Option<Anomaly>,
    found: Vec<Anomaly>,
}

impl BurstDetector {
    /// A detector for these thresholds.
    pub fn new(t: &Thresholds) -> BurstDetector {
        BurstDetector {
            need: usize::try_from(t.burst_sales).unwrap_or(usize::MAX).max(2),
            window_us: t.burst_window_secs.saturating_mul(1_000_000),
            recent: VecDeque::new(),
            open: None,
            found: Vec::new(),
        }
    }

    /// Feeds the next sale (shop, then time order).
    pub fn push(&mut self, sale: SaleRef) {
        if self
            .recent
            .back()
            .is_some_and(|s| s.merchant_id != sale.merchant_id)
        {
            self.recent.clear();
            self.flush();
        }
        self.recent.push_back(sale);
        if self.recent.len() > self.need {
            self.recent.pop_front();
        }
        let (Some(first), Some(last)) = (self.recent.front(), self.recent.back()) else {
            return;
        };
        let full = self.recent.len() == self.need;
        if full && last.at_us - first.at_us < self.window_us {
            match &mut self.open {
                Some(open) => add(open, last),
                None => {
                    let mut a = new_burst(first.merchant_id);
                    self.recent.iter().for_each(|s| add(&mut a, s));
                    self.open = Some(a);
                }
            }
        } else {
            self.flush();
        }
    }

    fn flush(&mut self) {
        if let Some(a) = self.open.take() {
            self.found.push(a);
        }
    }

    /// The bursts found.
    pub fn finish(mut self) -> Vec<Anomaly> {
        self.flush();
        self.found
    }
}

fn new_burst(merchant_id: i64) -> Anomaly {
    Anomaly {
        rule: AnomalyRule::Burst,
        merchant_id,
        kode_desa: None,
        count: 0,
        of: 0,
        amount_rp: 0,
        evidence: Vec::new(),
    }
}

fn add(a: &mut Anomaly, s: &SaleRef) {
    a.count += 1;
    a.of = a.count;
    a.amount_rp += s.amount_rp;
    if a.evidence.len() < EVIDENCE_ROWS {
        a.evidence.push(s.clone());
    }
}

/// Shops serving at least the threshold share of a desa's used vouchers. `rows` are
/// (desa, shop, vouchers it served); `totals` the desa's used vouchers. The amount and the
/// evidence (the shop's sales in the desa) are attached by the caller as it streams them.
pub fn dominated_desa(
    rows: &[(String, i64, i64)],
    totals: &BTreeMap<String, i64>,
    t: &Thresholds,
) -> Vec<Anomaly> {
    rows.iter()
        .filter_map(|(desa, shop, n)| {
            let total = *totals.get(desa)?;
            (total >= t.desa_min_vouchers && percent(*n, total) >= t.desa_share_pct).then(|| {
                Anomaly {
                    rule: AnomalyRule::DesaDominated,
                    merchant_id: *shop,
                    kode_desa: Some(desa.clone()),
                    count: *n,
                    of: total,
                    amount_rp: 0,
                    evidence: Vec::new(),
                }
            })
        })
        .collect()
}

/// Per-shop anomalies read off the merchant rows: full-value clusters and high reversal rates.
/// A cluster's amount and evidence (its full-value sales) and a reversal rate's evidence (the
/// reversals) are attached by the caller as it streams them.
pub fn shop_anomalies(merchants: &[MerchantRow], t: &Thresholds) -> Vec<Anomaly> {
    let mut out = Vec::new();
    for m in merchants {
        let base = |rule, count, of, amount_rp| Anomaly {
            rule,
            merchant_id: m.merchant_id,
            kode_desa: None,
            count,
            of,
            amount_rp,
            evidence: Vec::new(),
        };
        if m.full_value_count >= t.full_value_sales {
            out.push(base(
                AnomalyRule::FullValueCluster,
                m.full_value_count,
                m.count,
                0,
            ));
        }
        if m.count >= t.reversal_min_sales
            && percent(m.reversal_count, m.count) >= t.reversal_rate_pct
        {
            out.push(base(
                AnomalyRule::HighReversalRate,
                m.reversal_count,
                m.count,
                m.reversals_rp,
            ));
        }
    }
    out
}

/// The roll-up: desa rows (level 4, with their kecamatan as parent) summed into kecamatan and
/// the kabupaten. `names` gives each code's name. Output: kabupaten, then each kecamatan
/// followed by its desa, in code order.
pub fn roll_up(desa: Vec<RollupRow>, names: &BTreeMap<String, String>) -> Vec<RollupRow> {
    let mut kec: BTreeMap<String, (RollupRow, Vec<RollupRow>)> = BTreeMap::new();
    for d in desa {
        let parent = d.parent.clone().unwrap_or_default();
        let entry = kec.entry(parent.clone()).or_insert_with(|| {
            let kab = parent.rsplit_once('.').map(|(k, _)| k.to_owned());
            (area(3, &parent, kab, names), Vec::new())
        });
        sum_into(&mut entry.0, &d);
        entry.1.push(d);
    }
    let kab_code = kec
        .values()
        .find_map(|(k, _)| k.parent.clone())
        .unwrap_or_default();
    let mut kab = area(2, &kab_code, None, names);
    kec.values().for_each(|(k, _)| sum_into(&mut kab, k));
    let mut out = vec![kab];
    for (_, (k, mut ds)) in kec {
        out.push(k);
        ds.sort_by(|a, b| a.code.cmp(&b.code));
        out.extend(ds);
    }
    out
}

fn area(
    level: u8,
    code: &str,
    parent: Option<String>,
    names: &BTreeMap<String, String>,
) -> RollupRow {
    RollupRow {
        level,
        code: code.to_owned(),
        name: names.get(code).cloned().unwrap_or_default(),
        parent,
        ..RollupRow::default()
    }
}

fn sum_into(to: &mut RollupRow, from: &RollupRow) {
    to.vouchers += from.vouchers;
    to.value_rp += from.value_rp;
    to.redeemed_rp += from.redeemed_rp;
    to.remaining_rp += from.remaining_rp;
    to.households_served += from.households_served;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sale(id: i64, shop: i64, at_s: i64) -> SaleRef {
        SaleRef {
            redemption_id: id,
            voucher_id: format!("v{id}"),
            merchant_id: shop,
            amount_rp: 1000,
            at_us: at_s * 1_000_000,
            kode_desa: "35.14.05.2005".into(),
        }
    }

    #[test]
    fn one_burst_is_one_finding_and_spread_sales_are_none() {
        let t = Thresholds {
            burst_sales: 3,
            burst_window_secs: 60,
            ..Thresholds::default()
        };
        let mut d = BurstDetector::new(&t);
        // shop 1: five sales in 40 s (one burst), then one an hour later
        for (i, s) in [0, 10, 20, 30, 40, 3600].into_iter().enumerate() {
            d.push(sale(i as i64, 1, s));
        }
        // shop 2: three sales 61 s apart each: none
        for (i, s) in [0, 61, 122].into_iter().enumerate() {
            d.push(sale(100 + i as i64, 2, s));
        }
        let found = d.finish();
        assert_eq!(found.len(), 1);
        assert_eq!(
            (found[0].merchant_id, found[0].count, found[0].amount_rp),
            (1, 5, 5000)
        );
    }

    #[test]
    fn dominance_and_reversal_rate_follow_the_thresholds() {
        let t = Thresholds {
            desa_min_vouchers: 4,
            desa_share_pct: 75,
            ..Thresholds::default()
        };
        let totals = BTreeMap::from([("a".to_owned(), 4), ("b".to_owned(), 3)]);
        let rows = vec![
            ("a".to_owned(), 1, 3),
            ("a".to_owned(), 2, 1),
            ("b".to_owned(), 1, 3),
        ];
        let found = dominated_desa(&rows, &totals, &t);
        assert_eq!(found.len(), 1);
        assert_eq!((found[0].count, found[0].of), (3, 4));
        let m = MerchantRow {
            merchant_id: 1,
            name: "T".into(),
            count: 10,
            gross_rp: 0,
            reversal_count: 2,
            reversals_rp: 5,
            net_rp: 0,
            outside_count: 0,
            full_value_count: 0,
        };
        assert_eq!(shop_anomalies(&[m], &t).len(), 1);
    }

    #[test]
    fn evidence_keeps_fifty_rows_and_sums_only_where_the_rule_says() {
        let mut cluster = new_burst(1);
        cluster.rule = AnomalyRule::FullValueCluster;
        let mut rate = new_burst(1);
        (rate.rule, rate.amount_rp) = (AnomalyRule::HighReversalRate, 7000);
        for i in 0..60 {
            cluster.attach(sale(i, 1, i));
            rate.attach(sale(i, 1, i));
        }
        assert_eq!(
            (cluster.evidence.len(), cluster.amount_rp),
            (EVIDENCE_ROWS, 60_000)
        );
        assert_eq!((rate.evidence.len(), rate.amount_rp), (EVIDENCE_ROWS, 7000));
        assert_eq!(cluster.evidence[49].redemption_id, 49);
    }

    #[test]
    fn the_roll_up_sums_desa_into_kecamatan_and_kabupaten() {
        let d = |code: &str, v| RollupRow {
            level: 4,
            code: code.into(),
            parent: code.rsplit_once('.').map(|(p, _)| p.to_owned()),
            vouchers: v,
            value_rp: v * 10,
            ..RollupRow::default()
        };
        let out = roll_up(
            vec![
                d("35.14.05.2005", 2),
                d("35.14.06.2001", 3),
                d("35.14.05.2001", 1),
            ],
            &BTreeMap::new(),
        );
        let codes: Vec<_> = out.iter().map(|r| (r.code.as_str(), r.vouchers)).collect();
        assert_eq!(
            codes,
            [
                ("35.14", 6),
                ("35.14.05", 3),
                ("35.14.05.2001", 1),
                ("35.14.05.2005", 2),
                ("35.14.06", 3),
                ("35.14.06.2001", 3)
            ]
        );
    }

    #[test]
    fn a_month_is_due_on_its_day_and_hour_of_the_next() {
        let at = |t: &str| chrono::NaiveDateTime::parse_from_str(t, "%Y-%m-%d %H:%M").unwrap();
        assert_eq!(auto_due(at("2026-11-03 01:59"), 3, 2), None);
        assert_eq!(
            auto_due(at("2026-11-03 02:00"), 3, 2).map(|p| p.to_string()),
            Some("2026-10".into())
        );
        assert_eq!(
            auto_due(at("2027-01-28 23:00"), 1, 0).map(|p| p.to_string()),
            Some("2026-12".into())
        );
    }

    #[test]
    fn the_digest_is_of_the_canonical_bytes_and_signed_with_a_tag() {
        let m = signing_message("dep", &content_sha256(b"x"));
        assert!(m.starts_with(SIGNING_TAG));
        assert_eq!(m.len(), SIGNING_TAG.len() + 3 + 1 + 64);
    }
}
