-- Reconciliation records the unspent balance of a month's expired vouchers in one statement
-- (100,000 rows for a district). Its two foreign keys checked and row-locked the voucher and the
-- budget line once per row: 12 s of a 1,000,000-sale reconciliation. The same guarantee,
-- set-based, as 0004 gives vouchers: the statement's rows are checked at once, and what they
-- point at is never deleted and never re-keyed (0004's triggers on vouchers and budget_lines).
-- SQLite keeps its foreign keys (an index probe there): ../sqlite/0017_….

alter table budget_returns
    drop constraint budget_returns_voucher_id_fkey,
    drop constraint budget_returns_budget_line_id_fkey;

create function relasi_check_budget_return_references() returns trigger language plpgsql as $$
begin
    if exists (select 1 from inserted_returns t
               where not exists (select 1 from vouchers v
                                 where v.id = t.voucher_id and v.budget_line_id = t.budget_line_id))
    then
        raise exception 'a budget return names a voucher or budget line that does not exist'
            using errcode = 'foreign_key_violation';
    end if;
    return null;
end
$$;
do $$
begin
    execute format(
        'alter function relasi_check_budget_return_references() set search_path = %I, pg_temp',
        current_schema());
end
$$;
create trigger budget_returns_references_exist after insert on budget_returns
    referencing new table as inserted_returns
    for each statement execute function relasi_check_budget_return_references();
