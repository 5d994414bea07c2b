"""Even teams from a list of players: every split is tried (exhaustive up to 12 players).

The best split is the one whose win probability is closest to 50 %; ``together`` pairs must
share a team, ``apart`` pairs must not. With an odd count the teams differ by one player.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from itertools import combinations

import msgspec

MAX_PLAYERS = 12


class Split(msgspec.Struct, frozen=True):
    team_a: list[str]
    team_b: list[str]
    p_a: float


class BalanceError(ValueError):
    """The players cannot be split as asked (too few, too many, constraints that contradict)."""


def _allowed(team: set[str], together: Sequence[tuple[str, str]], apart: Sequence[tuple[str, str]]) -> bool:
    return (all((x in team) == (y in team) for x, y in together)
            and all((x in team) != (y in team) for x, y in apart))


def splits(players: Sequence[str], predict: Callable[[list[str], list[str]], float], *,
           together: Sequence[tuple[str, str]] = (), apart: Sequence[tuple[str, str]] = ()) -> list[Split]:
    """Every allowed split, most even first (ties: the order the players were given).

    Each split is visited once: team A always holds the first player.
    """
    players = list(dict.fromkeys(players))
    if len(players) < 2:
        raise BalanceError("balance needs at least two players")
    if len(players) > MAX_PLAYERS:
        raise BalanceError(f"balance tries every split of at most {MAX_PLAYERS} players, not {len(players)}")
    for x, y in (*together, *apart):
        if x not in players or y not in players:
            raise BalanceError(f"a constraint names a player who is not in the list: {x if x not in players else y}")
    first, rest = players[0], players[1:]
    sizes = {len(players) // 2, (len(players) + 1) // 2}
    found = []
    for size in sorted(sizes):
        for others in combinations(rest, size - 1):
            team = {first, *others}
            if not _allowed(team, together, apart):
                continue
            a = [p for p in players if p in team]
            b = [p for p in players if p not in team]
            found.append(Split(a, b, predict(a, b)))
    if not found:
        raise BalanceError("no split satisfies the together/apart constraints")
    found.sort(key=lambda s: abs(s.p_a - 0.5))
    return found
