-- Evenings (opened and closed by the voice channels), the last voice picture, availability.

CREATE TABLE voice.evenings (
    id bigserial PRIMARY KEY,
    guild_id bigint NOT NULL,
    opened_at timestamptz NOT NULL,
    closed_at timestamptz,
    peak integer NOT NULL,
    -- Since when fewer than close_below are in voice: the close timer runs from here (survives a restart).
    below_since timestamptz,
    CHECK (closed_at IS NULL OR closed_at >= opened_at)
);
CREATE UNIQUE INDEX evenings_one_open ON voice.evenings (guild_id) WHERE closed_at IS NULL;

-- The latest Presence of each guild (for the tonight page and a restart).
CREATE TABLE voice.presence (
    guild_id bigint PRIMARY KEY,
    at timestamptz NOT NULL,
    presence jsonb NOT NULL
);

CREATE TABLE voice.availability (
    day date NOT NULL,
    actor_id text NOT NULL,
    name text NOT NULL,
    answer text NOT NULL CHECK (answer IN ('yes', 'maybe', 'no')),
    answered_at timestamptz NOT NULL,
    PRIMARY KEY (day, actor_id)
);

-- What was done once per day (poll posted, each reminder, game on): "due and not yet done".
CREATE TABLE voice.ledger (
    key text PRIMARY KEY,
    done_at timestamptz NOT NULL
);
