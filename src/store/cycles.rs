//! Cycles: the months of a programme.

use super::{AuditWriter, Engine, Store, StoreError, StoreResult, now_us, with_pool, with_writer};
use crate::domain::audit::AuditEvent;
use crate::domain::ids::{CycleId, Period, ProgrammeId};
use crate::domain::voucher::Cycle;
use crate::domain::wilayah::WilayahCode;
use chrono::{DateTime, Utc};

/// Desa counted per insert statement (4 parameters a row, far below either engine's bound).
const DESA_PER_STATEMENT: usize = 1000;

type CycleRow = (i64, i64, String, i64, i64);

fn from_row((id, programme_id, period, from, until): CycleRow) -> StoreResult<Cycle> {
    let bad = StoreError::Corrupt("stored cycle is malformed");
    Ok(Cycle {
        id: CycleId(id),
        programme_id: ProgrammeId(programme_id),
        period: Period::parse(&period).map_err(|_| StoreError::Corrupt("stored cycle period"))?,
        valid_from: DateTime::from_timestamp(from, 0)
            .ok_or(StoreError::Corrupt("stored cycle start"))?,
        valid_until: DateTime::from_timestamp(until, 0).ok_or(bad)?,
    })
}

/// Whether `open_cycle` created the cycle or found it open already.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Opened {
    /// Newly opened.
    Created,
    /// It was open already; nothing changed.
    Existing,
}

impl Store {
    /// Opens a cycle; opening an open cycle again returns it unchanged.
    pub async fn open_cycle(
        &self,
        programme: ProgrammeId,
        period: Period,
        valid_from: DateTime<Utc>,
        valid_until: DateTime<Utc>,
        actor: &str,
    ) -> StoreResult<(Cycle, Opened)> {
        let inserted: Option<CycleRow> = with_writer!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let row: Option<CycleRow> = sqlx::query_as(
                "insert into cycles (programme_id, period, valid_from_unix, valid_until_unix, opened_at_us) \
                 values ($1, $2, $3, $4, $5) on conflict (programme_id, period) do nothing \
                 returning id, programme_id, period, valid_from_unix, valid_until_unix",
            )
            .bind(programme.0)
            .bind(period.to_string())
            .bind(valid_from.timestamp())
            .bind(valid_until.timestamp())
            .bind(now_us())
            .fetch_optional(&mut *tx)
            .await?;
            if let Some(r) = &row {
                tx.append_audit(&AuditEvent::new(actor, "cycle.open", format!("cycle:{}", r.0), &serde_json::json!({
                    "programme_id": programme, "period": period,
                    "valid_from_unix": r.3, "valid_until_unix": r.4,
                }))).await?;
            }
            tx.commit().await?;
            Ok::<_, StoreError>(row)
        })?;
        match inserted {
            Some(row) => Ok((from_row(row)?, Opened::Created)),
            None => Ok((self.cycle(programme, period).await?, Opened::Existing)),
        }
    }

    /// One cycle.
    pub async fn cycle(&self, programme: ProgrammeId, period: Period) -> StoreResult<Cycle> {
        let row: CycleRow = with_pool!(self, pool => sqlx::query_as(
            "select id, programme_id, period, valid_from_unix, valid_until_unix from cycles \
             where programme_id = $1 and period = $2"
        ).bind(programme.0).bind(period.to_string()).fetch_one(pool).await)?;
        from_row(row)
    }

    /// Records what an issuance run of `cycle` found (its households eligible per desa) and
    /// its audit record in one transaction; the rows of an earlier run of the cycle are
    /// replaced, so the cycle's counts are those of its latest run.
    pub async fn record_issuance(
        &self,
        cycle: CycleId,
        eligible_by_desa: &[(WilayahCode, u64)],
        event: &AuditEvent,
    ) -> StoreResult<()> {
        let now = now_us();
        with_writer!(self, pool => {
            let mut tx = pool.begin_write().await?;
            sqlx::query("delete from cycle_desa_counts where cycle_id = $1")
                .bind(cycle.0)
                .execute(&mut *tx)
                .await?;
            // One row per desa: a district's few hundred desa fit one statement's parameters.
            for chunk in eligible_by_desa.chunks(DESA_PER_STATEMENT) {
                let mut q = sqlx::QueryBuilder::new(
                    "insert into cycle_desa_counts (cycle_id, kode_desa, eligible, counted_at_us) ",
                );
                q.push_values(chunk, |mut b, (desa, eligible)| {
                    b.push_bind(cycle.0).push_bind(desa.as_str().to_owned())
                        .push_bind(i64::try_from(*eligible).unwrap_or(i64::MAX)).push_bind(now);
                });
                q.build().execute(&mut *tx).await?;
            }
            tx.append_audit(event).await?;
            tx.commit().await?;
            Ok::<_, StoreError>(())
        })
    }
}
