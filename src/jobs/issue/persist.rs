//! Issuance's storing phase: signed vouchers stored in batches as they come, once their funding
//! is known — two batches at once on PostgreSQL (two backends), one on SQLite (one writer; a
//! second transaction would only sleep in its busy handler). A run stopped half-way is completed
//! by the next one, which judges and funds the rest with the money left.

use super::sign::Signed;
use super::{Funding, IssueError, LEASE_US, Run};
use crate::domain::ids::CycleId;
use crate::domain::money::Rupiah;
use crate::store::{Backend, NewVoucher, Store, StoreError, now_us};
use std::time::{Duration, Instant};
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinSet;

/// Vouchers and their total value.
type Stored = (u64, Rupiah);

impl Run<'_> {
    /// Stores every signed batch; returns (issued, total value) and the time spent waiting for
    /// signatures.
    pub(super) async fn persist(
        &self,
        kid: String,
        mut signed_rx: mpsc::Receiver<Vec<Signed>>,
        funding_rx: oneshot::Receiver<Funding>,
        lease: &mut i64,
    ) -> Result<(Stored, Duration), IssueError> {
        let Ok(funding) = funding_rx.await else {
            // Judging failed before deciding; its error is the one reported.
            return Ok(((0, Rupiah::ZERO), Duration::ZERO));
        };
        let in_flight = match self.store.backend() {
            Backend::Postgres => 2,
            Backend::Sqlite => 1,
        };
        let mut done: Stored = (0, Rupiah::ZERO);
        let mut waited_for_signing = Duration::ZERO;
        let mut tasks: JoinSet<Result<Stored, StoreError>> = JoinSet::new();
        loop {
            let wait = Instant::now();
            let Some(signed) = signed_rx.recv().await else {
                break;
            };
            waited_for_signing += wait.elapsed();
            let vouchers = funded(signed, &funding, &kid);
            if vouchers.is_empty() {
                continue;
            }
            renew_lease(self.store, self.cycle.id, lease).await?;
            while tasks.len() >= in_flight {
                if let Some(finished) = tasks.join_next().await {
                    self.add(&mut done, finished.map_err(|_| IssueError::Signing)??);
                }
            }
            tasks.spawn(insert(self.store.clone(), self, vouchers));
        }
        while let Some(finished) = tasks.join_next().await {
            self.add(&mut done, finished.map_err(|_| IssueError::Signing)??);
        }
        Ok((done, waited_for_signing))
    }

    fn add(&self, done: &mut Stored, batch: Stored) {
        done.0 += batch.0;
        done.1 = done.1.checked_add(batch.1).unwrap_or(Rupiah::MAX);
        (self.progress)(batch.0);
    }
}

/// The signed vouchers whose household is funded, with their line.
fn funded(signed: Vec<Signed>, funding: &Funding, kid: &str) -> Vec<NewVoucher> {
    signed
        .into_iter()
        .filter_map(|s| {
            let line = *match funding {
                Funding::ByDesa(m) => m.get(&s.candidate.kode_desa),
                Funding::ByKk(m) => m.get(&s.candidate.no_kk),
            }?;
            Some(NewVoucher {
                id: s.id,
                no_kk: s.candidate.no_kk,
                kode_desa: s.candidate.kode_desa,
                budget_line_id: line,
                kid: kid.to_owned(),
                face_value: s.candidate.value,
                token: s.token,
            })
        })
        .collect()
}

/// Stores one batch with its budget charges (one transaction).
fn insert(
    store: Store,
    run: &Run<'_>,
    vouchers: Vec<NewVoucher>,
) -> impl Future<Output = Result<Stored, StoreError>> + Send + 'static {
    let (programme_id, cycle_id) = (run.programme.id, run.cycle.id);
    let valid = (
        run.cycle.valid_from.timestamp(),
        run.cycle.valid_until.timestamp(),
    );
    async move {
        store
            .insert_vouchers(programme_id, cycle_id, valid, &vouchers)
            .await?;
        let total = vouchers.iter().fold(Rupiah::ZERO, |acc, v| {
            acc.checked_add(v.face_value).unwrap_or(Rupiah::MAX)
        });
        Ok((vouchers.len() as u64, total))
    }
}

/// Extends the lease once a fifth of it has passed (a write per renewal, not per batch).
async fn renew_lease(store: &Store, cycle: CycleId, lease: &mut i64) -> Result<(), IssueError> {
    let now = now_us();
    if *lease - now > LEASE_US * 4 / 5 {
        return Ok(());
    }
    let next = now + LEASE_US;
    if !store.take_issuance_lease(cycle, next, Some(*lease)).await? {
        return Err(IssueError::InProgress);
    }
    *lease = next;
    Ok(())
}
