-- Households eligible per desa of a cycle, as its issuance judged them (issue 14: the office
-- dashboard shows eligible beside issued). Issuance judges every household on the cycle's first
-- day anyway; keeping its count per desa costs one row per desa a run. Recounting on every view
-- of the dashboard would judge the whole registry again (members, ages, lokus, desil), and would
-- disagree with what was issued once the registry changed after the run.
create table cycle_desa_counts (
    cycle_id bigint not null references cycles (id),
    kode_desa text not null references wilayah (code),
    -- households of the desa eligible on the cycle's first day, whether their voucher was
    -- issued by this run or an earlier one (the run's `eligible`, per desa)
    eligible bigint not null check (eligible >= 0),
    -- when the run that counted them finished: a later run of the cycle replaces its rows
    counted_at_us bigint not null,
    primary key (cycle_id, kode_desa)
);
