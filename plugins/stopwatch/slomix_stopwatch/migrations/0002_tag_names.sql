-- A team may be named after its players' common clan tag (issue 14.6): name_source 'tag'.
-- A tag name follows the lineup (recomputed with the session); 'pool' names are drawn only
-- when a team has no tag, 'manual' ones (an admin's) always win.
ALTER TABLE session_teams DROP CONSTRAINT session_teams_name_source_check;
ALTER TABLE session_teams ADD CONSTRAINT session_teams_name_source_check
    CHECK (name_source IN ('pool', 'manual', 'tag'));
