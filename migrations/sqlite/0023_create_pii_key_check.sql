-- Which personal-data key the encrypted columns were written with (reasons in the PostgreSQL
-- twin: ../postgres/0023_create_pii_key_check.sql).
create table pii_key_check (
    singleton boolean primary key default true check (singleton),
    check_value text not null,
    recorded_at_us bigint not null
);
