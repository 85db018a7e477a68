//! The auditor's check, and the checkpoints it leans on.
//!
//! `verify` walks, with bounded memory: the admin audit chain; every voucher's journal chain
//! against its stored balance (the ledger identity), each sale's basket lines against the request
//! hash its entry chains, and the voucher's stored claims against its signed token; the signed
//! checkpoints over the journal (each one's link, hash, signature and the digest of the rows it
//! covers); every stored receipt against its journal row and its signature, and every sale in the
//! journal against a stored receipt naming it. It names the first thing that does not
//! hold in each. `checkpoint` appends the next signed checkpoint (the server does it on a timer;
//! `relasi audit checkpoint` on demand). ARCHITECTURE.md "Tamper evidence" says what each layer
//! catches and what it does not.

use crate::domain::audit::{ChainBreak, verify_chain};
use crate::domain::ids::VoucherId;
use crate::domain::journal::{
    BreakReason, ChainedEntry, CheckpointFacts, EntryKind, GENESIS_HASH, JournalBreak,
    checkpoint_signing_message, verify_voucher_chain,
};
use crate::domain::money::Rupiah;
use crate::domain::sale::{SaleRequest, canonical_sale, request_sha256};
use crate::signing::Signer;
use crate::store::{Store, StoreError, StoreResult, StoredCheckpoint, VoucherLedger, now_us};
use data_encoding::BASE64URL_NOPAD;
use ed25519_dalek::{Signature, Signer as _};
use relasi_token::receipt::Receipt;
use relasi_token::{DeploymentId, Kid, SignedToken, VerifyingKey};
use serde::Serialize;
use std::collections::BTreeMap;

/// Where the checkpoint chain first fails.
#[derive(Clone, PartialEq, Eq, Debug, Serialize)]
pub struct CheckpointBreak {
    /// The checkpoint.
    pub seq: i64,
    /// The journal rows it covers: ids after `from_entry_id` up to `to_entry_id`.
    pub from_entry_id: i64,
    /// Last row it covers.
    pub to_entry_id: i64,
    /// Why, in plain words.
    pub reason: &'static str,
}

/// A stored receipt that does not match its journal row or its signature.
#[derive(Clone, PartialEq, Eq, Debug, Serialize)]
pub struct ReceiptBreak {
    /// The journal row (the receipt's `redemption_id`).
    pub entry_id: i64,
    /// Why, in plain words.
    pub reason: &'static str,
}

/// What `verify` found.
#[derive(Clone, PartialEq, Eq, Debug, Serialize)]
pub struct AuditReport {
    /// Admin audit records checked.
    pub audit_records: usize,
    /// Hash of the last audit record.
    pub audit_head: Option<String>,
    /// First break of the admin audit chain.
    pub audit_break: Option<ChainBreak>,
    /// Vouchers whose journal was checked.
    pub vouchers: u64,
    /// Journal entries checked.
    pub entries: u64,
    /// First journal entry that was altered, inserted or deleted (or a balance that differs).
    pub journal_break: Option<JournalBreak>,
    /// First voucher whose stored face value, validity or kid differ from its signed token, or
    /// whose token does not verify with the trusted keys.
    pub token_break: Option<JournalBreak>,
    /// Checkpoints checked.
    pub checkpoints: u64,
    /// The last journal row a valid checkpoint covers.
    pub sealed_through_entry_id: i64,
    /// First checkpoint that does not hold.
    pub checkpoint_break: Option<CheckpointBreak>,
    /// Stored receipts checked.
    pub receipts: u64,
    /// First stored receipt that does not match.
    pub receipt_break: Option<ReceiptBreak>,
}

impl AuditReport {
    /// Whether everything held.
    pub fn intact(&self) -> bool {
        self.audit_break.is_none()
            && self.journal_break.is_none()
            && self.token_break.is_none()
            && self.checkpoint_break.is_none()
            && self.receipt_break.is_none()
    }
}

/// The keys signatures are checked against: the published ones, or a copy the auditor kept.
#[derive(Clone, Debug, Default)]
pub struct TrustedKeys {
    keys: Vec<(Kid, VerifyingKey)>,
}

impl TrustedKeys {
    /// From public keys.
    pub fn new(keys: impl IntoIterator<Item = VerifyingKey>) -> TrustedKeys {
        TrustedKeys {
            keys: keys.into_iter().map(|k| (Kid::of(&k), k)).collect(),
        }
    }

    /// Every key the database publishes (whatever its status: a revoked key's past signatures
    /// are still the record of what was written).
    pub async fn published(store: &Store) -> StoreResult<TrustedKeys> {
        let metas = store.signing_keys().await?;
        Ok(TrustedKeys::new(metas.iter().filter_map(|m| {
            VerifyingKey::from_bytes(&m.public_key).ok()
        })))
    }

    fn verify(&self, kid: &str, message: &[u8], signature_b64: &str) -> bool {
        let Some(kid) = Kid::from_hex(kid) else {
            return false;
        };
        let Some(signature) = BASE64URL_NOPAD
            .decode(signature_b64.as_bytes())
            .ok()
            .and_then(|b| <[u8; 64]>::try_from(b).ok())
        else {
            return false;
        };
        let signature = Signature::from_bytes(&signature);
        self.keys
            .iter()
            .filter(|(k, _)| *k == kid)
            .any(|(_, key)| key.verify_strict(message, &signature).is_ok())
    }

    fn all(&self) -> impl Iterator<Item = &VerifyingKey> {
        self.keys.iter().map(|(_, k)| k)
    }
}

/// Verifies everything (see the module documentation).
pub async fn verify(
    store: &Store,
    deployment: &DeploymentId,
    keys: &TrustedKeys,
) -> StoreResult<AuditReport> {
    let records = store.audit_records().await?;
    let journal = verify_journal(store, deployment, keys).await?;
    let (checkpoints, sealed_through_entry_id, checkpoint_break) =
        verify_checkpoints(store, deployment, keys).await?;
    let (receipts, receipt_break) = verify_receipts(store, deployment, keys).await?;
    let receipt_break = receipt_break.or(journal.unreceipted);
    Ok(AuditReport {
        audit_records: records.len(),
        audit_head: records.last().map(|r| r.hash.clone()),
        audit_break: verify_chain(&records).err(),
        vouchers: journal.vouchers,
        entries: journal.entries,
        journal_break: journal.journal_break,
        token_break: journal.token_break,
        checkpoints,
        sealed_through_entry_id,
        checkpoint_break,
        receipts,
        receipt_break,
    })
}

/// What the walk over every voucher found.
#[derive(Default)]
struct JournalTally {
    vouchers: u64,
    entries: u64,
    journal_break: Option<JournalBreak>,
    token_break: Option<JournalBreak>,
    unreceipted: Option<ReceiptBreak>,
}

/// Every voucher's chain, balance, baskets and signed token, a page of vouchers at a time; the
/// first break of each kind is kept and the walk goes on, so both are always looked for.
async fn verify_journal(
    store: &Store,
    deployment: &DeploymentId,
    keys: &TrustedKeys,
) -> StoreResult<JournalTally> {
    let mut tally = JournalTally::default();
    let mut after = String::new();
    loop {
        let page = store.voucher_ledgers(&after).await?;
        let (Some(first), Some(last)) = (page.first().map(|v| v.id), page.last().map(|v| v.id))
        else {
            return Ok(tally);
        };
        let journal = store.journal_of_vouchers(first, last).await?;
        let mut baskets: BTreeMap<i64, Vec<(String, String)>> = BTreeMap::new();
        for (entry, category, amount_rp) in store.journal_items_of_vouchers(first, last).await? {
            baskets
                .entry(entry)
                .or_default()
                .push((category, amount_rp.to_string()));
        }
        if tally.unreceipted.is_none() {
            tally.unreceipted = unreceipted(store, first, last).await?;
        }
        let (page, faults) = token_faults(page, deployment, keys).await?;
        let mut rest: &[ChainedEntry] = &journal;
        for (v, token_fault) in page.iter().zip(faults) {
            let split = rest
                .iter()
                .position(|e| e.facts.voucher_id != v.id)
                .unwrap_or(rest.len());
            let (mine, others) = rest.split_at(split);
            rest = others;
            tally.vouchers += 1;
            tally.entries += u64::try_from(mine.len()).unwrap_or(0);
            if tally.journal_break.is_none() {
                tally.journal_break = check_voucher(v, mine, &baskets);
            }
            if tally.token_break.is_none() {
                tally.token_break = token_fault.map(|reason| JournalBreak {
                    entry_id: None,
                    voucher_id: v.id,
                    seq: 0,
                    reason,
                });
            }
        }
        after = last.to_string();
    }
}

/// The first journal row of the vouchers in `[first, last]` that a shop made but no stored
/// receipt names: every sale (and keyed reversal) stores its signed receipt under the shop's key
/// in its own transaction, so a row without one was inserted behind the server's back.
/// (`verify_receipts` checks each stored receipt's signature and its row.)
async fn unreceipted(
    store: &Store,
    first: VoucherId,
    last: VoucherId,
) -> StoreResult<Option<ReceiptBreak>> {
    let answers = store.shop_answers_of_vouchers(first, last).await?;
    Ok(answers.into_iter().find_map(|(id, status, body)| {
        let names_it = status == Some(201)
            && body
                .as_deref()
                .and_then(parse_receipt)
                .is_some_and(|(r, ..)| i64::try_from(r.redemption_id).ok() == Some(id));
        (!names_it).then_some(ReceiptBreak {
            entry_id: id,
            reason: "tidak ada struk bertanda tangan untuk catatan ini: disisipkan / \
                     no signed receipt names this sale or reversal: it was inserted",
        })
    }))
}

/// One voucher's chain against its stored balance, a replacement's face value against its
/// move_in, and each sale's basket lines against the request hash its entry chains.
fn check_voucher(
    v: &VoucherLedger,
    entries: &[ChainedEntry],
    baskets: &BTreeMap<i64, Vec<(String, String)>>,
) -> Option<JournalBreak> {
    let at = |e: Option<&ChainedEntry>, reason| JournalBreak {
        entry_id: e.map(|e| e.id),
        voucher_id: v.id,
        seq: e.map_or(0, |e| e.facts.seq),
        reason,
    };
    let issued = Rupiah::new(v.issued_rp).unwrap_or(Rupiah::ZERO);
    let balance = match verify_voucher_chain(v.id, issued, entries) {
        Err(broken) => return Some(broken),
        Ok(balance) => balance,
    };
    let first = entries.first();
    if v.replacement
        && !first.is_some_and(|e| {
            e.facts.kind == EntryKind::MoveIn && e.facts.amount_rp == v.face_value_rp
        })
    {
        return Some(at(first, BreakReason::MoveInDiffers));
    }
    if balance.as_i64() != v.balance_rp {
        return Some(at(entries.last(), BreakReason::BalanceMismatch));
    }
    let token = SignedToken::parse_text(&v.token)
        .map_or_else(|_| v.token.trim().to_owned(), |t| t.to_text());
    entries
        .iter()
        .find(|e| basket_altered(e, &token, baskets.get(&e.id)))
        .map(|e| at(Some(e), BreakReason::BasketAltered))
}

/// Whether a journal entry's basket lines no longer match it. A sale's request hash (chained in
/// its entry) is the SHA-256 of its canonical request: the voucher's token, the amount and the
/// basket merged by category, which is exactly how its lines are stored; so re-hashing them
/// must give it back. Entries other than sales have no lines.
fn basket_altered(e: &ChainedEntry, token: &str, lines: Option<&Vec<(String, String)>>) -> bool {
    if e.facts.kind != EntryKind::Debit {
        return lines.is_some();
    }
    let Some(stored) = e.facts.request_sha256.as_deref() else {
        return true;
    };
    let request = SaleRequest {
        token: token.to_owned(),
        amount: e.facts.amount_rp.to_string(),
        items: lines.cloned().unwrap_or_default(),
    };
    request_sha256(&canonical_sale(&request, Some(token))) != stored
}

/// Each voucher's token checked against the trusted keys and its stored claims, on a blocking
/// thread (a signature check per voucher).
async fn token_faults(
    page: Vec<VoucherLedger>,
    deployment: &DeploymentId,
    keys: &TrustedKeys,
) -> StoreResult<(Vec<VoucherLedger>, Vec<Option<BreakReason>>)> {
    let (deployment, keys) = (deployment.clone(), keys.clone());
    tokio::task::spawn_blocking(move || {
        let faults: Vec<Option<BreakReason>> = page
            .iter()
            .map(|v| token_fault(v, &deployment, &keys))
            .collect();
        (page, faults)
    })
    .await
    .map_err(|_| StoreError::Corrupt("the token check stopped"))
}

/// Why a voucher's stored claims cannot be trusted, if they cannot: its token does not verify
/// with the trusted keys, or the face value, validity, kid or id stored beside it differ from
/// what the token signs (money created by editing `face_value_rp` shows here).
fn token_fault(
    v: &VoucherLedger,
    deployment: &DeploymentId,
    keys: &TrustedKeys,
) -> Option<BreakReason> {
    let Ok(token) = SignedToken::parse_text(&v.token) else {
        return Some(BreakReason::TokenInvalid);
    };
    if token.verify(deployment, keys.all()).is_err() {
        return Some(BreakReason::TokenInvalid);
    }
    let c = &token.claims;
    let same = c.voucher_id == v.id.to_bytes()
        && i64::from(c.face_value_rp) == v.face_value_rp
        && i64::from(c.valid_from_unix) == v.valid_from_unix
        && i64::from(c.valid_until_unix) == v.valid_until_unix
        && c.kid.to_hex() == v.kid;
    (!same).then_some(BreakReason::ClaimsDiffer)
}

/// The checkpoint chain: links, hashes, signatures, and each range's digest.
async fn verify_checkpoints(
    store: &Store,
    deployment: &DeploymentId,
    keys: &TrustedKeys,
) -> StoreResult<(u64, i64, Option<CheckpointBreak>)> {
    let mut prev_hash = GENESIS_HASH.to_owned();
    let mut prev_last = 0i64;
    let mut checked = 0u64;
    for (i, c) in store.checkpoints().await?.into_iter().enumerate() {
        let f = &c.facts;
        let broken = |reason| CheckpointBreak {
            seq: f.seq,
            from_entry_id: prev_last,
            to_entry_id: f.last_entry_id,
            reason,
        };
        let expected_seq = i64::try_from(i).unwrap_or(i64::MAX).saturating_add(1);
        let reason = if f.seq != expected_seq || f.prev_hash != prev_hash {
            Some("a checkpoint is missing or out of order")
        } else if f.hash() != c.hash {
            Some("checkpoint content was altered")
        } else if !keys.verify(
            &c.kid,
            &checkpoint_signing_message(deployment.as_str(), &c.hash),
            &c.signature,
        ) {
            Some("checkpoint signature does not verify with the published keys")
        } else {
            let digest = store.range_digest(prev_last, f.last_entry_id).await?;
            (digest.entries() != f.entries || digest.finish() != f.range_digest).then_some(
                "journal rows it covers were altered, inserted or deleted after it was signed",
            )
        };
        if let Some(reason) = reason {
            return Ok((checked, prev_last, Some(broken(reason))));
        }
        checked += 1;
        prev_hash.clone_from(&c.hash);
        prev_last = f.last_entry_id;
    }
    Ok((checked, prev_last, None))
}

/// Every stored receipt: its signature, and the journal row it describes.
async fn verify_receipts(
    store: &Store,
    deployment: &DeploymentId,
    keys: &TrustedKeys,
) -> StoreResult<(u64, Option<ReceiptBreak>)> {
    let mut after: (i64, String) = (i64::MIN, String::new());
    let mut checked = 0u64;
    loop {
        let page = store.stored_receipts((after.0, &after.1)).await?;
        let Some(last) = page.last() else {
            return Ok((checked, None));
        };
        after = (last.merchant_id, last.idempotency_key.clone());
        let parsed: Vec<Option<(Receipt, String, String)>> = page
            .iter()
            .map(|r| parse_receipt(&r.response_body))
            .collect();
        let ids: Vec<i64> = parsed
            .iter()
            .flatten()
            .filter_map(|(r, ..)| i64::try_from(r.redemption_id).ok())
            .collect();
        let rows = store.journal_entries(&ids).await?;
        for receipt in &parsed {
            let Some(receipt) = receipt else {
                return Ok((
                    checked,
                    Some(ReceiptBreak {
                        entry_id: 0,
                        reason: "a stored receipt is not readable",
                    }),
                ));
            };
            let id = i64::try_from(receipt.0.redemption_id).unwrap_or(0);
            let row = rows.iter().find(|e| e.id == id);
            if let Some(reason) = receipt_fault(receipt, row, deployment, keys) {
                return Ok((
                    checked,
                    Some(ReceiptBreak {
                        entry_id: id,
                        reason,
                    }),
                ));
            }
            checked += 1;
        }
    }
}

/// A stored receipt's signed fields, kid and signature, if it can be read.
fn parse_receipt(body: &str) -> Option<(Receipt, String, String)> {
    let json: serde_json::Value = serde_json::from_str(body).ok()?;
    let number = |field: &str| -> Option<u64> {
        let v = &json[field];
        v.as_u64()
            .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
    };
    let kind = match json["kind"].as_str()? {
        "debit" => Receipt::DEBIT,
        "reversal" => Receipt::REVERSAL,
        _ => return None,
    };
    let voucher = VoucherId::parse(json["voucher_id"].as_str()?).ok()?;
    let receipt = Receipt {
        kind,
        redemption_id: number("redemption_id")?,
        voucher_id: voucher.to_bytes(),
        merchant_id: number("merchant_id")?,
        amount_rp: number("amount")?,
        balance_after_rp: number("balance_after")?,
        created_at_us: json["created_at_us"].as_i64()?,
        reverses_id: if kind == Receipt::REVERSAL {
            number("reverses")?
        } else {
            0
        },
    };
    let kid = json["receipt_kid"].as_str()?.to_owned();
    let signature = json["receipt_signature"].as_str()?.to_owned();
    Some((receipt, kid, signature))
}

/// Why a stored receipt does not stand for its journal row, if it does not.
fn receipt_fault(
    (receipt, kid, signature): &(Receipt, String, String),
    row: Option<&ChainedEntry>,
    deployment: &DeploymentId,
    keys: &TrustedKeys,
) -> Option<&'static str> {
    if !keys.verify(kid, &receipt.signing_message(deployment), signature) {
        return Some("the stored receipt's signature does not verify");
    }
    let Some(row) = row else {
        return Some("the journal row of a signed receipt is missing");
    };
    let f = &row.facts;
    let kind = if receipt.kind == Receipt::DEBIT {
        EntryKind::Debit
    } else {
        EntryKind::Reversal
    };
    let same = i64::try_from(receipt.redemption_id).ok() == Some(row.id)
        && f.kind == kind
        && f.voucher_id.to_bytes() == receipt.voucher_id
        && f.merchant_id.and_then(|m| u64::try_from(m).ok()) == Some(receipt.merchant_id)
        && u64::try_from(f.amount_rp).ok() == Some(receipt.amount_rp)
        && f.created_at_us == receipt.created_at_us
        && f.reverses_id
            .and_then(|r| u64::try_from(r).ok())
            .unwrap_or(0)
            == receipt.reverses_id;
    (!same).then_some("the journal row differs from the receipt the shop was given")
}

/// Appends the next checkpoint, signed with `signer`, over the journal rows written since the
/// last one; `None` when there is nothing new (or another instance appended it first).
pub async fn checkpoint(
    store: &Store,
    deployment: &DeploymentId,
    signer: &Signer,
) -> StoreResult<Option<StoredCheckpoint>> {
    let watermark = store.journal_watermark().await?;
    let last = store.last_checkpoint().await?;
    let (seq, after, prev_hash) = last.as_ref().map_or((1, 0, GENESIS_HASH.to_owned()), |c| {
        (c.facts.seq + 1, c.facts.last_entry_id, c.hash.clone())
    });
    if watermark <= after {
        return Ok(None);
    }
    let digest = store.range_digest(after, watermark).await?;
    let facts = CheckpointFacts {
        seq,
        at_us: now_us(),
        last_entry_id: watermark,
        entries: digest.entries(),
        range_digest: digest.finish(),
        prev_hash,
    };
    let hash = facts.hash();
    let signature = signer
        .key
        .sign(&checkpoint_signing_message(deployment.as_str(), &hash));
    let stored = StoredCheckpoint {
        facts,
        hash,
        kid: signer.kid.to_hex(),
        signature: BASE64URL_NOPAD.encode(&signature.to_bytes()),
    };
    match store.append_checkpoint(&stored).await {
        Ok(()) => Ok(Some(stored)),
        Err(StoreError::Conflict(_)) => Ok(None),
        Err(e) => Err(e),
    }
}

/// Parses the JSON of `GET /v1/keys` saved by an auditor into trusted keys.
pub fn keys_from_json(text: &str) -> Result<TrustedKeys, &'static str> {
    let doc: serde_json::Value = serde_json::from_str(text).map_err(|_| "not JSON")?;
    let keys = doc["keys"].as_array().ok_or("no keys list")?;
    let mut out = Vec::with_capacity(keys.len());
    for k in keys {
        let bytes = BASE64URL_NOPAD
            .decode(k["public_key"].as_str().unwrap_or("").as_bytes())
            .map_err(|_| "public_key is not base64url")?;
        let bytes: [u8; 32] = bytes.try_into().map_err(|_| "public_key length")?;
        out.push(VerifyingKey::from_bytes(&bytes).map_err(|_| "public_key point")?);
    }
    Ok(TrustedKeys::new(out))
}

impl TrustedKeys {
    /// How many keys.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// Keys as a plain list (for callers that verify tokens with them).
    pub fn verifying_keys(&self) -> Vec<VerifyingKey> {
        self.all().copied().collect()
    }
}
