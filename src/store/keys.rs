//! Published signing-key metadata and voucher revocations (what offline clients sync).

use super::{AuditWriter, Engine, Store, StoreError, StoreResult, now_us, with_pool, with_writer};
use crate::domain::audit::AuditEvent;
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
                    .map_err(|_| StoreError::Corrupt("stored public key is not 32 bytes"))?;
                let at = |us: i64| DateTime::from_timestamp_micros(us).unwrap_or_default();
                Ok(SigningKeyMeta {
                    kid: Kid::of_bytes(&public_key),
                    public_key,
                    status: KeyStatus::parse(&status)
                        .ok_or(StoreError::Corrupt("stored key status"))?,
                    signing_from: at(from),
                    signing_until: until.map(at),
                    verify_until: verify.map(at),
                })
            })
            .collect()
    }

    /// Publishes a new key as the active signer. Fails with `Conflict` if one is active already
    /// (rotate instead).
    pub async fn add_signing_key(&self, public_key: [u8; 32], actor: &str) -> StoreResult<()> {
        let kid = Kid::of_bytes(&public_key);
        with_writer!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let now = now_us();
            sqlx::query(
                "insert into signing_keys (public_key, kid, status, signing_from_us, created_at_us) values ($1, $2, 'active', $3, $3)",
            )
            .bind(public_key.to_vec()).bind(kid.to_hex()).bind(now).execute(&mut *tx).await?;
            tx.append_audit(&AuditEvent::new(actor, "key.generate", format!("key:{kid}"), &serde_json::json!({}))).await?;
            tx.commit().await?;
            Ok(())
        })
    }

    /// Retires the active key (it still verifies for `verify_secs`) and activates a new one.
    pub async fn rotate_signing_key(
        &self,
        public_key: [u8; 32],
        verify_secs: i64,
        actor: &str,
    ) -> StoreResult<()> {
        let kid = Kid::of_bytes(&public_key);
        with_writer!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let now = now_us();
            sqlx::query(
                "update signing_keys set status = 'retired', signing_until_us = $1, verify_until_us = $2 where status = 'active'",
            )
            .bind(now).bind(now.saturating_add(verify_secs.saturating_mul(1_000_000))).execute(&mut *tx).await?;
            sqlx::query(
                "insert into signing_keys (public_key, kid, status, signing_from_us, created_at_us) values ($1, $2, 'active', $3, $3)",
            )
            .bind(public_key.to_vec()).bind(kid.to_hex()).bind(now).execute(&mut *tx).await?;
            tx.append_audit(&AuditEvent::new(actor, "key.rotate", format!("key:{kid}"),
                &serde_json::json!({ "verify_secs": verify_secs }))).await?;
            tx.commit().await?;
            Ok(())
        })
    }

    /// Revokes every key with this kid: nothing they signed is accepted any more.
    pub async fn revoke_signing_key(&self, kid: Kid, actor: &str) -> StoreResult<u64> {
        with_writer!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let now = now_us();
            let n = sqlx::query(
                "update signing_keys set status = 'revoked', signing_until_us = coalesce(signing_until_us, $1), \
                 verify_until_us = $1 where kid = $2 and status <> 'revoked'",
            )
            .bind(now).bind(kid.to_hex()).execute(&mut *tx).await?.rows_affected();
            if n == 0 {
                return Err(StoreError::NotFound);
            }
            tx.append_audit(&AuditEvent::new(actor, "key.revoke", format!("key:{kid}"), &serde_json::json!({}))).await?;
            tx.commit().await?;
            Ok(n)
        })
    }

    /// Revocations after position `after` of the feed, in feed (commit) order, at most `limit`:
    /// (position, voucher, when).
    pub async fn revocations(&self, after: i64, limit: i64) -> StoreResult<Vec<Revocation>> {
        let rows: Vec<(i64, String, i64)> = with_pool!(self, pool => sqlx::query_as(
            "select seq, voucher_id, revoked_at_us from revocations where seq > $1 order by seq limit $2"
        ).bind(after).bind(limit).fetch_all(pool).await)?;
        rows.into_iter()
            .map(|(seq, id, at)| {
                Ok(Revocation {
                    seq,
                    voucher_id: VoucherId::parse(&id)
                        .map_err(|_| StoreError::Corrupt("stored voucher id"))?,
                    revoked_at: DateTime::from_timestamp_micros(at)
                        .ok_or(StoreError::Corrupt("stored revocation time"))?,
                })
            })
            .collect()
    }

    /// The feed position just before the first revocation at or after `at` (so a client that
    /// only knows a time can start there).
    pub async fn revocation_position_at(&self, at: DateTime<Utc>) -> StoreResult<i64> {
        let (seq,): (i64,) = with_pool!(self, pool => sqlx::query_as(
            "select coalesce(min(seq), (select coalesce(max(seq), 0) + 1 from revocations)) - 1 \
             from revocations where revoked_at_us >= $1"
        ).bind(at.timestamp_micros()).fetch_one(pool).await)?;
        Ok(seq)
    }
}

/// One entry of the revocation feed.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Revocation {
    /// Position in the feed (commit order).
    pub seq: i64,
    /// The revoked voucher.
    pub voucher_id: VoucherId,
    /// When it was revoked.
    pub revoked_at: DateTime<Utc>,
}
