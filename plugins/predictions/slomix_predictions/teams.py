"""Teams formed before a map (``predict_teams``; the voice plugin's ``on_teams``): predicted, kept
until the first map those lineups play resolves them, and a line for the teams announcement with
the win chance, or the reason there is none."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from slomix.kernel import Field
from slomix_stats import api as stats_api

from . import service
from .commands import evaluation_note, pct
from .publish import gate, mark_published

TITLE = "Prediction"


async def record(kernel: Any, team_a: list[str], team_b: list[str], *, by: str, map_name: str | None = None,
                 formed_at: datetime | None = None) -> tuple[int, float]:
    """Predict team A (GUIDs) against team B from the current ratings and keep it: (id, P(A wins))."""
    pool = kernel.db.pool
    ratings = await service.current(pool, [*team_a, *team_b])
    p = ratings.win_probability(team_a, team_b, datetime.now())
    now = formed_at or datetime.now(UTC)
    # Map results carry the game server's local time: the resolving map is looked up in it.
    local = now.astimezone(ZoneInfo(stats_api.server_timezone(kernel))).replace(tzinfo=None)
    prediction_id = await service.record(pool, source="teams", by=by, team_a=sorted(team_a), team_b=sorted(team_b),
                                         p=p, map_name=map_name, when=now, not_before=local)
    return prediction_id, p


def _names(names: list[str]) -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


async def announced(kernel: Any, event: Any) -> Field | None:
    """``on_teams``: the prediction for two announced lineups, as a field of the teams announcement."""
    teams = getattr(event, "teams", None)
    if not isinstance(teams, list) or len(teams) != 2:
        return None  # not two lineups: nothing to predict
    unlinked = [p.name for team in teams for p in team if p.guid is None]
    if unlinked:
        verb = "has" if len(unlinked) == 1 else "have"
        return Field(TITLE, f"None: {_names(unlinked)} {verb} not linked a game account (!link), "
                            "so the ratings cannot place them.", inline=False)
    team_a, team_b = ([p.guid for p in team] for team in teams)
    prediction_id, p = await record(kernel, team_a, team_b, by="voice", formed_at=getattr(event, "at", None))
    evaluation, closed = await gate(kernel)
    if closed is not None:
        return Field(TITLE, f"Not shown: {closed}", inline=False)
    await mark_published(kernel.db.pool, prediction_id)
    channels = list(getattr(event, "channels", None) or ["Team A", "Team B"])
    return Field(TITLE, f"{channels[0]} {pct(p)} – {pct(1 - p)} {channels[1]}\n{evaluation_note(evaluation)}",
                 inline=False)
