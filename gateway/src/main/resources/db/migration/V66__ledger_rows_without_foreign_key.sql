-- The raw ledger's model_id was its one name column checked against usage_name by a foreign key
-- (backend, endpoint and outcome ids never were). PostgreSQL checks a foreign key per inserted row:
-- a lookup of the name and a share lock on its row, about 40 % of the database's CPU per ledger
-- row at 23,000 rows a second (docs/performance.md, "Eighth pass"). Every id comes from
-- UsageNames, which commits the name before any row uses it, and names are never deleted.
alter table usage_event drop constraint if exists usage_event_model_id_fkey;
