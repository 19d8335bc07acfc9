-- The audit chain becomes an HMAC under gateway.audit.key (a secret outside the database), so that
-- whoever can write this database can no longer rewrite an entry and recompute every later link.
-- Entries written before this migration keep their plain SHA-256 links and still verify.
--
-- chain_version: 1 = SHA-256 (before the key), 2 = HMAC-SHA-256. Old replicas still running during
-- a rolling upgrade insert without the column and get 1; such an entry is accepted after the
-- cut-over only when a keyed entry follows it (that entry's HMAC covers its hash).
alter table audit_event add column chain_version smallint not null default 1 check (chain_version in (1, 2));

-- One row: entries from keyed_from_seq on are keyed. Set here, once, from the entries that exist;
-- the first start with a key authenticates it (mac = HMAC of the number), so nobody without the
-- key can move it past keyed entries to pass them off as unkeyed.
create table audit_chain (
    id              smallint    primary key check (id = 1),
    keyed_from_seq  bigint      not null,
    mac             bytea,
    created_at      timestamptz not null default now()
);
insert into audit_chain (id, keyed_from_seq) select 1, coalesce(max(seq), 0) + 1 from audit_event;
