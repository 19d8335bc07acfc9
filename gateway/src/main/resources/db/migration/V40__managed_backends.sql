-- Backends managed at run time through /admin/api/backends, beside those in configuration.
-- The upstream API key is sealed with AES-256-GCM under gateway.upstream.encryption-key
-- (version byte, 12-byte nonce, ciphertext and tag; the backend name is bound as associated data).
-- Numbered 40 to stay clear of other features' migration ranges.
create table managed_backend (
    name           text primary key,
    type           text not null,
    base_url       text not null,
    api_key_sealed bytea,
    models         text[] not null default '{}',
    aliases        jsonb not null default '{}',
    weight         integer not null default 1,
    priority       integer not null default 0,
    created_at     timestamptz not null default now(),
    updated_at     timestamptz not null default now()
);
