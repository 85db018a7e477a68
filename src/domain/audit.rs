//! The append-only audit chain: each record carries the SHA-256 of its predecessor's hash and its
//! own canonical bytes, so altering, removing or reordering any record breaks every later hash.

use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;
use sha2::{Digest, Sha256};

/// The hash before the first record.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// What happened, before it is chained. Never put personal data (NIK, KK, names) in here:
/// subjects are our own ids (merchant 7, voucher ab12…, programme 1).
#[derive(Clone, PartialEq, Eq, Debug, Serialize)]
pub struct AuditEvent {
    /// Who: a role and token id, or `cli`.
    pub actor: String,
    /// What: a dotted verb such as `merchant.create`.
    pub action: String,
    /// On what.
    pub subject: String,
    /// Details as compact JSON.
    pub detail: String,
}

impl AuditEvent {
    /// An event with JSON details.
    pub fn new(
        actor: &str,
        action: &str,
        subject: impl Into<String>,
        detail: &serde_json::Value,
    ) -> AuditEvent {
        AuditEvent {
            actor: actor.to_owned(),
            action: action.to_owned(),
            subject: subject.into(),
            detail: detail.to_string(),
        }
    }
}

/// A chained record as stored.
#[derive(Clone, PartialEq, Eq, Debug, Serialize)]
pub struct AuditRecord {
    /// Position in the chain, from 1.
    pub seq: i64,
    /// When.
    pub at: DateTime<Utc>,
    /// The event.
    #[serde(flatten)]
    pub event: AuditEvent,
    /// Hash of the previous record.
    pub prev_hash: String,
    /// This record's hash.
    pub hash: String,
}

/// The hash of a record: SHA-256 over the previous hash and the record's fields, each
/// length-prefixed so no two different records share bytes.
pub fn record_hash(prev_hash: &str, seq: i64, at: DateTime<Utc>, event: &AuditEvent) -> String {
    let at = at.to_rfc3339_opts(SecondsFormat::Micros, true);
    let mut h = Sha256::new();
    for field in [
        prev_hash,
        &seq.to_string(),
        &at,
        &event.actor,
        &event.action,
        &event.subject,
        &event.detail,
    ] {
        h.update((field.len() as u64).to_be_bytes());
        h.update(field.as_bytes());
    }
    hex::encode(h.finalize())
}

/// Where a chain first fails.
#[derive(Clone, PartialEq, Eq, Debug, Serialize)]
pub struct ChainBreak {
    /// The first record that does not fit.
    pub seq: i64,
    /// Why.
    pub reason: &'static str,
}

/// Checks a whole chain, in order, from the genesis.
pub fn verify_chain(records: &[AuditRecord]) -> Result<(), ChainBreak> {
    let mut prev = GENESIS_HASH.to_owned();
    for (i, r) in records.iter().enumerate() {
        let expected_seq = i64::try_from(i).unwrap_or(i64::MAX).saturating_add(1);
        if r.seq != expected_seq {
            return Err(ChainBreak {
                seq: r.seq,
                reason: "a record is missing or out of order",
            });
        }
        if r.prev_hash != prev {
            return Err(ChainBreak {
                seq: r.seq,
                reason: "previous hash does not match",
            });
        }
        if record_hash(&prev, r.seq, r.at, &r.event) != r.hash {
            return Err(ChainBreak {
                seq: r.seq,
                reason: "record content was altered",
            });
        }
        prev.clone_from(&r.hash);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chain(n: i64) -> Vec<AuditRecord> {
        let mut out: Vec<AuditRecord> = Vec::new();
        for seq in 1..=n {
            let prev = out
                .last()
                .map_or(GENESIS_HASH.to_owned(), |r| r.hash.clone());
            let at = DateTime::from_timestamp(1_790_000_000 + seq, 0).unwrap();
            let event = AuditEvent {
                actor: "cli".into(),
                action: "merchant.create".into(),
                subject: format!("merchant:{seq}"),
                detail: "{}".into(),
            };
            let hash = record_hash(&prev, seq, at, &event);
            out.push(AuditRecord {
                seq,
                at,
                event,
                prev_hash: prev,
                hash,
            });
        }
        out
    }

    #[test]
    fn intact_chain_verifies_and_any_change_breaks_it() {
        let good = chain(5);
        assert!(verify_chain(&good).is_ok());

        let mut altered = good.clone();
        altered[2].event.detail = "{\"x\":1}".into();
        assert_eq!(verify_chain(&altered).unwrap_err().seq, 3);

        let mut removed = good.clone();
        removed.remove(1);
        assert_eq!(verify_chain(&removed).unwrap_err().seq, 3);

        let mut swapped = good;
        swapped.swap(0, 1);
        assert!(verify_chain(&swapped).is_err());
    }
}
