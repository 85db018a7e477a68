-- Card hand-overs (issue 14): which card reached which family on what date, recorded by the
-- kader of its desa (ticking the hand-over list or scanning the card), so the office knows
-- which cards never reached a family and reconciliation can flag cards spent before that.
create table handovers (
    -- a card reaches its family once: recording it again keeps the first record
    voucher_id text primary key references vouchers (id),
    -- the local date the family received the card, as the kader recorded it
    handed_over_on date not null,
    -- when it was recorded (may be later than the date: a hall without signal)
    recorded_at_us bigint not null,
    -- who recorded it, named as in the audit chain (role#token id)
    recorded_by text not null check (length(recorded_by) between 1 and 100)
);

-- The record is evidence for the office and the auditors: never changed or removed.
create function handovers_refuse_change() returns trigger language plpgsql as $$
begin
    raise exception 'handovers are append-only';
end $$;
create trigger handovers_append_only before update or delete on handovers
    for each row execute function handovers_refuse_change();
