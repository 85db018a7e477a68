-- Offline acceptance at shops (issue 11): the ceilings a merchant client applies while the server
-- cannot be reached, published by GET /v1/offline-settings. Reasons and units in the PostgreSQL
-- twin: ../postgres/0007_add_offline_ceilings.sql.
alter table programmes add column offline_max_list_age_secs bigint not null default 86400
    check (offline_max_list_age_secs between 60 and 2592000);
alter table programmes add column offline_voucher_day_rp bigint not null default 100000
    check (offline_voucher_day_rp between 0 and 4294967295);
alter table programmes add column offline_shop_count bigint not null default 20
    check (offline_shop_count between 0 and 10000);
alter table programmes add column offline_shop_rp bigint not null default 1000000
    check (offline_shop_rp between 0 and 1000000000);
