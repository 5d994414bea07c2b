"""Awards name one winner each, and no percentage passes 100 (issue 14.3, 14.4)."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from itertools import pairwise

import pytest

from slomix.testing import CLI_ACTOR
from slomix_stats.formats import find_r1, parse_stats, r2_differential
from slomix_stats.queries import StatsQueries

pytestmark = pytest.mark.anyio


async def run(kernel, line):
    return await kernel.commands.dispatch(kernel, line, CLI_ACTOR)


def last_session_totals(stats_files) -> tuple[dict[str, dict[str, int]], int]:
    """Per GUID, the newest session's counted figures, straight from the files; and its counted rounds."""
    names = [p.name for p in stats_files]
    times = sorted(datetime.strptime(n[:17], "%Y-%m-%d-%H%M%S") for n in names)
    last = [b for a, b in pairwise(times) if (b - a).total_seconds() > 3600][-1]
    parsed = {p.name: parse_stats(p.read_bytes(), p.name) for p in stats_files
              if datetime.strptime(p.name[:17], "%Y-%m-%d-%H%M%S") >= last}
    totals: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    counted = 0
    for name, stats in parsed.items():
        if stats.round_number == 2:
            r1 = find_r1(name, names)
            if r1 is None:
                continue
            stats = r2_differential(parse_stats((stats_files[0].parent / r1).read_bytes(), r1), stats)
        counted += 1
        for p in stats.players:
            t = totals[p.guid]
            for field in ("revives_given", "gibs", "damage_received", "damage_given", "time_played_seconds",
                          "kills", "deaths"):
                t[field] += getattr(p, field) or 0
            t["rounds"] += 1
    return totals, counted


async def test_one_winner_per_award_and_a_stated_mvp(history, stats_files) -> None:
    totals, counted = last_session_totals(stats_files)
    reply = await run(history, "!awards")
    awards = {a.award: a for a in reply.data["awards"]}
    rows = reply.tables[0].rows
    assert len(rows) == len(awards) <= 10  # not 80: one row per award
    names = {p.guid: p.name for p in (await run(history, "!last_session")).data.players}
    for award, field in (("Team Dad", "revives_given"), ("Cleanup Crew", "gibs"), ("The Tank", "damage_received")):
        best = max(t[field] for t in totals.values())
        holders = sorted((g for g, t in totals.items() if t[field] == best), key=lambda g: names[g].lower())
        assert awards[award].guids == holders and awards[award].winners == [names[g] for g in holders], award
        assert str(best) in awards[award].value
    regulars = {g: t for g, t in totals.items() if t["rounds"] * 2 >= counted}
    mvp = max(regulars, key=lambda g: regulars[g]["damage_given"] / regulars[g]["time_played_seconds"])
    assert reply.data["mvp"].guid == mvp
    assert reply.description.startswith(f"MVP: {names[mvp]} — ") and "highest DPM" in reply.description


async def test_weapons_without_bullets_have_no_accuracy(history) -> None:
    weapons = (await run(history, "!last_session weapons")).tables[0].rows
    by_name = {row[0]: row for row in weapons}
    assert by_name["Syringe"][3] == "—" and by_name["Hand grenade"][3] == "—"
    assert by_name["MP 40"][3].endswith(" %")
    shown = [float(row[3].removesuffix(" %")) for row in weapons if row[3] != "—"]
    assert shown and all(0 <= value <= 100 for value in shown)
    # A player's card: every weapon of vid's, the syringe without a figure, none above 100 %.
    card = await StatsQueries(history.db.pool).player("D8423F90")
    accuracy = {w.weapon: w.accuracy for w in card.weapons}
    assert accuracy["WS_SYRINGE"] is None and accuracy["WS_GRENADE"] is None
    assert all(0 <= v <= 100 for v in accuracy.values() if v is not None) and accuracy["WS_MP40"] is not None
    assert 0 < card.totals.accuracy <= 100
