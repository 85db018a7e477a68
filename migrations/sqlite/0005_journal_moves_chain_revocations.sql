-- no-transaction
-- The ledger, made whole and tamper-evident. PostgreSQL twin, with the reasons:
-- ../postgres/0005_journal_moves_chain_revocations.sql. In short: replacements move balances as
-- journal rows (move_out, move_in); reversals may carry an Idempotency-Key; each voucher's
-- entries form a hash chain; signed checkpoints cover the journal; revocations get a sequence.
--
-- SQLite cannot alter a table's checks, so the journal is rebuilt (the documented twelve-step
-- way: foreign keys off, outside sqlx's transaction, then one transaction of our own, and a
-- foreign key check before it commits).
pragma foreign_keys = off;
begin immediate;

create table redemptions_new (
    id integer primary key autoincrement,
    voucher_id text not null references vouchers (id),
    merchant_id bigint references merchants (id),
    kind text not null check (kind in ('debit', 'reversal', 'move_out', 'move_in')),
    amount_rp bigint not null check (amount_rp > 0),
    -- a debit is reversed at most once
    reverses_id bigint unique references redemptions (id),
    idempotency_key text check (length(idempotency_key) between 1 and 128),
    request_sha256 text,
    created_at_us bigint not null,
    counterpart_voucher_id text references vouchers (id),
    voucher_seq bigint check (voucher_seq >= 1),
    prev_hash text check (length(prev_hash) = 64),
    entry_hash text check (length(entry_hash) = 64),
    unique (merchant_id, idempotency_key),
    unique (voucher_id, voucher_seq),
    check ((kind = 'reversal') = (reverses_id is not null)),
    -- shops sell and reverse; moves belong to no shop but name the other voucher
    check ((kind in ('debit', 'reversal')) = (merchant_id is not null)
           and (kind in ('move_out', 'move_in')) = (counterpart_voucher_id is not null)),
    -- a sale always has its key and canonical request; a reversal may (so answers replay)
    check (kind <> 'debit' or (idempotency_key is not null and request_sha256 is not null)),
    check ((voucher_seq is null) = (entry_hash is null) and (voucher_seq is null) = (prev_hash is null))
);
insert into redemptions_new (id, voucher_id, merchant_id, kind, amount_rp, reverses_id,
                             idempotency_key, request_sha256, created_at_us)
select id, voucher_id, merchant_id, kind, amount_rp, reverses_id, idempotency_key, request_sha256,
       created_at_us
from redemptions order by id;
drop table redemptions;
alter table redemptions_new rename to redemptions;
create index redemptions_merchant_time on redemptions (merchant_id, created_at_us);

-- Replacements made before this migration: both sides of their move, and the old card's spent_rp.
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
update vouchers set spent_rp = spent_rp + (select n.face_value_rp from vouchers n where n.replaces = vouchers.id)
where exists (select 1 from vouchers n where n.replaces = vouchers.id);

-- Append-only, except sealing an unsealed row once (Store::migrate chains rows of earlier
-- versions): only the chain columns may go from null to a value.
create trigger redemptions_no_update before update on redemptions
    when old.entry_hash is not null
        or old.id is not new.id or old.voucher_id is not new.voucher_id
        or old.merchant_id is not new.merchant_id or old.kind is not new.kind
        or old.amount_rp is not new.amount_rp or old.reverses_id is not new.reverses_id
        or old.idempotency_key is not new.idempotency_key
        or old.request_sha256 is not new.request_sha256
        or old.created_at_us is not new.created_at_us
        or old.counterpart_voucher_id is not new.counterpart_voucher_id
begin
    select raise(abort, 'redemptions is append-only');
end;
create trigger redemptions_no_delete before delete on redemptions
begin
    select raise(abort, 'redemptions is append-only');
end;
create trigger redemptions_chained before insert on redemptions
    when new.entry_hash is null
begin
    select raise(abort, 'a journal entry is chained when it is written (voucher_seq, prev_hash, entry_hash)');
end;

-- The offline revocation feed, in commit order (SQLite has one writer).
create table revocations (
    seq integer primary key autoincrement,
    voucher_id text not null unique references vouchers (id),
    revoked_at_us bigint not null
);
insert into revocations (voucher_id, revoked_at_us)
select id, revoked_at_us from vouchers where revoked_at_us is not null order by revoked_at_us, id;
create trigger revocations_no_update before update on revocations
begin
    select raise(abort, 'revocations is append-only');
end;
create trigger revocations_no_delete before delete on revocations
begin
    select raise(abort, 'revocations is append-only');
end;

-- Signed checkpoints over the journal (see the PostgreSQL twin).
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
create trigger journal_checkpoints_no_update before update on journal_checkpoints
begin
    select raise(abort, 'journal_checkpoints is append-only');
end;
create trigger journal_checkpoints_no_delete before delete on journal_checkpoints
begin
    select raise(abort, 'journal_checkpoints is append-only');
end;

-- Nothing may point at a journal row that is not there.
pragma foreign_key_check;
commit;
pragma foreign_keys = on;
