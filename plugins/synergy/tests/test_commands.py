"""The synergy commands on the real history: a duo's figures counted independently from the stats
files' sides and the stopwatch results; nemesis from endstats built as the spec describes (§3.2),
and said plainly when the server writes none or only the older kind."""

from __future__ import annotations

import pytest

from slomix_predictions import api as predictions
from slomix_predictions import service
from slomix_stats import api as stats
from slomix_stopwatch import api as stopwatch
from slomix_synergy.figures import wilson

pytestmark = pytest.mark.anyio

VID, ENDEKK, OLZ, QMR, BRONZE = "D8423F90", "7B84BE88", "5D989160", "652EB4A6", "2B5938F5"
FULL = {g: g + "A" * 24 for g in (VID, ENDEKK, OLZ, QMR, BRONZE)}


def endstats(versus: dict[str, list[tuple[str, int, int]]]) -> bytes:
    lines = ["Most damage given\tvid\t3214"]
    for subject, rows in versus.items():
        lines.append(f"VS_HEADER\t{subject}\t{FULL[{'vid': VID, 'endekk': ENDEKK}[subject]]}")
        lines += [f"{name}\t{kills}\t{deaths}" for name, kills, deaths in rows]
    return ("\n".join(lines) + "\n").encode()


@pytest.fixture
async def kernel(make_kernel, ingest, real_history):
    kernel = await make_kernel(plugins={"stats", "stopwatch", "predictions", "synergy"})
    await ingest(kernel, real_history)
    await service.rebuild(kernel.db.pool)
    return kernel


async def _independent_duo(pool, a: str, b: str) -> tuple[int, float]:
    """Maps both played for the same persistent team, and the points won: from the stopwatch's results
    and the rounds' players (a sub's map does not count for the player he replaced)."""
    maps, won = 0, 0.0
    for start in sorted({m.session_start for m in await predictions.maps(pool)}):
        teams = await stopwatch.session_teams(pool, start)
        score = await stopwatch.session_score(pool, start)
        side = next((t.team for t in teams.teams if a in t.guids and b in t.guids), None)
        if side is None:
            continue
        present = {e.round_id: {p.guid for p in e.players} for e in await stats.session_rounds(pool, start)}
        for m in score.maps:
            if m.finished and {a, b} <= present[m.r1_round_id] | present[m.r2_round_id]:
                maps += 1
                mine, theirs = (m.points_a, m.points_b) if side == "A" else (m.points_b, m.points_a)
                won += 1 if mine > theirs else 0.5 if mine == theirs else 0
    return maps, won


async def test_duo_perf_on_the_real_history(kernel, ask) -> None:
    reply = await ask(kernel, "!duo_perf vid endekk")
    d = reply.data
    maps, won = await _independent_duo(kernel.db.pool, VID, ENDEKK)
    assert (d.together.maps, d.together.wins + d.together.draws / 2) == (maps, won) == (38, 28)
    assert (d.together.win_low, d.together.win_high) == wilson(won, maps)
    assert d.apart.maps > 0 and d.together.delta_mu_ci is not None
    assert "38 maps, 28-0-10" in reply.fields[0].value and "+26 points" in reply.description
    best = await ask(kernel, "!best_duos")
    lows = [d.together.win_low for d in best.data]
    assert lows == sorted(lows, reverse=True) and all(d.together.maps >= 5 for d in best.data)
    assert (await ask(kernel, "!duo_perf vid nobody_called_this")).error


async def test_matchup_on_the_real_history(kernel, ask) -> None:
    reply = await ask(kernel, "!matchup vid,endekk vs .olz,qmr")
    m = reply.data["matchup"]
    assert m.record.maps == len(m.maps) > 0 and m.record.wins + m.record.draws + m.record.losses == m.record.maps
    assert reply.data["p_a"] == pytest.approx(await predictions.win_probability(kernel.db.pool, [VID, ENDEKK],
                                                                                [OLZ, QMR]), abs=1e-6)
    never = await ask(kernel, "!matchup vid vs vid")
    assert never.error and "named twice" in never.description


async def test_nemesis_needs_endstats_with_versus_headers(kernel, ingest, ask, shared_data) -> None:
    plain = await ask(kernel, "!nemesis vid")
    assert "writes no endstats" in plain.description and not plain.error
    # The real endstats file is of the older kind (no VS_HEADER); as if it were of a real te_escape2 round.
    old = next((shared_data / "endstats").glob("*.txt")).read_bytes()
    await ingest(kernel, [("2025-10-23-224121-te_escape2-round-2-endstats.txt", old)])
    assert "older kind" in (await ask(kernel, "!nemesis vid")).description
    # Two rounds with versus rows: the totals add up over rounds.
    await ingest(kernel, [
        ("2025-10-23-232951-etl_frostbite-round-2-endstats.txt",
         endstats({"vid": [(".olz", 6, 1), ("qmr", 2, 5), ("bronze.", 3, 3)], "endekk": [("qmr", 1, 1)]})),
        ("2025-10-23-232009-sw_goldrush_te-round-2-endstats.txt",
         endstats({"vid": [("qmr", 1, 3), (".olz", 1, 0), ("bronze.", 1, 0)]}))])
    reply = await ask(kernel, "!nemesis vid")
    r = reply.data
    assert (r.nemesis.opponent_guid, r.nemesis.kills, r.nemesis.deaths, r.nemesis.rounds) == (QMR, 3, 8, 2)
    assert (r.prey.opponent_guid, r.prey.kills, r.prey.deaths) == (OLZ, 7, 1)
    assert (r.rival.opponent_guid, r.rival.kills, r.rival.deaths) == (BRONZE, 4, 3)
    assert "qmr" in reply.fields[0].value and ".olz" in reply.fields[1].value
    lonely = await ask(kernel, "!nemesis endekk")  # 2 encounters only
    assert lonely.data.nemesis is None and "nobody yet" in lonely.fields[0].value


async def test_synergy_without_predictions_says_why(make_kernel) -> None:
    kernel = await make_kernel(plugins={"stats", "stopwatch", "synergy"})
    info = kernel.plugin("synergy")
    assert info.status == "failed" and "predictions plugin" in info.error
