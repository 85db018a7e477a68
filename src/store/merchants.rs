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

/// A shop as a list shows it.
#[derive(Clone, Debug)]
pub struct MerchantRow {
    /// Id.
    pub id: MerchantId,
    /// Shop name.
    pub name: String,
    /// Desa the shop is in.
    pub kode_desa: WilayahCode,
    /// That desa's name.
    pub desa_name: String,
    /// Status.
    pub status: MerchantStatus,
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

    /// Every shop (id, name, desa and its name, status), by name; the caller filters by area.
    pub async fn merchant_list(&self) -> StoreResult<Vec<MerchantRow>> {
        let rows: Vec<(i64, String, String, String, String)> = with_pool!(self, pool => sqlx::query_as(
            "select m.id, m.name, m.kode_desa, coalesce(w.name, ''), m.status from merchants m \
             left join wilayah w on w.code = m.kode_desa order by m.name, m.id"
        ).fetch_all(pool).await)?;
        rows.into_iter()
            .map(|(id, name, desa, desa_name, status)| {
                Ok(MerchantRow {
                    id: MerchantId(id),
                    name,
                    kode_desa: WilayahCode::parse(&desa).map_err(bad_stored)?,
                    desa_name,
                    status: MerchantStatus::parse(&status)
                        .ok_or(StoreError::Corrupt("stored merchant status"))?,
                })
            })
            .collect()
    }

    /// Suspends or reactivates a shop, audited (`merchant.suspend` / `merchant.reactivate`).
    /// False when the shop already had that status (nothing written).
    pub async fn set_merchant_status(
        &self,
        id: MerchantId,
        status: MerchantStatus,
        actor: &str,
    ) -> StoreResult<bool> {
        let action = match status {
            MerchantStatus::Active => "merchant.reactivate",
            MerchantStatus::Inactive => "merchant.suspend",
        };
        with_writer!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let changed = sqlx::query("update merchants set status = $2 where id = $1 and status <> $2")
                .bind(id.0).bind(status.as_str()).execute(&mut *tx).await?.rows_affected() == 1;
            if changed {
                tx.append_audit(&AuditEvent::new(actor, action, format!("merchant:{}", id.0),
                    &serde_json::json!({}))).await?;
            }
            tx.commit().await?;
            Ok::<_, StoreError>(changed)
        })
    }

    /// Number of shops.
    pub async fn count_merchants(&self) -> StoreResult<i64> {
        let (n,): (i64,) = with_pool!(self, pool => sqlx::query_as("select count(*) from merchants").fetch_one(pool).await)?;
        Ok(n)
    }
}
