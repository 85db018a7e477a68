-- The ledger, made whole and tamper-evident. SQLite twin: ../sqlite/0005_journal_moves_chain_revocations.sql.
--
-- 1. Every movement of a voucher's balance is a journal row. A lost card's replacement moves the
--    balance as two rows in one transaction: `move_out` of the old voucher and `move_in` to the
--    new one (each naming the other in counterpart_voucher_id; no shop). So for every voucher
--      issued − Σ debit + Σ reversal − Σ move_out + Σ move_in = face_value_rp − spent_rp ≥ 0,
--    where issued is the face value of a voucher issued to a household and 0 for a replacement
--    (its face value is what its move_in brought), and a replacement leaves Σ balances unchanged.
-- 2. Reversals may carry the shop's Idempotency-Key, so a retried reversal replays its answer.
-- 3. Each voucher's entries form a hash chain (voucher_seq 1, 2, …; entry_hash over prev_hash
--    and the entry's fields, src/domain/journal.rs): editing, inserting or deleting an entry
--    breaks its voucher's chain, and no sale waits on a lock shared with other vouchers.
--    journal_checkpoints chain and sign (with the deployment's voucher key) the entries up to a
--    point, so a database owner without the key file cannot rewrite them unnoticed.
-- 4. Revocations get a commit-ordered sequence (appends take a transaction lock), so the offline
--    feed can page by it without skipping a revocation that committed late.

alter table redemptions
    alter column merchant_id drop not null,
    add column counterpart_voucher_id text references vouchers (id),
    add column voucher_seq bigint check (voucher_seq >= 1),
    add column prev_hash text check (length(prev_hash) = 64),
    add column entry_hash text check (length(entry_hash) = 64),
    drop constraint redemptions_kind_check,
    drop constraint redemptions_check1,
    add constraint redemptions_kind_check
        check (kind in ('debit', 'reversal', 'move_out', 'move_in')),
    -- shops sell and reverse; moves belong to no shop but name the other voucher
    add constraint redemptions_shop_or_counterpart check (
        (kind in ('debit', 'reversal')) = (merchant_id is not null)
        and (kind in ('move_out', 'move_in')) = (counterpart_voucher_id is not null)),
    -- a sale always has its key and canonical request; a reversal may (so answers replay)
    add constraint redemptions_debit_keyed
        check (kind <> 'debit' or (idempotency_key is not null and request_sha256 is not null)),
    add constraint redemptions_chain_whole check (
        (voucher_seq is null) = (entry_hash is null) and (voucher_seq is null) = (prev_hash is null)),
    add constraint redemptions_voucher_seq_key unique (voucher_id, voucher_seq);
-- (voucher_id, voucher_seq) serves every per-voucher lookup now.
drop index redemptions_voucher;

-- Replacements made before this migration moved their balance without journal rows: record both
-- sides now (what the replacement was issued with is what left the old card), and let the old
-- card's spent_rp say so, as a move does from now on.
insert into redemptions (voucher_id, merchant_id, kind, amount_rp, counterpart_voucher_id, created_at_us)
select voucher_id, null, kind, amount_rp, counterpart, at_us from (
    select o.id as voucher_id, 'move_out' as kind, n.face_value_rp as amount_rp, n.id as counterpart,
           n.issued_at_us as at_us, 0 as side
    from vouchers n join vouchers o on o.id = n.replaces
    union all
    select n.id, 'move_in', n.face_value_rp, o.id, n.issued_at_us, 1
    from vouchers n join vouchers o on o.id = n.replaces
) moves
order by at_us, voucher_id, side;
update vouchers o set spent_rp = o.spent_rp + n.face_value_rp
from vouchers n where n.replaces = o.id;

-- Entries written from now on are chained when inserted; the rows above and those of earlier
-- versions are sealed once by `relasi migrate` (Store::migrate), which is the only update the
-- journal accepts: setting the chain columns of an unsealed row and nothing else.
create function relasi_journal_append_only() returns trigger language plpgsql as $$
begin
    if tg_op = 'UPDATE' and old.entry_hash is null
       and (new.id, new.voucher_id, new.merchant_id, new.kind, new.amount_rp, new.reverses_id,
            new.idempotency_key, new.request_sha256, new.created_at_us, new.counterpart_voucher_id)
           is not distinct from
           (old.id, old.voucher_id, old.merchant_id, old.kind, old.amount_rp, old.reverses_id,
            old.idempotency_key, old.request_sha256, old.created_at_us, old.counterpart_voucher_id)
    then
        return new;
    end if;
    raise exception 'redemptions is append-only';
end
$$;
drop trigger redemptions_append_only on redemptions;
create trigger redemptions_append_only before update or delete on redemptions
    for each row execute function relasi_journal_append_only();

create function relasi_journal_chained() returns trigger language plpgsql as $$
begin
    raise exception 'a journal entry is chained when it is written (voucher_seq, prev_hash, entry_hash)';
end
$$;
create trigger redemptions_chained before insert on redemptions
    for each row when (new.entry_hash is null) execute function relasi_journal_chained();

-- The offline revocation feed, in commit order.
create table revocations (
    seq bigint generated always as identity primary key,
    voucher_id text not null unique references vouchers (id),
    revoked_at_us bigint not null
);
insert into revocations (voucher_id, revoked_at_us)
select id, revoked_at_us from vouchers where revoked_at_us is not null order by revoked_at_us, id;

-- Signed checkpoints over the journal: checkpoint n covers the entries with
-- id in (last_entry_id of n−1, last_entry_id of n]; range_digest hashes their entry_hash in id
-- order, hash chains it to checkpoint n−1, signature is Ed25519 by the key named by kid.
create table journal_checkpoints (
    seq bigint primary key check (seq >= 1),
    at_us bigint not null,
    last_entry_id bigint not null check (last_entry_id >= 0),
    entries bigint not null check (entries >= 0),
    range_digest text not null check (length(range_digest) = 64),
    prev_hash text not null check (length(prev_hash) = 64),
    hash text not null unique check (length(hash) = 64),
    kid text not null check (length(kid) = 8),
    signature text not null check (length(signature) = 86)
);

create trigger revocations_append_only before update or delete on revocations
    for each row execute function relasi_refuse_change();
create trigger revocations_never_truncated before truncate on revocations
    for each statement execute function relasi_refuse_removal();
create trigger journal_checkpoints_append_only before update or delete on journal_checkpoints
    for each row execute function relasi_refuse_change();
create trigger journal_checkpoints_never_truncated before truncate on journal_checkpoints
    for each statement execute function relasi_refuse_removal();
