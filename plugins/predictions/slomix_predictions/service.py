"""The plugin's work: rebuild ratings from the history, read them back, predict a new map."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from slomix.kernel import Someone
from slomix_stats import api as stats_api

from . import history, store
from .model import Mixture, PlayerRating, Ratings
from .replay import MODEL, Evaluation, replay


async def rebuild(pool: Any) -> tuple[Evaluation, int]:
    """Rate the whole stopwatch history from scratch and store it; returns the evaluation and the map count."""
    games = await history.load(pool)
    done = replay(games)
    async with pool.acquire() as conn:
        evaluation = await store.save(conn, done)
    return evaluation, len(games)


async def current(db: Any, guids: list[str] | None = None) -> Mixture:
    """The stored ratings (of ``guids`` only, when given) of every candidate noise level, mixed with
    the weights the last rebuild found; newcomers' ratings before any rebuild."""
    evaluation = await store.evaluation(db)
    if evaluation is None or not evaluation.weights:
        return Mixture([Ratings()], [1.0])
    members = {beta: Ratings(beta=beta) for beta, _ in evaluation.weights}
    rows = await db.fetch(
        """SELECT beta, guid, mu, sigma, maps, last_played FROM predictions.member_ratings
           WHERE $1::text[] IS NULL OR guid = ANY($1::text[])""", guids)
    for r in rows:
        if r["beta"] in members:
            members[r["beta"]].players[r["guid"]] = PlayerRating(r["mu"], r["sigma"], r["maps"], r["last_played"])
    return Mixture([members[beta] for beta, _ in evaluation.weights], [w for _, w in evaluation.weights])


class UnknownPlayer(LookupError):
    """A name or GUID matched nobody, or several players equally."""


async def find_player(db: Any, term: str) -> tuple[str, str]:
    """(GUID, display name) of the one player ``term`` names (GUID, alias or linked name)."""
    found = await stats_api.find_players(db, term, limit=5)
    if not found:
        raise UnknownPlayer(f"no player is called {term!r}")
    exact = [p for p in found if p.guid.upper() == term.upper() or p.name.lower() == term.lower()]
    if len(exact) == 1:
        return exact[0].guid, exact[0].name
    if len(found) > 1 and not exact:
        raise UnknownPlayer(f"{term!r} could be {', '.join(p.name for p in found[:4])}: say which")
    return found[0].guid, found[0].name


async def find_players(db: Any, terms: list[str]) -> list[tuple[str, str]]:
    out, seen = [], set()
    for term in terms:
        guid, name = await find_player(db, term)
        if guid in seen:
            raise UnknownPlayer(f"{name} is named twice")
        seen.add(guid)
        out.append((guid, name))
    return out


async def predict_round(db: Any, event: stats_api.RoundEvent) -> tuple[int, float] | None:
    """A prediction for the map a new first round starts (its two sides as the lineups), stored once
    per match; returns (prediction id, P(side 1 team)) when it was made now, else None."""
    if event.change != "new" or event.round_number != 1 or not event.is_valid:
        return None
    team_a = sorted({p.guid for p in event.players if p.team == 1})
    team_b = sorted({p.guid for p in event.players if p.team == 2})
    if not team_a or not team_b:
        return None
    ratings = await current(db, team_a + team_b)
    p = ratings.win_probability(team_a, team_b, event.round_time)
    row = await db.fetchrow(
        """INSERT INTO predictions.predictions (key, source, made_by, map_name, r1_round_id, team_a, team_b, p_a, model)
           VALUES ($1, 'round', 'predictions', $2, $3, $4, $5, $6, $7) ON CONFLICT (key) DO NOTHING RETURNING id""",
        f"round:{event.match_id}", event.map_name, event.round_id, team_a, team_b, p, MODEL)
    return (row["id"], p) if row else None


async def record(db: Any, *, source: str, by: str, team_a: list[str], team_b: list[str], p: float,
                 map_name: str | None, when: datetime, not_before: datetime | None = None) -> int:
    """Keep a prediction asked for by a person (``!predict``) or for announced teams (``not_before``:
    the server time from which their next map resolves it); returns its id."""
    return await db.fetchval(
        """INSERT INTO predictions.predictions (key, source, made_by, map_name, team_a, team_b, p_a, model,
                                                not_before)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id""",
        f"{source}:{by}:{when.isoformat()}:{'|'.join(team_a)}:{'|'.join(team_b)}", source, by, map_name,
        team_a, team_b, p, MODEL, not_before)


def discord_id(actor_id: str) -> int | None:
    prefix = "discord:"
    rest = actor_id.removeprefix(prefix)
    return int(rest) if actor_id.startswith(prefix) and rest.isdigit() else None


async def who(db: Any, actor_id: str, text: str | None) -> tuple[str, str]:
    """The player ``text`` names (a GUID, a name, a Discord mention), or the asker's linked player."""
    if text:
        member = Someone.parse(text).member
        if member is None:
            return await find_player(db, text)
        guid = await stats_api.linked_guid(db, member)
        if guid is None:
            raise UnknownPlayer(f"{text} has not linked a game account (!link)")
    else:
        own = discord_id(actor_id)
        guid = await stats_api.linked_guid(db, own) if own is not None else None
        if guid is None:
            raise UnknownPlayer("name a player, or link your account first with !link <your name or GUID>")
    names = await stats_api.display_names(db, [guid])
    return guid, names.get(guid, guid)
