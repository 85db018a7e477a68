-- What a voucher points at can never go away: households, cycles, budget lines and vouchers are
-- never deleted, their keys never change, and a voucher's references and claims never change
-- after issuance. SQLite keeps its per-row foreign keys on vouchers (an index probe here, without
-- a lock); PostgreSQL checks the same references once per statement and relies on these rules:
-- ../postgres/0004_check_voucher_references_per_statement.sql.

create trigger households_never_deleted before delete on households
begin
    select raise(abort, 'households rows are never deleted');
end;
create trigger cycles_never_deleted before delete on cycles
begin
    select raise(abort, 'cycles rows are never deleted');
end;
create trigger budget_lines_never_deleted before delete on budget_lines
begin
    select raise(abort, 'budget_lines rows are never deleted');
end;
create trigger vouchers_never_deleted before delete on vouchers
begin
    select raise(abort, 'vouchers rows are never deleted');
end;

create trigger households_key_fixed before update of no_kk on households
    when old.no_kk is not new.no_kk
begin
    select raise(abort, 'the key of households rows never changes');
end;
create trigger cycles_key_fixed before update of id on cycles
    when old.id is not new.id
begin
    select raise(abort, 'the key of cycles rows never changes');
end;
create trigger budget_lines_key_fixed before update of id on budget_lines
    when old.id is not new.id
begin
    select raise(abort, 'the key of budget_lines rows never changes');
end;

create trigger vouchers_issued_fixed before update of
    id, programme_id, cycle_id, no_kk, kode_desa, budget_line_id, kid, face_value_rp,
    valid_from_unix, valid_until_unix, token, replaces, issued_at_us on vouchers
    when old.id is not new.id or old.programme_id is not new.programme_id
        or old.cycle_id is not new.cycle_id or old.no_kk is not new.no_kk
        or old.kode_desa is not new.kode_desa or old.budget_line_id is not new.budget_line_id
        or old.kid is not new.kid or old.face_value_rp is not new.face_value_rp
        or old.valid_from_unix is not new.valid_from_unix
        or old.valid_until_unix is not new.valid_until_unix or old.token is not new.token
        or old.replaces is not new.replaces or old.issued_at_us is not new.issued_at_us
begin
    select raise(abort, 'a voucher keeps its references and claims; only spent_rp, status and revoked_at_us change');
end;
