"""Writing a replay to the database (one transaction) and reading ratings back."""

from __future__ import annotations

from typing import Any

import msgspec

from .replay import Evaluation, Replay


async def save(conn: Any, replay: Replay) -> Evaluation:
    """Replace the ratings, maps and changes with ``replay``'s, resolve waiting predictions; one transaction."""
    evaluation = replay.evaluation()
    record: dict[str, list[int]] = {}
    for played in replay.played:
        for change in played.changes:
            won = played.game.outcome if change.team == "A" else 1 - played.game.outcome
            wins = record.setdefault(change.guid, [0, 0, 0])
            wins[0 if won == 1 else 1 if won == 0.5 else 2] += 1
    async with conn.transaction():
        await conn.execute("TRUNCATE predictions.rating_changes, predictions.maps, predictions.ratings,"
                           " predictions.member_ratings")
        await conn.copy_records_to_table(
            "member_ratings", schema_name="predictions",
            columns=["beta", "guid", "mu", "sigma", "maps", "last_played"],
            records=[(m.beta, guid, r.mu, r.sigma, r.maps, r.last_played)
                     for m in replay.mixture.members for guid, r in sorted(m.players.items())])
        await conn.copy_records_to_table(
            "maps", schema_name="predictions",
            columns=["session_start", "seq", "match_id", "map_name", "played_at", "r1_round_id", "lineup_a",
                     "lineup_b", "outcome", "p_model", "p_dpm_share", "p_elo"],
            records=[(g.session_start, g.seq, g.match_id, g.map_name, g.played_at, g.r1_round_id, g.lineup_a,
                      g.lineup_b, g.outcome, p.p_model, p.p_baselines["dpm_share"], p.p_baselines["elo"])
                     for p in replay.played for g in [p.game]])
        await conn.copy_records_to_table(
            "rating_changes", schema_name="predictions",
            columns=["session_start", "seq", "guid", "team", "share", "mu_before", "sigma_before", "mu", "sigma"],
            records=[(p.game.session_start, p.game.seq, c.guid, c.team, c.share, c.mu_before, c.sigma_before,
                      c.mu, c.sigma) for p in replay.played for c in p.changes])
        await conn.copy_records_to_table(
            "ratings", schema_name="predictions",
            columns=["guid", "mu", "sigma", "maps", "wins", "draws", "losses", "last_played"],
            records=[(guid, r.mu, r.sigma, r.maps, *record.get(guid, (0, 0, 0)), r.last_played)
                     for guid, r in sorted(replay.ratings.players.items())])
        await conn.execute(
            """INSERT INTO predictions.evaluation (id, body, built_at) VALUES (1, $1::jsonb, now())
               ON CONFLICT (id) DO UPDATE SET body = excluded.body, built_at = now()""",
            msgspec.json.encode(evaluation).decode())
        await resolve(conn)
    return evaluation


async def resolve(conn: Any) -> int:
    """Predictions for a map that has finished take its result (seen from their team A): a first
    round's by its round, announced teams' by the first map those exact lineups played after."""
    by_round = await conn.execute(
        """UPDATE predictions.predictions p
           SET outcome = CASE WHEN p.team_a && m.lineup_a THEN m.outcome ELSE 1 - m.outcome END,
               resolved_at = now()
           FROM predictions.maps m WHERE p.outcome IS NULL AND p.r1_round_id = m.r1_round_id""")
    by_teams = await conn.execute(
        """UPDATE predictions.predictions p SET outcome = found.outcome, resolved_at = now()
           FROM (SELECT DISTINCT ON (p.id) p.id,
                        CASE WHEN m.lineup_a @> p.team_a THEN m.outcome ELSE 1 - m.outcome END AS outcome
                 FROM predictions.predictions p JOIN predictions.maps m
                   ON m.played_at >= p.not_before AND m.played_at < p.not_before + interval '6 hours'
                  AND ((m.lineup_a @> p.team_a AND m.lineup_a <@ p.team_a AND m.lineup_b @> p.team_b
                        AND m.lineup_b <@ p.team_b)
                    OR (m.lineup_a @> p.team_b AND m.lineup_a <@ p.team_b AND m.lineup_b @> p.team_a
                        AND m.lineup_b <@ p.team_a))
                 WHERE p.outcome IS NULL AND p.source = 'teams'
                 ORDER BY p.id, m.played_at, m.seq) found
           WHERE p.id = found.id""")
    return int(by_round.split()[-1]) + int(by_teams.split()[-1])


async def evaluation(db: Any) -> Evaluation | None:
    body = await db.fetchval("SELECT body FROM predictions.evaluation WHERE id = 1")
    return msgspec.json.decode(body, type=Evaluation) if body else None
