-- Nothing to change on SQLite: `relasi pii rotate` defers the foreign keys of its one
-- transaction with `pragma defer_foreign_keys`, which needs no schema change. This file keeps
-- the two migration trees numbered alike; the reasons are in
-- ../postgres/0021_defer_household_references.sql.
select 1;
