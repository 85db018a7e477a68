-- PostgreSQL checks budget returns' references once per statement instead of once per row, and
-- checks that a return goes to its voucher's own budget line (../postgres/0017_…). SQLite keeps
-- its foreign keys (an index probe without a lock) and gains the same-line rule.
create trigger budget_returns_to_the_vouchers_line before insert on budget_returns
    when (select budget_line_id from vouchers where id = new.voucher_id) is not new.budget_line_id
begin
    select raise(abort, 'a budget return goes to its voucher''s own budget line');
end;
