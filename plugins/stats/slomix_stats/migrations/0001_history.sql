-- The stats plugin's history: every file received, rounds, players, weapons, awards,
-- versus rows, round metadata from the webhook / gametime files, aliases and Discord links.

-- Every file received, with its original bytes: a quarantined file keeps them with its
-- reason; a held file (an R2 waiting for its R1, endstats waiting for their round) is
-- re-read from here when what it waits for arrives.
CREATE TABLE files (
    id          bigserial PRIMARY KEY,
    name        text NOT NULL,
    kind        text NOT NULL CHECK (kind IN ('stats', 'endstats', 'gametime', 'webhook')),
    sha256      text NOT NULL,
    status      text NOT NULL CHECK (status IN ('imported', 'held', 'quarantined', 'superseded')),
    reason      text,
    source      text NOT NULL DEFAULT 'import',
    data        bytea NOT NULL,
    received_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (name, sha256)
);
CREATE INDEX files_status ON files (status) WHERE status <> 'imported';

CREATE TABLE rounds (
    id                      bigserial PRIMARY KEY,
    file_id                 bigint NOT NULL UNIQUE REFERENCES files (id),
    -- YYYY-MM-DD-HHMMSS of the R1 file, shared by R1 and its R2 (an unpaired round: its own).
    match_id                text NOT NULL,
    round_number            smallint NOT NULL CHECK (round_number IN (1, 2)),
    map_name                text NOT NULL,
    -- The file's timestamp: server local time about 3 s after the round ended.
    round_time              timestamp NOT NULL,
    -- First round_time of the gaming session (rounds ≤ the session gap apart).
    session_start           timestamp NOT NULL,
    -- The R1 an R2's values were differenced against (NULL: the file's raw values).
    r1_round_id             bigint REFERENCES rounds (id) ON DELETE SET NULL,
    status                  text NOT NULL DEFAULT 'completed'
                            CHECK (status IN ('completed', 'orphan_r2', 'cancelled', 'substitution')),
    is_valid                boolean NOT NULL,
    invalid_reason          text,
    server_name             text NOT NULL,
    config_name             text NOT NULL,
    defender_team           smallint NOT NULL,
    winner_team             smallint NOT NULL,
    header_diagnostics      text[] NOT NULL DEFAULT '{}',
    time_limit_seconds      integer,
    next_time_limit_seconds integer,
    header_playtime_seconds real,
    -- Measured duration when the webhook or gametime file gave one, else from the header.
    duration_seconds        integer NOT NULL,
    duration_source         text NOT NULL CHECK (duration_source IN ('measured', 'header')),
    outcome                 text NOT NULL CHECK (outcome IN ('fullhold', 'completed', 'unknown')),
    format_version          smallint,
    header_fields           smallint NOT NULL,
    bot_count               smallint NOT NULL,
    human_count             smallint NOT NULL,
    end_reason              text,
    surrender_team          smallint,
    imported_at             timestamptz NOT NULL DEFAULT now(),
    -- Deferred: re-pairing moves a match from one R2 to another inside one transaction.
    UNIQUE (match_id, round_number, map_name) DEFERRABLE INITIALLY DEFERRED
);
CREATE INDEX rounds_time ON rounds (round_time);
CREATE INDEX rounds_map ON rounds (map_name, round_number, round_time);
CREATE INDEX rounds_session ON rounds (session_start);

CREATE TABLE player_rounds (
    round_id             bigint NOT NULL REFERENCES rounds (id) ON DELETE CASCADE,
    guid                 text NOT NULL,
    raw_guid             text NOT NULL,
    name                 text NOT NULL,
    clean_name           text NOT NULL,
    team                 smallint NOT NULL,
    is_bot               boolean NOT NULL,
    kills                integer NOT NULL CHECK (kills >= 0),
    deaths               integer NOT NULL CHECK (deaths >= 0),
    headshots            integer NOT NULL CHECK (headshots >= 0),
    damage_given         integer NOT NULL CHECK (damage_given >= 0),
    damage_received      integer NOT NULL CHECK (damage_received >= 0),
    team_damage_given    integer NOT NULL,
    team_damage_received integer NOT NULL,
    gibs                 integer NOT NULL,
    self_kills           integer NOT NULL,
    team_kills           integer NOT NULL,
    team_gibs            integer NOT NULL,
    time_played_percent  real NOT NULL,
    xp                   integer NOT NULL,
    killing_spree_best   integer NOT NULL,
    death_spree_worst    integer NOT NULL,
    kill_assists         integer NOT NULL,
    kill_steals          integer NOT NULL,
    headshot_kills       integer NOT NULL,
    objectives_stolen    integer NOT NULL,
    objectives_returned  integer NOT NULL,
    dynamites_planted    integer NOT NULL,
    dynamites_defused    integer NOT NULL,
    times_revived        integer NOT NULL,
    bullets_fired        integer NOT NULL,
    time_played_minutes  real,
    tank_meatshield      real NOT NULL,
    time_dead_ratio      real NOT NULL,
    time_dead_minutes    real NOT NULL,
    most_useful_kills    integer NOT NULL,
    denied_playtime      integer,
    double_kills         integer NOT NULL,
    triple_kills         integer NOT NULL,
    quad_kills           integer NOT NULL,
    multi_kills          integer NOT NULL,
    mega_kills           integer NOT NULL,
    useless_kills        integer,
    full_selfkills       integer,
    constructions        integer,
    revives_given        integer,
    time_played_seconds  integer NOT NULL CHECK (time_played_seconds >= 0),
    dpm                  real NOT NULL,
    accuracy             real NOT NULL,
    efficiency           real NOT NULL,
    kd_ratio             real NOT NULL,
    -- Sums of the weapon tuples, kept here because every accuracy figure needs them.
    hits                 integer NOT NULL,
    shots                integer NOT NULL,
    counter_reset        boolean NOT NULL DEFAULT false,
    PRIMARY KEY (round_id, guid)
);
CREATE INDEX player_rounds_guid ON player_rounds (guid);

CREATE TABLE weapon_rounds (
    round_id  bigint NOT NULL REFERENCES rounds (id) ON DELETE CASCADE,
    guid      text NOT NULL,
    weapon    text NOT NULL,
    hits      integer NOT NULL CHECK (hits >= 0),
    shots     integer NOT NULL CHECK (shots >= 0),
    kills     integer NOT NULL CHECK (kills >= 0),
    deaths    integer NOT NULL CHECK (deaths >= 0),
    headshots integer NOT NULL CHECK (headshots >= 0),
    PRIMARY KEY (round_id, guid, weapon),
    FOREIGN KEY (round_id, guid) REFERENCES player_rounds (round_id, guid) ON DELETE CASCADE
);
CREATE INDEX weapon_rounds_guid ON weapon_rounds (guid, weapon);

-- Every clean name a GUID has played under (first and last round time).
CREATE TABLE aliases (
    guid       text NOT NULL,
    alias      text NOT NULL,
    first_seen timestamp NOT NULL,
    last_seen  timestamp NOT NULL,
    PRIMARY KEY (guid, alias)
);
CREATE INDEX aliases_lower ON aliases (lower(alias) text_pattern_ops);

-- One Discord account ↔ one GUID.
CREATE TABLE links (
    discord_id   bigint PRIMARY KEY,
    guid         text NOT NULL UNIQUE,
    display_name text,
    linked_at    timestamptz NOT NULL DEFAULT now()
);

-- Endstats awards and versus rows, replaced as a whole when a richer file for the round arrives.
CREATE TABLE awards (
    round_id    bigint NOT NULL REFERENCES rounds (id) ON DELETE CASCADE,
    file_id     bigint NOT NULL REFERENCES files (id),
    ordinal     smallint NOT NULL,
    award       text NOT NULL,
    player_name text NOT NULL,
    guid        text,
    value_text  text NOT NULL,
    value       real,
    unit        text,
    PRIMARY KEY (round_id, ordinal)
);
CREATE INDEX awards_guid ON awards (guid);

CREATE TABLE versus (
    round_id      bigint NOT NULL REFERENCES rounds (id) ON DELETE CASCADE,
    ordinal       smallint NOT NULL,
    -- NULL in files written before VS_HEADER existed: the subject is unknown.
    subject_name  text,
    subject_guid  text,
    opponent_name text NOT NULL,
    opponent_guid text,
    kills         integer NOT NULL CHECK (kills >= 0),
    deaths        integer NOT NULL CHECK (deaths >= 0),
    PRIMARY KEY (round_id, ordinal)
);

-- What the round-end webhook or the gametime file said about a round (measured times,
-- pauses, end reason, surrender, teams), linked to its round when both are here.
CREATE TABLE round_meta (
    id                      bigserial PRIMARY KEY,
    file_id                 bigint NOT NULL REFERENCES files (id),
    map_name                text NOT NULL,
    round_number            smallint NOT NULL,
    round_end_unix          bigint NOT NULL,
    round_start_unix        bigint,
    actual_duration_seconds integer,
    pause_seconds           integer,
    pause_count             integer,
    warmup_seconds          integer,
    end_reason              text,
    winner_team             smallint,
    defender_team           smallint,
    time_limit_minutes      real,
    surrender_team          smallint,
    surrender_caller_guid   text,
    surrender_caller_name   text,
    axis_score              integer,
    allies_score            integer,
    axis_players            jsonb NOT NULL DEFAULT '[]',
    allies_players          jsonb NOT NULL DEFAULT '[]',
    pauses                  jsonb NOT NULL DEFAULT '[]',
    spawn_stats             jsonb NOT NULL DEFAULT '[]',
    lua_version             text,
    round_id                bigint UNIQUE REFERENCES rounds (id) ON DELETE SET NULL,
    UNIQUE (map_name, round_number, round_end_unix)
);

-- Put a round into its gaming session (the chain of rounds at most `gap` apart, named by its
-- first round time); merge the following session when this round bridges the gap to it.
CREATE FUNCTION assign_session(new_round bigint, at timestamp, gap interval) RETURNS timestamp
LANGUAGE plpgsql AS $$
DECLARE
    start timestamp := at;
    previous record;
    following record;
BEGIN
    SELECT round_time, session_start INTO previous FROM stats.rounds
    WHERE id <> new_round AND round_time <= at ORDER BY round_time DESC LIMIT 1;
    IF FOUND AND at - previous.round_time <= gap THEN
        start := previous.session_start;
    END IF;
    UPDATE stats.rounds SET session_start = start WHERE id = new_round;
    SELECT round_time, session_start INTO following FROM stats.rounds
    WHERE id <> new_round AND round_time >= at ORDER BY round_time LIMIT 1;
    IF FOUND AND following.round_time - at <= gap AND following.session_start <> start THEN
        UPDATE stats.rounds SET session_start = start WHERE session_start = following.session_start;
    END IF;
    RETURN start;
END
$$;
