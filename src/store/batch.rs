//! Group commit for sales: concurrent sales are gathered (up to `max_sales`, waiting at most
//! `max_wait` while the previous batch showed load) and decided one after another inside one
//! transaction, so many sales share one commit (one fsync on SQLite, one WAL flush and fewer
//! round trips on PostgreSQL). Each sale runs exactly the statements it runs alone — key claim,
//! the one conditional debit, the chained journal row, its basket, its stored answer — so
//! replays, stored declines and per-voucher chaining are unchanged, and two sales on one voucher
//! in one batch are decided in the order they arrived. Nobody is answered before the commit. If
//! any statement of a batch fails, the whole batch rolls back (nothing of it was written) and
//! each of its sales is decided alone, with the usual retries.

use super::redemptions::{AnswerFn, Debit, Step};
use super::{Answer, Backend, Store, StoreResult};
use crate::domain::ids::{MerchantId, VoucherId};
use crate::domain::money::Rupiah;
use crate::domain::programme::Category;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use tokio::sync::{Mutex, mpsc, oneshot};

/// How sales are gathered into shared transactions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BatchSettings {
    /// Most sales in one transaction; 1 turns batching off.
    pub max_sales: usize,
    /// Longest a worker waits for more sales once it holds one (only while under load).
    pub max_wait: Duration,
    /// Batches in flight at once on PostgreSQL (SQLite has one writer, so one).
    pub workers: usize,
}

impl BatchSettings {
    /// Most sales in one transaction by default.
    pub const DEFAULT_MAX_SALES: usize = 64;
    /// Default wait for more sales, in microseconds.
    pub const DEFAULT_MAX_WAIT_US: u64 = 1_000;
    /// Batches in flight at once on PostgreSQL by default.
    pub const DEFAULT_WORKERS: usize = 4;

    /// One transaction per sale.
    pub fn off() -> BatchSettings {
        BatchSettings {
            max_sales: 1,
            ..BatchSettings::default()
        }
    }
}

impl Default for BatchSettings {
    fn default() -> Self {
        BatchSettings {
            max_sales: Self::DEFAULT_MAX_SALES,
            max_wait: Duration::from_micros(Self::DEFAULT_MAX_WAIT_US),
            workers: Self::DEFAULT_WORKERS,
        }
    }
}

/// A sale to debit, owning what it refers to (it crosses to a batch worker).
#[derive(Debug)]
pub struct SaleDebit {
    /// Shop.
    pub merchant: MerchantId,
    /// The shop's Idempotency-Key.
    pub idempotency_key: String,
    /// SHA-256 (hex) of the canonical request.
    pub request_sha256: String,
    /// Voucher.
    pub voucher: VoucherId,
    /// Amount.
    pub amount: Rupiah,
    /// Basket lines (already checked against the programme and the shop).
    pub items: Vec<(Category, Rupiah)>,
    /// Now, Unix seconds (validity).
    pub now_unix: i64,
    /// Now in microseconds (journal time).
    pub now_us: i64,
}

impl SaleDebit {
    /// The borrowed form the store's statements take.
    pub fn view(&self) -> Debit<'_> {
        Debit {
            merchant: self.merchant,
            idempotency_key: &self.idempotency_key,
            request_sha256: &self.request_sha256,
            voucher: self.voucher,
            amount: self.amount,
            items: &self.items,
            now_unix: self.now_unix,
            now_us: self.now_us,
        }
    }
}

struct Job {
    sale: SaleDebit,
    answer: Box<AnswerFn>,
    reply: oneshot::Sender<StoreResult<Answer>>,
}

/// The sending side of the batch workers' queue, and what they have done.
#[derive(Debug)]
pub(super) struct Batcher {
    jobs: mpsc::Sender<Job>,
    stats: Arc<Counters>,
}

/// Counted by the workers (for metrics and tests).
#[derive(Debug, Default)]
struct Counters {
    committed_batches: AtomicU64,
    committed_sales: AtomicU64,
    largest: AtomicU64,
    rolled_back_batches: AtomicU64,
}

/// What the sale batch workers have done since the server started.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct BatchStats {
    /// Batches committed.
    pub committed_batches: u64,
    /// Sales in them.
    pub committed_sales: u64,
    /// Most sales committed in one batch.
    pub largest: u64,
    /// Batches rolled back whose sales were then decided alone.
    pub rolled_back_batches: u64,
    /// Sales waiting for a worker now.
    pub queued: u64,
}

impl std::fmt::Debug for Job {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Job")
            .field("sale", &self.sale)
            .finish_non_exhaustive()
    }
}

type Queue = Arc<Mutex<mpsc::Receiver<Job>>>;

impl Store {
    /// This store with sales gathered into shared transactions by background workers. Without a
    /// Tokio runtime, or with `max_sales` 1, sales stay one transaction each.
    pub fn with_sale_batching(self, settings: BatchSettings) -> Store {
        if settings.max_sales <= 1 || tokio::runtime::Handle::try_current().is_err() {
            return self;
        }
        let (jobs, queue) = mpsc::channel(settings.max_sales * 16);
        let queue: Queue = Arc::new(Mutex::new(queue));
        let workers = match self.backend() {
            Backend::Sqlite => 1,
            Backend::Postgres => settings.workers.max(1),
        };
        let plain = self.without_batching();
        let stats = Arc::new(Counters::default());
        for _ in 0..workers {
            let worker = Worker {
                store: plain.clone(),
                queue: Arc::clone(&queue),
                stats: Arc::clone(&stats),
                settings,
            };
            tokio::spawn(worker.work());
        }
        self.batched(Batcher { jobs, stats })
    }

    /// What the sale batch workers have done, when batching is on.
    pub fn sale_batch_stats(&self) -> Option<BatchStats> {
        let b = self.batcher()?;
        let c = &b.stats;
        let queued = b.jobs.max_capacity() - b.jobs.capacity();
        Some(BatchStats {
            committed_batches: c.committed_batches.load(Ordering::Relaxed),
            committed_sales: c.committed_sales.load(Ordering::Relaxed),
            largest: c.largest.load(Ordering::Relaxed),
            rolled_back_batches: c.rolled_back_batches.load(Ordering::Relaxed),
            queued: u64::try_from(queued).unwrap_or(u64::MAX),
        })
    }

    /// Debits a sale exactly once per (shop, idempotency key), in a shared transaction when
    /// batching is on; `answer` builds the stored response from the result (inside the
    /// transaction; it may run again if the sale is retried alone).
    pub async fn debit_sale(&self, sale: SaleDebit, answer: Box<AnswerFn>) -> StoreResult<Answer> {
        let Some(batcher) = self.batcher() else {
            return self.debit(&sale.view(), &*answer).await;
        };
        let (reply, answered) = oneshot::channel();
        let job = Job {
            sale,
            answer,
            reply,
        };
        match batcher.jobs.send(job).await {
            // A worker that stopped without answering: whether the sale committed is unknown
            // here, so the shop gets 503 and its retry under the same key learns the answer.
            Ok(()) => answered
                .await
                .unwrap_or(Err(super::StoreError::Busy(sqlx::Error::WorkerCrashed))),
            // The workers are gone (the runtime is shutting down): decide it here.
            Err(mpsc::error::SendError(job)) => self.debit(&job.sale.view(), &*job.answer).await,
        }
    }
}

struct Worker {
    store: Store,
    queue: Queue,
    stats: Arc<Counters>,
    settings: BatchSettings,
}

impl Worker {
    async fn work(self) {
        let mut under_load = false;
        while let Some(batch) = self.gather(under_load).await {
            under_load = batch.len() > 1;
            self.run(batch).await;
        }
    }

    /// The next batch: what is queued now, and (under load) what arrives within `max_wait`.
    async fn gather(&self, under_load: bool) -> Option<Vec<Job>> {
        let mut jobs = self.queue.lock().await;
        let first = jobs.recv().await?;
        let mut batch = vec![first];
        let deadline = tokio::time::Instant::now() + self.settings.max_wait;
        while batch.len() < self.settings.max_sales {
            if let Ok(job) = jobs.try_recv() {
                batch.push(job);
                continue;
            }
            if !under_load {
                break;
            }
            match tokio::time::timeout_at(deadline, jobs.recv()).await {
                Ok(Some(job)) => batch.push(job),
                _ => break,
            }
        }
        Some(batch)
    }

    async fn run(&self, mut batch: Vec<Job>) {
        if batch.len() == 1
            && let Some(job) = batch.pop()
        {
            let answer = self.store.debit(&job.sale.view(), &*job.answer).await;
            let _ = job.reply.send(answer);
            return;
        }
        // Vouchers are locked in id order, so two batches in flight never wait on each other in
        // a cycle; the sort is stable, so one voucher's sales keep the order they arrived in.
        batch.sort_by_key(|job| job.sale.voucher);
        let size = batch.len() as u64;
        let decided = {
            let sales: Vec<(Debit<'_>, &AnswerFn)> = batch
                .iter()
                .map(|job| (job.sale.view(), &*job.answer))
                .collect();
            self.store.debit_batch(&sales).await
        };
        let store = &self.store;
        match decided {
            Ok(steps) => {
                self.stats.committed_batches.fetch_add(1, Ordering::Relaxed);
                self.stats
                    .committed_sales
                    .fetch_add(size, Ordering::Relaxed);
                self.stats.largest.fetch_max(size, Ordering::Relaxed);
                for (job, step) in batch.into_iter().zip(steps) {
                    let answer = store.settle(&job.sale.view(), step).await;
                    let _ = job.reply.send(answer);
                }
            }
            Err(e) => {
                self.stats
                    .rolled_back_batches
                    .fetch_add(1, Ordering::Relaxed);
                tracing::debug!(error = %e, size, "sale batch rolled back; each sale is decided alone");
                for job in batch {
                    let answer = store.debit(&job.sale.view(), &*job.answer).await;
                    let _ = job.reply.send(answer);
                }
            }
        }
    }
}

/// What [`Store::debit_batch`] decided for each sale, in order.
pub(super) type Steps = Vec<Step>;
