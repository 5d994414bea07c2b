"""Duo, matchup and nemesis figures from the rated maps and the endstats versus rows (pure functions).

A map counts as won (1), drawn (0.5, a double fullhold) or lost (0) for a player's team. Win rates
carry a 95 % Wilson score interval (a draw counts as half a win); rating changes (Δμ per map, from
the predictions plugin) carry a normal 95 % interval of their mean.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from itertools import combinations
from statistics import NormalDist

import msgspec

from slomix_predictions.api import MapRecord
from slomix_stats.api import VersusTotal

Z95 = NormalDist().inv_cdf(0.975)
MIN_DUO_MAPS = 5  # !best_duos lists pairs with at least this many maps on the same team
MIN_ENCOUNTERS = 5  # nemesis / prey / rival need at least this many kills + deaths between the two


def wilson(wins: float, n: int) -> tuple[float, float]:
    """95 % Wilson score interval of a proportion; (0, 1) for no data."""
    if n == 0:
        return (0.0, 1.0)
    p, z2 = wins / n, Z95 ** 2
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = Z95 * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / (1 + z2 / n)
    return (max(centre - half, 0.0), min(centre + half, 1.0))


class Record(msgspec.Struct, frozen=True, kw_only=True):
    """Maps, wins, draws and losses, the win rate (draws half) with its interval, and mean Δμ ± 95 %."""

    maps: int
    wins: int
    draws: int
    losses: int
    win_rate: float | None
    win_low: float
    win_high: float
    delta_mu: float | None
    delta_mu_ci: float | None


def record(results: Sequence[float], deltas: Sequence[float]) -> Record:
    n = len(results)
    score = sum(results)
    low, high = wilson(score, n)
    mean = sum(deltas) / len(deltas) if deltas else None
    ci = None
    if len(deltas) > 1:
        var = sum((d - mean) ** 2 for d in deltas) / (len(deltas) - 1)
        ci = Z95 * math.sqrt(var / len(deltas))
    return Record(maps=n, wins=sum(r == 1 for r in results), draws=sum(r == 0.5 for r in results),
                  losses=sum(r == 0 for r in results), win_rate=score / n if n else None, win_low=low,
                  win_high=high, delta_mu=mean, delta_mu_ci=ci)


class Duo(msgspec.Struct, frozen=True, kw_only=True):
    """Two players on the same team vs each of them on a map without the other on his team."""

    a: str
    b: str
    together: Record
    apart: Record

    @property
    def lift(self) -> float | None:
        if self.together.win_rate is None or self.apart.win_rate is None:
            return None
        return self.together.win_rate - self.apart.win_rate


def duo(maps: Iterable[MapRecord], a: str, b: str) -> Duo:
    together_r, together_d, apart_r, apart_d = [], [], [], []
    for m in maps:
        team = {p.guid: p for p in m.players}
        if a in team and b in team and team[a].team == team[b].team:
            result = m.result_for(team[a].team)
            together_r.append(result)
            together_d += [team[a].delta_mu, team[b].delta_mu]
            continue
        for me, other in ((a, b), (b, a)):
            if me in team and (other not in team or team[other].team != team[me].team):
                apart_r.append(m.result_for(team[me].team))
                apart_d.append(team[me].delta_mu)
    return Duo(a=a, b=b, together=record(together_r, together_d), apart=record(apart_r, apart_d))


def best_duos(maps: Sequence[MapRecord], least: int = MIN_DUO_MAPS) -> list[Duo]:
    """Pairs with at least ``least`` maps together, by the lower end of their win-rate interval."""
    counts: dict[tuple[str, str], int] = {}
    for m in maps:
        for team in ("A", "B"):
            for pair in combinations(sorted(p.guid for p in m.players if p.team == team), 2):
                counts[pair] = counts.get(pair, 0) + 1
    duos = [duo(maps, a, b) for (a, b), n in counts.items() if n >= least]
    return sorted(duos, key=lambda d: (-d.together.win_low, -(d.together.win_rate or 0), d.a, d.b))


class Matchup(msgspec.Struct, frozen=True, kw_only=True):
    """Maps where every player of lineup A played on one team and every player of B on the other."""

    lineup_a: list[str]
    lineup_b: list[str]
    record: Record  # from lineup A's side
    maps: list[tuple[str, str, float]]  # (date, map, A's result), newest first


def matchup(maps: Iterable[MapRecord], lineup_a: Sequence[str], lineup_b: Sequence[str]) -> Matchup:
    results, played, deltas = [], [], []
    for m in maps:
        team = {p.guid: p for p in m.players}
        sides = {team[g].team for g in lineup_a if g in team}
        others = {team[g].team for g in lineup_b if g in team}
        if (len(sides) == 1 and len(others) == 1 and sides != others and all(g in team for g in lineup_a)
                and all(g in team for g in lineup_b)):
            result = m.result_for(sides.pop())
            results.append(result)
            deltas += [team[g].delta_mu for g in lineup_a]
            played.append((f"{m.played_at:%Y-%m-%d}", m.map_name, result))
    return Matchup(lineup_a=list(lineup_a), lineup_b=list(lineup_b), record=record(results, deltas),
                   maps=played[::-1])


class Rivalry(msgspec.Struct, frozen=True, kw_only=True):
    """Who kills a player most (nemesis), whom he kills most (prey), and his most even frequent foe (rival)."""

    nemesis: VersusTotal | None
    prey: VersusTotal | None
    rival: VersusTotal | None
    opponents: list[VersusTotal]


def rivalry(totals: Sequence[VersusTotal], least: int = MIN_ENCOUNTERS) -> Rivalry:
    """Among opponents met at least ``least`` times (kills + deaths): nemesis = most deaths by him among
    those who win the duel, prey = most kills on him among those who lose it, rival = most encounters
    among those where neither takes more than 60 %."""
    met = [t for t in totals if t.kills + t.deaths >= least]
    nemesis = max((t for t in met if t.deaths > t.kills), key=lambda t: (t.deaths, -t.kills), default=None)
    prey = max((t for t in met if t.kills > t.deaths), key=lambda t: (t.kills, -t.deaths), default=None)
    even = [t for t in met if max(t.kills, t.deaths) <= 0.6 * (t.kills + t.deaths)]
    rival = max(even, key=lambda t: (t.kills + t.deaths, -abs(t.kills - t.deaths)), default=None)
    return Rivalry(nemesis=nemesis, prey=prey, rival=rival, opponents=met)
