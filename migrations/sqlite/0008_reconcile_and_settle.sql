-- The finance officer's month (issue 10). Reasons and units in the PostgreSQL twin:
-- ../postgres/0008_reconcile_and_settle.sql.

alter table programmes add column recon_closing_hour bigint not null default 20
    check (recon_closing_hour between 0 and 23);
alter table programmes add column recon_burst_sales bigint not null default 10
    check (recon_burst_sales between 2 and 10000);
alter table programmes add column recon_burst_window_secs bigint not null default 300
    check (recon_burst_window_secs between 1 and 86400);
alter table programmes add column recon_desa_share_pct bigint not null default 80
    check (recon_desa_share_pct between 1 and 100);
alter table programmes add column recon_desa_min_vouchers bigint not null default 10
    check (recon_desa_min_vouchers >= 1);
alter table programmes add column recon_full_value_sales bigint not null default 10
    check (recon_full_value_sales >= 1);
alter table programmes add column recon_reversal_rate_pct bigint not null default 20
    check (recon_reversal_rate_pct between 1 and 100);
alter table programmes add column recon_reversal_min_sales bigint not null default 10
    check (recon_reversal_min_sales >= 1);
alter table programmes add column recon_auto_day bigint check (recon_auto_day between 1 and 28);
alter table programmes add column recon_auto_hour bigint not null default 2
    check (recon_auto_hour between 0 and 23);

alter table reconciliation_runs add column last_entry_id bigint not null default 0
    check (last_entry_id >= 0);
alter table reconciliation_runs add column registry_version bigint not null default 0
    check (registry_version >= 0);
alter table reconciliation_runs add column balanced boolean not null default false;
alter table reconciliation_runs add column exceptions bigint not null default 0
    check (exceptions >= 0);
alter table reconciliation_runs add column kid text check (length(kid) = 8);
alter table reconciliation_runs add column signature text check (length(signature) = 86);

create table budget_returns (
    voucher_id text primary key references vouchers (id),
    budget_line_id bigint not null references budget_lines (id),
    amount_rp bigint not null check (amount_rp > 0),
    period text not null check (length(period) = 7),
    recorded_at_us bigint not null
);
create index budget_returns_line on budget_returns (budget_line_id);
create trigger budget_returns_no_update before update on budget_returns
begin
    select raise(abort, 'budget_returns is append-only');
end;
create trigger budget_returns_no_delete before delete on budget_returns
begin
    select raise(abort, 'budget_returns is append-only');
end;

drop table settlements;

create table settlements (
    id integer primary key autoincrement,
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

create table settlement_entries (
    redemption_id bigint primary key references redemptions (id),
    settlement_id bigint not null references settlements (id),
    merchant_id bigint not null references merchants (id)
);
create index settlement_entries_settlement on settlement_entries (settlement_id, merchant_id);
create trigger settlement_entries_no_update before update on settlement_entries
begin
    select raise(abort, 'settlement_entries is append-only');
end;
create trigger settlement_entries_no_delete before delete on settlement_entries
begin
    select raise(abort, 'settlement_entries is append-only');
end;

create table settlement_flags (
    id integer primary key autoincrement,
    settlement_id bigint not null references settlements (id),
    merchant_id bigint not null references merchants (id),
    redemption_id bigint not null references redemptions (id),
    reason text not null check (length(reason) between 1 and 500),
    created_at_us bigint not null
);

alter table merchants add column bank_name text check (length(bank_name) between 1 and 60);
alter table merchants add column bank_account text check (length(bank_account) between 4 and 34);
alter table merchants add column bank_holder text check (length(bank_holder) between 1 and 120);
