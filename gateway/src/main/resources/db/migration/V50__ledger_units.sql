-- Units besides tokens (docs/usage.md, "Units"): seconds of audio heard, characters spoken, images
-- made. NULL means zero, and the writer leaves them NULL when zero, so a token-only row stores
-- nothing for them: a NULL column takes no bytes in the row, only a bit in the null bitmap, and a
-- token-only row nearly always has one already (a null client_request_id or ttft_ms). Nullable
-- without a default: a metadata-only change on the partitioned table, no partition is rewritten,
-- and it takes the time of a catalog update however many rows the ledger holds.
alter table usage_event add column audio_seconds integer, add column characters integer, add column images integer;

-- The rollups carry their totals the same way: NULL (no units in the row's requests) costs the
-- null bitmap, 8 bytes once aligned, where a not-null default 0 would add 24 bytes to every rollup
-- row an upsert rewrites. Nullable without a default is metadata-only here too.
alter table usage_hourly add column audio_seconds bigint, add column characters bigint, add column images bigint;
alter table usage_daily add column audio_seconds bigint, add column characters bigint, add column images bigint;

-- Same columns as before (V43), the units added at the end (zero, not NULL, for readers), so
-- "create or replace" keeps the view's grants and dependants.
create or replace view usage_event_named as
select e.created_at, e.id, coalesce(e.client_request_id, 'req_' || replace(e.id::text, '-', '')) as request_id,
       e.key_id, e.team_id, m.name as model, b.name as backend, p.name as endpoint, e.status, o.name as outcome,
       e.streamed, e.prompt_tokens, e.completion_tokens, e.cached_tokens, e.cost_micros, e.latency_ms, e.ttft_ms,
       case e.billed_by when 0 then 'none' when 1 then 'reported' when 2 then 'reservation' when 3 then 'streamed'
       end as billed_by,
       coalesce(e.audio_seconds, 0) as audio_seconds, coalesce(e.characters, 0) as characters,
       coalesce(e.images, 0) as images
from usage_event e
join usage_name m on m.id = e.model_id
left join usage_name b on b.id = e.backend_id
join usage_name p on p.id = e.endpoint_id
join usage_name o on o.id = e.outcome_id;
