-- Console accounts. Passwords are kept as DelegatingPasswordEncoder strings ("{bcrypt}$2a$..."),
-- so the algorithm can change later without a migration.
create table admin_account (
    id             uuid primary key,
    username       text        not null unique,       -- stored lower-case
    password_hash  text        not null,
    role           text        not null check (role in ('admin', 'operator', 'viewer')),
    created_at     timestamptz not null,
    updated_at     timestamptz not null,
    disabled_at    timestamptz,
    failed_logins  integer     not null default 0,    -- consecutive failures; reset on success
    locked_until   timestamptz                         -- login refused until then (backoff)
);

-- Personal admin API tokens belong to an account and act with its current role. Rows without an
-- account (the generated bootstrap token) act as 'admin'.
alter table admin_token add column account_id uuid references admin_account (id) on delete cascade;
alter table admin_token add column prefix text;      -- first characters, to recognise a token in lists

-- Audit log of admin changes, hash-chained: hash = SHA-256(prev_hash || canonical entry), so an
-- edited, inserted or removed row breaks every later link (see AuditLog).
create table audit_event (
    seq          bigint      primary key,
    id           uuid        not null unique,
    at           timestamptz not null,
    actor        text        not null,
    action       text        not null,                -- e.g. key.create, account.update
    target_type  text        not null,
    target_id    text,
    before_json  text,                                 -- exactly the text that was hashed
    after_json   text,
    prev_hash    bytea       not null,
    hash         bytea       not null
);
create sequence audit_event_seq;
create index audit_event_at_idx on audit_event (at);
