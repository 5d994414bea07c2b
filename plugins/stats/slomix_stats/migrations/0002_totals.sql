-- Lifetime totals per player over counted rounds, for leaderboards and player cards.
-- A materialised view: rebuilt after imports (debounced), so reads never aggregate the
-- whole history. Counted rounds: completed or substitution, valid (spec §10.3).
CREATE MATERIALIZED VIEW player_totals AS
SELECT p.guid,
       (array_agg(p.clean_name ORDER BY r.round_time DESC))[1] AS name,
       count(*)::int AS rounds,
       sum(p.kills)::bigint AS kills,
       sum(p.deaths)::bigint AS deaths,
       sum(p.headshots)::bigint AS headshots,
       sum(p.headshot_kills)::bigint AS headshot_kills,
       sum(p.damage_given)::bigint AS damage_given,
       sum(p.damage_received)::bigint AS damage_received,
       sum(p.team_damage_given)::bigint AS team_damage_given,
       sum(p.gibs)::bigint AS gibs,
       sum(coalesce(p.revives_given, 0))::bigint AS revives_given,
       sum(p.times_revived)::bigint AS times_revived,
       sum(p.xp)::bigint AS xp,
       sum(p.time_played_seconds)::bigint AS seconds,
       sum(least(p.time_dead_minutes * 60, p.time_played_seconds))::bigint AS dead_seconds,
       sum(p.hits)::bigint AS hits,
       sum(p.shots)::bigint AS shots,
       sum(p.objectives_stolen + p.objectives_returned)::bigint AS objectives,
       sum(p.dynamites_planted)::bigint AS dynamites_planted,
       sum(p.dynamites_defused)::bigint AS dynamites_defused,
       sum(p.double_kills + p.triple_kills + p.quad_kills + p.multi_kills + p.mega_kills)::bigint AS multikills,
       avg(p.efficiency)::real AS efficiency_avg,
       max(p.killing_spree_best) AS best_spree,
       min(r.round_time) AS first_seen,
       max(r.round_time) AS last_seen,
       coalesce(sum(g.kills), 0)::bigint AS grenade_kills,
       coalesce(sum(g.hits), 0)::bigint AS grenade_hits
FROM player_rounds p
JOIN rounds r ON r.id = p.round_id
LEFT JOIN weapon_rounds g ON g.round_id = p.round_id AND g.guid = p.guid AND g.weapon = 'WS_GRENADE'
WHERE r.status IN ('completed', 'substitution') AND r.is_valid AND NOT p.is_bot
GROUP BY p.guid;

CREATE UNIQUE INDEX player_totals_guid ON player_totals (guid);
