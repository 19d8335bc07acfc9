-- Budget alerts (docs/alerts.md): where events go, which percentages a team or key watches, the
-- decision that an event happens (once across every replica), and the outbox of deliveries.

-- A webhook: its signing secret is sealed with gateway.upstream.encryption-key (AES-GCM, bound to
-- the webhook's id and URL), never stored in clear.
create table alert_webhook (
    id            uuid        primary key,
    url           text        not null,
    events        text[]      not null,
    format        text        not null check (format in ('json', 'slack')),
    secret_sealed bytea       not null,
    created_at    timestamptz not null default now()
);

-- alertAt of a team or key ('team:<uuid>' / 'key:<uuid>'): percentages 1..100, sorted, distinct.
-- Kept beside the team and key rows rather than in them so that every replica can hold all of
-- them in memory (they are few) and check crossings on the request path without a query.
create table alert_threshold (
    scope    text    primary key,
    percents int[]   not null
);

-- One row per event that happened: the primary key is what makes an event happen once, whichever
-- replica noticed it first (insert ... on conflict do nothing; the winner writes the outbox rows in
-- the same transaction). window_start: epoch second of the calendar window (budget events) or of
-- expires_at (key.expiring); percent: the threshold, 100 for exhausted, or days before expiry.
create table alert_decision (
    event        text        not null,
    scope        text        not null,
    metric       text        not null,
    window_start bigint      not null,
    percent      int         not null,
    event_id     uuid        not null unique,
    decided_at   timestamptz not null default now(),
    primary key (event, scope, metric, window_start, percent)
);

create index alert_decision_decided_at on alert_decision (decided_at);

-- One row per event and webhook: the exact bytes to send (signed as they are), and the state of
-- their delivery. next_attempt_at doubles as the claim: a worker pushes it past its send timeout
-- before sending, so no other replica picks the row meanwhile; a crash leaves it to be retried.
create table alert_outbox (
    id              bigserial   primary key,
    event_id        uuid        not null,
    event           text        not null,
    webhook_id      uuid        not null references alert_webhook (id) on delete cascade,
    body            bytea       not null,
    attempts        int         not null default 0,
    next_attempt_at timestamptz not null default now(),
    delivered_at    timestamptz,
    gave_up_at      timestamptz,
    last_status     int,
    last_error      text,
    created_at      timestamptz not null default now(),
    updated_at      timestamptz not null default now()
);

create index alert_outbox_due on alert_outbox (next_attempt_at) where delivered_at is null and gave_up_at is null;
create index alert_outbox_recent on alert_outbox (updated_at desc);

-- key.expiring looks for keys expiring within a week; without this it would scan every key.
create index api_key_expiring on api_key (expires_at) where revoked_at is null and expires_at is not null;
