-- The console searches keys by any part of their name (name ilike '%q%') or by exact prefix,
-- in one query. A trigram index lets PostgreSQL answer that OR from two indexes (BitmapOr with
-- the public_id unique index) instead of scanning every key: a rare name among a million keys
-- is found in milliseconds (MillionKeyListingTest). pg_trgm is a trusted extension (PostgreSQL
-- 13+), so the database owner may create it.
create extension if not exists pg_trgm;
create index api_key_name_trgm_idx on api_key using gin (name gin_trgm_ops);
