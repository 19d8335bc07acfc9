-- Developers (issue 20): console accounts that manage only their own keys, in the teams they
-- belong to, within each team's developer key limits.
alter table admin_account drop constraint admin_account_role_check;
alter table admin_account add constraint admin_account_role_check
    check (role in ('admin', 'operator', 'viewer', 'developer'));

-- Which teams a developer account belongs to. A deleted team or account takes its rows with it:
-- the developer simply stops belonging to that team (the team's keys must be revoked first anyway).
create table developer_team (
    account_id uuid not null references admin_account (id) on delete cascade,
    team_id    uuid not null references team (id) on delete cascade,
    primary key (account_id, team_id)
);
create index developer_team_team_idx on developer_team (team_id);

-- A team's developerKeyLimits (api-contract section 3): the most a developer may give a key they
-- create in it. No row: developers may not create keys in the team (fail closed).
create table team_developer_key_limits (
    team_id    uuid primary key references team (id) on delete cascade,
    bounds     jsonb       not null,   -- {"limits","models","policy","maxKeysPerDeveloper"}
    updated_at timestamptz not null
);

-- Who created a self-service key. owner is stable across renames: 'account:<uuid>' for a console
-- account (session or personal token), 'sso:<name as in the audit log>' for a single sign-on user.
create table developer_key (
    key_id     uuid primary key references api_key (id) on delete cascade,
    owner      text        not null,
    created_by text        not null,   -- the actor as the audit log names them
    created_at timestamptz not null
);
create index developer_key_owner_idx on developer_key (owner);
