-- The SSH adapter's memory: which game-server files it fetched, and how each server is doing.

-- Every file handed on, by content: a file whose listing (size, mtime) matches its latest
-- row is not fetched again; a same-name file with new content gets a new row.
CREATE TABLE fetched (
    server     text NOT NULL,
    path       text NOT NULL,
    size       bigint NOT NULL,
    mtime      bigint NOT NULL,
    sha256     text NOT NULL,
    -- What the plugins said, e.g. "stats: imported round 12".
    outcome    text NOT NULL,
    fetched_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (server, path, sha256)
);

-- One row per configured server, written by the polling process, read by /health and
-- `slomix status` from any process.
CREATE TABLE servers (
    server        text PRIMARY KEY,
    connected     boolean NOT NULL DEFAULT false,
    last_poll     timestamptz,
    last_error    text,
    last_error_at timestamptz,
    waiting       integer NOT NULL DEFAULT 0,
    -- Files left on the server for now, path -> reason (permission denied, too large).
    failed        jsonb NOT NULL DEFAULT '{}',
    updated_at    timestamptz NOT NULL DEFAULT now()
);
