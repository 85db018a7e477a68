//! The HTTP API: one router per resource, assembled by [`app`], plus the layers every request
//! passes through (tracing, metrics, limits, timeouts, problem+json for every error).

use relasi_codes::Code;
mod accounts;
mod audit;
mod balance;
pub use balance::{BalanceLimit, RateLimit};
mod budgets;
pub mod client_addr;
mod cycles;
pub mod disclosure;
pub mod error;
pub mod extract;
mod health;

mod keys;
mod merchants;
mod offline;
pub mod openapi;
mod openapi_finance;
mod openapi_schemas;
mod programmes;
mod reconciliations;
mod redemptions;
mod registry;
pub mod request_id;
mod sales;
mod scan;
mod settlements;
mod tokens;
mod vouchers;
mod wilayah;

use crate::store::Store;
use axum::Router;
use axum::extract::{DefaultBodyLimit, MatchedPath, Request};
use axum::http::{StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::Response;
use error::{PROBLEM_JSON, problem_response};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use relasi_token::DeploymentId;
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

/// Server limits, loaded once and passed in (never global).
#[derive(Clone, Debug)]
pub struct Config {
    /// Largest request body, in bytes (registry imports are the largest bodies).
    pub body_limit_bytes: usize,
    /// Largest registry CSV upload, in bytes.
    pub import_limit_bytes: usize,
    /// Longest a request may take before it is answered 503 `timeout`.
    pub request_timeout: Duration,
    /// Where the voucher signing keys live.
    pub key_dir: PathBuf,
    /// Rate limit of the public balance check, per client address.
    pub balance_limit: balance::BalanceLimit,
    /// How long published keys are cached before they are read again (a revocation takes
    /// effect on every instance within this time).
    pub key_cache_ms: u64,
    /// How often the server signs a checkpoint over new journal rows (0: never; `relasi audit
    /// checkpoint` still does on demand).
    pub checkpoint_interval_secs: u64,
    /// How concurrent sales share transactions (group commit).
    pub sale_batch: crate::store::BatchSettings,
    /// The address phones reach this server at (`https://host`), when set: card QRs then hold
    /// the link a family's camera app opens (`HTTPS://HOST/V/RLS1:…`).
    pub public_url: Option<String>,
    /// Sign-in rules: lock-out after failures, session lifetime.
    pub login: crate::usecases::accounts::LoginPolicy,
    /// Rate limit of sign-in attempts (`POST /v1/login`, `POST /masuk`), per client address.
    pub login_limit: balance::BalanceLimit,
    /// Reverse proxies whose `X-Forwarded-For` names the client for the rate limits (none by
    /// default: the connecting address is the client).
    pub trusted_proxies: client_addr::TrustedProxies,
    /// Most data rows of one registry CSV.
    pub import_max_rows: usize,
    /// Vouchers per page of `GET /v1/vouchers` (its `page_size`).
    pub page_size: i64,
    /// How long a token text and an `Idempotency-Key` may be.
    pub input_limits: crate::usecases::InputLimits,
}

impl Config {
    /// Largest JSON body by default: 1 MiB.
    pub const DEFAULT_BODY_LIMIT_BYTES: usize = 1024 * 1024;
    /// Largest registry upload by default: 64 MiB.
    pub const DEFAULT_IMPORT_LIMIT_BYTES: usize = 64 * 1024 * 1024;
    /// Request timeout by default.
    pub const DEFAULT_REQUEST_TIMEOUT_SECS: u64 = 30;
    /// How long published keys are cached by default.
    pub const DEFAULT_KEY_CACHE_MS: u64 = 10_000;
    /// Seconds between signed journal checkpoints by default.
    pub const DEFAULT_CHECKPOINT_INTERVAL_SECS: u64 = 300;
    /// Vouchers per page by default.
    pub const DEFAULT_PAGE_SIZE: i64 = 100;
    /// The largest page anyone may set.
    pub const MAX_PAGE_SIZE: i64 = 10_000;
}

impl Default for Config {
    fn default() -> Self {
        Config {
            body_limit_bytes: Config::DEFAULT_BODY_LIMIT_BYTES,
            import_limit_bytes: Config::DEFAULT_IMPORT_LIMIT_BYTES,
            request_timeout: Duration::from_secs(Config::DEFAULT_REQUEST_TIMEOUT_SECS),
            key_dir: PathBuf::from(crate::signing::DEFAULT_KEY_DIR),
            balance_limit: balance::BalanceLimit::default(),
            key_cache_ms: Config::DEFAULT_KEY_CACHE_MS,
            checkpoint_interval_secs: Config::DEFAULT_CHECKPOINT_INTERVAL_SECS,
            sale_batch: crate::store::BatchSettings::default(),
            public_url: None,
            login: crate::usecases::accounts::LoginPolicy::default(),
            login_limit: balance::BalanceLimit::login_default(),
            trusted_proxies: client_addr::TrustedProxies::default(),
            import_max_rows: crate::domain::registry::MAX_ROWS,
            page_size: Config::DEFAULT_PAGE_SIZE,
            input_limits: crate::usecases::InputLimits::default(),
        }
    }
}

/// Everything a handler needs. Cheap to clone.
#[derive(Clone, Debug)]
pub struct AppState {
    /// The database.
    pub store: Store,
    /// Limits.
    pub config: Arc<Config>,
    /// This deployment's id (signed into every voucher).
    pub deployment: DeploymentId,
    /// Published keys and the receipt signer.
    pub keys: crate::keyring::KeyRing,
    metrics: PrometheusHandle,
}

impl AppState {
    /// State over a store, with this deployment's id.
    pub fn new(store: Store, config: Config, deployment: DeploymentId) -> AppState {
        let store = store.with_sale_batching(config.sale_batch);
        let keys = crate::keyring::KeyRing::new(
            store.clone(),
            config.key_dir.clone(),
            Duration::from_millis(config.key_cache_ms),
        );
        AppState {
            store,
            config: Arc::new(config),
            deployment,
            keys,
            metrics: metrics_handle(),
        }
    }
}

impl AppState {
    /// What the money use cases need, borrowed from the state.
    pub fn ledger(&self) -> crate::usecases::Ledger<'_> {
        crate::usecases::Ledger {
            store: &self.store,
            keys: &self.keys,
            deployment: &self.deployment,
            limits: self.config.input_limits,
        }
    }
}

/// Histogram buckets, in seconds: a sale takes milliseconds; issuance and reconciliation take
/// seconds to minutes.
const LATENCY_BUCKETS_SECS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0,
    300.0, 900.0,
];

/// The metrics facade has one recorder per process; every app in the process renders it.
fn metrics_handle() -> PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            // Histograms (not summaries), so latencies aggregate across instances.
            let builder = PrometheusBuilder::new()
                .set_buckets(LATENCY_BUCKETS_SECS)
                .unwrap_or_else(|_| PrometheusBuilder::new());
            match builder.install_recorder() {
                Ok(handle) => handle,
                // Another recorder is installed (embedding application): keep a private one.
                Err(_) => PrometheusBuilder::new().build_recorder().handle(),
            }
        })
        .clone()
}

/// The whole router with its layers. Tests drive this directly; `serve` binds it.
pub fn app(state: AppState) -> Router {
    let limit = state.config.body_limit_bytes;
    let import_limit = state.config.import_limit_bytes;
    let timeout = state.config.request_timeout;
    let proxies = &state.config.trusted_proxies;
    // Sign-in by API and by page share one budget per client address.
    let sign_in_limit = balance::RateLimit::new(state.config.login_limit, proxies);
    let balance_limit = balance::RateLimit::new(state.config.balance_limit, proxies);
    Router::new()
        .merge(registry::router(import_limit))
        .merge(health::router())
        .merge(accounts::router(&sign_in_limit))
        .merge(tokens::router())
        .merge(audit::router())
        .merge(keys::router())
        .merge(merchants::router())
        .merge(wilayah::router())
        .merge(programmes::router())
        .merge(budgets::router())
        .merge(cycles::router())
        .merge(vouchers::router())
        .merge(reconciliations::router())
        .merge(redemptions::router())
        .merge(sales::router())
        .merge(settlements::router())
        .merge(scan::router())
        .merge(offline::router())
        .merge(openapi::router())
        .merge(balance::router(&balance_limit))
        .merge(crate::web::router(&sign_in_limit))
        .merge(crate::web::toko::router())
        .merge(crate::web::saldo::router())
        .merge(crate::web::beranda::router())
        .merge(crate::web::kader::router())
        .merge(crate::web::admin::router())
        .merge(crate::web::keuangan::router())
        .merge(crate::web::mitra::router())
        .merge(crate::web::kunci::router())
        .merge(crate::web::akun::router())
        .merge(crate::web::lokus::router())
        .merge(crate::web::anggaran::router())
        .fallback(|| async { error::ApiError::new(Code::NotFound) })
        .with_state(state)
        // The import route sets its own, larger DefaultBodyLimit; the outer layer only stops
        // bodies larger than any route accepts before they are read.
        .layer(DefaultBodyLimit::max(limit))
        .layer(RequestBodyLimitLayer::new(limit.max(import_limit)))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::SERVICE_UNAVAILABLE,
            timeout,
        ))
        .layer(CatchPanicLayer::new())
        .layer(middleware::from_fn(problem_for_every_error))
        .layer(middleware::from_fn(record_metrics))
        .layer(TraceLayer::new_for_http().make_span_with(|req: &Request| {
            // The matched route, never the raw URI: paths and queries stay out of the logs.
            let route = req
                .extensions()
                .get::<MatchedPath>()
                .map_or("unmatched", MatchedPath::as_str);
            let id = req
                .extensions()
                .get::<request_id::RequestId>()
                .map_or("", |r| r.0.as_str());
            tracing::info_span!("request", method = %req.method(), route, request_id = id)
        }))
        .layer(middleware::from_fn(request_id::request_id))
}

/// Turns any error answer that is not problem+json yet (405 from the router, 413 from the
/// body limit, 503 from the timeout, 500 from a caught panic) into one.
async fn problem_for_every_error(req: Request, next: Next) -> Response {
    let response = next.run(req).await;
    let status = response.status();
    let content_type = response.headers().get(header::CONTENT_TYPE);
    let is_problem =
        content_type.is_some_and(|v| v.as_bytes().starts_with(PROBLEM_JSON.as_bytes()));
    // Pages answer their own errors in HTML (a sign-in form that said no, a page not found).
    let is_page = content_type.is_some_and(|v| v.as_bytes().starts_with(b"text/html"));
    if status.as_u16() < 400 || is_problem || is_page {
        return response;
    }
    let code = match status {
        StatusCode::NOT_FOUND => Code::NotFound,
        StatusCode::METHOD_NOT_ALLOWED => Code::MethodNotAllowed,
        StatusCode::PAYLOAD_TOO_LARGE => Code::PayloadTooLarge,
        StatusCode::UNSUPPORTED_MEDIA_TYPE => Code::UnsupportedMediaType,
        StatusCode::UNAUTHORIZED => Code::Unauthorized,
        StatusCode::FORBIDDEN => Code::Forbidden,
        StatusCode::TOO_MANY_REQUESTS => Code::RateLimited,
        StatusCode::SERVICE_UNAVAILABLE => Code::Timeout,
        // An extractor's "understood but invalid" (a form missing a field): the code must say
        // 422 like the status does.
        StatusCode::UNPROCESSABLE_ENTITY => Code::ValidationFailed,
        s if s.is_client_error() => Code::InvalidJson,
        _ => {
            tracing::error!(status = status.as_u16(), "unhandled server error");
            Code::Internal
        }
    };
    problem_response(status, code, None, None)
}

/// Counts requests and their latency per route and status.
async fn record_metrics(req: Request, next: Next) -> Response {
    let started = Instant::now();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |p| p.as_str().to_owned());
    let method = req.method().to_string();
    let response = next.run(req).await;
    let labels = [
        ("method", method),
        ("route", route),
        ("status", response.status().as_u16().to_string()),
    ];
    metrics::counter!("relasi_http_requests_total", &labels).increment(1);
    metrics::histogram!("relasi_http_request_duration_seconds", &labels)
        .record(started.elapsed().as_secs_f64());
    response
}
