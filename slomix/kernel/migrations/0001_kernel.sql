-- The kernel's own tables: permission tiers and their audit trail.
CREATE TABLE permissions (
    actor_id   text PRIMARY KEY,
    tier       text NOT NULL CHECK (tier IN ('root', 'admin', 'moderator')),
    granted_by text NOT NULL,
    granted_at timestamptz NOT NULL DEFAULT now(),
    reason     text NOT NULL DEFAULT ''
);

CREATE TABLE permission_audit (
    id       bigserial PRIMARY KEY,
    at       timestamptz NOT NULL DEFAULT now(),
    action   text NOT NULL,
    actor_id text NOT NULL,
    tier     text,
    by_actor text NOT NULL,
    reason   text NOT NULL DEFAULT ''
);
