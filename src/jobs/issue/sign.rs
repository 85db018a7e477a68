//! Issuance's signing phase: one blocking thread per core takes batches of candidates from a
//! queue and signs their tokens. A token names neither the household nor the budget line, so
//! signing need not wait for funding to be decided.

use super::{IssueError, SIGNED_BATCHES_AHEAD};
use crate::domain::Invalid;
use crate::domain::budget::Candidate;
use crate::domain::ids::VoucherId;
use crate::domain::voucher::ClaimTemplate;
use crate::signing::Signer;
use relasi_token::DeploymentId;
use std::sync::{Arc, Mutex, mpsc};
use tokio::task::JoinSet;

/// An eligible household and its voucher id, waiting for its signature.
#[derive(Clone)]
pub(super) struct ToSign {
    pub candidate: Candidate,
    pub id: VoucherId,
}

/// A signed voucher, not yet given its budget line.
pub(super) struct Signed {
    pub candidate: Candidate,
    pub id: VoucherId,
    pub token: String,
}

/// The queue the signers read, what they hand on, and the threads themselves.
pub(super) type Signers = (
    mpsc::Sender<Vec<ToSign>>,
    tokio::sync::mpsc::Receiver<Vec<Signed>>,
    JoinSet<Result<(), Invalid>>,
);

/// Starts the signing threads. They stop when the work queue is closed and drained, or when
/// nobody takes their signed batches any more.
pub(super) fn spawn(
    signer: Arc<Signer>,
    deployment: DeploymentId,
    template: ClaimTemplate,
) -> Signers {
    let (work_tx, work_rx) = mpsc::channel::<Vec<ToSign>>();
    let work_rx = Arc::new(Mutex::new(work_rx));
    let (signed_tx, signed_rx) = tokio::sync::mpsc::channel::<Vec<Signed>>(SIGNED_BATCHES_AHEAD);
    let mut threads = JoinSet::new();
    for _ in 0..signing_threads() {
        let (work_rx, signed_tx) = (Arc::clone(&work_rx), signed_tx.clone());
        let (signer, deployment) = (Arc::clone(&signer), deployment.clone());
        threads.spawn_blocking(move || {
            loop {
                let next = match work_rx.lock() {
                    Ok(rx) => rx.recv(),
                    Err(_) => return Ok(()),
                };
                let Ok(batch) = next else {
                    return Ok(()); // every candidate handed out
                };
                let signed = sign_batch(batch, &signer, &deployment, &template)?;
                if signed_tx.blocking_send(signed).is_err() {
                    return Ok(()); // storing stopped
                }
            }
        });
    }
    (work_tx, signed_rx, threads)
}

/// Waits for the signing threads. One that panicked signed fewer batches: fail rather than
/// report a short run.
pub(super) async fn join(mut threads: JoinSet<Result<(), Invalid>>) -> Result<(), IssueError> {
    while let Some(done) = threads.join_next().await {
        done.map_err(|_| IssueError::Signing)??;
    }
    Ok(())
}

/// Signs one batch on the calling thread (a blocking-pool thread).
fn sign_batch(
    batch: Vec<ToSign>,
    signer: &Signer,
    deployment: &DeploymentId,
    template: &ClaimTemplate,
) -> Result<Vec<Signed>, Invalid> {
    batch
        .into_iter()
        .map(|s| {
            let claims = template.claims(s.id, s.candidate.value)?;
            Ok(Signed {
                token: claims.sign(deployment, &signer.key).to_text(),
                candidate: s.candidate,
                id: s.id,
            })
        })
        .collect()
}

/// Threads that sign during issuance: one per core.
pub fn signing_threads() -> usize {
    std::thread::available_parallelism().map_or(2, std::num::NonZero::get)
}
