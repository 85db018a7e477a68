-- The whole RELASI schema, first version. PostgreSQL twin: ../postgres/0001_create_schema.sql.
-- Conventions (shared with SQLite so one SQL text serves both backends):
--   * integers are bigint (sqlx decodes them as i64 on both backends);
--   * money is whole rupiah in bigint columns named *_rp, never numeric/float;
--   * instants are Unix time in bigint: *_unix in seconds (as in the voucher token),
--     *_us in microseconds for event times;
--   * calendar dates (birth dates, status changes) are ISO text (sqlx's NaiveDate encoding);
--   * identity columns are `integer primary key autoincrement` (PostgreSQL: identity).

-- One row: the deployment id mixed into every voucher signature.
create table deployment (
    singleton boolean primary key default true check (singleton),
    deployment_id text not null check (length(deployment_id) between 1 and 32),
    created_at_us bigint not null
);

-- Kepmendagri areas. parent_code builds desa -> kecamatan -> kabupaten -> provinsi.
create table wilayah (
    code text primary key,
    name text not null,
    level bigint not null check (level between 1 and 4),
    parent_code text references wilayah (code)
);
create index wilayah_parent on wilayah (parent_code);

create table programmes (
    id integer primary key autoincrement,
    -- the number carried in every token (2 bytes)
    number bigint not null unique check (number between 0 and 65535),
    name text not null check (length(name) between 1 and 200),
    year bigint not null check (year between 2000 and 2199),
    max_desil bigint not null check (max_desil between 1 and 10),
    voucher_base_rp bigint not null check (voucher_base_rp >= 0),
    voucher_per_member_rp bigint not null check (voucher_per_member_rp >= 0),
    -- the token's face value is 32 bits
    voucher_cap_rp bigint not null check (voucher_cap_rp >= voucher_base_rp and voucher_cap_rp <= 4294967295),
    -- comma-separated category words, e.g. protein_hewani,susu
    categories text not null check (length(categories) > 0),
    reversal_window_secs bigint not null check (reversal_window_secs between 0 and 2592000),
    utc_offset_hours bigint not null check (utc_offset_hours between -12 and 14),
    offline_allowed boolean not null,
    created_at_us bigint not null
);

-- Priority villages of a programme year.
create table lokus (
    year bigint not null,
    kode_desa text not null references wilayah (code),
    primary key (year, kode_desa)
);

-- The registry as it stands now; household_history keeps every state with the day it took
-- effect, because reconciliation judges a redemption against the registry of its own date.
create table households (
    no_kk text primary key check (length(no_kk) = 16),
    nik_kepala text not null check (length(nik_kepala) = 16),
    nama_kepala text not null,
    kode_desa text not null references wilayah (code),
    desil bigint not null check (desil between 1 and 10),
    krs boolean not null,
    status text not null check (status in ('aktif', 'pindah', 'meninggal', 'gabung')),
    updated_at_us bigint not null
);
create index households_desa on households (kode_desa);

create table household_history (
    id integer primary key autoincrement,
    no_kk text not null references households (no_kk),
    effective_from text not null,
    kode_desa text not null,
    desil bigint not null,
    krs boolean not null,
    status text not null,
    recorded_at_us bigint not null
);
create index household_history_kk on household_history (no_kk, effective_from);

-- A NIK may (wrongly) appear under two KKs; reconciliation reports it, so it is not unique here.
create table members (
    no_kk text not null references households (no_kk),
    nik text not null check (length(nik) = 16),
    nama text not null,
    tanggal_lahir text not null,
    sasaran text check (sasaran in ('ibu_hamil', 'ibu_menyusui', 'baduta', 'balita_stunting', 'catin')),
    mulai text,
    selesai text,
    stunting boolean not null,
    primary key (no_kk, nik),
    check (mulai is null or selesai is null or selesai >= mulai)
);
create index members_nik on members (nik);

create table merchants (
    id integer primary key autoincrement,
    name text not null check (length(name) between 1 and 120),
    kode_desa text not null references wilayah (code),
    status text not null check (status in ('active', 'inactive')),
    created_at_us bigint not null
);

create table merchant_service_areas (
    merchant_id bigint not null references merchants (id),
    kode_wilayah text not null references wilayah (code),
    primary key (merchant_id, kode_wilayah)
);

create table merchant_categories (
    merchant_id bigint not null references merchants (id),
    category text not null,
    primary key (merchant_id, category)
);

-- committed_rp <= amount_rp is the "never commit more than a line holds" rule, in the schema.
create table budget_lines (
    id integer primary key autoincrement,
    programme_id bigint not null references programmes (id),
    year bigint not null check (year between 2000 and 2199),
    sumber_dana text not null check (sumber_dana in ('APBD', 'DANA_DESA', 'CSR', 'APBN')),
    kode_wilayah text not null references wilayah (code),
    amount_rp bigint not null check (amount_rp >= 0),
    committed_rp bigint not null default 0 check (committed_rp >= 0 and committed_rp <= amount_rp),
    created_at_us bigint not null
);
create index budget_lines_programme on budget_lines (programme_id, year);

create table cycles (
    id integer primary key autoincrement,
    programme_id bigint not null references programmes (id),
    period text not null check (length(period) = 7),
    valid_from_unix bigint not null,
    valid_until_unix bigint not null,
    opened_at_us bigint not null,
    unique (programme_id, period),
    check (valid_until_unix > valid_from_unix)
);

-- Public halves and lifetimes of the signing keys. The private keys are not in the database.
-- kid is not unique: four bytes can collide, and verification tries every key with the kid.
create table signing_keys (
    public_key blob primary key check (length(public_key) = 32),
    kid text not null check (length(kid) = 8),
    status text not null check (status in ('active', 'retired', 'revoked')),
    signing_from_us bigint not null,
    signing_until_us bigint,
    verify_until_us bigint,
    created_at_us bigint not null
);
create unique index signing_keys_one_active on signing_keys (status) where status = 'active';

-- spent_rp moves only together with a journal row (see redemptions); the checks make an
-- overdraft impossible whatever the code does.
create table vouchers (
    id text primary key check (length(id) = 32),
    -- no foreign key: it follows from cycle_id (a cycle belongs to one programme), and every
    -- foreign key is a per-row check on the issuance hot path
    programme_id bigint not null,
    cycle_id bigint not null references cycles (id),
    no_kk text not null references households (no_kk),
    -- the household's desa when issued (a snapshot, like the face value; no foreign key)
    kode_desa text not null,
    budget_line_id bigint not null references budget_lines (id),
    kid text not null check (length(kid) = 8),
    face_value_rp bigint not null check (face_value_rp > 0 and face_value_rp <= 4294967295),
    spent_rp bigint not null default 0 check (spent_rp >= 0 and spent_rp <= face_value_rp),
    status text not null check (status in ('active', 'revoked')),
    valid_from_unix bigint not null,
    valid_until_unix bigint not null,
    -- the QR text; unique already through its id (bytes 6..22 are the primary key)
    token text not null,
    replaces text references vouchers (id),
    issued_at_us bigint not null,
    revoked_at_us bigint,
    check ((status = 'revoked') = (revoked_at_us is not null))
);
-- One voucher per household per cycle; a replacement card is the one exception, and each
-- voucher can be replaced at most once.
create unique index vouchers_one_per_household on vouchers (cycle_id, no_kk) where replaces is null;
create unique index vouchers_replaced_once on vouchers (replaces) where replaces is not null;
create index vouchers_cycle_desa on vouchers (cycle_id, kode_desa);
create index vouchers_revoked on vouchers (revoked_at_us) where revoked_at_us is not null;

-- The journal: debits and reversals, never updated or deleted.
create table redemptions (
    id integer primary key autoincrement,
    voucher_id text not null references vouchers (id),
    merchant_id bigint not null references merchants (id),
    kind text not null check (kind in ('debit', 'reversal')),
    amount_rp bigint not null check (amount_rp > 0),
    -- a debit is reversed at most once
    reverses_id bigint unique references redemptions (id),
    idempotency_key text check (length(idempotency_key) between 1 and 128),
    request_sha256 text,
    created_at_us bigint not null,
    unique (merchant_id, idempotency_key),
    check ((kind = 'reversal') = (reverses_id is not null)),
    check (kind = 'reversal' or (idempotency_key is not null and request_sha256 is not null))
);
create index redemptions_voucher on redemptions (voucher_id);
create index redemptions_merchant_time on redemptions (merchant_id, created_at_us);

create table redemption_items (
    redemption_id bigint not null references redemptions (id),
    category text not null,
    amount_rp bigint not null check (amount_rp > 0),
    primary key (redemption_id, category)
);

-- Monthly reconciliation: immutable, versioned runs.
create table reconciliation_runs (
    id integer primary key autoincrement,
    programme_id bigint not null references programmes (id),
    period text not null check (length(period) = 7),
    version bigint not null check (version >= 1),
    content_sha256 text not null check (length(content_sha256) = 64),
    content text not null,
    created_by text not null,
    created_at_us bigint not null,
    unique (programme_id, period, version)
);

create table settlements (
    id integer primary key autoincrement,
    run_id bigint not null references reconciliation_runs (id),
    merchant_id bigint not null references merchants (id),
    debit_count bigint not null check (debit_count >= 0),
    gross_rp bigint not null check (gross_rp >= 0),
    reversals_rp bigint not null check (reversals_rp >= 0),
    -- negative when reversals of earlier months exceed this month's sales
    net_payable_rp bigint not null check (net_payable_rp = gross_rp - reversals_rp),
    unique (run_id, merchant_id)
);

-- Bearer tokens: only the SHA-256 of the secret is kept.
create table api_tokens (
    id integer primary key autoincrement,
    token_sha256 text not null unique check (length(token_sha256) = 64),
    role text not null check (role in ('admin', 'issuer', 'kader', 'merchant', 'finance', 'auditor')),
    merchant_id bigint references merchants (id),
    label text not null default '',
    created_at_us bigint not null,
    revoked_at_us bigint,
    check ((role = 'merchant') = (merchant_id is not null))
);

-- Tamper-evident audit chain (see src/domain/audit.rs).
create table audit_log (
    seq bigint primary key check (seq >= 1),
    at_us bigint not null,
    actor text not null,
    action text not null,
    subject text not null,
    detail text not null,
    prev_hash text not null check (length(prev_hash) = 64),
    hash text not null unique check (length(hash) = 64)
);

-- The journal and the audit chain are append-only, whoever connects.
create trigger audit_log_no_update before update on audit_log
begin
    select raise(abort, 'audit_log is append-only');
end;
create trigger audit_log_no_delete before delete on audit_log
begin
    select raise(abort, 'audit_log is append-only');
end;
create trigger redemptions_no_update before update on redemptions
begin
    select raise(abort, 'redemptions is append-only');
end;
create trigger redemptions_no_delete before delete on redemptions
begin
    select raise(abort, 'redemptions is append-only');
end;
create trigger redemption_items_no_update before update on redemption_items
begin
    select raise(abort, 'redemption_items is append-only');
end;
create trigger redemption_items_no_delete before delete on redemption_items
begin
    select raise(abort, 'redemption_items is append-only');
end;
create trigger reconciliation_runs_no_update before update on reconciliation_runs
begin
    select raise(abort, 'reconciliation_runs is append-only');
end;
create trigger reconciliation_runs_no_delete before delete on reconciliation_runs
begin
    select raise(abort, 'reconciliation_runs is append-only');
end;
