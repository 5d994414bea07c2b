"""Persistent teams of a gaming session, as a pure function of its rounds (spec §4.8).

Teams follow GUIDs, not sides: the session's first R1 seeds them (Axis → team A, Allies →
team B), and every other player joins the team he shared a side with most often (players on
the opposing side count the other way). Recomputing from all rounds instead of growing a stored
roster makes the result independent of the order in which rounds arrive.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from slomix_stats.api import RoundEvent

TEAMS = ("A", "B")
SIDES = (1, 2)  # 1 Axis, 2 Allies


def other(team: str) -> str:
    return "B" if team == "A" else "A"


def is_bot(guid: str, name: str) -> bool:
    return guid.upper().startswith("OMNIBOT") or name.upper().startswith("[BOT]")


@dataclass(frozen=True, slots=True)
class Lineup:
    """One round's players by side (humans on Axis or Allies only)."""

    round_number: int
    sides: Mapping[int, frozenset[str]]

    @classmethod
    def of(cls, event: RoundEvent) -> Lineup:
        sides = {s: frozenset(p.guid for p in event.players if p.team == s and not is_bot(p.guid, p.name))
                 for s in SIDES}
        return cls(event.round_number, sides)


@dataclass(frozen=True, slots=True)
class Rosters:
    """The two teams' GUIDs."""

    a: frozenset[str]
    b: frozenset[str]

    def get(self, team: str) -> frozenset[str]:
        return self.a if team == "A" else self.b

    def team_of(self, guids: Iterable[str]) -> str | None:
        """The team most of ``guids`` belong to; None when neither team has more of them."""
        guids = set(guids)
        a, b = len(guids & self.a), len(guids & self.b)
        return "A" if a > b else "B" if b > a else None


def _seed(lineups: Sequence[Lineup]) -> Lineup | None:
    """The first R1 with players on both sides (else the first such round)."""
    full = [lu for lu in lineups if lu.sides[1] and lu.sides[2]]
    return next((lu for lu in full if lu.round_number == 1), full[0] if full else None)


def detect(lineups: Sequence[Lineup], pins: Mapping[str, str] | None = None) -> Rosters:
    """The session's two teams from its valid rounds in play order.

    ``pins`` (GUID → "A"/"B", an admin's word) win over detection. The seed always labels its
    Axis side A, so pinning a player never renames the team his old mates are in.
    """
    seed = _seed(lineups)
    members = {g: team for team, side in zip(TEAMS, SIDES, strict=True) for g in seed.sides[side]} if seed else {}
    members.update(pins or {})
    while True:
        votes: dict[str, Counter[str]] = {}
        for lu in lineups:
            for side in SIDES:
                mates = Counter(members[g] for g in lu.sides[side] if g in members)
                rivals = Counter(members[g] for g in lu.sides[3 - side] if g in members)
                for guid in lu.sides[side] - members.keys():
                    tally = votes.setdefault(guid, Counter())
                    for team in TEAMS:
                        tally[team] += mates[team] + rivals[other(team)]
        decided = {g: _winner(tally, members) for g, tally in votes.items() if sum(tally.values())}
        if not decided:
            break
        members.update(decided)
    return Rosters(frozenset(g for g, t in members.items() if t == "A"),
                   frozenset(g for g, t in members.items() if t == "B"))


def _winner(tally: Counter[str], members: Mapping[str, str]) -> str:
    if tally["A"] != tally["B"]:
        return "A" if tally["A"] > tally["B"] else "B"
    sizes = Counter(members.values())  # a tie goes to the smaller team
    return "B" if sizes["B"] < sizes["A"] else "A"


def live_pins(pins: Mapping[str, str], players: Iterable[str]) -> dict[str, str]:
    """The pins of players who played: a roster never lists someone absent from the session."""
    playing = set(players)
    return {guid: team for guid, team in pins.items() if guid in playing}


def draw_names(pool: Sequence[str], seed: str) -> tuple[str, str]:
    """Two distinct names from the pool, the same for the same seed and pool (so recomputing
    a session never renames it)."""
    names = sorted(set(pool), key=str.lower)
    names += [n for n in ("Team A", "Team B") if n not in names][: max(0, 2 - len(names))]
    first, second = random.Random(seed).sample(names, 2)
    return first, second


# Characters that separate a clan tag from a nick ("slomix.vid", "ripaZha eLx", "[fnx] bob").
_TAG_EDGES = " .:|-_~*=+/\\[](){}<>!'\""


def clan_tag(names: Sequence[str]) -> str | None:
    """The clan tag most of a team's players wear, as a prefix or a suffix of their names
    (case-insensitive), or None when there is none.

    A tag is set off by a separator (``slomix.vid``, ``ripaZha eLx``, ``[fnx]bob``), worn by
    more than half of the team and at least two players, has two letters or digits once its
    separators are trimmed, and is the longest such; it is written as the first player
    wearing it spells it.
    """
    names = [n for n in names if n]
    if len(names) < 2:
        return None
    need = len(names) // 2 + 1
    best: tuple[int, str] | None = None
    for name in names:
        for length in range(2, min(len(name), 16) + 1):
            # A tag ends where a separator does: "slomix." in "slomix.vid", never "Sme" in "Smetty".
            for piece, test, edge in ((name[:length], str.startswith, name[length - 1]),
                                      (name[-length:], str.endswith, name[-length])):
                if edge not in _TAG_EDGES:
                    continue
                wearing = sum(1 for n in names if test(n.lower(), piece.lower()))
                tag = piece.strip(_TAG_EDGES)
                if wearing >= max(need, 2) and sum(c.isalnum() for c in tag) >= 2 and (
                        best is None or len(tag) > best[0]):
                    best = (len(tag), tag)
    return best[1] if best else None


def tag_names(rosters: Rosters, names: Mapping[str, str]) -> dict[str, str]:
    """Each team's clan tag by its players' display names (``names``: GUID → name); a team
    without one, or wearing the other team's tag, is absent."""
    tags = {t: clan_tag(sorted(names.get(g, g) for g in rosters.get(t))) for t in TEAMS}
    if tags["A"] and tags["B"] and tags["A"].lower() == tags["B"].lower():
        return {}
    return {t: tag for t, tag in tags.items() if tag}


def split_matches(rounds: Sequence[RoundEvent]) -> list[list[RoundEvent]]:
    """A session's valid rounds (in play order) cut into matches.

    A map (an R1 and the rounds after it) continues the match when each side of its R1 keeps
    at least half of its players from one team of the match so far, the two sides from
    different teams: a substitution. Otherwise the opponents changed and a new match begins.
    """
    matches: list[list[RoundEvent]] = []
    for event in rounds:
        if matches and event.round_number == 1 and _new_lineup(matches[-1], Lineup.of(event)):
            matches.append([])
        if not matches:
            matches.append([])
        matches[-1].append(event)
    return matches


def _new_lineup(match: Sequence[RoundEvent], lineup: Lineup) -> bool:
    rosters = detect([Lineup.of(r) for r in match])
    if not (rosters.a and rosters.b):
        return False
    kept = []
    for side in SIDES:
        players = lineup.sides[side]
        team = rosters.team_of(players)
        if players and (team is None or len(players & rosters.get(team)) * 2 < len(players)):
            return True
        kept.append(team)
    return None not in kept and kept[0] == kept[1]
