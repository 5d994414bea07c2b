-- Game servers: the latest status of each (the live card), a sample per poll (the history chart,
-- kept for history_days), and every RCON call with who asked, what, and what came back.

CREATE TABLE live (
    server      text PRIMARY KEY,
    at          timestamptz NOT NULL,
    online      boolean NOT NULL,
    error       text,
    status      jsonb            -- the last answer: info and players (null while never reached)
);

CREATE TABLE samples (
    server      text NOT NULL,
    at          timestamptz NOT NULL,
    online      boolean NOT NULL,
    map         text,
    players     smallint NOT NULL DEFAULT 0,
    humans      smallint NOT NULL DEFAULT 0,
    PRIMARY KEY (server, at)
);

CREATE TABLE rcon_audit (
    id          bigserial PRIMARY KEY,
    at          timestamptz NOT NULL DEFAULT now(),
    server      text NOT NULL,
    actor_id    text NOT NULL,
    actor_name  text NOT NULL,
    adapter     text NOT NULL,
    command     text NOT NULL,   -- the console command, never the password
    ok          boolean NOT NULL,
    reply       text NOT NULL    -- the whole reply, or the error
);
CREATE INDEX rcon_audit_at ON rcon_audit (at DESC);
