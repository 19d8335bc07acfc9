-- How each ledger row was billed (io.portcullis.gateway.usage.BilledBy codes: 0 none, 1 reported,
-- 2 reservation, 3 streamed). Nullable without default: a metadata-only change on the partitioned
-- table, no partition is rewritten; rows written before this release read null.
alter table usage_event add column billed_by smallint;

-- Answers a backend gave without usage figures (billed_by reservation or streamed), per rollup row.
-- A constant default on an unpartitioned table is metadata-only too (PostgreSQL 11+).
alter table usage_hourly add column unmetered bigint not null default 0;
alter table usage_daily add column unmetered bigint not null default 0;

-- Same columns as before (V3), billed_by added at the end, so "create or replace" keeps the view's
-- grants and dependants.
create or replace view usage_event_named as
select e.created_at, e.id, coalesce(e.client_request_id, 'req_' || replace(e.id::text, '-', '')) as request_id,
       e.key_id, e.team_id, m.name as model, b.name as backend, p.name as endpoint, e.status, o.name as outcome,
       e.streamed, e.prompt_tokens, e.completion_tokens, e.cached_tokens, e.cost_micros, e.latency_ms, e.ttft_ms,
       case e.billed_by when 0 then 'none' when 1 then 'reported' when 2 then 'reservation' when 3 then 'streamed'
       end as billed_by
from usage_event e
join usage_name m on m.id = e.model_id
left join usage_name b on b.id = e.backend_id
join usage_name p on p.id = e.endpoint_id
join usage_name o on o.id = e.outcome_id;
