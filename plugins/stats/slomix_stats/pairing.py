"""Which R2 belongs to which R1, and which rounds a restart cancelled (spec §2.1, §4.3).

A pure function of the set of rounds of one map, so the order in which files arrive
never changes the outcome: the importer recomputes it around every new round.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True, slots=True)
class RoundKey:
    id: int
    round_number: int
    time: datetime
    guids: frozenset[str]


@dataclass(frozen=True, slots=True)
class Assignment:
    """``match_id``: the R1's stamp for a pair, else the round's own; ``r1_id``: the R1 whose
    values an R2 is differenced against (None: raw values)."""

    match_id: str
    status: str
    r1_id: int | None


def stamp(time: datetime) -> str:
    return time.strftime("%Y-%m-%d-%H%M%S")


def _restart_status(earlier: RoundKey, later: RoundKey) -> str:
    return "cancelled" if earlier.guids == later.guids else "substitution"


def pair(rounds: Iterable[RoundKey], *, window: timedelta, restart_window: timedelta
         ) -> dict[int, Assignment]:
    """Assign every round of one map a match, a status and (for R2) its R1.

    - An R2 pairs with the latest R1 strictly before it and at most ``window`` earlier.
    - When several R2 claim one R1, the latest is the match's R2; the earlier ones were
      restarted: ``cancelled`` (same players) or ``substitution`` (players changed).
    - An R1 with no R2, followed by another R1 within ``restart_window``, was restarted too.
    - An R2 with no R1 is ``orphan_r2``.
    """
    ordered = sorted(rounds, key=lambda r: (r.time, r.id))
    r1s = [r for r in ordered if r.round_number == 1]
    claims: dict[int, list[RoundKey]] = defaultdict(list)
    result: dict[int, Assignment] = {}
    for r2 in (r for r in ordered if r.round_number == 2):
        candidates = [r1 for r1 in r1s if r1.time < r2.time <= r1.time + window]
        if candidates:
            claims[candidates[-1].id].append(r2)
        else:
            result[r2.id] = Assignment(stamp(r2.time), "orphan_r2", None)
    for index, r1 in enumerate(r1s):
        claimed = claims.get(r1.id)
        if claimed:
            final = claimed[-1]
            result[r1.id] = Assignment(stamp(r1.time), "completed", None)
            result[final.id] = Assignment(stamp(r1.time), "completed", r1.id)
            for earlier in claimed[:-1]:
                result[earlier.id] = Assignment(stamp(earlier.time), _restart_status(earlier, final), r1.id)
            continue
        following = r1s[index + 1] if index + 1 < len(r1s) else None
        if following is not None and following.time - r1.time <= restart_window:
            result[r1.id] = Assignment(stamp(r1.time), _restart_status(r1, following), None)
        else:
            result[r1.id] = Assignment(stamp(r1.time), "completed", None)
    return result
