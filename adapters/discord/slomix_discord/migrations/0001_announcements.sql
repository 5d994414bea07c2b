-- Announcements waiting for or already posted to the announce channel. The key makes
-- delivery idempotent (one post per key, across restarts and processes); a row is written
-- before it is posted, so an announcement made while the bot is away is posted when it is back.
CREATE TABLE announcements (
    key           text PRIMARY KEY,
    topic         text NOT NULL,
    reply         jsonb NOT NULL,
    status        text NOT NULL DEFAULT 'pending'
                  CHECK (status IN ('pending', 'posted', 'expired', 'failed')),
    attempts      integer NOT NULL DEFAULT 0,
    last_error    text,
    next_try_at   timestamptz,             -- claimed by a poster, or waiting to retry, until then
    channel_id    bigint,
    message_id    bigint,
    created_at    timestamptz NOT NULL DEFAULT now(),
    posted_at     timestamptz
);

CREATE INDEX announcements_pending ON announcements (created_at) WHERE status = 'pending';
