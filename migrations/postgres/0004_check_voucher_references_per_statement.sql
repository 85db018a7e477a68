-- Issuance inserts vouchers 2,000 rows per statement. A foreign key checks its parent once per
-- row, and row-locks it: for 100,000 vouchers the three keys took two thirds of the insert time.
-- The same guarantee, set-based:
--   1. every statement that inserts vouchers checks all its rows' household, cycle, budget line
--      and replaced voucher at once (a statement trigger over the inserted rows);
--   2. what a voucher points at can never go away: households, cycles, budget lines and vouchers
--      are never deleted or truncated, their keys never change, and a voucher's references and
--      claims never change after issuance (triggers below).
-- A checked reference therefore stays valid, as a foreign key would keep it.
-- SQLite keeps its foreign keys (there a check is an index probe without a lock) and gets the
-- same never-deleted rules: ../sqlite/0004_check_voucher_references_per_statement.sql.

alter table vouchers
    drop constraint vouchers_cycle_id_fkey,
    drop constraint vouchers_no_kk_fkey,
    drop constraint vouchers_budget_line_id_fkey,
    drop constraint vouchers_replaces_fkey;

create function relasi_check_voucher_references() returns trigger language plpgsql as $$
begin
    -- Separate anti-joins: each is one pass over the statement's rows (an `or` of `not exists`
    -- would run every subquery once per row). Issuance inserts vouchers in KK order, so the
    -- households of a statement are one narrow KK range: reading that range once and hashing
    -- it is a third of the cost of probing the index once per row. Cycles and lines are few.
    if (select count(*) from inserted_vouchers v
        left join (select h.no_kk from households h
                   where h.no_kk between (select min(no_kk) from inserted_vouchers)
                                     and (select max(no_kk) from inserted_vouchers)) h
            on h.no_kk = v.no_kk
        where h.no_kk is null) > 0
       or exists (select 1 from (select distinct cycle_id from inserted_vouchers) v
                  where not exists (select 1 from cycles c where c.id = v.cycle_id))
       or exists (select 1 from (select distinct budget_line_id from inserted_vouchers) v
                  where not exists (select 1 from budget_lines b where b.id = v.budget_line_id))
       or exists (select 1 from inserted_vouchers v
                  where v.replaces is not null
                    and not exists (select 1 from vouchers o where o.id = v.replaces))
    then
        raise exception 'a voucher references a household, cycle, budget line or voucher that does not exist'
            using errcode = 'foreign_key_violation';
    end if;
    return null;
end
$$;
-- The check reads the tables of the schema it was created in, never a session's temporary
-- tables of the same names (unlisted, pg_temp would be searched first).
do $$
begin
    execute format(
        'alter function relasi_check_voucher_references() set search_path = %I, pg_temp',
        current_schema());
end
$$;
create trigger vouchers_references_exist after insert on vouchers
    referencing new table as inserted_vouchers
    for each statement execute function relasi_check_voucher_references();

-- Never deleted (statement triggers cover truncate, which skips row triggers).
create function relasi_refuse_removal() returns trigger language plpgsql as $$
begin
    raise exception '% rows are never deleted', tg_table_name;
end
$$;
create trigger households_never_deleted before delete on households
    for each row execute function relasi_refuse_removal();
create trigger households_never_truncated before truncate on households
    for each statement execute function relasi_refuse_removal();
create trigger cycles_never_deleted before delete on cycles
    for each row execute function relasi_refuse_removal();
create trigger cycles_never_truncated before truncate on cycles
    for each statement execute function relasi_refuse_removal();
create trigger budget_lines_never_deleted before delete on budget_lines
    for each row execute function relasi_refuse_removal();
create trigger budget_lines_never_truncated before truncate on budget_lines
    for each statement execute function relasi_refuse_removal();
create trigger vouchers_never_deleted before delete on vouchers
    for each row execute function relasi_refuse_removal();
create trigger vouchers_never_truncated before truncate on vouchers
    for each statement execute function relasi_refuse_removal();
-- The append-only tables refuse truncate too.
create trigger audit_log_never_truncated before truncate on audit_log
    for each statement execute function relasi_refuse_removal();
create trigger redemptions_never_truncated before truncate on redemptions
    for each statement execute function relasi_refuse_removal();
create trigger redemption_items_never_truncated before truncate on redemption_items
    for each statement execute function relasi_refuse_removal();
create trigger reconciliation_runs_never_truncated before truncate on reconciliation_runs
    for each statement execute function relasi_refuse_removal();

-- Keys never change; a voucher keeps what it was issued with (only its balance and status move).
create function relasi_refuse_rekey() returns trigger language plpgsql as $$
begin
    raise exception 'the key of % rows never changes', tg_table_name;
end
$$;
create trigger households_key_fixed before update of no_kk on households
    for each row when (old.no_kk is distinct from new.no_kk)
    execute function relasi_refuse_rekey();
create trigger cycles_key_fixed before update of id on cycles
    for each row when (old.id is distinct from new.id)
    execute function relasi_refuse_rekey();
create trigger budget_lines_key_fixed before update of id on budget_lines
    for each row when (old.id is distinct from new.id)
    execute function relasi_refuse_rekey();

create function relasi_refuse_voucher_edit() returns trigger language plpgsql as $$
begin
    raise exception 'a voucher keeps its references and claims; only spent_rp, status and revoked_at_us change';
end
$$;
create trigger vouchers_issued_fixed before update of
    id, programme_id, cycle_id, no_kk, kode_desa, budget_line_id, kid, face_value_rp,
    valid_from_unix, valid_until_unix, token, replaces, issued_at_us on vouchers
    for each row when (
        (old.id, old.programme_id, old.cycle_id, old.no_kk, old.kode_desa, old.budget_line_id,
         old.kid, old.face_value_rp, old.valid_from_unix, old.valid_until_unix, old.token,
         old.replaces, old.issued_at_us)
        is distinct from
        (new.id, new.programme_id, new.cycle_id, new.no_kk, new.kode_desa, new.budget_line_id,
         new.kid, new.face_value_rp, new.valid_from_unix, new.valid_until_unix, new.token,
         new.replaces, new.issued_at_us))
    execute function relasi_refuse_voucher_edit();
