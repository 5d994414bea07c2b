"""Reading players from a command line: ``A1,A2 vs B1,B2 [map]`` and ``!balance`` lists with constraints."""

from __future__ import annotations

import re

from slomix.kernel import UsageError

_VS = re.compile(r"\s+vs\.?\s+", re.IGNORECASE)
_CONSTRAINT = re.compile(r"\b(together|apart)[=:](\S+?)\+(\S+)", re.IGNORECASE)


def names(text: str) -> list[str]:
    """Comma-separated names (a name may hold spaces), else space-separated ones."""
    parts = text.split(",") if "," in text else text.split()
    return [p.strip() for p in parts if p.strip()]


def matchup(text: str) -> tuple[list[str], list[str], str | None]:
    """``A1,A2 vs B1,B2 [map]`` → the two name lists and the map (a last word after team B's list)."""
    sides = _VS.split(text.strip())
    if len(sides) != 2 or not sides[0].strip() or not sides[1].strip():
        raise UsageError("write the two lineups as A1,A2,... vs B1,B2,... (then a map, if you like)")
    left, right = sides
    map_name = None
    head, _, last = right.strip().rpartition(" ")
    if head and "," in head and not head.rstrip().endswith(",") and "," not in last:
        right, map_name = head, last
    a, b = names(left), names(right)
    if not a or not b:
        raise UsageError("each lineup needs at least one player")
    return a, b, map_name


def balance(text: str) -> tuple[list[str], list[tuple[str, str]], list[tuple[str, str]]]:
    """``p1 p2 ... [together=a+b] [apart=c+d]`` → players, together pairs, apart pairs (as typed)."""
    together, apart = [], []
    for kind, x, y in _CONSTRAINT.findall(text):
        (together if kind.lower() == "together" else apart).append((x, y))
    rest = _CONSTRAINT.sub(" ", text)
    return names(rest), together, apart
