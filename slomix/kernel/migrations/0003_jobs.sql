-- What PgQueuer has no place for: a job's queue, who asked for it, its attempts, progress and last
-- error, and its history once PgQueuer is done with it. ``id`` is PgQueuer's job id.
CREATE TABLE jobs (
    id           bigint PRIMARY KEY,
    kind         text NOT NULL,
    queue        text NOT NULL,
    payload      jsonb,
    priority     integer NOT NULL,
    key          text,
    enqueued_by  text NOT NULL,
    enqueued_at  timestamptz NOT NULL DEFAULT now(),
    status       text NOT NULL DEFAULT 'queued'
                 CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'cancelled')),
    attempts     integer NOT NULL DEFAULT 0,
    max_attempts integer NOT NULL,
    progress     real CHECK (progress BETWEEN 0 AND 100),
    message      text,
    worker       text,
    started_at   timestamptz,
    finished_at  timestamptz,
    error        text
);
CREATE INDEX jobs_status ON jobs (status, id DESC);
CREATE INDEX jobs_key ON jobs (key) WHERE key IS NOT NULL AND status IN ('queued', 'running');

-- A job's effects committed with ``job.once``: one row per (job, effect), written in the effect's
-- own transaction, so an attempt after a crash knows the effect is already there.
CREATE TABLE job_effects (
    job_id  bigint NOT NULL,
    name    text NOT NULL,
    done_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (job_id, name)
);
