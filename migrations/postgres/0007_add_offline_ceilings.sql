-- Offline acceptance at shops (issue 11). While the server cannot be reached, a merchant client
-- may accept a voucher whose token carries the offline flag, like a card terminal under its
-- floor limits. The limits are programme settings the server publishes
-- (GET /v1/offline-settings), so every till and phone applies the same ones and the programme
-- can tighten them without a client release. Defaults are deliberately small: a declined
-- offline sale is the shop's loss (docs/offline.md).
alter table programmes
    -- key and revocation lists older than this (seconds) may not back an offline sale
    add column offline_max_list_age_secs bigint not null default 86400
        check (offline_max_list_age_secs between 60 and 2592000),
    -- most rupiah one voucher may spend offline at one shop in one local day
    add column offline_voucher_day_rp bigint not null default 100000
        check (offline_voucher_day_rp between 0 and 4294967295),
    -- most sales a shop may hold unsynced
    add column offline_shop_count bigint not null default 20
        check (offline_shop_count between 0 and 10000),
    -- most rupiah a shop may hold unsynced
    add column offline_shop_rp bigint not null default 1000000
        check (offline_shop_rp between 0 and 1000000000);
