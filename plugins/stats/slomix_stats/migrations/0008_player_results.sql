-- A player's profile says who won: rounds won and lost per map, per session and with each teammate
-- (issue 14).
-- A round is won when the player's side (player_rounds.team: 1 Axis, 2 Allies) is the header's
-- winner (rounds.winner_team, 0 when the file did not say); unknown winners count neither way.
-- Rebuilt with the other totals after imports, so the profile reads a few rows by index
-- (aggregated on each read, the busiest player of a 100 000-round history is ~40 000 rounds).
DROP MATERIALIZED VIEW player_map_totals;
CREATE MATERIALIZED VIEW player_map_totals AS
SELECT p.guid, r.map_name,
       count(*)::int AS rounds,
       sum(p.kills)::bigint AS kills,
       sum(p.deaths)::bigint AS deaths,
       sum(p.damage_given)::bigint AS damage,
       sum(p.time_played_seconds)::bigint AS seconds,
       count(*) FILTER (WHERE p.team = r.winner_team)::int AS wins,
       count(*) FILTER (WHERE r.winner_team IN (1, 2) AND p.team IN (1, 2) AND p.team <> r.winner_team)::int
           AS losses
FROM player_rounds p
JOIN rounds r ON r.id = p.round_id
WHERE r.status IN ('completed', 'substitution') AND r.is_valid
GROUP BY p.guid, r.map_name;

CREATE UNIQUE INDEX player_map_totals_key ON player_map_totals (guid, map_name);

-- Per player and gaming session: the form line of the profile and the sessions played.
CREATE MATERIALIZED VIEW player_session_totals AS
SELECT p.guid, r.session_start,
       count(*)::int AS rounds,
       sum(p.kills)::bigint AS kills,
       sum(p.deaths)::bigint AS deaths,
       sum(p.damage_given)::bigint AS damage,
       sum(p.time_played_seconds)::bigint AS seconds,
       count(*) FILTER (WHERE p.team = r.winner_team)::int AS wins,
       count(*) FILTER (WHERE r.winner_team IN (1, 2) AND p.team IN (1, 2) AND p.team <> r.winner_team)::int
           AS losses,
       array_agg(DISTINCT r.map_name ORDER BY r.map_name) AS maps
FROM player_rounds p
JOIN rounds r ON r.id = p.round_id
WHERE r.status IN ('completed', 'substitution') AND r.is_valid
GROUP BY p.guid, r.session_start;

CREATE UNIQUE INDEX player_session_totals_key ON player_session_totals (guid, session_start);

-- Per pair of players on the same side of a counted round: the profile's "teammates they win
-- most with" (aggregated on each read, the busiest player's teammates cost 500 ms on 100 000 rounds).
CREATE MATERIALIZED VIEW player_mates AS
SELECT p.guid, m.guid AS mate,
       count(*)::int AS rounds,
       count(*) FILTER (WHERE p.team = r.winner_team)::int AS wins,
       count(*) FILTER (WHERE r.winner_team IN (1, 2) AND p.team <> r.winner_team)::int AS losses
FROM player_rounds p
JOIN rounds r ON r.id = p.round_id
JOIN player_rounds m ON m.round_id = p.round_id AND m.team = p.team AND m.guid <> p.guid
WHERE r.status IN ('completed', 'substitution') AND r.is_valid AND p.team IN (1, 2)
GROUP BY p.guid, m.guid;

CREATE UNIQUE INDEX player_mates_key ON player_mates (guid, mate);

-- A player's versus rows (who killed them, whom they killed) are read by subject.
CREATE INDEX versus_subject ON versus (subject_guid) WHERE subject_guid IS NOT NULL;
