-- Answers already given, per shop and Idempotency-Key. A redemption claims its key first, in
-- the same transaction as the debit, so a concurrent retry waits for the first and then replays
-- its answer (a receipt or a stored decline) instead of debiting again.
-- PostgreSQL twin: ../postgres/0003_create_idempotency_keys.sql.
create table idempotency_keys (
    merchant_id bigint not null references merchants (id),
    idempotency_key text not null check (length(idempotency_key) between 1 and 128),
    -- SHA-256 of the canonical request: the same key with another request is refused
    request_sha256 text not null check (length(request_sha256) = 64),
    status_code bigint not null,
    response_body text not null,
    redemption_id bigint references redemptions (id),
    created_at_us bigint not null,
    primary key (merchant_id, idempotency_key)
);
