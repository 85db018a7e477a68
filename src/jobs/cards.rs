//! Card sheets and the kader's hand-over list for one desa of one cycle.

use crate::domain::ids::Period;
use crate::domain::programme::Programme;
use crate::domain::voucher::{Voucher, VoucherStatus};
use crate::domain::wilayah::WilayahCode;
use crate::render::cards::{self, Card};
use crate::store::{Store, StoreError};
use chrono::{DateTime, FixedOffset, Utc};
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

struct Sheet {
    desa_name: String,
    rows: Vec<(Voucher, String)>,
}

async fn load(
    store: &Store,
    programme: &Programme,
    period: Period,
    desa: &WilayahCode,
) -> Result<Sheet, CardsError> {
    let desa_name = match store.wilayah(desa).await {
        Ok(w) if w.level == crate::domain::wilayah::Level::Desa => w.name,
        Ok(_) | Err(StoreError::NotFound) => return Err(CardsError::UnknownDesa),
        Err(e) => return Err(e.into()),
    };
    let vouchers: Vec<Voucher> = store
        .vouchers(programme.id, period, Some(desa), 0, MAX_CARDS)
        .await?
        .into_iter()
        .filter(|v| v.status == VoucherStatus::Active)
        .collect();
    let names: HashMap<String, String> = store.household_names(desa).await?;
    let rows = vouchers
        .into_iter()
        .map(|v| {
            let name = names
                .get(v.no_kk.as_str())
                .map_or("-", String::as_str)
                .chars()
                .take(NAME_CHARS)
                .collect();
            (v, name)
        })
        .collect();
    Ok(Sheet { desa_name, rows })
}

fn local_date(t: DateTime<Utc>, offset_hours: i8) -> String {
    FixedOffset::east_opt(i32::from(offset_hours) * 3600)
        .map_or(t.date_naive(), |tz| t.with_timezone(&tz).date_naive())
        .format("%d-%m-%Y")
        .to_string()
}

/// The card sheet PDF of a desa.
pub async fn card_sheet(
    store: &Store,
    programme: &Programme,
    period: Period,
    desa: &WilayahCode,
) -> Result<Vec<u8>, CardsError> {
    let sheet = load(store, programme, period, desa).await?;
    let offset = programme.settings.utc_offset_hours;
    let cards: Vec<Card> = sheet
        .rows
        .iter()
        .map(|(v, name)| Card {
            token: v.token.clone(),
            value: v.face_value.display_id(),
            validity: format!(
                "{} s.d. {}",
                local_date(v.valid_from, offset),
                local_date(v.valid_until, offset)
            ),
            desa: sheet.desa_name.clone(),
            nama_kepala: name.clone(),
            card_number: v.id.card_number(),
            programme: programme.name.clone(),
        })
        .collect();
    let title = format!("Kartu voucher {} {period}", sheet.desa_name);
    // Drawing a few thousand QR codes is CPU work: keep it off the async workers.
    tokio::task::spawn_blocking(move || cards::render(&cards, &title))
        .await
        .map_err(|_| CardsError::Render(crate::render::qr::QrError::Png))?
        .map_err(CardsError::from)
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
