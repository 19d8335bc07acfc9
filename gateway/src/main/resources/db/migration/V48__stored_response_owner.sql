-- Which key created each stored Responses API answer (docs/api-contract.md, /v1/responses/{id}).
-- A response lives in the upstream account, shared by every key; the gateway answers GET, DELETE
-- and input_items for it, and accepts it as previous_response_id, only for the key recorded here,
-- and sends those calls to the backend that stored it. Ids the gateway never saw have no row: no
-- key may reach them. Written when the answer's id is seen (before the client sees it); deleted
-- when its owner deletes the response through the gateway.
--
-- Retention: OpenAI keeps stored responses 30 days by default; rows older than that point at
-- nothing and may be deleted (created_at index below), e.g.
--   delete from stored_response where created_at < now() - interval '30 days';
-- A row kept longer only answers the backend's own 404 to its owner.
create table stored_response (
    response_id text        primary key,
    key_id      uuid        not null references api_key (id) on delete cascade,
    backend     text        not null,
    model       text        not null,
    created_at  timestamptz not null default now()
);

create index stored_response_created_at on stored_response (created_at);
