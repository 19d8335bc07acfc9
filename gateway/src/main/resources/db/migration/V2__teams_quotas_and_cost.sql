-- Teams: keys may belong to one; a key is held to its own limits and to its team's.
create table team (
    id          uuid primary key,
    name        text        not null unique,
    limits      jsonb       not null default '{}',   -- api-contract "limits" object
    policy      jsonb       not null default '{}',   -- api-contract "policy" object (+ "models")
    created_at  timestamptz not null,
    updated_at  timestamptz not null
);

alter table api_key
    add column limits jsonb not null default '{}',
    add column policy jsonb not null default '{}',
    add constraint api_key_team_fk foreign key (team_id) references team (id);
create index api_key_team_idx on api_key (team_id);

-- Exact cost of each request in micro-dollars (prices come from configuration, not copied per row).
alter table usage_record add column cost_micros bigint not null default 0;

-- Shared quota state (docs/quotas.md). Replicas lease slices of these with conditional updates.
-- Calendar windows (tokens per day/month, spend per month): granted = spent + leased out.
create table quota_counter (
    scope         text   not null,   -- key:<uuid> | team:<uuid>
    metric        text   not null,
    window_start  bigint not null,   -- epoch second the window began
    granted       bigint not null,
    primary key (scope, metric, window_start)
);
-- Per-minute token buckets: level in milli-units, refilled from updated_millis at limit/60 per second.
create table rate_bucket (
    scope          text   not null,
    metric         text   not null,
    level_milli    bigint not null,
    updated_millis bigint not null,
    primary key (scope, metric)
);
-- Concurrency slots held by each replica; rows whose heartbeat stopped (a crashed replica) stop counting.
create table concurrency_lease (
    scope         text        not null,
    replica       uuid        not null,
    held          bigint      not null,
    heartbeat_at  timestamptz not null,
    primary key (scope, replica)
);
