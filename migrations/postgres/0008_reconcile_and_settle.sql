-- The finance officer's month (issue 10): reconciliation runs that are signed and say what they
-- read, budget returns recorded once, and settlements that claim each journal entry once.
-- SQLite twin: ../sqlite/0008_reconcile_and_settle.sql.
--
-- The registry as it stood on a day is already recoverable: household_history keeps every
-- household state with the day it took effect (0001), and a member's counting facts are dates
-- themselves (birth date, mulai..selesai). So nothing is added for it here; a run records the
-- last registry import it saw (the audit chain's seq) as its registry version.

-- Anomaly thresholds and the automatic run are programme settings, so a district tunes them
-- without a release. Times are the programme's local time.
alter table programmes
    -- a voucher drained in one sale at or after this local hour is flagged
    add column recon_closing_hour bigint not null default 20
        check (recon_closing_hour between 0 and 23),
    -- a burst: at least this many sales at one shop …
    add column recon_burst_sales bigint not null default 10
        check (recon_burst_sales between 2 and 10000),
    -- … within this many seconds
    add column recon_burst_window_secs bigint not null default 300
        check (recon_burst_window_secs between 1 and 86400),
    -- one shop serving at least this share (percent) of a desa's vouchers …
    add column recon_desa_share_pct bigint not null default 80
        check (recon_desa_share_pct between 1 and 100),
    -- … when the desa has at least this many vouchers with sales
    add column recon_desa_min_vouchers bigint not null default 10
        check (recon_desa_min_vouchers >= 1),
    -- sales at the full voucher value: this many at one shop is a cluster
    add column recon_full_value_sales bigint not null default 10
        check (recon_full_value_sales >= 1),
    -- reversals at or above this percent of a shop's sales …
    add column recon_reversal_rate_pct bigint not null default 20
        check (recon_reversal_rate_pct between 1 and 100),
    -- … once the shop has at least this many sales
    add column recon_reversal_min_sales bigint not null default 10
        check (recon_reversal_min_sales >= 1),
    -- run the month's reconciliation by itself on this day of the next month (local), at
    -- recon_auto_hour; null: only when someone asks
    add column recon_auto_day bigint check (recon_auto_day between 1 and 28),
    add column recon_auto_hour bigint not null default 2 check (recon_auto_hour between 0 and 23);

-- What a run read and its signature. High-water marks let an auditor see which journal rows and
-- which registry a version reflects; the signature (Ed25519 by the deployment's voucher key over
-- "RELASI-RECON-1\0" ‖ deployment id ‖ 0x00 ‖ content_sha256) lets a printed report be checked
-- with GET /v1/keys alone. The table stays append-only (0001's triggers).
alter table reconciliation_runs
    add column last_entry_id bigint not null default 0 check (last_entry_id >= 0),
    add column registry_version bigint not null default 0 check (registry_version >= 0),
    add column balanced boolean not null default false,
    add column exceptions bigint not null default 0 check (exceptions >= 0),
    add column kid text check (length(kid) = 8),
    add column signature text check (length(signature) = 86);

-- Unspent balance of an expired voucher goes back to its budget line once: the primary key is
-- the voucher, so a second run finds it recorded and releases nothing more.
create table budget_returns (
    voucher_id text primary key references vouchers (id),
    budget_line_id bigint not null references budget_lines (id),
    amount_rp bigint not null check (amount_rp > 0),
    period text not null check (length(period) = 7),
    recorded_at_us bigint not null
);
create index budget_returns_line on budget_returns (budget_line_id);
create trigger budget_returns_append_only before update or delete on budget_returns
    for each row execute function relasi_refuse_change();

-- 0001's settlements hung off a reconciliation run and were never written; settlement is its
-- own act (draft -> approved -> paid), so it gets its own tables.
drop table settlements;

create table settlements (
    id bigint generated always as identity primary key,
    programme_id bigint not null references programmes (id),
    period text not null check (length(period) = 7),
    status text not null check (status in ('draft', 'approved', 'paid')),
    total_rp bigint not null,
    created_by text not null,
    created_at_us bigint not null,
    approved_by text,
    approved_at_us bigint,
    paid_reference text check (length(paid_reference) between 1 and 140),
    paid_at_us bigint,
    check ((status = 'draft') = (approved_at_us is null)),
    check ((status = 'paid') = (paid_at_us is not null and paid_reference is not null))
);

-- One statement line per shop; net is negative when late reversals exceed the sales.
create table settlement_lines (
    settlement_id bigint not null references settlements (id),
    merchant_id bigint not null references merchants (id),
    debit_count bigint not null check (debit_count >= 0),
    reversal_count bigint not null check (reversal_count >= 0),
    gross_rp bigint not null check (gross_rp >= 0),
    reversals_rp bigint not null check (reversals_rp >= 0),
    net_rp bigint not null check (net_rp = gross_rp - reversals_rp),
    primary key (settlement_id, merchant_id)
);

-- Each sale or reversal is settled at most once: the journal entry is the primary key.
create table settlement_entries (
    redemption_id bigint primary key references redemptions (id),
    settlement_id bigint not null references settlements (id),
    merchant_id bigint not null references merchants (id)
);
create index settlement_entries_settlement on settlement_entries (settlement_id, merchant_id);
create trigger settlement_entries_append_only before update or delete on settlement_entries
    for each row execute function relasi_refuse_change();

-- A shop's objection to a line of its draft statement.
create table settlement_flags (
    id bigint generated always as identity primary key,
    settlement_id bigint not null references settlements (id),
    merchant_id bigint not null references merchants (id),
    redemption_id bigint not null references redemptions (id),
    reason text not null check (length(reason) between 1 and 500),
    created_at_us bigint not null
);

-- Where a shop is paid: optional, shown in full to finance only.
alter table merchants
    add column bank_name text check (length(bank_name) between 1 and 60),
    add column bank_account text check (length(bank_account) between 4 and 34),
    add column bank_holder text check (length(bank_holder) between 1 and 120);

-- Row triggers do not see truncate.
create trigger budget_returns_never_truncated before truncate on budget_returns
    for each statement execute function relasi_refuse_removal();
create trigger settlement_entries_never_truncated before truncate on settlement_entries
    for each statement execute function relasi_refuse_removal();
