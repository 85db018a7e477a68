//! Published signing-key metadata and voucher revocations (what offline clients sync).

use super::{Store, StoreError, StoreResult, with_pool};
use crate::domain::ids::VoucherId;
use crate::domain::keys::{KeyStatus, SigningKeyMeta};
use chrono::{DateTime, Utc};
use relasi_token::Kid;

type KeyRow = (Vec<u8>, String, i64, Option<i64>, Option<i64>);

impl Store {
    /// Every signing key ever used, oldest first.
    pub async fn signing_keys(&self) -> StoreResult<Vec<SigningKeyMeta>> {
        let rows: Vec<KeyRow> = with_pool!(self, pool => sqlx::query_as(
            "select public_key, status, signing_from_us, signing_until_us, verify_until_us from signing_keys \
             order by signing_from_us"
        ).fetch_all(pool).await)?;
        rows.into_iter()
            .map(|(pk, status, from, until, verify)| {
                let public_key: [u8; 32] = pk
                    .try_into()
                    .map_err(|_| StoreError::Invalid("stored public key is not 32 bytes"))?;
                let at = |us: i64| DateTime::from_timestamp_micros(us).unwrap_or_default();
                Ok(SigningKeyMeta {
                    kid: Kid::of_bytes(&public_key),
                    public_key,
                    status: KeyStatus::parse(&status)
                        .ok_or(StoreError::Invalid("stored key status"))?,
                    signing_from: at(from),
                    signing_until: until.map(at),
                    verify_until: verify.map(at),
                })
            })
            .collect()
    }

    /// Vouchers revoked after `since`, oldest first, at most `limit`.
    pub async fn revocations(
        &self,
        since: DateTime<Utc>,
        limit: i64,
    ) -> StoreResult<Vec<(VoucherId, DateTime<Utc>)>> {
        let rows: Vec<(String, i64)> = with_pool!(self, pool => sqlx::query_as(
            "select id, revoked_at_us from vouchers where revoked_at_us is not null and revoked_at_us > $1 \
             order by revoked_at_us, id limit $2"
        ).bind(since.timestamp_micros()).bind(limit).fetch_all(pool).await)?;
        rows.into_iter()
            .map(|(id, at)| {
                Ok((
                    VoucherId::parse(&id).map_err(|_| StoreError::Invalid("stored voucher id"))?,
                    DateTime::from_timestamp_micros(at).unwrap_or_default(),
                ))
            })
            .collect()
    }
}
