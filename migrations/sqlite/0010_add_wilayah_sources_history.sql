-- The built-in Kepmendagri list and the history of wilayah updates. Reasons in the PostgreSQL
-- twin: ../postgres/0010_add_wilayah_sources_history.sql.
create table wilayah_sources (
    id integer primary key autoincrement,
    source text not null check (length(source) between 1 and 300),
    loaded_at_us bigint not null,
    inserted bigint not null check (inserted >= 0),
    renamed bigint not null check (renamed >= 0)
);
create index wilayah_sources_source on wilayah_sources (source);

create table wilayah_history (
    id integer primary key autoincrement,
    code text not null references wilayah (code),
    change text not null check (change in ('renamed', 'split_from')),
    old_name text,
    from_code text references wilayah (code),
    source_id bigint not null references wilayah_sources (id),
    check ((change = 'renamed') = (old_name is not null)),
    check ((change = 'split_from') = (from_code is not null))
);
create index wilayah_history_code on wilayah_history (code);
