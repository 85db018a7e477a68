-- People and areas (issue 12). Reasons in the PostgreSQL twin:
-- ../postgres/0009_add_areas_accounts.sql.
alter table api_tokens add column areas text not null default ''
    check (areas not like '% ' and areas not like ' %' and length(areas) <= 4000);
alter table api_tokens add column expires_at_us bigint;

create table accounts (
    id integer primary key autoincrement,
    name text not null unique check (length(name) between 3 and 64),
    password_phc text not null check (password_phc like '$argon2id$%'),
    role text not null check (role in ('admin', 'issuer', 'kader', 'merchant', 'finance', 'auditor')),
    merchant_id bigint references merchants (id),
    areas text not null default '' check (length(areas) <= 4000),
    created_at_us bigint not null,
    failed_logins bigint not null default 0 check (failed_logins >= 0),
    locked_until_us bigint,
    disabled_at_us bigint,
    check ((role = 'merchant') = (merchant_id is not null))
);

alter table api_tokens add column account_id bigint references accounts (id);
create index api_tokens_account on api_tokens (account_id) where account_id is not null;
