-- Ratings and predictions. Everything but `predictions` is rebuilt from the stopwatch history
-- by `slomix ratings rebuild` (and after every finished map): never edited by hand.

-- Each player's current rating (openskill mean and uncertainty) and record.
CREATE TABLE ratings (
    guid        text PRIMARY KEY,
    mu          double precision NOT NULL,
    sigma       double precision NOT NULL CHECK (sigma > 0),
    maps        integer NOT NULL,
    wins        integer NOT NULL,
    draws       integer NOT NULL,
    losses      integer NOT NULL,
    last_played timestamp NOT NULL
);

-- Each candidate noise level's ratings (β of one map): live predictions mix them with the
-- evaluation's weights; `ratings` above is the heaviest candidate's.
CREATE TABLE member_ratings (
    beta        double precision NOT NULL,
    guid        text NOT NULL,
    mu          double precision NOT NULL,
    sigma       double precision NOT NULL CHECK (sigma > 0),
    maps        integer NOT NULL,
    last_played timestamp NOT NULL,
    PRIMARY KEY (beta, guid)
);

-- Every finished stopwatch map as rated, with what each model said before it (walk-forward).
CREATE TABLE maps (
    session_start timestamp NOT NULL,
    seq           smallint NOT NULL,
    match_id      text NOT NULL,
    map_name      text NOT NULL,
    played_at     timestamp NOT NULL,
    r1_round_id   bigint NOT NULL,
    lineup_a      text[] NOT NULL,
    lineup_b      text[] NOT NULL,
    outcome       real NOT NULL CHECK (outcome IN (0, 0.5, 1)),  -- team A's
    p_model       double precision NOT NULL,
    p_dpm_share   double precision NOT NULL,
    p_elo         double precision NOT NULL,
    PRIMARY KEY (session_start, seq)
);
CREATE INDEX maps_played ON maps (played_at);

-- What each map did to each player's rating (the rating history, duo and matchup figures).
CREATE TABLE rating_changes (
    session_start timestamp NOT NULL,
    seq           smallint NOT NULL,
    guid          text NOT NULL,
    team          char(1) NOT NULL CHECK (team IN ('A', 'B')),
    share         real NOT NULL,
    mu_before     double precision NOT NULL,
    sigma_before  double precision NOT NULL,
    mu            double precision NOT NULL,
    sigma         double precision NOT NULL,
    -- No foreign key to maps: the rebuild replaces both together in one transaction, and a
    -- check per row would only slow the 600 000 rows of a 100 000-round rebuild.
    PRIMARY KEY (session_start, seq, guid)
);
CREATE INDEX rating_changes_guid ON rating_changes (guid);

-- The last walk-forward evaluation (one row), and when the ratings were rebuilt.
CREATE TABLE evaluation (
    id       smallint PRIMARY KEY CHECK (id = 1),
    body     jsonb NOT NULL,
    built_at timestamptz NOT NULL DEFAULT now()
);

-- Predictions made for matches (a new map's first round, !predict, teams announced) and how they ended.
CREATE TABLE predictions (
    id           bigserial PRIMARY KEY,
    key          text NOT NULL UNIQUE,
    source       text NOT NULL CHECK (source IN ('round', 'command', 'teams')),
    made_at      timestamptz NOT NULL DEFAULT now(),
    made_by      text NOT NULL,
    map_name     text,
    r1_round_id  bigint,
    -- Teams announced before a map: the first map those lineups play from then on (server time,
    -- within 6 hours) resolves it.
    not_before   timestamp,
    team_a       text[] NOT NULL,
    team_b       text[] NOT NULL,
    p_a          double precision NOT NULL CHECK (p_a BETWEEN 0 AND 1),
    model        text NOT NULL,
    published    boolean NOT NULL DEFAULT false,
    outcome      real CHECK (outcome IN (0, 0.5, 1)),
    resolved_at  timestamptz
);
CREATE INDEX predictions_open ON predictions (r1_round_id) WHERE outcome IS NULL;
