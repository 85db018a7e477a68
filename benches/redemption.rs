//! The redemption harness (not a test): the real `relasi serve` binary, in its own process, on
//! PostgreSQL or SQLite, driven over loopback by a load generator in this process. In one run it
//! prints, beside the machine and the exact command: the yardstick `pgbench` TPC-B (scale 50,
//! 32 clients, `-M prepared`) on the same PostgreSQL; closed-loop redemptions/s with p50/p99 at
//! 1, 8, 32 and 128 clients; p99 at half the 32-client peak with a fixed arrival rate (open
//! loop, latency counted from each sale's scheduled time); the server's CPU per sale and its
//! resident memory (peak, and every few seconds of a sustained run).
//!
//! Run: `cargo bench --bench redemption` (SQLite), or with
//! `RELASI_BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/DB` (a throw-away database).
//! `RELASI_BENCH_SECS` (default 8) sets each step's length; `RELASI_BENCH_SUSTAIN_SECS` (default
//! 0) adds a sustained run at 64 clients sampling the server's RSS. `RELASI_SALE_BATCH=1` turns
//! group commit off in the server, for comparison.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)] // a bench, not a service

mod common;

use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

const VOUCHERS: usize = 3000;
const CLOSED_LOOP_CLIENTS: [usize; 4] = [1, 8, 32, 128];
const YARDSTICK_CLIENTS: usize = 32;

fn secs(var: &str, default: u64) -> Duration {
    Duration::from_secs(
        std::env::var(var)
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(default),
    )
}

/// The server binary in its own process, killed when this ends.
struct Server {
    child: Child,
    base: String,
}

impl Server {
    fn start(db_url: &str, keys: &std::path::Path) -> Server {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new(env!("CARGO_BIN_EXE_relasi"))
            .args(["serve"])
            .env("DATABASE_URL", db_url)
            .env("RELASI_BIND", format!("127.0.0.1:{port}"))
            .env("RELASI_KEY_DIR", keys)
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .spawn()
            .expect("the relasi binary");
        Server {
            child,
            base: format!("http://127.0.0.1:{port}"),
        }
    }

    /// utime + stime of the server process, in microseconds.
    fn cpu_us(&self) -> u64 {
        process_cpu_us(self.child.id())
    }

    /// (current RSS, peak RSS) in MiB.
    fn rss_mib(&self) -> (f64, f64) {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .unwrap_or_default();
        let kib = |key: &str| {
            status
                .lines()
                .find(|l| l.starts_with(key))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
                .unwrap_or(0.0)
        };
        (kib("VmRSS:") / 1024.0, kib("VmHWM:") / 1024.0)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// utime + stime of process `pid`, in microseconds. After the name come state, ppid, …
/// (proc(5) fields 3 onwards); utime and stime are fields 14 and 15. tty_nr and tpgid may be
/// -1, so fields are counted, not parsed.
fn process_cpu_us(pid: u32) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let after_name = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    let field = |n: usize| fields.get(n - 3).and_then(|f| f.parse::<u64>().ok());
    let ticks = field(14).unwrap_or(0) + field(15).unwrap_or(0);
    ticks * 1_000_000 / clock_ticks()
}

/// CPU of the PostgreSQL backends serving database `name` (a backend's title names its
/// database), in microseconds; 0 when there are none (SQLite). The server's pooled
/// connections live through a step, so nothing is lost between two readings.
fn pg_backends_cpu_us(name: Option<&str>) -> u64 {
    let Some(name) = name else { return 0 };
    let needle = format!(" {name} ");
    std::fs::read_dir("/proc")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| {
            let cmd = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
            let cmd = String::from_utf8_lossy(&cmd);
            cmd.starts_with("postgres: ") && cmd.contains(&needle)
        })
        .map(process_cpu_us)
        .sum()
}

fn clock_ticks() -> u64 {
    Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8_lossy(&o.stdout).trim().parse().ok())
        .unwrap_or(100)
}

/// What a step measured.
#[derive(Default)]
struct Step {
    ok: u64,
    other: u64,
    latencies: Vec<Duration>,
    elapsed: f64,
    cpu_us: u64,
    db_cpu_us: u64,
}

impl Step {
    fn rate(&self) -> f64 {
        self.ok as f64 / self.elapsed
    }

    fn pct_ms(&mut self, p: f64) -> f64 {
        self.latencies.sort();
        let n = self.latencies.len();
        if n == 0 {
            return f64::NAN;
        }
        self.latencies[((n as f64 * p) as usize).min(n - 1)].as_secs_f64() * 1000.0
    }

    fn cpu_per_sale_us(&self) -> f64 {
        self.cpu_us as f64 / self.ok.max(1) as f64
    }

    fn db_cpu_per_sale_us(&self) -> f64 {
        self.db_cpu_us as f64 / self.ok.max(1) as f64
    }
}

struct Load {
    http: reqwest::Client,
    url: String,
    shop: String,
    tokens: Arc<Vec<String>>,
    next_key: Arc<AtomicU64>,
}

impl Load {
    /// One fresh Rp 100 sale on a voucher picked by `n`; its status.
    async fn sale(&self, n: u64) -> u16 {
        let token = &self.tokens[(n as usize * 104_729) % self.tokens.len()];
        let body = serde_json::json!({ "token": token, "amount": "100", "items": [{ "category": "susu", "amount": "100" }] });
        let key = format!("bench-{}", self.next_key.fetch_add(1, Ordering::Relaxed));
        match self
            .http
            .post(&self.url)
            .bearer_auth(&self.shop)
            .header("idempotency-key", key)
            .json(&body)
            .send()
            .await
        {
            Ok(res) => {
                let status = res.status().as_u16();
                let _ = res.bytes().await;
                status
            }
            Err(_) => 0,
        }
    }

    /// `clients` each selling back to back for `run` (after a 2 s warm-up).
    async fn closed_loop(
        self: &Arc<Self>,
        server: &Server,
        pg_db: Option<&str>,
        clients: usize,
        run: Duration,
    ) -> Step {
        let measuring = Arc::new(AtomicBool::new(false));
        let stop = Arc::new(AtomicBool::new(false));
        let tasks: Vec<_> = (0..clients)
            .map(|c| {
                let (load, measuring, stop) =
                    (Arc::clone(self), Arc::clone(&measuring), Arc::clone(&stop));
                tokio::spawn(async move {
                    let mut step = Step::default();
                    let mut i = c as u64 * 7919;
                    while !stop.load(Ordering::Relaxed) {
                        let started = Instant::now();
                        let status = load.sale(i).await;
                        if measuring.load(Ordering::Relaxed) {
                            step.latencies.push(started.elapsed());
                            if status == 201 {
                                step.ok += 1
                            } else {
                                step.other += 1
                            }
                        }
                        i += 1;
                    }
                    step
                })
            })
            .collect();
        tokio::time::sleep(Duration::from_secs(2)).await;
        let cpu_before = server.cpu_us();
        let db_cpu_before = pg_backends_cpu_us(pg_db);
        measuring.store(true, Ordering::Relaxed);
        let started = Instant::now();
        tokio::time::sleep(run).await;
        measuring.store(false, Ordering::Relaxed);
        let elapsed = started.elapsed().as_secs_f64();
        let cpu_us = server.cpu_us().saturating_sub(cpu_before);
        let db_cpu_us = pg_backends_cpu_us(pg_db).saturating_sub(db_cpu_before);
        stop.store(true, Ordering::Relaxed);
        let mut total = Step {
            elapsed,
            cpu_us,
            db_cpu_us,
            ..Step::default()
        };
        for t in tasks {
            let s = t.await.unwrap();
            total.ok += s.ok;
            total.other += s.other;
            total.latencies.extend(s.latencies);
        }
        total
    }

    /// Sales started at a fixed `rate` per second for `run`, whatever the answers' pace; each
    /// latency counts from the moment its sale was due (so a stall is not hidden).
    async fn open_loop(self: &Arc<Self>, rate: f64, run: Duration) -> Step {
        let interval = Duration::from_secs_f64(1.0 / rate.max(1.0));
        let started = Instant::now();
        let mut tasks = Vec::new();
        let mut n = 0u64;
        while started.elapsed() < run {
            let due = started + interval * u32::try_from(n).unwrap_or(u32::MAX);
            tokio::time::sleep_until(due.into()).await;
            let load = Arc::clone(self);
            tasks.push(tokio::spawn(
                async move { (load.sale(n).await, due.elapsed()) },
            ));
            n += 1;
        }
        let mut step = Step {
            elapsed: started.elapsed().as_secs_f64(),
            ..Step::default()
        };
        for t in tasks {
            let (status, latency) = t.await.unwrap();
            step.latencies.push(latency);
            if status == 201 {
                step.ok += 1
            } else {
                step.other += 1
            }
        }
        step
    }
}

/// `pgbench` TPC-B, scale 50, 32 clients, prepared statements, on a scratch database of the
/// same server: its tps.
fn pgbench_tpcb(pg_base: &str, run: Duration) -> Option<f64> {
    let scratch = format!("relasi_tpcb_{}", std::process::id());
    let admin = pg_base
        .rsplit_once('/')
        .map(|(server, _)| format!("{server}/postgres"))?;
    let target = pg_base
        .rsplit_once('/')
        .map(|(server, _)| format!("{server}/{scratch}"))?;
    let psql = |sql: &str| {
        Command::new("psql")
            .args([admin.as_str(), "-q", "-c", sql])
            .output()
            .ok()
    };
    psql(&format!("create database {scratch}"))?;
    let init = Command::new("pgbench")
        .args(["-i", "-q", "-s", "50", &target])
        .output()
        .ok()?;
    let out = init.status.success().then(|| {
        Command::new("pgbench")
            .args([
                "-c",
                &YARDSTICK_CLIENTS.to_string(),
                "-j",
                "2",
                "-M",
                "prepared",
                "-T",
                &run.as_secs().to_string(),
                &target,
            ])
            .output()
            .ok()
    });
    psql(&format!("drop database if exists {scratch} with (force)"));
    let text = String::from_utf8_lossy(&out??.stdout).into_owned();
    let line = text.lines().find(|l| l.starts_with("tps"))?;
    line.split('=')
        .nth(1)?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpu
        .lines()
        .find(|l| l.starts_with("model name"))
        .and_then(|l| l.split(':').nth(1))
        .unwrap_or("?")
        .trim()
        .to_owned();
    let cores = std::thread::available_parallelism().map_or(0, std::num::NonZero::get);
    let mem = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
    let mem_gib = mem
        .lines()
        .next()
        .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        .unwrap_or(0.0)
        / 1024.0
        / 1024.0;
    format!("{cores} cores ({model}), {mem_gib:.0} GiB")
}

#[tokio::main]
async fn main() {
    let run = secs("RELASI_BENCH_SECS", 8);
    let db = common::bench_db().await;
    let store = db.store().await;
    let seeded = common::sales::seed(&store, VOUCHERS).await;
    drop(store);
    let server = Server::start(&db.url, seeded.keys.path());
    let _ = rustls::crypto::ring::default_provider().install_default();
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(256)
        .build()
        .unwrap();
    for _ in 0..100 {
        if http
            .get(format!("{}/healthz", server.base))
            .send()
            .await
            .is_ok()
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let load = Arc::new(Load {
        http,
        url: format!("{}/v1/redemptions", server.base),
        shop: seeded.shop_token.clone(),
        tokens: Arc::new(seeded.tokens.clone()),
        next_key: Arc::new(AtomicU64::new(0)),
    });
    println!("## redemption harness — {}", db.backend.name());
    println!("machine: {}", machine());
    println!(
        "command: RELASI_BENCH_DATABASE_URL={} RELASI_SALE_BATCH={} cargo bench --bench redemption",
        if db.pg_base.is_some() {
            "postgres://…"
        } else {
            "(unset: SQLite)"
        },
        std::env::var("RELASI_SALE_BATCH").unwrap_or_else(|_| "64 (default)".into())
    );
    println!(
        "{VOUCHERS} vouchers, Rp 100 sales, one shop, {}-second steps, server in its own process\n",
        run.as_secs()
    );
    // PostgreSQL's backends for this database name it in their titles.
    let pg_db = db.pg_base.is_some().then(|| {
        db.url
            .rsplit('/')
            .next()
            .unwrap_or("")
            .split('?')
            .next()
            .unwrap_or("")
    });
    println!(
        "| clients | redemptions/s | p50 ms | p99 ms | server CPU µs/sale | PostgreSQL CPU µs/sale | not 201 |"
    );
    println!("|---|---|---|---|---|---|---|");
    let mut peak_32 = 0.0;
    for clients in CLOSED_LOOP_CLIENTS {
        let mut step = load.closed_loop(&server, pg_db, clients, run).await;
        if clients == 32 {
            peak_32 = step.rate()
        }
        println!(
            "| {clients} | {:.0} | {:.1} | {:.1} | {:.0} | {} | {} |",
            step.rate(),
            step.pct_ms(0.5),
            step.pct_ms(0.99),
            step.cpu_per_sale_us(),
            if pg_db.is_some() {
                format!("{:.0}", step.db_cpu_per_sale_us())
            } else {
                "–".to_owned()
            },
            step.other
        );
    }
    let mut open = load.open_loop(peak_32 / 2.0, run).await;
    println!(
        "\nopen loop at half the 32-client peak ({:.0}/s): p50 {:.1} ms, p99 {:.1} ms, {} not 201",
        peak_32 / 2.0,
        open.pct_ms(0.5),
        open.pct_ms(0.99),
        open.other
    );
    let sustain = secs("RELASI_BENCH_SUSTAIN_SECS", 0);
    if !sustain.is_zero() {
        let mut samples = Vec::new();
        let sampler = {
            let pid = server.child.id();
            tokio::spawn(async move {
                let mut out = Vec::new();
                loop {
                    tokio::time::sleep(Duration::from_secs(10)).await;
                    let status =
                        std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
                    let rss = status
                        .lines()
                        .find(|l| l.starts_with("VmRSS:"))
                        .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
                        .unwrap_or(0.0);
                    out.push(rss / 1024.0);
                    if out.len() as u64 * 10 >= sustain.as_secs() {
                        return out;
                    }
                }
            })
        };
        let step = load.closed_loop(&server, pg_db, 64, sustain).await;
        samples.extend(sampler.await.unwrap());
        let list: Vec<String> = samples.iter().map(|m| format!("{m:.0}")).collect();
        println!(
            "sustained 64 clients for {} s: {:.0} sales/s; RSS every 10 s (MiB): {}",
            sustain.as_secs(),
            step.rate(),
            list.join(" → ")
        );
    }
    let (rss, peak) = server.rss_mib();
    println!("server RSS now {rss:.0} MiB, peak {peak:.0} MiB");
    drop(server);
    let pg_base = db
        .pg_base
        .clone()
        .or_else(|| std::env::var("RELASI_BENCH_PGBENCH_URL").ok());
    match pg_base.as_deref().and_then(|base| pgbench_tpcb(base, run)) {
        Some(tps) => {
            println!(
                "pgbench TPC-B (scale 50, {YARDSTICK_CLIENTS} clients, -M prepared): {tps:.0} tps"
            );
            println!(
                "**ratio: redemptions/s at 32 clients ÷ pgbench = {:.2}**",
                peak_32 / tps
            );
        }
        None => println!(
            "pgbench: not run (set RELASI_BENCH_PGBENCH_URL=postgres://…/DB for the yardstick on SQLite runs)"
        ),
    }
}
