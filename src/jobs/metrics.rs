//! What the long jobs report to Prometheus: one duration histogram and one run counter per job
//! (`relasi_job_duration_seconds{job, outcome}`, `relasi_job_runs_total{job, outcome}`), so
//! issuance, reconciliation and the rest read alike on a dashboard.

use std::time::Instant;

/// Records one run of `job` that started at `started`: `ok` or `failed`.
pub fn record_run(job: &'static str, started: Instant, ok: bool) {
    let outcome = if ok { "ok" } else { "failed" };
    metrics::histogram!("relasi_job_duration_seconds", "job" => job, "outcome" => outcome)
        .record(started.elapsed().as_secs_f64());
    metrics::counter!("relasi_job_runs_total", "job" => job, "outcome" => outcome).increment(1);
}
