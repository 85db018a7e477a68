//! Selling through the terminal: the online sale that falls back to the offline queue when the
//! server cannot be reached and the rules allow it, queue sync in order, reversals and receipts.

use crate::client::{ItemLine, ReceiptDoc, SaleBody, fresh_idempotency_key};
use crate::error::{Code, Error};
use crate::keys::VerifiedVoucher;
use crate::rules::{self, Candidate, Exposure, OfflineSettings};
use crate::terminal::{
    ABANDONED_AFTER_SECS, SALE_COLUMNS, SaleOutcome, SaleRecord, SyncReport, Terminal, local_day,
    record,
};
use relasi_token::SignedToken;
use sqlx::Row;

/// A sale to make: the voucher's QR text, the amount and the basket (category, whole rupiah).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sale {
    /// The voucher's QR text (`RLS1:…`).
    pub qr_text: String,
    /// Whole rupiah.
    pub amount_rp: i64,
    /// Basket lines; empty means one line of the programme's first category.
    pub items: Vec<(String, i64)>,
}

/// What a printed receipt shows beyond the signed receipt.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ReceiptExtras {
    /// The basket lines of the sale (empty for a reversal, or a sale made on another device).
    pub items: Vec<ItemLine>,
    /// The programme's offset from UTC in hours, when the settings are synced.
    pub utc_offset_hours: Option<i64>,
}

/// How a sync run ended.
#[derive(Debug)]
pub struct SyncRun {
    /// Every sale that got its final answer in this run, in queue order.
    pub reports: Vec<SyncReport>,
    /// Why the run stopped before the queue was empty (the rest stays queued, in order).
    pub stopped: Option<Error>,
}

/// Whether a server refusal is the sale's final answer (the server gives it again for the
/// key), rather than a problem with the request or the server (auth, limits, outages).
fn is_final_decline(code: Code, status: u16) -> bool {
    matches!(status, 409 | 422) && code != Code::IdempotencyKeyRequired
        || matches!(code, Code::VoucherUnknown | Code::MerchantInactive)
}

impl Terminal {
    /// Sells: a fresh idempotency key and the row are written first, then the sale is sent with
    /// safe retries. When no answer comes and the offline rules allow it, the same row (and
    /// key) waits in the queue as *tertunda*; otherwise the error is returned.
    pub async fn sell(&self, sale: &Sale, now_unix: i64) -> Result<SaleOutcome, Error> {
        let token = SignedToken::parse_text(&sale.qr_text).map_err(|e| Error::Voucher(e.into()))?;
        let settings = self.offline_settings().await.ok();
        let rules = settings
            .as_ref()
            .and_then(|s| s.programme(token.claims.programme))
            .cloned();
        let items = match (&sale.items[..], &rules) {
            ([], Some(r)) => vec![(
                r.categories.first().cloned().unwrap_or_default(),
                sale.amount_rp,
            )],
            ([], None) => vec![("protein_hewani".to_owned(), sale.amount_rp)],
            (lines, _) => lines.to_vec(),
        };
        let body = SaleBody {
            token: token.to_text(),
            amount: sale.amount_rp.to_string(),
            items: items
                .iter()
                .map(|(c, a)| ItemLine {
                    category: c.clone(),
                    amount: a.to_string(),
                })
                .collect(),
        };
        let body = serde_json::to_string(&body).map_err(|e| Error::Input(e.to_string()))?;
        let key = fresh_idempotency_key();
        let day = local_day(now_unix, rules.as_ref().map_or(7, |r| r.utc_offset_hours));
        let voucher_id = hex::encode(token.claims.voucher_id);
        sqlx::query(
            "insert into sales (idempotency_key, voucher_id, programme, local_day, amount_rp, body, created_at_unix, offline, state) \
             values ($1, $2, $3, $4, $5, $6, $7, 0, 'sending')",
        )
        .bind(key.clone()).bind(voucher_id).bind(i64::from(token.claims.programme)).bind(day).bind(sale.amount_rp)
        .bind(body.clone()).bind(now_unix).execute(self.db()).await?;
        match self.client().redeem(&key, &body).await {
            Ok(receipt) => {
                self.settle(&key, "accepted", None, Some(&receipt), now_unix)
                    .await?;
                Ok(SaleOutcome::Accepted(receipt))
            }
            Err(Error::Server {
                code,
                status,
                detail,
            }) => {
                self.settle(&key, "declined", Some(code), None, now_unix)
                    .await?;
                Err(Error::Server {
                    code,
                    status,
                    detail,
                })
            }
            Err(e) if e.is_unreachable() => self.queue_offline(&key, sale, &items, now_unix).await,
            Err(e) => Err(e),
        }
    }

    /// Judges the sale under the offline rules and, when they allow it, turns its `sending` row
    /// into a queued (`pending`) one — one local write transaction, so two tills sharing the
    /// file cannot both pass a ceiling. A refusal settles the row as `declined` with the
    /// refusal's code (in that same transaction for a ceiling), so sync never sends it: the
    /// customer was told no, and the sale must not be charged later.
    async fn queue_offline(
        &self,
        key: &str,
        sale: &Sale,
        items: &[(String, i64)],
        now_unix: i64,
    ) -> Result<SaleOutcome, Error> {
        let (voucher, settings, synced_at) =
            match self.offline_inputs(&sale.qr_text, now_unix).await {
                Ok(inputs) => inputs,
                Err(refused) => {
                    let code = refused.code().unwrap_or(Code::Internal);
                    self.settle(key, "declined", Some(code), None, now_unix)
                        .await?;
                    return Err(refused);
                }
            };
        let rules = settings.programme(voucher.programme);
        let age = synced_at.map(|t| now_unix - t);
        let day = local_day(now_unix, rules.map_or(7, |r| r.utc_offset_hours));
        let mut tx = self.db().begin_with("BEGIN IMMEDIATE").await?;
        let (voucher_day_rp, voucher_total_rp): (i64, i64) = sqlx::query_as(
            "select coalesce(sum(case when local_day = $2 then amount_rp end), 0), coalesce(sum(amount_rp), 0) from sales \
             where voucher_id = $1 and offline = 1 and state in ('pending', 'accepted')",
        ).bind(voucher.voucher_id.clone()).bind(day).fetch_one(&mut *tx).await?;
        let (shop_count, shop_rp): (i64, i64) = sqlx::query_as(
            "select count(*), coalesce(sum(amount_rp), 0) from sales where offline = 1 and state = 'pending'",
        ).fetch_one(&mut *tx).await?;
        let held = Exposure {
            voucher_day_rp,
            voucher_total_rp,
            shop_count,
            shop_rp,
        };
        let candidate = Candidate {
            voucher: &voucher,
            amount_rp: sale.amount_rp,
            items,
        };
        if let Err(refusal) = rules::judge(candidate, rules, age, false, held) {
            sqlx::query(
                "update sales set state = 'declined', outcome_code = $1, settled_at_unix = $2 \
                 where idempotency_key = $3 and state = 'sending'",
            )
            .bind(refusal.code().as_str())
            .bind(now_unix)
            .bind(key.to_owned())
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            return Err(refusal.into());
        }
        sqlx::query("update sales set state = 'pending', offline = 1 where idempotency_key = $1 and state = 'sending'")
            .bind(key.to_owned()).execute(&mut *tx).await?;
        tx.commit().await?;
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "{SALE_COLUMNS} where idempotency_key = $1"
        )))
        .bind(key.to_owned())
        .fetch_one(self.db())
        .await?;
        Ok(SaleOutcome::Queued(record(&row)?))
    }

    /// What the offline judgement reads: the verified voucher, the synced settings and when the
    /// lists were synced.
    async fn offline_inputs(
        &self,
        qr_text: &str,
        now_unix: i64,
    ) -> Result<(VerifiedVoucher, OfflineSettings, Option<i64>), Error> {
        let voucher = self.check(qr_text, now_unix).await?;
        let settings = self.offline_settings().await?;
        let synced_at = self.lists_status().await?.synced_at_unix;
        Ok((voucher, settings, synced_at))
    }

    /// Records a sale's final answer, once: a row already settled stays as it is.
    async fn settle(
        &self,
        key: &str,
        state: &str,
        code: Option<Code>,
        receipt: Option<&ReceiptDoc>,
        now_unix: i64,
    ) -> Result<(), Error> {
        let mut tx = self.db().begin_with("BEGIN IMMEDIATE").await?;
        let redemption = receipt.and_then(|r| i64::try_from(r.redemption_id).ok());
        sqlx::query(
            "update sales set state = $1, outcome_code = $2, redemption_id = $3, settled_at_unix = $4 \
             where idempotency_key = $5 and state in ('sending', 'pending')",
        )
        .bind(state.to_owned()).bind(code.map(|c| c.as_str().to_owned())).bind(redemption).bind(now_unix).bind(key.to_owned())
        .execute(&mut *tx).await?;
        if let (Some(r), Some(id)) = (receipt, redemption) {
            self.keep_receipt(&mut tx, id, r).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn keep_receipt(
        &self,
        tx: &mut sqlx::SqliteConnection,
        id: i64,
        r: &ReceiptDoc,
    ) -> Result<(), Error> {
        let body = serde_json::to_string(r).map_err(|e| Error::Local(e.to_string()))?;
        sqlx::query(
            "insert into receipts (redemption_id, body) values ($1, $2) on conflict do nothing",
        )
        .bind(id)
        .bind(body)
        .execute(tx)
        .await?;
        Ok(())
    }

    /// Sales waiting for the server: queued offline (`pending`), and online attempts that got no
    /// answer (`sending`), oldest first.
    pub async fn queue(&self) -> Result<Vec<SaleRecord>, Error> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "{SALE_COLUMNS} where state in ('pending', 'sending') order by seq"
        )))
        .fetch_all(self.db())
        .await?;
        rows.iter().map(record).collect()
    }

    /// Every sale this terminal recorded, newest first, at most `limit`.
    pub async fn history(&self, limit: i64) -> Result<Vec<SaleRecord>, Error> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "{SALE_COLUMNS} order by seq desc limit $1"
        )))
        .bind(limit)
        .fetch_all(self.db())
        .await?;
        rows.iter().map(record).collect()
    }

    /// Sends the queue in order with each sale's original key and body. A sale is settled only
    /// on its final answer; the run stops at the first sale that gets none (the rest wait).
    /// Online attempts whose process died (`sending` for [`ABANDONED_AFTER_SECS`]) are resolved
    /// the same way and reported, so the shop can reverse a sale it did not complete.
    pub async fn sync(&self, now_unix: i64) -> Result<SyncRun, Error> {
        let mut reports = Vec::new();
        let mut after = 0_i64;
        loop {
            let row = sqlx::query(sqlx::AssertSqlSafe(format!(
                "{SALE_COLUMNS} where seq > $1 and (state = 'pending' or (state = 'sending' and created_at_unix <= $2)) order by seq limit 1"
            )))
            .bind(after).bind(now_unix - ABANDONED_AFTER_SECS).fetch_optional(self.db()).await?;
            let Some(row) = row else {
                return Ok(SyncRun {
                    reports,
                    stopped: None,
                });
            };
            let sale = record(&row)?;
            let body: String = row.try_get("body")?;
            after = sale.seq;
            sqlx::query("update sales set attempts = attempts + 1 where seq = $1")
                .bind(sale.seq)
                .execute(self.db())
                .await?;
            let (state, code, receipt) = match self
                .client()
                .redeem_queued(&sale.idempotency_key, &body)
                .await
            {
                Ok(receipt) => ("accepted", None, Some(receipt)),
                Err(Error::Server { code, status, .. }) if is_final_decline(code, status) => {
                    ("declined", Some(code), None)
                }
                Err(e) => {
                    return Ok(SyncRun {
                        reports,
                        stopped: Some(e),
                    });
                }
            };
            self.settle(
                &sale.idempotency_key,
                state,
                code,
                receipt.as_ref(),
                now_unix,
            )
            .await?;
            let settled = sqlx::query(sqlx::AssertSqlSafe(format!(
                "{SALE_COLUMNS} where seq = $1"
            )))
            .bind(sale.seq)
            .fetch_one(self.db())
            .await?;
            reports.push(SyncReport {
                sale: record(&settled)?,
                receipt,
            });
        }
    }

    /// Reverses one of the shop's sales under a fresh idempotency key; keeps the receipt.
    pub async fn reverse(&self, redemption_id: u64) -> Result<ReceiptDoc, Error> {
        let receipt = self
            .client()
            .reverse(redemption_id, &fresh_idempotency_key())
            .await?;
        let id = i64::try_from(receipt.redemption_id)
            .map_err(|_| Error::Protocol("redemption id".into()))?;
        let mut conn = self.db().acquire().await?;
        self.keep_receipt(&mut conn, id, &receipt).await?;
        Ok(receipt)
    }

    /// What a printed receipt adds to the signed one: the basket of the sale, when this
    /// terminal made it (kept in the sale's body), and the programme's UTC offset from the
    /// synced settings (the sale's programme, else the first one published).
    pub async fn receipt_extras(&self, redemption_id: u64) -> Result<ReceiptExtras, Error> {
        let id = i64::try_from(redemption_id).map_err(|_| Error::Input("redemption id".into()))?;
        let row: Option<(String, i64)> =
            sqlx::query_as("select body, programme from sales where redemption_id = $1")
                .bind(id)
                .fetch_optional(self.db())
                .await?;
        let items = match &row {
            Some((body, _)) => {
                serde_json::from_str::<SaleBody>(body)
                    .map_err(|e| Error::Local(e.to_string()))?
                    .items
            }
            None => Vec::new(),
        };
        let settings = self.offline_settings().await.ok();
        let utc_offset_hours = settings.and_then(|s| {
            let own = row
                .as_ref()
                .and_then(|(_, p)| u16::try_from(*p).ok())
                .and_then(|p| s.programme(p).map(|r| r.utc_offset_hours));
            own.or_else(|| s.programmes.first().map(|r| r.utc_offset_hours))
        });
        Ok(ReceiptExtras {
            items,
            utc_offset_hours,
        })
    }

    /// A receipt this terminal received (sale or reversal), by journal id.
    pub async fn receipt(&self, redemption_id: u64) -> Result<Option<ReceiptDoc>, Error> {
        let id = i64::try_from(redemption_id).map_err(|_| Error::Input("redemption id".into()))?;
        let row: Option<(String,)> =
            sqlx::query_as("select body from receipts where redemption_id = $1")
                .bind(id)
                .fetch_optional(self.db())
                .await?;
        row.map(|(b,)| serde_json::from_str(&b).map_err(|e| Error::Local(e.to_string())))
            .transpose()
    }
}
