-- Households eligible per desa of a cycle, as its issuance judged them (issue 14). Reasons in
-- the PostgreSQL twin: ../postgres/0020_create_cycle_desa_counts.sql.
create table cycle_desa_counts (
    cycle_id bigint not null references cycles (id),
    kode_desa text not null references wilayah (code),
    eligible bigint not null check (eligible >= 0),
    counted_at_us bigint not null,
    primary key (cycle_id, kode_desa)
);
