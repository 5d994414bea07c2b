-- Who asked for direct messages (game on, reminders): opt-in, off unless they say so.
CREATE TABLE voice.notify (
    actor_id text PRIMARY KEY,
    name text NOT NULL,
    direct boolean NOT NULL,
    changed_at timestamptz NOT NULL
);
