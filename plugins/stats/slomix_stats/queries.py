"""Reading the history: every figure commands, routes and pages show comes from here.

Rules kept in one place (the predecessor's known bugs, spec §12):
- only counted rounds: completed or substitution, valid (no bots, no filler maps, no orphan R2);
- aggregate DPM is weighted: Σdamage·60 / Σseconds, never an average of per-round DPM;
- head hits (``headshots``) and headshot kills (``headshot_kills``) are different figures;
- time dead is capped at time played;
- K/D with zero deaths is the kills (spec §5), defined once in :func:`kd`.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from datetime import date, datetime, timedelta
from typing import Any

import anyio
import asyncpg
import msgspec

from . import api
from .formatting import duration, weapon_accuracy

# Rounds written since the planner last sampled the tables, past which a rebuild samples them first.
ANALYZE_AFTER_ROUNDS = 500
# Rebuilt together after imports (migrations 0002, 0005).
TOTALS_VIEWS = ("player_totals", "player_map_totals", "player_weapon_totals", "player_session_totals",
                "player_mates")
# Read results kept per rebuild of the totals (StatsQueries._per_generation).
KEPT = 256
COUNTED = "r.status IN ('completed', 'substitution') AND r.is_valid"
# Teammates on a profile: at least this many counted rounds on the same side (fewer say nothing).
MIN_ROUNDS_TOGETHER = 10
# One player's shown name (the view of migration 0006, api.display_names) beside their totals t,
# in the same round trip.
SHOWN = "coalesce((SELECT d.name FROM stats.display_names d WHERE d.guid = t.guid), left(t.guid, 8))"
# Sessions, numbered from the first: a session has a counted round (a file with a header and no
# player lines, or a lone orphan R2, is no session: such rounds are never valid, rules.judge).
NUMBERED = f"""SELECT session_start, row_number() OVER (ORDER BY session_start) AS number FROM stats.rounds r
               WHERE {COUNTED} GROUP BY session_start"""


def kd(kills: int, deaths: int) -> float:
    """Kills per death; with no deaths, the kills (spec §5)."""
    return round(kills / deaths, 2) if deaths else float(kills)


def dpm(damage: int, seconds: int) -> float:
    return round(damage * 60 / seconds, 1) if seconds else 0.0


def pct(part: int, whole: int) -> float:
    """A share in percent; never above 100 (a part larger than its whole is bad data, not 125 %)."""
    return round(min(part, whole) * 100 / whole, 1) if whole else 0.0


class PlayerTotals(msgspec.Struct, frozen=True, kw_only=True):
    guid: str
    name: str
    rounds: int
    kills: int
    deaths: int
    kd: float
    damage_given: int
    damage_received: int
    dpm: float
    accuracy: float
    headshots: int
    headshot_accuracy: float
    headshot_kills: int
    headshot_kill_rate: float
    revives_given: int
    times_revived: int
    gibs: int
    xp: int
    seconds: int
    dead_seconds: int
    efficiency: float
    objectives: int
    dynamites_planted: int
    dynamites_defused: int
    multikills: int
    best_spree: int
    first_seen: datetime
    last_seen: datetime


class MapLine(msgspec.Struct, frozen=True):
    map: str
    rounds: int
    kills: int
    deaths: int
    kd: float
    dpm: float
    wins: int = 0  # rounds won and lost on the map (migration 0008: unknown winners count neither)
    losses: int = 0


class WeaponLine(msgspec.Struct, frozen=True):
    weapon: str
    kills: int
    deaths: int
    hits: int
    shots: int
    headshots: int
    accuracy: float | None  # None: not a bullet weapon (formatting.weapon_accuracy)


class Alias(msgspec.Struct, frozen=True):
    alias: str
    first_seen: datetime
    last_seen: datetime


class Rank(msgspec.Struct, frozen=True):
    """Where a player stands on one leaderboard: ``rank`` of ``of`` qualifying players."""

    category: str
    title: str
    rank: int
    of: int
    value: float
    display: str


class SessionForm(msgspec.Struct, frozen=True, kw_only=True):
    """A player in one gaming session (counted rounds): the profile's form line."""

    start: datetime
    number: int
    rounds: int
    kills: int
    deaths: int
    kd: float
    dpm: float
    wins: int
    losses: int
    maps: list[str]


class Mate(msgspec.Struct, frozen=True):
    """A teammate: counted rounds on the same side of the same round, and those won and lost."""

    guid: str
    name: str
    rounds: int
    wins: int
    losses: int


class Opponent(msgspec.Struct, frozen=True):
    """An enemy over the endstats versus rows: the player's kills on him, deaths by him, rounds met."""

    guid: str
    name: str
    kills: int
    deaths: int
    rounds: int


class PlayerDetail(msgspec.Struct, frozen=True, kw_only=True):
    totals: PlayerTotals
    aliases: list[Alias]
    maps: list[MapLine]
    weapons: list[WeaponLine]
    discord_id: int | None = None
    ranks: list[Rank] = []  # the leaderboards the player qualifies for, in CATEGORIES order
    wins: int = 0  # counted rounds won and lost, every map
    losses: int = 0
    sessions_played: int = 0
    sessions: list[SessionForm] = []  # the form: the latest sessions, newest first
    teammates: list[Mate] = []  # best win rate first, at least MIN_ROUNDS_TOGETHER rounds together
    killed_by: list[Opponent] = []  # who killed the player most (endstats), most first
    killed: list[Opponent] = []  # whom the player killed most
    versus_note: str | None = None  # why killed_by and killed are empty, when they are


class PlayerRef(msgspec.Struct, frozen=True):
    guid: str
    name: str
    rounds: int
    last_seen: datetime | None


class LeaderRow(msgspec.Struct, frozen=True):
    rank: int  # equal values share a rank
    guid: str
    name: str
    value: float
    display: str
    rounds: int
    kd: float
    dpm: float


class Leaderboard(msgspec.Struct, frozen=True, kw_only=True):
    category: str
    title: str
    column: str  # the value's short header
    means: str
    rule: str  # who qualifies, in words: "at least 15 counted rounds"
    page: int
    pages: int
    total: int
    rows: list[LeaderRow]
    period: str = "all"
    period_title: str = "all time"
    since: datetime | None = None  # the window's rounds: since <= round_time < until
    until: datetime | None = None
    map: str | None = None
    min_rounds: int = 1
    min_rounds_why: str = ""  # how the minimum was chosen, said on the page

    @property
    def beside(self) -> tuple[str, ...]:
        """The row figures shown beside the board's value: rounds, K/D and DPM, less its own."""
        own = "rounds" if self.category == "games" else self.category
        return tuple(f for f in ("rounds", "kd", "dpm") if f != own)


class SessionSummary(msgspec.Struct, frozen=True, kw_only=True):
    number: int
    start: datetime
    end: datetime
    rounds: int
    counted_rounds: int
    maps: list[str]
    players: int


class SessionPlayer(msgspec.Struct, frozen=True, kw_only=True):
    guid: str
    name: str
    rounds: int
    kills: int
    deaths: int
    kd: float
    damage_given: int
    damage_received: int
    dpm: float
    seconds: int
    dead_seconds: int
    headshots: int
    headshot_kills: int
    accuracy: float
    revives_given: int
    times_revived: int
    gibs: int
    xp: int
    objectives: int
    dynamites_planted: int
    dynamites_defused: int
    best_spree: int
    worst_death_spree: int
    multikills: int
    kill_assists: int
    denied_playtime: int
    useful_kills: int


class RoundLine(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    match_id: str
    map: str
    round_number: int
    round_time: datetime
    status: str
    is_valid: bool
    defender_team: int
    winner_team: int
    outcome: str
    duration_seconds: int
    duration_source: str
    players: int


class FileLine(msgspec.Struct, frozen=True, kw_only=True):
    """A file received: what became of it, and why when it was not imported."""

    id: int
    name: str
    kind: str
    status: str
    reason: str | None
    source: str
    received_at: datetime
    size: int


class SessionSeries(msgspec.Struct, frozen=True, kw_only=True):
    rounds: list[str]
    players: dict[str, list[tuple[int, float, int, int]]]


class SessionDetail(msgspec.Struct, frozen=True, kw_only=True):
    summary: SessionSummary
    rounds: list[RoundLine]
    players: list[SessionPlayer]


class RoundPlayer(msgspec.Struct, frozen=True, kw_only=True):
    guid: str
    name: str
    team: int
    kills: int
    deaths: int
    damage_given: int
    damage_received: int
    dpm: float
    seconds: int
    headshots: int
    headshot_kills: int
    accuracy: float
    revives_given: int
    gibs: int
    xp: int


class Award(msgspec.Struct, frozen=True):
    award: str
    player: str
    guid: str | None
    value: str


class Versus(msgspec.Struct, frozen=True):
    subject: str
    opponent: str
    kills: int
    deaths: int


class RoundDetail(msgspec.Struct, frozen=True, kw_only=True):
    round: RoundLine
    players: list[RoundPlayer]
    awards: list[Award]
    versus: list[Versus]
    r1_round_id: int | None
    r2_round_id: int | None = None  # the R2 played on this R1 (for an R1)
    session_start: datetime | None = None
    r1: RoundLine | None = None  # for an R2: its R1, whose attack time is the time to beat


class Holder(msgspec.Struct, kw_only=True):
    """Who reached a record value: the first round they did it in, and how many times."""

    guid: str
    name: str
    round_id: int
    map: str
    round_time: datetime
    times: int = 1


class Record(msgspec.Struct, frozen=True, kw_only=True):
    """One place (1, 2 or 3) of a single-round record; equal values share the place."""

    title: str
    place: int
    value: float
    display: str
    holders: list[Holder]


class AttackPlayer(msgspec.Struct, frozen=True):
    guid: str
    name: str


class FastestAttack(msgspec.Struct, frozen=True, kw_only=True):
    """The quickest stopwatch attack that completed a map's objective, and the team that did it."""

    map: str
    seconds: int
    display: str  # 4:12
    time_limit_seconds: int | None  # the clock the attackers ran against (R2: the time to beat)
    round_id: int
    round_number: int
    round_time: datetime
    duration_source: str  # measured (webhook, gametime file) or header
    attackers: list[AttackPlayer]


class Category(msgspec.Struct, frozen=True, kw_only=True):
    name: str
    title: str
    aliases: tuple[str, ...]
    value: str  # SQL over totals t (player_totals, or the same columns over a window: WINDOW_TOTALS)
    display: str  # format: {value}
    where: str  # only what the value needs to be defined (no division by zero)
    min_rounds: int  # the predecessor's bar (strict >, spec §10.3): the cap of the default minimum
    column: str  # the table's short header (a phone's width, a Discord embed's)
    ascending: bool = False
    means: str = ""  # what the figure is, said on the page


# The 13 leaderboards of spec §10.3. The predecessor's volume bars (over 1 000 shots, over 500
# kills) emptied the accuracy and headshot boards of a new community; the rounds minimum, which
# scales with the history (StatsQueries.leaderboard), is the one bar now.
CATEGORIES: tuple[Category, ...] = (
    Category(name="kills", column="Kills", means="kills over every counted round",
             title="Kills", aliases=("k", "kill"), value="t.kills", display="{:.0f}",
             where="true", min_rounds=10),
    Category(name="kd", column="K/D", means="kills divided by deaths (no deaths: the kills)",
             title="K/D", aliases=("ratio",),
             value="CASE WHEN t.deaths > 0 THEN t.kills::float / t.deaths ELSE t.kills END", display="{:.2f}",
             where="true", min_rounds=50),
    Category(name="dpm", column="DPM",
             means="damage given per minute played (all damage × 60 / all seconds, not an average of rounds)",
             title="Damage per minute", aliases=("damage",),
             value="t.damage_given * 60.0 / t.seconds", display="{:.1f}", where="t.seconds > 0", min_rounds=50),
    # least(): a part larger than its whole is bad data, never over 100 % (pct).
    Category(name="accuracy", column="Acc %", means="hits per shot fired, every weapon, in percent",
             title="Accuracy", aliases=("acc",), value="least(t.hits, t.shots) * 100.0 / t.shots",
             display="{:.1f} %", where="t.shots > 0", min_rounds=50),
    # Head hits over all hits: the predecessor divided head hits by kills (mixed units, spec §12.13).
    Category(name="headshots", column="HS %", means="head hits out of all hits, in percent",
             title="Headshot accuracy", aliases=("hs", "headshot"),
             value="least(t.headshots, t.hits) * 100.0 / t.hits", display="{:.1f} %", where="t.hits > 0",
             min_rounds=50),
    Category(name="games", column="Rounds", means="counted rounds played",
             title="Rounds played", aliases=("played",), value="t.rounds", display="{:.0f}",
             where="true", min_rounds=0),
    Category(name="revives", column="Revives", means="teammates revived with the syringe",
             title="Revives given", aliases=("revive", "medic"), value="t.revives_given",
             display="{:.0f}", where="true", min_rounds=10),
    Category(name="gibs", column="Gibs", means="bodies gibbed",
             title="Gibs", aliases=("gib",), value="t.gibs", display="{:.0f}", where="true",
             min_rounds=10),
    Category(name="objectives", column="Obj", means="objectives stolen plus objectives returned",
             title="Objectives stolen and returned", aliases=("obj", "objective"),
             value="t.objectives", display="{:.0f}", where="true", min_rounds=10),
    Category(name="efficiency", column="Eff %",
             means="kills ÷ (kills + deaths) of each round in percent, averaged over the player's rounds "
                   "(every round weighs the same)",
             title="Efficiency", aliases=("ef",), value="t.efficiency_avg",
             display="{:.1f} %", where="true", min_rounds=50),
    # The predecessor called this "teamwork"; it is team damage, and less of it is better.
    Category(name="teamwork", column="Team dmg %",
             means="damage done to teammates as a share of all damage given, in percent",
             title="Team damage share (lower is better)", aliases=("team",),
             value="least(t.team_damage_given, t.damage_given) * 100.0 / t.damage_given", display="{:.2f} %",
             where="t.damage_given > 0", min_rounds=50, ascending=True),
    Category(name="multikills", column="Multi", means="double, triple, quad, multi and mega kills",
             title="Multikills", aliases=("multi", "multikill"), value="t.multikills",
             display="{:.0f}", where="true", min_rounds=10),
    Category(name="grenades", column="Nade kills", means="kills with hand grenades",
             title="Grenade kills", aliases=("nades", "nade", "grenade"),
             value="t.grenade_kills", display="{:.0f}", where="true", min_rounds=10),
)

# Single-round records: (title, value over player_rounds p, format, which rounds qualify).
RECORDS: tuple[tuple[str, str, str, str], ...] = (
    ("Most kills in a round", "p.kills", "{:.0f}", "true"),
    ("Most damage in a round", "p.damage_given", "{:.0f}", "true"),
    ("Highest DPM in a round (5+ min)", "p.dpm", "{:.1f}", "p.time_played_seconds >= 300"),
    ("Most headshot kills in a round", "p.headshot_kills", "{:.0f}", "true"),
    ("Most revives in a round", "coalesce(p.revives_given, 0)", "{:.0f}", "true"),
    ("Most gibs in a round", "p.gibs", "{:.0f}", "true"),
    ("Longest killing spree", "p.killing_spree_best", "{:.0f}", "true"),
    ("Most XP in a round", "p.xp", "{:.0f}", "true"),
)

# Board periods: the windows end at the newest round in the history, never at the wall clock.
PERIODS: dict[str, str] = {"all": "all time", "season": "this season", "30d": "last 30 days"}

# Per player over the counted rounds of a window ($1 <= round_time < $2, NULL: open) and a map
# ($3, NULL: every map): the columns of player_totals (migration 0002) the boards read, summed the
# same way. Held equal to the view by test_boards.test_window_totals_equal_the_lifetime_view.
WINDOW_TOTALS = f"""
SELECT p.guid, count(*)::int AS rounds, sum(p.kills)::bigint AS kills, sum(p.deaths)::bigint AS deaths,
       sum(p.headshots)::bigint AS headshots, sum(p.damage_given)::bigint AS damage_given,
       sum(p.team_damage_given)::bigint AS team_damage_given, sum(p.gibs)::bigint AS gibs,
       sum(coalesce(p.revives_given, 0))::bigint AS revives_given,
       sum(p.time_played_seconds)::bigint AS seconds, sum(p.hits)::bigint AS hits, sum(p.shots)::bigint AS shots,
       sum(p.objectives_stolen + p.objectives_returned)::bigint AS objectives,
       sum(p.double_kills + p.triple_kills + p.quad_kills + p.multi_kills + p.mega_kills)::bigint AS multikills,
       avg(p.efficiency)::real AS efficiency_avg, coalesce(sum(g.kills), 0)::bigint AS grenade_kills
FROM stats.player_rounds p
JOIN stats.rounds r ON r.id = p.round_id
LEFT JOIN stats.weapon_rounds g ON g.round_id = p.round_id AND g.guid = p.guid AND g.weapon = 'WS_GRENADE'
WHERE {COUNTED} AND NOT p.is_bot
  AND ($1::timestamp IS NULL OR r.round_time >= $1) AND ($2::timestamp IS NULL OR r.round_time < $2)
  AND ($3::text IS NULL OR r.map_name = $3)
GROUP BY p.guid"""


def season_of(moment: datetime) -> str:
    """Seasons are calendar quarters, ``YYYY-Qn`` (spec §10.5)."""
    return f"{moment.year}-Q{(moment.month - 1) // 3 + 1}"


def season_bounds(season: str) -> tuple[datetime, datetime]:
    """A season's first moment and the first moment after it."""
    year, quarter = int(season[:4]), int(season[-1])
    start = datetime(year, 3 * (quarter - 1) + 1, 1)
    end = datetime(year + (quarter == 4), 1 if quarter == 4 else 3 * quarter + 1, 1)
    return start, end


def period_window(period: str, now: datetime | None) -> tuple[datetime | None, datetime | None, str]:
    """(since, until, title) of a board period, counted back from ``now``, the newest round."""
    if now is None or period == "all":
        return None, None, PERIODS["all"]
    if period == "season":
        season = season_of(now)
        since, until = season_bounds(season)
        return since, until, f"season {season}"
    if period == "30d":
        # Through the newest round itself: until is just past it.
        return now - timedelta(days=30), now + timedelta(seconds=1), PERIODS["30d"]
    raise ValueError(f"unknown period {period!r}")


# The boards a profile and !stats place a player on first, with their short names.
MAIN_RANKS = {"kills": "kills", "kd": "K/D", "dpm": "DPM", "accuracy": "accuracy", "revives": "revives",
              "gibs": "gibs"}


def board_need(cap: str) -> str:
    """SQL over totals t: the rounds a board asks of a player by default: the median player's
    counted rounds (at least one), capped at ``cap``, the category's bar for a big community."""
    return f"least({cap}, greatest(1, ceil(percentile_cont(0.5) WITHIN GROUP (ORDER BY t.rounds))::int))"


def category(name: str) -> Category | None:
    name = name.lower()
    return next((c for c in CATEGORIES if name == c.name or name in c.aliases), None)


def _totals(row: Any) -> PlayerTotals:
    return PlayerTotals(
        guid=row["guid"], name=row["display_name"], rounds=row["rounds"], kills=row["kills"], deaths=row["deaths"],
        kd=kd(row["kills"], row["deaths"]), damage_given=row["damage_given"],
        damage_received=row["damage_received"], dpm=dpm(row["damage_given"], row["seconds"]),
        accuracy=pct(row["hits"], row["shots"]), headshots=row["headshots"],
        headshot_accuracy=pct(row["headshots"], row["hits"]), headshot_kills=row["headshot_kills"],
        headshot_kill_rate=pct(row["headshot_kills"], row["kills"]), revives_given=row["revives_given"],
        times_revived=row["times_revived"], gibs=row["gibs"], xp=row["xp"], seconds=row["seconds"],
        dead_seconds=row["dead_seconds"], efficiency=round(row["efficiency_avg"] or 0.0, 1),
        objectives=row["objectives"], dynamites_planted=row["dynamites_planted"],
        dynamites_defused=row["dynamites_defused"], multikills=row["multikills"], best_spree=row["best_spree"],
        first_seen=row["first_seen"], last_seen=row["last_seen"])


class StatsQueries:
    """Read access to the history. Totals are a materialised view refreshed after imports."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool
        self._dirty = True
        self._unanalysed = 0
        self._lock = anyio.Lock()
        # Counts rebuilds, so work that follows a rebuild (milestones) knows it is due.
        self.generation = 0
        self._numbers: tuple[int, dict[datetime, int]] = (-1, {})
        self._kept: OrderedDict[tuple, Any] = OrderedDict()

    def mark_dirty(self, rounds: int = 1) -> None:
        """New rounds arrived: totals must be rebuilt before the next read that uses them."""
        self._dirty = True
        self._unanalysed += rounds

    async def refresh(self, *, force: bool = False) -> bool:
        """Rebuild the totals if rounds changed since; True when a rebuild ran."""
        async with self._lock:
            if not (self._dirty or force):
                return False
            self._dirty = False
            if self._unanalysed >= ANALYZE_AFTER_ROUNDS:
                # After a bulk import the planner's statistics still describe the empty tables:
                # the totals' join then picks an index that reads every weapon row of a player
                # (12.9 s instead of 0.3 s for 20 000 rounds, measured).
                await self.pool.execute("ANALYZE stats.rounds, stats.player_rounds, stats.weapon_rounds")
                self._unanalysed = 0
            for view in TOTALS_VIEWS:
                await self.pool.execute(f"REFRESH MATERIALIZED VIEW CONCURRENTLY stats.{view}")
            self.generation += 1
            return True

    @property
    def dirty(self) -> bool:
        return self._dirty

    # -- players --------------------------------------------------------------------------------

    async def find_players(self, term: str, limit: int = 10) -> list[PlayerRef]:
        """By GUID prefix, by alias (case-insensitive, exact first, then partial), by display name."""
        await self.refresh()
        found = await api.find_players(self.pool, term, limit)
        return [PlayerRef(m.guid, m.name, m.rounds, m.last_seen) for m in found]

    async def guid_for_discord(self, discord_id: int) -> str | None:
        return await api.linked_guid(self.pool, discord_id)

    async def totals(self, guid: str) -> PlayerTotals | None:
        await self.refresh()
        row = await self.pool.fetchrow(f"SELECT t.*, {SHOWN} AS display_name FROM stats.player_totals t "
                                       "WHERE t.guid = $1", guid)
        return _totals(row) if row else None

    async def player(self, guid: str, form_sessions: int = 10) -> PlayerDetail | None:
        """Everything on a player's profile. What only changes with rounds (the breakdowns, the form
        over the last ``form_sessions`` sessions, the teammates won most with: best win rate first
        among those of MIN_ROUNDS_TOGETHER rounds together, unknown winners counting neither way, the
        places on the boards) is read once per rebuild; the totals, names and links (``!setname``,
        ``!link`` change them between rounds) and the versus rows (endstats files) on every ask."""
        parts = await self._per_generation(("profile", guid, form_sessions),
                                           lambda: self._profile_parts(guid, form_sessions))
        if parts is None:
            return None
        maps, weapons, sessions, played, mates = parts
        row = await self.pool.fetchrow(
            f"""SELECT t.*, {SHOWN} AS display_name,
                   ARRAY(SELECT ROW(alias, first_seen, last_seen) FROM stats.aliases
                         WHERE guid = $1 ORDER BY last_seen DESC) AS alias_rows,
                   ARRAY(SELECT ROW(guid, name) FROM stats.display_names WHERE guid = ANY($2::text[])) AS mate_names,
                   (SELECT discord_id FROM stats.links WHERE guid = $1) AS discord_id
                FROM stats.player_totals t WHERE t.guid = $1""", guid, [m.guid for m in mates])
        if row is None:
            return None
        names = dict(row["mate_names"])
        killed_by, killed, note = await self._versus(guid)
        return PlayerDetail(
            totals=_totals(row), aliases=[Alias(*a) for a in row["alias_rows"]], maps=maps, weapons=weapons,
            discord_id=row["discord_id"], ranks=await self.ranks(guid),
            wins=sum(m.wins for m in maps), losses=sum(m.losses for m in maps), sessions_played=played,
            sessions=sessions, teammates=[msgspec.structs.replace(m, name=names.get(m.guid, m.name)) for m in mates],
            killed_by=killed_by, killed=killed, versus_note=note)

    async def _profile_parts(self, guid: str, form_sessions: int
                             ) -> tuple[list[MapLine], list[WeaponLine], list[SessionForm], int, list[Mate]] | None:
        """A profile's parts read from the views rebuilt after imports, in one round trip (rows of each
        part as records); None for a player without counted rounds."""
        row = await self.pool.fetchrow(
            """SELECT ARRAY(SELECT ROW(map_name, rounds, kills, deaths, damage, seconds, wins, losses)
                         FROM stats.player_map_totals WHERE guid = $1 ORDER BY rounds DESC, map_name) AS map_rows,
                   ARRAY(SELECT ROW(weapon, kills, deaths, hits, shots, headshots) FROM stats.player_weapon_totals
                         WHERE guid = $1 ORDER BY kills DESC, weapon) AS weapon_rows,
                   ARRAY(SELECT ROW(session_start, rounds, kills, deaths, damage, seconds, wins, losses, maps)
                         FROM stats.player_session_totals WHERE guid = $1
                         ORDER BY session_start DESC LIMIT $2) AS session_rows,
                   (SELECT count(*) FROM stats.player_session_totals WHERE guid = $1) AS sessions_played,
                   ARRAY(SELECT ROW(mate, rounds, wins, losses) FROM stats.player_mates WHERE guid = $1 AND rounds >= $3
                         ORDER BY wins::float / greatest(wins + losses, 1) DESC, rounds DESC, mate LIMIT 5)
                       AS mate_rows
               FROM stats.player_totals t WHERE t.guid = $1""", guid, form_sessions, MIN_ROUNDS_TOGETHER)
        if row is None:
            return None
        numbers = await self._session_numbers()
        return (
            [MapLine(name, rounds, kills, deaths, kd(kills, deaths), dpm(damage, seconds), wins, losses)
             for name, rounds, kills, deaths, damage, seconds, wins, losses in row["map_rows"]],
            [WeaponLine(name, kills, deaths, hits, shots, headshots, weapon_accuracy(name, hits, shots))
             for name, kills, deaths, hits, shots, headshots in row["weapon_rows"]],
            [SessionForm(start=start, number=numbers.get(start, 0), rounds=rounds, kills=kills, deaths=deaths,
                         kd=kd(kills, deaths), dpm=dpm(damage, seconds), wins=wins, losses=losses, maps=list(played))
             for start, rounds, kills, deaths, damage, seconds, wins, losses, played in row["session_rows"]],
            row["sessions_played"],
            # Named on each ask (a name can change between rounds); the GUID's start until then.
            [Mate(mate, mate[:8], rounds, wins, losses) for mate, rounds, wins, losses in row["mate_rows"]])

    async def ranks(self, guid: str) -> list[Rank]:
        """The player's place on every lifetime leaderboard they qualify for by the boards' own default
        minimum (board_need): ``#3 of 41``; equal values share a place."""
        return (await self._per_generation(("ranks",), self._rank_table)).get(guid, [])

    async def _rank_table(self) -> dict[str, list[Rank]]:
        """Every player's ranks, by GUID, in one read (placing one player in 13 boards on each ask
        cost 9 ms on 100 000 rounds; places only change with rounds)."""
        needs = ", ".join(f"{board_need(str(c.min_rounds + 1))} AS n{i}" for i, c in enumerate(CATEGORIES))
        parts = []
        for i, c in enumerate(CATEGORIES):
            # A value only where the category defines one (no division by zero), ranked the board's way.
            on = f"(t.rounds >= need.n{i} AND {c.where})"
            value = f"CASE WHEN {on} THEN ({c.value})::float END"
            order = "ASC" if c.ascending else "DESC"
            parts.append(f"{value} AS v{i}, rank() OVER (PARTITION BY {on} ORDER BY {value} {order}) AS rank{i}, "
                         f"count(*) FILTER (WHERE {on}) OVER () AS of{i}")
        rows = await self.pool.fetch(
            f"""WITH need AS (SELECT {needs} FROM stats.player_totals t)
                SELECT t.guid, {", ".join(parts)} FROM stats.player_totals t, need""")
        return {r["guid"]: [Rank(c.name, c.title, r[f"rank{i}"], r[f"of{i}"], round(r[f"v{i}"], 4),
                                 c.display.format(r[f"v{i}"]))
                            for i, c in enumerate(CATEGORIES) if r[f"v{i}"] is not None] for r in rows}

    async def _versus(self, guid: str, limit: int = 5) -> tuple[list[Opponent], list[Opponent], str | None]:
        """(who killed the player most, whom the player killed most, why both are empty) from the
        endstats versus rows (api.versus_totals)."""
        totals = await api.versus_totals(self.pool, guid)
        if not totals:
            any_endstats, named = await api.versus_known(self.pool)
            note = ("The server writes no endstats files: nobody's kills are counted per opponent." if not any_endstats
                    else "The endstats files received are of the older kind: they do not say whose kills "
                         "their versus rows count." if not named
                    else "No endstats versus rows name this player yet.")
            return [], [], note
        names = await api.display_names(self.pool, [t.opponent_guid for t in totals])
        found = [Opponent(t.opponent_guid, names.get(t.opponent_guid, t.opponent_name), t.kills, t.deaths, t.rounds)
                 for t in totals]
        by_deaths = sorted((o for o in found if o.deaths), key=lambda o: (-o.deaths, o.kills, o.guid))
        by_kills = sorted((o for o in found if o.kills), key=lambda o: (-o.kills, o.deaths, o.guid))
        return by_deaths[:limit], by_kills[:limit], None

    async def players(self, term: str = "", page: int = 1, per_page: int = 20) -> tuple[list[PlayerRef], int]:
        """Everyone with counted rounds, most active first (optionally filtered by name)."""
        await self.refresh()
        pattern = f"%{api.like_pattern(term.lower())}%"
        # A player matches by any name they played under or chose.
        named = """($1 = '%%' OR EXISTS (SELECT FROM stats.aliases a WHERE a.guid = t.guid AND lower(a.alias) LIKE $1)
                    OR EXISTS (SELECT FROM stats.links l WHERE l.guid = t.guid AND lower(l.display_name) LIKE $1))"""
        total = await self.pool.fetchval(f"SELECT count(*) FROM stats.player_totals t WHERE {named}", pattern)
        rows = await self.pool.fetch(
            f"""SELECT t.guid, t.rounds, t.last_seen FROM stats.player_totals t
                WHERE {named} ORDER BY t.rounds DESC, t.guid LIMIT $2 OFFSET $3""",
            pattern, per_page, (page - 1) * per_page)
        names = await api.display_names(self.pool, [r["guid"] for r in rows])
        return [PlayerRef(r["guid"], names.get(r["guid"], r["guid"][:8]), r["rounds"], r["last_seen"])
                for r in rows], total

    # -- leaderboards ---------------------------------------------------------------------------

    async def _per_generation(self, key: tuple, compute: Callable[[], Awaitable[Any]]) -> Any:
        """``compute()``, kept until the rounds change (the next rebuild of the totals).

        Boards over a window and the record book aggregate their rounds on each read (a record
        book of 10 000 rounds: 1.6 s); they only change when rounds do, so each is read once per
        rebuild and served from here until then.
        """
        await self.refresh()
        key = (self.generation, *key)
        if key not in self._kept:
            self._kept[key] = await compute()
            while len(self._kept) > KEPT:
                self._kept.popitem(last=False)
        self._kept.move_to_end(key)
        return self._kept[key]

    async def leaderboard(self, name: str, page: int = 1, per_page: int = 10, min_rounds: int | None = None,
                          *, period: str = "all", map_name: str | None = None) -> Leaderboard | None:
        """One page of a category's board over a period (``PERIODS``) and optionally one map."""
        boards = await self.leaderboard_pages(name, page, 1, per_page, min_rounds, period=period, map_name=map_name)
        return boards[0] if boards else None

    async def leaderboard_pages(self, name: str, page: int = 1, count: int = 1, per_page: int = 10,
                                min_rounds: int | None = None, *, period: str = "all",
                                map_name: str | None = None) -> list[Leaderboard] | None:
        """Pages ``page`` … ``page + count - 1`` of a board (those that exist) from one query.

        The default minimum is the median counted rounds per player in that window, capped at
        the category's bar for a big community (spec §10.3): half of the window's players
        qualify, so a new community, a new season or a quiet map never shows an empty board.
        """
        cat = category(name)
        if cat is None:
            return None
        return await self._per_generation(
            ("board", cat.name, page, count, per_page, min_rounds, period, map_name),
            lambda: self._board_pages(cat, page, count, per_page, min_rounds, period, map_name))

    async def _board_pages(self, cat: Category, page: int, count: int, per_page: int, min_rounds: int | None,
                           period: str, map_name: str | None) -> list[Leaderboard]:
        since, until, period_title = period_window(period, await self.latest_time())
        windowed = since is not None or map_name is not None
        # Lifetime over every map is the materialised view (it reads the window's parameters, all
        # NULL, only so that both statements take the same ones); a window aggregates its rounds.
        source = (f"({WINDOW_TOTALS})" if windowed else
                  "(SELECT * FROM stats.player_totals WHERE $1::timestamp IS NULL AND $2::timestamp IS NULL "
                  "AND $3::text IS NULL)")
        cap = cat.min_rounds + 1  # the bar is strict: more than 50 is at least 51
        order = "ASC" if cat.ascending else "DESC"
        sql = f"""WITH t AS MATERIALIZED (SELECT * FROM {source} t),
                       need AS (SELECT coalesce($4::int, {board_need("$5::int")}) AS n,
                                       ceil(percentile_cont(0.5) WITHIN GROUP (ORDER BY t.rounds))::int AS median
                                FROM t),
                       ranked AS (SELECT t.guid, t.rounds, t.kills, t.deaths, t.damage_given, t.seconds,
                                         ({cat.value})::float AS value
                                  FROM t, need WHERE t.rounds >= need.n AND {cat.where})
                  SELECT need.n, need.median, (SELECT count(*) FROM ranked) AS total,
                         ARRAY(SELECT ROW(rank() OVER (ORDER BY value {order}), guid, rounds, value, kills, deaths,
                                          damage_given, seconds)
                               FROM ranked ORDER BY value {order}, rounds DESC, guid LIMIT $6 OFFSET $7) AS rows
                  FROM need"""
        args = (since, until, map_name, min_rounds, cap, per_page * count)
        page = max(page, 1)
        row = await self.pool.fetchrow(sql, *args, (page - 1) * per_page)
        total = row["total"]
        pages = max(1, math.ceil(total / per_page))
        if page > pages:  # past the end: the last page
            page = pages
            row = await self.pool.fetchrow(sql, *args, (page - 1) * per_page)
        need = row["n"] or 1
        if min_rounds is not None:
            why = "as asked"
        elif cap == 1:
            why = "everyone who played counts on this board"
        elif row["median"] is None:
            why = "nobody played in this window"
        elif need < cap:
            why = "the median player's rounds in this window"
        else:
            why = f"this board's most for a long history (the median player has {row['median']})"
        names = await api.display_names(self.pool, [r[1] for r in row["rows"]])
        lines = [LeaderRow(rank, guid, names.get(guid, guid[:8]), round(value, 4), cat.display.format(value),
                           rounds, kd(kills, deaths), dpm(damage, seconds))
                 for rank, guid, rounds, value, kills, deaths, damage, seconds in row["rows"]]
        return [Leaderboard(
            category=cat.name, title=cat.title, column=cat.column, means=cat.means,
            rule=f"at least {need} counted round{'s' if need != 1 else ''}", page=number, pages=pages, total=total,
            rows=lines[(number - page) * per_page:(number - page + 1) * per_page],
            period=period if since is not None else "all", period_title=period_title, since=since, until=until,
            map=map_name, min_rounds=need, min_rounds_why=why)
            for number in range(page, min(pages, page + count - 1) + 1)]

    async def board_maps(self) -> list[tuple[str, int]]:
        """Maps with counted rounds, most played first: the boards' and records' map filter."""
        async def read() -> list[tuple[str, int]]:
            rows = await self.pool.fetch(
                f"SELECT r.map_name, count(*) AS n FROM stats.rounds r WHERE {COUNTED} GROUP BY 1 ORDER BY 2 DESC, 1")
            return [(r["map_name"], r["n"]) for r in rows]

        return await self._per_generation(("maps",), read)

    # -- sessions and rounds ----------------------------------------------------------------------

    async def sessions(self, month: str | None = None, limit: int = 50) -> list[SessionSummary]:
        """Gaming sessions, newest first; ``month`` as YYYY-MM narrows them."""
        if month:
            start = datetime.strptime(month, "%Y-%m")
            end = (start + timedelta(days=32)).replace(day=1)
        else:
            start, end = datetime.min, datetime.max
        rows = await self.pool.fetch(
            f"""WITH numbered AS ({NUMBERED})
                SELECT r.session_start, n.number, max(r.round_time) AS session_end, count(*) AS rounds,
                       count(*) FILTER (WHERE {COUNTED}) AS counted,
                       array_agg(DISTINCT r.map_name) AS maps,
                       (SELECT count(DISTINCT p.guid) FROM stats.player_rounds p JOIN stats.rounds q
                        ON q.id = p.round_id WHERE q.session_start = r.session_start AND NOT p.is_bot) AS players
                FROM stats.rounds r JOIN numbered n USING (session_start)
                WHERE r.session_start >= $1 AND r.session_start < $2
                GROUP BY r.session_start, n.number ORDER BY r.session_start DESC LIMIT $3""",
            start, end, limit)
        return [self._summary(r) for r in rows]

    @staticmethod
    def _summary(r: Any) -> SessionSummary:
        return SessionSummary(number=r["number"], start=r["session_start"], end=r["session_end"],
                              rounds=r["rounds"], counted_rounds=r["counted"], maps=sorted(r["maps"]),
                              players=r["players"])

    async def session_start_for(self, day: date | None = None) -> datetime | None:
        """The latest session, or the one a date means (the api's rule, which other plugins use too)."""
        if day is None:
            return await self.pool.fetchval(
                f"SELECT session_start FROM stats.rounds r WHERE {COUNTED} ORDER BY session_start DESC LIMIT 1")
        found = await api.session_for_date(self.pool, day)
        return found.start if found else None

    async def session_start_numbered(self, number: int) -> datetime | None:
        """The start of session ``number`` (as the session list numbers them, from 1)."""
        return next((s for s, n in (await self._session_numbers()).items() if n == number), None)

    async def session_numbers_on(self, day: date) -> dict[int, datetime]:
        """Every session that started on ``day``, by number (a day can hold two evenings)."""
        return {n: s for s, n in sorted((await self._session_numbers()).items()) if s.date() == day}

    async def _session_numbers(self) -> dict[datetime, int]:
        """Every session's number by its start; numbers only change with rounds, so they are read
        once per rebuild of the totals (counting the sessions before one cost 34 ms per ask)."""
        await self.refresh()
        if self._numbers[0] != self.generation:
            rows = await self.pool.fetch(NUMBERED)
            self._numbers = (self.generation, {r["session_start"]: r["number"] for r in rows})
        return self._numbers[1]

    async def session(self, start: datetime) -> SessionDetail | None:
        """A session by its start; None when there is none there (or nothing of it counts). Its
        rounds and figures only change with rounds: read once per rebuild; the names on every ask
        (``!setname`` changes them between rounds)."""
        number = (await self._session_numbers()).get(start)
        if number is None:
            return None
        parts = await self._per_generation(("session", start), lambda: self._session_parts(start, number))
        if parts is None:
            return None
        row, rounds, players = parts
        names = await api.display_names(self.pool, [p["guid"] for p in players])
        lines = [SessionPlayer(
            guid=p["guid"], name=names.get(p["guid"], p["guid"][:8]), rounds=p["rounds"], kills=p["kills"],
            deaths=p["deaths"],
            kd=kd(p["kills"], p["deaths"]), damage_given=p["damage_given"], damage_received=p["damage_received"],
            dpm=dpm(p["damage_given"], p["seconds"]), seconds=p["seconds"], dead_seconds=p["dead_seconds"],
            headshots=p["headshots"], headshot_kills=p["headshot_kills"], accuracy=pct(p["hits"], p["shots"]),
            revives_given=p["revives_given"], times_revived=p["times_revived"], gibs=p["gibs"], xp=p["xp"],
            objectives=p["objectives"], dynamites_planted=p["dynamites_planted"],
            dynamites_defused=p["dynamites_defused"], best_spree=p["best_spree"],
            worst_death_spree=p["worst_death_spree"], multikills=p["multikills"], kill_assists=p["kill_assists"],
            denied_playtime=p["denied_playtime"], useful_kills=p["useful_kills"]) for p in players]
        lines.sort(key=lambda p: (-p.dpm, p.guid))
        return SessionDetail(summary=self._summary(row), rounds=list(rounds), players=lines)

    async def _session_parts(self, start: datetime, number: int) -> tuple[Any, list[RoundLine], list[Any]] | None:
        row = await self.pool.fetchrow(
            f"""SELECT r.session_start, $2::bigint AS number,
                       max(r.round_time) AS session_end, count(*) AS rounds,
                       count(*) FILTER (WHERE {COUNTED}) AS counted, array_agg(DISTINCT r.map_name) AS maps,
                       (SELECT count(DISTINCT p.guid) FROM stats.player_rounds p JOIN stats.rounds q
                        ON q.id = p.round_id WHERE q.session_start = $1 AND NOT p.is_bot) AS players
                FROM stats.rounds r WHERE r.session_start = $1 GROUP BY r.session_start""", start, number)
        if row is None:
            return None
        rounds = await self._round_lines("r.session_start = $1", start)
        players = await self.pool.fetch(
            f"""SELECT p.guid, count(*) AS rounds,
                       sum(p.kills) AS kills, sum(p.deaths) AS deaths, sum(p.damage_given) AS damage_given,
                       sum(p.damage_received) AS damage_received, sum(p.time_played_seconds) AS seconds,
                       sum(least(p.time_dead_minutes * 60, p.time_played_seconds))::int AS dead_seconds,
                       sum(p.headshots) AS headshots, sum(p.headshot_kills) AS headshot_kills,
                       sum(p.hits) AS hits, sum(p.shots) AS shots,
                       sum(coalesce(p.revives_given, 0)) AS revives_given, sum(p.times_revived) AS times_revived,
                       sum(p.gibs) AS gibs, sum(p.xp) AS xp,
                       sum(p.objectives_stolen + p.objectives_returned) AS objectives,
                       sum(p.dynamites_planted) AS dynamites_planted, sum(p.dynamites_defused) AS dynamites_defused,
                       max(p.killing_spree_best) AS best_spree, max(p.death_spree_worst) AS worst_death_spree,
                       sum(p.double_kills + p.triple_kills + p.quad_kills + p.multi_kills + p.mega_kills)
                           AS multikills,
                       sum(p.kill_assists) AS kill_assists, sum(coalesce(p.denied_playtime, 0)) AS denied_playtime,
                       sum(p.most_useful_kills) AS useful_kills
                FROM stats.player_rounds p JOIN stats.rounds r ON r.id = p.round_id
                WHERE r.session_start = $1 AND {COUNTED} AND NOT p.is_bot
                GROUP BY p.guid""", start)
        return row, rounds, players

    async def _round_lines(self, where: str, *args: Any, limit: int = 10_000) -> list[RoundLine]:
        rows = await self.pool.fetch(
            f"""SELECT r.id, r.match_id, r.map_name, r.round_number, r.round_time, r.status, r.is_valid,
                       r.defender_team, r.winner_team, r.outcome, r.duration_seconds, r.duration_source,
                       (SELECT count(*) FROM stats.player_rounds p WHERE p.round_id = r.id) AS players
                FROM stats.rounds r WHERE {where} ORDER BY r.round_time, r.id LIMIT {int(limit)}""", *args)
        return [RoundLine(id=r["id"], match_id=r["match_id"], map=r["map_name"], round_number=r["round_number"],
                          round_time=r["round_time"], status=r["status"], is_valid=r["is_valid"],
                          defender_team=r["defender_team"], winner_team=r["winner_team"], outcome=r["outcome"],
                          duration_seconds=r["duration_seconds"], duration_source=r["duration_source"],
                          players=r["players"]) for r in rows]

    async def rounds(self, *, map_name: str | None = None, day: date | None = None, limit: int = 50
                     ) -> list[RoundLine]:
        """Most recent rounds, optionally of one map or one day (newest last)."""
        lines = await self._round_lines(
            "($1::text IS NULL OR r.map_name = $1) AND ($2::date IS NULL OR r.round_time::date = $2) AND "
            "r.round_time >= coalesce((SELECT min(round_time) FROM (SELECT round_time FROM stats.rounds q "
            "WHERE ($1::text IS NULL OR q.map_name = $1) AND ($2::date IS NULL OR q.round_time::date = $2) "
            f"ORDER BY round_time DESC LIMIT {int(limit)}) x), '-infinity')", map_name, day)
        return lines[-limit:]

    async def files(self, *, status: str | None = None, limit: int = 50) -> list[FileLine]:
        """Files received, newest first; optionally only those of one status (quarantined, held…)."""
        rows = await self.pool.fetch(
            """SELECT id, name, kind, status, reason, source, received_at, octet_length(data) AS size
               FROM stats.files WHERE $1::text IS NULL OR status = $1 ORDER BY id DESC LIMIT $2""", status, limit)
        return [FileLine(**dict(r)) for r in rows]

    async def round(self, round_id: int) -> RoundDetail | None:
        lines = await self._round_lines("r.id = $1", round_id)
        if not lines:
            return None
        players = await self.pool.fetch(
            """SELECT guid, team, kills, deaths, damage_given, damage_received, dpm, time_played_seconds,
                      headshots, headshot_kills, accuracy, coalesce(revives_given, 0) AS revives_given, gibs, xp
               FROM stats.player_rounds WHERE round_id = $1 ORDER BY team, damage_given DESC""", round_id)
        awards = await self.pool.fetch(
            "SELECT award, player_name, guid, value_text FROM stats.awards WHERE round_id = $1 ORDER BY ordinal",
            round_id)
        versus = await self.pool.fetch(
            """SELECT subject_name, opponent_name, kills, deaths FROM stats.versus WHERE round_id = $1
               ORDER BY subject_name, kills DESC""", round_id)
        links = await self.pool.fetchrow(
            """SELECT r1_round_id, session_start, (SELECT min(id) FROM stats.rounds q WHERE q.r1_round_id = $1) AS r2
               FROM stats.rounds WHERE id = $1""", round_id)
        r1 = links["r1_round_id"]
        first = await self._round_lines("r.id = $1", r1) if r1 else []
        names = await api.display_names(self.pool, [p["guid"] for p in players]
                                        + [a["guid"] for a in awards if a["guid"]])
        return RoundDetail(
            round=lines[0],
            players=[RoundPlayer(guid=p["guid"], name=names.get(p["guid"], p["guid"][:8]), team=p["team"],
                                 kills=p["kills"], deaths=p["deaths"], damage_given=p["damage_given"],
                                 damage_received=p["damage_received"], dpm=round(p["dpm"], 1),
                                 seconds=p["time_played_seconds"], headshots=p["headshots"],
                                 headshot_kills=p["headshot_kills"], accuracy=round(p["accuracy"], 1),
                                 revives_given=p["revives_given"], gibs=p["gibs"], xp=p["xp"]) for p in players],
            awards=[Award(a["award"], names.get(a["guid"], a["player_name"]), a["guid"], a["value_text"])
                    for a in awards],
            versus=[Versus(v["subject_name"], v["opponent_name"], v["kills"], v["deaths"]) for v in versus],
            r1_round_id=r1, r2_round_id=links["r2"], session_start=links["session_start"],
            r1=first[0] if first else None)

    # -- records ----------------------------------------------------------------------------------

    async def records(self, map_name: str | None = None, places: int = 3) -> list[Record]:
        """Single-round bests over counted rounds (optionally on one map): the top ``places``
        values of each record, every player who reached a value named (DPM needs 5+ minutes)."""
        return await self._per_generation(("records", map_name, places), lambda: self._records(map_name, places))

    async def _records(self, map_name: str | None, places: int) -> list[Record]:
        # Two passes over the rounds instead of ranking every value of every record (10 000 rounds:
        # 0.3 s instead of 0.8 s): each record's ``places``-th best value, then the rows reaching it.
        values = ", ".join(f"CASE WHEN {fits} THEN ({value})::float END AS v{i}"
                           for i, (_, value, _, fits) in enumerate(RECORDS))
        bars = ", ".join(f"(array_agg(DISTINCT v{i} ORDER BY v{i} DESC) FILTER (WHERE v{i} > 0))[$2] AS b{i}"
                         for i in range(len(RECORDS)))
        reached = " OR ".join(f"v{i} >= coalesce(b{i}, 0) AND v{i} > 0" for i in range(len(RECORDS)))
        rows = await self.pool.fetch(
            f"""WITH c AS MATERIALIZED (
                    SELECT p.guid, r.id, r.map_name, r.round_time, {values}
                    FROM stats.player_rounds p JOIN stats.rounds r ON r.id = p.round_id
                    WHERE {COUNTED} AND NOT p.is_bot AND ($1::text IS NULL OR r.map_name = $1)),
                bar AS (SELECT {bars} FROM c)
                SELECT c.*, bar.* FROM c, bar WHERE {reached} ORDER BY c.round_time, c.guid""",
            map_name, places)
        names = await api.display_names(self.pool, {r["guid"] for r in rows})
        found = []
        for i, (title, _, display, _) in enumerate(RECORDS):
            bar = rows[0][f"b{i}"] if rows else None
            reached_it = [r for r in rows if r[f"v{i}"] is not None and r[f"v{i}"] >= (bar or 0) and r[f"v{i}"] > 0]
            best = sorted({r[f"v{i}"] for r in reached_it}, reverse=True)
            for place, value in enumerate(best, 1):
                holders: dict[str, Holder] = {}
                for r in reached_it:  # oldest first: a holder's round is where they first reached the value
                    if r[f"v{i}"] != value:
                        continue
                    if r["guid"] in holders:
                        holders[r["guid"]].times += 1
                    else:
                        holders[r["guid"]] = Holder(guid=r["guid"], name=names.get(r["guid"], r["guid"][:8]),
                                                    round_id=r["id"], map=r["map_name"], round_time=r["round_time"])
                found.append(Record(title=title, place=place, value=value, display=display.format(value),
                                    holders=list(holders.values())))
        return found

    async def fastest_attacks(self, map_name: str | None = None) -> list[FastestAttack]:
        """Per map, the quickest attack that completed the objective (the header's winner is not
        the defender, spec §4.5; a surrender is no attack) in a counted round, with the attacking
        side's players; equal times each count. Maps by name."""
        return await self._per_generation(("attacks", map_name), lambda: self._fastest_attacks(map_name))

    async def _fastest_attacks(self, map_name: str | None) -> list[FastestAttack]:
        rows = await self.pool.fetch(
            f"""WITH done AS (
                    SELECT r.id, r.map_name, r.round_number, r.round_time, r.duration_seconds, r.duration_source,
                           r.defender_team, r.time_limit_seconds,
                           rank() OVER (PARTITION BY r.map_name ORDER BY r.duration_seconds) AS place
                    FROM stats.rounds r
                    WHERE {COUNTED} AND r.outcome = 'completed' AND r.duration_seconds > 0
                      AND r.surrender_team IS NULL AND r.end_reason IS DISTINCT FROM 'surrender'
                      AND ($1::text IS NULL OR r.map_name = $1))
                SELECT d.*, ARRAY(SELECT p.guid FROM stats.player_rounds p
                                  WHERE p.round_id = d.id AND p.team IN (1, 2) AND p.team <> d.defender_team
                                    AND NOT p.is_bot ORDER BY p.damage_given DESC, p.guid) AS attackers
                FROM done d WHERE place = 1 ORDER BY d.map_name, d.round_time""", map_name)
        names = await api.display_names(self.pool, {g for r in rows for g in r["attackers"]})
        return [FastestAttack(map=r["map_name"], seconds=r["duration_seconds"], display=duration(r["duration_seconds"]),
                              time_limit_seconds=r["time_limit_seconds"], round_id=r["id"],
                              round_number=r["round_number"], round_time=r["round_time"],
                              duration_source=r["duration_source"],
                              attackers=[AttackPlayer(g, names.get(g, g[:8])) for g in r["attackers"]])
                for r in rows]

    async def session_series(self, start: datetime) -> SessionSeries:
        """Per player GUID: (round index, DPM, kills, deaths) for each counted round of the session;
        ``rounds`` names the rounds by index (1-based): ``supply R1``."""
        rows = await self.pool.fetch(
            f"""SELECT p.guid, p.dpm, p.kills, p.deaths, r.map_name, r.round_number,
                       dense_rank() OVER (ORDER BY r.round_time, r.id) AS idx
                FROM stats.player_rounds p JOIN stats.rounds r ON r.id = p.round_id
                WHERE r.session_start = $1 AND {COUNTED} AND NOT p.is_bot ORDER BY r.round_time""", start)
        players: dict[str, list[tuple[int, float, int, int]]] = {}
        labels: dict[int, str] = {}
        for r in rows:
            players.setdefault(r["guid"], []).append((r["idx"], round(r["dpm"], 1), r["kills"], r["deaths"]))
            labels[r["idx"]] = f"{r['map_name']} R{r['round_number']}"
        return SessionSeries(rounds=[labels[i] for i in sorted(labels)], players=players)

    async def latest_time(self) -> datetime | None:
        """The history's "now": analytics windows end at the latest round, not the wall clock,
        so an imported history reads the same whenever it is read."""
        return await api.history_now(self.pool)

    async def player_rounds(self, guid: str, since: datetime | None = None) -> list[Any]:
        """Counted rounds of one player, oldest first, with the round's sides (for analytics)."""
        return await self.pool.fetch(
            f"""SELECT r.id, r.round_time, r.map_name, r.round_number, r.session_start, r.defender_team,
                       p.team, p.kills, p.deaths, p.damage_given, p.time_played_seconds, p.dpm
                FROM stats.player_rounds p JOIN stats.rounds r ON r.id = p.round_id
                WHERE p.guid = $1 AND {COUNTED} AND ($2::timestamp IS NULL OR r.round_time >= $2)
                ORDER BY r.round_time""", guid, since)

    async def session_weapons(self, start: datetime) -> list[WeaponLine]:
        rows = await self.pool.fetch(
            f"""SELECT w.weapon, sum(w.kills) AS kills, sum(w.deaths) AS deaths, sum(w.hits) AS hits,
                       sum(w.shots) AS shots, sum(w.headshots) AS headshots
                FROM stats.weapon_rounds w JOIN stats.rounds r ON r.id = w.round_id
                WHERE r.session_start = $1 AND {COUNTED} GROUP BY w.weapon ORDER BY sum(w.kills) DESC""", start)
        return [WeaponLine(w["weapon"], w["kills"], w["deaths"], w["hits"], w["shots"], w["headshots"],
                           weapon_accuracy(w["weapon"], w["hits"], w["shots"])) for w in rows]
