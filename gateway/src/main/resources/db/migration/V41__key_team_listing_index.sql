-- The console lists a team's keys newest first (/admin/api/keys?teamId=, JdbcKeyStore.list). With
-- only (team_id) and (created_at, id) to choose from, PostgreSQL walks the creation-time index and
-- filters by team, expecting the team's keys to be spread evenly; a team whose keys are old sits
-- behind every newer key of other teams: 200 ms for a page with a million keys
-- (MillionKeyListingTest). This index answers the page directly and still serves lookups and the
-- foreign key by team_id, so it replaces the single-column one.
create index api_key_team_created_idx on api_key (team_id, created_at desc, id desc);
drop index api_key_team_idx;
