//! The journal: every movement of a voucher's balance, the ledger identity it obeys, and the
//! per-voucher hash chain (with signed checkpoints over it) that makes an altered, inserted or
//! deleted entry detectable.
//!
//! Money enters a voucher only when it is issued (charged to a budget line), moves between
//! vouchers only by a `move_out` / `move_in` pair (a lost card's replacement), and leaves only
//! through sales; reversals give a sale back. So for every voucher
//! `issued − Σ debit + Σ reversal − Σ move_out + Σ move_in = balance ≥ 0`, where `issued` is the
//! face value of a voucher issued to a household and 0 for a replacement.

use super::ids::VoucherId;
use super::money::Rupiah;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The hash before a voucher's first entry, and before the first checkpoint.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Domain tag of entry hashes (version 1 of the chained fields).
const ENTRY_TAG: &[u8] = b"RELASI-JOURNAL-1\0";
/// Domain tag of checkpoint hashes.
const CHECKPOINT_TAG: &[u8] = b"RELASI-CHECKPOINT-1\0";

/// What a journal entry does to a voucher's balance.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EntryKind {
    /// A sale: money leaves the voucher for a shop.
    Debit,
    /// An undone sale: the money returns to the voucher.
    Reversal,
    /// A lost card's balance leaving it for its replacement.
    MoveOut,
    /// A replacement card receiving the balance of the card it replaces.
    MoveIn,
}

impl EntryKind {
    /// Stored word.
    pub fn as_str(self) -> &'static str {
        match self {
            EntryKind::Debit => "debit",
            EntryKind::Reversal => "reversal",
            EntryKind::MoveOut => "move_out",
            EntryKind::MoveIn => "move_in",
        }
    }

    /// From the stored word.
    pub fn parse(text: &str) -> Option<EntryKind> {
        match text {
            "debit" => Some(EntryKind::Debit),
            "reversal" => Some(EntryKind::Reversal),
            "move_out" => Some(EntryKind::MoveOut),
            "move_in" => Some(EntryKind::MoveIn),
            _ => None,
        }
    }

    /// The balance after an entry of this kind and `amount`; `None` if it would go negative
    /// (or overflow).
    pub fn apply(self, balance: Rupiah, amount: Rupiah) -> Option<Rupiah> {
        match self {
            EntryKind::Debit | EntryKind::MoveOut => balance.checked_sub(amount),
            EntryKind::Reversal | EntryKind::MoveIn => balance.checked_add(amount),
        }
    }

    /// Whether a shop made it (sales and their reversals), as opposed to a move.
    pub fn is_shop_entry(self) -> bool {
        matches!(self, EntryKind::Debit | EntryKind::Reversal)
    }
}

/// What the chain hashes of one entry: every field but its row id (which the database assigns
/// when the row is written). Entries are identified in the chain by (voucher, seq).
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct EntryFacts {
    /// The voucher whose balance moves.
    pub voucher_id: VoucherId,
    /// Position in the voucher's chain, from 1.
    pub seq: i64,
    /// What happened.
    pub kind: EntryKind,
    /// How much, in whole rupiah (> 0; the kind gives the sign).
    pub amount_rp: i64,
    /// The shop, for sales and reversals.
    pub merchant_id: Option<i64>,
    /// The sale a reversal undoes (its row id).
    pub reverses_id: Option<i64>,
    /// The other voucher of a move.
    pub counterpart: Option<VoucherId>,
    /// The shop's Idempotency-Key, when it sent one.
    pub idempotency_key: Option<String>,
    /// SHA-256 (hex) of the canonical request, for sales and keyed reversals.
    pub request_sha256: Option<String>,
    /// When, Unix microseconds.
    pub created_at_us: i64,
}

/// Feeds one length-prefixed field into a hash, so no two different entries share bytes.
fn field(h: &mut Sha256, bytes: &[u8]) {
    h.update((bytes.len() as u64).to_be_bytes());
    h.update(bytes);
}

fn optional(h: &mut Sha256, value: Option<&[u8]>) {
    match value {
        None => h.update([0u8]),
        Some(bytes) => {
            h.update([1u8]);
            field(h, bytes);
        }
    }
}

/// The chain hash of an entry: SHA-256 over the tag, the previous entry's hash (or
/// [`GENESIS_HASH`]) and every chained field.
pub fn entry_hash(prev_hash: &str, e: &EntryFacts) -> String {
    let mut h = Sha256::new();
    h.update(ENTRY_TAG);
    field(&mut h, prev_hash.as_bytes());
    field(&mut h, &e.voucher_id.to_bytes());
    h.update(e.seq.to_be_bytes());
    field(&mut h, e.kind.as_str().as_bytes());
    h.update(e.amount_rp.to_be_bytes());
    optional(
        &mut h,
        e.merchant_id.map(i64::to_be_bytes).as_ref().map(|b| &b[..]),
    );
    optional(
        &mut h,
        e.reverses_id.map(i64::to_be_bytes).as_ref().map(|b| &b[..]),
    );
    optional(
        &mut h,
        e.counterpart
            .map(VoucherId::to_bytes)
            .as_ref()
            .map(|b| &b[..]),
    );
    optional(&mut h, e.idempotency_key.as_deref().map(str::as_bytes));
    optional(&mut h, e.request_sha256.as_deref().map(str::as_bytes));
    h.update(e.created_at_us.to_be_bytes());
    hex::encode(h.finalize())
}

/// A stored journal row with its chain columns.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct ChainedEntry {
    /// Row id (the `redemption_id` of receipts).
    pub id: i64,
    /// The chained fields.
    pub facts: EntryFacts,
    /// The hash of the voucher's previous entry, as stored.
    pub prev_hash: String,
    /// This entry's hash, as stored.
    pub entry_hash: String,
}

/// Why a chain does not verify at an entry.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BreakReason {
    /// The entry's fields no longer hash to its stored hash: it was edited.
    Altered,
    /// The entry does not follow the one before it: an entry before it was deleted or inserted.
    NotLinked,
    /// A position in the voucher's chain is missing: an entry was deleted.
    Missing,
    /// The balance would go below zero at this entry.
    Overdrawn,
    /// The stored balance does not equal what the journal adds up to.
    BalanceMismatch,
    /// A sale's basket lines (category, amount) no longer hash, with its voucher's token and
    /// amount, to the request hash its entry chains: a line was edited, added or removed.
    BasketAltered,
    /// A replacement's face value is not the balance its move_in brought.
    MoveInDiffers,
    /// The voucher's token does not verify with the trusted keys (or does not parse).
    TokenInvalid,
    /// The voucher's stored face value, validity, kid or id differ from its signed token.
    ClaimsDiffer,
}

impl BreakReason {
    /// Plain words, Indonesian first.
    pub fn words(self) -> &'static str {
        match self {
            BreakReason::Altered => "isi catatan diubah / entry altered",
            BreakReason::NotLinked => {
                "tidak bersambung dengan catatan sebelumnya / not linked to the entry before"
            }
            BreakReason::Missing => "catatan sebelumnya hilang / an earlier entry is missing",
            BreakReason::Overdrawn => "saldo menjadi negatif / balance below zero",
            BreakReason::BalanceMismatch => {
                "saldo tersimpan tidak sama dengan jurnal / stored balance differs from the journal"
            }
            BreakReason::BasketAltered => {
                "rincian belanja (kategori, jumlah) diubah / basket lines altered"
            }
            BreakReason::MoveInDiffers => {
                "nilai kartu pengganti tidak sama dengan saldo yang dipindahkan / a replacement's face value differs from the balance moved in"
            }
            BreakReason::TokenInvalid => {
                "token voucher tidak sah menurut kunci yang dipercaya / the voucher's token does not verify with the trusted keys"
            }
            BreakReason::ClaimsDiffer => {
                "nilai, masa berlaku atau kunci voucher berbeda dari token bertanda tangan / face value, validity or key differ from the signed token"
            }
        }
    }
}

/// The first place a journal fails to verify.
#[derive(Clone, PartialEq, Eq, Debug, Serialize)]
pub struct JournalBreak {
    /// The journal row at fault (for a missing entry: the first row after the gap), if any.
    pub entry_id: Option<i64>,
    /// Its voucher.
    pub voucher_id: VoucherId,
    /// Its position in the voucher's chain.
    pub seq: i64,
    /// Why.
    pub reason: BreakReason,
}

/// Checks one voucher's entries, given in chain order, against its chain and the ledger
/// identity; returns the balance they add up to. `issued` is the voucher's own issued value
/// (its face value, or 0 for a replacement).
pub fn verify_voucher_chain(
    voucher_id: VoucherId,
    issued: Rupiah,
    entries: &[ChainedEntry],
) -> Result<Rupiah, JournalBreak> {
    let mut prev = GENESIS_HASH.to_owned();
    let mut balance = issued;
    for (i, e) in entries.iter().enumerate() {
        let expected_seq = i64::try_from(i).unwrap_or(i64::MAX).saturating_add(1);
        let at = |reason| JournalBreak {
            entry_id: Some(e.id),
            voucher_id,
            seq: e.facts.seq,
            reason,
        };
        if e.facts.seq != expected_seq {
            return Err(at(BreakReason::Missing));
        }
        if e.prev_hash != prev {
            return Err(at(BreakReason::NotLinked));
        }
        if entry_hash(&prev, &e.facts) != e.entry_hash {
            return Err(at(BreakReason::Altered));
        }
        let amount = Rupiah::new(e.facts.amount_rp).map_err(|_| at(BreakReason::Altered))?;
        balance = e
            .facts
            .kind
            .apply(balance, amount)
            .ok_or_else(|| at(BreakReason::Overdrawn))?;
        prev.clone_from(&e.entry_hash);
    }
    Ok(balance)
}

/// The digest of a checkpoint's range: SHA-256 over the entry hashes of the range in id order.
#[derive(Clone, Debug, Default)]
pub struct RangeDigest {
    hasher: Sha256,
    entries: i64,
}

impl RangeDigest {
    /// An empty range.
    pub fn new() -> RangeDigest {
        RangeDigest::default()
    }

    /// Adds the next entry of the range (in id order).
    pub fn push(&mut self, id: i64, entry_hash: &str) {
        self.hasher.update(id.to_be_bytes());
        field(&mut self.hasher, entry_hash.as_bytes());
        self.entries = self.entries.saturating_add(1);
    }

    /// Entries added so far.
    pub fn entries(&self) -> i64 {
        self.entries
    }

    /// The digest, hex.
    pub fn finish(self) -> String {
        hex::encode(self.hasher.finalize())
    }
}

/// A checkpoint's chained fields.
#[derive(Clone, PartialEq, Eq, Debug, Serialize)]
pub struct CheckpointFacts {
    /// Position in the checkpoint chain, from 1.
    pub seq: i64,
    /// When it was taken, Unix microseconds.
    pub at_us: i64,
    /// The last journal row id it covers (it covers every row after the previous checkpoint's).
    pub last_entry_id: i64,
    /// How many rows its range holds.
    pub entries: i64,
    /// [`RangeDigest`] of its range.
    pub range_digest: String,
    /// The previous checkpoint's hash (or [`GENESIS_HASH`]).
    pub prev_hash: String,
}

impl CheckpointFacts {
    /// The checkpoint's hash, which its signature covers.
    pub fn hash(&self) -> String {
        let mut h = Sha256::new();
        h.update(CHECKPOINT_TAG);
        field(&mut h, self.prev_hash.as_bytes());
        h.update(self.seq.to_be_bytes());
        h.update(self.at_us.to_be_bytes());
        h.update(self.last_entry_id.to_be_bytes());
        h.update(self.entries.to_be_bytes());
        field(&mut h, self.range_digest.as_bytes());
        hex::encode(h.finalize())
    }
}

/// The bytes a checkpoint's Ed25519 signature covers: a tag, the deployment id and the hash.
pub fn checkpoint_signing_message(deployment_id: &str, hash: &str) -> Vec<u8> {
    let mut m = Vec::with_capacity(CHECKPOINT_TAG.len() + deployment_id.len() + 1 + hash.len());
    m.extend_from_slice(CHECKPOINT_TAG);
    m.extend_from_slice(deployment_id.as_bytes());
    m.push(0);
    m.extend_from_slice(hash.as_bytes());
    m
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(seq: i64, kind: EntryKind, amount_rp: i64) -> EntryFacts {
        EntryFacts {
            voucher_id: VoucherId::from_bytes([9; 16]),
            seq,
            kind,
            amount_rp,
            merchant_id: kind.is_shop_entry().then_some(3),
            reverses_id: (kind == EntryKind::Reversal).then_some(1),
            counterpart: (!kind.is_shop_entry()).then(|| VoucherId::from_bytes([8; 16])),
            idempotency_key: Some(format!("k-{seq}")),
            request_sha256: Some("ab".repeat(32)),
            created_at_us: 1_796_100_000_000_000 + seq,
        }
    }

    fn chain(kinds: &[(EntryKind, i64)]) -> Vec<ChainedEntry> {
        let mut prev = GENESIS_HASH.to_owned();
        let mut out = Vec::new();
        for (i, (kind, amount)) in kinds.iter().enumerate() {
            let f = facts(i as i64 + 1, *kind, *amount);
            let hash = entry_hash(&prev, &f);
            out.push(ChainedEntry {
                id: 100 + i as i64,
                facts: f,
                prev_hash: prev.clone(),
                entry_hash: hash.clone(),
            });
            prev = hash;
        }
        out
    }

    const V: VoucherId = VoucherId::from_bytes([9; 16]);

    fn issued() -> Rupiah {
        Rupiah::new(300_000).unwrap()
    }

    #[test]
    fn an_intact_chain_adds_up_to_the_balance() {
        let c = chain(&[
            (EntryKind::Debit, 100_000),
            (EntryKind::Reversal, 40_000),
            (EntryKind::Debit, 200_000),
            (EntryKind::MoveOut, 40_000),
        ]);
        assert_eq!(verify_voucher_chain(V, issued(), &c), Ok(Rupiah::ZERO));
        let moved_in = chain(&[(EntryKind::MoveIn, 40_000), (EntryKind::Debit, 40_000)]);
        assert_eq!(
            verify_voucher_chain(V, Rupiah::ZERO, &moved_in),
            Ok(Rupiah::ZERO)
        );
    }

    #[test]
    fn edits_deletions_and_insertions_are_named() {
        let good = chain(&[
            (EntryKind::Debit, 10_000),
            (EntryKind::Debit, 20_000),
            (EntryKind::Debit, 30_000),
        ]);
        let mut altered = good.clone();
        altered[1].facts.amount_rp = 2_000;
        let b = verify_voucher_chain(V, issued(), &altered).unwrap_err();
        assert_eq!((b.entry_id, b.reason), (Some(101), BreakReason::Altered));

        let mut deleted = good.clone();
        deleted.remove(1);
        let b = verify_voucher_chain(V, issued(), &deleted).unwrap_err();
        assert_eq!((b.entry_id, b.reason), (Some(102), BreakReason::Missing));

        // A deleted last entry renumbered away still breaks the link of the one after.
        let mut relinked = good.clone();
        relinked.remove(0);
        for (i, e) in relinked.iter_mut().enumerate() {
            e.facts.seq = i as i64 + 1;
        }
        let b = verify_voucher_chain(V, issued(), &relinked).unwrap_err();
        assert_eq!((b.entry_id, b.reason), (Some(101), BreakReason::NotLinked));

        let mut inserted = good;
        let mut forged = inserted[0].clone();
        forged.id = 999;
        inserted.insert(1, forged);
        assert!(verify_voucher_chain(V, issued(), &inserted).is_err());
    }

    #[test]
    fn every_chained_field_changes_the_hash() {
        let base = facts(1, EntryKind::Reversal, 5_000);
        let h = entry_hash(GENESIS_HASH, &base);
        let variants = [
            EntryFacts {
                seq: 2,
                ..base.clone()
            },
            EntryFacts {
                kind: EntryKind::Debit,
                ..base.clone()
            },
            EntryFacts {
                amount_rp: 5_001,
                ..base.clone()
            },
            EntryFacts {
                merchant_id: Some(4),
                ..base.clone()
            },
            EntryFacts {
                reverses_id: None,
                ..base.clone()
            },
            EntryFacts {
                counterpart: Some(VoucherId::from_bytes([1; 16])),
                ..base.clone()
            },
            EntryFacts {
                idempotency_key: None,
                ..base.clone()
            },
            EntryFacts {
                request_sha256: Some("cd".repeat(32)),
                ..base.clone()
            },
            EntryFacts {
                created_at_us: 1,
                ..base.clone()
            },
            EntryFacts {
                voucher_id: VoucherId::from_bytes([1; 16]),
                ..base.clone()
            },
        ];
        for v in variants {
            assert_ne!(entry_hash(GENESIS_HASH, &v), h, "{v:?}");
        }
        assert_ne!(entry_hash(&"1".repeat(64), &base), h);
    }

    #[test]
    fn an_overdraft_in_the_journal_is_found() {
        let c = chain(&[(EntryKind::Debit, 300_001)]);
        assert_eq!(
            verify_voucher_chain(V, issued(), &c).unwrap_err().reason,
            BreakReason::Overdrawn
        );
    }

    #[test]
    fn checkpoint_hashes_cover_every_field() {
        let mut d = RangeDigest::new();
        d.push(1, &"a".repeat(64));
        let c = CheckpointFacts {
            seq: 1,
            at_us: 5,
            last_entry_id: 1,
            entries: d.entries(),
            range_digest: d.finish(),
            prev_hash: GENESIS_HASH.to_owned(),
        };
        let h = c.hash();
        for other in [
            CheckpointFacts {
                seq: 2,
                ..c.clone()
            },
            CheckpointFacts {
                last_entry_id: 2,
                ..c.clone()
            },
            CheckpointFacts {
                entries: 2,
                ..c.clone()
            },
            CheckpointFacts {
                range_digest: RangeDigest::new().finish(),
                ..c.clone()
            },
        ] {
            assert_ne!(other.hash(), h);
        }
    }
}
