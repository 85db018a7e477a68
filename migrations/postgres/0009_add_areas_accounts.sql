-- People and areas (issue 12).
--
-- Every token has an area: the wilayah codes (desa, kecamatan or kabupaten) it may see, written
-- space-separated so one text column serves both engines; '' means the whole deployment (a
-- district role). The server parses it into `domain::auth::Area` and refuses rows it cannot parse.
-- A kader must be bound to at least one desa: checked by the use case that creates the token,
-- because the level of a code is a rule of the domain, not of a column.
alter table api_tokens add column areas text not null default ''
    check (areas not like '% ' and areas not like ' %' and length(areas) <= 4000);
-- A token may end by itself (`relasi token create --expires`); checked on every request, so an
-- expired token is refused at once on every instance.
alter table api_tokens add column expires_at_us bigint;

-- Officers as people: a name and an argon2id password (the PHC string holds salt and
-- parameters). Signing in creates a session: an api_tokens row with account_id and an expiry,
-- so every check that holds for tokens holds for sessions.
create table accounts (
    id bigint generated always as identity primary key,
    name text not null unique check (length(name) between 3 and 64),
    password_phc text not null check (password_phc like '$argon2id$%'),
    role text not null check (role in ('admin', 'issuer', 'kader', 'merchant', 'finance', 'auditor')),
    merchant_id bigint references merchants (id),
    areas text not null default '' check (length(areas) <= 4000),
    created_at_us bigint not null,
    -- Failed sign-ins since the last good one; at the limit the account is locked until
    -- locked_until_us (lock-out against password guessing).
    failed_logins bigint not null default 0 check (failed_logins >= 0),
    locked_until_us bigint,
    disabled_at_us bigint,
    check ((role = 'merchant') = (merchant_id is not null))
);

alter table api_tokens add column account_id bigint references accounts (id);
create index api_tokens_account on api_tokens (account_id) where account_id is not null;
