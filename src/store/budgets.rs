//! Budget lines.

use super::{AuditWriter, Engine, Store, StoreError, StoreResult, now_us, with_pool, with_writer};
use crate::domain::audit::AuditEvent;
use crate::domain::budget::{BudgetLine, SumberDana};
use crate::domain::ids::{BudgetLineId, ProgrammeId};
use crate::domain::money::Rupiah;
use crate::domain::wilayah::WilayahCode;
use relasi_codes::Code;

type LineRow = (i64, i64, i64, String, String, i64, i64);

fn from_row(
    (id, programme_id, year, sumber, code, amount, committed): LineRow,
) -> StoreResult<BudgetLine> {
    let bad = |_| StoreError::Corrupt("stored budget line is malformed");
    Ok(BudgetLine {
        id: BudgetLineId(id),
        programme_id: ProgrammeId(programme_id),
        year: i32::try_from(year).map_err(|_| StoreError::Corrupt("stored budget year"))?,
        sumber_dana: SumberDana::parse(&sumber).map_err(bad)?,
        kode_wilayah: WilayahCode::parse(&code).map_err(bad)?,
        amount: Rupiah::new(amount).map_err(bad)?,
        committed: Rupiah::new(committed).map_err(bad)?,
    })
}

impl Store {
    /// Adds a budget line. The area must be stored (`Invalid("unknown_wilayah")`).
    pub async fn add_budget_line(
        &self,
        programme: ProgrammeId,
        year: i32,
        sumber_dana: SumberDana,
        kode_wilayah: &WilayahCode,
        amount: Rupiah,
        actor: &str,
    ) -> StoreResult<BudgetLine> {
        if !self
            .unknown_wilayah(std::slice::from_ref(kode_wilayah), None)
            .await?
            .is_empty()
        {
            return Err(StoreError::Invalid(Code::UnknownWilayah));
        }
        let row: LineRow = with_writer!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let row: LineRow = sqlx::query_as(
                "insert into budget_lines (programme_id, year, sumber_dana, kode_wilayah, amount_rp, committed_rp, created_at_us) \
                 values ($1, $2, $3, $4, $5, 0, $6) \
                 returning id, programme_id, year, sumber_dana, kode_wilayah, amount_rp, committed_rp",
            )
            .bind(programme.0)
            .bind(i64::from(year))
            .bind(sumber_dana.as_str())
            .bind(kode_wilayah.as_str().to_owned())
            .bind(amount.as_i64())
            .bind(now_us())
            .fetch_one(&mut *tx)
            .await?;
            tx.append_audit(&AuditEvent::new(actor, "budget.add", format!("budget_line:{}", row.0), &serde_json::json!({
                "programme_id": programme, "year": year, "sumber_dana": sumber_dana,
                "kode_wilayah": kode_wilayah, "amount": amount,
            }))).await?;
            tx.commit().await?;
            Ok::<_, StoreError>(row)
        })?;
        from_row(row)
    }

    /// Budget lines of a programme year, oldest first.
    pub async fn budget_lines(
        &self,
        programme: ProgrammeId,
        year: i32,
    ) -> StoreResult<Vec<BudgetLine>> {
        let rows: Vec<LineRow> = with_pool!(self, pool => sqlx::query_as(
            "select id, programme_id, year, sumber_dana, kode_wilayah, amount_rp, committed_rp from budget_lines \
             where programme_id = $1 and year = $2 order by id"
        ).bind(programme.0).bind(i64::from(year)).fetch_all(pool).await)?;
        rows.into_iter().map(from_row).collect()
    }
}
