-- Card hand-overs (issue 14). Reasons in the PostgreSQL twin:
-- ../postgres/0012_create_handovers.sql.
create table handovers (
    voucher_id text primary key references vouchers (id),
    handed_over_on date not null check (handed_over_on glob '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
    recorded_at_us integer not null,
    recorded_by text not null check (length(recorded_by) between 1 and 100)
);

create trigger handovers_no_update before update on handovers
begin
    select raise(abort, 'handovers are append-only');
end;
create trigger handovers_no_delete before delete on handovers
begin
    select raise(abort, 'handovers are append-only');
end;
