//! Card sheets and the kader's hand-over list for one desa of one cycle.

use crate::domain::calendar;
use crate::domain::ids::Period;
use crate::domain::programme::Programme;
use crate::domain::voucher::{Voucher, VoucherStatus};
use crate::domain::wilayah::WilayahCode;
use crate::render::cards::{self, Card, SheetWriter};
use crate::store::{Store, StoreError};
use chrono::{DateTime, Utc};
use futures_util::Stream;
use std::collections::HashMap;

/// Most vouchers printed in one sheet request (a large desa has a few hundred KRS families).
pub const MAX_CARDS: i64 = 5000;
/// Longest name printed on a card.
const NAME_CHARS: usize = 28;

/// Why cards could not be made.
#[derive(Debug, thiserror::Error)]
pub enum CardsError {
    /// The desa is not known.
    #[error("unknown desa")]
    UnknownDesa,
    /// Storage.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Rendering.
    #[error(transparent)]
    Render(#[from] crate::render::qr::QrError),
    /// Writing the hand-over CSV.
    #[error("hand-over list could not be written")]
    Csv,
}

/// Vouchers read and drawn per step of a streamed sheet (eight pages).
const STEP_CARDS: i64 = 64;

struct Sheet {
    desa_name: String,
    rows: Vec<(Voucher, String)>,
}

/// What every card of a desa's sheet shares, and the head-of-household names by KK.
struct SheetHead {
    desa_name: String,
    names: HashMap<String, String>,
}

async fn head(store: &Store, desa: &WilayahCode) -> Result<SheetHead, CardsError> {
    let desa_name = match store.wilayah(desa).await {
        Ok(w) if w.level == crate::domain::wilayah::Level::Desa => w.name,
        Ok(_) | Err(StoreError::NotFound) => return Err(CardsError::UnknownDesa),
        Err(e) => return Err(e.into()),
    };
    let names = store.household_names(desa).await?;
    Ok(SheetHead { desa_name, names })
}

/// Active vouchers of the desa from `offset`, at most `limit`, with the names to print.
async fn rows(
    store: &Store,
    programme: &Programme,
    period: Period,
    desa: &WilayahCode,
    head: &SheetHead,
    (offset, limit): (i64, i64),
) -> Result<(Vec<(Voucher, String)>, usize), CardsError> {
    let page = store
        .vouchers(programme.id, period, Some(desa), offset, limit)
        .await?;
    let read = page.len();
    let rows = page
        .into_iter()
        .filter(|v| v.status == VoucherStatus::Active)
        .map(|v| {
            let name = head
                .names
                .get(v.no_kk.as_str())
                .map_or("-", String::as_str)
                .chars()
                .take(NAME_CHARS)
                .collect();
            (v, name)
        })
        .collect();
    Ok((rows, read))
}

async fn load(
    store: &Store,
    programme: &Programme,
    period: Period,
    desa: &WilayahCode,
) -> Result<Sheet, CardsError> {
    let head = head(store, desa).await?;
    let (rows, _) = rows(store, programme, period, desa, &head, (0, MAX_CARDS)).await?;
    Ok(Sheet {
        desa_name: head.desa_name,
        rows,
    })
}

/// `01-12-2026`, in the programme's local time.
fn local_date(t: DateTime<Utc>, offset_hours: i8) -> String {
    calendar::local_date(t, offset_hours)
        .format("%d-%m-%Y")
        .to_string()
}

fn card(
    v: &Voucher,
    name: &str,
    desa_name: &str,
    programme: &Programme,
    link_base: Option<&str>,
) -> Card {
    let offset = programme.settings.utc_offset_hours;
    Card {
        token: crate::render::qr::card_text(&v.token, link_base),
        value: v.face_value.display_id(),
        validity: format!(
            "{} s.d. {}",
            local_date(v.valid_from, offset),
            local_date(v.valid_until, offset)
        ),
        desa: desa_name.to_owned(),
        nama_kepala: name.to_owned(),
        card_number: v.id.card_number(),
        programme: programme.name.clone(),
    }
}

/// What a streamed sheet keeps between steps.
struct Streaming {
    store: Store,
    programme: Programme,
    period: Period,
    desa: WilayahCode,
    head: SheetHead,
    writer: Option<SheetWriter>,
    offset: i64,
    link_base: Option<String>,
}

/// The card sheet PDF of a desa, as it is made: each item is the next bytes of the file, eight
/// pages at a time, so a large sheet never sits in memory whole. The desa is checked before the
/// first byte, so an unknown desa is an error, not a broken file. With `link_base` (the
/// deployment's public address) each QR holds the link a phone's camera app opens.
pub async fn card_sheet_stream(
    store: Store,
    programme: Programme,
    period: Period,
    desa: WilayahCode,
    link_base: Option<String>,
) -> Result<impl Stream<Item = Result<Vec<u8>, CardsError>> + Send + 'static, CardsError> {
    let head = head(&store, &desa).await?;
    let title = format!("Kartu voucher {} {period}", head.desa_name);
    let state = Streaming {
        store,
        programme,
        period,
        desa,
        head,
        writer: Some(SheetWriter::new(&title)),
        offset: 0,
        link_base,
    };
    Ok(futures_util::stream::unfold(state, |mut s| async move {
        let writer = s.writer.take()?;
        match step(&mut s, writer).await {
            Ok((bytes, writer)) => {
                s.writer = writer;
                Some((Ok(bytes), s))
            }
            Err(e) => Some((Err(e), s)),
        }
    }))
}

/// Draws the next eight pages, or ends the sheet; returns the bytes and the writer to go on
/// with (none once the sheet is finished).
async fn step(
    s: &mut Streaming,
    mut writer: SheetWriter,
) -> Result<(Vec<u8>, Option<SheetWriter>), CardsError> {
    let limit = STEP_CARDS.min(MAX_CARDS - s.offset);
    let (rows, read) = if limit > 0 {
        rows(
            &s.store,
            &s.programme,
            s.period,
            &s.desa,
            &s.head,
            (s.offset, limit),
        )
        .await?
    } else {
        (Vec::new(), 0)
    };
    s.offset += i64::try_from(read).unwrap_or(0);
    let cards: Vec<Card> = rows
        .iter()
        .map(|(v, name)| {
            let link_base = s.link_base.as_deref();
            card(v, name, &s.head.desa_name, &s.programme, link_base)
        })
        .collect();
    let last = i64::try_from(read).unwrap_or(0) < limit || limit <= 0;
    // Drawing QR codes is CPU work: keep it off the async workers.
    let drawn = tokio::task::spawn_blocking(move || {
        for page in cards.chunks(cards::CARDS_PER_PAGE) {
            writer.page(page)?;
        }
        let mut bytes = writer.take();
        if last {
            bytes.extend(writer.finish());
            return Ok((bytes, None));
        }
        Ok((bytes, Some(writer)))
    })
    .await
    .map_err(|_| CardsError::Render(crate::render::qr::QrError::Png))?;
    drawn.map_err(CardsError::Render)
}

/// The kader's hand-over list of a desa as CSV (with empty date and signature columns).
pub async fn handover_csv(
    store: &Store,
    programme: &Programme,
    period: Period,
    desa: &WilayahCode,
) -> Result<String, CardsError> {
    let sheet = load(store, programme, period, desa).await?;
    let mut w = csv::Writer::from_writer(Vec::new());
    let header = [
        "no",
        "no_kartu",
        "nama_kepala_keluarga",
        "nilai",
        "desa",
        "tanggal_serah",
        "tanda_tangan_penerima",
    ];
    w.write_record(header).map_err(|_| CardsError::Csv)?;
    for (i, (v, name)) in sheet.rows.iter().enumerate() {
        let no = (i + 1).to_string();
        let (card, value) = (v.id.card_number(), v.face_value.display_id());
        w.write_record([no.as_str(), &card, name, &value, &sheet.desa_name, "", ""])
            .map_err(|_| CardsError::Csv)?;
    }
    let bytes = w.into_inner().map_err(|_| CardsError::Csv)?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}
