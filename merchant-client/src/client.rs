//! HTTP to the RELASI server with a merchant token: keys, revocations, offline settings, sales
//! (with safe retries under one idempotency key), reversals, the day's sales and the balance.

use crate::error::{Code, Error};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::time::Duration;

/// How a request is retried: only on timeouts, connection errors and 5xx answers, always with
/// the same idempotency key, with exponential backoff and full jitter, a bounded number of times.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in all (the first one included), at least 1.
    pub max_attempts: u32,
    /// First backoff ceiling, in milliseconds; it doubles after each failed attempt.
    pub base_delay_ms: u64,
    /// Largest backoff, in milliseconds.
    pub max_delay_ms: u64,
    /// How long one attempt may take, in milliseconds.
    pub timeout_ms: u64,
    /// How long connecting may take, in milliseconds.
    pub connect_timeout_ms: u64,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 4,
            base_delay_ms: 250,
            max_delay_ms: 4_000,
            timeout_ms: 15_000,
            connect_timeout_ms: 5_000,
        }
    }
}

impl RetryPolicy {
    /// The wait before attempt `attempt + 1` (full jitter: uniform in 0..=ceiling).
    pub fn backoff(&self, attempt: u32) -> Duration {
        let ceiling = self
            .base_delay_ms
            .saturating_mul(1_u64 << attempt.min(20))
            .min(self.max_delay_ms);
        Duration::from_millis(rand::random_range(0..=ceiling))
    }
}

/// A token that redacts itself in `Debug`.
#[derive(Clone)]
struct Secret(String);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(…)")
    }
}

/// One basket line on the wire.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemLine {
    /// Category word, e.g. `protein_hewani`.
    pub category: String,
    /// Whole rupiah as a string.
    pub amount: String,
}

/// The body of `POST /v1/redemptions`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SaleBody {
    /// The voucher's QR text.
    pub token: String,
    /// Whole rupiah as a string.
    pub amount: String,
    /// Basket lines.
    pub items: Vec<ItemLine>,
}

/// A receipt as the server answers it (`docs/receipts.md`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReceiptDoc {
    /// Journal id.
    pub redemption_id: u64,
    /// `debit` or `reversal`.
    pub kind: String,
    /// Voucher id (hex).
    pub voucher_id: String,
    /// Amount, whole rupiah.
    pub amount: String,
    /// Balance after, whole rupiah.
    pub balance_after: String,
    /// The shop.
    pub merchant_id: u64,
    /// RFC 3339.
    pub created_at: String,
    /// Unix microseconds (signed).
    pub created_at_us: i64,
    /// kid of the signing key.
    pub receipt_kid: String,
    /// Ed25519 signature, base64url.
    pub receipt_signature: String,
    /// For a reversal: the sale it undoes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reverses: Option<u64>,
}

/// One page of `GET /v1/revocations`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct RevocationPage {
    /// Revoked voucher ids.
    pub revoked: Vec<RevokedEntry>,
    /// The cursor to ask with next (opaque).
    pub next_since: String,
    /// Whether this page reached the end of the feed.
    pub complete: bool,
}

/// One revoked voucher.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct RevokedEntry {
    /// Voucher id (hex).
    pub voucher_id: String,
}

/// A talking partner on the RELASI server, for one shop.
#[derive(Debug, Clone)]
pub struct Client {
    http: reqwest::Client,
    base: String,
    token: Secret,
    retry: RetryPolicy,
}

fn problem(status: u16, body: &str) -> Error {
    let parsed: Option<Value> = serde_json::from_str(body).ok();
    let code_text = parsed
        .as_ref()
        .and_then(|v| v.get("code"))
        .and_then(Value::as_str);
    let detail = parsed
        .as_ref()
        .and_then(|v| v.get("detail"))
        .and_then(Value::as_str)
        .map(str::to_owned);
    match code_text.and_then(Code::parse) {
        Some(code) => Error::Server {
            code,
            status,
            detail,
        },
        None => Error::Server {
            code: Code::Internal,
            status,
            detail: code_text.map(|c| format!("unknown code {c}")).or(detail),
        },
    }
}

/// Whether an answer is worth retrying with the same key.
fn transient(status: u16) -> bool {
    status >= 500
}

impl Client {
    /// A client for `server_url` (`https://…`, or `http://` for a test server) and a merchant
    /// token, with the default [`RetryPolicy`].
    pub fn new(server_url: &str, token: &str) -> Result<Client, Error> {
        Client::with_retry(server_url, token, RetryPolicy::default())
    }

    /// Like [`Client::new`] with a retry policy of your own.
    pub fn with_retry(server_url: &str, token: &str, retry: RetryPolicy) -> Result<Client, Error> {
        let base = server_url.trim_end_matches('/').to_owned();
        if !(base.starts_with("https://") || base.starts_with("http://")) || base.len() > 2048 {
            return Err(Error::Input(
                "server URL must start with https:// or http://".into(),
            ));
        }
        if token.is_empty() || token.len() > 512 || !token.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(Error::Input("token must be printable ASCII".into()));
        }
        // TLS with rustls over ring; installing the provider twice is harmless.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let http = reqwest::Client::builder()
            .timeout(Duration::from_millis(retry.timeout_ms))
            .connect_timeout(Duration::from_millis(retry.connect_timeout_ms))
            .user_agent(concat!("relasi-merchant/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| Error::Input(format!("HTTP client: {e}")))?;
        Ok(Client {
            http,
            base,
            token: Secret(token.to_owned()),
            retry: RetryPolicy {
                max_attempts: retry.max_attempts.max(1),
                ..retry
            },
        })
    }

    /// The server's base URL.
    pub fn server(&self) -> &str {
        &self.base
    }

    /// Sends a request (built afresh for each attempt) with retries; the answer's status and
    /// body. Every attempt of one call carries the same headers, so the same idempotency key.
    async fn send(
        &self,
        build: impl Fn() -> reqwest::RequestBuilder,
    ) -> Result<(u16, String), Error> {
        let mut last = String::new();
        for attempt in 0..self.retry.max_attempts {
            if attempt > 0 {
                tokio::time::sleep(self.retry.backoff(attempt - 1)).await;
            }
            match build().bearer_auth(&self.token.0).send().await {
                Ok(res) => {
                    let status = res.status().as_u16();
                    match res.text().await {
                        Ok(body) if !transient(status) => return Ok((status, body)),
                        Ok(body) => {
                            last = format!(
                                "HTTP {status} {}",
                                body.chars().take(200).collect::<String>()
                            )
                        }
                        Err(e) => last = format!("reading the answer: {e}"),
                    }
                }
                Err(e) => last = e.to_string(),
            }
        }
        Err(Error::Unreachable(last))
    }

    async fn get_json(&self, path: &str) -> Result<String, Error> {
        let url = format!("{}{path}", self.base);
        let (status, body) = self.send(|| self.http.get(&url)).await?;
        if status == 200 {
            Ok(body)
        } else {
            Err(problem(status, &body))
        }
    }

    /// The text of `GET /v1/keys` (read it with [`crate::Keyring::from_json`]).
    pub async fn keys_json(&self) -> Result<String, Error> {
        self.get_json("/v1/keys").await
    }

    /// The text of `GET /v1/offline-settings` (read it with [`crate::OfflineSettings::from_json`]).
    pub async fn offline_settings_json(&self) -> Result<String, Error> {
        self.get_json("/v1/offline-settings").await
    }

    /// One page of revocations after the cursor `since` (empty: from the start).
    pub async fn revocations(&self, since: &str) -> Result<RevocationPage, Error> {
        let mut url = reqwest::Url::parse(&format!("{}/v1/revocations", self.base))
            .map_err(|e| Error::Input(e.to_string()))?;
        url.query_pairs_mut().append_pair("since", since);
        let (status, body) = self.send(|| self.http.get(url.clone())).await?;
        if status != 200 {
            return Err(problem(status, &body));
        }
        serde_json::from_str(&body).map_err(|e| Error::Protocol(e.to_string()))
    }

    /// `POST /v1/redemptions` under `idempotency_key`, retried safely. The receipt, or the
    /// server's decline as [`Error::Server`]; [`Error::Unreachable`] when no answer came (the
    /// sale may have landed: send it again with the same key to learn).
    pub async fn redeem(&self, idempotency_key: &str, body: &str) -> Result<ReceiptDoc, Error> {
        self.post_sale(idempotency_key, body, false).await
    }

    /// [`Client::redeem`] of a sale made offline and synced now: the same request, marked with
    /// `Relasi-Offline-Sale: 1` so the server can count synced offline sales.
    pub async fn redeem_queued(
        &self,
        idempotency_key: &str,
        body: &str,
    ) -> Result<ReceiptDoc, Error> {
        self.post_sale(idempotency_key, body, true).await
    }

    async fn post_sale(
        &self,
        idempotency_key: &str,
        body: &str,
        queued: bool,
    ) -> Result<ReceiptDoc, Error> {
        let url = format!("{}/v1/redemptions", self.base);
        let (status, text) = self
            .send(|| {
                let request = self
                    .http
                    .post(&url)
                    .header("idempotency-key", idempotency_key)
                    .header("content-type", "application/json")
                    .body(body.to_owned());
                if queued {
                    request.header("relasi-offline-sale", "1")
                } else {
                    request
                }
            })
            .await?;
        receipt_or_problem(status, &text)
    }

    /// `POST /v1/redemptions/{id}/reversal` under its own idempotency key, retried safely.
    pub async fn reverse(
        &self,
        redemption_id: u64,
        idempotency_key: &str,
    ) -> Result<ReceiptDoc, Error> {
        let url = format!("{}/v1/redemptions/{redemption_id}/reversal", self.base);
        let (status, text) = self
            .send(|| {
                self.http
                    .post(&url)
                    .header("idempotency-key", idempotency_key)
            })
            .await?;
        receipt_or_problem(status, &text)
    }

    /// `GET /v1/redemptions?date=YYYY-MM-DD` (today, local, when `None`): the shop's own sales
    /// and reversals, every page.
    pub async fn sales(&self, date: Option<&str>) -> Result<Value, Error> {
        let mut all: Vec<Value> = Vec::new();
        let mut after = 0_i64;
        for _ in 0..1000 {
            let mut url = reqwest::Url::parse(&format!("{}/v1/redemptions", self.base))
                .map_err(|e| Error::Input(e.to_string()))?;
            url.query_pairs_mut()
                .append_pair("date", date.unwrap_or(""))
                .append_pair("after", &after.to_string());
            let (status, text) = self.send(|| self.http.get(url.clone())).await?;
            if status != 200 {
                return Err(problem(status, &text));
            }
            let mut page: Value =
                serde_json::from_str(&text).map_err(|e| Error::Protocol(e.to_string()))?;
            if let Some(entries) = page.get_mut("entries").and_then(Value::as_array_mut) {
                all.append(entries);
            }
            match page.get("next_after").and_then(Value::as_i64) {
                Some(next) if page["has_more"] == true => after = next,
                _ => {
                    page["entries"] = Value::Array(all);
                    return Ok(page);
                }
            }
        }
        Err(Error::Protocol("too many pages".into()))
    }

    /// `POST /v1/balance`: the voucher's balance, status and validity, as JSON.
    pub async fn balance(&self, token: &str) -> Result<Value, Error> {
        let url = format!("{}/v1/balance", self.base);
        let body = serde_json::json!({ "token": token }).to_string();
        let (status, text) = self
            .send(|| {
                self.http
                    .post(&url)
                    .header("content-type", "application/json")
                    .body(body.clone())
            })
            .await?;
        if status != 200 {
            return Err(problem(status, &text));
        }
        serde_json::from_str(&text).map_err(|e| Error::Protocol(e.to_string()))
    }
}

fn receipt_or_problem(status: u16, text: &str) -> Result<ReceiptDoc, Error> {
    if status == 201 {
        serde_json::from_str(text).map_err(|e| Error::Protocol(e.to_string()))
    } else {
        Err(problem(status, text))
    }
}

/// A fresh idempotency key: 128 random bits in hex, prefixed so a server log shows its source.
pub fn fresh_idempotency_key() -> String {
    format!("rm-{}", hex::encode(rand::random::<[u8; 16]>()))
}
