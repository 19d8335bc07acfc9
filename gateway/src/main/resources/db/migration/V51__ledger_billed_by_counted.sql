-- billed_by 4, 'counted': an answer without usage figures whose units the gateway counted exactly
-- (a speech request's characters). Same columns in the same order as V50, so "create or replace"
-- keeps the view's grants and dependants.
create or replace view usage_event_named as
select e.created_at, e.id, coalesce(e.client_request_id, 'req_' || replace(e.id::text, '-', '')) as request_id,
       e.key_id, e.team_id, m.name as model, b.name as backend, p.name as endpoint, e.status, o.name as outcome,
       e.streamed, e.prompt_tokens, e.completion_tokens, e.cached_tokens, e.cost_micros, e.latency_ms, e.ttft_ms,
       case e.billed_by when 0 then 'none' when 1 then 'reported' when 2 then 'reservation' when 3 then 'streamed'
                        when 4 then 'counted'
       end as billed_by,
       coalesce(e.audio_seconds, 0) as audio_seconds, coalesce(e.characters, 0) as characters,
       coalesce(e.images, 0) as images
from usage_event e
join usage_name m on m.id = e.model_id
left join usage_name b on b.id = e.backend_id
join usage_name p on p.id = e.endpoint_id
join usage_name o on o.id = e.outcome_id;
