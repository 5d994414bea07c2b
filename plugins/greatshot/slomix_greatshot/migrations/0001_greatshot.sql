-- Greatshot: stored demos (one row per content hash), what their analysis found (players, kills,
-- highlights with their clip and video), the jobs working on them, and their link to a stats round.

CREATE TABLE demos (
    id              bigserial PRIMARY KEY,
    sha256          text NOT NULL UNIQUE,
    filename        text NOT NULL,            -- what the uploader called it (display only)
    path            text NOT NULL,            -- relative to the storage root, never from user input
    size            bigint NOT NULL,
    uploader        text NOT NULL,            -- an actor id, or the source ('import', 'ssh:<server>')
    source          text NOT NULL,
    status          text NOT NULL DEFAULT 'stored'
                    CHECK (status IN ('stored', 'analysing', 'analysed', 'failed', 'cancelled')),
    error           text,
    map_name        text,
    mod_version     text,
    ettv            boolean,
    recorder        integer,
    start_ms        integer,
    end_ms          integer,
    bounds          jsonb,                    -- the square of the map its render draws
    kill_count      integer,
    headshot_count  integer,
    -- The stats round this demo recorded: 'auto' (confident), 'confirmed' (an admin), or
    -- 'candidates' (an admin chooses among link_candidates).
    round_id        bigint,
    link_state      text CHECK (link_state IN ('auto', 'confirmed', 'candidates', 'none')),
    link_confidence real,
    link_candidates jsonb,
    created_at      timestamptz NOT NULL DEFAULT now(),
    analysed_at     timestamptz
);
CREATE INDEX demos_uploader ON demos (uploader, created_at DESC);
CREATE INDEX demos_round ON demos (round_id) WHERE round_id IS NOT NULL;

CREATE TABLE players (
    demo_id   bigint NOT NULL REFERENCES demos (id) ON DELETE CASCADE,
    client    integer NOT NULL,
    name      text NOT NULL,
    team      text NOT NULL,
    guid      text,
    kills     integer NOT NULL DEFAULT 0,
    deaths    integer NOT NULL DEFAULT 0,
    headshots integer NOT NULL DEFAULT 0,
    PRIMARY KEY (demo_id, client)
);

CREATE TABLE kills (
    demo_id       bigint NOT NULL REFERENCES demos (id) ON DELETE CASCADE,
    seq           integer NOT NULL,
    time_ms       integer NOT NULL,
    attacker      integer NOT NULL,
    victim        integer NOT NULL,
    attacker_name text NOT NULL,
    victim_name   text NOT NULL,
    weapon        text NOT NULL,
    mod           integer NOT NULL,
    headshot      boolean NOT NULL,
    attacker_team text NOT NULL,
    victim_team   text NOT NULL,
    -- Where killer and victim stood (game units), when the demo saw them.
    ax real, ay real, vx real, vy real,
    distance      real,
    PRIMARY KEY (demo_id, seq)
);

CREATE TABLE highlights (
    id          bigserial PRIMARY KEY,
    demo_id     bigint NOT NULL REFERENCES demos (id) ON DELETE CASCADE,
    kind        text NOT NULL,
    client      integer NOT NULL,
    player      text NOT NULL,
    start_ms    integer NOT NULL,
    end_ms      integer NOT NULL,
    score       real NOT NULL,
    kills       integer NOT NULL,
    headshots   integer NOT NULL,
    map_name    text,
    detail      jsonb NOT NULL DEFAULT '{}',
    clip_start_ms integer,
    clip_end_ms   integer,
    clip_path   text,                         -- relative to the storage root
    video_path  text,
    preview_path text,
    render_error text,
    UNIQUE (demo_id, kind, client, start_ms)
);
CREATE INDEX highlights_kind ON highlights (kind, score DESC);

-- The kernel jobs working on a demo (so its page, !demo and cancel find them).
CREATE TABLE demo_jobs (
    demo_id bigint NOT NULL REFERENCES demos (id) ON DELETE CASCADE,
    job_id  bigint NOT NULL,
    stage   text NOT NULL CHECK (stage IN ('analyse', 'clip', 'render')),
    highlight_id bigint,
    PRIMARY KEY (demo_id, job_id)
);

-- Every upload attempt that stored bytes or was refused by the rate limit, for the per-user rate.
CREATE TABLE uploads (
    uploader text NOT NULL,
    at       timestamptz NOT NULL DEFAULT now(),
    size     bigint NOT NULL
);
CREATE INDEX uploads_by ON uploads (uploader, at DESC);
