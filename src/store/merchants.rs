//! Partner shops, their service areas and categories.

use super::{AuditWriter, Engine, Store, StoreError, StoreResult, now_us, with_pool, with_writer};
use crate::domain::audit::AuditEvent;
use crate::domain::ids::MerchantId;
use crate::domain::merchant::{Merchant, MerchantStatus};
use crate::domain::programme::Category;
use crate::domain::wilayah::WilayahCode;
use relasi_codes::Code;

/// What registering a shop needs.
#[derive(Clone, Debug)]
pub struct NewMerchant {
    /// Shop name.
    pub name: String,
    /// Desa the shop is in.
    pub kode_desa: WilayahCode,
    /// Areas it may serve.
    pub service_area: Vec<WilayahCode>,
    /// Categories it sells.
    pub categories: Vec<Category>,
}

fn bad_stored(_: crate::domain::Invalid) -> StoreError {
    StoreError::Corrupt("stored merchant row is malformed")
}

impl Store {
    /// Registers a shop (active). Every area code must be stored (`Invalid("unknown_wilayah")`).
    pub async fn create_merchant(&self, new: &NewMerchant, actor: &str) -> StoreResult<Merchant> {
        let mut codes = new.service_area.clone();
        codes.push(new.kode_desa.clone());
        if !self.unknown_wilayah(&codes, None).await?.is_empty() {
            return Err(StoreError::Invalid(Code::UnknownWilayah));
        }
        let id: i64 = with_writer!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let (id,): (i64,) = sqlx::query_as(
                "insert into merchants (name, kode_desa, status, created_at_us) values ($1, $2, 'active', $3) returning id",
            )
            .bind(new.name.clone())
            .bind(new.kode_desa.as_str().to_owned())
            .bind(now_us())
            .fetch_one(&mut *tx)
            .await?;
            for area in &new.service_area {
                sqlx::query("insert into merchant_service_areas (merchant_id, kode_wilayah) values ($1, $2) on conflict do nothing")
                    .bind(id).bind(area.as_str().to_owned()).execute(&mut *tx).await?;
            }
            for category in &new.categories {
                sqlx::query("insert into merchant_categories (merchant_id, category) values ($1, $2) on conflict do nothing")
                    .bind(id).bind(category.as_str().to_owned()).execute(&mut *tx).await?;
            }
            tx.append_audit(&AuditEvent::new(actor, "merchant.create", format!("merchant:{id}"), &serde_json::json!({
                "kode_desa": new.kode_desa, "service_area": new.service_area, "categories": new.categories,
            }))).await?;
            tx.commit().await?;
            Ok::<_, StoreError>(id)
        })?;
        self.merchant(MerchantId(id)).await
    }

    /// One shop with its areas and categories.
    pub async fn merchant(&self, id: MerchantId) -> StoreResult<Merchant> {
        let (name, kode_desa, status): (String, String, String) = with_pool!(self, pool => sqlx::query_as(
            "select name, kode_desa, status from merchants where id = $1"
        ).bind(id.0).fetch_one(pool).await)?;
        let areas: Vec<(String,)> = with_pool!(self, pool => sqlx::query_as(
            "select kode_wilayah from merchant_service_areas where merchant_id = $1 order by kode_wilayah"
        ).bind(id.0).fetch_all(pool).await)?;
        let categories: Vec<(String,)> = with_pool!(self, pool => sqlx::query_as(
            "select category from merchant_categories where merchant_id = $1 order by category"
        ).bind(id.0).fetch_all(pool).await)?;
        Ok(Merchant {
            id,
            name,
            kode_desa: WilayahCode::parse(&kode_desa).map_err(bad_stored)?,
            service_area: areas
                .iter()
                .map(|(c,)| WilayahCode::parse(c))
                .collect::<Result<_, _>>()
                .map_err(bad_stored)?,
            categories: categories
                .iter()
                .map(|(c,)| Category::parse(c))
                .collect::<Result<_, _>>()
                .map_err(bad_stored)?,
            status: MerchantStatus::parse(&status)
                .ok_or(StoreError::Corrupt("stored merchant status"))?,
        })
    }

    /// Number of shops.
    pub async fn count_merchants(&self) -> StoreResult<i64> {
        let (n,): (i64,) = with_pool!(self, pool => sqlx::query_as("select count(*) from merchants").fetch_one(pool).await)?;
        Ok(n)
    }
}
