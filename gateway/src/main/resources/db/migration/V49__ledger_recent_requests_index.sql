-- The console's Requests page (GET /admin/api/requests) reads the newest rows of a window, ordered
-- by (created_at, id), and pages by that keyset. The BRIN index finds a window's blocks but cannot
-- give rows in order: every page would read and sort the whole window (a day is millions of rows at
-- scale). A btree on (created_at, id), walked backwards per partition under a Merge Append, stops
-- after limit + 1 rows. Created on the partitioned parent, so every partition, present and future,
-- gets its own. Upgrade cost and how to build it without holding back writes: docs/usage.md.
create index if not exists usage_event_recent_idx on usage_event (created_at, id);
