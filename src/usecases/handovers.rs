//! Hand-overs: the kader records which card reached which family on what date (ticking her
//! list, or scanning the card), so the office knows which cards never reached a family. Called
//! by the API (`POST|GET /v1/cycles/{period}/handovers`) and the kader page alike; the role and
//! area checks live here, so neither can go around them.

use crate::domain::auth::{Principal, Role};
use crate::domain::calendar;
use crate::domain::ids::{Period, VoucherId};
use crate::domain::money::Rupiah;
use crate::domain::programme::Programme;
use crate::domain::voucher::{Cycle, VoucherStatus};
use crate::domain::wilayah::WilayahCode;
use crate::problem::{Code, Problem};
use crate::store::{Store, StoreError};
use chrono::NaiveDate;

/// Most cards recorded in one request (a large desa hands out a few hundred a month).
pub const MAX_CARDS_PER_RECORD: usize = 1000;
/// Roles that hand cards over (and read the hand-over list).
const ROLES: [Role; 3] = [Role::Admin, Role::Issuer, Role::Kader];

/// A card named by its voucher id (32 hex digits, as the hand-over list's form sends it) or by
/// the text of its QR (`RLS1:…` or the link form), as a scanning phone sends it.
pub fn card_ref(text: &str) -> Result<VoucherId, Problem> {
    let text = text.trim();
    if let Ok(id) = VoucherId::parse(text) {
        return Ok(id);
    }
    relasi_token::SignedToken::parse_text(text)
        .map(|t| VoucherId::from_bytes(t.claims.voucher_id))
        .map_err(|_| Problem::new(Code::MalformedToken))
}

/// What a recording did.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Recorded {
    /// Cards recorded now.
    pub recorded: u64,
    /// Cards that were recorded before (their first date stays).
    pub already: u64,
}

fn require_role(who: &Principal) -> Result<(), Problem> {
    if ROLES.contains(&who.role) {
        Ok(())
    } else {
        Err(Problem::new(Code::Forbidden))
    }
}

async fn cycle(store: &Store, programme: &Programme, period: Period) -> Result<Cycle, Problem> {
    match store.cycle(programme.id, period).await {
        Err(StoreError::NotFound) => Err(Problem::new(Code::CycleNotFound)),
        other => Ok(other?),
    }
}

/// Records that `cards` of cycle `period` reached their families `on` that date. Every card
/// must be of this cycle and of a desa the caller covers (403 `outside_area`, nothing
/// written); the date may not lie in the future of the programme's time zone.
pub async fn record(
    store: &Store,
    who: &Principal,
    programme: &Programme,
    period: Period,
    (cards, on): (&[VoucherId], NaiveDate),
    actor: &str,
) -> Result<Recorded, Problem> {
    require_role(who)?;
    if cards.is_empty() || cards.len() > MAX_CARDS_PER_RECORD {
        return Err(Problem::new(Code::ValidationFailed).detail("cards: 1 to 1000 cards"));
    }
    let today = calendar::local_date(chrono::Utc::now(), programme.settings.utc_offset_hours);
    if on > today {
        return Err(Problem::new(Code::ValidationFailed).detail("on: a date in the future"));
    }
    let cycle = cycle(store, programme, period).await?;
    let mut rows = Vec::with_capacity(cards.len());
    for id in cards {
        let voucher = match store.voucher(*id).await {
            Err(StoreError::NotFound) => return Err(Problem::new(Code::VoucherUnknown)),
            other => other?,
        };
        if !who.area.covers(&voucher.kode_desa) {
            return Err(Problem::new(Code::OutsideArea));
        }
        if voucher.cycle_id != cycle.id {
            return Err(
                Problem::new(Code::ValidationFailed).detail("cards: a card of another cycle")
            );
        }
        rows.push((*id, on));
    }
    rows.sort_by_key(|(id, _)| *id);
    rows.dedup_by_key(|(id, _)| *id);
    let recorded = store.record_handovers(&rows, actor).await?;
    let total = u64::try_from(rows.len()).unwrap_or(u64::MAX);
    Ok(Recorded {
        recorded,
        already: total.saturating_sub(recorded),
    })
}

/// One card of a desa's hand-over list.
#[derive(Clone, Debug)]
pub struct ListedCard {
    /// Voucher id.
    pub voucher_id: VoucherId,
    /// The number printed on the card.
    pub card_number: String,
    /// The head of household (shown to the kader of the desa, as on the printed list).
    pub nama_kepala: String,
    /// Face value.
    pub face_value: Rupiah,
    /// When the family received it, if recorded.
    pub handed_over_on: Option<NaiveDate>,
}

/// The hand-over list of one desa: every active card of the cycle with its hand-over date.
pub async fn list(
    store: &Store,
    who: &Principal,
    programme: &Programme,
    period: Period,
    desa: &WilayahCode,
) -> Result<Vec<ListedCard>, Problem> {
    require_role(who)?;
    if !who.area.covers(desa) {
        return Err(Problem::new(Code::OutsideArea));
    }
    let cycle = cycle(store, programme, period).await?;
    let vouchers = store
        .vouchers(
            programme.id,
            period,
            Some(desa),
            0,
            crate::jobs::cards::MAX_CARDS,
        )
        .await?;
    let names = store.household_names(desa).await?;
    let dates = store.handovers(cycle.id, desa).await?;
    Ok(vouchers
        .into_iter()
        .filter(|v| v.status == VoucherStatus::Active)
        .map(|v| ListedCard {
            voucher_id: v.id,
            card_number: v.id.card_number(),
            nama_kepala: names.get(v.no_kk.as_str()).cloned().unwrap_or_default(),
            face_value: v.face_value,
            handed_over_on: dates.get(&v.id).copied(),
        })
        .collect())
}
