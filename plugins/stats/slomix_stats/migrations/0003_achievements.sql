-- Milestones reached, once each: the ledger keeps announcements restart-safe.
CREATE TABLE achievements (
    guid        text NOT NULL,
    achievement text NOT NULL,
    label       text NOT NULL,
    reached_at  timestamp NOT NULL,
    round_id    bigint REFERENCES rounds (id) ON DELETE SET NULL,
    PRIMARY KEY (guid, achievement)
);
