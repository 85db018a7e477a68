-- `relasi pii rotate` re-encrypts every KK number under a new personal-data key in one
-- transaction: the households' primary key changes together with the members and history rows
-- that reference it. The references may therefore be checked at commit instead of at each
-- statement when a transaction asks for it (`set constraints all deferred`); every other
-- transaction still checks them immediately, as before.
alter table members alter constraint members_no_kk_fkey deferrable initially immediate;
alter table household_history alter constraint household_history_no_kk_fkey deferrable initially immediate;
