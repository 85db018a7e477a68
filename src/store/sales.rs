//! Journal entries (sales and reversals) listed for people: a shop's own in a time range (what
//! `GET /v1/redemptions?date=` lists and the phone page shows as today's sales), and a desa's of
//! a month (the finance page's drill-down from the roll-up).

use super::{Store, StoreError, StoreResult, with_pool};
use crate::domain::ids::{MerchantId, RedemptionId, VoucherId};
use crate::domain::money::Rupiah;

/// One sale or reversal of a shop.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct ShopEntry {
    /// Journal id.
    pub id: RedemptionId,
    /// `debit` or `reversal`.
    pub kind: String,
    /// Voucher.
    pub voucher: VoucherId,
    /// Amount.
    pub amount: Rupiah,
    /// When, Unix microseconds.
    pub created_at_us: i64,
    /// For a reversal: the sale it undoes.
    pub reverses: Option<RedemptionId>,
    /// For a sale: its reversal, if any.
    pub reversed_by: Option<RedemptionId>,
    /// Basket lines (category, amount) of a sale.
    pub items: Vec<(String, Rupiah)>,
}

type EntryRow = (i64, String, String, i64, i64, Option<i64>, Option<i64>);

impl Store {
    /// The shop's sales and reversals with `from_us <= created_at_us < until_us`, oldest
    /// first, at most `limit` entries with an id above `after` (the caller pages by id).
    pub async fn shop_entries(
        &self,
        merchant: MerchantId,
        from_us: i64,
        until_us: i64,
        after: i64,
        limit: i64,
    ) -> StoreResult<Vec<ShopEntry>> {
        let rows: Vec<EntryRow> = with_pool!(self, pool => sqlx::query_as(
            "select r.id, r.kind, r.voucher_id, r.amount_rp, r.created_at_us, r.reverses_id, \
             (select x.id from redemptions x where x.reverses_id = r.id) \
             from redemptions r where r.merchant_id = $1 and r.created_at_us >= $2 and r.created_at_us < $3 \
             and r.id > $4 and r.kind in ('debit', 'reversal') order by r.id limit $5"
        ).bind(merchant.0).bind(from_us).bind(until_us).bind(after).bind(limit).fetch_all(pool).await)?;
        let (Some(first), Some(last)) = (rows.first(), rows.last()) else {
            return Ok(Vec::new());
        };
        let items: Vec<(i64, String, i64)> = with_pool!(self, pool => sqlx::query_as(
            "select i.redemption_id, i.category, i.amount_rp from redemption_items i \
             join redemptions r on r.id = i.redemption_id \
             where r.merchant_id = $1 and i.redemption_id between $2 and $3 order by i.redemption_id, i.category"
        ).bind(merchant.0).bind(first.0).bind(last.0).fetch_all(pool).await)?;
        let bad = |_| StoreError::Corrupt("stored amount out of range");
        rows.into_iter()
            .map(|(id, kind, voucher, amount, at, reverses, reversed_by)| {
                let lines = items
                    .iter()
                    .filter(|(r, ..)| *r == id)
                    .map(|(_, c, a)| Ok((c.clone(), Rupiah::new(*a).map_err(bad)?)))
                    .collect::<StoreResult<Vec<_>>>()?;
                Ok(ShopEntry {
                    id: RedemptionId(id),
                    kind,
                    voucher: VoucherId::parse(&voucher)
                        .map_err(|_| StoreError::Corrupt("stored voucher id"))?,
                    amount: Rupiah::new(amount).map_err(bad)?,
                    created_at_us: at,
                    reverses: reverses.map(RedemptionId),
                    reversed_by: reversed_by.map(RedemptionId),
                    items: lines,
                })
            })
            .collect()
    }
}

/// One sale or reversal on a voucher of a desa, as the finance page lists it.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct DesaEntry {
    /// Journal id (the receipt's `redemption_id`).
    pub id: i64,
    /// `debit` or `reversal`.
    pub kind: String,
    /// Voucher.
    pub voucher_id: String,
    /// Shop.
    pub merchant_id: i64,
    /// Its name.
    pub merchant_name: String,
    /// Amount.
    pub amount_rp: i64,
    /// When, Unix microseconds.
    pub created_at_us: i64,
}

impl Store {
    /// Sales and reversals of the programme's vouchers of `desa` with `from_us <= created_at_us
    /// < until_us`, oldest first, at most `limit` with an id above `after` (paged by id).
    pub async fn desa_entries(
        &self,
        programme: crate::domain::ids::ProgrammeId,
        desa: &crate::domain::wilayah::WilayahCode,
        (from_us, until_us): (i64, i64),
        after: i64,
        limit: i64,
    ) -> StoreResult<Vec<DesaEntry>> {
        let rows: Vec<(i64, String, String, i64, String, i64, i64)> = with_pool!(self, pool => sqlx::query_as(
            "select r.id, r.kind, r.voucher_id, r.merchant_id, m.name, r.amount_rp, r.created_at_us \
             from redemptions r join vouchers v on v.id = r.voucher_id join merchants m on m.id = r.merchant_id \
             where v.programme_id = $1 and v.kode_desa = $2 and r.created_at_us >= $3 and r.created_at_us < $4 \
             and r.id > $5 and r.kind in ('debit', 'reversal') order by r.id limit $6"
        ).bind(programme.0).bind(desa.as_str().to_owned()).bind(from_us).bind(until_us)
         .bind(after).bind(limit).fetch_all(pool).await)?;
        Ok(rows
            .into_iter()
            .map(
                |(id, kind, voucher_id, merchant_id, merchant_name, amount_rp, created_at_us)| {
                    DesaEntry {
                        id,
                        kind,
                        voucher_id,
                        merchant_id,
                        merchant_name,
                        amount_rp,
                        created_at_us,
                    }
                },
            )
            .collect())
    }
}
