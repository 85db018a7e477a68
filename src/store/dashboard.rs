//! The office dashboard's figures: per desa of a cycle, the active households of the registry,
//! the households its issuance judged eligible (`cycle_desa_counts`, stored by the run), the
//! vouchers issued and their value, what was redeemed and what remains.

use super::{Store, StoreResult, with_report_pool};
use crate::domain::ids::{Period, ProgrammeId};
use crate::domain::wilayah::WilayahCode;

/// One desa's figures for one cycle (whole rupiah).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DesaFigures {
    /// The desa.
    pub desa: WilayahCode,
    /// Its name.
    pub desa_name: String,
    /// Its kecamatan.
    pub kecamatan: WilayahCode,
    /// The kecamatan's name.
    pub kecamatan_name: String,
    /// Active households in the registry.
    pub households_active: i64,
    /// Households eligible on the cycle's first day, as the cycle's latest issuance run judged
    /// them; `None` before any run of the cycle.
    pub eligible: Option<i64>,
    /// Vouchers issued to households (replacement cards not counted again).
    pub issued: i64,
    /// Their face value.
    pub issued_rp: i64,
    /// Redeemed: sales net of reversals (a lost card's balance moving to its replacement is not
    /// a sale).
    pub redeemed_rp: i64,
    /// Balance left on the cycle's cards.
    pub remaining_rp: i64,
}

type FiguresRow = (
    String,
    String,
    String,
    String,
    i64,
    Option<i64>,
    i64,
    i64,
    i64,
    i64,
);

impl Store {
    /// Every desa with households or vouchers of `period`, ordered by code.
    pub async fn desa_figures(
        &self,
        programme: ProgrammeId,
        period: Period,
    ) -> StoreResult<Vec<DesaFigures>> {
        let rows: Vec<FiguresRow> = with_report_pool!(self, pool => sqlx::query_as(
            "select w.code, w.name, k.code, k.name, \
               (select count(*) from households h where h.kode_desa = w.code and h.status = 'aktif'), \
               case when exists (select 1 from cycle_desa_counts e join cycles c on c.id = e.cycle_id \
                   where c.programme_id = $1 and c.period = $2) \
                 then coalesce((select e.eligible from cycle_desa_counts e join cycles c on c.id = e.cycle_id \
                   where c.programme_id = $1 and c.period = $2 and e.kode_desa = w.code), 0) end, \
               coalesce(v.issued, 0), coalesce(v.issued_rp, 0), coalesce(v.redeemed_rp, 0), coalesce(v.remaining_rp, 0) \
             from wilayah w join wilayah k on k.code = w.parent_code \
             left join (select kode_desa, \
                 cast(sum(case when replaces is null then 1 else 0 end) as bigint) as issued, \
                 cast(sum(case when replaces is null then face_value_rp else 0 end) as bigint) as issued_rp, \
                 cast(sum(spent_rp) - sum(case when replaces is null then 0 else face_value_rp end) as bigint) as redeemed_rp, \
                 cast(sum(face_value_rp - spent_rp) as bigint) as remaining_rp \
               from vouchers where programme_id = $1 \
                 and cycle_id = (select id from cycles where programme_id = $1 and period = $2) \
               group by kode_desa) v on v.kode_desa = w.code \
             where w.level = 4 and (v.kode_desa is not null \
               or exists (select 1 from households h where h.kode_desa = w.code)) \
             order by w.code"
        ).bind(programme.0).bind(period.to_string()).fetch_all(pool).await)?;
        rows.into_iter()
            .map(
                |(
                    d,
                    dn,
                    k,
                    kn,
                    households_active,
                    eligible,
                    issued,
                    issued_rp,
                    redeemed_rp,
                    remaining_rp,
                )| {
                    Ok(DesaFigures {
                        desa: WilayahCode::parse(&d)
                            .map_err(|_| super::StoreError::Corrupt("wilayah code"))?,
                        desa_name: dn,
                        kecamatan: WilayahCode::parse(&k)
                            .map_err(|_| super::StoreError::Corrupt("wilayah code"))?,
                        kecamatan_name: kn,
                        households_active,
                        eligible,
                        issued,
                        issued_rp,
                        redeemed_rp,
                        remaining_rp,
                    })
                },
            )
            .collect()
    }
}
