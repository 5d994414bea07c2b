-- Proximity telemetry: every file received (with its bytes), the rounds it recorded, each
-- player's samples as arrays (one row per player and round), and what was derived from them.
-- A round comes from a source: 'lua' (our tracker) or 'demo' (tracks read from a demo).

CREATE TABLE files (
    id          bigserial PRIMARY KEY,
    name        text NOT NULL,
    sha256      text NOT NULL UNIQUE,      -- of the file as received
    status      text NOT NULL CHECK (status IN ('imported', 'quarantined', 'superseded')),
    reason      text,
    source      text NOT NULL DEFAULT 'import',
    size        integer NOT NULL,
    -- The file's bytes, zlib-compressed by Slomix (a quarter of pglz's time, and smaller), so
    -- stored as they are (EXTERNAL: no second compression).
    data        bytea NOT NULL,
    received_at timestamptz NOT NULL DEFAULT now()
);
ALTER TABLE files ALTER COLUMN data SET STORAGE EXTERNAL;
CREATE INDEX files_status ON files (status) WHERE status <> 'imported';
CREATE INDEX files_name ON files (name);

CREATE TABLE rounds (
    id             bigserial PRIMARY KEY,
    file_id        bigint NOT NULL UNIQUE REFERENCES files (id),
    source         text NOT NULL CHECK (source IN ('lua', 'demo')),
    map_name       text NOT NULL,
    round_number   smallint NOT NULL,
    start_unix     bigint NOT NULL,
    end_unix       bigint NOT NULL,
    duration_ms    integer NOT NULL,
    sample_ms      integer NOT NULL,
    -- What the recorder recorded: an analysis whose input is absent says so instead of zero.
    capabilities   text[] NOT NULL,
    recorder       text NOT NULL,
    ended          text NOT NULL,
    dropped_lines  integer NOT NULL DEFAULT 0,
    -- The stats round this telemetry belongs to; NULL while it waits for it (held).
    stats_round_id bigint,
    linked_at      timestamptz,
    -- Man advantage: time with more Axis alive, more Allies alive, even.
    axis_up_ms     integer NOT NULL,
    allies_up_ms   integer NOT NULL,
    even_ms        integer NOT NULL,
    first_blood_team smallint,
    imported_at    timestamptz NOT NULL DEFAULT now(),
    UNIQUE (source, map_name, round_number, start_unix)
);
CREATE INDEX rounds_waiting ON rounds (map_name, round_number, end_unix) WHERE stats_round_id IS NULL;
CREATE UNIQUE INDEX rounds_stats ON rounds (stats_round_id, source) WHERE stats_round_id IS NOT NULL;
CREATE INDEX rounds_map ON rounds (map_name, end_unix);

-- One row per player and side in a round (a player who changed sides has two).
CREATE TABLE players (
    round_id        bigint NOT NULL REFERENCES rounds (id) ON DELETE CASCADE,
    guid            text NOT NULL,
    team            smallint NOT NULL,
    raw_guid        text NOT NULL,
    name            text NOT NULL,
    player_class    smallint NOT NULL,
    kills           integer NOT NULL,
    deaths          integer NOT NULL,
    alive_ms        integer NOT NULL,
    samples         integer NOT NULL,
    travelled_units real NOT NULL,
    -- Mean distance to alive teammates over the ticks with one (units); NULL: never one alive.
    cohesion_units  real,
    cohesion_ticks  integer NOT NULL,
    PRIMARY KEY (round_id, guid, team)
);
CREATE INDEX players_guid ON players (guid);

-- The samples of one player on one side in one round, in time order (arrays of equal length;
-- a column whose capability was not recorded is NULL).
CREATE TABLE tracks (
    round_id bigint NOT NULL REFERENCES rounds (id) ON DELETE CASCADE,
    guid     text NOT NULL,
    team     smallint NOT NULL,
    t        integer[] NOT NULL,
    x        integer[] NOT NULL,
    y        integer[] NOT NULL,
    z        integer[] NOT NULL,
    yaw      smallint[],
    pitch    smallint[],
    health   smallint[],
    weapon   smallint[],
    stance   smallint[],
    PRIMARY KEY (round_id, guid, team)
);

CREATE TABLE kills (
    round_id          bigint NOT NULL REFERENCES rounds (id) ON DELETE CASCADE,
    seq               integer NOT NULL,
    t_ms              integer NOT NULL,
    kind              text NOT NULL CHECK (kind IN ('enemy', 'team', 'self', 'world')),
    killer            text,
    killer_team       smallint,
    victim            text NOT NULL,
    victim_team       smallint NOT NULL,
    mod               smallint NOT NULL,
    kx                integer,
    ky                integer,
    kz                integer,
    vx                integer NOT NULL,
    vy                integer NOT NULL,
    vz                integer NOT NULL,
    distance          real,
    axis_alive        smallint NOT NULL,
    allies_alive      smallint NOT NULL,
    spawn_wait_ms     integer,
    spawn_interval_ms integer,
    first_blood       boolean NOT NULL,
    PRIMARY KEY (round_id, seq)
);
CREATE INDEX kills_killer ON kills (killer) WHERE killer IS NOT NULL;
CREATE INDEX kills_victim ON kills (victim);

CREATE TABLE engagements (
    round_id       bigint NOT NULL REFERENCES rounds (id) ON DELETE CASCADE,
    seq            integer NOT NULL,
    start_ms       integer NOT NULL,
    end_ms         integer NOT NULL,
    a              text NOT NULL,
    b              text NOT NULL,
    a_team         smallint NOT NULL,
    b_team         smallint NOT NULL,
    a_damage       integer NOT NULL,
    b_damage       integer NOT NULL,
    a_hits         integer NOT NULL,
    b_hits         integer NOT NULL,
    ax             integer NOT NULL,
    ay             integer NOT NULL,
    bx             integer NOT NULL,
    by             integer NOT NULL,
    start_distance integer NOT NULL,
    end_distance   integer NOT NULL,
    outcome        text NOT NULL CHECK (outcome IN ('a_won', 'b_won', 'third_party', 'broken')),
    winner         text,
    PRIMARY KEY (round_id, seq)
);

CREATE TABLE trades (
    round_id bigint NOT NULL REFERENCES rounds (id) ON DELETE CASCADE,
    seq      integer NOT NULL,
    death_ms integer NOT NULL,
    trade_ms integer NOT NULL,
    team     smallint NOT NULL,
    victim   text NOT NULL,
    killer   text NOT NULL,
    trader   text NOT NULL,
    PRIMARY KEY (round_id, seq)
);

CREATE TABLE crossfires (
    round_id bigint NOT NULL REFERENCES rounds (id) ON DELETE CASCADE,
    seq      integer NOT NULL,
    start_ms integer NOT NULL,
    end_ms   integer NOT NULL,
    team     smallint NOT NULL,
    a        text NOT NULL,
    b        text NOT NULL,
    target   text NOT NULL,
    angle    real NOT NULL,
    hits     integer NOT NULL,
    damage   integer NOT NULL,
    killer   text,
    PRIMARY KEY (round_id, seq)
);

CREATE TABLE events (
    round_id bigint NOT NULL REFERENCES rounds (id) ON DELETE CASCADE,
    seq      integer NOT NULL,
    t_ms     integer NOT NULL,
    kind     text NOT NULL,        -- spawn, revive, objective kinds (dynamite_plant, ...)
    guid     text,
    team     smallint,
    other    text,                 -- the medic of a revive
    x        integer,
    y        integer,
    z        integer,
    detail   text,                 -- a spawn's class, an objective's console text
    PRIMARY KEY (round_id, seq)
);

-- Heatmap grids (packed cells, see slomix_proximity.analytics.heat): per round, per kind, for
-- everyone (guid '') and for each player.
CREATE TABLE heat (
    round_id bigint NOT NULL REFERENCES rounds (id) ON DELETE CASCADE,
    kind     text NOT NULL CHECK (kind IN ('kills', 'deaths', 'presence')),
    guid     text NOT NULL,
    cells    bytea NOT NULL,
    PRIMARY KEY (round_id, kind, guid)
);
