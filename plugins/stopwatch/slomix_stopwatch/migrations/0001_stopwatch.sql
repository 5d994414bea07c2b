-- The stopwatch's own history: team names, the persistent teams of every gaming session, an
-- admin's overrides, and session results with their per-map details. A gaming session is keyed
-- by its first round time (the stats plugin's rounds.session_start).

-- Names new teams are drawn from (spec §4.8); add_team grows the pool.
CREATE TABLE team_pool (
    name     text PRIMARY KEY CHECK (length(name) BETWEEN 1 AND 32),
    colour   integer CHECK (colour BETWEEN 0 AND 16777215),
    added_by text NOT NULL DEFAULT 'seed',
    added_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX team_pool_lower ON team_pool (lower(name));
INSERT INTO team_pool (name) VALUES ('sWat'), ('S*F'), ('madDogz'), ('slomix'), ('puran'), ('insAne'), ('allbad');

-- The two teams of a session, recomputed from its rounds on every round. The name is drawn
-- once from the pool (name_source 'pool') or set by an admin ('manual') and then kept.
CREATE TABLE session_teams (
    session_start timestamp NOT NULL,
    team          char(1) NOT NULL CHECK (team IN ('A', 'B')),
    name          text NOT NULL,
    name_source   text NOT NULL CHECK (name_source IN ('pool', 'manual')),
    guids         text[] NOT NULL DEFAULT '{}',
    players       text[] NOT NULL DEFAULT '{}',
    updated_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (session_start, team)
);

-- An admin's word on a player's team (assign_player, set_teams); detection never overrules it.
CREATE TABLE player_pins (
    session_start timestamp NOT NULL,
    guid          text NOT NULL,
    team          char(1) NOT NULL CHECK (team IN ('A', 'B')),
    pinned_by     text NOT NULL,
    pinned_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (session_start, guid)
);

CREATE TABLE session_results (
    session_start timestamp PRIMARY KEY,
    session_end   timestamp NOT NULL,
    team_a        text NOT NULL,
    team_b        text NOT NULL,
    score_a       integer NOT NULL,
    score_b       integer NOT NULL,
    winner        smallint NOT NULL CHECK (winner IN (0, 1, 2)),  -- 0 tie, 1 team A, 2 team B
    format        text NOT NULL,                                   -- "{n}v{m}" players per team
    maps          integer NOT NULL,                                -- finished maps
    updated_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX session_results_a ON session_results (lower(team_a));
CREATE INDEX session_results_b ON session_results (lower(team_b));

-- One row per map played (R1 with or without its R2), in play order. Round ids are the stats
-- plugin's; no foreign key across plugins: every change to a round recomputes its session.
CREATE TABLE map_results (
    session_start timestamp NOT NULL REFERENCES session_results (session_start) ON DELETE CASCADE,
    seq           smallint NOT NULL,
    match_id      text NOT NULL,
    map_name      text NOT NULL,
    played_at     timestamp NOT NULL,
    finished      boolean NOT NULL,
    r1_round_id   bigint NOT NULL,
    r2_round_id   bigint,
    team1         char(1) CHECK (team1 IN ('A', 'B')),  -- the team that attacked in R1
    r1_success    boolean NOT NULL,
    r2_success    boolean,
    r1_seconds    integer NOT NULL,
    r2_seconds    integer,
    r1_basis      text NOT NULL,
    r2_basis      text,
    points_a      smallint NOT NULL,
    points_b      smallint NOT NULL,
    description   text NOT NULL,
    PRIMARY KEY (session_start, seq)
);
