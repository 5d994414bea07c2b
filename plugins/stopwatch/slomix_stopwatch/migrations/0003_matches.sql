-- A session is its matches (issue 14.7): when the lineup of either side changes beyond a
-- substitution, a new match begins and is scored on its own. Teams, results and map rows are
-- kept per (session, match); match 1 is what a session had before. Admin pins stay per session.
ALTER TABLE map_results DROP CONSTRAINT map_results_session_start_fkey;

ALTER TABLE session_teams ADD COLUMN match smallint NOT NULL DEFAULT 1 CHECK (match >= 1);
ALTER TABLE session_teams DROP CONSTRAINT session_teams_pkey;
ALTER TABLE session_teams ADD PRIMARY KEY (session_start, match, team);

ALTER TABLE session_results ADD COLUMN match smallint NOT NULL DEFAULT 1 CHECK (match >= 1);
ALTER TABLE session_results ADD COLUMN match_start timestamp;
UPDATE session_results SET match_start = session_start;
ALTER TABLE session_results ALTER COLUMN match_start SET NOT NULL;
ALTER TABLE session_results DROP CONSTRAINT session_results_pkey;
ALTER TABLE session_results ADD PRIMARY KEY (session_start, match);

ALTER TABLE map_results ADD COLUMN match smallint NOT NULL DEFAULT 1;
ALTER TABLE map_results DROP CONSTRAINT map_results_pkey;
ALTER TABLE map_results ADD PRIMARY KEY (session_start, match, seq);
ALTER TABLE map_results ADD FOREIGN KEY (session_start, match) REFERENCES session_results (session_start, match)
    ON DELETE CASCADE;
