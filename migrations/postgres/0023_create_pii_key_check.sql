-- Which personal-data key the encrypted columns were written with: a check value derived from
-- the key (HMAC-SHA256 under a sub-key; it reveals nothing of the key). Every start compares it
-- with the key in use and refuses another key, instead of reading wrong numbers (FF1 decrypts
-- any 16 digits to some 16 digits): a backup restored without its key file, where a new key
-- would be made, or a server started with another deployment's key. `relasi pii rotate`
-- replaces it in its own transaction. SQLite twin: ../sqlite/0023_create_pii_key_check.sql.
create table pii_key_check (
    singleton boolean primary key default true check (singleton),
    check_value text not null,
    recorded_at_us bigint not null
);
