-- Every Kepmendagri list comes built into the binary (issue 13), and updates still come as files.
-- wilayah_sources says which lists a database has loaded, so `migrate` loads the built-in list
-- once per database and list (a newer binary with a newer list loads that one too), and an
-- operator can tell which list the names come from.
create table wilayah_sources (
    id bigint generated always as identity primary key,
    -- e.g. 'kepmendagri-300.2.2-2L38-2025 (built in)' or the imported file's name
    source text not null check (length(source) between 1 and 300),
    loaded_at_us bigint not null,
    -- areas written: new codes plus renamed ones
    inserted bigint not null check (inserted >= 0),
    renamed bigint not null check (renamed >= 0)
);
create index wilayah_sources_source on wilayah_sources (source);

-- A code is never deleted: households, budget lines, merchants and old reports keep pointing at
-- it. What a later list changes is kept here instead: a renamed area's former name, and an area
-- split off from another (the list's `asal` column), so a report can say what a code was called
-- when a voucher was issued, and where a new desa came from.
create table wilayah_history (
    id bigint generated always as identity primary key,
    code text not null references wilayah (code),
    change text not null check (change in ('renamed', 'split_from')),
    -- renamed: the name before this list
    old_name text,
    -- split_from: the code this area was formed from
    from_code text references wilayah (code),
    source_id bigint not null references wilayah_sources (id),
    check ((change = 'renamed') = (old_name is not null)),
    check ((change = 'split_from') = (from_code is not null))
);
create index wilayah_history_code on wilayah_history (code);
