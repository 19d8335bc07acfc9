-- The anthropic-beta names a client may turn on at a managed (Anthropic) backend; empty: none.
-- Client beta headers outside this list are not sent upstream (SECURITY.md, "Headers sent upstream").
alter table managed_backend add column anthropic_beta text[] not null default '{}';
