-- The ledger cannot run out of names, sets poison records aside, and forgets old batch ids
-- (docs/usage.md).

-- Before this release every cache miss ran "insert ... on conflict do nothing", which consumes a
-- sequence value even when the name exists: every replica start burned one id per name. Take the
-- sequence back to the highest id in use, reclaiming every burned one above it.
select setval(pg_get_serial_sequence('usage_name', 'id'), coalesce(max(id), 1), max(id) is not null)
from usage_name;

-- The name recorded instead of a new one when no id is left (smallint: 32,767). Id 0 lies outside
-- the identity sequence (which starts at 1), so it exists even in a full dictionary.
insert into usage_name (id, name) overriding system value values (0, '(other)') on conflict do nothing;

-- Records PostgreSQL refuses for good (a NUL character, a value out of range, ...), found by
-- splitting their batch, so the rest of the batch and every later one are still written. The
-- record is JSON kept as text: jsonb refuses \u0000, one of the reasons a record ends up here.
create table usage_poison (
    id          bigint generated always as identity primary key,
    batch_id    uuid        not null,
    record      text        not null,
    sql_state   text,
    message     text        not null,
    created_at  timestamptz not null default now()
);

-- Batch ids are only needed while a batch may still be retried: pruned by age (UsagePartitions).
create index usage_batch_written_idx on usage_batch (written_at);
