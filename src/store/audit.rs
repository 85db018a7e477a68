//! The audit chain in the database: appended inside the transaction of the change it records.

use super::{Store, StoreResult, now_us, with_pool, with_writer};
use crate::domain::audit::{AuditEvent, AuditRecord, GENESIS_HASH, record_hash};
use chrono::DateTime;

/// Appends one event to the chain, inside the caller's write transaction, so the change and its
/// audit record commit or vanish together.
pub(crate) trait AuditWriter {
    /// Appends and returns the chained record.
    async fn append_audit(&mut self, event: &AuditEvent) -> StoreResult<AuditRecord>;
}

// Appends are serialised: PostgreSQL by a transaction-scoped advisory lock (several server
// instances may share one database), SQLite by its single writer (`BEGIN IMMEDIATE`).
macro_rules! impl_audit_writer {
    ($db:ty, $lock_sql:expr) => {
        impl AuditWriter for sqlx::Transaction<'_, $db> {
            async fn append_audit(&mut self, event: &AuditEvent) -> StoreResult<AuditRecord> {
                let lock_sql: Option<&'static str> = $lock_sql;
                if let Some(sql) = lock_sql {
                    sqlx::query(sql).execute(&mut **self).await?;
                }
                let head: Option<(i64, String)> =
                    sqlx::query_as("select seq, hash from audit_log order by seq desc limit 1")
                        .fetch_optional(&mut **self)
                        .await?;
                let (seq, prev_hash) = match head {
                    Some((seq, hash)) => (seq + 1, hash),
                    None => (1, GENESIS_HASH.to_owned()),
                };
                // Stored with microsecond precision; hash exactly what is stored.
                let at_us = now_us();
                let at = DateTime::from_timestamp_micros(at_us).unwrap_or_default();
                let hash = record_hash(&prev_hash, seq, at, event);
                sqlx::query(
                    "insert into audit_log (seq, at_us, actor, action, subject, detail, prev_hash, hash) \
                     values ($1, $2, $3, $4, $5, $6, $7, $8)",
                )
                .bind(seq)
                .bind(at_us)
                .bind(event.actor.clone())
                .bind(event.action.clone())
                .bind(event.subject.clone())
                .bind(event.detail.clone())
                .bind(prev_hash.clone())
                .bind(hash.clone())
                .execute(&mut **self)
                .await?;
                Ok(AuditRecord { seq, at, event: event.clone(), prev_hash, hash })
            }
        }
    };
}

impl_audit_writer!(
    sqlx::Postgres,
    Some("select pg_advisory_xact_lock(7262736501)")
);
impl_audit_writer!(sqlx::Sqlite, None);

type AuditRow = (i64, i64, String, String, String, String, String, String);

impl Store {
    /// The whole chain in order (auditors verify it end to end).
    pub async fn audit_records(&self) -> StoreResult<Vec<AuditRecord>> {
        let rows: Vec<AuditRow> = with_pool!(self, pool => sqlx::query_as(
            "select seq, at_us, actor, action, subject, detail, prev_hash, hash from audit_log order by seq"
        ).fetch_all(pool).await)?;
        Ok(rows
            .into_iter()
            .map(
                |(seq, at_us, actor, action, subject, detail, prev_hash, hash)| AuditRecord {
                    seq,
                    at: DateTime::from_timestamp_micros(at_us).unwrap_or_default(),
                    event: AuditEvent {
                        actor,
                        action,
                        subject,
                        detail,
                    },
                    prev_hash,
                    hash,
                },
            )
            .collect())
    }

    /// Appends one event on its own (for actions with no other write, such as a token shown).
    pub async fn audit(&self, event: &AuditEvent) -> StoreResult<AuditRecord> {
        with_writer!(self, pool => {
            let mut tx = super::Engine::begin_write(pool).await?;
            let record = tx.append_audit(event).await?;
            tx.commit().await?;
            Ok(record)
        })
    }
}
