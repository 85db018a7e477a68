-- A lease so that only one issuance runs per cycle at a time, across server instances and the
-- CLI: a runner takes it with one conditional update and gives it back when done; a crashed
-- runner's lease simply expires. PostgreSQL twin: ../postgres/0002_add_cycle_issuance_lease.sql.
alter table cycles add column issuing_until_us bigint;
