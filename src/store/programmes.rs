//! Programmes and their settings.

use super::{AuditWriter, Engine, Store, StoreError, StoreResult, now_us, with_pool, with_writer};
use crate::domain::audit::AuditEvent;
use crate::domain::ids::{MerchantId, ProgrammeId};
use crate::domain::money::Rupiah;
use crate::domain::programme::{Category, OfflineCeilings, Programme, ProgrammeSettings};
use relasi_codes::Code;

#[derive(sqlx::FromRow)]
struct ProgrammeRow {
    id: i64,
    number: i64,
    name: String,
    year: i64,
    max_desil: i64,
    voucher_base_rp: i64,
    voucher_per_member_rp: i64,
    voucher_cap_rp: i64,
    categories: String,
    reversal_window_secs: i64,
    utc_offset_hours: i64,
    offline_allowed: bool,
    offline_max_list_age_secs: i64,
    offline_voucher_day_rp: i64,
    offline_shop_count: i64,
    offline_shop_rp: i64,
}

/// A programme and the categories one shop sells: what a sale is judged by.
#[derive(sqlx::FromRow)]
struct SaleTermsRow {
    #[sqlx(flatten)]
    programme: ProgrammeRow,
    shop_categories: Option<String>,
}

macro_rules! programme_columns {
    () => {
        concat!(
            "id, number, name, year, max_desil, voucher_base_rp, voucher_per_member_rp, voucher_cap_rp, ",
            "categories, reversal_window_secs, utc_offset_hours, offline_allowed, offline_max_list_age_secs, ",
            "offline_voucher_day_rp, offline_shop_count, offline_shop_rp"
        )
    };
}

macro_rules! select_programme {
    ($tail:literal) => {
        concat!("select ", programme_columns!(), " from programmes ", $tail)
    };
}

impl TryFrom<ProgrammeRow> for Programme {
    type Error = StoreError;
    fn try_from(r: ProgrammeRow) -> StoreResult<Programme> {
        let bad = |_| StoreError::Corrupt("stored programme settings are out of range");
        Ok(Programme {
            id: ProgrammeId(r.id),
            number: u16::try_from(r.number)
                .map_err(|_| StoreError::Corrupt("stored programme number"))?,
            name: r.name,
            year: i32::try_from(r.year)
                .map_err(|_| StoreError::Corrupt("stored programme year"))?,
            settings: ProgrammeSettings {
                max_desil: u8::try_from(r.max_desil)
                    .map_err(|_| StoreError::Corrupt("stored max_desil"))?,
                voucher_base: Rupiah::new(r.voucher_base_rp).map_err(bad)?,
                voucher_per_member: Rupiah::new(r.voucher_per_member_rp).map_err(bad)?,
                voucher_cap: Rupiah::new(r.voucher_cap_rp).map_err(bad)?,
                categories: r
                    .categories
                    .split(',')
                    .map(Category::parse)
                    .collect::<Result<_, _>>()
                    .map_err(bad)?,
                reversal_window_secs: r.reversal_window_secs,
                utc_offset_hours: i8::try_from(r.utc_offset_hours)
                    .map_err(|_| StoreError::Corrupt("stored utc offset"))?,
                offline_allowed: r.offline_allowed,
                offline: OfflineCeilings {
                    max_list_age_secs: r.offline_max_list_age_secs,
                    voucher_day: Rupiah::new(r.offline_voucher_day_rp).map_err(bad)?,
                    shop_count: r.offline_shop_count,
                    shop_total: Rupiah::new(r.offline_shop_rp).map_err(bad)?,
                },
            },
        })
    }
}

impl Store {
    /// Creates a programme. Its number must be unused (`Conflict`).
    pub async fn create_programme(
        &self,
        number: u16,
        name: &str,
        year: i32,
        settings: &ProgrammeSettings,
        actor: &str,
    ) -> StoreResult<Programme> {
        let categories: Vec<&str> = settings.categories.iter().map(Category::as_str).collect();
        let id: i64 = with_writer!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let (id,): (i64,) = sqlx::query_as(
                "insert into programmes (number, name, year, max_desil, voucher_base_rp, voucher_per_member_rp, \
                 voucher_cap_rp, categories, reversal_window_secs, utc_offset_hours, offline_allowed, created_at_us, \
                 offline_max_list_age_secs, offline_voucher_day_rp, offline_shop_count, offline_shop_rp) \
                 values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16) returning id",
            )
            .bind(i64::from(number))
            .bind(name.to_owned())
            .bind(i64::from(year))
            .bind(i64::from(settings.max_desil))
            .bind(settings.voucher_base.as_i64())
            .bind(settings.voucher_per_member.as_i64())
            .bind(settings.voucher_cap.as_i64())
            .bind(categories.join(","))
            .bind(settings.reversal_window_secs)
            .bind(i64::from(settings.utc_offset_hours))
            .bind(settings.offline_allowed)
            .bind(now_us())
            .bind(settings.offline.max_list_age_secs)
            .bind(settings.offline.voucher_day.as_i64())
            .bind(settings.offline.shop_count)
            .bind(settings.offline.shop_total.as_i64())
            .fetch_one(&mut *tx)
            .await?;
            tx.append_audit(&AuditEvent::new(actor, "programme.create", format!("programme:{id}"),
                &serde_json::json!({ "number": number, "year": year, "settings": settings }))).await?;
            tx.commit().await?;
            Ok::<_, StoreError>(id)
        })?;
        self.programme(ProgrammeId(id)).await
    }

    /// One programme by id.
    pub async fn programme(&self, id: ProgrammeId) -> StoreResult<Programme> {
        let row: ProgrammeRow = with_pool!(self, pool => sqlx::query_as(
            select_programme!("where id = $1")
        ).bind(id.0).fetch_one(pool).await)?;
        row.try_into()
    }

    /// One programme by its token number.
    pub async fn programme_by_number(&self, number: u16) -> StoreResult<Programme> {
        let row: ProgrammeRow = with_pool!(self, pool => sqlx::query_as(
            select_programme!("where number = $1")
        ).bind(i64::from(number)).fetch_one(pool).await)?;
        row.try_into()
    }

    /// What a sale is judged by, in one round trip: the programme with token number `number`
    /// and the categories `merchant` is registered to sell. `NotFound` if no such programme.
    pub async fn sale_terms(
        &self,
        number: u16,
        merchant: MerchantId,
    ) -> StoreResult<(Programme, Vec<Category>)> {
        let row: SaleTermsRow = with_pool!(self, pool => sqlx::query_as(concat!(
            "select ", programme_columns!(), ", (select string_agg(category, ',') ",
            "from merchant_categories where merchant_id = $2) as shop_categories ",
            "from programmes where number = $1"
        )).bind(i64::from(number)).bind(merchant.0).fetch_one(pool).await)?;
        let categories = row
            .shop_categories
            .as_deref()
            .unwrap_or_default()
            .split(',')
            .filter(|c| !c.is_empty())
            .map(|c| {
                Category::parse(c).map_err(|_| StoreError::Corrupt("stored merchant category"))
            })
            .collect::<StoreResult<Vec<Category>>>()?;
        Ok((row.programme.try_into()?, categories))
    }

    /// All programmes, newest first.
    pub async fn programmes(&self) -> StoreResult<Vec<Programme>> {
        let rows: Vec<ProgrammeRow> = with_pool!(self, pool => sqlx::query_as(
            select_programme!("order by year desc, number")
        ).fetch_all(pool).await)?;
        rows.into_iter().map(Programme::try_from).collect()
    }

    /// The programme a request means: the one with `number`, or the only one there is.
    pub async fn resolve_programme(&self, number: Option<u16>) -> StoreResult<Programme> {
        match number {
            Some(n) => self.programme_by_number(n).await,
            None => {
                let mut all = self.programmes().await?;
                match all.len() {
                    0 => Err(StoreError::NotFound),
                    1 => all.pop().ok_or(StoreError::NotFound),
                    _ => Err(StoreError::Invalid(Code::ProgrammeRequired)),
                }
            }
        }
    }
}
